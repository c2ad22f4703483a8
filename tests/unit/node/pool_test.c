/* pool_test.c: worker pool: jobs run on workers, completions on the loop
 * thread, overload, draining free. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "pool_int.h"
#include "protocol.h"

typedef struct ctx {
	pthread_t loop_thread;
	struct event_base *base;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int gate_open;
	int started;
	int worked;
	int worked_off_loop;
	int done;
	int done_on_loop;
	int target;
} ctx;

static void ctx_init(ctx *c)
{
	memset(c, 0, sizeof(*c));
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	c->loop_thread = pthread_self();
	c->gate_open = 1;
}

static void ctx_fini(ctx *c)
{
	pthread_cond_destroy(&c->cv);
	pthread_mutex_destroy(&c->mu);
}

static void work(void *arg)
{
	ctx *c = arg;

	pthread_mutex_lock(&c->mu);
	c->started++;
	pthread_cond_broadcast(&c->cv);
	while (!c->gate_open)
		pthread_cond_wait(&c->cv, &c->mu);
	c->worked++;
	if (!pthread_equal(pthread_self(), c->loop_thread))
		c->worked_off_loop++;
	pthread_mutex_unlock(&c->mu);
}

static void done(void *arg)
{
	ctx *c = arg;

	/* Completions are serialised on the loop thread: no lock needed for
	 * done, but worked is read under the lock. */
	c->done++;
	if (pthread_equal(pthread_self(), c->loop_thread))
		c->done_on_loop++;
	if (c->done == c->target && c->base != NULL)
		event_base_loopbreak(c->base);
}

static void run_loop(struct event_base *base, int seconds)
{
	struct timeval tv = {seconds, 0};

	event_base_loopexit(base,
	                    &tv); /* a bound, in case completions never come */
	event_base_dispatch(base);
}

static void test_many_jobs(void **state)
{
	struct event_base *base = event_base_new();
	sp_pool *p = NULL;
	ctx c;
	const int n = 2000;

	(void)state;
	ctx_init(&c);
	c.base = base;
	c.target = n;
	assert_int_equal(sp_pool_new(base, 4, (size_t)n, &p), SP_OK);
	assert_int_equal(sp_pool_threads(p), 4);
	for (int i = 0; i < n; i++)
		assert_int_equal(sp_pool_submit(p, work, done, &c), SP_OK);
	run_loop(base, 15);
	assert_int_equal(c.done, n);
	assert_int_equal(c.done_on_loop, n);
	pthread_mutex_lock(&c.mu);
	assert_int_equal(c.worked, n);
	assert_int_equal(c.worked_off_loop, n);
	pthread_mutex_unlock(&c.mu);
	assert_int_equal(sp_pool_queued(p), 0);
	assert_int_equal(sp_pool_running(p), 0);
	sp_pool_free(p);
	event_base_free(base);
	ctx_fini(&c);
}

static void test_overload(void **state)
{
	struct event_base *base = event_base_new();
	sp_pool *p = NULL;
	ctx c;
	struct timespec deadline;
	int rc = 0;

	(void)state;
	ctx_init(&c);
	c.base = base;
	c.gate_open = 0;
	c.target = 5;
	assert_int_equal(sp_pool_new(base, 2, 3, &p), SP_OK);
	/* Two jobs occupy both workers... */
	assert_int_equal(sp_pool_submit(p, work, done, &c), SP_OK);
	assert_int_equal(sp_pool_submit(p, work, done, &c), SP_OK);
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 5;
	pthread_mutex_lock(&c.mu);
	while (c.started < 2 && rc == 0)
		rc = pthread_cond_timedwait(&c.cv, &c.mu, &deadline);
	assert_int_equal(c.started, 2);
	pthread_mutex_unlock(&c.mu);
	/* ...three more fill the queue, the next one is refused. */
	for (int i = 0; i < 3; i++)
		assert_int_equal(sp_pool_submit(p, work, done, &c), SP_OK);
	assert_int_equal(sp_pool_queued(p), 3);
	assert_int_equal(sp_pool_submit(p, work, done, &c), SP_ERR_OVERLOADED);
	assert_int_equal(sp_pool_submit(p, NULL, done, &c),
	                 SP_ERR_INVALID_ARGUMENT);

	pthread_mutex_lock(&c.mu);
	c.gate_open = 1;
	pthread_cond_broadcast(&c.cv);
	pthread_mutex_unlock(&c.mu);
	run_loop(base, 10);
	assert_int_equal(c.done, 5);
	pthread_mutex_lock(&c.mu);
	assert_int_equal(c.worked, 5); /* the refused job never ran */
	pthread_mutex_unlock(&c.mu);
	/* Room again once the queue drained. */
	c.target = 6;
	assert_int_equal(sp_pool_submit(p, work, done, &c), SP_OK);
	run_loop(base, 10);
	assert_int_equal(c.done, 6);
	sp_pool_free(p);
	event_base_free(base);
	ctx_fini(&c);
}

