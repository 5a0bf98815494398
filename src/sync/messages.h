// Copyright (c) crdtdb authors.
//
// The messages of the replication protocol (docs/protocol.md). Every message is MessagePack:
//
//   [protocol version, type, sender replica id, body...]
//
// sent as it is, or, from 1 KiB on when that is smaller, compressed (sync/message_compression.h).
//
// Decoding treats the bytes as hostile: every count is bounded (kMax* below), strings are valid
// UTF-8, there are no trailing bytes, and an unknown version or type is an error. A message that
// fails to decode is dropped and counted by the caller; it never reaches the engine.

#ifndef CRDTDB_SYNC_MESSAGES_H_
#define CRDTDB_SYNC_MESSAGES_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "crdt/digest.h"
#include "crdt/dot.h"
#include "crdtdb/result.h"
#include "merkle/merkle_tree.h"

namespace crdtdb::sync {

// 2: anti-entropy sends 32-bit fingerprints and names documents by them (was 1: full hashes, keys).
// 3: messages of 1 KiB or more may be compressed (sync/message_compression.h).
// 4: deltas may be in the compact delta layout (crdt/codec.h), which version 3 cannot decode.
// 5: heartbeats acknowledge how far the sender has applied each peer's stream.
// 6: a LogRequest may ask for some partitions' deltas only, and a LogResponse says how far the
//    answer read the log (gap repair per partition, docs/protocol.md "Gap repair"); documents and
//    deltas may hold lists (crdt/list_node.h), a field component version 5 refuses.
// 7: documents and deltas may hold texts (crdt/text_mutators.h), a field component version 6
//    refuses; and the delta stream is published under topics, one per partition
//    (sync/partition_stream.h): a DeltaBatch names its partition and the last delta sent of it
//    before (`previous`), a Heartbeat the last delta sent of each partition (`heads`), and a
//    LogResponse echoes what it answers (docs/protocol.md "Topics").
// Types added since without a new version (HandOffRequest, HandOffAnswer; CatalogRequest,
// CatalogAnswer): a node of an earlier
// build refuses them as unknown types and counts them in rejected_messages, and every other
// message still passes between the two, so nodes can be upgraded one at a time.
constexpr unsigned kProtocolVersion = 7;

// Bounds on one message.
// Room for one document of the largest size a replica stores (crdt::kMaxEncodedBytes), which
// always travels, alone if need be, with its key and framing.
constexpr size_t kMaxMessageBytes = size_t{72} << 20;
constexpr size_t kMaxDeltasPerMessage = 1024;
constexpr size_t kMaxNodesPerMessage = 256;
constexpr size_t kMaxLeafEntriesPerMessage = 65'536;
constexpr size_t kMaxDocumentsPerMessage = 1024;
constexpr size_t kMaxAcknowledgementsPerHeartbeat = 1024;
constexpr size_t kMaxPartitionsPerMessage = 4096;  // cluster::Partitioning::kMaxPartitions
constexpr size_t kMaxCatalogDocumentsPerMessage = 256;

// One delta of the origin's delta log.
struct LoggedDelta {
  uint64_t sequence = 0;
  std::string key;
  std::string delta;  // canonical delta encoding (crdt::EncodeDelta); decoded by the receiver
  friend bool operator==(const LoggedDelta&, const LoggedDelta&) = default;
};

// Delta stream (published): deltas of the sender's own log, ascending. partition_count 0: every
// delta of the log from `previous` + 1 through the last one here (the whole stream, topic "a").
// Otherwise only those of `partition` of a key space cut into `partition_count`
// (cluster::Partitioning): every delta of that partition from `previous` + 1 through the last one
// here, where `previous` is the last delta of it the sender published before (or where its
// chains start). A receiver that has the chain up to `previous` has it up to the last delta.
struct DeltaBatch {
  std::vector<LoggedDelta> deltas;
  uint32_t partition_count = 0;
  uint32_t partition = 0;
  uint64_t previous = 0;
  friend bool operator==(const DeltaBatch&, const DeltaBatch&) = default;
};

// The last delta of `partition` a publisher sent (Heartbeat::heads).
struct PartitionHead {
  uint32_t partition = 0;
  uint64_t sequence = 0;
  friend bool operator==(const PartitionHead&, const PartitionHead&) = default;
};

// How far the sender has applied the stream of replica `origin`: every delta up to `sequence`.
struct StreamAck {
  crdt::ReplicaId origin = 0;
  uint64_t sequence = 0;
  friend bool operator==(const StreamAck&, const StreamAck&) = default;
};

// Delta stream (published) once per heartbeat interval: the sender's last sequence and Merkle
// root, so that a receiver sees a gap or a divergence without waiting for the next write, and how
// far the sender has applied each peer's stream, so that each peer knows what of its own stream
// the sender still lacks (`status`: unacknowledged_deltas). Ascending by origin, unique.
struct Heartbeat {
  uint64_t last_sequence = 0;
  merkle::Hash merkle_root;
  std::vector<StreamAck> acknowledged;
  // The sender's chains (see DeltaBatch) as of last_sequence: each partition's last delta sent is
  // its entry in `heads` (ascending by partition, unique, each above stream_start), or
  // stream_start for a partition not listed, which had none published since.
  uint64_t stream_start = 0;
  std::vector<PartitionHead> heads = {};
  friend bool operator==(const Heartbeat&, const Heartbeat&) = default;
};

// Gap repair: asks the receiver (the origin) for its deltas from `from_sequence`. A node that
// keeps some partitions names them: `partitions` of a key space cut into `partition_count`
// (cluster::Partitioning; a power of two up to kMaxPartitionsPerMessage), ascending and unique,
// and is sent only the deltas of keys in them. partition_count 0 (and no partitions): every delta.
struct LogRequest {
  uint64_t from_sequence = 0;
  uint32_t max_deltas = 0;
  uint32_t partition_count = 0;
  std::vector<uint32_t> partitions = {};
  friend bool operator==(const LogRequest&, const LogRequest&) = default;
};

// The answer: `first_available` is the oldest sequence the log still holds (deltas older than it
// are gone; the requester repairs them by anti-entropy); `deltas` starts at max(from, first).
// `scanned_through` is the last sequence the answer read (last_sequence if it read none): of the
// partitions asked for, every delta the log holds up to it is in `deltas`. The request's
// from_sequence, partition_count and partitions are echoed, so that an answer says what it covers
// however late or duplicated it comes.
struct LogResponse {
  uint64_t first_available = 0;
  uint64_t last_sequence = 0;
  std::vector<LoggedDelta> deltas;
  uint64_t scanned_through = 0;
  uint64_t from_sequence = 0;
  uint32_t partition_count = 0;
  std::vector<uint32_t> partitions = {};
  friend bool operator==(const LogResponse&, const LogResponse&) = default;
};

// Anti-entropy: asks for inner nodes (level < kDepth) of the receiver's Merkle tree.
struct TreeRequest {
  uint64_t session = 0;
  std::vector<merkle::NodeId> nodes;
  friend bool operator==(const TreeRequest&, const TreeRequest&) = default;
};

struct TreeNode {
  merkle::NodeId id;
  merkle::Fingerprint hash = 0;
  std::vector<merkle::Fingerprint> children;  // kFanout fingerprints
  friend bool operator==(const TreeNode&, const TreeNode&) = default;
};

struct TreeResponse {
  uint64_t session = 0;
  std::vector<TreeNode> nodes;
  friend bool operator==(const TreeResponse&, const TreeResponse&) = default;
};

// Anti-entropy: asks for the contents of leaves (buckets).
struct LeafRequest {
  uint64_t session = 0;
  std::vector<uint32_t> buckets;
  friend bool operator==(const LeafRequest&, const LeafRequest&) = default;
};

// A leaf's contents as anti-entropy sends them: the fingerprint of each document's contribution
// (merkle::Contribution of its key and digest), not its key. The requester finds which of its own
// documents the peer lacks or holds differently by comparing fingerprints, and names the peer's
// documents it lacks by (bucket, fingerprint): keys cross the wire only with the states.
struct Leaf {
  uint32_t bucket = 0;
  merkle::Fingerprint hash = 0;              // the leaf's, which the entries must add up to
  std::vector<merkle::Fingerprint> entries;  // ascending
  friend bool operator==(const Leaf&, const Leaf&) = default;
};

struct LeafResponse {
  uint64_t session = 0;
  std::vector<Leaf> leaves;
  friend bool operator==(const LeafResponse&, const LeafResponse&) = default;
};

// Names one document of a leaf by its contribution's fingerprint (see Leaf).
struct DocumentRef {
  uint32_t bucket = 0;
  merkle::Fingerprint fingerprint = 0;
  friend auto operator<=>(const DocumentRef&, const DocumentRef&) = default;
};

// Anti-entropy: asks for document states.
struct DocumentRequest {
  uint64_t session = 0;
  std::vector<DocumentRef> documents;
  friend bool operator==(const DocumentRequest&, const DocumentRequest&) = default;
};

struct DocumentState {
  std::string key;
  std::string state;  // canonical state encoding (crdt::EncodeDocument)
  friend bool operator==(const DocumentState&, const DocumentState&) = default;
};

// Anti-entropy: document states, sent as the answer to a DocumentRequest or pushed unasked to
// the peer that lacks them. `missing` lists the requested documents the answerer no longer holds
// as named (changed since its leaf answer); always empty in a push.
struct Documents {
  uint64_t session = 0;
  std::vector<DocumentState> documents;
  std::vector<DocumentRef> missing;
  friend bool operator==(const Documents&, const Documents&) = default;
};

// The Merkle root of one partition (the XOR of its subtrees' hashes, in full: 128 bits).
struct PartitionRoot {
  uint32_t partition = 0;
  merkle::Hash root;
  friend bool operator==(const PartitionRoot&, const PartitionRoot&) = default;
};

// Hand-off (docs/sharding.md, "Moves"): a node that holds partitions it no longer owns asks a new
// owner of them, in its region, for its roots of those partitions, giving its own roots and the
// placement version it runs by. Ascending by partition, unique.
struct HandOffRequest {
  uint64_t placement_version = 0;
  std::vector<PartitionRoot> roots;
  friend bool operator==(const HandOffRequest&, const HandOffRequest&) = default;
};

// The answer: the placement version the answerer runs by, and its roots of the asked partitions
// that it owns by that placement. The asker drops a partition whose root it finds equal to its own
// in the same step, when the versions are equal. Ascending by partition, unique.
struct HandOffAnswer {
  uint64_t placement_version = 0;
  std::vector<PartitionRoot> roots;
  friend bool operator==(const HandOffAnswer&, const HandOffAnswer&) = default;
};

// The catalog (docs/sharding.md, "Indexes"): the documents every node keeps whatever partitions it
// owns (the database's index definitions; LocalReplica::InCatalog). A node asks a peer for its
// catalog documents after `after` (in key order; empty: from the first), giving the digest of its
// own catalog (sync/catalog.h, CatalogDigest): the XOR of the Merkle contributions of its
// documents, so that a peer holding the same catalog answers with none.
struct CatalogRequest {
  merkle::Hash digest;
  std::string after;
  friend bool operator==(const CatalogRequest&, const CatalogRequest&) = default;
};

// The answer: the answerer's digest and, unless it equals the asker's, its catalog documents after
// `after` (the request's, echoed, so that a late answer is told from the current one), ascending by
// key, at most kMaxCatalogDocumentsPerMessage; `more` when others follow (the asker asks again
// after the last one).
struct CatalogAnswer {
  merkle::Hash digest;
  std::string after;
  std::vector<DocumentState> documents;
  bool more = false;
  friend bool operator==(const CatalogAnswer&, const CatalogAnswer&) = default;
};

using Body = std::variant<DeltaBatch, Heartbeat, LogRequest, LogResponse, TreeRequest, TreeResponse,
                          LeafRequest, LeafResponse, DocumentRequest, Documents, HandOffRequest,
                          HandOffAnswer, CatalogRequest, CatalogAnswer>;

struct Message {
  crdt::ReplicaId sender = 0;
  Body body;
  friend bool operator==(const Message&, const Message&) = default;
};

// A short name of the message's type, for logs and counters ("delta_batch", ...).
const char* TypeName(const Body& body);

std::string Encode(const Message& message);
Result<Message> Decode(std::string_view bytes);

}  // namespace crdtdb::sync

#endif  // CRDTDB_SYNC_MESSAGES_H_
