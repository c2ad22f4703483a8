/* fed_gossip_test.c: checkpoint gossip (SPEC [FED-52]) on a real node with
 * a fake clock. The fake origin CN-XA shows this node one history; the
 * fake peer KZ-KGS holds a checkpoint of CN-XA's log, signed with CN-XA's
 * real LogKey, of another history (a split view: the origin showed it a
 * fork). After the origin's checkpoint, the node asks one other peer for
 * its checkpoint of the same origin: a fork of the same size is seen at
 * once (both notes kept as evidence, an equivocation alarm), and so is a
 * larger one that the origin cannot prove consistent; an honest peer's
 * checkpoint raises nothing. A peer that holds no checkpoint of the origin
 * (404) is asked again only after 1, 2, 4, 8 pull intervals, and every
 * round again once it holds one ([FED-64]). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fed_harness.h"

enum { ME = 0, XA = 1, KG = 2 };

#define POLL_S   60
#define MAX_TREE 8

static fh g_h;
static uint8_t g_honest[MAX_TREE][32], g_fork[MAX_TREE][32];

/* What the fakes present (loop thread). */
typedef struct view {
	uint64_t origin_size;      /* the origin's checkpoint: honest */
	const uint8_t (*peer)[32]; /* KZ-KGS's copy: honest or fork */
	uint64_t peer_size;
} view;

static view g_view;

static char *note_of(fh *h, const uint8_t (*leaves)[32], uint64_t size)
{
	sp_checkpoint cp;
	char *body = NULL, *note = NULL;
	size_t len = 0;
	const char *why = NULL;

	memset(&cp, 0, sizeof(cp));
	snprintf(cp.origin, sizeof(cp.origin), "%s", h->log_origin[XA]);
	cp.size = size;
	if (sp_merkle_root(leaves, size, cp.root) != SP_OK ||
	    sp_checkpoint_format(&cp, &body, &len) != SP_OK ||
	    sp_note_sign(h->log[XA], body, len, &note, &why) != SP_OK)
		note = NULL;
	free(body);
	return note;
}

/* The origin proves its own (honest) log. */
static char *consistency(sp_http_req *req, size_t *len)
{
	char v[24];
	uint64_t old = 0, size = 0;
	sp_proof p;
	char *out = NULL;

	memset(&p, 0, sizeof(p));
	if (sp_http_req_query_param(req, "old", v, sizeof(v), NULL) != SP_OK ||
	    sp_parse_u64(v, strlen(v), MAX_TREE, &old) != SP_OK ||
	    sp_http_req_query_param(req, "size", v, sizeof(v), NULL) != SP_OK ||
	    sp_parse_u64(v, strlen(v), MAX_TREE, &size) != SP_OK || old > size)
		return NULL;
	p.kind = SP_PROOF_CONSISTENCY;
	p.old_size = old;
	p.size = size;
	if (sp_merkle_consistency_path((const uint8_t(*)[32])g_honest, size,
	                               old, p.hashes, SP_MERKLE_MAX_PATH,
	                               &p.n_hashes) != SP_OK ||
	    sp_proof_format(&p, &out, len) != SP_OK)
		return NULL;
	return out;
}

static void answer(fh *h, int peer, sp_http_req *req)
{
	const char *path = sp_http_req_path(req);
	char *text = NULL;
	size_t len = 0;

	if (strcmp(path, "/v1/logs/CN-XA/checkpoint") == 0 && peer == XA)
		text = note_of(h, (const uint8_t(*)[32])g_honest,
		               g_view.origin_size);
	else if (strcmp(path, "/v1/logs/CN-XA/checkpoint") == 0 && peer == KG &&
	         g_view.peer != NULL)
		text = note_of(h, g_view.peer, g_view.peer_size);
	else if (strcmp(path, "/v1/logs/CN-XA/proofs/consistency") == 0 &&
	         peer == XA)
		text = consistency(req, &len);
	else if (strcmp(path, "/v1/logs/CN-XA/entries") == 0 && peer == XA) {
		(void)sp_http_respond(req, 200, "application/octet-stream",
		                      NULL, 0);
		return;
	} else {
		(void)sp_http_respond_problem(req, SP_ERR_NOT_FOUND, 0, NULL);
		return;
	}
	if (text == NULL) {
		(void)sp_http_respond_problem(req, SP_ERR_INTERNAL, 0, NULL);
		return;
	}
	if (len == 0)
		len = strlen(text);
	(void)sp_http_respond_take(req, 200, "text/plain; charset=utf-8", NULL,
	                           0, (uint8_t *)text, len);
}

