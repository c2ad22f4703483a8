#!/bin/bash
# console_browser.sh: the operator console in a real browser: two nodes
# exchange records, then headless Chromium loads CN-ZZ's console from its
# loopback listener and the DOM must show the peer, the counts and the
# chart's SVG. The overview's screenshot is kept as an artefact
# ($SP_ARTIFACT_DIR, else the build folder).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fed_common.bash"

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || { echo "not ok 1 - $CHROMIUM is missing (packaging/install-deps.sh installs it)"; exit 1; }

F="$WORK/fed"
fed_init "$F" CN-ZZ CN-XA
printf '\n[console]\nlisten = 127.0.0.1:0\n' >>"$F/members/CN-ZZ/node.ini"
fstart "$F" CN-ZZ || exit 1
fstart "$F" CN-XA || exit 1
CPORT=$(sed -n 's/.*event=console_listening .*port=\([0-9]*\).*/\1/p' "$WORK/CN-ZZ.log" | tail -1)
[ -n "$CPORT" ] && ok "the console listens on 127.0.0.1:$CPORT" || { not_ok "no console_listening line"; finish; exit 1; }
C="http://127.0.0.1:$CPORT"

for _ in 1 2 3; do
	"$SILKPORT" submit --config "$F/members/CN-ZZ/node.ini" --type declaration --recipient CN-XA \
		--subject USCC=91410100MA44XXXX0A --body "$SP_DATA_DIR/bodies/declaration.xml" >/dev/null
done
fsubmit "$F" CN-XA waybill CN-ZZ >/dev/null
wait_for 30 has_metric "$F" CN-ZZ '^silkport_outbox_depth\{peer="CN-XA"\} 0$' || true
# receipts are sampled into the ring every few seconds
delivered_shown() { curl -sf "$C/console/" | grep -q 'id="delivered-hour">3<'; }
wait_for 30 delivered_shown && ok "the overview counts 3 deliveries" || not_ok "delivered: $(curl -s "$C/console/" | grep -o 'id="delivered-hour">[0-9]*')"

# browse: Chromium as root needs --no-sandbox; a profile of its own
browse() {
	timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run \
		--user-data-dir="$WORK/chromium" --window-size=1280,900 "$@" 2>>"$WORK/chromium.log"
}
browse --dump-dom "$C/console/" >"$WORK/overview.html"
grep -q '<h1>Overview</h1>' "$WORK/overview.html" && ok "Chromium renders the overview" || not_ok "overview: $(head -c 400 "$WORK/overview.html")"
grep -q 'id="flow" class="ok"' "$WORK/overview.html" && ok "and says everything is flowing" || not_ok "flow: $(grep -o '<p id="flow".*</p>' "$WORK/overview.html")"
grep -q 'id="submitted-hour">3<' "$WORK/overview.html" && ok "3 submitted in the last hour" || not_ok "submitted count"
grep -q 'id="in-hour">1<' "$WORK/overview.html" && ok "1 received in the last hour" || not_ok "received count"
grep -q 'id="records-held">4<' "$WORK/overview.html" && ok "4 records held" || not_ok "records held"

browse --dump-dom "$C/console/peers" >"$WORK/peers.html"
grep -q '<tr data-peer="CN-XA">' "$WORK/peers.html" && ok "the peers page lists CN-XA" || not_ok "peers: $(head -c 600 "$WORK/peers.html")"
grep -A0 'data-peer="CN-XA"' "$WORK/peers.html" | grep -q '<td class="ok">yes</td>' && ok "connected" || not_ok "CN-XA not shown connected"
grep 'data-peer="CN-XA"' "$WORK/peers.html" | grep -q '<td class="num outbox">0</td>' && ok "with an empty outbox" || not_ok "outbox"

browse --dump-dom "$C/console/chart" >"$WORK/chart.html"
grep -q '<svg class="chart"' "$WORK/chart.html" && ok "the chart is inline SVG" || not_ok "no svg"
for s in received submitted delivered CN-XA; do
	grep -q "data-series=\"$s\"" "$WORK/chart.html" && ok "series $s drawn" || not_ok "series $s missing"
done
# one of the last two points of "submitted" is above the baseline (y <
# 194): this minute's, or the last one's if a minute began since
y=$(grep -o 'data-series="submitted"[^>]*points="[^"]*"' "$WORK/chart.html" | sed 's/.*points="//; s/"$//' |
	tr ' ' '\n' | grep , | tail -2 | cut -d, -f2 | sort -n | head -1)
awk -v y="$y" 'BEGIN { exit !(y != "" && y + 0 < 194) }' && ok "the chart shows the latest submissions" || not_ok "last points' lowest y=$y"

browse --dump-dom "$C/console/records?kind=Enterprise&subject=91410100MA44XXXX0A&type=declaration" >"$WORK/records.html"
n=$(sed -n '/<table id="sent">/,/<\/table>/p' "$WORK/records.html" | grep -c 'href="/console/record?origin=CN-ZZ' || true)
[ "$n" = 3 ] && ok "search by subject and type finds the 3 declarations" || not_ok "search found $n"

OUT=${SP_ARTIFACT_DIR:-$SP_BINARY_DIR}
mkdir -p "$OUT"
browse --screenshot="$WORK/console.png" "$C/console/" >/dev/null
if [ -s "$WORK/console.png" ] && head -c 8 "$WORK/console.png" | grep -q PNG; then
	cp "$WORK/console.png" "$OUT/console.png"
	browse --screenshot="$WORK/chart.png" "$C/console/chart" >/dev/null && cp "$WORK/chart.png" "$OUT/console-chart.png"
	ok "screenshot kept: $OUT/console.png"
else
	not_ok "no screenshot: $(tail -5 "$WORK/chromium.log")"
fi

fed_stop_all CN-ZZ CN-XA
finish
