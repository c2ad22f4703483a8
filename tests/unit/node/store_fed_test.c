/* store_fed_test.c: what the store keeps for the federation side:
 * checkpoints (with their evidence), the outbox, trust lists and the
 * revocations that stay for good. */
#include <pthread.h>

#include "base.h"
#include "store_fixture.h"

/* ---------------------------------------------------------------- checkpoints
 */

static void test_checkpoints(void **state)
{
	fx *f = *state;
	uint8_t root1[32], root2[32], root3[32];
	sp_store_checkpoint *cp = NULL;

	memset(root1, 1, 32);
	memset(root2, 2, 32);
	memset(root3, 3, 32);
	assert_int_equal(sp_store_checkpoint_latest(f->r, "CN-ZZ", &cp),
	                 SP_ERR_NOT_FOUND);
	assert_int_equal(sp_store_checkpoint_put(f->s, "CN-ZZ", 5, root1,
	                                         "note five\n", "CN-ZZ"),
	                 SP_STORE_INSERTED);
	assert_int_equal(sp_store_checkpoint_put(f->s, "CN-ZZ", 5, root1,
	                                         "note five\n", "CN-HN"),
	                 SP_STORE_DUPLICATE);
	assert_int_equal(sp_store_checkpoint_put(f->s, "CN-ZZ", 9, root2,
	                                         "note nine\n", NULL),
	                 SP_STORE_INSERTED);
	/* another root for size 9: kept as evidence */
	assert_int_equal(sp_store_checkpoint_put(f->s, "CN-ZZ", 9, root3,
	                                         "forked nine\n", "KZ-KGS"),
	                 SP_STORE_EQUIVOCATION);
	assert_int_equal(sp_store_cosignature_put(f->s, "CN-ZZ", 9, root2,
	                                          "witness-b", "— w-b sig\n"),
	                 SP_OK);
	assert_int_equal(sp_store_cosignature_put(f->s, "CN-ZZ", 9, root2,
	                                          "witness-a", "— w-a sig\n"),
	                 SP_OK);
	assert_int_equal(sp_store_cosignature_put(f->s, "CN-ZZ", 7, root2,
	                                          "witness-a", "— x\n"),
	                 SP_ERR_NOT_FOUND);

	assert_int_equal(sp_store_checkpoint_latest(f->r, "CN-ZZ", &cp), SP_OK);
	assert_int_equal(cp->size, 9);
	assert_memory_equal(cp->root, root2, 32);
	assert_string_equal(cp->note, "note nine\n");
	assert_string_equal(cp->source, "");
	assert_int_equal(cp->n_cosignatures, 2);
	assert_string_equal(cp->witnesses[0], "witness-a");
	assert_string_equal(cp->cosignatures[0], "— w-a sig\n");
	assert_string_equal(cp->witnesses[1], "witness-b");
	sp_store_checkpoint_free(cp);
	assert_int_equal(db_count(f, "SELECT count(*) FROM checkpoints"), 3);
}

/* [API-80]: the first checkpoint above a Sequence that carries a
 * cosignature; one without any (an origin's own, or one only verified)
 * is skipped, and nothing above the Sequence is not found. */
static void test_checkpoint_covering(void **state)
{
	fx *f = *state;
	uint8_t r4[32], r6[32], r8[32];
	sp_store_checkpoint *cp = NULL;

	memset(r4, 4, 32);
	memset(r6, 6, 32);
	memset(r8, 8, 32);
	assert_int_equal(
	    sp_store_checkpoint_put(f->s, "CN-XA", 4, r4, "four\n", "CN-XA"),
	    SP_STORE_INSERTED);
	assert_int_equal(
	    sp_store_checkpoint_put(f->s, "CN-XA", 6, r6, "six\n", "CN-XA"),
	    SP_STORE_INSERTED);
	assert_int_equal(
	    sp_store_checkpoint_put(f->s, "CN-XA", 8, r8, "eight\n", "CN-XA"),
	    SP_STORE_INSERTED);
	assert_int_equal(sp_store_cosignature_put(f->s, "CN-XA", 6, r6, "CN-HN",
	                                          "— hn six\n"),
	                 SP_OK);
	assert_int_equal(sp_store_cosignature_put(f->s, "CN-XA", 8, r8, "CN-HN",
	                                          "— hn eight\n"),
	                 SP_OK);
	/* size 4 has no cosignature: 6 is the first witnessed above 2 */
	assert_int_equal(sp_store_checkpoint_covering(f->r, "CN-XA", 2, &cp),
	                 SP_OK);
	assert_int_equal(cp->size, 6);
	assert_string_equal(cp->note, "six\n");
	assert_int_equal(cp->n_cosignatures, 1);
	assert_string_equal(cp->cosignatures[0], "— hn six\n");
	sp_store_checkpoint_free(cp);
	/* a checkpoint of size 6 does not contain Sequence 6 */
	assert_int_equal(sp_store_checkpoint_covering(f->r, "CN-XA", 6, &cp),
	                 SP_OK);
	assert_int_equal(cp->size, 8);
	sp_store_checkpoint_free(cp);
	assert_int_equal(sp_store_checkpoint_covering(f->r, "CN-XA", 8, &cp),
	                 SP_ERR_NOT_FOUND);
	assert_null(cp);
	assert_int_equal(sp_store_checkpoint_covering(f->r, "CN-ZZ", 0, &cp),
	                 SP_ERR_NOT_FOUND);
}

/* ---------------------------------------------------------------- outbox */

/* The outbox API delivery uses: sp_store_fed_* writes run on the committer
 * and report through a callback after COMMIT; the test waits for it. */
typedef struct ob_wait {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int done;
	int rc;
} ob_wait;

static void ob_done(void *arg, int rc)
{
	ob_wait *w = arg;

	pthread_mutex_lock(&w->mu);
	w->rc = rc;
	w->done = 1;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

static int ob_wait_for(ob_wait *w)
{
	pthread_mutex_lock(&w->mu);
	while (!w->done)
		pthread_cond_wait(&w->cv, &w->mu);
	w->done = 0;
	pthread_mutex_unlock(&w->mu);
	return w->rc;
}

static int ob_delivered(fx *f, int64_t id, const char *receipt)
{
	ob_wait w = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0};
	int err = sp_store_fed_delivered_async(
	    f->s, id, (const uint8_t *)receipt, strlen(receipt), ob_done, &w);

	return err ? err : ob_wait_for(&w);
}

static int ob_reschedule(fx *f, int64_t id, int64_t next, const char *error)
{
	ob_wait w = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0};
	int err =
	    sp_store_fed_reschedule_async(f->s, id, next, error, ob_done, &w);

	return err ? err : ob_wait_for(&w);
}

/* The count row of `peer`, or NULL. */
static const sp_fed_outbox_count *ob_count(const sp_fed_outbox_count *c,
                                           size_t n, const char *peer)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(c[i].peer, peer) == 0)
			return &c[i];
	return NULL;
}

