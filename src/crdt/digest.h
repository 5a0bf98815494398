// Copyright (c) crdtdb authors.
//
// The digest of a document: XXH3-128 of its canonical encoding (codec.h). Replicas holding equal
// states compute equal digests, which is what the Merkle tree of anti-entropy compares. XXH3 is
// not cryptographic: digests detect divergence and corruption, not tampering (peers are
// authenticated by the transport instead).

#ifndef CRDTDB_CRDT_DIGEST_H_
#define CRDTDB_CRDT_DIGEST_H_

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

namespace crdtdb::crdt {

struct Digest {
  uint64_t high = 0;
  uint64_t low = 0;

  std::string ToHex() const;  // 32 lowercase hex digits
  friend auto operator<=>(const Digest&, const Digest&) = default;
};

Digest DigestOf(std::string_view canonical_bytes);

}  // namespace crdtdb::crdt

#endif  // CRDTDB_CRDT_DIGEST_H_
