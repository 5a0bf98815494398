// Copyright (c) crdtdb authors.

#include "store/document_record.h"

#include <cstdint>

#include <xxhash.h>

#include "crdt/codec.h"
#include "store/key_schema.h"

namespace crdtdb::store {

std::string EncodeDigest(const crdt::Digest& digest) {
  std::string out;
  AppendBigEndian64(&out, digest.high);
  AppendBigEndian64(&out, digest.low);
  return out;
}

Result<crdt::Digest> DecodeDigest(std::string_view bytes) {
  if (bytes.size() != 16) return Status::Corruption("a digest must be 16 bytes");
  return crdt::Digest{ReadBigEndian64(bytes), ReadBigEndian64(bytes.substr(8))};
}

std::string EncodeBucketEntry(const crdt::Digest& digest, bool live) {
  std::string out = EncodeDigest(digest);
  out.push_back(live ? 1 : 0);
  return out;
}

Result<BucketEntry> DecodeBucketEntry(std::string_view bytes) {
  if (bytes.size() == 16) return BucketEntry{*DecodeDigest(bytes), std::nullopt};
  if (bytes.size() != 17 || static_cast<unsigned char>(bytes[16]) > 1) {
    return Status::Corruption("malformed Merkle bucket entry");
  }
  return BucketEntry{*DecodeDigest(bytes.substr(0, 16)), bytes[16] == 1};
}

namespace {

constexpr unsigned char kDigestRecordVersion = 1;  // [1][digest: 16][state], before checksums
constexpr size_t kChecksumBytes = 4;

uint32_t StateChecksum(std::string_view state) {
  return static_cast<uint32_t>(XXH3_64bits(state.data(), state.size()));
}

Status RecordCorruption(std::string_view key, const std::string& what) {
  return Status::Corruption("document /" + std::string(key) + ": " + what);
}

}  // namespace

std::string EncodeDocumentRecord(std::string_view encoded_state) {
  std::string out(1, static_cast<char>(kDocumentRecordVersion));
  AppendBigEndian32(&out, StateChecksum(encoded_state));
  out.append(encoded_state);
  return out;
}

Result<std::string_view> CheckedStateBytes(std::string_view key, std::string_view record) {
  if (record.empty()) return RecordCorruption(key, "record is truncated");
  const auto version = static_cast<unsigned char>(record[0]);
  if (version == kDocumentRecordVersion) {
    if (record.size() < 1 + kChecksumBytes) return RecordCorruption(key, "record is truncated");
    const std::string_view state = record.substr(1 + kChecksumBytes);
    if (ReadBigEndian32(record.substr(1)) != StateChecksum(state)) {
      return RecordCorruption(key, "checksum does not match the stored state");
    }
    return state;
  }
  if (version == kDigestRecordVersion) {
    if (record.size() < 17) return RecordCorruption(key, "record is truncated");
    const std::string_view state = record.substr(17);
    if (!(crdt::DigestOf(state) == *DecodeDigest(record.substr(1, 16)))) {
      return RecordCorruption(key, "digest does not match the stored state");
    }
    return state;
  }
  return RecordCorruption(
      key, "unknown record version " + std::to_string(version) + " (written by a newer crdtdb?)");
}

Result<StoredDocument> DecodeDocumentRecord(std::string_view key, std::string_view record) {
  Result<std::string_view> state = CheckedStateBytes(key, record);
  if (!state.ok()) return state.status();
  // The check just made proves the bytes are those written, which were canonical.
  Result<crdt::Document> doc = crdt::DecodeDocument(*state, /*check_canonical=*/false);
  if (!doc.ok()) return doc.status().WithContext("document /" + std::string(key));
  return StoredDocument{std::move(doc).value(), crdt::DigestOf(*state)};
}

}  // namespace crdtdb::store
