-- Member rows of a user-defined area for one indicator, plus the members' population (the
-- weights of the aggregate): one row per indicator, member region, year and sex.
with final as (
    select indicator_id, geo_code, nuts_level, nuts_version, year, sex, value, flag, source
    from indicator_values
    where list_contains($geo_codes, geo_code)
      and (indicator_id = $indicator_id or indicator_id = 'population_persons')
)

select * from final
