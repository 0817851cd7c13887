"""Errors that carry their HTTP status; one handler renders them all (see `app.py`).

Every error names the field it concerns (a JSON path such as ``statements[2].actor.mbox``,
a query parameter or a header) and the reason, so a client can fix its request.
"""

from __future__ import annotations


class ProficioError(Exception):
    """Base of every error Proficio raises on purpose."""

    status: int = 500
    code: str = "internal_error"

    def __init__(self, reason: str, *, field: str | None = None) -> None:
        self.reason = reason
        self.field = field
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return f"{self.field}: {self.reason}" if self.field else self.reason

    def __reduce__(self) -> tuple[object, ...]:
        # Errors cross from the writer process to the server: keep the field when pickled.
        return (_rebuild, (type(self), self.reason, self.field))

    def to_dict(self) -> dict[str, object]:
        body: dict[str, object] = {"error": self.code, "message": self.message}
        if self.field is not None:
            body["field"] = self.field
            body["reason"] = self.reason
        return body


def _rebuild(cls: type[ProficioError], reason: str, field: str | None) -> ProficioError:
    return cls(reason, field=field)


class BadRequest(ProficioError):
    status = 400
    code = "bad_request"


class InvalidStatement(BadRequest):
    """A statement breaks a rule of the xAPI specification; `field` is the property path."""

    code = "invalid_statement"


class Unauthorized(ProficioError):
    status = 401
    code = "unauthorized"
    challenge = 'Basic realm="Proficio xAPI"'  # the WWW-Authenticate header sent with it


class SignInRequired(Unauthorized):
    """No valid session cookie or API token on Proficio's own APIs (not the xAPI)."""

    challenge = 'Bearer realm="Proficio"'


class Forbidden(ProficioError):
    status = 403
    code = "forbidden"


class NotFound(ProficioError):
    status = 404
    code = "not_found"


class MethodNotAllowed(ProficioError):
    status = 405
    code = "method_not_allowed"


class Conflict(ProficioError):
    status = 409
    code = "conflict"


class PreconditionFailed(ProficioError):
    status = 412
    code = "precondition_failed"


class PayloadTooLarge(ProficioError):
    status = 413
    code = "payload_too_large"


class UnsupportedMediaType(ProficioError):
    status = 415
    code = "unsupported_media_type"


class TooManyRequests(ProficioError):
    status = 429
    code = "too_many_requests"


class ServiceUnavailable(ProficioError):
    status = 503
    code = "service_unavailable"


class ConfigError(ProficioError):
    """A setting or a command-line option is wrong; the CLI prints it as one sentence."""

    code = "config_error"
