/* fed_witness_test.c: witnessing (SPEC 9.4, 13.4) on a real node with a
 * fake clock and a fake origin that presents checkpoints of its log signed
 * with its real LogKey and answers the consistency proofs the node asks
 * for: a newer consistent checkpoint is stored and cosigned (FED-17); one
 * whose proof does not verify against the checkpoint held is an
 * equivocation alarm with the notes kept as evidence, and the old
 * checkpoint stays the one trusted (FED-18, LOG-39); a smaller one is no
 * progress; one not signed with the LogKey is refused (LOG-9). Polls come
 * every pull_interval of the fake clock (FED-16), spaced out while the
 * origin's checkpoint stays unchanged (FED-62). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fed_harness.h"

enum { ME = 0, XA = 1 };

#define POLL_S   60 /* pull_interval */
#define MAX_TREE 16

static fh g_h;

/* The fake origin's log: its leaf hashes, of which `size` are presented,
 * and the key it signs its checkpoints with. Loop thread (set through
 * fh_run). */
typedef struct origin_log {
	const uint8_t (*leaves)[32];
	uint64_t size;
	const sp_note_signer *signer;
} origin_log;

static origin_log g_log;
static uint8_t g_honest[MAX_TREE][32], g_fork[MAX_TREE][32];
static sp_note_signer *g_wrong; /* XA's key name, another key */

static void make_leaves(void)
{
	char what[32];
	int i;

	for (i = 0; i < MAX_TREE; i++) {
		snprintf(what, sizeof(what), "honest %d", i);
		sp_merkle_leaf_hash((const uint8_t *)what, strlen(what),
		                    g_honest[i]);
		snprintf(what, sizeof(what), "fork %d", i);
		sp_merkle_leaf_hash((const uint8_t *)what, strlen(what),
		                    g_fork[i]);
	}
}

static void root_of(const uint8_t (*leaves)[32], uint64_t n, uint8_t out[32])
{
	assert_int_equal(sp_merkle_root(leaves, n, out), SP_OK);
}

/* The signed note of the origin's checkpoint (malloc'd). */
static char *checkpoint_note(fh *h, const origin_log *lg)
{
	sp_checkpoint cp;
	char *body = NULL, *note = NULL;
	size_t len = 0;
	const char *why = NULL;

	memset(&cp, 0, sizeof(cp));
	snprintf(cp.origin, sizeof(cp.origin), "%s", h->log_origin[XA]);
	cp.size = lg->size;
	if (sp_merkle_root(lg->leaves, lg->size, cp.root) != SP_OK ||
	    sp_checkpoint_format(&cp, &body, &len) != SP_OK ||
	    sp_note_sign(lg->signer, body, len, &note, &why) != SP_OK)
		note = NULL;
	free(body);
	return note;
}

