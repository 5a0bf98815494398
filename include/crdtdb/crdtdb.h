/* Copyright (c) crdtdb authors.
 *
 * The C ABI of crdtdb: the embedded database (crdtdb/database.h) for C and for the bindings of
 * other languages (python/crdtdb, and Swift, Kotlin or JavaScript through their C interop). C99,
 * no C++ type crosses it. Link libcrdtdb_c.so (-lcrdtdb_c), or the static crdtdb::crdtdb with a
 * C++ linker. docs/library.md, "The C ABI", walks through it.
 *
 * Text: keys, fields, paths and endpoints are NUL-terminated UTF-8 strings. Documents, queries,
 * set elements and every structured result cross as JSON text (UTF-8, NUL-terminated), with the
 * meaning and the limits of the C++ calls of the same name.
 *
 * Errors: every call that can fail returns a crdtdb_code, CRDTDB_OK on success, and takes a last
 * argument `char** error`. On failure, when `error` is not NULL, *error is set to a message for a
 * person (malloc'd, free it with crdtdb_free); on success *error is set to NULL. The message comes
 * back with the call rather than from a thread-local "last error" so that nothing is lost when a
 * binding's runtime moves the caller to another thread (green threads, coroutines, a Python
 * callback running in between) and so that the code and its message can never disagree.
 * A call that fails with CRDTDB_INVALID_ARGUMENT changed nothing; the database stays usable after
 * any error. A NULL where a pointer is required is CRDTDB_INVALID_ARGUMENT, never a crash.
 *
 * Ownership: every `char**` out argument receives a buffer that the caller owns and frees with
 * crdtdb_free (never with another allocator's free: the library may use its own). On failure the
 * out arguments are set to NULL. Strings passed in are only read during the call (the library
 * keeps no pointer to them), except where a function says otherwise. The strings a subscription
 * callback receives are lent for the duration of the call only.
 *
 * Threads: a crdtdb_db may be used from many threads at once (as a crdtdb::Database); a
 * crdtdb_options only from one at a time. No C++ exception ever crosses this ABI: an exception
 * inside the library (out of memory) becomes CRDTDB_INTERNAL with its message.
 */

#ifndef CRDTDB_INCLUDE_CRDTDB_H_
#define CRDTDB_INCLUDE_CRDTDB_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The outcome of a call: crdtdb::Status::Code, value for value. */
typedef enum crdtdb_code {
  CRDTDB_OK = 0,
  CRDTDB_INVALID_ARGUMENT = 1, /* the input is wrong (NULL, bad JSON, key, kind); nothing changed */
  CRDTDB_NOT_FOUND = 2,        /* the document does not exist */
  CRDTDB_CORRUPTION = 3,       /* stored or received bytes fail validation */
  CRDTDB_IO_ERROR = 4,         /* the operating system or storage refused */
  CRDTDB_UNAVAILABLE = 5,      /* a peer could not be reached in time; a query ran out of bounds */
  CRDTDB_INTERNAL = 6          /* a broken invariant or an exception inside the library */
} crdtdb_code;

/* "ok", "invalid argument", "not found", ...: a static string, never freed. */
const char* crdtdb_code_name(crdtdb_code code);

/* The library's version, "MAJOR.MINOR.PATCH": a static string, never freed. */
const char* crdtdb_version(void);

/* Frees a buffer the library returned (results, messages). NULL is ignored. */
void crdtdb_free(void* buffer);

/* ---- Options of crdtdb_open (crdtdb/options.h; the defaults are those of crdtdb::Options) ---- */

typedef struct crdtdb_options crdtdb_options;

typedef enum crdtdb_durability {
  CRDTDB_DURABILITY_BUFFERED = 0, /* acknowledged in the page cache; survives a process crash */
  CRDTDB_DURABILITY_SYNC = 1      /* acknowledged once fsync'd; survives power loss */
} crdtdb_durability;

/* A new options object with the defaults; NULL only when out of memory. Destroy it with
 * crdtdb_options_destroy (crdtdb_open copies what it needs). */
