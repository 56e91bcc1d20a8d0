"""Rich progress bars and the closing summary of `regiodash fetch --catalog`.

`RichCatalogProgress` turns `catalog_fetch.CatalogEvent`s into one overall bar (datasets done
of all) and one bar per download in flight (bytes received of the announced size); finished
datasets are printed as one line each. It draws nothing when the console is not a terminal
(the per-dataset lines and the summary are still printed). `print_catalog_summary` lists what
was fetched, what was unchanged and what failed and why.
"""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from regiodash.ingest.catalog_fetch import (
    FAILED,
    FETCHED,
    SKIPPED,
    UNCHANGED,
    CatalogEvent,
    CatalogFetchSummary,
)

_STYLE = {FETCHED: "green", UNCHANGED: "cyan", FAILED: "red", SKIPPED: "yellow"}


class RichCatalogProgress:
    """A `CatalogProgress` callback drawing rich bars on `console` (use as a context manager)."""

    def __init__(self, console: Console, total: int) -> None:
        self.console = console
        self.total = total
        self._overall_bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.fields[detail]}"),
            TimeElapsedColumn(),
            console=console,
            disable=not console.is_terminal,
        )
        self._overall: TaskID | None = None
        self._tasks: dict[str, TaskID] = {}
        self._done = 0

    def __enter__(self) -> RichCatalogProgress:
        self._overall_bar.start()
        self._overall = self._overall_bar.add_task(
            "[bold]Eurostat catalog", total=self.total, detail=f"0/{self.total} datasets"
        )
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._overall_bar.stop()

    def __call__(self, event: CatalogEvent) -> None:
        bar = self._overall_bar
        assert self._overall is not None, "use RichCatalogProgress as a context manager"
        if event.kind == "start" and event.dataset:
            self._tasks[event.dataset] = bar.add_task(f"  {event.dataset}", total=None, detail="")
        elif event.kind == "bytes" and event.dataset in self._tasks:
            bar.update(
                self._tasks[event.dataset],
                completed=event.done_bytes,
                total=event.total_bytes,
                detail=_size(event.done_bytes, event.total_bytes),
            )
        elif event.kind == "done" and event.dataset:
            task = self._tasks.pop(event.dataset, None)
            if task is not None:
                bar.remove_task(task)
            self._done += 1
            bar.update(self._overall, advance=1, detail=f"{self._done}/{self.total} datasets")
            self._print_done(event)
        elif event.kind in {"import", "build"}:
            bar.update(self._overall, description=escape(event.message or event.kind))
            if event.status == FAILED:
                bar.console.print(f"[red]import failed[/red] {escape(event.message)}")

    def _print_done(self, event: CatalogEvent) -> None:
        style = _STYLE.get(event.status or "", "white")
        line = f"[{style}]{event.status}[/{style}] {event.dataset}"
        if event.status in {FETCHED, UNCHANGED} and event.done_bytes:
            line += f" ({event.done_bytes:,} bytes)"
        if event.status == FAILED:
            line += " (why: in the summary below)"
        if event.status != SKIPPED:
            self._overall_bar.console.print(line, highlight=False)


def _size(done: int, total: int | None) -> str:
    text = f"{done / 1e6:.1f} MB" if done >= 1e6 else f"{done / 1e3:.0f} kB"
    if total:
        text += f" of {total / 1e6:.1f} MB" if total >= 1e6 else f" of {total / 1e3:.0f} kB"
    return text


def print_catalog_summary(console: Console, summary: CatalogFetchSummary) -> None:
    """What was fetched, unchanged, failed (with why), imported and built."""
    if summary.offline:
        console.print(
            f"[bold red]Eurostat could not be reached[/bold red]: {escape(summary.offline)}"
        )
    for status in (FETCHED, UNCHANGED, FAILED, SKIPPED):
        group = summary.with_status(status)
        if not group:
            continue
        style = _STYLE[status]
        console.print(
            f"[{style}]{status}[/{style}] ({len(group)}): " + ", ".join(o.dataset for o in group)
        )
        if status == FAILED:
            for outcome in group:
                offline = summary.offline and outcome.error.startswith("Could not reach")
                why = "Eurostat could not be reached (above)" if offline else outcome.error
                console.print(f"  - {outcome.dataset} ({outcome.stage}): {escape(why)}")
    for outcome in summary.imported:
        console.print(
            f"imported {outcome.dataset}: {outcome.rows:,} rows, NUTS {outcome.nuts_version}"
        )
        for note in outcome.notes:
            console.print(f"  [yellow]note[/yellow]: {escape(note)}")
    if summary.build is not None:
        console.print(
            f"built: {summary.build.indicator_values:,} indicator values "
            f"({summary.build.indicators} indicators)"
        )
    elif summary.build_error:
        console.print(f"[red]build failed[/red]: {escape(summary.build_error)}")
    elif not summary.imported:
        console.print("nothing new to import: the warehouse is unchanged")
    console.print(
        f"{len(summary.outcomes)} datasets ({summary.fmt}) in {summary.seconds:.1f} s; "
        + ("all OK" if summary.ok else "[red]some datasets failed[/red]")
    )
