// Copyright (c) crdtdb authors.
//
// The C ABI's options, open and close, and the calls on one document (include/crdtdb/crdtdb.h):
// each is a thin guard around the public C++ call of the same name.

#include <cstdlib>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "capi/c_errors.h"
#include "capi/c_handles.h"
#include "crdtdb/crdtdb.h"
#include "crdtdb/lists.h"
#include "crdtdb/text.h"

using crdtdb::Status;
using crdtdb::capi::Deliver;
using crdtdb::capi::Entry;
using crdtdb::capi::Fail;

extern "C" {

const char* crdtdb_code_name(crdtdb_code code) {
  switch (code) {
    case CRDTDB_OK: return "ok";
    case CRDTDB_INVALID_ARGUMENT: return "invalid argument";
    case CRDTDB_NOT_FOUND: return "not found";
    case CRDTDB_CORRUPTION: return "corruption";
    case CRDTDB_IO_ERROR: return "io error";
    case CRDTDB_UNAVAILABLE: return "unavailable";
    case CRDTDB_INTERNAL: return "internal";
  }
  return "unknown";
}

const char* crdtdb_version(void) { return CRDTDB_VERSION_STRING; }

void crdtdb_free(void* buffer) { std::free(buffer); }

crdtdb_options* crdtdb_options_create(void) {
  try {
    return new crdtdb_options;
  } catch (...) {
    return nullptr;
  }
}

void crdtdb_options_destroy(crdtdb_options* options) { delete options; }

void crdtdb_options_set_create_if_missing(crdtdb_options* options, int create_if_missing) {
  if (options != nullptr) options->options.create_if_missing = create_if_missing != 0;
}

void crdtdb_options_set_read_only(crdtdb_options* options, int read_only) {
  if (options != nullptr) options->options.read_only = read_only != 0;
}

void crdtdb_options_set_durability(crdtdb_options* options, crdtdb_durability durability) {
  if (options == nullptr) return;
  options->durability_invalid =
      durability != CRDTDB_DURABILITY_BUFFERED && durability != CRDTDB_DURABILITY_SYNC;
  options->options.durability = durability == CRDTDB_DURABILITY_SYNC
                                    ? crdtdb::Durability::kSync
                                    : crdtdb::Durability::kBuffered;
}

void crdtdb_options_set_cache_bytes(crdtdb_options* options, size_t cache_bytes) {
  if (options != nullptr) options->options.cache_bytes = cache_bytes;
}

void crdtdb_options_set_delta_log_max_entries(crdtdb_options* options, uint64_t entries) {
  if (options != nullptr) options->options.delta_log_max_entries = entries;
}

crdtdb_code crdtdb_open(const char* path, const crdtdb_options* options, crdtdb_db** db,
                        char** error) {
  if (db != nullptr) *db = nullptr;
  return Entry(error, {}, {{path, "path"}, {db, "db"}}, [&] {
    if (options != nullptr && options->durability_invalid) {
      return Fail(Status::InvalidArgument("durability is neither BUFFERED nor SYNC"), error);
    }
    crdtdb::Options opened = options != nullptr ? options->options : crdtdb::Options{};
    opened.path = path;
    auto database = crdtdb::Database::open(opened);
    if (!database.ok()) return Fail(database.status(), error);
    auto handle = std::make_unique<crdtdb_db>();
    handle->database = std::move(*database);
    *db = handle.release();
    return CRDTDB_OK;
  });
}

void crdtdb_close(crdtdb_db* db) {
  if (db == nullptr) return;
  std::set<crdtdb_live_sync*> syncs;
  std::set<crdtdb_subscription*> open;
  {
    std::lock_guard lock(db->mu);
    syncs.swap(db->live_syncs);
    open.swap(db->subscriptions);
  }
  // Each destructor joins its sync's thread or waits for its running callback; then none runs
  // again, and the Database goes. Syncs first: they write, and their writes reach subscribers.
  for (crdtdb_live_sync* sync : syncs) delete sync;
  for (crdtdb_subscription* subscription : open) delete subscription;
  delete db;
}

crdtdb_code crdtdb_get(crdtdb_db* db, const char* key, char** json, char** error) {
  return Entry(error, {json}, {{db, "db"}, {key, "key"}, {json, "json"}},
               [&] { return Deliver(db->database->get(key), json, error); });
}

crdtdb_code crdtdb_get_with_conflicts(crdtdb_db* db, const char* key, char** json, char** error) {
  return Entry(error, {json}, {{db, "db"}, {key, "key"}, {json, "json"}},
               [&] { return Deliver(db->database->get_with_conflicts(key), json, error); });
}

crdtdb_code crdtdb_put(crdtdb_db* db, const char* key, const char* json, char** result,
                       char** error) {
  return Entry(error, {result}, {{db, "db"}, {key, "key"}, {json, "json"}},
               [&] { return Deliver(db->database->put(key, json), result, error); });
}

crdtdb_code crdtdb_patch(crdtdb_db* db, const char* key, const char* json, char** result,
                         char** error) {
  return Entry(error, {result}, {{db, "db"}, {key, "key"}, {json, "json"}},
               [&] { return Deliver(db->database->patch(key, json), result, error); });
}

crdtdb_code crdtdb_json_patch(crdtdb_db* db, const char* key, const char* patch, const char* base,
                              char** result, char** error) {
  return Entry(error, {result}, {{db, "db"}, {key, "key"}, {patch, "patch"}}, [&] {
    return Deliver(crdtdb::json_patch(*db->database, key, patch, base != nullptr ? base : ""), result, error);
  });
}

crdtdb_code crdtdb_get_with_base(crdtdb_db* db, const char* key, char** json, char** error) {
  return Entry(error, {json}, {{db, "db"}, {key, "key"}, {json, "json"}}, [&] {
    crdtdb::Result<crdtdb::VersionedDocument> read = crdtdb::get_with_base(*db->database, key);
    if (!read.ok()) return Deliver(read.status(), json, error);
    // A base version holds only [0-9a-f:;,-]: it needs no escaping.
    return Deliver("{\"doc\":" + read->json + ",\"base\":\"" + read->base_version + "\"}", json, error);
  });
}

crdtdb_code crdtdb_text_splice(crdtdb_db* db, const char* key, const char* field, size_t pos,
                               size_t delete_count, const char* insert, char** result, char** error) {
  return Entry(error, {result}, {{db, "db"}, {key, "key"}, {field, "field"}}, [&] {
    return Deliver(crdtdb::text_splice(*db->database, key, field, pos, delete_count, insert != nullptr ? insert : ""),
                   result, error);
  });
}

crdtdb_code crdtdb_remove(crdtdb_db* db, const char* key, char** error) {
  return Entry(error, {}, {{db, "db"}, {key, "key"}}, [&] {
    if (Status s = db->database->remove(key); !s.ok()) return Fail(s, error);
    return CRDTDB_OK;
  });
}

crdtdb_code crdtdb_increment(crdtdb_db* db, const char* key, const char* field, int64_t by,
                             char** result, char** error) {
  return Entry(error, {result}, {{db, "db"}, {key, "key"}, {field, "field"}},
               [&] { return Deliver(db->database->increment(key, field, by), result, error); });
}

crdtdb_code crdtdb_set_add(crdtdb_db* db, const char* key, const char* field,
                           const char* element_json, char** result, char** error) {
  return Entry(
      error, {result}, {{db, "db"}, {key, "key"}, {field, "field"}, {element_json, "element_json"}},
      [&] { return Deliver(db->database->set_add(key, field, element_json), result, error); });
}

crdtdb_code crdtdb_set_remove(crdtdb_db* db, const char* key, const char* field,
                              const char* element_json, char** result, char** error) {
  return Entry(
      error, {result}, {{db, "db"}, {key, "key"}, {field, "field"}, {element_json, "element_json"}},
      [&] { return Deliver(db->database->set_remove(key, field, element_json), result, error); });
}

crdtdb_code crdtdb_put_many(crdtdb_db* db, const char* const* keys, const char* const* jsons,
                            size_t count, char** error) {
  return Entry(error, {}, {{db, "db"}}, [&] {
    if (count > 0 && (keys == nullptr || jsons == nullptr)) {
      return Fail(Status::InvalidArgument(keys == nullptr ? "keys is NULL" : "jsons is NULL"), error);
    }
    if (count > crdtdb::Database::kMaxBatchDocuments) {
      // Refused before anything is copied (count may be anything).
      return Fail(Status::InvalidArgument("a batch holds " + std::to_string(count) + " documents, more than " +
                                          std::to_string(crdtdb::Database::kMaxBatchDocuments)),
                  error);
    }
    std::vector<std::pair<std::string, std::string>> documents;
    documents.reserve(count);
    for (size_t i = 0; i < count; ++i) {
      if (keys[i] == nullptr || jsons[i] == nullptr) {
        return Fail(Status::InvalidArgument(std::string("batch entry ") + std::to_string(i) + ": " +
                                            (keys[i] == nullptr ? "key" : "json") + " is NULL"),
                    error);
      }
      documents.emplace_back(keys[i], jsons[i]);
    }
    if (Status s = db->database->put_many(documents); !s.ok()) return Fail(s, error);
    return CRDTDB_OK;
  });
}

}  // extern "C"
