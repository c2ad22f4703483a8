/* submit.c: a local operator's submission becomes this node's next record:
 * queued, Sequence assigned in order, signed, logged, queued for delivery,
 * answered once durable (sp_node_submit; POST /v1/submit is its handler). */
#include "node_int.h"
#include "relay_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct sp_submit_job {
	sp_submit_job *next;
	sp_node *n;
	sp_submit_cb cb;
	void *ud;
	sp_trust *trust;
	const uint8_t *body;
	size_t body_len;
	uint64_t sequence;
	int refs;
	int queued;
	int err;
	char why[256];
	char record_id[SP_UUID_LEN + 1];
	uint8_t *record;
	size_t record_len;
	int outcome;
	/* SP_STORE_SEQUENCE_TAKEN: signed again at the next free Sequence,
	 * up to SUBMIT_RESIGN_MAX times, once both done() and finish() ran */
	unsigned resigned;
	int resign;
};

#define SUBMIT_QUEUE_MAX 10000
/* Another process of this node (a shared PostgreSQL store) may take the
 * Sequence a submission was signed at; under a burst on every process a
 * submission can lose that race a few times in a row. */
#define SUBMIT_RESIGN_MAX 64

static void kick(sp_node *n);

void sp_node__submit_kick(sp_node *n)
{
	kick(n);
}

static void job_unref(sp_submit_job *j)
{
	if (--j->refs > 0)
		return;
	sp_trust_unref(j->trust);
	free(j->record);
	free(j);
}

/* Tell the submitter, once. */
static void report(sp_submit_job *j, int err, const char *why)
{
	sp_submit_result res;

	memset(&res, 0, sizeof(res));
	res.err = err;
	res.why = why;
	res.origin = j->n->cfg->node_id;
	res.record_id = j->record_id;
	res.sequence = j->sequence;
	if (err == SP_OK) {
		res.record = j->record;
		res.record_len = j->record_len;
		j->record = NULL;
	}
	j->cb(j->ud, &res);
	free(res.record); /* unless the callback took it */
}

static void finish(void *arg);
static void on_stored(void *ud, const sp_store_put_result *res)
{
	sp_submit_job *j = ud;

	j->outcome = res->outcome;
	sp_node_post(j->n, finish, j);
}

/* Worker: parse, build, sign, queue the write. */
static void work(void *arg)
{
	sp_submit_job *j = arg;
	sp_node *n = j->n;
	const sp_tl *tl = sp_trust_list(j->trust);
	sp_submission *sub = NULL;
	sp_record_draft d;
	sp_store_put_req put;
	const char *why = NULL;
	uint8_t *unsigned_rec = NULL;
	size_t ulen, i, n_deliver = 0;
	const char *deliver[SP_STORE_MAX_RECIPIENTS];
	char digest[65];
	int err;

	if ((j->err = sp_submission_parse(j->body, j->body_len, &n->limits,
	                                  &sub, &why)) != SP_OK ||
	    (j->err = sp_submission_draft(sub, &d, &why)) != SP_OK)
		goto fail;
	if (sp_uuid_v4(j->record_id) != SP_OK) {
		j->err = SP_ERR_INTERNAL;
		goto fail;
	}
	d.record_id = j->record_id;
	d.origin = n->cfg->node_id;
	d.sequence = j->sequence;
	d.issued = (int64_t)time(NULL);
	/* Deliver to the named members, or to every other member. */
	if (d.broadcast) {
		/* Broadcast reaches every active member; a suspended or
		 * revoked one would refuse the delivery anyway. */
		for (i = 0;
		     i < tl->n_members && n_deliver < SP_STORE_MAX_RECIPIENTS;
		     i++)
			if (strcmp(tl->members[i].node_id, n->cfg->node_id) !=
			        0 &&
			    tl->members[i].status == SP_STATUS_ACTIVE)
				deliver[n_deliver++] = tl->members[i].node_id;
	} else {
		if (d.n_recipients > SP_STORE_MAX_RECIPIENTS) {
			j->err = SP_ERR_FIELD;
			why = "Recipients: too many";
			goto fail;
		}
		/* Members of this federation directly; members of another
		 * followed federation through a gateway (relay.c). */
		if ((j->err = sp_node__route_submit(
		         n, j->trust, d.recipients, d.n_recipients, deliver,
		         &n_deliver, j->why, sizeof(j->why))) != SP_OK)
			goto fail_keep_why;
	}
	if ((j->err = sp_record_build(&d, &unsigned_rec, &ulen, &why)) !=
	        SP_OK ||
	    (j->err = sp_sign_document(n->sign_key, unsigned_rec, ulen,
	                               &j->record, &j->record_len, &why)) !=
	        SP_OK)
		goto fail;
	sp_sha256_hex(j->record, j->record_len, digest);

	memset(&put, 0, sizeof(put));
	put.bytes = j->record;
	put.len = j->record_len;
	put.record_id = j->record_id;
	put.origin = n->cfg->node_id;
	put.sequence = j->sequence;
	put.type = d.type;
	put.issued = d.issued;
	put.received = d.issued;
	put.digest = digest;
	put.broadcast = d.broadcast;
	put.recipients = d.recipients;
	put.n_recipients = d.n_recipients;
	put.subjects = d.subjects;
	put.n_subjects = d.n_subjects;
	put.deliver_to = deliver;
	put.n_deliver_to = n_deliver;
	put.next_only = 1;
	/* Once the store has the write, finish() may run on the loop thread
	 * before this returns: the job is not written after the call unless
	 * the store refused it (and so will never answer). */
	j->queued = 1;
	if ((err = sp_store_put_async(n->store, &put, on_stored, j)) != SP_OK) {
		j->queued = 0;
		j->err = err;
		why = "the store refused the write";
		goto fail;
	}
	free(unsigned_rec);
	sp_submission_free(sub);
	return;
fail:
	snprintf(j->why, sizeof(j->why), "%s", why ? why : sp_strerror(j->err));
fail_keep_why:
	free(unsigned_rec);
	sp_submission_free(sub);
}

