// Copyright (c) crdtdb authors.
//
// Live sync in the C ABI: crdtdb::Database::start_sync with its options as a JSON object and its
// state as JSON text to a C callback; the handle is registered with its crdtdb_db so that
// crdtdb_close stops the ones still running.

#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "capi/c_errors.h"
#include "capi/c_handles.h"
#include "command/live_sync_json.h"
#include "crdtdb/crdtdb.h"

namespace {

using crdtdb::Result;
using crdtdb::Status;
using crdtdb::capi::CopyString;
using crdtdb::capi::Entry;
using crdtdb::capi::Fail;

// crdtdb::LiveSyncOptions from {"endpoint": ..., "push_delay_ms": ..., ...}: every member known,
// of its type; the region itself is checked by start_sync.
Result<crdtdb::LiveSyncOptions> ParseOptions(const char* text) {
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return Status::InvalidArgument("live sync options must be a JSON object");
  crdtdb::LiveSyncOptions options;
  const std::pair<const char*, std::string*> strings[] = {
      {"endpoint", &options.endpoint},
      {"publish_endpoint", &options.publish_endpoint},
      {"config_path", &options.config_path},
      {"region", &options.region},
      {"client_key_file", &options.client_key_file},
      {"server_public_key", &options.server_public_key},
  };
  const std::pair<const char*, uint32_t*> timings[] = {
      {"push_delay_ms", &options.push_delay_ms},
      {"poll_interval_ms", &options.poll_interval_ms},
      {"backoff_initial_ms", &options.backoff_initial_ms},
      {"backoff_max_ms", &options.backoff_max_ms},
      {"answer_timeout_ms", &options.answer_timeout_ms},
  };
  for (const auto& [name, value] : j.items()) {
    bool known = false;
    for (const auto& [option, field] : strings) {
      if (name != option) continue;
      if (!value.is_string()) return Status::InvalidArgument("live sync option \"" + name + "\" must be a string");
      *field = value.get<std::string>();
      known = true;
    }
    for (const auto& [option, field] : timings) {
      if (name != option) continue;
      if (!value.is_number_unsigned() || value.get<uint64_t>() > std::numeric_limits<uint32_t>::max()) {
        return Status::InvalidArgument("live sync option \"" + name +
                                       "\" must be a whole number of milliseconds below 2^32");
      }
      *field = static_cast<uint32_t>(value.get<uint64_t>());
      known = true;
    }
    if (!known) return Status::InvalidArgument("unknown live sync option \"" + name + "\"");
  }
  return options;
}

}  // namespace

extern "C" {

crdtdb_code crdtdb_start_sync(crdtdb_db* db, const char* options_json,
                              crdtdb_sync_state_callback callback, void* user,
                              crdtdb_live_sync** sync, char** error) {
  if (sync != nullptr) *sync = nullptr;
  return Entry(error, {}, {{db, "db"}, {options_json, "options_json"}, {sync, "sync"}}, [&] {
    Result<crdtdb::LiveSyncOptions> options = ParseOptions(options_json);
    if (!options.ok()) return Fail(options.status(), error);
    crdtdb::LiveSyncCallback on_state;
    if (callback != nullptr) {
      on_state = [callback, user](const crdtdb::LiveSyncState& state) {
        // No exception may leave the sync's thread into C: rendering can only run out of memory,
        // and a state the app does not hear of is followed by the next one.
        try {
          const std::string json = crdtdb::command::LiveSyncStateJson(state);
          callback(user, json.c_str());
        } catch (...) {
        }
      };
    }
    auto handle = std::make_unique<crdtdb_live_sync>();
    handle->db = db;
    auto started = db->database->start_sync(*options, std::move(on_state));
    if (!started.ok()) return Fail(started.status(), error);
    handle->sync = std::move(started).value();
    std::lock_guard lock(db->mu);
    db->live_syncs.insert(handle.get());
    *sync = handle.release();
    return CRDTDB_OK;
  });
}

crdtdb_code crdtdb_sync_state(crdtdb_live_sync* sync, char** state_json, char** error) {
  return Entry(error, {state_json}, {{sync, "sync"}, {state_json, "state_json"}}, [&] {
    *state_json = CopyString(crdtdb::command::LiveSyncStateJson(sync->sync->state()));
    return CRDTDB_OK;
  });
}

void crdtdb_stop_sync(crdtdb_live_sync* sync) {
  if (sync == nullptr) return;
  {
    std::lock_guard lock(sync->db->mu);
    sync->db->live_syncs.erase(sync);
  }
  delete sync;  // stops the sync and joins its thread; the callback never runs after
}

}  // extern "C"
