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
