/* console.c: the operator console: read-only HTML pages of the node's state
 * (overview, peers, chart, records, evidence, trust), served on a plain
 * HTTP/1.1 listener on loopback ([console] listen) and at /console/ on the
 * TLS port to operators (node/api checks who). Every page is built on the
 * loop from a few store reads done on the worker pool and from the
 * per-minute ring kept here. */
#include "console_int.h"
#include "node_int.h"
#include "relay_int.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/asn1.h>
#include <openssl/x509.h>

#define RING_MINUTES   60
#define LAG_PEERS      SP_CHART_MAX_SERIES
#define MAX_PEERS      64
#define LIST_ROWS      50
#define EVIDENCE_ROWS  20
#define BODY_SHOWN_MAX ((size_t)256 << 10) /* bytes of a record shown */
#define SAMPLE_EVERY_S 5

/* One minute of the ring. */
typedef struct minute {
	int64_t minute; /* unix minute this slot holds; 0: empty */
	uint64_t in, submitted, delivered;
	double lag[LAG_PEERS]; /* the largest seen in the minute, seconds */
} minute;

struct sp_console {
	sp_node *n;
	struct evhttp *http;
	minute ring[RING_MINUTES];
	char lag_peer[LAG_PEERS][SP_NODE_ID_MAX + 1]; /* "" free */
	uint64_t
	    delivered_seen; /* the peers' delivered sum at the last sample */
	int64_t next_sample;
};

/* The response headers of every page (SECURITY: no script runs, nothing
 * is loaded from elsewhere, no frame, no cache). */
#define CSP                                                                    \
	"default-src 'none'; style-src 'self'; img-src data:; "                \
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
static const sp_http_header page_headers[] = {
    {"cache-control", "no-store"},         {"content-security-policy", CSP},
    {"x-content-type-options", "nosniff"}, {"x-frame-options", "DENY"},
    {"referrer-policy", "no-referrer"},
};
#define N_PAGE_HEADERS (sizeof(page_headers) / sizeof(page_headers[0]))

/* ---------------------------------------------------------------- the ring */

static minute *slot(sp_console *c, int64_t now_s)
{
	int64_t m = now_s / 60;
	minute *x = &c->ring[m % RING_MINUTES];

	if (x->minute != m) {
		memset(x, 0, sizeof(*x));
		x->minute = m;
	}
	return x;
}

static int lag_index(sp_console *c, const char *peer)
{
	size_t i;

	for (i = 0; i < LAG_PEERS; i++)
		if (strcmp(c->lag_peer[i], peer) == 0)
			return (int)i;
	for (i = 0; i < LAG_PEERS; i++)
		if (c->lag_peer[i][0] == '\0') {
			snprintf(c->lag_peer[i], sizeof(c->lag_peer[i]), "%s",
			         peer);
			return (int)i;
		}
	return -1; /* more peers than the chart draws */
}

/* Every few seconds: receipts since the last sample, and each peer's lag. */
static void sample(sp_console *c, int64_t now)
{
	sp_node_peer_view v[MAX_PEERS];
	size_t i, np = sp_node_peer_views(c->n, v, MAX_PEERS);
	uint64_t sum = 0;
	minute *x = slot(c, now);

	for (i = 0; i < np; i++) {
		int k = lag_index(c, v[i].id);

		sum += v[i].delivered;
		if (k >= 0 && v[i].lag_seconds > x->lag[k])
			x->lag[k] = v[i].lag_seconds;
	}
	/* the peers' counters start at 0 with the node, as the ring does;
	 * one that went down (a peer that left) only moves the mark */
	if (sum >= c->delivered_seen)
		x->delivered += sum - c->delivered_seen;
	c->delivered_seen = sum;
}

void sp_node__console_note(sp_node *n, int ev, const sp_node_event_args *a)
{
	sp_console *c = n->console;
	int64_t now = (int64_t)time(NULL);

	(void)a;
	if (c == NULL)
		return;
	switch (ev) {
	case SP_NODE_EV_RECORD_RECEIVED:
	case SP_NODE_EV_RELAY_STORED:
		slot(c, now)->in++;
		break;
	case SP_NODE_EV_OWN_RECORD_STORED:
		slot(c, now)->submitted++;
		break;
	case SP_NODE_EV_TICK:
		if (now >= c->next_sample) {
			c->next_sample = now + SAMPLE_EVERY_S;
			sample(c, now);
		}
		break;
	default:
		break;
	}
}

/* The last hour, oldest first, into per-minute arrays. */
static void ring_series(const sp_console *c, int64_t now,
                        double out[3][RING_MINUTES],
                        double lag[LAG_PEERS][RING_MINUTES])
{
	int64_t m = now / 60;
	size_t i, k;

	for (i = 0; i < RING_MINUTES; i++) {
		int64_t want = m - (RING_MINUTES - 1) + (int64_t)i;
		const minute *x = &c->ring[want % RING_MINUTES];
		int live = x->minute == want;

		out[0][i] = live ? (double)x->in : 0;
		out[1][i] = live ? (double)x->submitted : 0;
		out[2][i] = live ? (double)x->delivered : 0;
		for (k = 0; k < LAG_PEERS; k++)
			lag[k][i] = live ? x->lag[k] : 0;
	}
}

/* ---------------------------------------------------------------- requests */

typedef enum page_kind {
	PAGE_OVERVIEW,
	PAGE_PEERS,
	PAGE_CHART,
	PAGE_RECORDS,
	PAGE_RECORD,
	PAGE_EVIDENCE,
	PAGE_TRUST,
} page_kind;

/* One page being made: its parameters (read on the loop), what the worker
 * read from the store, and where the answer goes. */
typedef struct page {
	sp_node *n;
	sp_http_req *h2;           /* /console/ on the TLS port */
	struct evhttp_request *h1; /* the plain listener */
	page_kind kind;
	int head;     /* HEAD: headers only */
	char api[96]; /* prefix of links to the API: "" on TLS */
	/* parameters */
	char origin[SP_NODE_ID_MAX + 1];
	char id[SP_UUID_LEN + 1];
	char kind_param[32];
	char subject[SP_STORE_SUBJECT_MAX + 1];
	char type[SP_TYPE_MAX + 1];
	char own[SP_NODE_ID_MAX + 1];
	sp_text bcast; /* the view's broadcasters; unused when wide */
	int wide;      /* [access] operator_read = all */
	char peer_ids[MAX_PEERS][SP_NODE_ID_MAX + 1];
	size_t n_peer_ids;
	/* results */
	int err;
	sp_store_stats stats;
	int have_stats;
	sp_store_list *received, *sent;
	sp_store_record *rec;
	sp_store_delivery *dl;
	size_t n_dl;
	sp_store_evidence *ev;
	size_t n_ev;
	sp_store_checkpoint *cp[MAX_PEERS]; /* per peer_ids, or the record's */
} page;

