"""Domain events, emitted on one path each; subscribers act on them in the same transaction.

`StatementsStored` is emitted by the statements handler (`lrs.statements`) once statements
are written, whichever way they came (xAPI, an importer, the demo): identity resolution links
their actors to people now; the progress engine and the trigger engine will subscribe too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from proficio.lrs.statements import PreparedStatement
    from proficio.storage.writer import Tx


@dataclass(frozen=True)
class StatementsStored:
    """Statements just written in `tx` (not committed yet)."""

    tx: Tx
    statements: list[PreparedStatement]


Subscriber = Callable[[StatementsStored], None]
