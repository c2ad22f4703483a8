#!/bin/sh
# check-format.sh: every tracked C file is formatted as .clang-format says.
set -eu
cd "$(dirname "$0")/.."
bad=0
for f in $(git ls-files '*.c' '*.h'); do
	if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
		echo "check-format: $f differs from .clang-format (run: clang-format -i $f)"
		bad=$((bad + 1))
	fi
done
n=$(git ls-files '*.c' '*.h' | wc -l)
echo "check-format: $n files, $bad not formatted"
[ "$bad" -eq 0 ]
