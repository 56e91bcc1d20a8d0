-- One row per region of one NUTS level and version: the indicator's value for one year and sex,
-- with the region's name. Regions without a value are kept (value null) so maps show them grey.
with regions_at_level as (
    select geo_code, geo_name, country_code, is_overseas
    from regions
    where nuts_level = $level and nuts_version = $nuts_version
),

values_for_view as (
    select geo_code, value, flag, source, nuts_version, converted_from
    from indicator_values
    where indicator_id = $indicator_id
      and nuts_level = $level
      and year = $year
      and sex = $sex
),

final as (
    select
        r.geo_code,
        r.geo_name,
        r.country_code,
        r.is_overseas,
        v.value,
        v.flag,
        v.source,
        coalesce(v.nuts_version, $nuts_version) as nuts_version,
        v.converted_from
    from regions_at_level as r
    left join values_for_view as v using (geo_code)
)

select * from final order by geo_code
