"""Where attachment bodies live when not in the database: a directory or an S3-compatible
bucket. Bodies are content-addressed by their SHA-2, so writing one twice is harmless and a
body is never changed once written. No xAPI rules here.

A body is written to its store *before* the transaction that records the statement commits, so
an acknowledged statement never names a body the store lacks. A failed commit can leave a body
that no statement names; it is unreachable and costs only its bytes.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from proficio.errors import ConfigError


class BlobStore(Protocol):
    """A content-addressed store of attachment bodies outside the database."""

    description: str

    def put(self, sha2: str, data: bytes) -> None: ...

    def get(self, sha2: str) -> bytes | None: ...


class DirectoryBlobs:
    """Bodies as files `ROOT/ab/abcdef…`, each written to a temporary file, flushed to disk
    and renamed into place, so a reader never sees half a body."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.description = f"directory {root}"
        try:
            root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(
                f"cannot create the attachment directory {root}: {exc.strerror}",
                field="attachment_store",
            ) from None

    def _path(self, sha2: str) -> Path:
        return self.root / sha2[:2] / sha2

    def put(self, sha2: str, data: bytes) -> None:
        path = self._path(sha2)
        if path.exists():
            return
        if not path.parent.exists():
            path.parent.mkdir(exist_ok=True)
            _fsync_directory(self.root)  # the new folder's entry must survive a crash too
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        _fsync_directory(path.parent)

    def get(self, sha2: str) -> bytes | None:
        try:
            return self._path(sha2).read_bytes()
        except FileNotFoundError:
            return None


def _fsync_directory(path: Path) -> None:
    directory = os.open(path, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


class S3Blobs:
    """Bodies as objects `PREFIX/abcdef…` in a bucket of any S3-compatible store (AWS S3,
    MinIO, Ceph, Cloudflare R2…). Credentials come the usual AWS way (AWS_ACCESS_KEY_ID and
    AWS_SECRET_ACCESS_KEY, a profile, or an instance role)."""

    def __init__(self, bucket: str, prefix: str, *, endpoint_url: str | None, region: str | None):
        try:
            import boto3
            from botocore.config import Config
        except ImportError:  # pragma: no cover - depends on the installation
            raise ConfigError(
                "an s3:// attachment store needs boto3: pip install 'proficio[s3]'",
                field="attachment_store",
            ) from None
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.description = f"s3://{bucket}/{self.prefix}" + (
            f" at {endpoint_url}" if endpoint_url else ""
        )
        config = Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=5)
        self._client: Any = boto3.client(
            "s3", endpoint_url=endpoint_url, region_name=region, config=config
        )

    def _key(self, sha2: str) -> str:
        return f"{self.prefix}/{sha2}" if self.prefix else sha2

    def put(self, sha2: str, data: bytes) -> None:
        self._client.put_object(Bucket=self.bucket, Key=self._key(sha2), Body=data)

    def get(self, sha2: str) -> bytes | None:
        try:
            response = self._client.get_object(Bucket=self.bucket, Key=self._key(sha2))
        except self._client.exceptions.NoSuchKey:
            return None
        body: bytes = response["Body"].read()
        return body


def open_blob_store(
    location: str, *, s3_endpoint_url: str | None = None, s3_region: str | None = None
) -> BlobStore | None:
    """The store named by PROFICIO_ATTACHMENT_STORE: None for `database` (the default), a
    directory for a path or `file://` URL, a bucket for `s3://BUCKET[/PREFIX]`."""
    if location == "database":
        return None
    if location.startswith("s3://"):
        parts = urlsplit(location)
        if not parts.netloc:
            raise ConfigError(
                "an s3:// store needs a bucket: s3://BUCKET[/PREFIX]", field="attachment_store"
            )
        return S3Blobs(parts.netloc, parts.path, endpoint_url=s3_endpoint_url, region=s3_region)
    if location.startswith("file://"):
        parts = urlsplit(location)
        if parts.netloc not in ("", "localhost"):
            raise ConfigError(
                "a file:// store needs an absolute path (file:///var/lib/proficio/bodies) "
                "or a plain directory path",
                field="attachment_store",
            )
        return DirectoryBlobs(Path(parts.path))
    if "://" in location:
        raise ConfigError(
            f"unsupported attachment store {location!r}: use database, a directory or s3://",
            field="attachment_store",
        )
    return DirectoryBlobs(Path(location))
