#!/bin/bash
# package_install.sh: build the Debian package with packaging/deb.sh and
# install it into a fresh Debian 12 root (a copy of the one
# packaging/test-root.sh prepared under /var/cache; the test itself never
# downloads): the binaries run, the man pages are found, the service user
# and folders exist, and a node made with the README's commands runs there
# as the service user from the unit's working folder.
# SP_DEB=FILE uses an already built .deb; SP_TEST_ROOT=DIR another root.
# Exit 77 (skipped) when not root or the root was never prepared.
. "$(dirname "$0")/lib.sh"

SRC=${SP_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
CACHE=${SP_TEST_ROOT:-/var/cache/silkport/debian12-root}
if [ "$(id -u)" != 0 ]; then
	echo "# SKIP: needs root (chroot)"
	exit 77
fi
if [ ! -f "$CACHE/.silkport-test-root" ]; then
	echo "# SKIP: no Debian 12 root at $CACHE (run packaging/install-deps.sh --tests or packaging/test-root.sh)"
	exit 77
fi

if [ -n "${SP_DEB:-}" ]; then
	DEB=$SP_DEB
else
	set +e
	"$SRC/packaging/deb.sh" "$WORK/deb" >"$WORK/deb.out" 2>"$WORK/deb.err"
	rc=$?
	set -e
	DEB=$(tail -1 "$WORK/deb.out")
	[ "$rc" = 0 ] && ok "packaging/deb.sh builds the package, lintian without errors" ||
		{ not_ok "deb.sh (exit $rc): $(tail -20 "$WORK/deb.err")"; finish; exit 1; }
fi
ver=$(sed -n 's/^project(silkport VERSION \([0-9.]*\).*/\1/p' "$SRC/CMakeLists.txt")
case "$DEB" in */silkport_"$ver"_amd64.deb) ok "the last line deb.sh prints is the .deb: $(basename "$DEB")" ;;
*) not_ok "deb.sh's last line: '$DEB'" ;; esac
[ -f "$DEB" ] || { not_ok "no $DEB"; finish; exit 1; }

R="$WORK/root"
cp -a "$CACHE" "$R"
cp "$DEB" "$R/tmp/silkport.deb"
in_root() { chroot "$R" "$@"; }

expect 0 "dpkg -i installs it into a fresh Debian 12 root" -- in_root dpkg -i /tmp/silkport.deb
expect 0 "silkport --version runs there" -- in_root silkport --version
grep -Eqx "silkport $ver \(SREP [0-9.]+\)" "$WORK/out" && ok "and prints '$(cat "$WORK/out")'" || not_ok "--version: $(cat "$WORK/out")"
expect 0 "silkport-conformance is installed" -- in_root silkport-conformance --help
expect 0 "man -w silkport" -- in_root man -w silkport
grep -qx "/usr/share/man/man1/silkport.1.gz" "$WORK/out" && ok "finds silkport(1)" || not_ok "man -w: $(cat "$WORK/out")"
expect 0 "man -w 5 silkport.ini" -- in_root man -w 5 silkport.ini
expect 0 "man -w silkport-conformance" -- in_root man -w silkport-conformance
in_root getent passwd silkport >"$WORK/pw" && grep -Eq '^silkport:x:[0-9]+:[0-9]+:.*:/var/lib/silkport:/usr/sbin/nologin$' "$WORK/pw" &&
	[ "$(cut -d: -f3 "$WORK/pw")" -lt 1000 ] && ok "the silkport system user exists" || not_ok "passwd: $(cat "$WORK/pw")"
[ -d "$R/etc/silkport" ] && [ -d "$R/var/lib/silkport" ] && ok "/etc/silkport and /var/lib/silkport exist" || not_ok "folders"
[ -f "$R/lib/systemd/system/silkport@.service" ] && ok "the unit silkport@.service is installed" || not_ok "no unit"
doc=$(sed -n 's#^Documentation=.*file://\(/[^ ]*\).*#\1#p' "$R/lib/systemd/system/silkport@.service")
[ -n "$doc" ] && [ -f "$R$doc" ] && [ -f "$R/usr/share/doc/silkport/SPEC.md" ] &&
	ok "the unit's Documentation= file ($doc) and SPEC.md are there" || not_ok "docs: '$doc'"
[ -f "$R/usr/share/bash-completion/completions/silkport" ] && [ -e "$R/usr/share/bash-completion/completions/silkport-conformance" ] &&
	ok "bash completion for both commands" || not_ok "bash completion"

