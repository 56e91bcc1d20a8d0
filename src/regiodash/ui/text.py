"""Untrusted text shown as text: the one escaping helper for Streamlit Markdown.

Everything that comes from a URL, an imported file or the catalog and reaches Markdown
(st.markdown / st.caption / st.info / st.warning / st.error, widget and link labels, help
tooltips, notes) goes through `escape_markdown`. Streamlit never renders raw HTML in these
elements, but Markdown links (a working external link inside an official-looking note),
images (the browser would fetch their URL), emphasis, strike-through (`~~`) and directives such
as `:red[...]` would still work without it. Plotly hover text is HTML-escaped by its builders
instead (ui.projects_charts, ui.maps).
"""

from __future__ import annotations

import io
import math
import re

import pandas as pd

# Every ASCII punctuation character CommonMark or Streamlit's Markdown gives a meaning to.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=^&\"'%@/])")
# Streamlit's Markdown (GFM) links bare URLs, www. names and e-mail addresses in the text
# after escapes are resolved, so a backslash does not stop them: an invisible word joiner
# (U+2060) splits each pattern.
WORD_JOINER = "\u2060"
_AUTOLINK_STARTS = re.compile(r"(?i)(?<=[a-z])(?=://)|(?<=www)(?=\.)|(?=@)")


def escape_markdown(text: object) -> str:
    """`text` made inert for Streamlit Markdown: every markup character backslash-escaped, a
    word joiner (invisible) where a bare URL, www. name or e-mail address would become a
    link, line breaks folded into spaces (a note stays one paragraph). None and NaN give ""."""
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return ""
    flat = str(text).replace("\r", " ").replace("\n", " ")
    return _MARKDOWN_SPECIAL.sub(r"\\\1", _AUTOLINK_STARTS.sub(WORD_JOINER, flat))


def text_or(value: object, fallback: str) -> str:
    """`value` as text, or `fallback` when it is None, NaN, NA or empty."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return fallback
    text = str(value).strip()
    return text or fallback


def csv_header_block(header: list[tuple[str, str]], link: str = "") -> io.StringIO:
    """A CSV buffer opening with one `# key: value` line per entry (each value on one line),
    then `# view: link` when there is a link; the rows follow. pandas reads the file back
    with read_csv(path, comment="#")."""
    out = io.StringIO()
    for key, value in [*header, *([("view", link)] if link else [])]:
        out.write(f"# {key}: {' '.join(str(value).split())}\n")
    return out
