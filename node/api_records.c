/* api_records.c: POST /v1/records: verify a peer's record on the worker pool,
 * sign a receipt, make both durable by group commit, then answer. */
#include "node/node_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct rec_job {
	sp_node *n;
	sp_http_req *req;
	sp_trust *trust;
	const uint8_t *body;
	size_t body_len;
	char caller[SP_NODE_ID_MAX + 1];
	int refs; /* loop thread only: done_fn and the store's answer */
	int queued; /* set by the worker: the store will answer */
	/* worker results */
	int err;
	char why[256];
	char origin[SP_NODE_ID_MAX + 1];
	char record_id[SP_UUID_LEN + 1];
	uint64_t sequence;
	uint8_t *receipt;
	size_t receipt_len;
	/* store results (committer thread, before the mailbox hand-off) */
	int outcome;
	uint8_t *stored_receipt;
	size_t stored_receipt_len;
	char existing_digest[65];
} rec_job;

static void job_unref(rec_job *j)
{
	if (--j->refs > 0)
		return;
	sp_trust_unref(j->trust);
	free(j->receipt);
	free(j->stored_receipt);
	free(j);
}

static void set_why(rec_job *j, const char *why)
{
	snprintf(j->why, sizeof(j->why), "%s", why ? why : sp_strerror(j->err));
}

/* Committer thread: copy what the loop needs, hand over. */
static void finish(void *arg);
static void on_stored(void *ud, const sp_store_put_result *res)
{
	rec_job *j = ud;

	j->outcome = res->outcome;
	if (res->outcome == SP_STORE_DUPLICATE && res->receipt != NULL) {
		j->stored_receipt = malloc(res->receipt_len);
		if (j->stored_receipt != NULL) {
			memcpy(j->stored_receipt, res->receipt, res->receipt_len);
			j->stored_receipt_len = res->receipt_len;
		}
	}
	if (res->outcome == SP_STORE_EQUIVOCATION)
		memcpy(j->existing_digest, res->existing_digest, sizeof(j->existing_digest));
	sp_node__post(j->n, finish, j);
}

