/* fed_status.c (peers): the federation side's figures: per-peer connection,
 * outbox depth, lag and alarms, as Prometheus gauges for /metrics and as
 * the operator's text report for GET /v1/peers ("silkport peers"). */
#include "fed_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct counts_job {
	fed *f;
	sp_fed_outbox_count *c;
	size_t n;
	int err;
} counts_job;

static void counts_work(void *arg)
{
	counts_job *j = arg;
	sp_store_reader *r = sp_node_reader(j->f->n);

	j->err =
	    r == NULL ? SP_ERR_IO : sp_store_fed_outbox_counts(r, &j->c, &j->n);
}

static void counts_done(void *arg)
{
	counts_job *j = arg;
	fed *f = j->f;
	size_t i, k;

	f->counts_busy = 0;
	if (j->err == SP_OK) {
		for (i = 0; i < f->n_peers; i++) {
			fed_peer *p = f->peers[i];

			p->outbox_pending = p->outbox_failed = 0;
			p->outbox_oldest = 0;
			for (k = 0; k < j->n; k++) {
				if (strcmp(j->c[k].peer, p->id) == 0) {
					p->outbox_pending = j->c[k].pending;
					p->outbox_failed = j->c[k].failed;
					p->outbox_oldest = j->c[k].oldest;
				}
			}
			if (p->status == SP_STATUS_REVOKED &&
			    p->outbox_pending > 0)
				fed_abandon(
				    f, p); /* enqueued after the revocation */
		}
	}
	free(j->c);
	free(j);
}

void fed_counts_refresh(fed *f)
{
	counts_job *j;

	if (f->counts_busy || f->stopping ||
	    (j = calloc(1, sizeof(*j))) == NULL)
		return;
	j->f = f;
	f->counts_busy = 1;
	if (fed_pool(f, counts_work, counts_done, j) != SP_OK) {
		f->counts_busy = 0;
		free(j);
	}
}

static uint64_t lag_records(const fed_origin *o)
{
	uint64_t have = 0;
	size_t i;

	for (i = 0; i < o->n_pos; i++)
		if (o->pos[i].next > have)
			have = o->pos[i].next;
	return o->have_cp && o->cp_size > have ? o->cp_size - have : 0;
}

static double lag_seconds(const fed_origin *o, int64_t now)
{
	return o->behind_since_ms && lag_records(o)
	           ? (double)(now - o->behind_since_ms) / 1000.0
	           : 0.0;
}

