"""regiodash.server: Streamlit's listening socket, and so every connection, has TCP_NODELAY."""

from __future__ import annotations

import socket

import pytest

from regiodash import server


def test_connections_accepted_on_the_patched_socket_have_nagle_off():
    from streamlit.web.server.starlette import starlette_server

    plain = starlette_server._bind_socket("127.0.0.1", 0, 8)
    listener = server.nodelay(starlette_server._bind_socket)("127.0.0.1", 0, 8)
    try:
        for sock, expected in ((plain, 0), (listener, 1)):
            sock.setblocking(True)
            with socket.create_connection(sock.getsockname(), timeout=5):
                conn, _ = sock.accept()
                with conn:
                    assert bool(conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)) \
                        == bool(expected)
    finally:
        plain.close()
        listener.close()


def test_patch_streamlit_replaces_the_bind_function(monkeypatch):
    from streamlit.web.server.starlette import starlette_server

    original = starlette_server._bind_socket
    monkeypatch.setattr(starlette_server, "_bind_socket", original)
    assert server.patch_streamlit()
    assert starlette_server._bind_socket is not original


def test_a_streamlit_without_the_bind_function_warns_and_starts_unpatched(monkeypatch):
    from streamlit.web.server.starlette import starlette_server

    monkeypatch.delattr(starlette_server, "_bind_socket")
    with pytest.warns(RuntimeWarning, match="TCP_NODELAY"):
        assert not server.patch_streamlit()
