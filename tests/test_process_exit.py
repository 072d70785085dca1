"""The command line ends without interpreter teardown, yet as an ordinary exit would: same status, exit
handlers run, output flushed, running threads waited for."""

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from taxonomy_assets.cli.process_exit import exit_status


def run_command(body: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Run `command` (defined by `body`) under `run_then_exit` in a fresh interpreter."""
    script = (
        textwrap.dedent(
            """
        import atexit, sys, threading, time
        from pathlib import Path
        from taxonomy_assets.cli.process_exit import run_then_exit
        OUT = Path(sys.argv[1])
        """
        )
        + textwrap.dedent(body)
        + "\nrun_then_exit(command)\n"
    )
    return subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "out.txt")],
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(("raised", "status"), [("None", 0), ("3", 3), ("'bad input'", 1)])
def test_the_status_is_what_sys_exit_would_give(raised: str, status: int, tmp_path: Path) -> None:
    body = f"""
        def command():
            sys.stdout.write("unterminated output")  # still buffered when the command returns
            raise SystemExit({raised})
        """
    done = run_command(body, tmp_path)
    assert done.returncode == status
    assert done.stdout == "unterminated output"
    if status == 1:
        assert done.stderr.strip() == "bad input"


def test_a_command_that_returns_exits_zero_after_the_exit_handlers(tmp_path: Path) -> None:
    body = """
        def command():
            atexit.register(lambda: OUT.write_text("handler ran"))
        """
    done = run_command(body, tmp_path)
    assert done.returncode == 0
    assert (tmp_path / "out.txt").read_text() == "handler ran"


def test_a_running_thread_is_waited_for(tmp_path: Path) -> None:
    body = """
        def command():
            def late():
                time.sleep(0.3)
                OUT.write_text("thread finished")
            threading.Thread(target=late).start()
            sys.exit(4)
        """
    done = run_command(body, tmp_path)
    assert done.returncode == 4
    assert (tmp_path / "out.txt").read_text() == "thread finished"


def test_other_exceptions_propagate(tmp_path: Path) -> None:
    done = run_command("def command():\n    raise KeyError('lost')\n", tmp_path)
    assert done.returncode == 1
    assert "KeyError: 'lost'" in done.stderr


def test_exit_status_of_sys_exit_arguments() -> None:
    assert [exit_status(None), exit_status(0), exit_status(2)] == [0, 0, 2]


def test_the_fork_server_ends_without_teardown_and_is_preloaded_first() -> None:
    from taxonomy_assets.cli.worker_pool import PRELOADED

    assert PRELOADED[0] == "taxonomy_assets.cli.fork_server_exit"
    script = (
        "import taxonomy_assets.cli.fork_server_exit, atexit, sys\n"
        "atexit.register(lambda: sys.stdout.write(' handler ran'))\n"
        "sys.stdout.write('buffered')\n"
        "raise SystemExit(3)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    # the other handlers ran first, the output was flushed, and the process ended at once with status 0
    assert (done.returncode, done.stdout) == (0, "buffered handler ran")
