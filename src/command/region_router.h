// Copyright (c) crdtdb authors.
//
// RegionRouter runs commands against a region of several nodes as if it were one replica
// (docs/sharding.md, "Routing"): the remote CLI's --config/--region. Every node and client
// computes the same placement from the configuration (cluster/placement.h), so the router sends
// each request straight to an owner of the data:
//   - a verb on one document goes to the owners of its partition in preference order, moving on
//     to the next when one cannot be reached; an increment moves on only when the first owner
//     cannot have seen it (net::ClientConnection::sent), since running it twice would count twice;
//     a node that answers with a redirect (its placement differs) is followed once;
//   - index create and drop run on every node, so that each keeps the definition whatever
//     partitions it owns; index list asks the first node that answers (region_router_indexes.cc);
//   - list and find gather each partition from one owner that answers, merge (list in id order,
//     find in its query's order: find_merge.h), and name the partitions no owner answered for (an
//     error, exit 1, unless allow_partial).
// Status, verify and the other verbs are not routed here (region_status.h).

#ifndef CRDTDB_COMMAND_REGION_ROUTER_H_
#define CRDTDB_COMMAND_REGION_ROUTER_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cluster/placement.h"
#include "command/command.h"
#include "command/connection_pool.h"
#include "config/cluster_config.h"
#include "crdtdb/result.h"
#include "net/curve_keys.h"

namespace zmq {
class context_t;
}  // namespace zmq

namespace crdtdb::command {

// The node a router runs in, reached in process: calls to the node whose client endpoint is
// `client` go to `endpoint` (an `inproc://` endpoint its event loop binds in `context`, which
// must outlive the router) instead, without TCP and without CURVE (server/region_server_impl.h).
struct InProcessNode {
  std::string client;
  std::string endpoint;
  zmq::context_t* context = nullptr;
};

struct RouterOptions {
  int timeout_ms = 5000;  // per call
  // How long a call waits for a node's connection: a node that is down costs this much, not
  // timeout_ms, before its partitions go to their next owner.
  int connect_timeout_ms = 1000;
  // The CURVE keys to call a node with (nullopt: plain TCP), or why there are none.
  std::function<Result<std::optional<net::CurveClientKeys>>(const NodeConfig&)> keys;
  bool allow_partial = false;  // a listing that lacks partitions still exits 0
  // Keeps up to this many idle connections per node for later calls (connection_pool.h), for a
  // router that serves many requests (a node's HTTP workers); 0: a connection per call.
  size_t pooled_connections = 0;
  // A node's HTTP workers reach their own node in process (node_http.h); nullopt: every node by
  // its client endpoint.
  std::optional<InProcessNode> in_process;
};

class RegionRouter {
 public:
  // `config` and `region` (one of config's) must outlive the router.
  RegionRouter(const ClusterConfig& config, const RegionConfig& region, RouterOptions options);

  // Runs a verb on one document, list, or one page of a find.
  Outcome Execute(const Command& command);

  // Sends `command` to `node`. *sent tells whether the node may have received it when there is
  // no answer.
  Result<Outcome> Call(const NodeConfig& node, const Command& command, bool* sent) const;
  const cluster::Placement& placement() const { return placement_; }

 private:
  Outcome ExecuteKeyed(const Command& command);
  Outcome ExecuteOnEveryNode(const Command& command);
  // What the owners of every partition answered to `command`, one owner per partition.
  struct Gathered {
    std::vector<std::string> outputs;  // each node's stdout
    std::vector<std::string> nodes;    // the node that gave each output
    std::optional<Outcome> failed;     // a node's failure, which every node would give
    std::string missing;               // the partitions no owner answered for, if any
  };
  Gathered GatherPartitions(const Command& command) const;
  // `merged`, failed unless allow_partial if partitions are missing.
  Outcome Finish(Outcome merged, const Gathered& gathered) const;
  Outcome ExecuteList(const Command& command);
  Outcome ExecuteFind(const Command& command);
  // find --explain: each node explains the first page of its own partitions, with its own plan.
  Outcome ExplainFind(const Command& command);
  const NodeConfig* NodeByClientEndpoint(const std::string& endpoint) const;

  const ClusterConfig& config_;
  const RegionConfig& region_;
  const RouterOptions options_;
  const cluster::Placement placement_;
  std::unique_ptr<ConnectionPool> pool_;  // with pooled_connections
};

}  // namespace crdtdb::command

#endif  // CRDTDB_COMMAND_REGION_ROUTER_H_
