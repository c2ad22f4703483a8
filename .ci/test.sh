#!/bin/sh
# test.sh: install what is missing, build with sanitizers and -Werror, run every test.
set -eu
cd "$(dirname "$0")/.."
./packaging/install-deps.sh
BUILD=${SP_BUILD_DIR:-build-test}
JOBS=$(nproc 2>/dev/null || echo 2)
# clang builds everything, so that the libFuzzer targets share the sanitized libraries.
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Debug -DSP_SANITIZE=ON -DSP_WERROR=ON -DSP_FUZZ=ON \
	-DCMAKE_C_COMPILER="${CC:-clang}" >"$BUILD.configure.log" 2>&1 || { cat "$BUILD.configure.log"; exit 1; }
cmake --build "$BUILD" -j "$JOBS"
cd "$BUILD"
ctest --output-on-failure -j "$JOBS" ${SP_CTEST_ARGS:-}
