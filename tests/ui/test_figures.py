"""FrozenFigure and the JSON engine: what the browser gets is what plotly would send."""

from __future__ import annotations

import copy
import json

import plotly.graph_objects as go
import plotly.io as pio
import pytest

from regiodash.ui.figures import FrozenFigure


def sample() -> FrozenFigure:
    fig = FrozenFigure(go.Choropleth(locations=["DE21", "FR10"], z=[1.5, float("nan")],
                                     customdata=[["Oberbayern <b>"], ["Île-de-France"]],
                                     hovertemplate="%{customdata[0]}<extra></extra>"))
    fig.update_layout(height=300)
    return fig


def test_the_frozen_dict_is_plotlys_own():
    fig = sample()
    plain = go.Figure(fig).to_dict()
    fig.freeze()
    assert fig.is_frozen
    assert fig.to_dict() == plain
    assert json.loads(fig.to_json()) == json.loads(go.Figure(fig).to_json())


def test_callers_may_pop_keys_without_touching_the_frozen_dict():
    fig = sample().freeze()
    first = fig.to_dict()
    first["data"][0].pop("z")
    first["layout"].pop("height")
    assert fig.to_dict() == go.Figure(fig).to_dict()


@pytest.mark.parametrize("change", [
    lambda f: f.update_layout(height=500),
    lambda f: f.update_traces(zmin=0),
    lambda f: f.update_geos(visible=False),
    lambda f: setattr(f.data[0], "z", [3, 4]),
    lambda f: setattr(f.layout.geo.projection, "type", "mercator"),
    lambda f: f.add_trace(go.Choropleth(locations=["PL91"], z=[1])),
    lambda f: setattr(f, "layout", {"height": 10}),
    lambda f: f.__setitem__("layout.height", 99),
    lambda f: f.plotly_update({"z": [[9, 9]]}, {"height": 70}),
    lambda f: f.update(layout_height=12),
], ids=["update_layout", "update_traces", "update_geos", "trace property", "nested layout",
        "add_trace", "layout=", "setitem", "plotly_update", "update"])
def test_any_change_after_freezing_is_seen(change):
    fig = sample().freeze()
    before = fig.to_dict()
    change(fig)
    assert not fig.is_frozen
    assert fig.to_dict() != before
    assert fig.to_dict() == go.Figure(fig).to_dict()


def test_a_copy_is_not_frozen():
    fig = sample().freeze()
    assert not copy.deepcopy(fig).is_frozen


def test_orjson_engine_gives_the_same_json_values():
    import regiodash.ui.maps  # noqa: F401 - sets the engine on import

    assert pio.json.config.default_engine == "orjson"
    fig = sample().freeze()
    fast = pio.to_json(fig.to_dict(), validate=False)
    slow = pio.to_json(fig.to_dict(), validate=False, engine="json")
    assert json.loads(fast) == json.loads(slow)
    assert "<b>" not in fast  # both engines escape markup-like characters for HTML
