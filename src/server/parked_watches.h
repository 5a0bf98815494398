// Copyright (c) crdtdb authors.
//
// ParkedWatches holds the watch requests of a node's clients that found no change (a long poll,
// command/watch.h) until a commit may have brought one or their wait ends. Sans-IO: the server's
// event loop tells it the time and its replica's commit count, runs again the requests it hands
// back, and sends the answers. Bounded: beyond kMaxParked a request is answered at once (empty),
// and its client simply asks again.

#ifndef CRDTDB_SERVER_PARKED_WATCHES_H_
#define CRDTDB_SERVER_PARKED_WATCHES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "command/command.h"

namespace crdtdb::server {

class ParkedWatches {
 public:
  static constexpr size_t kMaxParked = 1024;

  struct Parked {
    std::string identity;  // the client's ROUTER identity, to answer it
    command::Command command;
    uint64_t deadline_ms = 0;  // answered by then, changes or not
  };

  // Holds `parked` until Due hands it back; false when full (answer it now).
  bool Park(Parked parked);
  // The requests to run again at `now_ms`: every one, once `commits` differs from what the last
  // call saw, else those whose deadline has come. The caller answers a request that now finds
  // changes or whose deadline has come, and parks the others again.
  std::vector<Parked> Due(uint64_t now_ms, uint64_t commits);
  bool empty() const { return parked_.empty(); }
  size_t size() const { return parked_.size(); }

 private:
  std::vector<Parked> parked_;
  uint64_t commits_seen_ = 0;
};

}  // namespace crdtdb::server

#endif  // CRDTDB_SERVER_PARKED_WATCHES_H_
