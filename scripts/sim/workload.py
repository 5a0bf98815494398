"""The clients: in every region, writes at the scenario's rate (Poisson arrivals), of the scenario's
mix, a share of them colliding with the other regions on purpose. Documents: history.py.

Each region has its own seeded generator and a bounded set of client threads. A write that finds
all of its region's clients busy, or its region down, is skipped and counted (a real client would
fail too): the rate is an offered load, never a queue that grows.

Ledger documents are written one write at a time, and a document whose write ended ambiguously
is not written again: its final state then stays exactly predictable (invariants.py).

List documents (mix `list`) are made once by one region (`creates_lists`), with a put of an empty
`items` that it never repeats (a put over the list would remove the inserts it had seen); every
region then inserts into them through JSON Patch, which fails (exit 2, nothing changed) while the
list has not reached that region yet.
"""

import json
import random
import threading

from sim.cli import EXIT_NOT_FOUND, EXIT_OK, EXIT_USAGE
from sim.history import (ACKED, AMBIGUOUS, COUNTERS, LISTS, REJECTED, SHARED, ledger_collection,
                         ledger_id)

LEDGER_FIELDS = ("a", "b", "c")
SHARED_FIELDS = ("title", "color", "size", "owner")
SHARED_TAGS = ("t0", "t1", "t2")
INC_AMOUNT_MAX = 5
REMOVE_SHARE = 0.15  # of patches, those that remove a field (null)


class RegionWriter:
    """What one region writes next: a pure function of its seeded generator and of what it has
    written so far (no I/O; the executor tells it how each write ended)."""

    def __init__(self, region, scenario, rng, creates_lists=False):
        self.region, self.scenario, self.rng = region, scenario, rng
        self.creates_lists = creates_lists
        self.lists_created = set()  # list documents this region's put was sent for (once each)
        self.lock = threading.Lock()
        self.next_ledger = 1
        self.idle_ledger_docs = []  # created, not being written, never ambiguous: may be patched

    def next_write(self, new_write):
        """The next write, made with `new_write(**fields)` (History.new_write)."""
        with self.lock:
            kind = self.rng.choices(list(self.scenario.mix), weights=list(self.scenario.mix.values()))[0]
            collide = self.rng.random() < self.scenario.collide
            if kind == "delete":  # deletes only hit the shared documents: they collide by nature
                return new_write(region=self.region, kind="delete", collection=SHARED,
                                 doc_id=self._shared_doc(), body=None)
            if kind == "list":
                return self._list_write(new_write)
            if kind == "inc":
                counter = "total" if collide else self.region
                return new_write(region=self.region, kind="inc", collection=COUNTERS,
                                 doc_id=f"c{self.rng.randrange(self.scenario.counter_docs)}",
                                 body={counter: self.rng.randint(1, INC_AMOUNT_MAX)})
            if collide:
                return self._shared_write(kind, new_write)
            if kind == "patch" and self.idle_ledger_docs:
                return self._ledger_patch(new_write)
            return self._ledger_put(new_write)

    def finished(self, write):
        """Called when `write` ended (any outcome)."""
        if not write.collection.startswith("ledger-"):
            return
        with self.lock:
            if write.outcome == ACKED or (write.outcome == REJECTED and write.kind == "patch"):
                self.idle_ledger_docs.append(write.doc_id)

    def _ledger_put(self, new_write):
        n, self.next_ledger = self.next_ledger, self.next_ledger + 1
        write = new_write(region=self.region, kind="put", collection=ledger_collection(self.region),
                          doc_id=ledger_id(n), body={}, probe=True)
        write.body.update({"origin": self.region, "n": n, "a": _marker(write)})
        return write

    def _ledger_patch(self, new_write):
        doc_id = self.idle_ledger_docs.pop(self.rng.randrange(len(self.idle_ledger_docs)))
        write = new_write(region=self.region, kind="patch", collection=ledger_collection(self.region),
                          doc_id=doc_id, body={})
        remove = self.rng.random() < REMOVE_SHARE
        write.body[self.rng.choice(LEDGER_FIELDS)] = None if remove else _marker(write)
        return write

    def _shared_write(self, kind, new_write):
        write = new_write(region=self.region, kind=kind, collection=SHARED, doc_id=self._shared_doc(),
                          body={})
        marker = _marker(write)
        if kind == "put":
            for name in self.rng.sample(SHARED_FIELDS, self.rng.randint(1, 3)):
                write.body[name] = marker
            if self.rng.random() < 0.3:
                write.body["tags"] = {self.rng.choice(SHARED_TAGS): marker}
        elif self.rng.random() < 0.3:
            write.body["tags"] = {self.rng.choice(SHARED_TAGS): marker}
        else:
            remove = self.rng.random() < REMOVE_SHARE
            write.body[self.rng.choice(SHARED_FIELDS)] = None if remove else marker
        return write

    def _list_write(self, new_write):
        doc_id = f"l{self.rng.randrange(self.scenario.list_docs)}"
        if self.creates_lists and doc_id not in self.lists_created:
            self.lists_created.add(doc_id)
            return new_write(region=self.region, kind="put", collection=LISTS, doc_id=doc_id, body={"items": []})
        write = new_write(region=self.region, kind="list", collection=LISTS, doc_id=doc_id, body=[])
        at = "/items/-" if self.rng.random() < 0.5 else "/items/0"
        write.body.append({"op": "add", "path": at, "value": _marker(write)})
        return write

    def _shared_doc(self):
        return f"s{self.rng.randrange(self.scenario.shared_docs)}"


