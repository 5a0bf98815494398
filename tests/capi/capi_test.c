/* Copyright (c) crdtdb authors.
 *
 * The C ABI (include/crdtdb/crdtdb.h) as a C program uses it, compiled as C99: every entry point,
 * its error paths (bad path, bad JSON, NULL arguments, a field of the wrong kind), and buffer
 * ownership: every buffer the library returns is freed here exactly once, so the asan preset fails
 * this test on a leak or a double free on either side. Exits 1 after printing every failed
 * check. */

#define _XOPEN_SOURCE 700 /* mkdtemp, nftw */

#include <unistd.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crdtdb/crdtdb.h"
#include "tests/capi/capi_check.h"

static crdtdb_db* open_db(const char* name) {
  crdtdb_db* db = NULL;
  CHECK_CODE(crdtdb_open(path_of(name), NULL, &db, ERR), CRDTDB_OK);
  if (db == NULL) {
    fprintf(stderr, "cannot open %s\n", name);
    exit(1);
  }
  return db;
}

static void test_names(void) {
  CHECK(strcmp(crdtdb_code_name(CRDTDB_OK), "ok") == 0);
  CHECK(strcmp(crdtdb_code_name(CRDTDB_NOT_FOUND), "not found") == 0);
  CHECK(strcmp(crdtdb_code_name((crdtdb_code)99), "unknown") == 0);
  CHECK(strchr(crdtdb_version(), '.') != NULL);
  crdtdb_free(NULL); /* allowed */
}

static void test_open_errors(void) {
  crdtdb_db* db = (crdtdb_db*)1;
  char* error = NULL;
  /* A directory cannot be made under a regular file. */
  FILE* file = fopen(path_of("plain-file"), "w");
  CHECK(file != NULL);
  if (file) fclose(file);
  char under_file[160];
  snprintf(under_file, sizeof under_file, "%s/db", path_of("plain-file"));
  CHECK(crdtdb_open(under_file, NULL, &db, &error) != CRDTDB_OK);
  CHECK(db == NULL);
  CHECK(error != NULL && error[0] != '\0');
  crdtdb_free(error);

  CHECK_CODE(crdtdb_open(NULL, NULL, &db, ERR), CRDTDB_INVALID_ARGUMENT);
  CHECK_CODE(crdtdb_open(path_of("x"), NULL, NULL, ERR), CRDTDB_INVALID_ARGUMENT);
  /* A NULL error argument is allowed: the code alone reports. */
  CHECK(crdtdb_open(NULL, NULL, &db, NULL) == CRDTDB_INVALID_ARGUMENT);

  crdtdb_options* options = crdtdb_options_create();
  CHECK(options != NULL);
  crdtdb_options_set_delta_log_max_entries(options, 0);
  CHECK_CODE(crdtdb_open(path_of("zero-log"), options, &db, ERR), CRDTDB_INVALID_ARGUMENT);
  crdtdb_options_set_delta_log_max_entries(options, 10);
  crdtdb_options_set_durability(options, (crdtdb_durability)7);
  CHECK_CODE(crdtdb_open(path_of("bad-durability"), options, &db, ERR), CRDTDB_INVALID_ARGUMENT);
  crdtdb_options_set_durability(options, CRDTDB_DURABILITY_SYNC);
  crdtdb_options_set_create_if_missing(options, 0);
  CHECK(crdtdb_open(path_of("missing"), options, &db, NULL) != CRDTDB_OK);
  CHECK(db == NULL);
  crdtdb_options_set_create_if_missing(options, 1);
  crdtdb_options_set_cache_bytes(options, 1 << 20);
  CHECK_CODE(crdtdb_open(path_of("with-options"), options, &db, ERR), CRDTDB_OK);
  CHECK_CODE(crdtdb_put(db, "t/1", "{\"a\":1}", NULL, ERR), CRDTDB_OK);
  crdtdb_close(db);

  /* Read-only: reads work, every write fails and changes nothing. */
  crdtdb_options_set_read_only(options, 1);
  CHECK_CODE(crdtdb_open(path_of("with-options"), options, &db, ERR), CRDTDB_OK);
  char* json = NULL;
  CHECK_CODE(crdtdb_get(db, "t/1", &json, ERR), CRDTDB_OK);
  CHECK_TEXT(json, "{\"a\":1}");
  CHECK(crdtdb_put(db, "t/1", "{\"a\":2}", NULL, NULL) != CRDTDB_OK);
  crdtdb_close(db);
  crdtdb_options_destroy(options);
  crdtdb_options_destroy(NULL);
  crdtdb_options_set_read_only(NULL, 1); /* ignored */
  crdtdb_close(NULL);
}

