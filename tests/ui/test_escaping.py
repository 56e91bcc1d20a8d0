"""Untrusted text is shown as text: Markdown and HTML fed through each page's URL parameters
come back in its notes as the very characters sent, never as a link, emphasis,
strike-through, image, HTML or a Streamlit directive (ui.text.escape_markdown)."""

from __future__ import annotations

import html
import re

import pytest
from markdown_it import MarkdownIt
from streamlit.testing.v1 import AppTest

from bench.devserver import APP, read_pages
from regiodash.ui.text import WORD_JOINER, escape_markdown

PAGES = [spec["page"] for spec in read_pages()]
READS_VIEW = {"overview", "map", "profile", "compare", "rankings"}  # ui.url.read_view pages
# Each at most 40 characters: a note quotes the first 40 of a value (ui.state).
HOSTILE = {
    "country": "[Data moved](https://evil.example/x)",
    "indicator": "**bold** __strong__ *em*",
    "sex": "~~struck~~ `code` ~one~",
    "region": "<script>alert(1)</script>",
    "tab": "<img src=x onerror=alert(1)>",
    "area_name": ":red[x] :material/home: $x^2$",
    "weights": "![img](https://evil.example/i.png)",
    "compare": "DE21~~FR10~~ZZ9~~QQ1",
    # the projects page's own keys (ui.projects_data)
    "project": "[Data moved](https://evil.example/x)",
    "programme": "**bold** <b>b</b> ~~x~~",
}
MARKUP_TAGS = re.compile(r"<(a|strong|em|del|s|img|code|b|h[1-6]|ul|ol|li|table)\b")
# CommonMark with GFM strike-through (Streamlit's Markdown has it, single tildes included)
MARKDOWN = MarkdownIt("commonmark").enable("strikethrough")


def rendered_text(source: str) -> tuple[str, str]:
    """(HTML, its text) of Markdown `source` as a CommonMark renderer shows it."""
    out = MARKDOWN.render(source)
    # without the invisible word joiners that keep bare URLs from becoming links (ui.text)
    return out, html.unescape(re.sub(r"<[^>]+>", "", out)).replace(WORD_JOINER, "")


def markup_from_url(source: str) -> list[str]:
    """What in `source` would be markup made of a hostile value rather than text."""
    problems = []
    out, text = rendered_text(source)
    plain = source.replace("\\", "")
    for value in HOSTILE.values():
        if value in plain and value not in text:  # quoted, but turned into something else
            problems.append(f"{value!r} not shown as text in {source!r}")
    if ("evil.example" in source or "onerror" in source) and MARKUP_TAGS.search(out):
        problems.append(f"markup in {out!r}")
    for directive in (":red[", ":material/"):
        if directive in source:  # Streamlit directives (not CommonMark): must be escaped
            problems.append(f"unescaped {directive} in {source!r}")
    return problems


def test_escape_markdown_keeps_the_characters_and_drops_their_meaning():
    for value in HOSTILE.values():
        out, text = rendered_text(escape_markdown(value))
        assert text.strip() == value, (value, out)
        assert not MARKUP_TAGS.search(out), out
    # GFM links bare URLs, www. names and addresses whatever the backslashes: a word joiner
    assert escape_markdown("https://evil.example") == "https\u2060" + r"\:\/\/evil\.example"
    assert escape_markdown("www.evil.example") == "www\u2060" + r"\.evil\.example"
    assert escape_markdown("a@evil.example") == "a\u2060" + r"\@evil\.example"
    assert escape_markdown("a\nb\r\nc") == "a b  c"
    assert escape_markdown(None) == "" and escape_markdown(float("nan")) == ""


def page_texts(at: AppTest) -> list[str]:
    """Every Markdown source the page sent: messages, captions, Markdown and widget labels."""
    kinds = (at.info, at.warning, at.error, at.success, at.caption, at.markdown,
             at.sidebar.caption)
    out = [e.value for kind in kinds for e in kind]
    for widget in (*at.selectbox, *at.multiselect, *at.text_input, *at.select_slider):
        out.append(widget.label)
    return [str(t) for t in out]


