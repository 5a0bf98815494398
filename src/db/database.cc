// Copyright (c) crdtdb authors.

#include <chrono>

#include "db/database_impl.h"
#include "db/key.h"

namespace crdtdb {

namespace {
uint64_t SystemClockMs() {
  using namespace std::chrono;
  return static_cast<uint64_t>(duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
}
}  // namespace

Result<std::unique_ptr<Database>> Database::open(const Options& options) {
  Result<std::unique_ptr<db::DatabaseImpl>> db = db::OpenDatabaseImpl(options);
  if (!db.ok()) return db.status();
  return std::unique_ptr<Database>(std::move(db).value());
}

Database::~Database() = default;

Result<std::unique_ptr<db::DatabaseImpl>> db::OpenDatabaseImpl(const Options& options) {
  store::StoreOptions so;
  so.path = options.path;
  so.create_if_missing = options.create_if_missing;
  so.read_only = options.read_only;
  so.sync_writes = options.durability == Durability::kSync;
  so.delta_log_max_entries = options.delta_log_max_entries;
  so.change_log_max_entries = options.change_log_max_entries;
  so.cache_bytes = options.cache_bytes;
  Result<std::unique_ptr<store::Store>> store = store::Store::Open(so);
  if (!store.ok()) return store.status();
  return std::make_unique<db::DatabaseImpl>(
      std::move(store).value(), options.clock_ms != nullptr ? options.clock_ms : SystemClockMs);
}

Status validate_key(std::string_view key) { return db::NormalizeKey(key).status(); }
Status validate_collection(std::string_view collection) { return db::NormalizeCollection(collection).status(); }

}  // namespace crdtdb