static void test_documents(crdtdb_db* db) {
  char* result = NULL;
  char* json = NULL;
  CHECK_CODE(crdtdb_put(db, "todos/1", "{\"title\":\"milk\",\"done\":false}", &result, ERR),
             CRDTDB_OK);
  CHECK_TEXT(result, "{\"done\":false,\"title\":\"milk\"}");
  CHECK_CODE(crdtdb_get(db, "todos/1", &json, ERR), CRDTDB_OK);
  CHECK_TEXT(json, "{\"done\":false,\"title\":\"milk\"}");

  /* Bad input is refused, the out argument stays NULL, and nothing changes. */
  result = (char*)1;
  CHECK_CODE(crdtdb_put(db, "todos/1", "{\"title\":", &result, ERR), CRDTDB_INVALID_ARGUMENT);
  CHECK(result == NULL);
  CHECK_CODE(crdtdb_put(db, "todos/1", "[1,2]", NULL, ERR), CRDTDB_INVALID_ARGUMENT);
  CHECK_CODE(crdtdb_put(db, "no-collection", "{}", NULL, ERR), CRDTDB_INVALID_ARGUMENT);
  CHECK_CODE(crdtdb_patch(db, "todos/1", "{\"done\":", NULL, ERR), CRDTDB_INVALID_ARGUMENT);
  CHECK_CODE(crdtdb_get(db, "todos/1", &json, ERR), CRDTDB_OK);
  CHECK_TEXT(json, "{\"done\":false,\"title\":\"milk\"}");

  CHECK_CODE(crdtdb_patch(db, "todos/1", "{\"done\":true,\"title\":null}", &result, ERR),
             CRDTDB_OK);
  CHECK_TEXT(result, "{\"done\":true}");

  /* JSON Patch: an array through crdtdb_patch, or crdtdb_json_patch with a base version. */
  CHECK_CODE(crdtdb_patch(db, "lists/1", "[{\"op\":\"add\",\"path\":\"/l\",\"value\":[\"a\",\"b\"]}]", &result, ERR),
             CRDTDB_OK);
  CHECK_TEXT(result, "{\"l\":[\"a\",\"b\"]}");
  CHECK_CODE(crdtdb_get_with_base(db, "lists/1", &json, ERR), CRDTDB_OK);
  {
    /* {"doc":{...},"base":"VERSION"}: cut out VERSION. */
    const char* at = strstr(json, "\"base\":\"");
    CHECK(at != NULL);
    char base[256] = {0};
    if (at != NULL) {
      at += strlen("\"base\":\"");
      size_t n = strcspn(at, "\"");
      if (n < sizeof base) memcpy(base, at, n);
    }
    crdtdb_free(json);
    CHECK_CODE(crdtdb_json_patch(db, "lists/1", "[{\"op\":\"add\",\"path\":\"/l/1\",\"value\":\"x\"}]", base,
                                 &result, ERR),
               CRDTDB_OK);
    CHECK_TEXT(result, "{\"l\":[\"a\",\"x\",\"b\"]}");
  }
  CHECK_CODE(crdtdb_json_patch(db, "lists/1", "[{\"op\":\"remove\",\"path\":\"/l/3\"}]", NULL, NULL, ERR),
             CRDTDB_INVALID_ARGUMENT);
  CHECK_CODE(crdtdb_get(db, "lists/1", &json, ERR), CRDTDB_OK);
  CHECK_TEXT(json, "{\"l\":[\"a\",\"x\",\"b\"]}");
  CHECK_CODE(crdtdb_remove(db, "lists/1", ERR), CRDTDB_OK); /* the counts below are of todos */

  /* Texts: a splice by code point ("caf\u00e9" is 4 characters, 5 bytes), and errors that change
   * nothing. */
  CHECK_CODE(crdtdb_put(db, "notes/1", "{\"body\":{\"$text\":\"caf\u00e9 au lait\"},\"t\":\"x\"}", NULL, ERR),
             CRDTDB_OK);
  CHECK_CODE(crdtdb_text_splice(db, "notes/1", "body", 4, 0, "!", &result, ERR), CRDTDB_OK);
  CHECK_TEXT(result, "{\"body\":\"caf\u00e9! au lait\",\"t\":\"x\"}");
  CHECK_CODE(crdtdb_text_splice(db, "notes/1", "/body", 5, 8, NULL, &result, ERR), CRDTDB_OK);
  CHECK_TEXT(result, "{\"body\":\"caf\u00e9!\",\"t\":\"x\"}");
  CHECK_CODE(crdtdb_text_splice(db, "notes/1", "body", 3, 3, "e", NULL, ERR), CRDTDB_INVALID_ARGUMENT);
  CHECK_CODE(crdtdb_text_splice(db, "notes/1", "body", 6, 0, "e", NULL, ERR), CRDTDB_INVALID_ARGUMENT);
  CHECK_CODE(crdtdb_text_splice(db, "notes/1", "t", 0, 0, "e", NULL, ERR), CRDTDB_INVALID_ARGUMENT);
  CHECK_CODE(crdtdb_text_splice(db, "notes/1", "body", 0, 0, "\xff", NULL, ERR), CRDTDB_INVALID_ARGUMENT);
  CHECK_CODE(crdtdb_text_splice(db, "notes/1", NULL, 0, 0, "e", NULL, ERR), CRDTDB_INVALID_ARGUMENT);
  CHECK_CODE(crdtdb_get(db, "notes/1", &json, ERR), CRDTDB_OK);
  CHECK_TEXT(json, "{\"body\":\"caf\u00e9!\",\"t\":\"x\"}");
  CHECK_CODE(crdtdb_remove(db, "notes/1", ERR), CRDTDB_OK);

  /* Counters and sets, and fields of the wrong kind. */
  CHECK_CODE(crdtdb_increment(db, "todos/1", "votes", 2, NULL, ERR), CRDTDB_OK);
  CHECK_CODE(crdtdb_increment(db, "todos/1", "votes", -5, &result, ERR), CRDTDB_OK);
  CHECK_TEXT(result, "{\"done\":true,\"votes\":-3}");
  CHECK_CODE(crdtdb_increment(db, "todos/1", "done", 1, NULL, ERR), CRDTDB_INVALID_ARGUMENT);
  CHECK_CODE(crdtdb_set_add(db, "todos/1", "tags", "\"shop\"", NULL, ERR), CRDTDB_OK);
  CHECK_CODE(crdtdb_set_add(db, "todos/1", "tags", "3", &result, ERR), CRDTDB_OK);
  CHECK_TEXT(result, "{\"done\":true,\"tags\":[\"shop\",3],\"votes\":-3}");
  CHECK_CODE(crdtdb_set_remove(db, "todos/1", "tags", "3", &result, ERR), CRDTDB_OK);
  CHECK_TEXT(result, "{\"done\":true,\"tags\":[\"shop\"],\"votes\":-3}");
  CHECK_CODE(crdtdb_set_add(db, "todos/1", "votes", "\"x\"", NULL, ERR), CRDTDB_INVALID_ARGUMENT);
  CHECK_CODE(crdtdb_set_add(db, "todos/1", "tags", "[1]", NULL, ERR), CRDTDB_INVALID_ARGUMENT);
  CHECK_CODE(crdtdb_set_remove(db, "todos/1", "tags", "nope", NULL, ERR), CRDTDB_INVALID_ARGUMENT);
  CHECK_CODE(crdtdb_get(db, "todos/1", &json, ERR), CRDTDB_OK);
  CHECK_TEXT(json, "{\"done\":true,\"tags\":[\"shop\"],\"votes\":-3}");

  CHECK_CODE(crdtdb_get_with_conflicts(db, "todos/1", &json, ERR), CRDTDB_OK);
  CHECK(contains(json, "\"doc\":{\"done\":true") && contains(json, "\"conflicts\":{}"));
  crdtdb_free(json);

  CHECK_CODE(crdtdb_remove(db, "todos/1", ERR), CRDTDB_OK);
  json = (char*)1;
  CHECK_CODE(crdtdb_get(db, "todos/1", &json, ERR), CRDTDB_NOT_FOUND);
  CHECK(json == NULL);
  CHECK_CODE(crdtdb_get_with_conflicts(db, "todos/1", &json, ERR), CRDTDB_NOT_FOUND);
  CHECK_CODE(crdtdb_remove(db, "todos/1", ERR), CRDTDB_NOT_FOUND);
  CHECK_CODE(crdtdb_get(db, "todos/never", &json, ERR), CRDTDB_NOT_FOUND);
}

