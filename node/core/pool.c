/* pool.c: worker threads for heavy jobs, completions batched back to the event
 * loop through an eventfd. */
#include "pool_int.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <event2/event.h>

#include "protocol.h"

#define POOL_MAX_THREADS   256u
#define POOL_DEFAULT_QUEUE 1024u

typedef struct pool_job {
	struct pool_job *next;
	sp_pool_work_fn work;
	sp_pool_done_fn done;
	void *arg;
} pool_job;

struct sp_pool {
	struct event_base *base;
	struct event *wake_ev;
	int efd;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	/* Jobs waiting for a worker (FIFO), those queued first (urgent) at
	 * its head, up to u_tail. */
	pool_job *q_head, *q_tail, *u_tail;
	size_t queued, max_queue;
	/* Jobs whose work is done, waiting for their done_fn (FIFO). */
	pool_job *d_head, *d_tail;
	size_t running;
	int wake_pending; /* the eventfd has been written since the last drain
	                   */
	int stopping;
	unsigned nthreads;
	pthread_t *threads;
};

static void pool_signal_loop(sp_pool *p)
{
	uint64_t one = 1;
	ssize_t n;

	do {
		n = write(p->efd, &one, sizeof(one));
	} while (n < 0 && errno == EINTR);
	/* EAGAIN means the counter is already non-zero: the loop will wake. */
}

