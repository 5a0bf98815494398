// Copyright (c) crdtdb authors.
//
// Database is an embedded crdtdb replica: a store of JSON documents, each a CRDT, under keys
// "collection/id", read and written as JSON text or as crdtdb::Values (value.h). It accepts every
// write locally, at once, without asking any other replica; replicas exchange deltas later and
// converge (docs/crdt.md says what wins when).
//
// Errors are values: every call returns a Status or a Result. A call that fails with
// InvalidArgument (bad key, malformed JSON, wrong field kind) changed nothing, and the database
// stays usable after any error.
//
// Thread safety: a Database may be used from many threads at once. Reads never wait for writes
// (they see the last committed state); writes of one document are serialized, and writes are
// committed in groups (so Durability::kSync shares one fsync among concurrent writers, also of
// one document). Subscription callbacks run on a writing thread after the commit, in commit
// order, with no lock held; they must not block for long, and may call back into the Database.
// One process may open a given path once at a time.

#ifndef CRDTDB_INCLUDE_DATABASE_H_
#define CRDTDB_INCLUDE_DATABASE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "crdtdb/change.h"
#include "crdtdb/diff.h"
#include "crdtdb/limits.h"
#include "crdtdb/live_sync.h"
#include "crdtdb/options.h"
#include "crdtdb/result.h"
#include "crdtdb/status.h"
#include "crdtdb/sync_report.h"
#include "crdtdb/sync_transport.h"
#include "crdtdb/value.h"

