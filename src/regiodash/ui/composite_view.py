"""Composite specs on the pages: the Rankings page saves the current reweighting of the
Regional Innovation Index as a composite spec (TOML, indicators.composite_spec) and loads one
back; the methodology page shows every registered composite's spec.

A loaded spec becomes the page's reweighting only when the Rankings page can show exactly
what it describes: its indicators are built-in innovation components, its options are the
built-in index's and every weight fits the weight inputs (0 to MAX_WEIGHT). Components it does
not list get weight 0 (a composite counts only what it lists). Any other spec is described
(id, title, indicators, options) with the command that computes and registers it. Text from
an uploaded file reaches the page only escaped (ui.text).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import streamlit as st

from indicators.composite_spec import (
    CompositeSpec,
    SpecError,
    builtin_spec,
    parse_spec,
    reweighted_spec,
    spec_to_toml,
)
from regiodash.config import Settings
from regiodash.storage.composites import load_composite_specs
from regiodash.storage.layout import WarehousePaths, load_user_indicators
from regiodash.ui import data
from regiodash.ui.state import MAX_WEIGHT
from regiodash.ui.text import escape_markdown
from regiodash.ui.widgets import arrow_table

MAX_SPEC_BYTES = 64_000
SPEC_FILE_KEY = "w_rank_spec_file"
SPEC_MESSAGE_KEY = "_rank_spec_message"  # (kind, text) of the last loaded spec
DEFAULT_ID = "my_innovation_index"


@dataclass(frozen=True)
class LoadedSpec:
    """What an uploaded spec means for the Rankings page: `weights` (component -> weight, every
    built-in component) when it can be shown as a reweighting, else None; `kind` ('success',
    'warning', 'error') and `message` (Markdown, untrusted text escaped)."""

    kind: str
    message: str
    weights: Mapping[str, float] | None = None


def spec_error_text(exc: SpecError) -> str:
    """'line N: message' (or the message alone when no line is known), escaped."""
    where = f"{exc.source}, line {exc.line}: " if exc.line else f"{exc.source}: "
    text = str(exc)
    message = text[len(where):] if text.startswith(where) else text
    return escape_markdown(f"line {exc.line}: {message}" if exc.line else message)


def describe_spec(spec: CompositeSpec) -> str:
    """One Markdown paragraph: id, title, indicators with direction and weight, options
    (every piece of spec text escaped)."""
    parts = ", ".join(f"{i.id} ({i.direction or 'catalog direction'}, weight {i.weight:g})"
                      for i in spec.indicators)
    return (f"**{escape_markdown(spec.title)}** (id {escape_markdown(spec.id)}): "
            f"{escape_markdown(parts)}; options: {escape_markdown(options_text(spec))}.")


def options_text(spec: CompositeSpec) -> str:
    """The spec's options in words (defaults included)."""
    years = f"{spec.years[0]}-{spec.years[1]}" if spec.years else "all years"
    base = (f"base year {spec.base_year} = 100" if spec.base_year is not None
            else "same-year relative (reference = 100 each year)")
    return (f"{'already normalised input' if spec.normalised else 'capped and normalised'}, "
            f"reference {spec.reference}, {base}, coverage at least {spec.min_coverage:.0%} "
            f"of the indicators, missing values: {spec.missing.replace('_', ' ')}, "
            f"NUTS levels {', '.join(map(str, spec.levels))}, {years}")


def _same_options(spec: CompositeSpec, base: CompositeSpec) -> bool:
    keep = ("normalised", "reference", "base_year", "min_coverage", "missing", "years")
    return all(getattr(spec, k) == getattr(base, k) for k in keep)


def interpret_spec(text: str, source: str, components: frozenset[str]) -> LoadedSpec:
    """Parse an uploaded spec (parse_spec) and say what the Rankings page can do with it.
    `components`: the built-in components present in this warehouse."""
    try:
        spec = parse_spec(text, source)
    except SpecError as exc:
        return LoadedSpec("error", f"The spec could not be read: {spec_error_text(exc)}")
    base = builtin_spec()
    listed = {i.id for i in spec.indicators}
    register = (f" To compute it, save it as a file and run `regiodash composite "
                f"{escape_markdown(spec.id)}.toml`; add `--register` to store it as an "
                "indicator of the warehouse (every page then shows it, and its spec is on "
                "the methodology page).")
    other = sorted(listed - components)
    if other:
        names = escape_markdown(", ".join(other))
        return LoadedSpec("warning", describe_spec(spec) + " It combines indicators that are "
                          f"not components of the built-in index ({names}), so it cannot be "
                          "shown as a reweighting here." + register)
    if not _same_options(spec, base) or spec.levels != base.levels:
        return LoadedSpec("warning", describe_spec(spec) + " Its options differ from the "
                          "built-in index's, so it cannot be shown as a reweighting here."
                          + register)
    too_heavy = [i.id for i in spec.indicators if i.weight > MAX_WEIGHT]
    if too_heavy:
        return LoadedSpec("warning", describe_spec(spec) + f" Weights above {MAX_WEIGHT:g} "
                          f"({escape_markdown(', '.join(too_heavy))}) do not fit the weight "
                          "inputs." + register)
    weights = {c: float(spec.weights.get(c, 0.0)) for c in sorted(components)}
    left_out = sorted(components - listed)
    note = (f" Components it does not list get weight 0: {escape_markdown(', '.join(left_out))}."
            if left_out else "")
    return LoadedSpec("success", f"Loaded {describe_spec(spec)} Its weights are now the "
                      f"reweighting (and in the link).{note}", weights)