static void test_null_arguments(crdtdb_db* db) {
  char* out = NULL;
  crdtdb_subscription* subscription = NULL;
  const crdtdb_code bad = CRDTDB_INVALID_ARGUMENT;
  CHECK_CODE(crdtdb_get(NULL, "a/b", &out, ERR), bad);
  CHECK_CODE(crdtdb_get(db, NULL, &out, ERR), bad);
  CHECK_CODE(crdtdb_get(db, "a/b", NULL, ERR), bad);
  CHECK_CODE(crdtdb_get_with_conflicts(db, NULL, &out, ERR), bad);
  CHECK_CODE(crdtdb_put(NULL, "a/b", "{}", NULL, ERR), bad);
  CHECK_CODE(crdtdb_put(db, NULL, "{}", NULL, ERR), bad);
  CHECK_CODE(crdtdb_put(db, "a/b", NULL, NULL, ERR), bad);
  CHECK_CODE(crdtdb_patch(db, "a/b", NULL, &out, ERR), bad);
  CHECK_CODE(crdtdb_remove(db, NULL, ERR), bad);
  CHECK_CODE(crdtdb_increment(db, "a/b", NULL, 1, NULL, ERR), bad);
  CHECK_CODE(crdtdb_set_add(db, "a/b", "s", NULL, NULL, ERR), bad);
  CHECK_CODE(crdtdb_set_remove(db, "a/b", NULL, "1", NULL, ERR), bad);
  CHECK_CODE(crdtdb_list(db, NULL, 0, NULL, &out, ERR), bad);
  CHECK_CODE(crdtdb_list(db, "a", 0, NULL, NULL, ERR), bad);
  CHECK_CODE(crdtdb_find(db, "a", NULL, 0, 0, &out, ERR), bad);
  CHECK_CODE(crdtdb_status(NULL, &out, ERR), bad);
  CHECK_CODE(crdtdb_status(db, NULL, ERR), bad);
  CHECK_CODE(crdtdb_sync_with(db, NULL, &out, ERR), bad);
  CHECK_CODE(crdtdb_subscribe(db, "a/", NULL, NULL, &subscription, ERR), bad);
  CHECK_CODE(crdtdb_subscribe(db, NULL, NULL, NULL, NULL, ERR), bad);
  CHECK(out == NULL && subscription == NULL);
  crdtdb_unsubscribe(NULL); /* ignored */
  /* The message names the argument. */
  char* error = NULL;
  CHECK(crdtdb_put(db, "a/b", NULL, NULL, &error) == bad);
  CHECK(contains(error, "json is NULL"));
  crdtdb_free(error);
  /* None of them wrote anything. */
  CHECK_CODE(crdtdb_get(db, "a/b", &out, ERR), CRDTDB_NOT_FOUND);
}

