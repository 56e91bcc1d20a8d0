-- One row per region of one NUTS level: Kohesio funding totals of $year (EUR), the
-- population of $year with its source, the latest innovation group and cohesion-policy
-- category up to $year (with its source: 'demo' = synthetic). Missing stays null.
with v as (
    select indicator_id, geo_code, value, flag, source
    from indicator_values
    where nuts_level = $level and year = $year and sex = 'T'
      and indicator_id in ('cohesion_eu_contribution_eur', 'cohesion_total_budget_eur',
                           'cohesion_beneficiaries', 'population_persons')
),
funded as (
    select geo_code,
           max(value) filter (where indicator_id = 'cohesion_eu_contribution_eur') as eu_contribution_eur,
           max(value) filter (where indicator_id = 'cohesion_total_budget_eur') as total_budget_eur,
           max(value) filter (where indicator_id = 'cohesion_beneficiaries') as beneficiaries,
           bool_or(indicator_id like 'cohesion_%' and coalesce(flag, '') like '%t%') as partial,
           max(value) filter (where indicator_id = 'population_persons') as population,
           max(source) filter (where indicator_id = 'population_persons') as population_source
    from v
    group by geo_code
    having eu_contribution_eur is not null or total_budget_eur is not null
),
grp as (
    select geo_code, grp as innovation_group, cast(year as integer) as group_year
    from innovation_groups
    where nuts_level = $level and year <= $year and grp is not null
    qualify row_number() over (partition by geo_code order by year desc) = 1
),
cat as (
    select geo_code, cast(value as integer) as cohesion_category,
           cast(year as integer) as category_year, source as category_source
    from indicator_values
    where indicator_id = 'cohesion_category' and nuts_level = $level and year <= $year
      and value is not null
    qualify row_number() over (partition by geo_code order by year desc) = 1
),
final as (
    select f.geo_code, r.geo_name, left(f.geo_code, 2) as country_code,
           f.eu_contribution_eur, f.total_budget_eur, f.beneficiaries,
           coalesce(f.partial, false) as partial, f.population, f.population_source,
           g.innovation_group, g.group_year, c.cohesion_category, c.category_year,
           c.category_source
    from funded f
    left join grp g using (geo_code)
    left join cat c using (geo_code)
    left join regions r on r.geo_code = f.geo_code and r.nuts_version = $nuts_version
)
select * from final order by geo_code
