// Copyright (c) crdtdb authors.

#include "command/region_watch.h"

#include <sstream>
#include <utility>

#include <nlohmann/json.hpp>

#include "command/json_text.h"
#include "db/change_feed.h"

namespace crdtdb::command {

namespace {

using Json = nlohmann::ordered_json;

constexpr std::string_view kRegionCursorPrefix = "R1.";
constexpr size_t kMaxRegionCursorBytes = 64 * 1024;

bool IsNodeName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

Status Malformed(std::string_view why) {
  return Status::InvalidArgument("malformed region cursor: " + std::string(why));
}

// `"item" what`, appended piece by piece: "literal" + std::string trips GCC 12's false -Wrestrict
// at -O3 (the release preset).
Status MalformedItem(std::string_view item, std::string_view what) {
  std::string why = "\"";
  why += item;
  why += "\" ";
  why += what;
  return Malformed(why);
}

}  // namespace

bool IsRegionCursor(std::string_view text) { return text.starts_with(kRegionCursorPrefix); }

Result<std::map<std::string, std::string>> ParseRegionCursor(std::string_view text) {
  if (!IsRegionCursor(text)) return Malformed("it does not start with R1.");
  if (text.size() > kMaxRegionCursorBytes) return Malformed("longer than 64 KiB");
  std::map<std::string, std::string> nodes;
  std::string_view rest = text.substr(kRegionCursorPrefix.size());
  while (!rest.empty() || nodes.empty()) {
    const size_t dot = rest.find('.');
    const std::string_view item = rest.substr(0, dot);
    rest = dot == std::string_view::npos ? std::string_view() : rest.substr(dot + 1);
    const size_t eq = item.find('=');
    if (eq == std::string_view::npos) return MalformedItem(item, "is not NODE=CURSOR");
    const std::string name(item.substr(0, eq));
    const std::string_view cursor = item.substr(eq + 1);
    if (!IsNodeName(name)) return MalformedItem(name, "is not a node name");
    if (!cursor.empty()) {
      if (Result<store::ChangeCursor> c = db::ParseChangeCursor(cursor); !c.ok()) {
        return Malformed("node " + name + ": " + c.status().message());
      }
    }
    if (!nodes.emplace(name, std::string(cursor)).second) return Malformed("node " + name + " appears twice");
    if (dot != std::string_view::npos && rest.empty()) return Malformed("it ends with '.'");
  }
  return nodes;
}

std::string FormatRegionCursor(const std::map<std::string, std::string>& nodes) {
  std::string out(kRegionCursorPrefix);
  bool first = true;
  for (const auto& [name, cursor] : nodes) {
    if (!first) out += '.';
    first = false;
    out += name + "=" + cursor;
  }
  return out;
}

Result<RegionWatch> RegionWatch::Start(const cluster::Placement& placement, const RegionConfig& region,
                                       std::string path, std::string_view since) {
  if (Result<std::string> prefix = db::ChangePrefix(path); !prefix.ok()) return prefix.status();
  std::map<std::string, std::string> cursors;
  if (!since.empty()) {
    if (!IsRegionCursor(since)) {
      return Status::InvalidArgument("--since " + std::string(since) + " is one node's cursor, and region " +
                                     region.name + " has several: give a cursor a watch of the region printed");
    }
    Result<std::map<std::string, std::string>> parsed = ParseRegionCursor(since);
    if (!parsed.ok()) return parsed.status();
    cursors = std::move(parsed).value();
    for (const auto& [name, cursor] : cursors) {
      if (region.FindNode(name) == nullptr) {
        return Status::InvalidArgument("the cursor names node " + name + ", which region " + region.name +
                                       " does not have: it is a cursor of another region");
      }
    }
  }
  RegionWatch watch(placement, region, std::move(path));
  for (const NodeConfig& node : region.nodes) {
    auto it = cursors.find(node.name);
    watch.nodes_.emplace(node.name, Node{WatchSession(watch.path_, it == cursors.end() ? "" : it->second), false, {}});
  }
  return watch;
}

Command RegionWatch::PageFor(const std::string& node, uint32_t wait_ms) const {
  return nodes_.at(node).session.NextPage(wait_ms);
}

std::string RegionWatch::cursor() const {
  std::map<std::string, std::string> cursors;
  for (const auto& [name, node] : nodes_) cursors.emplace(name, node.session.cursor());
  return FormatRegionCursor(cursors);
}

const std::string* RegionWatch::ServingOwner(std::string_view key) const {
  const cluster::PartitionId partition = placement_->partitioning().PartitionOf(key);
  for (const std::string& owner : placement_->Owners(region_->name, partition)) {
    auto it = nodes_.find(owner);
    if (it != nodes_.end() && it->second.answers) return &owner;
  }
  return nullptr;
}

std::string RegionWatch::Print(const std::string& line) const {
  Json change = Json::parse(line);  // a line AcceptPage checked
  change["cursor"] = cursor();
  return JsonText(change) + "\n";
}

std::string RegionWatch::NodeSilent(const std::string& name) {
  Node& node = nodes_.at(name);
  node.answers = false;
  std::string printed;
  for (Deferred& d : std::exchange(node.deferred, {})) {
    const std::string* serving = ServingOwner(d.key);
    if (serving == nullptr) continue;  // no owner answers: it comes when one is back
    if (*serving == d.from) {
      printed += Print(d.line);
    } else {
      nodes_.at(*serving).deferred.push_back(std::move(d));
    }
  }
  return printed;
}

size_t RegionWatch::missing() const {
  size_t missing = 0;
  const uint32_t partitions = placement_->partitioning().count();
  for (cluster::PartitionId p = 0; p < partitions; ++p) {
    bool answered = false;
    for (const std::string& owner : placement_->Owners(region_->name, p)) {
      auto it = nodes_.find(owner);
      answered |= it != nodes_.end() && it->second.answers;
    }
    if (!answered) ++missing;
  }
  return missing;
}

Result<std::string> RegionWatch::AcceptPage(const std::string& name, const Outcome& outcome) {
  Node& node = nodes_.at(name);
  if (outcome.exit_code != 0) {
    Outcome named = outcome;
    named.error = "node " + name + ": " + outcome.error;
    return node.session.Accept(named).status();  // an error moves no cursor
  }
  std::map<std::string, std::string> cursors;
  for (const auto& [other, state] : nodes_) cursors.emplace(other, state.session.cursor());
  Result<std::string> lines = node.session.Accept(outcome);
  if (!lines.ok()) return Status::Corruption("node " + name + ": " + lines.status().message());  // malformed
  node.answers = true;
  node.deferred.clear();  // it answers: it serves them
  std::string printed;
  std::istringstream in(*lines);
  for (std::string line; std::getline(in, line);) {
    Json change = Json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!change.is_object() || !change.contains("path") || !change["path"].is_string() ||
        !change.contains("cursor") || !change["cursor"].is_string()) {
      return Status::Corruption("malformed watch answer from node " + name);
    }
    const std::string path = change["path"].get<std::string>();
    cursors[name] = change["cursor"].get<std::string>();
    std::string key = path.substr(path.starts_with('/') ? 1 : 0);
    const std::string* serving = ServingOwner(key);
    if (serving == nullptr) continue;  // not a partition of this node's (a placement that moved on)
    if (*serving != name) {
      // Its owner serves it, unless that owner's page in flight goes unanswered.
      nodes_.at(*serving).deferred.push_back(Deferred{name, std::move(key), line});
      continue;
    }
    change["cursor"] = FormatRegionCursor(cursors);
    printed += JsonText(change) + "\n";
  }
  return printed;
}

}  // namespace crdtdb::command
