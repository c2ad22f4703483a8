/* store_fixture.h: a fresh store in a temporary folder for each test
 * (setup, teardown, reopen) on SQLite or PostgreSQL, synthetic records, and
 * a read-only SQL count, shared by the store's unit tests. */
#ifndef SP_TEST_STORE_FIXTURE_H
#define SP_TEST_STORE_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"

/* ---------------------------------------------------------------- fixture */

/*
 * The backend under test: SQLite (a file in a temporary folder), or with
 * SP_TEST_STORE=postgresql a PostgreSQL server whose connection string is
 * in SP_TEST_PG_DSN, or in the file SP_TEST_PG_DSN_FILE (tests/pg_env.sh
 * writes it). Each test then gets a schema of its own on that server, so
 * that test programs run side by side; f->path is the connection string
 * with that schema as its search path.
 */
typedef struct fx {
	char dir[256];
	char path[1024];
	char schema[64];
	int pg;
	sp_store *s;
	sp_store_reader *r;
} fx;

static inline int fx_pg_wanted(void)
{
	const char *b = getenv("SP_TEST_STORE");

	return b && strcmp(b, "postgresql") == 0;
}

/* The server's connection string (from the environment or its file). */
static inline void fx_pg_base(char *out, size_t cap)
{
	const char *dsn = getenv("SP_TEST_PG_DSN");
	const char *file = getenv("SP_TEST_PG_DSN_FILE");
	FILE *fp = NULL;
	size_t n = 0;

	out[0] = '\0';
	if (dsn && *dsn) {
		snprintf(out, cap, "%s", dsn);
		return;
	}
	if (file)
		fp = fopen(file, "r");
	if (!fp)
		fail_msg("SP_TEST_STORE=postgresql needs SP_TEST_PG_DSN or "
		         "SP_TEST_PG_DSN_FILE (tests/pg_env.sh start DIR)");
	assert_non_null(fp);
	if (fgets(out, (int)cap, fp))
		n = strcspn(out, "\n");
	out[n] = '\0';
	fclose(fp);
}

static inline void fx_pg_quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

/* One statement on the server as the fixture's admin connection (its
 * notices, such as what a DROP ... CASCADE dropped, unprinted). */
static inline void fx_pg_admin(const char *sql)
{
	char base[512];
	PGconn *c;
	PGresult *res;

	fx_pg_base(base, sizeof(base));
	c = PQconnectdb(base);
	if (PQstatus(c) != CONNECTION_OK)
		fail_msg("cannot connect to %s: %s", base, PQerrorMessage(c));
	PQsetNoticeProcessor(c, fx_pg_quiet, NULL);
	res = PQexec(c, sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		fail_msg("%s: %s", sql, PQerrorMessage(c));
	PQclear(res);
	PQfinish(c);
}

/* sp_store_open on the fixture's backend, at target (a path or DSN). */
static inline int fx_open(const fx *f, const char *target, unsigned flags,
                          sp_store **out, const char **why)
{
	return sp_store_open_backend(f->pg ? "postgresql" : "sqlite", target,
	                             flags, out, why);
}

/* Skip a test of SQLite's own file format on another backend. */
#define FX_SQLITE_ONLY(f)                                                      \
	do {                                                                   \
		if ((f)->pg)                                                   \
			skip();                                                \
	} while (0)

static inline void remove_db(const fx *f)
{
	char p[1100];

	if (f->pg) {
		snprintf(p, sizeof(p), "DROP SCHEMA \"%s\" CASCADE", f->schema);
		fx_pg_admin(p);
		rmdir(f->dir);
		return;
	}
	unlink(f->path);
	snprintf(p, sizeof(p), "%s-wal", f->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", f->path);
	unlink(p);
	rmdir(f->dir);
}

/* A fresh, empty database for one test: a file, or a new schema. */
static inline void fx_make(fx *f, const char *name)
{
	static unsigned counter;
	const char *tmp = getenv("TMPDIR");
	char base[512], sql[128];

	snprintf(f->dir, sizeof(f->dir), "%s/sp-store-XXXXXX",
	         tmp && *tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(f->dir));
	f->pg = fx_pg_wanted();
	if (!f->pg) {
		snprintf(f->path, sizeof(f->path), "%s/%s", f->dir, name);
		return;
	}
	snprintf(f->schema, sizeof(f->schema), "t_%ld_%u", (long)getpid(),
	         __atomic_add_fetch(&counter, 1, __ATOMIC_SEQ_CST));
	snprintf(sql, sizeof(sql), "CREATE SCHEMA \"%s\"", f->schema);
	fx_pg_admin(sql);
	fx_pg_base(base, sizeof(base));
	snprintf(f->path, sizeof(f->path), "%s options='-c search_path=%s'",
	         base, f->schema);
}

static inline int setup(void **state)
{
	fx *f = calloc(1, sizeof(*f));
	const char *why = NULL;

	assert_non_null(f);
	fx_make(f, "node.db");
	assert_int_equal(fx_open(f, f->path, SP_STORE_CREATE, &f->s, &why),
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
	assert_int_equal(fx_open(f, f->path, 0, &f->s, &why), SP_OK);
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

/* The integer in the first column of sql's first row, read on a connection
 * of its own (read-only on SQLite) to the fixture's database: 0 and *v, or
 * -1 if the query failed; *v is -1 without a row. Asserts nothing, so that
 * a store callback may use it. */
static inline int db_value(const fx *f, const char *sql, int64_t *v)
{
	int rc = -1;

	*v = -1;
	if (f->pg) {
		PGconn *c = PQconnectdb(f->path);
		PGresult *res = NULL;

		if (PQstatus(c) == CONNECTION_OK &&
		    PQresultStatus(res = PQexec(c, sql)) == PGRES_TUPLES_OK) {
			rc = 0;
			if (PQntuples(res) > 0)
				*v = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		}
		PQclear(res);
		PQfinish(c);
	} else {
		sqlite3 *db = NULL;
		sqlite3_stmt *st = NULL;
		int step;

		if (sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READONLY, NULL) ==
		        SQLITE_OK &&
		    sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
			step = sqlite3_step(st);
			if (step == SQLITE_ROW)
				*v = sqlite3_column_int64(st, 0);
			rc = step == SQLITE_ROW || step == SQLITE_DONE ? 0 : -1;
		}
		sqlite3_finalize(st);
		sqlite3_close(db);
	}
	return rc;
}

static inline int64_t db_count(const fx *f, const char *sql)
{
	int64_t v;

	assert_int_equal(db_value(f, sql, &v), 0);
	return v;
}

/* Run statements on the fixture's PostgreSQL schema (set-up of a test). */
static inline void db_exec_pg(const fx *f, const char *sql)
{
	PGconn *c = PQconnectdb(f->path);
	PGresult *res;

	assert_int_equal(PQstatus(c), CONNECTION_OK);
	res = PQexec(c, sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		fail_msg("%s: %s", sql, PQerrorMessage(c));
	PQclear(res);
	PQfinish(c);
}

#endif /* SP_TEST_STORE_FIXTURE_H */
