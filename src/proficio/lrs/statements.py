"""Storing statements: the one path every statement takes, from HTTP or from an importer.

`prepare_statements` validates and completes statements outside any transaction (xAPI 1.0.3
Part Two 2.4 and Part Three 2.1.1/2.1.2); `store_statement_batches` is the writer process's
handler, run inside its transaction, never committing.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import orjson

from proficio.errors import BadRequest, Conflict, InvalidStatement, ProficioError
from proficio.events import StatementsStored, Subscriber
from proficio.lrs.activities import DefinitionCache, definitions_in, save_definitions
from proficio.lrs.agents import person_keys
from proficio.lrs.comparison import same_statement
from proficio.lrs.refs import Ref, inheritable, statement_refs, statement_target
from proficio.lrs.timestamps import StoredClock, iso_from_us, us_from_datetime
from proficio.lrs.validation import validate_statement
from proficio.lrs.validation_formats import parse_timestamp
from proficio.progress.evidence import facts_of
from proficio.storage import statements as store
from proficio.storage.attachments import save_attachments
from proficio.storage.keys import KeyCache
from proficio.storage.writer import Handler, Tx

VOIDED_VERB = "http://adlnet.gov/expapi/verbs/voided"
# The version a statement without one is stored with, by the version of the request.
DEFAULT_VERSIONS = {"1.0.3": "1.0.0", "2.0.0": "2.0.0"}
_MAX_REF_DEPTH = 16


@dataclass(slots=True)
class PreparedStatement:
    """A validated statement ready for the writer process: small to pickle, so the body
    travels serialised (without `stored`, which is assigned at commit)."""

    statement_id: str
    path: str
    is_voiding: bool
    target_id: str | None
    refs: set[Ref]
    body_json: bytes
    has_timestamp: bool
    # Activity id -> definition as JSON, when the credential may (re)define activities.
    definitions: dict[str, bytes]
    # SHA-2 -> (content type, bytes, length) of the attachment bodies sent with the statement;
    # the bytes are None once they are in the blob store (`proficio.lrs.bodies`).
    attachment_bodies: dict[str, tuple[str, bytes | None, int]] = field(default_factory=dict)
    # The IFIs of the people the actor stands for, for identity resolution (`events`).
    actor_keys: tuple[str, ...] = ()
    # When it happened, from `timestamp` (None: when stored, filled in once stored).
    timestamp_us: int | None = None
    # What the progress engine keeps of it (`progress.evidence.facts_of`), when worked out
    # ahead (`prepare_statements(facts=True)`); None: the writer works it out.
    evidence_facts: str | None = None
    # Its place in storage order, set once stored.
    seq: int | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        # Positional, without the per-object state dict a slots dataclass pickles by default:
        # about 3 times faster to send to the writer process.
        return (
            PreparedStatement,
            (
                self.statement_id,
                self.path,
                self.is_voiding,
                self.target_id,
                self.refs,
                self.body_json,
                self.has_timestamp,
                self.definitions,
                self.attachment_bodies,
                self.actor_keys,
                self.timestamp_us,
                self.evidence_facts,
                self.seq,
            ),
        )

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = orjson.loads(self.body_json)
        return body

    def stored_body(self, stored: str) -> str:
        """The JSON to store: the body with `stored`, and `timestamp` defaulting to it."""
        extra = f',"stored":"{stored}"'
        if not self.has_timestamp:
            extra += f',"timestamp":"{stored}"'
        return self.body_json[:-1].decode() + extra + "}"


def prepare_statements(
    raw: list[Any],
    *,
    authority: dict[str, Any],
    version: str,
    batch: bool,
    may_define: bool,
    facts: bool = False,
) -> list[PreparedStatement]:
    """Validate each statement and fill in what the LRS assigns before storage; with `facts`,
    also what the progress engine keeps of it (the server's requests do: work off the single
    writer's path; an import does not: its prepared chunks wait in the importing process's
    queue, and the facts would hold 27 MB more there, docs/performance.md).

    Raises InvalidStatement naming the first offending property; nothing is stored then.
    """
    prepared: list[PreparedStatement] = []
    seen: dict[str, str] = {}
    for index, statement in enumerate(raw):
        path = f"statements[{index}]" if batch else "statement"
        validate_statement(statement, path=path, version=version)
        body: dict[str, Any] = dict(statement)
        statement_id = str(body.get("id") or uuid.uuid4()).lower()
        if statement_id in seen:
            raise BadRequest(
                f"the id {statement_id} is used twice in this batch (also at {seen[statement_id]})",
                field=f"{path}.id",
            )
        seen[statement_id] = path
        body["id"] = statement_id
        body["authority"] = authority
        _context_activities_as_lists(body)
        if body["object"].get("objectType") == "SubStatement":
            body["object"] = dict(body["object"])
            _context_activities_as_lists(body["object"])
        body.setdefault("version", DEFAULT_VERSIONS[version])
        target_id = statement_target(body)  # validation made sure voiding ones have one
        prepared.append(
            PreparedStatement(
                statement_id=statement_id,
                body_json=orjson.dumps(body),
                has_timestamp="timestamp" in body,
                path=path,
                is_voiding=body["verb"]["id"] == VOIDED_VERB,
                target_id=target_id,
                refs=statement_refs(body),
                definitions=definitions_in(body) if may_define else {},
                actor_keys=person_keys(body["actor"]),
                timestamp_us=(
                    us_from_datetime(parse_timestamp(body["timestamp"]))
                    if "timestamp" in body
                    else None
                ),
                evidence_facts=facts_of(body) if facts else None,
            )
        )
    return prepared


def _context_activities_as_lists(statement: dict[str, Any]) -> None:
    """A single context activity is stored (and so returned) as an array (Data 2.4.6.2)."""
    context = statement.get("context")
    if not context or "contextActivities" not in context:
        return
    lists = {
        name: value if isinstance(value, list) else [value]
        for name, value in context["contextActivities"].items()
    }
    statement["context"] = {**context, "contextActivities": lists}


def statement_handler(
    *, skip_stored: bool = False, subscribers: Sequence[Subscriber] = ()
) -> Handler:
    """The writer process's statements handler, with its own key cache and clock: as the only
    writer, its clock makes `stored` grow with insertion order. `skip_stored` and
    `subscribers`: see `store_statement_batches`."""
    return partial(
        store_statement_batches,
        keys=KeyCache(),
        clock=StoredClock(),
        definitions=DefinitionCache(),
        skip_stored=skip_stored,
        subscribers=tuple(subscribers),
    )


def store_statement_batches(
    tx: Tx,
    batches: list[list[PreparedStatement]],
    *,
    keys: KeyCache,
    clock: StoredClock,
    definitions: DefinitionCache,
    skip_stored: bool = False,
    subscribers: Sequence[Subscriber] = (),
) -> list[list[str] | ProficioError]:
    """Store several independent batches in one transaction, as if one after the other.

    Each batch is all or nothing: its outcome is either its statement ids or the error that
    refused it (and nothing of it is written). A statement whose id is already stored, or
    accepted from an earlier batch, is accepted again when it is the same statement and
    refused with 409 otherwise (Part Three 2.1.1, 2.1.2). The checks only read; everything
    accepted is then written with one round of SQL.

    With `skip_stored` (importers, whose statement ids are derived from their content), a
    statement whose id is stored already is skipped without comparing it, and each outcome
    lists only the ids written.

    Each of `subscribers` then gets a `StatementsStored` event, in the same transaction.
    """
    conn = tx.conn
    if not clock.started:  # a new writer continues after whatever is stored
        clock.advance_to(store.max_stored_us(conn))
    ids = list(dict.fromkeys(p.statement_id for batch in batches for p in batch))
    if skip_stored:  # ids alone: no body is compared
        present = store.existing_ids(conn, ids)
        batches = [[p for p in batch if p.statement_id not in present] for batch in batches]
        ids = [i for i in ids if i not in present]
    target_ids = list({p.target_id for batch in batches for p in batch if p.target_id})
    # One read: what is stored under the new ids, what they target, and what targets them.
    around = store.surroundings(conn, ids, target_ids)
    accepted: dict[str, PreparedStatement] = {}
    outcomes: list[list[str] | ProficioError] = []
    for batch in batches:
        try:
            new = _plan(batch, stored=around.stored, accepted=accepted)
        except ProficioError as exc:
            outcomes.append(exc)
            continue
        accepted.update((p.statement_id, p) for p in new)
        outcomes.append([p.statement_id for p in batch])
    if accepted:
        new = list(accepted.values())
        voided = _write(tx, new, around.referrers, keys=keys, clock=clock)
        save_definitions(tx, definitions, (p.definitions for p in new))
        event = StatementsStored(tx, new, frozenset(voided))
        for subscriber in subscribers:
            subscriber(event)
    return outcomes


def _plan(
    batch: list[PreparedStatement],
    *,
    stored: dict[str, store.StoredStatement],
    accepted: dict[str, PreparedStatement],
) -> list[PreparedStatement]:
    """The statements of `batch` to write; raises what refuses the batch. Reads nothing:
    `stored` holds the stored statements among its ids and its statements' targets."""
    new: list[PreparedStatement] = []
    for p in batch:
        row = stored.get(p.statement_id)
        earlier = accepted.get(p.statement_id)
        if row is None and earlier is None:
            new.append(p)
            continue
        previous = orjson.loads(row.body) if row is not None else earlier.body()  # type: ignore[union-attr]
        if not same_statement(previous, p.body()):
            raise Conflict(
                f"a different statement with id {p.statement_id} is already stored",
                field=f"{p.path}.id",
            )
    in_batch = {p.statement_id: p for p in new}
    for p in new:
        if not p.is_voiding or p.target_id is None:
            continue
        target_row = stored.get(p.target_id)
        target = accepted.get(p.target_id) or in_batch.get(p.target_id)
        if (target_row is not None and target_row.is_voiding) or (target and target.is_voiding):
            raise InvalidStatement(
                "a voiding statement cannot void another voiding statement",
                field=f"{p.path}.object.id",
            )
    return new