/* The consistency proof old -> size over the origin's own leaves. */
static char *consistency_proof(sp_http_req *req, size_t *len)
{
	char v[24];
	uint64_t old = 0, size = 0;
	sp_proof p;
	char *out = NULL;

	memset(&p, 0, sizeof(p));
	if (sp_http_req_query_param(req, "old", v, sizeof(v), NULL) != SP_OK ||
	    sp_parse_u64(v, strlen(v), MAX_TREE, &old) != SP_OK ||
	    sp_http_req_query_param(req, "size", v, sizeof(v), NULL) != SP_OK ||
	    sp_parse_u64(v, strlen(v), MAX_TREE, &size) != SP_OK ||
	    size > g_log.size || old > size)
		return NULL;
	p.kind = SP_PROOF_CONSISTENCY;
	p.old_size = old;
	p.size = size;
	if (sp_merkle_consistency_path(g_log.leaves, size, old, p.hashes,
	                               SP_MERKLE_MAX_PATH,
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

	if (peer == XA && strcmp(path, "/v1/logs/CN-XA/checkpoint") == 0) {
		if ((text = checkpoint_note(h, &g_log)) != NULL)
			len = strlen(text);
	} else if (peer == XA &&
	           strcmp(path, "/v1/logs/CN-XA/proofs/consistency") == 0) {
		text = consistency_proof(req, &len);
	} else if (peer == XA && strcmp(path, "/v1/logs/CN-XA/entries") == 0) {
		/* no records for this node: the log holds none visible to it */
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
	(void)sp_http_respond_take(req, 200, "text/plain; charset=utf-8", NULL,
	                           0, (uint8_t *)text, len);
}

static void set_log(fh *h, void *arg)
{
	(void)h;
	g_log = *(const origin_log *)arg;
}

/* What the fake origin presents from now on. */
static void present(const uint8_t (*leaves)[32], uint64_t size,
                    const sp_note_signer *signer)
{
	origin_log lg = {leaves, size, signer};

	fh_run(&g_h, set_log, &lg);
}

/* ---------------------------------------------------------------- probes */

typedef struct seen {
	size_t cp_asks, proof_asks;
	int busy;
	int have_cp;
	uint64_t cp_size;
	uint8_t cp_root[32];
	int64_t cp_seen_ms;
	uint64_t equivocations, alarms;
	char last_alarm[240];
} seen;

static void probe_fn(fh *h, void *arg)
{
	seen *s = arg;
	fed_origin *o = fed_origin_find(h->f, "CN-XA");

	memset(s, 0, sizeof(*s));
	s->cp_asks = fh_count(h, XA, "GET", "/v1/logs/CN-XA/checkpoint");
	s->proof_asks =
	    fh_count(h, XA, "GET", "/v1/logs/CN-XA/proofs/consistency");
	s->busy = o->cp_busy;
	s->have_cp = o->have_cp;
	s->cp_size = o->cp_size;
	memcpy(s->cp_root, o->cp_root, 32);
	s->cp_seen_ms = o->cp_seen_ms;
	s->equivocations = o->equivocations;
	s->alarms = h->f->equivocation_alarms;
	memcpy(s->last_alarm, o->last_alarm, sizeof(s->last_alarm));
}

typedef struct ask {
	const char *prefix;
	size_t n;
} ask;

static void ask_fn(fh *h, void *arg)
{
	ask *a = arg;

	a->n = fh_count(h, XA, "GET", a->prefix);
}

/* GETs received by the origin whose path and query start with prefix. */
static size_t asked(const char *prefix)
{
	ask a = {prefix, 0};

	fh_run(&g_h, ask_fn, &a);
	return a.n;
}

static seen look(void)
{
	seen s;

	fh_run(&g_h, probe_fn, &s);
	return s;
}

/* A fetch asked after `asks` earlier ones has ended. */
static int fetch_ended(fh *h, void *arg)
{
	seen s;

	probe_fn(h, &s);
	return s.cp_asks > *(size_t *)arg && !s.busy;
}

/* Let the fake clock reach the next poll, tick, and wait for that fetch
 * (and its proof, if one is asked) to end. Before the poll is due, ticks
 * ask nothing. */
static seen poll_once(void)
{
	size_t asks = look().cp_asks;

	fh_advance((POLL_S - 1) * 1000);
	fh_settle(&g_h, 100);
	assert_int_equal(look().cp_asks, asks);
	fh_advance(1000);
	fh_tick(&g_h);
	assert_true(fh_wait(&g_h, fetch_ended, &asks, 15000));
	fh_settle(&g_h, 100); /* nothing more comes of it */
	return look();
}

/* The node's checkpoint store for CN-XA: the largest held. */
typedef struct stored {
	int found;
	uint64_t size;
	uint8_t root[32];
	size_t n_cosignatures;
	char witness[SP_NODE_ID_MAX + 1];
	char line[256];
} stored;

static void stored_fn(fh *h, void *arg)
{
	stored *st = arg;
	sp_store_reader *r = sp_node_reader(h->n);
	sp_store_checkpoint *cp = NULL;

	memset(st, 0, sizeof(*st));
	if (r == NULL || sp_store_checkpoint_latest(r, "CN-XA", &cp) != SP_OK)
		return;
	st->found = 1;
	st->size = cp->size;
	memcpy(st->root, cp->root, 32);
	st->n_cosignatures = cp->n_cosignatures;
	if (cp->n_cosignatures > 0) {
		snprintf(st->witness, sizeof(st->witness), "%s",
		         cp->witnesses[0]);
		snprintf(st->line, sizeof(st->line), "%s", cp->cosignatures[0]);
	}
	sp_store_checkpoint_free(cp);
}

static stored latest(void)
{
	stored st;

	fh_run(&g_h, stored_fn, &st);
	return st;
}

/* Checkpoint evidence (two roots for one size) held by the store. */
typedef struct evidence {
	size_t n;
	uint64_t size;
	char origin[SP_NODE_ID_MAX + 1];
	char root_a[65], root_b[65];
} evidence;

static void evidence_fn(fh *h, void *arg)
{
	evidence *ev = arg;
	sp_store_reader *r = sp_node_reader(h->n);
	sp_store_evidence *e = NULL;
	size_t n = 0, i;

	memset(ev, 0, sizeof(*ev));
	if (r == NULL || sp_store_console_evidence(r, 16, &e, &n) != SP_OK)
		return;
	for (i = 0; i < n; i++) {
		if (strcmp(e[i].kind, "checkpoint") != 0)
			continue;
		if (ev->n++ == 0) {
			ev->size = e[i].sequence;
			snprintf(ev->origin, sizeof(ev->origin), "%s",
			         e[i].origin);
			memcpy(ev->root_a, e[i].digest_a, 65);
			memcpy(ev->root_b, e[i].digest_b, 65);
		}
	}
	sp_store_evidence_free(e, n);
}

static void assert_root(const uint8_t got[32], const uint8_t (*leaves)[32],
                        uint64_t n)
{
	uint8_t want[32];

	root_of(leaves, n, want);
	assert_memory_equal(got, want, 32);
}

static void hex_root(const uint8_t (*leaves)[32], uint64_t n, char out[65])
{
	uint8_t r[32];

	root_of(leaves, n, r);
	sp_hex_encode(r, 32, out);
}

/* ---------------------------------------------------------------- setup */

/* The origin starts with the first `initial` leaves of its honest log;
 * setup returns once the node has witnessed that checkpoint. */
static int witnessed(fh *h, void *arg)
{
	seen s;

	probe_fn(h, &s);
	return s.have_cp && s.cp_size == *(uint64_t *)arg && !s.busy;
}

static int setup(void **state)
{
	uint64_t initial = (uint64_t)(uintptr_t)*state;
	char key[FH_PATH];
	char *vkey = NULL;
	const char *why = NULL;

	memset(&g_h, 0, sizeof(g_h));
	g_h.ids[ME] = "CN-ZZ";
	g_h.ids[XA] = "CN-XA";
	g_h.n_members = 2;
	g_h.capture_log = 1;
	snprintf(g_h.extra_ini, sizeof(g_h.extra_ini),
	         "[peers]\npull_interval = %d\n", POLL_S);
	g_h.handler = answer;
	make_leaves();
	/* before the node's loop runs: no fh_run needed yet */
	g_log.leaves = (const uint8_t(*)[32])g_honest;
	g_log.size = initial;
	if (fh_start(&g_h) != 0)
		return -1;
	g_log.signer = g_h.log[XA];
	/* a key of the same name that the trust list does not give */
	fh_path(&g_h, key, NULL, "wrong-log-key.pem");
	if (sp_note_keygen(g_h.log_origin[XA], key, &vkey, &why) != SP_OK ||
	    sp_note_signer_load(g_h.log_origin[XA], key, &g_wrong, &why) !=
	        SP_OK ||
	    fh_connect(&g_h) != 0 ||
	    !fh_wait(&g_h, witnessed, &initial, 15000)) {
		free(vkey);
		fh_finish(&g_h);
		return -1;
	}
	free(vkey);
	fh_settle(&g_h, 100);
	fh_rounds_reset(&g_h);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fh_finish(&g_h);
	sp_note_signer_free(g_wrong);
	g_wrong = NULL;
	return 0;
}

static size_t log_lines(const char *a, const char *b, const char *c)
{
	const char *all[3] = {a, b, c};

	return fh_log_count(&g_h, all, 3);
}

/* ---------------------------------------------------------------- tests */

/* FED-17: the first checkpoint needs no proof; a newer one is proven
 * consistent with it by the origin (old=4, size=8), then stored and
 * cosigned by this node, and becomes the checkpoint trusted. */
static void test_consistent_newer_checkpoint_cosigned(void **state)
{
	stored st;
	seen s;
	char name[SP_CHECKPOINT_ORIGIN_MAX + 8];

	(void)state;
	st = latest();
	assert_true(st.found);
	assert_int_equal(st.size, 4);
	assert_root(st.root, (const uint8_t(*)[32])g_honest, 4);
	assert_int_equal(st.n_cosignatures, 1);
	assert_string_equal(st.witness, "CN-ZZ");
	assert_int_equal(look().proof_asks, 0);

	present((const uint8_t(*)[32])g_honest, 8, g_h.log[XA]);
	s = poll_once();
	assert_int_equal(s.proof_asks, 1);
	assert_int_equal(s.cp_size, 8);
	assert_root(s.cp_root, (const uint8_t(*)[32])g_honest, 8);
	assert_int_equal(s.alarms, 0);
	assert_int_equal(
	    asked("/v1/logs/CN-XA/proofs/consistency?old=4&size=8"), 1);
	st = latest();
	assert_int_equal(st.size, 8);
	assert_root(st.root, (const uint8_t(*)[32])g_honest, 8);
	assert_int_equal(st.n_cosignatures, 1);
	assert_string_equal(st.witness, "CN-ZZ");
	/* the cosignature line is this node's: "— silkport/silk/CN-ZZ ..." */
	snprintf(name, sizeof(name), "\xe2\x80\x94 silkport/silk/CN-ZZ ");
	assert_memory_equal(st.line, name, strlen(name));
	assert_int_equal(log_lines("event=equivocation_alarm", "", ""), 0);
	assert_int_equal(log_lines("event=checkpoint_refused", "", ""), 0);
}

/* FED-18, LOG-39: the origin presents a checkpoint of size 8 of another
 * history, with a proof from its own size 4: the proof does not verify
 * against the size-4 root held. Alarm (log line, counter, the origin's
 * status), no cosignature, the note kept; the old checkpoint stays the
 * one trusted. When the origin then presents its honest size 8 (which
 * is consistent with 4), the two signed roots for size 8 are kept side by
 * side as evidence and alarm again; still nothing is cosigned. */
static void test_inconsistent_checkpoint_alarms(void **state)
{
	char fork8[65], honest8[65];
	evidence ev;
	stored st;
	seen s;

	(void)state;
	present((const uint8_t(*)[32])g_fork, 8, g_h.log[XA]);
	s = poll_once();
	assert_int_equal(
	    asked("/v1/logs/CN-XA/proofs/consistency?old=4&size=8"), 1);
	assert_int_equal(s.alarms, 1);
	assert_int_equal(s.equivocations, 1);
	assert_non_null(strstr(s.last_alarm,
	                       "checkpoint: checkpoint 8 is not consistent "
	                       "with 4"));
	/* trusted: still the size-4 checkpoint */
	assert_true(s.have_cp);
	assert_int_equal(s.cp_size, 4);
	assert_root(s.cp_root, (const uint8_t(*)[32])g_honest, 4);
	assert_int_equal(log_lines("level=error", "event=equivocation_alarm",
	                           "kind=checkpoint origin=CN-XA"),
	                 1);
	/* the forked note is kept (the largest stored), never cosigned */
	st = latest();
	assert_int_equal(st.size, 8);
	assert_root(st.root, (const uint8_t(*)[32])g_fork, 8);
	assert_int_equal(st.n_cosignatures, 0);

	/* the honest size 8 now: consistent with 4, but a second root for
	 * size 8 signed by the same origin */
	present((const uint8_t(*)[32])g_honest, 8, g_h.log[XA]);
	s = poll_once();
	assert_int_equal(
	    asked("/v1/logs/CN-XA/proofs/consistency?old=4&size=8"), 2);
	assert_int_equal(s.alarms, 2);
	assert_non_null(strstr(s.last_alarm, "another root is held for "
	                                     "checkpoint size 8"));
	assert_int_equal(s.cp_size, 4);
	assert_root(s.cp_root, (const uint8_t(*)[32])g_honest, 4);
	fh_run(&g_h, evidence_fn, &ev);
	assert_int_equal(ev.n, 1);
	assert_string_equal(ev.origin, "CN-XA");
	assert_int_equal(ev.size, 8);
	hex_root((const uint8_t(*)[32])g_fork, 8, fork8);
	hex_root((const uint8_t(*)[32])g_honest, 8, honest8);
	assert_string_equal(ev.root_a, fork8);
	assert_string_equal(ev.root_b, honest8);
	assert_int_equal(latest().n_cosignatures, 0);
	assert_int_equal(log_lines("level=error", "event=equivocation_alarm",
	                           "kind=checkpoint origin=CN-XA"),
	                 2);
}

/* A checkpoint smaller than the one held (validly signed, a prefix of the
 * same log) is not progress: no proof is asked, nothing is cosigned, the
 * checkpoint trusted and its time stay, and it is no alarm. */
static void test_smaller_checkpoint_not_progress(void **state)
{
	int64_t seen_ms;
	stored st;
	seen s;

	(void)state;
	s = look();
	assert_int_equal(s.cp_size, 8);
	seen_ms = s.cp_seen_ms;
	present((const uint8_t(*)[32])g_honest, 5, g_h.log[XA]);
	s = poll_once();
	assert_int_equal(s.proof_asks, 0);
	assert_int_equal(s.cp_size, 8);
	assert_root(s.cp_root, (const uint8_t(*)[32])g_honest, 8);
	assert_int_equal(s.cp_seen_ms, seen_ms);
	assert_int_equal(s.alarms, 0);
	st = latest();
	assert_int_equal(st.size, 8);
	assert_int_equal(st.n_cosignatures, 1);
	assert_int_equal(log_lines("event=equivocation_alarm", "", ""), 0);

	/* the same size again is re-seen (the origin is alive), not
	 * re-proven */
	present((const uint8_t(*)[32])g_honest, 8, g_h.log[XA]);
	s = poll_once();
	assert_int_equal(s.proof_asks, 0);
	assert_int_equal(s.cp_size, 8);
	assert_true(s.cp_seen_ms > seen_ms);
}

/* LOG-9: a checkpoint whose signature line has the origin's key name but
 * another key is refused (a warning, no proof asked, nothing stored or
 * cosigned); the next one with the LogKey is taken. */
static void test_wrong_key_refused(void **state)
{
	stored st;
	seen s;

	(void)state;
	present((const uint8_t(*)[32])g_honest, 8, g_wrong);
	s = poll_once();
	assert_int_equal(s.proof_asks, 0);
	assert_int_equal(s.cp_size, 4);
	assert_int_equal(s.alarms, 0);
	st = latest();
	assert_int_equal(st.size, 4);
	assert_int_equal(
	    log_lines("level=warn", "event=checkpoint_refused", "origin=CN-XA"),
	    1);
	assert_int_equal(
	    log_lines("event=checkpoint_refused", "err=signature-missing", ""),
	    1);

	present((const uint8_t(*)[32])g_honest, 8, g_h.log[XA]);
	s = poll_once();
	assert_int_equal(s.proof_asks, 1);
	assert_int_equal(s.cp_size, 8);
	st = latest();
	assert_int_equal(st.size, 8);
	assert_int_equal(st.n_cosignatures, 1);
}

static void forget_fn(fh *h, void *arg)
{
	fed_origin *o = fed_origin_find(h->f, "CN-XA");

	(void)arg;
	o->have_cp = 0; /* as after a restart: the store decides */
}

/* The rejected fork is kept as evidence and is then the largest stored
 * checkpoint, but the baseline a restarted node proves later checkpoints
 * against is the one it verified (size 4): the honest size 12 is proven
 * from 4 and cosigned, with no alarm, and the fork never becomes trusted. */
static void test_evidence_is_no_baseline(void **state)
{
	seen s;

	(void)state;
	present((const uint8_t(*)[32])g_fork, 8, g_h.log[XA]);
	s = poll_once();
	assert_int_equal(s.alarms, 1);
	assert_int_equal(latest().size, 8); /* the fork, as evidence */
	fh_run(&g_h, forget_fn, NULL);
	present((const uint8_t(*)[32])g_honest, 12, g_h.log[XA]);
	s = poll_once();
	assert_int_equal(
	    asked("/v1/logs/CN-XA/proofs/consistency?old=4&size=12"), 1);
	assert_int_equal(
	    asked("/v1/logs/CN-XA/proofs/consistency?old=8&size=12"), 0);
	assert_int_equal(s.alarms, 1);
	assert_true(s.have_cp);
	assert_int_equal(s.cp_size, 12);
	assert_root(s.cp_root, (const uint8_t(*)[32])g_honest, 12);
	assert_int_equal(latest().n_cosignatures, 1);
}

/* [LOG-45]: after the clock went back (behind the time of the last
 * cosignature this node gave for the origin), a newer consistent
 * checkpoint is not cosigned: nothing is vouched for with an earlier time,
 * and the old checkpoint stays the one trusted. Once the clock is past
 * that time again, it is cosigned. */
static void set_last_cosignature(fh *h, void *arg)
{
	char v[128], hex[65];
	uint8_t root[32];

	/* the baseline as this node keeps it, with its last cosignature
	 * 1000 s ahead of the clock: as if the clock had stepped back */
	root_of((const uint8_t(*)[32])g_honest, 4, root);
	sp_hex_encode(root, 32, hex);
	snprintf(v, sizeof(v), "4 %s %lld", hex,
	         (long long)(fh_now() / 1000 + *(int64_t *)arg));
	assert_int_equal(
	    sp_store_state_set(sp_node_store(h->n), "witnessed:CN-XA", v),
	    SP_OK);
}

static void test_cosignature_time_never_goes_back(void **state)
{
	stored st;
	seen s;
	int64_t ahead = 1000;

	(void)state;
	assert_int_equal(latest().n_cosignatures, 1);
	fh_run(&g_h, set_last_cosignature, &ahead);
	present((const uint8_t(*)[32])g_honest, 8, g_h.log[XA]);
	s = poll_once();
	assert_int_equal(s.cp_size, 4);
	st = latest();
	assert_int_equal(st.size, 8);
	assert_int_equal(st.n_cosignatures, 0);
	assert_int_equal(log_lines("event=checkpoint_refused", "origin=CN-XA",
	                           "last cosignature"),
	                 1);

	fh_advance(1000 * 1000);
	fh_tick(&g_h); /* the poll planned before */
	fh_settle(&g_h, 300);
	s = poll_once();
	assert_int_equal(s.cp_size, 8);
	st = latest();
	assert_int_equal(st.n_cosignatures, 1);
	assert_string_equal(st.witness, "CN-ZZ");
	assert_int_equal(s.alarms, 0);
}

/* One pull interval later: 1 if the round asked the origin's checkpoint
 * (and that fetch ended), 0 if the round was skipped. */
static int next_interval(void)
{
	size_t asks = look().cp_asks;

	fh_advance(POLL_S * 1000);
	fh_tick(&g_h);
	fh_settle(&g_h, 150);
	if (look().cp_asks == asks)
		return 0;
	assert_true(fh_wait(&g_h, fetch_ended, &asks, 15000));
	assert_int_equal(look().cp_asks, asks + 1);
	return 1;
}

/* FED-62: while the origin's checkpoint comes back unchanged and nothing
 * is pending, its rounds come after 2, 4, then 8 pull intervals, never
 * more; a round that brings a new checkpoint brings them back to every
 * interval. */
static void test_unchanged_rounds_spaced(void **state)
{
	static const int unchanged[] = {1, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0,
	                                0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1};
	size_t i;
	seen s;

	(void)state;
	for (i = 0; i < sizeof(unchanged) / sizeof(unchanged[0]); i++)
		assert_int_equal(next_interval(), unchanged[i]);
	/* the origin grows: seen at the next round, 8 intervals on */
	present((const uint8_t(*)[32])g_honest, 8, g_h.log[XA]);
	for (i = 0; i < 7; i++)
		assert_int_equal(next_interval(), 0);
	assert_int_equal(next_interval(), 1);
	s = look();
	assert_int_equal(s.cp_size, 8);
	/* changed: the next round comes one interval on, then two */
	assert_int_equal(next_interval(), 1);
	assert_int_equal(next_interval(), 0);
	assert_int_equal(next_interval(), 1);
	assert_int_equal(s.alarms, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_prestate_setup_teardown(
	        test_consistent_newer_checkpoint_cosigned, setup, teardown,
	        (void *)(uintptr_t)4),
	    cmocka_unit_test_prestate_setup_teardown(
	        test_inconsistent_checkpoint_alarms, setup, teardown,
	        (void *)(uintptr_t)4),
	    cmocka_unit_test_prestate_setup_teardown(
	        test_smaller_checkpoint_not_progress, setup, teardown,
	        (void *)(uintptr_t)8),
	    cmocka_unit_test_prestate_setup_teardown(
	        test_wrong_key_refused, setup, teardown, (void *)(uintptr_t)4),
	    cmocka_unit_test_prestate_setup_teardown(
	        test_evidence_is_no_baseline, setup, teardown,
	        (void *)(uintptr_t)4),
	    cmocka_unit_test_prestate_setup_teardown(
	        test_cosignature_time_never_goes_back, setup, teardown,
	        (void *)(uintptr_t)4),
	    cmocka_unit_test_prestate_setup_teardown(
	        test_unchanged_rounds_spaced, setup, teardown,
	        (void *)(uintptr_t)4),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
