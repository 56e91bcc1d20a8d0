-- One row: coverage of the warehouse (regions x years x indicators) and its freshness.
-- Each figure is read where it is cheapest rather than in one scan of every column: counts
-- and year range from the Parquet footer, distinct indicators from the indicator-sorted file,
-- distinct regions from the region-sorted copy (long runs of one code hash quickly).
with counts as (
    select count(*) as n_values, min(year) as first_year, max(year) as last_year
    from indicator_values
),

demo as (
    select count(*) as n_demo from indicator_values where source = 'demo'
),

indicators as (
    select count(distinct indicator_id) as n_indicators from indicator_values
),

regions_with_values as (
    select count(distinct geo_code) as n_regions from indicator_values_by_region
),

imports as (
    select max(imported_at) as last_import, count(*) as n_imports from manifest
),

final as (
    select
        c.n_values,
        r.n_regions,
        i.n_indicators,
        c.first_year,
        c.last_year,
        d.n_demo,
        m.last_import,
        m.n_imports
    from counts as c
    cross join regions_with_values as r
    cross join indicators as i
    cross join demo as d
    cross join imports as m
)

select * from final
