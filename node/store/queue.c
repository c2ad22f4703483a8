/* queue.c: the store's write queue over a driver: one committer thread
 * drains queued requests and runs them in group transactions, each in its
 * own savepoint; in-flight sequence marks; the next sequence. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base.h"
#include "store_int.h"

/* ---------------------------------------------------------------- queue */

static sp_store_inflight *inflight_find(sp_store *s, const char *origin)
{
	sp_store_inflight *f;

	for (f = s->inflight; f; f = f->next)
		if (strcmp(f->origin, origin) == 0)
			return f;
	return NULL;
}

int sp_store__enqueue(sp_store *s, sp_store_job *job, size_t bytes)
{
	sp_store_inflight *f = NULL;

	pthread_mutex_lock(&s->mu);
	if (s->stopping) {
		pthread_mutex_unlock(&s->mu);
		return SP_ERR_UNAVAILABLE;
	}
	/* synchronous callers already wait; only async work is capped */
	if (!job->sync && (s->queue_len >= SP_STORE_QUEUE_MAX ||
	                   s->queue_bytes + bytes > SP_STORE_QUEUE_BYTES)) {
		pthread_mutex_unlock(&s->mu);
		return SP_ERR_OVERLOADED;
	}
	if (job->kind == SP_STORE_JOB_PUT) {
		f = inflight_find(s, job->req->origin);
		if (!f) {
			if (!(f = calloc(1, sizeof(*f)))) {
				pthread_mutex_unlock(&s->mu);
				return SP_ERR_NOMEM;
			}
			/* origin length was validated by the caller */
			snprintf(f->origin, sizeof(f->origin), "%s",
			         job->req->origin);
			f->next = s->inflight;
			s->inflight = f;
		}
		if (f->count == 0 || job->req->sequence > f->max_sequence)
			f->max_sequence = job->req->sequence;
		f->count++;
	}
	job->qbytes = bytes;
	job->queued_us = sp_monotonic_us();
	job->next = NULL;
	if (s->tail)
		s->tail->next = job;
	else
		s->head = job;
	s->tail = job;
	s->queue_len++;
	s->queue_bytes += bytes;
	if (!job->lazy)
		s->queue_eager++;
	/* a lazy job alone only arms the committer's deadline: it is
	 * woken for the first one, and waits for its time */
	if (!job->lazy || s->queue_len == 1)
		pthread_cond_signal(&s->work_cv);
	pthread_mutex_unlock(&s->mu);
	return SP_OK;
}

void sp_store__inflight_done(sp_store *s, const sp_store_req *req)
{
	sp_store_inflight **pp, *f;

	for (pp = &s->inflight; (f = *pp); pp = &f->next) {
		if (strcmp(f->origin, req->origin) != 0)
			continue;
		if (--f->count == 0) {
			*pp = f->next;
			free(f);
		}
		return;
	}
}

int sp_store__run(sp_store *s, sp_store_fn fn, void *arg)
{
	sp_store_job job;

	memset(&job, 0, sizeof(job));
	job.kind = SP_STORE_JOB_FN;
	job.fn = fn;
	job.arg = arg;
	return sp_store__run_sync(s, &job);
}

int sp_store__run_sync(sp_store *s, sp_store_job *job)
{
	int err;

	job->sync = 1;
	if ((err = sp_store__enqueue(s, job, 0)))
		return err;
	pthread_mutex_lock(&s->mu);
	while (!job->done)
		pthread_cond_wait(&s->done_cv, &s->mu);
	pthread_mutex_unlock(&s->mu);
	return job->rc;
}

/* ---------------------------------------------------------------- committer */

static void job_fail(sp_store_job *j, int err)
{
	j->rc = err;
	j->res.outcome = err;
	j->res.receipt = NULL;
	j->res.receipt_len = 0;
	free(j->res_receipt);
	j->res_receipt = NULL;
}

static void group_fail(sp_store_job *grp, int err)
{
	for (; grp; grp = grp->next)
		job_fail(grp, err);
}

