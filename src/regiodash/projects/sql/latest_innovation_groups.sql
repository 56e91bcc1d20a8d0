-- One row per region (any NUTS level): the latest year with a group and that group.
select geo_code,
       cast(nuts_level as integer) as nuts_level,
       cast(year as integer) as year,
       grp
from innovation_groups
where grp is not null
qualify row_number() over (partition by geo_code order by year desc) = 1
order by geo_code
