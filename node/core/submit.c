/* submit.c: a local operator's submission becomes this node's next record:
 * checked, numbered in order, signed in parallel on the worker pool, handed
 * to the group commit in Sequence order, answered once durable
 * (sp_node_submit; POST /v1/submit is its handler).
 *
 * A submission goes through three steps:
 *
 *   check   (pool)  parse the Submission, make the draft, route its
 *                   recipients; a refusal here costs no Sequence
 *   number  (loop)  the next Sequence and the Issued time, in order, so both
 *                   rise together (REC-7); the job joins the window
 *   sign    (pool)  build and sign the record, in parallel with the others
 *
 * The window holds the numbered jobs in Sequence order. Its head goes to the
 * store as soon as it is signed, so the store receives the own log's records
 * in order and commits many in one transaction. A job that fails after it
 * was numbered (its record does not build, or the store refuses it) would
 * leave a hole: the jobs behind it are numbered again from its Sequence and
 * signed again. The store takes own records only as the log's next leaf
 * (sp_store_put_req.append_only), so after a failed commit the records
 * queued behind it fail too instead of landing after a gap. */
#include "node_int.h"
#include "relay_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef enum job_state {
	JOB_CHECKING = 1, /* on the pool: parse, draft, route */
	JOB_SIGNING,      /* numbered, on the pool: build, sign */
	JOB_SIGNED,       /* numbered and signed, waiting for its turn */
	JOB_FAILED,       /* numbered, could not be signed */
	JOB_STORING,      /* handed to the store */
} job_state;

struct sp_submit_job {
	sp_submit_job *next; /* the waiting queue, then the window */
	sp_node *n;
	sp_submit_cb cb;
	void *ud;
	sp_trust *trust;
	const uint8_t *body;
	size_t body_len;
	job_state state;
	/* numbered again while on the pool (the worker reads `sequence`, so
	 * the new one waits here): sign once more with it when back */
	int stale;
	uint64_t stale_sequence;
	/* n->submit_epoch when handed to the store */
	unsigned epoch;
	/* check */
	sp_submission *sub;
	sp_record_draft d; /* borrows from sub */
	const char *deliver[SP_STORE_MAX_DELIVER];
	size_t n_deliver;
	/* number */
	uint64_t sequence;
	int64_t issued;
	/* sign */
	char record_id[SP_UUID_LEN + 1];
	uint8_t *record;
	size_t record_len;
	uint8_t signed_digest[32];
	int err;
	char why[256];
	/* store */
	int outcome;
	unsigned resigned; /* times signed again at another Sequence */
};

#define SUBMIT_QUEUE_MAX 10000

static void kick(sp_node *n);
static void flush(sp_node *n);

void sp_node__submit_kick(sp_node *n)
{
	kick(n);
}

/* Jobs taken from the waiting queue at once: enough to keep every worker
 * signing while the loop numbers and stores, few enough that a failure
 * re-signs little. */
static size_t parallel_max(const sp_node *n)
{
	return 2 * (size_t)sp_pool_threads(n->pool);
}

