-- One row per region of one level, indicator and year (sex T): used for peers and components.
-- `in (select unnest(...))` lets DuckDB push the id list into the Parquet scan (row groups
-- of other indicators are skipped); list_contains() would be evaluated on every row.
with final as (
    select geo_code, indicator_id, value
    from indicator_values
    where nuts_level = $level
      and year = $year
      and sex = 'T'
      and indicator_id in (select unnest($indicator_ids))
      and value is not null
)

select * from final order by indicator_id, geo_code
