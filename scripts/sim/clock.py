"""The simulation's time: seconds since the run started, on the monotonic clock. Every timestamp
of a run (writes, observations, faults, samples) is on this one scale."""

import time


class Clock:
    def __init__(self):
        self.origin = time.monotonic()

    def now(self):
        return time.monotonic() - self.origin

    def sleep_until(self, t, stop_event=None):
        """Sleeps until now() >= t, or until `stop_event` is set; returns False if it was set."""
        delay = t - self.now()
        if stop_event is None:
            time.sleep(max(0.0, delay))
            return True
        return not stop_event.wait(max(0.0, delay))