static void page_free(page *p)
{
	size_t i;

	sp_store_stats_clear(&p->stats);
	sp_store_list_free(p->received);
	sp_store_list_free(p->sent);
	sp_store_record_free(p->rec);
	free(p->dl);
	sp_store_evidence_free(p->ev, p->n_ev);
	for (i = 0; i < MAX_PEERS; i++)
		sp_store_checkpoint_free(p->cp[i]);
	sp_text_free(&p->bcast);
	free(p);
}

static void send_reply(sp_node *n, sp_http_req *h2, struct evhttp_request *h1,
                       int head, int status, const char *ctype,
                       const sp_http_header *extra, size_t n_extra,
                       const void *body, size_t len)
{
	sp_http_header hs[N_PAGE_HEADERS + 2];
	size_t i, nh = 0;

	for (i = 0; i < N_PAGE_HEADERS; i++)
		hs[nh++] = page_headers[i];
	for (i = 0; i < n_extra && nh < sizeof(hs) / sizeof(hs[0]); i++)
		hs[nh++] = extra[i];
	if (h2 != NULL) {
		sp_node_count_request(n, SP_EP_OTHER, status);
		sp_http_respond_ex(h2, status, ctype, hs, nh, body,
		                   head ? 0 : len);
		return;
	}
	{
		struct evkeyvalq *out = evhttp_request_get_output_headers(h1);
		struct evhttp_connection *conn =
		    evhttp_request_get_connection(h1);
		char *addr = NULL;
		ev_uint16_t port = 0;

		evhttp_add_header(out, "Content-Type", ctype);
		for (i = 0; i < nh; i++)
			evhttp_add_header(out, hs[i].name, hs[i].value);
		if (!head)
			evbuffer_add(evhttp_request_get_output_buffer(h1), body,
			             len);
		if (conn != NULL)
			evhttp_connection_get_peer(conn, &addr, &port);
		sp_log(SP_LOG_INFO, "console_request",
		       SP_LF_STR("uri", evhttp_request_get_uri(h1)),
		       SP_LF_INT("status", status),
		       SP_LF_UINT("bytes", head ? 0 : len),
		       SP_LF_STR("remote", addr), SP_LF_UINT("port", port));
		evhttp_send_reply(h1, status, NULL, NULL);
	}
}

static void reply_text(sp_node *n, sp_http_req *h2, struct evhttp_request *h1,
                       int head, int status, const sp_http_header *extra,
                       size_t n_extra, const char *text)
{
	send_reply(n, h2, h1, head, status, "text/plain; charset=utf-8", extra,
	           n_extra, text, strlen(text));
}

static void page_reply(page *p, int status, sp_text *t)
{
	if (t->failed) {
		reply_text(p->n, p->h2, p->h1, p->head, 500, NULL, 0,
		           "out of memory\n");
		return;
	}
	send_reply(p->n, p->h2, p->h1, p->head, status,
	           "text/html; charset=utf-8", NULL, 0, t->buf ? t->buf : "",
	           t->len);
}

/* ---------------------------------------------------------------- helpers */

static void cell_when_ms(sp_text *t, int64_t ms, int64_t now)
{
	sp_html(t, "<td>");
	if (ms > 0)
		sp_html_when(t, ms / 1000, now);
	else
		sp_html(t, "<span class=\"muted\">never</span>");
	sp_html(t, "</td>");
}

static void duration(sp_text *t, int64_t s)
{
	char d[SP_DURATION_TEXT_MAX];

	sp_duration_text(s, d);
	sp_html(t, "%s", d);
}

static void record_link(sp_text *t, const char *origin, const char *id)
{
	sp_html(t, "<a class=\"mono\" href=\"/console/record?origin=");
	sp_html_url(t, origin);
	sp_html(t, "&amp;id=");
	sp_html_url(t, id);
	sp_html(t, "\">%s</a>", id);
}

/* Is something stuck with this peer? Returns the reason, or NULL. */
static const char *peer_problem(const sp_node_peer_view *v, char *buf,
                                size_t cap)
{
	if (v->status != SP_STATUS_ACTIVE)
		return NULL; /* not expected to take traffic */
	if (v->outbox_failed > 0) {
		snprintf(buf, cap, "%llu deliveries given up",
		         (unsigned long long)v->outbox_failed);
		return buf;
	}
	if (v->last_error[0]) {
		snprintf(buf, cap, "%s", v->last_error);
		return buf;
	}
	if (v->lag_records > 0 && v->lag_seconds >= 60) {
		snprintf(buf, cap, "%llu records behind its checkpoint",
		         (unsigned long long)v->lag_records);
		return buf;
	}
	return NULL;
}

/* ---------------------------------------------------------------- overview */

