#!/bin/bash
# console_access.sh: who reaches the operator console and what it shows:
# /console/ on the TLS port for this node's operators only (a member gets
# 403, an anonymous client 401); a [console] listen that is not loopback is
# refused by check-config and by run; a POST is 405; a Host that is not
# loopback is refused (DNS rebinding); a record whose body holds <script>
# is shown as escaped text; every page is no-store under a strict CSP.
. "$(dirname "$0")/lib.sh"

F="$WORK/fed"
"$SILKPORT" federation init "$F" --federation silk --member CN-ZZ --member CN-XA 2>/dev/null
ZZ="$F/members/CN-ZZ/node.ini"
grep -Eq '^;listen = 127\.0\.0\.1:[0-9]+$' "$ZZ" && ok "federation init writes [console] listen commented out" ||
	not_ok "no commented [console] listen in node.ini"

# non-loopback listen addresses are refused, naming file, line and why
for bad in 0.0.0.0:7480 192.168.1.10:7480 '[::]:7480' localhost:7480 127.0.0.1 127.0.0.1:70000; do
	cp "$ZZ" "$F/members/CN-ZZ/bad.ini"
	printf '\n[console]\nlisten = %s\n' "$bad" >>"$F/members/CN-ZZ/bad.ini"
	expect 1 "check-config refuses [console] listen = $bad" -- "$SILKPORT" check-config --config "$F/members/CN-ZZ/bad.ini"
	expect_err "bad.ini:[0-9]+: \[console\] listen = '" "naming the file and line"
done
grep -q 'not a loopback address' "$WORK/err" || {
	cp "$ZZ" "$F/members/CN-ZZ/bad.ini"; printf '\n[console]\nlisten = 10.0.0.1:7480\n' >>"$F/members/CN-ZZ/bad.ini"
	expect 1 "check-config refuses 10.0.0.1" -- "$SILKPORT" check-config --config "$F/members/CN-ZZ/bad.ini"; }
expect_err "not a loopback address" "saying that it is not loopback"
expect 1 "run refuses it too" -- "$SILKPORT" run --config "$F/members/CN-ZZ/bad.ini"
for good in 127.0.0.1:7480 '[::1]:7480' 127.0.0.2:0; do
	cp "$ZZ" "$F/members/CN-ZZ/good.ini"
	printf '\n[console]\nlisten = %s\n' "$good" >>"$F/members/CN-ZZ/good.ini"
	expect 0 "check-config accepts $good" -- "$SILKPORT" check-config --config "$F/members/CN-ZZ/good.ini"
done

printf '\n[console]\nlisten = 127.0.0.1:0\n' >>"$ZZ"
start_node "$F" CN-ZZ || exit 1
start_node "$F" CN-XA || exit 1
CPORT=$(sed -n 's/.*event=console_listening .*port=\([0-9]*\).*/\1/p' "$WORK/CN-ZZ.log" | tail -1)
C="http://127.0.0.1:$CPORT"

hcurl "$F" none CN-ZZ /console/ >/dev/null; expect_status 401 "anonymous: 401 on /console/"
expect_problem unauthenticated "as a problem document"
hcurl "$F" CN-XA CN-ZZ /console/ >/dev/null; expect_status 403 "a member's certificate: 403"
hcurl "$F" CN-XA CN-ZZ /console/style.css >/dev/null; expect_status 403 "also for the stylesheet"
hcurl "$F" op:CN-XA CN-ZZ /console/ >/dev/null; expect_status 403 "another node's operator: 403"
hcurl "$F" op:CN-ZZ CN-ZZ /console/ >"$WORK/ov.html"; expect_status 200 "this node's operator: 200"
grep -q '<h1>Overview</h1>' "$WORK/ov.html" && ok "the overview" || not_ok "overview body: $(head -c 300 "$WORK/ov.html")"
tr -d '\r' <"$WORK/headers" >"$WORK/h"
grep -qi '^cache-control: no-store$' "$WORK/h" && ok "no-store" || not_ok "cache-control"
grep -qi "^content-security-policy: default-src 'none'; style-src 'self'; img-src data:;.*frame-ancestors 'none'" "$WORK/h" &&
	ok "a strict Content-Security-Policy" || not_ok "csp: $(grep -i content-security "$WORK/h")"
