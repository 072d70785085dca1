"""Who froze this process's heap out of the garbage collector's reach, and for how long.

A process that loads data for its whole life (the CLI's fork server and workers) freezes it with
`freeze_for_good`, so no full collection walks it again. A process about to fork freezes its heap only
for the fork (`frozen_for_fork`) unless that was done for good already. Python can tell how many objects
are frozen only by walking them all (`gc.get_freeze_count` is linear: 40–60 ms a call on the 430k
objects a worker holds frozen), so the answer is kept here instead of asked of the collector.
"""

import contextlib
import gc
from collections.abc import Iterator

_frozen_for_good = False


def freeze_for_good() -> None:
    """Freeze everything alive now for the rest of the process's life (and its forked children's)."""
    global _frozen_for_good
    gc.freeze()
    _frozen_for_good = True


def is_frozen_for_good() -> bool:
    return _frozen_for_good


@contextlib.contextmanager
def frozen_for_fork() -> Iterator[None]:
    """Objects inherited by a child forked inside the block are frozen in the child, so its collector
    never walks (and copies on write) the parent's whole heap; the parent unfreezes its own on the way
    out. A heap frozen for good stays as it is: unfreezing it would hand it back to every full
    collection of the owner."""
    if _frozen_for_good:
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
