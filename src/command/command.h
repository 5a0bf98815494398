// Copyright (c) crdtdb authors.
//
// A Command is one invocation of a verb that needs a replica, independent of where it runs: the
// crdtdb binary executes it against its embedded store, or sends it to a region's client endpoint,
// where the server executes it against its replica with the same code. So output and exit codes
// are the same either way (docs/cli.md). Commands and outcomes travel as small JSON objects.

#ifndef CRDTDB_COMMAND_COMMAND_H_
#define CRDTDB_COMMAND_COMMAND_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "crdtdb/database.h"

namespace crdtdb::command {

struct Command {
  // New verbs go last: a verb travels as its name, but the names are indexed by this order.
  enum class Verb {
    kGet, kPut, kPatch, kDelete, kList, kInc, kStatus, kVerify, kSetAdd, kSetRemove, kFind, kWatch,
    kIndexCreate, kIndexList, kIndexDrop
  };
  Verb verb = Verb::kGet;
  std::string path;
  // put, patch; the element of sadd, srem; find: the query, as Database::find takes it (one page)
  std::string json;
  std::string field;  // inc, sadd, srem; index create: the fields; index drop: the index's name
  int64_t by = 1;     // inc
  bool conflicts = false;  // get
  bool explain = false;    // find: print how the first page was read instead of its documents
  std::optional<size_t> limit;  // list; find: of all its pages (find_pages.h); watch: per page
  std::string start_after;      // list; watch: the cursor to resume after (watch.h)
  // watch: how long a server may hold the request while no change comes (a long poll), at most
  // kWatchMaxWaitMs; 0 answers at once.
  uint32_t wait_ms = 0;
  // list and find on a node of a region of several: only documents of these partitions, out of
  // `partition_count` (docs/sharding.md, "Routing"); empty: every document the node holds.
  std::vector<uint32_t> partitions;
  uint32_t partition_count = 0;
  // A verb on one document runs only if the document exists and its version (DocumentVersion) is
  // this one, or "*" for any; otherwise it fails with kExitPreconditionFailed and changes nothing.
  // Checked and applied in one step of the node's event loop, so nothing comes in between (HTTP
  // If-Match, docs/http.md). Empty: unconditional.
  std::string if_match;
  bool with_version = false;  // get, put, patch: the outcome carries the document's version
  // patch with a JSON Patch: the base version its indexes are resolved against (crdtdb/lists.h);
  // get: with_base prints {"doc": ..., "base": VERSION} instead of the document.
  std::string base;
  bool with_base = false;
  // status over HTTP (`?scope=region`): the region's view of all its nodes (region_status.h)
  // rather than the node's own. The node's HTTP sender resolves it; it never travels to a node.
  bool whole_region = false;
};

// An owner a node redirects a request to: its client endpoint, and its CURVE public key when the
// cluster uses CURVE (the node that names it was authenticated, so a client may trust the key).
struct Redirect {
  std::string endpoint;
  std::string public_key;  // empty without CURVE
  friend bool operator==(const Redirect&, const Redirect&) = default;
};

// What running a command printed: stdout text, the one-line error and the exit code.
struct Outcome {
  int exit_code = 0;
  std::string out;
  std::string error;
  // A node asked about a document of a partition it does not own answers with the owners, most
  // preferred first, for the caller to ask instead.
  std::vector<Redirect> redirect;
  std::string version;  // with_version: the document's version after the command
};

// Prints the `status` object of the replica the command runs on.
using StatusPrinter = std::function<Status(std::ostream&)>;

// The version of the document at a path (an opaque string that changes with every change of its
// state), nullopt when it does not exist. Only servers answer versions (server::DocumentVersion);
// without a reader, a command with if_match or with_version fails with kExitUsage.
using VersionReader = std::function<Result<std::optional<std::string>>(std::string_view path)>;

Outcome Execute(const Command& command, Database& db, const StatusPrinter& print_status,
                const VersionReader& version_of = {});

// Bounds of the client protocol: a request carries at most one JSON body.
constexpr size_t kMaxCommandBytes = kMaxJsonBytes + 64 * 1024;

std::string EncodeCommand(const Command& command);
Result<Command> DecodeCommand(std::string_view bytes);
// The verb as the CLI and the wire name it ("get", "sadd", ...).
std::string_view VerbName(Command::Verb verb);
std::string EncodeOutcome(const Outcome& outcome);
Result<Outcome> DecodeOutcome(std::string_view bytes);

}  // namespace crdtdb::command

#endif  // CRDTDB_COMMAND_COMMAND_H_
