-- One row per region of one level for one indicator and sex, for every year: used for
-- rankings (value, rank, change) and the country distribution strips.
with final as (
    select v.geo_code, r.geo_name, r.country_code, v.year, v.value, v.flag, v.source
    from indicator_values as v
    join regions as r
        on r.geo_code = v.geo_code and r.nuts_version = v.nuts_version
    where v.indicator_id = $indicator_id
      and v.nuts_level = $level
      and v.sex = $sex
      and v.value is not null
)

select * from final order by year, geo_code
