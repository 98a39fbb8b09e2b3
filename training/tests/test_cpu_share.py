import os

import pytest

from latentscope_train import cpu_share
from latentscope_train.cpu_share import ThreadGovernor
from latentscope_train.train import parse_args


class FakeMachine:
    """A clock, the machine's busy CPU seconds and this process's, advanced by hand."""

    def __init__(self):
        self.t = self.busy = self.own = 0.0

    def run(self, seconds, own_cores, other_cores):
        self.t += seconds
        self.own += seconds * own_cores
        self.busy += seconds * (own_cores + other_cores)

    def governor(self, cores, applied, **kw):
        return ThreadGovernor(cores, applied.append, busy=lambda: self.busy, own=lambda: self.own, clock=lambda: self.t, **kw)


def test_all_cores_while_nothing_else_runs_one_when_a_build_takes_a_core():
    m, applied = FakeMachine(), []
    g = m.governor(2, applied, interval=30)
    assert applied == [2]
    m.run(31, own_cores=2, other_cores=0.1)
    assert g.update() is None and g.threads == 2
    m.run(31, own_cores=1.2, other_cores=0.9)       # a build starts beside the training
    assert g.update() == 1 and applied == [2, 1]
    assert g.others == pytest.approx(0.9)
    m.run(31, own_cores=1, other_cores=1.0)
    assert g.update() is None
    m.run(31, own_cores=1, other_cores=0.2)         # it ended
    assert g.update() == 2 and applied == [2, 1, 2]


def test_measures_only_once_per_interval():
    m, applied = FakeMachine(), []
    g = m.governor(2, applied, interval=30)
    m.run(10, own_cores=1, other_cores=2)
    assert g.update() is None and g.threads == 2    # too soon to tell
    m.run(25, own_cores=1, other_cores=2)
    assert g.update() == 1


def test_leaves_other_processes_the_cores_they_hold_on_a_bigger_machine():
    m, applied = FakeMachine(), []
    g = m.governor(16, applied, interval=1)
    m.run(2, own_cores=10, other_cores=5.6)
    assert g.update() == 10
    assert g.choose(0.0) == 16 and g.choose(0.49) == 16 and g.choose(0.5) == 15 and g.choose(40) == 1


def test_without_proc_stat_keeps_its_threads():
    applied = []
    g = ThreadGovernor(2, applied.append, interval=0, busy=lambda: None, own=lambda: 0.0)
    assert g.update() is None and applied == [2]


def test_reads_this_machine():
    busy = cpu_share.machine_busy_seconds()
    if busy is None:
        pytest.skip("no /proc/stat here")
    assert busy > 0 and cpu_share.own_cpu_seconds() >= 0
    assert 1 <= cpu_share.usable_cores() <= (os.cpu_count() or 1)


def test_threads_flag(tmp_path):
    base = ["--run", str(tmp_path), "--data", str(tmp_path)]
    assert parse_args(base + ["--threads", "auto"]).threads == "auto"
    assert parse_args(base + ["--threads", "3"]).threads == 3
    for bad in ("0", "two"):
        with pytest.raises(SystemExit):
            parse_args(base + ["--threads", bad])
