"""The benchmark's memory sampler sees the whole process tree, grandchildren included."""

import subprocess
import sys
import time

from tests.conftest import PROJECT_ROOT

sys.path.insert(0, str(PROJECT_ROOT / "benchmarks"))
import pipeline_scale

GRANDPARENT = """
import subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", "import time; data = b'x' * (64 << 20); time.sleep(30)"])
print(child.pid, flush=True)
time.sleep(30)
"""


def test_the_sampler_finds_grandchildren_and_their_memory() -> None:
    parent = subprocess.Popen([sys.executable, "-c", GRANDPARENT], stdout=subprocess.PIPE, text=True)
    try:
        grandchild = int(parent.stdout.readline())
        deadline = time.monotonic() + 20
        largest = 0
        while largest < 64 << 20 and time.monotonic() < deadline:
            total, largest = pipeline_scale._tree_rss(parent.pid)
            time.sleep(0.05)
        assert grandchild in pipeline_scale._tree_pids(parent.pid)
        assert largest >= 64 << 20  # the grandchild's buffer
        assert total >= largest // 2  # PSS of both processes
        no_pss, only_largest = pipeline_scale._tree_rss(parent.pid, proportional=False)
        assert no_pss == 0 and only_largest >= 64 << 20
    finally:
        for pid in pipeline_scale._tree_pids(parent.pid)[1:]:
            subprocess.run(["kill", str(pid)], check=False)
        parent.kill()
        parent.wait()
