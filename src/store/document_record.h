// Copyright (c) crdtdb authors.
//
// The values of the per-document records (docs/storage.md).
//
// Document record, version 2: [2][checksum: 4 bytes][canonical state]. The checksum (the low 32
// bits of the state's XXH3-64, big-endian) lets a read detect a record whose bytes changed even
// where LevelDB's block checksums cannot see it (a record rewritten through LevelDB), so that no
// changed bytes are ever rendered as a document. The state's digest, which the Merkle tree needs,
// is recomputed from the bytes when a write reads the record: a hash, not a re-encoding. Version
// 1 kept the whole 16-byte digest instead; its records are still read. Of a 290-byte record the
// digest's 16 bytes were incompressible, and a smaller record is a cheaper LevelDB get and put.
//
// Bucket entry (a Merkle leaf's contents): [digest: 16 bytes][live: 1 byte]. The live flag lets
// recovery recount live documents from the bucket entries alone; stores of format 1 wrote the
// digest only, and such entries leave liveness unknown.

#ifndef CRDTDB_STORE_DOCUMENT_RECORD_H_
#define CRDTDB_STORE_DOCUMENT_RECORD_H_

#include <optional>
#include <string>
#include <string_view>

#include "crdt/digest.h"
#include "crdtdb/result.h"
#include "store/store.h"

namespace crdtdb::store {

constexpr unsigned char kDocumentRecordVersion = 2;

std::string EncodeDocumentRecord(std::string_view encoded_state);
std::string EncodeDigest(const crdt::Digest& digest);
Result<crdt::Digest> DecodeDigest(std::string_view bytes);
struct BucketEntry {
  crdt::Digest digest;
  std::optional<bool> live;  // nullopt in an entry written by a format-1 store
};
std::string EncodeBucketEntry(const crdt::Digest& digest, bool live);
Result<BucketEntry> DecodeBucketEntry(std::string_view bytes);

// Checks a record's version and checksum (or, in version 1, digest); returns its canonical state
// bytes (a view into `record`).
Result<std::string_view> CheckedStateBytes(std::string_view key, std::string_view record);
// Decodes and checks a record; errors name `key`.
Result<StoredDocument> DecodeDocumentRecord(std::string_view key, std::string_view record);

}  // namespace crdtdb::store

#endif  // CRDTDB_STORE_DOCUMENT_RECORD_H_