static void render_overview(page *p, sp_text *t)
{
	sp_node *n = p->n;
	const sp_config *cfg = sp_node_config(n);
	sp_console *c = n->console;
	sp_node_peer_view v[MAX_PEERS];
	size_t i, np = sp_node_peer_views(n, v, MAX_PEERS), stuck = 0;
	int64_t now = (int64_t)time(NULL);
	double s[3][RING_MINUTES], lag[LAG_PEERS][RING_MINUTES];
	double hour[3] = {0, 0, 0};
	const char *why = NULL;
	int ready = sp_node_ready(n, &why) == SP_OK;
	uint64_t alarms = 0;
	char buf[256];
	sp_text warn = {0};

	ring_series(c, now, s, lag);
	for (i = 0; i < RING_MINUTES; i++) {
		hour[0] += s[0][i];
		hour[1] += s[1][i];
		hour[2] += s[2][i];
	}
	for (i = 0; i < np; i++) {
		alarms += v[i].alarms;
		if (peer_problem(&v[i], buf, sizeof(buf)) != NULL)
			stuck++;
	}
	sp_html_begin(t, cfg->node_id, "Overview", "", 15);
	if (ready && stuck == 0 && alarms == 0)
		sp_html(t, "<p id=\"flow\" class=\"ok\">Everything is flowing: "
		           "the node is ready and no peer is stuck.</p>\n");
	else {
		sp_html(t, "<p id=\"flow\" class=\"bad\">Attention:</p><ul "
		           "id=\"stuck\">\n");
		if (!ready)
			sp_html(t, "<li>the node is not ready: %s</li>\n", why);
		for (i = 0; i < np; i++)
			if (peer_problem(&v[i], buf, sizeof(buf)) != NULL)
				sp_html(t,
				        "<li>peer <a "
				        "href=\"/console/peers\">%s</a>: "
				        "%s</li>\n",
				        v[i].id, buf);
		if (alarms > 0)
			sp_html(
			    t,
			    "<li>%llu alarm(s): see <a "
			    "href=\"/console/evidence\">evidence</a></li>\n",
			    (unsigned long long)alarms);
		sp_html(t, "</ul>\n");
	}
	sp_html(t,
	        "<div class=\"cards\">"
	        "<div class=\"card\">received, last hour<b "
	        "id=\"in-hour\">%.0f</b></div>"
	        "<div class=\"card\">submitted, last hour<b "
	        "id=\"submitted-hour\">%.0f</b></div>"
	        "<div class=\"card\">delivered, last hour<b "
	        "id=\"delivered-hour\">%.0f</b></div>",
	        hour[0], hour[1], hour[2]);
	if (p->have_stats)
		sp_html(t,
		        "<div class=\"card\">records held<b "
		        "id=\"records-held\">%llu</b></div>"
		        "<div class=\"card\">outbox pending<b "
		        "id=\"outbox-pending\">%llu</b></div>"
		        "<div class=\"card\">equivocations held<b "
		        "id=\"equivocations\">%llu</b></div>",
		        (unsigned long long)p->stats.records,
		        (unsigned long long)p->stats.outbox_pending,
		        (unsigned long long)p->stats.equivocations);
	sp_html(t,
	        "</div>\n<table id=\"node\"><tbody>\n"
	        "<tr><th>node</th><td class=\"mono\">%s</td></tr>\n"
	        "<tr><th>federations</th><td>%s (home)",
	        cfg->node_id, cfg->federation);
	for (i = 0; i < sp_node_relay_count(n); i++)
		sp_html(t, ", %s (relay)", sp_node_relay_federation(n, i));
	sp_html(t,
	        "</td></tr>\n<tr><th>versions</th><td>silkport %s, protocol "
	        "SREP 1, trust list sequence %llu</td></tr>\n"
	        "<tr><th>readiness</th><td id=\"ready\" class=\"%s\">%s",
	        SP_VERSION_STRING,
	        (unsigned long long)sp_trust_list(sp_node_trust(n))->sequence,
	        ready ? "ok" : "bad", ready ? "ready" : "not ready");
	if (!ready)
		sp_html(t, ": %s", why);
	sp_node_ready_warnings(n, &warn);
	if (warn.len > 0)
		sp_html(t, "<pre>%s</pre>", warn.buf);
	sp_text_free(&warn);
	sp_html(t, "</td></tr>\n<tr><th>uptime</th><td>");
	duration(t, now - n->started);
	sp_html(t, " (since ");
	sp_html_when(t, n->started, now);
	sp_html(t,
	        ")</td></tr>\n<tr><th>own log</th><td>%llu records "
	        "in the last signed checkpoint</td></tr>\n"
	        "<tr><th>alarms</th><td>%llu</td></tr>\n"
	        "</tbody></table>\n",
	        (unsigned long long)n->checkpoint_size,
	        (unsigned long long)alarms);
	sp_html_end(t);
}

/* ---------------------------------------------------------------- peers */

static const sp_store_checkpoint *peer_cp(const page *p, const char *id)
{
	size_t i;

	for (i = 0; i < p->n_peer_ids; i++)
		if (strcmp(p->peer_ids[i], id) == 0)
			return p->cp[i];
	return NULL;
}

static int cosigned_by(const sp_store_checkpoint *cp, const char *me)
{
	size_t i;

	for (i = 0; cp != NULL && i < cp->n_cosignatures; i++)
		if (strcmp(cp->witnesses[i], me) == 0)
			return 1;
	return 0;
}

static void render_peers(page *p, sp_text *t)
{
	sp_node *n = p->n;
	sp_node_peer_view v[MAX_PEERS];
	size_t i, np = sp_node_peer_views(n, v, MAX_PEERS);
	int64_t now = (int64_t)time(NULL);
	char buf[256];

	sp_html_begin(t, sp_node_config(n)->node_id, "Peers", "peers", 15);
	if (np == 0)
		sp_html(t, "<p>No peers: this node's trust lists name no other "
		           "member.</p>\n");
	sp_html(t, "<table id=\"peers\"><thead><tr><th>peer</th><th>status</th>"
	           "<th>connected</th><th>last success</th><th>last error</th>"
	           "<th>outbox</th><th>given up</th><th>delivered</th>"
	           "<th>lag</th><th>checkpoint seen</th><th>cosigned here</th>"
	           "<th>alarms</th></tr></thead><tbody>\n");
	for (i = 0; i < np; i++) {
		const sp_node_peer_view *x = &v[i];
		const sp_store_checkpoint *cp = peer_cp(p, x->id);

		sp_html(t, "<tr data-peer=\"%s\"><td class=\"mono\">%s", x->id,
		        x->id);
		if (x->federation[0])
			sp_html(t, " <span class=\"muted\">(%s)</span>",
			        x->federation);
		sp_html(t, "</td><td>%s</td><td class=\"%s\">%s</td>",
		        sp_status_name(x->status), x->connected ? "ok" : "bad",
		        x->connected ? "yes" : "no");
		cell_when_ms(t, x->last_success_ms, now);
		if (x->last_error[0]) {
			sp_html(t, "<td class=\"bad\">%s, ", x->last_error);
			sp_html_when(t, x->last_error_ms / 1000, now);
			sp_html(t, "</td>");
		} else {
			sp_html(t, "<td class=\"muted\">none</td>");
		}
		sp_html(
		    t,
		    "<td class=\"num outbox\">%llu</td><td class=\"num\">"
		    "%llu</td><td class=\"num\">%llu</td><td>%llu records, ",
		    (unsigned long long)x->outbox_depth,
		    (unsigned long long)x->outbox_failed,
		    (unsigned long long)x->delivered,
		    (unsigned long long)x->lag_records);
		duration(t, (int64_t)x->lag_seconds);
		sp_html(t, "</td>");
		if (x->have_checkpoint) {
			sp_html(t, "<td>size %llu, ",
			        (unsigned long long)x->checkpoint_size);
			sp_html_when(t, x->checkpoint_seen_ms / 1000, now);
			sp_html(t, "</td>");
		} else {
			sp_html(t, "<td class=\"muted\">none</td>");
		}
		if (cp != NULL)
			sp_html(
			    t, "<td>%s (size %llu, %zu cosignature(s))</td>",
			    cosigned_by(cp, sp_node_config(n)->node_id) ? "yes"
			                                                : "no",
			    (unsigned long long)cp->size, cp->n_cosignatures);
		else
			sp_html(t, "<td class=\"muted\">none</td>");
		sp_html(t, "<td class=\"num\">%llu",
		        (unsigned long long)x->alarms);
		if (x->last_alarm[0])
			sp_html(t, ": <span class=\"bad\">%s</span>",
			        x->last_alarm);
		sp_html(t, "</td></tr>\n");
		(void)buf;
	}
	sp_html(t, "</tbody></table>\n");
	sp_html_end(t);
}

