"""Process-level tuning shared by the server and the writer process."""

from __future__ import annotations

import ctypes
import gc

# Parsing a batch of statements allocates tens of thousands of objects, nearly all freed by
# reference counting; CPython's default (a collection every 700 allocations) would walk the
# young objects dozens of times per request. Collections stay on for real cycles.
GC_THRESHOLDS = (50_000, 20, 20)


# A block this large or larger is mapped on its own, and given back when freed (glibc's
# default raises this bar as large blocks are freed, up to 32 MB, after which a request's
# megabyte-sized buffers stay in the heap and hold its top up). Measured: the server's
# processes peaked 12 MB lower storing 1,000-statement batches (docs/performance.md).
MALLOC_MMAP_THRESHOLD = 512 * 1024
_M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter


def tune_runtime() -> None:
    """Move what is loaded so far (modules, the app) out of the collector's way, collect less
    often, and have the C allocator give large blocks back. Call once the process has
    finished starting up."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
    _tune_malloc()


def _tune_malloc() -> None:
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):  # not glibc: its own allocator's defaults stand
        return
    mallopt(_M_MMAP_THRESHOLD, MALLOC_MMAP_THRESHOLD)
