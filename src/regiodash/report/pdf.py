"""HTML to PDF through WeasyPrint (Pango for text, fonts embedded as subsets).

Every report is an HTML document with `lang` and a `<title>`, laid out on A4 by the style
sheet below, and written as PDF/UA-1: a tagged PDF (headings, paragraphs, tables, figures with
their text alternatives in the structure tree), the document title shown as the window title,
the language set. Figures are SVG (report.figures), so their numbers and labels stay text.
Each page's footer holds the data version, the link that opens the same view in the dashboard
and the page number.
"""

from __future__ import annotations

import datetime as dt
import functools

from regiodash.report.common import ReportError, esc

PDF_VARIANT = "pdf/ua-1"
STYLE = """
@page {
  size: A4; margin: 16mm 18mm 20mm 18mm;
  @bottom-left { content: element(footer); width: 80%; }
  @bottom-right { content: "Page " counter(page) " of " counter(pages);
                  font: 7.5pt "DejaVu Sans", sans-serif; color: #555; }
}
html { font: 9pt/1.35 "DejaVu Sans", "Liberation Sans", sans-serif; color: #1a1a1a; }
h1 { font-size: 17pt; margin: 0 0 1mm; color: #0b3d66; }
h2 { font-size: 12pt; margin: 5mm 0 1.5mm; color: #0b3d66; border-bottom: 0.6pt solid #9ab;
     break-after: avoid; }
h3 { font-size: 10pt; margin: 3mm 0 1mm; break-after: avoid; }
p { margin: 0 0 1.6mm; }
.meta { color: #444; margin-bottom: 3mm; }
.notice { border: 0.8pt solid #E69F00; background: #fff6e0; padding: 1.5mm 2.5mm; }
.tiles { display: flex; gap: 2mm; margin: 2mm 0 3mm; }
.tile { flex: 1; border: 0.6pt solid #bcc8d4; border-radius: 1.5mm; padding: 1.5mm 2mm; }
.tile .label { font-size: 7.5pt; color: #444; }
.tile .value { font-size: 14pt; font-weight: bold; color: #0b3d66; }
.tile .delta { font-size: 7.5pt; }
figure { margin: 1mm 0 3mm; break-inside: avoid; }
figure img { display: block; }
figcaption { font-size: 7.5pt; color: #444; margin-top: 1mm; }
table { border-collapse: collapse; width: 100%; margin: 1mm 0 3mm; font-size: 7.5pt;
        break-inside: auto; }
caption { text-align: left; font-size: 7.5pt; color: #444; caption-side: bottom;
          padding-top: 1mm; }
th { text-align: left; border-bottom: 0.8pt solid #666; padding: 0.6mm 1.2mm; }
td { border-bottom: 0.3pt solid #ccc; padding: 0.6mm 1.2mm; vertical-align: top; }
td.num { text-align: right; white-space: nowrap; }
tr { break-inside: avoid; }
.two { display: flex; gap: 4mm; }
.two > * { flex: 1; }
.grid { display: flex; flex-wrap: wrap; gap: 0 4mm; }
.grid figure { width: 82mm; }
.small { font-size: 7.5pt; color: #444; }
.page-break { break-before: page; }
footer { position: running(footer); font-size: 7pt; color: #555; }
footer a { color: #0b3d66; }
"""


def html_document(title: str, body: str, footer: str, lang: str = "en",
                  description: str = "") -> str:
    """A complete report document: `title` (plain text), `body` and `footer` (HTML)."""
    today = dt.date.today().isoformat()
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
            f"<title>{esc(title)}</title>"
            f'<meta name="author" content="regiodash">'
            f'<meta name="description" content="{esc(description or title)}">'
            f'<meta name="generator" content="regiodash (WeasyPrint)">'
            f'<meta name="dcterms.created" content="{today}">'
            f"</head><body><footer>{footer}</footer>{body}</body></html>")


@functools.cache
def _weasyprint():  # noqa: ANN202 - the weasyprint module
    """WeasyPrint, imported on first use: `regiodash` commands that make no PDF do not pay
    for loading it (and Pango) at start-up. Without Debian's Pango it cannot load: say so."""
    try:
        import weasyprint
    except OSError as exc:  # the shared library is missing, not the Python package
        raise ReportError(
            "printing PDFs needs the Pango library (Debian: `make pdf-tools`, or apt-get "
            f"install libpango-1.0-0 libpangoft2-1.0-0): {str(exc).splitlines()[0]}") from exc
    return weasyprint


@functools.cache
def _stylesheet():  # noqa: ANN202 - weasyprint.CSS
    return _weasyprint().CSS(string=STYLE)


def render_pdf(document: str) -> bytes:
    """The PDF bytes of an HTML document (html_document): tagged PDF/UA-1, A4."""
    return _weasyprint().HTML(string=document).write_pdf(stylesheets=[_stylesheet()],
                                                         pdf_variant=PDF_VARIANT)
