-- The columns of the warehouse's innovation_groups relation (a file written by another
-- version of the build may lack some).
select column_name
from information_schema.columns
where table_name = 'innovation_groups'
