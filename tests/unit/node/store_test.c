/* store_test.c: the store on SQLite or PostgreSQL (store_fixture.h):
 * migrations, put outcomes, group commit, visibility, search cursors, signed
 * digests, reopen, the tree root with unstored leaves, node state and backup.
 * What the federation side keeps (checkpoints, outbox, trust lists,
 * revocations) is store_fed_test.c. */
#include <pthread.h>

#include "store_fixture.h"

/* ---------------------------------------------------------------- open */

/* PostgreSQL: the version row, and a schema without silkport's tables
 * opened without SP_STORE_CREATE is an error that creates nothing. */
static void pg_migrations_fresh_and_reopen(fx *f)
{
	sp_store *s2 = NULL;
	const char *why = NULL;
	fx g;

	assert_int_equal(db_count(f, "SELECT version FROM silkport_schema"),
	                 SP_STORE_SCHEMA_VERSION);
	assert_int_equal(db_count(f, "SELECT count(*) FROM pg_tables WHERE"
	                             " schemaname = current_schema()"
	                             " AND tablename = 'records'"),
	                 1);
	reopen(f);
	assert_int_equal(db_count(f, "SELECT version FROM silkport_schema"),
	                 SP_STORE_SCHEMA_VERSION);

	memset(&g, 0, sizeof(g));
	fx_make(&g, "missing.db");
	assert_int_not_equal(fx_open(&g, g.path, 0, &s2, &why), SP_OK);
	assert_null(s2);
	assert_non_null(why);
	assert_int_equal(db_count(&g, "SELECT count(*) FROM pg_tables WHERE"
	                              " schemaname = current_schema()"),
	                 0);
	remove_db(&g);
}

static void test_migrations_fresh_and_reopen(void **state)
{
	fx *f = *state;
	sp_store *s2 = NULL;
	const char *why = NULL;
	char missing[320];

	if (f->pg) {
		pg_migrations_fresh_and_reopen(f);
		return;
	}
	assert_int_equal(db_count(f, "PRAGMA user_version"),
	                 SP_STORE_SCHEMA_VERSION);
	assert_int_equal(db_count(f, "PRAGMA application_id"), 0x534c4b50);
	assert_int_equal(db_count(f, "SELECT count(*) FROM sqlite_schema"
	                             " WHERE name = 'records'"),
	                 1);
	reopen(f);
	assert_int_equal(db_count(f, "PRAGMA user_version"),
	                 SP_STORE_SCHEMA_VERSION);

	/* without SP_STORE_CREATE a missing file is an error */
	snprintf(missing, sizeof(missing), "%s/missing.db", f->dir);
	assert_int_not_equal(sp_store_open(missing, 0, &s2, &why), SP_OK);
	assert_null(s2);
	assert_non_null(why);
	assert_int_not_equal(access(missing, F_OK), 0);
}

static void test_wal_mode(void **state)
{
	fx *f = *state;
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;

	FX_SQLITE_ONLY(f);

	assert_int_equal(
	    sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READONLY, NULL),
	    SQLITE_OK);
	assert_int_equal(
	    sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
	sqlite3_finalize(st);
	sqlite3_close(db);
}

/* PostgreSQL: a newer version row, and another application's tables in
 * the schema, are refused; the current version opens again. */
static void pg_refuse_newer_and_foreign(fx *f)
{
	sp_store *s2 = NULL;
	const char *why = NULL;
	char sql[96];
	fx g;

	sp_store_reader_close(f->r);
	sp_store_close(f->s);
	f->r = NULL;
	f->s = NULL;
	db_exec_pg(f, "UPDATE silkport_schema SET version = 99");
	assert_int_equal(fx_open(f, f->path, 0, &s2, &why),
	                 SP_ERR_INVALID_ARGUMENT);
	assert_null(s2);
	assert_non_null(strstr(why, "newer"));

	memset(&g, 0, sizeof(g));
	fx_make(&g, "other.db");
	db_exec_pg(&g, "CREATE TABLE t (x integer)");
	why = NULL;
	assert_int_equal(fx_open(&g, g.path, SP_STORE_CREATE, &s2, &why),
	                 SP_ERR_INVALID_ARGUMENT);
	assert_non_null(strstr(why, "not a silkport"));
	remove_db(&g);

	snprintf(sql, sizeof(sql), "UPDATE silkport_schema SET version = %d",
	         SP_STORE_SCHEMA_VERSION);
	db_exec_pg(f, sql);
	assert_int_equal(fx_open(f, f->path, 0, &f->s, &why), SP_OK);
	assert_int_equal(sp_store_reader_open(f->s, &f->r, &why), SP_OK);
}

