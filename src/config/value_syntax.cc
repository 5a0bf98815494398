// Copyright (c) crdtdb authors.

#include "config/value_syntax.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <charconv>
#include <cstdint>

namespace crdtdb {

namespace {

constexpr std::string_view kZ85Alphabet =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";
constexpr size_t kZ85KeyChars = 40;
constexpr size_t kMaxDnsNameBytes = 253;  // RFC 1035, without the trailing dot
constexpr size_t kMaxDnsLabelBytes = 63;

bool IsAsciiAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens.
bool IsDnsName(std::string_view host) {
  if (host.empty() || host.size() > kMaxDnsNameBytes) return false;
  size_t start = 0;
  while (true) {
    size_t end = host.find('.', start);
    std::string_view label = host.substr(start, end == std::string_view::npos ? end : end - start);
    if (label.empty() || label.size() > kMaxDnsLabelBytes) return false;
    if (label.front() == '-' || label.back() == '-') return false;
    for (char c : label) {
      if (!IsAsciiAlnum(c) && c != '-') return false;
    }
    if (end == std::string_view::npos) return true;
    start = end + 1;
  }
}

bool IsInetAddress(int family, std::string_view text) {
  std::string copy(text);  // inet_pton needs a terminated string
  unsigned char buffer[sizeof(in6_addr)];
  return inet_pton(family, copy.c_str(), buffer) == 1;
}

// Why `host` is not acceptable, or an empty string when it is.
std::string_view HostProblem(std::string_view host) {
  if (host.empty()) return "the host is empty";
  if (host == "*") {
    return "'*' cannot be connected to; give the address other regions and clients reach it at";
  }
  if (host.front() == '[') {
    if (host.back() != ']' || !IsInetAddress(AF_INET6, host.substr(1, host.size() - 2))) {
      return "the host is not a valid [IPv6] address";
    }
    return {};
  }
  // A name of digits and dots only is meant as an IPv4 address, so it must be a valid one.
  if (host.find_first_not_of("0123456789.") == std::string_view::npos) {
    return IsInetAddress(AF_INET, host) ? std::string_view()
                                        : "the host is not a valid IPv4 address";
  }
  return IsDnsName(host) ? std::string_view() : "the host is not an IP address or a DNS name";
}

}  // namespace

bool IsValidRegionName(std::string_view name) {
  if (name.empty() || name.size() > kMaxRegionNameBytes) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

Result<std::string> CanonicalEndpoint(std::string_view endpoint) {
  constexpr std::string_view kScheme = "tcp://";
  if (endpoint.substr(0, kScheme.size()) != kScheme) {
    return Status::InvalidArgument("must be tcp://HOST:PORT");
  }
  std::string_view rest = endpoint.substr(kScheme.size());
  size_t colon = rest.rfind(':');
  // In "[::1]:7101" the port's colon is the one after the bracket.
  if (colon == std::string_view::npos ||
      (rest.find(']') != std::string_view::npos && colon < rest.find(']'))) {
    return Status::InvalidArgument("must be tcp://HOST:PORT (the port is missing)");
  }
  std::string_view host = rest.substr(0, colon);
  std::string_view port_text = rest.substr(colon + 1);

  unsigned port = 0;
  auto [end, error] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || error != std::errc() || end != port_text.data() + port_text.size() ||
      port < 1 || port > 65535) {
    return Status::InvalidArgument("the port must be a number from 1 to 65535");
  }
  std::string_view problem = HostProblem(host);
  if (!problem.empty()) return Status::InvalidArgument(problem);

  std::string canonical(kScheme);
  for (char c : host) canonical += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  canonical += ':';
  canonical += std::to_string(port);
  return canonical;
}

Result<HttpEndpoint> ParseHttpHostPort(std::string_view host_port) {
  if (host_port.find("://") != std::string_view::npos) {
    return Status::InvalidArgument("must be HOST:PORT, without a scheme");
  }
  Result<std::string> canonical = CanonicalEndpoint("tcp://" + std::string(host_port));
  if (!canonical.ok()) {
    // The messages about the form name the tcp:// form the http key does not use.
    std::string why = canonical.status().message();
    constexpr std::string_view kTcpForm = "must be tcp://HOST:PORT";
    if (why.starts_with(kTcpForm)) why = "must be HOST:PORT" + why.substr(kTcpForm.size());
    return Status::InvalidArgument(why);
  }
  HttpEndpoint endpoint;
  endpoint.canonical = *canonical;
  const std::string_view rest = std::string_view(endpoint.canonical).substr(6);  // after tcp://
  const size_t colon = rest.rfind(':');
  std::string_view host = rest.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  endpoint.host = std::string(host);
  std::from_chars(rest.data() + colon + 1, rest.data() + rest.size(), endpoint.port);
  return endpoint;
}

bool IsLoopbackHost(std::string_view host) {
  return host == "localhost" || host == "::1" || host.substr(0, 4) == "127.";
}

bool IsSha256Hex(std::string_view text) {
  return text.size() == 64 && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

bool IsZ85Key(std::string_view key) {
  if (key.size() != kZ85KeyChars) return false;
  for (size_t group = 0; group < key.size(); group += 5) {
    uint64_t value = 0;
    for (size_t i = group; i < group + 5; ++i) {
      size_t digit = kZ85Alphabet.find(key[i]);
      if (digit == std::string_view::npos) return false;
      value = value * 85 + digit;
    }
    if (value > UINT32_MAX) return false;  // "#####" and the like decode to no 4 bytes
  }
  return true;
}

}  // namespace crdtdb
