"""A one-line ASGI app for tests of the ASGI server's own behaviour (no Django, no services)."""


async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})
