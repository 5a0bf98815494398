// Copyright (c) crdtdb authors.

#ifndef CRDTDB_INCLUDE_CHANGE_H_
#define CRDTDB_INCLUDE_CHANGE_H_

#include <optional>
#include <string>

namespace crdtdb {

// One committed change of one document, as delivered to subscribers.
struct Change {
  std::string key;                  // "collection/id"
  std::optional<std::string> json;  // the document after the change; nullopt when deleted
  bool remote = false;              // true when the change came from another replica
};

}  // namespace crdtdb

#endif  // CRDTDB_INCLUDE_CHANGE_H_
