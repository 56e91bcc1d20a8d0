-- One row per indicator with at least one value (value not null): how many values, regions
-- and years it has, and whether any of them is synthetic demo data. Indicators of the catalog
-- without a row here have no data in the warehouse.
with final as (
    select
        indicator_id,
        count(*) as n_values,
        count(distinct geo_code) as n_regions,
        min(year) as first_year,
        max(year) as last_year,
        bool_or(source = 'demo') as has_demo
    from indicator_values
    where value is not null
    group by indicator_id
)

select * from final order by indicator_id
