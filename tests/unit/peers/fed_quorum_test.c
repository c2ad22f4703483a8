/* fed_quorum_test.c: witness quorum and confirmation (SPEC [LOG-46],
 * [FED-55]) on a real node with a fake clock. The trust list names two
 * witnesses (KZ-KGS, CN-HN) with a quorum of 2 and a merge delay of 20 s;
 * the fake origin CN-XA serves its checkpoints and proofs, the fake
 * witnesses serve its checkpoint with their cosignature (or none). A
 * record received from CN-XA is pending until its inclusion is proven
 * in a checkpoint that both witnesses cosigned; one cosignature, or one
 * dated in the future, is not enough; a record whose Sequence the
 * witnessed log does not contain (2^62, signed with the origin's real
 * key) never becomes confirmed and is alarmed after the merge delay. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fed_harness.h"

enum { ME = 0, XA = 1, KG = 2, HN = 3 };

#define TREE       4
#define MERGE_S    20
#define STEP_MS    2000
#define FORWARD    ((uint64_t)1 << 62)
#define IN_LOG_SEQ 2

static fh g_h;

/* What the fakes serve (loop thread; set through fh_run). */
typedef struct fakes {
	int ready; /* the log is made: until then the origin has none */
	uint8_t leaves[TREE][32];
	int cosign[FH_MEMBERS];       /* the witness serves its cosignature */
	int64_t cos_time[FH_MEMBERS]; /* ... with this timestamp (s) */
} fakes;

static fakes g_fk;

static char *origin_note(fh *h)
{
	return fh_checkpoint_note(h, XA, (const uint8_t(*)[32])g_fk.leaves,
	                          TREE, -1, 0);
}

/* The origin's note with witness `peer`'s cosignature at time t. */
static char *cosigned_note(fh *h, int peer, int64_t t)
{
	return fh_checkpoint_note(h, XA, (const uint8_t(*)[32])g_fk.leaves,
	                          TREE, peer, t);
}

