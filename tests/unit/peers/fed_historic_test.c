/* fed_historic_test.c: a late joiner proves that an old record existed
 * before its signer's certificate retired (SPEC [LOG-53], [API-80],
 * [FED-66]), on a real node with a fake clock. The trust list names two
 * witnesses (KZ-KGS, CN-HN), quorum 2. The fake origin CN-XA serves a log
 * of 8 leaves (its record for CN-ZZ at Sequence 2) and its proofs; the
 * witnesses serve that checkpoint cosigned three years on, after the
 * certificate's validity, and, asked with covering=, the historic
 * checkpoint of 4 leaves they cosigned when the record was new. The node
 * first sees the log three years on: the bound of the checkpoint it holds
 * is after the certificate, so only the historic one can confirm the
 * record. It is refused when the historic checkpoint lacks a quorum, is
 * inconsistent with the witnessed one, or was cosigned after the
 * certificate's end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fed_harness.h"

enum { ME = 0, XA = 1, KG = 2, HN = 3 };

#define LEAVES  8
#define OLD     4 /* the historic checkpoint's size */
#define OURS    2 /* the Sequence of the record for CN-ZZ in the log */
#define STEP_MS 2000
#define YEARS3  ((int64_t)3 * 365 * 86400)

static fh g_h;

typedef struct served {
	int ready; /* until the log is made, the origin serves none */
	uint8_t leaves[LEAVES][32];
	/* the historic note's leaves: the log's, or another log's (a fork) */
	uint8_t old_leaves[OLD][32];
	int64_t cos_time[FH_MEMBERS]; /* the latest checkpoint's cosignature */
	int64_t old_time[FH_MEMBERS]; /* the historic one's; 0: none */
} served;

static served g_sv;

/* ---------------------------------------------------------------- the fakes */

/* The origin's note of the first `size` leaves of `leaves`, with the
 * cosignature of `cosigner` at t (cosigner < 0: none). */
static char *note_of(fh *h, const uint8_t (*leaves)[32], uint64_t size,
                     int cosigner, int64_t t)
{
	return fh_checkpoint_note(h, XA, leaves, size, cosigner, t);
}

static int param(sp_http_req *req, const char *name, uint64_t *v)
{
	char buf[24];

	return sp_http_req_query_param(req, name, buf, sizeof(buf), NULL) ==
	           SP_OK &&
	       sp_parse_u64(buf, strlen(buf), INT64_MAX, v) == SP_OK;
}

/* Inclusion (index, size = LEAVES) or consistency (old, size = LEAVES)
 * proofs of the origin's real log. */
static char *proof_of(sp_http_req *req, int inclusion, size_t *len)
{
	uint64_t index = 0, size = 0;
	sp_proof p;
	char *out = NULL;
	int err;

	memset(&p, 0, sizeof(p));
	if (!param(req, inclusion ? "index" : "old", &index) ||
	    !param(req, "size", &size) || size != LEAVES || index > size ||
	    (inclusion && index == size))
		return NULL;
	p.kind = inclusion ? SP_PROOF_INCLUSION : SP_PROOF_CONSISTENCY;
	p.size = size;
	if (inclusion) {
		p.index = index;
		err = sp_merkle_inclusion_path(
		    (const uint8_t(*)[32])g_sv.leaves, size, index, p.hashes,
		    SP_MERKLE_MAX_PATH, &p.n_hashes);
	} else {
		p.old_size = index;
		err = sp_merkle_consistency_path(
		    (const uint8_t(*)[32])g_sv.leaves, size, index, p.hashes,
		    SP_MERKLE_MAX_PATH, &p.n_hashes);
	}
	if (err != SP_OK || sp_proof_format(&p, &out, len) != SP_OK)
		return NULL;
	return out;
}

