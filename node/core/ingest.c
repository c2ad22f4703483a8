/* ingest.c: the one path by which a record from a peer is accepted, whether
 * pushed (POST /v1/records) or pulled (catch-up): verify on the worker pool,
 * sign a receipt, make both durable by group commit, answer on the loop. */
#include "node_int.h"
#include "relay_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct ingest_job {
	sp_node *n;
	sp_trust *trust;
	const uint8_t *body;
	size_t body_len;
	char source[SP_NODE_ID_MAX + 1];
	char expect_origin[SP_NODE_ID_MAX + 1];
	int64_t expect_sequence;
	sp_ingest_cb cb;
	void *ud;
	int refs;   /* loop thread only: done() and the store's answer */
	int queued; /* set by the worker: the store will answer */
	/* worker results */
	int err;
	char why[256];
	char origin[SP_NODE_ID_MAX + 1];
	char record_id[SP_UUID_LEN + 1];
	char digest[65];
	uint64_t sequence;
	size_t n_relay; /* outbox rows queued with the record (gateway) */
	uint8_t *receipt;
	size_t receipt_len;
	/* store results (committer thread, before the mailbox hand-off) */
	int outcome;
	uint8_t *stored_receipt;
	size_t stored_receipt_len;
	char existing_digest[65];
} ingest_job;

static void job_unref(ingest_job *j)
{
	if (--j->refs > 0)
		return;
	sp_trust_unref(j->trust);
	free(j->receipt);
	free(j->stored_receipt);
	free(j);
}

static void set_why(ingest_job *j, const char *why)
{
	snprintf(j->why, sizeof(j->why), "%s", why ? why : sp_strerror(j->err));
}

static void finish(void *arg);

/* Committer thread: copy what the loop needs, hand over. */
static void on_stored(void *ud, const sp_store_put_result *res)
{
	ingest_job *j = ud;

	j->outcome = res->outcome;
	if (res->outcome == SP_STORE_DUPLICATE && res->receipt != NULL) {
		j->stored_receipt = malloc(res->receipt_len);
		if (j->stored_receipt != NULL) {
			memcpy(j->stored_receipt, res->receipt,
			       res->receipt_len);
			j->stored_receipt_len = res->receipt_len;
		}
	}
	if (res->outcome == SP_STORE_EQUIVOCATION ||
	    res->outcome == SP_STORE_ID_REUSED)
		memcpy(j->existing_digest, res->existing_digest,
		       sizeof(j->existing_digest));
	sp_node_post(j->n, finish, j);
}

/* A received record takes effect only once proven in its Origin's
 * witnessed log (SPEC [FED-55]): pending until then. An Origin whose log
 * this node does not follow (no LogKey in the home list, or a member of a
 * followed federation only) can never be proven here: unlogged. */
static int log_state_on_arrival(const sp_trust *home, const char *origin)
{
	const sp_tl_member *m = sp_tl_find(sp_trust_list(home), origin);

	return m != NULL && m->log_key != NULL ? SP_LOG_PENDING
	                                       : SP_LOG_UNLOGGED;
}

