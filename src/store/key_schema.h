// Copyright (c) crdtdb authors.
//
// The LevelDB key layout of a replica (docs/storage.md). One byte of prefix per kind of record,
// so each kind is one contiguous, ordered range:
//
//   'd' doc_key                      -> document record: [version][digest 16][canonical state]
//   'b' bucket(u32 BE) doc_key       -> [digest 16][live 1]: the leaf contents of the Merkle tree
//   't' bucket(u32 BE)               -> Merkle leaf hash 16, checkpointed at a clean close
//   'l' sequence(u64 BE)             -> delta-log record: [key length u32][doc_key][delta or nothing]
//   'm' name                         -> replica metadata (see MetaKey)
//   'p' origin(u64 BE)               -> u64: how far this replica has applied origin's stream
//   'c' sequence(u64 BE)             -> change-log record: [origin 1][doc_key] (change_log.h)
//   'x' index_id tuple doc_id        -> empty: one entry of a secondary index (index_key.h)
//   'y' index_id                     -> this replica's build state of the index (store_index.cc)
//
// Big-endian integers make LevelDB's bytewise order the numeric order.

#ifndef CRDTDB_STORE_KEY_SCHEMA_H_
#define CRDTDB_STORE_KEY_SCHEMA_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "merkle/merkle_tree.h"

namespace crdtdb::store {

constexpr char kDocumentPrefix = 'd';
constexpr char kBucketPrefix = 'b';
constexpr char kMerklePrefix = 't';
constexpr char kDeltaLogPrefix = 'l';
constexpr char kMetaPrefix = 'm';
constexpr char kStreamProgressPrefix = 'p';
constexpr char kChangeLogPrefix = 'c';
constexpr char kIndexEntryPrefix = 'x';
constexpr char kIndexStatePrefix = 'y';

// Names of the metadata records.
constexpr std::string_view kMetaFormat = "format";        // u64: on-disk format version
constexpr std::string_view kMetaReplicaId = "replica_id"; // u64, written once
// Checkpointed at a clean close, so kept in one record: u64 clock (last hybrid-logical-clock
// value), u64 sequence (last delta-log sequence), u64 live documents.
constexpr std::string_view kMetaCounters = "counters";
// u64: the stream epoch, raised when the replica reopens after a crash that may have lost writes
// it had acknowledged (Store::Impl::MarkOpen).
constexpr std::string_view kMetaEpoch = "epoch";
// The boot id of the machine whose process has the store open; removed by a clean close.
constexpr std::string_view kMetaOpenedBy = "opened_by";
// The identity of the store's identity file at the last writable open (store_instance.h): an
// open that finds another one is of a copy or a restored backup, and starts a new epoch.
constexpr std::string_view kMetaInstance = "instance";
// The bucket ranges Store::DropBuckets emptied, each with the last delta-log sequence before its
// drop: [version 1] then per range [first u32][last u32][sequence u64] (store_drop.cc).
constexpr std::string_view kMetaDropped = "dropped";
// The change feeds of the change log, one per stream epoch (change_log.h): per feed [id u64]
// [epoch u64][first sequence u64][last sequence u64, all ones while it is the current feed].
constexpr std::string_view kMetaChangeFeeds = "change_feeds";

// 2: Merkle leaves and counters are a checkpoint, bucket entries carry a live flag, delta-log
// records may refer to the document's state. Format 1 stores open and are upgraded in place.
constexpr uint64_t kStoreFormatVersion = 2;

std::string DocumentKey(std::string_view doc_key);
std::string BucketKey(uint32_t bucket, std::string_view doc_key);
std::string BucketPrefix(uint32_t bucket);
std::string MerkleLeafKey(uint32_t bucket);
std::string DeltaLogKey(uint64_t sequence);
std::string MetaKey(std::string_view name);
std::string StreamProgressKey(uint64_t origin);
std::string ChangeLogKey(uint64_t sequence);
// `entry` is the encoded tuple then the document's id (query/index_key.h).
std::string IndexEntryKey(std::string_view index_id, std::string_view entry);
std::string IndexStateKey(std::string_view index_id);

void AppendBigEndian64(std::string* out, uint64_t v);
void AppendBigEndian32(std::string* out, uint32_t v);
uint64_t ReadBigEndian64(std::string_view bytes);  // precondition: bytes.size() >= 8
uint32_t ReadBigEndian32(std::string_view bytes);  // precondition: bytes.size() >= 4

}  // namespace crdtdb::store

#endif  // CRDTDB_STORE_KEY_SCHEMA_H_
