"""`--threads auto`: training threads that follow what the rest of the machine uses.

On a small machine shared with builds and tests, a two-thread step waits for the
thread whose core is taken (docs/training.md, throughput: beside a build one
thread made 4.10 images/s and two 1.73), while on an idle machine two threads
are 1.65x one. ThreadGovernor measures, every `interval` seconds, how many cores
other processes kept busy (the machine's busy time from /proc/stat less this
process's own CPU time) and gives training the cores they left.
"""
from __future__ import annotations

import os
import time
from typing import Callable


def machine_busy_seconds() -> float | None:
    """CPU seconds all cores have spent busy since boot (/proc/stat), None where
    there is no /proc/stat."""
    try:
        with open("/proc/stat") as f:
            fields = f.readline().split()
    except OSError:
        return None
    if not fields or fields[0] != "cpu":
        return None
    # user nice system idle iowait irq softirq steal ...: idle and iowait are not busy.
    v = [int(x) for x in fields[1:9]]
    busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7]
    return busy / os.sysconf("SC_CLK_TCK")


def usable_cores() -> int:
    """The cores this process may run on (its affinity where the OS has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS
        return os.cpu_count() or 1


def own_cpu_seconds() -> float:
    t = os.times()
    return t.user + t.system


class ThreadGovernor:
    """Chooses a thread count from the cores other processes use.

    `update()` is cheap and meant to be called once per training step; it returns
    the new count when it changed (and has called `apply` with it), else None.
    Other processes using at least `taken` of a core count as holding it."""

    def __init__(self, cores: int, apply: Callable[[int], None], interval: float = 30.0, taken: float = 0.5,
                 busy: Callable[[], float | None] = machine_busy_seconds, own: Callable[[], float] = own_cpu_seconds,
                 clock: Callable[[], float] = time.monotonic):
        if cores < 1:
            raise ValueError("cores must be at least 1")
        self.cores, self.apply, self.interval, self.taken = cores, apply, interval, taken
        self.busy, self.own, self.clock = busy, own, clock
        self.threads = cores
        self.others = 0.0
        apply(cores)
        self._mark()

    def _mark(self):
        self._t, self._busy, self._own = self.clock(), self.busy(), self.own()

    def choose(self, others: float) -> int:
        """Threads for a machine on which other processes keep `others` cores busy."""
        held = int(others + (1 - self.taken))          # round up from `taken` of a core
        return max(1, min(self.cores, self.cores - held))

    def update(self) -> int | None:
        now = self.clock()
        if now - self._t < self.interval:
            return None
        busy, own = self.busy(), self.own()
        if busy is None or self._busy is None:
            self._mark()
            return None
        wall = now - self._t
        self.others = max(0.0, ((busy - self._busy) - (own - self._own)) / wall)
        self._t, self._busy, self._own = now, busy, own
        want = self.choose(self.others)
        if want == self.threads:
            return None
        self.threads = want
        self.apply(want)
        return want
