// Copyright (c) crdtdb authors.

#include "store/key_schema.h"

namespace crdtdb::store {

void AppendBigEndian64(std::string* out, uint64_t v) {
  for (int i = 7; i >= 0; --i) out->push_back(static_cast<char>(v >> (8 * i)));
}

void AppendBigEndian32(std::string* out, uint32_t v) {
  for (int i = 3; i >= 0; --i) out->push_back(static_cast<char>(v >> (8 * i)));
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

}  // namespace crdtdb::store