static void set_view(fh *h, void *arg)
{
	(void)h;
	g_view = *(const view *)arg;
}

static void show(const uint8_t (*peer)[32], uint64_t peer_size)
{
	view v = {4, peer, peer_size};

	fh_run(&g_h, set_view, &v);
}

typedef struct seen {
	size_t peer_asks;
	int busy;
	uint64_t cp_size, alarms;
	char last_alarm[240];
	size_t cp_evidence;
} seen;

static void seen_fn(fh *h, void *arg)
{
	seen *s = arg;
	fed_origin *o = fed_origin_find(h->f, "CN-XA");
	sp_store_reader *r = sp_node_reader(h->n);
	sp_store_evidence *e = NULL;
	size_t n = 0, i;

	memset(s, 0, sizeof(*s));
	s->peer_asks = fh_count(h, KG, "GET", "/v1/logs/CN-XA/checkpoint");
	s->busy = o->cp_busy;
	s->cp_size = o->cp_size;
	s->alarms = h->f->equivocation_alarms;
	memcpy(s->last_alarm, o->last_alarm, sizeof(s->last_alarm));
	if (r != NULL && sp_store_console_evidence(r, 16, &e, &n) == SP_OK) {
		for (i = 0; i < n; i++)
			s->cp_evidence += strcmp(e[i].kind, "checkpoint") == 0;
		sp_store_evidence_free(e, n);
	}
}

static seen look(void)
{
	seen s;

	fh_run(&g_h, seen_fn, &s);
	return s;
}

static int peer_asked(fh *h, void *arg)
{
	seen s;

	seen_fn(h, &s);
	return s.peer_asks > *(size_t *)arg && !s.busy;
}

/* The next poll: the origin's checkpoint, then one peer's. */
static seen poll_once(void)
{
	size_t asks = look().peer_asks;

	fh_advance(POLL_S * 1000);
	fh_tick(&g_h);
	assert_true(fh_wait(&g_h, peer_asked, &asks, 15000));
	fh_settle(&g_h, 300);
	return look();
}

static int setup(void **state)
{
	char what[32];
	int i;

	(void)state;
	memset(&g_h, 0, sizeof(g_h));
	for (i = 0; i < MAX_TREE; i++) {
		snprintf(what, sizeof(what), "honest %d", i);
		sp_merkle_leaf_hash((const uint8_t *)what, strlen(what),
		                    g_honest[i]);
		snprintf(what, sizeof(what), "fork %d", i);
		sp_merkle_leaf_hash((const uint8_t *)what, strlen(what),
		                    g_fork[i]);
	}
	g_view = (view){4, NULL, 0};
	g_h.ids[ME] = "CN-ZZ";
	g_h.ids[XA] = "CN-XA";
	g_h.ids[KG] = "KZ-KGS";
	g_h.n_members = 3;
	g_h.capture_log = 1;
	snprintf(g_h.extra_ini, sizeof(g_h.extra_ini),
	         "[peers]\npull_interval = %d\n", POLL_S);
	g_h.handler = answer;
	if (fh_start(&g_h) != 0 || fh_connect(&g_h) != 0)
		return -1;
	fh_settle(&g_h, 200);
	fh_rounds_reset(&g_h); /* a round, and gossip, every poll */
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fh_finish(&g_h);
	return 0;
}

