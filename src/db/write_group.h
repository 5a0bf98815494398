// Copyright (c) crdtdb authors.
//
// A WriteGroup is the context of the writes committed together by one leader of the WriteQueue:
// it reads documents through an overlay (so a write sees the earlier writes of its group), issues
// hybrid-logical-clock stamps, and collects one store::WriteSet and the changes to announce.
// Used by the leader thread only.

#ifndef CRDTDB_DB_WRITE_GROUP_H_
#define CRDTDB_DB_WRITE_GROUP_H_

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "crdt/hlc.h"
#include "crdt/mutators.h"
#include "crdtdb/change.h"
#include "store/store.h"

namespace crdtdb::db {

class WriteGroup {
 public:
  // `announce` says whether anyone subscribes; when nobody does, changes carry no JSON.
  WriteGroup(store::Store& store, crdt::HybridClock& clock, crdt::ReplicaId replica, uint64_t physical_ms,
             bool announce)
      : store_(store),
        clock_(clock),
        replica_(replica),
        physical_ms_(physical_ms),
        announce_(announce),
        first_counter_(std::max<uint64_t>(1, store.metadata().epoch << store::kEpochShift)) {}

  // The document as of this group (null if it was never written), or a read error.
  Result<const store::StoredDocument*> Load(const std::string& key);
  crdt::WriteStamp NextStamp() { return crdt::WriteStamp{replica_, clock_.Now(physical_ms_), first_counter_}; }

  // Stages `state` as the new state of `key` after a local delta, which goes to the delta log
  // (`encoded_delta`: crdt::EncodeDelta of it); `json` is the state's JSON (crdt::DocumentJson),
  // for subscribers. InvalidArgument (nothing staged) if the document would exceed the size limit.
  Status SaveLocal(const std::string& key, crdt::Document state, std::string encoded_delta, const std::string& json);
  // Stages `state` as the new state of `key` after a remote update (not logged: only the origin
  // publishes its deltas).
  Status SaveRemote(const std::string& key, crdt::Document state);

  const store::WriteSet& writes() {
    writes_.SetClock(clock_.last());
    return writes_;
  }
  const std::vector<Change>& changes() const { return changes_; }
  bool announces() const { return announce_; }

 private:
  store::Store& store_;
  crdt::HybridClock& clock_;
  const crdt::ReplicaId replica_;
  const uint64_t physical_ms_;
  const bool announce_;
  const uint64_t first_counter_;  // of the store's stream epoch
  std::map<std::string, store::StoredDocument, std::less<>> overlay_;
  std::map<std::string, bool, std::less<>> existed_;  // keys whose stored record existed before

  Status Save(const std::string& key, crdt::Document state, std::string* encoded_delta, const std::string* json);
  store::WriteSet writes_;
  std::vector<Change> changes_;
};

}  // namespace crdtdb::db

#endif  // CRDTDB_DB_WRITE_GROUP_H_
