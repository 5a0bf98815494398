// Copyright (c) crdtdb authors.

#include "db/index_catalog.h"

#include <algorithm>

#include "store/key_schema.h"

namespace crdtdb::db {

const std::vector<CatalogIndex>* IndexCatalog::Of(std::string_view collection) const {
  auto it = by_collection.find(collection);
  return it == by_collection.end() ? nullptr : &it->second;
}

std::string IndexIdOf(std::string_view collection, std::string_view name) {
  // FNV-1a over both, a zero byte between: stable across builds and machines, which is what lets
  // two replicas name the same index alike. 64 bits keep collisions out of reach for the few
  // indexes a database has.
  uint64_t hash = 0xcbf29ce484222325;
  auto mix = [&hash](std::string_view bytes) {
    for (unsigned char c : bytes) hash = (hash ^ c) * 0x100000001b3;
  };
  mix(collection);
  mix(std::string_view("\0", 1));
  mix(name);
  static const char kDigits[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, hash >>= 4) out[static_cast<size_t>(i)] = kDigits[hash & 15];
  return out;
}

Result<std::pair<std::string, std::vector<query::FieldPath>>> ParseIndexFields(std::string_view fields) {
  std::vector<query::FieldPath> out;
  std::string name;
  size_t start = 0;
  while (start <= fields.size()) {
    // A comma ends a field unless a backslash escapes it (then it belongs to a member name).
    size_t end = start;
    while (end < fields.size() && fields[end] != ',') end += fields[end] == '\\' ? 2 : 1;
    end = std::min(end, fields.size());
    Result<query::FieldPath> path = query::ParseFieldPath(fields.substr(start, end - start));
    if (!path.ok()) return path.status().WithContext("index fields");
    for (const query::FieldPath& seen : out) {
      if (seen.segments == path->segments) {
        return Status::InvalidArgument("index fields: \"" + path->text + "\" is given twice");
      }
    }
    out.push_back(std::move(path).value());
    if (out.size() > kMaxIndexFields) {
      return Status::InvalidArgument("index fields: at most " + std::to_string(kMaxIndexFields) + " fields");
    }
    start = end + 1;
  }
  for (const query::FieldPath& f : out) name += (name.empty() ? "" : ",") + f.text;
  return std::make_pair(std::move(name), std::move(out));
}

crdt::Json DefinitionJson(std::string_view collection, const std::vector<query::FieldPath>& fields) {
  std::string name;
  for (const query::FieldPath& f : fields) {
    if (!name.empty()) name += ',';
    name += f.text;
  }
  return crdt::Json{{"collection", std::string(collection)}, {"fields", std::move(name)}};
}

Result<IndexDefinition> ParseDefinition(std::string_view id, const crdt::Json& document) {
  auto bad = [&](std::string_view why) {
    return Status::InvalidArgument("index definition /" + std::string(kIndexCollection) + "/" + std::string(id) +
                                   ": " + std::string(why));
  };
  if (!document.is_object() || document.size() != 2 || !document.contains("collection") ||
      !document["collection"].is_string() || !document.contains("fields") ||
      !(document["fields"].is_string() || (document["fields"].is_array() && !document["fields"].empty()))) {
    return bad("expected {\"collection\": C, \"fields\": \"F,...\"}");
  }
  std::string joined;
  if (document["fields"].is_string()) {
    joined = document["fields"].get<std::string>();
  } else {
    // Written as an array before this build. Arrays merge as lists, so two replicas that created
    // the same index concurrently left each field twice ([a, b, a, b]): a definition never names
    // a field twice, so a repeat is such a merge and is read once.
    std::vector<std::string> seen;
    for (const crdt::Json& f : document["fields"]) {
      if (!f.is_string()) return bad("a field is not a string");
      const std::string field = f.get<std::string>();
      if (std::find(seen.begin(), seen.end(), field) != seen.end()) continue;
      seen.push_back(field);
      // Appended piece by piece: "literal" + std::string trips GCC 12's false -Wrestrict at -O3.
      if (!joined.empty()) joined += ',';
      joined += field;
    }
  }
  Result<std::pair<std::string, std::vector<query::FieldPath>>> fields = ParseIndexFields(joined);
  if (!fields.ok()) return bad(fields.status().message());
  IndexDefinition def{std::string(id), document["collection"].get<std::string>(), std::move(fields->first),
                      std::move(fields->second)};
  if (IndexIdOf(def.collection, def.name) != id) return bad("its id is not the hash of its collection and fields");
  return def;
}

std::string EncodeIndexState(IndexState state, std::string_view cursor, uint64_t built) {
  switch (state) {
    case IndexState::kReady: return "R";
    case IndexState::kDropping: return "d";
    case IndexState::kBuilding: break;
  }
  std::string out = "B";
  store::AppendBigEndian64(&out, built);
  out.append(cursor);
  return out;
}

Result<CatalogIndex> DecodeIndexState(std::string_view bytes) {
  CatalogIndex index;
  // "r" and "b" are the states of indexes built before arrays had an entry per element: such an
  // index builds again from the start (its puts rewrite the entries it has and add the others).
  if (bytes == "r" || (bytes.size() >= 9 && bytes[0] == 'b')) {
    index.state = IndexState::kBuilding;
  } else if (bytes == "R") {
    index.state = IndexState::kReady;
  } else if (bytes == "d") {
    index.state = IndexState::kDropping;
  } else if (bytes.size() >= 9 && bytes[0] == 'B') {
    index.state = IndexState::kBuilding;
    index.built = store::ReadBigEndian64(bytes.substr(1));
    index.cursor = std::string(bytes.substr(9));
  } else {
    return Status::Corruption("malformed index build state");
  }
  return index;
}

}  // namespace crdtdb::db
