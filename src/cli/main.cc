// Copyright (c) crdtdb authors.
//
// The crdtdb binary: parses the command line with CLI11, reads [JSON] arguments from stdin, opens
// the embedded store and runs one verb (verbs.h), or sends it to a region (remote.h); sync,
// diff and serve have files of their own. Its contract (verbs, output, exit codes) is
// docs/cli.md. CLI11's exceptions end here: they become exit code 2 and one line on stderr.

#include <atomic>
#include <csignal>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/arguments.h"
#include "cli/diff_verb.h"
#include "cli/find_query.h"
#include "cli/index_commands.h"
#include "cli/input.h"
#include "cli/remote.h"
#include "cli/repair.h"
#include "cli/stop_signals.h"
#include "cli/sync_verb.h"
#include "cli/targets.h"
#include "cli/verb_result.h"
#include "cli/watch.h"
#include "command/command.h"
#include "command/exit_codes.h"
#include "command/find_pages.h"
#include "command/verbs.h"
#include "config/cluster_config.h"
#include "crdtdb/database.h"
#include "http/token_hash.h"
#include "net/curve_keys.h"
#include "server/region_server.h"

namespace crdtdb::cli {
namespace {

// The verbs, their exit codes and the client protocol (src/command), shared with the server.
using namespace crdtdb::command;  // NOLINT(google-build-using-namespace)

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

int Serve(const Parser& p, const Arguments& a) {
  // The region's own store and endpoints are in its configuration; other targets would be ignored.
  if (p.data_dir->count() > 0 || !a.endpoint.empty()) {
    return Fail(kExitUsage,
                "serve takes its data_dir and endpoints from --config/--region: "
                "--data-dir and --endpoint do not apply");
  }
  Result<std::pair<ClusterConfig, RegionConfig>> target = ResolveRegion(a);
  if (!target.ok()) return Fail(target.status());
  std::atomic<bool>& stop = StopOnSignals();
  std::signal(SIGPIPE, SIG_IGN);
  server::ReloadHook reload{&ReloadOnHangup(), [path = a.config] { return LoadClusterConfig(path); }};
  if (Status s = server::Serve(target->first, a.region, a.node, stop, std::move(reload)); !s.ok()) {
    return Fail(s.IsInvalidArgument() ? kExitUsage : kExitFailure, s.ToString());
  }
  return kExitOk;
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
