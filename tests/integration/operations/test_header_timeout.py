"""Half-sent requests cannot lock other clients out: `make serve`'s uvicorn closes a connection
whose request line and headers are not complete within GAVEL_HEADER_TIMEOUT, while a client
that sends its request normally is served. Runs the very command `make serve` starts (minus the
production settings: the app served is a one-line ASGI app)."""

import os
import socket
import subprocess
import sys
import time

from config.serve import web_command
from tests.faults.servers import free_port, wait_for

HALF_SENT = 200


def start_server(port: int) -> subprocess.Popen:
    command = web_command("127.0.0.1", port, 1)
    command[command.index("config.asgi:application")] = "tests.integration.operations.tiny_app:app"
    env = {**os.environ, "GAVEL_HEADER_TIMEOUT": "1"}
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def get(port: int) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        return sock.recv(1024)


def test_make_serve_uses_the_header_deadline_protocol():
    command = web_command("127.0.0.1", 8000, 2)
    assert command[command.index("--http") + 1] == "config.http_protocol:HeaderDeadlineProtocol"


def test_half_sent_requests_are_closed_and_others_are_served():
    port = free_port()
    server = start_server(port)
    sockets = []
    try:
        wait_for(lambda: get(port).startswith(b"HTTP/1.1 200"), 20, "uvicorn")
        for _ in range(HALF_SENT):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(b"GET / HTTP/1.1\r\nHost: local")  # never finished
            sockets.append(sock)
        time.sleep(2.5)
        closed = 0
        for sock in sockets:
            sock.settimeout(0.2)
            try:
                closed += sock.recv(1) == b""
            except (TimeoutError, ConnectionResetError):
                closed += isinstance(sys.exc_info()[1], ConnectionResetError)
        assert closed == HALF_SENT
        assert get(port).startswith(b"HTTP/1.1 200")
    finally:
        for sock in sockets:
            sock.close()
        server.kill()
        server.wait()
