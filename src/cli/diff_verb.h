// Copyright (c) crdtdb authors.
//
// The CLI's `diff` (docs/cli.md, "diff"): which documents two replicas hold differently, each side
// a region (of one node, or of several compared partition by partition: command/region_diff.h),
// an endpoint, or the embedded store --data-dir opened read-only. Nothing is changed on either side.

#ifndef CRDTDB_CLI_DIFF_VERB_H_
#define CRDTDB_CLI_DIFF_VERB_H_

#include "cli/arguments.h"

namespace crdtdb::cli {

// Runs `diff`; returns the exit code.
int Diff(const Parser& p, const Arguments& a);

}  // namespace crdtdb::cli

#endif  // CRDTDB_CLI_DIFF_VERB_H_
