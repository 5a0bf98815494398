// Copyright (c) crdtdb authors.

#include "cli/watch.h"

#include <iostream>
#include <string>

#include "command/exit_codes.h"
#include "command/region_watch.h"
#include "command/region_watch_follow.h"
#include "command/watch.h"
#include "db/change_feed.h"

namespace crdtdb::cli {

namespace {

int FailWatch(const Status& s) {
  std::cerr << "crdtdb: watch: " << s.message() << "\n";
  // A cursor the feed cannot serve is not a usage error: the watcher must resync (exit 1).
  const int code = command::ExitCodeFor(s);
  return code == command::kExitGone ? command::kExitFailure : code;
}

// Sends pages until `done` says so; prints each page's changes at once.
int Follow(const command::Command& command, const PageSender& send, uint32_t wait_ms,
           const std::function<bool(const command::WatchSession&)>& done) {
  command::WatchSession session(command.path, command.start_after);
  for (;;) {
    Result<std::string> lines = session.Accept(send(session.NextPage(wait_ms)));
    if (!lines.ok()) return FailWatch(lines.status());
    std::cout << *lines;
    if (!std::cout.flush()) {
      std::cerr << "crdtdb: watch: cannot write to standard output\n";
      return command::kExitFailure;
    }
    if (done(session)) return command::kExitOk;
  }
}

}  // namespace

Status CheckWatch(const std::string& path, const std::string& since) {
  if (Result<std::string> prefix = db::ChangePrefix(path); !prefix.ok()) return prefix.status();
  if (since.empty()) return Status::OK();
  if (command::IsRegionCursor(since)) return command::ParseRegionCursor(since).status();
  return db::ParseChangeCursor(since).status();
}

int WatchRemote(const command::Command& command, const PageSender& send) {
  if (command::IsRegionCursor(command.start_after)) {
    return FailWatch(Status::InvalidArgument(
        "--since is a region cursor: it resumes a watch through --config/--region of several nodes only"));
  }
  return Follow(command, send, command::kWatchMaxWaitMs, [](const command::WatchSession&) { return false; });
}

int WatchEmbedded(const command::Command& command, const PageSender& run) {
  // Without a cursor there is nothing before now to print.
  if (command.start_after.empty()) return command::kExitOk;
  return Follow(command, run, 0, [](const command::WatchSession& s) { return !s.moved(); });
}

int WatchRegion(const command::RegionRouter& router, const RegionConfig& region, const command::Command& command) {
  Result<command::RegionWatch> watch = command::RegionWatch::Start(router.placement(), region, command.path,
                                                                    command.start_after);
  if (!watch.ok()) return FailWatch(watch.status());
  const command::NodeCall call = [&router](const NodeConfig& node, const command::Command& page) {
    bool sent = false;
    return router.Call(node, page, &sent);
  };
  command::RegionWatchOutput output;
  output.print = [](const std::string& lines) {
    std::cout << lines;
    return std::cout.flush() ? Status::OK() : Status::IOError("cannot write to standard output");
  };
  output.silent = [](const std::string& node, const Status& why) {
    std::cerr << "crdtdb: watch: node " << node << " does not answer (" << why.message()
              << "); its partitions follow from their other owners until it is back\n";
  };
  return FailWatch(command::FollowRegionWatch(region, *watch, call, output));
}

}  // namespace crdtdb::cli
