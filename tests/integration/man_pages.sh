#!/bin/bash
# man_pages.sh: the man pages agree with the programs: every command that
# `silkport --help` lists and every option its --help names is in
# silkport(1); every option of silkport-conformance --help is in
# silkport-conformance(1); every option `check-config --list` prints is in
# silkport.ini(5), section by section (and no other).
. "$(dirname "$0")/lib.sh"

SRC=${SP_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
MAN1="$SRC/node/cli/silkport.1.scd"
CONF1="$SRC/conformance/silkport-conformance.1.scd"
CONF="$SP_BINARY_DIR/conformance/silkport-conformance"

"$SILKPORT" --help >"$WORK/help.txt"
sed -n '/^commands:/,/^$/p' "$WORK/help.txt" | sed -n 's/^  \([a-z][a-z-]*\( [a-z|]*\)\{0,1\}\)\(  .*\)\{0,1\}$/\1/p' |
	sed 's/ *$//' >"$WORK/commands"
[ "$(wc -l <"$WORK/commands")" -ge 10 ] && ok "silkport --help lists $(wc -l <"$WORK/commands") commands" ||
	not_ok "commands: $(cat "$WORK/commands")"
missing=""
while read -r cmd; do
	# "trust-list sign|verify|show|update" is one line of --help
	first=${cmd%% *}
	rest=${cmd#"$first"}
	rest=${rest# }
	if [ -z "$rest" ]; then
		grep -q "^\*$first\*" "$MAN1" || missing="$missing '$cmd'"
		subs=""
	else
		subs=$(echo "$rest" | tr '|' ' ')
	fi
	for s in $subs; do
		grep -Eq "^\*$first $s\*|^\*$first\* .*\*$s\*|^\*$first ([a-z]+\*\|\*)*$s\*" "$MAN1" || missing="$missing '$first $s'"
	done
	# every option the command's --help names
	for s in ${subs:-""}; do
		# shellcheck disable=SC2086
		"$SILKPORT" $first $s --help >"$WORK/cmd-help.txt" 2>&1 || true
		for o in $(grep -o -- '--[a-z][a-z0-9-]*' "$WORK/cmd-help.txt" | sort -u); do
			grep -q -- "\*$o\*" "$MAN1" || missing="$missing '$first $s $o'"
		done
	done
done <"$WORK/commands"
[ -z "$missing" ] && ok "silkport(1) names every command and every option of their --help" ||
	not_ok "missing from node/cli/silkport.1.scd:$missing"
extra=""
for c in $(sed -n 's/^\*\([a-z][a-z-]*\)[* ].*/\1/p' "$MAN1" | sort -u); do
	case $c in -* | silkport) continue ;; esac
	grep -q "^$c\( \|$\)" "$WORK/commands" || extra="$extra $c"
done
[ -z "$extra" ] && ok "and no command that --help does not list" || not_ok "in silkport(1) only:$extra"

"$CONF" --help >"$WORK/conf-help.txt" 2>&1 || true
missing=""
for o in $(grep -o -- '--[a-z][a-z0-9-]*' "$WORK/conf-help.txt" | sort -u); do
	grep -q -- "\*$o\*" "$CONF1" || missing="$missing $o"
done
[ -z "$missing" ] && ok "silkport-conformance(1) names every option of its --help" ||
	not_ok "missing from conformance/silkport-conformance.1.scd:$missing"

# silkport.ini(5) is generated from check-config --list at build time:
# check the generated page, section by section.
INI5="$SP_BINARY_DIR/packaging/man/silkport.ini.5.scd"
if [ -f "$INI5" ]; then
	"$SILKPORT" check-config --list | awk '/^\[/ { s = $0; next } NF { print s " " $1 }' >"$WORK/list"
	sed 's/\\//g' "$INI5" | awk '/^## \[/ { s = $2; next } /^\*[a-z_0-9]+\*$/ { gsub(/\*/, ""); print s " " $0 }' >"$WORK/man5"
	[ -s "$WORK/list" ] && cmp -s "$WORK/list" "$WORK/man5" && ok "silkport.ini(5) lists the $(wc -l <"$WORK/list") options of check-config --list, no more" ||
		not_ok "silkport.ini(5) vs check-config --list: $(diff "$WORK/list" "$WORK/man5" | head -10)"
	for o in "\[listen\] port" "\[node\] database"; do
		grep -q "^$o$" "$WORK/man5" || not_ok "silkport.ini(5) lacks $o"
	done
else
	echo "# scdoc not installed: silkport.ini(5) was not built"
	not_ok "no $INI5 (install scdoc: packaging/install-deps.sh)"
fi

finish
