-- One row per indicator (of $indicator_ids) and region (of $geo_codes): the latest non-null
-- value for both sexes together (sex T), with its year, flag and source.
with final as (
    select indicator_id, geo_code, year, value, flag, source
    from indicator_values
    where list_contains($indicator_ids, indicator_id)
      and list_contains($geo_codes, geo_code)
      and sex = 'T'
      and value is not null
    qualify row_number() over (partition by indicator_id, geo_code order by year desc) = 1
)

select * from final order by geo_code, indicator_id
