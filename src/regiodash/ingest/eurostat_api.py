"""Eurostat's dissemination API: dataset URLs, requests, and what its answers mean.

Grain: one cached file per dataset code, format and filter set, exactly as Eurostat sent it
(the download itself, with retries, cache and manifest, is `ingest.download`). Nothing is
parsed into rows here: the importers in `regiodash.ingest` read the cached files.

Three request shapes are used (all documented in Eurostat's API online help):

- SDMX-CSV 1.0 or Eurostat TSV from the SDMX 2.1 REST endpoint, the whole dataset:
  `{api}/sdmx/2.1/data/{CODE}?format=SDMX-CSV&compressed=false` (`format=TSV` for TSV);
- SDMX-CSV 2.0 or TSV from the SDMX 3.0 endpoint, filtered server-side on dimension codes
  (the SDMX 2.1 key is positional and would need each dataset's structure first; the 3.0
  `c[dim]` parameter names the dimension and takes several codes separated by commas):
  `{api}/sdmx/3.0/data/dataflow/ESTAT/{CODE}/1.0?c[freq]=A&c[unit]=PC,PC_ACT&format=csvdata
  &formatVersion=2.0&compress=false` (`format=TSV&compress=false` for TSV);
- JSON-stat 2.0 from the Statistics API, optionally filtered:
  `{api}/statistics/1.0/data/{code}?format=JSON&lang=EN[&dim=value...]`
  Filters are dimension codes (`geo=AT`, `unit=PER_KM2`; a dimension repeated for several
  codes) or Eurostat's special parameters (`geoLevel=nuts2`, `sinceTimePeriod=2015`,
  `untilTimePeriod`, `lastTimePeriod`), which only this API knows.

Cache layout: `settings.cache_dir / "eurostat" / "{code}.csv"` (SDMX-CSV), `"{code}.tsv"`
(TSV) or `"{code}.json"` (JSON-stat); `"{code}__{hash}.<ext>"` when filtered; plus the manifest
`"<file>.meta.json"` (source, dataset, format, URL, filters, licence, and what
`ingest.download` adds: sha256, size, time, ETag / Last-Modified). A body is checked (not
empty, plausible header, JSON object, not Eurostat's "queued" envelope, not an HTML page)
before it replaces the cached file. With `revalidate=True` a cached file is checked with a
conditional request (If-None-Match / If-Modified-Since); a 304 keeps it as it is.

Failures are raised as `FetchError` with a message meant for the user; besides the
downloader's (retries, offline), Eurostat's own:
- 404 names the dataset, other 4xx quote Eurostat's error label and fail at once;
- an asynchronous ("request queued") or too-large (413, EXTRACTION_TOO_BIG) answer tells the
  user to use the bulk file and `regiodash import`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

from indicators.spec import EUROSTAT_LICENCE
from regiodash.config import Settings
from regiodash.errors import FetchError
from regiodash.ingest.download import ByteProgress, DownloadRequest, download

_CODE_RE = re.compile(r"[a-z0-9_]{2,64}")
_FILTER_KEY_RE = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")
_FILTER_VALUE_RE = re.compile(r"[A-Za-z0-9_.:+\-]{1,64}")
_RESERVED_PARAMS = frozenset({"format", "lang"})

# Parameters only Eurostat's Statistics API (JSON-stat) understands; SDMX filters are codes.
_STATISTICS_ONLY = frozenset({"geolevel", "sincetimeperiod", "untiltimeperiod", "lasttimeperiod"})

SDMX_CSV = "sdmx-csv"
TSV = "tsv"
JSONSTAT = "jsonstat"
FORMATS = (SDMX_CSV, TSV, JSONSTAT)
_FORMAT_ALIASES = {
    "sdmx-csv": SDMX_CSV,
    "sdmx_csv": SDMX_CSV,
    "csv": SDMX_CSV,
    "tsv": TSV,
    "eurostat-tsv": TSV,
    "jsonstat": JSONSTAT,
    "json-stat": JSONSTAT,
    "json": JSONSTAT,
}
_EXTENSIONS = {SDMX_CSV: "csv", TSV: "tsv", JSONSTAT: "json"}
_ACCEPT = {
    SDMX_CSV: "text/csv, */*;q=0.5",
    TSV: "text/tab-separated-values, text/plain;q=0.9, */*;q=0.5",
    JSONSTAT: "application/json, */*;q=0.5",
}

Filters = Mapping[str, str | int | Iterable[str | int]]


@dataclass(frozen=True)
class FetchResult:
    """One dataset file in the cache, fresh from Eurostat or reused."""

    code: str
    """Lower-case dataset code, e.g. "demo_r_d3dens"."""
    url: str
    """The request URL the file came from (or would come from, for a cache hit)."""
    path: Path
    sha256: str
    bytes: int
    from_cache: bool
    fetched_at: str
    """ISO 8601 UTC time of the download (for a cache hit: of the original download)."""
    unchanged: bool = False
    """True when Eurostat answered a conditional request with 304 Not Modified."""


# --------------------------------------------------------------------------- validation / URLs


def normalize_dataset_code(code: str) -> str:
    """Return the lower-case dataset code, or raise FetchError before any URL is built.

    Eurostat codes are letters, digits and underscores ("nama_10r_3gdp"); input is accepted in
    any case. Anything else (spaces, slashes, dots, quotes) is refused, which also keeps the code
    safe to use in a URL path and a file name.
    """
    if not isinstance(code, str):
        raise FetchError(f"dataset code must be a string, got {type(code).__name__}")
    lowered = code.lower()
    if not _CODE_RE.fullmatch(lowered):
        raise FetchError(
            f"{code!r} is not a Eurostat dataset code: expected 2-64 letters, digits or "
            "underscores, e.g. 'demo_r_d3dens'"
        )
    return lowered


def normalize_format(fmt: str) -> str:
    """Map "sdmx-csv" / "tsv" / "jsonstat" (or the aliases "csv", "json", "json-stat") to one
    name."""
    canonical = _FORMAT_ALIASES.get(str(fmt).strip().lower())
    if canonical is None:
        raise FetchError(f"unknown download format {fmt!r}: use 'sdmx-csv', 'tsv' or 'jsonstat'")
    return canonical


def _normalize_filters(filters: Filters | None) -> list[tuple[str, str]]:
    """Validated (key, value) pairs in a stable order: keys sorted, values as given."""
    if not filters:
        return []
    pairs: list[tuple[str, str]] = []
    for key in sorted(filters):
        if not _FILTER_KEY_RE.fullmatch(key) or key.lower() in _RESERVED_PARAMS:
            raise FetchError(f"{key!r} cannot be used as a Eurostat filter parameter")
        raw = filters[key]
        values = [raw] if isinstance(raw, str | int) else list(raw)
        if not values:
            raise FetchError(f"filter {key!r} has no values")
        for value in values:
            text = str(value)
            if not _FILTER_VALUE_RE.fullmatch(text):
                raise FetchError(f"{text!r} is not a valid value for filter {key!r}")
            pairs.append((key, text))
    return pairs


def _api_base(settings: Settings) -> str:
    api = settings.eurostat_api.rstrip("/")
    parts = urlsplit(api)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise FetchError(f"REGIODASH_EUROSTAT_API must be an http(s) URL, got {api!r}")
    return api


def build_dataset_url(
    code: str, settings: Settings, fmt: str = SDMX_CSV, filters: Filters | None = None
) -> str:
    """The request URL for one dataset; the code and every filter are validated first.

    Unfiltered SDMX-CSV and TSV come from the SDMX 2.1 endpoint with the upper-case code in the
    path, as Eurostat's examples do; filtered ones from the SDMX 3.0 endpoint, one `c[dim]`
    parameter per dimension with its codes joined by commas. JSON-stat comes from the
    Statistics API (lower-case code), a dimension repeated once per code.
    """
    code = normalize_dataset_code(code)
    fmt = normalize_format(fmt)
    pairs = _normalize_filters(filters)
    api = _api_base(settings)
    if fmt == JSONSTAT:
        query = urlencode([("format", "JSON"), ("lang", "EN"), *pairs])
        return f"{api}/statistics/1.0/data/{code}?{query}"
    if not pairs:
        name = "SDMX-CSV" if fmt == SDMX_CSV else "TSV"
        return f"{api}/sdmx/2.1/data/{code.upper()}?format={name}&compressed=false"
    grouped: dict[str, list[str]] = {}
    for key, value in pairs:
        if key.lower() in _STATISTICS_ONLY:
            raise FetchError(
                f"{key!r} is a parameter of Eurostat's Statistics API (format jsonstat); "
                "SDMX-CSV and TSV filters take dimension codes, e.g. unit=PC"
            )
        grouped.setdefault(key, []).append(value)
    filters_part = "&".join(
        f"c[{key}]=" + ",".join(quote(v, safe=":-._") for v in dict.fromkeys(values))
        for key, values in grouped.items()
    )
    tail = "format=csvdata&formatVersion=2.0" if fmt == SDMX_CSV else "format=TSV"
    return (
        f"{api}/sdmx/3.0/data/dataflow/ESTAT/{code.upper()}/1.0"
        f"?{filters_part}&{tail}&compress=false"
    )


def bulk_download_url(code: str, settings: Settings) -> str:
    """Eurostat's documented full-dataset TSV download, suggested when the API refuses."""
    code = normalize_dataset_code(code)
    return f"{_api_base(settings)}/sdmx/2.1/data/{code.upper()}?format=TSV&compressed=true"


