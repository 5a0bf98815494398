// Copyright (c) crdtdb authors.
//
// ParkedWatches holds the watch requests of a node's clients that found no change (a long poll,
// command/watch.h) until a commit brings a change under their prefix or their wait ends. Sans-IO:
// the server's event loop tells it which document keys the commits since its last look changed
// (read from the change log's keys, not rendered), runs again the requests it hands back, and
// sends the answers.
//
// Bounded work per turn of the event loop: a commit wakes only the watches whose prefix holds
// a key it changed (a sorted-keys lookup per watch, no log read), and Due hands back at most
// `budget` requests per call; the others stay woken for the next turns (pending()). Bounded
// memory: beyond kMaxParked a request is answered at once (empty), and its client asks again.

#ifndef CRDTDB_SERVER_PARKED_WATCHES_H_
#define CRDTDB_SERVER_PARKED_WATCHES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "command/command.h"

namespace crdtdb::server {

class ParkedWatches {
 public:
  static constexpr size_t kMaxParked = 1024;
  // Requests run again per turn of the event loop, at most: one turn costs at most this many
  // page reads of the change log, whatever number of watches a burst of commits wakes.
  static constexpr size_t kRunsPerTurn = 64;
  // The most changed keys a turn looks at; beyond, every watch wakes (a burst that large
  // likely concerns most of them anyway).
  static constexpr size_t kMaxChangedKeys = 4096;

  struct Parked {
    std::string identity;  // the client's ROUTER identity, to answer it
    command::Command command;
    uint64_t deadline_ms = 0;  // answered by then, changes or not
    bool in_process = false;   // asked on the node's in-process socket, not its client endpoint
  };

  // Holds `parked` until Due hands it back; false when full (answer it now).
  bool Park(Parked parked);
  // The commits since the last call changed these document keys (any order): wakes the watches
  // whose prefix holds one of them.
  void Changed(std::vector<std::string> keys);
  // The commits changed more than the caller read: wakes every watch.
  void ChangedAll();
  // At most `budget` requests to run again at `now_ms`: woken ones first, in the order they were
  // parked, then those whose deadline has come. The caller answers a request that now finds
  // changes or whose deadline has come, and parks the others again.
  std::vector<Parked> Due(uint64_t now_ms, size_t budget = kRunsPerTurn);
  // Whether a woken request waits for the next call (the event loop then polls without waiting).
  bool pending() const;
  bool empty() const { return parked_.empty(); }
  size_t size() const { return parked_.size(); }

 private:
  struct Held {
    Parked parked;
    std::optional<std::string> prefix;  // the key prefix watched; nullopt: woken by any change
    bool woken = false;
  };
  std::vector<Held> parked_;
};

}  // namespace crdtdb::server

#endif  // CRDTDB_SERVER_PARKED_WATCHES_H_
