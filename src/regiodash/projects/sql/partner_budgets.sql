-- One row per partner (frames `projects`, `partners`, `regions`; in-memory connection): its
-- NUTS 2, NUTS 1 and country codes and names, and its budget in EUR. A partner outside the
-- NUTS area (nuts_code null) is located by its country: location_country is the NUTS country
-- (first two characters of nuts_code), else the partner's country_code; `regions` may hold
-- countries outside NUTS (level 0) for their names. A known budget_share
-- takes that share of the project budget; partners without one split what the known shares
-- leave equally; a project without a total budget gives null (never zero).
with shares as (
    select project_id,
           coalesce(sum(budget_share), 0) as known_share,
           count(*) filter (where budget_share is null) as partners_without_share
    from partners
    group by project_id
),

located as (
    select pa.project_id, pa.partner_name, pa.role, pa.city, pa.country_code, pa.nuts_code,
           pa.nuts_level, pa.budget_share, pa.source, pa.note,
           case when pa.nuts_level >= 2 then left(pa.nuts_code, 4) end as nuts2_code,
           case when pa.nuts_level >= 1 then left(pa.nuts_code, 3) end as nuts1_code,
           case when pa.nuts_code is not null then left(pa.nuts_code, 2) end as nuts0_code,
           coalesce(left(pa.nuts_code, 2), pa.country_code) as location_country,
           pa.nuts_code is null as outside_nuts,
           pr.acronym, pr.programme, pr.total_budget_eur,
           case
               when pr.total_budget_eur is null then null
               when pa.budget_share is not null then pr.total_budget_eur * pa.budget_share
               else pr.total_budget_eur * greatest(1 - s.known_share, 0)
                    / s.partners_without_share
           end as budget_eur,
           case
               when pr.total_budget_eur is null then 'unknown'
               when pa.budget_share is not null then 'budget share'
               else 'equal split'
           end as budget_basis
    from partners as pa
    join projects as pr using (project_id)
    join shares as s using (project_id)
),

final as (
    select l.*, r.geo_name, r2.geo_name as nuts2_name, r0.geo_name as country_name
    from located as l
    left join regions as r on r.geo_code = l.nuts_code
    left join regions as r2 on r2.geo_code = l.nuts2_code
    left join regions as r0 on r0.geo_code = l.location_country
)

select * from final order by project_id, role, partner_name
