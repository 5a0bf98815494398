// Copyright (c) crdtdb authors.

#include "cli/index_commands.h"

#include <chrono>
#include <sstream>
#include <thread>

#include "command/exit_codes.h"
#include "command/index_verbs.h"
#include "db/index_catalog.h"

namespace crdtdb::cli {

using command::Command;

std::optional<Command::Verb> IndexVerbOf(const Parser& p) {
  if (p.index_create->parsed()) return Command::Verb::kIndexCreate;
  if (p.index_list->parsed()) return Command::Verb::kIndexList;
  if (p.index_drop->parsed()) return Command::Verb::kIndexDrop;
  return std::nullopt;
}

Status PrepareIndex(const Parser& p, const Arguments& a) {
  if (!a.path.empty() || !p.index_list->parsed()) {
    if (Status s = validate_collection(a.path); !s.ok()) return s;
  }
  if (p.index_list->parsed()) return Status::OK();
  return db::ParseIndexFields(a.field).status();
}

command::Outcome AwaitIndexBuilt(Database& db, const Command& command, command::Outcome created) {
  if (created.exit_code != command::kExitOk) return created;
  // Each wait lets the build take a step; a build ends (it reads each document once) unless the
  // store fails, which status reports.
  for (;;) {
    Result<std::vector<IndexInfo>> indexes = db.list_indexes(command.path);
    if (!indexes.ok()) return command::Outcome{command::ExitCodeFor(indexes.status()), "", indexes.status().message(), {}, {}};
    const IndexInfo* mine = nullptr;
    for (const IndexInfo& info : *indexes) {
      if (info.name == db::ParseIndexFields(command.field)->first) mine = &info;
    }
    if (mine == nullptr || mine->state != "building") {
      if (mine != nullptr) created.out = command::IndexInfoJson(*mine).dump() + "\n";
      return created;
    }
    const std::string failed = db.status().index_error;
    if (!failed.empty()) return command::Outcome{command::kExitFailure, created.out, "the index build stopped: " + failed, {}, {}};
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace crdtdb::cli
