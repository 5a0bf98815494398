// Copyright (c) crdtdb authors.
//
// Verbs run against a running region (remote.h).

#include "cli/remote.h"

#include <iostream>
#include <optional>
#include <string>
#include <utility>

#include "cli/targets.h"
#include "cli/verb_result.h"
#include "cli/watch.h"
#include "command/exit_codes.h"
#include "command/find_pages.h"
#include "command/region_router.h"
#include "command/region_status.h"
#include "config/cluster_config.h"
#include "config/value_syntax.h"
#include "net/client_call.h"
#include "net/curve_keys.h"

namespace crdtdb::cli {
namespace {

using command::Command;
using command::DecodeOutcome;
using command::EncodeCommand;
using command::kExitFailure;
using command::kExitOk;
using command::kExitUsage;
using command::Outcome;

Result<Outcome> CallEndpoint(const std::string& endpoint,
                             const std::optional<net::CurveClientKeys>& curve, const Command& command) {
  net::ClientConnection connection(endpoint, net::kDefaultCallTimeoutMs, curve);
  Result<std::string> answer = connection.Exchange(EncodeCommand(command));
  if (!answer.ok()) return answer.status();
  return DecodeOutcome(*answer);
}

// A region of several nodes: each request goes to the nodes that own its data
// (command/region_router.h), status to every node (command/region_status.h).
int RunRouted(const Arguments& a, const ClusterConfig& config, const RegionConfig& region,
              const Command& command) {
  command::RouterOptions options;
  options.keys = [&](const NodeConfig& node) { return ClientKeys(a, &config, &node); };
  options.allow_partial = a.allow_partial;
  // A region watch asks each node page after page: one connection kept per node, not a ZeroMQ
  // context, a connect and a handshake per page.
  if (command.verb == Command::Verb::kWatch) options.pooled_connections = 1;
  command::RegionRouter router(config, region, std::move(options));
  if (command.verb == Command::Verb::kStatus) {
    return Report(command::RegionStatus(router, config, region, a.node));
  }
  if (!a.node.empty()) return Fail(kExitUsage, "--node applies to status only");
  if (command.verb == Command::Verb::kWatch) return WatchRegion(router, region, command);
  const Outcome outcome = command.verb == Command::Verb::kFind
                              ? FindAll(command, [&](const Command& page) { return router.Execute(page); })
                              : router.Execute(command);
  if (outcome.exit_code == kExitOk && !outcome.error.empty()) {
    std::cerr << "crdtdb: " << outcome.error << "\n";  // a partial listing the user allowed
  }
  return Report(outcome, IsWrite(command.verb));
}

}  // namespace

// Sends the command to a running replica's client endpoint, which runs it with the same code.
int RunRemote(const Parser& p, const Arguments& a, const Command& command) {
  // One command runs against one replica: a running region or a local store, never a guess.
  if (p.data_dir->count() > 0) {
    return Fail(kExitUsage, std::string(a.endpoint.empty() ? "--config/--region" : "--endpoint") +
                                " replaces --data-dir: give one or the other");
  }
  std::string endpoint = a.endpoint;
  std::optional<net::CurveClientKeys> curve;
  if (!a.node.empty() && (endpoint.empty() ? a.config.empty() : true)) {
    return Fail(kExitUsage, "--node names a node of a --config/--region of several nodes");
  }
  if (endpoint.empty()) {
    Result<std::pair<ClusterConfig, RegionConfig>> target = ResolveRegion(a);
    if (!target.ok()) return Fail(target.status());
    if (target->second.nodes.size() > 1) return RunRouted(a, target->first, target->second, command);
    if (!a.node.empty() && a.node != target->second.nodes[0].name) {
      return Fail(kExitUsage, "no node \"" + a.node + "\" in region " + a.region);
    }
    Result<NodeConfig> node = SoleNode(target->second);
    if (!node.ok()) return Fail(node.status());
    endpoint = node->client;
    Result<std::optional<net::CurveClientKeys>> keys = ClientKeys(a, &target->first, &*node);
    if (!keys.ok()) return Fail(keys.status());
    curve = std::move(keys).value();
  } else if (!a.config.empty() || !a.region.empty()) {
    return Fail(kExitUsage, "--endpoint replaces --config/--region: give one or the other");
  } else {
    if (Status s = CheckEndpoint(endpoint); !s.ok()) return Fail(s);
    Result<std::optional<net::CurveClientKeys>> keys = ClientKeys(a, nullptr, nullptr);
    if (!keys.ok()) return Fail(keys.status());
    curve = std::move(keys).value();
  }
  const auto call = [&](const Command& page) {
    Result<Outcome> answer = CallEndpoint(endpoint, curve, page);
    return answer.ok() ? std::move(answer).value() : Outcome{kExitFailure, "", answer.status().message(), {}, ""};
  };
  if (command.verb == Command::Verb::kFind) return Report(FindAll(command, call));
  if (command.verb == Command::Verb::kWatch) return WatchRemote(command, call);
  Result<Outcome> outcome = CallEndpoint(endpoint, curve, command);
  // A node of a region of several names the owners of a document it does not own: asked once
  // more there, under CURVE with the owner's key as the (authenticated) node gave it.
  if (outcome.ok() && !outcome->redirect.empty()) {
    for (const command::Redirect& owner : outcome->redirect) {
      if (!CanonicalEndpoint(owner.endpoint).ok()) continue;
      std::optional<net::CurveClientKeys> owner_curve;
      if (curve) {
        if (!net::IsZ85Key(owner.public_key)) continue;
        owner_curve = net::CurveClientKeys{owner.public_key, curve->own};
      }
      Result<Outcome> there = CallEndpoint(owner.endpoint, owner_curve, command);
      if (there.ok() && there->redirect.empty()) {
        outcome = std::move(there);
        break;
      }
    }
  }
  if (!outcome.ok()) return Fail(kExitFailure, outcome.status().message());
  return Report(*outcome, IsWrite(command.verb));
}

}  // namespace crdtdb::cli
