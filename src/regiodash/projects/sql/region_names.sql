-- One row per region of one NUTS version, from the reference file at $path (run on an
-- in-memory connection): geo_code, geo_name, nuts_level, country_code.
select geo_code, geo_name, nuts_level, country_code
from read_parquet($path)
where nuts_version = $nuts_version
order by geo_code
