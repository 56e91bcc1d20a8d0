"""What both load-test modes share: the indicators a session cycles through and the
statistics of one phase (rerun times, errors with samples, reruns per session)."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlencode

INDICATORS = ["regional_innovation_index", "employment_rate_pct", "gdp_per_capita_pps",
              "sustainability_index", "gender_inclusion_index", "neet_rate_pct",
              "tertiary_attainment_25_64_pct", "broadband_households_pct"]
MAX_SAMPLES = 10


def summarize(times: list[float]) -> dict:
    if not times:
        return {"p50_s": None, "p95_s": None, "max_s": None, "mean_s": None}
    ordered = sorted(times)
    p95 = (statistics.quantiles(ordered, n=20, method="inclusive")[18] if len(ordered) > 1
           else ordered[0])
    return {"p50_s": round(statistics.median(ordered), 3), "p95_s": round(p95, 3),
            "max_s": round(ordered[-1], 3), "mean_s": round(statistics.fmean(ordered), 3)}


@dataclass
class Stats:
    """Shared by all clients of one phase (single-threaded asyncio: no locking needed)."""

    times: list[float] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)
    samples: list[str] = field(default_factory=list)
    reruns_per_session: Counter = field(default_factory=Counter)
    connect_times: list[float] = field(default_factory=list)
    bytes_received: int = 0
    by_indicator: dict[str, list[float]] = field(default_factory=dict)

    def error(self, kind: str, detail: str) -> None:
        self.errors[kind] += 1
        if len(self.samples) < MAX_SAMPLES:
            self.samples.append(f"{kind}: {detail}"[:300])




def indicator_query(indicator: str) -> str:
    return urlencode({"indicator": indicator})



def phase_report(stats: Stats, elapsed: float) -> dict:
    per_session = list(stats.reruns_per_session.values())
    return {
        "reruns": len(stats.times),
        "errors": sum(stats.errors.values()),
        "error_kinds": dict(stats.errors),
        "error_samples": stats.samples,
        **summarize(stats.times),
        "throughput_rps": round(len(stats.times) / elapsed, 2) if elapsed > 0 else None,
        "elapsed_s": round(elapsed, 1),
        "reruns_per_session_min": min(per_session) if per_session else 0,
        "reruns_per_session_max": max(per_session) if per_session else 0,
        "connect_p50_s": (round(statistics.median(stats.connect_times), 3)
                          if stats.connect_times else None),
        "p50_by_indicator_s": {k: round(statistics.median(v), 3)
                               for k, v in stats.by_indicator.items()},
        "mb_received_per_rerun": (round(stats.bytes_received / len(stats.times) / 1e6, 2)
                                  if stats.times and stats.bytes_received else None),
    }