# The README's "Running in production" commands, in the root.
expect 0 "federation init --config-dir /etc/silkport --state-dir /var/lib/silkport" -- in_root silkport federation init \
	/root/fed --federation silk-alliance --member CN-ZZ --member CN-XA --config-dir /etc/silkport --state-dir /var/lib/silkport
st=$(in_root stat -c '%U:%G %a' /etc/silkport/CN-ZZ)
[ "$st" = "root:silkport 750" ] && ok "/etc/silkport/CN-ZZ is root:silkport 750" || not_ok "config folder: $st"
st=$(in_root stat -c '%U:%G %a' /etc/silkport/CN-ZZ/tls-key.pem)
[ "$st" = "root:silkport 640" ] && ok "its keys are root:silkport 640" || not_ok "tls-key.pem: $st"
st=$(in_root stat -c '%U:%G %a' /etc/silkport/CN-ZZ/operator-key.pem)
[ "$st" = "root:root 600" ] && ok "the operator's client key is root's only" || not_ok "operator-key.pem: $st"
st=$(in_root stat -c '%U:%G' /var/lib/silkport/CN-ZZ)
[ "$st" = "silkport:silkport" ] && ok "/var/lib/silkport/CN-ZZ is the service user's" || not_ok "state folder: $st"
INI=/etc/silkport/CN-ZZ/node.ini
expect 0 "check-config passes as the service user (as the unit's ExecStartPre runs it)" -- \
	chroot --userspec=silkport:silkport "$R" silkport check-config --config $INI
expect 1 "another user cannot read the node's configuration" -- chroot --userspec=nobody:nogroup "$R" silkport check-config --config $INI

# The unit's layout: run as the service user from its working folder.
sed -i 's/^port = .*/port = 0/' "$R$INI"
chroot --userspec=silkport:silkport "$R" sh -c "cd /var/lib/silkport/CN-ZZ && exec silkport run --config $INI" 2>"$WORK/node.log" &
track $!
port=""
for _ in $(seq 1 300); do
	port=$(sed -n 's/.*event=started .* port=\([0-9]*\) .*/\1/p' "$WORK/node.log" | tail -1)
	[ -n "$port" ] && break
	sleep 0.1
done
[ -n "$port" ] && ok "the node runs there as the service user" || not_ok "node: $(tail -5 "$WORK/node.log")"
sed -i "s/^port = .*/port = ${port:-0}/" "$R$INI"
expect 0 "silkport status reaches it with the operator's identity" -- in_root silkport status --config $INI
grep -Eq '^  trust list +sequence 1, valid for [67] d' "$WORK/out" && ok "status says how long the trust list stays valid" ||
	not_ok "status: $(cat "$WORK/out")"
[ -s "$R/var/lib/silkport/CN-ZZ/node.db" ] && [ "$(in_root stat -c %U /var/lib/silkport/CN-ZZ/node.db)" = silkport ] &&
	ok "its database is in the state folder, the service user's" || not_ok "no node.db in /var/lib/silkport/CN-ZZ"

# A config the unit could not run: the database outside its StateDirectory.
sed 's#^database = .*#database = /etc/silkport/CN-ZZ/node.db#' "$R$INI" >"$R/etc/silkport/CN-ZZ/node.ini.new"
mv "$R/etc/silkport/CN-ZZ/node.ini.new" "$R$INI"
expect 0 "check-config on a database under /etc" -- in_root silkport check-config --config $INI
expect_err "warning: \[node\] database /etc/silkport/CN-ZZ/node.db: the unit silkport@CN-ZZ can write only /var/lib/silkport/CN-ZZ/" \
	"warns that the unit cannot write it"

if command -v systemd-analyze >/dev/null 2>&1; then
	systemd-analyze security --offline=true --root="$R" silkport@CN-ZZ.service >"$WORK/sec" 2>&1 || true
	exposure=$(sed -n 's/.*Overall exposure level for silkport@CN-ZZ.service: \([0-9.]*\).*/\1/p' "$WORK/sec")
	[ -n "$exposure" ] && awk -v e="$exposure" 'BEGIN { exit !(e <= 2.0) }' &&
		ok "systemd-analyze security: exposure $exposure (at most 2.0)" || not_ok "systemd-analyze security: $(tail -3 "$WORK/sec")"
fi

finish
