// Copyright (c) crdtdb authors.
//
// The region daemon behind `crdtdb serve`: one replica of one region of a cluster, on ZeroMQ.
//
//   publish  PUB, bound: this replica's delta stream (deltas and heartbeats);
//   sync     ROUTER, bound: requests of peers (gap repair, anti-entropy) and offline-first clients;
//   client   ROUTER, bound: CLI and API requests (cli/command.h);
//   in-process ROUTER, bound at an inproc:// endpoint: the requests of this node's own HTTP workers,
//            which reach it without TCP (region_server_impl.h, InProcessClient);
//   per peer one SUB connected to its publish endpoint (so a message's origin is known from the
//   socket it arrives on) and one DEALER connected to its sync endpoint (this replica's requests).
//
// A single thread runs the event loop: it polls the sockets, feeds what arrives to the replica
// core (db::Replica), ticks it every kTickMs and sends what it emits. Frames are bounded in size
// (ZMQ_MAXMSGSIZE) and count; anything malformed is dropped and counted in rejected_messages.
// Logs go to stderr, one line per event.

#ifndef CRDTDB_SERVER_REGION_SERVER_H_
#define CRDTDB_SERVER_REGION_SERVER_H_

#include <atomic>
#include <functional>
#include <string>

#include "config/cluster_config.h"
#include "crdtdb/result.h"
#include "crdtdb/status.h"

namespace crdtdb::server {

constexpr int kTickMs = 10;

// Reloading the configuration while serving (SIGHUP): a signal handler sets `requested`, and
// `load` reads the configuration file again. A reload applies the placement (nodes added, leaving
// or removed, replication factors: the node serves the partitions it gains at once and hands off
// those it loses, docs/sharding.md, "Moves") and the CURVE allow-list: a key no longer listed
// loses its connections (the server sockets are bound anew, everyone reconnects, and the ZAP
// handler refuses that key), and the HTTP API's tokens (server/node_http.h, ReloadHttpTokens).
// A configuration that changes the cluster's name, the partition count,
// security.curve, or this node's own store, endpoints or key is refused whole (logged; the one in
// force stays): those need a restart.
struct ReloadHook {
  std::atomic<bool>* requested = nullptr;
  std::function<Result<ClusterConfig>()> load;
};

// Runs the node `node` of the region `region` of `config` (an empty `node`: the region's only
// node) until `stop` becomes true (a signal handler sets it), then finishes the current batch and
// closes the store. The node keeps the partitions the placement gives it (cluster/placement.h)
// and replicates with every node, in any region, that owns one of them. Returns an error if it
// cannot start (an unknown region or node, the store will not open, an endpoint cannot be bound)
// or cannot bind its endpoints again after a reload.
Status Serve(const ClusterConfig& config, const std::string& region, const std::string& node,
             const std::atomic<bool>& stop, ReloadHook reload = {});

}  // namespace crdtdb::server

#endif  // CRDTDB_SERVER_REGION_SERVER_H_
