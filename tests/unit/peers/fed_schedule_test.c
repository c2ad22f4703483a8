/* fed_schedule_test.c: delivery scheduling of the federation side (SPEC
 * 13.1) on a real node with a fake clock and fake peers: what is due when
 * after a failure (FED-4), that a receipt ends the delivery (FED-3), that
 * records go out in Sequence order (FED-8), and that a peer that answers
 * late or not at all holds back only itself. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fed_harness.h"

enum { ME = 0, XA = 1, KG = 2 };

static fh g_h;
static int g_mode; /* how the fake peers answer a delivery */
enum { M_FAIL, M_ACCEPT, M_HOLD, M_BAD_RECEIPT };

static void refuse(fh *h, int peer, sp_http_req *req)
{
	(void)h;
	(void)peer;
	(void)sp_http_respond_problem(req, SP_ERR_UNAVAILABLE, 503,
	                              "scripted failure");
}

static void answer(fh *h, int peer, sp_http_req *req)
{
	if (strcmp(sp_http_req_method(req), "POST") != 0) {
		(void)sp_http_respond_problem(req, SP_ERR_NOT_FOUND, 0, NULL);
		return;
	}
	switch (g_mode) {
	case M_FAIL:
		refuse(h, peer, req);
		break;
	case M_ACCEPT:
		fh_accept(h, peer, req);
		break;
	case M_BAD_RECEIPT:
		/* a receipt by another member than the recipient */
		fh_accept(h, peer == XA ? KG : XA, req);
		break;
	default:
		fh_hold(h, peer, req);
		break;
	}
}

static void drop(fh *h, int peer, sp_http_req *req)
{
	(void)h;
	(void)peer;
	sp_http_req_unref(req); /* no answer: the stream is reset */
}

static void release_dropped(fh *h, void *arg)
{
	(void)arg;
	fh_release(h, drop);
}

static void release_failed(fh *h, void *arg)
{
	(void)arg;
	fh_release(h, refuse);
}