static void test_collections(crdtdb_db* db) {
  CHECK_CODE(crdtdb_put(db, "fruit/a", "{\"name\":\"apple\",\"n\":3}", NULL, ERR), CRDTDB_OK);
  CHECK_CODE(crdtdb_put(db, "fruit/b", "{\"name\":\"banana\",\"n\":1}", NULL, ERR), CRDTDB_OK);
  CHECK_CODE(crdtdb_put(db, "fruit/c", "{\"name\":\"cherry\",\"n\":7}", NULL, ERR), CRDTDB_OK);
  char* page = NULL;
  CHECK_CODE(crdtdb_list(db, "fruit", 2, NULL, &page, ERR), CRDTDB_OK);
  CHECK_TEXT(page,
             "{\"documents\":[{\"id\":\"a\",\"doc\":{\"n\":3,\"name\":\"apple\"}},"
             "{\"id\":\"b\",\"doc\":{\"n\":1,\"name\":\"banana\"}}],"
             "\"next_start_after\":\"b\"}");
  CHECK_CODE(crdtdb_list(db, "fruit", 0, "b", &page, ERR), CRDTDB_OK);
  CHECK_TEXT(page,
             "{\"documents\":[{\"id\":\"c\",\"doc\":{\"n\":7,\"name\":\"cherry\"}}],"
             "\"next_start_after\":null}");
  CHECK_CODE(crdtdb_list(db, "bad/collection", 0, NULL, &page, ERR), CRDTDB_INVALID_ARGUMENT);

  CHECK_CODE(crdtdb_find(db, "fruit", "{\"selector\":{\"n\":{\"$gt\":2}},\"fields\":[\"name\"]}", 0,
                         0, &page, ERR),
             CRDTDB_OK);
  CHECK_TEXT(page,
             "{\"documents\":[{\"id\":\"a\",\"doc\":{\"name\":\"apple\"}},"
             "{\"id\":\"c\",\"doc\":{\"name\":\"cherry\"}}],"
             "\"bookmark\":null,\"examined\":3}");
  /* Bounded: one document examined, a bookmark to go on from. */
  CHECK_CODE(crdtdb_find(db, "fruit", "{\"selector\":{}}", 1, 0, &page, ERR), CRDTDB_OK);
  CHECK(contains(page, "\"examined\":1") && !contains(page, "\"bookmark\":null"));
  crdtdb_free(page);
  page = (char*)1;
  CHECK_CODE(crdtdb_find(db, "fruit", "{\"selector\":{\"n\":{\"$bogus\":1}}}", 0, 0, &page, ERR),
             CRDTDB_INVALID_ARGUMENT);
  CHECK(page == NULL);
  CHECK_CODE(crdtdb_find(db, "fruit", "not json", 0, 0, &page, ERR), CRDTDB_INVALID_ARGUMENT);

  char* status = NULL;
  CHECK_CODE(crdtdb_status(db, &status, ERR), CRDTDB_OK);
  CHECK(contains(status, "\"documents\":3") && contains(status, "\"healthy\":true") &&
        contains(status, "\"replica_id\":\""));
  crdtdb_free(status);
}

