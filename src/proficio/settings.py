"""Typed settings, read from `PROFICIO_*` environment variables (see docs/settings.md)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from proficio.capture.profile import DEFAULT_NAMESPACE
from proficio.errors import ConfigError
from proficio.lrs.validation_formats import is_valid_iri
from proficio.lrs.versions import SERVABLE, XAPIVersions


def database_url_from(value: str) -> str:
    """Turn `--db` input (a SQLite path or a PostgreSQL URL) into a SQLAlchemy URL."""
    if value.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + value.split("://", 1)[1]
    if value.startswith(("postgresql+psycopg://", "sqlite://", "sqlite+pysqlite://")):
        return value
    if "://" in value:
        raise ConfigError(
            f"unsupported database URL {value!r}: give a SQLite file path or a postgresql:// URL",
            field="database_url",
        )
    return f"sqlite:///{value}"


class Settings(BaseSettings):
    """Everything Proficio can be configured with. Each field is documented in docs/settings.md."""

    model_config = SettingsConfigDict(env_prefix="PROFICIO_", extra="forbid")

    database_url: str = Field(
        default="sqlite:///proficio.db",
        description="SQLite file path or sqlite:/// URL (the default), or a postgresql:// URL.",
    )
    host: str = Field(default="127.0.0.1", description="Address `proficio serve` binds to.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port `proficio serve` listens on.")
    public_url: str = Field(
        default="http://localhost:8000",
        description="Base URL clients reach Proficio at; the home page of credential authorities.",
    )
    max_body_bytes: int = Field(
        default=10 * 1024 * 1024,
        ge=1024,
        description="Largest request body accepted; larger ones get 413.",
    )
    max_import_bytes: int = Field(
        default=2 * 1024**3,
        ge=1024,
        description="Largest file `POST /api/imports/{kind}` accepts (spooled to disk, not held).",
    )
    statements_page_size: int = Field(
        default=100,
        ge=1,
        le=10_000,
        description="Statements per page when a query asks for limit=0 or more than this.",
    )
    sqlite_synchronous: Literal["FULL", "NORMAL"] = Field(
        default="FULL",
        description="SQLite `synchronous` pragma; FULL makes each commit survive power loss.",
    )
    auth_cache_seconds: float = Field(
        default=5.0,
        ge=0,
        le=300,
        description="How long a checked credential is remembered; a revocation takes this long.",
    )
    session_hours: float = Field(
        default=12,
        gt=0,
        le=24 * 90,
        description="How long a sign-in session lasts, in hours; then the person signs in again.",
    )
    xapi_versions: str = Field(
        default="1.0.3,2.0.0",
        description=(
            "xAPI versions served, comma-separated (1.0.3, 2.0.0); a request without a version "
            "header is answered in the newest."
        ),
    )
    attachment_store: str = Field(
        default="database",
        description=(
            "Where attachment bodies are kept: `database`, a directory path, or "
            "`s3://BUCKET/PREFIX` (credentials from the AWS_* variables; needs proficio[s3])."
        ),
    )
    s3_endpoint_url: str | None = Field(
        default=None,
        description="Endpoint of an S3-compatible store (MinIO, Ceph, R2); unset for AWS S3.",
    )
    s3_region: str | None = Field(default=None, description="Region of the S3 bucket.")
    profile_namespace: str = Field(
        default=DEFAULT_NAMESPACE,
        description=(
            "IRI namespace of Proficio's own xAPI terms (docs/profile.md); set it before the "
            "first import."
        ),
    )
    identity_account_home_pages: str = Field(
        default="",
        description=(
            "Comma-separated homePages of systems whose xAPI accounts name people by HRIS id or "
            "email (e.g. your LMS); their actors are linked to people as statements arrive. "
            "PROFICIO_PUBLIC_URL is always one."
        ),
    )
    progress_interval_seconds: float = Field(
        default=0.25,
        ge=0.05,
        le=60,
        description=(
            "How often the server judges again the levels of people whose evidence changed "
            "(statements stored, identities merged) or aged out of a rule's window."
        ),
    )
    migrate_on_start: bool = Field(
        default=True, description="Apply database migrations when the app starts."
    )
    dashboard_max_stale_seconds: float = Field(
        default=60,
        ge=0,
        le=3600,
        description=(
            "How old a dashboard's shared figures (required-training records, per-person "
            "program facts) may be shown while new data is counted in the background; the "
            "page says how old. 0: always wait for the latest. Exports always wait."
        ),
    )
    chromium_path: str | None = Field(
        default=None,
        description=(
            "The Chromium (or Chrome) that prints PDF reports; unset, the first of chromium, "
            "chromium-browser, google-chrome on the PATH. Without one, PDF exports answer 503 "
            "saying how to install it (Debian: `apt-get install chromium`)."
        ),
    )

    @field_validator("database_url")
    @classmethod
    def _normalise_database_url(cls, value: str) -> str:
        return database_url_from(value)

    @field_validator("xapi_versions")
    @classmethod
    def _check_xapi_versions(cls, value: str) -> str:
        names = [v.strip() for v in value.split(",") if v.strip()]
        unknown = [v for v in names if v not in SERVABLE]
        if unknown or not names:
            raise ValueError(f"must list one or more of {', '.join(SERVABLE)}, not {value!r}")
        return ",".join(v for v in SERVABLE if v in names)

    @field_validator("profile_namespace")
    @classmethod
    def _check_namespace(cls, value: str) -> str:
        if not is_valid_iri(value) or not value.startswith(("http://", "https://")):
            raise ValueError(f"must be an http(s) IRI, not {value!r}")
        return value.rstrip("/")

    @property
    def served_versions(self) -> XAPIVersions:
        return XAPIVersions(tuple(self.xapi_versions.split(",")))

    @property
    def account_home_pages(self) -> tuple[str, ...]:
        listed = [h.strip() for h in self.identity_account_home_pages.split(",") if h.strip()]
        return tuple(dict.fromkeys([self.public_url, *listed]))

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
