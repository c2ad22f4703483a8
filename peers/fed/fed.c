/* fed.c (peers): the federation side as a node extension: its life cycle,
 * the per-member client set built from the trust list, the once-a-second
 * tick that drives delivery retries, catch-up, witnessing and trust-list
 * polls, and equivocation alarms. */
#include "fed_int.h"
#include "fed.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- references
 */

static void fed_free(fed *f)
{
	size_t i;

	for (i = 0; i < f->n_origins; i++)
		fed_origin_free(f->origins[i]);
	fed_recover_free(f->recover);
	free(f);
}

int64_t fed_now_ms(const fed *f)
{
	return f->clock_ms != NULL ? f->clock_ms() : sp_clock_wall_ms();
}

void fed_ref(fed *f)
{
	f->refs++;
}

void fed_unref(fed *f)
{
	if (--f->refs == 0)
		fed_free(f);
}

void fed_peer_ref(fed_peer *p)
{
	p->refs++;
}

void fed_peer_unref(fed_peer *p)
{
	if (--p->refs > 0)
		return;
	fed_deliver_drop(p);
	sp_h2_client_free(p->client);
	free(p->fly_ids);
	free(p->cert_der);
	free(p->next_cert_der);
	free(p->endpoint);
	free(p);
}

typedef struct pool_call {
	fed *f;
	void (*work)(void *);
	void (*done)(void *);
	void *arg;
} pool_call;

static void pool_work(void *arg)
{
	pool_call *c = arg;

	c->work(c->arg);
}

static void pool_done(void *arg)
{
	pool_call *c = arg;
	fed *f = c->f;

	if (c->done != NULL)
		c->done(c->arg);
	free(c);
	fed_unref(f);
}

static int pool_call_queue(fed *f, void (*work)(void *), void (*done)(void *),
                           void *arg, int first)
{
	pool_call *c = malloc(sizeof(*c));
	int err;

	if (c == NULL)
		return SP_ERR_NOMEM;
	c->f = f;
	c->work = work;
	c->done = done;
	c->arg = arg;
	fed_ref(f);
	err = first ? sp_node_work_first(f->n, pool_work, pool_done, c)
	            : sp_node_work(f->n, pool_work, pool_done, c);
	if (err != SP_OK) {
		free(c);
		fed_unref(f);
	}
	return err;
}

int fed_pool(fed *f, void (*work)(void *), void (*done)(void *), void *arg)
{
	return pool_call_queue(f, work, done, arg, 0);
}

int fed_pool_first(fed *f, void (*work)(void *), void (*done)(void *),
                   void *arg)
{
	return pool_call_queue(f, work, done, arg, 1);
}

fed_peer *fed_peer_find(fed *f, const char *id)
{
	size_t i;

	for (i = 0; i < f->n_peers; i++)
		if (strcmp(f->peers[i]->id, id) == 0)
			return f->peers[i];
	return NULL;
}

fed_origin *fed_origin_find(fed *f, const char *id)
{
	size_t i;

	for (i = 0; i < f->n_origins; i++)
		if (strcmp(f->origins[i]->id, id) == 0)
			return f->origins[i];
	return NULL;
}

int fed_peer_usable(const fed_peer *p)
{
	sp_h2_client_state st;

	if (p->client == NULL || p->gone || p->status != SP_STATUS_ACTIVE)
		return 0;
	sp_h2_client_get_state(p->client, &st);
	return st.connected || st.next_reconnect_ms == 0 ||
	       st.next_reconnect_ms <= fed_now_ms(p->f);
}

void fed_equivocation_alarm(fed *f, const char *origin, const char *kind,
                            const char *detail)
{
	fed_origin *o = fed_origin_find(f, origin);
	fed_peer *p = fed_peer_find(f, origin);

	f->equivocation_alarms++;
	sp_node_count(f->n, SP_CTR_EQUIVOCATIONS, 1);
	sp_log(SP_LOG_ERROR, "equivocation_alarm", SP_LF_STR("kind", kind),
	       SP_LF_STR("origin", origin), SP_LF_STR("detail", detail));
	if (o != NULL) {
		o->equivocations++;
		snprintf(o->last_alarm, sizeof(o->last_alarm), "%s: %s", kind,
		         detail);
	}
	if (p != NULL) {
		snprintf(p->last_alarm, sizeof(p->last_alarm),
		         "equivocation %s: %s", kind, detail);
	}
}

