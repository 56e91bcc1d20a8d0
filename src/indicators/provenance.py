"""Provenance of derived values, shared by the three indicator modules (pure, no I/O).

A derived value built from inputs carries flag `e` if any input was estimated, `p` if any was
provisional (both: `ep`), and source `demo` if any input was synthetic. Flags are handled as
bit masks: per row, 1 = the flag contains 'e', 2 = it contains 'p', 4 = the source is demo;
a derived value's mask is the OR of its inputs' masks. Only the distinct flag strings are
inspected (a handful), so this is cheap on millions of rows.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from indicators.spec import Source

E_BIT, P_BIT, DEMO_BIT = 1, 2, 4
_FLAG_BY_BITS = np.array([None, "e", "p", "ep"], dtype=object)


def flag_bits(flag: pd.Series) -> np.ndarray:
    """int8 mask per row: E_BIT where the flag contains 'e', P_BIT where it contains 'p'.
    None/NaN flags give 0."""
    codes, uniques = pd.factorize(flag, use_na_sentinel=True)
    bits = np.array(
        [(E_BIT if "e" in str(u).lower() else 0) | (P_BIT if "p" in str(u).lower() else 0)
         for u in uniques] + [0],
        dtype=np.int8,
    )
    return bits[codes]  # code -1 (no flag) picks the trailing 0


def encode_provenance(flag: pd.Series, source: pd.Series) -> np.ndarray:
    """int8 mask per row: flag_bits plus DEMO_BIT where the source is 'demo'."""
    demo = (source == "demo").to_numpy(dtype=bool, na_value=False)
    return (flag_bits(flag) | np.where(demo, DEMO_BIT, 0)).astype(np.int8)


def decode_flags(mask: np.ndarray | pd.Series) -> pd.Series:
    """Flag column ('e', 'p', 'ep' or None, object dtype) from provenance bit masks."""
    bits = np.asarray(mask, dtype=np.int64) & (E_BIT | P_BIT)
    return pd.Series(_FLAG_BY_BITS[bits], dtype=object)


def or_by_group(group_ids: np.ndarray, mask: np.ndarray, n_groups: int) -> np.ndarray:
    """Bitwise OR of `mask` within each group (group_ids in 0..n_groups-1), vectorised."""
    out = np.zeros(n_groups, dtype=np.int8)
    for bit in (E_BIT, P_BIT, DEMO_BIT):  # three bits, not a loop over data
        hit = np.bincount(group_ids, weights=(mask & bit) > 0, minlength=n_groups) > 0
        out |= np.where(hit, bit, 0).astype(np.int8)
    return out


def unique_sources(entries: Iterable) -> tuple[Source, ...]:
    """The sources of `entries` (anything with `.sources`), one per dataset, first seen wins."""
    seen: dict[str, Source] = {}
    for entry in entries:
        for source in entry.sources:
            seen.setdefault(source.dataset, source)
    return tuple(seen.values())
