"""Trickled request bodies cannot hold connections (issue 19, item 14): `make serve`'s uvicorn
closes a connection whose declared body has not arrived within GAVEL_BODY_TIMEOUT (plus time
for its length at GAVEL_BODY_MIN_RATE), while a client that sends its body normally is served."""

import os
import socket
import subprocess
import time

from config.serve import web_command
from tests.faults.servers import free_port, wait_for

TRICKLING = 100


def start_server(port: int) -> subprocess.Popen:
    command = web_command("127.0.0.1", port, 1)
    command[command.index("config.asgi:application")] = "tests.integration.operations.tiny_app:app"
    env = {**os.environ, "GAVEL_BODY_TIMEOUT": "1", "GAVEL_BODY_MIN_RATE": "1000000"}
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def post(port: int, body: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(
            b"POST / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        return sock.recv(1024)


def closed_by_server(sock: socket.socket) -> bool:
    """True when the server has closed the connection (EOF or reset) without answering."""
    sock.settimeout(0.2)
    try:
        return sock.recv(1024) == b""
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


def test_trickled_bodies_are_closed_and_others_are_served():
    port = free_port()
    server = start_server(port)
    sockets = []
    try:
        wait_for(lambda: post(port, b"x" * 100).startswith(b"HTTP/1.1 200"), 20, "uvicorn")
        for _ in range(TRICKLING):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(b"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 60000\r\n\r\nx")
            sockets.append(sock)
        time.sleep(0.6)
        for sock in sockets:  # one more byte each: still under way, not idle
            sock.sendall(b"x")
        time.sleep(1.5)
        assert sum(closed_by_server(sock) for sock in sockets) == TRICKLING
        assert post(port, b"x" * 60000).startswith(b"HTTP/1.1 200")
    finally:
        for sock in sockets:
            sock.close()
        server.kill()
        server.wait()
