// Copyright (c) crdtdb authors.

#include "command/index_verbs.h"

#include "command/json_text.h"
#include "db/key.h"

namespace crdtdb::command {

namespace {

}  // namespace

nlohmann::ordered_json IndexInfoJson(const IndexInfo& info) {
  nlohmann::ordered_json j;
  j["collection"] = info.collection;
  j["name"] = info.name;
  j["fields"] = info.fields;
  j["state"] = info.state;
  if (info.state == "building") j["documents_indexed"] = info.documents_indexed;
  return j;
}

std::string ExplainJson(const FindPlan& plan) {
  nlohmann::ordered_json j;
  j["index"] = plan.index.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(plan.index);
  j["ordered"] = plan.ordered;
  j["descending"] = plan.descending;
  j["ranges"] = plan.ranges;
  j["keys_read"] = plan.keys_read;
  j["documents_read"] = plan.documents_read;
  j["documents_returned"] = plan.documents_returned;
  return JsonText(nlohmann::ordered_json{{"explain", std::move(j)}});
}

Status IndexCreate(Database& db, std::string_view collection, std::string_view fields, std::ostream& out) {
  Result<IndexInfo> info = db.create_index(collection, fields);
  if (!info.ok()) return info.status();
  out << JsonText(IndexInfoJson(*info)) << '\n';
  return Status::OK();
}

Status IndexList(Database& db, std::string_view collection, std::ostream& out) {
  Result<std::vector<IndexInfo>> infos = db.list_indexes(collection);
  if (!infos.ok()) return infos.status();
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const IndexInfo& info : *infos) list.push_back(IndexInfoJson(info));
  out << JsonText(nlohmann::ordered_json{{"indexes", std::move(list)}}) << '\n';
  return Status::OK();
}

Status IndexDrop(Database& db, std::string_view collection, std::string_view name, std::ostream& out) {
  if (Status s = db.drop_index(collection, name); !s.ok()) return s;
  Result<std::string> c = db::NormalizeCollection(collection);  // valid: the drop took it
  out << JsonText(nlohmann::ordered_json{{"dropped", {{"collection", c.ok() ? *c : std::string(collection)},
                                                  {"name", std::string(name)}}}})
      << '\n';
  return Status::OK();
}

}  // namespace crdtdb::command
