/* node.c: what a running node offers the floors above it (node.h): its
 * parts, work on the pool, readiness, metrics, and the extension calls. */
#include "console_int.h"
#include "node_int.h"
#include "relay_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* ---------------------------------------------------------------- parts */

const sp_config *sp_node_config(const sp_node *n)
{
	return n->cfg;
}

struct event_base *sp_node_event_base(sp_node *n)
{
	return n->base;
}

sp_store *sp_node_store(sp_node *n)
{
	return n->store;
}

const sp_limits *sp_node_limits(const sp_node *n)
{
	return &n->limits;
}

sp_trust *sp_node_trust(sp_node *n)
{
	return n->trust;
}

const sp_anchors *sp_node_anchors(const sp_node *n)
{
	return n->anchors;
}

sp_note_signer *sp_node_log_signer(sp_node *n)
{
	return n->log_signer;
}

int sp_node_work(sp_node *n, void (*work)(void *arg), void (*done)(void *arg),
                 void *arg)
{
	return sp_pool_submit(n->pool, work, done, arg);
}

int sp_node_work_first(sp_node *n, void (*work)(void *arg),
                       void (*done)(void *arg), void *arg)
{
	return sp_pool_submit_first(n->pool, work, done, arg);
}

int sp_node_ready(sp_node *n, const char **why)
{
	int64_t now = (int64_t)time(NULL), valid_at;
	sp_store_health h;

	*why = NULL;
	if (n->stopping) {
		*why = "stopping";
		return SP_ERR_UNAVAILABLE;
	}
	/* faults first, then the states that pass by themselves */
	valid_at = now - n->cfg->expiry_grace;
	if (sp_trust_expired(n->trust, valid_at) ||
	    sp_node__relay_expired(n, valid_at))
		*why = "the trust list has expired";
	else if (sp_node_list_stale(n))
		*why = "the trust list is stale: no fresh statement of its "
		       "timestamp key (trust-list-stale)";
	else if (sp_node__expiry_check(n, now, NULL, n->ready_why,
	                               sizeof(n->ready_why)))
		*why = n->ready_why;
	else if (sp_store_health_get(n->store, &h), h.failing) {
		snprintf(n->ready_why, sizeof(n->ready_why),
		         "the store cannot commit: %s: %s (%llu storage "
		         "errors)",
		         sp_strerror(h.last_err), h.why,
		         (unsigned long long)h.errors);
		*why = n->ready_why;
	} else if (n->own_equivocation[0] != '\0') {
		snprintf(n->ready_why, sizeof(n->ready_why),
		         "the own log is in equivocation: %s",
		         n->own_equivocation);
		*why = n->ready_why;
	} else if (n->fenced) {
		snprintf(n->ready_why, sizeof(n->ready_why), "fenced: %s",
		         n->fence_why);
		*why = n->ready_why;
	} else if (!n->checkpoint_ok)
		*why = "the own log has no checkpoint yet";
	return *why == NULL ? SP_OK : SP_ERR_UNAVAILABLE;
}

void sp_node_ready_warnings(sp_node *n, sp_text *out)
{
	char fail[256];

	sp_node__expiry_check(n, (int64_t)time(NULL), out, fail, sizeof(fail));
}

/* ---------------------------------------------------------------- metrics */

void sp_node_count_request(sp_node *n, sp_endpoint ep, int status)
{
	sp_metrics_request(n->metrics, ep, status);
}

void sp_node_count_rejected(sp_node *n, int err)
{
	sp_metrics_rejected(n->metrics, err);
}

void sp_node_count(sp_node *n, sp_counter_id c, uint64_t delta)
{
	sp_metrics_count(n->metrics, c, delta);
}

void sp_node_observe(sp_node *n, sp_histogram_id h, double seconds)
{
	sp_metrics_observe(n->metrics, h, seconds);
}

