// Copyright (c) crdtdb authors.

#ifndef CRDTDB_INCLUDE_CHANGE_H_
#define CRDTDB_INCLUDE_CHANGE_H_

#include <optional>
#include <string>

namespace crdtdb {

// One committed change of one document, as delivered to subscribers and read from the change
// feed (Database::changes, docs/changes.md).
struct Change {
  std::string key;                  // "collection/id"
  // The document after the change; nullopt when deleted. Read from the change feed, it is the
  // document as it is when read, which may already include later changes of it.
  std::optional<std::string> json;
  bool remote = false;              // true when the change came from another replica
  // The change feed's position right after this change: give it as `since` to resume after it
  // (Database::changes, SubscribeOptions). Empty for the subscribe without options, whose
  // changes are delivered before their position is known.
  std::string cursor{};
};

}  // namespace crdtdb

#endif  // CRDTDB_INCLUDE_CHANGE_H_
