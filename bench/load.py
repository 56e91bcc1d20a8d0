"""Load test: N concurrent headless browser sessions switching indicators on localhost.

    .venv/bin/python -m bench.load [--sessions 20] [--seconds 60]

Starts `streamlit run app.py` on the demo warehouse (building it in a temp dir if needed),
opens N pages in one Debian chromium (separate contexts = separate Streamlit sessions), and
has each switch the map indicator in a loop (through the URL, as a shared link would) until
the time is up. Every switch is timed from navigation until the map has drawn its regions.
Prints p50/p95/max and the error count, writes bench/load_results.json. Bounded in time and
sends traffic only to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
INDICATORS = ["regional_innovation_index", "employment_rate_pct", "gdp_per_capita_pps",
              "sustainability_index", "gender_inclusion_index", "neet_rate_pct",
              "tertiary_attainment_25_64_pct", "broadband_households_pct"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ensure_demo(data_dir: Path) -> None:
    if (data_dir / "indicator_values.parquet").exists():
        return
    env = dict(os.environ, REGIODASH_DATA_DIR=str(data_dir))
    subprocess.run([sys.executable, "-m", "regiodash.cli", "demo"], env=env, check=True)


def start_server(data_dir: Path, port: int) -> subprocess.Popen:
    env = dict(os.environ, REGIODASH_DATA_DIR=str(data_dir))
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port",
         str(port), "--server.headless", "true", "--server.address", "127.0.0.1"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2)
            return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("streamlit did not start")


async def session(browser, base: str, index: int, deadline: float, times: list[float],
                  errors: list[str]) -> None:
    context = await browser.new_context(viewport={"width": 1200, "height": 900})
    page = await context.new_page()
    page.on("pageerror", lambda exc: errors.append(f"session {index}: {exc}"))
    step = index
    while time.perf_counter() < deadline:
        indicator = INDICATORS[step % len(INDICATORS)]
        step += 1
        started = time.perf_counter()
        try:
            await page.goto(f"{base}/?indicator={indicator}", wait_until="domcontentloaded")
            await page.wait_for_function(
                "document.querySelectorAll('path.choroplethlocation').length > 300",
                timeout=60_000)
            times.append(time.perf_counter() - started)
            if await page.locator('[data-testid="stException"]').count():
                errors.append(f"session {index}: exception shown for {indicator}")
        except Exception as exc:  # noqa: BLE001 - every failure is counted and reported
            errors.append(f"session {index}: {type(exc).__name__}: {str(exc)[:120]}")
    await context.close()


async def run(base: str, sessions: int, seconds: float) -> dict:
    from playwright.async_api import async_playwright

    times: list[float] = []
    errors: list[str] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                           args=CHROMIUM_ARGS)
        deadline = time.perf_counter() + seconds
        await asyncio.gather(*(session(browser, base, i, deadline, times, errors)
                               for i in range(sessions)))
        await browser.close()
    times.sort()
    q = statistics.quantiles(times, n=20) if len(times) >= 20 else [float("nan")] * 19
    return {"sessions": sessions, "seconds": seconds, "switches": len(times),
            "errors": len(errors), "error_samples": errors[:5],
            "p50_s": round(statistics.median(times), 3) if times else None,
            "p95_s": round(q[18], 3), "max_s": round(max(times), 3) if times else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--data-dir", default=None)
    args = parser.parse_args()
    data_dir = Path(args.data_dir or Path(tempfile.gettempdir()) / "regiodash-load-demo")
    ensure_demo(data_dir)
    port = free_port()
    proc = start_server(data_dir, port)
    try:
        result = asyncio.run(run(f"http://127.0.0.1:{port}", args.sessions, args.seconds))
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    result["date"] = time.strftime("%Y-%m-%d %H:%M")
    result["cpus"] = os.cpu_count()
    print(json.dumps(result, indent=2))
    (ROOT / "bench" / "load_results.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