static int setup(void **state)
{
	(void)state;
	memset(&g_h, 0, sizeof(g_h));
	g_h.ids[ME] = "CN-ZZ";
	g_h.ids[XA] = "CN-XA";
	g_h.ids[KG] = "KZ-KGS";
	g_h.n_members = 3;
	/* retry_min = retry_max: no jitter, so each due time is exact */
	snprintf(g_h.extra_ini, sizeof(g_h.extra_ini),
	         "[peers]\nretry_min = 10\nretry_max = 10\n"
	         "pull_interval = 86400\n");
	g_h.handler = answer;
	g_mode = M_FAIL;
	if (fh_start(&g_h) != 0)
		return -1;
	if (fh_connect(&g_h) != 0) {
		fh_finish(&g_h);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fh_finish(&g_h);
	return 0;
}

/* ---------------------------------------------------------------- probes */

typedef struct probe {
	const char *peer;
	size_t posts;
	int idle; /* nothing queued, on the wire, or being scanned */
	uint64_t delivered;
	int64_t hold_until_ms;
	int64_t sweep;
	char last_error[200];
} probe;

static void probe_fn(fh *h, void *arg)
{
	probe *pr = arg;
	fed_peer *p = fed_peer_find(h->f, pr->peer);
	int i;

	for (i = 0; i < h->n_members; i++)
		if (strcmp(h->ids[i], pr->peer) == 0)
			pr->posts = fh_count(h, i, "POST", "/v1/records");
	pr->idle =
	    p != NULL && p->queued == 0 && p->in_flight == 0 && !p->scanning;
	pr->delivered = p != NULL ? p->delivered : 0;
	pr->hold_until_ms = p != NULL ? p->hold_until_ms : 0;
	pr->sweep = p != NULL ? p->next_sweep_ms : 0;
	if (p != NULL)
		memcpy(pr->last_error, p->last_error, sizeof(pr->last_error));
}

static probe look(const char *peer)
{
	probe pr;

	memset(&pr, 0, sizeof(pr));
	pr.peer = peer;
	fh_run(&g_h, probe_fn, &pr);
	return pr;
}

typedef struct want {
	const char *peer;
	size_t posts;
	int idle;
	uint64_t delivered;
} want;

static int reached(fh *h, void *arg)
{
	want *w = arg;
	probe pr;

	memset(&pr, 0, sizeof(pr));
	pr.peer = w->peer;
	probe_fn(h, &pr);
	return pr.posts >= w->posts && (!w->idle || pr.idle) &&
	       pr.delivered >= w->delivered;
}

static int wait_for(const char *peer, size_t posts, int idle,
                    uint64_t delivered)
{
	want w = {peer, posts, idle, delivered};
	probe pr;

	if (fh_wait(&g_h, reached, &w, 15000))
		return 1;
	pr = look(peer);
	print_message("%s: %zu posts, idle %d, %llu delivered; now %lld sweep "
	              "%lld hold %lld\n",
	              peer, pr.posts, pr.idle, (unsigned long long)pr.delivered,
	              (long long)fh_now(), (long long)pr.sweep,
	              (long long)pr.hold_until_ms);
	print_message("last error: %s\n", pr.last_error);
	return 0;
}

static void copy_hits(fh *h, void *arg)
{
	memcpy(arg, h->hits, sizeof(h->hits[0]) * h->n_hits);
}

/* The POSTs to `peer` in arrival order: their Sequences and times. */
static size_t posts_to(int peer, uint64_t *seqs, int64_t *at, size_t cap)
{
	static fh_hit hits[FH_MAX_HITS];
	size_t i, n = 0, total;

	memset(hits, 0, sizeof(hits));
	fh_run(&g_h, copy_hits, hits);
	for (total = 0; total < FH_MAX_HITS && hits[total].method[0]; total++)
		;
	for (i = 0; i < total && n < cap; i++) {
		if (hits[i].peer != peer || strcmp(hits[i].method, "POST") != 0)
			continue;
		seqs[n] = hits[i].seq;
		at[n] = hits[i].at_ms;
		n++;
	}
	return n;
}

/* Advance the fake clock one second at a time up to `seconds`, ticking;
 * the POST count at peer must stay `posts`. */
static void quiet_for(const char *peer, int seconds, size_t posts)
{
	int s;

	for (s = 0; s < seconds; s++) {
		fh_advance(1000);
		fh_settle(&g_h, 60);
		assert_int_equal(look(peer).posts, posts);
	}
}

/* ---------------------------------------------------------------- tests */

/* FED-4: after a transient failure a delivery is retried no earlier than
 * its backoff and then at once; FED-3: the receipt ends it (never sent
 * again); FED-8: the records go out, and come back, in Sequence order. */
static void test_retry_due_after_backoff(void **state)
{
	int64_t seq[3], t0, at[8];
	uint64_t got[8];
	int err, i;
	probe pr;

	(void)state;
	/* first attempts: all three on the wire at once (the peer is slow),
	 * in order; then each refused (503) */
	g_mode = M_HOLD;
	for (i = 0; i < 3; i++) {
		seq[i] = fh_submit_to(&g_h, "CN-XA", &err);
		assert_int_equal(err, SP_OK);
	}
	assert_true(wait_for("CN-XA", 3, 0, 0));
	fh_run(&g_h, release_failed, NULL);
	assert_true(wait_for("CN-XA", 3, 1, 0));
	t0 = fh_now();
	assert_int_equal(posts_to(XA, got, at, 8), 3);
	for (i = 0; i < 3; i++)
		assert_int_equal(got[i], (uint64_t)seq[i]);
	pr = look("CN-XA");
	assert_int_equal(pr.delivered, 0);
	assert_int_equal(pr.hold_until_ms, t0 + 10000); /* the peer too */

	/* nothing is due before retry_min = 10 s, whatever the ticks */
	g_mode = M_ACCEPT;
	quiet_for("CN-XA", 9, 3);
	/* at 10 s every row is due again: one sweep, Sequence order */
	fh_advance(1000);
	fh_tick(&g_h);
	assert_true(wait_for("CN-XA", 6, 1, 3));
	assert_int_equal(posts_to(XA, got, at, 8), 6);
	for (i = 0; i < 3; i++) {
		assert_int_equal(got[3 + i], (uint64_t)seq[i]);
		assert_int_equal(at[3 + i], t0 + 10000);
	}
	/* delivered: a success clears them for good */
	quiet_for("CN-XA", 30, 6);
	assert_int_equal(look("CN-XA").delivered, 3);
}

/* A peer that keeps a delivery unanswered: it is not sent twice while on
 * the wire, however long; when the stream then dies (no answer: a
 * transport failure) the peer is held back by the backoff while another
 * peer is served at once; after the backoff the delivery completes. */
static void test_slow_then_dropped_peer(void **state)
{
	int64_t t1, at[8];
	uint64_t got[8];
	int err;

	(void)state;
	g_mode = M_HOLD;
	assert_true(fh_submit_to(&g_h, "KZ-KGS", &err) >= 0);
	assert_true(wait_for("KZ-KGS", 1, 0, 0));
	/* an answer late by a minute is still awaited, never duplicated */
	quiet_for("KZ-KGS", 60, 1);
	fh_run(&g_h, release_dropped, NULL);
	assert_true(wait_for("KZ-KGS", 1, 1, 0));
	t1 = fh_now();
	assert_int_equal(look("KZ-KGS").hold_until_ms, t1 + 10000);

	/* the other peer is not held back by it */
	g_mode = M_ACCEPT;
	assert_true(fh_submit_to(&g_h, "CN-XA", &err) >= 0);
	assert_true(wait_for("CN-XA", 1, 1, 1));

	quiet_for("KZ-KGS", 9, 1);
	fh_advance(1000);
	fh_tick(&g_h);
	assert_true(wait_for("KZ-KGS", 2, 1, 1));
	assert_int_equal(posts_to(KG, got, at, 8), 2);
	assert_int_equal(got[0], got[1]);
	assert_int_equal(at[1], t1 + 10000);
}

/* FED-4 with a retry-after answer: a lower bound on the delay, here above
 * retry_max. */
static int g_retry_after_sent;

static void answer_retry_after(fh *h, int peer, sp_http_req *req)
{
	static const sp_http_header ra[1] = {{"retry-after", "45"}};

	if (strcmp(sp_http_req_method(req), "POST") != 0) {
		(void)sp_http_respond_problem(req, SP_ERR_NOT_FOUND, 0, NULL);
		return;
	}
	if (g_retry_after_sent++ == 0) {
		(void)sp_http_respond_problem_ex(req, SP_ERR_OVERLOADED, 503,
		                                 "busy", ra, 1);
		return;
	}
	fh_accept(h, peer, req);
}

static void set_handler(fh *h, void *arg)
{
	h->handler = *(const fh_handler *)arg;
}

static void test_retry_after_is_a_lower_bound(void **state)
{
	fh_handler ra = answer_retry_after;
	int64_t t0, at[4];
	uint64_t got[4];
	int err;

	(void)state;
	g_retry_after_sent = 0;
	fh_run(&g_h, set_handler, &ra);
	fh_tick(&g_h);
	assert_true(fh_submit_to(&g_h, "CN-XA", &err) >= 0);
	assert_true(wait_for("CN-XA", 1, 1, 0));
	t0 = fh_now();
	quiet_for("CN-XA", 44, 1);
	fh_advance(1000);
	fh_tick(&g_h);
	assert_true(wait_for("CN-XA", 2, 1, 1));
	assert_int_equal(posts_to(XA, got, at, 4), 2);
	assert_int_equal(at[1], t0 + 45000);
}

/* RCP-9, FED-4: a refused receipt is a transient failure of that
 * delivery only (the peer answered, so it is not held back): the row
 * itself must not come due before its backoff. */
static void test_refused_receipt_retried_after_backoff(void **state)
{
	int64_t t0, at[4];
	uint64_t got[4];
	int err;

	(void)state;
	g_mode = M_BAD_RECEIPT;
	assert_true(fh_submit_to(&g_h, "CN-XA", &err) >= 0);
	assert_true(wait_for("CN-XA", 1, 1, 0));
	t0 = fh_now();
	assert_true(look("CN-XA").hold_until_ms <= t0);
	g_mode = M_ACCEPT;
	quiet_for("CN-XA", 9, 1);
	fh_advance(1000);
	fh_tick(&g_h);
	assert_true(wait_for("CN-XA", 2, 1, 1));
	assert_int_equal(posts_to(XA, got, at, 4), 2);
	assert_int_equal(got[0], got[1]);
	assert_int_equal(at[1], t0 + 10000);
}

/* The first connection to a peer is no reconnect: when the first
 * delivery, which opened it, fails, the tick that then sees the connection
 * must keep the retry planned for the failure's due time (FED-4: within
 * retry_max = 2 s, not at the next periodic sweep, 5 s on). */
static int setup_unconnected(void **state)
{
	(void)state;
	memset(&g_h, 0, sizeof(g_h));
	g_h.ids[ME] = "CN-ZZ";
	g_h.ids[XA] = "CN-XA";
	g_h.ids[KG] = "KZ-KGS";
	g_h.n_members = 3;
	snprintf(g_h.extra_ini, sizeof(g_h.extra_ini),
	         "[peers]\nretry_min = 2\nretry_max = 2\n"
	         "pull_interval = 86400\n");
	g_h.handler = answer;
	g_mode = M_FAIL;
	return fh_start(&g_h);
}

static void test_retry_due_after_first_connect(void **state)
{
	int64_t seq, t0, at[4];
	uint64_t got[4];
	int err, s;

	(void)state;
	/* no tick yet: the delivery itself opens the first connection */
	seq = fh_submit_to(&g_h, "CN-XA", &err);
	assert_int_equal(err, SP_OK);
	assert_true(wait_for("CN-XA", 1, 1, 0));
	t0 = fh_now();
	g_mode = M_ACCEPT;
	for (s = 0; s < 10 && look("CN-XA").posts < 2; s++) {
		fh_advance(1000);
		fh_settle(&g_h, 60);
	}
	assert_true(wait_for("CN-XA", 2, 1, 1));
	assert_int_equal(posts_to(XA, got, at, 4), 2);
	assert_int_equal(got[1], (uint64_t)seq);
	assert_int_equal(at[1] - t0, 2000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_retry_due_after_backoff, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_slow_then_dropped_peer, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_retry_after_is_a_lower_bound,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_refused_receipt_retried_after_backoff, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_retry_due_after_first_connect,
	                                    setup_unconnected, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
