-- Every value of one region (all indicators, years and sexes) with flag and source, as it is
-- stored: read from the by-region copy of indicator_values, where one region's rows sit in
-- one or two row groups. The catalog columns and the order are added by
-- storage.region_rows.join_catalog (cheaper there than a join and a text sort here).
select indicator_id, year, sex, value, flag, source, nuts_version, converted_from
from indicator_values_by_region
where geo_code = $geo_code
