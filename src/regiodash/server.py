"""`python -m regiodash.server run app.py [options]`: `streamlit run`, with Nagle's algorithm off.

Streamlit 1.67 binds its listening socket itself (`socket.socket(family=...)`, no explicit
protocol) and hands it to uvicorn. asyncio disables Nagle's algorithm (TCP_NODELAY) only on
sockets whose protocol is IPPROTO_TCP, so the app's connections keep it on. A rerun sends one
small message (new_session) and then the page's deltas; with Nagle on, the deltas wait until
the browser acknowledges the first message, which Linux delays (delayed ACK) on a busy
connection, so a rerun waits for a timer instead of for work (the figures are in
BENCHMARKS.md and README's Speed section). `make run`, `regiodash serve` and the test and
benchmark servers start through this module; plain `streamlit run app.py` works too, without
this fix.

The fix sets TCP_NODELAY on the listening socket: accepted connections inherit it (Linux,
tested in tests/test_server.py). If Streamlit stops binding the socket this way, the patch
is skipped with a warning and the server starts as `streamlit run` would.
"""

from __future__ import annotations

import socket
import sys
import warnings
from collections.abc import Callable, Sequence


def nodelay(bind: Callable[..., socket.socket]) -> Callable[..., socket.socket]:
    """`bind` (Streamlit's `_bind_socket`), returning its listening socket with TCP_NODELAY."""

    def bind_with_nodelay(*args, **kwargs) -> socket.socket:
        sock = bind(*args, **kwargs)
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    return bind_with_nodelay


def patch_streamlit() -> bool:
    """Make Streamlit's server sockets use TCP_NODELAY; False (with a warning) if it cannot."""
    try:
        from streamlit.web.server.starlette import starlette_server
    except ImportError:
        starlette_server = None
    bind = getattr(starlette_server, "_bind_socket", None)
    if not callable(bind):
        warnings.warn("regiodash.server: Streamlit's _bind_socket not found; serving without "
                      "TCP_NODELAY", RuntimeWarning, stacklevel=2)
        return False
    starlette_server._bind_socket = nodelay(bind)
    return True


def main(argv: Sequence[str] | None = None) -> int:
    from streamlit.web.cli import main as streamlit_main

    patch_streamlit()
    sys.argv = ["streamlit", *(sys.argv[1:] if argv is None else argv)]
    try:
        streamlit_main()
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
