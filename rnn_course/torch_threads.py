"""A context manager that runs tiny torch workloads on one intra-op thread.

The chapter's training loops multiply matrices of a few dozen rows. On a 2-core machine that other
processes also use, two intra-op threads made such a loop about 20 times slower than one thread
(5 s vs 97 s for the pointer-network run), because the threads wait for each other.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch


@contextmanager
def single_torch_thread() -> Iterator[None]:
    """Set torch to one intra-op thread inside the block and restore the previous count afterwards."""
    previous_threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(previous_threads)
