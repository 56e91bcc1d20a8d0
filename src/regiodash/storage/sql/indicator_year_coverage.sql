-- One row per NUTS level, sex and year in which an indicator has at least one value: the
-- regions with a value that year, and the regions with a value in any year at that level and
-- sex (the indicator's regions: what "80 % of the level's regions" is measured against, so a
-- dataset published for the EU only is not held to candidate countries it never covers).
-- Missing values (value null) count as no value.
with values_present as (
    select nuts_level, sex, year, geo_code
    from indicator_values
    where indicator_id = $indicator_id and nuts_level >= 0 and value is not null
),

per_year as (
    select nuts_level, sex, year, count(distinct geo_code) as regions
    from values_present
    group by all
),

per_level as (
    select nuts_level, sex, count(distinct geo_code) as level_regions
    from values_present
    group by all
),

final as (
    select y.nuts_level, y.sex, y.year, y.regions, l.level_regions
    from per_year as y
    join per_level as l using (nuts_level, sex)
)

select * from final order by nuts_level, sex, year
