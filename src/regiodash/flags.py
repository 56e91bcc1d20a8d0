"""Eurostat observation flags (the ESTAT/OBS_FLAG code list) and how to read them.

A flag is a short lower-case code attached to one observation: "p" (provisional), "e"
(estimated), "bep" (break in time series, estimated, provisional) ... Composite flags are the
concatenation of single-letter flags. Files write them with stray spaces and sometimes in upper
case; `normalize_flag` is the one place that turns what a file holds into the stored form
(stripped, lower case, None when empty).
"""

from __future__ import annotations

import math

# ESTAT/OBS_FLAG as published by Eurostat
# (.../sdmx/2.1/codelist/ESTAT/OBS_FLAG?format=TSV), transcribed in the published order.
# 42 codes; tests/test_flags.py checks this against the real code-list file.
FLAG_MEANINGS: dict[str, str] = {
    "b": "break in time series",
    "bd": "break in time series, definition differs (see metadata)",
    "bde": "break in time series, definition differs (see metadata), estimated",
    "bdep": "break in time series, definition differs (see metadata), estimated, provisional",
    "bdf": "break in time series, definition differs (see metadata), forecast",
    "bdn": "break in time series, definition differs (see metadata), not significant",
    "bdp": "break in time series, definition differs (see metadata), provisional",
    "bdu": "break in time series, definition differs (see metadata), low reliability",
    "be": "break in time series, estimated",
    "bep": "break in time series, estimated, provisional",
    "bf": "break in time series, forecast",
    "bn": "break in time series, not significant",
    "bp": "break in time series, provisional",
    "bpu": "break in time series, provisional, low reliability",
    "bu": "break in time series, low reliability",
    "d": "definition differs (see metadata)",
    "de": "definition differs (see metadata), estimated",
    "dep": "definition differs (see metadata), estimated, provisional",
    "df": "definition differs (see metadata), forecast",
    "dn": "definition differs (see metadata), not significant",
    "dp": "definition differs (see metadata), provisional",
    "dpu": "definition differs (see metadata), provisional, low reliability",
    "du": "definition differs (see metadata), low reliability",
    "e": "estimated",
    "ep": "estimated, provisional",
    "f": "forecast",
    "n": "not significant",
    "p": "provisional",
    "pu": "provisional, low reliability",
    "u": "low reliability",
    "bdip": (
        "break in time series, definition differs (see metadata), "
        "value imputed by Eurostat or other receiving agencies, provisional"
    ),
    "bdi": (
        "break in time series, definition differs (see metadata), "
        "value imputed by Eurostat or other receiving agencies"
    ),
    "bdm": (
        "break in time series, definition differs (see metadata), missing value; data cannot exist"
    ),
    "bip": (
        "break in time series, value imputed by Eurostat or other receiving agencies, provisional"
    ),
    "bi": "break in time series, value imputed by Eurostat or other receiving agencies",
    "bm": "break in time series, missing value; data cannot exist",
    "dip": (
        "definition differs (see metadata), "
        "value imputed by Eurostat or other receiving agencies, provisional"
    ),
    "di": (
        "definition differs (see metadata), value imputed by Eurostat or other receiving agencies"
    ),
    "dm": "definition differs (see metadata), missing value; data cannot exist",
    "ip": "value imputed by Eurostat or other receiving agencies, provisional",
    "i": "value imputed by Eurostat or other receiving agencies",
    "m": "missing value; data cannot exist",
}

# Single letters, including those that occur in Eurostat files but not in the OBS_FLAG list
# above (c, r, s, z: older bulk files and the CONF_STATUS attribute use them).
FLAG_LETTER_MEANINGS: dict[str, str] = {
    "b": "break in time series",
    "c": "confidential",
    "d": "definition differs (see metadata)",
    "e": "estimated",
    "f": "forecast",
    "i": "value imputed by Eurostat or other receiving agencies",
    "m": "missing value; data cannot exist",
    "n": "not significant",
    "p": "provisional",
    "r": "revised",
    "s": "Eurostat estimate",
    "u": "low reliability",
    "z": "not applicable",
    # Not an Eurostat flag: regiodash marks sums over an export that looks truncated
    # (indicators.funding, Kohesio exports cut at the exporter's page size).
    "t": "partial: the source export looks truncated, the value is a lower bound",
}


def normalize_flag(text: object) -> str | None:
    """Return the stored form of a flag cell: stripped, lower case; None for empty/missing.

    Accepts None and float NaN (what pandas gives for an empty cell) as "no flag".
    """
    if text is None:
        return None
    if isinstance(text, float) and math.isnan(text):
        return None
    flag = str(text).strip().lower()
    return flag or None


def describe_flag(flag: str | None) -> str:
    """Explain a flag in words, e.g. "bep" -> "break in time series, estimated, provisional".

    Codes in the OBS_FLAG list use its wording; other composites are spelled out letter by
    letter; unknown letters are named as such. No flag gives "".
    """
    code = normalize_flag(flag)
    if code is None:
        return ""
    if code in FLAG_MEANINGS:
        return FLAG_MEANINGS[code]
    parts = [FLAG_LETTER_MEANINGS.get(letter, f"unknown flag {letter!r}") for letter in code]
    return ", ".join(parts)