static void test_refuse_newer_and_foreign(void **state)
{
	fx *f = *state;
	sqlite3 *db = NULL;
	sp_store *s2 = NULL;
	const char *why = NULL;
	char other[320];

	if (f->pg) {
		pg_refuse_newer_and_foreign(f);
		return;
	}
	sp_store_reader_close(f->r);
	sp_store_close(f->s);
	f->r = NULL;
	f->s = NULL;
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(
	    sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(sp_store_open(f->path, 0, &s2, &why),
	                 SP_ERR_INVALID_ARGUMENT);
	assert_null(s2);
	assert_non_null(why);
	assert_non_null(strstr(why, "newer"));

	/* another application's database is not migrated */
	snprintf(other, sizeof(other), "%s/other.db", f->dir);
	assert_int_equal(sqlite3_open(other, &db), SQLITE_OK);
	assert_int_equal(
	    sqlite3_exec(db, "CREATE TABLE t (x)", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	why = NULL;
	assert_int_equal(sp_store_open(other, 0, &s2, &why),
	                 SP_ERR_INVALID_ARGUMENT);
	assert_non_null(strstr(why, "not a silkport"));
	unlink(other);

	/* back to the current version: it opens again */
	snprintf(other, sizeof(other), "PRAGMA user_version = %d",
	         SP_STORE_SCHEMA_VERSION);
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, other, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(sp_store_open(f->path, 0, &f->s, &why), SP_OK);
	assert_int_equal(sp_store_reader_open(f->s, &f->r, &why), SP_OK);
}

/* ---------------------------------------------------------------- puts */

static void test_put_outcomes(void **state)
{
	fx *f = *state;
	rec a, b, c, own;
	uint8_t *receipt = NULL;
	size_t rlen = 0;
	const char rcpt[] = "<Receipt>for a</Receipt>";
	sp_store_record *got = NULL;
	sp_store_stats st;

	rec_make(&a, "CN-ZZ", 0, "first");
	a.put.receipt = (const uint8_t *)rcpt;
	a.put.receipt_len = sizeof(rcpt) - 1;
	a.put.source = "CN-ZZ";
	assert_int_equal(sp_store_put(f->s, &a.put, &receipt, &rlen),
	                 SP_STORE_INSERTED);
	assert_null(receipt);

	/* the same bytes again: the stored receipt comes back */
	assert_int_equal(sp_store_put(f->s, &a.put, &receipt, &rlen),
	                 SP_STORE_DUPLICATE);
	assert_non_null(receipt);
	assert_int_equal(rlen, sizeof(rcpt) - 1);
	assert_memory_equal(receipt, rcpt, rlen);
	free(receipt);
	receipt = NULL;

	/* other bytes at the same position: equivocation, evidence kept */
	rec_make(&b, "CN-ZZ", 0, "second");
	assert_int_equal(sp_store_put(f->s, &b.put, NULL, NULL),
	                 SP_STORE_EQUIVOCATION);
	assert_int_equal(db_count(f, "SELECT count(*) FROM equivocations"
	                             " WHERE kind = 'position' AND origin ="
	                             " 'CN-ZZ' AND sequence = 0"),
	                 1);
	assert_int_equal(db_count(f, "SELECT length(bytes_b) FROM"
	                             " equivocations"),
	                 (int64_t)b.len);
	/* the same conflicting bytes again: still reported, kept once */
	assert_int_equal(sp_store_put(f->s, &b.put, NULL, NULL),
	                 SP_STORE_EQUIVOCATION);
	assert_int_equal(db_count(f, "SELECT count(*) FROM equivocations"), 1);

	/* the same record id at another position with other bytes */
	rec_make(&c, "CN-ZZ", 1, "third");
	memcpy(c.id, a.id, sizeof(c.id));
	c.len =
	    (size_t)snprintf(c.bytes, sizeof(c.bytes), "<R id=\"%s\"/>", c.id);
	c.put.len = c.len;
	/* by the same Origin: refused (REC-26), not equivocation evidence */
	assert_int_equal(sp_store_put(f->s, &c.put, NULL, NULL),
	                 SP_STORE_ID_REUSED);
	assert_int_equal(db_count(f, "SELECT count(*) FROM equivocations"
	                             " WHERE kind = 'record-id'"),
	                 0);

	/* the stored record is still the first one */
	assert_int_equal(sp_store_get(f->r, "CN-ZZ", a.id, &got), SP_OK);
	assert_int_equal(got->len, a.len);
	assert_memory_equal(got->bytes, a.bytes, a.len);
	assert_string_equal(got->origin, "CN-ZZ");
	assert_int_equal(got->sequence, 0);
	assert_string_equal(got->source, "CN-ZZ");
	assert_int_equal(got->receipt_len, sizeof(rcpt) - 1);
	sp_store_record_free(got);
	assert_int_equal(sp_store_get_at(f->r, "CN-ZZ", 1, &got),
	                 SP_ERR_NOT_FOUND);
	assert_null(got);

	/* an own record has no receipt: a duplicate returns none */
	rec_make(&own, "CN-HN", 0, NULL);
	assert_int_equal(sp_store_put(f->s, &own.put, NULL, NULL),
	                 SP_STORE_INSERTED);
	assert_int_equal(sp_store_put(f->s, &own.put, &receipt, &rlen),
	                 SP_STORE_DUPLICATE);
	assert_null(receipt);
	assert_int_equal(rlen, 0);

	assert_int_equal(sp_store_stats_get(f->r, &st), SP_OK);
	assert_int_equal(st.records, 2);
	assert_int_equal(st.equivocations, 1); /* the position conflict only */
	sp_store_stats_clear(&st);
}

/* An own record (append_only) is stored only as the next leaf of its log:
 * one queued behind a record that was not stored is refused and leaves no
 * row, so the own log keeps no hole; a peer's record may still arrive out
 * of order. */
static void test_append_only(void **state)
{
	fx *f = *state;
	rec r0, r2, r1, p1;
	sp_store_record *got = NULL;
	uint64_t size = 0, next = 0;

	rec_make(&r0, "CN-ZZ", 0, NULL);
	rec_make(&r1, "CN-ZZ", 1, NULL);
	rec_make(&r2, "CN-ZZ", 2, NULL);
	r0.put.append_only = r1.put.append_only = r2.put.append_only = 1;
	assert_int_equal(sp_store_put(f->s, &r0.put, NULL, NULL),
	                 SP_STORE_INSERTED);
	/* 1 never came: 2 would be a hole */
	assert_int_equal(sp_store_put(f->s, &r2.put, NULL, NULL),
	                 SP_ERR_INVALID_ARGUMENT);
	assert_int_equal(sp_store_get_at(f->r, "CN-ZZ", 2, &got),
	                 SP_ERR_NOT_FOUND);
	assert_int_equal(sp_store_next_sequence(f->s, "CN-ZZ", &next), SP_OK);
	assert_int_equal(next, 1);
	assert_int_equal(sp_store_put(f->s, &r1.put, NULL, NULL),
	                 SP_STORE_INSERTED);
	assert_int_equal(sp_store_put(f->s, &r2.put, NULL, NULL),
	                 SP_STORE_INSERTED);
	assert_int_equal(sp_store_tree_size(f->r, "CN-ZZ", &size), SP_OK);
	assert_int_equal(size, 3);
	/* a duplicate is still a duplicate, not a refusal */
	assert_int_equal(sp_store_put(f->s, &r1.put, NULL, NULL),
	                 SP_STORE_DUPLICATE);

	/* without the flag (a peer's record) a later one is kept */
	rec_make(&p1, "CN-XA", 1, NULL);
	assert_int_equal(sp_store_put(f->s, &p1.put, NULL, NULL),
	                 SP_STORE_INSERTED);
	assert_int_equal(sp_store_tree_size(f->r, "CN-XA", &size), SP_OK);
	assert_int_equal(size, 0);
}

static void test_put_rejects_bad_requests(void **state)
{
	fx *f = *state;
	rec a;
	char bad_digest[65];
	const char *long_id = "0123456789012345678901234567890123456789";

	rec_make(&a, "CN-ZZ", 0, NULL);
	memset(bad_digest, 'a', 64);
	bad_digest[64] = '\0';
	a.put.digest = bad_digest;
	assert_int_equal(sp_store_put(f->s, &a.put, NULL, NULL),
	                 SP_ERR_INVALID_ARGUMENT);
	a.put.digest = NULL;
	a.put.record_id = long_id;
	assert_int_equal(sp_store_put(f->s, &a.put, NULL, NULL),
	                 SP_ERR_INVALID_ARGUMENT);
	a.put.record_id = a.id;
	a.put.sequence = (uint64_t)INT64_MAX + 1;
	assert_int_equal(sp_store_put(f->s, &a.put, NULL, NULL),
	                 SP_ERR_INVALID_ARGUMENT);
	a.put.sequence = 0;
	a.put.len = 0;
	assert_int_equal(sp_store_put(f->s, &a.put, NULL, NULL),
	                 SP_ERR_INVALID_ARGUMENT);
	a.put.len = a.len;
	/* the right digest is accepted */
	sp_sha256_hex(a.put.bytes, a.put.len, bad_digest);
	a.put.digest = bad_digest;
	assert_int_equal(sp_store_put(f->s, &a.put, NULL, NULL),
	                 SP_STORE_INSERTED);
	assert_int_equal(db_count(f, "SELECT count(*) FROM records"), 1);
}

/* ---------------------------------------------------------------- group commit
 */

typedef struct waiter {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int done;
	int inserted;
	int other;
	const fx *f;
	int visible_in_callback; /* for the commit-before-callback check */
	const char *check_id;
} waiter;

static void count_cb(void *ud, const sp_store_put_result *res)
{
	waiter *w = ud;

	pthread_mutex_lock(&w->mu);
	if (res->outcome == SP_STORE_INSERTED && res->rowid > 0)
		w->inserted++;
	else
		w->other++;
	w->done++;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

typedef struct producer {
	sp_store *s;
	waiter *w;
	char origin[16];
	int n;
	int queued;
	pthread_barrier_t *go;
} producer;

static void *produce(void *arg)
{
	producer *p = arg;
	rec *rs = calloc((size_t)p->n, sizeof(*rs));
	int i;

	pthread_barrier_wait(p->go);
	for (i = 0; rs && i < p->n; i++) {
		rec_make(&rs[i], p->origin, (uint64_t)i, "async");
		/* the request is copied: reuse of caller memory is safe */
		if (sp_store_put_async(p->s, &rs[i].put, count_cb, p->w) ==
		    SP_OK)
			p->queued++;
		memset(rs[i].bytes, 'x', sizeof(rs[i].bytes));
	}
	free(rs);
	return NULL;
}

static void test_group_commit_threads(void **state)
{
	fx *f = *state;
	waiter w;
	producer p[4];
	pthread_t t[4];
	pthread_barrier_t go;
	sp_store_stats st;
	int i;

	memset(&w, 0, sizeof(w));
	pthread_mutex_init(&w.mu, NULL);
	pthread_cond_init(&w.cv, NULL);
	pthread_barrier_init(&go, NULL, 4);
	for (i = 0; i < 4; i++) {
		memset(&p[i], 0, sizeof(p[i]));
		p[i].s = f->s;
		p[i].w = &w;
		p[i].n = 500;
		p[i].go = &go;
		snprintf(p[i].origin, sizeof(p[i].origin), "CN-T%d", i);
		assert_int_equal(pthread_create(&t[i], NULL, produce, &p[i]),
		                 0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(p[i].queued, 500);
	}
	pthread_mutex_lock(&w.mu);
	while (w.done < 2000)
		pthread_cond_wait(&w.cv, &w.mu);
	pthread_mutex_unlock(&w.mu);
	assert_int_equal(w.inserted, 2000);
	assert_int_equal(w.other, 0);

	assert_int_equal(sp_store_stats_get(f->r, &st), SP_OK);
	assert_int_equal(st.records, 2000);
	assert_int_equal(st.puts, 2000);
	assert_true(st.commits >= 1);
	assert_true(st.commits < st.puts);
	printf("# group commit: %llu puts in %llu transactions\n",
	       (unsigned long long)st.puts, (unsigned long long)st.commits);
	assert_int_equal(st.n_origins, 4);
	for (i = 0; i < 4; i++) {
		assert_int_equal(st.origins[i].records, 500);
		assert_int_equal(st.origins[i].tree_size, 500);
		assert_int_equal(st.origins[i].max_sequence, 499);
	}
	sp_store_stats_clear(&st);
	assert_int_equal(db_count(f, "SELECT count(*) FROM records"), 2000);
	pthread_barrier_destroy(&go);
	pthread_mutex_destroy(&w.mu);
	pthread_cond_destroy(&w.cv);
}

/* In the callback, a separate connection must already see the record. */
static void visible_cb(void *ud, const sp_store_put_result *res)
{
	waiter *w = ud;
	char sql[128];
	int64_t n = -1;

	/* the id is the test's own: [0-9a-f-] only */
	snprintf(sql, sizeof(sql),
	         "SELECT count(*) FROM records WHERE record_id = '%s'",
	         w->check_id);
	if (db_value(w->f, sql, &n) != 0)
		n = -1;
	pthread_mutex_lock(&w->mu);
	w->visible_in_callback = (int)n;
	if (res->outcome == SP_STORE_INSERTED)
		w->inserted++;
	w->done++;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

static void test_callback_after_commit(void **state)
{
	fx *f = *state;
	waiter w;
	rec a;
	uint64_t next = 99;
	int i;

	memset(&w, 0, sizeof(w));
	pthread_mutex_init(&w.mu, NULL);
	pthread_cond_init(&w.cv, NULL);
	w.f = f;
	rec_make(&a, "CN-ZZ", 0, NULL);
	w.check_id = a.id;
	assert_int_equal(sp_store_put_async(f->s, &a.put, visible_cb, &w),
	                 SP_OK);
	pthread_mutex_lock(&w.mu);
	while (w.done < 1)
		pthread_cond_wait(&w.cv, &w.mu);
	pthread_mutex_unlock(&w.mu);
	assert_int_equal(w.inserted, 1);
	assert_int_equal(w.visible_in_callback, 1);

	/* next_sequence sees queued puts before they commit */
	for (i = 1; i < 10; i++) {
		rec r;

		rec_make(&r, "CN-ZZ", (uint64_t)i, NULL);
		w.check_id = NULL;
		assert_int_equal(sp_store_put_async(f->s, &r.put, count_cb, &w),
		                 SP_OK);
		assert_int_equal(sp_store_next_sequence(f->s, "CN-ZZ", &next),
		                 SP_OK);
		assert_int_equal(next, (uint64_t)i + 1);
	}
	pthread_mutex_lock(&w.mu);
	while (w.done < 10)
		pthread_cond_wait(&w.cv, &w.mu);
	pthread_mutex_unlock(&w.mu);
	assert_int_equal(sp_store_next_sequence(f->s, "CN-ZZ", &next), SP_OK);
	assert_int_equal(next, 10);
	assert_int_equal(sp_store_next_sequence(f->s, "CN-NEW", &next), SP_OK);
	assert_int_equal(next, 0);
	/* a callback is required */
	assert_int_equal(sp_store_put_async(f->s, &a.put, NULL, NULL),
	                 SP_ERR_INVALID_ARGUMENT);
	pthread_mutex_destroy(&w.mu);
	pthread_cond_destroy(&w.cv);
}

/* ---------------------------------------------------------------- record ids
 */

/* MEDIUM 2 (REC-25, REC-26): a member that signs its own record with
 * another Origin's RecordId and delivers it first neither blocks, nor
 * shadows, nor replaces the genuine record. */
static void test_record_id_per_origin(void **state)
{
	fx *f = *state;
	rec squat, genuine, again;
	sp_store_record *got = NULL;
	sp_store_list *l = NULL;
	const sp_store_view zz = {"CN-ZZ", NULL}, sq = {"CN-SQ", NULL};

	rec_make(&genuine, "CN-ZZ", 6, "genuine");
	rec_make(&squat, "CN-SQ", 0, "squat");
	memcpy(squat.id, genuine.id, sizeof(squat.id));
	squat.put.broadcast = 1;
	assert_int_equal(sp_store_put(f->s, &squat.put, NULL, NULL),
	                 SP_STORE_INSERTED);
	assert_int_equal(sp_store_put(f->s, &genuine.put, NULL, NULL),
	                 SP_STORE_INSERTED);
	assert_int_equal(db_count(f, "SELECT count(*) FROM equivocations"), 0);

	/* each Origin's record by (Origin, RecordId) */
	assert_int_equal(sp_store_get(f->r, "CN-ZZ", genuine.id, &got), SP_OK);
	assert_memory_equal(got->bytes, genuine.bytes, genuine.len);
	sp_store_record_free(got);
	assert_int_equal(sp_store_get(f->r, "CN-SQ", genuine.id, &got), SP_OK);
	assert_memory_equal(got->bytes, squat.bytes, squat.len);
	sp_store_record_free(got);

	/* by RecordId alone: both, in Origin order */
	assert_int_equal(sp_store_find_id(f->r, genuine.id, NULL, NULL, 16, &l),
	                 SP_OK);
	assert_int_equal(l->n, 2);
	assert_string_equal(l->items[0]->origin, "CN-SQ");
	assert_string_equal(l->items[1]->origin, "CN-ZZ");
	sp_store_list_free(l);
	assert_int_equal(
	    sp_store_find_id(f->r, genuine.id, "CN-ZZ", NULL, 16, &l), SP_OK);
	assert_int_equal(l->n, 1);
	assert_memory_equal(l->items[0]->bytes, genuine.bytes, genuine.len);
	sp_store_list_free(l);
	/* only what the viewer may read: the squatter does not see CN-ZZ's */
	assert_int_equal(sp_store_find_id(f->r, genuine.id, NULL, &sq, 16, &l),
	                 SP_OK);
	assert_int_equal(l->n, 1);
	assert_string_equal(l->items[0]->origin, "CN-SQ");
	sp_store_list_free(l);
	assert_int_equal(sp_store_find_id(f->r, genuine.id, NULL, &zz, 16, &l),
	                 SP_OK);
	assert_int_equal(l->n, 1);
	assert_string_equal(l->items[0]->origin, "CN-ZZ");
	sp_store_list_free(l);

	/* the same Origin reusing its id at another Sequence: refused */
	rec_make(&again, "CN-ZZ", 7, "again");
	memcpy(again.id, genuine.id, sizeof(again.id));
	assert_int_equal(sp_store_put(f->s, &again.put, NULL, NULL),
	                 SP_STORE_ID_REUSED);
	assert_int_equal(sp_store_get_at(f->r, "CN-ZZ", 7, &got),
	                 SP_ERR_NOT_FOUND);
	assert_int_equal(db_count(f, "SELECT count(*) FROM equivocations"), 0);
}

/* A version 3 database (RecordId unique across Origins) migrates with its
 * records, recipients, subjects and outbox rows intact. */
static void test_migration_record_id_scope(void **state)
{
	fx *f = *state;
	static const char *const to[] = {"KZ-KGS"};
	static const sp_subject subj[] = {{"Waybill", NULL, "WB-1"}};
	rec a, b;
	sqlite3 *db = NULL;
	sp_store_record *got = NULL;

	FX_SQLITE_ONLY(f); /* PostgreSQL's first schema is version 7 */
	rec_make(&a, "CN-ZZ", 0, "old");
	a.put.recipients = to;
	a.put.n_recipients = 1;
	a.put.subjects = subj;
	a.put.n_subjects = 1;
	a.put.deliver_to = to;
	a.put.n_deliver_to = 1;
	assert_int_equal(sp_store_put(f->s, &a.put, NULL, NULL),
	                 SP_STORE_INSERTED);
	sp_store_reader_close(f->r);
	sp_store_close(f->s);
	f->r = NULL;
	f->s = NULL;
	/* back to the version 3 table */
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(
	    sqlite3_exec(
	        db,
	        "BEGIN;"
	        "CREATE TABLE r3 (id INTEGER PRIMARY KEY,"
	        " record_id TEXT NOT NULL UNIQUE, origin TEXT NOT NULL,"
	        " sequence INTEGER NOT NULL, type TEXT NOT NULL,"
	        " issued INTEGER NOT NULL, received INTEGER NOT NULL,"
	        " digest TEXT NOT NULL, bytes BLOB NOT NULL,"
	        " broadcast INTEGER NOT NULL, receipt BLOB, source TEXT,"
	        " UNIQUE (origin, sequence));"
	        "INSERT INTO r3 SELECT id, record_id, origin, sequence,"
	        " type, issued, received, digest, bytes, broadcast,"
	        " receipt, source FROM records;"
	        "DROP TABLE records;"
	        "ALTER TABLE r3 RENAME TO records;"
	        "CREATE INDEX records_type ON records(type);"
	        "CREATE INDEX records_issued ON records(issued);"
	        "CREATE INDEX records_digest ON records(digest);"
	        "DROP TABLE revocations;" /* of version 5 */
	        "DROP TABLE node_state;"  /* of version 7 */
	        "DROP TABLE evidence;"    /* of version 10 */
	        "PRAGMA user_version = 3;"
	        "COMMIT;",
	        NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(db_count(f, "PRAGMA user_version"), 3);

	reopen(f);
	assert_int_equal(db_count(f, "PRAGMA user_version"),
	                 SP_STORE_SCHEMA_VERSION);
	assert_int_equal(db_count(f, "PRAGMA foreign_key_check"), -1);
	assert_int_equal(sp_store_get(f->r, "CN-ZZ", a.id, &got), SP_OK);
	assert_memory_equal(got->bytes, a.bytes, a.len);
	assert_int_equal(got->n_recipients, 1);
	assert_string_equal(got->recipients[0], "KZ-KGS");
	sp_store_record_free(got);
	assert_int_equal(db_count(f, "SELECT count(*) FROM outbox o JOIN"
	                             " records r ON r.id = o.rec"),
	                 1);
	assert_int_equal(db_count(f, "SELECT count(*) FROM subjects s JOIN"
	                             " records r ON r.id = s.rec"),
	                 1);
	/* now another Origin may carry the same id */
	rec_make(&b, "CN-SQ", 0, "other");
	memcpy(b.id, a.id, sizeof(b.id));
	assert_int_equal(sp_store_put(f->s, &b.put, NULL, NULL),
	                 SP_STORE_INSERTED);
}

/* Version 7 to 8 ([FED-55]): rows stored before the log state existed are
 * confirmed when they are the node's own (no source) and pending when
 * they came from a peer, which then proves them again. */
static void test_migration_log_state(void **state)
{
	fx *f = *state;
	rec own, got_rec;
	sqlite3 *db = NULL;
	sp_store_record *got = NULL;

	FX_SQLITE_ONLY(f); /* a fresh PostgreSQL schema runs step 8 itself */
	rec_make(&own, "CN-ZZ", 0, NULL);
	assert_int_equal(sp_store_put(f->s, &own.put, NULL, NULL),
	                 SP_STORE_INSERTED);
	rec_make(&got_rec, "CN-XA", 4, NULL);
	got_rec.put.source = "CN-XA";
	got_rec.put.log_state = SP_LOG_CONFIRMED; /* overwritten below */
	assert_int_equal(sp_store_put(f->s, &got_rec.put, NULL, NULL),
	                 SP_STORE_INSERTED);
	sp_store_reader_close(f->r);
	sp_store_close(f->s);
	f->r = NULL;
	f->s = NULL;
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(
	    sqlite3_exec(db,
	                 "BEGIN;"
	                 "DROP INDEX records_pending;"
	                 "ALTER TABLE records DROP COLUMN signer_until;"
	                 "ALTER TABLE records DROP COLUMN log_refused;"
	                 "ALTER TABLE records DROP COLUMN exists_by;"
	                 "ALTER TABLE records DROP COLUMN log_state;"
	                 "DROP TABLE evidence;"
	                 "PRAGMA user_version = 7;"
	                 "COMMIT;",
	                 NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);

	reopen(f);
	assert_int_equal(db_count(f, "PRAGMA user_version"),
	                 SP_STORE_SCHEMA_VERSION);
	assert_int_equal(sp_store_get_at(f->r, "CN-ZZ", 0, &got), SP_OK);
	assert_int_equal(got->log_state, SP_LOG_CONFIRMED);
	sp_store_record_free(got);
	assert_int_equal(sp_store_get_at(f->r, "CN-XA", 4, &got), SP_OK);
	assert_int_equal(got->log_state, SP_LOG_PENDING);
	sp_store_record_free(got);
}

/* Schema 9 ([LOG-48]): a store of schema 8 gains the existence bound and
 * the refusal, empty for the rows it holds. */
static void test_migration_exists_by(void **state)
{
	fx *f = *state;
	rec got_rec;
	sqlite3 *db = NULL;
	sp_store_record *got = NULL;

	FX_SQLITE_ONLY(f); /* a fresh PostgreSQL schema runs step 9 itself */
	rec_make(&got_rec, "CN-XA", 4, NULL);
	got_rec.put.source = "CN-XA";
	got_rec.put.log_state = SP_LOG_PENDING;
	assert_int_equal(sp_store_put(f->s, &got_rec.put, NULL, NULL),
	                 SP_STORE_INSERTED);
	sp_store_reader_close(f->r);
	sp_store_close(f->s);
	f->r = NULL;
	f->s = NULL;
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(
	    sqlite3_exec(db,
	                 "BEGIN;"
	                 "ALTER TABLE records DROP COLUMN signer_until;"
	                 "ALTER TABLE records DROP COLUMN log_refused;"
	                 "ALTER TABLE records DROP COLUMN exists_by;"
	                 "DROP TABLE evidence;"
	                 "PRAGMA user_version = 8;"
	                 "COMMIT;",
	                 NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);

	reopen(f);
	assert_int_equal(db_count(f, "PRAGMA user_version"),
	                 SP_STORE_SCHEMA_VERSION);
	assert_int_equal(sp_store_get_at(f->r, "CN-XA", 4, &got), SP_OK);
	assert_int_equal(got->log_state, SP_LOG_PENDING);
	assert_int_equal(got->exists_by, 0);
	assert_string_equal(got->log_refused, "");
	sp_store_record_free(got);
}

/* Schema 10 ([TL-16], [LOG-51]): a store of schema 9 gains the evidence
 * table, on either backend, and keeps what it held. */
static void test_migration_evidence(void **state)
{
	fx *f = *state;
	rec r;
	sp_store_record *got = NULL;

	rec_make(&r, "CN-XA", 0, NULL);
	assert_int_equal(sp_store_put(f->s, &r.put, NULL, NULL),
	                 SP_STORE_INSERTED);
	sp_store_reader_close(f->r);
	sp_store_close(f->s);
	f->r = NULL;
	f->s = NULL;
	if (f->pg) {
		db_exec_pg(f, "DROP TABLE evidence;"
		              "UPDATE silkport_schema SET version = 9");
	} else {
		sqlite3 *db = NULL;

		assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
		assert_int_equal(
		    sqlite3_exec(db,
		                 "BEGIN; DROP TABLE evidence;"
		                 "PRAGMA user_version = 9; COMMIT;",
		                 NULL, NULL, NULL),
		    SQLITE_OK);
		sqlite3_close(db);
	}
	reopen(f);
	assert_int_equal(db_count(f, f->pg ? "SELECT version FROM"
	                                     " silkport_schema"
	                                   : "PRAGMA user_version"),
	                 10);
	assert_int_equal(db_count(f, "SELECT count(*) FROM evidence"), 0);
	assert_int_equal(sp_store_evidence_put(f->s, "index-note", "CN-XA",
	                                       (const uint8_t *)"note", 4,
	                                       "CN-XA"),
	                 SP_OK);
	assert_int_equal(db_count(f, "SELECT count(*) FROM evidence"), 1);
	assert_int_equal(sp_store_get_at(f->r, "CN-XA", 0, &got), SP_OK);
	sp_store_record_free(got);
}

/* ---------------------------------------------------------------- visibility
 */

/* CN-ZZ 0 -> B; 1 broadcast; 2 -> C; 3 -> B, C; 4 -> D (subject shared) */
static void put_visibility_set(fx *f)
{
	static const char *const to_b[] = {"B"};
	static const char *const to_c[] = {"C"};
	static const char *const to_bc[] = {"B", "C"};
	static const char *const to_d[] = {"D"};
	static const sp_subject subj_x[] = {
	    {"Enterprise", "USCC", "91410100X"},
	    {"Declaration", NULL, "DEC-1"},
	};
	static const sp_subject subj_y[] = {{"Waybill", NULL, "WB-9"}};
	rec r[5];
	int i;

	for (i = 0; i < 5; i++)
		rec_make(&r[i], "CN-ZZ", (uint64_t)i, "vis");
	r[0].put.recipients = to_b;
	r[0].put.n_recipients = 1;
	r[0].put.subjects = subj_x;
	r[0].put.n_subjects = 2;
	r[1].put.broadcast = 1;
	r[1].put.subjects = subj_x;
	r[1].put.n_subjects = 1;
	r[1].put.type = "release";
	r[2].put.recipients = to_c;
	r[2].put.n_recipients = 1;
	r[2].put.subjects = subj_x;
	r[2].put.n_subjects = 2;
	r[3].put.recipients = to_bc;
	r[3].put.n_recipients = 2;
	r[3].put.subjects = subj_y;
	r[3].put.n_subjects = 1;
	r[4].put.recipients = to_d;
	r[4].put.n_recipients = 1;
	r[4].put.subjects = subj_x;
	r[4].put.n_subjects = 1;
	for (i = 0; i < 5; i++)
		assert_int_equal(sp_store_put(f->s, &r[i].put, NULL, NULL),
		                 SP_STORE_INSERTED);
}

static void expect_seqs(const sp_store_list *l, const uint64_t *want, size_t n)
{
	size_t i;

	assert_int_equal(l->n, n);
	for (i = 0; i < n; i++)
		assert_int_equal(l->items[i]->sequence, want[i]);
}

static void test_visibility_entries(void **state)
{
	fx *f = *state;
	sp_store_list *l = NULL;
	sp_store_record *got = NULL;
	static const uint64_t b[] = {0, 1, 3}, c[] = {1, 2, 3}, d[] = {1, 4},
	                      all[] = {0, 1, 2, 3, 4}, x[] = {1},
	                      from2[] = {2, 3, 4}, d_foreign[] = {4};
	/* B, C, D and X share a federation with CN-ZZ; K does not */
	static const char fed[] = " B C CN-ZZ D X ";
	const sp_store_view vb = {"B", fed}, vc = {"C", fed}, vd = {"D", fed},
	                    vx = {"X", fed}, vo = {"CN-ZZ", fed},
	                    vk = {"K", " GW K "}, dk = {"D", " GW D K "},
	                    near = {"K", " CN-Z CN-ZZZ XCN-ZZ CN-ZZ-"},
	                    none = {"X", NULL};

	put_visibility_set(f);
	assert_int_equal(sp_store_entries(f->r, "CN-ZZ", 0, 100, 0, &vb, &l),
	                 SP_OK);
	expect_seqs(l, b, 3);
	assert_int_equal(l->next_start, 4);
	assert_string_equal(l->next_cursor, "");
	sp_store_list_free(l);
	assert_int_equal(sp_store_entries(f->r, "CN-ZZ", 0, 100, 0, &vc, &l),
	                 SP_OK);
	expect_seqs(l, c, 3);
	sp_store_list_free(l);
	assert_int_equal(sp_store_entries(f->r, "CN-ZZ", 0, 100, 0, &vd, &l),
	                 SP_OK);
	expect_seqs(l, d, 2);
	sp_store_list_free(l);
	assert_int_equal(sp_store_entries(f->r, "CN-ZZ", 0, 100, 0, &vx, &l),
	                 SP_OK);
	expect_seqs(l, x, 1);
	sp_store_list_free(l);
	/* CN-ZZ's broadcast is for its federations' members only (REC-28):
	 * not for K, nor for D as a member of another federation only */
	assert_int_equal(sp_store_entries(f->r, "CN-ZZ", 0, 100, 0, &vk, &l),
	                 SP_OK);
	assert_int_equal(l->n, 0);
	sp_store_list_free(l);
	assert_int_equal(sp_store_entries(f->r, "CN-ZZ", 0, 100, 0, &dk, &l),
	                 SP_OK);
	expect_seqs(l, d_foreign, 1);
	sp_store_list_free(l);
	/* ids match whole, never as a part of another */
	assert_int_equal(sp_store_entries(f->r, "CN-ZZ", 0, 100, 0, &near, &l),
	                 SP_OK);
	assert_int_equal(l->n, 0);
	sp_store_list_free(l);
	assert_int_equal(sp_store_entries(f->r, "CN-ZZ", 0, 100, 0, &none, &l),
	                 SP_OK);
	assert_int_equal(l->n, 0);
	sp_store_list_free(l);
	/* the origin and a wide-access reader see everything */
	assert_int_equal(sp_store_entries(f->r, "CN-ZZ", 0, 100, 0, &vo, &l),
	                 SP_OK);
	expect_seqs(l, all, 5);
	sp_store_list_free(l);
	assert_int_equal(sp_store_entries(f->r, "CN-ZZ", 0, 100, 0, NULL, &l),
	                 SP_OK);
	expect_seqs(l, all, 5);
	sp_store_list_free(l);
	/* start and count */
	assert_int_equal(sp_store_entries(f->r, "CN-ZZ", 2, 100, 0, NULL, &l),
	                 SP_OK);
	expect_seqs(l, from2, 3);
	sp_store_list_free(l);
	assert_int_equal(sp_store_entries(f->r, "CN-ZZ", 0, 2, 0, &vc, &l),
	                 SP_OK);
	expect_seqs(l, c, 2);
	assert_int_equal(l->next_start, 3);
	assert_string_not_equal(l->next_cursor, "");
	sp_store_list_free(l);
	/* the byte cap keeps at least one entry */
	assert_int_equal(sp_store_entries(f->r, "CN-ZZ", 0, 100, 1, NULL, &l),
	                 SP_OK);
	expect_seqs(l, all, 1);
	sp_store_list_free(l);
	/* an unknown origin is an empty list */
	assert_int_equal(sp_store_entries(f->r, "CN-NONE", 0, 10, 0, NULL, &l),
	                 SP_OK);
	assert_int_equal(l->n, 0);
	sp_store_list_free(l);

	/* single-record visibility */
	assert_int_equal(sp_store_get_at(f->r, "CN-ZZ", 3, &got), SP_OK);
	assert_int_equal(got->n_recipients, 2);
	assert_true(sp_store_record_visible_to(got, &vb));
	assert_true(sp_store_record_visible_to(got, &vc));
	assert_true(sp_store_record_visible_to(got, &vo));
	assert_true(sp_store_record_visible_to(got, NULL));
	assert_false(sp_store_record_visible_to(got, &vd));
	sp_store_record_free(got);
	assert_int_equal(sp_store_get_at(f->r, "CN-ZZ", 1, &got), SP_OK);
	assert_true(got->broadcast);
	assert_true(sp_store_record_visible_to(got, &vx));
	assert_false(sp_store_record_visible_to(got, &vk));
	assert_false(sp_store_record_visible_to(got, &dk));
	assert_false(sp_store_record_visible_to(got, &near));
	assert_false(sp_store_record_visible_to(got, &none));
	sp_store_record_free(got);
}

static void test_search_filters(void **state)
{
	fx *f = *state;
	sp_store_query q;
	sp_store_list *l = NULL;
	static const uint64_t x_b[] = {0, 1}, x_all[] = {0, 1, 2, 4},
	                      x_dec[] = {0, 2}, wb[] = {3}, rel[] = {1},
	                      issued[] = {2, 3};
	static const char fed[] = " B C CN-ZZ D ";
	const sp_store_view vb = {"B", fed}, vc = {"C", fed}, vd = {"D", fed},
	                    vk = {"K", " GW K "};

	put_visibility_set(f);
	memset(&q, 0, sizeof(q));
	q.subject_kind = "Enterprise";
	q.subject_scheme = "USCC";
	q.subject_value = "91410100X";
	assert_int_equal(sp_store_search(f->r, &q, &l), SP_OK);
	expect_seqs(l, x_all, 4);
	sp_store_list_free(l);
	q.view = &vb;
	assert_int_equal(sp_store_search(f->r, &q, &l), SP_OK);
	expect_seqs(l, x_b, 2);
	sp_store_list_free(l);
	/* the broadcast is not found by a member of another federation */
	q.view = &vk;
	assert_int_equal(sp_store_search(f->r, &q, &l), SP_OK);
	assert_int_equal(l->n, 0);
	sp_store_list_free(l);
	/* scheme NULL matches any scheme; a wrong scheme matches nothing */
	q.view = NULL;
	q.subject_scheme = NULL;
	assert_int_equal(sp_store_search(f->r, &q, &l), SP_OK);
	expect_seqs(l, x_all, 4);
	sp_store_list_free(l);
	q.subject_scheme = "EORI";
	assert_int_equal(sp_store_search(f->r, &q, &l), SP_OK);
	assert_int_equal(l->n, 0);
	sp_store_list_free(l);

	memset(&q, 0, sizeof(q));
	q.subject_kind = "Declaration";
	q.subject_scheme = "";
	q.subject_value = "DEC-1";
	assert_int_equal(sp_store_search(f->r, &q, &l), SP_OK);
	expect_seqs(l, x_dec, 2);
	sp_store_list_free(l);
	q.view = &vd;
	assert_int_equal(sp_store_search(f->r, &q, &l), SP_OK);
	assert_int_equal(l->n, 0);
	sp_store_list_free(l);

	memset(&q, 0, sizeof(q));
	q.subject_kind = "Waybill";
	q.subject_value = "WB-9";
	q.view = &vc;
	assert_int_equal(sp_store_search(f->r, &q, &l), SP_OK);
	expect_seqs(l, wb, 1);
	sp_store_list_free(l);

	memset(&q, 0, sizeof(q));
	q.type = "release";
	assert_int_equal(sp_store_search(f->r, &q, &l), SP_OK);
	expect_seqs(l, rel, 1);
	sp_store_list_free(l);

	memset(&q, 0, sizeof(q));
	q.origin = "CN-ZZ";
	q.issued_from = 1790000002;
	q.issued_to = 1790000003;
	assert_int_equal(sp_store_search(f->r, &q, &l), SP_OK);
	expect_seqs(l, issued, 2);
	sp_store_list_free(l);
	q.origin = "CN-OTHER";
	assert_int_equal(sp_store_search(f->r, &q, &l), SP_OK);
	assert_int_equal(l->n, 0);
	sp_store_list_free(l);

	/* half a subject is refused */
	memset(&q, 0, sizeof(q));
	q.subject_kind = "Waybill";
	assert_int_equal(sp_store_search(f->r, &q, &l),
	                 SP_ERR_INVALID_ARGUMENT);
	assert_null(l);
}

/* API-47: a cursor is 1..512 characters of [A-Za-z0-9_-] */
static int cursor_in_pattern(const char *c)
{
	size_t n;

	for (n = 0; c[n]; n++)
		if (!((c[n] >= 'A' && c[n] <= 'Z') ||
		      (c[n] >= 'a' && c[n] <= 'z') ||
		      (c[n] >= '0' && c[n] <= '9') || c[n] == '_' ||
		      c[n] == '-'))
			return 0;
	return n <= 512;
}

static void test_cursor_pagination(void **state)
{
	fx *f = *state;
	static const sp_subject subj[] = {{"Order", NULL, "ORD-7"}};
	static const char *const to_b[] = {"B"};
	sp_store_query q;
	sp_store_list *l = NULL;
	char cursor[SP_STORE_CURSOR_MAX] = "";
	uint64_t seen[40];
	size_t n_seen = 0, pages = 0, i;
	const sp_store_view vb = {"B", " B CN-ZZ "};

	for (i = 0; i < 25; i++) {
		rec r;

		rec_make(&r, "CN-ZZ", i, "page");
		r.put.subjects = subj;
		r.put.n_subjects = 1;
		/* every third record is not addressed to B */
		if (i % 3 != 0) {
			r.put.recipients = to_b;
			r.put.n_recipients = 1;
		}
		assert_int_equal(sp_store_put(f->s, &r.put, NULL, NULL),
		                 SP_STORE_INSERTED);
	}
	memset(&q, 0, sizeof(q));
	q.subject_kind = "Order";
	q.subject_value = "ORD-7";
	q.limit = 10;
	do {
		q.cursor = cursor;
		assert_int_equal(sp_store_search(f->r, &q, &l), SP_OK);
		for (i = 0; i < l->n; i++)
			seen[n_seen++] = l->items[i]->sequence;
		snprintf(cursor, sizeof(cursor), "%s", l->next_cursor);
		assert_true(cursor_in_pattern(cursor));
		pages++;
		if (pages < 3)
			assert_int_equal(l->n, 10);
		sp_store_list_free(l);
		l = NULL;
	} while (cursor[0] && pages < 10);
	assert_int_equal(pages, 3);
	assert_int_equal(n_seen, 25);
	for (i = 0; i < 25; i++)
		assert_int_equal(seen[i], i);

	/* with a viewer: 16 of 25, pages of 10 and 6 */
	cursor[0] = '\0';
	n_seen = 0;
	pages = 0;
	q.view = &vb;
	do {
		q.cursor = cursor;
		assert_int_equal(sp_store_search(f->r, &q, &l), SP_OK);
		for (i = 0; i < l->n; i++) {
			assert_int_not_equal(l->items[i]->sequence % 3, 0);
			seen[n_seen++] = l->items[i]->sequence;
		}
		snprintf(cursor, sizeof(cursor), "%s", l->next_cursor);
		pages++;
		sp_store_list_free(l);
		l = NULL;
	} while (cursor[0] && pages < 10);
	assert_int_equal(n_seen, 16);
	assert_int_equal(pages, 2);

	q.cursor = "garbage";
	assert_int_equal(sp_store_search(f->r, &q, &l),
	                 SP_ERR_INVALID_ARGUMENT);
	/* the old dotted form is outside the API-47 pattern: refused */
	q.cursor = "v1.12";
	assert_int_equal(sp_store_search(f->r, &q, &l),
	                 SP_ERR_INVALID_ARGUMENT);
	q.cursor = "v1--5";
	assert_int_equal(sp_store_search(f->r, &q, &l),
	                 SP_ERR_INVALID_ARGUMENT);
	q.cursor = "v1-12x";
	assert_int_equal(sp_store_search(f->r, &q, &l),
	                 SP_ERR_INVALID_ARGUMENT);
	assert_null(l);
}

/* The held record's signed digest is compared from its row: two puts at
 * one position whose bytes differ (and do not parse: the store must not
 * need to) but that carry the same signed digest are one record, a
 * different digest is equivocation. */
static void test_signed_digest_from_the_row(void **state)
{
	fx *f = *state;
	uint8_t d1[32], d2[32];
	rec a, b, c;

	memset(d1, 0x11, sizeof(d1));
	memset(d2, 0x22, sizeof(d2));
	rec_make(&a, "CN-ZZ", 0, "first signature");
	rec_make(&b, "CN-ZZ", 0, "second signature");
	rec_make(&c, "CN-ZZ", 0, "other content");
	snprintf(b.id, sizeof(b.id), "%s", a.id);
	snprintf(c.id, sizeof(c.id), "%s", a.id);
	a.put.signed_digest = d1;
	b.put.signed_digest = d1;
	c.put.signed_digest = d2;
	assert_int_equal(sp_store_put(f->s, &a.put, NULL, NULL),
	                 SP_STORE_INSERTED);
	assert_int_equal(sp_store_put(f->s, &b.put, NULL, NULL),
	                 SP_STORE_DUPLICATE);
	assert_int_equal(db_count(f, "SELECT count(*) FROM equivocations"), 0);
	assert_int_equal(sp_store_put(f->s, &c.put, NULL, NULL),
	                 SP_STORE_EQUIVOCATION);
	assert_int_equal(db_count(f, "SELECT count(*) FROM equivocations"), 1);
	assert_int_equal(db_count(f, "SELECT count(*) FROM records"), 1);
}

/* ---------------------------------------------------------------- reopen */

static void test_reopen_keeps_everything(void **state)
{
	fx *f = *state;
	uint8_t root_before[32], root_after[32], cproot[32];
	const uint8_t tl[] = "<TrustList/>";
	sp_store_record *got = NULL;
	sp_store_checkpoint *cp = NULL;
	sp_store_stats st;
	uint8_t *b = NULL;
	size_t blen = 0;
	uint64_t seq = 0, size = 0;
	rec r[7], eq;
	int i;

	for (i = 0; i < 7; i++) {
		rec_make(&r[i], "CN-ZZ", (uint64_t)i, "keep");
		assert_int_equal(sp_store_put(f->s, &r[i].put, NULL, NULL),
		                 SP_STORE_INSERTED);
	}
	rec_make(&eq, "CN-ZZ", 3, "fork");
	assert_int_equal(sp_store_put(f->s, &eq.put, NULL, NULL),
	                 SP_STORE_EQUIVOCATION);
	assert_int_equal(sp_store_tree_root(f->r, "CN-ZZ", 7, root_before),
	                 SP_OK);
	memset(cproot, 7, 32);
	assert_int_equal(
	    sp_store_checkpoint_put(f->s, "CN-ZZ", 7, cproot, "cp\n", NULL),
	    SP_STORE_INSERTED);
	assert_int_equal(
	    sp_store_trust_list_put(f->s, "FED", 4, tl, sizeof(tl) - 1), SP_OK);

	reopen(f);

	assert_int_equal(sp_store_tree_size(f->r, "CN-ZZ", &size), SP_OK);
	assert_int_equal(size, 7);
	assert_int_equal(sp_store_tree_root(f->r, "CN-ZZ", 7, root_after),
	                 SP_OK);
	assert_memory_equal(root_before, root_after, 32);
	for (i = 0; i < 7; i++) {
		assert_int_equal(sp_store_get(f->r, "CN-ZZ", r[i].id, &got),
		                 SP_OK);
		assert_int_equal(got->len, r[i].len);
		assert_memory_equal(got->bytes, r[i].bytes, r[i].len);
		sp_store_record_free(got);
	}
	assert_int_equal(sp_store_checkpoint_latest(f->r, "CN-ZZ", &cp), SP_OK);
	assert_int_equal(cp->size, 7);
	sp_store_checkpoint_free(cp);
	assert_int_equal(sp_store_trust_list_get(f->r, "FED", &seq, &b, &blen),
	                 SP_OK);
	assert_int_equal(seq, 4);
	free(b);
	assert_int_equal(sp_store_stats_get(f->r, &st), SP_OK);
	assert_int_equal(st.records, 7);
	assert_int_equal(st.equivocations, 1);
	assert_int_equal(st.checkpoints, 1);
	sp_store_stats_clear(&st);
	assert_int_equal(sp_store_next_sequence(f->s, "CN-ZZ", &seq), SP_OK);
	assert_int_equal(seq, 7);
	/* the duplicate check survives the reopen too */
	assert_int_equal(sp_store_put(f->s, &r[2].put, NULL, NULL),
	                 SP_STORE_DUPLICATE);
}

/* The root of a stored log extended by leaves not stored is the root the
 * log has once they are stored, for every split of stored and new. */
static void test_tree_root_extended(void **state)
{
	fx *f = *state;
	enum { N = 13 };
	rec r[N];
	uint8_t leaves[N][32], want[N + 1][32], got[32];
	uint64_t stored, k;

	for (k = 0; k < N; k++) {
		rec_make(&r[k], "CN-ZZ", k, NULL);
		sp_merkle_leaf_hash(r[k].put.bytes, r[k].put.len, leaves[k]);
	}
	for (k = 0; k <= N; k++)
		assert_int_equal(
		    sp_merkle_root((const uint8_t(*)[32])leaves, k, want[k]),
		    SP_OK);
	/* an origin the store does not know has the empty tree */
	assert_int_equal(
	    sp_store_tree_root_extended(f->r, "CN-ZZ",
	                                (const uint8_t(*)[32])leaves, 5, got),
	    SP_OK);
	assert_memory_equal(got, want[5], 32);
	for (stored = 0; stored < N; stored++) {
		assert_int_equal(sp_store_put(f->s, &r[stored].put, NULL, NULL),
		                 SP_STORE_INSERTED);
		for (k = stored + 1; k <= N; k++) {
			assert_int_equal(
			    sp_store_tree_root_extended(
			        f->r, "CN-ZZ",
			        (const uint8_t(*)[32])leaves + stored + 1,
			        k - stored - 1, got),
			    SP_OK);
			assert_memory_equal(got, want[k], 32);
		}
	}
	/* another leaf at the end is another root */
	leaves[0][0] ^= 1;
	assert_int_equal(
	    sp_store_tree_root_extended(f->r, "CN-ZZ",
	                                (const uint8_t(*)[32])leaves, 1, got),
	    SP_OK);
	assert_memory_not_equal(got, want[N], 32);
}

/* Two handles on one database, as two processes of one node: a next_only
 * put at a Sequence the other took is SEQUENCE_TAKEN, with nothing stored
 * and no evidence against the node; only the Sequence after the highest
 * held one is stored, so the own log stays contiguous. */
static void test_next_only_across_handles(void **state)
{
	fx *f = *state;
	sp_store *s2 = NULL;
	const char *why = NULL;
	rec a, b, c, d;
	uint64_t size = 0;

	assert_int_equal(fx_open(f, f->path, 0, &s2, &why), SP_OK);
	rec_make(&a, "CN-ZZ", 0, "first");
	rec_make(&b, "CN-ZZ", 0, "second");
	a.put.next_only = b.put.next_only = 1;
	assert_int_equal(sp_store_put(f->s, &a.put, NULL, NULL),
	                 SP_STORE_INSERTED);
	assert_int_equal(sp_store_put(s2, &b.put, NULL, NULL),
	                 SP_STORE_SEQUENCE_TAKEN);
	assert_int_equal(db_count(f, "SELECT count(*) FROM equivocations"), 0);
	/* signed again at the next Sequence: stored */
	rec_make(&c, "CN-ZZ", 1, "second");
	c.put.next_only = 1;
	assert_int_equal(sp_store_put(s2, &c.put, NULL, NULL),
	                 SP_STORE_INSERTED);
	/* a gap is refused too */
	rec_make(&d, "CN-ZZ", 3, "third");
	d.put.next_only = 1;
	assert_int_equal(sp_store_put(f->s, &d.put, NULL, NULL),
	                 SP_STORE_SEQUENCE_TAKEN);
	assert_int_equal(db_count(f, "SELECT count(*) FROM records"), 2);
	assert_int_equal(sp_store_tree_size(f->r, "CN-ZZ", &size), SP_OK);
	assert_int_equal(size, 2);
	sp_store_close(s2);
}

/* node_state survives a reopen and a backup; a backup is a store. */
static void test_state_and_backup(void **state)
{
	fx *f = *state;
	char buf[SP_STORE_STATE_MAX], copy[400], big[SP_STORE_STATE_MAX + 1];
	const char *why = NULL;
	sp_store *s2 = NULL;
	sp_store_reader *r2 = NULL;
	sp_store_stats st;
	rec r;

	assert_int_equal(sp_store_state_get(f->r, "fenced", buf, sizeof(buf)),
	                 SP_ERR_NOT_FOUND);
	assert_int_equal(sp_store_state_set(f->s, "node_id", "CN-ZZ"), SP_OK);
	assert_int_equal(sp_store_state_set(f->s, "fenced", "restored"), SP_OK);
	assert_int_equal(sp_store_state_set(f->s, "fenced", "restored again"),
	                 SP_OK);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(sp_store_state_set(f->s, "fenced", big),
	                 SP_ERR_INVALID_ARGUMENT);
	assert_int_equal(sp_store_state_set(f->s, "", "x"),
	                 SP_ERR_INVALID_ARGUMENT);
	rec_make(&r, "CN-ZZ", 0, NULL);
	assert_int_equal(sp_store_put(f->s, &r.put, NULL, NULL),
	                 SP_STORE_INSERTED);
	reopen(f);
	assert_int_equal(sp_store_state_get(f->r, "fenced", buf, sizeof(buf)),
	                 SP_OK);
	assert_string_equal(buf, "restored again");
	if (f->pg) {
		/* silkport copies SQLite files only; PostgreSQL has its own
		 * tools */
		assert_int_equal(sp_store_state_set(f->s, "fenced", NULL),
		                 SP_OK);
		assert_int_equal(
		    sp_store_state_get(f->r, "fenced", buf, sizeof(buf)),
		    SP_ERR_NOT_FOUND);
		return;
	}

	snprintf(copy, sizeof(copy), "%s/copy.db", f->dir);
	assert_int_equal(sp_store_backup(f->path, copy, &why), SP_OK);
	assert_int_equal(fx_open(f, copy, 0, &s2, &why), SP_OK);
	assert_int_equal(sp_store_reader_open(s2, &r2, &why), SP_OK);
	assert_int_equal(sp_store_state_get(r2, "node_id", buf, sizeof(buf)),
	                 SP_OK);
	assert_string_equal(buf, "CN-ZZ");
	memset(&st, 0, sizeof(st));
	assert_int_equal(sp_store_stats_get(r2, &st), SP_OK);
	assert_int_equal(st.records, 1);
	sp_store_stats_clear(&st);
	assert_int_equal(sp_store_state_set(s2, "fenced", NULL), SP_OK);
	assert_int_equal(sp_store_state_get(r2, "fenced", buf, sizeof(buf)),
	                 SP_ERR_NOT_FOUND);
	sp_store_reader_close(r2);
	sp_store_close(s2);
	unlink(copy);
	/* no such file: an error naming why, nothing written */
	snprintf(big, sizeof(big), "%s/other.db", f->dir);
	assert_int_not_equal(sp_store_backup(copy, big, &why), SP_OK);
	assert_non_null(why);
	assert_int_not_equal(access(big, F_OK), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_migrations_fresh_and_reopen,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_wal_mode, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_refuse_newer_and_foreign,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_put_outcomes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_append_only, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_put_rejects_bad_requests,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_group_commit_threads, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_callback_after_commit, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_record_id_per_origin, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_migration_record_id_scope,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_migration_log_state, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_migration_exists_by, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_migration_evidence, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_visibility_entries, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_search_filters, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_cursor_pagination, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_signed_digest_from_the_row,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tree_root_extended, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_state_and_backup, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_next_only_across_handles,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reopen_keeps_everything, setup,
	                                    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
