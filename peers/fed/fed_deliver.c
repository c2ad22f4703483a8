/* fed_deliver.c (peers): delivery of this node's records from the durable
 * outbox: per-peer scan, many streams in flight, receipt verification on
 * the worker pool, retries with exponential backoff and jitter, permanent
 * failures and equivocation answers kept and alarmed. */
#include "fed_int.h"

#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct dl_item {
	dl_item *next;
	fed *f;
	fed_peer *p;
	sp_fed_outbox_item it;
	sp_trust *trust;
	int status;
	uint8_t *body;
	size_t body_len;
	int64_t retry_after; /* seconds, 0: none */
	int verdict;
	int store_err;
	char why[480];
	/* [FED-53]: an own record handed to a gateway */
	int relay_checked; /* the recipients were read for the deadline */
	char (*recips)[SP_NODE_ID_MAX + 1]; /* its Node recipients */
	size_t n_recips;
	char (*finals)[SP_NODE_ID_MAX + 1]; /* those behind this gateway */
	size_t n_finals, k;                 /* k: the next final to ask for */
	int gw_pos; /* the gateway's place among finals[k]'s gateways */
	sp_trust *final_trust;  /* the list that binds finals[k] */
	uint8_t *final_receipt; /* the first final receipt, kept */
	size_t final_len;
};

static void pump(fed *f, fed_peer *p);

static void item_free(dl_item *d)
{
	fed *f = d->f;

	free(d->it.bytes);
	free(d->body);
	free(d->recips);
	free(d->finals);
	free(d->final_receipt);
	sp_trust_unref(d->final_trust);
	sp_trust_unref(d->trust);
	fed_peer_unref(d->p);
	free(d);
	fed_unref(f);
}

static dl_item *item_new(fed *f, fed_peer *p, sp_fed_outbox_item *it)
{
	dl_item *d = calloc(1, sizeof(*d));

	if (d == NULL)
		return NULL;
	d->f = f;
	d->p = p;
	d->it = *it;
	it->bytes = NULL; /* taken */
	fed_ref(f);
	fed_peer_ref(p);
	return d;
}

void fed_deliver_drop(fed_peer *p)
{
	dl_item *d, *next;

	for (d = p->q_head; d != NULL; d = next) {
		next = d->next;
		item_free(d);
	}
	p->q_head = p->q_tail = NULL;
	p->queued = 0;
}

static int queued_or_flying(const fed_peer *p, int64_t id)
{
	const dl_item *d;
	size_t i;

	for (d = p->q_head; d != NULL; d = d->next)
		if (d->it.id == id)
			return 1;
	for (i = 0; i < p->in_flight; i++)
		if (p->fly_ids[i] == id)
			return 1;
	return 0;
}

/* Track an outbox id between its request and its store write. */
static int fly_add(fed_peer *p, int64_t id)
{
	if (p->in_flight == p->cap_fly) {
		size_t cap = p->cap_fly ? p->cap_fly * 2 : 128;
		int64_t *a = realloc(p->fly_ids, cap * sizeof(*a));

		if (a == NULL)
			return -1;
		p->fly_ids = a;
		p->cap_fly = cap;
	}
	p->fly_ids[p->in_flight++] = id;
	return 0;
}

static void fly_del(fed_peer *p, int64_t id)
{
	size_t i;

	for (i = 0; i < p->in_flight; i++) {
		if (p->fly_ids[i] == id) {
			p->fly_ids[i] = p->fly_ids[--p->in_flight];
			return;
		}
	}
}

int64_t sp_peers__backoff_ms(int64_t retry_min, int64_t retry_max,
                             uint32_t failures, uint32_t r)
{
	int64_t lo = retry_min > 0 ? retry_min * 1000 : 0;
	int64_t hi = retry_max * 1000 > lo ? retry_max * 1000 : lo;
	int64_t d = lo, span;

	while (failures-- > 0 && d < hi)
		d = d > 0 ? d * 2 : 1000;
	if (d > hi)
		d = hi;
	/* FED-4: jitter spreads the retries of many senders but only adds, so
	 * that no retry comes before the configured minimum (a retry 0.4 s
	 * after a failure with retry_min = 1 broke it) nor after the maximum */
	span = d / 2;
	if (span > hi - d)
		span = hi - d;
	return d + (span > 0 ? (int64_t)(r % (uint64_t)(span + 1)) : 0);
}

int64_t sp_peers__due_s(int64_t now_ms, int64_t delay_ms)
{
	return (now_ms + delay_ms + 999) / 1000;
}

/* Milliseconds until the next attempt after `failures` failures. */
static int64_t backoff_ms(const fed *f, uint32_t failures)
{
	uint32_t r = 0;

	if (RAND_bytes((unsigned char *)&r, sizeof(r)) != 1)
		r = (uint32_t)rand();
	return sp_peers__backoff_ms(sp_node_config(f->n)->retry_min,
	                            sp_node_config(f->n)->retry_max, failures,
	                            r);
}

int sp_peers__verdict_retries(int verdict)
{
	switch (verdict) {
	case FED_V_TRANSPORT:
	case FED_V_TRANSIENT:
	case FED_V_SLOW:
	case FED_V_BAD_RECEIPT: /* RCP-9, FED-4: a receiver may fix its keys */
		return 1;
	default:
		return 0;
	}
}

