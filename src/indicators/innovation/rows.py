"""The tidy output rows of the innovation modules and the small frame helpers they share.

`tidy_rows` and `finish_rows` give the output schema (`OUTPUT_COLUMNS`: one row per
indicator_id, geo_code, nuts_level, year; sex 'T'; flag from the e/p bits; source 'demo' or
'derived'); the rest are vectorised look-ups and checks on the input rows.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from indicators.frames import OUTPUT_COLUMNS
from indicators.innovation.specs import NUTS_CODE_PATTERN
from indicators.provenance import E_BIT, P_BIT, decode_flags, flag_bits

# Kinds of input rows: a NUTS region, a pseudo-region (user area), the EU aggregate.
REGION, PSEUDO, EU_KIND = 0, 1, 2
KEYS = ["nuts_level", "geo_code", "year"]


def empty_output() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in OUTPUT_COLUMNS})
    return frame.astype({"nuts_level": "int64", "year": "int64", "value": "float64"})


def require_columns(frame: pd.DataFrame, needed: Iterable[str], what: str) -> None:
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise ValueError(f"{what} lacks columns {missing}")


def flag_letters(flags: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(has 'e', has 'p') per row (provenance.flag_bits)."""
    bits = flag_bits(flags)
    return (bits & E_BIT) > 0, (bits & P_BIT) > 0


def flag_text(has_e: np.ndarray, has_p: np.ndarray) -> np.ndarray:
    return decode_flags(np.where(has_e, E_BIT, 0) | np.where(has_p, P_BIT, 0)).to_numpy()


def is_nuts_code(codes: pd.Series) -> np.ndarray:
    """True where the code looks like a NUTS code (evaluated once per distinct code)."""
    idx, uniques = pd.factorize(codes)
    shaped = np.asarray(pd.Index(uniques).astype(str).str.fullmatch(NUTS_CODE_PATTERN), bool)
    return np.append(shaped, False)[idx]


def country_of(codes: pd.Series) -> pd.Series:
    return codes.astype(str).str[:2]


def object_column(values: np.ndarray, index: pd.Index) -> pd.Series:
    """An object column keeping None as None (pandas 3 would infer str and turn it into NaN)."""
    return pd.Series(values, index=index, dtype="object")


def text_array(column: pd.Series) -> np.ndarray | pd.api.extensions.ExtensionArray:
    """A text column's values for a new frame: pandas strings stay as they are (no round trip
    through Python objects); anything else as a NumPy array, which pandas infers as before."""
    if isinstance(column.dtype, pd.StringDtype):
        return column.array
    return column.to_numpy()


def tidy_rows(
    indicator_id: str | np.ndarray | pd.api.extensions.ExtensionArray, frame: pd.DataFrame
) -> pd.DataFrame:
    """Rows in OUTPUT_COLUMNS from a frame with geo_code, nuts_level, nuts_version, year,
    value, has_e, has_p, is_demo; rows with a non-finite value are dropped."""
    finite = np.isfinite(frame["value"].to_numpy(dtype="float64"))
    if not isinstance(indicator_id, str):
        indicator_id = indicator_id[finite]
    frame = keep_rows(frame, finite)
    if frame.empty:
        return empty_output()
    out = pd.DataFrame(
        {
            "indicator_id": indicator_id,
            "geo_code": text_array(frame["geo_code"]),
            "nuts_level": frame["nuts_level"].to_numpy(dtype="int64"),
            "year": frame["year"].to_numpy(dtype="int64"),
            "sex": frame["sex"].to_numpy() if "sex" in frame.columns else "T",
            "value": frame["value"].to_numpy(dtype="float64"),
        }
    )
    versions = np.array(frame["nuts_version"].to_numpy(dtype=object), dtype=object, copy=True)
    versions[pd.isna(versions)] = None
    out["nuts_version"] = object_column(versions, out.index)
    flags = flag_text(frame["has_e"].to_numpy(bool), frame["has_p"].to_numpy(bool))
    out["flag"] = object_column(flags, out.index)
    # 'derived' / 'demo' as pandas strings, taken from two labels rather than inferred per row
    source = pd.Index(["derived", "demo"]).astype("str")
    out["source"] = source.take(frame["is_demo"].to_numpy(bool).astype("int64")).array
    return out[list(OUTPUT_COLUMNS)]


def finish_rows(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if not f.empty]
    if not frames:
        return empty_output()
    out = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    # Sort by indicator_id, nuts_level, geo_code, year (stable, missing text last, as
    # sort_values) on integer codes, which also serve the uniqueness check.
    ids, geos, sexes = (_rank(out[c]) for c in ("indicator_id", "geo_code", "sex"))
    level, year = out["nuts_level"].to_numpy(), out["year"].to_numpy()
    order = np.lexsort((year, geos, level, ids))
    out = out.take(order).reset_index(drop=True)
    key = pd.DataFrame({"i": ids, "g": geos, "l": level, "y": year, "s": sexes})
    if key.duplicated().any():
        raise AssertionError("derived rows are not unique per indicator, region, level, year")
    return out


def _rank(column: pd.Series) -> np.ndarray:
    """Integer codes ordering `column` like sort_values (missing values last)."""
    codes, uniques = pd.factorize(column, sort=True)
    return np.where(codes < 0, len(uniques), codes)



def refuse_duplicates(rows: pd.DataFrame, keys: list[str], what: str) -> None:
    dup = rows.duplicated(keys, keep=False)
    if dup.any():
        sample = rows.loc[dup, keys].drop_duplicates().head(3).to_dict("records")
        raise ValueError(
            f"{what}: more than one row per {', '.join(keys)} (e.g. {sample}); remove "
            "duplicates (for instance two sources or NUTS versions) before computing"
        )



def keep_rows(frame: pd.DataFrame, keep: np.ndarray) -> pd.DataFrame:
    """frame.loc[keep] (index labels kept), without copying rows when every row is kept."""
    return frame if keep.all() else frame.loc[keep]



def sum_by_group(gid: np.ndarray, n: int, x: pd.Series | np.ndarray) -> np.ndarray:
    return np.bincount(gid, weights=np.asarray(x, dtype="float64"), minlength=n)


def mode_version(rows: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Most common nuts_version per key (ties: the greatest, i.e. most recent, version)."""
    v = rows.loc[rows["nuts_version"].notna(), [*keys, "nuts_version"]]
    v = v.assign(nuts_version=v["nuts_version"].astype(str))
    if v["nuts_version"].nunique() <= 1:  # the usual case: one version, nothing to count
        return v.drop_duplicates(keys)
    counts = v.groupby([*keys, "nuts_version"], sort=False).size().rename("n").reset_index()
    counts = counts.sort_values(
        [*keys, "n", "nuts_version"], ascending=[True] * len(keys) + [False, False]
    )
    return counts.drop_duplicates(keys)[[*keys, "nuts_version"]]
