-- One row per region of one NUTS level and year: relative index, group and subgroup.
with final as (
    select g.geo_code, r.geo_name, r.country_code, g.year, g.relative_index, g.grp, g.subgroup
    from innovation_groups as g
    left join regions as r
        on r.geo_code = g.geo_code and r.nuts_version = g.nuts_version
    where g.nuts_level = $level
)

select * from final order by year, geo_code
