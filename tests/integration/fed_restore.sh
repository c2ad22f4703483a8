#!/bin/bash
# fed_restore.sh: backup and restore cannot make a node equivocate (SPEC
# 13.6, FED-44..). Three nodes; CN-ZZ is backed up, signs 20 more records
# that its peers receive and witness, is stopped and restored from the old
# backup: it starts fenced, fetches the 20 back from its peers, proves them
# against their checkpoint of its log, and only then signs again, at the
# next Sequence. No peer ever answers 409 or raises an alarm. Then the same
# restore with every peer away: the node stays fenced and says why.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fed_common.bash"
sqlite_only "silkport backup and restore are for SQLite stores (PostgreSQL has pg_dump and standbys)"

F="$WORK/fed"
INI="$F/members/CN-ZZ/node.ini"
fed_up "$F" CN-ZZ CN-XA KZ-KGS:port-authority || exit 1
ready() { curl -sk --http2 -o /dev/null -w '%{http_code}' "https://127.0.0.1:$1/readyz" | grep -q 200; }
for p in "$PORT_CN_ZZ" "$PORT_CN_XA" "$PORT_KZ_KGS"; do wait_for 30 ready "$p"; done

# checkpoint_size AT: the size of AT's checkpoint of CN-ZZ's log (asked as
# the operator of AT: another Origin's checkpoint is members-only, [ACC-18]).
checkpoint_size() {
	hcurl "$F" "op:$1" "$1" /v1/logs/CN-ZZ/checkpoint | sed -n 2p
}
witnessed() { [ "$(checkpoint_size "$1")" = "$2" ]; }

for i in 1 2 3; do fsubmit "$F" CN-ZZ declaration broadcast >>"$WORK/before"; done
wait_for 20 witnessed CN-XA 3 && ok "3 records witnessed" || not_ok "CN-XA's checkpoint of CN-ZZ: $(checkpoint_size CN-XA)"

# An online backup of the running node, with its manifest.
expect 0 "silkport backup of a running node" -- "$SILKPORT" backup --config "$INI" "$WORK/zz.db"
[ -s "$WORK/zz.db" ] && [ -s "$WORK/zz.db.manifest" ] && ok "backup and manifest written" || not_ok "no backup files"
grep -q '"node_id": "CN-ZZ"' "$WORK/zz.db.manifest" && grep -q '"own_checkpoint": {"size": 3,' "$WORK/zz.db.manifest" &&
	grep -q '"origin": "CN-ZZ", "records": 3, "tree_size": 3' "$WORK/zz.db.manifest" &&
	ok "the manifest names the node, its checkpoint and its log size" || not_ok "manifest: $(cat "$WORK/zz.db.manifest")"
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$WORK/zz.db.manifest" && ok "the manifest is JSON" || not_ok "manifest is not JSON"
ls "$WORK"/zz.db.tmp* >/dev/null 2>&1 && not_ok "temporary backup files left" || ok "no temporary files left"

# 20 more, delivered to both peers and witnessed by them.
for i in $(seq 1 20); do fsubmit "$F" CN-ZZ declaration broadcast >>"$WORK/after"; done
tail -1 "$WORK/after" | awk '{print $2}' | grep -qx 22 && ok "the 20 took sequences 3..22" || not_ok "last: $(tail -1 "$WORK/after")"
wait_for 30 held_count_is "$F" CN-XA CN-ZZ 23 && wait_for 30 held_count_is "$F" KZ-KGS CN-ZZ 23 && ok "both peers hold all 23" ||
	not_ok "peers hold: $(held "$F" CN-XA CN-ZZ | wc -l), $(held "$F" KZ-KGS CN-ZZ | wc -l)"
wait_for 30 witnessed CN-XA 23 && wait_for 30 witnessed KZ-KGS 23 && ok "both peers witnessed checkpoint 23" ||
	not_ok "checkpoints: $(checkpoint_size CN-XA) $(checkpoint_size KZ-KGS)"

