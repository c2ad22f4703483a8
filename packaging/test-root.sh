#!/bin/sh
# test-root.sh: prepare (once) a minimal Debian 12 root with the run-time
# libraries the silkport package needs, for tests/integration/package_install.sh
# to install the .deb into without touching the network.
# usage: packaging/test-root.sh [DIR]   (default /var/cache/silkport/debian12-root)
# Needs root and the Debian mirror apt uses; re-run it when RUNTIME changes.
set -eu

root=${1:-/var/cache/silkport/debian12-root}
# What silkport's shlibs Depends resolve to on Debian 12, adduser for the
# postinst, man-db for `man -w`.
RUNTIME="adduser man-db libevent-2.1-7 libevent-core-2.1-7 libevent-openssl-2.1-7
libevent-pthreads-2.1-7 libnghttp2-14 libxml2 libxmlsec1 libxmlsec1-openssl
libxslt1.1 libsqlite3-0 libpq5 libinih1 libsystemd0 libssl3"
stamp="$root/.silkport-test-root"
want=$(echo "bookworm minbase $RUNTIME" | tr -s ' \n' ' ')

if [ "$(id -u)" != 0 ]; then
	echo "test-root: needs root (debootstrap, chroot); skipped" >&2
	exit 0
fi
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
	echo "test-root: $root is ready"
	exit 0
fi
if ! command -v debootstrap >/dev/null 2>&1; then
	echo "test-root: debootstrap is missing (packaging/install-deps.sh installs it)" >&2
	exit 1
fi
# The mirror apt already uses (deb822 or one-line sources).
mirror=$(sed -n 's/^URIs: *\([^ ]*debian\/*\)$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)
[ -n "$mirror" ] || mirror=$(sed -n 's/^deb \(\[[^]]*\] \)\{0,1\}\([^ ]*\) bookworm main.*/\2/p' /etc/apt/sources.list 2>/dev/null | head -1)
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian
tmp="$root.new"
rm -rf "$tmp"
mkdir -p "$(dirname "$root")"
echo "test-root: debootstrap bookworm from $mirror into $tmp (a few minutes, once)"
include=$(echo "$RUNTIME" | tr -s ' \n' ',' | sed 's/,$//')
debootstrap --variant=minbase --include="$include" bookworm "$tmp" "$mirror" >"$tmp.log" 2>&1 || {
	tail -20 "$tmp.log" >&2
	echo "test-root: debootstrap failed (log: $tmp.log)" >&2
	exit 1
}
rm -f "$tmp.log"
# Nothing in the root is needed but the installed packages.
rm -rf "$tmp/var/cache/apt/archives/"*.deb "$tmp/var/lib/apt/lists/"*_Packages
echo "$want" >"$tmp/.silkport-test-root"
rm -rf "$root"
mv "$tmp" "$root"
echo "test-root: $root is ready ($(du -sh "$root" | cut -f1))"
