"""Where an import's statements are stored: both sinks run the writer's statements handler,
the one `POST /xapi/statements` runs. `store` returns how many statements were new."""

from __future__ import annotations

from collections.abc import Sequence

from proficio.errors import ProficioError
from proficio.events import Subscriber
from proficio.lrs.statements import PreparedStatement, statement_handler
from proficio.storage import statements as store
from proficio.storage.database import Database
from proficio.storage.durability import sync_file
from proficio.storage.writer import Writer


class DatabaseSink:
    """For the CLI: each chunk in a transaction of its own, in this process.

    On SQLite the chunks commit without waiting for the disk (synchronous=NORMAL), and
    `close` makes everything durable at once (a full checkpoint, which syncs) before the
    import reports success: a power loss half-way loses chunks of an import that never said
    it finished, and running it again stores them (docs/performance.md measures the gain).
    """

    def __init__(self, database: Database, *, subscribers: Sequence[Subscriber] = ()) -> None:
        self.database = database
        self._writes = Database(database.url, sqlite_synchronous="NORMAL")
        self._handler = statement_handler(skip_stored=True, subscribers=subscribers)

    def store(self, prepared: list[PreparedStatement]) -> int:
        with self._writes.transaction() as tx:
            (outcome,) = self._handler(tx, [prepared])
        if isinstance(outcome, ProficioError):
            raise outcome
        return len(outcome)

    def close(self) -> None:
        """Make every stored chunk durable, then let go of the connections."""
        try:
            if self._writes.dialect == "sqlite":
                with self._writes.engine.connect() as conn:
                    conn.exec_driver_sql("PRAGMA wal_checkpoint(FULL)")
                # Whatever the checkpoint could copy, the frames are in the WAL file: sync it
                # (and the database file), as a synchronous=FULL commit would have.
                path = self._writes.engine.url.database or ""
                for name in (path + "-wal", path):
                    sync_file(name)
        finally:
            self._writes.close()

    def __enter__(self) -> DatabaseSink:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class WriterSink:
    """For the server: chunks go to its writer process, between other clients' writes.
    Called from a worker thread (it waits for each commit)."""

    def __init__(self, database: Database, writer: Writer) -> None:
        self.database = database
        self.writer = writer

    def store(self, prepared: list[PreparedStatement]) -> int:
        # The server's handler compares a re-sent statement with the stored one, and the
        # `source` extension (file, line) may differ: leave out what is stored already.
        ids = [p.statement_id for p in prepared]
        known = self.database.read_sync(lambda conn: store.existing_ids(conn, ids))
        new = [p for p in prepared if p.statement_id not in known]
        if not new:
            return 0
        outcome = self.writer.submit("statements", new).result()
        if isinstance(outcome, ProficioError):
            raise outcome
        return len(new)
