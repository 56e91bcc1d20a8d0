"""The websocket load client (bench/ws_client.py, bench/load.py) against a real `streamlit run`
(localhost only).

Three clients speak Streamlit's protocol for a few seconds and must see only successful runs
that draw the map; a hostile query string must end in a note, not an exception.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlencode

import pytest

from bench import load, ws_client
from bench.devserver import free_port, start_streamlit, stop_streamlit


def run_coroutine(coro):
    """asyncio.run in a thread of its own: once a browser test has started Playwright's sync
    API, this thread has a running event loop and asyncio.run would refuse."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


@pytest.fixture(scope="module")
def port(demo_settings, tmp_path_factory):
    log = tmp_path_factory.mktemp("load_client") / "server.log"
    proc, url = start_streamlit(demo_settings.data_dir, log, port=free_port())
    yield int(url.rsplit(":", 1)[1])
    stop_streamlit(proc)


def test_three_websocket_clients_switch_indicators_without_errors(port):
    report = run_coroutine(load.run_ws_phase(port, sessions=3, seconds=8, timeout=20))
    assert report["reruns"] > 0
    assert report["errors"] == 0, report["error_samples"]
    assert report["reruns_per_session_min"] > 0


def test_a_hostile_query_string_finishes_with_a_note(port):
    async def one_run() -> ws_client.RunResult:
        client = ws_client.StreamlitClient(port, timeout=20)
        await client.connect()
        try:
            return await client.rerun(urlencode({"indicator": "<script>"}))
        finally:
            await client.close()

    result = run_coroutine(one_run())
    assert result.status == "FINISHED_SUCCESSFULLY"
    assert result.ok, result.errors
    assert result.map_drawn
    # The note quotes the URL value as text: escaped for Markdown (ui.text.escape_markdown).
    assert any("indicator" in note and "\\<script\\>" in note for note in result.notes)


def test_exceptions_and_error_alerts_in_deltas_count_as_errors():
    from streamlit.proto.Alert_pb2 import Alert
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    exc_msg = ForwardMsg()
    exc_msg.delta.new_element.exception.type = "KeyError"
    alert_msg = ForwardMsg()
    alert_msg.delta.new_element.alert.format = Alert.ERROR
    alert_msg.delta.new_element.alert.body = "The warehouse could not be opened"
    note_msg = ForwardMsg()
    note_msg.delta.new_element.alert.format = Alert.INFO
    note_msg.delta.new_element.alert.body = "Ignored URL parameter"

    assert [kind for kind, _ in ws_client._summarize_msg(exc_msg).errors] == ["exception"]
    assert [kind for kind, _ in ws_client._summarize_msg(alert_msg).errors] == ["st.error"]
    assert ws_client._summarize_msg(note_msg).errors == []
    assert ws_client._summarize_msg(note_msg).notes == ["Ignored URL parameter"]
