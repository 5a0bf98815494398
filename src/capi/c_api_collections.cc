// Copyright (c) crdtdb authors.
//
// The C ABI's calls that answer with a structure (a page of documents, the status, a sync report):
// each structure crosses as one JSON object (include/crdtdb/crdtdb.h says which members).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "capi/c_errors.h"
#include "capi/c_handles.h"
#include "command/live_sync_json.h"
#include "crdtdb/crdtdb.h"

namespace {

using crdtdb::Status;
using crdtdb::capi::CopyString;
using crdtdb::capi::Entry;
using crdtdb::capi::Fail;

// `text` as a JSON string. Ids and errors come from the library; bytes that are not UTF-8 (which
// it should never hand out) are replaced rather than thrown on.
std::string JsonString(std::string_view text) {
  return nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// {"documents":[{"id":...,"doc":...},...],"<more_name>":<more>: the documents are JSON text
// already, so they are spliced in as they are rather than parsed again.
std::string PageJson(const std::vector<crdtdb::ListedDocument>& documents,
                     std::string_view more_name, const std::optional<std::string>& more) {
  std::string out = "{\"documents\":[";
  for (size_t i = 0; i < documents.size(); ++i) {
    if (i > 0) out += ',';
    out += "{\"id\":";
    out += JsonString(documents[i].id);
    out += ",\"doc\":";
    out += documents[i].json;
    out += '}';
  }
  out += "],\"";
  out += more_name;
  out += "\":";
  out += more ? JsonString(*more) : "null";
  return out;  // the caller closes the object
}

}  // namespace

extern "C" {

crdtdb_code crdtdb_list(crdtdb_db* db, const char* collection, size_t limit,
                        const char* start_after, char** page, char** error) {
  return Entry(error, {page}, {{db, "db"}, {collection, "collection"}, {page, "page"}}, [&] {
    crdtdb::ListOptions options;
    if (limit != 0) options.limit = limit;
    if (start_after != nullptr) options.start_after = start_after;
    auto listed = db->database->list(collection, options);
    if (!listed.ok()) return Fail(listed.status(), error);
    *page =
        CopyString(PageJson(listed->documents, "next_start_after", listed->next_start_after) + "}");
    return CRDTDB_OK;
  });
}

crdtdb_code crdtdb_find(crdtdb_db* db, const char* collection, const char* query_json,
                        uint64_t max_examined, uint32_t deadline_ms, char** page, char** error) {
  return Entry(error, {page},
               {{db, "db"}, {collection, "collection"}, {query_json, "query_json"}, {page, "page"}},
               [&] {
                 crdtdb::FindOptions options;
                 if (max_examined != 0) options.max_examined = max_examined;
                 if (deadline_ms != 0) options.deadline_ms = deadline_ms;
                 auto found = db->database->find(collection, query_json, options);
                 if (!found.ok()) return Fail(found.status(), error);
                 *page = CopyString(PageJson(found->documents, "bookmark", found->bookmark) +
                                    ",\"examined\":" + std::to_string(found->examined) + "}");
                 return CRDTDB_OK;
               });
}

crdtdb_code crdtdb_status(crdtdb_db* db, char** json, char** error) {
  return Entry(error, {json}, {{db, "db"}, {json, "json"}}, [&] {
    const crdtdb::LocalStatus status = db->database->status();
    nlohmann::json out = {
        {"replica_id", status.replica_id},
        {"documents", status.documents},
        {"merkle_root", status.merkle_root},
        {"last_sequence", status.last_sequence},
        {"commits", status.commits},
        {"documents_written", status.documents_written},
        {"clock_ahead_ignored", status.clock_ahead_ignored},
        {"healthy", status.healthy},
        {"last_error", status.last_error},
        {"read_errors", status.read_errors},
        {"first_read_error", status.first_read_error},
        {"live_syncs", nlohmann::json::array()},
    };
    for (const crdtdb::LiveSyncState& sync : status.live_syncs) {
      out["live_syncs"].push_back(nlohmann::json::parse(crdtdb::command::LiveSyncStateJson(sync)));
    }
    *json = CopyString(out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    return CRDTDB_OK;
  });
}

crdtdb_code crdtdb_sync_with(crdtdb_db* db, const char* endpoint, char** report, char** error) {
  return Entry(error, {report}, {{db, "db"}, {endpoint, "endpoint"}, {report, "report"}}, [&] {
    auto synced = db->database->sync_with(std::string(endpoint));
    if (!synced.ok()) return Fail(synced.status(), error);
    const nlohmann::json out = {
        {"documents_sent", synced->documents_sent},
        {"documents_received", synced->documents_received},
        {"bytes_sent", synced->bytes_sent},
        {"bytes_received", synced->bytes_received},
        {"rounds", synced->rounds},
        {"duration_ms", synced->duration_ms},
        {"in_sync", synced->in_sync},
    };
    *report = CopyString(out.dump());
    return CRDTDB_OK;
  });
}

}  // extern "C"