void fed_metrics(void *state, void *out)
{
	fed *f = state;
	sp_text *t = out;
	int64_t now = fed_now_ms(f);
	size_t i;

	sp_text_printf(
	    t,
	    "# HELP silkport_peer_up 1 if the connection to the peer is up.\n"
	    "# TYPE silkport_peer_up gauge\n");
	for (i = 0; i < f->n_peers; i++) {
		sp_h2_client_state st;

		memset(&st, 0, sizeof(st));
		if (f->peers[i]->client != NULL)
			sp_h2_client_get_state(f->peers[i]->client, &st);
		sp_text_printf(t, "silkport_peer_up{peer=\"%s\"} %d\n",
		               f->peers[i]->id, st.connected ? 1 : 0);
	}
	sp_text_printf(t, "# HELP silkport_outbox_depth Deliveries to the peer "
	                  "still waiting for a receipt.\n"
	                  "# TYPE silkport_outbox_depth gauge\n");
	for (i = 0; i < f->n_peers; i++)
		sp_text_printf(t, "silkport_outbox_depth{peer=\"%s\"} %llu\n",
		               f->peers[i]->id,
		               (unsigned long long)f->peers[i]->outbox_pending);
	sp_text_printf(t, "# HELP silkport_outbox_failed Deliveries to the "
	                  "peer given up (kept, alarmed).\n"
	                  "# TYPE silkport_outbox_failed gauge\n");
	for (i = 0; i < f->n_peers; i++)
		sp_text_printf(t, "silkport_outbox_failed{peer=\"%s\"} %llu\n",
		               f->peers[i]->id,
		               (unsigned long long)f->peers[i]->outbox_failed);
	sp_text_printf(t,
	               "# HELP silkport_peer_lag_records Log positions of the "
	               "peer's latest checkpoint not yet examined here.\n"
	               "# TYPE silkport_peer_lag_records gauge\n");
	for (i = 0; i < f->n_origins; i++)
		if (!f->origins[i]->gone)
			sp_text_printf(
			    t, "silkport_peer_lag_records{peer=\"%s\"} %llu\n",
			    f->origins[i]->id,
			    (unsigned long long)lag_records(f->origins[i]));
	sp_text_printf(t, "# HELP silkport_peer_lag_seconds How long this node "
	                  "has been behind the peer's latest checkpoint.\n"
	                  "# TYPE silkport_peer_lag_seconds gauge\n");
	for (i = 0; i < f->n_origins; i++)
		if (!f->origins[i]->gone)
			sp_text_printf(
			    t, "silkport_peer_lag_seconds{peer=\"%s\"} %.3f\n",
			    f->origins[i]->id, lag_seconds(f->origins[i], now));
	sp_text_printf(t, "# HELP silkport_peer_checkpoint_size Size of the "
	                  "origin's latest checkpoint verified here.\n"
	                  "# TYPE silkport_peer_checkpoint_size gauge\n");
	for (i = 0; i < f->n_origins; i++)
		if (f->origins[i]->have_cp)
			sp_text_printf(
			    t,
			    "silkport_peer_checkpoint_size{origin=\"%s\"} "
			    "%llu\n",
			    f->origins[i]->id,
			    (unsigned long long)f->origins[i]->cp_size);
	sp_text_printf(
	    t, "# HELP silkport_records_proven Records of the origin received "
	       "here (pushed or pulled) proven against its checkpoint.\n"
	       "# TYPE silkport_records_proven gauge\n");
	for (i = 0; i < f->n_origins; i++)
		if (!f->origins[i]->gone)
			sp_text_printf(
			    t, "silkport_records_proven{origin=\"%s\"} %llu\n",
			    f->origins[i]->id,
			    (unsigned long long)f->origins[i]->proven);
	sp_text_printf(t,
	               "# HELP silkport_records_unproven Records of the origin "
	               "received here not yet proven against its checkpoint.\n"
	               "# TYPE silkport_records_unproven gauge\n");
	for (i = 0; i < f->n_origins; i++)
		if (!f->origins[i]->gone)
			sp_text_printf(
			    t, "silkport_records_unproven{origin=\"%s\"} %zu\n",
			    f->origins[i]->id, f->origins[i]->n_unproven);
	sp_text_printf(t,
	               "# HELP silkport_records_unconfirmed_overdue Records "
	               "of the origin received here and not confirmed in a "
	               "witnessed checkpoint within the merge delay.\n"
	               "# TYPE silkport_records_unconfirmed_overdue gauge\n");
	for (i = 0; i < f->n_origins; i++)
		if (!f->origins[i]->gone)
			sp_text_printf(
			    t,
			    "silkport_records_unconfirmed_overdue{"
			    "origin=\"%s\"} %llu\n",
			    f->origins[i]->id,
			    (unsigned long long)f->origins[i]->overdue);
	sp_text_printf(t, "# HELP silkport_witnessed_checkpoint_size Size of "
	                  "the origin's largest checkpoint that the quorum "
	                  "of witnesses cosigned.\n"
	                  "# TYPE silkport_witnessed_checkpoint_size gauge\n");
	for (i = 0; i < f->n_origins; i++)
		if (f->origins[i]->have_wit)
			sp_text_printf(
			    t,
			    "silkport_witnessed_checkpoint_size{origin=\"%s\"} "
			    "%llu\n",
			    f->origins[i]->id,
			    (unsigned long long)f->origins[i]->wit_size);
	sp_text_printf(t,
	               "# HELP silkport_unconfirmed_alarms_total Records "
	               "alarmed for missing the merge delay.\n"
	               "# TYPE silkport_unconfirmed_alarms_total counter\n"
	               "silkport_unconfirmed_alarms_total %llu\n",
	               (unsigned long long)f->unconfirmed_alarms);
	sp_text_printf(t,
	               "# HELP silkport_catchup_gap_alarms_total Sequences "
	               "an origin's signed index addresses here that could "
	               "not be fetched within the merge delay.\n"
	               "# TYPE silkport_catchup_gap_alarms_total counter\n"
	               "silkport_catchup_gap_alarms_total %llu\n",
	               (unsigned long long)f->gap_alarms);
	sp_text_printf(t,
	               "# HELP silkport_refused_at_confirmation_total Records "
	               "never confirmed because their Issued or their "
	               "signer's validity contradicts the existence bound "
	               "their witnesses give.\n"
	               "# TYPE silkport_refused_at_confirmation_total counter\n"
	               "silkport_refused_at_confirmation_total %llu\n",
	               (unsigned long long)f->bounds_alarms);
	sp_text_printf(t,
	               "# HELP silkport_equivocation_alarms Equivocation "
	               "alarms raised by delivery, catch-up and witnessing.\n"
	               "# TYPE silkport_equivocation_alarms "
	               "gauge\nsilkport_equivocation_alarms %llu\n",
	               (unsigned long long)f->equivocation_alarms);
}

