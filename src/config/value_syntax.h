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

// True when `key` is a CURVE key as ZeroMQ prints it: 40 characters of the Z85 alphabet whose
// 5-character groups each encode a 32-bit value (32 bytes in all).
bool IsZ85Key(std::string_view key);

}  // namespace crdtdb

#endif  // CRDTDB_CONFIG_VALUE_SYNTAX_H_