crdtdb_options* crdtdb_options_create(void);
void crdtdb_options_destroy(crdtdb_options* options); /* NULL is ignored */
/* The setters ignore a NULL options. Values are checked by crdtdb_open. */
void crdtdb_options_set_create_if_missing(crdtdb_options* options, int create_if_missing);
void crdtdb_options_set_read_only(crdtdb_options* options, int read_only);
void crdtdb_options_set_durability(crdtdb_options* options, crdtdb_durability durability);
void crdtdb_options_set_cache_bytes(crdtdb_options* options, size_t cache_bytes);
void crdtdb_options_set_delta_log_max_entries(crdtdb_options* options, uint64_t entries);

/* ---- Opening and closing ---- */

typedef struct crdtdb_db crdtdb_db;

/* Opens (or creates) the database in the directory `path`, with `options` (NULL: the defaults).
 * On success *db is the handle, to close with crdtdb_close; on failure *db is NULL. */
crdtdb_code crdtdb_open(const char* path, const crdtdb_options* options, crdtdb_db** db,
                        char** error);

/* Ends every subscription of `db` still open (freeing their handles: do not unsubscribe them
 * afterwards), waits for running callbacks to return, and closes the database. NULL is ignored.
 * Must not be called from a subscription callback of the same database. */
void crdtdb_close(crdtdb_db* db);

/* ---- Documents under keys "collection/id" (crdtdb::Database, docs/library.md) ---- */

/* The document as a JSON object in *json; CRDTDB_NOT_FOUND if it does not exist or was deleted. */
crdtdb_code crdtdb_get(crdtdb_db* db, const char* key, char** json, char** error);
/* {"doc": {...}, "conflicts": {"/pointer": [values]}}: the document with every concurrent value. */
crdtdb_code crdtdb_get_with_conflicts(crdtdb_db* db, const char* key, char** json, char** error);

/* The writes below return the document after the write in *result when `result` is not NULL. */

/* Creates or replaces the document with the JSON object `json`. */
crdtdb_code crdtdb_put(crdtdb_db* db, const char* key, const char* json, char** result,
                       char** error);
/* Applies the RFC 7396 merge patch `json` (an object), or the RFC 6902 JSON Patch `json` (an
 * array), creating the document if missing. */
crdtdb_code crdtdb_patch(crdtdb_db* db, const char* key, const char* json, char** result,
                         char** error);
/* Applies the RFC 6902 JSON Patch `patch` (an array of operations) as one write; `base` (may be
 * NULL) is a base version from crdtdb_get_with_base, against which list indexes are resolved
 * (crdtdb/lists.h, json_patch). A failed operation is CRDTDB_INVALID_ARGUMENT and changes nothing. */
crdtdb_code crdtdb_json_patch(crdtdb_db* db, const char* key, const char* patch, const char* base,
                              char** result, char** error);
/* {"doc": {...}, "base": VERSION}: the document and the base version a JSON Patch may name. */
crdtdb_code crdtdb_get_with_base(crdtdb_db* db, const char* key, char** json, char** error);
/* Removes `delete_count` characters from `pos` of the text `field` ("name" or "/a/b") and inserts
 * the UTF-8 `insert` there (NULL: nothing), as crdtdb/text.h's text_splice: positions and counts
 * are Unicode code points, not bytes. A missing field becomes a text (pos and delete_count 0). A
 * field that is not a text (a string written by put is not: write {"$text": "..."} first), a range
 * out of the text or `insert` that is not UTF-8 is CRDTDB_INVALID_ARGUMENT and changes nothing. */
crdtdb_code crdtdb_text_splice(crdtdb_db* db, const char* key, const char* field, size_t pos,
                               size_t delete_count, const char* insert, char** result, char** error);
/* Deletes the document; CRDTDB_NOT_FOUND if it does not exist. */
crdtdb_code crdtdb_remove(crdtdb_db* db, const char* key, char** error);
/* Adds `by` to the counter `field` ("name" or a JSON pointer "/a/b"). A field of another kind is
 * CRDTDB_INVALID_ARGUMENT. */
