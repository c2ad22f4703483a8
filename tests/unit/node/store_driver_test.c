/* store_driver_test.c: the store runs on its driver's ops table only: a
 * driver wrapped to count and to fail shows group commit, the Merkle log and
 * the results-after-commit rule going through driver.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "driver.h"

/* ---------------------------------------------------------------- wrapper */

static struct {
	unsigned begins, commits, rollbacks, node_gets, node_puts, inserts;
	int fail_commit; /* the next commit rolls back and reports SP_ERR_IO */
} g;

static int w_begin(sp_store_conn *w)
{
	g.begins++;
	return sp_store_sqlite_driver.begin(w);
}

static int w_commit(sp_store_conn *w)
{
	if (g.fail_commit) {
		g.fail_commit = 0;
		/* as a database that lost the transaction at COMMIT */
		sp_store_sqlite_driver.rollback(w);
		return SP_ERR_IO;
	}
	g.commits++;
	return sp_store_sqlite_driver.commit(w);
}

static int w_rollback(sp_store_conn *w)
{
	g.rollbacks++;
	return sp_store_sqlite_driver.rollback(w);
}

static int w_node_get(sp_store_conn *c, int64_t origin_id, unsigned level,
                      uint64_t idx, uint8_t out[32])
{
	__atomic_add_fetch(&g.node_gets, 1, __ATOMIC_SEQ_CST);
	return sp_store_sqlite_driver.node_get(c, origin_id, level, idx, out);
}

static int w_node_put(sp_store_conn *w, int64_t origin_id, unsigned level,
                      uint64_t idx, const uint8_t h[32])
{
	g.node_puts++;
	return sp_store_sqlite_driver.node_put(w, origin_id, level, idx, h);
}

static int w_record_insert(sp_store_conn *w, const sp_store_req *req,
                           int64_t *rowid)
{
	g.inserts++;
	return sp_store_sqlite_driver.record_insert(w, req, rowid);
}

static sp_store_driver g_drv;

/* ---------------------------------------------------------------- fixture */

typedef struct fx {
	char dir[256];
	char path[300];
	sp_store *s;
	sp_store_reader *r;
} fx;

