#!/usr/bin/env bash
# Checks crdtdb the way an app sees it: installs the package (`cmake --install`) into a fresh
# temporary prefix, builds examples/offline-todo from a copy outside the source tree against that
# prefix only, runs a short todo scenario and compares its output; then builds a C program against
# the installed crdtdb.h and libcrdtdb_c.so, and runs examples/python/todo.py with the installed
# Python package. Exits non-zero on any mismatch.
#
# CRDTDB_BUILD_DIR=build reuses an already configured build directory (scripts/test.sh passes the
# `dev` one); without it, a Release build of the library alone is made in build-install/.
# Uses at most 2 build jobs.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD
started=$(date +%s)
step() { printf '\n==> test-install: %s (%ds)\n' "$*" "$(($(date +%s) - started))"; }
fail() { echo "test-install: FAILED: $*" >&2; exit 1; }

build_dir=${CRDTDB_BUILD_DIR:-build-install}
if [[ -z ${CRDTDB_BUILD_DIR:-} ]]; then
  step "configuring a Release build of the library in ${build_dir}/"
  cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DCRDTDB_BUILD_TESTS=OFF \
    -DCRDTDB_BUILD_BENCH=OFF >/dev/null
fi
[[ -f $build_dir/CMakeCache.txt ]] || fail "${build_dir}/ is not a configured build directory"
if grep -q '^CRDTDB_SANITIZE:BOOL=ON' "$build_dir/CMakeCache.txt"; then
  fail "${build_dir}/ is a sanitizer build; install from a plain one"
fi

shared_c=$(sed -n 's/^CRDTDB_SHARED_C:BOOL=//p' "$build_dir/CMakeCache.txt")
step "building libcrdtdb.a (and libcrdtdb_c.so: ${shared_c}) in ${build_dir}/"
cmake --build "$build_dir" --target crdtdb_lib $([[ $shared_c == ON ]] && echo crdtdb_c) --parallel 2

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix
step "installing into a temporary prefix"
cmake --install "$build_dir" --prefix "$prefix" >/dev/null
[[ -f $prefix/lib/cmake/crdtdb/crdtdbConfig.cmake ]] || fail "no crdtdbConfig.cmake installed"
[[ ! -e $prefix/include/crdt && ! -e $prefix/include/db ]] || fail "internal headers installed"
if grep -rqF -e "$root/src" -e "$root/include" -e "$root/$build_dir" "$prefix/lib/cmake" "$prefix/include"; then
  fail "the installed package refers to the source or build tree"
fi

step "configuring and building examples/offline-todo against the prefix only"
cp -R examples/offline-todo "$work/app"
env -u crdtdb_DIR -u CMAKE_PREFIX_PATH cmake -S "$work/app" -B "$work/app-build" \
  -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF >/dev/null
found=$(sed -n 's/^crdtdb_DIR:PATH=//p' "$work/app-build/CMakeCache.txt")
[[ $found == "$prefix/lib/cmake/crdtdb" ]] || fail "found crdtdb in '${found}', not in the prefix"
cmake --build "$work/app-build" --parallel 2
# -I: the app binary may carry crdtdb source paths in its debug info; build files must not.
if grep -rqIF -e "$root/src" -e "$root/include" -e "$root/$build_dir" "$work/app-build"; then
  fail "the app's build refers to the crdtdb source or build tree"
fi

step "running a todo scenario"
todo() { "$work/app-build/offline_todo" --data-dir "$work/data" "$@"; }
actual=$( {
  todo add buy milk
  todo add water the plants
  todo done 1
  todo list
  todo stats
} 2>&1 | grep -v '^replica: ')
expected='changed todos/000001: {"done":false,"title":"buy milk"}
added todo 1: buy milk
changed todos/000002: {"done":false,"title":"water the plants"}
added todo 2: water the plants
changed todos/000001: {"done":true,"title":"buy milk"}
done todo 1: buy milk
[x] 1 buy milk
[ ] 2 water the plants
todos: 1 open, 1 done; ever added 2, completed 1'
diff -u <(echo "$expected") <(echo "$actual") || fail "unexpected output of the todo scenario"

# A caller's mistake is a clear message and an exit code, and changes nothing.
set +e
error=$(todo done 7 2>&1)
code=$?
set -e
[[ $code == 3 && $error == *"not found"* ]] || fail "done 7: exit ${code}, '${error}'"
set +e
error=$(todo done seven 2>&1)
code=$?
set -e
[[ $code == 2 && $error == *"not a todo id"* ]] || fail "done seven: exit ${code}, '${error}'"
[[ $(todo list) == "$(printf '[x] 1 buy milk\n[ ] 2 water the plants')" ]] || fail "list changed"

if [[ $shared_c == ON ]]; then
  step "a C program against crdtdb.h and libcrdtdb_c.so, and the Python package, from the prefix"
  [[ -f $prefix/include/crdtdb/crdtdb.h && -e $prefix/lib/libcrdtdb_c.so ]] ||
    fail "no C ABI installed"
  cat >"$work/c_app.c" <<'EOF'
#include <stdio.h>
#include <crdtdb/crdtdb.h>
int main(int argc, char** argv) {
  crdtdb_db* db = NULL;
  char* doc = NULL;
  if (argc != 2 || crdtdb_open(argv[1], NULL, &db, NULL) != CRDTDB_OK) return 1;
  if (crdtdb_put(db, "notes/1", "{\"text\":\"hi\"}", NULL, NULL) != CRDTDB_OK) return 1;
  if (crdtdb_get(db, "notes/1", &doc, NULL) != CRDTDB_OK) return 1;
  puts(doc);
  crdtdb_free(doc);
  crdtdb_close(db);
  return 0;
}
EOF
  cc -std=c99 -Wall -Wextra -Werror -I"$prefix/include" -o "$work/c_app" "$work/c_app.c" \
    -L"$prefix/lib" -lcrdtdb_c -Wl,-rpath,"$prefix/lib"
  [[ $("$work/c_app" "$work/c-data") == '{"text":"hi"}' ]] || fail "the C program's output"
  env -u CRDTDB_LIBRARY PYTHONPATH="$prefix/lib/python3/site-packages" \
    python3 examples/python/todo.py >/dev/null ||
    fail "examples/python/todo.py with the installed package"
fi

step "passed"
