/* fed_tl_witness_test.c: a node as a witness of its federation's lists and
 * as an installer of them (SPEC [TL-82], [TL-83]), on a real node: it
 * cosigns a list it verified, the same list again, never a second list of
 * that Sequence (kept as evidence, alarmed) nor a list that follows
 * another than the one it cosigned; a list that does not verify gets no
 * cosignature; it installs a newer list only with the quorum, and serves
 * the cosignatures it installed it with. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "unit/peers/fed_harness.h"

enum { ME, XA, KG };

static fh g_h;

static void answer(fh *h, int peer, sp_http_req *req)
{
	(void)h;
	(void)peer;
	(void)sp_http_respond_problem(req, SP_ERR_NOT_FOUND, 0, NULL);
}

/* silkport trust-list update [extra] FROM > TO, with the operator's key */
static int run(const char *extra, const char *from, const char *to)
{
	const char *bin = getenv("SP_BINARY_DIR");
	char cmd[2048];

	snprintf(cmd, sizeof(cmd),
	         "'%s/node/silkport' trust-list update --key "
	         "'%s/operator/key.pem' --cert '%s/operator/cert.pem' %s "
	         "'%s' >'%s'",
	         bin ? bin : "build", g_h.dir, g_h.dir, extra, from, to);
	return fh_sh(cmd);
}

/* The node under test and CN-XA witness the lists, quorum 2. */
static int prepare(fh *h)
{
	char from[FH_PATH], to[FH_PATH];

	snprintf(from, sizeof(from), "%s/trust-list.xml", h->dir);
	snprintf(to, sizeof(to), "%s/tl1.xml", h->dir);
	if (run("--witness CN-ZZ --witness CN-XA --quorum 2", from, to) != 0)
		return -1;
	return rename(to, from);
}

static uint8_t *g_l2a, *g_l2b, *g_l3b;
static size_t g_l2a_len, g_l2b_len, g_l3b_len;

static uint8_t *next_list(const char *from, const char *name, const char *days,
                          size_t *len)
{
	char f[FH_PATH], t[FH_PATH], args[64];

	snprintf(f, sizeof(f), "%s/%s", g_h.dir, from);
	snprintf(t, sizeof(t), "%s/%s", g_h.dir, name);
	snprintf(args, sizeof(args), "--valid-days %s", days);
	uint8_t *b = NULL;
	const char *why = NULL;

	if (run(args, f, t) != 0 ||
	    sp_read_file(t, 1 << 20, &b, len, &why) != 0)
		return NULL;
	return b;
}

static int setup(void **state)
{
	(void)state;
	memset(&g_h, 0, sizeof(g_h));
	g_h.ids[ME] = "CN-ZZ";
	g_h.ids[XA] = "CN-XA";
	g_h.ids[KG] = "KZ-KGS";
	g_h.n_members = 3;
	g_h.capture_log = 1;
	g_h.prepare = prepare;
	snprintf(g_h.extra_ini, sizeof(g_h.extra_ini),
	         "[peers]\npull_interval = 86400\n");
	g_h.handler = answer;
	if (fh_start(&g_h) != 0)
		return -1;
	g_l2a = next_list("trust-list.xml", "l2a.xml", "6", &g_l2a_len);
	g_l2b = next_list("trust-list.xml", "l2b.xml", "5", &g_l2b_len);
	g_l3b = next_list("l2b.xml", "l3b.xml", "5", &g_l3b_len);
	return g_l2a && g_l2b && g_l3b ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	fh_finish(&g_h);
	free(g_l2a);
	free(g_l2b);
	free(g_l3b);
	return 0;
}

/* The log lines are written from the loop in batches: wait for them. */
static int logged(fh *h, void *arg)
{
	return fh_log_count(h, (const char *const *)arg, 2) == 1;
}

static void held_fn(fh *h, void *arg)
{
	*(sp_trust **)arg = sp_trust_ref(sp_node_trust(h->n));
}

static sp_trust *held(void)
{
	sp_trust *t = NULL;

	fh_run(&g_h, held_fn, &t);
	assert_non_null(t);
	return t;
}

static sp_trust *open_next(sp_trust *cur, const uint8_t *b, size_t len)
{
	sp_trust *t = NULL;
	const char *why = NULL;

	assert_int_equal(
	    sp_trust_open(sp_node_anchors(g_h.n), b, len, cur, NULL, &t, &why),
	    SP_OK);
	return t;
}

