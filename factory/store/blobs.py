"""`BlobRepository`: content-addressed bytes (model transcripts, diffs), stored once."""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from factory.store.models import Blob
from factory.store.sessions import SessionScopes
from factory.support.errors import FactoryError


class BlobNotFoundError(FactoryError, KeyError):
    """No blob has this reference."""

    code = "not_found"


class BlobRepository:
    """Bytes kept zlib-compressed under their sha256; also the harness's transcript sink."""

    def __init__(self, scopes: SessionScopes) -> None:
        self._scopes = scopes

    def put(self, data: bytes) -> str:
        """Store bytes once; returns their sha256 hex, the reference."""
        ref = hashlib.sha256(data).hexdigest()
        with self._scopes.read() as session:
            if session.get(Blob, ref) is not None:
                return ref
        try:
            with self._scopes.write() as session:
                if session.get(Blob, ref) is None:
                    session.add(Blob(ref=ref, size=len(data), data=zlib.compress(data, 6)))
        except IntegrityError:
            pass  # a concurrent writer stored the same bytes first
        return ref

    def present(self, refs: Iterable[str]) -> set[str]:
        """Those of `refs` the store holds (one query, no content read)."""
        wanted = set(refs)
        if not wanted:
            return set()
        with self._scopes.read() as session:
            return set(session.scalars(select(Blob.ref).where(Blob.ref.in_(wanted))))

    def get(self, ref: str) -> bytes:
        with self._scopes.read() as session:
            blob = session.get(Blob, ref)
        if blob is None:
            raise BlobNotFoundError(ref)
        return zlib.decompress(blob.data)