crdtdb_code crdtdb_increment(crdtdb_db* db, const char* key, const char* field, int64_t by,
                             char** result, char** error);
/* Adds or removes the JSON scalar `element_json` (e.g. "\"milk\"", "3") in the add-wins set
 * `field`. */
crdtdb_code crdtdb_set_add(crdtdb_db* db, const char* key, const char* field,
                           const char* element_json, char** result, char** error);
crdtdb_code crdtdb_set_remove(crdtdb_db* db, const char* key, const char* field,
                              const char* element_json, char** result, char** error);

/* ---- Reading a collection ---- */

/* One page of the live documents of `collection` in id order, at most `limit` (0: the default,
 * 1000; capped at 10000), after the id `start_after` (NULL or "": from the beginning). *page is
 * {"documents": [{"id": "...", "doc": {...}}, ...], "next_start_after": "..." or null}. */
crdtdb_code crdtdb_list(crdtdb_db* db, const char* collection, size_t limit,
                        const char* start_after, char** page, char** error);

/* One page of the documents of `collection` matching the Mango query `query_json`
 * (docs/queries.md), reading at most `max_examined` documents (0: the default, 100000) for at most
 * `deadline_ms` (0: the default, 1000). *page is {"documents": [{"id": ..., "doc": ...}, ...],
 * "bookmark": "..." or null, "examined": N}. */
crdtdb_code crdtdb_find(crdtdb_db* db, const char* collection, const char* query_json,
                        uint64_t max_examined, uint32_t deadline_ms, char** page, char** error);

/* Figures of the local replica as a JSON object: {"replica_id", "documents", "merkle_root",
 * "last_sequence", "commits", "documents_written", "clock_ahead_ignored", "healthy",
 * "last_error", "read_errors", "first_read_error", "live_syncs": [states, as crdtdb_sync_state
 * gives them]} (crdtdb::LocalStatus). */
crdtdb_code crdtdb_status(crdtdb_db* db, char** json, char** error);

/* ---- Sync with a region ---- */

/* Syncs both ways with a region's sync endpoint ("tcp://HOST:PORT") until both sides are equal
 * (crdtdb::Database::sync_with). *report is {"documents_sent", "documents_received",
 * "bytes_sent", "bytes_received", "rounds", "duration_ms", "in_sync"}. CRDTDB_UNAVAILABLE when the
 * region stops answering (each answer is awaited at most 5 s); what was received is kept. */
crdtdb_code crdtdb_sync_with(crdtdb_db* db, const char* endpoint, char** report, char** error);

/* ---- Subscriptions ---- */

typedef struct crdtdb_subscription crdtdb_subscription;

/* Called once for every committed change of a document under the subscribed prefix, local or
 * remote, in commit order, on the thread that committed it, with no lock of the library held.
 * `key` is "collection/id"; `json` the document after the change, or NULL when it was deleted;
 * `remote` is 1 when the change came from another replica. Both strings are lent for the call
 * only: copy what you keep. The callback may call into the database (but not crdtdb_unsubscribe
 * of its own subscription, nor crdtdb_close) and must not block for long: writers wait. */
typedef void (*crdtdb_change_callback)(void* user, const char* key, const char* json, int remote);

/* Calls `callback(user, ...)` for every committed change of a document whose key starts with
 * `prefix` ("" for all) until crdtdb_unsubscribe or crdtdb_close. `user` is passed through
 * untouched: it must stay valid until then. On success *subscription is the handle. */
crdtdb_code crdtdb_subscribe(crdtdb_db* db, const char* prefix, crdtdb_change_callback callback,
                             void* user, crdtdb_subscription** subscription, char** error);

/* Ends the subscription and frees its handle: when it returns, the callback is not running and
 * will not run again. NULL is ignored. Not from the subscription's own callback (it would wait
 * for itself), and not during or after crdtdb_close of its database (which frees the handle). */