namespace crdtdb {

// One page of a listing.
struct ListOptions {
  size_t limit = 1000;       // at most this many documents, >= 1; capped at kMaxListPage
  std::string start_after;   // resume after this id (exclusive); empty starts at the beginning
};

struct ListedDocument {
  std::string id;    // the id within the collection
  std::string json;  // the document
};

struct ListPage {
  std::vector<ListedDocument> documents;
  std::optional<std::string> next_start_after;  // set when more documents follow
};

// The bounds of one find call (docs/queries.md, "Bounds"): a call never reads more documents nor
// runs longer than this, whatever the collection's size.
struct FindOptions {
  size_t max_examined = 100'000;  // documents read (live or deleted), >= 1
  uint32_t deadline_ms = 1'000;   // after this, no more documents are read (at least one is)
  // When set, a document whose key ("collection/id") it rejects is read but matches nothing: a
  // node of a region of several scopes a query to the partitions it owns with it.
  std::function<bool(std::string_view key)> keep;
};

// How one page of a query was read (find --explain; docs/queries.md, "Indexes and the planner").
struct FindPlan {
  std::string index;     // the name of the index the page read ("due,owner"); empty: a scan
  bool ordered = false;  // the index gave the query's sort order: the page read only its own
  bool descending = false;  // ordered, and the index was read backward (a descending sort)
  uint64_t ranges = 0;      // runs of index keys looked up: one per value of a $in, and per
                            // element run when some document has an array in the index's fields
  uint64_t keys_read = 0;            // index entries read
  uint64_t documents_read = 0;       // documents read (the scan budget counts these)
  uint64_t documents_returned = 0;
};

// One page of a query's results.
struct FindPage {
  std::vector<ListedDocument> documents;  // in the query's order; projected to its "fields"
  // Set when more documents may follow: give it as the query's "bookmark" for the next page.
  std::optional<std::string> bookmark;
  uint64_t examined = 0;  // documents read to answer
  FindPlan plan;
};

// A secondary index of a collection (docs/queries.md, "Indexes").
struct IndexInfo {
  std::string collection;
  std::string name;                // its fields, comma-separated as given: "owner.name,due"
  std::vector<std::string> fields;
  // "building" (queries do not use it yet), "ready", or "dropping" (its entries are being removed;
  // once its definition is gone, only its id is known: then collection is empty, name the id)
  std::string state;
  uint64_t documents_indexed = 0;  // while building: the documents indexed so far
};

// A document with every concurrent value (Database::get_value_with_conflicts).
struct DocumentWithConflicts {
  Value doc;  // the document as get_value shows it
  // For every field holding more than one value (written concurrently on two replicas): its
  // RFC 6901 JSON pointer ("/title", "/address/city") -> all its values, the one `doc` shows first.
  // Empty when nothing conflicts.
  std::map<std::string, Array> conflicts;
};

// One page of a typed listing (Database::list_values).
struct ListedValue {
  std::string id;  // the id within the collection
  Value value;     // the document, an Object
};

struct ValuePage {
  std::vector<ListedValue> documents;
  std::optional<std::string> next_start_after;  // set when more documents follow
};

// Figures of the local replica (the server adds peers and replication counters to them).
struct LocalStatus {
  std::string replica_id;   // 16 hex digits
  uint64_t documents = 0;   // live documents
  std::string merkle_root;  // 32 hex digits; equal on two replicas exactly when states are equal
  uint64_t last_sequence = 0;  // this replica's last delta sequence number
  // Since open: the commits of the write queue (with Durability::kSync, one fsync each) and the
  // document writes, local and remote, they held. Their ratio is the size of a group commit.
  uint64_t commits = 0;
  uint64_t documents_written = 0;
  // Since open: batches of remote writes whose highest timestamp was too far ahead of this
  // replica's clock to be folded into it (a peer's clock runs ahead; docs/crdt.md section 4).
  uint64_t clock_ahead_ignored = 0;
  // False once a write or a read met a storage error (corrupt or unreadable files), until
  // reopened. A failed write also stops further writes; a failed read does not.
  bool healthy = true;
  std::string last_error;    // why it is unhealthy: the failed write, else the last failed read
  uint64_t read_errors = 0;  // reads that met a storage error since open
  std::string first_read_error;
  std::vector<IndexInfo> indexes;  // every index this replica has, with its build progress
  std::string index_error;         // why index builds stopped (a storage error); empty if none
  // Every live sync running on this database (start_sync), as its callback last saw it.
  std::vector<LiveSyncState> live_syncs;
};

// The result of Database::verify.
struct VerifyReport {
  uint64_t documents_checked = 0;
  std::vector<std::string> problems;  // empty when everything agrees
  bool ok() const { return problems.empty(); }
};

// One page of the change feed (Database::changes).
struct ChangePage {
  std::vector<Change> changes;  // in the order this replica applied them
  // Where the next page starts: past every change read, those of other prefixes too, so a
  // watcher of a quiet prefix keeps a cursor that stays within the retention.
  std::string cursor;
};

// How Database::subscribe with a cursor starts and ends.
struct SubscribeOptions {
  // Resume right after this cursor (a Change::cursor or ChangePage::cursor), also one saved before
  // the app or the database restarted; "0" starts at the oldest change the log keeps; empty starts
  // with the next change committed.
  std::string since;
  // The most changes delivered per read of the change log (>= 1).
  size_t batch = 256;
  // Called once, on the delivery thread, if the subscription ends by itself: Gone when it fell so
  // far behind that the change log trimmed changes it had not delivered (resync: read the
  // documents again, then subscribe without a cursor), or the storage error that stopped it.
  std::function<void(const Status&)> on_end;
};

class Subscription;

// Checks a document key ("collection/id" or "/collection/id") or a collection name without opening
// anything: OK, or InvalidArgument saying what is wrong (docs/cli.md, "Paths").
Status validate_key(std::string_view key);
Status validate_collection(std::string_view collection);

class Database {
 public:
  // Opens (or creates) the database at options.path. Fails with a clear Status if the directory
  // cannot be created, is already open, is corrupt, or was written by a newer crdtdb.
  static Result<std::unique_ptr<Database>> open(const Options& options);

  virtual ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // The document as one JSON object; NotFound if it does not exist or was deleted.
  virtual Result<std::string> get(std::string_view key) = 0;
  // The document with every concurrent value: {"doc": {...}, "conflicts": {"/ptr": [values]}}.
  virtual Result<std::string> get_with_conflicts(std::string_view key) = 0;

  // Creates or replaces the document (fields not in `json` are removed). Returns the result.
  virtual Result<std::string> put(std::string_view key, std::string_view json) = 0;
  // Applies an RFC 7396 merge patch, creating the document if missing. Returns the result.
  virtual Result<std::string> patch(std::string_view key, std::string_view json) = 0;
  // Deletes the document; NotFound if it does not exist.
  virtual Status remove(std::string_view key) = 0;
  // Adds `by` to the counter `field` ("name", or a JSON pointer "/a/b" for nested fields).
  virtual Result<std::string> increment(std::string_view key, std::string_view field, int64_t by) = 0;
  // Adds or removes a JSON scalar (given as JSON text) in the add-wins set `field`.
  virtual Result<std::string> set_add(std::string_view key, std::string_view field,
                                      std::string_view element_json) = 0;
  virtual Result<std::string> set_remove(std::string_view key, std::string_view field,
                                         std::string_view element_json) = 0;

