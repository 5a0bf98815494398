"""Running the `crdtdb` command against a region, one process per operation.

The CLI is the simulation's only client: it speaks the documented interface (docs/cli.md) and
nothing else. Every run is bounded (`timeout_s`; the CLI's own bound for an unreachable region is
5 s), and processes still running when the simulation stops are killed.
"""

import json
import subprocess
import threading
from dataclasses import dataclass

EXIT_OK, EXIT_OTHER, EXIT_USAGE, EXIT_NOT_FOUND = 0, 1, 2, 3


@dataclass
class CliResult:
    exit_code: int | None  # None: killed after the timeout
    out: str
    err: str
    started_s: float
    ended_s: float

    @property
    def ok(self):
        return self.exit_code == EXIT_OK

    @property
    def error(self):
        """One line saying what went wrong ('' on success)."""
        if self.ok:
            return ""
        if self.exit_code is None:
            return "no exit within the timeout (killed)"
        line = self.err.strip().splitlines()[-1] if self.err.strip() else "(nothing on stderr)"
        return f"exit {self.exit_code}: {line}"


class Cli:
    def __init__(self, binary, clock, timeout_s):
        self.binary, self.clock, self.timeout_s = str(binary), clock, timeout_s
        self.lock = threading.Lock()
        self.in_flight = set()
        self.closed = False

    def run(self, endpoint, *args):
        """`endpoint`: a client endpoint (--endpoint), or the CLI arguments that address a target,
        e.g. ["--config", F, "--region", R] for a region of several nodes (the CLI routes)."""
        started = self.clock.now()
        target = ["--endpoint", endpoint] if isinstance(endpoint, str) else list(endpoint)
        with self.lock:
            if self.closed:
                return CliResult(None, "", "the simulation is stopping", started, started)
            process = subprocess.Popen([self.binary, *target, *args],
                                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                       stderr=subprocess.PIPE, text=True)
            self.in_flight.add(process)
        try:
            out, err = process.communicate(timeout=self.timeout_s)
            code = process.returncode
        except subprocess.TimeoutExpired:
            process.kill()
            out, err = process.communicate()
            code = None
        finally:
            with self.lock:
                self.in_flight.discard(process)
        return CliResult(code, out, err, started, self.clock.now())

    def status(self, endpoint):
        """The region's `status` as a dict, or None if it did not answer."""
        result = self.run(endpoint, "status")
        return _json_or_none(result.out) if result.ok else None

    def list_collection(self, endpoint, collection, start_after=None, limit=None):
        """(result, [(id, doc)]) of `list /collection`; the list is None if the call failed."""
        args = ["list", "/" + collection]
        if start_after is not None:
            args += ["--start-after", start_after]
        if limit is not None:
            args += ["--limit", str(limit)]
        result = self.run(endpoint, *args)
        if not result.ok:
            return result, None
        rows = [_json_or_none(line) for line in result.out.splitlines() if line.strip()]
        if any(row is None for row in rows):
            return result, None
        return result, [(row["id"], row["doc"]) for row in rows]

    def close(self):
        """Kills every run in flight; later runs return at once as failed."""
        with self.lock:
            self.closed = True
            for process in self.in_flight:
                process.kill()


def _json_or_none(text):
    try:
        return json.loads(text)
    except ValueError:
        return None