/* ---------------------------------------------------------------- peer set */

/* "https://HOST[:PORT][/...]" into host and port. */
static int parse_endpoint(const char *url, char *host, size_t cap,
                          uint16_t *port)
{
	const char *h, *end, *colon;
	uint64_t v = 443;
	size_t len;

	if (strncmp(url, "https://", 8) != 0)
		return -1;
	h = url + 8;
	end = h + strcspn(h, "/?#");
	if (*h == '[') {
		const char *rb = memchr(h, ']', (size_t)(end - h));

		if (rb == NULL)
			return -1;
		len = (size_t)(rb - h - 1);
		if (len == 0 || len >= cap)
			return -1;
		memcpy(host, h + 1, len);
		host[len] = '\0';
		colon = rb + 1 < end && rb[1] == ':' ? rb + 1 : NULL;
	} else {
		colon = memchr(h, ':', (size_t)(end - h));
		len = (size_t)((colon ? colon : end) - h);
		if (len == 0 || len >= cap)
			return -1;
		memcpy(host, h, len);
		host[len] = '\0';
	}
	if (colon != NULL && (sp_parse_u64(colon + 1, (size_t)(end - colon - 1),
	                                   INT64_MAX, &v) != SP_OK ||
	                      v == 0 || v > 65535))
		return -1;
	*port = (uint16_t)v;
	return 0;
}

static int make_client(fed *f, fed_peer *p, const sp_tl_member *m)
{
	sp_node *n = f->n;
	const sp_config *cfg = sp_node_config(n);
	sp_h2_client_config cc;
	const char *cas[SP_CONFIG_MAX_LIST + 1];
	char host[256];
	uint16_t port;
	const char *why = NULL;
	size_t i;
	int err;

	if (m->n_endpoints == 0 || m->tls_cert_der == NULL ||
	    parse_endpoint(m->endpoints[0], host, sizeof(host), &port) != 0) {
		snprintf(p->last_error, sizeof(p->last_error),
		         "no usable https endpoint");
		p->last_error_ms = fed_now_ms(f);
		return -1;
	}
	for (i = 0; i < cfg->n_anchors && i < SP_CONFIG_MAX_LIST; i++)
		cas[i] = cfg->anchors[i];
	cas[i] = NULL;
	sp_h2_client_config_default(&cc);
	cc.host = host;
	cc.port = port;
	cc.cert_file = cfg->tls_cert;
	cc.key_file = cfg->tls_key;
	cc.ca_files = cas;
	/* a member of another federation: this node's identity there */
	if (p->federation[0] != '\0' && fed_relay_client(f, p, &cc, cas) != 0) {
		snprintf(p->last_error, sizeof(p->last_error),
		         "no identity in federation %s", p->federation);
		p->last_error_ms = fed_now_ms(f);
		return -1;
	}
	/* either slot may answer during a rotation (SPEC TL-79) */
	cc.pinned_cert_der = m->tls_cert_der;
	cc.pinned_cert_der_len = m->tls_cert_der_len;
	cc.pinned_next_cert_der = m->next_tls_cert_der;
	cc.pinned_next_cert_der_len = m->next_tls_cert_der_len;
	cc.allow_tls12 = cfg->tls12;
	cc.backoff_base_ms = 250;
	cc.backoff_cap_ms = cfg->retry_max * 1000 < 60000
	                        ? (uint32_t)(cfg->retry_max * 1000)
	                        : 60000;
	if ((err = sp_h2_client_new(sp_node_event_base(n), &cc, &p->client,
	                            &why)) != SP_OK) {
		sp_log(
		    SP_LOG_WARN, "peer_client_failed", SP_LF_STR("peer", p->id),
		    SP_LF_STR("err", sp_strerror(err)), SP_LF_STR("why", why));
		snprintf(p->last_error, sizeof(p->last_error), "client: %s",
		         why ? why : sp_strerror(err));
		p->last_error_ms = fed_now_ms(f);
		return -1;
	}
	free(p->cert_der);
	free(p->endpoint);
	p->cert_der = malloc(m->tls_cert_der_len);
	p->endpoint = strdup(m->endpoints[0]);
	if (p->cert_der != NULL)
		memcpy(p->cert_der, m->tls_cert_der, m->tls_cert_der_len);
	p->cert_len = p->cert_der ? m->tls_cert_der_len : 0;
	free(p->next_cert_der);
	p->next_cert_der = NULL;
	p->next_cert_len = 0;
	if (m->next_tls_cert_der != NULL &&
	    (p->next_cert_der = malloc(m->next_tls_cert_der_len)) != NULL) {
		memcpy(p->next_cert_der, m->next_tls_cert_der,
		       m->next_tls_cert_der_len);
		p->next_cert_len = m->next_tls_cert_der_len;
	}
	p->last_error[0] = '\0'; /* a working client clears an old error */
	fed_trust_announce(f);
	return 0;
}

