/* fed_catchup_gap_test.c: complete catch-up ([FED-58], [FED-59], LOG-49)
 * on a real node with a fake origin CN-XA and a fake peer KZ-KGS. CN-XA's
 * log holds TREE records; those at 3, 4 and 5 are addressed to the node
 * (CN-ZZ), the others to KZ-KGS. The catch-up page withholds 4 and claims
 * to have covered the whole log (as a sparse peer would). The origin's
 * signed index for CN-ZZ lists 3, 4 and 5:
 *  - the node sees that it lacks 4, fetches it (entries start=4) and only
 *    then holds the log complete;
 *  - when nobody serves 4, the gap is alarmed after the merge delay
 *    (event=catchup_gap) and the proven position stays;
 *  - an origin whose signed index leaves out 4, a record it sent the node,
 *    is caught as equivocation and the note kept. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fed_harness.h"

enum { ME = 0, XA = 1, KG = 2 };

#define TREE     8
#define WITHHELD 4
#define STEP_MS  2000

/* What the fakes do. */
typedef struct script {
	int page_has_withheld; /* the catch-up page carries WITHHELD */
	int gap_served;        /* entries start=WITHHELD count=1 serve it */
	int index_lists;       /* the origin's index lists WITHHELD */
	int no_index;          /* the origin serves no index at all */
} script;

static fh g_h;
static const script *g_sc;
static uint8_t *g_rec[TREE];
static size_t g_len[TREE];
static uint8_t g_leaves[TREE][32];

static int for_me(uint64_t seq)
{
	return seq >= 3 && seq <= 5;
}

static char *checkpoint_note(fh *h)
{
	sp_checkpoint cp;
	char *body = NULL, *note = NULL;
	size_t len = 0;
	const char *why = NULL;

	memset(&cp, 0, sizeof(cp));
	snprintf(cp.origin, sizeof(cp.origin), "%s", h->log_origin[XA]);
	cp.size = TREE;
	if (sp_merkle_root((const uint8_t(*)[32])g_leaves, TREE, cp.root) !=
	        SP_OK ||
	    sp_checkpoint_format(&cp, &body, &len) != SP_OK ||
	    sp_note_sign(h->log[XA], body, len, &note, &why) != SP_OK)
		note = NULL;
	free(body);
	return note;
}

static uint64_t param(sp_http_req *req, const char *name, uint64_t dflt)
{
	char v[24];
	uint64_t x = dflt;

	if (sp_http_req_query_param(req, name, v, sizeof(v), NULL) == SP_OK)
		(void)sp_parse_u64(v, strlen(v), INT64_MAX, &x);
	return x;
}

/* The origin's index for CN-ZZ from start= to end= (at most TREE). */
static char *index_note(fh *h, sp_http_req *req)
{
	uint64_t seqs[TREE], s;
	sp_index_note ix;
	char *body = NULL, *note = NULL;
	size_t len = 0;
	const char *why = NULL;

	memset(&ix, 0, sizeof(ix));
	snprintf(ix.origin, sizeof(ix.origin), "%s", h->log_origin[XA]);
	snprintf(ix.recipient, sizeof(ix.recipient), "CN-ZZ");
	ix.start = param(req, "start", 0);
	ix.end = param(req, "end", TREE);
	if (ix.end > TREE)
		ix.end = TREE;
	for (s = ix.start; s < ix.end; s++)
		if (for_me(s) && (s != WITHHELD || g_sc->index_lists))
			seqs[ix.n++] = s;
	ix.seqs = seqs;
	if (sp_index_note_format(&ix, &body, &len) != SP_OK ||
	    sp_note_sign(h->log[XA], body, len, &note, &why) != SP_OK)
		note = NULL;
	free(body);
	return note;
}

/* Entries frames of CN-XA from start=: the catch-up page (the records
 * for the node, maybe without WITHHELD, and a next-start past the log),
 * or with count=1 the one record asked for a gap. */
