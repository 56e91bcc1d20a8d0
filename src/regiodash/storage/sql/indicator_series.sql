-- One row per region (of a given list), year and sex for one indicator: the time series.
with final as (
    select v.geo_code, r.geo_name, v.year, v.sex, v.value, v.flag, v.source, v.nuts_level
    from indicator_values as v
    left join regions as r
        on r.geo_code = v.geo_code and r.nuts_version = v.nuts_version
    where v.indicator_id = $indicator_id
      and list_contains($geo_codes, v.geo_code)
)

select * from final order by geo_code, year, sex
