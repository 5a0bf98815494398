"""Every long-running process the simulation starts (replicas, the WAN emulator), so that all of
them are stopped at the end: on success, on failure, on Ctrl-C and on SIGTERM.

Each child runs in a process group of its own (a Ctrl-C at the terminal reaches only the
simulation, which then stops its children in order), and is stopped by signalling that group:
SIGTERM, then SIGKILL after a bound. `install_exit_handlers` turns SIGTERM and SIGHUP into an
exception in the main thread so that `finally` blocks and atexit run.
"""

import atexit
import os
import signal
import subprocess
import threading

STOP_TIMEOUT_S = 10.0
KILL_WAIT_S = 5.0


class ProcessRegistry:
    def __init__(self):
        self.lock = threading.Lock()
        self.children = {}  # name -> Popen
        atexit.register(self.stop_all)

    def spawn(self, name, argv, **popen_kwargs):
        with self.lock:
            if name in self.children and self.children[name].poll() is None:
                raise RuntimeError(f"{name} is already running")
            process = subprocess.Popen(argv, start_new_session=True, **popen_kwargs)
            self.children[name] = process
            return process

    def running(self, name):
        with self.lock:
            process = self.children.get(name)
            return process is not None and process.poll() is None

    def signal(self, name, signum):
        """Sends `signum` to the process itself (by its pid), not its group; nothing if it is gone."""
        with self.lock:
            process = self.children.get(name)
        if process is not None and process.poll() is None:
            try:
                os.kill(process.pid, signum)
            except ProcessLookupError:
                pass  # exited since poll()

    def kill(self, name):
        """SIGKILL, as `kill -9` does; returns once the process is gone."""
        with self.lock:
            process = self.children.pop(name, None)
        if process is None:
            return
        _signal_group(process, signal.SIGKILL)
        process.wait(timeout=KILL_WAIT_S)

    def stop(self, name, stdin_first=False):
        """Stops `name` (SIGTERM, or closing its standard input with stdin_first; SIGKILL after
        STOP_TIMEOUT_S) and returns its exit status (negative: the signal that ended it)."""
        with self.lock:
            process = self.children.pop(name, None)
        if process is None:
            return None
        if stdin_first and process.stdin:
            process.stdin.close()
        else:
            _signal_group(process, signal.SIGTERM)
        try:
            process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            _signal_group(process, signal.SIGKILL)
            process.wait(timeout=KILL_WAIT_S)
        for pipe in (process.stdin, process.stdout, process.stderr):
            if pipe:
                pipe.close()
        return process.returncode

    def stop_all(self):
        with self.lock:
            names = list(self.children)
        for name in names:
            try:
                self.stop(name)
            except (OSError, subprocess.TimeoutExpired):
                pass  # already gone, or unkillable: nothing more can be done from here


def _signal_group(process, signum):
    try:
        os.killpg(process.pid, signum)
    except ProcessLookupError:
        pass


class Terminated(BaseException):
    """Raised in the main thread by SIGTERM or SIGHUP, so that cleanup runs as for Ctrl-C."""


def install_exit_handlers():
    def handler(signum, _frame):
        raise Terminated(f"stopped by signal {signal.Signals(signum).name}")
    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGHUP, handler)
