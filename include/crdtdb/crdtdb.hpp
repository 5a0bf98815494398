// Copyright (c) crdtdb authors.
//
// The whole public API of crdtdb: include this one header.

#ifndef CRDTDB_INCLUDE_CRDTDB_HPP_
#define CRDTDB_INCLUDE_CRDTDB_HPP_

#include "crdtdb/change.h"
#include "crdtdb/database.h"
#include "crdtdb/options.h"
#include "crdtdb/limits.h"
#include "crdtdb/lists.h"
#include "crdtdb/result.h"
#include "crdtdb/status.h"
#include "crdtdb/sync_report.h"
#include "crdtdb/sync_transport.h"
#include "crdtdb/text.h"
#include "crdtdb/value.h"

#endif  // CRDTDB_INCLUDE_CRDTDB_HPP_
