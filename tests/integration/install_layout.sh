#!/bin/bash
# install_layout.sh: federation init --config-dir/--state-dir writes a node.ini
# with absolute paths that runs from any working folder (the unit's is the
# state folder), and check-config finds what `run` would refuse.
. "$(dirname "$0")/lib.sh"

F="$WORK/fed"
ETC="$WORK/etc"
VAR="$WORK/var"
expect 0 "federation init --config-dir --state-dir" -- "$SILKPORT" federation init "$F" --federation silk-alliance \
	--member CN-ZZ --member CN-XA --config-dir "$ETC" --state-dir "$VAR"
INI="$ETC/CN-ZZ/node.ini"
[ -f "$INI" ] && [ ! -e "$F/members/CN-ZZ" ] && ok "the member's config is in CONFIG-DIR/ID, not DIR/members/ID" ||
	not_ok "layout: $(ls -R "$WORK" | head -20)"
grep -qx "database = $VAR/CN-ZZ/node.db" "$INI" && ok "database in STATE-DIR/ID, absolute" ||
	not_ok "database line: $(grep database "$INI")"
rel=$(grep -E '^(cert|key|log_key|list|anchor|database) = ' "$INI" | grep -v ' = /' || true)
[ -z "$rel" ] && ok "every path in node.ini is absolute" || not_ok "relative paths: $rel"
grep -qx "list = $ETC/CN-ZZ/trust-list.xml" "$INI" && cmp -s "$ETC/CN-ZZ/trust-list.xml" "$F/trust-list.xml" &&
	cmp -s "$ETC/CN-ZZ/trust-anchor.pem" "$F/operator/cert.pem" &&
	ok "the node has its own copies of the trust list and the anchor" || not_ok "trust list / anchor copies"
# Modes: only the owner (or root:silkport when a service user exists) reads
# the folder; private keys are never readable by others.
mode=$(stat -c %a "$ETC/CN-ZZ")
case "$mode" in 700 | 750) ok "config folder mode $mode" ;; *) not_ok "config folder mode $mode" ;; esac
bad=$(find "$ETC/CN-ZZ" -type f -perm /o=rwx)
[ -z "$bad" ] && ok "no file in the config folder is readable by others" || not_ok "world-readable: $bad"
[ "$(stat -c %a "$ETC/CN-ZZ/operator-key.pem")" = 600 ] && ok "the operator's client key is its owner's only" ||
	not_ok "operator-key.pem mode $(stat -c %a "$ETC/CN-ZZ/operator-key.pem")"
expect 1 "a second init over an existing node config is refused" -- "$SILKPORT" federation init "$WORK/fed2" \
	--federation silk-alliance --member CN-ZZ --config-dir "$ETC" --state-dir "$VAR"
expect_err "refusing to overwrite a node's configuration" "naming the node.ini it would overwrite"
expect 2 "--state-dir without --config-dir is a usage error" -- "$SILKPORT" federation init "$WORK/fed3" \
	--federation x --member A --state-dir "$VAR"

expect 0 "check-config accepts it" -- "$SILKPORT" check-config --config "$INI"

# Run from another working folder, as the unit does: nothing lands beside
# node.ini or in the working folder; the database is in the state folder.
sed -i 's/^port = .*/port = 0/' "$INI"
mkdir "$WORK/cwd"
(cd "$WORK/cwd" && exec "$SILKPORT" run --config "$INI" 2>>"$WORK/zz.log") &
track $!
port=""
for _ in $(seq 1 300); do
	port=$(sed -n 's/.*event=started .* port=\([0-9]*\) .*/\1/p' "$WORK/zz.log" | tail -1)
	[ -n "$port" ] && break
	sleep 0.1
done
[ -n "$port" ] && ok "the node starts from another working folder" || not_ok "node: $(tail -5 "$WORK/zz.log")"
sed -i "s/^port = .*/port = $port/" "$INI"
expect 0 "submit through it" -- "$SILKPORT" submit --config "$INI" --type declaration --recipient CN-XA \
	--body "$SP_DATA_DIR/bodies/declaration.xml"
