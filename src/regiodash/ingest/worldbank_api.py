"""The World Bank's Indicators API (v2, JSON): paged downloads of one WDI indicator.

Request: `{api}/country/all/indicator/{CODE}?format=json&per_page={n}&page={p}`. The answer is
a JSON array `[header, records]`: the header says `page`, `pages`, `per_page`, `total` and
`lastupdated`; each record has `indicator {id, value}`, `country {id, value}`,
`countryiso3code`, `date` (the year), `value` (null when missing), `unit`, `obs_status` and
`decimal`. A refused parameter comes back with HTTP 200 and the body
`[{"message": [{"id": "120", "key": "Invalid value", "value": "..."}]}]`; an indicator without
data as `[{"page": 0, "pages": 0, ...}, null]`.

Grain: one cached file per indicator code and page, exactly as the API sent it, under
`settings.cache_dir / "worldbank" / "{CODE}.p{page}.json"`, with the manifest
`"<file>.meta.json"` (source, indicator, page, URL, licence, and what `ingest.download` adds:
sha256, size, time). The download itself (retries with backoff and Retry-After for 429 and 5xx,
timeouts, the offline message, the progress bar, atomic cache writes) is `ingest.download`'s,
shared with the Eurostat fetch. Each body is checked before it replaces the cached page: a JSON
array with a page header, not an error envelope, and the page it was asked for. A cached page
is reused unless `refresh`; page 1 says how many pages there are.

`table_from_pages` turns the pages into the same RawTable the bulk CSV reader gives
(`ingest.wdi`): one row per economy and year with a value (null values give no row), the
two-letter codes of `wdi_countries`, aggregates (and records without an ISO3 code) skipped and
counted, an unknown ISO3 code an error naming the page file and record.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from indicators.catalog import WORLDBANK_LICENCE
from regiodash.config import Settings
from regiodash.errors import FetchError, InputFileError
from regiodash.ingest.download import ByteProgress, DownloadRequest, download
from regiodash.ingest.model import RawTable
from regiodash.ingest.wdi import build_table
from regiodash.ingest.wdi_countries import WDI_COUNTRIES_FILE, load_wdi_countries

WORLDBANK_API = "https://api.worldbank.org/v2"
PER_PAGE = 1000
"""Records per page; one WDI indicator for all countries and years is a few dozen pages."""
MAX_PAGES = 500
_CODE = re.compile(r"[A-Z0-9]{1,12}(\.[A-Z0-9]{1,12}){1,6}")

PageProgress = Callable[[int, int], None]
"""Called as `on_page(page, pages)` after each page is in the cache."""


@dataclass(frozen=True)
class WorldBankFetch:
    """One indicator's pages in the cache, fresh or reused."""

    code: str
    pages: list[Path]
    urls: list[str]
    bytes: int
    from_cache: bool
    """True when every page came from the cache."""


def normalize_indicator_code(code: str) -> str:
    """The upper-case WDI code ("SL.TLF.CACT.FE.ZS"), or FetchError before any request: only
    letters, digits and dots, which keeps the code safe in a URL path and a file name."""
    text = str(code).strip().upper()
    if not _CODE.fullmatch(text):
        raise FetchError(f"not a World Bank indicator code: {code!r} (expected letters, digits "
                         "and dots, like SL.TLF.CACT.FE.ZS)")
    return text


def page_url(api: str, code: str, page: int, per_page: int = PER_PAGE) -> str:
    return (f"{api.rstrip('/')}/country/all/indicator/{code}?format=json&per_page={per_page}"
            f"&page={page}")


def page_path(settings: Settings, code: str, page: int) -> Path:
    return settings.cache_dir / "worldbank" / f"{code}.p{page}.json"


def fetch_indicator(
    code: str,
    settings: Settings,
    *,
    api: str = WORLDBANK_API,
    per_page: int = PER_PAGE,
    refresh: bool = False,
    progress: bool = True,
    retries: int = 3,
    backoff: float = 1.0,
    on_page: PageProgress | None = None,
    on_bytes: ByteProgress | None = None,
) -> WorldBankFetch:
    """Download every page of one indicator into the cache (or reuse the cached pages).

    `retries`, `backoff`, `progress` and `on_bytes` are `ingest.download.download`'s (HTTP
    429 and 5xx, timeouts and resets are retried; an unreachable host fails within seconds
    with a message telling the user to download elsewhere and `regiodash import` the bulk
    CSV). Raises FetchError for a refused or empty indicator; the cache keeps what it had.
    """
    code = normalize_indicator_code(code)
    pages: list[Path] = []
    urls: list[str] = []
    size = 0
    all_cached = True
    total = 1
    page = 1
    while page <= total:
        url = page_url(api, code, page, per_page)
        got = download(
            _request(code, url, settings), page_path(settings, code, page),
            {"source": "World Bank", "indicator": code, "page": page, "url": url,
             "licence": WORLDBANK_LICENCE},
            check=lambda body, p=page, u=url: _check_page(body, code, p, u),
            refresh=refresh, retries=retries, backoff=backoff, progress=progress,
            on_bytes=on_bytes,
        )
        if page == 1:
            total = _page_count(got.path, code)
        pages.append(got.path)
        urls.append(url)
        size += got.bytes
        all_cached = all_cached and got.from_cache
        if on_page:
            on_page(page, total)
        page += 1
    return WorldBankFetch(code, pages, urls, size, all_cached)


