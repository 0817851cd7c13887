"""Process-level tuning shared by the server and the writer process."""

from __future__ import annotations

import gc

# Parsing a batch of statements allocates tens of thousands of objects, nearly all freed by
# reference counting; CPython's default (a collection every 700 allocations) would walk the
# young objects dozens of times per request. Collections stay on for real cycles.
GC_THRESHOLDS = (50_000, 20, 20)


def tune_gc() -> None:
    """Move what is loaded so far (modules, the app) out of the collector's way, and collect
    less often. Call once the process has finished starting up."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