# restore is refused while the node runs, and for another node's backup.
expect 1 "restore refused while the node runs" -- "$SILKPORT" restore --config "$INI" "$WORK/zz.db"
expect_err 'node is running \(pid [0-9]+ holds .*\.lock\)' "and says the node is running"
expect 0 "backup of another node" -- "$SILKPORT" backup --config "$F/members/CN-XA/node.ini" "$WORK/xa.db"
stop_node CN-ZZ
expect 1 "restore of another node's backup refused" -- "$SILKPORT" restore --config "$INI" "$WORK/xa.db"
expect_err 'is a backup of node CN-XA, not of CN-ZZ' "naming both nodes"
expect 1 "restore of a missing file refused" -- "$SILKPORT" restore --config "$INI" "$WORK/nothing.db"
expect_err 'nothing\.db' "naming the file"
printf 'not a database at all, just some text\n%.0s' $(seq 1 300) >"$WORK/junk.db"
expect 1 "restore of a file that is no database refused" -- "$SILKPORT" restore --config "$INI" "$WORK/junk.db"
expect_err 'junk\.db' "naming the file"

expect 0 "restore of the old backup" -- "$SILKPORT" restore --config "$INI" "$WORK/zz.db"
grep -q 'fenced' "$WORK/out" && ok "restore says the node starts fenced" || not_ok "restore output: $(cat "$WORK/out")"

fstart "$F" CN-ZZ || exit 1
wait_for 40 ready "$PORT_CN_ZZ" && ok "the restored node becomes ready" ||
	not_ok "readyz: $(curl -sk --http2 "https://127.0.0.1:$PORT_CN_ZZ/readyz")"
grep -q 'event=own_log_recovered .*records=20 from=3 checkpoint=23' "$WORK/CN-ZZ.log" && ok "it recovered the 20 records from its peers" ||
	not_ok "log: $(grep -E 'fenced|recover' "$WORK/CN-ZZ.log" | tail -5)"
grep -q 'event=unfenced .*next_sequence=23' "$WORK/CN-ZZ.log" && ok "and was unfenced at sequence 23" || not_ok "no unfenced line"
held_count_is "$F" CN-ZZ CN-ZZ 23 && ok "its own log holds all 23 again" || not_ok "own log: $(held "$F" CN-ZZ CN-ZZ | wc -l)"
fsubmit "$F" CN-ZZ declaration broadcast >"$WORK/next"
awk '{print $2}' "$WORK/next" | grep -qx 23 && ok "the next submission gets sequence 23" || not_ok "next: $(cat "$WORK/next")"
wait_for 30 held_count_is "$F" CN-XA CN-ZZ 24 && wait_for 30 held_count_is "$F" KZ-KGS CN-ZZ 24 && ok "and both peers accept it" ||
	not_ok "peers hold: $(held "$F" CN-XA CN-ZZ | wc -l), $(held "$F" KZ-KGS CN-ZZ | wc -l)"
for m in CN-XA KZ-KGS; do
	has_metric "$F" "$m" '^silkport_equivocations_total 0$' && ok "$m counted no equivocation" || not_ok "$m: $(grep equivocations "$WORK/metrics.$m")"
	grep -Eq 'equivocation_alarm|status=409' "$WORK/$m.log" && not_ok "$m raised an alarm or answered 409" || ok "$m never answered 409"
done
grep -Eq 'equivocation|status=409' "$WORK/CN-ZZ.log" && not_ok "CN-ZZ saw an equivocation" || ok "CN-ZZ saw no 409"
expect 0 "status of the recovered node" -- "$SILKPORT" peers --config "$INI"
grep -q '^own-log *not fenced' "$WORK/out" && ok "peers shows the own log not fenced" || not_ok "peers: $(head -5 "$WORK/out")"

# A peer that serves an altered copy of one of CN-ZZ's records: the copy
# fails its signature check, nothing is stored, the node stays fenced and
# says which record; with the other peer back it recovers from that one.
stop_node CN-ZZ
stop_node CN-XA
stop_node KZ-KGS
sqlite3 "$F/members/CN-XA/node.db" "UPDATE records SET bytes = CAST(replace(CAST(bytes AS TEXT), '<Quantity>2</Quantity>', '<Quantity>9</Quantity>') AS BLOB) WHERE origin = 'CN-ZZ' AND sequence = 10"
sqlite3 "$F/members/CN-XA/node.db" "SELECT CAST(bytes AS TEXT) FROM records WHERE origin = 'CN-ZZ' AND sequence = 10" | grep -q '<Quantity>9</Quantity>' &&
	ok "CN-XA now holds an altered copy of CN-ZZ's sequence 10" || not_ok "the copy was not altered"
fstart "$F" CN-XA || exit 1
expect 0 "restore the old backup again" -- "$SILKPORT" restore --config "$INI" "$WORK/zz.db"
fstart "$F" CN-ZZ || exit 1
wait_for 20 grep -q 'event=fenced .*the record at sequence 10: signature-invalid' "$WORK/CN-ZZ.log" &&
	ok "the altered copy is refused: signature-invalid at sequence 10" || not_ok "log: $(grep -E 'fenced|recover' "$WORK/CN-ZZ.log" | tail -3)"
