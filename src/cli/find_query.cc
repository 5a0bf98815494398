// Copyright (c) crdtdb authors.

#include "cli/find_query.h"

#include <nlohmann/json.hpp>

#include "crdt/json_input.h"

namespace crdtdb::cli {

Result<std::string> BuildFindQuery(std::string_view selector, const std::vector<std::string>& sort,
                                   const std::vector<std::string>& fields,
                                   const std::string& bookmark) {
  Result<crdt::Json> s = crdt::ParseJson(selector);
  if (!s.ok()) return Status::InvalidArgument("SELECTOR: " + s.status().message());
  if (!s->is_object())
    return Status::InvalidArgument("SELECTOR must be a JSON object, such as {\"done\": false}");
  nlohmann::json query{{"selector", std::move(s).value()}};
  if (!sort.empty()) {
    nlohmann::json order = nlohmann::json::array();
    for (const std::string& field : sort) {
      const size_t colon = field.rfind(':');
      const std::string direction = colon == std::string::npos ? "asc" : field.substr(colon + 1);
      if (direction != "asc" && direction != "desc") {
        return Status::InvalidArgument("--sort " + field +
                                       ": the direction after ':' is asc or desc");
      }
      order.push_back(nlohmann::json::object({{field.substr(0, colon), direction}}));
    }
    query["sort"] = std::move(order);
  }
  if (!fields.empty()) query["fields"] = fields;
  if (!bookmark.empty()) query["bookmark"] = bookmark;
  return query.dump();
}

}  // namespace crdtdb::cli
