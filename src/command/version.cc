// Copyright (c) crdtdb authors.

#include "command/version.h"

namespace crdtdb::command {

std::string_view Version() { return CRDTDB_VERSION; }

}  // namespace crdtdb::command