static void entries(fh *h, int peer, sp_http_req *req)
{
	uint64_t start = param(req, "start", 0), s;
	int one = param(req, "count", 100) == 1;
	sp_text t = {0};
	char next[24];
	sp_http_header hd[1] = {{"x-silkport-next-start", next}};

	(void)h;
	for (s = start; s < TREE; s++) {
		/* a gap's fetch: the one record asked for, from the origin */
		if (one && (s != start || !for_me(s) || !g_sc->gap_served ||
		            peer != XA))
			break;
		if (!for_me(s) ||
		    (!one && s == WITHHELD && !g_sc->page_has_withheld))
			continue;
		sp_text_printf(&t, "%llu %zu\n", (unsigned long long)s,
		               g_len[s]);
		sp_text_append(&t, (const char *)g_rec[s], g_len[s]);
		sp_text_append(&t, "\n", 1);
		if (one)
			break;
	}
	snprintf(next, sizeof(next), "%llu",
	         (unsigned long long)(one ? start + 1 : TREE));
	(void)sp_http_respond_ex(req, 200, "application/vnd.silkport.entries",
	                         hd, t.len ? 1 : 0, t.buf, t.len);
	sp_text_free(&t);
}

static void answer(fh *h, int peer, sp_http_req *req)
{
	const char *path = sp_http_req_path(req);
	char *text = NULL;

	if (g_sc == NULL) {
		(void)sp_http_respond_problem(req, SP_ERR_NOT_FOUND, 0, NULL);
		return;
	}
	if (strcmp(path, "/v1/logs/CN-XA/entries") == 0) {
		entries(h, peer, req);
		return;
	}
	if (peer == XA && strcmp(path, "/v1/logs/CN-XA/checkpoint") == 0)
		text = checkpoint_note(h);
	else if (peer == XA && !g_sc->no_index &&
	         strcmp(path, "/v1/logs/CN-XA/index") == 0)
		text = index_note(h, req);
	if (text == NULL) {
		(void)sp_http_respond_problem(req, SP_ERR_NOT_FOUND, 0, NULL);
		return;
	}
	(void)sp_http_respond_take(req, 200, "text/plain; charset=utf-8", NULL,
	                           0, (uint8_t *)text, strlen(text));
}

static void set_script(fh *h, void *arg)
{
	(void)h;
	g_sc = arg;
}

/* ---------------------------------------------------------------- probes */

typedef struct seen {
	uint64_t idx_next, idx_notes, gap_alarms, index_lies, equivocations;
	size_t n_gaps;
	int held[TREE];
	int lie_note_kept; /* the lying note is in the store's evidence */
	char saved[SP_STORE_STATE_MAX]; /* the proven position kept */
} seen;

/* The store holds an index note of origin as evidence ([LOG-51]). */
static int index_note_kept(sp_store_reader *r, const char *origin)
{
	sp_store_evidence *e = NULL;
	size_t n = 0, i;
	int kept = 0;

	if (sp_store_console_evidence(r, 16, &e, &n) != SP_OK)
		return 0;
	for (i = 0; i < n; i++)
		if (strcmp(e[i].kind, "index-note") == 0 &&
		    strcmp(e[i].origin, origin) == 0 && e[i].b != NULL &&
		    e[i].b_len > 18 &&
		    memcmp(e[i].b, "silkport-index/v1\n", 18) == 0)
			kept = 1;
	sp_store_evidence_free(e, n);
	return kept;
}

static void seen_fn(fh *h, void *arg)
{
	seen *s = arg;
	fed_origin *o = fed_origin_find(h->f, "CN-XA");
	sp_store_reader *r = sp_node_reader(h->n);
	char d[65];
	uint64_t i;

	s->idx_next = o->idx_next;
	s->idx_notes = o->idx_notes;
	s->gap_alarms = h->f->gap_alarms;
	s->index_lies = o->index_lies;
	s->equivocations = o->equivocations;
	s->n_gaps = o->n_gaps;
	s->lie_note_kept = r != NULL && index_note_kept(r, "CN-XA");
	if (r == NULL || sp_store_state_get(r, "catchup-proven:CN-XA", s->saved,
	                                    sizeof(s->saved)) != SP_OK)
		s->saved[0] = '\0';
	for (i = 0; i < TREE; i++)
		s->held[i] = r != NULL &&
		             sp_store_fed_digest_at(r, "CN-XA", i, d) == SP_OK;
}

static seen look(void)
{
	seen s;

	memset(&s, 0, sizeof(s));
	fh_run(&g_h, seen_fn, &s);
	return s;
}

typedef struct report {
	int metrics;
	char line[256];
} report;

/* The line of the status report (or, metrics, of the metrics) that
 * starts with rp->line, copied back whole. */
