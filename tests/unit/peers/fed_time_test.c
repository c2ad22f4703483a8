/* fed_time_test.c: time from witnesses (SPEC [LOG-48], [FED-61]) on a real
 * node with a fake clock. The trust list names two witnesses (KZ-KGS,
 * CN-HN) with a quorum of 2 and a merge delay of 20 s; the fake origin
 * CN-XA serves a checkpoint of 4 leaves (its record at Sequence 2 among
 * fillers) and its proofs, the fake witnesses serve it with their
 * cosignature at a time each test picks. A confirmed record keeps the
 * second smallest cosignature time as its existence bound; a record whose
 * Issued is after that bound plus the skew is never confirmed; a record at
 * a Sequence the witnessed checkpoint does not contain whose Issued lies
 * before that checkpoint's first cosignature (less the merge delay and the
 * skew) is refused on arrival with issued-out-of-bounds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fed_harness.h"

enum { ME = 0, XA = 1, KG = 2, HN = 3 };

#define LEAVES  4
#define MERGE_S 20
#define SKEW_S  300 /* the harness's node keeps the default */
#define STEP_MS 2000
#define OURS    2 /* the Sequence of the record for CN-ZZ in the log */

static fh g_h;

typedef struct served {
	int ready; /* until the log is made, the origin serves none */
	uint8_t leaves[LEAVES][32];
	int64_t cos_time[FH_MEMBERS]; /* 0: the witness serves no cosignature */
} served;

static served g_sv;

/* ---------------------------------------------------------------- the fakes */

static char *note_of(fh *h, int cosigner, int64_t t)
{
	return fh_checkpoint_note(h, XA, (const uint8_t(*)[32])g_sv.leaves,
	                          LEAVES, cosigner, t);
}

static char *proof_of(sp_http_req *req, size_t *len)
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
	    size != LEAVES || index >= size)
		return NULL;
	p.kind = SP_PROOF_INCLUSION;
	p.index = index;
	p.size = size;
	if (sp_merkle_inclusion_path((const uint8_t(*)[32])g_sv.leaves, size,
	                             index, p.hashes, SP_MERKLE_MAX_PATH,
	                             &p.n_hashes) != SP_OK ||
	    sp_proof_format(&p, &out, len) != SP_OK)
		return NULL;
	return out;
}