/* ---------------------------------------------------------------- chart */

static void render_chart(page *p, sp_text *t)
{
	sp_console *c = p->n->console;
	int64_t now = (int64_t)time(NULL);
	double s[3][RING_MINUTES], lag[LAG_PEERS][RING_MINUTES];
	const char *labels[3] = {"received", "submitted", "delivered"};
	const double *series[LAG_PEERS];
	const char *peers[LAG_PEERS];
	size_t i, k = 0;

	ring_series(c, now, s, lag);
	sp_html_begin(t, sp_node_config(p->n)->node_id, "Chart", "chart", 30);
	for (i = 0; i < 3; i++)
		series[i] = s[i];
	sp_html(t, "<div id=\"chart-records\">");
	sp_html_chart(t, "Records per minute, last hour", "records / minute",
	              labels, series, 3, RING_MINUTES);
	sp_html(t, "</div>\n<div id=\"chart-lag\">");
	for (i = 0; i < LAG_PEERS; i++)
		if (c->lag_peer[i][0]) {
			peers[k] = c->lag_peer[i];
			series[k++] = lag[i];
		}
	if (k > 0)
		sp_html_chart(t, "Delivery lag per peer, last hour",
		              "seconds behind the peer's checkpoint", peers,
		              series, k, RING_MINUTES);
	else
		sp_html(t, "<p class=\"muted\">No peer yet.</p>");
	sp_html(t, "</div>\n<p class=\"muted\">Kept in memory since the node "
	           "started; a restart starts it again.</p>\n");
	sp_html_end(t);
}

/* ---------------------------------------------------------------- records */

static const char *const subject_kinds[] = {
    "Enterprise", "Declaration", "Waybill",    "Order", "Payment",
    "Goods",      "Container",   "Conveyance", "Case"};
#define N_KINDS (sizeof(subject_kinds) / sizeof(subject_kinds[0]))

static void record_table(sp_text *t, const char *id, const sp_store_list *l,
                         int sent, int64_t now)
{
	size_t i;

	sp_html(t,
	        "<table id=\"%s\"><thead><tr><th>record</th><th>origin</th>"
	        "<th>seq</th><th>type</th><th>issued</th><th>%s</th>"
	        "</tr></thead><tbody>\n",
	        id, sent ? "stored" : "received from");
	for (i = 0; l != NULL && i < l->n; i++) {
		const sp_store_record *r = l->items[i];
		char ts[SP_TIME_TEXT_MAX];

		sp_html(t, "<tr><td>");
		record_link(t, r->origin, r->record_id);
		sp_time_format(r->issued, ts);
		sp_html(t,
		        "</td><td class=\"mono\">%s</td><td class=\"num\">%llu"
		        "</td><td>%s</td><td>%s</td><td>",
		        r->origin, (unsigned long long)r->sequence, r->type,
		        ts);
		if (sent)
			sp_html_when(t, r->received, now);
		else
			sp_html(t, "%s, ", r->source[0] ? r->source : "-");
		if (!sent)
			sp_html_when(t, r->received, now);
		sp_html(t, "</td></tr>\n");
	}
	if (l == NULL || l->n == 0)
		sp_html(t, "<tr><td colspan=\"6\" class=\"muted\">none"
		           "</td></tr>\n");
	sp_html(t, "</tbody></table>\n");
}

static void render_records(page *p, sp_text *t)
{
	int64_t now = (int64_t)time(NULL);
	size_t i;

	sp_html_begin(t, sp_node_config(p->n)->node_id, "Records", "records",
	              0);
	sp_html(t, "<form method=\"get\" action=\"/console/records\">"
	           "<label>subject kind<select name=\"kind\"><option "
	           "value=\"\">any</option>");
	for (i = 0; i < N_KINDS; i++)
		sp_html(t,
		        strcmp(p->kind_param, subject_kinds[i]) == 0
		            ? "<option selected>%s</option>"
		            : "<option>%s</option>",
		        subject_kinds[i]);
	sp_html(t,
	        "</select></label><label>subject value<input name=\"subject\" "
	        "value=\"%s\" size=\"28\"></label><label>type<input "
	        "name=\"type\" value=\"%s\" size=\"14\"></label>"
	        "<button>Search</button></form>\n",
	        p->subject, p->type);
	if (p->err != SP_OK)
		sp_html(t,
		        "<p class=\"bad\">The store could not be read: %s</p>",
		        sp_strerror(p->err));
	sp_html(t, "<h2>Latest received</h2>\n");
	record_table(t, "received", p->received, 0, now);
	sp_html(t, "<h2>Latest sent (this node's own)</h2>\n");
	record_table(t, "sent", p->sent, 1, now);
	sp_html_end(t);
}

