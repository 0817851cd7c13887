"""What a running Proficio holds: built once by `create_app`, reached by routes via the request."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

from starlette.requests import Request

from proficio.auth.basic import Authenticator
from proficio.lrs.statements import store_statement_batches
from proficio.lrs.timestamps import StoredClock
from proficio.settings import Settings
from proficio.storage.database import Database
from proficio.storage.keys import KeyCache
from proficio.storage.writer import BatchFn


@dataclass
class AppContext:
    settings: Settings
    db: Database
    authenticator: Authenticator
    keys: KeyCache = field(default_factory=KeyCache)
    clock: StoredClock = field(default_factory=StoredClock)
    # The writer groups concurrent statement batches by this one function object.
    store_batches: BatchFn = field(init=False)

    def __post_init__(self) -> None:
        self.store_batches = partial(store_statement_batches, keys=self.keys, clock=self.clock)


def context_of(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.proficio
    return ctx