def _request(code: str, url: str, settings: Settings) -> DownloadRequest:
    def refusal(status: int, detail: str) -> FetchError:
        return FetchError(f"the World Bank API refused indicator {code} (HTTP {status} from "
                          f"{url})" + (f": {detail}" if detail else ""))

    def too_big(why: str) -> FetchError:
        return FetchError(f"the World Bank API did not deliver {code}: {why}")

    return DownloadRequest(url=url, name=code, source="World Bank",
                           accept="application/json, */*;q=0.5",
                           timeout=settings.fetch_timeout, error_detail=_error_detail,
                           refusal=refusal, too_big=too_big)


def _error_detail(body: bytes) -> str:
    """One line from an error body: the API's message envelope, or the text without tags."""
    text = body.decode("utf-8", errors="replace").strip()
    try:
        document = json.loads(text)
    except ValueError:
        return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text)).strip()[:200]
    message = _message(document)
    return message or text[:200]


def _message(document: object) -> str | None:
    """The text of the API's `[{"message": [{"id", "key", "value"}]}]` envelope, if it is one."""
    if not (isinstance(document, list) and document and isinstance(document[0], dict)
            and isinstance(document[0].get("message"), list)):
        return None
    parts = [f"{m.get('key', '')}: {m.get('value', '')} (id {m.get('id', '?')})".strip()
             for m in document[0]["message"] if isinstance(m, dict)]
    return "; ".join(parts) or "an error message without text"


def _load(path: Path, code: str, url: str) -> list:
    try:
        document = json.loads(path.read_bytes().decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError):
        head = path.read_bytes()[:80].decode("utf-8", errors="replace")
        raise FetchError(f"the World Bank API's answer for {code} is not JSON (got "
                         f"{head!r} from {url}); the cache was left unchanged") from None
    message = _message(document)
    if message:
        raise FetchError(f"the World Bank API refused indicator {code}: {message} ({url}); "
                         "the cache was left unchanged")
    if not (isinstance(document, list) and len(document) == 2
            and isinstance(document[0], dict) and "pages" in document[0]):
        raise FetchError(f"the World Bank API's answer for {code} is not a page of indicator "
                         f"values ({url}); the cache was left unchanged")
    return document


def _check_page(path: Path, code: str, page: int, url: str) -> None:
    header, records = _load(path, code, url)
    if int(header.get("pages") or 0) == 0 or records is None:
        raise FetchError(f"the World Bank API has no values for indicator {code} ({url})")
    if int(header.get("page") or 0) != page or not isinstance(records, list):
        raise FetchError(f"the World Bank API answered page {header.get('page')} of {code} "
                         f"when page {page} was asked for ({url})")


def _page_count(path: Path, code: str) -> int:
    header, _records = _load(path, code, str(path))
    pages = int(header.get("pages") or 0)
    if not 1 <= pages <= MAX_PAGES:
        raise FetchError(f"the World Bank API announces {pages} pages for {code}; expected "
                         f"1 to {MAX_PAGES} (a smaller per_page?)")
    return pages


def table_from_pages(fetched: WorldBankFetch, dataset: str | None = None) -> RawTable:
    """The indicator's RawTable (see `ingest.wdi`) from its cached pages."""
    table = load_wdi_countries()
    rows: dict[tuple[str, str], float] = {}
    skipped: dict[str, list[str]] = {"aggregate": [], "not_classified": []}
    unknown: list[tuple[str, Path, int]] = []
    name, updated = "", None
    for path, url in zip(fetched.pages, fetched.urls, strict=True):
        header, records = _load(path, fetched.code, url)
        updated = updated or header.get("lastupdated")
        for index, record in enumerate(records, start=1):
            iso3 = str(record.get("countryiso3code") or "").strip()
            name = name or str((record.get("indicator") or {}).get("value") or "")
            country = table.get(iso3)
            if not iso3 or (country is not None and country.kind != "economy"):
                kind = country.kind if country is not None else "aggregate"
                label = iso3 or str((record.get("country") or {}).get("id") or "?")
                if label not in skipped[kind]:
                    skipped[kind].append(label)
                continue
            if country is None:
                unknown.append((iso3, path, index))
                continue
            if record.get("value") is not None:
                rows[(country.geo_code, str(record.get("date")))] = float(record["value"])
    if unknown:
        named = ", ".join(f"{c} ({p.name} record {i})" for c, p, i in unknown[:20])
        raise InputFileError(unknown[0][1], f"{len(unknown)} country code(s) not in the World "
                             f"Bank code table ({WDI_COUNTRIES_FILE.name}): {named}; nothing "
                             "was imported", column="countryiso3code")
    values = pd.DataFrame([(g, y, v) for (g, y), v in sorted(rows.items())],
                          columns=["geo", "time_period", "value"])
    economies = values["geo"].nunique()
    return build_table(values, fetched.code, name, updated, economies, skipped,
                       fetched.pages[0], dataset)


def fetch_tables(codes: Sequence[str], settings: Settings, **options: object
                 ) -> list[tuple[WorldBankFetch, RawTable]]:
    """`fetch_indicator` then `table_from_pages` for several codes, every code validated
    before any request; the first failure stops the run (nothing is imported by this)."""
    normalized = list(dict.fromkeys(normalize_indicator_code(c) for c in codes))
    out = []
    for code in normalized:
        fetched = fetch_indicator(code, settings, **options)  # type: ignore[arg-type]
        out.append((fetched, table_from_pages(fetched)))
    return out
