-- Catalog values feeding the Regional Innovation Index at one NUTS level (plus the EU27
-- aggregate and population), all years, sex T: the input of a reweighted index.
-- The id list as a semi join so DuckDB pushes it into the Parquet scan (see level_values).
with final as (
    select indicator_id, geo_code, nuts_level, nuts_version, year, sex, value, flag, source
    from indicator_values
    where (nuts_level = $level or nuts_level = -1)
      and sex = 'T'
      and indicator_id in (select unnest($indicator_ids))
)

select * from final