/* [FED-58]: "complete" up to the checkpoint only by the origin's signed
 * index notes; with the origin away, what peers gave is "unproven". */
static const char *completeness(const fed_origin *o)
{
	if (o->log_key == NULL)
		return "no-log-key";
	if (o->index_lies > 0)
		return "index-lie";
	if (o->n_gaps > 0)
		return "gaps";
	if (o->have_wit && o->idx_next >= o->wit_size)
		return "complete";
	return o->idx_unproven ? "unproven" : "proving";
}

/* The status report is written once, through these, as text for people
 * (GET /v1/peers, "silkport peers") or as JSON members for scripts
 * (?format=json, "silkport peers --json"): the two cannot drift apart. */
typedef struct report {
	sp_text *t;
	int json;
	int64_t now_ms;
	int first; /* JSON: no member written yet in the current object */
} report;

static void r_key(report *r, const char *key)
{
	if (r->json) {
		sp_text_printf(r->t, "%s\"%s\":", r->first ? "" : ",", key);
		r->first = 0;
	} else {
		sp_text_printf(r->t, "  %-18s ", key);
	}
}

static void r_str(report *r, const char *key, const char *v)
{
	r_key(r, key);
	if (r->json)
		sp_text_json_str(r->t, v);
	else
		sp_text_printf(r->t, "%s\n", v ? v : "-");
}

static void r_uint(report *r, const char *key, uint64_t v)
{
	r_key(r, key);
	sp_text_printf(r->t, r->json ? "%llu" : "%llu\n",
	               (unsigned long long)v);
}

static void r_bool(report *r, const char *key, int v)
{
	r_key(r, key);
	sp_text_printf(r->t, "%s",
	               r->json ? (v ? "true" : "false")
	                       : (v ? "yes\n" : "no\n"));
}

/* A time in ms: RFC 3339 with how long ago for people, Unix seconds (or
 * null for never) for scripts. */
static void r_time(report *r, const char *key, int64_t ms)
{
	char w[SP_WHEN_TEXT_MAX];

	r_key(r, key);
	if (r->json) {
		if (ms > 0)
			sp_text_printf(r->t, "%lld", (long long)(ms / 1000));
		else
			sp_text_printf(r->t, "null");
		return;
	}
	sp_when_text(ms > 0 ? ms / 1000 : 0, r->now_ms / 1000, w);
	sp_text_printf(r->t, "%s\n", w);
}

/* A duration in ms: "3 min 12 s" for people, seconds for scripts. */
static void r_duration(report *r, const char *key, int64_t ms)
{
	char d[SP_DURATION_TEXT_MAX];

	r_key(r, key);
	if (r->json) {
		sp_text_printf(r->t, "%.3f", (double)ms / 1000.0);
		return;
	}
	sp_duration_text(ms / 1000, d);
	sp_text_printf(r->t, "%s\n", d);
}

