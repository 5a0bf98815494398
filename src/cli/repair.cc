// Copyright (c) crdtdb authors.

#include "cli/repair.h"

#include <cstdio>

#include <nlohmann/json.hpp>

#include "command/exit_codes.h"
#include "store/store_repair.h"

namespace crdtdb::cli {

command::Outcome Repair(const std::string& data_dir, const std::string& into) {
  Result<store::RepairReport> report = store::RepairStoreCopy(data_dir, into);
  if (!report.ok()) {
    return command::Outcome{command::ExitCodeFor(report.status()), "",
                            "repair of " + data_dir + " failed: " + report.status().message(), {}, {}};
  }
  char replica_id[17];
  std::snprintf(replica_id, sizeof replica_id, "%016llx",
                static_cast<unsigned long long>(report->metadata.replica_id));
  nlohmann::ordered_json j;
  j["repaired_into"] = into;
  j["documents_kept"] = report->documents_kept;
  j["documents"] = report->metadata.live_documents;
  j["documents_before"] = report->live_documents_before
                              ? nlohmann::ordered_json(*report->live_documents_before)
                              : nlohmann::ordered_json(nullptr);
  j["documents_lost"] = report->documents_lost;
  j["lost_keys"] = report->lost_keys;
  j["unreadable_files"] = report->unreadable_files;
  j["set_aside_files"] = report->set_aside_files;
  j["other_files"] = report->other_files;
  j["unreadable_blocks"] = report->skipped_blocks.empty()
                               ? nlohmann::ordered_json(nullptr)
                               : nlohmann::ordered_json(report->skipped_blocks);
  j["replica_id"] = replica_id;
  j["replica_id_replaced"] = report->replica_id_replaced;
  j["epoch"] = report->metadata.epoch;
  j["verify"] = {{"documents_checked", report->verification.documents},
                 {"problems", report->verification.problems}};
  command::Outcome outcome;
  outcome.out = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  if (!report->verification.problems.empty()) {
    outcome.exit_code = command::kExitFailure;
    outcome.error = "the repaired copy in " + into +
                    " still fails verify; the report on stdout lists the problems";
  }
  return outcome;
}

}  // namespace crdtdb::cli
