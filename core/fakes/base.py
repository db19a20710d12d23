"""What every platform fake shares: a Starlette app, a log of what it received, and faults.

A fake answers like the real service (paths, parameters, auth, bodies, headers, paging, errors),
from its own in-memory data. Tests and the demo use it two ways:
- over a socket: `ServedFake.start(fake)` runs it with uvicorn on 127.0.0.1, a free port;
- in-process: `fake.transport()` is an httpx transport, for tests that need no socket.

Faults are queued with `fake.inject(Fault(...))` and consumed by the next matching requests:
a rate limit with the platform's own headers, a 5xx, a slow answer, malformed JSON, an expired
token, or a request that takes effect but whose answer never arrives in time.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

FaultKind = Literal["rate_limit", "server_error", "slow", "malformed", "expired_token", "cut"]


@dataclass(slots=True)
class Fault:
    kind: FaultKind
    #: Only requests whose path contains this are affected ("" = any).
    path: str = ""
    #: Only this method ("" = any).
    method: str = ""
    #: How many requests it affects.
    times: int = 1
    #: Seconds: the wait announced by a rate limit, or the delay of "slow" and "cut".
    seconds: float = 30.0
    status: int = 500


@dataclass(slots=True)
class Received:
    """One request as the fake saw it, for tests to assert on."""

    method: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, str]:
        from urllib.parse import parse_qsl

        return dict(parse_qsl(self.body.decode()))

    def param(self, name: str) -> str | None:
        return next((v for k, v in self.query if k == name), None)

    def params(self, name: str) -> list[str]:
        return [v for k, v in self.query if k == name]


Handler = Callable[[Request], Awaitable[Response]]


@dataclass
class FakePlatform:
    """Base class: subclasses add routes in `routes()` and platform-shaped error answers."""

    clock: Callable[[], float] = time.time
    received: list[Received] = field(default_factory=list)
    faults: deque[Fault] = field(default_factory=deque)

    # ---- what subclasses provide ---------------------------------------------------------------

    def routes(self) -> list[Route]:
        raise NotImplementedError

    def rate_limit_response(self, fault: Fault) -> Response:
        """The platform's own 429 (or 403) with its own headers."""
        return JSONResponse(
            {"error": "Too many requests"}, status_code=429, headers={"Retry-After": "30"}
        )

    def expired_token_response(self) -> Response:
        return JSONResponse({"error": "The access token expired"}, status_code=401)

    def server_error_response(self, fault: Fault) -> Response:
        return Response(
            "<html><body>Internal Server Error</body></html>", fault.status, media_type="text/html"
        )

    # ---- faults --------------------------------------------------------------------------------

    def inject(self, fault: Fault) -> None:
        self.faults.append(fault)

    def _take_fault(self, request: Request) -> Fault | None:
        for fault in self.faults:
            if fault.path and fault.path not in request.url.path:
                continue
            if fault.method and fault.method != request.method:
                continue
            fault.times -= 1
            if fault.times <= 0:
                self.faults.remove(fault)
            return fault
        return None

    def requests_to(self, path_part: str, method: str = "") -> list[Received]:
        return [
            r for r in self.received if path_part in r.path and (not method or r.method == method)
        ]

    # ---- the ASGI app --------------------------------------------------------------------------

    def app(self) -> Starlette:
        wrapped = [
            Route(route.path, self._wrap(route.endpoint), methods=list(route.methods or []))
            for route in self.routes()
        ]
        return Starlette(routes=wrapped)

    def _wrap(self, endpoint: Handler) -> Handler:
        async def handle(request: Request) -> Response:
            body = await request.body()
            self.received.append(
                Received(
                    method=request.method,
                    path=request.url.path,
                    query=list(request.query_params.multi_items()),
                    headers={k.lower(): v for k, v in request.headers.items()},
                    body=body,
                )
            )
            fault = self._take_fault(request)
            if fault is None:
                return await endpoint(request)
            if fault.kind == "rate_limit":
                return self.rate_limit_response(fault)
            if fault.kind == "server_error":
                return self.server_error_response(fault)
            if fault.kind == "expired_token":
                return self.expired_token_response()
            if fault.kind == "malformed":
                await endpoint(request)
                return Response('{"truncated": [', 200, media_type="application/json")
            if fault.kind == "slow":
                await asyncio.sleep(fault.seconds)
                return await endpoint(request)
            # "cut": the request takes effect, but the answer arrives too late to be seen.
            response = await endpoint(request)
            await asyncio.sleep(fault.seconds)
            return response

        return handle

    def transport(self) -> httpx.AsyncBaseTransport:
        """An in-process transport: an httpx.AsyncClient on it talks to this fake directly."""
        return httpx.ASGITransport(app=self.app())


class ServedFake:
    """A fake served by uvicorn on a free 127.0.0.1 port, in a background thread."""

    def __init__(self, fake: FakePlatform, port: int = 0) -> None:
        import uvicorn

        self.fake = fake
        self.port = port or _free_port()
        config = uvicorn.Config(
            fake.app(),
            host="127.0.0.1",
            port=self.port,
            log_level="error",
            lifespan="off",
            access_log=False,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @classmethod
    def start(cls, fake: FakePlatform, port: int = 0, timeout: float = 10.0) -> ServedFake:
        served = cls(fake, port)
        served._thread.start()
        deadline = time.monotonic() + timeout
        while not served._server.started:
            if not served._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the {type(fake).__name__} did not start on {served.url}")
            time.sleep(0.01)
        return served

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)

    def __enter__(self) -> ServedFake:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