static void test_sync_errors(crdtdb_db* db) {
  char* report = (char*)1;
  char* error = NULL;
  CHECK(crdtdb_sync_with(db, "not an endpoint", &report, &error) != CRDTDB_OK);
  CHECK(report == NULL && error != NULL);
  crdtdb_free(error);
}

/* What a subscription callback saw: copies, as the strings are lent for the call only. */
struct seen {
  int calls;
  int remote;
  char key[64];
  char* json; /* owned; NULL after a delete */
  crdtdb_db* db;
  char* read_back; /* what crdtdb_get gave from inside the callback */
};

static void on_change(void* user, const char* key, const char* json, int remote) {
  struct seen* seen = (struct seen*)user;
  ++seen->calls;
  seen->remote = remote;
  snprintf(seen->key, sizeof seen->key, "%s", key);
  free(seen->json);
  seen->json = json ? strdup(json) : NULL;
  crdtdb_free(seen->read_back);
  seen->read_back = NULL;
  /* The callback may call back into the database. */
  (void)crdtdb_get(seen->db, key, &seen->read_back, NULL);
}

static void test_subscribe(void) {
  crdtdb_db* db = open_db("subscribe");
  struct seen seen = {0, -1, "", NULL, db, NULL};
  crdtdb_subscription* subscription = NULL;
  CHECK_CODE(crdtdb_subscribe(db, "todos/", on_change, &seen, &subscription, ERR), CRDTDB_OK);
  CHECK(subscription != NULL);

  CHECK_CODE(crdtdb_put(db, "todos/1", "{\"title\":\"milk\"}", NULL, ERR), CRDTDB_OK);
  CHECK(seen.calls == 1 && seen.remote == 0 && strcmp(seen.key, "todos/1") == 0);
  CHECK(seen.json != NULL && strcmp(seen.json, "{\"title\":\"milk\"}") == 0);
  CHECK(seen.read_back != NULL && strcmp(seen.read_back, "{\"title\":\"milk\"}") == 0);

  CHECK_CODE(crdtdb_put(db, "other/1", "{}", NULL, ERR), CRDTDB_OK); /* not under the prefix */
  CHECK(seen.calls == 1);
  CHECK_CODE(crdtdb_put(db, "todos/1", "{\"title\":", NULL, ERR), CRDTDB_INVALID_ARGUMENT);
  CHECK(seen.calls == 1); /* a refused write commits nothing */

  CHECK_CODE(crdtdb_remove(db, "todos/1", ERR), CRDTDB_OK);
  CHECK(seen.calls == 2 && seen.json == NULL && seen.read_back == NULL);

  crdtdb_unsubscribe(subscription);
  CHECK_CODE(crdtdb_put(db, "todos/2", "{}", NULL, ERR), CRDTDB_OK);
  CHECK(seen.calls == 2);

  /* Subscriptions left open are ended and freed by close (ASan reports a leak otherwise). */
  struct seen left = {0, -1, "", NULL, db, NULL};
  CHECK_CODE(crdtdb_subscribe(db, "", on_change, &left, &subscription, ERR), CRDTDB_OK);
  CHECK_CODE(crdtdb_subscribe(db, "todos/", on_change, &left, &subscription, ERR), CRDTDB_OK);
  CHECK_CODE(crdtdb_put(db, "todos/3", "{}", NULL, ERR), CRDTDB_OK);
  CHECK(left.calls == 2);
  crdtdb_close(db);

  free(seen.json);
  crdtdb_free(seen.read_back);
  free(left.json);
  crdtdb_free(left.read_back);
}

