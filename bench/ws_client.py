"""A Streamlit session driven over its websocket the way the browser frontend drives it.

The client speaks Streamlit's own protocol to ws://127.0.0.1:PORT/_stcore/stream with the
`websockets` package that Streamlit itself depends on: subprotocols ["streamlit",
"PLACEHOLDER_AUTH_TOKEN"], same-origin Origin header, BackMsg.rerun_script with a ClientState
(query string, page hash/name, context info, the hashes of the cacheable messages already
received), and ForwardMsgs read until script_finished. A run's errors: an exception element in
its deltas, an st.error alert, a map page run that drew no map or ran without app.py, a
script_finished status other than FINISHED_SUCCESSFULLY, a page_not_found or a cache miss.

XSRF protection stays on (the Streamlit default): the server only uses the XSRF token of the
subprotocol header to decide whether to read the auth cookie, and connects sessions without
it, exactly as for a browser whose first request carried no cookie.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from bench.devserver import (
    APP_SIDEBAR_TEXT,
)

# The map is app.py's default page: a browser opens it at the root URL ("/?indicator=..."),
# and Streamlit gives the default page an empty url_pathname ("/map" is "page not found").
MAP_URL_PATH = ""
SUBPROTOCOLS = ["streamlit", "PLACEHOLDER_AUTH_TOKEN"]  # what the frontend sends, no cookie
RERUN_TIMEOUT_S = 60.0


@dataclass
class RunResult:
    seconds: float
    status: str  # FINISHED_SUCCESSFULLY, another ScriptFinishedStatus name, or an error kind
    errors: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # st.info bodies (URL notes)
    map_drawn: bool = False
    through_app: bool = False  # app.py ran (its sidebar text came), not the page alone
    query_string: str | None = None  # what the app wrote to the address bar
    bytes_received: int = 0
    figures: list[str] = field(default_factory=list)  # plotly specs (JSON), keep_figures only

    @property
    def ok(self) -> bool:
        return self.status == "FINISHED_SUCCESSFULLY" and not self.errors


@dataclass
class _Summary:
    """What a ForwardMsg contributes to a run's verdict (kept for cached messages too)."""

    errors: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    map_drawn: bool = False
    through_app: bool = False  # app.py's sidebar text: the run went through its navigation
    figures: list[str] = field(default_factory=list)


def _summarize_elements(elements) -> _Summary:
    from streamlit.proto.Alert_pb2 import Alert

    out = _Summary()
    for element in elements:
        kind = element.WhichOneof("type")
        if kind == "exception":
            exc = element.exception
            out.errors.append(("exception", f"{exc.type}: {exc.message}"[:200]))
        elif kind == "alert":
            if element.alert.format == Alert.ERROR:
                out.errors.append(("st.error", element.alert.body[:200]))
            elif element.alert.format == Alert.INFO:
                out.notes.append(element.alert.body)
        elif kind == "plotly_chart":
            out.map_drawn = True
            out.figures.append(element.plotly_chart.spec)
        elif kind == "markdown" and APP_SIDEBAR_TEXT in element.markdown.body:
            out.through_app = True
    return out


def _summarize_msg(msg) -> _Summary:
    if msg.WhichOneof("type") != "delta":
        return _Summary()
    delta = msg.delta
    kind = delta.WhichOneof("type")
    if kind == "new_element":
        return _summarize_elements([delta.new_element])
    if kind == "new_transient":
        return _summarize_elements(delta.new_transient.elements)
    return _Summary()