static void test_outbox(void **state)
{
	fx *f = *state;
	static const char *const peers[] = {"CN-HN", "KZ-KGS"};
	sp_fed_outbox_item *items = NULL;
	sp_fed_outbox_count *counts = NULL;
	const sp_fed_outbox_count *c;
	size_t n = 0;
	uint8_t *got = NULL;
	size_t glen = 0;
	const char rcpt[] = "<Receipt>from CN-HN</Receipt>";
	rec a, b;
	int64_t hn_a, kgs_a, hn_b;
	sp_store_stats st;

	rec_make(&a, "CN-ZZ", 0, NULL);
	a.put.received = 1000;
	a.put.recipients = peers;
	a.put.n_recipients = 2;
	a.put.deliver_to = peers;
	a.put.n_deliver_to = 2;
	assert_int_equal(sp_store_put(f->s, &a.put, NULL, NULL),
	                 SP_STORE_INSERTED);
	rec_make(&b, "CN-ZZ", 1, NULL);
	b.put.received = 1100;
	b.put.deliver_to = peers;
	b.put.n_deliver_to = 1;
	assert_int_equal(sp_store_put(f->s, &b.put, NULL, NULL),
	                 SP_STORE_INSERTED);

	/* due: per peer, by id, only rows whose time has come, with bytes */
	assert_int_equal(
	    sp_store_fed_outbox_due(f->r, "CN-HN", 0, 999, 10, &items, &n),
	    SP_OK);
	assert_int_equal(n, 0);
	assert_null(items);
	assert_int_equal(
	    sp_store_fed_outbox_due(f->r, "CN-HN", 0, 1100, 10, &items, &n),
	    SP_OK);
	assert_int_equal(n, 2);
	assert_string_equal(items[0].record_id, a.id);
	assert_string_equal(items[0].origin, "CN-ZZ");
	assert_int_equal(items[0].sequence, 0);
	assert_int_equal(items[0].received, 1000);
	assert_int_equal(items[0].attempts, 0);
	assert_int_equal(items[0].len, a.len);
	assert_memory_equal(items[0].bytes, a.bytes, a.len);
	assert_string_equal(items[1].record_id, b.id);
	assert_true(items[1].id > items[0].id);
	hn_a = items[0].id;
	hn_b = items[1].id;
	sp_fed_outbox_items_free(items, n);
	/* paging: after_id skips what was already read; max caps the page */
	assert_int_equal(
	    sp_store_fed_outbox_due(f->r, "CN-HN", hn_a, 1100, 10, &items, &n),
	    SP_OK);
	assert_int_equal(n, 1);
	assert_int_equal(items[0].id, hn_b);
	sp_fed_outbox_items_free(items, n);
	assert_int_equal(
	    sp_store_fed_outbox_due(f->r, "CN-HN", 0, 1100, 1, &items, &n),
	    SP_OK);
	assert_int_equal(n, 1);
	assert_int_equal(items[0].id, hn_a);
	sp_fed_outbox_items_free(items, n);
	assert_int_equal(
	    sp_store_fed_outbox_due(f->r, "KZ-KGS", 0, 1100, 10, &items, &n),
	    SP_OK);
	assert_int_equal(n, 1);
	kgs_a = items[0].id;
	sp_fed_outbox_items_free(items, n);

	/* counts before any attempt */
	assert_int_equal(sp_store_fed_outbox_counts(f->r, &counts, &n), SP_OK);
	assert_non_null(c = ob_count(counts, n, "CN-HN"));
	assert_int_equal(c->pending, 2);
	assert_int_equal(c->failed, 0);
	assert_int_equal(c->oldest, 1000);
	assert_non_null(c = ob_count(counts, n, "KZ-KGS"));
	assert_int_equal(c->pending, 1);
	free(counts);

	/* delivered: the row leaves the queue and the peer's receipt is kept;
	 * a second answer for the same row is not found (nothing changes) */
	assert_int_equal(ob_delivered(f, hn_a, rcpt), SP_OK);
	assert_int_equal(ob_delivered(f, hn_a, "<Receipt>again</Receipt>"),
	                 SP_ERR_NOT_FOUND);
	assert_int_equal(ob_delivered(f, 987654, rcpt), SP_ERR_NOT_FOUND);
	assert_int_equal(sp_store_peer_receipt_get(f->r, "CN-ZZ", a.id, "CN-HN",
	                                           &got, &glen),
	                 SP_OK);
	assert_int_equal(glen, sizeof(rcpt) - 1);
	assert_memory_equal(got, rcpt, glen);
	free(got);
	assert_int_equal(sp_store_peer_receipt_get(f->r, "CN-ZZ", a.id,
	                                           "KZ-KGS", &got, &glen),
	                 SP_ERR_NOT_FOUND);
	assert_int_equal(
	    sp_store_fed_outbox_due(f->r, "CN-HN", 0, 1100, 10, &items, &n),
	    SP_OK);
	assert_int_equal(n, 1);
	assert_int_equal(items[0].id, hn_b);
	sp_fed_outbox_items_free(items, n);

	/* reschedule: counts the attempt and moves the due time */
	assert_int_equal(ob_reschedule(f, kgs_a, 2000, "connection refused"),
	                 SP_OK);
	assert_int_equal(
	    sp_store_fed_outbox_due(f->r, "KZ-KGS", 0, 1999, 10, &items, &n),
	    SP_OK);
	assert_int_equal(n, 0);
	assert_int_equal(
	    sp_store_fed_outbox_due(f->r, "KZ-KGS", 0, 2000, 10, &items, &n),
	    SP_OK);
	assert_int_equal(n, 1);
	assert_int_equal(items[0].attempts, 1);
	sp_fed_outbox_items_free(items, n);
	assert_int_equal(ob_reschedule(f, kgs_a, 2500, NULL), SP_OK);
	/* a delivered row cannot be rescheduled; unknown ids are not found */
	assert_int_equal(ob_reschedule(f, hn_a, 3000, NULL), SP_ERR_NOT_FOUND);
	assert_int_equal(ob_reschedule(f, 987654, 3000, NULL),
	                 SP_ERR_NOT_FOUND);

	/* abandon: every pending row of the peer is given up for good, and
	 * counted as failed, not pending; other peers are untouched */
	assert_int_equal(sp_store_fed_abandon_peer(f->s, "CN-HN", "revoked"),
	                 SP_OK);
	assert_int_equal(sp_store_fed_outbox_due(f->r, "CN-HN", 0,
	                                         SP_FED_NEVER - 1, 10, &items,
	                                         &n),
	                 SP_OK);
	assert_int_equal(n, 0);
	assert_int_equal(sp_store_fed_outbox_counts(f->r, &counts, &n), SP_OK);
	assert_non_null(c = ob_count(counts, n, "CN-HN"));
	assert_int_equal(c->failed, 1);
	assert_non_null(c = ob_count(counts, n, "KZ-KGS"));
	assert_int_equal(c->pending, 1);
	assert_int_equal(c->failed, 0);
	free(counts);
	assert_int_equal(
	    sp_store_fed_outbox_due(f->r, "KZ-KGS", 0, 2500, 10, &items, &n),
	    SP_OK);
	assert_int_equal(n, 1);
	assert_int_equal(items[0].attempts, 2);
	sp_fed_outbox_items_free(items, n);

	/* bad arguments are refused before anything is queued */
	assert_int_equal(
	    sp_store_fed_delivered_async(f->s, hn_b, NULL, 0, ob_done, NULL),
	    SP_ERR_INVALID_ARGUMENT);
	assert_int_equal(
	    sp_store_fed_reschedule_async(f->s, hn_b, 1, NULL, NULL, NULL),
	    SP_ERR_INVALID_ARGUMENT);
	assert_int_equal(sp_store_fed_abandon_peer(f->s, "CN-HN", NULL),
	                 SP_ERR_INVALID_ARGUMENT);

	/* enqueue by record id, idempotent */
	assert_int_equal(
	    sp_store_outbox_enqueue(f->s, "CN-ZZ", a.id, "RU-X", 1000), SP_OK);
	assert_int_equal(
	    sp_store_outbox_enqueue(f->s, "CN-ZZ", a.id, "RU-X", 1000), SP_OK);
	assert_int_equal(
	    sp_store_outbox_enqueue(f->s, "KZ-KGS", a.id, "RU-X", 1000),
	    SP_ERR_NOT_FOUND);
	assert_int_equal(sp_store_outbox_enqueue(f->s, "CN-ZZ",
	                                         "00000000-0000-4000-8000-"
	                                         "000000000000",
	                                         "RU-X", 1000),
	                 SP_ERR_NOT_FOUND);
	assert_int_equal(sp_store_fed_outbox_counts(f->r, &counts, &n), SP_OK);
	assert_non_null(c = ob_count(counts, n, "RU-X"));
	assert_int_equal(c->pending, 1);
	free(counts);
	assert_int_equal(sp_store_stats_get(f->r, &st), SP_OK);
	assert_int_equal(st.outbox_pending, 3);
	sp_store_stats_clear(&st);
}

