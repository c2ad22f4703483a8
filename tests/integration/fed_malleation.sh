#!/bin/bash
# fed_malleation.sh: a member that holds a record cannot frame its honest
# Origin for equivocation (SPEC 4.6, LOG-37, SEC-32). Byte variants of a
# record that still verify cryptographically (XML declaration, BOM, comments,
# CDATA, character references, quoting, namespace declarations, base64 line
# breaks, whitespace in the signature, KeyInfo, the ECDSA twin) are refused
# with 400 non-canonical, raise no alarm and never block or replace the
# genuine record, whether pushed by a member or served in catch-up entries.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fed_common.bash"
sqlite_only "it rewrites a held record's bytes in the node's SQLite file"

T0=$(date +%s)
F="$WORK/fed"
fed_up "$F" CN-ZZ CN-XA CN-HZ || exit 1
ZZ="$F/members/CN-ZZ"

# push AS AT FILE: deliver FILE to AT with AS's TLS identity.
push() {
	hcurl "$F" "$1" "$2" /v1/records -H 'content-type: application/xml' --data-binary @"$3" >"$WORK/push.out"
}

# twin FILE: the record with its ECDSA SignatureValue (r, s) replaced by
# (r, n - s), which verifies as well (n: the P-256 group order).
twin() {
	sv=$(sed -n 's|.*<ds:SignatureValue>\([^<]*\)</ds:SignatureValue>.*|\1|p' "$1")
	hex=$(printf '%s' "$sv" | base64 -d | od -An -tx1 -v | tr -d ' \n')
	r=${hex:0:64}; s=${hex:64:64}
	n=FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
	out=""; borrow=0
	for i in 7 6 5 4 3 2 1 0; do
		d=$((16#${n:$((i * 8)):8} - 16#${s:$((i * 8)):8} - borrow))
		if [ $d -lt 0 ]; then d=$((d + 4294967296)); borrow=1; else borrow=0; fi
		out=$(printf '%08x' $d)$out
	done
	# shellcheck disable=SC2059
	nsv=$(printf "$(printf '%s%s' "$r" "$out" | sed 's/../\\x&/g')" | base64 -w0)
	sed "s|<ds:SignatureValue>$sv</ds:SignatureValue>|<ds:SignatureValue>$nsv</ds:SignatureValue>|" "$1"
}

# variants FILE DIR: one file per class of byte change of FILE in DIR.
variants() {
	g=$1; d=$2; mkdir -p "$d"
	cert=$(sed '/-----/d' "$ZZ/sign-cert.pem" | tr -d '\n')
	{ printf '<?xml version="1.0" encoding="UTF-8"?>\n'; cat "$g"; } >"$d/xml-declaration.xml"
	{ printf '\357\273\277'; cat "$g"; } >"$d/bom.xml"
	{ cat "$g"; printf '<!-- x -->'; } >"$d/trailing-comment.xml"
	{ cat "$g"; printf '\n'; } >"$d/trailing-newline.xml"
	sed "0,/version=\"1\"/s//version='1'/" "$g" >"$d/single-quotes.xml"
	sed 's|<Type>\([a-z]\)\([a-z-]*\)</Type>|<Type>\1<!-- x -->\2</Type>|' "$g" >"$d/comment-in-value.xml"
	sed 's|<Type>\([a-z-]*\)</Type>|<Type><![CDATA[\1]]></Type>|' "$g" >"$d/cdata-in-value.xml"
	sed 's|<Origin>C|<Origin>\&#67;|' "$g" >"$d/character-reference.xml"
	sed 's|<Record xmlns="urn:silkport:srep:1"|& xmlns:x="urn:x"|' "$g" >"$d/unused-namespace.xml"
	sed 's|<Broadcast></Broadcast>|<Broadcast/>|; s|<Node>\([^<]*\)</Node>|<Node >\1</Node>|' "$g" >"$d/tag-form.xml"
	sed -E 's|(<ds:SignatureValue>.{64})|\1\n|' "$g" >"$d/base64-line-break.xml"
	sed 's|<ds:SignatureValue>|\n<ds:SignatureValue>|' "$g" >"$d/whitespace-in-signature.xml"
	sed "s|</ds:SignatureValue>|</ds:SignatureValue><ds:KeyInfo><ds:X509Data><ds:X509Certificate>$cert</ds:X509Certificate></ds:X509Data></ds:KeyInfo>|" \
		"$g" >"$d/keyinfo-added.xml"
	twin "$g" >"$d/ecdsa-twin.xml"
	for v in "$d"/*.xml; do
		cmp -s "$v" "$g" && not_ok "variant $(basename "$v") did not change the record"
	done
	return 0
}

no_alarm() { # AT DESCRIPTION
	if grep -q 'event=equivocation_alarm' "$WORK/$1.log"; then
		not_ok "$2: $(grep -h 'equivocation_alarm' "$WORK/$1.log" | head -2)"
	else ok "$2"; fi
}

# ---- push: a hostile member (CN-XA) delivers variants of CN-ZZ's record to
# CN-HZ before and after the genuine one.
"$SILKPORT" record new --origin CN-ZZ --sequence 9000 --type release --recipient CN-HZ \
	--body "$SP_DATA_DIR/bodies/release.xml" |
	"$SILKPORT" record sign --key "$ZZ/sign-key.pem" --cert "$ZZ/sign-cert.pem" >"$WORK/genuine.xml"
GSUM=$(sha256sum <"$WORK/genuine.xml" | cut -d' ' -f1)
GID=$(sed -n 's:.*<RecordId>\(.*\)</RecordId>.*:\1:p' "$WORK/genuine.xml" | head -1)
expect 0 "the genuine record verifies" -- \
	"$SILKPORT" record verify --trust-list "$F/trust-list.xml" --anchor "$F/operator/cert.pem" "$WORK/genuine.xml"
variants "$WORK/genuine.xml" "$WORK/v"
n_var=$(ls "$WORK/v" | wc -l)
[ "$n_var" -ge 14 ] && ok "$n_var variant classes" || not_ok "only $n_var variants"
# Each variant is a valid signature over the same content: a verifier that
# compared bytes would have taken it (the CLI refuses it by the same rule).
expect 1 "record verify refuses a variant" -- \
	"$SILKPORT" record verify --trust-list "$F/trust-list.xml" --anchor "$F/operator/cert.pem" "$WORK/v/ecdsa-twin.xml"
expect_err 'non-canonical' "as non-canonical"

refuse_all() { # PHASE
	bad=""
	for v in "$WORK"/v/*.xml; do
		push CN-XA CN-HZ "$v"
		st=$(cat "$WORK/status")
		if [ "$st" != 400 ] || ! grep -q 'urn:silkport:srep:1:error:non-canonical' "$WORK/body"; then
			bad="$bad $(basename "$v" .xml)=$st"
		fi
	done
	[ -z "$bad" ] && ok "$1: every variant is answered 400 non-canonical" || not_ok "$1:$bad"
}
refuse_all "before the genuine record"
no_alarm CN-HZ "no equivocation alarm at CN-HZ"
hcurl "$F" op:CN-HZ CN-HZ "/v1/records/$GID" >/dev/null
expect_status 404 "CN-HZ holds no variant"

push CN-XA CN-HZ "$WORK/genuine.xml"; expect_status 201 "the genuine record is then delivered (201)"
cp "$WORK/push.out" "$WORK/receipt1.xml"
hcurl "$F" op:CN-HZ CN-HZ "/v1/records/$GID" >"$WORK/got.xml"
[ "$(sha256sum <"$WORK/got.xml" | cut -d' ' -f1)" = "$GSUM" ] && ok "GET /v1/records serves the genuine bytes" ||
	not_ok "CN-HZ serves other bytes"
refuse_all "after the genuine record (never 409)"
push CN-ZZ CN-HZ "$WORK/genuine.xml"; expect_status 200 "the genuine record again: 200"
cmp -s "$WORK/push.out" "$WORK/receipt1.xml" && ok "with the same receipt" || not_ok "another receipt"
hcurl "$F" op:CN-HZ CN-HZ "/v1/records/$GID" >"$WORK/got.xml"
[ "$(sha256sum <"$WORK/got.xml" | cut -d' ' -f1)" = "$GSUM" ] && ok "and still serves the genuine bytes" ||
	not_ok "CN-HZ serves other bytes"
no_alarm CN-HZ "still no equivocation alarm at CN-HZ"
has_metric "$F" CN-HZ '^silkport_equivocations_total [1-9]' && not_ok "equivocations counted" ||
	ok "silkport_equivocations_total stays 0"

# ---- pull: CN-HZ catches up on CN-ZZ's log from CN-XA while the origin is
# away, and CN-XA serves a variant in its entries.
stop_node CN-HZ
expect 0 "CN-ZZ broadcasts a record" -- "$SILKPORT" submit --config "$ZZ/node.ini" --type declaration \
	--broadcast --body "$SP_DATA_DIR/bodies/declaration.xml"
read -r RID SEQ SUM <"$WORK/out"
wait_for 20 held_count_is "$F" CN-XA CN-ZZ 1 && ok "CN-XA holds it" || not_ok "CN-XA: $(held "$F" CN-XA CN-ZZ | tr '\n' ' ')"
stop_node CN-ZZ
hcurl "$F" op:CN-XA CN-XA "/v1/records/$RID" >"$WORK/pulled.xml"
{ printf '<?xml version="1.0" encoding="UTF-8"?>\n'; sed 's|<Type>declaration</Type>|<Type>decl<!-- x -->aration</Type>|' "$WORK/pulled.xml"; } \
	>"$WORK/served.xml"
sqlite3 "$F/members/CN-XA/node.db" "UPDATE records SET bytes = readfile('$WORK/served.xml') WHERE record_id = '$RID'"
hcurl "$F" op:CN-XA CN-XA "/v1/logs/CN-ZZ/entries?start=0&count=10" >"$WORK/entries"
grep -aq '<!-- x -->' "$WORK/entries" && ok "CN-XA now serves a variant in its entries" || not_ok "entries: $(head -c 200 "$WORK/entries")"
fstart "$F" CN-HZ || exit 1
wait_for 30 grep -q "event=pulled_record_refused origin=CN-ZZ sequence=$SEQ source=CN-XA err=non-canonical" "$WORK/CN-HZ.log" &&
	ok "CN-HZ pulls the variant from CN-XA and refuses it (non-canonical)" ||
	not_ok "no refusal: $(grep -E 'pull|entries' "$WORK/CN-HZ.log" | tail -3)"
held "$F" CN-HZ CN-ZZ | grep -qx "$SEQ" && not_ok "CN-HZ took the variant" || ok "CN-HZ holds no variant"
fstart "$F" CN-ZZ || exit 1
wait_for 30 bash -c "curl -sS --http2 --cacert '$F/operator/cert.pem' --cert '$F/members/CN-HZ/operator-cert.pem' \
	--key '$F/members/CN-HZ/operator-key.pem' https://127.0.0.1:$PORT_CN_HZ/v1/records/$RID | sha256sum | grep -q $SUM" &&
	ok "the origin's genuine record reaches CN-HZ and is what it serves" || not_ok "CN-HZ does not serve $SUM"
no_alarm CN-HZ "no equivocation alarm at CN-HZ after catch-up"
no_alarm CN-XA "no equivocation alarm at CN-XA"
no_alarm CN-ZZ "no equivocation alarm at the origin"
fed_stop_all CN-ZZ CN-XA CN-HZ
echo "# fed_malleation ran for $(($(date +%s) - T0)) s"
finish
