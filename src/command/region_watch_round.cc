// Copyright (c) crdtdb authors.

#include "command/region_watch_round.h"

#include <optional>
#include <thread>
#include <utility>
#include <vector>

namespace crdtdb::command {

RoundAnswers AskEveryNode(const RegionConfig& region, const RegionWatch& watch, const NodeCall& call) {
  const uint32_t wait_ms = watch.NextWaitMs();
  std::vector<Command> pages;
  for (const NodeConfig& node : region.nodes) pages.push_back(watch.PageFor(node.name, wait_ms));
  // Each thread writes its own slot; the joins order those writes before the reads below.
  std::vector<std::optional<Result<Outcome>>> results(region.nodes.size());
  {
    std::vector<std::jthread> asking;
    for (size_t i = 0; i < region.nodes.size(); ++i) {
      asking.emplace_back([&, i] { results[i].emplace(call(region.nodes[i], pages[i])); });
    }
  }
  RoundAnswers round;
  for (size_t i = 0; i < region.nodes.size(); ++i) {
    Result<Outcome>& result = *results[i];
    if (result.ok()) {
      round.answers.emplace(region.nodes[i].name, std::move(result).value());
    } else {
      round.failures.emplace(region.nodes[i].name, result.status());
    }
  }
  return round;
}

}  // namespace crdtdb::command