typedef struct install_q {
	sp_trust *t;
	const char *sigs;
	int err;
	uint64_t seq_after;
	uint8_t *served;
	size_t served_len;
} install_q;

static void install_fn(fh *h, void *arg)
{
	install_q *q = arg;

	q->err = sp_node_install_list_witnessed(
	    h->n, -1, q->t, q->sigs, q->sigs ? strlen(q->sigs) : 0, "test");
	q->seq_after = sp_trust_list(sp_node_trust(h->n))->sequence;
	(void)sp_node_tl_cosignatures(h->n, "silk", &q->served, &q->served_len);
}

static void test_witness_and_install(void **state)
{
	sp_trust *h1 = held(), *t2a = open_next(h1, g_l2a, g_l2a_len);
	char *note = NULL, *xa = NULL;
	size_t note_len = 0, sl = 0;
	const char *why = NULL, *sigs = NULL;
	const char *alarm[2] = {"event=trust_list_witness_alarm",
	                        "kind=equivocation"};
	const char *fork[2] = {"event=trust_list_witness_alarm", "kind=fork"};
	install_q q;
	uint8_t *bad;

	(void)state;
	/* a list that does not verify: no cosignature, nothing recorded */
	bad = malloc(g_l2b_len);
	memcpy(bad, g_l2b, g_l2b_len);
	bad[g_l2b_len / 2] ^= 1;
	assert_int_not_equal(sp_node_tl_cosign(g_h.n, h1, bad, g_l2b_len,
	                                       "CN-XA", &note, &note_len, &why),
	                     SP_OK);
	assert_null(note);
	free(bad);

	/* the first list of the next Sequence: cosigned, a valid witness note
	 */
	assert_int_equal(sp_node_tl_cosign(g_h.n, h1, g_l2a, g_l2a_len, "CN-XA",
	                                   &note, &note_len, &why),
	                 SP_OK);
	assert_int_equal(sp_tl_note_sigs(t2a, note, note_len, &sigs, &sl, &why),
	                 SP_OK);
	assert_int_equal(sp_tl_cosigners(h1, t2a, sigs, sl, INT64_MAX, NULL),
	                 1);
	free(note);
	/* the same list again: the same answer */
	assert_int_equal(sp_node_tl_cosign(g_h.n, h1, g_l2a, g_l2a_len, "CN-XA",
	                                   &note, &note_len, &why),
	                 SP_OK);
	free(note);
	/* another list of that Sequence: refused, kept, alarmed */
	assert_int_equal(sp_node_tl_cosign(g_h.n, h1, g_l2b, g_l2b_len,
	                                   "KZ-KGS", &note, &note_len, &why),
	                 SP_ERR_LIST_EQUIVOCATION);
	assert_null(note);
	assert_true(fh_wait(&g_h, logged, alarm, 5000));
	/* a list that follows the other one: a fork */
	assert_int_equal(sp_node_tl_cosign(g_h.n, h1, g_l3b, g_l3b_len,
	                                   "KZ-KGS", &note, &note_len, &why),
	                 SP_ERR_TRUST_LIST_FORK);
	assert_true(fh_wait(&g_h, logged, fork, 5000));

	/* installing list 2a (Sequence 3; the list held is 2): its own
	 * cosignature is one of two */
	memset(&q, 0, sizeof(q));
	q.t = t2a;
	fh_run(&g_h, install_fn, &q);
	assert_int_equal(q.err, SP_ERR_LIST_NOT_WITNESSED);
	assert_int_equal(q.seq_after, sp_trust_list(h1)->sequence);
	free(q.served);
	/* with CN-XA's: installed, and both served */
	assert_int_equal(
	    sp_tl_cosign(g_h.log[XA], t2a, (int64_t)time(NULL), &xa, &why),
	    SP_OK);
	memset(&q, 0, sizeof(q));
	q.t = t2a;
	q.sigs = xa;
	fh_run(&g_h, install_fn, &q);
	assert_int_equal(q.err, SP_OK);
	assert_int_equal(q.seq_after, sp_trust_list(t2a)->sequence);
	assert_non_null(q.served);
	assert_int_equal(sp_tl_note_sigs(t2a, (const char *)q.served,
	                                 q.served_len, &sigs, &sl, &why),
	                 SP_OK);
	assert_int_equal(sp_tl_cosigners(h1, t2a, sigs, sl, INT64_MAX, NULL),
	                 2);
	free(q.served);
	free(xa);
	sp_trust_unref(t2a);
	sp_trust_unref(h1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_witness_and_install),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