static void report_fn(fh *h, void *arg)
{
	report *rp = arg;
	sp_text t = {0};
	const char *at;

	if (rp->metrics)
		fed_metrics(h->f, &t);
	else
		fed_status(h->f, &t);
	/* a metric's sample (at a line's start), not its HELP or TYPE */
	at = t.buf ? strstr(t.buf, rp->line) : NULL;
	while (rp->metrics && at != NULL && at > t.buf && at[-1] != '\n')
		at = strstr(at + 1, rp->line);
	if (at != NULL)
		snprintf(rp->line, sizeof(rp->line), "%.*s",
		         (int)strcspn(at, "\n"), at);
	else
		rp->line[0] = '\0';
	sp_text_free(&t);
}

static const char *report_line(int metrics, const char *start)
{
	static report rp;

	rp.metrics = metrics;
	snprintf(rp.line, sizeof(rp.line), "%s", start);
	fh_run(&g_h, report_fn, &rp);
	return rp.line;
}

static void run_steps(int n)
{
	int i;

	for (i = 0; i < n; i++) {
		fh_advance(STEP_MS);
		fh_tick(&g_h);
		fh_settle(&g_h, 200);
	}
}

static size_t log_lines(const char *a, const char *b)
{
	const char *all[2] = {a, b};

	return fh_log_count(&g_h, all, b ? 2 : 1);
}

/* ---------------------------------------------------------------- setup */

static int setup(void **state)
{
	int i;

	memset(&g_h, 0, sizeof(g_h));
	g_sc = NULL;
	g_h.ids[ME] = "CN-ZZ";
	g_h.ids[XA] = "CN-XA";
	g_h.ids[KG] = "KZ-KGS";
	g_h.n_members = 3;
	g_h.capture_log = 1;
	snprintf(g_h.extra_ini, sizeof(g_h.extra_ini),
	         "[peers]\npull_interval = 86400\n");
	g_h.handler = answer;
	if (fh_start(&g_h) != 0 || fh_connect(&g_h) != 0)
		return -1;
	for (i = 0; i < TREE; i++) {
		g_rec[i] = fh_peer_record(
		    &g_h, XA, (uint64_t)i,
		    for_me((uint64_t)i) ? "CN-ZZ" : "KZ-KGS", &g_len[i]);
		if (g_rec[i] == NULL)
			return -1;
		sp_merkle_leaf_hash(g_rec[i], g_len[i], g_leaves[i]);
	}
	fh_run(&g_h, set_script, *state);
	/* the next pull: checkpoint, catch-up, then the index */
	fh_advance(86400 * 1000LL);
	fh_tick(&g_h);
	fh_settle(&g_h, 300);
	return 0;
}

static int teardown(void **state)
{
	int i;

	(void)state;
	fh_finish(&g_h);
	for (i = 0; i < TREE; i++) {
		free(g_rec[i]);
		g_rec[i] = NULL;
	}
	return 0;
}

/* ---------------------------------------------------------------- tests */

static int complete(fh *h, void *arg)
{
	fed_origin *o = fed_origin_find(h->f, "CN-XA");

	(void)arg;
	fh_tick_fn(h, NULL);
	return o->idx_next == TREE;
}

/* The page withholds 4; the index lists it; it is fetched, and only then
 * is the log complete up to the checkpoint. */
static script s_filled = {0, 1, 1, 0};

static void test_withheld_record_fetched(void **state)
{
	seen s;

	(void)state;
	assert_true(fh_wait(&g_h, complete, NULL, 15000));
	s = look();
	assert_true(s.held[3] && s.held[WITHHELD] && s.held[5]);
	assert_false(s.held[0] || s.held[6]); /* not for this node */
	assert_int_equal(s.n_gaps, 0);
	assert_int_equal(s.gap_alarms, 0);
	assert_int_equal(s.index_lies, 0);
	assert_string_equal(s.saved, "8"); /* read back after a restart */
	assert_true(log_lines("catchup_gap_filled", "sequence=4") >= 1);
	assert_true(fh_count(&g_h, XA, "GET",
	                     "/v1/logs/CN-XA/entries?start=4&count=1") >= 1);
	assert_non_null(
	    strstr(report_line(0, "completeness"), "complete, proven to 8,"));
}

/* Nobody serves 4: the gap is alarmed after the merge delay, once, and the
 * proven position does not pass it. */
static script s_lost = {0, 0, 1, 0};

