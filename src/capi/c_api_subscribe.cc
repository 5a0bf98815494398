// Copyright (c) crdtdb authors.
//
// Subscriptions of the C ABI: a C callback and its user pointer behind a crdtdb::Subscription,
// registered with their crdtdb_db so that crdtdb_close can end the ones still open.

#include <memory>
#include <mutex>

#include "capi/c_errors.h"
#include "capi/c_handles.h"
#include "crdtdb/crdtdb.h"

using crdtdb::Status;
using crdtdb::capi::Entry;
using crdtdb::capi::Fail;

extern "C" {

crdtdb_code crdtdb_subscribe(crdtdb_db* db, const char* prefix, crdtdb_change_callback callback,
                             void* user, crdtdb_subscription** subscription, char** error) {
  if (subscription != nullptr) *subscription = nullptr;
  // A function pointer is not a data pointer: it is checked on its own, after the others.
  return Entry(error, {}, {{db, "db"}, {prefix, "prefix"}, {subscription, "subscription"}}, [&] {
    if (callback == nullptr) return Fail(Status::InvalidArgument("callback is NULL"), error);
    auto handle = std::make_unique<crdtdb_subscription>();
    handle->db = db;
    handle->subscription =
        db->database->subscribe(prefix, [callback, user](const crdtdb::Change& change) {
          callback(user, change.key.c_str(), change.json ? change.json->c_str() : nullptr,
                   change.remote ? 1 : 0);
        });
    std::lock_guard lock(db->mu);
    db->subscriptions.insert(handle.get());
    *subscription = handle.release();
    return CRDTDB_OK;
  });
}

void crdtdb_unsubscribe(crdtdb_subscription* subscription) {
  if (subscription == nullptr) return;
  {
    std::lock_guard lock(subscription->db->mu);
    subscription->db->subscriptions.erase(subscription);
  }
  delete subscription;  // waits for a running callback; none runs after
}

}  // extern "C"