/* crdtdb_put_many: one commit for every document, and nothing written when any entry is wrong. */
static void test_put_many(void) {
  crdtdb_db* db = open_db("batch");
  const char* keys[] = {"todos/a", "todos/b", "todos/c"};
  const char* jsons[] = {"{\"n\":1}", "{\"n\":2}", "{\"n\":3}"};
  char* error = NULL;
  CHECK_CODE(crdtdb_put_many(db, keys, jsons, 3, ERR), CRDTDB_OK);
  char* json = NULL;
  CHECK_CODE(crdtdb_get(db, "todos/b", &json, ERR), CRDTDB_OK);
  CHECK_TEXT(json, "{\"n\":2}");
  CHECK_CODE(crdtdb_put_many(db, NULL, NULL, 0, ERR), CRDTDB_OK); /* empty: nothing to do */

  /* Each refusal writes nothing: todos/d, first in the batch, never appears. */
  const char* bad_keys[] = {"todos/d", "no-collection"};
  const char* bad_jsons[] = {"{\"n\":4}", "{\"n\":5}"};
  CHECK(crdtdb_put_many(db, bad_keys, bad_jsons, 2, &error) == CRDTDB_INVALID_ARGUMENT);
  CHECK(contains(error, "batch entry 1"));
  crdtdb_free(error);
  const char* twice[] = {"todos/d", "/todos/d"};
  CHECK_CODE(crdtdb_put_many(db, twice, bad_jsons, 2, ERR), CRDTDB_INVALID_ARGUMENT);
  const char* not_object[] = {"{\"n\":4}", "[5]"};
  CHECK_CODE(crdtdb_put_many(db, bad_keys, not_object, 2, ERR), CRDTDB_INVALID_ARGUMENT);
  const char* null_json[] = {"{\"n\":4}", NULL};
  CHECK(crdtdb_put_many(db, twice, null_json, 2, &error) == CRDTDB_INVALID_ARGUMENT);
  CHECK(contains(error, "batch entry 1: json is NULL"));
  crdtdb_free(error);
  CHECK_CODE(crdtdb_put_many(db, NULL, jsons, 1, ERR), CRDTDB_INVALID_ARGUMENT);
  CHECK_CODE(crdtdb_put_many(NULL, keys, jsons, 1, ERR), CRDTDB_INVALID_ARGUMENT);
  CHECK(crdtdb_put_many(db, keys, jsons, (size_t)-1, &error) == CRDTDB_INVALID_ARGUMENT);
  CHECK(contains(error, "more than 10000"));
  crdtdb_free(error);
  json = (char*)1;
  CHECK_CODE(crdtdb_get(db, "todos/d", &json, ERR), CRDTDB_NOT_FOUND);
  CHECK(json == NULL);
  CHECK_CODE(crdtdb_status(db, &json, ERR), CRDTDB_OK);
  CHECK(contains(json, "\"documents\":3") && contains(json, "\"live_syncs\":[]"));
  crdtdb_free(json);
  crdtdb_close(db);
}

int main(void) {
  if (!make_root("/tmp/crdtdb-capi-XXXXXX")) return 1;
  test_names();
  test_open_errors();
  crdtdb_db* db = open_db("documents");
  test_documents(db);
  test_null_arguments(db);
  test_collections(db);
  test_sync_errors(db);
  crdtdb_close(db);
  test_subscribe();
  test_put_many();
  return finish("capi_test");
}
