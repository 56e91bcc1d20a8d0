-- One row per partner region at NUTS $level (2, else the country; frame `partner_budgets`;
-- in-memory connection): projects, partners, allocated budget in EUR, illustrative partners.
-- Partners without a region at that level are left out.
with picked as (
    select case when $level = 2 then nuts2_code else nuts0_code end as geo_code,
           case when $level = 2 then nuts2_name else country_name end as geo_name,
           project_id, budget_eur, source
    from partner_budgets
),

final as (
    select geo_code, geo_name,
           count(distinct project_id) as projects,
           count(*) as partners,
           sum(budget_eur) as budget_eur,
           count(*) filter (where source = 'illustrative') as illustrative_partners
    from picked
    where geo_code is not null
    group by geo_code, geo_name
)

select * from final order by partners desc, budget_eur desc nulls last, geo_code