/* Worker thread. */
static void work(void *arg)
{
	ingest_job *j = arg;
	sp_node *n = j->n;
	sp_verify_opts o;
	sp_record *rec = NULL;
	sp_receipt_info ri;
	sp_store_put_req put;
	const char *why = NULL;
	sp_doc *unsigned_receipt = NULL;
	size_t i;
	int err;
	const char *recips[SP_STORE_MAX_RECIPIENTS];
	const char *relay[SP_STORE_MAX_RECIPIENTS];
	int addressee = 0;
	sp_subject subjects[SP_STORE_MAX_SUBJECTS];
	uint8_t signed_digest[32];
	sp_store_reader *r;
	uint64_t t0 = sp_monotonic_us();
	int64_t signer_until = 0;
	int log_state, revoked = 0, canonical = 0;

	sp_sha256_hex(j->body, j->body_len, j->digest);
	/* The same bytes again: they were verified when first accepted, and
	 * the answer is the receipt given then (SPEC API-24). */
	if (j->expect_origin[0] == '\0' && (r = sp_node_reader(n)) != NULL &&
	    sp_store_fed_by_digest(r, j->digest, j->record_id, j->origin,
	                           &j->sequence, &j->stored_receipt,
	                           &j->stored_receipt_len) == SP_OK) {
		j->outcome = SP_STORE_DUPLICATE;
		j->queued = 1; /* finish() answers, as after a store put */
		sp_node_post(n, finish, j);
		return;
	}
	sp_verify_opts_default(&o);
	o.clock_skew = n->cfg->clock_skew;
	o.limits = &n->limits;
	/* with witnesses, the signer is judged when the record is proven to
	 * have existed, at confirmation (SPEC [TL-78]) */
	o.existence_later = sp_trust_list(j->trust)->quorum > 0;
	o.signer_until = &signer_until;
	o.signer_revoked = &revoked;
	/* Another byte string of a held record decides nothing by itself:
	 * the store compares what the two sign (SPEC LOG-37). */
	o.signed_digest = signed_digest;
	o.read_canonically = &canonical;
	j->err = sp_node__verify_record(n, j->trust, j->body, j->body_len, &o,
	                                NULL, &rec, &why);
	/* every record that verifies is canonical (SPEC REC-29), and the
	 * canonical reader reads every such record SREP defines today: a
	 * count here is a form it does not model, for example a foreign
	 * Extension namespace, costing a second read */
	if (j->err == SP_OK && !canonical)
		sp_metrics_count(n->metrics, SP_CTR_READ_LIBXML2, 1);
	sp_metrics_observe(n->metrics, SP_HIST_VERIFY,
	                   (double)(sp_monotonic_us() - t0) / 1e6);
	if (j->err != SP_OK) {
		set_why(j, why);
		goto out;
	}
	snprintf(j->origin, sizeof(j->origin), "%s", sp_record_origin(rec));
	snprintf(j->record_id, sizeof(j->record_id), "%s", sp_record_id(rec));
	j->sequence = sp_record_sequence(rec);
	if ((j->expect_origin[0] != '\0' &&
	     strcmp(j->origin, j->expect_origin) != 0) ||
	    (j->expect_sequence >= 0 &&
	     j->sequence != (uint64_t)j->expect_sequence)) {
		j->err = SP_ERR_FIELD;
		set_why(j, "the record's Origin or Sequence is not the log "
		           "position it was served at");
		goto out;
	}
	/* A record that will never be proven here (unlogged) has no existence
	 * bound: its signer must be valid now too, as without witnesses. */
	log_state = log_state_on_arrival(j->trust, j->origin);
	if (log_state != SP_LOG_PENDING &&
	    signer_until < (int64_t)time(NULL) - n->cfg->clock_skew) {
		/* a revoked signer's record, dated before its InvalidFrom,
		 * is accepted only once proven to precede it ([TL-77]);
		 * never proven here, it is refused for the revocation, not
		 * for an expiry */
		if (revoked) {
			j->err = SP_ERR_SIGNER_REVOKED;
			set_why(j, "the signer is revoked, and this record "
			           "cannot be proven here to precede its "
			           "InvalidFrom");
		} else {
			j->err = SP_ERR_SIGNER_EXPIRED;
			set_why(j, "no signing certificate of the signer is "
			           "valid at the document's time and now");
		}
		goto out;
	}
	/* a backdated Issued, which the Origin's witnessed log refutes */
	if ((j->err = sp_node__issued_check(n, j->trust, j->origin, j->sequence,
	                                    sp_record_issued(rec), j->why,
	                                    sizeof(j->why))) != SP_OK)
		goto out;
	if (strcmp(j->origin, n->cfg->node_id) == 0) {
		j->err = SP_ERR_FORBIDDEN;
		set_why(j,
		        "this node's own records are not accepted from peers");
		goto out;
	}
	if (sp_record_recipient_count(rec) > SP_STORE_MAX_RECIPIENTS ||
	    sp_record_subject_count(rec) > SP_STORE_MAX_SUBJECTS) {
		j->err = SP_ERR_TOO_LARGE;
		set_why(j, "too many recipients or subjects to index");
		goto out;
	}
	/* An addressee, or a gateway towards recipients of another
	 * federation (SPEC 13.5). */
	if ((j->err = sp_node__route_received(
	         n, j->trust, rec, relay, &j->n_relay, &addressee)) != SP_OK) {
		set_why(j, "the record is not addressed to this node, and this "
		           "node relays none of its recipients");
		goto out;
	}

	memset(&ri, 0, sizeof(ri));
	memcpy(ri.record_id, j->record_id, sizeof(ri.record_id));
	memcpy(ri.origin, j->origin, sizeof(ri.origin));
	ri.sequence = j->sequence;
	memcpy(ri.record_digest, j->digest, sizeof(ri.record_digest));
	snprintf(ri.receiver, sizeof(ri.receiver), "%s", n->cfg->node_id);
	ri.received = (int64_t)time(NULL);
	ri.status = addressee ? SP_RECEIPT_ACCEPTED : SP_RECEIPT_RELAYED;
	/* built as a tree and signed at once: no bytes of our own are
	 * written and parsed back (sp_receipt_build_doc) */
	if ((j->err = sp_receipt_build_doc(&ri, &unsigned_receipt, &why)) !=
	        SP_OK ||
	    (j->err = sp_sign_receipt(n->sign_key, unsigned_receipt,
	                              &j->receipt, &j->receipt_len, &why)) !=
	        SP_OK) {
		set_why(j, why);
		sp_log(SP_LOG_ERROR, "receipt_failed",
		       SP_LF_STR("err", sp_strerror(j->err)),
		       SP_LF_STR("why", j->why));
		j->err = SP_ERR_INTERNAL;
		goto out;
	}

	memset(&put, 0, sizeof(put));
	put.bytes = j->body;
	put.len = j->body_len;
	put.record_id = j->record_id;
	put.origin = j->origin;
	put.sequence = j->sequence;
	put.type = sp_record_type_code(rec);
	put.issued = sp_record_issued(rec);
	put.received = ri.received;
	put.digest = j->digest;
	put.signed_digest = signed_digest;
	put.broadcast = sp_record_is_broadcast(rec);
	for (i = 0; i < sp_record_recipient_count(rec); i++)
		recips[i] = sp_record_recipient(rec, i);
	put.recipients = recips;
	put.n_recipients = sp_record_recipient_count(rec);
	for (i = 0; i < sp_record_subject_count(rec); i++)
		subjects[i] = *sp_record_subject(rec, i);
	put.subjects = subjects;
	put.n_subjects = sp_record_subject_count(rec);
	put.receipt = j->receipt;
	put.receipt_len = j->receipt_len;
	put.source = j->source[0] ? j->source : NULL;
	put.deliver_to = relay; /* durable with the receipt (FED-25) */
	put.n_deliver_to = j->n_relay;
	put.log_state = log_state;
	if (o.existence_later && log_state == SP_LOG_PENDING)
		put.signer_until = signer_until;
	/* done() and on_stored() each drop one reference; the loop thread
	 * owns the count, and done() runs there after this returns. Once the
	 * store has the write, finish() may run on the loop thread before
	 * this returns: nothing here writes the job after the call unless
	 * the store refused it (and so will never answer). */
	j->queued = 1;
	if ((err = sp_store_put_async(n->store, &put, on_stored, j)) != SP_OK) {
		j->queued = 0;
		j->err = err;
		set_why(j, "the store refused the write");
	}
out:
	sp_doc_free(unsigned_receipt);
	sp_record_free(rec);
}

