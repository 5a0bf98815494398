// Copyright (c) crdtdb authors.
//
// `security.http_tokens_file` (docs/http.md, "Authentication"): the bearer tokens' SHA-256 digests
// kept in a file of their own rather than in the cluster's config, so that they can be managed
// (issued, rotated) apart from it. Read by the node that serves HTTP, when it starts.

#ifndef CRDTDB_CONFIG_HTTP_TOKENS_FILE_H_
#define CRDTDB_CONFIG_HTTP_TOKENS_FILE_H_

#include <string>
#include <vector>

#include "config/cluster_config.h"
#include "crdtdb/result.h"

namespace crdtdb {

// The largest tokens file read.
constexpr size_t kMaxHttpTokensFileBytes = 256 * 1024;

// The digests of a tokens file: one per line (64 lowercase hex digits, as `crdtdb http-token`
// prints them), blank lines and lines starting with '#' ignored. InvalidArgument naming the file
// and line for anything else, a duplicate, more than kMaxHttpTokens, or a file without any digest
// (fail closed: a named file that lists nothing must not turn authentication off); IOError when
// it cannot be read.
Result<std::vector<std::string>> ReadHttpTokensFile(const std::string& path);

// Every digest the HTTP API admits: security.http_tokens and those of its http_tokens_file.
Result<std::vector<std::string>> HttpTokenDigests(const SecurityConfig& security);

}  // namespace crdtdb

#endif  // CRDTDB_CONFIG_HTTP_TOKENS_FILE_H_
