"""Everything the writer process runs, by kind of job (see `proficio.storage.writer`)."""

from __future__ import annotations

from proficio.lrs.documents import store_documents
from proficio.lrs.statements import statement_handler
from proficio.storage.writer import Handler


def writer_handlers() -> dict[str, Handler]:
    """Built inside the writer process (so its caches live there)."""
    return {"statements": statement_handler(), "documents": store_documents}