static void render_record(page *p, sp_text *t)
{
	const sp_store_record *r = p->rec;
	int64_t now = (int64_t)time(NULL);
	char ts[SP_TIME_TEXT_MAX];
	size_t i, shown;

	sp_html_begin(t, sp_node_config(p->n)->node_id, "Record", "records", 0);
	if (r == NULL) {
		sp_html(t, "<p class=\"bad\">%s</p>",
		        p->err == SP_ERR_NOT_FOUND
		            ? "No such record here (or not one this node's "
		              "operators read)."
		            : sp_strerror(p->err));
		sp_html_end(t);
		return;
	}
	sp_time_format(r->issued, ts);
	sp_html(t,
	        "<table id=\"header\"><tbody>"
	        "<tr><th>RecordId</th><td class=\"mono\">%s</td></tr>"
	        "<tr><th>Origin</th><td class=\"mono\">%s</td></tr>"
	        "<tr><th>Sequence</th><td>%llu</td></tr>"
	        "<tr><th>Type</th><td>%s</td></tr>"
	        "<tr><th>Issued</th><td>%s</td></tr><tr><th>Recipients</th>"
	        "<td>",
	        r->record_id, r->origin, (unsigned long long)r->sequence,
	        r->type, ts);
	if (r->broadcast)
		sp_html(t, "broadcast");
	for (i = 0; i < r->n_recipients; i++)
		sp_html(t, "%s%s", i ? ", " : "", r->recipients[i]);
	sp_html(t,
	        "</td></tr><tr><th>SHA-256</th><td class=\"mono\">%s</td>"
	        "</tr><tr><th>received</th><td>",
	        r->digest);
	sp_html_when(t, r->received, now);
	sp_html(t, "%s%s</td></tr>", r->source[0] ? " from " : " (own)",
	        r->source);
	sp_html(t,
	        "<tr><th>signer</th><td>%s, with its signing certificate "
	        "in the trust list (the key is never taken from the record)"
	        "</td></tr>",
	        r->origin);
	sp_html(t, "<tr><th>bytes</th><td><a href=\"%s/v1/records/", p->api);
	sp_html_url(t, r->record_id);
	sp_html(t, "?origin=");
	sp_html_url(t, r->origin);
	sp_html(t,
	        "\">GET /v1/records/%s</a> (members and operators)"
	        "</td></tr><tr><th>inclusion proof</th><td>",
	        r->record_id);
	if (p->cp[0] != NULL && p->cp[0]->size > r->sequence) {
		sp_html(t, "<a href=\"%s/v1/logs/", p->api);
		sp_html_url(t, r->origin);
		sp_html(t,
		        "/proofs/inclusion?index=%llu&amp;size=%llu\">against "
		        "checkpoint size %llu</a>",
		        (unsigned long long)r->sequence,
		        (unsigned long long)p->cp[0]->size,
		        (unsigned long long)p->cp[0]->size);
	} else {
		sp_html(t,
		        "<span class=\"muted\">no checkpoint of %s held here "
		        "covers it yet</span>",
		        r->origin);
	}
	sp_html(t, "</td></tr></tbody></table>\n<h2>Receipts held</h2>\n");
	if (r->receipt != NULL)
		sp_html(t,
		        "<p>The receipt this node signed when it accepted "
		        "the record (%zu bytes).</p>\n",
		        r->receipt_len);
	sp_html(t, "<table id=\"receipts\"><thead><tr><th>peer</th><th>state"
	           "</th><th>attempts</th><th>receipt</th><th>last error</th>"
	           "</tr></thead><tbody>\n");
	for (i = 0; i < p->n_dl; i++) {
		const sp_store_delivery *d = &p->dl[i];

		sp_html(t,
		        "<tr><td class=\"mono\">%s</td><td class=\"%s\">%s</td>"
		        "<td class=\"num\">%u</td><td>",
		        d->peer, d->delivered ? "ok" : "warn",
		        d->delivered                      ? "delivered"
		        : d->next_attempt == SP_FED_NEVER ? "given up"
		                                          : "pending",
		        d->attempts);
		if (d->receipt_at > 0) {
			sp_html(t, "%zu bytes, ", d->receipt_len);
			sp_html_when(t, d->receipt_at, now);
		} else {
			sp_html(t, "<span class=\"muted\">none</span>");
		}
		sp_html(t, "</td><td>%s</td></tr>\n", d->last_error);
	}
	if (p->n_dl == 0)
		sp_html(t, "<tr><td colspan=\"5\" class=\"muted\">no delivery "
		           "from this node</td></tr>\n");
	shown = r->len < BODY_SHOWN_MAX ? r->len : BODY_SHOWN_MAX;
	sp_html(t, "</tbody></table>\n<h2>The record (as text)</h2>\n<pre "
	           "id=\"record-bytes\">");
	sp_html_esc(t, (const char *)r->bytes, shown);
	sp_html(t, "</pre>\n");
	if (shown < r->len)
		sp_html(t, "<p class=\"muted\">First %zu of %zu bytes.</p>\n",
		        shown, r->len);
	sp_html_end(t);
}

/* ---------------------------------------------------------------- evidence */

static void evidence_side(sp_text *t, const char *title, const char *digest,
                          const uint8_t *b, size_t len)
{
	size_t shown = len < BODY_SHOWN_MAX ? len : BODY_SHOWN_MAX;

	sp_html(t, "<div><h3>%s</h3><p class=\"mono\">%s</p><pre>", title,
	        digest);
	if (b != NULL)
		sp_html_esc(t, (const char *)b, shown);
	else
		sp_html(t, "(not held)");
	sp_html(t, "</pre></div>");
}

/* The heading of one piece of evidence: what it proves. */
static const char *evidence_title(const char *kind)
{
	if (strcmp(kind, "checkpoint") == 0)
		return "Two checkpoints of one size";
	if (strcmp(kind, "record-id") == 0)
		return "One RecordId at two positions";
	if (strcmp(kind, "trust-list") == 0)
		return "A trust list of a split view or fork";
	if (strcmp(kind, "index-note") == 0)
		return "An index note that omits a record held";
	return "Two records at one position";
}

/* One signed document (a refused trust list, a lying index note): its
 * subject (the federation, the origin), when and from whom, and the
 * document; there is no held side to show beside it. */
