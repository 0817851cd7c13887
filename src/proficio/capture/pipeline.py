"""Turning chunks of rows into statements on several cores, in order.

Checking, building and validating statements is pure Python and takes most of an import's
time; storing them takes the rest. With workers, the importing process reads the file and
stores while worker processes convert the next chunks (docs/performance.md measures it). At
most two chunks per worker are in flight, so memory stays bounded whatever the file's size.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, TypeVar

from proficio.runtime import tune_gc

Chunk = TypeVar("Chunk")
Result = TypeVar("Result")

_convert: Callable[..., Any] | None = None  # the worker's converter, set once per process


def _start(convert: Callable[..., Any]) -> None:
    global _convert
    _convert = convert
    tune_gc()


def _run(chunk: Any, json_keys: bool) -> Any:
    assert _convert is not None
    return _convert(chunk, json_keys)


def converted(
    convert: Callable[[Chunk, bool], Result],
    chunks: Iterable[Chunk],
    *,
    json_keys: bool,
    workers: int,
) -> Iterator[Result]:
    """`convert(chunk, json_keys)` for each chunk, in order; in `workers` processes if > 0."""
    if workers <= 0:
        for chunk in chunks:
            yield convert(chunk, json_keys)
        return
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_start, initargs=(convert,)
    ) as pool:
        pending: deque[Future[Result]] = deque()
        for chunk in chunks:
            pending.append(pool.submit(_run, chunk, json_keys))
            if len(pending) >= 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