@pytest.mark.parametrize("page", PAGES)
def test_markdown_and_html_in_the_url_are_shown_as_text_on_every_page(
        demo_settings, monkeypatch, page):
    monkeypatch.setenv("REGIODASH_DATA_DIR", str(demo_settings.data_dir))
    at = AppTest.from_file(str(APP), default_timeout=90)
    for key, value in HOSTILE.items():
        at.query_params[key] = value
    at.switch_page(page)
    at.run()
    assert not at.exception, at.exception
    texts = page_texts(at)
    problems = [p for t in texts for p in markup_from_url(t)]
    assert not problems, problems
    notes = [t for t in texts if "Ignored URL parameter" in t]
    url_path = next(s["url_path"] for s in read_pages() if s["page"] == page)
    if url_path in READS_VIEW:
        # the notes are there, quoting the values as text (so the check above is not empty)
        shown = "\n".join(rendered_text(n)[1] for n in notes)
        for key in ("country", "indicator", "sex", "region", "tab", "area_name", "weights"):
            assert HOSTILE[key] in shown, (key, notes)
        assert "ZZ9~QQ1" in shown  # the compare list's separators, not strike-through
    if url_path == "projects":
        shown = "\n".join(rendered_text(n)[1] for n in notes)
        assert HOSTILE["project"] in shown, notes


@pytest.mark.browser
def test_a_crafted_link_puts_no_link_or_markup_in_the_page(server, chromium_browser):
    """The issue's link: the 'Ignored URL parameter' note shows the text, and the DOM holds no
    link to evil.example, no struck-through or bold text from the URL."""
    from urllib.parse import urlencode

    from tests.ui.test_browser import RUN_DONE_JS

    context = chromium_browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        query = urlencode({"country": HOSTILE["country"], "compare": HOSTILE["compare"],
                           "indicator": HOSTILE["indicator"], "area_name": HOSTILE["area_name"]})
        page.goto(f"{server}/compare?{query}", wait_until="domcontentloaded")
        page.wait_for_function(RUN_DONE_JS, timeout=60_000)
        page.get_by_text("Ignored URL parameter country").wait_for(timeout=30_000)
        assert page.locator('a[href*="evil.example"]').count() == 0
        # The notes quoting the URL (the demo banner's own bold text is not from the URL).
        alerts = page.locator('[data-testid="stAlert"]').filter(has_text="Ignored URL parameter")
        assert alerts.count() >= 1
        assert alerts.locator("del, s, strong, em, img").count() == 0
        notes = [n.replace(WORD_JOINER, "") for n in alerts.all_inner_texts()]
        assert any(HOSTILE["country"] in n for n in notes), notes
        assert any("ZZ9~QQ1" in n for n in notes), notes
        assert any(":red[x]" in n for n in notes), notes
    finally:
        context.close()


def test_file_text_in_overview_links_and_the_methodology_note_is_shown_as_text(
        demo_settings, monkeypatch):
    """Region names (reference file) label the overview's profile links; the NUTS version
    (warehouse) is in the methodology page's note: both escaped."""
    from dataclasses import replace
    from types import MappingProxyType

    from regiodash.ui import data

    evil = "[Data moved](https://evil.example/x) **b**"
    real_choices, real_nuts = data.region_choices, data.nuts_version

    def hostile_choices(version):
        choices = real_choices(version)
        return replace(choices, names=MappingProxyType(
            {c: (evil if c.startswith("PL") and len(c) == 4 else n)
             for c, n in choices.names.items()}))

    from regiodash.ui import overview_view

    overview_view.country_table.cache_clear()  # built once per version: build it again
    monkeypatch.setattr(data, "region_choices", hostile_choices)
    monkeypatch.setattr(data, "nuts_version", lambda version: f"{real_nuts(version)} {evil}")
    monkeypatch.setenv("REGIODASH_DATA_DIR", str(demo_settings.data_dir))
    at = AppTest.from_file(str(APP), default_timeout=90)
    at.query_params["country"] = "PL"
    at.switch_page(next(s["page"] for s in read_pages() if s["url_path"] == "overview"))
    at.run()
    assert not at.exception, at.exception
    labels = [link.proto.label for link in at.get("page_link")]
    assert labels and all(evil in rendered_text(label)[1] for label in labels), labels
    assert not [p for label in labels for p in markup_from_url(label)]
    at = AppTest.from_file(str(APP), default_timeout=90)
    at.switch_page(next(s["page"] for s in read_pages() if s["url_path"] == "methodology"))
    at.run()
    assert not at.exception, at.exception
    notes = [c.value for c in at.caption if "Regions are in NUTS" in c.value]
    assert notes and evil in rendered_text(notes[0])[1]
    assert not markup_from_url(notes[0])
    overview_view.country_table.cache_clear()  # not the hostile names for later tests
