"""What a process and the machine have used, read from /proc (Linux): memory, CPU seconds, busy cores."""

from __future__ import annotations

import os
from pathlib import Path


def proc_status(pid: int, key: str) -> int:
    """A memory figure of /proc/<pid>/status (`VmHWM`, `VmRSS`) in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024
    raise KeyError(f"/proc/{pid}/status has no {key}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_cpu_seconds() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, summed over its cores (/proc/stat): busy is all
    but idle and iowait, whoever used it."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:8]]
    total = sum(values)
    return (total - values[3] - values[4]) / os.sysconf("SC_CLK_TCK"), total / os.sysconf("SC_CLK_TCK")


def descendants(pid: int) -> list[int]:
    """The processes below `pid` (children, their children, ...) that run now."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def tree_cpu_seconds(pid: int, exclude: set[int]) -> dict[int, float]:
    """CPU seconds used so far by `pid` and each process below it, leaving out `exclude`."""
    used = {}
    for each in [pid, *descendants(pid)]:
        if each not in exclude:
            try:
                used[each] = cpu_seconds(each)
            except OSError:
                pass
    return used
