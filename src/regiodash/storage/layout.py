"""Where the warehouse keeps its files, and the import manifest: shared by readers and writers.

Layout under the data dir (all Parquet, all written atomically):

    raw/<source>/<dataset>.parquet   as published: one column per dimension, time_period,
                                     value, flag, plus the detected nuts_version
    raw/demo/demo_panel.parquet      the synthetic demo panel, already in observations shape
    observations.parquet             tidy rows selected per the indicator catalog
    indicator_values.parquet         what pages read (real values win over demo values),
                                     sorted by indicator, level, year, region, sex
    indicator_values_by_region.parquet  the same rows sorted by region, indicator, year, sex
                                     (region profiles and time series prune row groups)
    innovation_groups.parquet        RIS performance group per region, level and year
    manifest.parquet                 one row per import (location, sha256, time, rows, licence)
    user_indicators.json             indicators defined by the user's own tidy files

Also here: the identifier quoting every SQL built from file headers goes through, and the
footer key that ties the two indicator value files of one build together.
"""

from __future__ import annotations

import getpass
import json
import re
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from regiodash.config import Settings
from regiodash.errors import WarehouseError
from regiodash.storage.files import write_parquet_atomic
from regiodash.storage.schema import MANIFEST_SCHEMA

IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,63}$")
USER_LICENCE = "as provided by the user (see the file's own terms)"
# Column of a registered composite's raw file: True where the value was derived from demo
# (synthetic) inputs, so that the build gives it source 'demo' rather than 'user'.
FROM_DEMO_COLUMN = "from_demo_inputs"

FINGERPRINT_KEY = "regiodash_values_fingerprint"
"""Footer key naming the build's indicator values in both value files (connection.py checks
that indicator_values_by_region.parquet matches indicator_values.parquet)."""
NUTS_VERSION_KEY = "regiodash_nuts_version"
"""Footer key of both value files: the one NUTS version all their regions are in."""
DEFAULT_NUTS_VERSION = "2021"
"""The map's version for a warehouse built before versions were stamped, or with no data."""


def require_local(settings: Settings, action: str) -> None:
    """Writes need a local warehouse; a URL warehouse is read-only."""
    if settings.is_remote:
        raise WarehouseError(
            f"REGIODASH_DATA_DIR is a URL ({settings.data_url}): {action} needs a local data "
            "directory. Build the warehouse locally, then publish its files to the URL.")


def quote_ident(name: str) -> str:
    """Quote an identifier that comes from the catalog or a parsed file header.

    Only lower-case snake_case names are accepted; anything else is refused rather than
    escaped, so no user text can ever reach SQL as an identifier.
    """
    if not IDENTIFIER.match(name):
        raise WarehouseError(f"refusing identifier {name!r}: not a lower-case snake_case name")
    return f'"{name}"'


@dataclass(frozen=True)
class WarehousePaths:
    root: Path

    @property
    def raw_dir(self) -> Path:
        return self.root / "raw"

    @property
    def observations(self) -> Path:
        return self.root / "observations.parquet"

    @property
    def indicator_values(self) -> Path:
        return self.root / "indicator_values.parquet"

    @property
    def indicator_values_by_region(self) -> Path:
        """The rows of indicator_values.parquet sorted by geo_code, indicator_id, year, sex."""
        return self.root / "indicator_values_by_region.parquet"

    @property
    def manifest(self) -> Path:
        return self.root / "manifest.parquet"

    @property
    def innovation_groups(self) -> Path:
        return self.root / "innovation_groups.parquet"

    @property
    def user_indicators(self) -> Path:
        return self.root / "user_indicators.json"

    @property
    def demo_panel(self) -> Path:
        return self.raw_dir / "demo" / "demo_panel.parquet"

    def raw_file(self, source: str, dataset: str) -> Path:
        quote_ident(source)
        quote_ident(dataset)
        return self.raw_dir / source / f"{dataset}.parquet"

    def raw_files(self) -> list[tuple[str, str, Path]]:
        """(source, dataset, path) for every raw file except the demo panel, sorted."""
        if not self.raw_dir.is_dir():
            return []
        out = []
        for path in sorted(self.raw_dir.glob("*/*.parquet")):
            source = path.parent.name
            if source == "demo":
                continue
            out.append((source, path.stem, path))
        return out

    def has_data(self) -> bool:
        return self.indicator_values.exists()


def load_user_indicators(paths: WarehousePaths) -> list[dict]:
    """The definitions of the user's own indicators the last build wrote ([] before one)."""
    if not paths.user_indicators.exists():
        return []
    return json.loads(paths.user_indicators.read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- manifest

def read_manifest(paths: WarehousePaths) -> list[dict]:
    if not paths.manifest.exists():
        return []
    return pq.read_table(paths.manifest).to_pylist()


def append_manifest(paths: WarehousePaths, records: Sequence[dict]) -> None:
    rows = read_manifest(paths) + [dict(r) for r in records]
    table = pa.Table.from_pylist(rows, schema=MANIFEST_SCHEMA)
    write_parquet_atomic(table, paths.manifest)


_ACTING_USER: ContextVar[str | None] = ContextVar("regiodash_acting_user", default=None)


@contextmanager
def recorded_as(user: str) -> Iterator[None]:
    """Within the block (this thread), imports are recorded as `user`: the signed-in editor
    a page writes for (ui.auth), instead of the server's login name."""
    token = _ACTING_USER.set(user)
    try:
        yield
    finally:
        _ACTING_USER.reset(token)


def current_user(name: str | None = None) -> str:
    """Who an import is recorded as: the name given (trimmed, at most 80 characters), else
    the signed-in user a page writes for (`recorded_as`), else the login name, else
    'unknown'."""
    if name and name.strip():
        return name.strip()[:80]
    if _ACTING_USER.get():
        return str(_ACTING_USER.get())[:80]
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in some containers
        return "unknown"


def new_manifest_record(**fields: object) -> dict:
    """One manifest row: a fresh id, the time now (UTC), `current_user()` (the signed-in
    editor or the login name) unless `imported_by` is given, and `fields`; columns not given
    stay null."""
    record: dict[str, object] = {name: None for name in MANIFEST_SCHEMA.names}
    record["import_id"] = uuid.uuid4().hex[:12]
    record["imported_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    record["imported_by"] = current_user()
    record.update(fields)
    return record