def spec_download(weights: Mapping[str, float], spec_id: str, title: str) -> tuple[str, str]:
    """(file name, TOML text) of the built-in spec with `weights`; SpecError when the id or
    title cannot be used (the message names the problem)."""
    spec = reweighted_spec(builtin_spec(), dict(weights), id=spec_id.strip(),
                           title=title.strip())
    return f"{spec.id}.toml", spec_to_toml(spec)


def _load_uploaded(components: frozenset[str]) -> None:
    """on_change of the spec uploader (runs before the page): parse the file, put its weights
    into the weight inputs' state (so the inputs and the link show them)."""
    state = st.session_state
    upload = state.get(SPEC_FILE_KEY)
    if upload is None:
        state.pop(SPEC_MESSAGE_KEY, None)
        return
    raw = upload.getvalue()
    name = str(upload.name)
    if len(raw) > MAX_SPEC_BYTES:
        loaded = LoadedSpec("error", f"{escape_markdown(name)} is larger than "
                            f"{MAX_SPEC_BYTES // 1000} kB: not a composite spec.")
    else:
        try:
            loaded = interpret_spec(raw.decode("utf-8"), name, components)
        except UnicodeDecodeError as exc:
            loaded = LoadedSpec("error", f"{escape_markdown(name)} is not UTF-8 text (byte "
                                f"{exc.start}): not a composite spec.")
    if loaded.weights is not None:
        for component, weight in loaded.weights.items():
            state[f"w_weight_{component}"] = weight
    state[SPEC_MESSAGE_KEY] = (loaded.kind, loaded.message)


def render_spec_tools(weights: Mapping[str, float], components: frozenset[str]) -> None:
    """Inside the reweighting panel: save the current weights as a spec, load a spec."""
    st.markdown("**Save or load these weights as a composite spec** (TOML, see "
                "docs/composite.md)")
    cols = st.columns(2)
    spec_id = cols[0].text_input("Spec id", value=DEFAULT_ID, key="w_rank_spec_id",
                                 max_chars=64, help="lower-case snake_case, becomes the "
                                 "indicator id when registered")
    title = cols[1].text_input("Spec title", value="Regional Innovation Index, my weights",
                               key="w_rank_spec_title", max_chars=120)
    try:
        name, text = spec_download(weights, spec_id, title)
    except SpecError as exc:
        st.warning(f"Cannot save the spec: {spec_error_text(exc)}", icon=":material/error:")
    else:
        st.download_button("Download spec (TOML)", text, file_name=name,
                           mime="application/toml", icon=":material/download:",
                           key="w_rank_spec_download", on_click="ignore")
    st.file_uploader("Load a composite spec (.toml)", type=["toml"], key=SPEC_FILE_KEY,
                     on_change=_load_uploaded, args=(components,),
                     max_upload_size=1)
    shown = st.session_state.get(SPEC_MESSAGE_KEY)
    if shown:
        kind, message = shown
        getattr(st, kind)(message)


# --- the methodology page --------------------------------------------------------------------


@data.rerun_cache(data.VERSIONS_KEPT)
def registered_specs(version: str, data_dir: str) -> tuple[tuple[str, str], ...]:
    """(id, spec text) of every registered composite: those the last build listed (the
    "spec" of user_indicators.json), then spec files under composites/ it did not list."""
    paths = WarehousePaths(Path(data_dir))
    specs = {str(e["indicator_id"]): str(e["spec"]) for e in load_user_indicators(paths)
             if e.get("origin") == "composite" and e.get("spec")}
    for cid, text in load_composite_specs(paths).items():
        specs.setdefault(cid, text)
    return tuple(sorted(specs.items()))


@data.rerun_cache(64)
def parsed_spec(text: str, source: str) -> CompositeSpec:
    return parse_spec(text, source)


@data.rerun_cache(64)
def spec_table(version: str, text: str, source: str) -> pa.Table | pd.DataFrame:
    """A registered spec's indicators: id, title, direction, weight, source and licence
    (titles and sources from the catalog of `version`; empty for an id it does not hold)."""
    rows = data.indicator_choices(version).rows
    spec = parsed_spec(text, source)
    return arrow_table(pd.DataFrame([{
        "indicator": i.id,
        "title": str(rows[i.id]["title"]) if i.id in rows else "",
        "direction": i.direction or (str(rows[i.id]["direction"]) if i.id in rows else ""),
        "weight": i.weight,
        "source": (f"{rows[i.id]['source_dataset']} ({rows[i.id]['licence']})"
                   if i.id in rows else ""),
    } for i in spec.indicators]))


def render_registered_composites(settings: Settings) -> None:
    """Every registered composite's spec on the methodology page: id, title, indicators with
    direction, weight, title and source, and its options."""
    if settings.data_url:
        return  # a remote warehouse: its composites folder is not readable from here
    version = data.data_version()
    specs = registered_specs(version, str(settings.data_dir))
    if not specs:
        return
    st.subheader("Registered composite indices")
    st.caption("Added with `regiodash composite SPEC --register`; computed with the "
               "scoreboard method (docs/composite.md).")
    for cid, text in specs:
        source = f"composites/{cid}.toml"
        try:
            spec = parsed_spec(text, source)
        except SpecError as exc:
            st.warning(f"{escape_markdown(cid)}: {spec_error_text(exc)}")
            continue
        with st.expander(f"{escape_markdown(spec.title)} ({escape_markdown(spec.id)})"):
            if spec.description:
                st.markdown(escape_markdown(spec.description))
            st.caption(f"Options: {escape_markdown(options_text(spec))}.")
            st.dataframe(spec_table(version, text, source), hide_index=True, placeholder="–")
            st.code(text, language="toml")

