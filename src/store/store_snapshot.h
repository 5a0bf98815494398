// Copyright (c) crdtdb authors.
//
// A consistent view of a store as of its creation (a LevelDB snapshot): what a query that reads an
// index then the documents it names needs, so that both come from one state of the replica
// (docs/queries.md, "Consistency"). Thread-compatible; the store must outlive it.

#ifndef CRDTDB_STORE_STORE_SNAPSHOT_H_
#define CRDTDB_STORE_STORE_SNAPSHOT_H_

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "crdtdb/result.h"

namespace crdtdb::store {

class StoreSnapshot {
 public:
  virtual ~StoreSnapshot() = default;

  // Calls `fn(entry)` for the entries of index `index_id` from `lower` (inclusive) up to `upper`
  // (exclusive; empty: to the index's end), in key order, until it returns false. `entry` is the
  // encoded tuple then the document id (key_schema.h), valid during the call only.
  virtual Status ScanIndex(std::string_view index_id, std::string_view lower, std::string_view upper,
                           const std::function<bool(std::string_view entry)>& fn) const = 0;

  // The same entries in reverse key order, from the last before `upper` down to `lower`.
  virtual Status ScanIndexBackward(std::string_view index_id, std::string_view lower, std::string_view upper,
                                   const std::function<bool(std::string_view entry)>& fn) const = 0;

  // The canonical encoding of a document's state, its checksum checked (Store::ReadEncodedState).
  virtual Result<std::optional<std::string>> ReadEncodedState(std::string_view key) const = 0;

  // Calls `fn(key, state)` for documents whose key starts with `prefix`, from the first after
  // `start_after` (empty: the first), as Store::Scan, until it returns false.
  virtual Status Scan(std::string_view prefix, std::string_view start_after,
                      const std::function<bool(std::string_view, std::string_view)>& fn) const = 0;
};

}  // namespace crdtdb::store

#endif  // CRDTDB_STORE_STORE_SNAPSHOT_H_
