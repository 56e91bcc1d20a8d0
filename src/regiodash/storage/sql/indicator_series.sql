-- One row per region (of a given list), year and sex for one indicator: the time series.
-- indicator_id = ... already narrows the scan to one or two row groups; list_contains() on
-- those rows is cheaper than a semi join on the list (measured), and cheaper here than the
-- by-region copy, where each region sits in a different row group.
with final as (
    select v.geo_code, r.geo_name, v.year, v.sex, v.value, v.flag, v.source, v.nuts_level
    from indicator_values as v
    left join regions as r
        on r.geo_code = v.geo_code and r.nuts_version = v.nuts_version
    where v.indicator_id = $indicator_id
      and list_contains($geo_codes, v.geo_code)
)

select * from final order by geo_code, year, sex
