/* fed_paging_test.c: catch-up paging (SPEC 13.2, 9.6) on a real node with
 * a fake origin: entries in several pages followed by x-silkport-next-start
 * (FED-10), a sparse page, a page that does not move the cursor (the
 * session ends, no loop), and hostile frames whose record is not the
 * Origin's or not at the framed Sequence (FED-12: accepted only as a
 * POST /v1/records would be). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fed_harness.h"

enum { ME = 0, XA = 1, KG = 2 };

/* One scripted page: the answer to entries?start=`start`. */
typedef struct page {
	uint64_t start;
	int n;
	uint64_t seq[4];    /* the frame's Sequence */
	uint64_t actual[4]; /* the record's own Sequence (0: = seq) */
	int foreign[4];     /* 1: a record of KZ-KGS in CN-XA's entries */
	uint64_t next;      /* x-silkport-next-start */
} page;

typedef struct script {
	const page *pages;
	size_t n_pages;
} script;

static fh g_h;
static const script *g_script;

/* An origin's log is append-only: the same bytes at each ask. */
typedef struct made {
	int signer;
	uint64_t seq;
	uint8_t *rec;
	size_t len;
} made;

static made g_made[32];
static size_t g_n_made;

static const uint8_t *record_of(fh *h, int signer, uint64_t seq, size_t *len)
{
	size_t i;

	for (i = 0; i < g_n_made; i++)
		if (g_made[i].signer == signer && g_made[i].seq == seq)
			break;
	if (i == g_n_made) {
		assert_true(g_n_made < 32);
		g_made[i].signer = signer;
		g_made[i].seq = seq;
		g_made[i].rec =
		    fh_peer_record(h, signer, seq, NULL, &g_made[i].len);
		assert_non_null(g_made[i].rec);
		g_n_made++;
	}
	*len = g_made[i].len;
	return g_made[i].rec;
}

static void serve_page(fh *h, sp_http_req *req, const page *pg)
{
	sp_text t = {0};
	char next[24];
	sp_http_header hd[1] = {{"x-silkport-next-start", next}};
	int i;

	for (i = 0; i < pg->n; i++) {
		uint64_t seq = pg->actual[i] ? pg->actual[i] : pg->seq[i];
		size_t len = 0;
		const uint8_t *rec =
		    record_of(h, pg->foreign[i] ? KG : XA, seq, &len);

		sp_text_printf(&t, "%llu %zu\n", (unsigned long long)pg->seq[i],
		               len);
		sp_text_append(&t, (const char *)rec, len);
		sp_text_append(&t, "\n", 1);
	}
	snprintf(next, sizeof(next), "%llu", (unsigned long long)pg->next);
	(void)sp_http_respond_ex(req, 200, "application/octet-stream", hd,
	                         pg->n ? 1 : 0, t.buf, t.len);
	sp_text_free(&t);
}

static void answer(fh *h, int peer, sp_http_req *req)
{
	char start[24];
	uint64_t s = 0;
	size_t i;

	if (peer != XA ||
	    strcmp(sp_http_req_path(req), "/v1/logs/CN-XA/entries") != 0) {
		(void)sp_http_respond_problem(req, SP_ERR_NOT_FOUND, 0, NULL);
		return;
	}
	if (sp_http_req_query_param(req, "start", start, sizeof(start), NULL) ==
	    SP_OK)
		(void)sp_parse_u64(start, strlen(start), INT64_MAX, &s);
	for (i = 0; i < g_script->n_pages; i++)
		if (g_script->pages[i].start == s) {
			serve_page(h, req, &g_script->pages[i]);
			return;
		}
	/* past the script: nothing more (an empty page) */
	(void)sp_http_respond(req, 200, "application/octet-stream", NULL, 0);
}

static int setup(void **state)
{
	g_script = *state;
	memset(&g_h, 0, sizeof(g_h));
	g_h.ids[ME] = "CN-ZZ";
	g_h.ids[XA] = "CN-XA";
	g_h.ids[KG] = "KZ-KGS";
	g_h.n_members = 3;
	snprintf(g_h.extra_ini, sizeof(g_h.extra_ini),
	         "[peers]\npull_interval = 86400\n");
	g_h.handler = answer;
	/* the first tick after fh_connect's clock step pulls */
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
	while (g_n_made > 0)
		free(g_made[--g_n_made].rec);
	return 0;
}

/* ---------------------------------------------------------------- probes */

typedef struct pulled {
	int ended; /* a session ran and ended */
	uint64_t pulled, refused;
	size_t asks;
	uint64_t starts[16];
	uint64_t next; /* the examined position at the origin */
} pulled;

