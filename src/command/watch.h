// Copyright (c) crdtdb authors.
//
// The `watch` verb (docs/changes.md): a watcher follows the change feed page by page. One page
// is one command (Command::Verb::kWatch) run where the data is, embedded or on a server, that
// prints the changes after the command's cursor, one JSON line each (interfaces.md section 2),
// then one last line {"next": CURSOR} saying where the next page starts. A server may hold a
// watch command that found nothing for up to Command::wait_ms, and answers it as soon as a
// commit brings changes (a long poll: server/parked_watches.h), so a remote watcher hears of a
// change within one turn of the server's event loop while every request stays bounded.
//
// WatchSession is the watcher's side as a sans-IO state machine: it builds each page's command
// and takes each outcome, keeping the cursor; the CLI sends the commands (cli/watch.h).

#ifndef CRDTDB_COMMAND_WATCH_H_
#define CRDTDB_COMMAND_WATCH_H_

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>

#include "command/command.h"
#include "crdtdb/database.h"

namespace crdtdb::command {

// Changes per page of a watch.
constexpr size_t kWatchPageChanges = 1000;
// How long a server holds a watch that found nothing, at most (well within the client's timeout).
constexpr uint32_t kWatchMaxWaitMs = 2000;

// Prints one page of the change feed under `path` after `since` (empty: from now), at most
// `limit` changes, as the lines above.
Status WatchPage(Database& db, std::string_view path, std::string_view since, size_t limit, std::ostream& out);

// Whether a watch outcome holds changes (more than its "next" line): a server parks one that
// does not.
bool WatchFoundChanges(const Outcome& outcome);

class WatchSession {
 public:
  // `since`: the cursor to resume after; empty: from the changes committed after the first page.
  WatchSession(std::string path, std::string since) : path_(std::move(path)), cursor_(std::move(since)) {}

  // The next page's command; `wait_ms`: how long a server may hold it while nothing changes.
  Command NextPage(uint32_t wait_ms) const;
  // Takes a page's outcome: the change lines to print, or the error it carries (the outcome's
  // exit code as a Status: InvalidArgument for a malformed cursor, Gone for one too old).
  Result<std::string> Accept(const Outcome& outcome);
  // Whether the last page moved the cursor: a watcher that reads a store nobody else writes to
  // has caught up once it did not.
  bool moved() const { return moved_; }
  const std::string& cursor() const { return cursor_; }

 private:
  const std::string path_;
  std::string cursor_;
  bool moved_ = true;
};

}  // namespace crdtdb::command

#endif  // CRDTDB_COMMAND_WATCH_H_
