// Copyright (c) crdtdb authors.
//
// The CLI's `diff` (diff_verb.h).

#include "cli/diff_verb.h"

#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "cli/input.h"
#include "cli/targets.h"
#include "cli/verb_result.h"
#include "cluster/placement.h"
#include "command/exit_codes.h"
#include "command/region_diff.h"
#include "crdtdb/diff.h"
#include "db/database_impl.h"
#include "db/diff_walk.h"
#include "db/read_only_responder.h"
#include "net/client_call.h"

namespace crdtdb::cli {
namespace {

using command::kExitFailure;
using command::kExitOk;
using command::kExitUsage;
using command::Outcome;

// How one side holds a differing document: {"digest": ..., "deleted": ...}, or null.
nlohmann::json HeldJson(const std::optional<HeldDocument>& held) {
  if (!held) return nullptr;
  return nlohmann::json{{"digest", held->digest}, {"deleted", held->deleted}};
}

// The report of a diff (docs/cli.md, "diff"): each side named as it was given, with its root (null
// when partitions are missing). With a region of several nodes, also the missing partitions.
nlohmann::json DiffReportJson(const DiffReport& report, nlohmann::json a, nlohmann::json b,
                              bool nodes) {
  const bool partial = !report.missing_partitions.empty();
  a["root"] = partial ? nlohmann::json() : nlohmann::json(report.root_a);
  b["root"] = partial ? nlohmann::json() : nlohmann::json(report.root_b);
  nlohmann::json differences = nlohmann::json::array();
  for (const DocumentDifference& d : report.differences) {
    const char* in = !d.b ? "a" : !d.a ? "b" : "both";
    differences.push_back(
        {{"path", "/" + d.key}, {"in", in}, {"a", HeldJson(d.a)}, {"b", HeldJson(d.b)}});
  }
  nlohmann::json out{{"a", std::move(a)},
                     {"b", std::move(b)},
                     {"equal", report.equal()},
                     {"differences", std::move(differences)},
                     {"truncated", report.truncated}};
  if (nodes) out["missing_partitions"] = report.missing_partitions;
  return out;
}

// Side B is the embedded store --data-dir, opened read-only: a diff never creates or changes it.
Result<std::unique_ptr<db::DatabaseImpl>> OpenForDiff(const Arguments& a) {
  Options store_options;
  store_options.path = a.data_dir;
  store_options.read_only = true;
  return db::OpenDatabaseImpl(store_options);
}

// How long a diff waits for a node's connection before asking the next owner (as the router).
constexpr int kNodeConnectTimeoutMs = 1000;

// A side of a diff for command::DiffWithNodes; `connection` keeps the whole replica's socket.
command::DiffSide MakeDiffSide(const Arguments& a, const DiffTarget& target,
                               std::unique_ptr<net::ClientConnection>* connection) {
  command::DiffSide side;
  if (target.nodes) {
    side.region = &target.nodes->second;
    const ClusterConfig* config = &target.nodes->first;
    side.connect = [&a, config](const NodeConfig& node) -> Result<std::unique_ptr<SyncTransport>> {
      Result<std::optional<net::CurveClientKeys>> keys = ClientKeys(a, config, &node);
      if (!keys.ok()) return keys.status();
      return std::unique_ptr<SyncTransport>(std::make_unique<net::ClientConnection>(
          node.sync, net::kDefaultCallTimeoutMs, std::move(keys).value(), kNodeConnectTimeoutMs));
    };
    return side;
  }
  *connection = std::make_unique<net::ClientConnection>(target.whole.endpoint,
                                                        net::kDefaultCallTimeoutMs, target.whole.curve);
  side.whole = connection->get();
  return side;
}

// Either side is a region of several nodes: compared partition by partition
// (command/region_diff.h).
Result<DiffReport> DiffWithRegionOfNodes(const Arguments& a, const DiffTarget& first,
                                         const std::optional<DiffTarget>& second,
                                         const DiffOptions& options, std::string* why_missing) {
  const ClusterConfig& config = first.nodes ? first.nodes->first : second->nodes->first;
  const cluster::Placement placement = cluster::Placement::Compute(config);
  std::unique_ptr<net::ClientConnection> connection_a, connection_b;
  const command::DiffSide side_a = MakeDiffSide(a, first, &connection_a);
  if (second) {
    const command::DiffSide side_b = MakeDiffSide(a, *second, &connection_b);
    return command::DiffWithNodes(placement, side_a, side_b, db::NewDiffSender(), options,
                                  why_missing);
  }
  Result<std::unique_ptr<db::DatabaseImpl>> db = OpenForDiff(a);
  if (!db.ok()) return db.status();
  db::ReadOnlyResponder local(**db);
  command::DiffSide side_b;
  side_b.whole = &local;
  return command::DiffWithNodes(placement, side_a, side_b, (*db)->replica_id(), options,
                                why_missing);
}

}  // namespace

int Diff(const Parser& p, const Arguments& a) {
  // Everything is checked before a store is opened or a region is asked anything.
  Result<DiffTarget> first = ResolveDiffTarget(a);
  if (!first.ok()) return Fail(first.status());
  const bool local = p.data_dir->count() > 0;
  if (local == !a.against.empty()) {
    return Fail(kExitUsage,
                local ? "diff compares two replicas: give --against or --data-dir, not both"
                      : "diff needs a second replica: --against REGION|tcp://HOST:PORT, or "
                        "--data-dir DIR (crdtdb --data-dir DIR diff ...)");
  }
  std::optional<DiffTarget> second;
  if (!local) {
    Result<DiffTarget> against = ResolveDiffAgainst(a);
    if (!against.ok()) return Fail(against.status());
    second = std::move(against).value();
  }
  DiffOptions options;
  if (!a.limit.empty()) {
    Result<size_t> limit = ParseLimit(a.limit);
    if (!limit.ok()) return Fail(limit.status());
    options.limit = *limit;
  }
  const bool nodes = first->nodes || (second && second->nodes);
  std::string why_missing;
  Result<DiffReport> report = [&]() -> Result<DiffReport> {
    if (nodes) return DiffWithRegionOfNodes(a, *first, second, options, &why_missing);
    net::ClientConnection connection_a(first->whole.endpoint, net::kDefaultCallTimeoutMs,
                                       first->whole.curve);
    if (local) {
      Result<std::unique_ptr<db::DatabaseImpl>> db = OpenForDiff(a);
      if (!db.ok()) return db.status();
      return (*db)->diff_with(connection_a, options);
    }
    net::ClientConnection connection_b(second->whole.endpoint, net::kDefaultCallTimeoutMs,
                                       second->whole.curve);
    return diff(connection_a, connection_b, options);
  }();
  if (!report.ok()) return Fail(kExitFailure, "diff failed: " + report.status().message());
  nlohmann::json side_a{{a.endpoint.empty() ? "region" : "endpoint", first->whole.name}};
  nlohmann::json side_b =
      local ? nlohmann::json{{"data_dir", a.data_dir}}
            : nlohmann::json{
                  {a.against.rfind("tcp://", 0) == 0 ? "endpoint" : "region", second->whole.name}};
  Outcome outcome{kExitOk,
                  DiffReportJson(*report, std::move(side_a), std::move(side_b), nodes).dump() + "\n",
                  "",
                  {}, {}};
  if (!report->missing_partitions.empty()) {
    std::string ids;
    for (uint32_t id : report->missing_partitions) ids += (ids.empty() ? "" : ", ") + std::to_string(id);
    outcome.error = "the diff lacks partitions " + ids + ": no owner answered (the last error: " +
                    why_missing + ")";
    if (!a.allow_partial) outcome.exit_code = kExitFailure;
  }
  if (outcome.exit_code == kExitOk && !outcome.error.empty()) {
    std::cerr << "crdtdb: " << outcome.error << "\n";  // a partial diff the user allowed
  }
  return Report(outcome);
}

}  // namespace crdtdb::cli
