"""Provenance bit masks: flags e/p and demo source, combined by OR, decoded back."""

from __future__ import annotations

import numpy as np
import pandas as pd

from indicators.catalog import CATALOG_BY_ID
from indicators.provenance import (
    DEMO_BIT,
    E_BIT,
    P_BIT,
    decode_flags,
    encode_provenance,
    flag_bits,
    or_by_group,
    unique_sources,
)


def test_flags_become_bits_and_back():
    flags = pd.Series(["e", "p", "ep", "pe", "E", None, np.nan, "b", ""], dtype=object)
    bits = flag_bits(flags)
    assert bits.tolist() == [E_BIT, P_BIT, E_BIT | P_BIT, E_BIT | P_BIT, E_BIT, 0, 0, 0, 0]
    assert decode_flags(bits).tolist() == ["e", "p", "ep", "ep", "e", None, None, None, None]


def test_demo_source_sets_its_own_bit_and_is_not_a_flag():
    mask = encode_provenance(pd.Series(["e", None]), pd.Series(["demo", "eurostat"]))
    assert mask.tolist() == [E_BIT | DEMO_BIT, 0]
    assert decode_flags(mask).tolist() == ["e", None]


def test_or_by_group_combines_inputs_of_each_derived_value():
    groups = np.array([0, 0, 1, 2, 2])
    mask = np.array([E_BIT, P_BIT, 0, DEMO_BIT, E_BIT], dtype=np.int8)
    assert or_by_group(groups, mask, 3).tolist() == [E_BIT | P_BIT, 0, DEMO_BIT | E_BIT]


def test_unique_sources_keeps_one_per_dataset_in_first_seen_order():
    entries = [CATALOG_BY_ID[i] for i in CATALOG_BY_ID][:6]
    sources = unique_sources(entries + entries)
    datasets = [s.dataset for s in sources]
    assert len(datasets) == len(set(datasets))
    assert datasets == list(dict.fromkeys(s.dataset for e in entries for s in e.sources))
