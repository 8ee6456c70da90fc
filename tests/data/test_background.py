"""Background jobs keep running through a failing step and stop when asked."""

import threading

from data.background import PeriodicJob


def test_a_failing_step_is_retried_and_the_job_stops():
    calls, done = [], threading.Event()

    def step():
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("first tick fails")
        if len(calls) >= 3:
            done.set()

    job = PeriodicJob("test-job", step, interval_s=0.01)
    job.start()
    assert done.wait(5)
    job.stop(5)
    stopped_at = len(calls)
    assert not job._thread.is_alive() and len(calls) == stopped_at


class FakeClock:
    """A wall clock that moves only when the job sleeps or a step takes time."""

    def __init__(self, now_s: float):
        self.now_s = now_s

    def __call__(self) -> float:
        return self.now_s

    def sleep(self, seconds: float) -> bool:
        self.now_s += seconds
        return False


def run_steps(start_s: float, durations: list[float], interval_s: float = 60.0,
              early_wake_s: float = 0.0) -> tuple[list[float], PeriodicJob]:
    """Run a job on a fake clock whose steps take ``durations``; return when each step started."""
    clock, started = FakeClock(start_s), []
    job = None

    def step():
        started.append(clock())
        clock.now_s += durations[len(started) - 1]
        if len(started) == len(durations):
            job._stop.set()

    def wait(seconds: float) -> bool:          # wakes ``early_wake_s`` early, as a timer may
        return clock.sleep(max(seconds - early_wake_s, early_wake_s / 2))

    job = PeriodicJob("fake-clock", step, interval_s, clock=clock, wait=wait)
    job.run()
    return started, job


def test_steps_fall_on_the_minute_whatever_they_take():
    started, job = run_steps(1_000_000_023.4, [2.5, 7.0, 0.3, 41.0, 12.0])
    assert started[0] == 1_000_000_023.4                      # the first step runs at start
    assert [s % 60 for s in started[1:]] == [0, 0, 0, 0]       # then on the minute, no drift
    assert [b - a for a, b in zip(started[1:], started[2:])] == [60, 60, 60]   # and no minute skipped
    assert job.skipped == 0


def test_a_wake_up_a_little_early_does_not_repeat_a_minute():
    started, _ = run_steps(999_999_960.5, [1.0, 1.0, 1.0, 1.0], early_wake_s=0.004)
    assert all(s % 60 < 1 for s in started)
    assert len({int(s // 60) for s in started}) == 4            # four different minutes


def test_an_overrun_skips_the_boundaries_it_covered_and_says_so(caplog):
    caplog.set_level("WARNING", logger="data.background")
    started, job = run_steps(1_000_000_020.0, [1.0, 150.0, 1.0])    # the 2nd step starts at :00 and runs 2.5 min
    assert started[2] - started[1] == 180                          # next step on the first minute after it ended
    assert job.skipped == 2
    assert "past 2 boundaries" in caplog.text and "skipped" in caplog.text


def test_a_long_step_is_interrupted_at_stop():
    release, entered = threading.Event(), threading.Event()

    def step():
        entered.set()
        release.wait(30)

    job = PeriodicJob("stuck", step, interval_s=60)
    job.start()
    assert entered.wait(5)
    assert job.stop(timeout=0.05, interrupt=release.set)
    assert job.stopping
