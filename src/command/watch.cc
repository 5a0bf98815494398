// Copyright (c) crdtdb authors.

#include "command/watch.h"

#include <nlohmann/json.hpp>

#include "command/exit_codes.h"
#include "command/json_text.h"
#include "db/change_feed.h"

namespace crdtdb::command {

namespace {

using Json = nlohmann::ordered_json;

constexpr std::string_view kNextKey = R"({"next":)";

// The outcome's error as the Status it came from (exit_codes.h maps them one-to-one).
Status StatusOf(const Outcome& outcome) {
  switch (outcome.exit_code) {
    case kExitUsage: return Status::InvalidArgument(outcome.error);
    case kExitNotFound: return Status::NotFound(outcome.error);
    case kExitGone: return Status::Gone(outcome.error);
    default: return Status::IOError(outcome.error);
  }
}

}  // namespace

Status WatchPage(Database& db, std::string_view path, std::string_view since, size_t limit, std::ostream& out) {
  Result<std::string> prefix = db::ChangePrefix(path);
  if (!prefix.ok()) return prefix.status();
  Result<ChangePage> page = db.changes(*prefix, since, limit);
  if (!page.ok()) return page.status();
  for (const Change& change : page->changes) {
    Json line{{"cursor", change.cursor}, {"path", "/" + change.key}};
    if (change.json) {
      line["doc"] = Json::parse(*change.json);
    } else {
      line["deleted"] = true;
    }
    out << JsonText(line) << "\n";
  }
  out << Json{{"next", page->cursor}}.dump() << "\n";
  return Status::OK();
}

bool WatchFoundChanges(const Outcome& outcome) {
  return outcome.exit_code != kExitOk || !outcome.out.starts_with(kNextKey);
}

Command WatchSession::NextPage(uint32_t wait_ms) const {
  Command c;
  c.verb = Command::Verb::kWatch;
  c.path = path_;
  c.start_after = cursor_;
  c.limit = kWatchPageChanges;
  // The first page of a watch from now only learns the cursor: nothing to wait for.
  c.wait_ms = cursor_.empty() ? 0 : wait_ms;
  return c;
}

Result<std::string> WatchSession::Accept(const Outcome& outcome) {
  if (outcome.exit_code != kExitOk) return StatusOf(outcome);
  // The last line is {"next": CURSOR}; every line before it is a change.
  std::string_view out = outcome.out;
  if (out.ends_with('\n')) out.remove_suffix(1);
  const size_t last = out.rfind('\n');
  const std::string_view next_line = last == std::string_view::npos ? out : out.substr(last + 1);
  Json next = Json::parse(next_line, nullptr, /*allow_exceptions=*/false);
  if (!next.is_object() || !next.contains("next") || !next["next"].is_string()) {
    return Status::Corruption("malformed watch answer from the server");
  }
  std::string cursor = next["next"].get<std::string>();
  moved_ = cursor != cursor_;
  cursor_ = std::move(cursor);
  return last == std::string_view::npos ? std::string() : std::string(out.substr(0, last + 1));
}

}  // namespace crdtdb::command