static void job_free(sp_submit_job *j)
{
	sp_trust_unref(j->trust);
	sp_submission_free(j->sub);
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

/* Refuse a job that no longer counts as active. */
static void refuse(sp_submit_job *j, int err, const char *why)
{
	report(j, err, why);
	job_free(j);
}

static void fail_why(sp_submit_job *j, const char *why)
{
	snprintf(j->why, sizeof(j->why), "%s", why ? why : sp_strerror(j->err));
}

/* ---------------------------------------------------------------- check */

/* Worker: what can refuse a submission before it has a Sequence. */
static void check_work(void *arg)
{
	sp_submit_job *j = arg;
	sp_node *n = j->n;
	const sp_tl *tl = sp_trust_list(j->trust);
	const char *why = NULL;
	size_t i;

	if ((j->err = sp_submission_parse(j->body, j->body_len, &n->limits,
	                                  &j->sub, &why)) != SP_OK ||
	    (j->err = sp_submission_draft(j->sub, &j->d, &why)) != SP_OK) {
		fail_why(j, why);
		return;
	}
	/* SPEC [TL-62]: the node never signs a Type its own entry forbids;
	 * every receiver would refuse the record, and the log would hold it. */
	if (!sp_tl_member_may_originate(sp_tl_find(tl, n->cfg->node_id),
	                                j->d.type)) {
		j->err = SP_ERR_TYPE_NOT_AUTHORIZED;
		fail_why(j, "this node's trust-list entry does not let it "
		            "originate records of this Type");
		return;
	}
	if ((j->err = sp_uuid_v4(j->record_id)) != SP_OK) {
		fail_why(j, "no random RecordId");
		return;
	}
	if (j->d.broadcast) {
		/* Broadcast reaches every active member; a suspended or
		 * revoked one would refuse the delivery anyway. */
		for (i = 0;
		     i < tl->n_members && j->n_deliver < SP_STORE_MAX_DELIVER;
		     i++)
			if (strcmp(tl->members[i].node_id, n->cfg->node_id) !=
			        0 &&
			    tl->members[i].status == SP_STATUS_ACTIVE)
				j->deliver[j->n_deliver++] =
				    tl->members[i].node_id;
		return;
	}
	if (j->d.n_recipients > SP_STORE_MAX_RECIPIENTS) {
		j->err = SP_ERR_FIELD;
		fail_why(j, "Recipients: too many");
		return;
	}
	/* Members of this federation directly; members of another followed
	 * federation through a gateway (relay.c). */
	j->err = sp_node__route_submit(n, j->trust, j->d.recipients,
	                               j->d.n_recipients, j->deliver,
	                               &j->n_deliver, j->why, sizeof(j->why));
}

/* ---------------------------------------------------------------- sign */

/* Worker: the record with its Sequence, signed. Only reads the job's
 * numbering (set on the loop before the job was queued). The record is
 * signed from the tree it was built as (sp_record_build_doc(),
 * sp_sign_record()): the submission was parsed and schema-checked, the
 * record is built by the node's own code and checked against the schema
 * on that tree, so writing it out and parsing it twice more (once to
 * check, once to sign) only repeated that; every receiver verifies the
 * signed record in full anyway. Its signed content is read from the same
 * tree for the store (SPEC LOG-37), and the store hashes the bytes. */
static void sign_work(void *arg)
{
	sp_submit_job *j = arg;
	sp_node *n = j->n;
	sp_record_draft d = j->d;
	const char *why = NULL;
	sp_doc *rec = NULL;

	free(j->record);
	j->record = NULL;
	d.record_id = j->record_id;
	d.origin = n->cfg->node_id;
	d.sequence = j->sequence;
	d.issued = j->issued;
	if ((j->err = sp_record_build_doc(&d, &rec, &why)) != SP_OK ||
	    (j->err = sp_sign_record(n->sign_key, rec, &j->record,
	                             &j->record_len, &why)) != SP_OK ||
	    (j->err = sp_signed_content_digest(rec, j->signed_digest, &why)) !=
	        SP_OK)
		fail_why(j, why);
	sp_doc_free(rec);
}

static void signed_done(void *arg);

static void sign_start(sp_submit_job *j)
{
	int err;

	j->state = JOB_SIGNING;
	j->stale = 0;
	if ((err = sp_pool_submit(j->n->pool, sign_work, signed_done, j)) !=
	    SP_OK) {
		j->state = JOB_FAILED;
		j->err = err;
		fail_why(j, "the node is at capacity; retry later");
	}
}

/* Number the window's jobs again from `first` on (the Sequence of a job
 * that will not be stored): each takes the next Sequence and is signed
 * again, so the log has no hole. Loop thread. */
static void renumber(sp_node *n, uint64_t first)
{
	sp_submit_job *w;
	size_t count = 0;

	n->next_sequence = first;
	for (w = n->submit_win_head; w; w = w->next, count++) {
		if (w->state == JOB_SIGNING) {
			w->stale = 1;
			w->stale_sequence = n->next_sequence++;
			continue;
		}
		w->sequence = n->next_sequence++;
		if (w->state == JOB_SIGNED)
			sign_start(w);
	}
	if (count > 0)
		sp_log(SP_LOG_DEBUG, "submissions_renumbered",
		       SP_LF_UINT("from", first), SP_LF_UINT("count", count));
}

static void signed_done(void *arg)
{
	sp_submit_job *j = arg;

	if (j->stale) {
		j->sequence = j->stale_sequence;
		sign_start(j);
	} else
		j->state = j->err == SP_OK ? JOB_SIGNED : JOB_FAILED;
	flush(j->n);
}

/* ---------------------------------------------------------------- store */

static void finish(void *arg);

static void on_stored(void *ud, const sp_store_put_result *res)
{
	sp_submit_job *j = ud;

	j->outcome = res->outcome;
	sp_node_post(j->n, finish, j);
}

/* Hand a signed job to the store (group commit). */
static int store_put(sp_submit_job *j)
{
	sp_node *n = j->n;
	sp_store_put_req put;

	memset(&put, 0, sizeof(put));
	put.bytes = j->record;
	put.len = j->record_len;
	put.record_id = j->record_id;
	put.origin = n->cfg->node_id;
	put.sequence = j->sequence;
	put.type = j->d.type;
	put.issued = j->issued;
	put.received = j->issued;
	put.signed_digest = j->signed_digest;
	put.broadcast = j->d.broadcast;
	put.recipients = j->d.recipients;
	put.n_recipients = j->d.n_recipients;
	put.subjects = j->d.subjects;
	put.n_subjects = j->d.n_subjects;
	put.deliver_to = j->deliver;
	put.n_deliver_to = j->n_deliver;
	put.append_only = 1;
	put.next_only = 1; /* another process of the node may sign too */
	j->state = JOB_STORING;
	j->epoch = n->submit_epoch;
	return sp_store_put_async(n->store, &put, on_stored, j);
}

/* Move the window's head along: signed jobs go to the store in Sequence
 * order; a failed one is refused and the jobs behind it renumbered. Loop
 * thread. */
static void flush(sp_node *n)
{
	sp_submit_job *j;
	int err;

	while ((j = n->submit_win_head) != NULL && j->state != JOB_SIGNING) {
		n->submit_win_head = j->next;
		if (n->submit_win_head == NULL)
			n->submit_win_tail = NULL;
		j->next = NULL;
		n->submit_active--;
		if (j->state == JOB_SIGNED && n->fenced && !n->fence_hold) {
			/* FED-44: fenced while it was signed; none of it
			 * leaves the node */
			j->state = JOB_FAILED;
			j->err = SP_ERR_FENCED;
			fail_why(j, n->fence_why);
		}
		if (j->state == JOB_SIGNED) {
			/* the store's copy is made before this returns */
			/* the submission stays: signed again if another
			 * process of the node takes this Sequence first */
			if ((err = store_put(j)) == SP_OK)
				continue;
			j->err = err;
			fail_why(j, "the store refused the write");
		}
		renumber(n, j->sequence);
		refuse(j, j->err, j->why);
	}
	kick(n);
}

/* The job takes the next Sequence and joins the window's tail, to be
 * signed. Numbered in order on the loop thread: Issued never falls as the
 * Sequence rises (REC-7). */
static void number_and_sign(sp_node *n, sp_submit_job *j)
{
	j->sequence = n->next_sequence++;
	j->issued = (int64_t)time(NULL);
	if (n->submit_win_tail)
		n->submit_win_tail->next = j;
	else
		n->submit_win_head = j;
	n->submit_win_tail = j;
	sign_start(j);
}

/* A job that was not stored through no fault of its own (another process
 * of the node took its Sequence, or one before it failed) joins the
 * window's tail again with the next Sequence and a fresh Issued, and is
 * signed again: the submitter only hears of it if that happens
 * RESIGN_MAX times, when the node is too busy racing itself. Loop
 * thread. */
#define RESIGN_MAX 16

static void resign(sp_node *n, sp_submit_job *j, const char *why)
{
	if (j->resigned >= RESIGN_MAX) {
		refuse(j, SP_ERR_UNAVAILABLE,
		       "the record's Sequence was taken by another process "
		       "of this node too often; submit again");
		return;
	}
	j->resigned++;
	sp_log(SP_LOG_INFO, "submission_resigned", SP_LF_STR("why", why),
	       SP_LF_UINT("sequence", j->sequence),
	       SP_LF_UINT("next", n->next_sequence));
	j->outcome = 0;
	n->submit_active++;
	number_and_sign(n, j);
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
		job_free(j);
		return;
	}
	sp_log(SP_LOG_ERROR, "submission_store_failed",
	       SP_LF_UINT("sequence", j->sequence),
	       SP_LF_INT("outcome", j->outcome));
	/* The first failure of an epoch is the lowest Sequence that did not
	 * get stored: those handed over after it are refused by the store
	 * (append_only) and come back here in a later epoch; those still in
	 * the window take its Sequence on. */
	if (j->epoch == n->submit_epoch) {
		n->submit_epoch++;
		if (j->outcome < 0) {
			renumber(n, j->sequence);
		} else {
			/* something is held at that position already: ask
			 * the store where the log stands */
			uint64_t next;

			if (sp_store_next_sequence(n->store, n->cfg->node_id,
			                           &next) == SP_OK)
				renumber(n, next);
		}
		if (j->outcome == SP_STORE_SEQUENCE_TAKEN)
			/* another process of this node signed that Sequence
			 * first (a shared PostgreSQL store): sign it again */
			resign(n, j, "sequence_taken");
		else
			refuse(j, j->outcome < 0 ? j->outcome : SP_ERR_INTERNAL,
			       "the record could not be stored");
	} else {
		/* nothing wrong with this one: one before it failed */
		resign(n, j, "earlier_failed");
	}
	flush(n);
}

