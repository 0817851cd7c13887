"""What a running Proficio holds: built once by `create_app`, reached by routes via the request."""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.requests import Request

from proficio.auth.basic import Authenticator
from proficio.auth.throttle import SignInThrottle
from proficio.lrs.versions import XAPIVersions
from proficio.progress.service import Frameworks
from proficio.settings import Settings
from proficio.storage.blobs import BlobStore
from proficio.storage.database import Database
from proficio.storage.keys import KeyCache
from proficio.storage.writer import Writer
from proficio.web.cache import PageCache


@dataclass
class AppContext:
    settings: Settings
    db: Database
    authenticator: Authenticator
    writer: Writer
    keys: KeyCache = field(default_factory=KeyCache)
    versions: XAPIVersions = field(default_factory=XAPIVersions)
    blobs: BlobStore | None = None  # None: attachment bodies live in the database
    sign_in_throttle: SignInThrottle = field(default_factory=SignInThrottle)
    frameworks: Frameworks | None = None  # the stored frameworks, compiled (built on start)
    pages: PageCache = field(default_factory=PageCache)  # figures the dashboards share (app.py)


def context_of(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.proficio
    return ctx
