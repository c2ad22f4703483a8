/* outbox.c: the outbox writes delivery makes, over the driver: delivery
 * results and retries queued to the committer without blocking a worker,
 * giving up on a revoked peer, and claims of due rows when several
 * processes share the database. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

#define ERROR_TEXT_MAX 1024u
#define RECEIPT_MAX    ((size_t)1 << 20)

void sp_fed_outbox_items_free(sp_fed_outbox_item *items, size_t n)
{
	size_t i;

	if (items == NULL)
		return;
	for (i = 0; i < n; i++)
		free(items[i].bytes);
	free(items);
}

/* A delivery result on its way to the committer: a private copy of the
 * arguments, the driver op to run, and whom to tell. */
typedef struct async_job {
	int (*op)(sp_store_conn *w, const sp_store_ob_args *a);
	sp_fed_store_done done;
	void *arg;
	int rc;
	sp_store_ob_args ob;
	uint8_t *receipt;
	size_t receipt_len;
	char error[ERROR_TEXT_MAX + 1];
} async_job;

static int async_run(sp_store *s, void *arg)
{
	async_job *a = arg;

	a->rc = a->op(s->w, &a->ob);
	return a->rc;
}

static void async_cb(void *ud, const sp_store_put_result *res)
{
	async_job *a = ud;

	a->done(a->arg, res->outcome < 0 ? res->outcome : a->rc);
	free(a->receipt);
	free(a);
}

static int async_submit(sp_store *s, async_job *a)
{
	sp_store_job *job = calloc(1, sizeof(*job));
	int err;

	if (job == NULL) {
		free(a->receipt);
		free(a);
		return SP_ERR_NOMEM;
	}
	job->kind = SP_STORE_JOB_FN;
	job->fn = async_run;
	job->arg = a;
	job->cb = async_cb;
	job->ud = a;
	job->lazy = 1; /* nobody waits for a delivery result */
	if ((err = sp_store__enqueue(s, job, a->receipt_len)) != SP_OK) {
		free(job);
		free(a->receipt);
		free(a);
	}
	return err;
}

int sp_store_fed_delivered_async(sp_store *s, int64_t id,
                                 const uint8_t *receipt, size_t receipt_len,
                                 sp_fed_store_done done, void *arg)
{
	async_job *a;

	if (!s || !receipt || receipt_len == 0 || receipt_len > RECEIPT_MAX ||
	    !done)
		return SP_ERR_INVALID_ARGUMENT;
	if (!(a = calloc(1, sizeof(*a))) ||
	    !(a->receipt = malloc(receipt_len))) {
		free(a);
		return SP_ERR_NOMEM;
	}
	memcpy(a->receipt, receipt, receipt_len);
	a->receipt_len = receipt_len;
	a->op = s->ops->outbox_delivered;
	a->done = done;
	a->arg = arg;
	a->ob.id = id;
	a->ob.receipt = a->receipt;
	a->ob.receipt_len = receipt_len;
	return async_submit(s, a);
}

int sp_store_fed_reschedule_async(sp_store *s, int64_t id, int64_t next_attempt,
                                  const char *error, sp_fed_store_done done,
                                  void *arg)
{
	async_job *a;

	if (!s || !done)
		return SP_ERR_INVALID_ARGUMENT;
	if (!(a = calloc(1, sizeof(*a))))
		return SP_ERR_NOMEM;
	a->op = s->ops->outbox_reschedule;
	a->done = done;
	a->arg = arg;
	a->ob.id = id;
	a->ob.next_attempt = next_attempt;
	if (error != NULL) {
		snprintf(a->error, sizeof(a->error), "%s", error);
		a->ob.error = a->error;
	}
	return async_submit(s, a);
}

static int abandon_fn(sp_store *s, void *arg)
{
	return s->ops->outbox_abandon(s->w, arg);
}

int sp_store_fed_abandon_peer(sp_store *s, const char *peer, const char *error)
{
	sp_store_ob_args a;

	if (!s || !peer || !error || strlen(error) > ERROR_TEXT_MAX)
		return SP_ERR_INVALID_ARGUMENT;
	memset(&a, 0, sizeof(a));
	a.peer = peer;
	a.error = error;
	return sp_store__run(s, abandon_fn, &a);
}

/* ---------------------------------------------------------------- claims */

typedef struct claim_args {
	const char *peer;
	int64_t after_id, now, lease_s;
	size_t max;
	sp_fed_outbox_item *items;
	size_t n;
} claim_args;

static int claim_fn(sp_store *s, void *arg)
{
	claim_args *a = arg;

	return s->ops->outbox_claim(s->w, a->peer, a->after_id, a->now,
	                            a->lease_s, a->max, &a->items, &a->n);
}

int sp_store_fed_outbox_claim(sp_store_reader *r, const char *peer,
                              int64_t after_id, int64_t now, int64_t lease_s,
                              size_t max, sp_fed_outbox_item **items, size_t *n)
{
	claim_args a;
	int err;

	if (items)
		*items = NULL;
	if (n)
		*n = 0;
	if (!r || !peer || !items || !n || lease_s < 0)
		return SP_ERR_INVALID_ARGUMENT;
	if (!r->s->ops->outbox_claim)
		return sp_store_fed_outbox_due(r, peer, after_id, now, max,
		                               items, n);
	memset(&a, 0, sizeof(a));
	a.peer = peer;
	a.after_id = after_id;
	a.now = now;
	a.lease_s = lease_s;
	a.max = max;
	/* the claim counts only once committed */
	if ((err = sp_store__run(r->s, claim_fn, &a)) != SP_OK) {
		sp_fed_outbox_items_free(a.items, a.n);
		return err;
	}
	*items = a.items;
	*n = a.n;
	return SP_OK;
}
