"""Attachment bodies in a directory or an S3-compatible bucket (PROFICIO_ATTACHMENT_STORE), on
both databases. The bucket is served by moto's S3 server over real HTTP: boto3 talks to it as
it would to AWS, MinIO or Ceph."""

from __future__ import annotations

import hashlib
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from fastapi.testclient import TestClient
from moto.server import ThreadedMotoServer
from sqlalchemy import text

from proficio.app import create_app
from proficio.errors import ConfigError
from proficio.settings import Settings
from proficio.storage.blobs import DirectoryBlobs, open_blob_store
from proficio.storage.database import Database
from tests.factories import XAPIClient, create_test_credential
from tests.test_attachments import attachment, multipart, part, post_multipart, statement

BUCKET = "proficio-attachments"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3_env(monkeypatch: pytest.MonkeyPatch, s3_endpoint: str) -> str:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "proficio-test",
        "AWS_SECRET_ACCESS_KEY": "proficio-test-secret",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    client = boto3.client("s3", endpoint_url=s3_endpoint)
    if BUCKET not in [b["Name"] for b in client.list_buckets()["Buckets"]]:
        client.create_bucket(Bucket=BUCKET)
    return s3_endpoint


def _client(settings: Settings) -> Iterator[XAPIClient]:
    with TestClient(create_app(settings)) as http:
        key, secret = create_test_credential(settings, ["all"])
        yield XAPIClient(http, key, secret)


@pytest.fixture
def dir_lrs(database_url: str, tmp_path: Path) -> Iterator[XAPIClient]:
    store = tmp_path / "bodies"
    yield from _client(Settings(database_url=database_url, attachment_store=str(store)))


@pytest.fixture
def s3_lrs(database_url: str, s3_env: str) -> Iterator[XAPIClient]:
    prefix = f"run-{uuid.uuid4().hex[:8]}"
    settings = Settings(
        database_url=database_url,
        attachment_store=f"s3://{BUCKET}/{prefix}",
        s3_endpoint_url=s3_env,
    )
    yield from _client(settings)


def _db_contents(database_url: str, sha2: str) -> tuple[bytes | None, int | None]:
    db = Database(database_url)
    try:
        with db.engine.connect() as conn:
            row = conn.execute(
                text("SELECT contents, length FROM attachments WHERE sha2 = :sha2"),
                {"sha2": sha2},
            ).one()
    finally:
        db.close()
    return row[0], row[1]


def _round_trip(lrs: XAPIClient) -> tuple[bytes, str]:
    """POST a statement with a body, GET it back with attachments=true; the body and its sha2."""
    data = uuid.uuid4().bytes * 500  # 8 kB
    sent = statement([attachment(data)])
    response = post_multipart(lrs, multipart(sent, part(data)))
    assert response.status_code == 200, response.text
    got = lrs.request(
        "GET", "/xapi/statements", params={"statementId": sent["id"], "attachments": "true"}
    )
    assert got.status_code == 200
    assert got.headers["content-type"].startswith("multipart/mixed")
    assert data in got.content
    return data, hashlib.sha256(data).hexdigest()


def test_directory_store_keeps_bodies_out_of_the_database(
    dir_lrs: XAPIClient, database_url: str, tmp_path: Path
) -> None:
    data, sha2 = _round_trip(dir_lrs)
    assert (tmp_path / "bodies" / sha2[:2] / sha2).read_bytes() == data
    assert _db_contents(database_url, sha2) == (None, len(data))
    # The same body again: stored once, no temporary file left behind.
    sent = statement([attachment(data)])
    assert post_multipart(dir_lrs, multipart(sent, part(data))).status_code == 200
    assert sorted(p.name for p in (tmp_path / "bodies" / sha2[:2]).iterdir()) == [sha2]


def test_s3_store_keeps_bodies_in_the_bucket(
    s3_lrs: XAPIClient, database_url: str, s3_env: str
) -> None:
    data, sha2 = _round_trip(s3_lrs)
    objects = boto3.client("s3", endpoint_url=s3_env).list_objects_v2(Bucket=BUCKET)["Contents"]
    found = [o for o in objects if o["Key"].endswith(sha2)]
    assert len(found) == 1
    assert found[0]["Size"] == len(data)
    assert _db_contents(database_url, sha2) == (None, len(data))


def test_an_unreachable_store_is_503_and_stores_nothing(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Acknowledged data is never lost: when the bucket cannot take the body, the statement is
    refused (503) rather than stored without it."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "x")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "y")
    settings = Settings(
        database_url=database_url,
        attachment_store=f"s3://{BUCKET}",
        s3_endpoint_url=f"http://127.0.0.1:{_free_port()}",  # nothing listens there
        s3_region="us-east-1",
    )
    for lrs in _client(settings):
        data = b"an essay" * 100
        sent = statement([attachment(data)])
        response = post_multipart(lrs, multipart(sent, part(data)))
        assert response.status_code == 503
        assert "attachment store" in response.json()["message"], response.json()
        assert lrs.stored_ids() == []


def test_a_body_missing_from_its_store_is_503_not_a_silent_gap(
    dir_lrs: XAPIClient, tmp_path: Path
) -> None:
    _, sha2 = _round_trip(dir_lrs)
    (tmp_path / "bodies" / sha2[:2] / sha2).unlink()
    got = dir_lrs.request("GET", "/xapi/statements", params={"attachments": "true"})
    assert got.status_code == 503
    assert sha2 in got.json()["message"]


def test_sending_a_body_again_fills_a_row_that_had_none(
    dir_lrs: XAPIClient, database_url: str
) -> None:
    """A body kept in a directory, then the store switched back to the database: sending the
    body again puts it in the database, and GET returns it."""
    data, sha2 = _round_trip(dir_lrs)
    for lrs in _client(Settings(database_url=database_url)):
        again = statement([attachment(data)])
        assert post_multipart(lrs, multipart(again, part(data))).status_code == 200
        got = lrs.request("GET", "/xapi/statements", params={"attachments": "true"})
        assert got.status_code == 200
    assert _db_contents(database_url, sha2) == (data, len(data))


def test_directory_store_writes_atomically(tmp_path: Path) -> None:
    store = DirectoryBlobs(tmp_path)
    store.put("ab" * 32, b"first")
    store.put("ab" * 32, b"never replaces")
    assert store.get("ab" * 32) == b"first"
    assert store.get("cd" * 32) is None
    assert [p.name for p in (tmp_path / "ab").iterdir()] == ["ab" * 32]


@pytest.mark.parametrize(
    ("location", "reason"),
    [
        ("ftp://host/x", "unsupported attachment store"),
        ("s3://", "needs a bucket"),
        ("file://data/bodies", "needs an absolute path"),
        ("/proc/proficio-cannot-be-here", "cannot create the attachment directory"),
    ],
)
def test_bad_store_settings_name_the_setting(location: str, reason: str) -> None:
    with pytest.raises(ConfigError, match=reason) as caught:
        open_blob_store(location)
    assert caught.value.field == "attachment_store"


def test_database_is_the_default_store() -> None:
    assert open_blob_store("database") is None
    assert Settings().attachment_store == "database"
