// Copyright (c) crdtdb authors.

#include "command/region_watch_follow.h"

#include <chrono>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include "command/watch.h"

namespace crdtdb::command {

namespace {

// How long a node that did not answer waits before it is asked again: a call that fails at once
// (no keys for it, say) must not spin.
constexpr auto kSilentRetry = std::chrono::milliseconds(250);

// What the nodes' threads share: the watch and the output are used under `mu` only.
struct Shared {
  std::mutex mu;
  std::optional<Status> end;     // why the watch ends, once it does
  std::set<std::string> silent;  // the nodes whose last call had no answer
};

void FollowNode(const NodeConfig& node, const RegionConfig& region, RegionWatch& watch, const NodeCall& call,
                const RegionWatchOutput& output, Shared& shared) {
  for (;;) {
    Command page;
    {
      std::lock_guard lock(shared.mu);
      if (shared.end) return;
      page = watch.PageFor(node.name, kWatchMaxWaitMs);
    }
    Result<Outcome> answer = call(node, page);
    std::unique_lock lock(shared.mu);
    if (shared.end) return;
    if (!answer.ok()) {
      const std::string deferred = watch.NodeSilent(node.name);
      if (shared.silent.insert(node.name).second) output.silent(node.name, answer.status());
      if (Status printed = deferred.empty() ? Status::OK() : output.print(deferred); !printed.ok()) {
        shared.end = std::move(printed);
        return;
      }
      if (shared.silent.size() == region.nodes.size()) {
        shared.end = Status::IOError("no node of region " + region.name + " answers (the last error: " +
                                     answer.status().message() + ")");
        return;
      }
      lock.unlock();
      std::this_thread::sleep_for(kSilentRetry);
      continue;
    }
    shared.silent.erase(node.name);
    Result<std::string> lines = watch.AcceptPage(node.name, *answer);
    Status printed = lines.ok() ? output.print(*lines) : lines.status();
    if (!printed.ok()) shared.end = std::move(printed);
  }
}

}  // namespace

Status FollowRegionWatch(const RegionConfig& region, RegionWatch& watch, const NodeCall& call,
                         const RegionWatchOutput& output) {
  Shared shared;
  {
    std::vector<std::jthread> threads;
    for (const NodeConfig& node : region.nodes) {
      threads.emplace_back([&, node = &node] { FollowNode(*node, region, watch, call, output, shared); });
    }
  }
  return *shared.end;
}

}  // namespace crdtdb::command
