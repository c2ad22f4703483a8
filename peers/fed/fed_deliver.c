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
};

static void pump(fed *f, fed_peer *p);

static void item_free(dl_item *d)
{
	fed *f = d->f;

	free(d->it.bytes);
	free(d->body);
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
	if (fed_pool(f, scan_work, scan_done, s) != SP_OK) {
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
	item_free(d);
	if (!f->stopping)
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

/* Loop thread: act on the verdict. */
static void apply(fed *f, dl_item *d)
{
	fed_peer *p = d->p;
	int64_t now_ms = fed_now_ms(f);
	int err;

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

int sp_peers__judge_receipt(sp_trust *trust, const uint8_t *body, size_t len,
                            const char *peer, const sp_fed_outbox_item *it,
                            const sp_verify_opts *o, char *why, size_t why_len)
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
	else
		return FED_V_DELIVERED;
	return FED_V_BAD_RECEIPT;
}

/* Worker: check the receipt, or read the problem. */
static void judge_work(void *arg)
{
	dl_item *d = arg;
	fed *f = d->f;
	sp_node *n = f->n;
	sp_verify_opts o;

	if (d->status == 200 || d->status == 201) {
		sp_verify_opts_default(&o);
		o.clock_skew = sp_node_config(n)->clock_skew;
		o.limits = sp_node_limits(n);
		d->verdict = sp_peers__judge_receipt(
		    d->trust, d->body, d->body_len, d->p->id, &d->it, &o,
		    d->why, sizeof(d->why));
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
		         perr == SP_ERR_UNKNOWN_ORIGIN)
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

static void pump(fed *f, fed_peer *p)
{
	static const sp_h2_header h[1] = {{"content-type", "application/xml"}};
	int64_t now = fed_now_ms(f);

	while (p->q_head != NULL && p->in_flight < FED_INFLIGHT_CAP &&
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
		err = sp_h2_client_request(p->client, "POST", "/v1/records", h,
		                           1, d->it.bytes, d->it.len,
		                           on_response, d);
		if (err != SP_OK) {
			d->verdict = FED_V_TRANSIENT;
			snprintf(d->why, sizeof(d->why), "request: %s",
			         sp_strerror(err));
			apply(f, d);
			continue;
		}
		free(d->it.bytes); /* the client copied them */
		d->it.bytes = NULL;
	}
	if (p->queued < FED_QUEUE_CAP / 2 && p->rescan && !p->scanning &&
	    now >= p->hold_until_ms)
		fed_deliver_kick(f, p);
}
