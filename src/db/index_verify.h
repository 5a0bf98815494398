// Copyright (c) crdtdb authors.
//
// verify's check of the indexes: every ready index holds exactly one entry per live document of
// its collection, the one its values give (index_entries.h), and nothing else.

#ifndef CRDTDB_DB_INDEX_VERIFY_H_
#define CRDTDB_DB_INDEX_VERIFY_H_

#include <string>
#include <vector>

#include "crdtdb/result.h"
#include "db/index_catalog.h"
#include "store/store.h"

namespace crdtdb::db {

// Appends a problem per missing or extra entry (at most kMaxVerifyProblems in all), reading one
// snapshot of the store. An error only if the store cannot be read.
constexpr size_t kMaxVerifyProblems = 100;
Status VerifyIndexes(const store::Store& store, const IndexCatalog& catalog, std::vector<std::string>* problems);

}  // namespace crdtdb::db

#endif  // CRDTDB_DB_INDEX_VERIFY_H_
