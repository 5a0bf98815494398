/* Copyright (c) crdtdb authors.
 *
 * Live sync through the C ABI (crdtdb_start_sync, crdtdb_sync_state, crdtdb_stop_sync), compiled
 * as C99: the options and their errors, the state callback against a region that does not answer,
 * stop and close with syncs running (the asan preset fails it on a leak or a use after free). With
 * the path of the crdtdb binary as its argument, it also starts a real `crdtdb serve` and syncs
 * two databases through it without a call, across a kill -9 and restart of the region
 * (ctest capi_live_sync_e2e). Every wait is bounded. */

#define _XOPEN_SOURCE 700 /* mkdtemp, nftw, nanosleep, kill */

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/capi/capi_check.h"

/* What a state callback heard; the callback runs on the sync's thread, the checks on main's. */
struct heard {
  pthread_mutex_t mu;
  int calls;
  int stopped;        /* calls with "phase":"stopped" */
  int retrying;       /* calls with "phase":"retrying" and an error */
  int idle_connected; /* calls with "phase":"idle" and "connected":true */
  char last[1024];
};

static void heard_init(struct heard* h) {
  memset(h, 0, sizeof *h);
  pthread_mutex_init(&h->mu, NULL);
}

static void on_state(void* user, const char* state_json) {
  struct heard* h = (struct heard*)user;
  pthread_mutex_lock(&h->mu);
  ++h->calls;
  if (contains(state_json, "\"phase\":\"stopped\"")) ++h->stopped;
  if (contains(state_json, "\"phase\":\"retrying\"") && !contains(state_json, "\"last_error\":\"\"")) {
    ++h->retrying;
  }
  if (contains(state_json, "\"phase\":\"idle\"") && contains(state_json, "\"connected\":true")) {
    ++h->idle_connected;
  }
  snprintf(h->last, sizeof h->last, "%s", state_json);
  pthread_mutex_unlock(&h->mu);
}

/* One of the counters of `h`, read under its lock. */
static int heard_count(struct heard* h, const int* counter) {
  pthread_mutex_lock(&h->mu);
  const int value = *counter;
  pthread_mutex_unlock(&h->mu);
  return value;
}

static void sleep_ms(long ms) {
  struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&t, NULL);
}

/* Waits up to `seconds` for *counter of `h` to reach `at_least`; whether it did. */
static int wait_heard(struct heard* h, const int* counter, int at_least, int seconds) {
  for (int i = 0; i < seconds * 50; ++i) {
    if (heard_count(h, counter) >= at_least) return 1;
    sleep_ms(20);
  }
  return 0;
}

/* Waits up to `seconds` for document `key` of `db` to read as `expected`; whether it did. */
static int wait_document(crdtdb_db* db, const char* key, const char* expected, int seconds) {
  for (int i = 0; i < seconds * 50; ++i) {
    char* json = NULL;
    const int equal = crdtdb_get(db, key, &json, NULL) == CRDTDB_OK && strcmp(json, expected) == 0;
    crdtdb_free(json);
    if (equal) return 1;
    sleep_ms(20);
  }
  return 0;
}

/* A loopback port nobody listened on a moment ago. */
static int free_port(void) {
  const int s = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in address;
  memset(&address, 0, sizeof address);
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (s < 0 || bind(s, (struct sockaddr*)&address, sizeof address) != 0 ||
      getsockname(s, (struct sockaddr*)&address, &length) != 0) {
    perror("free_port");
    exit(1);
  }
  close(s);
  return ntohs(address.sin_port);
}

static crdtdb_db* open_at(const char* name) {
  crdtdb_db* db = NULL;
  CHECK_CODE(crdtdb_open(path_of(name), NULL, &db, ERR), CRDTDB_OK);
  if (db == NULL) exit(1);
  return db;
}

