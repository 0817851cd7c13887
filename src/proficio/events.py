"""Domain events, emitted on one path each; subscribers act on them in the same transaction.

`StatementsStored` is emitted by the statements handler (`lrs.statements`) once statements
are written, whichever way they came (xAPI, an importer, the demo): identity resolution links
their actors to people now; the progress engine and the trigger engine will subscribe too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from proficio.lrs.statements import PreparedStatement
    from proficio.storage.writer import Tx


@dataclass(frozen=True)
class StatementsStored:
    """Statements just written in `tx` (not committed yet), and the ids of the statements the
    write voided: by voiding statements among them, or, for statements among them, by voiding
    statements stored before them."""

    tx: Tx
    statements: list[PreparedStatement]
    voided: frozenset[str] = frozenset()
    # Who holds each identifier looked up so far in this transaction (None: no one), kept
    # current by whoever links one, so that later subscribers need not ask the database again
    # (`people.linking.holders_of`).
    owners: dict[str, str | None] = field(default_factory=dict)


Subscriber = Callable[[StatementsStored], None]