void crdtdb_unsubscribe(crdtdb_subscription* subscription);

/* ---- Batch writes ---- */

/* Creates or replaces `count` documents in one atomic commit (crdtdb::Database::put_many, PouchDB's
 * bulkDocs): the document keys[i] becomes the JSON object jsons[i], as crdtdb_put would make it.
 * All or none: on any error nothing is written. CRDTDB_INVALID_ARGUMENT names the first bad entry
 * ("batch entry 3: ...": a NULL, a bad key or document, a key given twice, a document past the
 * limits of a write), or a batch of more than 10000 documents or 64 MiB of keys and JSON. The
 * results are not returned (crdtdb_get reads them): that is part of what makes it fast. `keys`
 * and `jsons` may be NULL when `count` is 0, which writes nothing. */
crdtdb_code crdtdb_put_many(crdtdb_db* db, const char* const* keys, const char* const* jsons,
                            size_t count, char** error);

/* ---- Live sync (crdtdb::Database::start_sync; docs/library.md, "Live sync") ---- */

typedef struct crdtdb_live_sync crdtdb_live_sync;

/* Hears every change of a live sync's state, as one JSON object (lent for the call only):
 * {"target", "phase": "starting"|"syncing"|"idle"|"retrying"|"stopped", "connected": bool,
 * "pending_local_changes", "last_error", "last_sync_unix_ms", "sessions", "failures",
 * "retry_in_ms", "documents_sent", "documents_received"}. The last call has "phase":"stopped".
 *
 * Threads: it runs on the live sync's own thread, never on the caller's, one call at a time, with
 * no lock of the library held. It must return quickly (the sync waits for it). It may call into
 * the database (read, write, crdtdb_sync_state), but must not call crdtdb_stop_sync of its own
 * sync nor crdtdb_close of its database: each waits for that thread to end, which would be
 * waiting for itself. */
typedef void (*crdtdb_sync_state_callback)(void* user, const char* state_json);

/* Starts a continuous two-way sync of `db` with a region, on a thread of its own, until
 * crdtdb_stop_sync or crdtdb_close. `options_json` is a JSON object naming the region either by
 * {"endpoint": "tcp://HOST:PORT"} (a one-node region's sync endpoint; with "publish_endpoint" its
 * delta stream, so that remote changes arrive at once) or by {"config_path": FILE, "region": NAME};
 * optional: "client_key_file" and "server_public_key" (CURVE), and the timings in milliseconds
 * "push_delay_ms", "poll_interval_ms", "backoff_initial_ms", "backoff_max_ms",
 * "answer_timeout_ms" (crdtdb::LiveSyncOptions, with its defaults). An unknown member, a member of
 * the wrong type or no region is CRDTDB_INVALID_ARGUMENT, and nothing is started.
 *
 * `callback` may be NULL. Ownership: `user` is passed through untouched and must stay valid until
 * crdtdb_stop_sync or crdtdb_close returns; the library never frees it. On success *sync is the
 * handle, owned by the caller until crdtdb_stop_sync or crdtdb_close frees it. */
crdtdb_code crdtdb_start_sync(crdtdb_db* db, const char* options_json,
                              crdtdb_sync_state_callback callback, void* user,
                              crdtdb_live_sync** sync, char** error);

/* The live sync's state now, as the JSON object the callback receives, in *state_json. */
crdtdb_code crdtdb_sync_state(crdtdb_live_sync* sync, char** state_json, char** error);

/* Stops the live sync, joins its thread and frees the handle: when it returns the callback is not
 * running and never runs again, so `user` may be freed. It returns in about 100 ms whatever the
 * network does (an exchange in flight is abandoned: what it committed stays). NULL is ignored.
 * Not from the sync's own callback, and not during or after crdtdb_close of its database (which
 * stops and frees every live sync still running, before its subscriptions). */
void crdtdb_stop_sync(crdtdb_live_sync* sync);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* CRDTDB_INCLUDE_CRDTDB_H_ */