/* A delivery result is lazy: alone it waits up to SP_STORE_LAZY_MS for a
 * write somebody waits for, and then shares that one's commit (a record
 * and the results of earlier deliveries in one sync). */
static uint64_t commits_of(fx *f)
{
	sp_store_stats st;
	uint64_t n;

	assert_int_equal(sp_store_stats_get(f->r, &st), SP_OK);
	n = st.commits;
	sp_store_stats_clear(&st);
	return n;
}

static void test_outbox_lazy(void **state)
{
	fx *f = *state;
	static const char *const peers[] = {"CN-HN"};
	const char rcpt[] = "<Receipt>from CN-HN</Receipt>";
	sp_fed_outbox_item *items = NULL;
	size_t n = 0;
	rec a, b;
	int shared = 0;
	uint64_t t0, c0;

	rec_make(&a, "CN-ZZ", 0, NULL);
	a.put.received = 1000;
	a.put.deliver_to = peers;
	a.put.n_deliver_to = 1;
	assert_int_equal(sp_store_put(f->s, &a.put, NULL, NULL),
	                 SP_STORE_INSERTED);
	assert_int_equal(
	    sp_store_fed_outbox_due(f->r, "CN-HN", 0, 1000, 10, &items, &n),
	    SP_OK);
	assert_int_equal(n, 1);

	/* alone: committed once its time is up, not at once */
	t0 = sp_monotonic_us();
	assert_int_equal(ob_reschedule(f, items[0].id, 1001, "later"), SP_OK);
	assert_true(sp_monotonic_us() - t0 >=
	            SP_STORE_LAZY_MS * 1000u * 9 / 10);

	/* with a put behind it: one commit for both (the put is queued
	 * 2 ms after the result, which a committer that did not wait would
	 * have committed alone by then; a few tries in case this thread was
	 * held up longer than the wait) */
	for (uint64_t seq = 1; seq <= 3 && !shared; seq++) {
		ob_wait w = {PTHREAD_MUTEX_INITIALIZER,
		             PTHREAD_COND_INITIALIZER, 0, 0};

		rec_make(&b, "CN-ZZ", seq, NULL);
		b.put.received = 1100;
		c0 = commits_of(f);
		t0 = sp_monotonic_us();
		assert_int_equal(sp_store_fed_delivered_async(
		                     f->s, items[0].id, (const uint8_t *)rcpt,
		                     strlen(rcpt), ob_done, &w),
		                 SP_OK);
		usleep(2000);
		assert_int_equal(sp_store_put(f->s, &b.put, NULL, NULL),
		                 SP_STORE_INSERTED);
		assert_int_equal(ob_wait_for(&w), SP_OK);
		shared = commits_of(f) == c0 + 1 &&
		         sp_monotonic_us() - t0 < SP_STORE_LAZY_MS * 1000u;
	}
	assert_true(shared);
	sp_fed_outbox_items_free(items, n);
}

/* ---------------------------------------------------------------- trust lists
 */

/* Claims: on PostgreSQL the rows one handle (process) takes for delivery
 * are not due for another until the lease ends or a result is stored; on
 * SQLite (one process per file) a claim is a plain read of the due rows. */
static void test_outbox_claims(void **state)
{
	fx *f = *state;
	static const char *const peers[] = {"CN-HN"};
	sp_fed_outbox_item *items = NULL;
	sp_store_reader *r2 = NULL;
	sp_store *s2 = NULL;
	const char *why = NULL;
	size_t n = 0;
	int64_t id;
	rec a;

	rec_make(&a, "CN-ZZ", 0, NULL);
	a.put.received = 1000;
	a.put.deliver_to = peers;
	a.put.n_deliver_to = 1;
	assert_int_equal(sp_store_put(f->s, &a.put, NULL, NULL),
	                 SP_STORE_INSERTED);
	assert_int_equal(fx_open(f, f->path, 0, &s2, &why), SP_OK);
	assert_int_equal(sp_store_reader_open(s2, &r2, &why), SP_OK);

	assert_int_equal(sp_store_fed_outbox_claim(f->r, "CN-HN", 0, 1100, 60,
	                                           10, &items, &n),
	                 SP_OK);
	assert_int_equal(n, 1);
	assert_string_equal(items[0].record_id, a.id);
	id = items[0].id;
	sp_fed_outbox_items_free(items, n);
	/* the other handle, within the lease */
	assert_int_equal(
	    sp_store_fed_outbox_claim(r2, "CN-HN", 0, 1159, 60, 10, &items, &n),
	    SP_OK);
	assert_int_equal(n, f->pg ? 0 : 1);
	sp_fed_outbox_items_free(items, n);
	/* after it: due again (the claiming process died) */
	assert_int_equal(
	    sp_store_fed_outbox_claim(r2, "CN-HN", 0, 1160, 60, 10, &items, &n),
	    SP_OK);
	assert_int_equal(n, 1);
	assert_int_equal(items[0].id, id);
	sp_fed_outbox_items_free(items, n);
	/* a reschedule ends the claim at its own time */
	assert_int_equal(ob_reschedule(f, id, 1170, "down"), SP_OK);
	sp_store_reader_close(r2);
	sp_store_close(s2);
	assert_int_equal(
	    sp_store_fed_outbox_due(f->r, "CN-HN", 0, 1170, 10, &items, &n),
	    SP_OK);
	assert_int_equal(n, 1);
	sp_fed_outbox_items_free(items, n);
	assert_int_equal(sp_store_fed_outbox_claim(f->r, "CN-HN", 0, 1100, 60,
	                                           10, &items, &n),
	                 SP_OK);
	assert_int_equal(n, 0);
	assert_int_equal(sp_store_fed_outbox_claim(f->r, "CN-HN", 0, 1170, -1,
	                                           10, &items, &n),
	                 SP_ERR_INVALID_ARGUMENT);
}