char *sp_node_metrics_text(sp_node *n, size_t *len)
{
	sp_server_stats ss;
	sp_text extra = {0};
	sp_node_event_args a = {.out = &extra};
	char *body;

	sp_server_get_stats(n->server, &ss);
	sp_text_printf(
	    &extra,
	    "# HELP silkport_connections Open client connections.\n"
	    "# TYPE silkport_connections gauge\nsilkport_connections %llu\n"
	    "# HELP silkport_connections_total Connections accepted.\n"
	    "# TYPE silkport_connections_total "
	    "counter\nsilkport_connections_total %llu\n"
	    "# HELP silkport_connections_dropped_total Connections dropped, by "
	    "cause.\n"
	    "# TYPE silkport_connections_dropped_total counter\n"
	    "silkport_connections_dropped_total{cause=\"flood\"} %llu\n"
	    "silkport_connections_dropped_total{cause=\"timeout\"} %llu\n"
	    "silkport_connections_dropped_total{cause=\"limits\"} %llu\n"
	    "silkport_connections_dropped_total{cause=\"handshake\"} %llu\n"
	    "# HELP silkport_streams Open HTTP/2 streams.\n"
	    "# TYPE silkport_streams gauge\nsilkport_streams %llu\n"
	    "# HELP silkport_buffered_bytes Request and response bytes held in "
	    "memory.\n"
	    "# TYPE silkport_buffered_bytes gauge\nsilkport_buffered_bytes "
	    "%llu\n"
	    "# HELP silkport_worker_queue Jobs waiting for a worker.\n"
	    "# TYPE silkport_worker_queue gauge\nsilkport_worker_queue %zu\n"
	    "# HELP silkport_trust_list_sequence Sequence of the trust list in "
	    "force.\n"
	    "# TYPE silkport_trust_list_sequence "
	    "gauge\nsilkport_trust_list_sequence %llu\n"
	    "# HELP silkport_trust_list_seconds_left Seconds until the trust "
	    "list's NextUpdate.\n"
	    "# TYPE silkport_trust_list_seconds_left "
	    "gauge\nsilkport_trust_list_seconds_left %lld\n"
	    "# HELP silkport_log_size Leaves in this node's own log (last "
	    "checkpoint).\n"
	    "# TYPE silkport_log_size gauge\nsilkport_log_size{origin=\"%s\"} "
	    "%llu\n",
	    (unsigned long long)ss.conns_open,
	    (unsigned long long)ss.conns_accepted,
	    (unsigned long long)ss.dropped_flood,
	    (unsigned long long)ss.dropped_timeout,
	    (unsigned long long)ss.dropped_limits,
	    (unsigned long long)ss.handshakes_failed,
	    (unsigned long long)ss.streams_open,
	    (unsigned long long)ss.buffered_bytes, sp_pool_queued(n->pool),
	    (unsigned long long)sp_trust_list(n->trust)->sequence,
	    (long long)(sp_trust_list(n->trust)->next_update -
	                (int64_t)time(NULL)),
	    n->cfg->node_id, (unsigned long long)n->checkpoint_size);
	sp_node__expiry_metrics(n, &extra, (int64_t)time(NULL));
	sp_node__fresh_metrics(n, &extra, (int64_t)time(NULL));
	sp_node__health_metrics(n, &extra);
	sp_node__notify(n, SP_NODE_EV_METRICS, &a);
	body =
	    sp_metrics_render(n->metrics, extra.failed ? NULL : extra.buf, len);
	sp_text_free(&extra);
	return body;
}

void sp_node_status_text(sp_node *n, sp_text *out)
{
	sp_node_event_args a = {.out = out};

	sp_node__notify(n, SP_NODE_EV_STATUS, &a);
}

void sp_node_status_json(sp_node *n, sp_text *out)
{
	sp_node_event_args a = {.out = out};

	sp_node__notify(n, SP_NODE_EV_STATUS_JSON, &a);
}

size_t sp_node_peer_views(sp_node *n, sp_node_peer_view *out, size_t cap)
{
	size_t i, got = 0;

	for (i = 0; i < n->n_ext; i++)
		if (n->ext[i]->peer_views != NULL && got < cap)
			got += n->ext[i]->peer_views(n->ext_state[i], out + got,
			                             cap - got);
	return got;
}

/* ---------------------------------------------------------------- extensions
 */

void sp_node__notify(sp_node *n, sp_node_event ev, const sp_node_event_args *a)
{
	static const sp_node_event_args none;
	size_t i;

	if (a == NULL)
		a = &none;
	sp_node__console_note(n, (int)ev, a);
	for (i = 0; i < n->n_ext; i++) {
		const sp_node_extension *x = n->ext[i];
		void *st = n->ext_state[i];

		switch (ev) {
		case SP_NODE_EV_TICK:
			if (x->tick != NULL)
				x->tick(st);
			break;
		case SP_NODE_EV_OWN_RECORD_STORED:
			if (x->own_record_stored != NULL)
				x->own_record_stored(st, a->record_id,
				                     a->sequence);
			break;
		case SP_NODE_EV_RELAY_STORED:
			if (x->relay_stored != NULL)
				x->relay_stored(st, a->record_id);
			break;
		case SP_NODE_EV_RECORD_RECEIVED:
			if (x->record_received != NULL)
				x->record_received(st, a->origin, a->sequence,
				                   a->digest);
			break;
		case SP_NODE_EV_TRUST_CHANGED:
			if (x->trust_changed != NULL)
				x->trust_changed(st);
			break;
		case SP_NODE_EV_METRICS:
			if (x->metrics != NULL)
				x->metrics(st, a->out);
			break;
		case SP_NODE_EV_STATUS:
			if (x->status != NULL)
				x->status(st, a->out);
			break;
		case SP_NODE_EV_STATUS_JSON:
			if (x->status_json != NULL)
				x->status_json(st, a->out);
			break;
		case SP_NODE_EV_LIST_NEWER:
			if (x->list_newer != NULL)
				x->list_newer(st, a->origin, a->sequence);
			break;
		}
	}
}