def _write(
    tx: Tx,
    new: list[PreparedStatement],
    referrers: list[store.StoredStatement],
    *,
    keys: KeyCache,
    clock: StoredClock,
) -> list[str]:
    """Store `new` (`referrers`: the stored statements that target them); returns the ids of
    the statements voided meanwhile."""
    conn = tx.conn
    in_group = {p.statement_id: p for p in new}
    rows = []
    for p in new:
        stored_us = clock.next_us()
        if p.timestamp_us is None:  # it happened when stored, which is now known
            p.timestamp_us = stored_us
        refs = p.refs
        if p.target_id is not None:
            refs = refs | _inherited_refs(conn, p.target_id, in_group)
        rows.append(
            store.NewStatement(
                statement_id=p.statement_id,
                stored_us=stored_us,
                is_voiding=p.is_voiding,
                target_id=p.target_id,
                body=p.stored_body(iso_from_us(stored_us)),
                refs=refs,
                timestamp_us=p.timestamp_us,
            )
        )
    for p, seq in zip(new, store.insert_statements(tx, keys, rows), strict=True):
        p.seq = seq
    bodies = {sha2: body for p in new for sha2, body in p.attachment_bodies.items()}
    if bodies:
        save_attachments(conn, [(sha2, *body) for sha2, body in bodies.items()])
    voided = [p.target_id for p in new if p.is_voiding and p.target_id]
    # A voiding statement may arrive before the statement it voids.
    voided += [r.target_id for r in referrers if r.is_voiding and r.target_id]
    store.mark_voided(conn, voided)
    _pass_refs_to_referrers(tx, keys, referrers)
    return voided


