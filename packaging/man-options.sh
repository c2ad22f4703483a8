#!/bin/sh
# man-options.sh: fill silkport.ini(5)'s option list from `silkport
# check-config --list`, so that the option table in node/config.c stays the
# one source. usage: man-options.sh SILKPORT TEMPLATE.scd.in OUT.scd
set -eu
silkport=$1 template=$2 out=$3
list=$(mktemp)
trap 'rm -f "$list"' EXIT
"$silkport" check-config --list |
	sed -e 's/\\/\\\\/g' -e 's/\*/\\*/g' -e 's/_/\\_/g' |
	awk '
	/^\[/ { printf "## %s\n\n", $0; next }
	/^$/ { next }
	{
		name = $1
		sub(/^[^ ]+ +/, "")
		printf "*%s*\n\t%s\n\n", name, $0
	}' >"$list"
awk -v list="$list" '
	$0 == "@OPTIONS@" { while ((getline l < list) > 0) print l; next }
	{ print }' "$template" >"$out.tmp"
mv "$out.tmp" "$out"