/* ---------------------------------------------------------------- scan */

typedef struct scan_job {
	fed *f;
	fed_peer *p;
	int64_t after;
	int64_t now;
	sp_fed_outbox_item *items;
	size_t n;
	size_t max;
	int err;
} scan_job;

/* Rows this process takes for delivery are claimed for this long: another
 * process of the node sharing its PostgreSQL store leaves them alone, and
 * delivers them if this one dies before a result (a no-op on SQLite). */
#define FED_CLAIM_LEASE_S 60

static void scan_work(void *arg)
{
	scan_job *s = arg;
	sp_store_reader *r = sp_node_reader(s->f->n);

	s->err = r == NULL
	             ? SP_ERR_IO
	             : sp_store_fed_outbox_claim(r, s->p->id, s->after, s->now,
	                                         FED_CLAIM_LEASE_S, s->max,
	                                         &s->items, &s->n);
}

static void give_up(fed *f, fed_peer *p, dl_item *d, int verdict,
                    const char *why);

static void scan_done(void *arg)
{
	scan_job *s = arg;
	fed *f = s->f;
	fed_peer *p = s->p;
	int64_t keep_s = sp_node_config(f->n)->retention_days * 86400;
	int64_t max_id = p->after_id;
	size_t i;

	p->scanning = 0;
	if (s->err != SP_OK)
		sp_log(SP_LOG_WARN, "outbox_scan_failed",
		       SP_LF_STR("peer", p->id),
		       SP_LF_STR("err", sp_strerror(s->err)));
	for (i = 0; i < s->n; i++) {
		sp_fed_outbox_item *it = &s->items[i];
		dl_item *d;

		if (it->id > max_id)
			max_id = it->id;
		if (f->stopping || p->client == NULL ||
		    queued_or_flying(p, it->id))
			continue;
		if ((d = item_new(f, p, it)) == NULL)
			break;
		if (it->received + keep_s < s->now) {
			if (fly_add(p, d->it.id) != 0) {
				item_free(d);
				break;
			}
			give_up(f, p, d, FED_V_EXPIRED,
			        "retention ended without a receipt (FED-4)");
			continue;
		}
		if (p->q_tail)
			p->q_tail->next = d;
		else
			p->q_head = d;
		p->q_tail = d;
		p->queued++;
	}
	if (s->err == SP_OK)
		p->after_id = max_id;
	if (s->n == s->max)
		p->rescan = 1; /* a full page: more may wait */
	sp_fed_outbox_items_free(s->items, s->n);
	free(s);
	if (!f->stopping) {
		pump(f, p);
		if (p->rescan && p->client != NULL)
			fed_deliver_kick(f, p);
	}
	fed_peer_unref(p);
}

