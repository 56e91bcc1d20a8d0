-- One row per partner region at NUTS $level (2, else the country; frame `partner_budgets`;
-- in-memory connection): projects, partners, allocated budget in EUR, illustrative partners,
-- partners outside the NUTS area (counted by their country at level 0). Partners without a
-- region at that level are left out.
with picked as (
    select case when $level = 2 then nuts2_code else location_country end as geo_code,
           case when $level = 2 then nuts2_name else country_name end as geo_name,
           project_id, budget_eur, source, outside_nuts
    from partner_budgets
),

final as (
    select geo_code, geo_name,
           count(distinct project_id) as projects,
           count(*) as partners,
           sum(budget_eur) as budget_eur,
           count(*) filter (where source = 'illustrative') as illustrative_partners,
           count(*) filter (where outside_nuts) as partners_outside_nuts
    from picked
    where geo_code is not null
    group by geo_code, geo_name
)

select * from final order by partners desc, budget_eur desc nulls last, geo_code