static int gap_seen(fh *h, void *arg)
{
	fed_origin *o = fed_origin_find(h->f, "CN-XA");

	(void)arg;
	fh_tick_fn(h, NULL);
	return o->n_gaps == 1 && o->gaps[0].seq == WITHHELD;
}

static void test_gap_alarmed(void **state)
{
	seen s;

	(void)state;
	assert_true(fh_wait(&g_h, gap_seen, NULL, 15000));
	s = look();
	assert_int_equal(s.gap_alarms, 0); /* not before the merge delay */
	assert_int_equal(s.idx_next, 0);
	run_steps(8); /* 16 s: past the default merge delay of 10 s */
	s = look();
	assert_int_equal(s.gap_alarms, 1);
	assert_int_equal(s.idx_next, 0);
	assert_false(s.held[WITHHELD]);
	assert_string_equal(s.saved, ""); /* nothing proven, nothing kept */
	assert_int_equal(log_lines("event=catchup_gap ", "sequence=4"), 1);
	assert_string_equal(report_line(1, "silkport_catchup_gap_alarms_total"),
	                    "silkport_catchup_gap_alarms_total 1");
	assert_non_null(strstr(report_line(0, "completeness"),
	                       "gaps, proven to 0, 1 gap(s) (1 alarmed)"));
	/* the peer was asked too, not the origin alone */
	assert_true(fh_count(&g_h, KG, "GET",
	                     "/v1/logs/CN-XA/entries?start=4&count=1") >= 1);
	run_steps(3);
	s = look();
	assert_int_equal(s.gap_alarms, 1); /* one alarm per gap */
}

/* The page carries 4, but the origin's signed index leaves it out: a
 * signed statement that it sent the node nothing else, which the held
 * record disproves. */
static script s_lie = {1, 1, 0, 0};

static int lie_seen(fh *h, void *arg)
{
	fed_origin *o = fed_origin_find(h->f, "CN-XA");

	(void)arg;
	fh_tick_fn(h, NULL);
	return o->index_lies > 0;
}

static void test_index_omitting_a_record_caught(void **state)
{
	seen s;

	(void)state;
	assert_true(fh_wait(&g_h, lie_seen, NULL, 15000));
	s = look();
	assert_true(s.held[WITHHELD]);
	assert_true(s.equivocations >= 1);
	assert_true(s.lie_note_kept);
	assert_int_equal(s.idx_next, 0);
	assert_true(log_lines("equivocation_alarm", "kind=index") >= 1);
}

/* Without the origin's index nothing is proven, however much catch-up
 * brought: the state says unproven, never complete; with the origin away
 * (suspended here: the fake clock is ahead of the client's reconnect
 * clock, so a closed port still looks usable) it is not even asked. */
static script s_no_index = {0, 1, 1, 1};

static void suspend_origin(fh *h, void *arg)
{
	(void)arg;
	fed_peer_find(h->f, "CN-XA")->status = SP_STATUS_SUSPENDED;
}

static void test_without_index_unproven(void **state)
{
	seen s;
	size_t asks;

	(void)state;
	run_steps(3);
	s = look();
	assert_true(s.held[3] && s.held[5]);
	assert_int_equal(s.idx_next, 0);
	assert_int_equal(s.n_gaps, 0);
	assert_true(fh_count(&g_h, XA, "GET", "/v1/logs/CN-XA/index?") >= 1);
	assert_non_null(
	    strstr(report_line(0, "completeness"), "unproven, proven to 0"));
	fh_run(&g_h, suspend_origin, NULL);
	asks = fh_count(&g_h, XA, "GET", "/v1/logs/CN-XA/index?");
	run_steps(
	    20); /* 40 s: past the 30 s before a refused note is retried */
	assert_int_equal(fh_count(&g_h, XA, "GET", "/v1/logs/CN-XA/index?"),
	                 asks);
	assert_non_null(
	    strstr(report_line(0, "completeness"), "unproven, proven to 0"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_prestate_setup_teardown(
	        test_withheld_record_fetched, setup, teardown,
	        (void *)&s_filled),
	    cmocka_unit_test_prestate_setup_teardown(test_gap_alarmed, setup,
	                                             teardown, (void *)&s_lost),
	    cmocka_unit_test_prestate_setup_teardown(
	        test_index_omitting_a_record_caught, setup, teardown,
	        (void *)&s_lie),
	    cmocka_unit_test_prestate_setup_teardown(
	        test_without_index_unproven, setup, teardown,
	        (void *)&s_no_index),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