static void report(ingest_job *j)
{
	sp_ingest_result r;

	memset(&r, 0, sizeof(r));
	r.err = j->err;
	r.why = j->why;
	r.outcome = j->err == SP_OK ? j->outcome : 0;
	r.origin = j->origin;
	r.record_id = j->record_id;
	r.sequence = j->sequence;
	memcpy(r.digest, j->digest, sizeof(r.digest));
	if (j->err == SP_OK && j->outcome == SP_STORE_INSERTED) {
		r.receipt = j->receipt;
		r.receipt_len = j->receipt_len;
	} else if (j->err == SP_OK && j->outcome == SP_STORE_DUPLICATE) {
		r.receipt = j->stored_receipt;
		r.receipt_len = j->stored_receipt_len;
	}
	if (j->err == SP_OK && j->outcome == SP_STORE_EQUIVOCATION)
		r.existing_digest = j->existing_digest;
	j->cb(j->ud, &r);
}

/* Loop thread, after work(). */
static void done(void *arg)
{
	ingest_job *j = arg;

	if (!j->queued) {
		report(j);
		j->refs--; /* the store will never answer */
	}
	job_unref(j);
}

/* Loop thread, after the group commit. */
static void finish(void *arg)
{
	ingest_job *j = arg;
	sp_node *n = j->n;

	j->err = SP_OK;
	if (j->outcome < 0) {
		j->err = j->outcome;
		set_why(j, "the record could not be stored");
		sp_log(SP_LOG_ERROR, "store_failed",
		       SP_LF_STR("origin", j->origin),
		       SP_LF_UINT("sequence", j->sequence),
		       SP_LF_STR("err", sp_strerror(j->err)));
	} else if (j->outcome == SP_STORE_ID_REUSED) {
		/* The Origin itself gave one RecordId to two records (REC-26);
		 * another Origin's record with this id would be no clash. */
		j->err = SP_ERR_FIELD;
		snprintf(j->why, sizeof(j->why),
		         "Header/RecordId: %s already names the record of %s "
		         "with digest %s",
		         j->record_id, j->origin, j->existing_digest);
	} else if (j->outcome == SP_STORE_EQUIVOCATION) {
		/* Both records verified with the Origin's key (LOG-37, LOG-40).
		 */
		sp_metrics_count(n->metrics, SP_CTR_EQUIVOCATIONS, 1);
		sp_log(SP_LOG_ERROR, "equivocation_alarm",
		       SP_LF_STR("kind", "record"),
		       SP_LF_STR("origin", j->origin),
		       SP_LF_UINT("sequence", j->sequence),
		       SP_LF_STR("record_id", j->record_id),
		       SP_LF_STR("source", j->source[0] ? j->source : NULL),
		       SP_LF_STR("stored_digest", j->existing_digest),
		       SP_LF_STR("other_digest", j->digest));
		snprintf(j->why, sizeof(j->why),
		         "a different record is held for %s sequence %llu "
		         "(digest %s); both are kept as evidence",
		         j->origin, (unsigned long long)j->sequence,
		         j->existing_digest);
	} else if (j->outcome == SP_STORE_INSERTED) {
		sp_metrics_accepted(n->metrics);
		/* before the caller's answer, so that the federation side
		 * knows of the record by the time the caller is told */
		if (strcmp(j->origin, n->cfg->node_id) != 0) {
			sp_node_event_args a = {.origin = j->origin,
			                        .sequence = j->sequence,
			                        .digest = j->digest};

			sp_node__notify(n, SP_NODE_EV_RECORD_RECEIVED, &a);
		}
		if (j->n_relay > 0) {
			sp_node_event_args a = {.record_id = j->record_id};

			sp_log(SP_LOG_INFO, "record_relayed",
			       SP_LF_STR("origin", j->origin),
			       SP_LF_UINT("sequence", j->sequence),
			       SP_LF_STR("record_id", j->record_id),
			       SP_LF_UINT("recipients", j->n_relay),
			       SP_LF_STR("source",
			                 j->source[0] ? j->source : NULL));
			sp_node__notify(n, SP_NODE_EV_RELAY_STORED, &a);
		}
	} else if (j->outcome == SP_STORE_DUPLICATE) {
		sp_metrics_count(n->metrics, SP_CTR_DUPLICATES, 1);
	}
	report(j);
	job_unref(j);
}