static void r_open(report *r, const char *key)
{
	if (r->json) {
		r_key(r, key);
		sp_text_printf(r->t, "{");
		r->first = 1;
	}
}

static void r_close(report *r)
{
	if (r->json) {
		sp_text_printf(r->t, "}");
		r->first = 0;
	}
}

static void peer_report(report *r, fed *f, fed_peer *p)
{
	fed_origin *o = fed_origin_find(f, p->id);
	sp_h2_client_state st;
	int64_t ok;
	char buf[400], root[48];

	memset(&st, 0, sizeof(st));
	if (p->client != NULL)
		sp_h2_client_get_state(p->client, &st);
	if (r->json) {
		sp_text_printf(r->t, "{");
		r->first = 1;
		r_str(r, "peer", p->id);
	} else {
		sp_text_printf(r->t, "peer %s\n", p->id);
	}
	r_str(r, "status", sp_status_name(p->status));
	r_bool(r, "connected", st.connected);
	ok = st.last_success_ms > p->last_ok_ms ? st.last_success_ms
	                                        : p->last_ok_ms;
	if (p->federation[0] != '\0') {
		if (r->json) {
			r_str(r, "federation", p->federation);
		} else {
			snprintf(buf, sizeof(buf), "%s (relay)", p->federation);
			r_str(r, "federation", buf);
		}
	}
	r_time(r, "last-success", ok);
	r_time(r, "last-receipt", p->last_receipt_ms);
	if (st.consecutive_failures > 0 || r->json) {
		const char *why = st.consecutive_failures == 0 ? NULL
		                  : st.last_why                ? st.last_why
		                                : sp_strerror(st.last_error);

		if (r->json) {
			r_uint(r, "connect-failures", st.consecutive_failures);
			r_str(r, "connect-error", why);
		} else {
			snprintf(buf, sizeof(buf), "%u (%s)",
			         st.consecutive_failures, why);
			r_str(r, "connect-failures", buf);
		}
	}
	r_uint(r, "outbox-depth", p->outbox_pending);
	r_uint(r, "outbox-failed", p->outbox_failed);
	r_uint(r, "in-flight", p->in_flight);
	r_uint(r, "delivered", p->delivered);
	/* Cleared by a later success (a receipt, a working client): an old
	 * error next to a healthy peer only misleads. */
	if (r->json) {
		r_str(r, "last-error", p->last_error[0] ? p->last_error : NULL);
		r_time(r, "last-error-time",
		       p->last_error[0] ? p->last_error_ms : 0);
	} else if (p->last_error[0]) {
		char w[SP_WHEN_TEXT_MAX];

		sp_when_text(p->last_error_ms / 1000, r->now_ms / 1000, w);
		snprintf(buf, sizeof(buf), "%s, at %s", p->last_error, w);
		r_str(r, "last-error", buf);
	}
	if (o != NULL) {
		r_uint(r, "lag-records", lag_records(o));
		r_duration(r, r->json ? "lag-seconds" : "lag-time",
		           (int64_t)(lag_seconds(o, r->now_ms) * 1000.0));
		if (o->have_cp)
			sp_b64_encode(o->cp_root, 32, root, sizeof(root));
		if (r->json) {
			r_open(r, "checkpoint");
			if (o->have_cp) {
				r_uint(r, "size", o->cp_size);
				r_str(r, "root", root);
				r_time(r, "seen", o->cp_seen_ms);
			}
			r_close(r);
			r_open(r, "catch-up");
			r_uint(r, "pulled", o->pulled);
			r_uint(r, "refused", o->refused);
			r_uint(r, "proven", o->proven);
			r_uint(r, "unproven", o->n_unproven);
			r_close(r);
			r_open(r, "witnessed");
			if (o->have_wit) {
				r_uint(r, "size", o->wit_size);
				r_uint(r, "cosigners", o->wit_cosigners);
			}
			r_close(r);
			r_open(r, "confirmation");
			r_uint(r, "confirmed", o->proven);
			r_uint(r, "pending", o->n_unproven);
			r_uint(r, "overdue", o->overdue);
			r_uint(r, "overdue-alarms", o->overdue_alarms);
			r_close(r);
			r_open(r, "completeness");
			r_uint(r, "proven-to", o->idx_next);
			r_str(r, "state", completeness(o));
			r_uint(r, "gaps", o->n_gaps);
			r_uint(r, "gap-alarms", o->gap_alarms);
			r_uint(r, "index-lies", o->index_lies);
			r_close(r);
		} else {
			if (o->have_cp) {
				snprintf(buf, sizeof(buf), "size %llu root %s",
				         (unsigned long long)o->cp_size, root);
				r_str(r, "checkpoint", buf);
				r_time(r, "checkpoint-seen", o->cp_seen_ms);
			} else {
				r_str(r, "checkpoint", "none");
			}
			snprintf(buf, sizeof(buf),
			         "%llu pulled, %llu refused, %llu proven, %zu "
			         "unproven",
			         (unsigned long long)o->pulled,
			         (unsigned long long)o->refused,
			         (unsigned long long)o->proven, o->n_unproven);
			r_str(r, "catch-up", buf);
			if (o->have_wit)
				snprintf(buf, sizeof(buf),
				         "size %llu, %u cosigner(s)",
				         (unsigned long long)o->wit_size,
				         o->wit_cosigners);
			else
				snprintf(buf, sizeof(buf),
				         "none (%u cosigner(s) of the latest)",
				         o->cp_cosigners);
			r_str(r, "witnessed", buf);
			snprintf(buf, sizeof(buf),
			         "%zu pending, %llu past the merge delay "
			         "(%llu alarmed)",
			         o->n_unproven, (unsigned long long)o->overdue,
			         (unsigned long long)o->overdue_alarms);
			r_str(r, "confirmation", buf);
			snprintf(buf, sizeof(buf),
			         "%s, proven to %llu, %zu gap(s) (%llu "
			         "alarmed), %llu index lie(s)",
			         completeness(o),
			         (unsigned long long)o->idx_next, o->n_gaps,
			         (unsigned long long)o->gap_alarms,
			         (unsigned long long)o->index_lies);
			r_str(r, "completeness", buf);
		}
	}
	r_uint(
	    r, "alarms",
	    p->alarms +
	        (o ? o->equivocations + o->overdue_alarms + o->gap_alarms : 0));
	if (p->last_alarm[0] || r->json)
		r_str(r, "last-alarm", p->last_alarm[0] ? p->last_alarm : NULL);
	if (o != NULL && o->last_alarm[0] &&
	    strcmp(o->last_alarm, p->last_alarm) != 0)
		r_str(r, "origin-alarm", o->last_alarm);
	if (r->json)
		sp_text_printf(r->t, "}");
}

