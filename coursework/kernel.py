"""Run code cell by cell in one Jupyter kernel (nbclient), surviving timeouts and crashes.

``KernelSession.run(code)`` never raises for anything the code does: errors, infinite loops
(per-cell time limit) and a dying kernel all come back as a ``RunResult``. After a time-out
the kernel is interrupted; if it does not answer within a few seconds, or if it died, a new
kernel is started and every replayable cell run so far is run again, so that the cells that
follow still see the names defined earlier. Only when that replay fails too is
``KernelLost`` raised.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import subprocess
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

import nbformat
from jupyter_core.utils import ensure_event_loop
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbclient.util import ensure_async, run_sync

Status = Literal["ok", "error", "timeout", "died"]

_LOG = logging.getLogger("coursework.kernel")
_LOG.addHandler(logging.NullHandler())
_LOG.propagate = False
KERNEL_ENV = {"MPLBACKEND": "Agg", "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
_ABANDONED_POLLS = {"NotebookClient._async_poll_output_msg", "NotebookClient._async_poll_kernel_alive",
                    "NotebookClient._async_poll_for_reply"}


def _ignore_abandoned_polls(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """Event-loop exception handler: stay silent about nbclient's polls of a timed-out cell."""
    task = context.get("future") or context.get("task")
    coro = task.get_coro() if isinstance(task, asyncio.Task) else None
    if getattr(coro, "__qualname__", "") in _ABANDONED_POLLS:
        return
    loop.default_exception_handler(context)


class KernelLost(Exception):
    """The kernel could not be brought back to the state the next cell needs."""


@dataclass(frozen=True)
class RunResult:
    """The outcome of running one piece of code in the kernel."""

    status: Status
    ename: str = ""
    evalue: str = ""

    @property
    def message(self) -> str:
        """What went wrong, as a verb phrase ("raised ValueError: ...", "timed out after 5 s")."""
        if self.status == "ok":
            return ""
        if self.status == "timeout":
            return self.evalue
        if self.status == "died":
            return "crashed the kernel (it died or exited Python)"
        first = self.evalue.strip().splitlines()[0] if self.evalue.strip() else ""
        return f"raised {self.ename}: {first}" if first else f"raised {self.ename}"


class KernelSession:
    """A kernel for executing a notebook's code one cell at a time.

    Args:
        cwd: the kernel's working directory.
        timeout: time limit per cell, in seconds.
        kernel_name: kernel spec to start (default ``python3``, whatever the notebook says).
        recovery_timeout: seconds to wait for an interrupted kernel before restarting it.
    """

    def __init__(self, cwd: Path, timeout: float, kernel_name: str = "python3",
                 recovery_timeout: float = 5.0) -> None:
        self.cwd = cwd
        self.timeout = max(1, math.ceil(timeout))
        self.kernel_name = kernel_name
        self.recovery_timeout = max(1, math.ceil(recovery_timeout))
        self.restarts = 0
        self._history: list[str] = []
        self._stack = ExitStack()
        self._client: NotebookClient | None = None

    def __enter__(self) -> KernelSession:
        self._start()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self._shutdown()

    def _start(self) -> None:
        notebook = nbformat.v4.new_notebook()
        self._client = NotebookClient(
            notebook, timeout=self.timeout, kernel_name=self.kernel_name, allow_errors=True,
            interrupt_on_timeout=False, shutdown_kernel="immediate", record_timing=False,
            startup_timeout=60, resources={"metadata": {"path": str(self.cwd)}}, log=_LOG)
        ensure_event_loop().set_exception_handler(_ignore_abandoned_polls)
        self._stack = ExitStack()
        self._stack.enter_context(self._client.setup_kernel(
            env={**os.environ, **KERNEL_ENV}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))

    def _shutdown(self) -> None:
        """Stop the kernel, whatever state it and nbclient are in."""
        try:
            self._stack.close()
        except Exception:  # noqa: BLE001 - nbclient may already have cleaned up a failed kernel
            pass
        manager = self._client.km if self._client is not None else None
        if manager is not None and manager.has_kernel:
            try:
                run_sync(ensure_async)(manager.shutdown_kernel(now=True))
            except Exception:  # noqa: BLE001 - the process is gone already
                pass

    def _execute(self, code: str, timeout: int) -> RunResult:
        assert self._client is not None
        replies: list[dict[str, Any]] = []
        cell = nbformat.v4.new_code_cell(code)
        self._client.nb.cells.append(cell)
        self._client.timeout = timeout
        self._client.on_cell_executed = lambda execute_reply, **_: replies.append(execute_reply)
        try:
            self._client.execute_cell(cell, len(self._client.nb.cells) - 1)
        except CellTimeoutError:
            return RunResult("timeout", "TimeoutError", f"timed out after {timeout} s")
        except DeadKernelError:
            return RunResult("died", "DeadKernelError", "the kernel died")
        finally:
            self._client.nb.cells[-1] = nbformat.v4.new_code_cell("")  # keep no outputs around
        content = replies[-1].get("content", {}) if replies and replies[-1] else {}
        if content.get("status") == "error":
            return RunResult("error", str(content.get("ename", "")), str(content.get("evalue", "")))
        for output in cell.outputs:  # in case the reply was incomplete
            if output.output_type == "error":
                return RunResult("error", output.ename, output.evalue)
        return RunResult("ok")

    def _interrupt(self) -> bool:
        """Interrupt the kernel and reconnect; True when it then runs code within the recovery time.

        The old channels are dropped because nbclient leaves its polling tasks of the timed-out
        cell behind, and those would swallow messages meant for the next cells.
        """
        client = self._client
        assert client is not None and client.km is not None
        try:
            run_sync(ensure_async)(client.km.interrupt_kernel())
            if client.kc is not None:
                client.kc.stop_channels()
            client.kc = None
            client.startup_timeout = self.recovery_timeout
            client.start_new_kernel_client()
        except Exception:  # noqa: BLE001 - any failure here means: restart the kernel
            return False
        return self._execute("pass", self.recovery_timeout).status in {"ok", "error"}

    def _restart(self) -> None:
        """Start a fresh kernel and re-run the replayable history in it."""
        self._shutdown()
        self.restarts += 1
        self._start()
        for code in self._history:
            result = self._execute(code, self.timeout)
            if result.status in {"timeout", "died"}:
                raise KernelLost(f"re-running the earlier cells in a fresh kernel failed: that code {result.message}")

    def _recover(self, result: RunResult) -> None:
        """Bring the kernel back after a time-out (interrupt, else restart) or a crash."""
        if result.status == "timeout" and self._interrupt():
            return
        self._restart()

    def run(self, code: str, replay: bool = False) -> RunResult:
        """Run ``code``; with ``replay`` it is re-run after a restart caused by a later cell.

        Raises:
            KernelLost: a restart was needed and re-running the earlier cells failed.
        """
        result = self._execute(code, self.timeout)
        if result.status in {"timeout", "died"}:
            self._recover(result)
        elif replay:
            self._history.append(code)
        return result