static void test_free_drains(void **state)
{
	struct event_base *base = event_base_new();
	sp_pool *p = NULL;
	ctx c;

	(void)state;
	ctx_init(&c);
	c.target = -1;
	assert_int_equal(sp_pool_new(base, 0, 0, &p), SP_OK);
	assert_true(sp_pool_threads(p) >= 1);
	assert_int_equal(sp_pool_threads(p),
	                 (unsigned)sysconf(_SC_NPROCESSORS_ONLN));
	for (int i = 0; i < 100; i++)
		assert_int_equal(sp_pool_submit(p, work, done, &c), SP_OK);
	/* The loop never ran: free still runs every job and completion. */
	sp_pool_free(p);
	assert_int_equal(c.worked, 100);
	assert_int_equal(c.done, 100);
	assert_int_equal(c.done_on_loop, 100);
	event_base_free(base);
	ctx_fini(&c);
}

/* sp_pool_submit_first: jobs queued first run before those queued
 * before them, in their own order; the others keep theirs. */
typedef struct order_job {
	ctx *c;
	char tag;
	char *log; /* the tags in the order the worker ran them */
	size_t *n;
} order_job;

static void order_work(void *arg)
{
	order_job *o = arg;

	pthread_mutex_lock(&o->c->mu);
	o->log[(*o->n)++] = o->tag;
	pthread_mutex_unlock(&o->c->mu);
}

static void order_done(void *arg)
{
	order_job *o = arg;

	done(o->c);
}

static void test_first_order(void **state)
{
	struct event_base *base = event_base_new();
	sp_pool *p = NULL;
	ctx c;
	struct timespec deadline;
	char log[8] = {0};
	size_t n = 0;
	order_job jobs[6];
	const char *tags = "ABXYCZ";
	int rc = 0;

	(void)state;
	ctx_init(&c);
	c.base = base;
	c.gate_open = 0;
	c.target = 7;
	assert_int_equal(sp_pool_new(base, 1, 16, &p), SP_OK);
	/* the only worker waits at the gate */
	assert_int_equal(sp_pool_submit(p, work, done, &c), SP_OK);
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 5;
	pthread_mutex_lock(&c.mu);
	while (c.started < 1 && rc == 0)
		rc = pthread_cond_timedwait(&c.cv, &c.mu, &deadline);
	assert_int_equal(c.started, 1);
	pthread_mutex_unlock(&c.mu);
	for (int i = 0; i < 6; i++) {
		jobs[i].c = &c;
		jobs[i].tag = tags[i];
		jobs[i].log = log;
		jobs[i].n = &n;
	}
	/* A, B queued; X, Y first; C queued; Z first (behind X, Y) */
	assert_int_equal(sp_pool_submit(p, order_work, order_done, &jobs[0]),
	                 SP_OK);
	assert_int_equal(sp_pool_submit(p, order_work, order_done, &jobs[1]),
	                 SP_OK);
	assert_int_equal(
	    sp_pool_submit_first(p, order_work, order_done, &jobs[2]), SP_OK);
	assert_int_equal(
	    sp_pool_submit_first(p, order_work, order_done, &jobs[3]), SP_OK);
	assert_int_equal(sp_pool_submit(p, order_work, order_done, &jobs[4]),
	                 SP_OK);
	assert_int_equal(
	    sp_pool_submit_first(p, order_work, order_done, &jobs[5]), SP_OK);
	assert_int_equal(sp_pool_queued(p), 6);
	pthread_mutex_lock(&c.mu);
	c.gate_open = 1;
	pthread_cond_broadcast(&c.cv);
	pthread_mutex_unlock(&c.mu);
	run_loop(base, 10);
	assert_int_equal(c.done, 7);
	assert_string_equal(log, "XYZABC");
	/* the queue is whole again: first into an empty queue, then after */
	c.target = 9;
	n = 0;
	memset(log, 0, sizeof(log));
	assert_int_equal(
	    sp_pool_submit_first(p, order_work, order_done, &jobs[2]), SP_OK);
	assert_int_equal(sp_pool_submit(p, order_work, order_done, &jobs[0]),
	                 SP_OK);
	run_loop(base, 10);
	assert_int_equal(c.done, 9);
	assert_int_equal(strlen(log), 2);
	sp_pool_free(p);
	event_base_free(base);
	ctx_fini(&c);
}

static void test_bad_args(void **state)
{
	sp_pool *p = (sp_pool *)&p;

	(void)state;
	assert_int_equal(sp_pool_new(NULL, 1, 1, &p), SP_ERR_INVALID_ARGUMENT);
	assert_null(p);
	sp_pool_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_many_jobs),
	    cmocka_unit_test(test_overload),
	    cmocka_unit_test(test_free_drains),
	    cmocka_unit_test(test_first_order),
	    cmocka_unit_test(test_bad_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
