// Copyright (c) crdtdb authors.
//
// What the opaque handles of include/crdtdb/crdtdb.h hold. They are declared there in the global
// namespace (C has no other), so they are defined here in it too.

#ifndef CRDTDB_CAPI_C_HANDLES_H_
#define CRDTDB_CAPI_C_HANDLES_H_

#include <memory>
#include <mutex>
#include <set>

#include "crdtdb/crdtdb.h"
#include "crdtdb/database.h"
#include "crdtdb/live_sync.h"
#include "crdtdb/options.h"

struct crdtdb_options {
  crdtdb::Options options;
  bool durability_invalid = false;  // an enum value C let through; crdtdb_open refuses it
};

struct crdtdb_db {
  std::unique_ptr<crdtdb::Database> database;
  // The subscriptions not yet ended, which crdtdb_close ends before closing the database (a
  // crdtdb::Subscription must not outlive its Database).
  std::mutex mu;
  std::set<crdtdb_subscription*> subscriptions;
  std::set<crdtdb_live_sync*> live_syncs;  // likewise, stopped first
};

struct crdtdb_subscription {
  crdtdb_db* db = nullptr;
  std::unique_ptr<crdtdb::Subscription> subscription;
};

struct crdtdb_live_sync {
  crdtdb_db* db = nullptr;
  std::unique_ptr<crdtdb::LiveSync> sync;  // destroying it stops it and joins its thread
};

#endif  // CRDTDB_CAPI_C_HANDLES_H_
