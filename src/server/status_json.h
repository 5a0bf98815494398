// Copyright (c) crdtdb authors.
//
// The `status` object of a region (interfaces section 3, docs/cli.md "status"), one line of JSON.

#ifndef CRDTDB_SERVER_STATUS_JSON_H_
#define CRDTDB_SERVER_STATUS_JSON_H_

#include <cstdint>
#include <string>

#include "db/replica.h"

namespace crdtdb::server {

// For a replica that serves from `data_dir` and started `uptime_s` seconds ago; ends in "\n".
std::string StatusJson(const db::ReplicaStatus& s, const std::string& data_dir, uint64_t uptime_s);

}  // namespace crdtdb::server

#endif  // CRDTDB_SERVER_STATUS_JSON_H_
