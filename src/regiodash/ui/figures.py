"""Figure plumbing shared by the map and chart builders: the JSON engine and `FrozenFigure`.

No Streamlit, no I/O.

`st.plotly_chart` turns a figure into JSON on every rerun in two steps: `figure.to_dict()`, a
deep copy of every location, value and tooltip (plus a scan for arrays to base64-encode),
then `plotly.io.to_json(..., validate=False)` with plotly's default JSON engine. For a figure
that is built once per view and cached, both steps redo the same work on every rerun:

- `FrozenFigure.freeze()` computes the dict once; `to_dict()` then hands it out.
- orjson serialises a figure several times faster than plotly's "json" engine (which encodes,
  decodes and re-encodes to turn NaN into null). It gives the same JSON values.
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
import plotly.io as pio

# Plotly would pick orjson under its default "auto" too; naming it makes a missing install
# fail loudly (a ValueError on the first chart) instead of silently slowing every rerun.
pio.json.config.default_engine = "orjson"


class FrozenFigure(go.Figure):
    """A `go.Figure` whose dict form is computed once, by `freeze()`, and then reused.

    Built, frozen and cached once per view; every rerun's `st.plotly_chart` then skips the
    deep copy. Any change after `freeze()` (update_layout, update_traces, add_trace, setting
    a trace or layout property, plotly_update...) drops the frozen dict, so `to_dict()` never
    returns stale content. A copy (`go.Figure(fig)`, `copy.deepcopy`) is not frozen.
    """

    _frozen: dict[str, Any] | None = None

    def freeze(self) -> FrozenFigure:
        self._frozen = super().to_dict()
        return self

    @property
    def is_frozen(self) -> bool:
        return self._frozen is not None

    def to_dict(self) -> dict[str, Any]:
        frozen = self._frozen
        if frozen is None:
            return super().to_dict()
        # New top-level and per-trace dicts: callers may pop keys there (plotly's to_json
        # pops each trace's uid). What lies below them is shared with the cache: read-only.
        out: dict[str, Any] = {"data": [dict(trace) for trace in frozen["data"]],
                               "layout": dict(frozen["layout"])}
        if "frames" in frozen:
            out["frames"] = [dict(frame) for frame in frozen["frames"]]
        return out

    def _thaw(self) -> None:
        self._frozen = None

    # Every way of changing a figure goes through one of these.
    def __setattr__(self, prop: str, value: Any) -> None:
        if not prop.startswith("_"):  # data, layout, frames
            self._thaw()
        super().__setattr__(prop, value)

    def __setitem__(self, prop: Any, value: Any) -> None:
        self._thaw()
        super().__setitem__(prop, value)

    def _restyle_child(self, *args: Any, **kwargs: Any) -> Any:
        self._thaw()
        return super()._restyle_child(*args, **kwargs)

    def _relayout_child(self, *args: Any, **kwargs: Any) -> Any:
        self._thaw()
        return super()._relayout_child(*args, **kwargs)

    def _perform_plotly_restyle(self, *args: Any, **kwargs: Any) -> Any:
        self._thaw()
        return super()._perform_plotly_restyle(*args, **kwargs)

    def _perform_plotly_relayout(self, *args: Any, **kwargs: Any) -> Any:
        self._thaw()
        return super()._perform_plotly_relayout(*args, **kwargs)

    def _perform_plotly_update(self, *args: Any, **kwargs: Any) -> Any:
        self._thaw()
        return super()._perform_plotly_update(*args, **kwargs)

    def add_traces(self, *args: Any, **kwargs: Any) -> Any:
        self._thaw()
        return super().add_traces(*args, **kwargs)

    def set_subplots(self, *args: Any, **kwargs: Any) -> Any:
        self._thaw()
        return super().set_subplots(*args, **kwargs)