static void test_trust_lists(void **state)
{
	fx *f = *state;
	const uint8_t v2[] = "<TrustList>2</TrustList>";
	const uint8_t v2b[] = "<TrustList>2 forged</TrustList>";
	const uint8_t v3[] = "<TrustList>3</TrustList>";
	uint8_t *got = NULL;
	size_t len = 0;
	uint64_t seq = 0;

	assert_int_equal(
	    sp_store_trust_list_get(f->r, "ALLIANCE", &seq, &got, &len),
	    SP_ERR_NOT_FOUND);
	assert_int_equal(
	    sp_store_trust_list_put(f->s, "ALLIANCE", 2, v2, sizeof(v2) - 1),
	    SP_OK);
	assert_int_equal(
	    sp_store_trust_list_put(f->s, "ALLIANCE", 1, v3, sizeof(v3) - 1),
	    SP_ERR_TRUST_LIST_ROLLBACK);
	assert_int_equal(
	    sp_store_trust_list_put(f->s, "ALLIANCE", 2, v2b, sizeof(v2b) - 1),
	    SP_ERR_EQUIVOCATION);
	assert_int_equal(
	    sp_store_trust_list_put(f->s, "ALLIANCE", 2, v2, sizeof(v2) - 1),
	    SP_OK);
	assert_int_equal(
	    sp_store_trust_list_get(f->r, "ALLIANCE", &seq, &got, &len), SP_OK);
	assert_int_equal(seq, 2);
	assert_int_equal(len, sizeof(v2) - 1);
	assert_memory_equal(got, v2, len);
	free(got);
	assert_int_equal(
	    sp_store_trust_list_put(f->s, "ALLIANCE", 3, v3, sizeof(v3) - 1),
	    SP_OK);
	assert_int_equal(
	    sp_store_trust_list_get(f->r, "ALLIANCE", &seq, &got, &len), SP_OK);
	assert_int_equal(seq, 3);
	free(got);
}

/* ---------------------------------------------------------------- revocations
 */

/* SPEC [LOG-52]: the own checkpoint signed again by another key of the
 * origin replaces the note, keeps its cosignatures and adds no row. */
static void test_checkpoint_resign(void **state)
{
	fx *f = *state;
	uint8_t root[32], other[32];
	sp_store_checkpoint *cp = NULL;

	memset(root, 4, 32);
	memset(other, 5, 32);
	assert_int_equal(sp_store_checkpoint_put(f->s, "CN-ZZ", 3, root,
	                                         "three\n\n- old key\n", NULL),
	                 SP_STORE_INSERTED);
	assert_int_equal(sp_store_cosignature_put(f->s, "CN-ZZ", 3, root,
	                                          "CN-XA", "- cosig\n"),
	                 SP_OK);
	/* a put of the same checkpoint leaves the note */
	assert_int_equal(sp_store_checkpoint_put(f->s, "CN-ZZ", 3, root,
	                                         "three\n\n- new key\n", NULL),
	                 SP_STORE_DUPLICATE);
	assert_int_equal(sp_store_checkpoint_latest(f->r, "CN-ZZ", &cp), SP_OK);
	assert_string_equal(cp->note, "three\n\n- old key\n");
	sp_store_checkpoint_free(cp);
	/* signed again: the new note, the same cosignatures, one row */
	assert_int_equal(sp_store_checkpoint_resign(f->s, "CN-ZZ", 3, root,
	                                            "three\n\n- new key\n"),
	                 SP_OK);
	assert_int_equal(sp_store_checkpoint_latest(f->r, "CN-ZZ", &cp), SP_OK);
	assert_int_equal(cp->size, 3);
	assert_string_equal(cp->note, "three\n\n- new key\n");
	assert_int_equal(cp->n_cosignatures, 1);
	assert_string_equal(cp->cosignatures[0], "- cosig\n");
	sp_store_checkpoint_free(cp);
	assert_int_equal(db_count(f, "SELECT count(*) FROM checkpoints"), 1);
	/* never another root's note, nor a new row */
	assert_int_equal(sp_store_checkpoint_resign(f->s, "CN-ZZ", 3, other,
	                                            "forged\n\n- k\n"),
	                 SP_ERR_NOT_FOUND);
	assert_int_equal(db_count(f, "SELECT count(*) FROM checkpoints"), 1);
	assert_int_equal(sp_store_checkpoint_latest(f->r, "CN-ZZ", &cp), SP_OK);
	assert_string_equal(cp->note, "three\n\n- new key\n");
	sp_store_checkpoint_free(cp);
	assert_int_equal(
	    sp_store_checkpoint_resign(f->s, "CN-ZZ", 3, root, NULL),
	    SP_ERR_INVALID_ARGUMENT);
}

/* [TL-39]: revocations are kept for good, per federation, across reopen. */
/* Evidence of one document: kept once per (kind, subject, bytes), read
 * back by the console with its bytes and digest; bad arguments refused. */
