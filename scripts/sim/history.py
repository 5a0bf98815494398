"""The record of every write the workload made: what, where, when, and what the client was told.

The documents a run writes, and why they are shaped so (docs/simulation.md, "The workload"):

  ledger-REGION/NNNNNN  written by REGION only, one write at a time, never deleted: each one's
                        final state is known exactly from the acknowledged writes, so a lost
                        acknowledged field is detectable. The put that creates one is a lag probe.
  shared/sK             written by every region: puts, patches (also nested fields) and deletes
                        that collide on purpose. No single expected state; every value must have
                        been written by someone.
  counters/cK           increments from every region: field `total` is shared by all regions,
                        field REGION is that region's own. Each must equal the acknowledged sum.
  lists/lK              one array, `items`, that every region inserts into at once through
                        JSON Patch (`add /items/-` or `/items/0`, a unique value each; mix `list`):
                        created once by the first region's put of `{"items": []}`, never
                        removed from, so it must end holding exactly the acknowledged inserts
                        (and possibly ambiguous ones), each once.

Outcomes: `acked` (exit 0: the write happened), `rejected` (exit 2 or 3: the CLI promises nothing
changed), `ambiguous` (anything else, typically the region killed mid-request: it may or may not
have been applied), `pending` (not finished yet).
"""

import itertools
import threading
from dataclasses import dataclass

LEDGER_PREFIX = "ledger-"
SHARED = "shared"
COUNTERS = "counters"
LISTS = "lists"

ACKED, REJECTED, AMBIGUOUS, PENDING = "acked", "rejected", "ambiguous", "pending"


def ledger_collection(region):
    return LEDGER_PREFIX + region


def ledger_id(n):
    return f"{n:06d}"


def written_collections(regions):
    """Every collection a run writes, in a fixed order."""
    return [ledger_collection(r) for r in regions] + [SHARED, COUNTERS, LISTS]


@dataclass
class Write:
    op_id: int
    region: str
    kind: str           # put | patch | inc | delete | list (a JSON Patch inserting into lists/lK)
    collection: str
    doc_id: str
    body: dict | list | None  # the JSON of a put, patch or list write; {field: amount} for an inc
    probe: bool = False  # the creating put of a ledger document: its visibility is measured
    started_s: float | None = None
    ended_s: float | None = None
    outcome: str = PENDING
    error: str = ""

    @property
    def key(self):
        return f"{self.collection}/{self.doc_id}"

    @property
    def path(self):
        return "/" + self.key

    def describe(self):
        when = "" if self.ended_s is None else f" at {self.ended_s:.2f} s"
        return f"{self.outcome} {self.kind} #{self.op_id} from {self.region}{when}"


class History:
    """Thread-safe: writes are added by the workload's threads and read at the end."""

    def __init__(self):
        self.lock = threading.Lock()
        self.writes = []
        self.ids = itertools.count(1)
        self.skipped = 0  # writes not attempted: region down, or its clients all busy

    def new_write(self, **fields):
        with self.lock:
            write = Write(op_id=next(self.ids), **fields)
            self.writes.append(write)
            return write

    def note_skipped(self):
        with self.lock:
            self.skipped += 1

    def snapshot(self):
        with self.lock:
            return list(self.writes)

    def counts(self):
        with self.lock:
            counts = {ACKED: 0, REJECTED: 0, AMBIGUOUS: 0, PENDING: 0}
            for w in self.writes:
                counts[w.outcome] += 1
            counts["skipped"] = self.skipped
            return counts
