-- Whether any value of one indicator comes from the synthetic demo panel.
select exists (
    select 1 from indicator_values where indicator_id = $indicator_id and source = 'demo'
) as demo