static void test_evidence_documents(void **state)
{
	fx *f = *state;
	static const uint8_t other[] =
	    "<TrustList>2 shown elsewhere</TrustList>";
	static const uint8_t note[] = "silkport-index/v1\nCN-XA 0 4\n";
	char digest[65];
	sp_store_evidence *e = NULL;
	size_t n = 0, i, lists = 0, notes = 0;

	assert_int_equal(sp_store_evidence_put(f->s, "trust-list", "ALLIANCE",
	                                       other, sizeof(other) - 1,
	                                       "CN-PEER"),
	                 SP_OK);
	/* a second copy, from elsewhere: kept once */
	assert_int_equal(sp_store_evidence_put(f->s, "trust-list", "ALLIANCE",
	                                       other, sizeof(other) - 1, NULL),
	                 SP_OK);
	assert_int_equal(sp_store_evidence_put(f->s, "index-note", "CN-XA",
	                                       note, sizeof(note) - 1, "CN-XA"),
	                 SP_OK);
	assert_int_equal(db_count(f, "SELECT count(*) FROM evidence"), 2);
	assert_int_equal(db_count(f, "SELECT count(*) FROM evidence WHERE"
	                             " kind = 'trust-list' AND"
	                             " subject = 'ALLIANCE' AND"
	                             " source = 'CN-PEER'"),
	                 1);

	assert_int_equal(sp_store_console_evidence(f->r, 10, &e, &n), SP_OK);
	for (i = 0; i < n; i++) {
		if (strcmp(e[i].kind, "trust-list") == 0) {
			lists++;
			assert_string_equal(e[i].origin, "ALLIANCE");
			assert_string_equal(e[i].source, "CN-PEER");
			sp_sha256_hex(other, sizeof(other) - 1, digest);
			assert_string_equal(e[i].digest_b, digest);
			assert_int_equal(e[i].b_len, sizeof(other) - 1);
			assert_memory_equal(e[i].b, other, e[i].b_len);
			assert_null(e[i].a);
			assert_true(e[i].seen_at > 0);
		} else if (strcmp(e[i].kind, "index-note") == 0) {
			notes++;
			assert_string_equal(e[i].origin, "CN-XA");
			assert_int_equal(e[i].b_len, sizeof(note) - 1);
			assert_memory_equal(e[i].b, note, e[i].b_len);
		}
	}
	assert_int_equal(lists, 1);
	assert_int_equal(notes, 1);
	sp_store_evidence_free(e, n);

	assert_int_equal(sp_store_evidence_put(f->s, "record", "ALLIANCE",
	                                       other, sizeof(other) - 1, NULL),
	                 SP_ERR_INVALID_ARGUMENT);
	assert_int_equal(sp_store_evidence_put(f->s, "trust-list", "", other,
	                                       sizeof(other) - 1, NULL),
	                 SP_ERR_INVALID_ARGUMENT);
	assert_int_equal(sp_store_evidence_put(f->s, "trust-list", "ALLIANCE",
	                                       other, 0, NULL),
	                 SP_ERR_INVALID_ARGUMENT);
	assert_int_equal(db_count(f, "SELECT count(*) FROM evidence"), 2);
}

static void test_revocations_persist(void **state)
{
	fx *f = *state;
	sp_store_revocation v[2];
	uint64_t seq = 0;

	memset(v, 0, sizeof(v));
	v[0].kind = SP_REVOKED_MEMBER;
	snprintf(v[0].subject, sizeof(v[0].subject), "CN-X");
	snprintf(v[0].node_id, sizeof(v[0].node_id), "CN-X");
	v[0].sequence = 4;
	v[1].kind = SP_REVOKED_SIGNING_CERT;
	memset(v[1].subject, 'a', 64);
	snprintf(v[1].node_id, sizeof(v[1].node_id), "CN-X");
	v[1].sequence = 4;
	assert_int_equal(sp_store_revoked_get(f->r, "ALLIANCE",
	                                      SP_REVOKED_MEMBER, "CN-X", &seq),
	                 SP_ERR_NOT_FOUND);
	assert_int_equal(sp_store_revoked_add(f->s, "ALLIANCE", v, 2), SP_OK);
	reopen(f);
	assert_int_equal(sp_store_revoked_get(f->r, "ALLIANCE",
	                                      SP_REVOKED_MEMBER, "CN-X", &seq),
	                 SP_OK);
	assert_int_equal(seq, 4);
	assert_int_equal(sp_store_revoked_get(f->r, "ALLIANCE",
	                                      SP_REVOKED_SIGNING_CERT,
	                                      v[1].subject, &seq),
	                 SP_OK);
	/* the kind, the federation and the subject all matter */
	assert_int_equal(sp_store_revoked_get(f->r, "ALLIANCE",
	                                      SP_REVOKED_SIGNING_CERT, "CN-X",
	                                      &seq),
	                 SP_ERR_NOT_FOUND);
	assert_int_equal(sp_store_revoked_get(f->r, "PORTS", SP_REVOKED_MEMBER,
	                                      "CN-X", &seq),
	                 SP_ERR_NOT_FOUND);
	/* recorded again by a later list: the first sequence stays */
	v[0].sequence = 9;
	assert_int_equal(sp_store_revoked_add(f->s, "ALLIANCE", v, 1), SP_OK);
	assert_int_equal(sp_store_revoked_get(f->r, "ALLIANCE",
	                                      SP_REVOKED_MEMBER, "CN-X", &seq),
	                 SP_OK);
	assert_int_equal(seq, 4);
	/* bad entries write nothing */
	v[0].subject[0] = '\0';
	assert_int_equal(sp_store_revoked_add(f->s, "ALLIANCE", v, 1),
	                 SP_ERR_INVALID_ARGUMENT);
	assert_int_equal(sp_store_revoked_add(f->s, "", v + 1, 1),
	                 SP_ERR_INVALID_ARGUMENT);
}

/* A list with members as a node reads them; only the fields the check
 * reads are set. */
typedef struct tl_fx {
	sp_tl tl;
	sp_tl_member m[3];
	sp_tl_signing_cert sc[3];
	uint8_t der[3][8];
} tl_fx;

static void tl_fx_make(tl_fx *x, const char *federation, uint64_t seq,
                       sp_member_status x_status, sp_member_status s_status,
                       int y_takes_x_cert)
{
	static const char *const ids[3] = {"CN-X", "CN-S", "CN-Y"};
	size_t i;

	memset(x, 0, sizeof(*x));
	snprintf(x->tl.federation, sizeof(x->tl.federation), "%s", federation);
	x->tl.sequence = seq;
	x->tl.members = x->m;
	x->tl.n_members = 3;
	for (i = 0; i < 3; i++) {
		snprintf(x->m[i].node_id, sizeof(x->m[i].node_id), "%s",
		         ids[i]);
		memset(x->der[i], (int)('1' + i), sizeof(x->der[i]));
		x->sc[i].der = x->der[y_takes_x_cert && i == 2 ? 0 : i];
		x->sc[i].der_len = sizeof(x->der[i]);
		x->m[i].signing = &x->sc[i];
		x->m[i].n_signing = 1;
		x->m[i].status = SP_STATUS_ACTIVE;
	}
	x->m[0].status = x_status;
	x->m[1].status = s_status;
}

/* [TL-39]: a list that shows a revoked member (or a revoked member's
 * signing certificate) as not revoked is refused, also after reopen;
 * suspension stays reversible. */
