// Copyright (c) crdtdb authors.

#include "http/token_hash.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

namespace crdtdb::http {

namespace {

std::string Hex(const unsigned char* bytes, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out += kDigits[bytes[i] >> 4];
    out += kDigits[bytes[i] & 0xf];
  }
  return out;
}

}  // namespace

std::string TokenDigest(std::string_view token) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(token.data(), token.size(), digest, &size, EVP_sha256(), nullptr) != 1) {
    // Only a broken OpenSSL fails here; an empty digest matches no configured one (fail closed).
    return "";
  }
  return Hex(digest, size);
}

bool TokenAdmitted(std::string_view token, const std::vector<std::string>& digests) {
  const std::string digest = TokenDigest(token);
  bool admitted = false;
  for (const std::string& d : digests) {
    // Every digest is compared, all in constant time: no timing tells which or how much matched.
    admitted |= !digest.empty() && d.size() == digest.size() &&
                CRYPTO_memcmp(d.data(), digest.data(), d.size()) == 0;
  }
  return admitted;
}

Result<std::string> NewToken() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1) return Status::Internal("OpenSSL has no random bytes");
  return Hex(bytes, sizeof bytes);
}

}  // namespace crdtdb::http