static void serve(fh *h, int peer, sp_http_req *req)
{
	const char *path = sp_http_req_path(req);
	char *text = NULL;
	size_t len = 0;

	if (!g_sv.ready) {
		; /* nothing yet */
	} else if (strcmp(path, "/v1/logs/CN-XA/checkpoint") == 0) {
		if (peer == XA)
			text = note_of(h, -1, 0);
		else if ((peer == KG || peer == HN) && g_sv.cos_time[peer] > 0)
			text = note_of(h, peer, g_sv.cos_time[peer]);
	} else if (strcmp(path, "/v1/logs/CN-XA/proofs/inclusion") == 0 &&
	           peer == XA) {
		text = proof_of(req, &len);
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

/* Both witnesses serve their cosignature, at times kg and hn. */
static void witnesses_at(int64_t kg, int64_t hn)
{
	served sv = g_sv;

	sv.cos_time[KG] = kg;
	sv.cos_time[HN] = hn;
	fh_run(&g_h, set_served, &sv);
}

/* ---------------------------------------------------------------- the node */

/* Deliver a record of CN-XA as POST /v1/records would: the error. */
static int deliver(const uint8_t *bytes, size_t len)
{
	int outcome = 0, err;

	assert_non_null(bytes);
	err = fh_deliver(&g_h, "CN-XA", bytes, len, &outcome);
	assert_int_not_equal(err, -1);
	if (err == SP_OK)
		assert_int_equal(outcome, SP_STORE_INSERTED);
	return err;
}

typedef struct held {
	uint64_t seq;
	int found, state;
	int64_t exists_by;
	char refused[SP_STORE_REFUSAL_MAX];
} held;

static void held_fn(fh *h, void *arg)
{
	held *q = arg;
	sp_store_reader *r = sp_node_reader(h->n);
	sp_store_record *rec = NULL;

	if (r != NULL && sp_store_get_at(r, "CN-XA", q->seq, &rec) == SP_OK) {
		q->found = 1;
		q->state = rec->log_state;
		q->exists_by = rec->exists_by;
		snprintf(q->refused, sizeof(q->refused), "%s",
		         rec->log_refused);
	}
	sp_store_record_free(rec);
}

/* What the store holds for CN-XA's record at seq. */
static held holding(uint64_t seq)
{
	held q;

	memset(&q, 0, sizeof(q));
	q.seq = seq;
	fh_run(&g_h, held_fn, &q);
	return q;
}

typedef struct wit {
	int have;
	int64_t first, exists_by;
	uint64_t bounds_alarms;
} wit;

static void wit_fn(fh *h, void *arg)
{
	wit *w = arg;
	fed_origin *o = fed_origin_find(h->f, "CN-XA");

	w->have = o->have_wit;
	w->first = o->wit_first_s;
	w->exists_by = o->wit_exists_by_s;
	w->bounds_alarms = h->f->bounds_alarms;
}

static wit witnessed(void)
{
	wit w;

	memset(&w, 0, sizeof(w));
	fh_run(&g_h, wit_fn, &w);
	return w;
}

static void run_steps(int n)
{
	fh_run_steps(&g_h, n, STEP_MS);
}

/* ---------------------------------------------------------------- setup */

static int prepare(fh *h)
{
	return fh_witnessed_list(h, MERGE_S);
}

static uint8_t *g_ours;
static size_t g_ours_len;
static int64_t g_t0; /* the fake clock at the start, in seconds */

/* A log whose record at OURS, for CN-ZZ, claims Issued `issued`. */
static int start_with(int64_t issued_ago)
{
	served sv;
	int i;

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
	g_ours = fh_peer_record_issued(&g_h, XA, OURS, "CN-ZZ",
	                               g_t0 - issued_ago, &g_ours_len);
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
	sv.ready = 1;
	fh_run(&g_h, set_served, &sv);
	fh_settle(&g_h, 200);
	return 0;
}

static int setup_honest(void **state)
{
	(void)state;
	return start_with(60);
}

static int teardown(void **state)
{
	(void)state;
	fh_finish(&g_h);
	free(g_ours);
	g_ours = NULL;
	return 0;
}

/* ---------------------------------------------------------------- tests */

/* [LOG-48]: the bound is the k-th smallest of the counted cosignature
 * times; fewer than k give none. */
static void test_time_bounds(void **state)
{
	const int64_t times[4] = {500, 0, 300, 400};
	int64_t first = 0, kth = 0;

	(void)state;
	assert_int_equal(sp_peers__time_bounds(times, 4, 2, &first, &kth), 0);
	assert_int_equal(first, 300);
	assert_int_equal(kth, 400);
	assert_int_equal(sp_peers__time_bounds(times, 4, 3, &first, &kth), 0);
	assert_int_equal(kth, 500);
	assert_int_equal(sp_peers__time_bounds(times, 4, 4, &first, &kth), -1);
	assert_int_equal(sp_peers__time_bounds(times, 4, 0, &first, &kth), -1);
}

/* A record confirmed in the witnessed checkpoint keeps the second
 * smallest cosignature time (quorum 2) as the time by which it existed. */
static void test_existence_bound_kept(void **state)
{
	held got;
	wit w;

	(void)state;
	witnesses_at(g_t0 - 30, g_t0 - 10);
	assert_int_equal(deliver(g_ours, g_ours_len), SP_OK);
	run_steps(4);
	w = witnessed();
	assert_true(w.have);
	assert_int_equal(w.first, g_t0 - 30);
	assert_int_equal(w.exists_by, g_t0 - 10);
	got = holding(OURS);
	assert_true(got.found);
	assert_int_equal(got.state, SP_LOG_CONFIRMED);
	assert_int_equal(got.exists_by, g_t0 - 10);
	assert_string_equal(got.refused, "");
}

/* [FED-61]: once a checkpoint of 4 leaves is witnessed (first cosigned
 * at t1), a record at Sequence 4 or later was signed after about t1: one
 * that claims an Issued more than the merge delay and the skew before t1
 * is refused on arrival; one within the margin is taken (pending). The
 * node judges signers by the real clock, so t1 lies ahead of it (the fake
 * clock is moved there) and the backdated Issued stays inside the
 * certificates' validity: only the witnesses' time refutes it. */
static void test_backdated_refused(void **state)
{
	const int64_t t1 = g_t0 + SKEW_S; /* the first cosignature */
	size_t len = 0;
	uint8_t *backdated, *recent;
	held got;

	(void)state;
	fh_advance((SKEW_S + 60) * 1000);
	witnesses_at(t1, t1 + 5);
	assert_int_equal(deliver(g_ours, g_ours_len), SP_OK);
	run_steps(4);
	assert_true(witnessed().have);
	backdated = fh_peer_record_issued(&g_h, XA, LEAVES, "CN-ZZ",
	                                  t1 - MERGE_S - SKEW_S - 100, &len);
	assert_int_equal(deliver(backdated, len), SP_ERR_ISSUED_OUT_OF_BOUNDS);
	free(backdated);
	assert_false(holding(LEAVES).found);
	/* within the margin: a record in flight while the checkpoint was
	 * cosigned */
	recent = fh_peer_record_issued(&g_h, XA, LEAVES + 1, "CN-ZZ",
	                               t1 - MERGE_S - SKEW_S + 10, &len);
	assert_int_equal(deliver(recent, len), SP_OK);
	free(recent);
	got = holding(LEAVES + 1);
	assert_true(got.found);
	assert_int_equal(got.state, SP_LOG_PENDING);
	/* the record the checkpoint contains is judged at confirmation */
	assert_int_equal(holding(OURS).state, SP_LOG_CONFIRMED);
}

/* [FED-61]: a record whose Issued is later than the time by which its
 * witnesses vouch it was in the log (plus the skew) is never confirmed:
 * it is unlogged with the reason kept, and alarmed once. */
static void test_issued_after_bound(void **state)
{
	const char *lines[2] = {"event=record_refused_at_confirmation",
	                        "origin=CN-XA"};
	held got;
	wit w;

	(void)state;
	/* the record claims a minute ago; the witnesses cosigned the log
	 * holding it an hour ago */
	witnesses_at(g_t0 - 3600, g_t0 - 3590);
	assert_int_equal(deliver(g_ours, g_ours_len), SP_OK);
	run_steps(4);
	w = witnessed();
	assert_true(w.have);
	got = holding(OURS);
	assert_int_equal(got.state, SP_LOG_UNLOGGED);
	assert_string_equal(got.refused, "issued-out-of-bounds");
	assert_int_equal(got.exists_by, 0);
	assert_int_equal(w.bounds_alarms, 1);
	assert_int_equal(fh_log_count(&g_h, lines, 2), 1);
	run_steps(5);
	assert_int_equal(holding(OURS).state, SP_LOG_UNLOGGED);
	assert_int_equal(witnessed().bounds_alarms, 1);
}

/* [TL-78]: with witnesses the signer is judged when the record is proven
 * to exist. The origin's record is verified on arrival with a certificate
 * valid at its Issued; its witnesses first cosign the log holding it three
 * years on (the fake clock is moved there), after the certificate's
 * validity: the record is never confirmed, refused as signer-expired. */
static void test_signer_over_at_existence(void **state)
{
	const int64_t later = g_t0 + 3 * 365 * 86400;
	held got;

	(void)state;
	assert_int_equal(deliver(g_ours, g_ours_len), SP_OK);
	assert_int_equal(holding(OURS).state, SP_LOG_PENDING);
	fh_advance((later - g_t0 + 60) * 1000);
	witnesses_at(later, later + 1);
	run_steps(4);
	assert_true(witnessed().have);
	got = holding(OURS);
	assert_int_equal(got.state, SP_LOG_UNLOGGED);
	assert_string_equal(got.refused, "signer-expired");
	assert_int_equal(witnessed().bounds_alarms, 1);
}

typedef struct install {
	const char *path;
	int err;
} install;

static void install_fn(fh *h, void *arg)
{
	install *q = arg;
	sp_verify_opts o;
	sp_trust *t = NULL;
	uint8_t *bytes = NULL;
	size_t len = 0;
	const char *why = NULL;
	char *kg = NULL, *hn = NULL, sigs[1024];

	sp_verify_opts_default(&o);
	q->err = sp_read_file(q->path, 1 << 20, &bytes, &len, &why);
	if (q->err == SP_OK)
		q->err = sp_trust_open(sp_node_anchors(h->n), bytes, len,
		                       sp_node_trust(h->n), &o, &t, &why);
	/* the federation has witnesses: the list needs the quorum of the held
	 * list's witnesses ([TL-82]), here KG's and HN's cosignatures */
	if (q->err == SP_OK)
		q->err = sp_tl_cosign(h->log[KG], t, g_t0, &kg, &why);
	if (q->err == SP_OK)
		q->err = sp_tl_cosign(h->log[HN], t, g_t0, &hn, &why);
	if (q->err == SP_OK) {
		snprintf(sigs, sizeof(sigs), "%s%s", kg, hn);
		q->err = sp_node_install_list_witnessed(h->n, -1, t, sigs,
		                                        strlen(sigs), "test");
	}
	free(kg);
	free(hn);
	sp_trust_unref(t);
	free(bytes);
}

/* The operator revokes CN-XA with InvalidFrom `from` (unix seconds) and
 * the node installs that list. */
static void revoke_origin(int64_t from)
{
	const char *bin = getenv("SP_BINARY_DIR");
	char cmd[2048], t[SP_TIME_TEXT_MAX], path[FH_PATH];
	install q;

	assert_int_equal(sp_time_format(from, t), SP_OK);
	snprintf(cmd, sizeof(cmd),
	         "'%s/node/silkport' trust-list remove-member --key "
	         "'%s/operator/key.pem' --cert '%s/operator/cert.pem' "
	         "--member CN-XA --invalid-from %s '%s/trust-list.xml' "
	         ">'%s/tl3.xml'",
	         bin ? bin : "build", g_h.dir, g_h.dir, t, g_h.dir, g_h.dir);
	assert_int_equal(fh_sh(cmd), 0);
	snprintf(path, sizeof(path), "%s/tl3.xml", g_h.dir);
	q.path = path;
	q.err = -1;
	fh_run(&g_h, install_fn, &q);
	assert_int_equal(q.err, SP_OK);
}

/* [TL-86]: a revocation whose InvalidFrom lies before the existence bound
 * of a record confirmed earlier (more than the skew before it) takes the
 * record's effect away: unlogged, refused signer-revoked, its bound kept,
 * alarmed once. */
static void test_revocation_rejudges(void **state)
{
	const char *lines[2] = {"event=record_revoked_after_confirmation",
	                        "origin=CN-XA"};
	held got;

	(void)state;
	witnesses_at(g_t0 - 30, g_t0 - 10);
	assert_int_equal(deliver(g_ours, g_ours_len), SP_OK);
	run_steps(4);
	assert_int_equal(holding(OURS).state, SP_LOG_CONFIRMED);
	revoke_origin(g_t0 - 10 - SKEW_S - 100);
	run_steps(2);
	got = holding(OURS);
	assert_int_equal(got.state, SP_LOG_UNLOGGED);
	assert_string_equal(got.refused, "signer-revoked");
	assert_int_equal(got.exists_by, g_t0 - 10);
	assert_int_equal(witnessed().bounds_alarms, 1);
	assert_int_equal(fh_log_count(&g_h, lines, 2), 1);
	run_steps(2); /* judged once: no second alarm */
	assert_int_equal(witnessed().bounds_alarms, 1);
}

/* [TL-77]: a record proven to exist before InvalidFrom stays confirmed. */
static void test_revocation_keeps_earlier(void **state)
{
	held got;

	(void)state;
	witnesses_at(g_t0 - 30, g_t0 - 10);
	assert_int_equal(deliver(g_ours, g_ours_len), SP_OK);
	run_steps(4);
	revoke_origin(g_t0);
	run_steps(2);
	got = holding(OURS);
	assert_int_equal(got.state, SP_LOG_CONFIRMED);
	assert_int_equal(got.exists_by, g_t0 - 10);
	assert_int_equal(witnessed().bounds_alarms, 0);
}

/* Stop the node and start it again on the same store and configuration
 * (the fake peers stop and start with it). 0 or -1. */
static int restart(fh *h)
{
	fh_run(h, fh_stop_loop, NULL);
	pthread_join(h->thr, NULL);
	h->state = 0;
	if (pthread_create(&h->thr, NULL, fh_node_main, h) != 0)
		return -1;
	pthread_mutex_lock(&h->mu);
	while (h->state == 0)
		pthread_cond_wait(&h->cv, &h->mu);
	pthread_mutex_unlock(&h->mu);
	return h->state == 1 ? 0 : -1;
}

/* [FED-61] 1 across a restart: the lower bound is kept with the node's
 * data, so a backdated record that arrives right after a restart, before
 * any witnessed round (the peers serve nothing now), is still refused. */
static void test_bound_survives_restart(void **state)
{
	const int64_t t1 = g_t0 + SKEW_S; /* the first cosignature */
	served none;
	size_t len = 0;
	uint8_t *backdated;

	(void)state;
	fh_advance((SKEW_S + 60) * 1000);
	witnesses_at(t1, t1 + 5);
	assert_int_equal(deliver(g_ours, g_ours_len), SP_OK);
	run_steps(4);
	assert_true(witnessed().have);
	fh_settle(&g_h, 300); /* the bound is written on the pool */
	memset(&none, 0, sizeof(none));
	fh_run(&g_h, set_served, &none);
	assert_int_equal(restart(&g_h), 0);
	assert_false(witnessed().have);
	backdated = fh_peer_record_issued(&g_h, XA, LEAVES, "CN-ZZ",
	                                  t1 - MERGE_S - SKEW_S - 100, &len);
	assert_int_equal(deliver(backdated, len), SP_ERR_ISSUED_OUT_OF_BOUNDS);
	free(backdated);
	assert_false(holding(LEAVES).found);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_time_bounds),
	    cmocka_unit_test_setup_teardown(test_existence_bound_kept,
	                                    setup_honest, teardown),
	    cmocka_unit_test_setup_teardown(test_backdated_refused,
	                                    setup_honest, teardown),
	    cmocka_unit_test_setup_teardown(test_issued_after_bound,
	                                    setup_honest, teardown),
	    cmocka_unit_test_setup_teardown(test_signer_over_at_existence,
	                                    setup_honest, teardown),
	    cmocka_unit_test_setup_teardown(test_bound_survives_restart,
	                                    setup_honest, teardown),
	    cmocka_unit_test_setup_teardown(test_revocation_rejudges,
	                                    setup_honest, teardown),
	    cmocka_unit_test_setup_teardown(test_revocation_keeps_earlier,
	                                    setup_honest, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