grep -qi '^x-content-type-options: nosniff$' "$WORK/h" && ok "nosniff" || not_ok "nosniff"
hcurl "$F" op:CN-ZZ CN-ZZ /console/ -X POST -d x=1 >/dev/null; expect_status 405 "POST on TLS: 405"
grep -qi '^allow: GET, HEAD' "$WORK/headers" && ok "with allow: GET, HEAD" || not_ok "allow header"

plain() { curl -sS -o "$WORK/pbody" -D "$WORK/pheaders" -w '%{http_code}' "$@" >"$WORK/pstatus" 2>"$WORK/pcurl.err" || true; }
pstatus() { got=$(cat "$WORK/pstatus"); [ "$got" = "$1" ] && ok "$2" || not_ok "$2 (HTTP $got)"; }
plain "$C/console/"; pstatus 200 "the loopback listener serves the overview"
plain -X POST -d x=1 "$C/console/"; pstatus 405 "POST on the loopback listener: 405"
plain -X DELETE "$C/console/records"; pstatus 405 "DELETE: 405"
plain -H 'Host: attacker.example' "$C/console/"; pstatus 421 "a Host that is not loopback: 421 (DNS rebinding)"
plain -H 'Host: localhost:8080' "$C/console/"; pstatus 200 "Host localhost (an SSH tunnel) is fine"
plain "$C/console/record?origin=CN-ZZ&id=not-a-uuid"; pstatus 400 "a malformed parameter: 400"
plain "$C/console/nope"; pstatus 404 "an unknown page: 404"

# a record whose body holds markup is shown as text, never as markup
sed 's|</Waybill>|<Extension><script>alert("owned")</script><img src="x" onerror="alert(1)"/></Extension></Waybill>|' \
	"$SP_DATA_DIR/bodies/waybill.xml" >"$WORK/evil.xml"
"$SILKPORT" submit --config "$ZZ" --type waybill --recipient CN-XA --subject 'USCC=<b>bold</b>' \
	--body "$WORK/evil.xml" >"$WORK/sub.out" 2>"$WORK/sub.err" || true
ID=$(cut -d' ' -f1 "$WORK/sub.out")
[ -n "$ID" ] && ok "a record with <script> in its body is submitted" || not_ok "submit: $(cat "$WORK/sub.err")"
plain "$C/console/record?origin=CN-ZZ&id=$ID"; pstatus 200 "its record page"
grep -q '&lt;script&gt;alert(&quot;owned&quot;)&lt;/script&gt;' "$WORK/pbody" && ok "the body is shown escaped" ||
	not_ok "escaped body missing: $(grep -o 'record-bytes.*' "$WORK/pbody" | head -c 300)"
grep -qi '<script\|<img\|onerror="' "$WORK/pbody" && not_ok "markup from the record reached the page" || ok "no markup from the record reaches the page"
plain "$C/console/records?subject=%3Cb%3Ebold%3C%2Fb%3E&kind=Enterprise"; pstatus 200 "search by a subject holding markup"
grep -q 'value="&lt;b&gt;bold&lt;/b&gt;"' "$WORK/pbody" && ok "the search value is echoed escaped" || not_ok "search echo"
grep -q "id=$ID" "$WORK/pbody" && ok "and finds the record" || not_ok "search did not find $ID"
hcurl "$F" op:CN-ZZ CN-ZZ "/console/record?origin=CN-ZZ&id=$ID" >"$WORK/rec.html"; expect_status 200 "the record page on TLS"
grep -q '<a href="/v1/records/'"$ID"'?origin=CN-ZZ">' "$WORK/rec.html" && ok "links to the record's bytes on the API" || not_ok "bytes link"

stop_node CN-ZZ
stop_node CN-XA
for m in CN-ZZ CN-XA; do
	grep -Eq 'AddressSanitizer|LeakSanitizer|runtime error:' "$WORK/$m.log" && not_ok "$m: sanitizer report" || ok "$m stopped cleanly"
done
finish