static void test_revocation_check_list(void **state)
{
	fx *f = *state;
	sp_store_revocation hit;
	tl_fx x;

	/* sequence 4: CN-X revoked, CN-S suspended */
	tl_fx_make(&x, "ALLIANCE", 4, SP_STATUS_REVOKED, SP_STATUS_SUSPENDED,
	           0);
	assert_int_equal(sp_store_revoked_check_list(f->r, &x.tl, &hit), SP_OK);
	assert_int_equal(sp_store_revoked_record_list(f->s, &x.tl), SP_OK);
	reopen(f);
	/* sequence 5 lists CN-X active again: refused */
	tl_fx_make(&x, "ALLIANCE", 5, SP_STATUS_ACTIVE, SP_STATUS_SUSPENDED, 0);
	assert_int_equal(sp_store_revoked_check_list(f->r, &x.tl, &hit),
	                 SP_ERR_REVOCATION_REVERSED);
	assert_int_equal(hit.kind, SP_REVOKED_MEMBER);
	assert_string_equal(hit.subject, "CN-X");
	assert_string_equal(hit.node_id, "CN-X");
	assert_int_equal(hit.sequence, 4);
	/* suspended is not revoked either */
	tl_fx_make(&x, "ALLIANCE", 5, SP_STATUS_SUSPENDED, SP_STATUS_SUSPENDED,
	           0);
	assert_int_equal(sp_store_revoked_check_list(f->r, &x.tl, &hit),
	                 SP_ERR_REVOCATION_REVERSED);
	/* CN-X still revoked, CN-S back from suspension: accepted */
	tl_fx_make(&x, "ALLIANCE", 5, SP_STATUS_REVOKED, SP_STATUS_ACTIVE, 0);
	assert_int_equal(sp_store_revoked_check_list(f->r, &x.tl, &hit), SP_OK);
	/* CN-X's signing certificate given to CN-Y: refused */
	tl_fx_make(&x, "ALLIANCE", 5, SP_STATUS_REVOKED, SP_STATUS_ACTIVE, 1);
	assert_int_equal(sp_store_revoked_check_list(f->r, &x.tl, &hit),
	                 SP_ERR_REVOCATION_REVERSED);
	assert_int_equal(hit.kind, SP_REVOKED_SIGNING_CERT);
	assert_string_equal(hit.node_id, "CN-Y");
	assert_int_equal(strlen(hit.subject), 64);
	/* a CN-X in another federation is another node */
	tl_fx_make(&x, "PORTS", 1, SP_STATUS_ACTIVE, SP_STATUS_ACTIVE, 0);
	assert_int_equal(sp_store_revoked_check_list(f->r, &x.tl, &hit), SP_OK);
}

/* [FED-55]: a received record is stored pending, an own one confirmed;
 * log_pending lists the pending ones of an origin by Sequence from a
 * position; log_state_set confirms pending records only and a confirmed
 * record never goes back; the state survives a reopen and is read with
 * the record (get and search). */
static void test_log_state(void **state)
{
	fx *f = *state;
	sp_store_pending *p = NULL;
	sp_store_record *got = NULL;
	size_t n = 0;
	rec a, b, c, own;
	uint64_t seqs[2];

	rec_make(&a, "CN-XA", 3, NULL);
	a.put.source = "CN-XA";
	a.put.received = 1000;
	a.put.log_state = SP_LOG_PENDING;
	rec_make(&b, "CN-XA", 1, NULL);
	b.put.source = "CN-XA";
	b.put.log_state = SP_LOG_PENDING;
	rec_make(&c, "CN-XA", 7, NULL);
	c.put.source = "CN-XA";
	c.put.log_state = SP_LOG_UNLOGGED;
	rec_make(&own, "CN-ZZ", 0, NULL);
	assert_int_equal(sp_store_put(f->s, &a.put, NULL, NULL),
	                 SP_STORE_INSERTED);
	assert_int_equal(sp_store_put(f->s, &b.put, NULL, NULL),
	                 SP_STORE_INSERTED);
	assert_int_equal(sp_store_put(f->s, &c.put, NULL, NULL),
	                 SP_STORE_INSERTED);
	assert_int_equal(sp_store_put(f->s, &own.put, NULL, NULL),
	                 SP_STORE_INSERTED);

	assert_int_equal(sp_store_log_pending(f->r, "CN-XA", 0, 10, &p, &n),
	                 SP_OK);
	assert_int_equal(n, 2);
	assert_int_equal(p[0].sequence, 1);
	assert_int_equal(p[1].sequence, 3);
	assert_int_equal(p[1].received, 1000);
	assert_int_equal(strlen(p[1].digest), 64);
	free(p);
	assert_int_equal(sp_store_log_pending(f->r, "CN-XA", 2, 10, &p, &n),
	                 SP_OK);
	assert_int_equal(n, 1);
	assert_int_equal(p[0].sequence, 3);
	free(p);
	assert_int_equal(sp_store_log_pending(f->r, "CN-ZZ", 0, 10, &p, &n),
	                 SP_OK);
	assert_int_equal(n, 0);
	assert_null(p);

	/* confirm 3 (and 7, which is unlogged and stays so) */
	seqs[0] = 3;
	seqs[1] = 7;
	assert_int_equal(
	    sp_store_log_state_set(f->s, "CN-XA", seqs, 2, SP_LOG_CONFIRMED),
	    SP_OK);
	assert_int_equal(
	    sp_store_log_state_set(f->s, "CN-XA", seqs, 1, SP_LOG_PENDING),
	    SP_ERR_INVALID_ARGUMENT);
	reopen(f);
	assert_int_equal(sp_store_get_at(f->r, "CN-XA", 3, &got), SP_OK);
	assert_int_equal(got->log_state, SP_LOG_CONFIRMED);
	sp_store_record_free(got);
	assert_int_equal(sp_store_get_at(f->r, "CN-XA", 7, &got), SP_OK);
	assert_int_equal(got->log_state, SP_LOG_UNLOGGED);
	sp_store_record_free(got);
	assert_int_equal(sp_store_get_at(f->r, "CN-XA", 1, &got), SP_OK);
	assert_int_equal(got->log_state, SP_LOG_PENDING);
	sp_store_record_free(got);
	assert_int_equal(sp_store_get_at(f->r, "CN-ZZ", 0, &got), SP_OK);
	assert_int_equal(got->log_state, SP_LOG_CONFIRMED);
	sp_store_record_free(got);
	/* a confirmed record is never made unlogged */
	assert_int_equal(
	    sp_store_log_state_set(f->s, "CN-XA", seqs, 1, SP_LOG_UNLOGGED),
	    SP_OK);
	assert_int_equal(sp_store_get_at(f->r, "CN-XA", 3, &got), SP_OK);
	assert_int_equal(got->log_state, SP_LOG_CONFIRMED);
	sp_store_record_free(got);
	assert_string_equal(sp_store_log_state_name(SP_LOG_PENDING), "pending");
	assert_null(sp_store_log_state_name(9));
}

/* [LOG-48], [FED-61], [TL-78]: confirming records keeps their existence
 * bound with them; a record whose Issued is after the limit, or whose
 * signer's validity ended more than the slack before the bound, is not
 * confirmed but made unlogged with the refusal kept, and reported; without
 * a bound (k = 0) nothing is kept or refused; all of it survives a reopen
 * and is read by get and by entries. */
