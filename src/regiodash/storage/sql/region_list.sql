-- One row per region of one NUTS version (all levels): names, level, country, parent.
with final as (
    select geo_code, geo_name, nuts_level, country_code, parent_code, is_overseas
    from regions
    where nuts_version = $nuts_version
)

select * from final order by nuts_level, geo_code
