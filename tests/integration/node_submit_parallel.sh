#!/bin/bash
# node_submit_parallel.sh: many submissions at once, good ones mixed with
# ones refused before and after they got a Sequence: every 201 carries its
# own Sequence, together exactly 0..N-1 with Issued never falling (REC-7),
# and the log holds them with no hole, so the next submission is N.
. "$(dirname "$0")/lib.sh"

F="$WORK/fed"
"$SILKPORT" federation init "$F" --federation silk-alliance --member CN-ZZ --member CN-XA 2>/dev/null
# debug: the log says when submissions behind a refused one were numbered again
sed -i 's/^level = .*/level = debug/' "$F/members/CN-ZZ/node.ini"
start_node "$F" CN-ZZ || exit 1

submission declaration "$SP_DATA_DIR/bodies/declaration.xml" CN-XA >"$WORK/good.xml"
# refused when parsed (before a Sequence): an unknown Type
sed 's/<Type>declaration</<Type>no-such-type</' "$WORK/good.xml" >"$WORK/early.xml"
# refused when built (after its Sequence): a release whose body is a declaration
sed 's/<Type>declaration</<Type>release</' "$WORK/good.xml" >"$WORK/late.xml"

TOTAL=60
curls=""
for i in $(seq 1 $TOTAL); do
	if [ $((i % 3)) = 1 ]; then kind=late; elif [ $((i % 5)) = 2 ]; then kind=early; else kind=good; fi
	echo "$kind" >"$WORK/kind.$i"
	curl -sS --http2 --cacert "$F/operator/cert.pem" --cert "$F/members/CN-ZZ/operator-cert.pem" \
		--key "$F/members/CN-ZZ/operator-key.pem" -H 'content-type: application/xml' \
		--data-binary @"$WORK/$kind.xml" -o "$WORK/resp.$i" -w '%{http_code}' \
		"https://127.0.0.1:$PORT_CN_ZZ/v1/submit" >"$WORK/code.$i" 2>"$WORK/curl.$i" &
	curls="$curls $!"
done
# shellcheck disable=SC2086
wait $curls

good=0 wrong=0
: >"$WORK/seqs"
for i in $(seq 1 $TOTAL); do
	kind=$(cat "$WORK/kind.$i") code=$(cat "$WORK/code.$i")
	case "$kind:$code" in
	good:201)
		good=$((good + 1))
		seq=$(sed -n 's:.*<Sequence>\([0-9]*\)</Sequence>.*:\1:p' "$WORK/resp.$i" | head -1)
		issued=$(sed -n 's:.*<Issued>\([^<]*\)</Issued>.*:\1:p' "$WORK/resp.$i" | head -1)
		echo "$seq $issued $i" >>"$WORK/seqs" ;;
	early:4* | late:4*) ;;
	*) wrong=$((wrong + 1)); echo "# submission $i ($kind): HTTP $code $(head -c 300 "$WORK/resp.$i")" >&2 ;;
	esac
done
[ "$wrong" = 0 ] && ok "every good submission 201, every bad one refused" || not_ok "$wrong answers not as expected"
[ "$good" -gt 0 ] || not_ok "no submission was accepted"
sort -n "$WORK/seqs" >"$WORK/sorted"
[ "$(cut -d' ' -f1 "$WORK/sorted" | tr '\n' ' ')" = "$(seq 0 $((good - 1)) | tr '\n' ' ')" ] &&
	ok "the $good accepted records have Sequences 0..$((good - 1)), each once" ||
	not_ok "sequences: $(cut -d' ' -f1 "$WORK/sorted" | tr '\n' ' ')"
[ "$(cut -d' ' -f2 "$WORK/sorted" | tr '\n' ' ')" = "$(cut -d' ' -f2 "$WORK/sorted" | sort | tr '\n' ' ')" ] &&
	ok "Issued does not fall as the Sequence rises (REC-7)" || not_ok "Issued out of order: $(tr '\n' ';' <"$WORK/sorted")"
bad_sig=0
while read -r seq _ i; do
	"$SILKPORT" record verify --trust-list "$F/trust-list.xml" --anchor "$F/operator/cert.pem" "$WORK/resp.$i" >"$WORK/out" 2>&1 &&
		grep -q "^ok CN-ZZ $seq declaration " "$WORK/out" || bad_sig=$((bad_sig + 1))
done <"$WORK/sorted"
[ "$bad_sig" = 0 ] && ok "each verifies as CN-ZZ's record at its Sequence" || not_ok "$bad_sig records do not verify"

hcurl "$F" op:CN-ZZ CN-ZZ /v1/submit -H 'content-type: application/xml' --data-binary @"$WORK/good.xml" >"$WORK/next.xml"
expect_status 201 "a later submission: 201"
grep -q "<Sequence>$good</Sequence>" "$WORK/next.xml" && ok "as Sequence $good: no hole was left" ||
	not_ok "next: $(grep -o '<Sequence>[0-9]*</Sequence>' "$WORK/next.xml")"
# the log is contiguous: its signed checkpoint reaches good + 1
cp_size() {
	hcurl "$F" none CN-ZZ /v1/logs/CN-ZZ/checkpoint | sed -n 2p
}
for _ in $(seq 1 50); do [ "$(cp_size)" = $((good + 1)) ] && break; sleep 0.2; done
[ "$(cp_size)" = $((good + 1)) ] && ok "the own log's checkpoint covers all $((good + 1))" || not_ok "checkpoint size $(cp_size)"
if grep -q "event=submissions_renumbered" "$WORK/CN-ZZ.log"; then
	echo "# submissions behind a refused one were numbered again ($(grep -c 'event=submissions_renumbered' "$WORK/CN-ZZ.log") times)"
fi
finish
