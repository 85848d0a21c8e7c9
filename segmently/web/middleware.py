from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
]
# Dashboard pages may not be framed by other sites (clickjacking); the public snippet and
# the API are not affected because they are not HTML documents.
FRAME = (b"x-frame-options", b"SAMEORIGIN")


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                headers += [h for h in HEADERS if h[0] not in names]
                content_type = dict(headers).get(b"content-type", b"")
                if content_type.startswith(b"text/html") and FRAME[0] not in names:
                    headers.append(FRAME)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