def cache_path_for(
    code: str, settings: Settings, fmt: str = SDMX_CSV, filters: Filters | None = None
) -> Path:
    """Where `fetch_dataset` keeps this dataset; filtered downloads get their own file."""
    code = normalize_dataset_code(code)
    fmt = normalize_format(fmt)
    pairs = _normalize_filters(filters)
    stem = code
    if pairs:
        digest = hashlib.sha256(urlencode(pairs).encode()).hexdigest()[:10]
        stem = f"{code}__{digest}"
    return settings.cache_dir / "eurostat" / f"{stem}.{_EXTENSIONS[fmt]}"


# --------------------------------------------------------------------------- public API


def fetch_dataset(
    code: str,
    settings: Settings,
    fmt: str = SDMX_CSV,
    *,
    filters: Filters | None = None,
    refresh: bool = False,
    progress: bool = True,
    retries: int = 3,
    backoff: float = 1.0,
    revalidate: bool = False,
    on_bytes: ByteProgress | None = None,
) -> FetchResult:
    """Download one Eurostat dataset into the cache (or reuse the cached copy).

    A cached copy is reused without a request, unless `refresh` (download again) or
    `revalidate` (ask Eurostat with If-None-Match / If-Modified-Since whether it changed: 304
    keeps the copy and sets `unchanged`; a copy without validators is downloaded again).
    `retries` is the number of extra attempts after the first one for transient failures
    (HTTP 5xx / 429, timeouts, resets, truncated bodies); the n-th retry waits
    `backoff * 2**(n-1)` seconds, or the server's Retry-After when it is at most 60 s.
    `progress` shows a rich progress bar on stderr when stderr is a terminal; `on_bytes(done,
    total)` is called after every chunk of the body instead (total None when not announced).
    """
    code = normalize_dataset_code(code)
    fmt = normalize_format(fmt)
    url = build_dataset_url(code, settings, fmt, filters)
    path = cache_path_for(code, settings, fmt, filters)

    def too_big(why: str) -> FetchError:
        return _too_big_error(code, settings, why)

    def refusal(status: int, detail: str) -> FetchError:
        if status == 404:
            return FetchError(f"Eurostat has no dataset '{code}' (HTTP 404 from {url})")
        if status == 413 or "EXTRACTION_TOO_BIG" in detail:
            return too_big(f"the extraction is too large (HTTP {status})")
        return FetchError(
            f"Eurostat refused the request for dataset '{code}' (HTTP {status} from {url})"
            + (f": {detail}" if detail else "")
        )

    request = DownloadRequest(
        url=url,
        name=code,
        source="Eurostat",
        accept=_ACCEPT[fmt],
        timeout=settings.fetch_timeout,
        error_detail=_error_detail,
        refusal=refusal,
        too_big=too_big,
    )
    manifest = {
        "source": "Eurostat",
        "dataset": code,
        "format": fmt,
        "url": url,
        "filters": _filters_for_manifest(filters),
        "licence": EUROSTAT_LICENCE,
    }
    got = download(
        request,
        path,
        manifest,
        check=lambda body: _check_payload(body, fmt, code, url, settings),
        refresh=refresh,
        retries=retries,
        backoff=backoff,
        progress=progress,
        revalidate=revalidate,
        on_bytes=on_bytes,
    )
    return FetchResult(
        code=code,
        url=url,
        path=got.path,
        sha256=got.sha256,
        bytes=got.bytes,
        from_cache=got.from_cache,
        fetched_at=got.fetched_at,
        unchanged=got.unchanged,
    )


