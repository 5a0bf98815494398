// Copyright (c) crdtdb authors.

#include "crdt/digest.h"

#include <cstdio>

#include <xxhash.h>

namespace crdtdb::crdt {

std::string Digest::ToHex() const {
  char out[33];
  std::snprintf(out, sizeof out, "%016llx%016llx", static_cast<unsigned long long>(high),
                static_cast<unsigned long long>(low));
  return std::string(out, 32);
}

Digest DigestOf(std::string_view canonical_bytes) {
  const XXH128_hash_t h = XXH3_128bits(canonical_bytes.data(), canonical_bytes.size());
  return Digest{h.high64, h.low64};
}

}  // namespace crdtdb::crdt