static void test_option_errors(crdtdb_db* db) {
  crdtdb_live_sync* sync = (crdtdb_live_sync*)1;
  const char* bad[] = {
      "{",                                                       /* not JSON */
      "[]",                                                      /* not an object */
      "{}",                                                      /* no region */
      "{\"endpont\":\"tcp://127.0.0.1:1\"}",                     /* unknown member */
      "{\"endpoint\":7}",                                        /* a string expected */
      "{\"endpoint\":\"tcp://127.0.0.1:1\",\"push_delay_ms\":-1}", /* not unsigned */
      "{\"endpoint\":\"tcp://127.0.0.1:1\",\"push_delay_ms\":4294967296}",
      "{\"endpoint\":\"tcp://127.0.0.1:1\",\"region\":\"r1\"}", /* two ways to name it */
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
    CHECK_CODE(crdtdb_start_sync(db, bad[i], on_state, NULL, &sync, ERR), CRDTDB_INVALID_ARGUMENT);
    CHECK(sync == NULL);
  }
  char* error = NULL;
  CHECK(crdtdb_start_sync(db, "{\"endpont\":\"x\"}", NULL, NULL, &sync, &error) ==
        CRDTDB_INVALID_ARGUMENT);
  CHECK(contains(error, "unknown live sync option \"endpont\""));
  crdtdb_free(error);
  CHECK_CODE(crdtdb_start_sync(NULL, "{}", NULL, NULL, &sync, ERR), CRDTDB_INVALID_ARGUMENT);
  CHECK_CODE(crdtdb_start_sync(db, NULL, NULL, NULL, &sync, ERR), CRDTDB_INVALID_ARGUMENT);
  CHECK_CODE(crdtdb_start_sync(db, "{}", NULL, NULL, NULL, ERR), CRDTDB_INVALID_ARGUMENT);
  char* state = NULL;
  CHECK_CODE(crdtdb_sync_state(NULL, &state, ERR), CRDTDB_INVALID_ARGUMENT);
  crdtdb_stop_sync(NULL); /* ignored */
}

/* A region that never answers: the sync retries, says why, counts the local writes it could not
 * push, and stops cleanly; the callback never runs after crdtdb_stop_sync. */
static void test_unreachable_region(crdtdb_db* db) {
  char options[256];
  snprintf(options, sizeof options,
           "{\"endpoint\":\"tcp://127.0.0.1:%d\",\"answer_timeout_ms\":200,"
           "\"backoff_initial_ms\":20,\"backoff_max_ms\":100,\"push_delay_ms\":10}",
           free_port());
  struct heard h;
  heard_init(&h);
  crdtdb_live_sync* sync = NULL;
  CHECK_CODE(crdtdb_start_sync(db, options, on_state, &h, &sync, ERR), CRDTDB_OK);
  CHECK(sync != NULL);
  CHECK_CODE(crdtdb_put(db, "todos/offline", "{\"n\":1}", NULL, ERR), CRDTDB_OK);
  CHECK(wait_heard(&h, &h.retrying, 2, 30));
  char* state = NULL;
  CHECK_CODE(crdtdb_sync_state(sync, &state, ERR), CRDTDB_OK);
  CHECK(contains(state, "\"connected\":false") && !contains(state, "\"pending_local_changes\":0") &&
        contains(state, "\"target\":\"tcp://127.0.0.1:"));
  crdtdb_free(state);
  char* status = NULL;
  CHECK_CODE(crdtdb_status(db, &status, ERR), CRDTDB_OK);
  CHECK(contains(status, "\"live_syncs\":[{\"") && contains(status, "\"target\":\"tcp://127.0.0.1:"));
  crdtdb_free(status);

  crdtdb_stop_sync(sync);
  const int calls = heard_count(&h, &h.calls);
  CHECK(heard_count(&h, &h.stopped) == 1);
  CHECK(contains(h.last, "\"phase\":\"stopped\""));
  sleep_ms(200);
  CHECK(heard_count(&h, &h.calls) == calls);
  pthread_mutex_destroy(&h.mu);
}

/* crdtdb_close stops and frees the syncs still running (with and without a callback). */
static void test_close_with_syncs_running(void) {
  crdtdb_db* db = open_at("close");
  char options[128];
  snprintf(options, sizeof options, "{\"endpoint\":\"tcp://127.0.0.1:%d\",\"answer_timeout_ms\":200}",
           free_port());
  struct heard* h = malloc(sizeof *h);
  heard_init(h);
  crdtdb_live_sync* quiet = NULL;
  crdtdb_live_sync* heard = NULL;
  CHECK_CODE(crdtdb_start_sync(db, options, NULL, NULL, &quiet, ERR), CRDTDB_OK);
  CHECK_CODE(crdtdb_start_sync(db, options, on_state, h, &heard, ERR), CRDTDB_OK);
  crdtdb_close(db);
  CHECK(h->stopped == 1); /* no thread left to race with: read without the lock is fine */
  pthread_mutex_destroy(&h->mu);
  free(h);
}

/* ---- With a real region ---- */

static pid_t start_region(const char* crdtdb, const char* config) {
  const pid_t pid = fork();
  if (pid == 0) {
    if (chdir(root) != 0) _exit(127);
    if (freopen(path_of("serve.log"), "a", stdout) == NULL) _exit(127);
    dup2(STDOUT_FILENO, STDERR_FILENO);
    execl(crdtdb, crdtdb, "serve", "--config", config, "--region", "r1", (char*)NULL);
    _exit(127);
  }
  return pid;
}