def _filters_for_manifest(filters: Filters | None) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for key, value in _normalize_filters(filters):
        grouped.setdefault(key, []).append(value)
    return grouped


def fetch_datasets(
    codes: Iterable[str],
    settings: Settings,
    fmt: str = SDMX_CSV,
    *,
    filters: Filters | None = None,
    refresh: bool = False,
    progress: bool = True,
    retries: int = 3,
    backoff: float = 1.0,
) -> list[FetchResult]:
    """`fetch_dataset` for several codes, in order; all codes are validated before any request.

    Duplicate codes (in any case) are fetched once. The first failure stops the run.
    """
    normalized = list(dict.fromkeys(normalize_dataset_code(code) for code in codes))
    return [
        fetch_dataset(
            code,
            settings,
            fmt,
            filters=filters,
            refresh=refresh,
            progress=progress,
            retries=retries,
            backoff=backoff,
        )
        for code in normalized
    ]


# --------------------------------------------------------------------------- Eurostat's answers


def _error_detail(body: bytes) -> str:
    """A short, single-line excerpt of an error body (Eurostat sends JSON or SOAP XML)."""
    text = body.decode("utf-8", errors="replace").strip()
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict):
        error = parsed.get("error")
        items = error if isinstance(error, list) else [error]
        labels = [str(item.get("label")) for item in items if isinstance(item, dict)]
        if labels and labels[0] != "None":
            return "; ".join(labels)[:300]
    match = re.search(r"<faultstring>(.*?)</faultstring>", text, re.S)
    if match:
        return match.group(1).strip()[:300]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text)).strip()[:200]


