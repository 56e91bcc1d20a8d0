"""Where World Bank values meet another source's for the same key, say so.

The build keeps one value per indicator, region, year and sex by source precedence
(storage.build.SOURCE_PRECEDENCE: user, eurostat, then worldbank). A WDI series feeds a
Eurostat indicator only where the definitions agree (indicators.catalog.WDI_SAME_AS), and then
Eurostat's value wins for the countries it covers. That choice must not be silent:
`report_source_overlaps` gives one line per indicator where both exist, for the build's
progress and summary. Demo rows do not count (they are placeholders, never mixed with real
data on purpose).
"""

from __future__ import annotations

import pyarrow as pa

from regiodash.storage.arrow_codes import lookup_codes

WORLDBANK = "worldbank"
_KEY = ["indicator_id", "geo_code", "year", "sex"]


def report_source_overlaps(observations: pa.Table, ranks: dict[str, int]) -> list[str]:
    """One line per indicator whose worldbank rows share a key (indicator, geo_code, year,
    sex) with rows of a better-ranked source: how many keys, which source was kept, and an
    example. Empty when World Bank values stand alone (the usual case)."""
    worldbank = lookup_codes(observations.column("source"), {WORLDBANK: 1}, 0).astype(bool)
    if not worldbank.any():
        return []
    wb = observations.filter(pa.array(worldbank)).select([*_KEY, "source"]).to_pandas()
    ids = set(wb["indicator_id"].astype(str))
    better = {s: 1 for s, rank in ranks.items() if rank < ranks.get(WORLDBANK, 99)}
    keep = (lookup_codes(observations.column("indicator_id"), dict.fromkeys(ids, 1), 0)
            & lookup_codes(observations.column("source"), better, 0)).astype(bool)
    if not keep.any():
        return []
    other = observations.filter(pa.array(keep)).select([*_KEY, "source"]).to_pandas()
    for frame in (wb, other):
        frame[["indicator_id", "geo_code", "sex", "source"]] = frame[
            ["indicator_id", "geo_code", "sex", "source"]].astype(str)
    both = wb.merge(other, on=_KEY, suffixes=("_wb", ""))
    lines = []
    for indicator, rows in both.groupby("indicator_id", sort=True):
        kept = ", ".join(sorted(set(rows["source"])))
        first = rows.sort_values(["geo_code", "year"]).iloc[0]
        lines.append(
            f"{indicator}: {len(rows):,} country-years have both World Bank and {kept} "
            f"values (e.g. {first['geo_code']} {first['year']}); {kept} kept, World Bank "
            f"used only where {kept} has no value")
    return lines
