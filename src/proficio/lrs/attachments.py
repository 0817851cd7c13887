"""Statement attachments (xAPI 1.0.3 Part Two 2.4.11, Part Three 1.5.2) and signed statements
(Part Two 2.6).

A request with attachment bodies is multipart/mixed: the statements first, then one part per
body, named by its SHA-2. Every attachment without a `fileUrl` needs its part, and every part
an attachment that names it; a part's bytes must hash to the SHA-2 it declares. Bodies are
stored once per SHA-2.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import orjson
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from proficio.errors import BadRequest, InvalidStatement
from proficio.lrs.comparison import same_statement
from proficio.lrs.multipart import Part, check_hash

SIGNATURE_USAGE = "http://adlnet.gov/expapi/attachments/signature"
SIGNATURE_TYPE = "application/octet-stream"
_ALGORITHMS: dict[str, type[hashes.SHA256 | hashes.SHA384 | hashes.SHA512]] = {
    "RS256": hashes.SHA256,
    "RS384": hashes.SHA384,
    "RS512": hashes.SHA512,
}

Body = tuple[str, bytes]  # content type, bytes


def bodies_of(parts: list[Part]) -> dict[str, Body]:
    """The attachment parts (all but the first) by their checked SHA-2."""
    bodies: dict[str, Body] = {}
    for index, part in enumerate(parts[1:], start=1):
        if part.headers.get("content-transfer-encoding", "").lower() != "binary":
            raise BadRequest(
                f"attachment part {index} needs Content-Transfer-Encoding: binary",
                field="Content-Transfer-Encoding",
            )  # XAPI-00135
        sha2 = check_hash(part, index)
        bodies[sha2] = (part.content_type or SIGNATURE_TYPE, part.body)
    return bodies


def match_bodies(
    statements: list[dict[str, Any]], bodies: dict[str, Body], *, batch: bool
) -> list[dict[str, Body]]:
    """For each (validated) statement, the bodies its attachments reference; 400 for an
    attachment without its body, a body no attachment names, or a bad signature."""
    used: set[str] = set()
    matched: list[dict[str, Body]] = []
    for index, statement in enumerate(statements):
        path = f"statements[{index}]" if batch else "statement"
        own: dict[str, Body] = {}
        for number, attachment in enumerate(statement.get("attachments") or []):
            where = f"{path}.attachments[{number}]"
            sha2 = attachment["sha2"].lower()
            body = bodies.get(sha2)
            if body is None:
                if "fileUrl" in attachment:
                    continue
                raise BadRequest(
                    "has no fileUrl and no multipart part with its sha2", field=f"{where}.sha2"
                )
            own[sha2] = body
            used.add(sha2)
            if attachment["usageType"] == SIGNATURE_USAGE:
                _check_signature(statement, attachment, body[1], where)
        matched.append(own)
    unused = sorted(set(bodies) - used)
    if unused:
        raise BadRequest(
            f"the part with hash {unused[0]} belongs to no attachment",
            field="X-Experience-API-Hash",
        )
    return matched


def _check_signature(
    statement: dict[str, Any], attachment: dict[str, Any], jws: bytes, where: str
) -> None:
    """A JWS whose payload is the statement as it was before signing (XAPI-00115 to 00117)."""
    if attachment["contentType"] != SIGNATURE_TYPE:
        raise InvalidStatement(
            f"a signature attachment's contentType must be {SIGNATURE_TYPE}",
            field=f"{where}.contentType",
        )
    pieces = jws.strip().split(b".")
    if len(pieces) != 3:
        raise InvalidStatement("the signature is not a JWS (compact serialization)", field=where)
    header, payload = (_json_piece(piece, where) for piece in pieces[:2])
    algorithm = header.get("alg")
    if algorithm not in _ALGORITHMS:
        raise InvalidStatement(
            f"the signature's algorithm must be RS256, RS384 or RS512, not {algorithm!r}",
            field=where,
        )
    unsigned = {key: value for key, value in statement.items() if key != "attachments"}
    if not isinstance(payload, dict) or not _same(payload, unsigned):
        raise InvalidStatement("the signed payload is not this statement", field=where)
    if "x5c" in header:
        _verify(header, pieces, _ALGORITHMS[algorithm](), where)


def _same(payload: dict[str, Any], statement: dict[str, Any]) -> bool:
    """Whether the signed payload is the statement; the payload was never validated, so a
    malformed one (a result that is not an object, an agent without its fields) is simply
    not the statement."""
    try:
        return same_statement(payload, statement)
    except (KeyError, TypeError, AttributeError, ValueError):
        return False


def _json_piece(piece: bytes, where: str) -> Any:
    try:
        value = orjson.loads(base64.urlsafe_b64decode(piece + b"=" * (-len(piece) % 4)))
    except (binascii.Error, ValueError):
        raise InvalidStatement("the signature's JWS does not decode to JSON", field=where) from None
    if not isinstance(value, dict):
        raise InvalidStatement("the signature's JWS does not decode to JSON objects", field=where)
    return value


def _verify(
    header: dict[str, Any], pieces: list[bytes], digest: hashes.HashAlgorithm, where: str
) -> None:
    """Check the signature with the first certificate of `x5c` (RFC 7515 4.1.6)."""
    try:
        certificate = x509.load_der_x509_certificate(base64.b64decode(header["x5c"][0]))
        key = certificate.public_key()
        signature = base64.urlsafe_b64decode(pieces[2] + b"=" * (-len(pieces[2]) % 4))
        if not isinstance(key, rsa.RSAPublicKey):
            raise InvalidStatement("the x5c certificate does not hold an RSA key", field=where)
        key.verify(signature, pieces[0] + b"." + pieces[1], padding.PKCS1v15(), digest)
    except InvalidSignature:
        raise InvalidStatement(
            "the signature does not verify with its x5c certificate", field=where
        ) from None
    except (ValueError, TypeError, IndexError, KeyError, binascii.Error):
        raise InvalidStatement(
            "the signature's x5c certificate cannot be read", field=where
        ) from None
