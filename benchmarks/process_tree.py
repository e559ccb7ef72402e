"""What a server costs, measured from outside: CPU seconds and memory of its whole process tree
(serve.sh, reflex, granian and its workers), independent of the load generator's own CPU."""

from __future__ import annotations

import psutil


def tree(pid: int) -> list[psutil.Process]:
    root = psutil.Process(pid)
    return [root, *root.children(recursive=True)]


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds used so far by these processes and all their descendants."""
    total = 0.0
    for pid in pids:
        for p in tree(pid):
            try:
                t = p.cpu_times()
                total += t.user + t.system
            except psutil.NoSuchProcess:
                pass
    return total


def rss_bytes(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        for p in tree(pid):
            try:
                total += p.memory_info().rss
            except psutil.NoSuchProcess:
                pass
    return total
