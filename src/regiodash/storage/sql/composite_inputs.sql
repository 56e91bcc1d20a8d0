-- The values a composite index reads: every level and year, sex T, of the named indicators
-- (and the population, for the EU fallback); the method selects levels, window and reference.
with final as (
    select indicator_id, geo_code, nuts_level, nuts_version, year, sex, value, flag, source
    from indicator_values
    where sex = 'T'
      and indicator_id in (select unnest($indicator_ids))
)

select * from final