hcurl "$F" none CN-ZZ /readyz >/dev/null
expect_status 503 "/readyz: still not ready"
grep -q 'fenced: own log not recovered: the record at sequence 10' "$WORK/body" && ok "and says which record" || not_ok "readyz: $(cat "$WORK/body")"
held_count_is "$F" CN-ZZ CN-ZZ 3 && ok "nothing of it was stored" || not_ok "own log: $(held "$F" CN-ZZ CN-ZZ | wc -l)"
fstart "$F" KZ-KGS || exit 1
wait_for 40 ready "$PORT_CN_ZZ" && ok "with KZ-KGS back, the node recovers and becomes ready" ||
	not_ok "readyz: $(curl -sk --http2 "https://127.0.0.1:$PORT_CN_ZZ/readyz")"
held_count_is "$F" CN-ZZ CN-ZZ 24 && ok "all 24, the unaltered copies" || not_ok "own log: $(held "$F" CN-ZZ CN-ZZ | wc -l)"
hcurl "$F" op:CN-ZZ CN-ZZ "/v1/logs/CN-ZZ/entries?start=10&count=1" | grep -q '<Quantity>2</Quantity>' && ok "sequence 10 is the signed original" || not_ok "sequence 10 at CN-ZZ"
fsubmit "$F" CN-ZZ declaration broadcast >"$WORK/next"
awk '{print $2}' "$WORK/next" | grep -qx 24 && ok "the next submission gets sequence 24" || not_ok "next: $(cat "$WORK/next")"
wait_for 30 held_count_is "$F" KZ-KGS CN-ZZ 25 && ok "and KZ-KGS accepts it" || not_ok "KZ-KGS holds $(held "$F" KZ-KGS CN-ZZ | wc -l)"
grep -Eq 'equivocation_alarm|status=409' "$WORK/KZ-KGS.log" && not_ok "KZ-KGS raised an alarm" || ok "no alarm at KZ-KGS"

# Every peer away: the restored node stays fenced and says why.
fed_stop_all CN-ZZ CN-XA KZ-KGS
for m in CN-XA KZ-KGS; do
	n=$(sqlite3 "$F/members/$m/node.db" "SELECT count(*) FROM equivocations")
	[ "$n" = 0 ] && ok "$m keeps no equivocation evidence" || not_ok "$m holds $n pieces of evidence"
done
expect 0 "restore again with the peers stopped" -- "$SILKPORT" restore --config "$INI" "$WORK/zz.db"
fstart "$F" CN-ZZ || exit 1
sleep 4
hcurl "$F" none CN-ZZ /readyz >/dev/null
expect_status 503 "/readyz: not ready while fenced"
grep -q 'fenced: restored from a backup' "$WORK/body" && ok "and says it is fenced by the restore" || not_ok "readyz body: $(cat "$WORK/body")"
submission declaration "$SP_DATA_DIR/bodies/declaration.xml" broadcast >"$WORK/sub.xml"
hcurl "$F" op:CN-ZZ CN-ZZ /v1/submit -X POST -H 'content-type: application/xml' --data-binary "@$WORK/sub.xml" >/dev/null
expect_status 503 "a submission is refused while fenced"
expect_problem fenced "with the fenced error"
grep -q 'event=fence_holds .*no peer answered' "$WORK/CN-ZZ.log" && ok "the log says no peer answered" || not_ok "log: $(grep fence "$WORK/CN-ZZ.log" | tail -3)"
expect 0 "peers output while fenced" -- "$SILKPORT" peers --config "$INI"
grep -q '^own-log *FENCED: restored from a backup' "$WORK/out" && ok "silkport peers says FENCED and why" || not_ok "peers: $(head -5 "$WORK/out")"
expect 0 "status while fenced" -- "$SILKPORT" status --config "$INI"
grep -Eq '^  ready +NO: fenced: restored from a backup' "$WORK/out" && ok "silkport status says fenced and why" || not_ok "status: $(head -8 "$WORK/out")"
held_count_is "$F" CN-ZZ CN-ZZ 3 && ok "nothing was signed: the log still holds 3" || not_ok "own log: $(held "$F" CN-ZZ CN-ZZ | wc -l)"
fed_stop_all CN-ZZ
finish