def _too_big_error(code: str, settings: Settings, why: str) -> FetchError:
    return FetchError(
        f"Eurostat did not deliver dataset '{code}' directly: {why}. Download the bulk file "
        f"instead ({bulk_download_url(code, settings)} or the Eurostat data browser's bulk "
        "download page) and load it with `regiodash import PATH`."
    )


# --------------------------------------------------------------------------- payload checks


def _looks_async(head: bytes) -> bool:
    """Eurostat's SOAP envelope for a queued (asynchronous) extraction.

    It looks like `<env:Envelope ...><env:Body><ns0:syncResponse ...><queued><id>...</id>
    <status>SUBMITTED</status></queued></ns0:syncResponse></env:Body></env:Envelope>`.
    """
    return head.startswith(b"<") and (b"<queued>" in head or b"SUBMITTED" in head)


def _check_payload(path: Path, fmt: str, code: str, url: str, settings: Settings) -> None:
    """Reject empty, asynchronous, HTML or otherwise implausible bodies before caching."""
    size = path.stat().st_size
    if size == 0:
        raise FetchError(f"Eurostat sent an empty response for dataset '{code}' ({url})")
    with path.open("rb") as fh:
        head = fh.read(4096)
    stripped = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if _looks_async(stripped):
        raise _too_big_error(code, settings, "Eurostat queued the request for later delivery")
    if stripped[:1] in {b"<", b"{"} and b"EXTRACTION_TOO_BIG" in stripped:
        raise _too_big_error(code, settings, "the extraction is too large")

    if fmt == SDMX_CSV:
        first_field = stripped.split(b"\n", 1)[0].split(b",", 1)[0].strip().strip(b'"')
        if first_field.upper() in {b"DATAFLOW", b"STRUCTURE"} and b"," in stripped[:4096]:
            return
        raise FetchError(
            f"Eurostat's answer for dataset '{code}' is not SDMX-CSV (it should start with "
            f"DATAFLOW or STRUCTURE; got {_snippet(stripped)!r}); the cache was left unchanged"
        )
    if fmt == TSV:
        first_cell = stripped.split(b"\n", 1)[0].split(b"\t", 1)[0].strip()
        if b"\\" in first_cell and b"\t" in stripped.split(b"\n", 1)[0]:
            return
        raise FetchError(
            f"Eurostat's answer for dataset '{code}' is not Eurostat TSV (its first cell "
            "should read like 'freq,unit,geo\\TIME_PERIOD'; got "
            f"{_snippet(stripped)!r}); the cache was left unchanged"
        )

    try:
        with path.open("rb") as fh:
            document = json.load(fh)
    except (ValueError, UnicodeDecodeError):
        raise FetchError(
            f"Eurostat's answer for dataset '{code}' is not valid JSON "
            f"(got {_snippet(stripped)!r}); the cache was left unchanged"
        ) from None
    if not isinstance(document, dict):
        raise FetchError(f"Eurostat's answer for dataset '{code}' is not a JSON-stat object")
    if "error" in document:
        detail = _error_detail(json.dumps(document).encode())
        raise FetchError(f"Eurostat returned an error for dataset '{code}': {detail}")
    if document.get("class") != "dataset":
        raise FetchError(
            f"Eurostat's answer for dataset '{code}' is not a JSON-stat dataset "
            f"(class={document.get('class')!r}); the cache was left unchanged"
        )


def _snippet(head: bytes) -> str:
    return re.sub(r"\s+", " ", head[:80].decode("utf-8", errors="replace")).strip()
