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
	int64_t now = sp_clock_wall_ms();
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
	               "# HELP silkport_equivocation_alarms Equivocation "
	               "alarms raised by delivery, catch-up and witnessing.\n"
	               "# TYPE silkport_equivocation_alarms "
	               "gauge\nsilkport_equivocation_alarms %llu\n",
	               (unsigned long long)f->equivocation_alarms);
}

static void when(sp_text *t, const char *label, int64_t ms, int64_t now)
{
	char tbuf[SP_TIME_TEXT_MAX];

	if (ms <= 0 || sp_time_format(ms / 1000, tbuf) != SP_OK)
		sp_text_printf(t, "  %-18s never\n", label);
	else
		sp_text_printf(t, "  %-18s %s (%llds ago)\n", label, tbuf,
		               (long long)((now - ms) / 1000));
}

void fed_status(void *state, void *out)
{
	fed *f = state;
	sp_text *t = out;
	int64_t now = sp_clock_wall_ms();
	size_t i;

	sp_text_printf(t, "equivocation-alarms %llu\ndelivery-alarms %llu\n",
	               (unsigned long long)f->equivocation_alarms,
	               (unsigned long long)f->delivery_alarms);
	for (i = 0; i < f->n_peers; i++) {
		fed_peer *p = f->peers[i];
		fed_origin *o = fed_origin_find(f, p->id);
		sp_h2_client_state st;
		int64_t ok;

		memset(&st, 0, sizeof(st));
		if (p->client != NULL)
			sp_h2_client_get_state(p->client, &st);
		sp_text_printf(t, "peer %s\n  %-18s %s\n  %-18s %s\n", p->id,
		               "status", sp_status_name(p->status), "connected",
		               st.connected ? "yes" : "no");
		ok = st.last_success_ms > p->last_ok_ms ? st.last_success_ms
		                                        : p->last_ok_ms;
		if (p->federation[0] != '\0')
			sp_text_printf(t, "  %-18s %s (relay)\n", "federation",
			               p->federation);
		when(t, "last-success", ok, now);
		when(t, "last-receipt", p->last_receipt_ms, now);
		if (st.consecutive_failures > 0)
			sp_text_printf(
			    t, "  %-18s %u (%s)\n", "connect-failures",
			    st.consecutive_failures,
			    st.last_why ? st.last_why
			                : sp_strerror(st.last_error));
		sp_text_printf(
		    t,
		    "  %-18s %llu\n  %-18s %llu\n  %-18s %zu\n  %-18s %llu\n",
		    "outbox-depth", (unsigned long long)p->outbox_pending,
		    "outbox-failed", (unsigned long long)p->outbox_failed,
		    "in-flight", p->in_flight, "delivered",
		    (unsigned long long)p->delivered);
		if (p->last_error[0])
			sp_text_printf(t, "  %-18s %s\n", "last-error",
			               p->last_error);
		if (o != NULL) {
			sp_text_printf(t, "  %-18s %llu\n  %-18s %.3f\n",
			               "lag-records",
			               (unsigned long long)lag_records(o),
			               "lag-seconds", lag_seconds(o, now));
			if (o->have_cp) {
				char root[48];

				sp_b64_encode(o->cp_root, 32, root,
				              sizeof(root));
				sp_text_printf(t, "  %-18s size %llu root %s\n",
				               "checkpoint",
				               (unsigned long long)o->cp_size,
				               root);
				when(t, "checkpoint-seen", o->cp_seen_ms, now);
			} else {
				sp_text_printf(t, "  %-18s none\n",
				               "checkpoint");
			}
			sp_text_printf(
			    t,
			    "  %-18s %llu pulled, %llu refused, %llu proven, "
			    "%zu unproven\n",
			    "catch-up", (unsigned long long)o->pulled,
			    (unsigned long long)o->refused,
			    (unsigned long long)o->proven, o->n_unproven);
		}
		sp_text_printf(
		    t, "  %-18s %llu\n", "alarms",
		    (unsigned long long)(p->alarms +
		                         (o ? o->equivocations : 0)));
		if (p->last_alarm[0])
			sp_text_printf(t, "  %-18s %s\n", "last-alarm",
			               p->last_alarm);
		if (o != NULL && o->last_alarm[0] &&
		    strcmp(o->last_alarm, p->last_alarm) != 0)
			sp_text_printf(t, "  %-18s %s\n", "origin-alarm",
			               o->last_alarm);
	}
}