/* 1 if the client's second pin is still m's NextTlsCertificate. */
static int same_next_pin(const fed_peer *p, const sp_tl_member *m)
{
	if (m->next_tls_cert_der == NULL || p->next_cert_der == NULL)
		return m->next_tls_cert_der == NULL && p->next_cert_der == NULL;
	return m->next_tls_cert_der_len == p->next_cert_len &&
	       memcmp(m->next_tls_cert_der, p->next_cert_der,
	              p->next_cert_len) == 0;
}

static void drop_client(fed_peer *p)
{
	sp_h2_client *c = p->client;

	p->client = NULL;
	sp_h2_client_free(c); /* pending requests end with "client closed" */
}

typedef struct abandon_job {
	fed *f;
	fed_peer *p;
	char peer[SP_NODE_ID_MAX + 1];
	int err;
} abandon_job;

static void abandon_work(void *arg)
{
	abandon_job *a = arg;

	a->err = sp_store_fed_abandon_peer(
	    sp_node_store(a->f->n), a->peer,
	    "abandoned: the recipient is revoked (FED-6)");
}

static void abandon_done(void *arg)
{
	abandon_job *a = arg;

	sp_log(a->err == SP_OK ? SP_LOG_WARN : SP_LOG_ERROR,
	       "deliveries_abandoned", SP_LF_STR("peer", a->peer),
	       SP_LF_STR("why", "revoked"),
	       SP_LF_STR("err", sp_strerror(a->err)));
	a->p->abandoning = 0;
	fed_peer_unref(a->p);
	free(a);
}

void fed_abandon(fed *f, fed_peer *p)
{
	abandon_job *a;

	if (f->stopping || p->abandoning || (a = calloc(1, sizeof(*a))) == NULL)
		return;
	a->f = f;
	a->p = p;
	fed_peer_ref(p);
	p->abandoning = 1;
	snprintf(a->peer, sizeof(a->peer), "%s", p->id);
	if (fed_pool(f, abandon_work, abandon_done, a) != SP_OK) {
		p->abandoning = 0;
		fed_peer_unref(p);
		free(a);
	}
}

/* The origin's NextLogKey follows the list, absent included. */
static void set_next_log_key(fed_origin *o, const sp_tl_member *m)
{
	if (m->next_log_key == NULL ||
	    (o->next_log_key != NULL &&
	     strcmp(o->next_log_key, m->next_log_key) != 0)) {
		free(o->next_log_key);
		o->next_log_key = NULL;
	}
	if (m->next_log_key != NULL && o->next_log_key == NULL)
		o->next_log_key = strdup(m->next_log_key);
}

static fed_origin *origin_new(const sp_tl_member *m)
{
	fed_origin *o = calloc(1, sizeof(*o));

	if (o == NULL)
		return NULL;
	snprintf(o->id, sizeof(o->id), "%s", m->node_id);
	return o;
}