/* Waits up to 20 s for the region to listen on `port`; whether it did. */
static int wait_listening(int port) {
  for (int i = 0; i < 200; ++i) {
    const int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address;
    memset(&address, 0, sizeof address);
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons((uint16_t)port);
    const int connected = connect(s, (struct sockaddr*)&address, sizeof address) == 0;
    close(s);
    if (connected) return 1;
    sleep_ms(100);
  }
  return 0;
}

static void stop_region(pid_t pid, int signal) {
  kill(pid, signal);
  waitpid(pid, NULL, 0);
}

static void test_with_region(const char* crdtdb) {
  const int publish = free_port(), sync_port = free_port(), client = free_port();
  char config[128];
  snprintf(config, sizeof config, "%s", path_of("regions.yaml"));
  FILE* out = fopen(config, "w");
  if (out == NULL) exit(1);
  fprintf(out,
          "cluster: capi-e2e\nregions:\n  - name: r1\n    data_dir: data/r1\n"
          "    publish: tcp://127.0.0.1:%d\n    sync: tcp://127.0.0.1:%d\n"
          "    client: tcp://127.0.0.1:%d\n",
          publish, sync_port, client);
  fclose(out);
  pid_t region = start_region(crdtdb, config);
  if (!wait_listening(sync_port)) {
    fprintf(stderr, "crdtdb serve did not listen (see %s)\n", path_of("serve.log"));
    exit(1);
  }

  char options[256];
  snprintf(options, sizeof options,
           "{\"endpoint\":\"tcp://127.0.0.1:%d\",\"publish_endpoint\":\"tcp://127.0.0.1:%d\","
           "\"push_delay_ms\":10,\"backoff_initial_ms\":50,\"backoff_max_ms\":500}",
           sync_port, publish);
  crdtdb_db* a = open_at("app-a");
  crdtdb_db* b = open_at("app-b");
  struct heard heard_a, heard_b;
  heard_init(&heard_a);
  heard_init(&heard_b);
  crdtdb_live_sync* sync_a = NULL;
  crdtdb_live_sync* sync_b = NULL;
  CHECK_CODE(crdtdb_start_sync(a, options, on_state, &heard_a, &sync_a, ERR), CRDTDB_OK);
  CHECK_CODE(crdtdb_start_sync(b, options, on_state, &heard_b, &sync_b, ERR), CRDTDB_OK);

  /* Both directions, with no call to sync: a batch from A, a write from B. */
  const char* keys[] = {"todos/1", "todos/2", "todos/3"};
  const char* jsons[] = {"{\"title\":\"milk\"}", "{\"title\":\"eggs\"}", "{\"title\":\"tea\"}"};
  CHECK_CODE(crdtdb_put_many(a, keys, jsons, 3, ERR), CRDTDB_OK);
  CHECK(wait_document(b, "todos/3", "{\"title\":\"tea\"}", 30));
  CHECK_CODE(crdtdb_patch(b, "todos/1", "{\"done\":true}", NULL, ERR), CRDTDB_OK);
  CHECK(wait_document(a, "todos/1", "{\"done\":true,\"title\":\"milk\"}", 30));
  CHECK(wait_heard(&heard_a, &heard_a.idle_connected, 1, 30));

  /* The region dies; both apps keep writing (each write is acknowledged locally); it comes back
   * with its store, and every write arrives on the other side. */
  stop_region(region, SIGKILL);
  CHECK_CODE(crdtdb_put(a, "todos/4", "{\"title\":\"bread\"}", NULL, ERR), CRDTDB_OK);
  CHECK_CODE(crdtdb_put(b, "todos/5", "{\"title\":\"jam\"}", NULL, ERR), CRDTDB_OK);
  CHECK(wait_heard(&heard_b, &heard_b.retrying, 1, 30));
  region = start_region(crdtdb, config);
  CHECK(wait_listening(sync_port));
  CHECK(wait_document(b, "todos/4", "{\"title\":\"bread\"}", 60));
  CHECK(wait_document(a, "todos/5", "{\"title\":\"jam\"}", 60));

  crdtdb_stop_sync(sync_a);
  CHECK(heard_count(&heard_a, &heard_a.stopped) == 1);
  crdtdb_close(a);
  crdtdb_close(b); /* stops sync_b */
  CHECK(heard_count(&heard_b, &heard_b.stopped) == 1);
  pthread_mutex_destroy(&heard_a.mu);
  pthread_mutex_destroy(&heard_b.mu);
  stop_region(region, SIGTERM);
}

int main(int argc, char** argv) {
  if (!make_root("/tmp/crdtdb-capi-sync-XXXXXX")) return 1;
  crdtdb_db* db = open_at("app");
  test_option_errors(db);
  test_unreachable_region(db);
  crdtdb_close(db);
  test_close_with_syncs_running();
  if (argc > 1) test_with_region(argv[1]);
  return finish(argc > 1 ? "capi_live_sync_e2e" : "capi_sync_test");
}
