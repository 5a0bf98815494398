// Copyright (c) crdtdb authors.

#include "crdt/context_token.h"

#include <charconv>
#include <cstdio>
#include <optional>

namespace crdtdb::crdt {

namespace {

Status Malformed(std::string_view why) {
  return Status::InvalidArgument("malformed base version: " + std::string(why));
}

// Reads an unsigned number in `base` from the front of `text`, consuming it.
std::optional<uint64_t> TakeNumber(std::string_view& text, int base) {
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (ec != std::errc() || end == text.data()) return std::nullopt;
  text.remove_prefix(static_cast<size_t>(end - text.data()));
  return value;
}

bool TakeChar(std::string_view& text, char c) {
  if (text.empty() || text.front() != c) return false;
  text.remove_prefix(1);
  return true;
}

}  // namespace

std::string ContextToken(const DotContext& context) {
  if (context.empty()) return "-";
  std::string token;
  char replica[17];
  for (const auto& [id, ranges] : context.ranges()) {
    if (!token.empty()) token += ';';
    std::snprintf(replica, sizeof replica, "%016llx", static_cast<unsigned long long>(id));
    token += replica;
    char separator = ':';
    for (const DotRange& r : ranges) {
      token += separator;
      token += std::to_string(r.first) + "-" + std::to_string(r.last);
      separator = ',';
    }
  }
  return token;
}

Result<DotContext> ParseContextToken(std::string_view token) {
  if (token.size() > kMaxContextTokenBytes) return Malformed("longer than 64 KiB");
  DotContext context;
  if (token == "-") return context;
  if (token.empty()) return Malformed("empty");
  bool first_replica = true;
  ReplicaId previous = 0;
  while (!token.empty()) {
    if (!first_replica && !TakeChar(token, ';')) return Malformed("expected ; between replicas");
    if (token.size() < 16) return Malformed("a replica id must be 16 hex digits");
    std::string_view hex = token.substr(0, 16);
    std::optional<uint64_t> replica = TakeNumber(hex, 16);
    if (!replica || !hex.empty()) return Malformed("a replica id must be 16 hex digits");
    token.remove_prefix(16);
    if (!first_replica && *replica <= previous) return Malformed("replicas must be in increasing order");
    first_replica = false;
    previous = *replica;
    uint64_t last_counter = 0;
    char separator = ':';
    do {
      if (!TakeChar(token, separator)) return Malformed("expected a range FIRST-LAST");
      separator = ',';
      std::optional<uint64_t> first = TakeNumber(token, 10);
      if (!first || !TakeChar(token, '-')) return Malformed("expected a range FIRST-LAST");
      std::optional<uint64_t> last = TakeNumber(token, 10);
      if (!last || *first == 0 || *first > *last || *first <= last_counter) {
        return Malformed("ranges must be increasing, disjoint and start at 1 or above");
      }
      context.AddRange(*replica, DotRange{*first, *last});
      last_counter = *last;
    } while (!token.empty() && token.front() == ',');
  }
  return context;
}

}  // namespace crdtdb::crdt