static void evidence_document(sp_text *t, const sp_store_evidence *e,
                              int64_t now)
{
	sp_html(t, "<section class=\"evidence\"><h2>%s: %s</h2><p>seen ",
	        evidence_title(e->kind), e->origin);
	sp_html_when(t, e->seen_at, now);
	if (e->source[0])
		sp_html(t, " from %s", e->source);
	sp_html(t, "</p><div class=\"side\">");
	evidence_side(t, "document", e->digest_b, e->b, e->b_len);
	sp_html(t, "</div></section>\n");
}

static void render_evidence(page *p, sp_text *t)
{
	int64_t now = (int64_t)time(NULL);
	size_t i;

	sp_html_begin(t, sp_node_config(p->n)->node_id, "Evidence", "evidence",
	              0);
	if (p->err != SP_OK)
		sp_html(t,
		        "<p class=\"bad\">The store could not be read: %s</p>",
		        sp_strerror(p->err));
	if (p->n_ev == 0)
		sp_html(t,
		        "<p id=\"no-evidence\" class=\"ok\">No equivocation or "
		        "inconsistency evidence is held.</p>\n");
	for (i = 0; i < p->n_ev; i++) {
		const sp_store_evidence *e = &p->ev[i];
		int cp = strcmp(e->kind, "checkpoint") == 0;

		if (strcmp(e->kind, "trust-list") == 0 ||
		    strcmp(e->kind, "index-note") == 0) {
			evidence_document(t, e, now);
			continue;
		}
		sp_html(t,
		        "<section class=\"evidence\"><h2>%s: %s %s %llu</h2>"
		        "<p>",
		        evidence_title(e->kind), e->origin,
		        cp ? "size" : "sequence",
		        (unsigned long long)e->sequence);
		if (e->record_id[0])
			sp_html(t, "RecordId <span class=\"mono\">%s</span>; ",
			        e->record_id);
		sp_html(t, "seen ");
		sp_html_when(t, e->seen_at, now);
		if (e->source[0])
			sp_html(t, " from %s", e->source);
		sp_html(t, "</p><div class=\"side\">");
		evidence_side(t, cp ? "first root" : "held", e->digest_a, e->a,
		              e->a_len);
		evidence_side(t, cp ? "other root" : "conflicting", e->digest_b,
		              e->b, e->b_len);
		sp_html(t, "</div></section>\n");
	}
	sp_html_end(t);
}

/* ---------------------------------------------------------------- trust */

static int64_t cert_not_after(const uint8_t *der, size_t len)
{
	const unsigned char *q = der;
	X509 *x = der ? d2i_X509(NULL, &q, (long)len) : NULL;
	struct tm tm;
	int64_t t = 0;

	if (x == NULL)
		return 0;
	if (ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm) == 1)
		t = (int64_t)timegm(&tm);
	X509_free(x);
	return t;
}

static void trust_table(sp_text *t, const sp_tl *tl, int64_t now)
{
	size_t i, k;

	sp_html(t, "<h2>%s</h2><p>Trust list sequence %llu, next update ",
	        tl->federation, (unsigned long long)tl->sequence);
	sp_html_when(t, tl->next_update, now);
	sp_html(t,
	        "</p>\n<table class=\"members\" data-federation=\"%s\"><thead>"
	        "<tr><th>member</th><th>name</th><th>role</th><th>status</th>"
	        "<th>TLS certificate expires</th><th>signing certificates"
	        "</th></tr></thead><tbody>\n",
	        tl->federation);
	for (i = 0; i < tl->n_members; i++) {
		const sp_tl_member *m = &tl->members[i];
		int64_t tls =
		    cert_not_after(m->tls_cert_der, m->tls_cert_der_len);

		sp_html(t,
		        "<tr><td class=\"mono\">%s</td><td>%s</td><td>%s</td>"
		        "<td class=\"%s\">%s</td><td class=\"%s\">",
		        m->node_id, m->name ? m->name : "",
		        sp_role_name(m->role),
		        m->status == SP_STATUS_ACTIVE ? "ok" : "bad",
		        sp_status_name(m->status),
		        tls > 0 && tls - now < 30 * 86400 ? "warn" : "");
		if (tls > 0)
			sp_html_when(t, tls, now);
		else
			sp_html(t, "-");
		sp_html(t, "</td><td>");
		for (k = 0; k < m->n_signing; k++) {
			int64_t end = cert_not_after(m->signing[k].der,
			                             m->signing[k].der_len);

			if (k > 0)
				sp_html(t, "<br>");
			sp_html(t, "listed until ");
			sp_html_when(t, m->signing[k].valid_until, now);
			if (end > 0) {
				sp_html(t, "; certificate expires ");
				sp_html_when(t, end, now);
			}
		}
		sp_html(t, "</td></tr>\n");
	}
	sp_html(t, "</tbody></table>\n");
}

static void render_trust(page *p, sp_text *t)
{
	sp_node *n = p->n;
	int64_t now = (int64_t)time(NULL);
	size_t i;

	sp_html_begin(t, sp_node_config(n)->node_id, "Trust", "trust", 0);
	trust_table(t, sp_trust_list(sp_node_trust(n)), now);
	for (i = 0; i < sp_node_relay_count(n); i++) {
		sp_trust *r = sp_node_relay_trust(n, i);

		if (r != NULL) {
			trust_table(t, sp_trust_list(r), now);
			sp_trust_unref(r);
		}
	}
	sp_html_end(t);
}

/* ---------------------------------------------------------------- the pool */