static void serve(fh *h, int peer, sp_http_req *req)
{
	const char *path = sp_http_req_path(req);
	const uint8_t(*leaves)[32] = (const uint8_t(*)[32])g_sv.leaves;
	char *text = NULL;
	size_t len = 0;
	uint64_t covering = 0;

	if (!g_sv.ready) {
		; /* nothing yet */
	} else if (strcmp(path, "/v1/logs/CN-XA/checkpoint") == 0) {
		if (param(req, "covering", &covering)) {
			/* the origin keeps no cosignatures of its own log */
			if (peer != XA && covering < OLD &&
			    g_sv.old_time[peer] > 0)
				text = note_of(
				    h, (const uint8_t(*)[32])g_sv.old_leaves,
				    OLD, peer, g_sv.old_time[peer]);
		} else if (peer == XA) {
			text = note_of(h, leaves, LEAVES, -1, 0);
		} else if (g_sv.cos_time[peer] > 0) {
			text = note_of(h, leaves, LEAVES, peer,
			               g_sv.cos_time[peer]);
		}
	} else if (strcmp(path, "/v1/logs/CN-XA/proofs/inclusion") == 0 &&
	           peer == XA) {
		text = proof_of(req, 1, &len);
	} else if (strcmp(path, "/v1/logs/CN-XA/proofs/consistency") == 0 &&
	           peer == XA) {
		text = proof_of(req, 0, &len);
	} else if (strcmp(path, "/v1/logs/CN-XA/entries") == 0 && peer == XA) {
		(void)sp_http_respond(req, 200, "application/octet-stream",
		                      NULL, 0);
		return;
	}
	if (text == NULL) {
		(void)sp_http_respond_problem(req, SP_ERR_NOT_FOUND, 0, NULL);
		return;
	}
	(void)sp_http_respond_take(req, 200, "text/plain; charset=utf-8", NULL,
	                           0, (uint8_t *)text,
	                           len ? len : strlen(text));
}

static void set_served(fh *h, void *arg)
{
	(void)h;
	g_sv = *(const served *)arg;
}

/* ---------------------------------------------------------------- the node */

typedef struct held {
	uint64_t seq;
	int found, state;
	int64_t exists_by;
	char refused[SP_STORE_REFUSAL_MAX];
	/* what the node itself now serves with covering= */
	uint64_t cov_size;
	size_t cov_cosigs;
	uint64_t bounds_alarms, equivocations;
} held;

static void held_fn(fh *h, void *arg)
{
	held *q = arg;
	sp_store_reader *r = sp_node_reader(h->n);
	sp_store_record *rec = NULL;
	sp_store_checkpoint *cp = NULL;

	if (r != NULL && sp_store_get_at(r, "CN-XA", q->seq, &rec) == SP_OK) {
		q->found = 1;
		q->state = rec->log_state;
		q->exists_by = rec->exists_by;
		snprintf(q->refused, sizeof(q->refused), "%s",
		         rec->log_refused);
	}
	if (r != NULL &&
	    sp_store_checkpoint_covering(r, "CN-XA", q->seq, &cp) == SP_OK) {
		q->cov_size = cp->size;
		q->cov_cosigs = cp->n_cosignatures;
	}
	q->bounds_alarms = h->f->bounds_alarms;
	q->equivocations = h->f->equivocation_alarms;
	sp_store_record_free(rec);
	sp_store_checkpoint_free(cp);
}

static held holding(void)
{
	held q;

	memset(&q, 0, sizeof(q));
	q.seq = OURS;
	fh_run(&g_h, held_fn, &q);
	return q;
}

static void run_steps(int n)
{
	fh_run_steps(&g_h, n, STEP_MS);
}

/* ---------------------------------------------------------------- setup */

static int prepare(fh *h)
{
	return fh_witnessed_list(h, 20);
}

static uint8_t *g_ours;
static size_t g_ours_len;
static int64_t g_t0; /* the fake clock at the start, in seconds */
static int64_t g_later;

static int setup(void **state)
{
	served sv;
	int i;

	(void)state;
	memset(&g_h, 0, sizeof(g_h));
	memset(&g_sv, 0, sizeof(g_sv));
	g_h.ids[ME] = "CN-ZZ";
	g_h.ids[XA] = "CN-XA";
	g_h.ids[KG] = "KZ-KGS";
	g_h.ids[HN] = "CN-HN";
	g_h.n_members = 4;
	g_h.capture_log = 1;
	g_h.prepare = prepare;
	snprintf(g_h.extra_ini, sizeof(g_h.extra_ini),
	         "[peers]\npull_interval = 86400\n");
	g_h.handler = serve;
	if (fh_start(&g_h) != 0 || fh_connect(&g_h) != 0)
		return -1;
	g_t0 = fh_now() / 1000;
	g_later = g_t0 + YEARS3;
	g_ours = fh_peer_record_issued(&g_h, XA, OURS, "CN-ZZ", g_t0 - 60,
	                               &g_ours_len);
	if (g_ours == NULL)
		return -1;
	memset(&sv, 0, sizeof(sv));
	for (i = 0; i < LEAVES; i++) {
		char what[16];

		snprintf(what, sizeof(what), "leaf %d", i);
		sp_merkle_leaf_hash((const uint8_t *)what, strlen(what),
		                    sv.leaves[i]);
	}
	sp_merkle_leaf_hash(g_ours, g_ours_len, sv.leaves[OURS]);
	memcpy(sv.old_leaves, sv.leaves, sizeof(sv.old_leaves));
	sv.ready = 1;
	fh_run(&g_h, set_served, &sv);
	fh_settle(&g_h, 200);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fh_finish(&g_h);
	free(g_ours);
	g_ours = NULL;
	return 0;
}