/* A storage error (not a refused request): the disk, not the data. */
static int storage_error(int err)
{
	return err == SP_ERR_IO || err == SP_ERR_NOMEM ||
	       err == SP_ERR_UNAVAILABLE;
}

/* Committer: what this group's writes say about the storage. */
static void health_note(sp_store *s, int err)
{
	const char *msg = err ? s->ops->last_error(s->w) : NULL;

	pthread_mutex_lock(&s->mu);
	if (err == SP_OK) {
		s->health.failing = 0;
	} else {
		s->health.failing = 1;
		s->health.errors++;
		s->health.last_err = err;
		s->health.last_err_ms = sp_clock_wall_ms();
		snprintf(s->health.why, sizeof(s->health.why), "%s",
		         msg ? msg : sp_strerror(err));
	}
	pthread_mutex_unlock(&s->mu);
}

void sp_store_health_get(sp_store *s, sp_store_health *out)
{
	pthread_mutex_lock(&s->mu);
	*out = s->health;
	pthread_mutex_unlock(&s->mu);
}

static int run_one(sp_store *s, sp_store_job *j)
{
	int rc;

	if (j->kind == SP_STORE_JOB_PUT) {
		rc = sp_store__put_exec(s, j->req, &j->res, &j->res_receipt);
		j->res.outcome = rc;
		j->res.receipt = j->res_receipt;
	} else {
		rc = j->fn(s, j->arg);
	}
	j->rc = rc;
	return rc;
}

/* Run every job of the group in one transaction. Results are final only if
 * COMMIT succeeds; otherwise every job reports the error. */
static int run_group(sp_store *s, sp_store_job *grp)
{
	const sp_store_driver *d = s->ops;
	sp_store_job *j;
	int err;

	int job_err = SP_OK;

	if ((err = d->begin(s->w))) {
		group_fail(grp, err);
		health_note(s, storage_error(err) ? err : SP_ERR_IO);
		return 0;
	}
	for (j = grp; j; j = j->next) {
		if ((err = d->savepoint(s->w)))
			goto abort;
		if (run_one(s, j) < 0) {
			if (storage_error(j->rc))
				job_err = j->rc; /* e.g. the disk filled up */
			free(j->res_receipt);
			j->res_receipt = NULL;
			j->res.receipt = NULL;
			if (!d->in_transaction(s->w)) {
				/* the database rolled the whole transaction
				 * back */
				err = j->rc;
				goto abort;
			}
			if ((err = d->rollback_to(s->w)))
				goto abort;
		}
		if ((err = d->release(s->w)))
			goto abort;
	}
	if ((err = d->commit(s->w)) == SP_OK) {
		health_note(s, job_err);
		return 1;
	}
abort:
	health_note(s, err < 0 ? err : SP_ERR_IO);
	if (d->in_transaction(s->w))
		d->rollback(s->w);
	group_fail(grp, err < 0 ? err : SP_ERR_IO);
	return 0;
}

/* Committer, under s->mu: until there is a group to run. A job somebody
 * waits for starts one at once; lazy jobs alone (delivery results, the own
 * checkpoint) wait until the oldest has waited SP_STORE_LAZY_MS, so that
 * at a low rate the outbox writes of a record's deliveries share the
 * commit of the next record instead of taking one each (one sync, not
 * three). Stopping runs what is queued at once. */
static void wait_for_work(sp_store *s)
{
	for (;;) {
		uint64_t now, due;
		struct timespec ts;

		if (s->stopping || s->queue_eager > 0)
			return;
		if (!s->head) {
			pthread_cond_wait(&s->work_cv, &s->mu);
			continue;
		}
		now = sp_monotonic_us();
		due = s->head->queued_us + SP_STORE_LAZY_MS * 1000u;
		if (now >= due)
			return;
		/* the condition variable's clock is CLOCK_REALTIME */
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += (long)((due - now) * 1000u);
		ts.tv_sec += ts.tv_nsec / 1000000000L;
		ts.tv_nsec %= 1000000000L;
		pthread_cond_timedwait(&s->work_cv, &s->mu, &ts);
	}
}

