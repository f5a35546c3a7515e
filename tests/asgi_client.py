"""A test client that sends HTTP requests through `config.asgi.application`, as uvicorn does.

Django's test clients call Django's handler directly, so they never reach the lean bid route
mounted in front of it (config/bid_route.py). `AsgiClient` goes through the whole ASGI
application with Channels' `HttpCommunicator`, with the cookies of a Django test `Client` (log in
with `force_login` there) and, like the page's own script, a CSRF cookie and `X-CSRFToken`
header unless told not to. Its responses read like the test client's: `status_code`, `json()`,
`content`, headers by name.
"""

import json
from http.cookies import SimpleCookie

from asgiref.sync import async_to_sync
from channels.testing import HttpCommunicator
from django.middleware.csrf import _get_new_csrf_string, _mask_cipher_secret
from django.test import Client


class AsgiResponse:
    """What came back: the status, the headers (by case-insensitive name) and the body."""

    def __init__(self, message: dict):
        self.status_code: int = message["status"]
        self.headers = {name.decode().lower(): value.decode() for name, value in message["headers"]}
        self.cookies = SimpleCookie()
        for name, value in message["headers"]:
            if name.lower() == b"set-cookie":
                self.cookies.load(value.decode())
        self.content: bytes = message["body"]

    def __getitem__(self, name: str) -> str:
        return self.headers[name.lower()]

    def __contains__(self, name: str) -> bool:
        return name.lower() in self.headers

    def get(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name.lower(), default)

    def json(self):
        return json.loads(self.content)


class AsgiClient:
    """Requests through the ASGI application with the session of `client` (a Django test client).

    `csrf=True` sends a CSRF cookie and the matching masked `X-CSRFToken`, as the page's script
    does; `csrf=False` sends neither (or give your own in `headers` and `cookies`).
    """

    def __init__(
        self,
        client: Client | None = None,
        *,
        csrf: bool = True,
        host: str = "testserver",
        secure: bool = False,
    ):
        self.cookies = client.cookies if client is not None else SimpleCookie()
        self.csrf = csrf
        self.host = host
        self.scheme = "https" if secure else "http"
        self._secret = _get_new_csrf_string()

    def post(
        self,
        path: str,
        data: str | bytes | dict | list | None = None,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
    ) -> AsgiResponse:
        if isinstance(data, dict | list):
            data = json.dumps(data)
        body = data.encode() if isinstance(data, str) else (data or b"")
        return self.request("POST", path, body, content_type=content_type, headers=headers)

    def request(
        self,
        method: str,
        path: str,
        body: bytes = b"",
        *,
        content_type: str | None = "application/json",
        headers: dict[str, str] | None = None,
        cookies: dict[str, str] | None = None,
    ) -> AsgiResponse:
        from config.asgi import application

        jar = {name: morsel.value for name, morsel in self.cookies.items()}
        sent = {"host": self.host}
        if self.csrf:
            jar.setdefault("csrftoken", self._secret)
            sent["x-csrftoken"] = _mask_cipher_secret(jar["csrftoken"])
        jar.update(cookies or {})
        if content_type is not None:
            sent["content-type"] = content_type
        sent["content-length"] = str(len(body))
        if jar:
            sent["cookie"] = "; ".join(f"{name}={value}" for name, value in jar.items())
        sent.update({name.lower(): value for name, value in (headers or {}).items()})
        path, _, query = path.partition("?")
        communicator = HttpCommunicator(
            application,
            method,
            path,
            body=body,
            headers=[(name.encode(), value.encode("latin-1")) for name, value in sent.items()],
        )
        communicator.scope["query_string"] = query.encode()
        communicator.scope["scheme"] = self.scheme
        communicator.scope["server"] = (self.host, 443 if self.scheme == "https" else 80)
        return AsgiResponse(async_to_sync(communicator.get_response)(timeout=10))
