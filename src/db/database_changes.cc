// Copyright (c) crdtdb authors.
//
// DatabaseImpl's change feed (docs/changes.md): pages of the store's change log, and the
// subscription that follows it from a cursor (change_feed.h).

#include "db/change_feed.h"
#include "db/database_impl.h"

namespace crdtdb::db {

Result<ChangePage> DatabaseImpl::changes(std::string_view prefix, std::string_view since, size_t limit) {
  return ReadChanges(*store_, prefix, since, limit);
}

Result<std::unique_ptr<Subscription>> DatabaseImpl::subscribe(std::string prefix, SubscribeOptions options,
                                                              std::function<void(const Change&)> callback) {
  if (options.batch == 0) return Status::InvalidArgument("a subscription's batch is at least one change");
  // Checked here, so that a bad cursor fails the call rather than ending the subscription later.
  Result<ChangePage> start = ReadChanges(*store_, prefix, options.since, 1);
  if (!start.ok()) return start.status();
  std::string cursor = options.since.empty() ? start->cursor : options.since;
  return std::unique_ptr<Subscription>(std::make_unique<FeedSubscription>(
      *store_, subscriptions_.commit_signal(), std::move(prefix), std::move(options), std::move(callback),
      std::move(cursor)));
}

}  // namespace crdtdb::db
