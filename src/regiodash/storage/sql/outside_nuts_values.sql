-- One row per country, year and sex of one indicator at NUTS level 0 whose code is no region of
-- the NUTS version (countries outside the NUTS area, e.g. World Bank values for Morocco):
-- every year, with flag, source and version. Missing values (value null) are kept as rows.
with nuts_codes as (
    select geo_code
    from regions
    where nuts_version = $nuts_version
),

final as (
    select v.geo_code, v.year, v.sex, v.value, v.flag, v.source, v.nuts_version,
        v.converted_from
    from indicator_values as v
    where v.indicator_id = $indicator_id
      and v.nuts_level = 0
      and v.geo_code not in (select geo_code from nuts_codes)
)

select * from final order by geo_code, year, sex