static int setup(void **state)
{
	fx *f = calloc(1, sizeof(*f));
	const char *tmp = getenv("TMPDIR");
	const char *why = NULL;

	assert_non_null(f);
	memset(&g, 0, sizeof(g));
	g_drv = sp_store_sqlite_driver;
	g_drv.name = "counting";
	g_drv.begin = w_begin;
	g_drv.commit = w_commit;
	g_drv.rollback = w_rollback;
	g_drv.node_get = w_node_get;
	g_drv.node_put = w_node_put;
	g_drv.record_insert = w_record_insert;
	snprintf(f->dir, sizeof(f->dir), "%s/sp-drv-XXXXXX",
	         tmp && *tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/node.db", f->dir);
	assert_int_equal(
	    sp_store_open_driver(&g_drv, f->path, SP_STORE_CREATE, &f->s, &why),
	    SP_OK);
	assert_int_equal(sp_store_reader_open(f->s, &f->r, &why), SP_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	char p[320];

	sp_store_reader_close(f->r);
	sp_store_close(f->s);
	unlink(f->path);
	snprintf(p, sizeof(p), "%s-wal", f->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", f->path);
	unlink(p);
	rmdir(f->dir);
	free(f);
	return 0;
}

typedef struct rec {
	char id[SP_UUID_LEN + 1];
	char bytes[96];
	sp_store_put_req put;
} rec;

static void rec_make(rec *r, uint64_t seq)
{
	int n;

	memset(r, 0, sizeof(*r));
	snprintf(r->id, sizeof(r->id), "0000abcd-0000-4000-8000-%012llx",
	         (unsigned long long)seq);
	n = snprintf(r->bytes, sizeof(r->bytes), "<R s=\"%llu\"/>",
	             (unsigned long long)seq);
	r->put.bytes = (const uint8_t *)r->bytes;
	r->put.len = (size_t)n;
	r->put.record_id = r->id;
	r->put.origin = "CN-ZZ";
	r->put.sequence = seq;
	r->put.type = "waybill";
	r->put.issued = 1790000000;
}

/* ---------------------------------------------------------------- tests */

static void test_writes_and_proofs_go_through_the_ops(void **state)
{
	fx *f = *state;
	rec r[8];
	uint8_t path[SP_STORE_PROOF_MAX][32], root[32];
	size_t plen = 0;
	unsigned i, gets;
	sp_store_stats st;

	for (i = 0; i < 8; i++) {
		rec_make(&r[i], i);
		assert_int_equal(sp_store_put(f->s, &r[i].put, NULL, NULL),
		                 SP_STORE_INSERTED);
	}
	/* one transaction per synchronous put here, each through the
	 * driver; 8 leaves and the 7 perfect subtrees above them */
	assert_int_equal(g.inserts, 8);
	assert_int_equal(g.begins, 8);
	assert_int_equal(g.commits, 8);
	assert_int_equal(g.node_puts, 8 + 7);
	assert_int_equal(sp_store_stats_get(f->r, &st), SP_OK);
	assert_int_equal(st.commits, 8);
	assert_int_equal(st.records, 8);
	sp_store_stats_clear(&st);

	gets = g.node_gets;
	assert_int_equal(sp_store_tree_root(f->r, "CN-ZZ", 8, root), SP_OK);
	assert_int_equal(
	    sp_store_inclusion_proof(f->r, "CN-ZZ", 5, 8, path, &plen), SP_OK);
	assert_int_equal(plen, 3);
	assert_true(g.node_gets > gets);
	{
		uint8_t leaf[32];

		sp_merkle_leaf_hash(r[5].put.bytes, r[5].put.len, leaf);
		assert_int_equal(
		    sp_merkle_verify_inclusion(
		        5, 8, leaf, (const uint8_t(*)[32])path, plen, root),
		    SP_OK);
	}
}

/* A COMMIT that fails reports the error to the caller and leaves nothing:
 * no record, no tree growth; the same put afterwards is new. */
static void test_failed_commit_reports_and_keeps_nothing(void **state)
{
	fx *f = *state;
	rec a, b;
	sp_store_record *got = NULL;
	uint64_t size = 99;

	rec_make(&a, 0);
	assert_int_equal(sp_store_put(f->s, &a.put, NULL, NULL),
	                 SP_STORE_INSERTED);
	rec_make(&b, 1);
	g.fail_commit = 1;
	assert_int_equal(sp_store_put(f->s, &b.put, NULL, NULL), SP_ERR_IO);
	assert_int_equal(sp_store_get_at(f->r, "CN-ZZ", 1, &got),
	                 SP_ERR_NOT_FOUND);
	assert_null(got);
	assert_int_equal(sp_store_tree_size(f->r, "CN-ZZ", &size), SP_OK);
	assert_int_equal(size, 1);
	assert_int_equal(sp_store_put(f->s, &b.put, NULL, NULL),
	                 SP_STORE_INSERTED);
	assert_int_equal(sp_store_tree_size(f->r, "CN-ZZ", &size), SP_OK);
	assert_int_equal(size, 2);
	/* a bulk chunk whose commit fails reports it for every request */
	{
		rec c;
		int out = 0;

		rec_make(&c, 2);
		g.fail_commit = 1;
		assert_int_equal(sp_store_put_batch(f->s, &c.put, 1, &out),
		                 SP_ERR_IO);
		assert_int_equal(out, SP_ERR_IO);
		assert_int_equal(sp_store_tree_size(f->r, "CN-ZZ", &size),
		                 SP_OK);
		assert_int_equal(size, 2);
	}
}

/* A backend is chosen by name; an unknown one is refused with a reason. */
static void test_backend_by_name(void **state)
{
	fx *f = *state;
	sp_store *s2 = (sp_store *)f; /* any non-NULL value: must be reset */
	const char *why = NULL;

	assert_int_equal(
	    sp_store_open_backend("postgres", f->path, 0, &s2, &why),
	    SP_ERR_INVALID_ARGUMENT);
	assert_null(s2);
	assert_non_null(why);
	assert_non_null(strstr(why, "sqlite"));
	assert_int_equal(sp_store_open_backend(NULL, f->path, 0, &s2, &why),
	                 SP_ERR_INVALID_ARGUMENT);
	/* a second handle on the same database, through the SQLite driver */
	assert_int_equal(sp_store_open_backend("sqlite", f->path, 0, &s2, &why),
	                 SP_OK);
	sp_store_close(s2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
	        test_writes_and_proofs_go_through_the_ops, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_failed_commit_reports_and_keeps_nothing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_backend_by_name, setup,
	                                    teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
