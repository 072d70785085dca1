"""End the `taxonomy` process as soon as its command is done, without tearing the interpreter down.

A command that ran a pipeline has imported Dagster, SQLAlchemy, pandas and the definitions; Python's own
exit then spends most of a second dismantling those modules and collecting their objects, after the
last line was printed and every file written. The command line runs its command, then does what an
exit must (waits for the threads an ordinary exit would wait for, runs the exit handlers, flushes
stdout and stderr) and ends the process with the command's status. The CLI's workers end the same way
(`worker_pool`), and so does their fork server (`fork_server_exit`).
"""

import atexit
import contextlib
import os
import sys
import threading
from collections.abc import Callable
from typing import NoReturn


def end_process(status: int = 0) -> NoReturn:
    """Flush stdout and stderr and end the process with `status`, without tearing the interpreter down."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # closed, or a reader that went away
            stream.flush()
    os._exit(status)


def exit_status(code: object) -> int:
    """The process status `sys.exit(code)` would give (a message is printed and gives 1)."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def _other_threads_running() -> bool:
    """Threads an ordinary exit would wait for (not daemons), other than this one."""
    current = threading.current_thread()
    return any(
        thread is not current and not thread.daemon and thread.is_alive() for thread in threading.enumerate()
    )


def run_then_exit(command: Callable[[], object]) -> NoReturn:
    """Run `command` (a click command in standalone mode ends by raising SystemExit), then exit at once.

    Any other exception propagates as it would without this. If the command left a non-daemon thread
    running, the ordinary exit (which waits for it) is taken instead."""
    try:
        command()
        code: object = 0
    except SystemExit as exc:
        code = exc.code
    if _other_threads_running():
        sys.exit(code)
    status = exit_status(code)
    atexit._run_exitfuncs()  # what Python runs at exit: multiprocessing's finalizers, logging's flush
    end_process(status)