  // ---- Batch writes (issue 22: PouchDB's bulkDocs) ----
  // Creates or replaces many documents (key, JSON object: each as put takes them) in one atomic
  // commit: either all are written, or none. One commit (one fsync with Durability::kSync) and no
  // rendering of the results make it several times faster per document than put. Errors, all of
  // which write nothing: InvalidArgument naming the first bad entry by its index (a bad key or
  // document, a key named twice, a document past the limits of a write), more than
  // kMaxBatchDocuments entries or kMaxBatchBytes of JSON text; a storage error. An empty batch is
  // OK and writes nothing. Subscribers hear every document, in the batch's order. Documents are
  // locked all at once: another writer of one of them waits for the whole batch to be queued.
  static constexpr size_t kMaxBatchDocuments = 10'000;
  static constexpr size_t kMaxBatchBytes = size_t{64} << 20;
  virtual Status put_many(const std::vector<std::pair<std::string, std::string>>& documents) = 0;
  // The same with typed documents (each must be an Object).
  Status put_many_values(const std::vector<std::pair<std::string, Value>>& documents);
  // ---- end of batch writes ----

  // Live documents of one collection in id order, a page at a time.
  virtual Result<ListPage> list(std::string_view collection, const ListOptions& options = {}) = 0;

  // The documents of one collection that match a query, a page at a time (docs/queries.md). `query`
  // is a JSON object as the body of CouchDB's Mango _find: {"selector": {...}, "sort": [...],
  // "limit": N, "fields": [...], "bookmark": "..."}, where only "selector" is required; a query
  // that cannot be parsed is InvalidArgument naming the offending part. Documents match on what
  // get shows (the winner of a field with concurrent values). One call reads one consistent
  // snapshot of the replica; the pages of one query may see different snapshots.
  //
  // Bounded by `options`: a query in id order (no "sort") that reaches max_examined or the
  // deadline returns the documents found so far with a bookmark to go on from; a sorted query,
  // which must read the whole collection, fails then with Unavailable.
  virtual Result<FindPage> find(std::string_view collection, std::string_view query,
                                const FindOptions& options = {}) = 0;

  // Typed documents (crdtdb/value.h): each call above that takes or returns JSON text has a twin
  // here that takes and returns Values, with the same meaning and the same errors. A Value that
  // JSON cannot carry (a number that is not finite) is one more InvalidArgument error; like every
  // InvalidArgument it changes nothing.
  Result<Value> get_value(std::string_view key);
  Result<DocumentWithConflicts> get_value_with_conflicts(std::string_view key);
  // `document` must be an Object (InvalidArgument otherwise).
  Result<Value> put_value(std::string_view key, const Value& document);
  // `merge_patch` must be an Object; a member whose value is null removes the field (RFC 7396).
  Result<Value> patch_value(std::string_view key, const Value& merge_patch);
  Result<Value> increment_value(std::string_view key, std::string_view field, int64_t by);
  // `element` must be a scalar: null, a boolean, a number or a string.
  Result<Value> set_add_value(std::string_view key, std::string_view field, const Value& element);
  Result<Value> set_remove_value(std::string_view key, std::string_view field, const Value& element);
  Result<ValuePage> list_values(std::string_view collection, const ListOptions& options = {});

  // Calls `callback` for every committed change of a document whose key starts with `prefix`,
  // local or remote, until the returned Subscription is destroyed. A write already under way when
  // it subscribes may or may not be seen.
  virtual std::unique_ptr<Subscription> subscribe(std::string prefix,
                                                  std::function<void(const Change&)> callback) = 0;

