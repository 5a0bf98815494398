// Copyright (c) crdtdb authors.
//
// The values of the per-document records (docs/storage.md).
//
// Document record: [format version: 1 byte][digest: 16 bytes][canonical state]. Keeping the
// digest beside the state lets a write find the document's old Merkle contribution without
// re-encoding, and lets a read detect a record whose bytes changed on disk.
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

constexpr unsigned char kDocumentRecordVersion = 1;

std::string EncodeDocumentRecord(const crdt::Digest& digest, std::string_view encoded_state);
std::string EncodeDigest(const crdt::Digest& digest);
Result<crdt::Digest> DecodeDigest(std::string_view bytes);
struct BucketEntry {
  crdt::Digest digest;
  std::optional<bool> live;  // nullopt in an entry written by a format-1 store
};
std::string EncodeBucketEntry(const crdt::Digest& digest, bool live);
Result<BucketEntry> DecodeBucketEntry(std::string_view bytes);

// Checks a record's version and digest; returns its canonical state bytes (a view into `record`).
Result<std::string_view> CheckedStateBytes(std::string_view key, std::string_view record);
// Decodes and checks a record; errors name `key`.
Result<StoredDocument> DecodeDocumentRecord(std::string_view key, std::string_view record);

}  // namespace crdtdb::store

#endif  // CRDTDB_STORE_DOCUMENT_RECORD_H_
