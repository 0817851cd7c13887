"""Where an import's statements are stored: both sinks run the writer's statements handler,
the one `POST /xapi/statements` runs."""

from __future__ import annotations

from proficio.errors import ProficioError
from proficio.lrs.statements import PreparedStatement, statement_handler
from proficio.storage import statements as store
from proficio.storage.database import Database
from proficio.storage.writer import Writer


class DatabaseSink:
    """For the CLI: each chunk in a transaction of its own, in this process."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._handler = statement_handler()

    def existing(self, ids: list[str]) -> set[str]:
        return self.database.read_sync(lambda conn: store.existing_ids(conn, ids))

    def store(self, prepared: list[PreparedStatement]) -> None:
        with self.database.transaction() as tx:
            (outcome,) = self._handler(tx, [prepared])
        if isinstance(outcome, ProficioError):
            raise outcome


class WriterSink:
    """For the server: chunks go to its writer process, between other clients' writes.
    Called from a worker thread (it waits for each commit)."""

    def __init__(self, database: Database, writer: Writer) -> None:
        self.database = database
        self.writer = writer

    def existing(self, ids: list[str]) -> set[str]:
        return self.database.read_sync(lambda conn: store.existing_ids(conn, ids))

    def store(self, prepared: list[PreparedStatement]) -> None:
        outcome = self.writer.submit("statements", prepared).result()
        if isinstance(outcome, ProficioError):
            raise outcome
