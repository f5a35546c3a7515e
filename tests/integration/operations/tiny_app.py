"""A tiny ASGI app for tests of the ASGI server's own behaviour (no Django, no services): it
reads the whole request body, as Django does, then answers 200 "ok"."""


async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    more_body = True
    while more_body:
        message = await receive()
        more_body = message.get("more_body", False) and message["type"] == "http.request"
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})
