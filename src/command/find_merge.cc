// Copyright (c) crdtdb authors.

#include "command/find_merge.h"

#include <algorithm>
#include <optional>
#include <sstream>
#include <utility>

#include <nlohmann/json.hpp>

#include "command/find_pages.h"
#include "command/json_text.h"
#include "query/bookmark.h"
#include "query/projection.h"
#include "query/query.h"

namespace crdtdb::command {

namespace {

struct Entry {
  query::Position position;
  std::string id;
  nlohmann::json doc;
  std::string line;  // as the node printed it
};

}  // namespace

Result<std::string> MergeFindPages(std::string_view query_json,
                                   const std::vector<std::string>& node_outputs) {
  Result<query::Query> q = query::ParseQuery(query_json);
  if (!q.ok()) return q.status();
  const Status malformed = Status::Corruption("a malformed find page");
  std::vector<Entry> entries;
  std::optional<query::Position> complete_to;  // the least position a node may have more after
  auto before = [&](const query::Position& a, const query::Position& b) {
    return query::ComparePositions(*q, a, b) < 0;
  };
  for (const std::string& out : node_outputs) {
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);) {
      if (line.empty()) continue;
      if (std::optional<std::string> bookmark = BookmarkOfLine(line)) {
        Result<query::Position> p = query::DecodeBookmark(*bookmark, q->sort.size());
        if (!p.ok()) return malformed;
        if (!complete_to || before(*p, *complete_to)) complete_to = std::move(p).value();
        continue;
      }
      nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (!j.is_object() || !j["id"].is_string() || !j["doc"].is_object()) return malformed;
      std::string id = j["id"].get<std::string>();
      query::Position position = query::PositionOf(*q, id, j["doc"]);
      entries.push_back(
          Entry{std::move(position), std::move(id), std::move(j["doc"]), std::move(line)});
    }
  }
  std::sort(entries.begin(), entries.end(),
            [&](const Entry& a, const Entry& b) { return before(a.position, b.position); });
  if (complete_to) {
    auto past = std::find_if(entries.begin(), entries.end(),
                             [&](const Entry& e) { return before(*complete_to, e.position); });
    entries.erase(past, entries.end());
  }
  std::optional<query::Position> resume = complete_to;
  if (entries.size() >= q->limit) {
    entries.resize(q->limit);
    resume = entries.back().position;
  }
  std::string page;
  for (const Entry& e : entries) {
    if (q->fields.empty()) {
      page += e.line + "\n";  // passed through as the replica rendered it
      continue;
    }
    page += "{\"id\":" + JsonText(nlohmann::json(e.id)) + ",\"doc\":" +
            JsonText(query::Project(e.doc, q->fields)) + "}\n";
  }
  if (resume) page += nlohmann::json{{"bookmark", query::EncodeBookmark(*resume)}}.dump() + "\n";
  return page;
}

}  // namespace crdtdb::command