/* An honest peer holds the origin's own checkpoint: nothing to see. */
static void test_honest_peer(void **state)
{
	seen s;

	(void)state;
	show((const uint8_t(*)[32])g_honest, 4);
	s = poll_once();
	assert_int_equal(s.cp_size, 4);
	assert_true(s.peer_asks >= 1);
	assert_int_equal(s.alarms, 0);
	assert_int_equal(s.cp_evidence, 0);
}

/* A fork of the same size at the peer: caught by the first poll that sees
 * both, kept as evidence, alarmed; the origin's checkpoint stays the one
 * trusted here. */
static void test_fork_same_size(void **state)
{
	const char *lines[2] = {"event=equivocation_alarm", "origin=CN-XA"};
	seen s;

	(void)state;
	show((const uint8_t(*)[32])g_fork, 4);
	s = poll_once();
	assert_int_equal(s.cp_size, 4);
	assert_true(s.alarms >= 1);
	assert_int_equal(s.cp_evidence, 1);
	assert_true(fh_log_count(&g_h, lines, 2) >= 1);
}

/* A larger fork at the peer: the origin's own consistency proof from the
 * checkpoint held here does not verify against it: equivocation. */
static void test_fork_larger(void **state)
{
	seen s;

	(void)state;
	show((const uint8_t(*)[32])g_fork, 8);
	s = poll_once();
	assert_true(s.alarms >= 1);
	assert_int_equal(s.cp_size, 4);
	assert_non_null(strstr(s.last_alarm, "not consistent"));
}

typedef struct asks {
	size_t origin, peer;
	int busy;
} asks;

static void asks_fn(fh *h, void *arg)
{
	asks *a = arg;

	a->origin = fh_count(h, XA, "GET", "/v1/logs/CN-XA/checkpoint");
	a->peer = fh_count(h, KG, "GET", "/v1/logs/CN-XA/checkpoint");
	a->busy = fed_origin_find(h->f, "CN-XA")->cp_busy;
}

static int round_done(fh *h, void *arg)
{
	asks a;

	asks_fn(h, &a);
	return a.origin > *(size_t *)arg && !a.busy;
}

/* One round of the origin (its checkpoint, then perhaps gossip), every
 * pull interval; how many times the peer was asked so far. */
static size_t round_once(void)
{
	asks a;

	fh_rounds_reset(&g_h); /* not spaced out by [FED-62] */
	fh_run(&g_h, asks_fn, &a);
	fh_advance(POLL_S * 1000);
	fh_tick(&g_h);
	assert_true(fh_wait(&g_h, round_done, &a.origin, 15000));
	fh_settle(&g_h, 200);
	fh_run(&g_h, asks_fn, &a);
	return a.peer;
}

/* [FED-64]: the peer answers 404 (it holds no checkpoint of CN-XA). Asked
 * every round, 12 rounds would be 12 requests; with the wait doubling
 * (1, 2, 4, 8 intervals) it is asked in rounds 1, 2, 4 and 8 only (or, when
 * it answered 404 once at start already, at start and in rounds 1, 3 and
 * 7). Once it holds one, it is asked every round again. */
static void test_peer_without_checkpoint(void **state)
{
	size_t n = 0, before;
	int i;

	(void)state;
	show(NULL, 0);
	for (i = 0; i < 12; i++)
		n = round_once();
	assert_in_range(n, 3, 5);
	show((const uint8_t(*)[32])g_honest, 4);
	for (i = 0; i < 8 && round_once() == n; i++)
		;
	before = round_once();
	assert_true(before > n);
	for (i = 0; i < 3; i++)
		n = round_once();
	assert_int_equal(n, before + 3);
	assert_int_equal(look().alarms, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_honest_peer, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fork_same_size, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_fork_larger, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_peer_without_checkpoint, setup,
	                                    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