void fed_peer_update(fed *f, const sp_tl_member *m, const char *federation)
{
	fed_peer *p;
	sp_member_status was;

	if ((p = fed_peer_find(f, m->node_id)) != NULL && !p->gone &&
	    strcmp(p->federation, federation) != 0)
		return; /* known already through another list (home first) */
	if (p == NULL) {
		if (f->n_peers == FED_MAX_PEERS ||
		    (p = calloc(1, sizeof(*p))) == NULL)
			return;
		p->f = f;
		p->refs = 1;
		p->status = SP_STATUS_ACTIVE;
		snprintf(p->id, sizeof(p->id), "%s", m->node_id);
		f->peers[f->n_peers++] = p;
	}
	if (strcmp(p->federation, federation) != 0) {
		drop_client(p); /* another identity is needed to reach it */
		snprintf(p->federation, sizeof(p->federation), "%s",
		         federation);
	}
	p->gone = 0;
	was = p->status;
	p->status = m->status;
	if (m->status != SP_STATUS_ACTIVE) {
		if (p->client != NULL)
			sp_log(SP_LOG_WARN, "peer_dropped",
			       SP_LF_STR("peer", p->id),
			       SP_LF_STR("status", sp_status_name(m->status)));
		drop_client(p);
		fed_deliver_drop(p);
		if (m->status == SP_STATUS_REVOKED && was != SP_STATUS_REVOKED)
			fed_abandon(f, p);
		return;
	}
	if (p->client != NULL &&
	    (m->tls_cert_der_len != p->cert_len || p->cert_der == NULL ||
	     memcmp(m->tls_cert_der, p->cert_der, p->cert_len) != 0 ||
	     !same_next_pin(p, m) || m->n_endpoints == 0 ||
	     p->endpoint == NULL ||
	     strcmp(m->endpoints[0], p->endpoint) != 0)) {
		sp_log(SP_LOG_INFO, "peer_changed", SP_LF_STR("peer", p->id));
		drop_client(p);
	}
	if (p->client == NULL && make_client(f, p, m) == 0) {
		p->after_id = 0;
		p->hold_until_ms = 0;
		fed_deliver_kick(f, p);
	}
}

/* Build or update the peer and origin sets from the trust lists in force. */
static void rebuild(fed *f)
{
	sp_node *n = f->n;
	const sp_tl *tl = sp_trust_list(sp_node_trust(n));
	size_t i, k;

	for (i = 0; i < f->n_peers; i++)
		f->peers[i]->gone = 1;
	for (i = 0; i < f->n_origins; i++)
		f->origins[i]->gone = 1;
	for (i = 0; i < tl->n_members; i++) {
		const sp_tl_member *m = &tl->members[i];
		fed_origin *o;

		if (strcmp(m->node_id, sp_node_config(n)->node_id) == 0)
			continue;
		if ((o = fed_origin_find(f, m->node_id)) == NULL &&
		    f->n_origins < FED_MAX_PEERS && (o = origin_new(m)) != NULL)
			f->origins[f->n_origins++] = o;
		if (o != NULL) {
			o->gone = m->status == SP_STATUS_REVOKED;
			if (m->log_key != NULL &&
			    (o->log_key == NULL ||
			     strcmp(o->log_key, m->log_key) != 0)) {
				free(o->log_key);
				o->log_key = strdup(m->log_key);
			}
			set_next_log_key(o, m);
		}
		fed_peer_update(f, m, "");
	}
	fed_relay_rebuild(f);
	/* members no longer listed */
	for (i = k = 0; i < f->n_peers; i++) {
		fed_peer *p = f->peers[i];

		if (p->gone) {
			sp_log(SP_LOG_WARN, "peer_dropped",
			       SP_LF_STR("peer", p->id),
			       SP_LF_STR("why", "not in the trust list"));
			drop_client(p);
			fed_peer_unref(p);
		} else {
			f->peers[k++] = p;
		}
	}
	f->n_peers = k;
}

/* ---------------------------------------------------------------- extension */

static int ext_start(sp_node *n, void **state)
{
	fed *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	f->n = n;
	f->refs = 1;
	rebuild(f);
	if (fed_recover_start(f) != 0) {
		free(f);
		return -1;
	}
	f->next_pull_ms = fed_now_ms(f) + 1000; /* catch up right after start */
	f->revocations_due = 1; /* a list installed before a crash, too */
	*state = f;
	sp_log(SP_LOG_INFO, "peers_started", SP_LF_UINT("peers", f->n_peers),
	       SP_LF_UINT("origins", f->n_origins));
	return 0;
}

