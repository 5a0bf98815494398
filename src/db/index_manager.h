// Copyright (c) crdtdb authors.
//
// IndexManager keeps a replica's indexes in step with their definitions (index_catalog.h): it
// loads the catalog at open, reloads it when a definition changes (a local or replicated write of
// `_indexes`), and in its own thread builds a new index over the documents already stored and
// removes the entries of a dropped one.
//
// A build runs while the replica serves, in bounded steps: each step holds the DropGate alone
// (drop_gate.h) for at most kStepDocuments documents, so writes wait at most one step, and commits
// the entries with the build's progress in one batch; a restart resumes from that progress. The
// catalog marks the index building from before the first step, so every write from then on
// maintains its entries (index_entries.h); the first step waits for the writes that read the older
// catalog to commit, and reads the store after them. So when the build reaches the end of the
// collection the index holds every document, and only then does the planner use it.

#ifndef CRDTDB_DB_INDEX_MANAGER_H_
#define CRDTDB_DB_INDEX_MANAGER_H_

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "crdtdb/result.h"
#include "db/drop_gate.h"
#include "db/index_catalog.h"
#include "store/store.h"

namespace crdtdb::db {

// The catalog as stored: the valid definitions of `_indexes` with this replica's build states (a
// definition without one is building from the start), and the states without a definition. A
// malformed definition (written by hand) defines nothing.
Result<IndexCatalog> ReadCatalog(const store::Store& store);

class IndexManager {
 public:
  // Documents read (or entries removed) per step of a build (or a drop).
  static constexpr size_t kStepDocuments = 256;

  // A read-only store is only read: its catalog as stored, no thread.
  IndexManager(store::Store& store, DropGate& gate, bool writable);
  ~IndexManager();
  IndexManager(const IndexManager&) = delete;
  IndexManager& operator=(const IndexManager&) = delete;

  // The current catalog; never null. Thread-safe.
  std::shared_ptr<const IndexCatalog> catalog() const;
  // A definition may have changed: the catalog is reloaded soon (in the manager's thread).
  void DefinitionsChanged();
  // Why the last reload or step failed (empty: it did not); builds stop until reopened.
  std::string error() const;

 private:
  void Run();
  // Reads the definitions and states, records the state of a new index and of an orphan (holding
  // the gate alone), and installs the catalog.
  Status Reload();
  // One step of the first build or drop to do; false if there is none.
  Result<bool> Step();
  Status BuildStep(const CatalogIndex& index);
  Status DropStep(const std::string& id);
  void Install(std::shared_ptr<const IndexCatalog> catalog);

  store::Store& store_;
  DropGate& gate_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::shared_ptr<const IndexCatalog> catalog_;
  bool reload_ = true;
  bool stop_ = false;
  std::string error_;
  std::thread thread_;
};

}  // namespace crdtdb::db

#endif  // CRDTDB_DB_INDEX_MANAGER_H_
