"""nbgrader's Execute preprocessor with a stop for kernels that no longer answer after an interrupt."""

from __future__ import annotations

from nbclient.exceptions import DeadKernelError
from nbgrader.preprocessors import Execute
from traitlets import Integer

WEDGED_KERNEL_MESSAGE = "rnn-autograder: kernel timed out repeatedly"


class GuardedExecute(Execute):
    """Execute that gives up after max_cell_timeouts timed-out cells.

    nbclient interrupts a cell that runs past the timeout and goes on with the next cell. A kernel whose
    own message handling is broken (for example by a patched ``isinstance``) times out on every
    remaining cell, which would cost cells × timeout seconds; this class stops after a few instead.
    """

    max_cell_timeouts = Integer(2, help="Number of timed-out cells after which the kernel counts as dead.").tag(
        config=True)

    _timeouts = 0

    async def _async_handle_timeout(self, timeout, cell=None):
        self._timeouts += 1
        if self._timeouts >= self.max_cell_timeouts:
            raise DeadKernelError(WEDGED_KERNEL_MESSAGE)
        return await super()._async_handle_timeout(timeout, cell)
