-- One row: coverage of the warehouse (regions x years x indicators) and its freshness.
with values_summary as (
    select
        count(*) as n_values,
        count(distinct geo_code) as n_regions,
        count(distinct indicator_id) as n_indicators,
        min(year) as first_year,
        max(year) as last_year,
        count(*) filter (where source = 'demo') as n_demo
    from indicator_values
),

imports as (
    select max(imported_at) as last_import, count(*) as n_imports from manifest
),

final as (
    select * from values_summary cross join imports
)

select * from final
