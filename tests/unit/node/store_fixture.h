/* store_fixture.h: a fresh store in a temporary folder for each test
 * (setup, teardown, reopen), synthetic records, and a read-only SQL count,
 * shared by the store's unit tests. */
#ifndef SP_TEST_STORE_FIXTURE_H
#define SP_TEST_STORE_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"

/* ---------------------------------------------------------------- fixture */

typedef struct fx {
	char dir[256];
	char path[300];
	sp_store *s;
	sp_store_reader *r;
} fx;

static inline void remove_db(const fx *f)
{
	char p[320];

	unlink(f->path);
	snprintf(p, sizeof(p), "%s-wal", f->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", f->path);
	unlink(p);
	rmdir(f->dir);
}

static inline int setup(void **state)
{
	fx *f = calloc(1, sizeof(*f));
	const char *tmp = getenv("TMPDIR");
	const char *why = NULL;

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "%s/sp-store-XXXXXX",
	         tmp && *tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/node.db", f->dir);
	assert_int_equal(sp_store_open(f->path, SP_STORE_CREATE, &f->s, &why),
	                 SP_OK);
	assert_int_equal(sp_store_reader_open(f->s, &f->r, &why), SP_OK);
	*state = f;
	return 0;
}

static inline int teardown(void **state)
{
	fx *f = *state;

	sp_store_reader_close(f->r);
	sp_store_close(f->s);
	remove_db(f);
	free(f);
	return 0;
}

static inline void reopen(fx *f)
{
	const char *why = NULL;

	sp_store_reader_close(f->r);
	sp_store_close(f->s);
	f->r = NULL;
	f->s = NULL;
	assert_int_equal(sp_store_open(f->path, 0, &f->s, &why), SP_OK);
	assert_int_equal(sp_store_reader_open(f->s, &f->r, &why), SP_OK);
}

/* A synthetic record: the store never parses the bytes. */
typedef struct rec {
	char id[SP_UUID_LEN + 1];
	char origin[SP_NODE_ID_MAX + 1];
	char bytes[256];
	size_t len;
	sp_store_put_req put;
} rec;

static inline void rec_make(rec *r, const char *origin, uint64_t seq,
                            const char *variant)
{
	static unsigned counter;
	unsigned c = __atomic_add_fetch(&counter, 1, __ATOMIC_SEQ_CST);
	int n;

	memset(r, 0, sizeof(*r));
	snprintf(r->id, sizeof(r->id), "%08x-0000-4000-8000-%012llx", c,
	         (unsigned long long)seq);
	snprintf(r->origin, sizeof(r->origin), "%s", origin);
	n = snprintf(r->bytes, sizeof(r->bytes),
	             "<Record origin=\"%s\" seq=\"%llu\" id=\"%s\">%s</Record>",
	             origin, (unsigned long long)seq, r->id,
	             variant ? variant : "");
	r->len = (size_t)n;
	r->put.bytes = (const uint8_t *)r->bytes;
	r->put.len = r->len;
	r->put.record_id = r->id;
	r->put.origin = r->origin;
	r->put.sequence = seq;
	r->put.type = "declaration";
	r->put.issued = 1790000000 + (int64_t)seq;
}

static inline int64_t db_count(const fx *f, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int64_t v = -1;

	assert_int_equal(
	    sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READONLY, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

#endif /* SP_TEST_STORE_FIXTURE_H */