  // The change feed (docs/changes.md): every committed change of a document whose key starts with
  // `prefix`, local or remote, in the order this replica applied them, after the cursor `since`
  // (a Change::cursor or ChangePage::cursor; "0": from the oldest change kept; empty: none, only
  // the cursor of the feed's head). At most `limit` changes (>= 1) and a bounded read of the log
  // per call. The cursor survives restarts of the app and of the database. Errors:
  // InvalidArgument for a malformed cursor; Gone for a cursor older than the change log keeps
  // (Options::change_log_max_entries), or of changes this replica no longer has (another
  // replica's, another copy's of this store, or lost in a crash of the machine): then resync.
  virtual Result<ChangePage> changes(std::string_view prefix, std::string_view since, size_t limit = 1000) = 0;

  // The same changes delivered to `callback` on a thread of the subscription's own, in order,
  // from `options.since` on, until the returned Subscription is destroyed or the feed ends it
  // (options.on_end). A slow callback never slows writers and holds no more than one batch in
  // memory: it falls behind in the durable log instead, until the log's retention cuts it off.
  // Delivery is at least once: an app that saves a change's cursor once it has handled it, and
  // resumes with it, sees every change, and again at most those it had not saved. Errors as
  // changes() for `since`, at once.
  virtual Result<std::unique_ptr<Subscription>> subscribe(std::string prefix, SubscribeOptions options,
                                                          std::function<void(const Change&)> callback) = 0;

  // Syncs this replica with a region, both ways (offline-first use): runs anti-entropy rounds over
  // `transport` until one finds both sides equal. Resumable: a session that fails halfway keeps
  // what it received, and the next one finishes the job. Unavailable if the region stops
  // answering.
  virtual Result<SyncReport> sync_with(SyncTransport& transport) = 0;
  // The same, over ZeroMQ to a region's sync endpoint ("tcp://HOST:PORT"); each answer is awaited
  // at most 5 s.
  Result<SyncReport> sync_with(const std::string& endpoint);

  // Starts a live sync with a region (crdtdb/live_sync.h): on a thread of its own, until the
  // returned handle is stopped or destroyed, or this database is closed (which stops it first), it
  // pushes local writes within options.push_delay_ms plus one session, pulls the region's changes
  // as its delta stream announces them, and retries with a bounded, jittered backoff while the
  // region is unreachable. `on_state` (may be empty) hears every change of its state.
  // InvalidArgument if the options name no region or a bad one (nothing is started then).
  Result<std::unique_ptr<LiveSync>> start_sync(const LiveSyncOptions& options,
                                               LiveSyncCallback on_state = {});

  // Lists the documents that differ between a region (side A, over `transport` to its sync
  // endpoint) and this database (side B), by walking both Merkle trees (crdtdb/diff.h). Read-only
  // on both sides: nothing is pushed or joined.
  virtual Result<DiffReport> diff_with(SyncTransport& transport, const DiffOptions& options) = 0;

  // Secondary indexes (docs/queries.md, "Indexes"). An index is defined by a document of the
  // reserved collection _indexes, so it replicates as a write does: every replica of every region
  // that receives the definition builds the index, in the background while it serves; a query
  // uses it only once built (list_indexes shows the progress). `fields` is one dotted field path
  // or several, comma-separated ("owner.name,due"); the index's name is that list.
  //
  // create_index: InvalidArgument for a bad collection or field list, or more than 16 indexes on
  // the collection; creating an existing index again changes nothing and returns it.
  virtual Result<IndexInfo> create_index(std::string_view collection, std::string_view fields) = 0;
  // The indexes of `collection` (empty: of every collection, and the dropped ones still being
  // removed), by collection then name.
  virtual Result<std::vector<IndexInfo>> list_indexes(std::string_view collection = {}) = 0;
  // NotFound if the collection has no index of that name. Its entries are removed in the
  // background; queries stop using it at once.
  virtual Status drop_index(std::string_view collection, std::string_view name) = 0;

  virtual LocalStatus status() = 0;
  // Reads every stored record once, verifying the storage's block checksums (no decoding: much
  // cheaper than verify). Returns the first storage error; status() then reports it too.
  virtual Status check_storage() = 0;
  // Recomputes every document's digest and the Merkle tree from the documents, and reports any
  // disagreement with what is stored.
  virtual Result<VerifyReport> verify() = 0;

 protected:
  Database() = default;
};

// Ends its subscription when destroyed; after the destructor returns, the callback is not running
// and will not run again.
class Subscription {
 public:
  virtual ~Subscription() = default;
};

}  // namespace crdtdb

#endif  // CRDTDB_INCLUDE_DATABASE_H_
