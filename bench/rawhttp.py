"""A small asyncio HTTP/1.1 keep-alive client for load generation against 127.0.0.1.

httpx spends more CPU per request than the server under test on this 2-core machine, which
would measure the client. This does only what the benchmarks need: one request at a time per
connection, Content-Length or chunked responses, one retry when a reused keep-alive
connection turns out to have been closed by the server before it answered.
"""

from __future__ import annotations

import asyncio
import base64
from dataclasses import dataclass

LOCALHOST = "127.0.0.1"


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    headers: dict[str, str]
    body: bytes


class ConnectionLost(Exception):
    """The server closed the connection or did not answer within the timeout."""


def basic_auth(key: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()


class HttpConnection:
    """One keep-alive connection to 127.0.0.1:`port`; not safe for concurrent requests."""

    def __init__(self, port: int, *, headers: dict[str, str], timeout: float = 60.0) -> None:
        self.port = port
        self.timeout = timeout
        self._fixed = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self.reconnects = 0

    async def request(
        self,
        method: str,
        target: str,
        body: bytes | None = None,
        *,
        content_type: str = "application/json",
    ) -> Response:
        head = f"{method} {target} HTTP/1.1\r\nHost: {LOCALHOST}:{self.port}\r\n{self._fixed}"
        if body is not None:
            head += f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
        raw = (head + "\r\n").encode() + (body or b"")
        reused = self._writer is not None
        try:
            return await asyncio.wait_for(self._exchange(raw, method), self.timeout)
        except _StaleConnection:
            self.close()
            if not reused:
                raise ConnectionLost("the server closed the connection before answering") from None
            self.reconnects += 1
        try:
            return await asyncio.wait_for(self._exchange(raw, method), self.timeout)
        except _StaleConnection:
            self.close()
            raise ConnectionLost("the server closed the connection before answering") from None

    async def _exchange(self, raw: bytes, method: str) -> Response:
        try:
            if self._writer is None:
                self._reader, self._writer = await asyncio.open_connection(LOCALHOST, self.port)
            assert self._reader is not None
            self._writer.write(raw)
            await self._writer.drain()
            try:
                head = await self._reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError as exc:
                if not exc.partial:
                    raise _StaleConnection from None
                raise
            return await self._read_rest(head, method)
        except _StaleConnection:
            raise
        except (ConnectionResetError, BrokenPipeError) as exc:
            self.close()
            raise _StaleConnection from exc
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as exc:
            self.close()
            raise ConnectionLost(f"{type(exc).__name__}: {exc}") from exc
        except BaseException:  # a timeout or cancellation leaves the stream mid-response
            self.close()
            raise

    async def _read_rest(self, head: bytes, method: str) -> Response:
        assert self._reader is not None
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
            body = b""
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            body = await self._read_chunked()
        elif "content-length" in headers:
            body = await self._reader.readexactly(int(headers["content-length"]))
        else:  # delimited by the end of the connection
            body = await self._reader.read()
            self.close()
        if headers.get("connection", "").lower() == "close":
            self.close()
        return Response(status, headers, body)

    async def _read_chunked(self) -> bytes:
        assert self._reader is not None
        parts: list[bytes] = []
        while True:
            size = int((await self._reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await self._reader.readuntil(b"\r\n")  # no trailers expected
                return b"".join(parts)
            parts.append(await self._reader.readexactly(size))
            await self._reader.readexactly(2)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None


class _StaleConnection(Exception):
    pass