int sp_node_ingest(sp_node *n, const uint8_t *bytes, size_t len,
                   const sp_ingest_opts *o, sp_ingest_cb cb, void *ud)
{
	ingest_job *j;
	int err;

	if (n == NULL || bytes == NULL || cb == NULL)
		return SP_ERR_INVALID_ARGUMENT;
	if (n->stopping)
		return SP_ERR_UNAVAILABLE;
	/* SPEC [TL-66]: a stale list may hide a revocation; pushed records
	 * are refused before (the caller is not active), pulled ones wait */
	if (sp_node_list_stale(n))
		return SP_ERR_TRUST_LIST_STALE;
	if ((j = calloc(1, sizeof(*j))) == NULL)
		return SP_ERR_NOMEM;
	j->n = n;
	j->trust = sp_trust_ref(n->trust);
	j->body = bytes;
	j->body_len = len;
	j->expect_sequence = -1;
	if (o != NULL) {
		if (o->source != NULL)
			snprintf(j->source, sizeof(j->source), "%s", o->source);
		if (o->expect_origin != NULL)
			snprintf(j->expect_origin, sizeof(j->expect_origin),
			         "%s", o->expect_origin);
		j->expect_sequence = o->expect_sequence;
	}
	j->cb = cb;
	j->ud = ud;
	j->refs = 2;
	if ((err = sp_pool_submit(n->pool, work, done, j)) != SP_OK) {
		j->refs = 1;
		job_unref(j);
		return err;
	}
	return SP_OK;
}