[ -s "$VAR/CN-ZZ/node.db" ] && ok "the database is in the state folder" || not_ok "no $VAR/CN-ZZ/node.db"
left=$(ls "$WORK/cwd"; ls "$ETC/CN-ZZ" | grep -v '\.pem$\|\.xml$\|^node\.ini$' || true)
[ -z "$left" ] && ok "nothing written to the working or the config folder" || not_ok "stray files: $left"

# Reload says which changes need a restart: the node started with port = 0,
# node.ini now names the port it got.
npid=$(cat "$WORK/pids" | tail -1)
kill -HUP "$npid"
for _ in $(seq 1 100); do grep -q 'event=reloaded' "$WORK/zz.log" && break; sleep 0.1; done
grep 'event=reload_needs_restart' "$WORK/zz.log" | grep -q 'changed="\[listen\] port"' &&
	ok "a reload that changes the listen port says it needs a restart" || not_ok "reload log: $(grep reload "$WORK/zz.log")"
grep 'event=reloaded' "$WORK/zz.log" | grep -q 'needs_restart="\[listen\] port"' &&
	ok "and so does its 'reloaded' line" || not_ok "reloaded line: $(grep 'event=reloaded' "$WORK/zz.log")"

# check-config finds what run would refuse.
sed 's/^id = CN-ZZ/id = CN-QQ/' "$INI" >"$ETC/CN-ZZ/other-id.ini"
expect 1 "check-config refuses a node id the trust list does not list" -- "$SILKPORT" check-config --config "$ETC/CN-ZZ/other-id.ini"
expect_err "error: \[node\] id CN-QQ is not a member in trust list .*trust-list.xml" "naming the id and the list"
sed "s#^key = $ETC/CN-ZZ/tls-key.pem#key = $ETC/CN-XA/tls-key.pem#" "$INI" >"$ETC/CN-ZZ/other-key.ini"
expect 1 "check-config refuses a TLS key that does not go with its certificate" -- "$SILKPORT" check-config --config "$ETC/CN-ZZ/other-key.ini"
expect_err "error: \[tls\] key .*CN-XA/tls-key.pem does not go with cert .*CN-ZZ/tls-cert.pem" "naming both files"
sed "s#^key = $ETC/CN-ZZ/sign-key.pem#key = $ETC/CN-XA/sign-key.pem#" "$INI" >"$ETC/CN-ZZ/other-sign.ini"
expect 1 "check-config refuses a signing key that does not go with its certificate" -- "$SILKPORT" check-config --config "$ETC/CN-ZZ/other-sign.ini"
expect_err "error: \[signing\] key .*CN-XA/sign-key.pem does not go with cert" "naming both files"
sed "s#^log_key = .*#log_key = $ETC/CN-XA/log-key.pem#" "$INI" >"$ETC/CN-ZZ/other-log.ini"
expect 1 "check-config refuses a log key that is not the trust list's LogKey" -- "$SILKPORT" check-config --config "$ETC/CN-ZZ/other-log.ini"
expect_err "error: \[signing\] log_key .* is not the LogKey the trust list gives CN-ZZ" "naming the key"
sed "s#^database = .*#database = $WORK/no-such-folder/node.db#" "$INI" >"$ETC/CN-ZZ/other-db.ini"
expect 1 "check-config refuses a database folder it cannot write" -- "$SILKPORT" check-config --config "$ETC/CN-ZZ/other-db.ini"
expect_err "error: \[node\] database .*no-such-folder/node.db: its folder .* is not writable" "naming the folder"
cp "$ETC/CN-ZZ/tls-key.pem" "$WORK/open-key.pem"
chmod 0644 "$WORK/open-key.pem"
sed "s#^key = $ETC/CN-ZZ/tls-key.pem#key = $WORK/open-key.pem#" "$INI" >"$ETC/CN-ZZ/open-key.ini"
expect 0 "check-config accepts a key every user can read" -- "$SILKPORT" check-config --config "$ETC/CN-ZZ/open-key.ini"
expect_err "warning: private key .*open-key.pem is readable by every user" "but warns about it"
grep -q "ok with warnings" "$WORK/out" && ok "and says 'ok with warnings'" || not_ok "stdout: $(cat "$WORK/out")"

finish
