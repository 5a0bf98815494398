// Copyright (c) crdtdb authors.
//
// The crdtdb binary: parses the command line with CLI11, reads [JSON] arguments from stdin, opens
// the embedded store and runs one verb (verbs.h). Its contract (verbs, output, exit codes) is
// docs/cli.md. CLI11's exceptions end here: they become exit code 2 and one line on stderr.

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/arguments.h"
#include "cli/index_commands.h"
#include "cli/find_query.h"
#include "cli/watch.h"
#include "cli/input.h"
#include "cli/live_sync.h"
#include "cli/repair.h"
#include "cli/targets.h"
#include "command/command.h"
#include "command/region_diff.h"
#include "command/region_router.h"
#include "command/region_sync.h"
#include "command/region_status.h"
#include "command/exit_codes.h"
#include "command/find_pages.h"
#include "command/verbs.h"
#include "config/cluster_config.h"
#include "config/value_syntax.h"
#include "crdtdb/database.h"
#include "crdtdb/diff.h"
#include "db/database_impl.h"
#include "db/diff_walk.h"
#include "db/read_only_responder.h"
#include "http/token_hash.h"
#include "net/client_call.h"
#include "net/curve_keys.h"
#include "server/region_server.h"

namespace crdtdb::cli {
namespace {

// The verbs, their exit codes and the client protocol (src/command), shared with the server.
using namespace crdtdb::command;  // NOLINT(google-build-using-namespace)

int Fail(int code, std::string message) {
  std::replace(message.begin(), message.end(), '\n', ' ');  // one line, whatever the source
  std::fprintf(stderr, "crdtdb: %s\n", message.c_str());
  return code;
}

int Fail(const Status& status) {
  return Fail(ExitCodeFor(status), status.message().empty() ? status.ToString() : status.message());
}

// CLI11 reports one problem per exception; this names the verb or the unknown word it is about.
int FailParse(const Parser& p, const CLI::ParseError& e) {
  const std::vector<std::string> top_extras = p.app.remaining();
  if (!top_extras.empty()) {
    const std::string& word = top_extras.front();
    if (!word.empty() && word.front() == '-') {
      return Fail(kExitUsage, "unknown option \"" + word +
                                  "\"; global options come before the verb "
                                  "(run 'crdtdb --help')");
    }
    return Fail(kExitUsage,
                "unknown verb \"" + word + "\"; run 'crdtdb --help' for the list of verbs");
  }
  const std::vector<CLI::App*> verbs = p.app.get_subcommands();
  if (verbs.empty()) return Fail(kExitUsage, std::string(e.what()) + " (run 'crdtdb --help')");
  const std::string name = verbs.front()->get_name();
  for (const std::string& word : verbs.front()->remaining()) {
    for (const char* global : {"--data-dir", "--config", "--region", "--endpoint", "--client-key", "--server-key"}) {
      if (word.rfind(global, 0) == 0) {
        return Fail(kExitUsage, std::string(global) +
                                    " is a global option: put it before the verb (" + "crdtdb " +
                                    global + " ... " + name + " ...)");
      }
    }
  }
  return Fail(kExitUsage, name + ": " + e.what() + " (run 'crdtdb " + name + " --help')");
}

// Reads and checks every argument that does not need the database.
struct Prepared {
  std::string json;
  int64_t by = 1;
  std::optional<size_t> limit;
};

Status Prepare(const Parser& p, const Arguments& a, Prepared* out) {
  if (IndexVerbOf(p)) return PrepareIndex(p, a);
  // A bad path is refused before the store is opened, so it creates nothing.
  if (p.app.got_subcommand(p.list) || p.app.got_subcommand(p.find)) {
    if (Status s = validate_collection(a.path); !s.ok()) return s;
  } else if (p.app.got_subcommand(p.watch)) {
    if (Status s = CheckWatch(a.path, a.since); !s.ok()) return s;
  } else if (!p.app.got_subcommand(p.status) && !p.app.got_subcommand(p.verify)) {
    if (Status s = validate_key(a.path); !s.ok()) return s;
  }
  const bool set_verb = p.app.got_subcommand(p.sadd) || p.app.got_subcommand(p.srem);
  if (p.app.got_subcommand(p.put) || p.app.got_subcommand(p.patch) || set_verb) {
    // The element of sadd/srem is required; "-" still reads it from standard input.
    const bool given = p.put_json->count() > 0 || p.patch_json->count() > 0 || set_verb;
    Result<std::string> json =
        ResolveJsonArgument(given ? std::optional(a.json) : std::nullopt, stdin);
    if (!json.ok()) return json.status();
    out->json = std::move(json).value();
  }
  if (p.app.got_subcommand(p.inc)) {
    Result<int64_t> by = ParseIncrement(a.by);
    if (!by.ok()) return by.status();
    out->by = *by;
  }
  if ((p.app.got_subcommand(p.list) && p.limit->count() > 0) ||
      (p.app.got_subcommand(p.find) && p.find_limit->count() > 0)) {
    Result<size_t> limit = ParseLimit(a.limit);
    if (!limit.ok()) return limit.status();
    out->limit = *limit;
  }
  if (p.app.got_subcommand(p.find)) {
    Result<std::string> selector =
        ResolveJsonArgument(p.find_selector->count() > 0 ? std::optional(a.json) : std::nullopt, stdin);
    if (!selector.ok()) return selector.status();
    Result<std::string> query = BuildFindQuery(*selector, a.sort, a.fields, a.bookmark);
    if (!query.ok()) return query.status();
    out->json = std::move(query).value();
  }
  return Status::OK();
}

Command BuildCommand(const Parser& p, const Arguments& a, const Prepared& in) {
  const CLI::App& app = p.app;
  Command c;
  c.path = a.path;
  if (app.got_subcommand(p.get)) c.verb = Command::Verb::kGet;
  if (app.got_subcommand(p.put)) c.verb = Command::Verb::kPut;
  if (app.got_subcommand(p.patch)) c.verb = Command::Verb::kPatch;
  if (app.got_subcommand(p.del)) c.verb = Command::Verb::kDelete;
  if (app.got_subcommand(p.list)) c.verb = Command::Verb::kList;
  if (app.got_subcommand(p.find)) c.verb = Command::Verb::kFind;
  if (app.got_subcommand(p.inc)) c.verb = Command::Verb::kInc;
  if (app.got_subcommand(p.sadd)) c.verb = Command::Verb::kSetAdd;
  if (app.got_subcommand(p.srem)) c.verb = Command::Verb::kSetRemove;
  if (app.got_subcommand(p.status)) c.verb = Command::Verb::kStatus;
  if (app.got_subcommand(p.verify)) c.verb = Command::Verb::kVerify;
  if (app.got_subcommand(p.watch)) c.verb = Command::Verb::kWatch;
  if (std::optional<Command::Verb> index = IndexVerbOf(p)) c.verb = *index;
  c.explain = a.explain;
  c.json = in.json;
  c.field = a.field;
  c.by = in.by;
  c.conflicts = a.conflicts;
  c.with_base = a.with_base;
  c.base = a.base;
  c.limit = in.limit;
  c.start_after = c.verb == Command::Verb::kWatch ? a.since : a.start_after;
  return c;
}

// `committed`: the command was a write that succeeded, so a failure to print its result must not
// read as a failed write (a script that retried it would apply an increment twice).
int Report(const Outcome& outcome, bool committed = false) {
  // After a committed write, a reader that went away must show as a write error that says so,
  // not as a death by SIGPIPE. (A read may die so, as `crdtdb list ... | head` expects.)
  if (committed) std::signal(SIGPIPE, SIG_IGN);
  std::cout << outcome.out;
  if (outcome.exit_code != kExitOk) {
    std::cout.flush();  // a partial listing or a verify report still reaches stdout
    return Fail(outcome.exit_code, outcome.error);
  }
  // A full disk or closed pipe must not look like success to a script.
  if (!std::cout.flush()) {
    return Fail(kExitFailure,
                committed ? "the write was committed, but its result cannot be written to standard "
                            "output; do not retry it"
                          : "cannot write to standard output");
  }
  return kExitOk;
}

bool IsWrite(Command::Verb verb) {
  return verb == Command::Verb::kPut || verb == Command::Verb::kPatch ||
         verb == Command::Verb::kDelete || verb == Command::Verb::kInc ||
         verb == Command::Verb::kSetAdd || verb == Command::Verb::kSetRemove ||
         verb == Command::Verb::kIndexCreate || verb == Command::Verb::kIndexDrop;
}

int Keygen() {
  Result<net::CurveKeyPair> pair = net::GenerateCurveKeyPair();
  if (!pair.ok()) return Fail(kExitFailure, pair.status().message());
  nlohmann::ordered_json j;
  j["public"] = pair->public_key;
  j["secret"] = pair->secret_key;
  return Report(Outcome{kExitOk, j.dump() + "\n", "", {}, {}});
}

// A new bearer token and its digest, or with --hash the digest of a token from stdin (not an
// argument, which other users of the host could read from the process list).
int HttpToken(bool hash_stdin) {
  nlohmann::ordered_json j;
  if (hash_stdin) {
    std::string token;
    std::getline(std::cin, token);
    if (!token.empty() && token.back() == '\r') token.pop_back();
    if (token.empty()) return Fail(kExitUsage, "http-token --hash: no token on stdin");
    j["sha256"] = http::TokenDigest(token);
  } else {
    Result<std::string> token = http::NewToken();
    if (!token.ok()) return Fail(kExitFailure, token.status().message());
    j["token"] = *token;
    j["sha256"] = http::TokenDigest(*token);
  }
  return Report(Outcome{kExitOk, j.dump() + "\n", "", {}, {}});
}

std::atomic<bool> g_stop{false};
std::atomic<bool> g_reload{false};
extern "C" void OnStopSignal(int) { g_stop.store(true); }
extern "C" void OnReloadSignal(int) { g_reload.store(true); }

int Serve(const Parser& p, const Arguments& a) {
  // The region's own store and endpoints are in its configuration; other targets would be ignored.
  if (p.data_dir->count() > 0 || !a.endpoint.empty()) {
    return Fail(kExitUsage,
                "serve takes its data_dir and endpoints from --config/--region: "
                "--data-dir and --endpoint do not apply");
  }
  Result<std::pair<ClusterConfig, RegionConfig>> target = ResolveRegion(a);
  if (!target.ok()) return Fail(target.status());
  std::signal(SIGINT, OnStopSignal);
  std::signal(SIGTERM, OnStopSignal);
  std::signal(SIGPIPE, SIG_IGN);
  std::signal(SIGHUP, OnReloadSignal);
  server::ReloadHook reload{&g_reload, [path = a.config] { return LoadClusterConfig(path); }};
  if (Status s = server::Serve(target->first, a.region, a.node, g_stop, std::move(reload)); !s.ok()) {
    return Fail(s.IsInvalidArgument() ? kExitUsage : kExitFailure, s.ToString());
  }
  return kExitOk;
}

// Prints a sync's summary (docs/cli.md, "sync").
int ReportSync(const std::string& target_key, const std::string& target, const SyncReport& report) {
  nlohmann::ordered_json j;
  j[target_key] = target;
  j["documents_sent"] = report.documents_sent;
  j["documents_received"] = report.documents_received;
  j["bytes_sent"] = report.bytes_sent;
  j["bytes_received"] = report.bytes_received;
  j["rounds"] = report.rounds;
  j["duration_ms"] = report.duration_ms;
  j["in_sync"] = report.in_sync;
  return Report(Outcome{kExitOk, j.dump() + "\n", "", {}, {}});
}

// A region of several nodes: each partition synced with one of its owners (command/region_sync.h).
int SyncWithRegionOfNodes(const Arguments& a, const ClusterConfig& config, const RegionConfig& region) {
  Options options;
  options.path = a.data_dir;
  Result<std::unique_ptr<db::DatabaseImpl>> db = db::OpenDatabaseImpl(options);
  if (!db.ok()) return Fail(db.status());
  const cluster::Placement placement = cluster::Placement::Compute(config);
  Result<SyncReport> report = command::SyncWithNodes(
      **db, placement, region, [&](const NodeConfig& node) { return ClientKeys(a, &config, &node); },
      net::kDefaultCallTimeoutMs);
  if (!report.ok()) return Fail(kExitFailure, "sync with " + region.name + " failed: " + report.status().message());
  return ReportSync("region", region.name, *report);
}

int Sync(const Parser& p, const Arguments& a) {
  if (a.live || !a.publish.empty()) {
    if (!a.live) return Fail(kExitUsage, "--publish goes with sync --live");
    if (p.data_dir->count() == 0) {
      return Fail(kExitUsage, "sync needs --data-dir DIR, the local store to sync (crdtdb --data-dir DIR sync ...)");
    }
    std::signal(SIGINT, OnStopSignal);
    std::signal(SIGTERM, OnStopSignal);
    if (Status s = RunLiveSync(a, g_stop, std::cout); !s.ok()) {
      return Fail(s.IsInvalidArgument() ? kExitUsage : kExitFailure, "sync --live: " + s.ToString());
    }
    return kExitOk;
  }
  if (a.endpoint.empty() && !a.config.empty() && !a.region.empty()) {
    Result<std::pair<ClusterConfig, RegionConfig>> region = ResolveRegion(a);
    if (!region.ok()) return Fail(region.status());
    if (region->second.nodes.size() > 1) {
      if (p.data_dir->count() == 0) {
        return Fail(kExitUsage,
                    "sync needs --data-dir DIR, the local store to sync (crdtdb --data-dir DIR sync ...)");
      }
      return SyncWithRegionOfNodes(a, region->first, region->second);
    }
  }
  // Everything is checked before the store is opened, so a mistake creates no store.
  Result<SyncTarget> target = ResolveSyncTarget(a);
  if (!target.ok()) return Fail(target.status());
  // A sync copies a region's documents into a local store: into the default ./crdtdb-data only
  // if the user says so, never by surprise.
  if (p.data_dir->count() == 0) {
    return Fail(
        kExitUsage,
        "sync needs --data-dir DIR, the local store to sync (crdtdb --data-dir DIR sync ...)");
  }
  Options options;
  options.path = a.data_dir;
  Result<std::unique_ptr<Database>> db = Database::open(options);
  if (!db.ok()) return Fail(db.status());
  net::ClientConnection connection(target->endpoint, net::kDefaultCallTimeoutMs, target->curve);
  Result<SyncReport> report = (*db)->sync_with(connection);
  if (!report.ok()) {
    return Fail(kExitFailure,
                "sync with " + target->name + " failed: " + report.status().message());
  }
  return ReportSync(a.endpoint.empty() ? "region" : "endpoint", target->name, *report);
}

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

int Run(int argc, char** argv) {
  Parser p;
  Arguments a;
  Define(p, a);
  try {
    p.app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version arrive as exceptions with exit code 0; CLI11 prints those itself.
    if (e.get_exit_code() == 0) return p.app.exit(e);
    return FailParse(p, e);
  }
  if (p.app.get_subcommands().empty()) {
    return Fail(kExitUsage, "no verb given; run 'crdtdb --help' for the list of verbs");
  }
  if (a.data_dir.empty()) return Fail(kExitUsage, "--data-dir needs a directory name");
  if (p.app.got_subcommand(p.keygen)) return Keygen();
  if (p.app.got_subcommand(p.http_token)) return HttpToken(a.hash_token);
  if (p.app.got_subcommand(p.serve)) return Serve(p, a);
  if (p.app.got_subcommand(p.sync)) return Sync(p, a);
  if (p.app.got_subcommand(p.diff)) return Diff(p, a);
  if (p.app.got_subcommand(p.repair)) {
    if (p.config->count() > 0 || p.region->count() > 0 || p.endpoint->count() > 0) {
      return Fail(kExitUsage, "repair works on an embedded store: give --data-dir, not a region");
    }
    return Report(Repair(a.data_dir, a.into));
  }
  Prepared prepared;
  if (Status s = Prepare(p, a, &prepared); !s.ok()) return Fail(s);
  const Command command = BuildCommand(p, a, prepared);
  const bool remote = p.config->count() > 0 || p.region->count() > 0 || p.endpoint->count() > 0;
  if (remote) return RunRemote(p, a, command);

  Options options;
  options.path = a.data_dir;
  // Reading verbs never change a store, nor create one.
  options.read_only = !IsWrite(command.verb);
  Result<std::unique_ptr<Database>> db = Database::open(options);
  if (!db.ok()) {
    if (command.verb == Command::Verb::kVerify) return Report(VerifyUnopenable(db.status()));
    return Fail(db.status());
  }
  const StatusPrinter print_status = [&](std::ostream& out) { return PrintStatus(**db, a.data_dir, out); };
  const auto run = [&](const Command& page) { return Execute(page, **db, print_status); };
  if (command.verb == Command::Verb::kFind) return Report(FindAll(command, run));
  if (command.verb == Command::Verb::kWatch) return WatchEmbedded(command, run);
  if (command.verb == Command::Verb::kIndexCreate) {
    return Report(AwaitIndexBuilt(**db, command, run(command)), true);
  }
  return Report(Execute(command, **db, print_status), IsWrite(command.verb));
}

}  // namespace
}  // namespace crdtdb::cli

int main(int argc, char** argv) { return crdtdb::cli::Run(argc, argv); }