static void test_log_settle(void **state)
{
	fx *f = *state;
	sp_store_record *got = NULL;
	sp_store_list *l = NULL;
	rec a, b, c, d, e;
	uint64_t seqs[4] = {2, 5, 6, 7}, k0[1] = {9}, refused[4] = {0};
	size_t n_refused = 9;
	/* rec_make's Issued is 1790000000 + Sequence */
	sp_store_settle how = {SP_LOG_CONFIRMED, 1790000003, 1790000004, 300,
	                       INT64_MAX,        NULL,       NULL};
	sp_store_settle plain = {SP_LOG_CONFIRMED, 0,    INT64_MAX, 0,
	                         INT64_MAX,        NULL, NULL};
	/* the Origin revoked with InvalidFrom 400 s before the bound */
	sp_store_settle revoked = {SP_LOG_CONFIRMED, 1790000003, INT64_MAX, 300,
	                           1790000003 - 400, NULL,       NULL};
	uint64_t later[1] = {11};
	rec g;

	rec_make(&a, "CN-XA", 2, NULL);
	rec_make(&b, "CN-XA", 5, NULL);
	rec_make(&c, "CN-XA", 9, NULL);
	a.put.source = b.put.source = c.put.source = "CN-XA";
	a.put.log_state = b.put.log_state = c.put.log_state = SP_LOG_PENDING;
	/* signers judged at Issued only: d's validity ended 400 s before
	 * the bound (beyond the slack), e's 100 s before (within it); both
	 * claim an Issued far enough back to pass issued_max */
	rec_make(&d, "CN-XA", 6, NULL);
	rec_make(&e, "CN-XA", 7, NULL);
	d.put.source = e.put.source = "CN-XA";
	d.put.log_state = e.put.log_state = SP_LOG_PENDING;
	d.put.issued = e.put.issued = 1790000000 - 1000;
	d.put.signer_until = 1790000003 - 400;
	e.put.signer_until = 1790000003 - 100;
	assert_int_equal(sp_store_put(f->s, &d.put, NULL, NULL),
	                 SP_STORE_INSERTED);
	assert_int_equal(sp_store_put(f->s, &e.put, NULL, NULL),
	                 SP_STORE_INSERTED);
	assert_int_equal(sp_store_put(f->s, &a.put, NULL, NULL),
	                 SP_STORE_INSERTED);
	assert_int_equal(sp_store_put(f->s, &b.put, NULL, NULL),
	                 SP_STORE_INSERTED);
	assert_int_equal(sp_store_put(f->s, &c.put, NULL, NULL),
	                 SP_STORE_INSERTED);

	/* a limit needs room for what it refuses */
	assert_int_equal(
	    sp_store_log_settle(f->s, "CN-XA", seqs, 2, &how, NULL, NULL),
	    SP_ERR_INVALID_ARGUMENT);
	assert_int_equal(sp_store_log_settle(f->s, "CN-XA", seqs, 4, &how,
	                                     refused, &n_refused),
	                 SP_OK);
	assert_int_equal(n_refused, 2);
	assert_int_equal(refused[0], 5);
	assert_int_equal(refused[1], 6);
	assert_int_equal(
	    sp_store_log_settle(f->s, "CN-XA", k0, 1, &plain, NULL, &n_refused),
	    SP_OK);
	assert_int_equal(n_refused, 0);
	reopen(f);

	assert_int_equal(sp_store_get_at(f->r, "CN-XA", 2, &got), SP_OK);
	assert_int_equal(got->log_state, SP_LOG_CONFIRMED);
	assert_int_equal(got->exists_by, 1790000003);
	assert_string_equal(got->log_refused, "");
	sp_store_record_free(got);
	assert_int_equal(sp_store_get_at(f->r, "CN-XA", 5, &got), SP_OK);
	assert_int_equal(got->log_state, SP_LOG_UNLOGGED);
	assert_int_equal(got->exists_by, 0);
	assert_string_equal(got->log_refused, "issued-out-of-bounds");
	sp_store_record_free(got);
	assert_int_equal(sp_store_get_at(f->r, "CN-XA", 9, &got), SP_OK);
	assert_int_equal(got->log_state, SP_LOG_CONFIRMED);
	assert_int_equal(got->exists_by, 0); /* k = 0: no trusted time */
	sp_store_record_free(got);
	assert_int_equal(sp_store_get_at(f->r, "CN-XA", 6, &got), SP_OK);
	assert_int_equal(got->log_state, SP_LOG_UNLOGGED);
	assert_string_equal(got->log_refused, "signer-expired");
	sp_store_record_free(got);
	assert_int_equal(sp_store_get_at(f->r, "CN-XA", 7, &got), SP_OK);
	assert_int_equal(got->log_state, SP_LOG_CONFIRMED);
	assert_int_equal(got->exists_by, 1790000003);
	sp_store_record_free(got);
	/* [TL-77]: a record held when its Origin was revoked, proven only
	 * after the InvalidFrom, is refused as revoked */
	rec_make(&g, "CN-XA", 11, NULL);
	g.put.source = "CN-XA";
	g.put.log_state = SP_LOG_PENDING;
	g.put.issued = 1790000000 - 1000;
	assert_int_equal(sp_store_put(f->s, &g.put, NULL, NULL),
	                 SP_STORE_INSERTED);
	assert_int_equal(sp_store_log_settle(f->s, "CN-XA", later, 1, &revoked,
	                                     refused, &n_refused),
	                 SP_OK);
	assert_int_equal(n_refused, 1);
	assert_int_equal(sp_store_get_at(f->r, "CN-XA", 11, &got), SP_OK);
	assert_int_equal(got->log_state, SP_LOG_UNLOGGED);
	assert_string_equal(got->log_refused, "signer-revoked");
	sp_store_record_free(got);
	/* a refused record is never confirmed later */
	assert_int_equal(sp_store_log_state_set(f->s, "CN-XA", &seqs[1], 1,
	                                        SP_LOG_CONFIRMED),
	                 SP_OK);
	assert_int_equal(sp_store_get_at(f->r, "CN-XA", 5, &got), SP_OK);
	assert_int_equal(got->log_state, SP_LOG_UNLOGGED);
	sp_store_record_free(got);
	/* lists read the same columns */
	assert_int_equal(
	    sp_store_entries(f->r, "CN-XA", 0, 10, 1 << 20, NULL, &l), SP_OK);
	assert_int_equal(l->n, 6);
	assert_int_equal(l->items[0]->exists_by, 1790000003);
	assert_string_equal(l->items[1]->log_refused, "issued-out-of-bounds");
	sp_store_list_free(l);
}

/* [LOG-53]: with `held`, a record whose signer ended before the bound
 * stays pending and is listed, not refused; Issued is still judged; the
 * same record settled later at an earlier bound is confirmed there. */
