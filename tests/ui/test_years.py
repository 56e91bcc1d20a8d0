"""The 80 % rule for default years (ui.years), on small inline counts and on the real GDP file."""

from __future__ import annotations

import pandas as pd
import pytest

from regiodash.ui.years import choose_default_year, default_span, ranking_note


def counts_of(frame: pd.DataFrame) -> tuple[dict[int, int], int]:
    """(year -> regions with a value, regions with a value in any year) of a long frame."""
    present = frame[frame["value"].notna()]
    return ({int(y): int(n) for y, n in present.groupby("year")["geo_code"].nunique().items()},
            int(present["geo_code"].nunique()))


def test_a_sparse_newest_year_is_skipped_and_named():
    # 10 regions; 2021 complete, 2022 only 2 of them (the rest published later: null)
    frame = pd.DataFrame({
        "geo_code": [f"R{i}" for i in range(10)] * 2,
        "year": [2021] * 10 + [2022] * 10,
        "value": [1.0] * 10 + [1.0, 2.0] + [None] * 8,
    })
    counts, total = counts_of(frame)
    assert (counts, total) == ({2021: 10, 2022: 2}, 10)
    chosen = choose_default_year(counts, total, 3)
    assert chosen.year == 2021
    assert chosen.note == ("2022 has values for only 2 of the 10 NUTS 3 regions with this "
                           "indicator; showing 2021, the latest year with values for at least "
                           "80 % of them.")


def test_exactly_80_percent_is_enough_and_the_latest_such_year_wins():
    chosen = choose_default_year({2019: 10, 2020: 8, 2021: 7}, 10, 2)
    assert chosen.year == 2020 and "2021 has values for only 7 of the 10" in chosen.note
    assert choose_default_year({2019: 10, 2020: 8}, 10, 2).note is None


def test_several_sparse_years_are_named_with_their_counts():
    chosen = choose_default_year({2018: 100, 2019: 50, 2020: 10, 2021: 3, 2022: 1}, 100, 2)
    assert chosen.year == 2018
    assert chosen.note.startswith("1 earlier year, 2020, 2021 and 2022 have values for only "
                                  "10, 3 and 1 of the 100 NUTS 2 regions")


def test_no_year_with_80_percent_falls_back_to_the_best_covered_year():
    chosen = choose_default_year({2015: 60, 2016: 70, 2017: 70, 2018: 20}, 100, 2)
    assert chosen.year == 2017  # the latest of the best covered
    assert chosen.note.startswith("No year has values for 80 % of the 100 NUTS 2 regions")
    assert "2018 has values for only 20" in chosen.note
    assert "the year with the most regions (70)" in chosen.note
    alone = choose_default_year({2015: 60, 2016: 70}, 100, 2)
    assert alone.year == 2016 and alone.note.startswith("No year has values for 80 %")


def test_one_year_and_no_year():
    assert choose_default_year({2020: 5}, 5, 0) == choose_default_year({2020: 5}, 5, 0)
    assert choose_default_year({2020: 5}, 5, 0).year == 2020
    with pytest.raises(ValueError):
        choose_default_year({}, 0, 2)


def test_default_span_starts_at_the_first_well_covered_year():
    span, note = default_span({2000: 3, 2001: 9, 2002: 10, 2003: 2}, 10, 1)
    assert span == (2001, 2002) and "2003" in note
    assert default_span({2000: 1, 2001: 1}, 10, 1)[0] == (2000, 2001)  # start: the first


def test_ranking_note_counts_the_regions_left_out():
    assert ranking_note(204, 1322, 3, 2022) == (
        "Ranked: 204 of 1,322 NUTS 3 regions; 1,118 without a value in 2022 (they have "
        "values in other years). Choose another year to rank them.")
    assert ranking_note(10, 10, 2, 2021) is None


@pytest.mark.real_data
def test_real_gdp_at_nuts3_opens_on_2021_not_on_the_204_regions_of_2022(real_settings):
    """The real nama_10r_3gdp file: NUTS 3 2022 has 204 regions, 2021 has 1,296."""
    from regiodash.storage import queries
    from regiodash.storage.connection import open_warehouse

    cov = queries.load_indicator_year_coverage(open_warehouse(real_settings),
                                               "gdp_per_capita_pps_pct_eu27")
    level3 = cov[(cov["nuts_level"] == 3) & (cov["sex"] == "T")]
    counts = dict(zip(level3["year"].astype(int), level3["regions"].astype(int), strict=True))
    total = int(level3["level_regions"].iloc[0])
    assert counts[2022] == 204 and counts[2021] == 1296
    chosen = choose_default_year(counts, total, 3)
    assert chosen.year == 2021
    assert chosen.note.startswith(f"2022 has values for only 204 of the {total:,} NUTS 3")
