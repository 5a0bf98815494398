#!/usr/bin/env python3
"""The WAN emulator: a userspace TCP relay per directed region link and channel.

This kernel has no `tc netem`, so the geography of a simulated cluster is made here, outside the
replicas. Each relay port stands for "region C's connections to region S's publish (or sync)
endpoint". A connection accepted on it is forwarded to S's real endpoint; every byte from C to S is
delivered latency(C -> S) after it was read, every byte from S to C latency(S -> C) after it was
read, in order. With ZeroMQ the bytes of both directions of a link travel on connections opened by
either side (C's SUB receives S's deltas on a connection C opened), which is why each relayed
connection delays each direction by that direction's latency.

Cuts. A directed link (A -> B) is cut or open. While it is cut, bytes going from A to B are
black-holed: read and dropped, nothing is refused or reset, as when a route disappears. The
replicas notice by ZeroMQ heartbeat timeouts, as they would on a real WAN. A connection opened from
A to B while A -> B is cut is accepted and held (its bytes dropped) without reaching B. A TCP
stream cannot skip bytes, so a connection that lost bytes is closed when its link heals; ZeroMQ
reconnects at once. A one-way cut therefore stops the replication in both directions of the pair
once heartbeats time out (ZeroMQ connections need both directions); it is still a different fault
for the first seconds, and for what each side has already queued.

Bandwidth, loss and jitter are not emulated: bytes are delayed, not dropped (TCP would retransmit).

Protocol: started with the path of a JSON plan
  {"relays": [{"client", "server", "channel", "port", "target_port"[, "client_region",
               "server_region"]}...],     (regions of several nodes: client and server are nodes,
                                           latency and cuts are those of their regions' link)
   "latency_ms": [[from, to, ms]...]}
it binds every relay port and prints {"ready": true} (or {"error": ...} and exits 1), then reads one
JSON command per line on standard input and answers one JSON line on standard output:
  {"cut": [[from, to], ...]}  the directions cut from now on (all others open) -> {"ok": true}
  {"stats": true}             -> {"links": [{from, to, channel, delivered_bytes, dropped_bytes,
                                  connections, resets}...]}
It exits when its standard input closes, so it never outlives the simulation that started it.
Standard library only; one thread, asyncio.
"""

import asyncio
import collections
import dataclasses
import json
import sys
import time

CHUNK_BYTES = 64 * 1024
QUEUE_BYTES_MAX = 64 * 1024 * 1024  # per direction of a connection; reading pauses above it
UPSTREAM_CONNECT_TIMEOUT_S = 2.0


@dataclasses.dataclass
class DirectionStats:
    """Per (from, to, channel) of regions (the nodes of a region of several nodes add up).
    Connections and resets count on the connecting region's direction."""
    delivered_bytes: int = 0
    dropped_bytes: int = 0
    connections: int = 0
    resets: int = 0


class Wan:
    """The state shared by every relay: which directions are cut, and the live connections."""

    def __init__(self, latency_ms):
        self.latency_s = {(a, b): ms / 1000.0 for a, b, ms in latency_ms}
        self.cut = set()
        self.connections = set()
        self.stats = collections.defaultdict(DirectionStats)  # (from, to, channel) -> stats

    def is_cut(self, direction):
        return direction in self.cut

    def set_cut(self, directions):
        healed = self.cut - directions
        self.cut = directions
        for connection in list(self.connections):
            if any(d in healed for d in connection.damaged_directions()):
                connection.reset()


class Pipe:
    """One direction of a relayed connection: reads, holds each chunk for the latency, writes."""

    def __init__(self, connection, reader, writer, direction, channel):
        self.connection, self.reader, self.writer = connection, reader, writer
        self.direction, self.channel = direction, channel
        self.queue = collections.deque()  # (due time, bytes or None for end of stream)
        self.queued_bytes = 0
        self.has_data = asyncio.Event()
        self.has_room = asyncio.Event()
        self.has_room.set()
        self.damaged = False

    @property
    def stats(self):
        return self.connection.wan.stats[(*self.direction, self.channel)]

    async def pump(self):
        loop = asyncio.get_running_loop()
        delay_s = self.connection.wan.latency_s.get(self.direction, 0.0)
        while True:
            await self.has_room.wait()
            try:
                data = await self.reader.read(CHUNK_BYTES)
            except OSError:
                data = b""  # a reset ends the stream like a close
            self.queue.append((loop.time() + delay_s, data or None))
            self.queued_bytes += len(data)
            if self.queued_bytes > QUEUE_BYTES_MAX:
                self.has_room.clear()
            self.has_data.set()
            if not data:
                return

    async def deliver(self):
        loop = asyncio.get_running_loop()
        while True:
            while not self.queue:
                self.has_data.clear()
                await self.has_data.wait()
            due, data = self.queue[0]
            await asyncio.sleep(max(0.0, due - loop.time()))
            self.queue.popleft()
            if data is None:  # the end of the stream arrives after the latency too
                self.connection.close(f"{self.direction[0]} closed it")
                return
            self.queued_bytes -= len(data)
            if self.queued_bytes <= QUEUE_BYTES_MAX:
                self.has_room.set()
            try:
                await self.forward(data)
            except OSError as e:
                self.connection.close(f"cannot write to {self.direction[1]}: {e}")
                return

    async def forward(self, data):
        if self.damaged or self.writer is None or self.connection.wan.is_cut(self.direction):
            self.damaged = True  # once a byte is lost, the stream is broken until it is reset
            self.stats.dropped_bytes += len(data)
            return
        self.writer.write(data)
        await self.writer.drain()
        self.stats.delivered_bytes += len(data)