static void page_work(void *arg)
{
	page *p = arg;
	sp_store_reader *r = sp_node_reader(p->n);
	sp_store_view view = {p->own, p->bcast.buf};
	const sp_store_view *vp = p->wide ? NULL : &view;
	size_t i;

	if (r == NULL) {
		p->err = SP_ERR_IO;
		return;
	}
	switch (p->kind) {
	case PAGE_OVERVIEW:
		p->have_stats = sp_store_stats_get(r, &p->stats) == SP_OK;
		break;
	case PAGE_PEERS:
		for (i = 0; i < p->n_peer_ids; i++)
			sp_store_checkpoint_latest(r, p->peer_ids[i],
			                           &p->cp[i]);
		break;
	case PAGE_RECORDS: {
		sp_store_console_query q = {
		    .own = p->own,
		    .subject_kind = p->kind_param[0] ? p->kind_param : NULL,
		    .subject_value = p->subject[0] ? p->subject : NULL,
		    .type = p->type[0] ? p->type : NULL,
		    .limit = LIST_ROWS,
		    .view = vp};

		if (q.subject_value == NULL)
			q.subject_kind = NULL;
		p->err = sp_store_console_records(r, &q, &p->received);
		q.sent = 1;
		if (p->err == SP_OK)
			p->err = sp_store_console_records(r, &q, &p->sent);
		break;
	}
	case PAGE_RECORD:
		p->err = sp_store_get(r, p->origin, p->id, &p->rec);
		if (p->err == SP_OK &&
		    !sp_store_record_visible_to(p->rec, vp)) {
			sp_store_record_free(p->rec);
			p->rec = NULL;
			p->err = SP_ERR_NOT_FOUND;
		}
		if (p->err == SP_OK) {
			sp_store_console_deliveries(r, p->origin, p->id, &p->dl,
			                            &p->n_dl);
			sp_store_checkpoint_latest(r, p->origin, &p->cp[0]);
		}
		break;
	case PAGE_EVIDENCE:
		p->err = sp_store_console_evidence(r, EVIDENCE_ROWS, &p->ev,
		                                   &p->n_ev);
		break;
	default:
		break;
	}
}

static void page_done(void *arg)
{
	page *p = arg;
	sp_text t = {0};
	int status = 200;

	switch (p->kind) {
	case PAGE_OVERVIEW:
		render_overview(p, &t);
		break;
	case PAGE_PEERS:
		render_peers(p, &t);
		break;
	case PAGE_CHART:
		render_chart(p, &t);
		break;
	case PAGE_RECORDS:
		render_records(p, &t);
		break;
	case PAGE_RECORD:
		if (p->rec == NULL)
			status = p->err == SP_ERR_NOT_FOUND ? 404 : 500;
		render_record(p, &t);
		break;
	case PAGE_EVIDENCE:
		render_evidence(p, &t);
		break;
	case PAGE_TRUST:
		render_trust(p, &t);
		break;
	}
	page_reply(p, status, &t);
	sp_text_free(&t);
	page_free(p);
}

/* ---------------------------------------------------------------- routing */

static const struct {
	const char *path;
	page_kind kind;
	int store; /* needs the pool */
} routes[] = {
    {"", PAGE_OVERVIEW, 1},     {"peers", PAGE_PEERS, 1},
    {"chart", PAGE_CHART, 0},   {"records", PAGE_RECORDS, 1},
    {"record", PAGE_RECORD, 1}, {"evidence", PAGE_EVIDENCE, 1},
    {"trust", PAGE_TRUST, 0},
};

/* A query parameter into buf ("" when absent); -1 when malformed. */
static int param(const char *query, const char *name, char *buf, size_t cap)
{
	int err = sp_node__query_param(query, name, buf, cap, NULL);

	if (err == SP_ERR_NOT_FOUND)
		buf[0] = '\0';
	return err == SP_OK || err == SP_ERR_NOT_FOUND ? 0 : -1;
}

static int read_params(page *p, const char *query)
{
	size_t i;

	if (param(query, "origin", p->origin, sizeof(p->origin)) ||
	    param(query, "id", p->id, sizeof(p->id)) ||
	    param(query, "kind", p->kind_param, sizeof(p->kind_param)) ||
	    param(query, "subject", p->subject, sizeof(p->subject)) ||
	    param(query, "type", p->type, sizeof(p->type)))
		return -1;
	if (p->kind_param[0]) {
		for (i = 0; i < N_KINDS; i++)
			if (strcmp(p->kind_param, subject_kinds[i]) == 0)
				break;
		if (i == N_KINDS)
			return -1;
	}
	if (p->kind == PAGE_RECORD &&
	    (!sp_node_id_valid(p->origin) || !sp_uuid_valid(p->id)))
		return -1;
	return 0;
}

/* Serve one console request. `path` is the raw path (no query), `query`
 * the raw query; exactly one of h2 / h1 is the request to answer. */
static void serve(sp_node *n, const char *method, const char *path,
                  const char *query, sp_http_req *h2, struct evhttp_request *h1,
                  const char *api)
{
	static const sp_http_header allow = {"allow", "GET, HEAD"};
	int head = strcmp(method, "HEAD") == 0;
	const sp_config *cfg = sp_node_config(n);
	const char *rest;
	page *p;
	size_t i;
	int err;

	if (!head && strcmp(method, "GET") != 0) {
		reply_text(n, h2, h1, 0, 405, &allow, 1,
		           "the console is read-only: GET only\n");
		return;
	}
	if (strcmp(path, "/console") == 0 || strcmp(path, "/") == 0) {
		static const sp_http_header to = {"location", "/console/"};

		reply_text(n, h2, h1, head, 302, &to, 1, "/console/\n");
		return;
	}
	if (strncmp(path, "/console/", 9) != 0) {
		reply_text(n, h2, h1, head, 404, NULL, 0, "no such page\n");
		return;
	}
	rest = path + 9;
	if (strcmp(rest, "style.css") == 0) {
		send_reply(n, h2, h1, head, 200, "text/css; charset=utf-8",
		           NULL, 0, sp_console_css, strlen(sp_console_css));
		return;
	}
	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		if (strcmp(rest, routes[i].path) == 0)
			break;
	if (i == sizeof(routes) / sizeof(routes[0])) {
		reply_text(n, h2, h1, head, 404, NULL, 0, "no such page\n");
		return;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		reply_text(n, h2, h1, head, 503, NULL, 0, "out of memory\n");
		return;
	}
	p->n = n;
	p->h2 = h2;
	p->h1 = h1;
	p->head = head;
	p->kind = routes[i].kind;
	snprintf(p->api, sizeof(p->api), "%s", api);
	snprintf(p->own, sizeof(p->own), "%s", cfg->node_id);
	if (read_params(p, query) != 0) {
		reply_text(n, h2, h1, head, 400, NULL, 0,
		           "a query parameter is malformed or too long\n");
		page_free(p);
		return;
	}
	/* operators read as the node itself unless [access] operator_read =
	 * all (the same rule as the API's) */
	p->wide = cfg->operator_read != NULL &&
	          strcmp(cfg->operator_read, "all") == 0;
	if (!p->wide) {
		sp_text_printf(&p->bcast, " ");
		sp_node_broadcasters(n, sp_node_trust(n), cfg->node_id,
		                     &p->bcast);
	}
	if (p->kind == PAGE_PEERS) {
		sp_node_peer_view v[MAX_PEERS];
		size_t k, np = sp_node_peer_views(n, v, MAX_PEERS);

		for (k = 0; k < np; k++)
			snprintf(p->peer_ids[p->n_peer_ids++],
			         sizeof(p->peer_ids[0]), "%s", v[k].id);
	}
	if (!routes[i].store || p->bcast.failed) {
		page_done(p);
		return;
	}
	if ((err = sp_node_work(n, page_work, page_done, p)) != SP_OK) {
		reply_text(n, h2, h1, head, 503, NULL, 0,
		           "the node is busy; try again\n");
		page_free(p);
	}
}