/* ---------------------------------------------------------------- queue */

/* Loop thread: a checked job gets its Sequence and goes to be signed. */
static void checked_done(void *arg)
{
	sp_submit_job *j = arg;
	sp_node *n = j->n;

	if (j->err == SP_OK && n->fenced && !n->fence_hold) {
		j->err = SP_ERR_FENCED;
		fail_why(j, n->fence_why);
	}
	if (j->err != SP_OK) {
		n->submit_active--;
		refuse(j, j->err, j->why);
		kick(n);
		return;
	}
	number_and_sign(n, j);
	flush(n);
}

static void kick(sp_node *n)
{
	sp_submit_job *j;
	int err;

	/* during the start-up check of the own log (FED-45) submissions
	 * wait in the queue rather than being refused */
	while (n->submit_active < parallel_max(n) &&
	       !(n->fenced && n->fence_hold) && (j = n->submit_head) != NULL) {
		n->submit_head = j->next;
		if (n->submit_head == NULL)
			n->submit_tail = NULL;
		j->next = NULL;
		n->submit_queued--;
		if (n->fenced) {
			/* FED-44: no Sequence is signed until the own log is
			 * recovered */
			refuse(j, SP_ERR_FENCED, n->fence_why);
			continue;
		}
		j->trust = sp_trust_ref(n->trust);
		j->state = JOB_CHECKING;
		if ((err = sp_pool_submit(n->pool, check_work, checked_done,
		                          j)) != SP_OK) {
			refuse(j, err, "the node is at capacity; retry later");
			continue;
		}
		n->submit_active++;
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