/* A newer home list this node holds back for want of its witnesses'
 * cosignatures (SPEC [TL-82]): shown until a newer list is installed. */
static void pending_list(fed *f, sp_text *t, int json)
{
	uint64_t held = sp_trust_list(sp_node_trust(f->n))->sequence;
	int pending = f->tl_pending_seq > held;

	if (json) {
		sp_text_printf(t, ",\"trust-list-pending\": ");
		if (!pending) {
			sp_text_printf(t, "null");
			return;
		}
		sp_text_printf(t,
		               "{\"sequence\": %llu, \"digest\": \"%s\", "
		               "\"cosigners\": %u, \"quorum\": %u, "
		               "\"held\": %llu}",
		               (unsigned long long)f->tl_pending_seq,
		               f->tl_pending_digest, f->tl_pending_cosigners,
		               f->tl_pending_quorum, (unsigned long long)held);
		return;
	}
	if (pending)
		sp_text_printf(t,
		               "trust-list-pending sequence %llu %s: %u of %u "
		               "witness cosignature(s), sequence %llu kept\n",
		               (unsigned long long)f->tl_pending_seq,
		               f->tl_pending_digest, f->tl_pending_cosigners,
		               f->tl_pending_quorum, (unsigned long long)held);
}

static void status_report(fed *f, sp_text *t, int json)
{
	report r;
	size_t i;

	memset(&r, 0, sizeof(r));
	r.t = t;
	r.json = json;
	r.now_ms = fed_now_ms(f);
	if (json) {
		/* members of the caller's object: it writes what comes before
		 */
		sp_text_printf(t, ",");
		r.first = 1;
	}
	if (json) {
		r_uint(&r, "equivocation-alarms", f->equivocation_alarms);
		r_uint(&r, "delivery-alarms", f->delivery_alarms);
		pending_list(f, t, 1);
		sp_text_printf(t, ",");
		fed_recover_status(f, t, 1);
		sp_text_printf(t, ",\"peers\":[");
	} else {
		sp_text_printf(
		    t, "equivocation-alarms %llu\ndelivery-alarms %llu\n",
		    (unsigned long long)f->equivocation_alarms,
		    (unsigned long long)f->delivery_alarms);
		pending_list(f, t, 0);
		fed_recover_status(f, t, 0);
	}
	for (i = 0; i < f->n_peers; i++) {
		if (json && i > 0)
			sp_text_printf(t, ",");
		peer_report(&r, f, f->peers[i]);
	}
	if (json)
		sp_text_printf(t, "]");
}

