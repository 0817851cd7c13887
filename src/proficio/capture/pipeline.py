"""Running a converter's methods over chunks of rows on several cores, in order.

Checking, building and validating statements is pure Python and takes most of an import's
time; storing them takes the rest. With workers, the importing process stores while worker
processes read, check and convert the chunks (docs/performance.md measures it).
At most two chunks per worker are in flight, so memory stays bounded whatever the file's size.
The workers start as the pool opens, so they get ready while the first pass runs.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from types import TracebackType
from typing import Any

from proficio.runtime import tune_runtime

_target: Any = None  # the worker's converter, set once per process


def _start(target: Any) -> None:
    global _target
    _target = target
    tune_runtime()


def _call(method: str, chunk: Any, args: tuple[Any, ...]) -> Any:
    return getattr(_target, method)(chunk, *args)


class Workers:
    """`map(method, chunks, *args)`: `getattr(target, method)(chunk, *args)` for each chunk,
    in order: in `count` worker processes, or in this one when `count` is 0."""

    def __init__(self, target: Any, count: int) -> None:
        self.target = target
        self.count = count
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Workers:
        if self.count > 0:
            self._pool = ProcessPoolExecutor(
                max_workers=self.count,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start,
                initargs=(self.target,),
            )
            # Start the workers now: they import and build while the caller does other work.
            for _ in range(self.count):
                self._pool.submit(int)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)

    def map(self, method: str, chunks: Iterable[Any], *args: Any) -> Iterator[Any]:
        if self._pool is None:
            run = getattr(self.target, method)
            for chunk in chunks:
                yield run(chunk, *args)
            return
        pending: deque[Future[Any]] = deque()
        for chunk in chunks:
            pending.append(self._pool.submit(_call, method, chunk, args))
            if len(pending) >= 2 * self.count:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
