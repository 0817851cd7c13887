"""`POST /api/imports/{kind}`: the same files as `proficio import KIND FILE`, over HTTP.

A multipart/form-data body with `file` (the CSV or JSON Lines export; its name's suffix says
which), optionally `mapping` (the YAML mapping) and `skip_invalid` (`true`). The upload is
spooled to a temporary file, then imported exactly as on the command line; statements go to
the server's writer in chunks, between other clients' writes. Needs `imports:run`.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from functools import partial
from pathlib import Path
from typing import Annotated, Any

import anyio.to_thread
import orjson
from fastapi import APIRouter, Depends
from sqlalchemy import Connection
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response

from proficio.audit.log import Outcome
from proficio.auth.permissions import ORGANISATION, Action, Actor, ensure_permission
from proficio.auth.web import current_actor
from proficio.capture.enrolments import record_enrolments
from proficio.capture.importer import ImportJob, audit_import, import_file
from proficio.capture.mapping import Mapping, load_yaml
from proficio.capture.profile import Profile
from proficio.capture.rows import People
from proficio.capture.sinks import WriterSink
from proficio.capture.sources import KINDS, source_for
from proficio.context import AppContext, context_of
from proficio.errors import BadRequest, PayloadTooLarge, ProficioError, UnsupportedMediaType
from proficio.people.cohort_file import read_cohort_file
from proficio.people.cohorts import apply_cohorts
from proficio.people.directory import apply_roster
from proficio.people.roster import RosterMapping, read_roster

FILE_KINDS = ("hris", "cohorts", *KINDS)
# What else a kind of import changes, beyond running an import.
WRITES = {"hris": (Action.PEOPLE_WRITE,), "cohorts": (Action.COHORTS_WRITE,)}
_FIELDS = frozenset({"file", "mapping", "skip_invalid"})
REJECTS_SHOWN = 1_000_000  # characters of refused rows returned with skip_invalid


def _json(body: Any) -> Response:
    return Response(orjson.dumps(body), media_type="application/json")


async def post_import(
    request: Request, kind: str, actor: Annotated[Actor, Depends(current_actor)]
) -> Response:
    ctx = context_of(request)
    if kind not in FILE_KINDS:
        raise BadRequest(f"not a kind of import (kinds: {', '.join(FILE_KINDS)})", field="kind")
    actions = (Action.IMPORTS_RUN, *WRITES.get(kind, ()))

    def allowed(conn: Connection) -> None:
        for action in actions:
            ensure_permission(conn, actor, action, ORGANISATION)

    await ctx.db.read(allowed)
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > ctx.settings.max_import_bytes:
        raise PayloadTooLarge(
            f"larger than PROFICIO_MAX_IMPORT_BYTES ({ctx.settings.max_import_bytes})",
            field="file",
        )
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise UnsupportedMediaType(
            "send the file as multipart/form-data, in a part named `file`", field="Content-Type"
        )
    async with request.form(max_files=2, max_fields=4) as form:
        unknown = sorted(set(form) - _FIELDS)
        if unknown:
            raise BadRequest(
                "not a part of an import (file, mapping, skip_invalid)", field=unknown[0]
            )
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise BadRequest("send the export as a file part named `file`", field="file")
        if (upload.size or 0) > ctx.settings.max_import_bytes:  # sent without a length
            raise PayloadTooLarge(
                f"larger than PROFICIO_MAX_IMPORT_BYTES ({ctx.settings.max_import_bytes})",
                field="file",
            )
        mapping_text = await _text(form.get("mapping"))
        skip_invalid = _flag(form.get("skip_invalid"))
        with tempfile.TemporaryDirectory(prefix="proficio-import-") as directory:
            path = Path(directory) / f"upload{Path(upload.filename).suffix.lower() or '.csv'}"
            await anyio.to_thread.run_sync(_spool, upload, path)
            report = await anyio.to_thread.run_sync(
                lambda: _run(ctx, actor, kind, path, mapping_text, skip_invalid)
            )
    return _json(report)


async def _text(part: Any) -> str | None:
    if part is None:
        return None
    if isinstance(part, UploadFile):
        data = await part.read()
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise BadRequest("the mapping is not UTF-8 text", field="mapping") from None
    return str(part)


def _flag(part: Any) -> bool:
    if part is None:
        return False
    if not isinstance(part, str) or part.lower() not in ("true", "false", "yes", "no", "1", "0"):
        raise BadRequest("must be true or false", field="skip_invalid")
    return part.lower() in ("true", "yes", "1")


def _spool(upload: UploadFile, path: Path) -> None:
    upload.file.seek(0)
    with path.open("wb") as out:
        shutil.copyfileobj(upload.file, out, 1 << 20)


def _mapping(kind: str, text: str | None) -> Mapping:
    return Mapping.from_dict(load_yaml(text), kind=kind) if text is not None else Mapping(kind=kind)


def _run(
    ctx: AppContext,
    actor: Actor,
    kind: str,
    path: Path,
    mapping_text: str | None,
    skip_invalid: bool,
) -> dict[str, Any]:
    """The import, in a worker thread; each import, done or refused, is in the audit log."""
    audit = partial(audit_import, ctx.db.engine, actor=str(actor), kind=kind)
    try:
        body = _import(ctx, actor, kind, path, mapping_text, skip_invalid)
    except ProficioError as exc:
        audit(outcome=Outcome.FAILED, detail={"reason": exc.message[:500]})
        raise
    audit(outcome=Outcome.SUCCEEDED, detail=body)
    return body


def _import(
    ctx: AppContext,
    actor: Actor,
    kind: str,
    path: Path,
    mapping_text: str | None,
    skip_invalid: bool,
) -> dict[str, Any]:
    if kind == "hris":
        body = _roster(ctx, path, mapping_text)
    elif kind == "cohorts":
        body = _cohorts(ctx, actor, path, mapping_text)
    else:
        mapping = _mapping(kind, mapping_text)
        source_for(kind, mapping.shape)
        settings = ctx.settings
        job = ImportJob(
            path=path,
            mapping=mapping,
            profile=Profile(settings.profile_namespace),
            home_page=settings.public_url,
            authority={"objectType": "Agent", "mbox": f"mailto:{actor.email}"},
            skip_invalid=skip_invalid,
            reject_file=path.with_name("rejected" + path.suffix) if skip_invalid else None,
        )
        people = ctx.db.read_sync(People.load)
        body = import_file(job, people=people, sink=WriterSink(ctx.db, ctx.writer)).to_dict()
        body["reject_file"] = None  # a path on the server means nothing to the client
        if job.reject_file is not None and job.reject_file.exists():
            # The refused rows as they were, with their problems, ready to fix and send again.
            body["rejected"] = _capped(job.reject_file)
    return body


def _capped(path: Path) -> str:
    with path.open(encoding="utf-8") as handle:
        text = handle.read(REJECTS_SHOWN + 1)
    if len(text) > REJECTS_SHOWN:
        cut = text.rfind("\n", 0, REJECTS_SHOWN)
        text = text[: cut + 1] + "...\n"
    return text


def _roster(ctx: AppContext, path: Path, mapping_text: str | None) -> dict[str, Any]:
    mapping = RosterMapping.from_dict(load_yaml(mapping_text)) if mapping_text else RosterMapping()
    rows = read_roster(path, mapping)
    with ctx.db.transaction() as tx:
        report = apply_roster(
            tx.conn,
            rows=rows,
            today=dt.datetime.now(dt.UTC).date(),
            home_page=ctx.settings.public_url,
        )
    return {"kind": "hris", "rows": len(rows), **report.to_dict()}


def _cohorts(ctx: AppContext, actor: Actor, path: Path, mapping_text: str | None) -> dict[str, Any]:
    if mapping_text is not None:
        raise BadRequest("a cohort file takes no mapping", field="mapping")
    cohorts = read_cohort_file(path)
    with ctx.db.transaction() as tx:
        report = apply_cohorts(tx.conn, cohorts=cohorts, today=dt.datetime.now(dt.UTC).date())
        registered = record_enrolments(
            tx,
            cohorts=cohorts,
            path=path,
            profile=Profile(ctx.settings.profile_namespace),
            home_page=ctx.settings.public_url,
            authority={"objectType": "Agent", "mbox": f"mailto:{actor.email}"},
        )
    return {"kind": "cohorts", **report.to_dict(), "registered": registered}


def import_routes() -> APIRouter:
    router = APIRouter()
    router.add_api_route("/api/imports/{kind}", post_import, methods=["POST"])
    return router
