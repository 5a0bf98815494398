// Copyright (c) crdtdb authors.
//
// `crdtdb --data-dir DIR repair --into NEWDIR`: repairs a copy of a damaged embedded store
// (store/store_repair.h) and reports what it kept and what it lost, as one JSON object. DIR is
// only read; the operator replaces it with NEWDIR, or not (docs/operations.md, "Recovering a
// damaged store").

#ifndef CRDTDB_CLI_REPAIR_H_
#define CRDTDB_CLI_REPAIR_H_

#include <string>

#include "command/command.h"

namespace crdtdb::cli {

// Exit 0 when the repaired copy verifies clean, 1 when it still has problems (the report lists
// them) or the repair failed, 2 when NEWDIR is not a missing or empty directory.
command::Outcome Repair(const std::string& data_dir, const std::string& into);

}  // namespace crdtdb::cli

#endif  // CRDTDB_CLI_REPAIR_H_
