"""Everything the writer process runs, by kind of job (see `proficio.storage.writer`)."""

from __future__ import annotations

from proficio.events import Subscriber
from proficio.lrs.documents import store_documents
from proficio.lrs.statements import statement_handler
from proficio.people.linking import actor_linker
from proficio.progress.service import EvidenceRecorder, progress_handler
from proficio.storage.writer import Handler


def statement_subscribers(*, account_home_pages: tuple[str, ...]) -> list[Subscriber]:
    """What acts on stored statements, in the writer process and in the CLI's imports: identity
    resolution links their actors to people first, then their evidence is recorded and the
    people concerned are queued for the progress engine."""
    return [actor_linker(account_home_pages=account_home_pages), EvidenceRecorder()]


def writer_handlers(*, account_home_pages: tuple[str, ...] = ()) -> dict[str, Handler]:
    """Built inside the writer process (so its caches live there); `account_home_pages` go to
    identity resolution (`people.linking`)."""
    subscribers = statement_subscribers(account_home_pages=account_home_pages)
    return {
        "statements": statement_handler(subscribers=subscribers),
        "documents": store_documents,
        "progress": progress_handler(),
    }
