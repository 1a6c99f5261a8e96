"""What the operating system says the engine is doing right now: CPU time and reads per thread.

DuckDB runs every statement on a shared pool of threads and publishes its profile only when a
statement is complete, so the live CPU metrics come from the kernel: ``sample`` reads the CPU
time and the bytes read of every thread of this process (``/proc/self/task``), and the
difference between two samples says how much work was done in between and how evenly it was
spread over the threads (Redshift's skew: the busiest slice against the average).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

_TASKS = Path("/proc/self/task")
_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


@dataclass(frozen=True, slots=True)
class Sample:
    """CPU seconds and bytes read per thread id, and the process's total CPU seconds."""

    cpu: dict[int, float]
    read: dict[int, int]
    process_cpu: float


def sample() -> Sample:
    """The per-thread counters now (empty maps where /proc is not available)."""
    cpu: dict[int, float] = {}
    read: dict[int, int] = {}
    try:
        tids = [int(t) for t in os.listdir(_TASKS)]
    except OSError:
        tids = []
    for tid in tids:
        try:
            stat = (_TASKS / str(tid) / "stat").read_text()
            # Fields after the command name (which may hold spaces): utime, stime are 14, 15.
            fields = stat.rsplit(")", 1)[1].split()
            cpu[tid] = (int(fields[11]) + int(fields[12])) / _TICKS
            for line in (_TASKS / str(tid) / "io").read_text().splitlines():
                if line.startswith("rchar:"):
                    read[tid] = int(line.split()[1])
                    break
        except (OSError, IndexError, ValueError):
            continue
    return Sample(cpu, read, time.process_time())


@dataclass(frozen=True, slots=True)
class Work:
    """The work done between two samples."""

    cpu_s: float  # CPU seconds of the whole process
    cpu_skew: float  # busiest thread's CPU over the average of the threads that worked
    io_skew: float  # same for bytes read


def between(before: Sample, after: Sample) -> Work:
    """What happened from ``before`` to ``after``.

    >>> a = Sample({1: 0.0, 2: 0.0}, {1: 0, 2: 0}, 0.0)
    >>> b = Sample({1: 3.0, 2: 1.0}, {1: 10, 2: 10}, 4.0)
    >>> between(a, b)
    Work(cpu_s=4.0, cpu_skew=1.5, io_skew=1.0)
    """
    return Work(
        max(0.0, after.process_cpu - before.process_cpu),
        _skew([after.cpu[t] - before.cpu.get(t, 0.0) for t in after.cpu]),
        _skew([float(after.read[t] - before.read.get(t, 0)) for t in after.read]),
    )


def _skew(deltas: list[float]) -> float:
    worked = [d for d in deltas if d > 0]
    if not worked:
        return 0.0
    return max(worked) / (sum(worked) / len(worked))