static void ext_tick(void *state)
{
	fed *f = state;
	int64_t now = fed_now_ms(f);
	size_t i;
	int pull = 0;

	if (f->stopping)
		return;
	if (f->revocations_due)
		fed_quorum_revocations(f);
	if (now >= f->next_pull_ms) {
		pull = 1;
		f->next_pull_ms =
		    now + sp_node_config(f->n)->pull_interval * 1000;
	}
	for (i = 0; i < f->n_peers; i++) {
		fed_peer *p = f->peers[i];
		sp_h2_client_state st;

		if (p->client == NULL)
			continue;
		sp_h2_client_get_state(p->client, &st);
		if (st.connects != p->seen_connects) {
			/* (re)connected: the peer is no longer held back; look
			 * for what is due now, catch up on it. The sweep
			 * planned for the next retry's due time stays: rows
			 * rescheduled after a failure are due only then, and
			 * dropping it would leave them to the periodic sweep,
			 * past FED-4's bound (the first connection, opened by
			 * a delivery that then failed, comes here too). */
			int first = p->seen_connects == 0;

			p->seen_connects = st.connects;
			p->hold_until_ms = 0;
			p->fail_streak = 0;
			p->after_id = 0;
			fed_deliver_kick(f, p);
			if (!first || !pull) {
				fed_origin *o = fed_origin_find(f, p->id);

				if (o != NULL) {
					fed_round_reset(o);
					fed_witness_fetch(f, o);
				}
			}
		}
		fed_deliver_tick(f, p, now);
	}
	for (i = 0; i < f->n_origins; i++) {
		fed_origin *o = f->origins[i];

		if (o->gone)
			continue;
		/* a listed witness, or a receiver waiting for a witnessed
		 * checkpoint, looks more often than the pull interval, so
		 * that records are confirmed within the merge delay; the
		 * round of an origin that stays unchanged while nothing is
		 * pending here comes less often ([FED-62]) */
		if (fed_witness_due(f, o, now) || (pull && fed_round_due(f, o)))
			fed_witness_fetch(f, o);
		fed_pull_tick(f, o, now);
	}
	if (pull)
		fed_trust_poll(f);
	fed_recover_tick(f, now);
	if (now >= f->next_counts_ms) {
		f->next_counts_ms = now + 1000;
		fed_counts_refresh(f);
	}
}

static void ext_own_record_stored(void *state, const char *record_id,
                                  uint64_t sequence)
{
	fed *f = state;
	size_t i;

	(void)record_id;
	(void)sequence;
	if (f->stopping)
		return;
	for (i = 0; i < f->n_peers; i++)
		if (f->peers[i]->client != NULL)
			fed_deliver_kick(f, f->peers[i]);
}

static void ext_trust_changed(void *state)
{
	fed *f = state;

	if (f->stopping)
		return;
	rebuild(f);
	fed_trust_announce(f);
	f->revocations_due = 1;
}

static void ext_list_newer(void *state, const char *peer, uint64_t sequence)
{
	fed *f = state;

	if (!f->stopping)
		fed_trust_list_newer(f, peer, sequence);
}

static void ext_stop(void *state)
{
	fed *f = state;
	size_t i;

	f->stopping = 1;
	for (i = 0; i < f->n_peers; i++) {
		drop_client(f->peers[i]);
		fed_deliver_drop(f->peers[i]);
	}
	for (i = 0; i < f->n_peers; i++)
		fed_peer_unref(f->peers[i]);
	f->n_peers = 0;
	fed_unref(f);
}

static void ext_relay_stored(void *state, const char *record_id)
{
	ext_own_record_stored(state, record_id, 0);
}

static void ext_record_received(void *state, const char *origin,
                                uint64_t sequence, const char digest[65])
{
	fed *f = state;

	if (!f->stopping)
		fed_pull_received(f, origin, sequence, digest);
}

static const sp_node_extension fed_extension = {
    .name = "peers",
    .start = ext_start,
    .tick = ext_tick,
    .own_record_stored = ext_own_record_stored,
    .relay_stored = ext_relay_stored,
    .record_received = ext_record_received,
    .trust_changed = ext_trust_changed,
    .stop = ext_stop,
    .metrics = fed_metrics,
    .status = fed_status,
    .status_json = fed_status_json,
    .peer_views = fed_peer_views,
    .list_newer = ext_list_newer,
};

const sp_node_extension *sp_peers__extension(void)
{
	return &fed_extension;
}

int sp_peers_register(void)
{
	static int done;

	if (done)
		return 0;
	done = 1;
	return sp_node_register_extension(&fed_extension);
}