static void test_log_settle_held(void **state)
{
	fx *f = *state;
	sp_store_record *got = NULL;
	uint64_t seqs[3] = {1, 2, 3}, refused[3] = {0}, held[3] = {0};
	size_t n_refused = 9, n_held = 9;
	sp_store_settle late = {
	    SP_LOG_CONFIRMED, 1790000003, 1790000003 + 300, 300,
	    INT64_MAX,        held,       &n_held};
	sp_store_settle early = {SP_LOG_CONFIRMED,
	                         1790000000 - 2000,
	                         1790000000 - 1700,
	                         300,
	                         INT64_MAX,
	                         NULL,
	                         NULL};
	rec a, b, c;

	rec_make(&a, "CN-XA", 1, NULL); /* signer ended 1000 s before */
	rec_make(&b, "CN-XA", 2, NULL); /* signer valid at the bound */
	rec_make(&c, "CN-XA", 3, NULL); /* Issued after the bound */
	a.put.source = b.put.source = c.put.source = "CN-XA";
	a.put.log_state = b.put.log_state = c.put.log_state = SP_LOG_PENDING;
	a.put.issued = 1790000000 - 5000;
	a.put.signer_until = 1790000003 - 1000;
	b.put.signer_until = 1790000003 + 10;
	c.put.issued = 1790000003 + 1000;
	c.put.signer_until = 1790000003 - 1000;
	assert_int_equal(sp_store_put(f->s, &a.put, NULL, NULL),
	                 SP_STORE_INSERTED);
	assert_int_equal(sp_store_put(f->s, &b.put, NULL, NULL),
	                 SP_STORE_INSERTED);
	assert_int_equal(sp_store_put(f->s, &c.put, NULL, NULL),
	                 SP_STORE_INSERTED);
	assert_int_equal(sp_store_log_settle(f->s, "CN-XA", seqs, 3, &late,
	                                     refused, &n_refused),
	                 SP_OK);
	assert_int_equal(n_refused, 1);
	assert_int_equal(refused[0], 3);
	assert_int_equal(n_held, 1);
	assert_int_equal(held[0], 1);
	assert_int_equal(sp_store_get_at(f->r, "CN-XA", 1, &got), SP_OK);
	assert_int_equal(got->log_state, SP_LOG_PENDING);
	assert_string_equal(got->log_refused, "");
	sp_store_record_free(got);
	assert_int_equal(sp_store_get_at(f->r, "CN-XA", 2, &got), SP_OK);
	assert_int_equal(got->log_state, SP_LOG_CONFIRMED);
	sp_store_record_free(got);
	assert_int_equal(sp_store_get_at(f->r, "CN-XA", 3, &got), SP_OK);
	assert_string_equal(got->log_refused, "issued-out-of-bounds");
	sp_store_record_free(got);
	/* the earlier bound, inside the signer's validity */
	assert_int_equal(sp_store_log_settle(f->s, "CN-XA", held, 1, &early,
	                                     refused, &n_refused),
	                 SP_OK);
	assert_int_equal(n_refused, 0);
	assert_int_equal(sp_store_get_at(f->r, "CN-XA", 1, &got), SP_OK);
	assert_int_equal(got->log_state, SP_LOG_CONFIRMED);
	assert_int_equal(got->exists_by, 1790000000 - 2000);
	sp_store_record_free(got);
	/* held without room for its count is a caller's error */
	late.n_held = NULL;
	assert_int_equal(sp_store_log_settle(f->s, "CN-XA", seqs, 1, &late,
	                                     refused, &n_refused),
	                 SP_ERR_INVALID_ARGUMENT);
}

/* [TL-77]: a revocation's InvalidFrom (plus the skew) takes the effect of
 * records confirmed with a later bound; earlier ones and records without
 * a bound stay; the record keeps its bound; a second pass changes
 * nothing. */
static void test_log_revoke(void **state)
{
	fx *f = *state;
	sp_store_record *got = NULL;
	uint64_t one[1], refused[1], seqs[4] = {0};
	size_t n_refused = 0, n = 9;
	sp_store_settle early = {SP_LOG_CONFIRMED, 1790000100, INT64_MAX, 300,
	                         INT64_MAX,        NULL,       NULL};
	sp_store_settle late = {SP_LOG_CONFIRMED, 1790000500, INT64_MAX, 300,
	                        INT64_MAX,        NULL,       NULL};
	rec a, b, c;

	rec_make(&a, "CN-XA", 1, NULL);
	rec_make(&b, "CN-XA", 2, NULL);
	rec_make(&c, "CN-XA", 3, NULL);
	a.put.source = b.put.source = c.put.source = "CN-XA";
	a.put.log_state = b.put.log_state = c.put.log_state = SP_LOG_PENDING;
	assert_int_equal(sp_store_put(f->s, &a.put, NULL, NULL),
	                 SP_STORE_INSERTED);
	assert_int_equal(sp_store_put(f->s, &b.put, NULL, NULL),
	                 SP_STORE_INSERTED);
	assert_int_equal(sp_store_put(f->s, &c.put, NULL, NULL),
	                 SP_STORE_INSERTED);
	one[0] = 1;
	assert_int_equal(sp_store_log_settle(f->s, "CN-XA", one, 1, &early,
	                                     refused, &n_refused),
	                 SP_OK);
	one[0] = 2;
	assert_int_equal(sp_store_log_settle(f->s, "CN-XA", one, 1, &late,
	                                     refused, &n_refused),
	                 SP_OK);
	one[0] = 3; /* k = 0: confirmed without a bound */
	assert_int_equal(
	    sp_store_log_state_set(f->s, "CN-XA", one, 1, SP_LOG_CONFIRMED),
	    SP_OK);
	assert_int_equal(
	    sp_store_log_revoke(f->s, "CN-XA", 1790000300, seqs, 4, &n), SP_OK);
	assert_int_equal(n, 1);
	assert_int_equal(seqs[0], 2);
	assert_int_equal(sp_store_get_at(f->r, "CN-XA", 2, &got), SP_OK);
	assert_int_equal(got->log_state, SP_LOG_UNLOGGED);
	assert_string_equal(got->log_refused, "signer-revoked");
	assert_int_equal(got->exists_by, 1790000500);
	sp_store_record_free(got);
	assert_int_equal(sp_store_get_at(f->r, "CN-XA", 1, &got), SP_OK);
	assert_int_equal(got->log_state, SP_LOG_CONFIRMED);
	sp_store_record_free(got);
	assert_int_equal(sp_store_get_at(f->r, "CN-XA", 3, &got), SP_OK);
	assert_int_equal(got->log_state, SP_LOG_CONFIRMED);
	sp_store_record_free(got);
	assert_int_equal(
	    sp_store_log_revoke(f->s, "CN-XA", 1790000300, NULL, 0, &n), SP_OK);
	assert_int_equal(n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_checkpoints, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_checkpoint_covering, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_outbox, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_outbox_lazy, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_log_state, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_log_settle, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_log_settle_held, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_log_revoke, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_outbox_claims, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_trust_lists, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_evidence_documents, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_revocations_persist, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_checkpoint_resign, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_revocation_check_list, setup,
	                                    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
