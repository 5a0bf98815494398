// Copyright (c) crdtdb authors.
//
// Bearer tokens of the HTTP API are kept in the config as their SHA-256 (security.http_tokens), so
// the file reveals no token; a request's token is hashed and compared in constant time. SHA-256 is
// enough: tokens are long random strings (`crdtdb http-token-hash --new`), not passwords, so no
// slow password hash is needed against guessing.

#ifndef CRDTDB_HTTP_TOKEN_HASH_H_
#define CRDTDB_HTTP_TOKEN_HASH_H_

#include <string>
#include <string_view>
#include <vector>

#include "crdtdb/result.h"

namespace crdtdb::http {

// SHA-256 of `token` as 64 lowercase hex digits.
std::string TokenDigest(std::string_view token);

// Whether `token`'s digest is one of `digests`, compared in constant time.
bool TokenAdmitted(std::string_view token, const std::vector<std::string>& digests);

// A new random token: 32 bytes from the system's CSPRNG as 64 hex digits.
Result<std::string> NewToken();

}  // namespace crdtdb::http

#endif  // CRDTDB_HTTP_TOKEN_HASH_H_