void sp_node_console(sp_node *n, sp_http_req *req)
{
	serve(n, sp_http_req_method(req), sp_http_req_path(req),
	      sp_http_req_query(req), req, NULL, "");
}

/* ---------------------------------------------------------------- listener */

/* The Host of a request to the loopback listener must name loopback: a
 * page of another site that a browser resolves to 127.0.0.1 (DNS
 * rebinding) sends its own name and is refused. */
static int host_is_loopback(const char *host)
{
	char name[64];
	const char *end;
	size_t len;
	unsigned char a[16];
	static const unsigned char one[16] = {[15] = 1};

	if (host == NULL)
		return 0;
	if (host[0] == '[') {
		if ((end = strchr(host, ']')) == NULL)
			return 0;
		host++;
	} else {
		end = strchr(host, ':');
		if (end == NULL)
			end = host + strlen(host);
	}
	len = (size_t)(end - host);
	if (len == 0 || len >= sizeof(name))
		return 0;
	memcpy(name, host, len);
	name[len] = '\0';
	if (strcmp(name, "localhost") == 0)
		return 1;
	if (inet_pton(AF_INET, name, a) == 1)
		return a[0] == 127;
	return inet_pton(AF_INET6, name, a) == 1 && memcmp(a, one, 16) == 0;
}

static const char *method_name(enum evhttp_cmd_type m)
{
	switch (m) {
	case EVHTTP_REQ_GET:
		return "GET";
	case EVHTTP_REQ_HEAD:
		return "HEAD";
	case EVHTTP_REQ_POST:
		return "POST";
	default:
		return "OTHER";
	}
}

static void on_plain(struct evhttp_request *req, void *arg)
{
	sp_console *c = arg;
	sp_node *n = c->n;
	const char *uri = evhttp_request_get_uri(req);
	struct evhttp_uri *u = evhttp_uri_parse_with_flags(uri, 0);
	const char *host =
	    evhttp_find_header(evhttp_request_get_input_headers(req), "Host");
	char api[96];
	const char *addr = sp_node_config(n)->listen_address;

	if (n->stopping) {
		reply_text(n, NULL, req, 0, 503, NULL, 0, "stopping\n");
	} else if (u == NULL || evhttp_uri_get_path(u) == NULL) {
		reply_text(n, NULL, req, 0, 400, NULL, 0, "bad request\n");
	} else if (!host_is_loopback(host)) {
		reply_text(n, NULL, req, 0, 421, NULL, 0,
		           "the console answers requests for localhost or a "
		           "loopback address only\n");
	} else {
		/* links to the API go to the TLS port (an operator's
		 * certificate is needed there) */
		if (addr == NULL || strcmp(addr, "0.0.0.0") == 0 ||
		    strcmp(addr, "::") == 0)
			addr = "127.0.0.1";
		snprintf(api, sizeof(api),
		         strchr(addr, ':') ? "https://[%s]:%u"
		                           : "https://%s:%u",
		         addr, (unsigned)sp_server_port(n->server));
		serve(n, method_name(evhttp_request_get_command(req)),
		      evhttp_uri_get_path(u),
		      evhttp_uri_get_query(u) ? evhttp_uri_get_query(u) : "",
		      NULL, req, api);
	}
	if (u != NULL)
		evhttp_uri_free(u);
}

int sp_node__console_start(sp_node *n)
{
	const sp_config *cfg = sp_node_config(n);
	sp_console *c;
	struct evhttp_bound_socket *bs;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[64];
	unsigned port, bound = 0;
	const char *why;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return -1;
	c->n = n;
	n->console = c;
	if (cfg->console_listen == NULL)
		return 0;
	/* checked when the config was read; again here, as it is the one
	 * thing that keeps the plain listener off the network */
	if (sp_config_console_listen(cfg->console_listen, host, &port, &why) !=
	    0) {
		sp_log(SP_LOG_ERROR, "console_refused",
		       SP_LF_STR("listen", cfg->console_listen),
		       SP_LF_STR("why", why));
		return -1;
	}
	if ((c->http = evhttp_new(n->base)) == NULL)
		return -1;
	evhttp_set_allowed_methods(
	    c->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST |
	                 EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	                 EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH |
	                 EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT);
	evhttp_set_max_headers_size(c->http, 16384);
	evhttp_set_max_body_size(c->http, 4096);
	evhttp_set_timeout(c->http, (int)cfg->idle_timeout);
	evhttp_set_gencb(c->http, on_plain, c);
	if ((bs = evhttp_bind_socket_with_handle(c->http, host,
	                                         (ev_uint16_t)port)) == NULL) {
		sp_log(SP_LOG_ERROR, "listen_failed",
		       SP_LF_STR("what", "console"),
		       SP_LF_STR("listen", cfg->console_listen));
		return -1;
	}
	if (getsockname(evhttp_bound_socket_get_fd(bs), (struct sockaddr *)&ss,
	                &sl) == 0)
		bound = ntohs(ss.ss_family == AF_INET6
		                  ? ((struct sockaddr_in6 *)&ss)->sin6_port
		                  : ((struct sockaddr_in *)&ss)->sin_port);
	sp_log(SP_LOG_INFO, "console_listening", SP_LF_STR("address", host),
	       SP_LF_UINT("port", bound));
	return 0;
}

void sp_node__console_free(sp_console *c)
{
	if (c == NULL)
		return;
	if (c->http != NULL)
		evhttp_free(c->http);
	free(c);
}
