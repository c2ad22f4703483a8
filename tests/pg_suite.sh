#!/bin/bash
# pg_suite.sh: every integration test again with each node's store on
# PostgreSQL: one throwaway server (tests/pg_env.sh), SP_TEST_STORE=postgresql
# so that start_node (tests/integration/lib.sh) gives each node a database of
# its own on it. CI runs three of them this way on every change (the *_pg
# tests of tests/CMakeLists.txt); this runs them all, for a release or a
# change to the store.
# usage: tests/pg_suite.sh BUILD_DIR [ctest arguments, e.g. -j2 -R fed_]
set -eu
B=$(cd "${1:?usage: pg_suite.sh BUILD_DIR [ctest arguments]}" && pwd)
shift
HERE=$(cd "$(dirname "$0")" && pwd)
PG=$(mktemp -d "${TMPDIR:-/tmp}/sp-pg-suite.XXXXXX")
chmod 0755 "$PG" # the server runs as another user when this is root
trap 'bash "$HERE/pg_env.sh" stop "$PG/pg" >/dev/null 2>&1 || true; rm -rf "$PG"' EXIT
bash "$HERE/pg_env.sh" start "$PG/pg"
# the *_pg twins and the tests that run a server of their own are left out
SP_TEST_STORE=postgresql SP_TEST_PG_DIR="$PG/pg" SP_TEST_PG_DSN_FILE="$PG/pg/dsn" \
	ctest --test-dir "$B" -L integration -E '_pg$|store_two_processes|package' \
	--output-on-failure "$@"
