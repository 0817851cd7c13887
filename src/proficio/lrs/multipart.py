"""multipart/mixed bodies for statements with attachments (xAPI 1.0.3 Part Three 1.5.2).

`parse_mixed` splits a request body into parts; `render_mixed` builds a response. A request's
first part holds the statements (application/json); every other part is one attachment body,
named by its SHA-2 in `X-Experience-API-Hash`.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from proficio.errors import BadRequest

HASH_HEADER = "x-experience-api-hash"
_HASHES = {64: hashlib.sha256, 96: hashlib.sha384, 128: hashlib.sha512}


@dataclass(frozen=True, slots=True)
class Part:
    headers: dict[str, str]  # names in lower case
    body: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")


def boundary_of(content_type: str) -> str:
    for param in content_type.split(";")[1:]:
        name, _, value = param.strip().partition("=")
        if name.strip().lower() == "boundary" and value.strip().strip('"'):
            return value.strip().strip('"')
    raise BadRequest("multipart/mixed needs a boundary parameter", field="Content-Type")


def parse_mixed(body: bytes, content_type: str) -> list[Part]:
    """The parts of a multipart/mixed body; 400 when it is truncated or malformed."""
    delimiter = b"--" + boundary_of(content_type).encode("latin-1")
    start = body.find(delimiter)
    if start < 0:
        raise BadRequest("the multipart body has no part with its boundary", field="body")
    parts: list[Part] = []
    position = start + len(delimiter)
    while True:
        if body.startswith(b"--", position):
            return parts  # the closing delimiter
        if not body.startswith(b"\r\n", position):
            raise BadRequest("a multipart boundary is not followed by CRLF", field="body")
        end = body.find(b"\r\n" + delimiter, position)
        if end < 0:
            raise BadRequest("the multipart body is truncated (no closing boundary)", field="body")
        parts.append(_part(body[position + 2 : end], index=len(parts)))
        position = end + 2 + len(delimiter)


def _part(raw: bytes, *, index: int) -> Part:
    head, separator, body = raw.partition(b"\r\n\r\n")
    if not separator:
        if raw.startswith(b"\r\n"):  # a part with no headers
            return Part({}, raw[2:])
        raise BadRequest(f"part {index} has no blank line after its headers", field="body")
    headers: dict[str, str] = {}
    for line in head.decode("latin-1").split("\r\n"):
        name, colon, value = line.partition(":")
        if not colon:
            raise BadRequest(f"part {index} has a malformed header line", field="body")
        headers[name.strip().lower()] = value.strip()
    return Part(headers, body)


def check_hash(part: Part, index: int) -> str:
    """The part's declared SHA-2, after checking it against the part's bytes (lower case)."""
    declared = part.headers.get(HASH_HEADER, "").strip().lower()
    algorithm = _HASHES.get(len(declared))
    if algorithm is None:
        raise BadRequest(
            f"attachment part {index} needs an X-Experience-API-Hash header with its SHA-2",
            field="X-Experience-API-Hash",
        )
    if algorithm(part.body).hexdigest() != declared:
        raise BadRequest(
            f"attachment part {index}'s bytes do not match its X-Experience-API-Hash",
            field="X-Experience-API-Hash",
        )
    return declared


def render_mixed(first: bytes, attachments: Iterable[tuple[str, str, bytes]]) -> tuple[bytes, str]:
    """A multipart/mixed body: the statements, then (sha2, content type, bytes) parts; and the
    Content-Type header that goes with it."""
    boundary = uuid.uuid4().hex
    chunks = [f"--{boundary}\r\nContent-Type: application/json\r\n\r\n".encode(), first]
    for sha2, content_type, body in attachments:
        chunks.append(
            f"\r\n--{boundary}\r\nContent-Type: {content_type}\r\n"
            f"Content-Transfer-Encoding: binary\r\nX-Experience-API-Hash: {sha2}\r\n\r\n".encode()
        )
        chunks.append(body)
    chunks.append(f"\r\n--{boundary}--\r\n".encode())
    return b"".join(chunks), f'multipart/mixed; boundary="{boundary}"'
