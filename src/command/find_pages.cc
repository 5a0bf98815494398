// Copyright (c) crdtdb authors.

#include "command/find_pages.h"

#include <algorithm>
#include <sstream>

#include <nlohmann/json.hpp>

#include "command/exit_codes.h"

namespace crdtdb::command {

std::optional<std::string> BookmarkOfLine(const std::string& line) {
  if (line.rfind("{\"bookmark\":", 0) != 0) return std::nullopt;
  nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || j.size() != 1 || !j["bookmark"].is_string()) return std::nullopt;
  return j["bookmark"].get<std::string>();
}

Outcome FindAll(const Command& command, const std::function<Outcome(const Command&)>& run_page) {
  nlohmann::json query = nlohmann::json::parse(command.json, nullptr, /*allow_exceptions=*/false);
  if (!query.is_object()) return Outcome{kExitUsage, "", "the query must be a JSON object", {}, ""};
  Outcome all;
  size_t left = command.limit.value_or(SIZE_MAX);
  while (true) {
    query["limit"] = std::min(left, kFindPageSize);
    Command page = command;
    page.json = query.dump();
    page.limit.reset();
    Outcome answer = run_page(page);
    std::optional<std::string> bookmark;
    std::istringstream in(answer.out);
    for (std::string line; std::getline(in, line);) {
      if (line.empty()) continue;
      if (std::optional<std::string> b = BookmarkOfLine(line)) {
        bookmark = std::move(b);
      } else {
        all.out += line + "\n";
        --left;
      }
    }
    if (answer.exit_code != kExitOk) return Outcome{answer.exit_code, all.out, answer.error, {}, ""};
    if (!answer.error.empty()) all.error = answer.error;  // a partial region the user allowed
    if (!bookmark) break;
    if (left == 0) {
      all.out += nlohmann::json{{"bookmark", *bookmark}}.dump() + "\n";
      break;
    }
    query["bookmark"] = *bookmark;
  }
  return all;
}

}  // namespace crdtdb::command