static void *pool_worker(void *varg)
{
	sp_pool *p = varg;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		pool_job *j;

		while (p->q_head == NULL && !p->stopping)
			pthread_cond_wait(&p->cv, &p->mu);
		j = p->q_head;
		if (j == NULL)
			break; /* stopping and nothing left to run */
		p->q_head = j->next;
		if (p->q_head == NULL)
			p->q_tail = NULL;
		if (p->u_tail == j)
			p->u_tail = NULL;
		p->queued--;
		p->running++;
		pthread_mutex_unlock(&p->mu);

		j->work(j->arg);

		pthread_mutex_lock(&p->mu);
		j->next = NULL;
		if (p->d_tail != NULL)
			p->d_tail->next = j;
		else
			p->d_head = j;
		p->d_tail = j;
		/* One wake-up per batch: the loop drains the whole list. */
		if (!p->wake_pending && !p->stopping) {
			p->wake_pending = 1;
			pool_signal_loop(p);
		}
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

/* Run every completed job's done_fn. Event-loop thread. */
static void pool_run_done(sp_pool *p)
{
	pool_job *list;

	pthread_mutex_lock(&p->mu);
	list = p->d_head;
	p->d_head = p->d_tail = NULL;
	p->wake_pending = 0;
	pthread_mutex_unlock(&p->mu);

	while (list != NULL) {
		pool_job *j = list;

		list = j->next;
		pthread_mutex_lock(&p->mu);
		p->running--;
		pthread_mutex_unlock(&p->mu);
		if (j->done != NULL)
			j->done(j->arg);
		free(j);
	}
}

static void pool_wake_cb(evutil_socket_t fd, short what, void *arg)
{
	sp_pool *p = arg;
	uint64_t v;
	ssize_t n;

	(void)what;
	do {
		n = read(fd, &v, sizeof(v));
	} while (n < 0 && errno == EINTR);
	pool_run_done(p);
}

int sp_pool_new(struct event_base *base, unsigned nthreads, size_t max_queue,
                sp_pool **out)
{
	sp_pool *p = NULL;
	unsigned started = 0;

	if (out == NULL)
		return SP_ERR_INVALID_ARGUMENT;
	*out = NULL;
	if (base == NULL)
		return SP_ERR_INVALID_ARGUMENT;
	if (nthreads == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		nthreads = n > 0 ? (unsigned)(n > (long)POOL_MAX_THREADS
		                                  ? (long)POOL_MAX_THREADS
		                                  : n)
		                 : 1u;
	}
	if (nthreads > POOL_MAX_THREADS)
		nthreads = POOL_MAX_THREADS;
	if (max_queue == 0)
		max_queue = POOL_DEFAULT_QUEUE;

	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return SP_ERR_NOMEM;
	p->base = base;
	p->max_queue = max_queue;
	p->efd = -1;
	if (pthread_mutex_init(&p->mu, NULL) != 0) {
		free(p);
		return SP_ERR_INTERNAL;
	}
	if (pthread_cond_init(&p->cv, NULL) != 0) {
		pthread_mutex_destroy(&p->mu);
		free(p);
		return SP_ERR_INTERNAL;
	}
	p->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (p->efd < 0)
		goto fail;
	p->wake_ev =
	    event_new(base, p->efd, EV_READ | EV_PERSIST, pool_wake_cb, p);
	if (p->wake_ev == NULL || event_add(p->wake_ev, NULL) != 0)
		goto fail;
	p->threads = calloc(nthreads, sizeof(*p->threads));
	if (p->threads == NULL)
		goto fail;
	for (started = 0; started < nthreads; started++) {
		if (pthread_create(&p->threads[started], NULL, pool_worker,
		                   p) != 0)
			goto fail;
	}
	p->nthreads = nthreads;
	*out = p;
	return SP_OK;

fail:
	pthread_mutex_lock(&p->mu);
	p->stopping = 1;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	for (unsigned i = 0; i < started; i++)
		pthread_join(p->threads[i], NULL);
	free(p->threads);
	if (p->wake_ev != NULL)
		event_free(p->wake_ev);
	if (p->efd >= 0)
		close(p->efd);
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	free(p);
	return SP_ERR_INTERNAL;
}

/* Queue a job at the tail, or (first) behind the urgent ones already
 * queued. */
static int pool_queue(sp_pool *p, sp_pool_work_fn work_fn,
                      sp_pool_done_fn done_fn, void *arg, int first)
{
	pool_job *j;

	if (p == NULL || work_fn == NULL)
		return SP_ERR_INVALID_ARGUMENT;
	j = malloc(sizeof(*j));
	if (j == NULL)
		return SP_ERR_NOMEM;
	j->next = NULL;
	j->work = work_fn;
	j->done = done_fn;
	j->arg = arg;

	pthread_mutex_lock(&p->mu);
	if (p->stopping) {
		pthread_mutex_unlock(&p->mu);
		free(j);
		return SP_ERR_UNAVAILABLE;
	}
	if (p->queued >= p->max_queue) {
		pthread_mutex_unlock(&p->mu);
		free(j);
		return SP_ERR_OVERLOADED;
	}
	if (first) {
		pool_job **at =
		    p->u_tail != NULL ? &p->u_tail->next : &p->q_head;

		j->next = *at;
		*at = j;
		if (j->next == NULL)
			p->q_tail = j;
		p->u_tail = j;
	} else {
		if (p->q_tail != NULL)
			p->q_tail->next = j;
		else
			p->q_head = j;
		p->q_tail = j;
	}
	p->queued++;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
	return SP_OK;
}

int sp_pool_submit(sp_pool *p, sp_pool_work_fn work_fn, sp_pool_done_fn done_fn,
                   void *arg)
{
	return pool_queue(p, work_fn, done_fn, arg, 0);
}

int sp_pool_submit_first(sp_pool *p, sp_pool_work_fn work_fn,
                         sp_pool_done_fn done_fn, void *arg)
{
	return pool_queue(p, work_fn, done_fn, arg, 1);
}

size_t sp_pool_queued(sp_pool *p)
{
	size_t n;

	pthread_mutex_lock(&p->mu);
	n = p->queued;
	pthread_mutex_unlock(&p->mu);
	return n;
}

size_t sp_pool_running(sp_pool *p)
{
	size_t n;

	pthread_mutex_lock(&p->mu);
	n = p->running;
	pthread_mutex_unlock(&p->mu);
	return n;
}

unsigned sp_pool_threads(const sp_pool *p)
{
	return p->nthreads;
}

void sp_pool_free(sp_pool *p)
{
	if (p == NULL)
		return;
	pthread_mutex_lock(&p->mu);
	p->stopping = 1;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	/* Workers run the whole queue before they exit. */
	for (unsigned i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	pool_run_done(p);
	event_free(p->wake_ev);
	close(p->efd);
	free(p->threads);
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	free(p);
}