void fed_status(void *state, void *out)
{
	status_report(state, out, 0);
}

void fed_status_json(void *state, void *out)
{
	status_report(state, out, 1);
}

size_t fed_peer_views(void *state, sp_node_peer_view *out, size_t cap)
{
	fed *f = state;
	int64_t now = fed_now_ms(f);
	size_t i, n = 0;

	for (i = 0; i < f->n_peers && n < cap; i++) {
		fed_peer *p = f->peers[i];
		fed_origin *o = fed_origin_find(f, p->id);
		sp_node_peer_view *v = &out[n++];
		sp_h2_client_state st;

		memset(&st, 0, sizeof(st));
		if (p->client != NULL)
			sp_h2_client_get_state(p->client, &st);
		memset(v, 0, sizeof(*v));
		snprintf(v->id, sizeof(v->id), "%s", p->id);
		snprintf(v->federation, sizeof(v->federation), "%s",
		         p->federation);
		v->status = p->status;
		v->connected = st.connected;
		v->last_success_ms = st.last_success_ms > p->last_ok_ms
		                         ? st.last_success_ms
		                         : p->last_ok_ms;
		v->last_receipt_ms = p->last_receipt_ms;
		v->connect_failures = st.consecutive_failures;
		snprintf(v->last_error, sizeof(v->last_error), "%s",
		         p->last_error);
		v->last_error_ms = p->last_error[0] ? p->last_error_ms : 0;
		if (!p->last_error[0] && st.consecutive_failures > 0) {
			snprintf(v->last_error, sizeof(v->last_error),
			         "cannot connect: %s",
			         st.last_why ? st.last_why
			                     : sp_strerror(st.last_error));
			v->last_error_ms = st.last_failure_ms;
		}
		v->outbox_depth = p->outbox_pending;
		v->outbox_failed = p->outbox_failed;
		v->delivered = p->delivered;
		/* records past the merge delay are alarms about the origin
		 * too ([FED-56]): status and the console show them */
		v->alarms =
		    p->alarms +
		    (o ? o->equivocations + o->overdue_alarms + o->gap_alarms
		       : 0);
		snprintf(v->last_alarm, sizeof(v->last_alarm), "%s",
		         p->last_alarm[0] ? p->last_alarm
		         : o != NULL      ? o->last_alarm
		                          : "");
		if (o != NULL) {
			v->lag_records = lag_records(o);
			v->lag_seconds = lag_seconds(o, now);
			v->have_checkpoint = o->have_cp;
			v->checkpoint_size = o->cp_size;
			v->checkpoint_seen_ms = o->cp_seen_ms;
		}
	}
	return n;
}
