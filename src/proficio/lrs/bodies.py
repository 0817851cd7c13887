"""Attachment bodies between a request and where they are kept: in the database (the default,
written by the writer process with the statements) or in a blob store (a directory or an
S3-compatible bucket, written here, before the statements go to the writer, so the writer's
one transaction at a time never waits on a file system or a network)."""

from __future__ import annotations

import asyncio

from proficio.errors import ServiceUnavailable
from proficio.lrs.statements import PreparedStatement
from proficio.storage.attachments import get_attachments
from proficio.storage.blobs import BlobStore
from proficio.storage.database import Database


async def offload_bodies(prepared: list[PreparedStatement], blobs: BlobStore | None) -> None:
    """Write every body the statements carry to the blob store, leaving them only its metadata.
    A store that fails is a 503, and then no statement is stored."""
    if blobs is None:
        return
    bodies = {
        sha2: data
        for p in prepared
        for sha2, (_, data, _) in p.attachment_bodies.items()
        if data is not None
    }
    if not bodies:
        return
    try:
        await asyncio.gather(
            *(asyncio.to_thread(blobs.put, sha2, data) for sha2, data in bodies.items())
        )
    except Exception as exc:
        raise ServiceUnavailable(
            f"the attachment store ({blobs.description}) could not store a body "
            f"({type(exc).__name__}); nothing was stored"
        ) from exc
    for p in prepared:
        p.attachment_bodies = {
            sha2: (kind, None, length) for sha2, (kind, _, length) in p.attachment_bodies.items()
        }


async def load_bodies(
    db: Database, blobs: BlobStore | None, sha2s: list[str]
) -> list[tuple[str, str, bytes]]:
    """(sha2, content type, bytes) of each stored body among `sha2s`, in their order."""
    if not sha2s:
        return []
    found = await db.read(lambda conn: get_attachments(conn, sha2s))
    loaded: list[tuple[str, str, bytes]] = []
    for sha2 in sha2s:
        if sha2 not in found:
            continue  # a fileUrl-only attachment: nothing was sent, nothing is returned
        kind, data = found[sha2]
        if data is None:
            data = await _from_store(blobs, sha2)
        loaded.append((sha2, kind, data))
    return loaded


async def _from_store(blobs: BlobStore | None, sha2: str) -> bytes:
    if blobs is None:
        raise ServiceUnavailable(
            f"attachment {sha2} is kept in a blob store, and none is configured "
            "(PROFICIO_ATTACHMENT_STORE)"
        )
    try:
        data = await asyncio.to_thread(blobs.get, sha2)
    except Exception as exc:
        raise ServiceUnavailable(
            f"the attachment store ({blobs.description}) could not be read ({type(exc).__name__})"
        ) from exc
    if data is None:
        raise ServiceUnavailable(f"attachment {sha2} is missing from {blobs.description}")
    return data
