// Copyright (c) crdtdb authors.

#include "command/command.h"

#include <array>
#include <sstream>

#include <nlohmann/json.hpp>

#include "command/exit_codes.h"
#include "command/json_text.h"
#include "config/cluster_config.h"
#include "command/index_verbs.h"
#include "command/verbs.h"
#include "command/watch.h"
#include "cluster/partition_set.h"
#include "cluster/partitioning.h"

namespace crdtdb::command {

namespace {

using Json = nlohmann::json;

constexpr std::array<std::string_view, 15> kVerbNames = {
    "get", "put", "patch", "delete", "list", "inc", "status", "verify", "sadd", "srem", "find", "watch",
    "index create", "index list", "index drop"};

// The partitions a command on a node of a region of several is scoped to (empty: all it holds).
std::function<bool(std::string_view key)> PartitionFilter(const Command& c) {
  if (c.partitions.empty()) return {};
  const cluster::Partitioning partitioning(c.partition_count);
  cluster::PartitionSet wanted(c.partition_count);
  for (uint32_t p : c.partitions) wanted.Add(p);
  return [partitioning, wanted](std::string_view key) {
    return wanted.Contains(partitioning.PartitionOf(key));
  };
}

Status Run(const Command& c, Database& db, const StatusPrinter& print_status, std::ostream& out) {
  switch (c.verb) {
    case Command::Verb::kGet: return c.with_base ? GetWithBase(db, c.path, out) : Get(db, c.path, c.conflicts, out);
    case Command::Verb::kPut: return Put(db, c.path, c.json, out);
    case Command::Verb::kPatch: return Patch(db, c.path, c.json, c.base, out);
    case Command::Verb::kDelete: return Delete(db, c.path);
    case Command::Verb::kList: return List(db, c.path, c.limit, c.start_after, PartitionFilter(c), out);
    case Command::Verb::kFind: return Find(db, c.path, c.json, PartitionFilter(c), c.explain, out);
    case Command::Verb::kIndexCreate: return IndexCreate(db, c.path, c.field, out);
    case Command::Verb::kIndexList: return IndexList(db, c.path, out);
    case Command::Verb::kIndexDrop: return IndexDrop(db, c.path, c.field, out);
    case Command::Verb::kInc: return Increment(db, c.path, c.field, c.by, out);
    case Command::Verb::kStatus: return print_status(out);
    case Command::Verb::kVerify: return Verify(db, out);
    case Command::Verb::kSetAdd: return SetAdd(db, c.path, c.field, c.json, out);
    case Command::Verb::kSetRemove: return SetRemove(db, c.path, c.field, c.json, out);
    case Command::Verb::kWatch: return WatchPage(db, c.path, c.start_after, c.limit.value_or(kWatchPageChanges), out);
  }
  return Status::Internal("unknown verb");
}

}  // namespace

std::string_view VerbName(Command::Verb verb) { return kVerbNames[static_cast<size_t>(verb)]; }

Outcome Failed(const Status& s) {
  return Outcome{ExitCodeFor(s), "", s.message().empty() ? s.ToString() : s.message(), {}, {}};
}

Outcome Execute(const Command& command, Database& db, const StatusPrinter& print_status,
                const VersionReader& version_of) {
  if ((!command.if_match.empty() || command.with_version) && !version_of) {
    return Outcome{kExitUsage, "", "document versions are answered by a server only", {}, {}};
  }
  if (!command.if_match.empty()) {
    Result<std::optional<std::string>> version = version_of(command.path);
    if (!version.ok()) return Failed(version.status());
    if (!version->has_value()) {
      return Outcome{kExitPreconditionFailed, "", "the document does not exist (If-Match " + command.if_match + ")",
                     {}, {}};
    }
    if (command.if_match != "*" && **version != command.if_match) {
      return Outcome{kExitPreconditionFailed, "",
                     "the document changed: its version is " + **version + ", not " + command.if_match, {}, {}};
    }
  }
  std::ostringstream out;
  Status s = Run(command, db, print_status, out);
  Outcome outcome;
  outcome.out = out.str();  // a partial listing or a verify report is kept
  if (!s.ok()) {
    outcome.exit_code = ExitCodeFor(s);
    outcome.error = s.message().empty() ? s.ToString() : s.message();
    return outcome;
  }
  if (command.with_version) {
    Result<std::optional<std::string>> version = version_of(command.path);
    if (version.ok() && version->has_value()) outcome.version = **version;
  }
  return outcome;
}

std::string EncodeCommand(const Command& c) {
  Json j = {{"verb", VerbName(c.verb)}, {"path", c.path}};
  if (!c.json.empty()) j["json"] = c.json;
  if (!c.field.empty()) j["field"] = c.field;
  if (c.verb == Command::Verb::kInc) j["by"] = c.by;
  if (c.conflicts) j["conflicts"] = true;
  if (c.explain) j["explain"] = true;
  if (c.limit) j["limit"] = *c.limit;
  if (!c.start_after.empty()) j["start_after"] = c.start_after;
  if (!c.if_match.empty()) j["if_match"] = c.if_match;
  if (c.with_version) j["with_version"] = true;
  if (!c.base.empty()) j["base"] = c.base;
  if (c.with_base) j["with_base"] = true;
  if (c.wait_ms != 0) j["wait_ms"] = c.wait_ms;
  if (!c.partitions.empty()) {
    j["partitions"] = c.partitions;
    j["partition_count"] = c.partition_count;
  }
  return j.dump();
}

Result<Command> DecodeCommand(std::string_view bytes) {
  if (bytes.size() > kMaxCommandBytes) return Status::InvalidArgument("request exceeds the size limit");
  Json j = Json::parse(bytes, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("verb") || !j["verb"].is_string()) {
    return Status::InvalidArgument("malformed request");
  }
  Command c;
  const std::string verb = j["verb"].get<std::string>();
  size_t index = 0;
  while (index < kVerbNames.size() && kVerbNames[index] != verb) ++index;
  if (index == kVerbNames.size()) return Status::InvalidArgument("unknown verb \"" + verb + "\"");
  c.verb = static_cast<Command::Verb>(index);
  auto text = [&](const char* key, std::string* out) {
    if (!j.contains(key)) return true;
    if (!j[key].is_string()) return false;
    *out = j[key].get<std::string>();
    return true;
  };
  if (!text("path", &c.path) || !text("json", &c.json) || !text("field", &c.field) ||
      !text("start_after", &c.start_after) || !text("if_match", &c.if_match) || !text("base", &c.base)) {
    return Status::InvalidArgument("malformed request");
  }
  if (j.contains("by")) {
    if (!j["by"].is_number_integer()) return Status::InvalidArgument("malformed request");
    c.by = j["by"].get<int64_t>();
  }
  if (j.contains("conflicts")) c.conflicts = j["conflicts"].is_boolean() && j["conflicts"].get<bool>();
  if (j.contains("explain")) c.explain = j["explain"].is_boolean() && j["explain"].get<bool>();
  if (j.contains("with_base")) c.with_base = j["with_base"].is_boolean() && j["with_base"].get<bool>();
  if (j.contains("with_version")) c.with_version = j["with_version"].is_boolean() && j["with_version"].get<bool>();
  if (j.contains("limit")) {
    if (!j["limit"].is_number_unsigned() || j["limit"].get<uint64_t>() == 0) {
      return Status::InvalidArgument("malformed request");
    }
    c.limit = j["limit"].get<size_t>();
  }
  if (j.contains("wait_ms")) {
    if (!j["wait_ms"].is_number_unsigned() || j["wait_ms"].get<uint64_t>() > kWatchMaxWaitMs) {
      return Status::InvalidArgument("malformed request");
    }
    c.wait_ms = j["wait_ms"].get<uint32_t>();
  }
  if (j.contains("partitions")) {
    const Json& p = j["partitions"];
    const Json& count = j["partition_count"];
    if (!p.is_array() || p.empty() || !count.is_number_unsigned() || count.get<uint64_t>() == 0 ||
        count.get<uint64_t>() > kMaxPartitions || (count.get<uint64_t>() & (count.get<uint64_t>() - 1)) != 0 ||
        p.size() > count.get<uint64_t>()) {
      return Status::InvalidArgument("malformed request");
    }
    c.partition_count = count.get<uint32_t>();
    for (const Json& id : p) {
      if (!id.is_number_unsigned() || id.get<uint64_t>() >= c.partition_count) {
        return Status::InvalidArgument("malformed request");
      }
      c.partitions.push_back(id.get<uint32_t>());
    }
  }
  return c;
}

std::string EncodeOutcome(const Outcome& o) {
  // Output may hold stored strings; replace what is not UTF-8 rather than fail to answer.
  Json j{{"code", o.exit_code}, {"out", o.out}, {"error", o.error}};
  for (const Redirect& r : o.redirect) {
    j["redirect"].push_back(Json{{"endpoint", r.endpoint}, {"public_key", r.public_key}});
  }
  if (!o.version.empty()) j["version"] = o.version;
  return JsonText(j);
}

Result<Outcome> DecodeOutcome(std::string_view bytes) {
  Json j = Json::parse(bytes, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j["code"].is_number_integer() || !j["out"].is_string() || !j["error"].is_string()) {
    return Status::Corruption("malformed answer from the server");
  }
  Outcome outcome{j["code"].get<int>(), j["out"].get<std::string>(), j["error"].get<std::string>(), {}, {}};
  if (j.contains("version")) {
    if (!j["version"].is_string()) return Status::Corruption("malformed answer from the server");
    outcome.version = j["version"].get<std::string>();
  }
  if (j.contains("redirect")) {
    const Json& redirect = j["redirect"];
    if (!redirect.is_array() || redirect.size() > kMaxNodesPerRegion) {
      return Status::Corruption("malformed answer from the server");
    }
    for (const Json& r : redirect) {
      if (!r.is_object() || !r.contains("endpoint") || !r["endpoint"].is_string() ||
          !r.contains("public_key") || !r["public_key"].is_string()) {
        return Status::Corruption("malformed answer from the server");
      }
      outcome.redirect.push_back(Redirect{r["endpoint"].get<std::string>(), r["public_key"].get<std::string>()});
    }
  }
  return outcome;
}

}  // namespace crdtdb::command
