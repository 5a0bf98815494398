// Copyright (c) crdtdb authors.
//
// The answers to the CLI's and the API's requests on the client socket: each runs as a command
// on the replica (command/command.h), on this node's thread, so it sees and makes writes in the
// order the replica applies them. A watch with nothing to report yet is parked
// (parked_watches.h) and answered when a commit may have changed what it watches, or when its
// wait ends.

#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "command/document_version.h"
#include "command/status_json.h"
#include "command/watch.h"
#include "server/region_server_impl.h"

namespace crdtdb::server {

std::optional<std::string> RegionServer::AnswerClient(const std::string& payload, const std::string& identity,
                                                      bool in_process) {
  const uint64_t started_us = SteadyUs();
  Result<command::Command> command = command::DecodeCommand(payload);
  if (!command.ok()) {
    replica_->CountRejected();
    return command::EncodeOutcome(command::Outcome{2, "", command.status().message(), {}, {}});
  }
  const auto observe = [&](int exit_code, bool redirected) {
    if (metrics_ == nullptr) return;
    metrics_->ObserveClientRequest(command->verb, exit_code, redirected,
                                   static_cast<double>(SteadyUs() - started_us) / 1e6);
  };
  if (std::optional<command::Outcome> redirect = node_->RedirectUnlessKept(*command, replica_->scope())) {
    observe(redirect->exit_code, /*redirected=*/true);
    return command::EncodeOutcome(*redirect);
  }
  node_->ScopeListing(&*command);
  const command::Outcome outcome = RunClientCommand(*command);
  if (command->verb == command::Command::Verb::kWatch && command->wait_ms > 0 &&
      !command::WatchFoundChanges(outcome) &&
      parked_.Park({identity, *command, SteadyMs() + command->wait_ms, in_process})) {
    return std::nullopt;
  }
  observe(outcome.exit_code, /*redirected=*/false);
  return command::EncodeOutcome(outcome);
}

command::Outcome RegionServer::RunClientCommand(const command::Command& command) {
  return command::Execute(
      command, replica_->database(),
      [&](std::ostream& out) -> Status {
        const uint64_t now_ms = SteadyMs();
        const std::string status =
            command::StatusJson(replica_->status(now_ms), self_->data_dir, (now_ms - started_ms_) / 1000);
        if (!region_->listed_nodes) {
          out << status;
          return Status::OK();
        }
        return node_->PrintStatus(status, replica_->database(), replica_->scope(), command.partitions, out);
      },
      [&](std::string_view path) { return command::DocumentVersion(replica_->database(), path); });
}

void RegionServer::AnswerParkedWatches() {
  db::DatabaseImpl& db = replica_->database();
  // Read before the watches run: a change committed after this is looked at next turn.
  const store::ChangeCursor head = db.change_log_head();
  if (!parked_.empty() && head != changes_seen_) {
    Result<store::ChangeLogPage> page = db.changed_keys(changes_seen_, ParkedWatches::kMaxChangedKeys);
    if (page.ok() && page->next == head) {
      std::vector<std::string> keys;
      for (store::ChangeLogEntry& entry : page->entries) keys.push_back(std::move(entry.key));
      parked_.Changed(std::move(keys));
    } else {
      parked_.ChangedAll();  // more than a turn looks at, or a new feed
    }
  }
  changes_seen_ = head;
  if (parked_.empty()) return;
  const uint64_t now = SteadyMs();
  for (ParkedWatches::Parked& p : parked_.Due(now)) {
    const command::Outcome outcome = RunClientCommand(p.command);
    if (!command::WatchFoundChanges(outcome) && p.deadline_ms > now && parked_.Park(p)) continue;
    const std::string answer = command::EncodeOutcome(outcome);
    zmq::socket_t& socket = p.in_process ? in_process_ : client_;
    try {
      socket.send(zmq::buffer(p.identity), zmq::send_flags::sndmore | zmq::send_flags::dontwait);
      socket.send(zmq::buffer(answer), zmq::send_flags::dontwait);
    } catch (const zmq::error_t&) {
      // The watcher left: nothing to answer.
    }
  }
}

}  // namespace crdtdb::server