def _marker(write):
    """A value no other write ever writes: where it ends up shows which write put it there."""
    return f"{write.region}#{write.op_id}"


def cli_arguments(write):
    if write.kind == "inc":
        (name, amount), = write.body.items()
        return ["inc", write.path, name, str(amount)]
    if write.kind == "delete":
        return ["delete", write.path]
    if write.kind == "list":
        return ["patch", write.path, json.dumps(write.body, separators=(",", ":"))]
    return [write.kind, write.path, json.dumps(write.body, separators=(",", ":"))]


def outcome_of(result):
    if result.exit_code == EXIT_OK:
        return ACKED
    if result.exit_code in (EXIT_USAGE, EXIT_NOT_FOUND):
        return REJECTED  # the CLI's contract: a rejected write changes nothing
    return AMBIGUOUS


class Workload:
    """Runs every region's writes from start() until stop(); `on_probe_started/acked` let the
    visibility tracker follow the probes."""

    def __init__(self, scenario, regions, cli, endpoints, history, clock, is_up, tracker):
        self.scenario, self.regions, self.cli, self.endpoints = scenario, regions, cli, endpoints
        self.history, self.clock, self.is_up, self.tracker = history, clock, is_up, tracker
        self.stop_event = threading.Event()
        self.threads = []
        self.writers = {r: RegionWriter(r, scenario, random.Random(f"{scenario.seed}/{r}"),
                                        creates_lists=r == regions[0])
                        for r in regions}
        self.clients_free = {r: threading.BoundedSemaphore(scenario.client_threads_per_region)
                             for r in regions}
        self.in_flight = dict.fromkeys(regions, 0)
        self.in_flight_changed = threading.Condition()

    def wait_for_write_in_flight(self, region, timeout_s):
        """Returns as soon as `region` has a write in flight, or after `timeout_s`: a kill -9 at
        that moment hits a write mid-request, the case that tests acknowledgement."""
        with self.in_flight_changed:
            return self.in_flight_changed.wait_for(lambda: self.in_flight[region] > 0, timeout_s)

    def start(self, until_s):
        for region in self.regions:
            thread = threading.Thread(target=self._arrivals, args=(region, until_s),
                                      name=f"writes-{region}", daemon=True)
            thread.start()
            self.threads.append(thread)

    def stop(self, timeout_s):
        """Stops new writes and waits (at most `timeout_s`) for those in flight."""
        self.stop_event.set()
        for thread in self.threads:
            thread.join(timeout_s)
        for region, free in self.clients_free.items():
            for _ in range(self.scenario.client_threads_per_region):
                free.acquire(timeout=timeout_s)

    def _arrivals(self, region, until_s):
        rng = random.Random(f"{self.scenario.seed}/arrivals/{region}")
        t = self.clock.now()
        while not self.stop_event.is_set():
            t += rng.expovariate(self.scenario.write_rate_per_region)
            if t >= until_s or not self.clock.sleep_until(t, self.stop_event):
                return
            if not self.is_up(region) or not self.clients_free[region].acquire(blocking=False):
                self.history.note_skipped()
                continue
            write = self.writers[region].next_write(self.history.new_write)
            threading.Thread(target=self._execute, args=(write,), name=f"write-{write.op_id}",
                             daemon=True).start()

    def _execute(self, write):
        self._count_in_flight(write.region, +1)
        try:
            write.started_s = self.clock.now()
            if write.probe:
                self.tracker.probe_started(write)
            result = self.cli.run(self.endpoints[write.region], *cli_arguments(write))
            write.started_s, write.ended_s = result.started_s, result.ended_s
            write.error = result.error
            write.outcome = outcome_of(result)
            self.writers[write.region].finished(write)
        finally:
            self._count_in_flight(write.region, -1)
            self.clients_free[write.region].release()

    def _count_in_flight(self, region, change):
        with self.in_flight_changed:
            self.in_flight[region] += change
            self.in_flight_changed.notify_all()
