// Copyright (c) crdtdb authors.
//
// CURVE keys (interfaces section 5): generating a key pair (`crdtdb keygen`), reading a secret key
// file (one line of Z85, readable by its owner only) and setting up server and client sockets.
// Keys are always Z85 text, 40 characters, as `keygen` prints them.

#ifndef CRDTDB_NET_CURVE_KEYS_H_
#define CRDTDB_NET_CURVE_KEYS_H_

#include <string>
#include <string_view>

#include <zmq.hpp>

#include "crdtdb/result.h"

namespace crdtdb::net {

constexpr size_t kZ85KeyChars = 40;
// The ZAP domain every crdtdb server socket uses; the ZAP handler answers for it only.
constexpr const char* kZapDomain = "crdtdb";

struct CurveKeyPair {
  std::string public_key;  // Z85
  std::string secret_key;  // Z85
};

// The keys a client socket needs: the server's public key and its own pair.
struct CurveClientKeys {
  std::string server_public_key;
  CurveKeyPair own;
};

// A new random key pair.
Result<CurveKeyPair> GenerateCurveKeyPair();

// True if `key` is 40 characters of Z85 that decode to 32 bytes.
bool IsZ85Key(std::string_view key);

// The key pair whose secret half is `secret_z85`; InvalidArgument if it is not a Z85 key.
Result<CurveKeyPair> KeyPairFromSecret(std::string_view secret_z85);

// Reads a secret key file: a regular file, no permission for group or others (mode 0600 or
// stricter), one line holding the Z85 secret key (a final newline is allowed). At most a few
// hundred bytes are read. InvalidArgument naming the file on any problem.
Result<CurveKeyPair> ReadSecretKeyFile(const std::string& path);

// A CURVE server socket (before bind): curve_server, its secret key and the ZAP domain.
void MakeCurveServer(zmq::socket_t& socket, const CurveKeyPair& own);
// A CURVE client socket (before connect).
void MakeCurveClient(zmq::socket_t& socket, const CurveClientKeys& keys);

}  // namespace crdtdb::net

#endif  // CRDTDB_NET_CURVE_KEYS_H_
