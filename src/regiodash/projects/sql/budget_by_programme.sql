-- One row per programme (frame `projects`; in-memory connection): projects, projects with a
-- known budget, budget sums in EUR, and whether the programme or a project is illustrative.
with flagged as (
    select *,
           list_contains(string_split(coalesce(illustrative_fields, ''), ';'), 'programme')
               as programme_illustrative
    from projects
),

final as (
    select programme,
           count(*) as projects,
           count(total_budget_eur) as projects_with_budget,
           sum(total_budget_eur) as total_budget_eur,
           sum(eu_cofinancing_eur) as eu_cofinancing_eur,
           bool_or(programme_illustrative or source = 'illustrative') as illustrative
    from flagged
    group by programme
)

select * from final order by projects desc, programme