class Connection:
    """A client's connection through a relay, and (unless held) its upstream to the server."""

    numbers = collections.Counter()  # per relay, to name connections in the log

    def __init__(self, wan, relay, client_reader, client_writer):
        self.wan, self.relay = wan, relay
        key = (relay["client"], relay["server"], relay["channel"])
        Connection.numbers[key] += 1
        self.number = Connection.numbers[key]
        self.client_writer, self.server_writer = client_writer, None
        self.tasks = []
        self.pipes = []
        self.client_reader = client_reader

    def damaged_directions(self):
        return [p.direction for p in self.pipes if p.damaged]

    async def run(self):
        client, server, channel = self.relay["client"], self.relay["server"], self.relay["channel"]
        ends = self.ends
        self.wan.stats[(*ends, channel)].connections += 1
        self.wan.connections.add(self)
        server_reader = None
        if self.wan.is_cut(ends):
            log(f"{self.name} accepted and held (the link is cut)")
        else:
            try:
                server_reader, self.server_writer = await asyncio.wait_for(
                    asyncio.open_connection("127.0.0.1", self.relay["target_port"]),
                    UPSTREAM_CONNECT_TIMEOUT_S)
            except (OSError, asyncio.TimeoutError) as e:
                self.close(f"{server} unreachable: {e}")  # the client sees its connection end
                return
            log(f"{self.name} connected")
        up = Pipe(self, self.client_reader, self.server_writer, ends, channel)
        up.damaged = self.server_writer is None  # held: nothing of it ever reaches the server
        self.pipes.append(up)
        if server_reader is not None:
            self.pipes.append(Pipe(self, server_reader, self.client_writer, ends[::-1], channel))
        self.tasks = [asyncio.create_task(job()) for p in self.pipes for job in (p.pump, p.deliver)]
        await asyncio.gather(*self.tasks, return_exceptions=True)
        self.close("ended")

    @property
    def ends(self):
        """The (connecting, serving) regions: what the latency, the cuts and the counters follow."""
        return (self.relay.get("client_region") or self.relay["client"],
                self.relay.get("server_region") or self.relay["server"])

    @property
    def name(self):
        return f'{self.relay["client"]} -> {self.relay["server"]} {self.relay["channel"]} #{self.number}'

    def reset(self):
        self.wan.stats[(*self.ends, self.relay["channel"])].resets += 1
        self.close("reset: its link healed after it lost bytes")

    def close(self, reason):
        if self not in self.wan.connections:
            return
        log(f"{self.name} closed ({reason})")
        self.wan.connections.discard(self)
        for task in self.tasks:
            if task is not asyncio.current_task():
                task.cancel()
        for writer in (self.client_writer, self.server_writer):
            if writer is not None:
                writer.close()


async def serve(plan):
    wan = Wan(plan["latency_ms"])
    servers = []
    for relay in plan["relays"]:
        async def accept(reader, writer, relay=relay):
            try:
                await Connection(wan, relay, reader, writer).run()
            except asyncio.CancelledError:
                pass  # the emulator is stopping; nothing awaits this task
        servers.append(await asyncio.start_server(accept, "127.0.0.1", relay["port"]))
    reply({"ready": True})
    await control_loop(wan)
    for server in servers:
        server.close()


async def control_loop(wan):
    loop = asyncio.get_running_loop()
    stdin = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stdin), sys.stdin)
    while line := await stdin.readline():
        try:
            command = json.loads(line)
            if "cut" in command:
                wan.set_cut({tuple(d) for d in command["cut"]})
                log(f"cut: {sorted(wan.cut) or 'none'}")
                reply({"ok": True})
            elif "stats" in command:
                reply({"links": [dict(zip(("from", "to", "channel"), key), **vars(s))
                                 for key, s in sorted(wan.stats.items())]})
            else:
                reply({"error": f"unknown command {line.strip()}"})
        except (ValueError, KeyError, TypeError) as e:
            reply({"error": f"bad command {line.strip()!r}: {e}"})


def log(message):
    """One line on standard error (the run folder's logs/wan.log), with the wall-clock time."""
    stamp = time.strftime("%H:%M:%S", time.localtime()) + f".{int(time.time() * 1000) % 1000:03d}"
    sys.stderr.write(f"{stamp} {message}\n")
    sys.stderr.flush()


def reply(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: wan_relay.py PLAN.json")
    try:
        with open(sys.argv[1]) as f:
            plan = json.load(f)
        asyncio.run(serve(plan))
    except OSError as e:
        reply({"error": f"wan relay: {e}"})
        sys.exit(1)


if __name__ == "__main__":
    main()
