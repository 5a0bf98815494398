// Copyright (c) crdtdb authors.

#include "config/http_tokens_file.h"

#include <algorithm>
#include <fstream>
#include <iterator>

#include "config/value_syntax.h"

namespace crdtdb {

Result<std::vector<std::string>> ReadHttpTokensFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError("cannot read security.http_tokens_file " + path);
  std::string text(kMaxHttpTokensFileBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > kMaxHttpTokensFileBytes) {
    return Status::InvalidArgument(path + ": larger than " +
                                   std::to_string(kMaxHttpTokensFileBytes) +
                                   " bytes: not a tokens file");
  }
  std::vector<std::string> digests;
  size_t line_number = 0;
  for (size_t start = 0; start < text.size();) {
    const size_t end = std::min(text.find('\n', start), text.size());
    std::string line = text.substr(start, end - start);
    start = end + 1;
    ++line_number;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
      line.pop_back();
    line.erase(0, std::min(line.find_first_not_of(" \t"), line.size()));
    if (line.empty() || line.front() == '#') continue;
    const std::string at = path + ":" + std::to_string(line_number) + ": ";
    if (!IsSha256Hex(line)) {
      return Status::InvalidArgument(at +
                                     "must be a token's SHA-256 as 64 lowercase hex digits "
                                     "(crdtdb http-token prints it), not the token itself");
    }
    if (std::find(digests.begin(), digests.end(), line) != digests.end())
      return Status::InvalidArgument(at + "duplicate token digest");
    if (digests.size() == kMaxHttpTokens)
      return Status::InvalidArgument(at + "more than " + std::to_string(kMaxHttpTokens) +
                                     " token digests");
    digests.push_back(std::move(line));
  }
  if (digests.empty()) {
    return Status::InvalidArgument(path +
                                   " lists no token digest: the node would serve HTTP without "
                                   "authentication (remove security.http_tokens_file for that)");
  }
  return digests;
}

Result<std::vector<std::string>> HttpTokenDigests(const SecurityConfig& security) {
  std::vector<std::string> digests = security.http_tokens;
  if (!security.http_tokens_file) return digests;
  Result<std::vector<std::string>> from_file = ReadHttpTokensFile(*security.http_tokens_file);
  if (!from_file.ok()) return from_file.status();
  for (std::string& digest : *from_file) {
    // A digest in both places is one token.
    if (std::find(digests.begin(), digests.end(), digest) == digests.end())
      digests.push_back(std::move(digest));
  }
  return digests;
}

}  // namespace crdtdb
