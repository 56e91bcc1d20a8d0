-- One row per indicator, year and sex for one region: every value with flag and source,
-- joined to the catalog for title, unit, domain and direction. Read from the by-region copy
-- of indicator_values, where one region's rows sit in one or two row groups.
with values_for_region as (
    select indicator_id, year, sex, value, flag, source, nuts_version, nuts_level,
        converted_from
    from indicator_values_by_region
    where geo_code = $geo_code
),

final as (
    select
        v.indicator_id,
        c.title,
        c.domain,
        c.unit,
        c.direction,
        v.year,
        v.sex,
        v.value,
        v.flag,
        v.source,
        v.nuts_version,
        v.converted_from,
        c.source_dataset
    from values_for_region as v
    left join indicator_catalog as c using (indicator_id)
)

select * from final order by domain, indicator_id, year, sex