/* Back to the head of the queue, to be signed at the next free Sequence
 * (loop thread; the job's worker and store answer are both done). */
static void resign(sp_submit_job *j)
{
	sp_node *n = j->n;

	free(j->record);
	j->record = NULL;
	j->record_len = 0;
	sp_trust_unref(j->trust);
	j->trust = NULL;
	j->queued = 0;
	j->resign = 0;
	j->resigned++;
	j->next = n->submit_head;
	n->submit_head = j;
	if (n->submit_tail == NULL)
		n->submit_tail = j;
	n->submit_queued++;
	kick(n);
}

static void done(void *arg)
{
	sp_submit_job *j = arg;
	sp_node *n = j->n;

	n->submit_busy = 0;
	if (j->resign) {
		/* finish() ran first and set next_sequence from the store */
		j->refs--;
		resign(j);
		return;
	}
	if (j->queued) {
		n->next_sequence = j->sequence + 1;
	} else {
		report(j, j->err, j->why);
		j->refs--;
	}
	job_unref(j);
	kick(n);
}

static void finish(void *arg)
{
	sp_submit_job *j = arg;
	sp_node *n = j->n;

	if (j->outcome == SP_STORE_INSERTED) {
		sp_node_event_args a = {.record_id = j->record_id,
		                        .sequence = j->sequence};

		sp_metrics_count(n->metrics, SP_CTR_SUBMITTED, 1);
		report(j, SP_OK, NULL);
		sp_node__notify(n, SP_NODE_EV_OWN_RECORD_STORED, &a);
	} else if (j->outcome == SP_STORE_SEQUENCE_TAKEN &&
	           j->resigned < SUBMIT_RESIGN_MAX) {
		uint64_t next;

		sp_log(SP_LOG_INFO, "submission_sequence_taken",
		       SP_LF_UINT("sequence", j->sequence),
		       SP_LF_UINT("resigned", j->resigned));
		if (sp_store_next_sequence(n->store, n->cfg->node_id, &next) ==
		    SP_OK)
			n->next_sequence = next;
		if (--j->refs > 0) {
			j->resign = 1; /* done() requeues it */
			return;
		}
		resign(j);
		return;
	} else {
		/* A failed commit leaves a hole in the Sequence unless the
		 * next submission reuses it: re-read where the log stands. */
		uint64_t next;

		sp_log(SP_LOG_ERROR, "submission_store_failed",
		       SP_LF_UINT("sequence", j->sequence),
		       SP_LF_INT("outcome", j->outcome));
		if (sp_store_next_sequence(n->store, n->cfg->node_id, &next) ==
		    SP_OK)
			n->next_sequence = next;
		report(j, j->outcome < 0 ? j->outcome : SP_ERR_INTERNAL,
		       "the record could not be stored");
	}
	job_unref(j);
}

static void kick(sp_node *n)
{
	sp_submit_job *j;
	int err;

	/* during the start-up check of the own log (FED-45) submissions
	 * wait in the queue rather than being refused */
	while (!n->submit_busy && !(n->fenced && n->fence_hold) &&
	       (j = n->submit_head) != NULL) {
		n->submit_head = j->next;
		if (n->submit_head == NULL)
			n->submit_tail = NULL;
		n->submit_queued--;
		if (n->fenced) {
			/* FED-44: no Sequence is signed until the own log is
			 * recovered */
			report(j, SP_ERR_FENCED, n->fence_why);
			j->refs = 1;
			job_unref(j);
			continue;
		}
		j->sequence = n->next_sequence;
		j->trust = sp_trust_ref(n->trust);
		j->refs = 2;
		if ((err = sp_pool_submit(n->pool, work, done, j)) != SP_OK) {
			report(j, err, "the node is at capacity; retry later");
			j->refs = 1;
			job_unref(j);
			continue;
		}
		n->submit_busy = 1;
	}
}

int sp_node_submit(sp_node *n, const uint8_t *bytes, size_t len,
                   sp_submit_cb cb, void *ud)
{
	sp_submit_job *j;

	if (n->submit_queued >= SUBMIT_QUEUE_MAX)
		return SP_ERR_OVERLOADED;
	if ((j = calloc(1, sizeof(*j))) == NULL)
		return SP_ERR_NOMEM;
	j->n = n;
	j->cb = cb;
	j->ud = ud;
	j->body = bytes;
	j->body_len = len;
	if (n->submit_tail)
		n->submit_tail->next = j;
	else
		n->submit_head = j;
	n->submit_tail = j;
	n->submit_queued++;
	kick(n);
	return SP_OK;
}