def _inherited_refs(
    conn: Any, target_id: str | None, in_batch: dict[str, PreparedStatement]
) -> set[Ref]:
    """What a statement targeting `target_id` matches through its target, recursively."""
    refs: set[Ref] = set()
    seen: set[str] = set()
    while target_id is not None and target_id not in seen and len(seen) < _MAX_REF_DEPTH:
        seen.add(target_id)
        if target_id in in_batch:
            target_body = in_batch[target_id].body()
        else:
            row = store.get_statements(conn, [target_id]).get(target_id)
            if row is None:
                break
            target_body = orjson.loads(row.body)
        refs |= inheritable(statement_refs(target_body))
        target_id = statement_target(target_body)
    return refs


def _pass_refs_to_referrers(tx: Tx, keys: KeyCache, referrers: list[store.StoredStatement]) -> None:
    """Statements stored earlier that target a new one now also match what it matches."""
    for _ in range(_MAX_REF_DEPTH):
        if not referrers:
            return
        items = []
        for row in referrers:
            body = orjson.loads(row.body)
            refs = inheritable(statement_refs(body)) | _inherited_refs(tx.conn, row.target_id, {})
            items.append((row.seq, refs))
        store.add_refs(tx, keys, items)
        referrers = store.referring_statements(tx.conn, [row.statement_id for row in referrers])