static char *inclusion_proof(sp_http_req *req, size_t *len)
{
	char v[24];
	uint64_t index = 0, size = 0;
	sp_proof p;
	char *out = NULL;

	memset(&p, 0, sizeof(p));
	if (sp_http_req_query_param(req, "index", v, sizeof(v), NULL) !=
	        SP_OK ||
	    sp_parse_u64(v, strlen(v), INT64_MAX, &index) != SP_OK ||
	    sp_http_req_query_param(req, "size", v, sizeof(v), NULL) != SP_OK ||
	    sp_parse_u64(v, strlen(v), INT64_MAX, &size) != SP_OK ||
	    size != TREE || index >= size)
		return NULL;
	p.kind = SP_PROOF_INCLUSION;
	p.index = index;
	p.size = size;
	if (sp_merkle_inclusion_path((const uint8_t(*)[32])g_fk.leaves, size,
	                             index, p.hashes, SP_MERKLE_MAX_PATH,
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

	if (!g_fk.ready) {
		(void)sp_http_respond_problem(req, SP_ERR_NOT_FOUND, 0, NULL);
		return;
	}
	if (strcmp(path, "/v1/logs/CN-XA/checkpoint") == 0 && peer == XA) {
		text = origin_note(h);
	} else if (strcmp(path, "/v1/logs/CN-XA/checkpoint") == 0 &&
	           (peer == KG || peer == HN) && g_fk.cosign[peer]) {
		text = cosigned_note(h, peer, g_fk.cos_time[peer]);
	} else if (strcmp(path, "/v1/logs/CN-XA/proofs/inclusion") == 0 &&
	           peer == XA) {
		if ((text = inclusion_proof(req, &len)) == NULL) {
			(void)sp_http_respond_problem(req, SP_ERR_NOT_FOUND, 0,
			                              NULL);
			return;
		}
	} else if (strcmp(path, "/v1/logs/CN-XA/entries") == 0 && peer == XA) {
		/* nothing more for this node: it holds what it was sent */
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

static void set_fakes(fh *h, void *arg)
{
	(void)h;
	g_fk = *(const fakes *)arg;
}

/* Witness `peer` serves its cosignature with time t (or, cosign 0,
 * nothing). */
static void witness_serves(int peer, int cosign, int64_t t)
{
	fakes fk = g_fk;

	fk.cosign[peer] = cosign;
	fk.cos_time[peer] = t;
	fh_run(&g_h, set_fakes, &fk);
}

/* ---------------------------------------------------------------- records */

/* Deliver CN-XA's record at seq to the node, as POST /v1/records would. */
static void receive(const uint8_t *bytes, size_t len)
{
	int outcome = 0;

	assert_int_equal(fh_deliver(&g_h, "CN-XA", bytes, len, &outcome),
	                 SP_OK);
	assert_int_equal(outcome, SP_STORE_INSERTED);
}

typedef struct state_q {
	uint64_t seq;
	int state;
} state_q;

static void state_fn(fh *h, void *arg)
{
	state_q *q = arg;
	sp_store_reader *r = sp_node_reader(h->n);
	sp_store_record *rec = NULL;

	q->state = -1;
	if (r != NULL && sp_store_get_at(r, "CN-XA", q->seq, &rec) == SP_OK)
		q->state = rec->log_state;
	sp_store_record_free(rec);
}

/* The log state the store holds for CN-XA's record at seq. */
static int log_state(uint64_t seq)
{
	state_q q = {seq, -1};

	fh_run(&g_h, state_fn, &q);
	return q.state;
}

typedef struct seen {
	int have_wit;
	uint64_t wit_size;
	unsigned cp_cosigners;
	uint64_t overdue, unconfirmed_alarms, proven;
	size_t n_unproven;
} seen;

static void seen_fn(fh *h, void *arg)
{
	seen *s = arg;
	fed_origin *o = fed_origin_find(h->f, "CN-XA");

	s->have_wit = o->have_wit;
	s->wit_size = o->wit_size;
	s->cp_cosigners = o->cp_cosigners;
	s->overdue = o->overdue;
	s->unconfirmed_alarms = h->f->unconfirmed_alarms;
	s->proven = o->proven;
	s->n_unproven = o->n_unproven;
}

static seen look(void)
{
	seen s;

	memset(&s, 0, sizeof(s));
	fh_run(&g_h, seen_fn, &s);
	return s;
}

/* Move the fake clock on by steps of STEP_MS, ticking, and let what the
 * tick started finish. */
static void run_steps(int n)
{
	fh_run_steps(&g_h, n, STEP_MS);
}

/* ---------------------------------------------------------------- setup */

static int prepare(fh *h)
{
	return fh_witnessed_list(h, MERGE_S);
}

static uint8_t *g_in_log, *g_forward;
static size_t g_in_log_len, g_forward_len;

static int setup(void **state)
{
	fakes fk;
	int i;

	(void)state;
	memset(&g_h, 0, sizeof(g_h));
	memset(&g_fk, 0, sizeof(g_fk));
	g_h.ids[ME] = "CN-ZZ";
	g_h.ids[XA] = "CN-XA";
	g_h.ids[KG] = "KZ-KGS";
	g_h.ids[HN] = "CN-HN";
	g_h.n_members = 4;
	g_h.capture_log = 1;
	g_h.prepare = prepare;
	snprintf(g_h.extra_ini, sizeof(g_h.extra_ini),
	         "[peers]\npull_interval = 86400\n");
	g_h.handler = answer;
	if (fh_start(&g_h) != 0 || fh_connect(&g_h) != 0)
		return -1;
	/* the origin's log: its record at IN_LOG_SEQ among fillers */
	g_in_log = fh_peer_record(&g_h, XA, IN_LOG_SEQ, "CN-ZZ", &g_in_log_len);
	g_forward = fh_peer_record(&g_h, XA, FORWARD, "CN-ZZ", &g_forward_len);
	if (g_in_log == NULL || g_forward == NULL)
		return -1;
	memset(&fk, 0, sizeof(fk));
	for (i = 0; i < TREE; i++) {
		char what[16];

		snprintf(what, sizeof(what), "filler %d", i);
		sp_merkle_leaf_hash((const uint8_t *)what, strlen(what),
		                    fk.leaves[i]);
	}
	sp_merkle_leaf_hash(g_in_log, g_in_log_len, fk.leaves[IN_LOG_SEQ]);
	fk.ready = 1;
	fh_run(&g_h, set_fakes, &fk);
	fh_settle(&g_h, 200);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fh_finish(&g_h);
	free(g_in_log);
	free(g_forward);
	g_in_log = g_forward = NULL;
	return 0;
}

/* ---------------------------------------------------------------- tests */

/* [LOG-46] counting: each listed witness once, with its own key, over
 * this checkpoint's text, not after latest_s; nobody else counts. */
typedef struct count_q {
	unsigned at_now, later, other_text, none_listed;
} count_q;

static void count_fn(fh *h, void *arg)
{
	count_q *q = arg;
	const sp_tl *tl = sp_trust_list(sp_node_trust(h->n));
	int64_t now = fh_now() / 1000;
	char *kg = cosigned_note(h, KG, now),
	     *hn = cosigned_note(h, HN, now + 50);
	char *xa = cosigned_note(h, XA, now); /* the origin, not a witness */
	char *note = origin_note(h), *all = NULL, *other = NULL, *line = NULL;
	size_t nl = strlen(note), sig_kg = strlen(kg) - nl,
	       sig_hn = strlen(hn) - nl, sig_xa = strlen(xa) - nl;
	const char *why = NULL;
	sp_checkpoint cp;
	char *body = NULL;
	size_t blen = 0;

	/* the origin's note, KG twice, HN (50 s ahead), the origin's own */
	all = malloc(nl + 2 * sig_kg + sig_hn + sig_xa + 1);
	assert_non_null(all);
	memcpy(all, note, nl);
	memcpy(all + nl, kg + nl, sig_kg);
	memcpy(all + nl + sig_kg, kg + nl, sig_kg);
	memcpy(all + nl + 2 * sig_kg, hn + nl, sig_hn);
	memcpy(all + nl + 2 * sig_kg + sig_hn, xa + nl, sig_xa + 1);
	q->at_now =
	    sp_peers__cosigners(tl, "CN-XA", all, strlen(all), now, NULL);
	q->later =
	    sp_peers__cosigners(tl, "CN-XA", all, strlen(all), now + 60, NULL);
	/* KG's cosignature over another checkpoint (size 5) */
	memset(&cp, 0, sizeof(cp));
	snprintf(cp.origin, sizeof(cp.origin), "%s", h->log_origin[XA]);
	cp.size = 5;
	assert_int_equal(sp_checkpoint_format(&cp, &body, &blen), SP_OK);
	assert_int_equal(
	    sp_note_cosign(h->log[KG], body, blen, now, &line, &why), SP_OK);
	other = malloc(nl + strlen(line) + 1);
	assert_non_null(other);
	memcpy(other, note, nl);
	memcpy(other + nl, line, strlen(line) + 1);
	q->other_text =
	    sp_peers__cosigners(tl, "CN-XA", other, strlen(other), now, NULL);
	/* with CN-HN as origin: its own cosignature never counts (LOG-27) */
	q->none_listed =
	    sp_peers__cosigners(tl, "CN-HN", all, strlen(all), now + 60, NULL);
	free(kg);
	free(hn);
	free(xa);
	free(note);
	free(all);
	free(other);
	free(body);
	free(line);
}

static void test_counting(void **state)
{
	count_q q;

	(void)state;
	memset(&q, 0, sizeof(q));
	fh_run(&g_h, count_fn, &q);
	assert_int_equal(q.at_now, 1);      /* KG once; HN is in the future */
	assert_int_equal(q.later, 2);       /* both */
	assert_int_equal(q.other_text, 0);  /* another checkpoint's */
	assert_int_equal(q.none_listed, 1); /* KG only */
}

/* [LOG-47]: a witness's cosignature by its NextLogKey counts while the
 * list names that key, and not otherwise. The list is the node's, with
 * KZ-KGS's entry given a next key in a copy. */
typedef struct next_q {
	unsigned listed, unlisted;
} next_q;

static void next_key_fn(fh *h, void *arg)
{
	next_q *q = arg;
	const sp_tl *tl = sp_trust_list(sp_node_trust(h->n));
	int64_t now = fh_now() / 1000;
	char path[160], *vkey = NULL, *note = origin_note(h), *line = NULL;
	char *cosigned;
	const char *why = NULL;
	sp_note_signer *next = NULL;
	sp_tl copy = *tl;
	sp_tl_member *ms;
	size_t nl;

	snprintf(path, sizeof(path), "%s/kg-next-log-key.pem", h->dir);
	assert_int_equal(sp_note_keygen(h->log_origin[KG], path, &vkey, &why),
	                 SP_OK);
	assert_int_equal(
	    sp_note_signer_load(h->log_origin[KG], path, &next, &why), SP_OK);
	assert_non_null(note);
	nl = strlen(note);
	assert_int_equal(sp_note_cosign(next, note, nl, now, &line, &why),
	                 SP_OK);
	cosigned = malloc(nl + strlen(line) + 1);
	assert_non_null(cosigned);
	memcpy(cosigned, note, nl);
	memcpy(cosigned + nl, line, strlen(line) + 1);
	/* the node's list: KZ-KGS has no next key, the line is nobody's */
	q->unlisted = sp_peers__cosigners(tl, "CN-XA", cosigned,
	                                  strlen(cosigned), now, NULL);
	ms = malloc(tl->n_members * sizeof(*ms));
	assert_non_null(ms);
	memcpy(ms, tl->members, tl->n_members * sizeof(*ms));
	for (size_t i = 0; i < tl->n_members; i++)
		if (strcmp(ms[i].node_id, "KZ-KGS") == 0)
			ms[i].next_log_key = vkey;
	copy.members = ms;
	q->listed = sp_peers__cosigners(&copy, "CN-XA", cosigned,
	                                strlen(cosigned), now, NULL);
	free(ms);
	free(cosigned);
	free(line);
	free(note);
	free(vkey);
	sp_note_signer_free(next);
}

static void test_next_key_cosignature(void **state)
{
	next_q q;

	(void)state;
	memset(&q, 0, sizeof(q));
	fh_run(&g_h, next_key_fn, &q);
	assert_int_equal(q.unlisted, 0);
	assert_int_equal(q.listed, 1);
}

/* k of n: one cosignature of the two the quorum needs leaves a received
 * record pending; once the second witness cosigns, the record is proven
 * in the witnessed checkpoint and confirmed, within the merge delay and
 * without an alarm. */
static void test_quorum_confirms(void **state)
{
	seen s;

	(void)state;
	witness_serves(KG, 1, fh_now() / 1000);
	receive(g_in_log, g_in_log_len);
	assert_int_equal(log_state(IN_LOG_SEQ), SP_LOG_PENDING);
	run_steps(3);
	s = look();
	assert_int_equal(s.cp_cosigners, 1);
	assert_false(s.have_wit);
	assert_int_equal(log_state(IN_LOG_SEQ), SP_LOG_PENDING);

	witness_serves(HN, 1, fh_now() / 1000);
	run_steps(4); /* 14 s in all: within the merge delay of 20 */
	s = look();
	assert_true(s.have_wit);
	assert_int_equal(s.wit_size, TREE);
	assert_int_equal(s.cp_cosigners, 2);
	assert_int_equal(log_state(IN_LOG_SEQ), SP_LOG_CONFIRMED);
	assert_int_equal(s.n_unproven, 0);
	assert_int_equal(s.unconfirmed_alarms, 0);
}

/* LOG-25: a cosignature dated after now plus the skew does not count. */
static void test_future_cosignature(void **state)
{
	seen s;

	(void)state;
	witness_serves(KG, 1, fh_now() / 1000);
	witness_serves(HN, 1, fh_now() / 1000 + 3600); /* skew is 300 */
	receive(g_in_log, g_in_log_len);
	run_steps(4);
	s = look();
	assert_int_equal(s.cp_cosigners, 1);
	assert_false(s.have_wit);
	assert_int_equal(log_state(IN_LOG_SEQ), SP_LOG_PENDING);
}

/* [FED-55]: a record signed with the origin's real key at Sequence 2^62,
 * beyond anything its witnessed log holds, never becomes confirmed, and
 * is alarmed once the merge delay has passed; the origin's honest record
 * received with it is confirmed. */
static void test_forward_dated(void **state)
{
	const char *lines[2] = {"event=record_unconfirmed", "origin=CN-XA"};
	seen s;
	int i;

	(void)state;
	witness_serves(KG, 1, fh_now() / 1000);
	witness_serves(HN, 1, fh_now() / 1000);
	receive(g_forward, g_forward_len);
	receive(g_in_log, g_in_log_len);
	run_steps(4);
	s = look();
	assert_true(s.have_wit);
	assert_int_equal(log_state(IN_LOG_SEQ), SP_LOG_CONFIRMED);
	assert_int_equal(log_state(FORWARD), SP_LOG_PENDING);
	assert_int_equal(s.unconfirmed_alarms, 0);
	assert_int_equal(fh_log_count(&g_h, lines, 2), 0);

	run_steps(MERGE_S * 1000 / STEP_MS); /* past the merge delay */
	s = look();
	assert_int_equal(s.unconfirmed_alarms, 1);
	assert_int_equal(s.overdue, 1);
	assert_int_equal(fh_log_count(&g_h, lines, 2), 1);
	for (i = 0; i < 3; i++)
		run_steps(5); /* it stays so, alarmed once */
	s = look();
	assert_int_equal(log_state(FORWARD), SP_LOG_PENDING);
	assert_int_equal(s.unconfirmed_alarms, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_counting, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_next_key_cosignature, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_quorum_confirms, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_future_cosignature, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_forward_dated, setup,
	                                    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