static void *committer_main(void *arg)
{
	sp_store *s = arg;

	pthread_mutex_lock(&s->mu);
	for (;;) {
		sp_store_job *grp, *j, *next, **tailp, *waiters = NULL;
		size_t n = 0;
		int batch, committed = 0;

		wait_for_work(s);
		if (!s->head)
			break;
		/* a bulk job runs alone; other jobs group up to the cap */
		grp = NULL;
		tailp = &grp;
		batch = s->head->kind == SP_STORE_JOB_BATCH;
		while (s->head && n < SP_STORE_GROUP_MAX &&
		       (batch ? n == 0 : s->head->kind != SP_STORE_JOB_BATCH)) {
			j = s->head;
			s->head = j->next;
			if (!s->head)
				s->tail = NULL;
			j->next = NULL;
			*tailp = j;
			tailp = &j->next;
			s->queue_len--;
			s->queue_bytes -= j->qbytes;
			if (!j->lazy)
				s->queue_eager--;
			n++;
		}
		pthread_mutex_unlock(&s->mu);

		if (batch) {
			grp->rc = sp_store__batch_exec(s, grp);
		} else {
			uint64_t t0 = sp_monotonic_us();

			committed = run_group(s, grp);
			if (committed && s->commit_hook != NULL)
				s->commit_hook(
				    s->commit_hook_ud,
				    (double)(sp_monotonic_us() - t0) / 1e6, n);
		}

		pthread_mutex_lock(&s->mu);
		s->puts += batch ? 0 : n;
		s->commits += (uint64_t)committed;
		for (j = grp; j; j = j->next)
			if (j->kind == SP_STORE_JOB_PUT)
				sp_store__inflight_done(s, j->req);
		pthread_mutex_unlock(&s->mu);

		/* async callbacks, outside the lock: they may queue more */
		for (j = grp; j; j = next) {
			next = j->next;
			if (j->sync) {
				j->next = waiters;
				waiters = j;
				continue;
			}
			if (j->cb)
				j->cb(j->ud, &j->res);
			free(j->res_receipt);
			free(j->req);
			free(j);
		}
		/* a waiter may free its job as soon as done is set */
		pthread_mutex_lock(&s->mu);
		for (j = waiters; j; j = next) {
			next = j->next;
			j->done = 1;
		}
		pthread_cond_broadcast(&s->done_cv);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

int sp_store__committer_start(sp_store *s)
{
	if (pthread_create(&s->thread, NULL, committer_main, s) != 0)
		return SP_ERR_INTERNAL;
	s->thread_started = 1;
	return SP_OK;
}

void sp_store__committer_stop(sp_store *s)
{
	if (!s->thread_started)
		return;
	pthread_mutex_lock(&s->mu);
	s->stopping = 1;
	pthread_cond_broadcast(&s->work_cv);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->thread, NULL);
	s->thread_started = 0;
}

/* ---------------------------------------------------------------- sequence */

int sp_store_next_sequence(sp_store *s, const char *origin, uint64_t *seq)
{
	sp_store_inflight *f;
	int64_t dbmax = -1;
	uint64_t next = 0;
	int have_inflight = 0, err;

	if (!s || !origin || !seq)
		return SP_ERR_INVALID_ARGUMENT;
	*seq = 0;
	/* in-flight first, then committed: a put leaves the in-flight set
	 * only after its commit, so one of the two always sees it */
	pthread_mutex_lock(&s->mu);
	if ((f = inflight_find(s, origin))) {
		have_inflight = 1;
		next = f->max_sequence + 1;
	}
	pthread_mutex_unlock(&s->mu);

	pthread_mutex_lock(&s->seq_mu);
	err = s->ops->max_sequence(s->seq, origin, &dbmax);
	pthread_mutex_unlock(&s->seq_mu);
	if (err)
		return err;
	if (dbmax >= 0 && (!have_inflight || (uint64_t)dbmax + 1 > next))
		next = (uint64_t)dbmax + 1;
	if (next > (uint64_t)INT64_MAX)
		return SP_ERR_INTERNAL;
	*seq = next;
	return SP_OK;
}
