// Copyright (c) crdtdb authors.
//
// Repair of a damaged store, always on a copy: the damaged directory is only read (under its
// LevelDB lock, so no process has it open meanwhile), and whether the copy replaces it is the
// operator's decision (docs/operations.md, "Recovering a damaged store").
//
// The steps: copy every readable file into a staging directory; run LevelDB's RepairDB there (it
// rebuilds the MANIFEST from the tables and logs it can read, and sets aside what it cannot);
// copy every record whose table block passes its checksum into a new database (RepairDB does not
// check data blocks); drop the document records that fail their own checksum; make the Merkle index
// (bucket entries) agree with the documents that are left; then open the copy as a store that was
// not closed cleanly, which rebuilds the Merkle tree and counters and starts a new stream epoch:
// the copy may lack writes that peers already hold, so its replica must never issue their sequence
// numbers or dots again (docs/storage.md, "Stream epochs"). Last, Verify. Documents lost to the
// damage come back from peers by anti-entropy.

#ifndef CRDTDB_STORE_STORE_REPAIR_H_
#define CRDTDB_STORE_STORE_REPAIR_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "crdtdb/result.h"
#include "store/store.h"

namespace crdtdb::store {

struct RepairReport {
  std::vector<std::string> unreadable_files;  // files of the damaged store that could not be copied
  std::vector<std::string> set_aside_files;   // what RepairDB set aside as unusable
  // crdtdb's own files beside the database (the server's identity bindings), copied as they are
  std::vector<std::string> other_files;
  std::string skipped_blocks;   // the error of table blocks that were unreadable, empty if none
  uint64_t documents_kept = 0;  // document records (tombstones included) kept
  // The live documents the damaged store counted at its last clean close, if that record was
  // readable: set beside metadata.live_documents, it shows documents lost without a trace.
  std::optional<uint64_t> live_documents_before;
  // Documents the damaged store held, as its Merkle index or a record that failed its checksum
  // shows, that the copy lacks: at most 100 keys are listed, all are counted.
  uint64_t documents_lost = 0;
  std::vector<std::string> lost_keys;
  bool replica_id_replaced = false;  // the id was unreadable, so the copy has a new one
  Metadata metadata;                 // of the repaired copy, after its new epoch
  StoreVerification verification;    // of the repaired copy
};

// Repairs a copy of the store in `damaged` into `into`, which must be missing or empty. The
// files of `damaged` are never changed.
Result<RepairReport> RepairStoreCopy(const std::string& damaged, const std::string& into);

}  // namespace crdtdb::store

#endif  // CRDTDB_STORE_STORE_REPAIR_H_
