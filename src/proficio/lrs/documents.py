"""The document resources: State, Activity Profile and Agent Profile (xAPI 1.0.3 Part Three
2.3, 2.6, 2.7; concurrency 3.1).

Requests are checked and turned into a `Scope` (where documents live) and a document id here;
reads run on a pooled connection, writes go to the writer process (`store_documents`), where
the ETag preconditions are checked and the change made in one step, so two concurrent writers
cannot both pass the same If-Match.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection

from proficio.errors import BadRequest, Conflict, NotFound, PreconditionFailed, ProficioError
from proficio.lrs.params import agent_key_param, iri_param, timestamp_us_param, uuid_param
from proficio.lrs.versions import V2
from proficio.storage import documents as store
from proficio.storage.documents import Scope, StoredDocument
from proficio.storage.writer import Tx

JSON_TYPE = "application/json"
DEFAULT_TYPE = "application/octet-stream"


@dataclass(frozen=True)
class Resource:
    """One document resource: its kind, the parameters that scope it, its id parameter."""

    kind: int
    name: str
    id_param: str
    scope_params: tuple[str, ...]
    # Profiles refuse a blind PUT (Part Three 3.1); under 1.0.3 the State resource does not.
    needs_precondition: bool
    # DELETE without an id deletes every document of the scope (the State resource only).
    deletes_all: bool

    def parameters(self, *, single: bool) -> frozenset[str]:
        extra = (self.id_param,) if single else (self.id_param, "since")
        registration = ("registration",) if self.kind == store.STATE else ()
        return frozenset((*self.scope_params, *registration, *extra))


STATE = Resource(
    store.STATE,
    "state",
    "stateId",
    ("activityId", "agent"),
    needs_precondition=False,
    deletes_all=True,
)
ACTIVITY_PROFILE = Resource(
    store.ACTIVITY_PROFILE,
    "activity profile",
    "profileId",
    ("activityId",),
    needs_precondition=True,
    deletes_all=False,
)
AGENT_PROFILE = Resource(
    store.AGENT_PROFILE,
    "agent profile",
    "profileId",
    ("agent",),
    needs_precondition=True,
    deletes_all=False,
)


@dataclass(frozen=True)
class DocumentRequest:
    resource: Resource
    scope: Scope
    document_id: str | None  # None: the whole scope (a list, or deleting every state)
    since_us: int | None = None


def parse_request(resource: Resource, params: dict[str, str], method: str) -> DocumentRequest:
    """Check the query parameters of a document request; 400 naming the first problem."""
    allowed = resource.parameters(single=method != "GET")
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise BadRequest(f"not a parameter of {method} {resource.name}", field=unknown[0])
    for name in resource.scope_params:
        if name not in params:
            raise BadRequest("this parameter is required", field=name)
    document_id = params.get(resource.id_param)
    # Without an id: GET lists ids, DELETE on the State resource deletes every state.
    if document_id is None and not (
        method == "GET" or (method == "DELETE" and resource.deletes_all)
    ):
        raise BadRequest("this parameter is required", field=resource.id_param)
    if document_id is not None and "since" in params:
        raise BadRequest(f"since only applies without {resource.id_param}", field="since")
    registration = params.get("registration")
    scope = Scope(
        kind=resource.kind,
        activity_id=iri_param("activityId", params["activityId"]) if "activityId" in params else "",
        agent_key=agent_key_param(params["agent"]) if "agent" in params else "",
        # One document: exactly this registration (or none). A list or a bulk delete without
        # a registration covers every registration.
        registration=(
            uuid_param("registration", registration)
            if registration is not None
            else ("" if document_id is not None else None)
        ),
    )
    since_us = timestamp_us_param("since", params["since"]) if "since" in params else None
    return DocumentRequest(resource, scope, document_id, since_us)


def etag_of(contents: bytes) -> str:
    return hashlib.sha1(contents, usedforsecurity=False).hexdigest()


def parse_etags(header: str | None) -> tuple[str, ...] | None:
    """The ETags of an If-Match / If-None-Match header, unquoted; '*' stays '*'."""
    if header is None:
        return None
    tags = []
    for part in header.split(","):
        tag = part.strip().removeprefix("W/").strip('"')
        if tag:
            tags.append(tag)
    return tuple(tags)


@dataclass(frozen=True)
class DocumentWrite:
    """A change for the writer process: put, post (merge) or delete, with its preconditions."""

    op: str
    request: DocumentRequest
    content_type: str = DEFAULT_TYPE
    contents: bytes = b""
    if_match: tuple[str, ...] | None = None
    if_none_match: tuple[str, ...] | None = None
    # A PUT without If-Match or If-None-Match may not replace an existing document: on the
    # profile resources always, on the State resource under xAPI 2.0 (9274.1.1 4.1.4).
    refuse_blind_overwrite: bool = False


def new_write(
    op: str,
    request: DocumentRequest,
    *,
    content_type: str | None,
    contents: bytes,
    if_match: str | None,
    if_none_match: str | None,
    version: str,
) -> DocumentWrite:
    """Check what can be checked before the writer sees the change (outside any transaction)."""
    content_type = (content_type or DEFAULT_TYPE).strip()
    if op == "post" and _is_json(content_type):
        _json_object(contents, field="body")
    return DocumentWrite(
        op,
        request,
        content_type=content_type,
        contents=contents,
        if_match=parse_etags(if_match),
        if_none_match=parse_etags(if_none_match),
        refuse_blind_overwrite=request.resource.needs_precondition or version == V2,
    )


def store_documents(tx: Tx, writes: list[DocumentWrite]) -> list[str | ProficioError | None]:
    """The writer process's handler: each write in turn, its new ETag (None when deleted) or
    the error that refused it (and left nothing of it behind)."""
    outcomes: list[str | ProficioError | None] = []
    for write in writes:
        try:
            outcomes.append(_apply(tx.conn, write))
        except ProficioError as exc:
            outcomes.append(exc)
    return outcomes


def _apply(conn: Connection, write: DocumentWrite) -> str | None:
    request = write.request
    if request.document_id is None:  # deleting every state of an activity and agent
        store.delete_documents(conn, request.scope)
        return None
    existing = store.get_document(conn, request.scope, request.document_id)
    _check_preconditions(write, existing)
    if write.op == "delete":
        store.delete_documents(conn, request.scope, request.document_id)
        return None
    content_type, contents = write.content_type, write.contents
    if write.op == "post" and existing is not None:
        content_type, contents = JSON_TYPE, _merged(existing, write)
    document = StoredDocument(content_type, contents, etag_of(contents), time.time_ns() // 1000)
    store.save_document(conn, request.scope, request.document_id, document)
    return document.etag


def _check_preconditions(write: DocumentWrite, existing: StoredDocument | None) -> None:
    """If-Match / If-None-Match (Part Three 3.1, XAPI-00283 to XAPI-00289)."""
    if write.if_match is not None and (
        existing is None or not ("*" in write.if_match or existing.etag in write.if_match)
    ):
        raise PreconditionFailed(
            "the document's ETag does not match (it changed or does not exist)",
            field="If-Match",
        )
    if (
        write.if_none_match is not None
        and existing is not None
        and ("*" in write.if_none_match or existing.etag in write.if_none_match)
    ):
        raise PreconditionFailed("the document already exists", field="If-None-Match")
    if write.op != "put" or write.if_match is not None or write.if_none_match is not None:
        return
    # A blind PUT: 409 over a document that exists (XAPI-00283); on a profile resource, 400
    # for a new one too (the conformance suite's reading of XAPI-00273 and XAPI-00293).
    advice = "send If-Match with its ETag to replace it, or If-None-Match: * to create it"
    if existing is not None and write.refuse_blind_overwrite:
        raise Conflict(f"the document exists: {advice}", field="If-Match")
    if existing is None and write.request.resource.needs_precondition:
        raise BadRequest(f"a profile PUT needs a precondition: {advice}", field="If-None-Match")


def _is_json(content_type: str) -> bool:
    return content_type.split(";")[0].strip().lower() == JSON_TYPE


def _json_object(contents: bytes, *, field: str) -> dict[str, Any]:
    try:
        value = orjson.loads(contents)
    except orjson.JSONDecodeError:
        value = None
    if type(value) is not dict:
        raise BadRequest("must be a JSON object to be merged by POST", field=field)
    return value


def _merged(existing: StoredDocument, write: DocumentWrite) -> bytes:
    """POST merges two JSON objects, the new properties winning (Part Three 2.2)."""
    if not _is_json(write.content_type):
        raise BadRequest(
            "a document that exists can only be merged with a JSON object (application/json)",
            field="Content-Type",
        )
    if not _is_json(existing.content_type):
        raise BadRequest("the stored document is not JSON, so it cannot be merged", field="body")
    old = _json_object(existing.contents, field="body")
    return orjson.dumps({**old, **_json_object(write.contents, field="body")})


def read_document(conn: Connection, request: DocumentRequest) -> StoredDocument:
    assert request.document_id is not None
    document = store.get_document(conn, request.scope, request.document_id)
    if document is None:
        raise NotFound(
            f"no {request.resource.name} document with this id", field=request.resource.id_param
        )
    return document


def read_ids(conn: Connection, request: DocumentRequest) -> tuple[list[str], int | None]:
    return store.list_document_ids(conn, request.scope, since_us=request.since_us)