void fed_deliver_kick(fed *f, fed_peer *p)
{
	scan_job *s;

	if (f->stopping || p->client == NULL || p->status != SP_STATUS_ACTIVE)
		return;
	/* A stale home list may still list a revoked member as active:
	 * hold deliveries (and the receipts they bring) until it is fresh
	 * (SPEC [TL-66]); the tick looks again. */
	if (p->federation[0] == '\0' && sp_node_list_stale(f->n)) {
		p->rescan = 1;
		return;
	}
	if (p->scanning || p->queued >= FED_QUEUE_CAP / 2) {
		p->rescan = 1;
		return;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return;
	p->rescan = 0;
	s->f = f;
	s->p = p;
	s->after = p->after_id;
	s->now = fed_now_ms(f) / 1000;
	s->max = FED_QUEUE_CAP - p->queued;
	fed_peer_ref(p);
	p->scanning = 1;
	/* at most one scan per peer at a time (p->scanning): it goes ahead
	 * of receipt checks, so that a committed record leaves at once */
	if (fed_pool_first(f, scan_work, scan_done, s) != SP_OK) {
		p->scanning = 0;
		p->rescan = 1; /* the tick tries again */
		fed_peer_unref(p);
		free(s);
	}
}

void fed_deliver_tick(fed *f, fed_peer *p, int64_t now)
{
	if (p->client == NULL)
		return;
	if (p->next_sweep_ms != 0 && now >= p->next_sweep_ms &&
	    now >= p->hold_until_ms && !p->scanning) {
		/* retries that came due: scan from the start of the outbox */
		p->next_sweep_ms = 0;
		p->after_id = 0;
		fed_deliver_kick(f, p);
	} else if (p->rescan && now >= p->hold_until_ms) {
		fed_deliver_kick(f, p);
	}
	if (p->next_sweep_ms == 0) {
		/* rows rescheduled before a restart come due without a failure
		 * in this process: look for them now and then */
		int64_t retry_min = sp_node_config(f->n)->retry_min;
		int64_t every = retry_min > 5 ? retry_min : 5;

		p->next_sweep_ms = now + every * 1000;
	}
	pump(f, p);
}

/* ---------------------------------------------------------------- results */

static void finished(void *arg)
{
	dl_item *d = arg;
	fed *f = d->f;
	fed_peer *p = d->p;

	fly_del(p, d->it.id);
	if (d->store_err != SP_OK && d->store_err != SP_ERR_NOT_FOUND)
		sp_log(SP_LOG_ERROR, "outbox_write_failed",
		       SP_LF_STR("peer", p->id),
		       SP_LF_INT("outbox_id", d->it.id),
		       SP_LF_STR("err", sp_strerror(d->store_err)));
	if (d->verdict == FED_V_DELIVERED && d->store_err == SP_OK) {
		p->delivered++;
		p->last_receipt_ms = fed_now_ms(f);
		sp_log(SP_LOG_DEBUG, "delivered", SP_LF_STR("peer", p->id),
		       SP_LF_UINT("sequence", d->it.sequence),
		       SP_LF_STR("record_id", d->it.record_id));
	}
	/* while stopping, d may hold the last references to f and p */
	if (f->stopping) {
		item_free(d);
		return;
	}
	item_free(d);
	pump(f, p);
}

/* Committer thread. */
static void stored(void *arg, int rc)
{
	dl_item *d = arg;

	d->store_err = rc;
	sp_node_post(d->f->n, finished, d);
}

static void reschedule(fed *f, dl_item *d, int64_t next, const char *why)
{
	int err = sp_store_fed_reschedule_async(sp_node_store(f->n), d->it.id,
	                                        next, why, stored, d);

	if (err != SP_OK) {
		d->store_err = err;
		finished(d);
	}
}

static void give_up(fed *f, fed_peer *p, dl_item *d, int verdict,
                    const char *why)
{
	d->verdict = verdict;
	p->gave_up++;
	p->alarms++;
	f->delivery_alarms++;
	snprintf(p->last_alarm, sizeof(p->last_alarm),
	         "%s sequence %llu: %.160s",
	         verdict == FED_V_EQUIVOCATION ? "equivocation answer"
	                                       : "delivery failed",
	         (unsigned long long)d->it.sequence, why);
	if (verdict == FED_V_EQUIVOCATION) {
		/* FED-5: our own log (or, relayed, the origin's) is suspect */
		f->equivocation_alarms++;
		sp_node_count(f->n, SP_CTR_EQUIVOCATIONS, 1);
		if (strcmp(d->it.origin, sp_node_config(f->n)->node_id) == 0)
			sp_node_own_log_alarm(f->n, p->last_alarm);
		sp_log(SP_LOG_ERROR, "equivocation_alarm",
		       SP_LF_STR("kind", "delivery"),
		       SP_LF_STR("origin", d->it.origin),
		       SP_LF_STR("peer", p->id),
		       SP_LF_UINT("sequence", d->it.sequence),
		       SP_LF_STR("record_id", d->it.record_id),
		       SP_LF_STR("problem", why));
	} else {
		sp_log(SP_LOG_ERROR, "delivery_failed",
		       SP_LF_STR("peer", p->id),
		       SP_LF_UINT("sequence", d->it.sequence),
		       SP_LF_STR("record_id", d->it.record_id),
		       SP_LF_STR("why", why));
	}
	reschedule(f, d, SP_FED_NEVER, why);
}

static void retry(fed *f, fed_peer *p, dl_item *d, int slow, const char *why)
{
	int64_t now_ms = fed_now_ms(f);
	int64_t delay = slow ? sp_node_config(f->n)->retry_max * 1000
	                     : backoff_ms(f, d->it.attempts);
	int64_t next;

	if (d->retry_after * 1000 > delay)
		delay = d->retry_after * 1000;
	snprintf(p->last_error, sizeof(p->last_error), "%.190s", why);
	p->last_error_ms = now_ms;
	next = sp_peers__due_s(now_ms, delay);
	if (p->next_sweep_ms == 0 || next * 1000 < p->next_sweep_ms)
		p->next_sweep_ms = next * 1000;
	reschedule(f, d, next, why);
}

static void relay_start(fed *f, dl_item *d);
static int relay_check(fed *f, dl_item *d, int failed);

/* Loop thread: act on the verdict. */
static void apply(fed *f, dl_item *d)
{
	fed_peer *p = d->p;
	int64_t now_ms = fed_now_ms(f);
	int err;

	if (d->verdict == FED_V_RELAYED) {
		relay_start(f, d);
		return;
	}
	/* [FED-53]: an own record that a gateway does not take may be
	 * due for the next gateway */
	if (d->verdict != FED_V_DELIVERED && d->verdict != FED_V_EQUIVOCATION &&
	    relay_check(f, d, !sp_peers__verdict_retries(d->verdict)))
		return;
	switch (d->verdict) {
	case FED_V_DELIVERED:
		p->last_ok_ms = now_ms;
		p->fail_streak = 0;
		p->last_error[0] = '\0'; /* a later success clears it */
		err = sp_store_fed_delivered_async(sp_node_store(f->n),
		                                   d->it.id, d->body,
		                                   d->body_len, stored, d);
		if (err != SP_OK) {
			d->store_err = err;
			finished(d);
		}
		return;
	case FED_V_TRANSPORT:
	case FED_V_TRANSIENT:
		if (d->verdict == FED_V_TRANSIENT)
			p->last_ok_ms = now_ms;
		if (now_ms >= p->hold_until_ms) {
			int64_t hold = backoff_ms(f, p->fail_streak++);

			if (d->retry_after * 1000 > hold)
				hold = d->retry_after * 1000;
			p->hold_until_ms = now_ms + hold;
		}
		break;
	case FED_V_BAD_RECEIPT:
		/* RCP-9: no receipt, a transient failure of this delivery; the
		 * alarm comes with every refused receipt */
		p->last_ok_ms = now_ms;
		p->alarms++;
		f->delivery_alarms++;
		snprintf(p->last_alarm, sizeof(p->last_alarm),
		         "bad receipt for sequence %llu: %.160s",
		         (unsigned long long)d->it.sequence, d->why);
		sp_log(SP_LOG_ERROR, "receipt_refused",
		       SP_LF_STR("peer", p->id),
		       SP_LF_UINT("sequence", d->it.sequence),
		       SP_LF_STR("why", d->why));
		break;
	default:
		p->last_ok_ms = now_ms;
		break;
	}
	if (sp_peers__verdict_retries(d->verdict))
		retry(f, p, d, d->verdict == FED_V_SLOW, d->why);
	else
		give_up(f, p, d, d->verdict, d->why);
}

/* RCP-9 with the receipt's Status in *status. */
static int judge(sp_trust *trust, const uint8_t *body, size_t len,
                 const char *peer, const sp_fed_outbox_item *it,
                 const sp_verify_opts *o, int *status, char *why,
                 size_t why_len)
{
	sp_receipt_info ri;
	const char *vwhy = NULL;
	int err = sp_verify_receipt(trust, body, len, o, &ri, &vwhy);

	if (err != SP_OK)
		snprintf(why, why_len, "receipt %s: %s", sp_strerror(err),
		         vwhy ? vwhy : "");
	else if (strcmp(ri.receiver, peer) != 0)
		snprintf(why, why_len,
		         "receipt signed by %s, not the recipient",
		         ri.receiver);
	else if (strcmp(ri.record_id, it->record_id) != 0 ||
	         strcmp(ri.origin, it->origin) != 0 ||
	         ri.sequence != it->sequence ||
	         strcmp(ri.record_digest, it->digest) != 0)
		snprintf(why, why_len, "receipt names another record");
	else {
		*status = (int)ri.status;
		return FED_V_DELIVERED;
	}
	return FED_V_BAD_RECEIPT;
}

int sp_peers__judge_receipt(sp_trust *trust, const uint8_t *body, size_t len,
                            const char *peer, const sp_fed_outbox_item *it,
                            const sp_verify_opts *o, char *why, size_t why_len)
{
	int status = 0;

	return judge(trust, body, len, peer, it, o, &status, why, why_len);
}

int sp_peers__judge_final(sp_trust *trust, const uint8_t *body, size_t len,
                          const char *receiver, const sp_fed_outbox_item *it,
                          const sp_verify_opts *o, char *why, size_t why_len)
{
	int status = 0;
	int v = judge(trust, body, len, receiver, it, o, &status, why, why_len);

	if (v == FED_V_DELIVERED && status != SP_RECEIPT_ACCEPTED) {
		snprintf(why, why_len,
		         "the final receipt of %s is not 'accepted'", receiver);
		return FED_V_BAD_RECEIPT;
	}
	return v;
}

int64_t sp_peers__relay_due_s(int64_t received, int64_t deadline_s, int pos)
{
	return received + deadline_s * (int64_t)(pos + 1);
}

/* 1 if peer's entry in t names any federation in RelaysTo. */
static int may_relay(const sp_trust *t, const char *peer)
{
	const sp_tl_member *m = sp_tl_find(sp_trust_list(t), peer);

	return m != NULL && m->n_relays_to > 0;
}

static int is_recipient(const dl_item *d, const char *id)
{
	size_t i;

	for (i = 0; i < d->n_recips; i++)
		if (strcmp(d->recips[i], id) == 0)
			return 1;
	return 0;
}

/* Worker: the Node recipients of the record's bytes, for [FED-53]. An own
 * record, so it was verified when it was signed; a failure leaves none. */
static void read_recipients(dl_item *d)
{
	sp_doc *doc = NULL;
	sp_record *rec = NULL;
	size_t i, n;

	if (d->recips != NULL || d->it.bytes == NULL)
		return;
	if (sp_doc_parse(d->it.bytes, d->it.len, SP_DOC_RECORD, NULL, &doc,
	                 NULL) == SP_OK &&
	    sp_record_read(doc, &rec, NULL) == SP_OK &&
	    !sp_record_is_broadcast(rec) &&
	    (n = sp_record_recipient_count(rec)) > 0 &&
	    (d->recips = calloc(n, sizeof(*d->recips))) != NULL) {
		for (i = 0; i < n; i++)
			snprintf(d->recips[i], sizeof(d->recips[i]), "%s",
			         sp_record_recipient(rec, i));
		d->n_recips = n;
	}
	sp_record_free(rec);
	sp_doc_free(doc);
}

/* Worker: check the receipt, or read the problem. */
static void judge_work(void *arg)
{
	dl_item *d = arg;
	fed *f = d->f;
	sp_node *n = f->n;
	sp_verify_opts o;

	if (d->status == 200 || d->status == 201) {
		int rstatus = 0;

		sp_verify_opts_default(&o);
		o.clock_skew = sp_node_config(n)->clock_skew;
		o.limits = sp_node_limits(n);
		d->verdict =
		    judge(d->trust, d->body, d->body_len, d->p->id, &d->it, &o,
		          &rstatus, d->why, sizeof(d->why));
		/* [FED-53]: a gateway's receipt for an own record only
		 * starts the wait for the final receipts. A gateway is known
		 * by what it is, not by what it says: one that answers
		 * `accepted` for a record it only relays must not end the
		 * delivery either. */
		if (d->verdict == FED_V_DELIVERED &&
		    strcmp(d->it.origin, sp_node_config(n)->node_id) == 0 &&
		    (rstatus == SP_RECEIPT_RELAYED ||
		     may_relay(d->trust, d->p->id))) {
			read_recipients(d);
			d->verdict = FED_V_RELAYED;
		}
		return;
	} else {
		sp_doc *doc = NULL;
		int perr = SP_ERR_INTERNAL, pstatus = 0;
		char *detail = NULL;

		if (sp_doc_parse(d->body, d->body_len, SP_DOC_PROBLEM, NULL,
		                 &doc, NULL) == SP_OK)
			sp_problem_read(doc, &perr, &pstatus, &detail);
		snprintf(d->why, sizeof(d->why), "HTTP %d %s%s%s", d->status,
		         perr == SP_ERR_INTERNAL && d->status != 500
		             ? ""
		             : sp_strerror(perr),
		         detail ? ": " : "", detail ? detail : "");
		free(detail);
		sp_doc_free(doc);
		if (d->status == 409 || perr == SP_ERR_EQUIVOCATION)
			d->verdict = FED_V_EQUIVOCATION;
		else if (d->status >= 500 || d->status == 429 ||
		         d->status < 200 || perr == SP_ERR_OVERLOADED ||
		         perr == SP_ERR_UNAVAILABLE ||
		         perr == SP_ERR_TRUST_LIST_EXPIRED)
			d->verdict = FED_V_TRANSIENT;
		else if (perr == SP_ERR_SIGNER_SUSPENDED ||
		         perr == SP_ERR_UNKNOWN_ORIGIN ||
		         perr == SP_ERR_TYPE_NOT_AUTHORIZED) /* [ERR-10] */
			d->verdict = FED_V_SLOW;
		else
			d->verdict = FED_V_PERMANENT;
	}
}

static void judge_done(void *arg)
{
	dl_item *d = arg;

	apply(d->f, d);
}

static void on_response(void *ud, const sp_h2_response *resp)
{
	dl_item *d = ud;
	fed *f = d->f;
	const char *ra;
	size_t ra_len;
	uint64_t v;

	/* off the wire: the next record may go while this one's receipt
	 * is checked and its result written */
	d->p->on_wire--;
	if (!f->stopping)
		pump(f, d->p);
	if (resp->err != SP_OK) {
		d->verdict = FED_V_TRANSPORT;
		snprintf(d->why, sizeof(d->why), "%s: %s",
		         sp_strerror(resp->err), resp->why ? resp->why : "");
		if (f->stopping) {
			fly_del(d->p, d->it.id);
			item_free(d);
			return;
		}
		apply(f, d);
		return;
	}
	d->status = resp->status;
	if ((ra = sp_h2_response_header(resp, "retry-after", &ra_len)) !=
	        NULL &&
	    sp_parse_u64(ra, ra_len, INT64_MAX, &v) == SP_OK && v <= 86400)
		d->retry_after = (int64_t)v;
	if ((d->body = malloc(resp->body_len + 1)) == NULL) {
		d->verdict = FED_V_TRANSIENT;
		snprintf(d->why, sizeof(d->why), "out of memory");
		apply(f, d);
		return;
	}
	memcpy(d->body, resp->body, resp->body_len);
	d->body_len = resp->body_len;
	/* the list of the recipient's federation verifies its receipt */
	if ((d->trust = sp_node_trust_for(f->n, d->p->id)) == NULL)
		d->trust = sp_trust_ref(sp_node_trust(f->n));
	if (f->stopping || fed_pool(f, judge_work, judge_done, d) != SP_OK) {
		d->verdict = FED_V_TRANSIENT;
		snprintf(d->why, sizeof(d->why), "the node is busy");
		if (f->stopping) {
			fly_del(d->p, d->it.id);
			item_free(d);
			return;
		}
		apply(f, d);
	}
}

/* ---------------------------------------------------------------- relay */

/* [FED-53]: an own record delivered to a gateway is complete only when the
 * final receivers' `accepted` receipts, fetched from the gateway
 * (GET /v1/records/{id}/receipt, [API-77]) and verified here with the list
 * that binds each receiver, are held. A gateway that fails, or has not
 * produced them by its deadline, is alarmed about and the next gateway
 * towards those receivers gets the record. */

#define RELAY_GW_MAX 16

/* The place of `gateway` among recipient's gateways, or -1; gw filled. */
static int gateway_pos(fed *f, const char *recipient, const char *gateway,
                       char (*gw)[SP_NODE_ID_MAX + 1], size_t *n_gw)
{
	size_t g;

	*n_gw = sp_node_relay_gateways(f->n, recipient, gw, RELAY_GW_MAX);
	for (g = 0; g < *n_gw; g++)
		if (strcmp(gw[g], gateway) == 0)
			return (int)g;
	return -1;
}

/* Loop: the recipients reached through d's peer, and the peer's earliest
 * place among their gateways (which sets its deadline). */
static void relay_finals(fed *f, dl_item *d)
{
	char gw[RELAY_GW_MAX][SP_NODE_ID_MAX + 1];
	size_t i, n_gw;
	int pos;

	free(d->finals);
	d->finals = NULL;
	d->n_finals = d->k = 0;
	d->gw_pos = -1;
	if (d->n_recips == 0 ||
	    (d->finals = calloc(d->n_recips, sizeof(*d->finals))) == NULL)
		return;
	for (i = 0; i < d->n_recips; i++) {
		if ((pos = gateway_pos(f, d->recips[i], d->p->id, gw, &n_gw)) <
		    0)
			continue;
		snprintf(d->finals[d->n_finals], sizeof(d->finals[0]), "%s",
		         d->recips[i]);
		d->n_finals++;
		if (d->gw_pos < 0 || pos < d->gw_pos)
			d->gw_pos = pos;
	}
}

typedef struct failover_job {
	dl_item *d;
	char (*next)[SP_NODE_ID_MAX + 1];
	size_t n_next;
	int64_t now;
	int err;
	char why[480];
} failover_job;

/* Worker: queue the record to the next gateways, in one write each. */
static void failover_work(void *arg)
{
	failover_job *j = arg;
	size_t i;

	for (i = 0; i < j->n_next && j->err == SP_OK; i++)
		j->err = sp_store_outbox_enqueue(
		    sp_node_store(j->d->f->n), j->d->it.origin,
		    j->d->it.record_id, j->next[i], j->now);
}

static void failover_done(void *arg)
{
	failover_job *j = arg;
	dl_item *d = j->d;
	fed *f = d->f;
	size_t i;

	if (j->err != SP_OK) {
		/* this gateway stays the one; the next poll tries again */
		sp_log(SP_LOG_ERROR, "outbox_write_failed",
		       SP_LF_STR("peer", d->p->id),
		       SP_LF_STR("record_id", d->it.record_id),
		       SP_LF_STR("err", sp_strerror(j->err)));
		retry(f, d->p, d, 0, j->why);
	} else {
		for (i = 0; i < j->n_next; i++) {
			fed_peer *q = fed_peer_find(f, j->next[i]);

			if (q != NULL)
				fed_deliver_kick(f, q);
		}
		/* the late gateway's row ends: its receipt no longer
		 * completes anything */
		reschedule(f, d, SP_FED_NEVER, j->why);
	}
	free(j->next);
	free(j);
}

/* 1 if p's row `id` was alarmed about as late already; else remember it. */
static int late_alarmed(fed_peer *p, int64_t id)
{
	size_t i, n = sizeof(p->relay_late) / sizeof(p->relay_late[0]);

	for (i = 0; i < n; i++)
		if (p->relay_late[i] == id)
			return 1;
	p->relay_late[p->relay_late_next++ % n] = id;
	return 0;
}

/* Loop: the gateway failed, or missed its deadline: alarm, and hand the
 * record to the next gateway of each final receiver still without a
 * receipt; with none left, keep asking this one (FED-4 retries). */
static void relay_overdue(fed *f, dl_item *d, const char *why, int failed)
{
	char gw[RELAY_GW_MAX][SP_NODE_ID_MAX + 1];
	fed_peer *p = d->p;
	failover_job *j = calloc(1, sizeof(*j));
	size_t i, m, n_gw;
	int pos;

	if (j == NULL ||
	    (j->next = calloc(d->n_finals, sizeof(*j->next))) == NULL) {
		free(j);
		retry(f, p, d, 0, why);
		return;
	}
	j->d = d;
	j->now = fed_now_ms(f) / 1000;
	for (i = d->k; i < d->n_finals; i++) {
		pos = gateway_pos(f, d->finals[i], p->id, gw, &n_gw);
		if (pos < 0 || (size_t)pos + 1 >= n_gw)
			continue;
		for (m = 0; m < j->n_next; m++)
			if (strcmp(j->next[m], gw[pos + 1]) == 0)
				break;
		if (m == j->n_next)
			snprintf(j->next[j->n_next++], sizeof(j->next[0]), "%s",
			         gw[pos + 1]);
	}
	if (j->n_next == 0 && !failed && late_alarmed(p, d->it.id)) {
		free(j->next);
		free(j);
		retry(f, p, d, 0, why);
		return;
	}
	snprintf(j->why, sizeof(j->why),
	         "%s: gateway %s gave no final receipt "
	         "of %s (%.200s)%s%s",
	         failed ? "relay failed" : "relay deadline missed", p->id,
	         d->finals[d->k], why,
	         j->n_next ? "; handed to " : "; no other gateway",
	         j->n_next ? j->next[0] : "");
	p->alarms++;
	f->delivery_alarms++;
	if (!failed)
		sp_node_count(f->n, SP_CTR_RELAY_LATE, 1);
	snprintf(p->last_alarm, sizeof(p->last_alarm), "sequence %llu: %.200s",
	         (unsigned long long)d->it.sequence, j->why);
	if (failed)
		sp_log(SP_LOG_ERROR, "relay_gateway_failed",
		       SP_LF_STR("gateway", p->id),
		       SP_LF_UINT("sequence", d->it.sequence),
		       SP_LF_STR("record_id", d->it.record_id),
		       SP_LF_STR("receiver", d->finals[d->k]),
		       SP_LF_STR("next", j->n_next ? j->next[0] : ""),
		       SP_LF_STR("why", why));
	else
		sp_log(SP_LOG_ERROR, "relay_deadline_missed",
		       SP_LF_STR("gateway", p->id),
		       SP_LF_UINT("sequence", d->it.sequence),
		       SP_LF_STR("record_id", d->it.record_id),
		       SP_LF_STR("receiver", d->finals[d->k]),
		       SP_LF_STR("next", j->n_next ? j->next[0] : ""),
		       SP_LF_STR("why", why));
	if (j->n_next == 0) {
		/* FED-5 still ends a delivery the gateway refused for good */
		if (failed)
			give_up(f, p, d, d->verdict, j->why);
		else
			retry(f, p, d, 0, j->why);
		free(j->next);
		free(j);
		return;
	}
	if (fed_pool(f, failover_work, failover_done, j) != SP_OK) {
		retry(f, p, d, 0, j->why);
		free(j->next);
		free(j);
	}
}

/* Loop: no final receipt yet: wait (FED-4 retries, which ask again) until
 * the gateway's deadline, then fail over. */
static void relay_wait(fed *f, dl_item *d, const char *why)
{
	char msg[480];
	int64_t due = sp_peers__relay_due_s(
	    d->it.received, sp_node_config(f->n)->relay_deadline, d->gw_pos);

	if (fed_now_ms(f) / 1000 >= due) {
		relay_overdue(f, d, why, 0);
		return;
	}
	snprintf(msg, sizeof(msg),
	         "relayed by %s, awaiting the final receipt "
	         "of %s: %.300s",
	         d->p->id, d->finals[d->k], why);
	retry(f, d->p, d, 0, msg);
}

static void relay_ask(fed *f, dl_item *d);

static void final_work(void *arg)
{
	dl_item *d = arg;
	sp_node *n = d->f->n;
	sp_verify_opts o;

	sp_verify_opts_default(&o);
	o.clock_skew = sp_node_config(n)->clock_skew;
	o.limits = sp_node_limits(n);
	d->verdict = sp_peers__judge_final(d->final_trust, d->body, d->body_len,
	                                   d->finals[d->k], &d->it, &o, d->why,
	                                   sizeof(d->why));
}

static void final_done(void *arg)
{
	dl_item *d = arg;
	fed *f = d->f;
	fed_peer *p = d->p;

	sp_trust_unref(d->final_trust);
	d->final_trust = NULL;
	if (d->verdict != FED_V_DELIVERED) {
		/* RCP-9 for the final receipt: alarmed, and not complete */
		p->alarms++;
		f->delivery_alarms++;
		snprintf(p->last_alarm, sizeof(p->last_alarm),
		         "bad final receipt for sequence %llu: %.160s",
		         (unsigned long long)d->it.sequence, d->why);
		sp_log(SP_LOG_ERROR, "receipt_refused",
		       SP_LF_STR("peer", p->id),
		       SP_LF_STR("receiver", d->finals[d->k]),
		       SP_LF_UINT("sequence", d->it.sequence),
		       SP_LF_STR("why", d->why));
		relay_wait(f, d, d->why);
		return;
	}
	if (d->final_receipt == NULL) {
		d->final_receipt = d->body; /* the first is the one kept */
		d->final_len = d->body_len;
		d->body = NULL;
		d->body_len = 0;
	}
	d->k++;
	relay_ask(f, d);
}

static void on_final(void *ud, const sp_h2_response *resp)
{
	dl_item *d = ud;
	fed *f = d->f;
	char why[300];

	if (f->stopping) {
		fly_del(d->p, d->it.id);
		item_free(d);
		return;
	}
	if (resp->err != SP_OK) {
		snprintf(why, sizeof(why), "asking the gateway: %s",
		         sp_strerror(resp->err));
		relay_wait(f, d, why);
		return;
	}
	if (resp->status != 200) {
		snprintf(why, sizeof(why), "the gateway answered HTTP %d",
		         resp->status);
		relay_wait(f, d, why);
		return;
	}
	free(d->body);
	d->body_len = 0;
	if ((d->body = malloc(resp->body_len + 1)) == NULL) {
		relay_wait(f, d, "out of memory");
		return;
	}
	memcpy(d->body, resp->body, resp->body_len);
	d->body_len = resp->body_len;
	/* the receiver's own federation's list verifies it (FED-34) */
	if ((d->final_trust = sp_node_trust_for(f->n, d->finals[d->k])) ==
	    NULL) {
		relay_wait(f, d,
		           "no trust list this node holds lists the "
		           "receiver");
		return;
	}
	if (fed_pool(f, final_work, final_done, d) != SP_OK) {
		sp_trust_unref(d->final_trust);
		d->final_trust = NULL;
		relay_wait(f, d, "the node is busy");
	}
}

/* Loop: ask the gateway for finals[k]'s receipt, or, with all of them
 * verified, complete the delivery with the first. */
static void relay_ask(fed *f, dl_item *d)
{
	char path[sizeof("/v1/records//receipt?origin=&receiver=") +
	          SP_UUID_LEN + 2 * SP_NODE_ID_MAX];
	int err;

	if (d->k == d->n_finals) {
		sp_log(SP_LOG_INFO, "relay_complete",
		       SP_LF_STR("gateway", d->p->id),
		       SP_LF_UINT("sequence", d->it.sequence),
		       SP_LF_STR("record_id", d->it.record_id),
		       SP_LF_UINT("receivers", d->n_finals));
		free(d->body);
		d->body = d->final_receipt;
		d->body_len = d->final_len;
		d->final_receipt = NULL;
		d->verdict = FED_V_DELIVERED;
		apply(f, d);
		return;
	}
	if (d->p->client == NULL) {
		relay_wait(f, d, "the gateway is not connected");
		return;
	}
	snprintf(path, sizeof(path),
	         "/v1/records/%s/receipt?origin=%s&receiver=%s",
	         d->it.record_id, d->it.origin, d->finals[d->k]);
	err = sp_h2_client_request(d->p->client, "GET", path, NULL, 0, NULL, 0,
	                           on_final, d);
	if (err != SP_OK) {
		char why[120];

		snprintf(why, sizeof(why), "request: %s", sp_strerror(err));
		relay_wait(f, d, why);
	}
}

static void relay_start(fed *f, dl_item *d)
{
	relay_finals(f, d);
	if (d->n_finals > 0 && is_recipient(d, d->p->id)) {
		/* the gateway is an addressee too: its own receipt is the
		 * one to keep, once the receivers behind it have answered */
		d->final_receipt = d->body;
		d->final_len = d->body_len;
		d->body = NULL;
		d->body_len = 0;
	}
	if (d->n_finals == 0) {
		/* none of its recipients is reached through this peer any
		 * more (the lists changed since): its receipt is all there
		 * is to hold */
		sp_log(SP_LOG_WARN, "relay_no_final_receiver",
		       SP_LF_STR("peer", d->p->id),
		       SP_LF_STR("record_id", d->it.record_id));
		d->verdict = FED_V_DELIVERED;
		apply(f, d);
		return;
	}
	relay_ask(f, d);
}

typedef struct recip_job {
	dl_item *d;
	int failed;
} recip_job;

static void recip_work(void *arg)
{
	read_recipients(((recip_job *)arg)->d);
}

static void recip_done(void *arg)
{
	recip_job *j = arg;
	dl_item *d = j->d;
	int failed = j->failed;

	free(j);
	relay_finals(d->f, d);
	if (d->n_finals == 0 || d->f->stopping) {
		apply(d->f, d); /* not a relay: the usual retry or end */
		return;
	}
	if (failed)
		relay_overdue(d->f, d, d->why, 1);
	else
		relay_wait(d->f, d, d->why);
}

/* Loop: an own record's delivery to a peer did not succeed. When that
 * peer may be a gateway for it and the delivery failed for good, or its
 * first deadline has passed, read the record's recipients (worker) and let
 * relay_wait/relay_overdue decide. Returns 1 when it took d over. */
static int relay_check(fed *f, dl_item *d, int failed)
{
	recip_job *j;

	if (d->relay_checked || d->it.bytes == NULL ||
	    strcmp(d->it.origin, sp_node_config(f->n)->node_id) != 0 ||
	    !may_relay(sp_node_trust(f->n), d->p->id))
		return 0;
	if (!failed &&
	    fed_now_ms(f) / 1000 <
	        sp_peers__relay_due_s(d->it.received,
	                              sp_node_config(f->n)->relay_deadline, 0))
		return 0;
	d->relay_checked = 1;
	if ((j = calloc(1, sizeof(*j))) == NULL)
		return 0;
	j->d = d;
	j->failed = failed;
	if (fed_pool(f, recip_work, recip_done, j) != SP_OK) {
		free(j);
		return 0;
	}
	return 1;
}

static void pump(fed *f, fed_peer *p)
{
	static const sp_h2_header h[1] = {{"content-type", "application/xml"}};
	int64_t now = fed_now_ms(f);

	while (p->q_head != NULL && p->on_wire < FED_INFLIGHT_CAP &&
	       p->client != NULL && now >= p->hold_until_ms && !f->stopping) {
		dl_item *d = p->q_head;
		int err;

		p->q_head = d->next;
		if (p->q_head == NULL)
			p->q_tail = NULL;
		d->next = NULL;
		p->queued--;
		if (fly_add(p, d->it.id) != 0) {
			item_free(d);
			break;
		}
		/* counted first: the client may answer before it returns */
		p->on_wire++;
		err = sp_h2_client_request(p->client, "POST", "/v1/records", h,
		                           1, d->it.bytes, d->it.len,
		                           on_response, d);
		if (err != SP_OK) {
			p->on_wire--;
			d->verdict = FED_V_TRANSIENT;
			snprintf(d->why, sizeof(d->why), "request: %s",
			         sp_strerror(err));
			apply(f, d);
			continue;
		}
		/* the client copied them; an own record's to a gateway are
		 * kept, for its recipients ([FED-53]) */
		if (strcmp(d->it.origin, sp_node_config(f->n)->node_id) != 0 ||
		    !may_relay(sp_node_trust(f->n), p->id)) {
			free(d->it.bytes);
			d->it.bytes = NULL;
		}
	}
	if (p->queued < FED_QUEUE_CAP / 2 && p->rescan && !p->scanning &&
	    now >= p->hold_until_ms)
		fed_deliver_kick(f, p);
}
