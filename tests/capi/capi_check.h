/* Copyright (c) crdtdb authors.
 *
 * The checks and the temporary directory of the C tests of the ABI (capi_test.c,
 * capi_sync_test.c): C99 with POSIX (define _XOPEN_SOURCE 700 before including). Each test
 * program counts its failed checks and prints every one. */

#ifndef CRDTDB_TESTS_CAPI_CAPI_CHECK_H_
#define CRDTDB_TESTS_CAPI_CAPI_CHECK_H_

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crdtdb/crdtdb.h"

static int failures = 0;

#define CHECK(condition)                                                            \
  do {                                                                              \
    if (!(condition)) {                                                             \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #condition); \
      ++failures;                                                                   \
    }                                                                               \
  } while (0)

/* Checks a call's code and that its message is set exactly when it failed; frees the message. */
#define CHECK_CODE(call, expected)                                                           \
  do {                                                                                       \
    char* message_ = NULL;                                                                   \
    crdtdb_code got_ = (call);                                                               \
    if (got_ != (expected)) {                                                                \
      fprintf(stderr, "%s:%d: %s: got %s (%s), want %s\n", __FILE__, __LINE__, #call,        \
              crdtdb_code_name(got_), message_ ? message_ : "", crdtdb_code_name(expected)); \
      ++failures;                                                                            \
    }                                                                                        \
    CHECK((got_ == CRDTDB_OK) == (message_ == NULL));                                        \
    crdtdb_free(message_);                                                                   \
  } while (0)
/* Within CHECK_CODE, `ERR` is the error argument of the call under test. */
#define ERR (&message_)

/* Checks that `text` (owned, freed here) equals `expected`. */
static inline void check_text(char* text, const char* expected, int line) {
  if (text == NULL || strcmp(text, expected) != 0) {
    fprintf(stderr, "%s:%d: got '%s', want '%s'\n", __FILE__, line, text ? text : "(NULL)",
            expected);
    ++failures;
  }
  crdtdb_free(text);
}
#define CHECK_TEXT(text, expected) check_text((text), (expected), __LINE__)

static inline int contains(const char* text, const char* part) {
  return text != NULL && strstr(text, part) != NULL;
}

static inline int remove_entry(const char* path, const struct stat* st, int flag, struct FTW* ftw) {
  (void)st, (void)flag, (void)ftw;
  return remove(path);
}

static char root[64];

/* A path under the test's temporary directory (static buffer: use before the next call). */
static inline const char* path_of(const char* name) {
  static char path[128];
  snprintf(path, sizeof path, "%s/%s", root, name);
  return path;
}

/* Makes the test's temporary directory from `pattern` ("/tmp/NAME-XXXXXX"); 0 on failure. */
static inline int make_root(const char* pattern) {
  snprintf(root, sizeof root, "%s", pattern);
  if (mkdtemp(root) == NULL) {
    perror("mkdtemp");
    return 0;
  }
  return 1;
}

/* Removes the temporary directory and reports: main's exit code. */
static inline int finish(const char* test) {
  nftw(root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
  if (failures != 0) {
    fprintf(stderr, "%s: %d check(s) failed\n", test, failures);
    return 1;
  }
  printf("%s: all checks passed\n", test);
  return 0;
}

#endif /* CRDTDB_TESTS_CAPI_CAPI_CHECK_H_ */
