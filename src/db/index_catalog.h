// Copyright (c) crdtdb authors.
//
// The secondary indexes a replica maintains (docs/queries.md, "Indexes"). An index is DEFINED by a
// document of the reserved collection `_indexes`, so a definition replicates as any write does:
// every replica of every region ends up with the same indexes, and `index create` is a put. Its
// id is a hash of the collection and the field list, so two regions that create the same index
// concurrently write the same document. What each replica keeps for itself is its BUILD STATE
// ('y' records, store/key_schema.h): building (and how far), ready, or dropping.
//
// IndexCatalog is an immutable snapshot of both, swapped whole when either changes.

#ifndef CRDTDB_DB_INDEX_CATALOG_H_
#define CRDTDB_DB_INDEX_CATALOG_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "crdt/field_node.h"
#include "crdtdb/result.h"
#include "query/field_path.h"

namespace crdtdb::db {

// The collection of index definitions; its documents are {"collection": C, "fields": "F,..."}: the
// fields as one string (a register), so that two replicas creating the same index concurrently
// write equal values, where an array (a list: arrays merge) would hold each field twice.
constexpr std::string_view kIndexCollection = "_indexes";
// Whether `key` ("collection/id") is an index definition: writing one wakes the index builder.
inline bool IsIndexDefinition(std::string_view key) {
  return key.size() > kIndexCollection.size() && key.starts_with(kIndexCollection) &&
         key[kIndexCollection.size()] == '/';
}
// At most this many fields per index, and indexes per collection (each costs every write).
constexpr size_t kMaxIndexFields = 8;
constexpr size_t kMaxIndexesPerCollection = 16;

struct IndexDefinition {
  std::string id;          // 16 hex digits: IndexIdOf(collection, name); also its document's id
  std::string collection;
  std::string name;        // the fields, comma-separated as given to index create
  std::vector<query::FieldPath> fields;
};

enum class IndexState { kBuilding, kReady, kDropping };

struct CatalogIndex {
  IndexDefinition definition;
  IndexState state = IndexState::kBuilding;
  std::string cursor;  // building: the last document id indexed (empty: none yet)
  uint64_t built = 0;  // building: documents indexed so far
};

struct IndexCatalog {
  std::map<std::string, std::vector<CatalogIndex>, std::less<>> by_collection;
  // Dropping indexes whose definition is gone: only their id is known.
  std::vector<std::string> orphans;

  const std::vector<CatalogIndex>* Of(std::string_view collection) const;
};

std::string IndexIdOf(std::string_view collection, std::string_view name);

// The name and fields of "a,b.c" (each a dotted field path, at most kMaxIndexFields, no repeats);
// InvalidArgument naming the offending part.
Result<std::pair<std::string, std::vector<query::FieldPath>>> ParseIndexFields(std::string_view fields);

// The definition document of an index, and back. Parse fails (InvalidArgument) on anything but
// what DefinitionJson makes (or the array of fields older builds wrote, a field repeated by a merge
// read once), and on a document whose id is not its IndexIdOf.
crdt::Json DefinitionJson(std::string_view collection, const std::vector<query::FieldPath>& fields);
Result<IndexDefinition> ParseDefinition(std::string_view id, const crdt::Json& document);

// Build states as stored: "R" ready, "d" dropping, "B" [u64 built] cursor building ("r" and "b",
// of indexes without per-element entries, read as a build from the start).
std::string EncodeIndexState(IndexState state, std::string_view cursor, uint64_t built);
Result<CatalogIndex> DecodeIndexState(std::string_view bytes);

}  // namespace crdtdb::db

#endif  // CRDTDB_DB_INDEX_CATALOG_H_
