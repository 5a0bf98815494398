// Copyright (c) crdtdb authors.
//
// Syntax checks for the values of a region configuration (docs/operations.md, "Configuration"):
// region names, ZeroMQ endpoints and CURVE keys. They look at text only: no name is resolved and no
// socket is opened, so a config can be checked on a machine that is not part of the cluster.

#ifndef CRDTDB_CONFIG_VALUE_SYNTAX_H_
#define CRDTDB_CONFIG_VALUE_SYNTAX_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "crdtdb/result.h"

namespace crdtdb {

// Region names appear in status output, logs and file names, hence the small alphabet.
constexpr size_t kMaxRegionNameBytes = 64;

// True when `name` is 1..kMaxRegionNameBytes characters of [a-z0-9-].
bool IsValidRegionName(std::string_view name);

// Checks that `endpoint` is tcp://HOST:PORT with PORT in 1..65535 and HOST an IPv4 address, a
// bracketed IPv6 address or a DNS name (such as localhost). On success returns the endpoint in a
// canonical form (host lower-cased, port without leading zeros) so that two spellings of one
// endpoint compare equal; on failure an InvalidArgument whose message says what is wrong, without
// any location (the caller adds file, line and key).
//
// "*" (every interface) is refused: each endpoint is bound by its own region and connected to by
// the others and by the CLI, and nobody can connect to "*".
Result<std::string> CanonicalEndpoint(std::string_view endpoint);

// An `http` endpoint, HOST:PORT with the rules of CanonicalEndpoint (without the scheme). `host`
// is lower-cased and unbracketed ("::1"), as a socket address takes it; `canonical` is the tcp://
// form, to compare it with the other endpoints.
struct HttpEndpoint {
  std::string host;
  int port = 0;
  std::string canonical;
};
Result<HttpEndpoint> ParseHttpHostPort(std::string_view host_port);

// True for the hosts that bind the loopback interface only: 127.0.0.0/8, ::1 and localhost.
bool IsLoopbackHost(std::string_view host);

// True when `text` is 64 lowercase hex digits, as a SHA-256 digest is written.
bool IsSha256Hex(std::string_view text);

// True when `key` is a CURVE key as ZeroMQ prints it: 40 characters of the Z85 alphabet whose
// 5-character groups each encode a 32-bit value (32 bytes in all).
bool IsZ85Key(std::string_view key);

}  // namespace crdtdb

#endif  // CRDTDB_CONFIG_VALUE_SYNTAX_H_
