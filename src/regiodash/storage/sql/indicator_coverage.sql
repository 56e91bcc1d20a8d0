-- One row per NUTS level, year and sex for which an indicator has at least one value.
with final as (
    select nuts_level, year, sex, count(*) as regions, bool_or(source = 'demo') as has_demo
    from indicator_values
    where indicator_id = $indicator_id and nuts_level >= 0 and value is not null
    group by all
)

select * from final order by nuts_level, year, sex
