// Copyright (c) crdtdb authors.
//
// What the library tests share: a database opened with a fixed clock, and a region of one
// replica that answers an app's sync_with in process.

#ifndef CRDTDB_TESTS_LIBRARY_LIBRARY_FIXTURES_H_
#define CRDTDB_TESTS_LIBRARY_LIBRARY_FIXTURES_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include "crdtdb/crdtdb.hpp"
#include "db/replica.h"

namespace crdtdb::testing {

inline uint64_t FixedClock() { return 1'700'000'000'000; }

inline Options At(const std::string& path) {
  Options options;
  options.path = path;
  options.clock_ms = FixedClock;
  return options;
}

inline std::unique_ptr<Database> Open(const std::string& path) {
  Result<std::unique_ptr<Database>> db = Database::open(At(path));
  REQUIRE_MESSAGE(db.ok(), db.status().ToString());
  return std::move(db).value();
}

inline Value Ok(Result<Value> r) {
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  return std::move(r).value();
}

// The call failed with InvalidArgument, its message naming `part`.
template <typename T>
void Refused(const Result<T>& r, const char* part) {
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Status::Code::kInvalidArgument);
  CHECK_MESSAGE(r.status().message().find(part) != std::string::npos, r.status().message());
}

// A region of one replica, answering an app's sync_with in process: what the ZeroMQ transport
// carries over the network, handed straight to the region's replica core.
class Region final : public SyncTransport {
 public:
  explicit Region(const std::string& path) {
    Result<std::unique_ptr<db::DatabaseImpl>> db = db::OpenDatabaseImpl(At(path));
    REQUIRE_MESSAGE(db.ok(), db.status().ToString());
    replica_ = std::make_unique<db::Replica>(std::move(db).value(), "test", "region",
                                             std::vector<std::string>{}, sync::SyncOptions{});
  }
  Database& db() { return replica_->database(); }
  // For what the public API cannot do to a region (drop its documents as a hand-off does).
  db::DatabaseImpl& impl() { return replica_->database(); }

  Result<std::string> Exchange(std::string_view request) override {
    std::optional<std::string> answer = replica_->OnRequest(request);
    if (!answer) return Status::Unavailable("no answer");
    return std::move(*answer);
  }
  Status Send(std::string_view message) override {
    (void)replica_->OnRequest(message);
    return Status::OK();
  }

 private:
  std::unique_ptr<db::Replica> replica_;
};

inline void Sync(Database& app, Region& region) {
  Result<SyncReport> report = app.sync_with(region);
  REQUIRE_MESSAGE(report.ok(), report.status().ToString());
  REQUIRE(app.status().merkle_root == region.db().status().merkle_root);
}

}  // namespace crdtdb::testing

#endif  // CRDTDB_TESTS_LIBRARY_LIBRARY_FIXTURES_H_
