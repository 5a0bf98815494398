// Copyright (c) crdtdb authors.
//
// crdtdb::diff and Database::diff_with: one walk of each replica's whole tree (db/diff_walk.h);
// the local side of diff_with is answered in-process, read-only (db/read_only_responder.h).

#include "crdtdb/diff.h"

#include <utility>

#include "db/database_impl.h"
#include "db/diff_walk.h"
#include "db/read_only_responder.h"

namespace crdtdb {

namespace {

Result<DiffReport> WalkWhole(SyncTransport& a, SyncTransport& b, crdt::ReplicaId sender,
                             const DiffOptions& options) {
  db::DiffWalkPlan plan;
  plan.session = db::NewDiffSession();
  plan.sender = sender;
  plan.limit = options.limit;
  sync::DiffSession::Side failed = sync::DiffSession::Side::kA;
  Result<db::DiffWalk> walk = db::WalkDiff(a, b, plan, &failed);
  if (!walk.ok()) return walk.status();
  DiffReport report;
  report.root_a = db::FingerprintHex(walk->root_a);
  report.root_b = db::FingerprintHex(walk->root_b);
  report.differences = std::move(walk->differences);
  report.truncated = walk->truncated;
  return report;
}

}  // namespace

Result<DiffReport> diff(SyncTransport& a, SyncTransport& b, const DiffOptions& options) {
  return WalkWhole(a, b, db::NewDiffSender(), options);
}

namespace db {

Result<DiffReport> DatabaseImpl::diff_with(SyncTransport& transport, const DiffOptions& options) {
  ReadOnlyResponder local(*this);
  return WalkWhole(transport, local, replica_id(), options);
}

}  // namespace db

}  // namespace crdtdb
