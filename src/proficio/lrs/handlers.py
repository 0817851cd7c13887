"""Everything the writer process runs, by kind of job (see `proficio.storage.writer`)."""

from __future__ import annotations

from proficio.lrs.documents import store_documents
from proficio.lrs.statements import statement_handler
from proficio.people.linking import statement_subscribers
from proficio.storage.writer import Handler


def writer_handlers(*, account_home_pages: tuple[str, ...] = ()) -> dict[str, Handler]:
    """Built inside the writer process (so its caches live there); `account_home_pages` go to
    identity resolution (`people.linking`)."""
    subscribers = statement_subscribers(account_home_pages=account_home_pages)
    return {
        "statements": statement_handler(subscribers=subscribers),
        "documents": store_documents,
    }