/* The record is delivered while its certificate is valid; three years on
 * (the certificate long over) the witnesses cosign the log of 8, and the
 * historic checkpoint of 4 is served cosigned at kg and hn (0: not by
 * that witness). Returns what the node holds after the rounds. */
static held late_joiner(int64_t kg, int64_t hn, int forked)
{
	int outcome = 0;
	served sv = g_sv;

	assert_int_equal(
	    fh_deliver(&g_h, "CN-XA", g_ours, g_ours_len, &outcome), SP_OK);
	assert_int_equal(holding().state, SP_LOG_PENDING);
	fh_advance((g_later - g_t0 + 60) * 1000);
	sv.cos_time[KG] = g_later;
	sv.cos_time[HN] = g_later + 1;
	sv.old_time[KG] = kg;
	sv.old_time[HN] = hn;
	if (forked) /* a log the origin showed the witnesses back then */
		sp_merkle_leaf_hash((const uint8_t *)"other", 5,
		                    sv.old_leaves[1]);
	fh_run(&g_h, set_served, &sv);
	run_steps(6);
	return holding();
}

/* ---------------------------------------------------------------- tests */

/* [LOG-53]: the first witnessed checkpoint that contains the record was
 * cosigned (by the quorum) while the certificate was valid: the record is
 * confirmed at that checkpoint's bound, and the node keeps the historic
 * checkpoint with its cosignatures, so that it serves it too. */
static void test_confirmed_by_historic(void **state)
{
	held got;

	(void)state;
	got = late_joiner(g_t0 - 30, g_t0 - 10, 0);
	assert_true(got.found);
	assert_int_equal(got.state, SP_LOG_CONFIRMED);
	assert_int_equal(got.exists_by, g_t0 - 10);
	assert_string_equal(got.refused, "");
	assert_int_equal(got.bounds_alarms, 0);
	assert_int_equal(got.equivocations, 0);
	assert_int_equal(got.cov_size, OLD);
	assert_int_equal(got.cov_cosigs, 2);
}

/* One witness's cosignature is no quorum: the late bound stands and the
 * record is refused, as TL-78 says. */
static void test_historic_without_quorum(void **state)
{
	held got;

	(void)state;
	got = late_joiner(g_t0 - 30, 0, 0);
	assert_int_equal(got.state, SP_LOG_UNLOGGED);
	assert_string_equal(got.refused, "signer-expired");
	assert_int_equal(got.bounds_alarms, 1);
	assert_int_equal(got.exists_by, 0);
}

/* A historic checkpoint the origin cannot prove consistent with the
 * witnessed one is a fork: alarmed as equivocation, and it vouches for
 * nothing. */
static void test_historic_inconsistent(void **state)
{
	const char *lines[2] = {"event=equivocation_alarm", "origin=CN-XA"};
	held got;

	(void)state;
	got = late_joiner(g_t0 - 30, g_t0 - 10, 1);
	assert_int_equal(got.state, SP_LOG_UNLOGGED);
	assert_string_equal(got.refused, "signer-expired");
	assert_true(got.equivocations >= 1);
	assert_true(fh_log_count(&g_h, lines, 2) >= 1);
	/* the forked note is kept, never served as witnessed */
	assert_int_equal(got.cov_size, LEAVES);
}

/* A historic checkpoint cosigned after the certificate's end gives a
 * bound after it: refused. */
static void test_historic_after_retirement(void **state)
{
	held got;

	(void)state;
	got = late_joiner(g_later - 100, g_later - 90, 0);
	assert_int_equal(got.state, SP_LOG_UNLOGGED);
	assert_string_equal(got.refused, "signer-expired");
	assert_int_equal(got.bounds_alarms, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_confirmed_by_historic, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_historic_without_quorum, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_historic_inconsistent, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_historic_after_retirement,
	                                    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
