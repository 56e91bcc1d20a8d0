-- One row per region of one level, indicator and year (sex T): used for peers and components.
with final as (
    select geo_code, indicator_id, value
    from indicator_values
    where nuts_level = $level
      and year = $year
      and sex = 'T'
      and list_contains($indicator_ids, indicator_id)
      and value is not null
)

select * from final order by indicator_id, geo_code
