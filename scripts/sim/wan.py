"""Drives the WAN emulator process (wan_relay.py): starts it, cuts and heals links, reads its
byte counters, stops it.

Faults overlap freely: each cut is named, and a direction stays cut while any named cut holds it,
so healing one fault never reopens a link another fault still cuts.
"""

import json
import queue
import subprocess
import sys
import threading
from pathlib import Path

from sim.processes import ProcessRegistry

RELAY_SCRIPT = Path(__file__).with_name("wan_relay.py")
ANSWER_TIMEOUT_S = 10.0


class WanError(RuntimeError):
    pass


class WanEmulator:
    def __init__(self, layout, topology, run_dir, registry: ProcessRegistry):
        self.layout, self.topology, self.run_dir, self.registry = layout, topology, run_dir, registry
        self.process = None
        self.answers = queue.Queue()
        self.lock = threading.Lock()  # one command and its answer at a time
        self.cuts = {}  # fault name -> set of (from, to)

    def start(self):
        plan_path = self.run_dir / "wan-plan.json"
        plan_path.write_text(json.dumps(self._plan(), indent=1))
        with open(self.run_dir / "logs" / "wan.log", "wb") as log:  # the child keeps its own descriptor
            self.process = self.registry.spawn("wan", [sys.executable, str(RELAY_SCRIPT), str(plan_path)],
                                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log)
        threading.Thread(target=self._read_answers, name="wan-answers", daemon=True).start()
        self._expect("ready", self._answer())

    def cut(self, name, directions):
        """Cuts `directions` ((from, to) pairs) until heal(name)."""
        self.cuts[name] = set(directions)
        self._send_cut_set()

    def heal(self, name):
        self.cuts.pop(name, None)
        self._send_cut_set()

    def stats(self):
        """Per (from, to, channel): bytes delivered and dropped, connections, resets."""
        return self._command({"stats": True})["links"]

    def stop(self):
        if self.process is not None:
            self.registry.stop("wan", stdin_first=True)
            self.process = None

    def _plan(self):
        return {"relays": [vars(r) for r in self.layout.relays],
                "latency_ms": [[a, b, ms] for (a, b), ms in sorted(self.topology.latency_ms.items())]}

    def _send_cut_set(self):
        directions = sorted(set().union(*self.cuts.values())) if self.cuts else []
        self._expect("ok", self._command({"cut": [list(d) for d in directions]}))

    def _command(self, message):
        with self.lock:
            if self.process is None or self.process.poll() is not None:
                raise WanError("the WAN emulator is not running (see logs/wan.log)")
            self.process.stdin.write((json.dumps(message) + "\n").encode())
            self.process.stdin.flush()
            return self._answer()

    def _answer(self):
        try:
            return self.answers.get(timeout=ANSWER_TIMEOUT_S)
        except queue.Empty:
            raise WanError(f"the WAN emulator did not answer within {ANSWER_TIMEOUT_S:.0f} s "
                           f"(see logs/wan.log)") from None

    def _read_answers(self):
        try:
            for line in self.process.stdout:
                try:
                    self.answers.put(json.loads(line))
                except ValueError:
                    self.answers.put({"error": f"unreadable answer {line!r}"})
        except (ValueError, OSError):
            pass  # stop() closed the pipe
        self.answers.put({"error": "the WAN emulator exited"})

    @staticmethod
    def _expect(key, answer):
        if key not in answer:
            raise WanError(f"WAN emulator: {answer.get('error', answer)}")
        return answer
