// Copyright (c) crdtdb authors.
//
// The version of crdtdb (the CMake project's), as `crdtdb --version` and `status` show it.

#ifndef CRDTDB_COMMAND_VERSION_H_
#define CRDTDB_COMMAND_VERSION_H_

#include <string_view>

namespace crdtdb::command {

std::string_view Version();

}  // namespace crdtdb::command

#endif  // CRDTDB_COMMAND_VERSION_H_
