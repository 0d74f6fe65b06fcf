"""The kernel manager of the course: every kernel is started through the sandbox launcher."""

from __future__ import annotations

from jupyter_client.manager import AsyncKernelManager

from autograder.sandbox import launcher_command


class SandboxKernelManager(AsyncKernelManager):
    """AsyncKernelManager whose kernel command is wrapped by ``autograder.sandbox``'s launcher."""

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        command = super().format_kernel_cmd(extra_arguments)
        return launcher_command("--", *command)
