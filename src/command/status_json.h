// Copyright (c) crdtdb authors.
//
// The `status` object (interfaces section 3, docs/cli.md "status") as one line of JSON. One
// builder serves a region's replica and an embedded store, so that both show the same keys with
// the same meaning, in the same order: scripts read every kind of replica alike.

#ifndef CRDTDB_COMMAND_STATUS_JSON_H_
#define CRDTDB_COMMAND_STATUS_JSON_H_

#include <cstdint>
#include <string>

#include "crdtdb/database.h"
#include "db/replica.h"

namespace crdtdb::command {

// A region's replica that serves from `data_dir` and started `uptime_s` seconds ago; ends in "\n".
std::string StatusJson(const db::ReplicaStatus& s, const std::string& data_dir, uint64_t uptime_s);

// An embedded store at `data_dir`: it belongs to no cluster or region (null) and has no peers; the
// replication counters are present and 0. Ends in "\n".
std::string EmbeddedStatusJson(const LocalStatus& local, const std::string& data_dir);

}  // namespace crdtdb::command

#endif  // CRDTDB_COMMAND_STATUS_JSON_H_
