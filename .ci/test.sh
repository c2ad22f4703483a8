#!/bin/sh
# test.sh: install what is missing, check the house rules, build with
# sanitizers and -Werror, run every test, then the threaded tests under
# ThreadSanitizer and the unit tests with line coverage.
set -eu
cd "$(dirname "$0")/.."
./packaging/install-deps.sh --tests
JOBS=$(nproc 2>/dev/null || echo 2)

echo "== house rules: floors and formatting"
python3 .ci/check-layers.py
./.ci/check-format.sh

echo "== AddressSanitizer + UndefinedBehaviorSanitizer: every test"
BUILD=${SP_BUILD_DIR:-build-test}
# clang builds everything, so that the libFuzzer targets share the sanitized libraries.
# SP_PG_TESTS: the store tests and fed_delivery, node_api and node_durability
# once more on a PostgreSQL server that ctest starts (fixture "pg").
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Debug -DSP_SANITIZE=ON -DSP_WERROR=ON -DSP_FUZZ=ON -DSP_PG_TESTS=ON \
	-DCMAKE_C_COMPILER="${CC:-clang}" >"$BUILD.configure.log" 2>&1 || { cat "$BUILD.configure.log"; exit 1; }
cmake --build "$BUILD" -j "$JOBS"
(cd "$BUILD" && ctest --output-on-failure -j "$JOBS" ${SP_CTEST_ARGS:-})

if [ "${SP_SKIP_TSAN:-}" != 1 ]; then
	echo "== ThreadSanitizer: the worker pool, the committer, the mailbox"
	TSAN=$BUILD-tsan
	cmake -S . -B "$TSAN" -DCMAKE_BUILD_TYPE=Debug -DSP_TSAN=ON -DSP_WERROR=ON \
		-DCMAKE_C_COMPILER="${CC:-clang}" >"$TSAN.configure.log" 2>&1 || { cat "$TSAN.configure.log"; exit 1; }
	cmake --build "$TSAN" -j "$JOBS" --target silkport node_pool_test node_store_test \
		node_store_content_test node_store_fed_test node_server_test peers_client_test peers_fed_deliver_test
	(cd "$TSAN" && TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
		ctest --output-on-failure -j "$JOBS" \
		-R '^unit/node/(pool|store|store_content|store_fed|server)_test$|^unit/peers/(client|fed_deliver)_test$|^integration/(fed_delivery|node_api|node_durability|node_submit_parallel)$')
fi

if [ "${SP_SKIP_COVERAGE:-}" != 1 ]; then
	echo "== line coverage of protocol/, trust/ and node/store/ by the unit tests"
	COV=$BUILD-cov
	cmake -S . -B "$COV" -DCMAKE_BUILD_TYPE=Debug -DSP_COVERAGE=ON -DCMAKE_C_COMPILER=gcc \
		>"$COV.configure.log" 2>&1 || { cat "$COV.configure.log"; exit 1; }
	cmake --build "$COV" -j "$JOBS"
	find "$COV" -name '*.gcda' -delete
	# the tests on PostgreSQL ran in the ASan job; not twice (CI time)
	(cd "$COV" && ctest -L unit -LE pg -j "$JOBS" --output-on-failure)
	# (the report goes to a file: gcovr removes its -o file first, and
	# with -o /dev/null it removed the machine's /dev/null)
	for d in protocol trust node/store; do
		printf '%-12s ' "$d/"
		gcovr -r . --object-directory "$COV" --filter "$d/" --exclude '.*_gen\.c' \
			--print-summary -o "$COV/coverage-$(echo "$d" | tr / -).txt" | grep '^lines:'
	done
fi
