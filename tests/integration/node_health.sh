#!/bin/bash
# node_health.sh: honest health. /healthz is liveness only; /readyz says not
# ready, and why, when the store cannot commit: a disk that fills up (a
# small tmpfs this test mounts) and a read-only one (a running node keeps
# the disk busy, so Linux refuses that remount; a node started on a
# read-only disk refuses to start, naming it); submissions then fail
# cleanly, the storage gauges show it, and readiness comes back once space
# is free again. Needs root (mount); skipped (77) otherwise.
. "$(dirname "$0")/lib.sh"
sqlite_only "it fills the file system under the node's SQLite file and reads its size gauges"
. "$(dirname "$0")/fed_common.bash"

if [ "$(id -u)" != 0 ]; then echo "# skip: needs root to mount a tmpfs"; exit 77; fi
DISK="$WORK/disk"
mkdir -p "$DISK"
if ! mount -t tmpfs -o size=6m tmpfs "$DISK" 2>"$WORK/mount.err"; then
	echo "# skip: cannot mount a tmpfs: $(cat "$WORK/mount.err")"; exit 77
fi
umount_disk() { umount -l "$DISK" 2>/dev/null || true; sp_cleanup; }
trap umount_disk EXIT

F="$WORK/fed"
"$SILKPORT" federation init "$F" --federation silk --member CN-ZZ 2>/dev/null
INI="$F/members/CN-ZZ/node.ini"
sed -i "s|^database = .*|database = $DISK/node.db|" "$INI"
grep -q "^database = $DISK/node.db" "$INI" || { not_ok "node.ini has no database line"; finish; }
start_node "$F" CN-ZZ || exit 1
readyz() { hcurl "$F" none CN-ZZ /readyz >/dev/null; [ "$(cat "$WORK/status")" = "$1" ]; }
wait_for 20 readyz 200 && ok "ready on a healthy disk" || not_ok "readyz: $(cat "$WORK/body")"
submission declaration "$SP_DATA_DIR/bodies/declaration.xml" broadcast >"$WORK/sub.xml"
submit() { hcurl "$F" op:CN-ZZ CN-ZZ /v1/submit -X POST -H 'content-type: application/xml' --data-binary "@$WORK/sub.xml" >/dev/null; }
submit; expect_status 201 "a submission is stored"
hcurl "$F" op:CN-ZZ CN-ZZ /metrics >"$WORK/metrics"
grep -Eq '^silkport_disk_free_bytes [1-9][0-9]*$' "$WORK/metrics" && ok "free disk space is a gauge" || not_ok "no disk gauge: $(grep disk "$WORK/metrics")"
grep -Eq '^silkport_database_bytes [1-9][0-9]*$' "$WORK/metrics" && ok "so is the database size" || not_ok "no database gauge"
grep -q '^silkport_storage_errors_total 0$' "$WORK/metrics" && grep -q '^silkport_storage_failing 0$' "$WORK/metrics" &&
	ok "no storage errors yet" || not_ok "storage gauges: $(grep storage "$WORK/metrics")"

# The disk fills up.
dd if=/dev/zero of="$DISK/fill" bs=64k 2>/dev/null || true
for i in 1 2 3 4 5 6; do submit; [ "$(cat "$WORK/status")" = 201 ] || break; done
st=$(cat "$WORK/status")
case "$st" in 500|503) ok "a submission on a full disk fails ($st)" ;; *) not_ok "submission on a full disk: HTTP $st" ;; esac
grep -Eq 'urn:silkport:srep:1:error:(io|unavailable)' "$WORK/body" && ok "with io or unavailable" || not_ok "problem: $(head -c 300 "$WORK/body")"
wait_for 10 readyz 503 && ok "/readyz: not ready on a full disk" || not_ok "readyz: $(cat "$WORK/status")"
grep -q 'the store cannot commit: io: database or disk is full' "$WORK/body" && ok "and says the disk is full" || not_ok "readyz body: $(cat "$WORK/body")"
hcurl "$F" none CN-ZZ /healthz >/dev/null; expect_status 200 "/healthz stays ok (liveness only)"
hcurl "$F" op:CN-ZZ CN-ZZ /metrics >"$WORK/metrics"
grep -Eq '^silkport_storage_errors_total [1-9]' "$WORK/metrics" && grep -q '^silkport_storage_failing 1$' "$WORK/metrics" &&
	ok "the storage gauges count the errors" || not_ok "storage gauges: $(grep storage "$WORK/metrics")"
grep -q '^silkport_disk_free_bytes 0$' "$WORK/metrics" && ok "and no free space" || not_ok "disk gauge: $(grep disk_free "$WORK/metrics")"
expect 0 "silkport status on a full disk" -- "$SILKPORT" status --config "$INI"
grep -q 'database or disk is full' "$WORK/out" && ok "status says why it is not ready" || not_ok "status: $(head -12 "$WORK/out")"
grep -q 'event=store_error .*full' "$WORK/CN-ZZ.log" && ok "the store's error is logged" || not_ok "no store_error line"

# Space again: readiness comes back by itself, submissions work.
rm -f "$DISK/fill"
wait_for 15 readyz 200 && ok "ready again once space is free" || not_ok "readyz: $(cat "$WORK/body")"
submit; expect_status 201 "and submissions are stored again"

# Read-only: Linux refuses to remount a filesystem read-only while a file
# on it is open for writing, as the database is; try, and say so.
if mount -o remount,ro "$DISK" 2>"$WORK/ro.err"; then
	submit
	wait_for 10 readyz 503 && ok "/readyz: not ready on a read-only disk" || not_ok "readyz: $(cat "$WORK/status")"
	grep -q 'the store cannot commit' "$WORK/body" && ok "and says the store cannot commit" || not_ok "readyz body: $(cat "$WORK/body")"
	mount -o remount,rw "$DISK"
	wait_for 15 readyz 200 && ok "ready again once writable" || not_ok "readyz: $(cat "$WORK/body")"
else
	echo "# skip read-only case on a running node: $(head -1 "$WORK/ro.err")"
fi

# Read-only from the start: the node refuses to start and says why.
stop_node CN-ZZ
if mount -o remount,ro "$DISK" 2>"$WORK/ro.err"; then
	"$SILKPORT" run --config "$INI" 2>"$WORK/ro.log" &
	track $!
	wait_for 10 grep -q 'event=start_failed' "$WORK/ro.log" &&
		grep -q 'lock file cannot be written.*Read-only file system' "$WORK/ro.log" &&
		ok "on a read-only disk the node refuses to start, naming it" || not_ok "read-only start: $(tail -3 "$WORK/ro.log")"
	grep -q 'database is in use' "$WORK/ro.log" && not_ok "it claims the database is in use" || ok "and does not call it in use"
	mount -o remount,rw "$DISK"
else
	not_ok "remount read-only with the node stopped: $(head -1 "$WORK/ro.err")"
fi
start_node "$F" CN-ZZ || exit 1
wait_for 20 readyz 200 && ok "writable again: the node starts and is ready" || not_ok "readyz: $(cat "$WORK/body")"
stop_node CN-ZZ
grep -Eq 'AddressSanitizer|LeakSanitizer|runtime error:' "$WORK/CN-ZZ.log" && not_ok "sanitizer report" || ok "no sanitizer report"
finish