static void probe_fn(fh *h, void *arg)
{
	pulled *pr = arg;
	fed_origin *o = fed_origin_find(h->f, "CN-XA");
	size_t i;

	memset(pr, 0, sizeof(*pr));
	pr->ended = o->pos_loaded && !o->pulling && o->last_pull_ms != 0;
	pr->pulled = o->pulled;
	pr->refused = o->refused;
	for (i = 0; i < o->n_pos; i++)
		if (strcmp(o->pos[i].source, "CN-XA") == 0)
			pr->next = o->pos[i].next;
	for (i = 0; i < h->n_hits; i++) {
		/* CN-XA's own log only: the node also asks its peers for its
		 * own records when they hold more of them (SPEC 13.6) */
		static const char want[] = "/v1/logs/CN-XA/entries?start=";
		const char *q = strstr(h->hits[i].path, want);

		if (h->hits[i].peer != XA || q == NULL)
			continue;
		if (pr->asks < 16)
			pr->starts[pr->asks] =
			    strtoull(q + sizeof(want) - 1, NULL, 10);
		pr->asks++;
	}
}

static int session_ended(fh *h, void *arg)
{
	probe_fn(h, arg);
	return ((pulled *)arg)->ended;
}

/* Wait for the catch-up session on CN-XA to end, then a little more
 * (real time) to see that nothing else is asked. */
static pulled pull_result(void)
{
	pulled pr;

	assert_true(fh_wait(&g_h, session_ended, &pr, 15000));
	fh_settle(&g_h, 300);
	fh_run(&g_h, probe_fn, &pr);
	return pr;
}

/* The asks of the first session are `first` in order; a later session
 * (the first connect counts as a reconnect, FED-10, and asks that come
 * while a session runs start one after it) asks only from `final`, and
 * there are only a few of them. */
static void check_asks(const pulled *pr, const uint64_t *first, size_t n,
                       uint64_t final)
{
	size_t i;

	assert_in_range(pr->asks, n, n + 3);
	for (i = 0; i < pr->asks; i++)
		assert_int_equal(pr->starts[i], i < n ? first[i] : final);
}

/* ---------------------------------------------------------------- scripts */

/* FED-10: from 0, pages of two records each, each followed from its
 * x-silkport-next-start, until an empty page. */
static const page pages_three[] = {
    {0, 2, {0, 1}, {0}, {0}, 2},
    {2, 2, {2, 3}, {0}, {0}, 4},
    {4, 1, {4}, {0}, {0}, 5},
};
static script s_three = {pages_three, 3};

static void test_several_pages(void **state)
{
	pulled pr;

	(void)state;
	pr = pull_result();
	assert_int_equal(pr.pulled, 5);
	assert_int_equal(pr.refused, 0);
	/* asked in order, each from where the previous page said */
	check_asks(&pr, (const uint64_t[]){0, 2, 4, 5}, 4, 5);
	assert_int_equal(pr.next, 5);
}

/* A sparse page (records not visible to this node are left out, LOG-34):
 * 0 and 6 only, then from 7. */
static const page pages_sparse[] = {
    {0, 2, {0, 6}, {0}, {0}, 7},
};
static script s_sparse = {pages_sparse, 1};

static void test_sparse_page(void **state)
{
	pulled pr;

	(void)state;
	pr = pull_result();
	assert_int_equal(pr.pulled, 2);
	check_asks(&pr, (const uint64_t[]){0, 7}, 2, 7);
	assert_int_equal(pr.next, 7);
}

/* A page whose x-silkport-next-start does not move past its start: the
 * page is refused and the session ends; it is not asked again and again. */
static const page pages_stuck[] = {
    {0, 1, {0}, {0}, {0}, 0},
};
static script s_stuck = {pages_stuck, 1};

static void test_page_that_does_not_advance(void **state)
{
	pulled pr;
	size_t asks;

	(void)state;
	pr = pull_result();
	/* one ask per session, each from 0 */
	check_asks(&pr, (const uint64_t[]){0}, 1, 0);
	assert_int_equal(pr.pulled, 0);
	assert_int_equal(pr.next, 0); /* nothing counts as examined */
	/* the next session (a tick at the next pull) asks once more, once */
	asks = pr.asks;
	fh_advance(86400 * 1000LL);
	fh_tick(&g_h);
	fh_settle(&g_h, 300);
	fh_run(&g_h, probe_fn, &pr);
	assert_int_equal(pr.asks, asks + 1);
}

/* Hostile frames (FED-12): a record of another Origin, and a record whose
 * own Sequence is not the framed one, are refused by the acceptance path;
 * the honest record of the page is taken. */
static const page pages_hostile[] = {
    {0, 3, {0, 1, 2}, {0, 0, 9}, {0, 1, 0}, 3},
};
static script s_hostile = {pages_hostile, 1};

static void test_hostile_frames_refused(void **state)
{
	pulled pr;

	(void)state;
	pr = pull_result();
	assert_int_equal(pr.pulled, 1);
	assert_int_equal(pr.refused, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_prestate_setup_teardown(
	        test_several_pages, setup, teardown, (void *)&s_three),
	    cmocka_unit_test_prestate_setup_teardown(
	        test_sparse_page, setup, teardown, (void *)&s_sparse),
	    cmocka_unit_test_prestate_setup_teardown(
	        test_page_that_does_not_advance, setup, teardown,
	        (void *)&s_stuck),
	    cmocka_unit_test_prestate_setup_teardown(
	        test_hostile_frames_refused, setup, teardown,
	        (void *)&s_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