class StreamlitClient:
    """One Streamlit session driven over the websocket the way the frontend drives it."""

    def __init__(self, port: int, timeout: float = RERUN_TIMEOUT_S,
                 timezone: str = "Europe/Brussels", expect_map: bool = True,
                 sticky_key: str | None = None) -> None:
        self.port = port
        # Through nginx (deploy/): the cookie its `hash` sends every request of a session to
        # one replica, as the cookie nginx sets does for a browser; the replica that answered
        # the handshake is kept in `replica`.
        self.sticky_key = sticky_key
        self.replica: str | None = None
        self.keep_figures = False  # RunResult.figures: the refresh check reads the map's values
        self.expect_map = expect_map  # False for the empty reference app: no map, no app.py
        self.timeout = timeout
        self.timezone = timezone
        self.ws = None
        self.page_script_hash = ""  # from new_session/navigation, sent with later reruns
        self.map_page_hash: str | None = None  # from the navigation message
        self.max_cached_message_age = 2
        self.run_count = 0
        self._cache: dict[str, tuple[int, _Summary]] = {}  # hash -> (last run used, summary)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def connect(self) -> None:
        from websockets.asyncio.client import connect

        headers = {"Cookie": f"regiodash_replica={self.sticky_key}"} if self.sticky_key else None
        self.ws = await connect(
            f"ws://127.0.0.1:{self.port}/_stcore/stream", subprotocols=SUBPROTOCOLS,
            origin=self.origin, max_size=None, open_timeout=self.timeout,
            ping_interval=None, close_timeout=5, additional_headers=headers)
        # $upstream_addr: every replica nginx tried, the one that answered last.
        tried = self.ws.response.headers.get("X-Regiodash-Replica")
        self.replica = tried.rsplit(", ", 1)[-1] if tried else None
        self.page_script_hash, self.run_count, self._cache = "", 0, {}

    async def close(self) -> None:
        if self.ws is not None:
            ws, self.ws = self.ws, None
            try:
                await ws.close()
            except Exception:  # noqa: BLE001, S110 - closing a broken socket is best effort
                pass

    def _rerun_msg(self, query_string: str) -> bytes:
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ClientState_pb2 import ContextInfo

        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = query_string
        if self.page_script_hash:  # later reruns: the page the session is on
            state.page_script_hash = self.page_script_hash
        else:  # first run: the browser opened /?...
            state.page_name = MAP_URL_PATH
        state.cached_message_hashes.extend(self._cache)
        state.context_info.CopyFrom(ContextInfo(
            timezone=self.timezone, timezone_offset=-60, locale="en-GB",
            url=f"{self.origin}/{MAP_URL_PATH}" + (f"?{query_string}" if query_string else ""),
            is_embedded=False, color_scheme="light"))
        return msg.SerializeToString()

    def _account(self, summary: _Summary, result: RunResult) -> None:
        result.errors.extend(summary.errors)
        result.notes.extend(summary.notes)
        result.map_drawn |= summary.map_drawn
        result.through_app |= summary.through_app
        if self.keep_figures:
            result.figures.extend(summary.figures)

    async def rerun(self, query_string: str) -> RunResult:
        """Send one rerun_script and read ForwardMsgs until its script_finished."""
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        assert self.ws is not None, "connect() first"
        started = time.perf_counter()
        result = RunResult(seconds=0.0, status="running")
        await self.ws.send(self._rerun_msg(query_string))
        try:
            # one deadline for the whole run (a wait_for per message costs a task each)
            async with asyncio.timeout(self.timeout):
                msg = await self._read_run(result)
        except TimeoutError:
            raise TimeoutError(f"no script_finished within {self.timeout:.0f} s") from None
        result.seconds = time.perf_counter() - started
        result.status = ForwardMsg.ScriptFinishedStatus.Name(msg.script_finished)
        self.run_count += 1  # the frontend ages its message cache once per finished run
        self._cache = {h: v for h, v in self._cache.items()
                       if self.run_count - v[0] <= self.max_cached_message_age}
        if result.status == "FINISHED_SUCCESSFULLY" and self.expect_map:
            if not result.map_drawn:
                result.errors.append(("no map", "the run drew no plotly chart"))
            if not result.through_app:
                result.errors.append(("no app.py", "the page ran without app.py's navigation"))
            if self.map_page_hash and self.page_script_hash != self.map_page_hash:
                result.errors.append(("wrong page", self.page_script_hash))
        return result

    async def _read_run(self, result: RunResult):
        """ForwardMsgs until the run's script_finished (returned), accounted into `result`."""
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        assert self.ws is not None
        async for raw in self.ws:
            if isinstance(raw, str):
                result.errors.append(("protocol", "text frame from the server"))
                continue
            result.bytes_received += len(raw)
            msg = ForwardMsg()
            msg.ParseFromString(raw)
            kind = msg.WhichOneof("type")
            if kind == "ref_hash":
                cached = self._cache.get(msg.ref_hash)
                if cached is None:
                    result.errors.append(("cache miss", msg.ref_hash))
                else:
                    self._cache[msg.ref_hash] = (self.run_count, cached[1])
                    self._account(cached[1], result)
                continue
            summary = _summarize_msg(msg)
            if msg.metadata.cacheable and msg.hash:
                self._cache[msg.hash] = (self.run_count, summary)
            self._account(summary, result)
            if kind == "new_session":
                self.page_script_hash = msg.new_session.page_script_hash
                age = msg.new_session.config.max_cached_message_age
                self.max_cached_message_age = age if age > 0 else 2
            elif kind == "navigation":  # the frontend's currentPageScriptHash comes from here
                self.page_script_hash = msg.navigation.page_script_hash
                for page in msg.navigation.app_pages:
                    if page.is_default:
                        self.map_page_hash = page.page_script_hash
            elif kind == "page_info_changed":
                result.query_string = msg.page_info_changed.query_string
            elif kind == "page_not_found":
                result.errors.append(("page_not_found", msg.page_not_found.page_name))
            elif kind == "script_finished":
                if msg.script_finished == ForwardMsg.ScriptFinishedStatus.Value(
                        "FINISHED_EARLY_FOR_RERUN"):
                    continue  # st.rerun(): the same request goes on with a new run
                return msg
        raise ConnectionError("the server closed the session during a run")
