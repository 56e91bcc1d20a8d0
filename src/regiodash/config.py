"""Typed settings, read from the environment once per process.

REGIODASH_DATA_DIR      warehouse root (default ./data); may later be an http(s):// or s3:// URL
REGIODASH_REFERENCE_DIR committed NUTS reference data (default <repo>/data/reference)
REGIODASH_PORT          port for `regiodash serve` / `make run` (default 8501)
REGIODASH_EUROSTAT_API  base URL of Eurostat's dissemination API
REGIODASH_FETCH_TIMEOUT seconds before a download attempt gives up (default 20)
REGIODASH_ALLOW_UPDATE  "1" shows the "Update from Eurostat" action on the Data & methodology page
                        (off by default; for a self-hosted install whose warehouse is local)
REGIODASH_NUTS_VERSION  NUTS version a build puts every value on (2013, 2016, 2021, 2024);
                        default: the newest version among the imported regional data
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
EUROSTAT_API = "https://ec.europa.eu/eurostat/api/dissemination"


REMOTE_PREFIXES = ("http://", "https://", "s3://")


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    reference_dir: Path
    port: int
    eurostat_api: str
    fetch_timeout: float
    data_url: str | None = None
    nuts_version: str | None = None
    """REGIODASH_NUTS_VERSION, or None: the build picks the newest version in the data."""
    allow_update: bool = False
    """REGIODASH_ALLOW_UPDATE: the pages may fetch the catalog from Eurostat and rebuild."""
    """Set when REGIODASH_DATA_DIR is an http(s):// or s3:// URL: the warehouse is read
    (read-only) through DuckDB's httpfs extension; imports and builds need a local dir."""

    @property
    def is_remote(self) -> bool:
        return self.data_url is not None

    @property
    def cache_dir(self) -> Path:
        return self.data_dir / "cache"


def load_settings(env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    raw_dir = env.get("REGIODASH_DATA_DIR") or "data"
    data_url = raw_dir.rstrip("/") if raw_dir.startswith(REMOTE_PREFIXES) else None
    data_dir = Path("data" if data_url else raw_dir).expanduser()
    reference_dir = Path(
        env.get("REGIODASH_REFERENCE_DIR") or (REPO_ROOT / "data" / "reference")
    ).expanduser()
    return Settings(
        data_dir=data_dir.resolve(),
        reference_dir=reference_dir.resolve(),
        port=int(env.get("REGIODASH_PORT") or 8501),
        eurostat_api=(env.get("REGIODASH_EUROSTAT_API") or EUROSTAT_API).rstrip("/"),
        fetch_timeout=float(env.get("REGIODASH_FETCH_TIMEOUT") or 20),
        data_url=data_url,
        nuts_version=env.get("REGIODASH_NUTS_VERSION") or None,
        allow_update=(env.get("REGIODASH_ALLOW_UPDATE") or "").strip().lower()
        in ("1", "true", "yes", "on"),
    )