/* Worker thread. */
static void work(void *arg)
{
	rec_job *j = arg;
	sp_node *n = j->n;
	sp_verify_opts o;
	sp_record *rec = NULL;
	sp_doc *doc = NULL;
	sp_receipt_info ri;
	sp_store_put_req put;
	const char *why = NULL;
	uint8_t *unsigned_receipt = NULL;
	size_t ulen, i;
	char digest[65];
	const char *recips[SP_STORE_MAX_RECIPIENTS];
	sp_subject subjects[SP_STORE_MAX_SUBJECTS];
	uint64_t t0 = sp_monotonic_us();

	sp_verify_opts_default(&o);
	o.clock_skew = n->cfg->clock_skew;
	o.limits = &n->limits;
	j->err = sp_verify_record(j->trust, j->body, j->body_len, &o, &doc, &rec, &why);
	sp_metrics_observe(n->metrics, SP_HIST_VERIFY, (double)(sp_monotonic_us() - t0) / 1e6);
	if (j->err != SP_OK) {
		set_why(j, why);
		goto out;
	}
	snprintf(j->origin, sizeof(j->origin), "%s", sp_record_origin(rec));
	snprintf(j->record_id, sizeof(j->record_id), "%s", sp_record_id(rec));
	j->sequence = sp_record_sequence(rec);
	if (strcmp(j->origin, n->cfg->node_id) == 0) {
		j->err = SP_ERR_FORBIDDEN;
		set_why(j, "this node's own records are not accepted from peers");
		goto out;
	}
	if (!sp_record_visible_to(rec, n->cfg->node_id)) {
		j->err = SP_ERR_NOT_RECIPIENT;
		set_why(j, "the record is not addressed to this node");
		goto out;
	}
	if (sp_record_recipient_count(rec) > SP_STORE_MAX_RECIPIENTS ||
	    sp_record_subject_count(rec) > SP_STORE_MAX_SUBJECTS) {
		j->err = SP_ERR_TOO_LARGE;
		set_why(j, "too many recipients or subjects to index");
		goto out;
	}
	sp_sha256_hex(j->body, j->body_len, digest);

	memset(&ri, 0, sizeof(ri));
	memcpy(ri.record_id, j->record_id, sizeof(ri.record_id));
	memcpy(ri.origin, j->origin, sizeof(ri.origin));
	ri.sequence = j->sequence;
	memcpy(ri.record_digest, digest, sizeof(ri.record_digest));
	snprintf(ri.receiver, sizeof(ri.receiver), "%s", n->cfg->node_id);
	ri.received = (int64_t)time(NULL);
	ri.status = SP_RECEIPT_ACCEPTED;
	if ((j->err = sp_receipt_build(&ri, &unsigned_receipt, &ulen, &why)) != SP_OK ||
	    (j->err = sp_sign_document(n->sign_key, unsigned_receipt, ulen, &j->receipt,
				       &j->receipt_len, &why)) != SP_OK) {
		set_why(j, why);
		sp_log(SP_LOG_ERROR, "receipt_failed", "err=%s why=\"%s\"", sp_strerror(j->err), j->why);
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
	put.digest = digest;
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
	put.source = j->caller;
	/* The done_fn and on_stored each drop one reference; the loop thread
	 * owns the count, and done_fn runs there after this returns. */
	j->err = sp_store_put_async(n->store, &put, on_stored, j);
	if (j->err != SP_OK)
		set_why(j, "the store refused the write");
	else
		j->queued = 1; /* from here on only finish() reads the job */
out:
	free(unsigned_receipt);
	sp_record_free(rec);
	sp_doc_free(doc);
}

static void respond_error(rec_job *j)
{
	sp_node *n = j->n;
	char esc[SP_LOG_ESC_CAP];

	if (j->err != SP_ERR_OVERLOADED && j->err != SP_ERR_UNAVAILABLE)
		sp_metrics_rejected(n->metrics, j->err);
	sp_log(SP_LOG_INFO, "record_refused", "request_id=%s peer=%s err=%s why=%s",
	       sp_http_req_id(j->req), j->caller, sp_strerror(j->err),
	       sp_log_esc(esc, sizeof(esc), j->why, strlen(j->why)));
	sp_api__problem(n, j->req, SP_EP_RECORDS_POST, j->err, j->why);
}

/* Loop thread, after work(). */
static void done(void *arg)
{
	rec_job *j = arg;

	if (!j->queued) {
		respond_error(j);
		j->refs--; /* the store will never answer */
	}
	job_unref(j);
}

/* Loop thread, after the group commit. */
static void finish(void *arg)
{
	rec_job *j = arg;
	sp_node *n = j->n;
	uint8_t *body;

	switch (j->outcome) {
	case SP_STORE_INSERTED:
		sp_metrics_accepted(n->metrics);
		sp_log(SP_LOG_INFO, "record_accepted", "request_id=%s peer=%s origin=%s sequence=%llu record_id=%s",
		       sp_http_req_id(j->req), j->caller, j->origin,
		       (unsigned long long)j->sequence, j->record_id);
		body = j->receipt;
		j->receipt = NULL;
		sp_api__respond(n, j->req, SP_EP_RECORDS_POST, 201, "application/xml", body,
				j->receipt_len);
		break;
	case SP_STORE_DUPLICATE:
		sp_metrics_count(n->metrics, SP_CTR_DUPLICATES, 1);
		if (j->stored_receipt == NULL) {
			j->err = SP_ERR_INTERNAL;
			set_why(j, "the stored receipt could not be read");
			respond_error(j);
			break;
		}
		body = j->stored_receipt;
		j->stored_receipt = NULL;
		sp_api__respond(n, j->req, SP_EP_RECORDS_POST, 200, "application/xml", body,
				j->stored_receipt_len);
		break;
	case SP_STORE_EQUIVOCATION:
		sp_metrics_count(n->metrics, SP_CTR_EQUIVOCATIONS, 1);
		sp_log(SP_LOG_ERROR, "equivocation", "origin=%s sequence=%llu record_id=%s peer=%s stored_digest=%s",
		       j->origin, (unsigned long long)j->sequence, j->record_id,
		       j->caller, j->existing_digest);
		j->err = SP_ERR_EQUIVOCATION;
		snprintf(j->why, sizeof(j->why),
			 "a different record is held for %s sequence %llu (digest %s); both are kept as evidence",
			 j->origin, (unsigned long long)j->sequence, j->existing_digest);
		respond_error(j);
		break;
	default:
		j->err = j->outcome < 0 ? j->outcome : SP_ERR_INTERNAL;
		set_why(j, "the record could not be stored");
		sp_log(SP_LOG_ERROR, "store_failed", "origin=%s sequence=%llu err=%s",
		       j->origin, (unsigned long long)j->sequence, sp_strerror(j->err));
		respond_error(j);
		break;
	}
	job_unref(j);
}

void sp_api_post_record(sp_node *n, sp_http_req *req, const sp_caller *c)
{
	rec_job *j;
	const char *ctype = sp_http_req_header(req, "content-type", NULL);
	int err;

	if (ctype == NULL || strncmp(ctype, "application/xml", 15) != 0 ||
	    (ctype[15] != '\0' && ctype[15] != ';')) {
		sp_api__problem(n, req, SP_EP_RECORDS_POST, SP_ERR_MEDIA_TYPE,
				"records are sent as application/xml");
		return;
	}
	if ((j = calloc(1, sizeof(*j))) == NULL) {
		sp_api__problem(n, req, SP_EP_RECORDS_POST, SP_ERR_NOMEM, NULL);
		return;
	}
	j->n = n;
	j->req = req;
	j->trust = sp_trust_ref(n->trust);
	j->body = sp_http_req_body(req, &j->body_len);
	snprintf(j->caller, sizeof(j->caller), "%s", c->id);
	j->refs = 2;
	if ((err = sp_pool_submit(n->pool, work, done, j)) != SP_OK) {
		sp_api__problem(n, req, SP_EP_RECORDS_POST, err,
				"the node is at capacity; retry later");
		j->refs = 1;
		job_unref(j);
	}
}
