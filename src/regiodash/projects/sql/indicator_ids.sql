-- The indicator ids that have values in the warehouse, sorted.
select distinct indicator_id from indicator_values order by 1
