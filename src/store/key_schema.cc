// Copyright (c) crdtdb authors.

#include "store/key_schema.h"

namespace crdtdb::store {

// One append of all the bytes: a push_back per byte costs several times as much.
void AppendBigEndian64(std::string* out, uint64_t v) {
  char bytes[8];
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>(v >> (8 * (7 - i)));
  out->append(bytes, sizeof bytes);
}

void AppendBigEndian32(std::string* out, uint32_t v) {
  char bytes[4];
  for (int i = 0; i < 4; ++i) bytes[i] = static_cast<char>(v >> (8 * (3 - i)));
  out->append(bytes, sizeof bytes);
}

uint64_t ReadBigEndian64(std::string_view bytes) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(bytes[i]);
  return v;
}

uint32_t ReadBigEndian32(std::string_view bytes) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(bytes[i]);
  return v;
}

std::string DocumentKey(std::string_view doc_key) {
  std::string key(1, kDocumentPrefix);
  key.append(doc_key);
  return key;
}

std::string BucketPrefix(uint32_t bucket) {
  std::string key(1, kBucketPrefix);
  AppendBigEndian32(&key, bucket);
  return key;
}

std::string BucketKey(uint32_t bucket, std::string_view doc_key) {
  std::string key = BucketPrefix(bucket);
  key.append(doc_key);
  return key;
}

std::string MerkleLeafKey(uint32_t bucket) {
  std::string key(1, kMerklePrefix);
  AppendBigEndian32(&key, bucket);
  return key;
}

std::string ChangeLogKey(uint64_t sequence) {
  std::string key(1, kChangeLogPrefix);
  AppendBigEndian64(&key, sequence);
  return key;
}

std::string DeltaLogKey(uint64_t sequence) {
  std::string key(1, kDeltaLogPrefix);
  AppendBigEndian64(&key, sequence);
  return key;
}

std::string MetaKey(std::string_view name) {
  std::string key(1, kMetaPrefix);
  key.append(name);
  return key;
}

std::string IndexEntryKey(std::string_view index_id, std::string_view entry) {
  std::string key(1, kIndexEntryPrefix);
  key.append(index_id);
  key.append(entry);
  return key;
}

std::string IndexStateKey(std::string_view index_id) {
  std::string key(1, kIndexStatePrefix);
  key.append(index_id);
  return key;
}

std::string StreamProgressKey(uint64_t origin) {
  std::string key(1, kStreamProgressPrefix);
  AppendBigEndian64(&key, origin);
  return key;
}

}  // namespace crdtdb::store
