// Copyright (c) crdtdb authors.

#include "command/verbs.h"

#include <algorithm>
#include <sstream>

#include <nlohmann/json.hpp>

#include "command/exit_codes.h"
#include "command/index_verbs.h"
#include "command/json_text.h"
#include "command/status_json.h"
#include "command/version.h"
#include "crdtdb/lists.h"
#include "db/key.h"

namespace crdtdb::command {

namespace {

// Pages of this many documents bound the memory of a listing without --limit.
constexpr size_t kListPageSize = 1000;

Status PrintDocument(const Result<std::string>& doc, std::ostream& out) {
  if (!doc.ok()) return doc.status();
  out << *doc << '\n';
  return Status::OK();
}

Status PrintVerifyReport(const VerifyReport& report, std::ostream& out) {
  nlohmann::ordered_json r;
  r["documents_checked"] = report.documents_checked;
  r["problems"] = report.problems;
  out << JsonText(r) << '\n';
  if (report.ok()) return Status::OK();
  return Status::Corruption("verify found " + std::to_string(report.problems.size()) +
                            " problem(s); the report on stdout lists them");
}

}  // namespace

Status Get(Database& db, std::string_view path, bool with_conflicts, std::ostream& out) {
  return PrintDocument(with_conflicts ? db.get_with_conflicts(path) : db.get(path), out);
}

Status Put(Database& db, std::string_view path, std::string_view json, std::ostream& out) {
  return PrintDocument(db.put(path, json), out);
}

Status Patch(Database& db, std::string_view path, std::string_view json, std::string_view base, std::ostream& out) {
  return PrintDocument(base.empty() ? db.patch(path, json) : json_patch(db, path, json, base), out);
}

Status GetWithBase(Database& db, std::string_view path, std::ostream& out) {
  Result<VersionedDocument> read = get_with_base(db, path);
  if (!read.ok()) return read.status();
  // By hand, so the document's text passes through unparsed and "doc" comes first.
  out << "{\"doc\":" << read->json << ",\"base\":" << JsonText(nlohmann::json(read->base_version)) << "}\n";
  return Status::OK();
}

Status Delete(Database& db, std::string_view path) { return db.remove(path); }

Status Increment(Database& db, std::string_view path, std::string_view field, int64_t by,
                 std::ostream& out) {
  return PrintDocument(db.increment(path, field, by), out);
}

Status SetAdd(Database& db, std::string_view path, std::string_view field,
              std::string_view element_json, std::ostream& out) {
  return PrintDocument(db.set_add(path, field, element_json), out);
}

Status SetRemove(Database& db, std::string_view path, std::string_view field,
                 std::string_view element_json, std::ostream& out) {
  return PrintDocument(db.set_remove(path, field, element_json), out);
}

Status List(Database& db, std::string_view collection, std::optional<size_t> limit,
            const std::string& start_after, const std::function<bool(std::string_view key)>& keep,
            std::ostream& out) {
  std::string prefix;
  if (keep) {
    Result<std::string> name = db::NormalizeCollection(collection);
    if (!name.ok()) return name.status();
    prefix = *name + "/";
  }
  ListOptions options;
  options.start_after = start_after;
  size_t left = limit.value_or(SIZE_MAX);
  while (left > 0) {
    options.limit = std::min(left, kListPageSize);
    Result<ListPage> page = db.list(collection, options);
    if (!page.ok()) return page.status();
    for (const ListedDocument& d : page->documents) {
      if (left == 0) break;
      if (keep && !keep(prefix + d.id)) continue;
      // Written by hand rather than through a json object so that "id" comes first, as the
      // contract shows it, and the document text is passed through without a re-parse.
      out << "{\"id\":" << JsonText(nlohmann::json(d.id)) << ",\"doc\":" << d.json << "}\n";
      --left;
    }
    if (!page->next_start_after.has_value()) break;
    options.start_after = *page->next_start_after;
  }
  return Status::OK();
}

Status Find(Database& db, std::string_view collection, std::string_view query_json,
            std::function<bool(std::string_view key)> keep, bool explain, std::ostream& out) {
  FindOptions options;
  options.max_examined = kFindMaxExamined;
  options.deadline_ms = kFindDeadlineMs;
  options.keep = std::move(keep);
  Result<crdtdb::FindPage> page = db.find(collection, query_json, options);
  if (!page.ok()) return page.status();
  if (explain) {
    out << ExplainJson(page->plan) << '\n';
    return Status::OK();
  }
  for (const ListedDocument& d : page->documents) {
    out << "{\"id\":" << JsonText(nlohmann::json(d.id)) << ",\"doc\":" << d.json << "}\n";
  }
  if (page->bookmark) out << "{\"bookmark\":" << JsonText(nlohmann::json(*page->bookmark)) << "}\n";
  return Status::OK();
}

Status PrintStatus(Database& db, const std::string& data_dir, std::ostream& out) {
  // This process has read nothing yet, so the health it knows would say nothing of the files: it
  // reads them all once first, and a failure shows as healthy: false with the error.
  (void)db.check_storage();
  out << EmbeddedStatusJson(db.status(), data_dir);
  return Status::OK();
}

Status Verify(Database& db, std::ostream& out) {
  Result<VerifyReport> report = db.verify();
  if (!report.ok()) return report.status();
  return PrintVerifyReport(*report, out);
}

Outcome VerifyUnopenable(const Status& why) {
  std::ostringstream out;
  (void)PrintVerifyReport(VerifyReport{0, {why.message()}}, out);
  return Outcome{kExitFailure, out.str(), why.message().empty() ? why.ToString() : why.message(), {}, {}};
}

}  // namespace crdtdb::command
