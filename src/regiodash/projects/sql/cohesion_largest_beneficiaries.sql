-- The largest Kohesio beneficiaries (by EU contribution, then budget) of a country, NUTS 2
-- or NUTS 3 region ($geo_code: a country code selects the country's rows, a longer code
-- the rows of regions whose code starts with it), optionally only names containing $search
-- (lower case, Latin, no accents: compared with name_search). Missing amounts sort last.
with b as (
    select *
    from raw_kohesio_beneficiaries
    where (case when length($geo_code) = 2 then country_code = $geo_code
                else starts_with(geo_code, $geo_code) end)
      and ($search = '' or contains(name_search, $search))
),
final as (
    select beneficiary_name, name_latin, region, geo_code, eu_contribution_eur,
           total_budget_eur, projects, is_cluster, region_partial, multi_region, line
    from b
    order by eu_contribution_eur desc nulls last, total_budget_eur desc nulls last, line
    limit $limit
)
select * from final
