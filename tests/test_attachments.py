"""Attachments (multipart/mixed) and signed statements, through HTTP on both databases."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import uuid
from typing import Any

import httpx2 as httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from sqlalchemy import text

from proficio.settings import Settings
from proficio.storage.database import Database
from tests.factories import XAPIClient

BOUNDARY = "proficio-test-boundary"
SIGNATURE = "http://adlnet.gov/expapi/attachments/signature"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def statement(attachments: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "actor": {"mbox": "mailto:ada@example.com"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},
        "object": {"id": "http://example.com/assignments/1"},
        **extra,
    }
    if attachments is not None:
        body["attachments"] = attachments
    return body


def attachment(data: bytes, **extra: Any) -> dict[str, Any]:
    return {
        "usageType": "http://example.com/usage/submission",
        "display": {"en-US": "submission"},
        "contentType": "text/plain",
        "length": len(data),
        "sha2": hashlib.sha256(data).hexdigest(),
        **extra,
    }


def part(data: bytes, content_type: str = "text/plain", **headers: str) -> bytes:
    head = {
        "Content-Type": content_type,
        "Content-Transfer-Encoding": "binary",
        "X-Experience-API-Hash": hashlib.sha256(data).hexdigest(),
        **headers,
    }
    lines = "".join(f"{k}: {v}\r\n" for k, v in head.items() if v)
    return lines.encode() + b"\r\n" + data


def multipart(statements: Any, *parts: bytes, closing: bool = True) -> bytes:
    chunks = [f"--{BOUNDARY}\r\nContent-Type: application/json\r\n\r\n".encode()]
    chunks.append(json.dumps(statements).encode())
    for raw in parts:
        chunks.append(f"\r\n--{BOUNDARY}\r\n".encode() + raw)
    if closing:
        chunks.append(f"\r\n--{BOUNDARY}--\r\n".encode())
    return b"".join(chunks)


def post_multipart(
    lrs: XAPIClient, body: bytes, method: str = "POST", **params: str
) -> httpx.Response:
    headers = {"Content-Type": f'multipart/mixed; boundary="{BOUNDARY}"'}
    return lrs.request(method, "/xapi/statements", content=body, headers=headers, params=params)


def parts_of(response: httpx.Response) -> list[tuple[dict[str, str], bytes]]:
    boundary = response.headers["content-type"].split("boundary=")[1].strip('"').encode()
    found = []
    for chunk in response.content.split(b"--" + boundary)[1:-1]:
        head, _, data = chunk.strip(b"\r\n").partition(b"\r\n\r\n")
        headers = dict(line.split(": ", 1) for line in head.decode().split("\r\n"))
        found.append((headers, data))
    return found


def test_attachment_bodies_are_stored_and_returned(lrs: XAPIClient) -> None:
    essay, image = b"my essay\r\n--not a boundary", bytes(range(256)) * 40
    first = statement([attachment(essay), attachment(image, contentType="image/png")])
    second = statement([attachment(essay)])
    sent = post_multipart(lrs, multipart([first, second], part(essay), part(image, "image/png")))
    assert sent.status_code == 200, sent.text
    got = lrs.get(statementId=first["id"], attachments="true")
    assert got.status_code == 200 and got.headers["content-type"].startswith("multipart/mixed")
    [(json_headers, stored), *bodies] = parts_of(got)
    assert json_headers["Content-Type"] == "application/json"
    assert json.loads(stored)["attachments"][1]["sha2"] == hashlib.sha256(image).hexdigest()
    assert [data for _, data in bodies] == [essay, image]  # XAPI-00161
    assert bodies[1][0]["X-Experience-API-Hash"] == hashlib.sha256(image).hexdigest()
    assert bodies[1][0]["Content-Type"] == "image/png"
    listed = parts_of(lrs.get(attachments="true"))
    assert [data for _, data in listed[1:]] == [essay, image]  # each body once
    plain = lrs.get(statementId=first["id"])
    assert plain.headers["content-type"] == "application/json"


def test_a_body_shared_by_statements_is_stored_once(lrs: XAPIClient, settings: Settings) -> None:
    data = b"shared"
    for _ in range(2):
        sent = post_multipart(lrs, multipart([statement([attachment(data)])], part(data)))
        assert sent.status_code == 200
    db = Database(settings.database_url)
    try:
        count = db.read_sync(lambda c: c.execute(text("SELECT count(*) FROM attachments")).scalar())
    finally:
        db.close()
    assert count == 1


def test_put_with_an_attachment(lrs: XAPIClient) -> None:
    data = b"put body"
    st = statement([attachment(data)])
    sent = post_multipart(lrs, multipart(st, part(data)), "PUT", statementId=st["id"])
    assert sent.status_code == 204, sent.text
    assert parts_of(lrs.get(statementId=st["id"], attachments="true"))[1][1] == data


def test_file_url_attachments_need_no_part(lrs: XAPIClient) -> None:
    only_url = attachment(b"elsewhere", fileUrl="http://example.com/files/1")
    assert lrs.post(statement([only_url])).status_code == 200


@pytest.mark.parametrize(
    ("build", "field"),
    [
        # a part whose bytes do not hash to what it declares
        (
            lambda d: multipart(
                statement([attachment(d)]),
                part(b"other", **{"X-Experience-API-Hash": hashlib.sha256(d).hexdigest()}),
            ),
            "X-Experience-API-Hash",
        ),
        # an attachment without fileUrl and without its part (XAPI-00127)
        (lambda d: multipart(statement([attachment(d)])), "statement.attachments[0].sha2"),
        # a part that no attachment names
        (
            lambda d: multipart(statement([attachment(d)]), part(d), part(b"stray")),
            "X-Experience-API-Hash",
        ),
        # a part without Content-Transfer-Encoding: binary (XAPI-00135)
        (
            lambda d: multipart(
                statement([attachment(d)]), part(d, **{"Content-Transfer-Encoding": ""})
            ),
            "Content-Transfer-Encoding",
        ),
        # a part without its hash header
        (
            lambda d: multipart(
                statement([attachment(d)]), part(d, **{"X-Experience-API-Hash": ""})
            ),
            "X-Experience-API-Hash",
        ),
        # a truncated body
        (lambda d: multipart(statement([attachment(d)]), part(d), closing=False), "body"),
    ],
)
def test_bad_multipart_requests_are_400_and_store_nothing(
    lrs: XAPIClient, build: Any, field: str
) -> None:
    data = b"the essay"
    body = build(data)
    st_id = json.loads(body.split(b"\r\n\r\n", 1)[1].split(b"\r\n--")[0])["id"]
    response = post_multipart(lrs, body)
    assert response.status_code == 400, response.text
    assert response.json()["field"] == field
    assert lrs.get(statementId=st_id).status_code == 404


def test_an_attachment_without_file_url_in_plain_json_is_400(lrs: XAPIClient) -> None:
    response = lrs.post(statement([attachment(b"missing")]))
    assert response.status_code == 400
    assert response.json()["field"] == "statement.attachments[0].sha2"


# --- Signed statements (Data 2.6) ------------------------------------------------------------


def b64url(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def certificate_der(key: rsa.RSAPrivateKey) -> str:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Proficio test signer")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()


def jws(
    payload: Any, alg: str = "RS256", *, x5c: str | None = None, signer: rsa.RSAPrivateKey = KEY
) -> bytes:
    header: dict[str, Any] = {"alg": alg}
    if x5c:
        header["x5c"] = [x5c]
    signing_input = (
        b64url(json.dumps(header).encode()) + b"." + b64url(json.dumps(payload).encode())
    )
    digest = {"RS256": hashes.SHA256(), "RS384": hashes.SHA384(), "RS512": hashes.SHA512()}.get(
        alg, hashes.SHA256()
    )
    return signing_input + b"." + b64url(signer.sign(signing_input, padding.PKCS1v15(), digest))


def post_signed(
    lrs: XAPIClient,
    st: dict[str, Any],
    signature: bytes,
    content_type: str = "application/octet-stream",
) -> httpx.Response:
    meta = attachment(signature, usageType=SIGNATURE, contentType=content_type)
    return post_multipart(
        lrs, multipart({**st, "attachments": [meta]}, part(signature, content_type))
    )


@pytest.mark.parametrize("alg", ["RS256", "RS384", "RS512"])
def test_signed_statements_are_accepted(lrs: XAPIClient, alg: str) -> None:
    st = statement()
    assert post_signed(lrs, st, jws(st, alg)).status_code == 200  # XAPI-00117


def test_a_signature_verified_with_its_certificate(lrs: XAPIClient) -> None:
    st = statement()
    assert post_signed(lrs, st, jws(st, x5c=certificate_der(KEY))).status_code == 200
    impostor = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jws(statement(), x5c=certificate_der(KEY), signer=impostor)
    response = post_signed(lrs, statement(), forged)
    assert response.status_code == 400 and "verify" in response.json()["reason"]


@pytest.mark.parametrize(
    ("signature", "content_type"),
    [
        (lambda st: jws(st, "HS256"), "application/octet-stream"),  # XAPI-00117
        (lambda st: b"not a jws", "application/octet-stream"),  # XAPI-00115
        (lambda st: jws(st), "text/plain"),  # XAPI-00115: wrong content type
        (
            lambda st: jws({**st, "verb": {"id": "http://example.com/other"}}),
            "application/octet-stream",
        ),
        (
            lambda st: b64url(b'{"alg":"RS256"}') + b"." + b64url(b"{'broken'") + b".sig",
            "application/octet-stream",
        ),  # XAPI-00116
        # Payloads that are not statements at all: a 400, never a 500.
        (lambda st: jws({**st, "result": "x"}), "application/octet-stream"),
        (lambda st: jws({**st, "result": {"duration": 12}}), "application/octet-stream"),
        (lambda st: jws({**st, "context": {"contextAgents": [{}]}}), "application/octet-stream"),
        (lambda st: jws({k: v for k, v in st.items() if k != "actor"}), "application/octet-stream"),
        (lambda st: jws([st]), "application/octet-stream"),
    ],
)
def test_bad_signatures_are_400(lrs: XAPIClient, signature: Any, content_type: str) -> None:
    st = statement()
    response = post_signed(lrs, st, signature(st), content_type)
    assert response.status_code == 400, response.text
    assert lrs.get(statementId=st["id"]).status_code == 404
