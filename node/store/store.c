/* store.c: the SQLite store's lifecycle: open, versioned migrations, the
 * committer thread with group commit, reader connections and helpers. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base.h"
#include "store_int.h"
#include "base.h"

/* "SLKP": marks a database as silkport's, so that another application's
 * file is refused rather than migrated. */
#define SP_STORE_APPLICATION_ID 0x534c4b50
#define SP_STORE_BUSY_MS        5000

/* ---------------------------------------------------------------- schema */

/* Migration N (1-based) brings user_version from N-1 to N. Append only:
 * never edit a step that has shipped. */
static const char schema_v1[] =
    "PRAGMA application_id = 1397508944;"
    /* per-origin counters and the Merkle tree size */
    "CREATE TABLE origins ("
    " id INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL UNIQUE,"
    " records INTEGER NOT NULL DEFAULT 0,"
    " max_sequence INTEGER NOT NULL DEFAULT -1,"
    " tree_size INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE records ("
    " id INTEGER PRIMARY KEY,"
    " record_id TEXT NOT NULL UNIQUE,"
    " origin TEXT NOT NULL,"
    " sequence INTEGER NOT NULL CHECK (sequence >= 0),"
    " type TEXT NOT NULL,"
    " issued INTEGER NOT NULL,"
    " received INTEGER NOT NULL,"
    " digest TEXT NOT NULL CHECK (length(digest) = 64),"
    " bytes BLOB NOT NULL,"
    " broadcast INTEGER NOT NULL CHECK (broadcast IN (0, 1)),"
    " receipt BLOB,"
    " source TEXT,"
    " UNIQUE (origin, sequence));"
    "CREATE INDEX records_type ON records(type);"
    "CREATE INDEX records_issued ON records(issued);"
    "CREATE TABLE record_recipients ("
    " rec INTEGER NOT NULL REFERENCES records(id),"
    " node_id TEXT NOT NULL,"
    " PRIMARY KEY (rec, node_id)) WITHOUT ROWID;"
    /* (kind, value, scheme) rather than (kind, scheme, value): the same
     * index then serves lookups with and without a scheme. */
    "CREATE TABLE subjects ("
    " rec INTEGER NOT NULL REFERENCES records(id),"
    " kind TEXT NOT NULL,"
    " scheme TEXT NOT NULL DEFAULT '',"
    " value TEXT NOT NULL,"
    " PRIMARY KEY (rec, kind, scheme, value)) WITHOUT ROWID;"
    "CREATE INDEX subjects_key ON subjects(kind, value, scheme);"
    /* level 0: leaf hashes; level l, idx i: perfect subtree over
     * leaves [i*2^l, (i+1)*2^l) */
    "CREATE TABLE merkle_nodes ("
    " origin_id INTEGER NOT NULL REFERENCES origins(id),"
    " level INTEGER NOT NULL,"
    " idx INTEGER NOT NULL,"
    " hash BLOB NOT NULL CHECK (length(hash) = 32),"
    " PRIMARY KEY (origin_id, level, idx)) WITHOUT ROWID;"
    "CREATE TABLE equivocations ("
    " id INTEGER PRIMARY KEY,"
    " kind TEXT NOT NULL CHECK (kind IN ('position', 'record-id')),"
    " origin TEXT NOT NULL,"
    " sequence INTEGER NOT NULL,"
    " record_id TEXT NOT NULL,"
    " digest_a TEXT NOT NULL,"
    " digest_b TEXT NOT NULL,"
    " bytes_b BLOB NOT NULL,"
    " seen_at INTEGER NOT NULL,"
    " source TEXT,"
    " UNIQUE (kind, origin, sequence, digest_b));"
    "CREATE TABLE checkpoints ("
    " id INTEGER PRIMARY KEY,"
    " origin TEXT NOT NULL,"
    " size INTEGER NOT NULL CHECK (size >= 0),"
    " root BLOB NOT NULL CHECK (length(root) = 32),"
    " note TEXT NOT NULL,"
    " seen_at INTEGER NOT NULL,"
    " source TEXT,"
    " UNIQUE (origin, size, root));"
    "CREATE TABLE cosignatures ("
    " checkpoint INTEGER NOT NULL REFERENCES checkpoints(id),"
    " witness TEXT NOT NULL,"
    " line TEXT NOT NULL,"
    " seen_at INTEGER NOT NULL,"
    " PRIMARY KEY (checkpoint, witness)) WITHOUT ROWID;"
    "CREATE TABLE outbox ("
    " id INTEGER PRIMARY KEY,"
    " rec INTEGER NOT NULL REFERENCES records(id),"
    " peer TEXT NOT NULL,"
    " state TEXT NOT NULL DEFAULT 'pending'"
    "  CHECK (state IN ('pending', 'delivered')),"
    " next_attempt INTEGER NOT NULL,"
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " last_error TEXT,"
    " UNIQUE (rec, peer));"
    "CREATE INDEX outbox_due ON outbox(state, next_attempt);"
    "CREATE TABLE peer_receipts ("
    " rec INTEGER NOT NULL REFERENCES records(id),"
    " peer TEXT NOT NULL,"
    " receipt BLOB NOT NULL,"
    " received_at INTEGER NOT NULL,"
    " PRIMARY KEY (rec, peer)) WITHOUT ROWID;"
    "CREATE TABLE trust_lists ("
    " federation TEXT PRIMARY KEY,"
    " sequence INTEGER NOT NULL,"
    " bytes BLOB NOT NULL,"
    " stored_at INTEGER NOT NULL) WITHOUT ROWID;";

/* Delivery reads each peer's pending rows in id order. */
static const char schema_v2[] =
    "CREATE INDEX outbox_peer ON outbox(peer, state, id);";

/* A re-delivery is recognised by its digest before any signature work. */
static const char schema_v3[] =
    "CREATE INDEX records_digest ON records(digest);";

/* RecordIds are scoped per Origin (SPEC REC-25): the table is rebuilt
 * with UNIQUE (origin, record_id) in place of UNIQUE (record_id), so that
 * a member reusing another Origin's RecordId can neither block nor shadow
 * that Origin's record. Row ids are kept, so every reference stays valid
 * (runs with foreign keys off, as SQLite's table-rebuild procedure
 * requires). */
static const char schema_v4[] =
    "CREATE TABLE records_v4 ("
    " id INTEGER PRIMARY KEY,"
    " record_id TEXT NOT NULL,"
    " origin TEXT NOT NULL,"
    " sequence INTEGER NOT NULL CHECK (sequence >= 0),"
    " type TEXT NOT NULL,"
    " issued INTEGER NOT NULL,"
    " received INTEGER NOT NULL,"
    " digest TEXT NOT NULL CHECK (length(digest) = 64),"
    " bytes BLOB NOT NULL,"
    " broadcast INTEGER NOT NULL CHECK (broadcast IN (0, 1)),"
    " receipt BLOB,"
    " source TEXT,"
    " UNIQUE (origin, sequence),"
    " UNIQUE (origin, record_id));"
    "INSERT INTO records_v4 (id, record_id, origin, sequence, type, issued,"
    " received, digest, bytes, broadcast, receipt, source)"
    " SELECT id, record_id, origin, sequence, type, issued, received,"
    " digest, bytes, broadcast, receipt, source FROM records;"
    "DROP TABLE records;"
    "ALTER TABLE records_v4 RENAME TO records;"
    "CREATE INDEX records_type ON records(type);"
    "CREATE INDEX records_issued ON records(issued);"
    "CREATE INDEX records_digest ON records(digest);"
    "CREATE INDEX records_record_id ON records(record_id);";

/* Revocations are permanent at this node (TL-27, [TL-39]): every member and
 * signing certificate that an accepted trust list revoked, by federation,
 * so that no later list, file or restart can bring one back. `subject` is
 * the NodeId, or the hex SHA-256 of the certificate's DER. */
static const char schema_v5[] =
    "CREATE TABLE revocations ("
    " federation TEXT NOT NULL,"
    " kind TEXT NOT NULL CHECK (kind IN ('member', 'signing-cert')),"
    " subject TEXT NOT NULL,"
    " node_id TEXT NOT NULL,"
    " sequence INTEGER NOT NULL,"
    " revoked_at INTEGER NOT NULL,"
    " PRIMARY KEY (federation, kind, subject)) WITHOUT ROWID;";

static const char *const migrations[] = {schema_v1, schema_v2, schema_v3,
                                         schema_v4, schema_v5};
#define N_MIGRATIONS (sizeof(migrations) / sizeof(migrations[0]))

_Static_assert(N_MIGRATIONS == SP_STORE_SCHEMA_VERSION,
               "SP_STORE_SCHEMA_VERSION must equal the number of migrations");

/* ---------------------------------------------------------------- helpers */

int sp_store__err(sqlite3 *db, int rc, const char *what)
{
	int prim = rc & 0xff;

	if (rc == SQLITE_OK || rc == SQLITE_DONE || rc == SQLITE_ROW)
		return SP_OK;
	sp_log(SP_LOG_ERROR, "store_error", SP_LF_STR("op", what),
	       SP_LF_INT("sqlite", rc),
	       SP_LF_STR("msg", db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
	switch (prim) {
	case SQLITE_NOMEM:
		return SP_ERR_NOMEM;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return SP_ERR_UNAVAILABLE;
	case SQLITE_IOERR:
	case SQLITE_FULL:
	case SQLITE_CANTOPEN:
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
	case SQLITE_READONLY:
	case SQLITE_PROTOCOL:
		return SP_ERR_IO;
	case SQLITE_TOOBIG:
		return SP_ERR_TOO_LARGE;
	default:
		return SP_ERR_INTERNAL;
	}
}

sqlite3_stmt *sp_store__stmt(sqlite3 *db, sp_store_stmts *c, const char *sql,
                             int *err)
{
	size_t i;
	int rc;

	for (i = 0; i < c->n; i++) {
		if (c->sql[i] == sql) {
			sqlite3_reset(c->st[i]);
			sqlite3_clear_bindings(c->st[i]);
			return c->st[i];
		}
	}
	if (c->n == SP_STORE_STMT_CACHE) {
		*err = SP_ERR_INTERNAL;
		sp_log(SP_LOG_ERROR, "store_error",
		       SP_LF_STR("why", "statement cache full"));
		return NULL;
	}
	rc = sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT,
	                        &c->st[c->n], NULL);
	if (rc != SQLITE_OK) {
		*err = sp_store__err(db, rc, "prepare");
		c->st[c->n] = NULL;
		return NULL;
	}
	c->sql[c->n] = sql;
	return c->st[c->n++];
}

void sp_store__stmts_clear(sp_store_stmts *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		sqlite3_finalize(c->st[i]);
	c->n = 0;
}

int sp_store__exec(sqlite3 *db, sp_store_stmts *c, const char *sql)
{
	int err = SP_OK, rc;
	sqlite3_stmt *st = sp_store__stmt(db, c, sql, &err);

	if (!st)
		return err;
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return sp_store__err(db, rc, sql);
	return SP_OK;
}

int64_t sp_store__now(void)
{
	return (int64_t)time(NULL);
}

int sp_store__col_text(sqlite3_stmt *st, int col, char *buf, size_t cap)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	int n = sqlite3_column_bytes(st, col);

	if (!t) {
		buf[0] = '\0';
		return SP_OK;
	}
	if (n < 0 || (size_t)n >= cap) {
		buf[0] = '\0';
		return SP_ERR_INTERNAL;
	}
	memcpy(buf, t, (size_t)n);
	buf[n] = '\0';
	return SP_OK;
}

int sp_store__bind_text(sqlite3_stmt *st, int idx, const char *s)
{
	if (!s)
		return sqlite3_bind_null(st, idx);
	return sqlite3_bind_text(st, idx, s, -1, SQLITE_STATIC);
}

/* ---------------------------------------------------------------- open */

static int pragma_int(sqlite3 *db, const char *sql, int64_t *v)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);

	if (rc != SQLITE_OK)
		return sp_store__err(db, rc, sql);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return sp_store__err(db, rc, sql);
	return SP_OK;
}

static int set_wal(sqlite3 *db, const char **why)
{
	sqlite3_stmt *st = NULL;
	const unsigned char *mode;
	int rc =
	    sqlite3_prepare_v2(db, "PRAGMA journal_mode=WAL", -1, &st, NULL);
	int ok = 0;

	if (rc != SQLITE_OK)
		return sp_store__err(db, rc, "journal_mode");
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		mode = sqlite3_column_text(st, 0);
		ok = mode && strcmp((const char *)mode, "wal") == 0;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return sp_store__err(db, rc, "journal_mode");
	if (!ok) {
		*why = "the database cannot use WAL journaling";
		return SP_ERR_IO;
	}
	return SP_OK;
}

static int open_conn(const char *path, int flags, sqlite3 **out,
                     const char **why)
{
	sqlite3 *db = NULL;
	int rc = sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOMUTEX, NULL);

	*out = NULL;
	if (rc != SQLITE_OK) {
		int err = sp_store__err(db, rc, "open");

		*why = (rc & 0xff) == SQLITE_CANTOPEN
		           ? "cannot open the database file"
		           : "cannot open the database";
		sqlite3_close(db);
		return err;
	}
	sqlite3_extended_result_codes(db, 1);
	sqlite3_busy_timeout(db, SP_STORE_BUSY_MS);
	*out = db;
	return SP_OK;
}

static int migrate(sqlite3 *db, const char **why)
{
	int64_t ver = 0, app = 0, objects = 0;
	int err;
	size_t v;
	char *msg = NULL;

	if ((err = pragma_int(db, "PRAGMA user_version", &ver)) ||
	    (err = pragma_int(db, "PRAGMA application_id", &app)) ||
	    (err = pragma_int(db, "SELECT count(*) FROM sqlite_schema",
	                      &objects))) {
		*why = "cannot read the database header";
		return err;
	}
	if (ver > (int64_t)N_MIGRATIONS) {
		sp_log(
		    SP_LOG_ERROR, "store_error",
		    SP_LF_STR("why", "schema version newer than this silkport"),
		    SP_LF_INT("version", ver),
		    SP_LF_UINT("known", N_MIGRATIONS));
		*why = "the database schema is newer than this silkport; "
		       "upgrade silkport";
		return SP_ERR_INVALID_ARGUMENT;
	}
	if (app != SP_STORE_APPLICATION_ID && (ver != 0 || objects != 0)) {
		*why = "not a silkport database";
		return SP_ERR_INVALID_ARGUMENT;
	}
	for (v = (size_t)ver; v < N_MIGRATIONS; v++) {
		int64_t now_ver = 0;
		char pragma[48];
		int rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);

		if (rc != SQLITE_OK) {
			*why = "cannot lock the database for migration";
			return sp_store__err(db, rc, "migrate-begin");
		}
		/* another process may have migrated meanwhile */
		if ((err = pragma_int(db, "PRAGMA user_version", &now_ver))) {
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			*why = "cannot read the schema version";
			return err;
		}
		if (now_ver > (int64_t)v) {
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			if (now_ver > (int64_t)N_MIGRATIONS) {
				*why = "the database schema is newer than "
				       "this silkport; upgrade silkport";
				return SP_ERR_INVALID_ARGUMENT;
			}
			v = (size_t)now_ver - 1;
			continue;
		}
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %u",
		         (unsigned)(v + 1));
		rc = sqlite3_exec(db, migrations[v], NULL, NULL, &msg);
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(db, pragma, NULL, NULL, &msg);
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(db, "COMMIT", NULL, NULL, &msg);
		if (rc != SQLITE_OK) {
			sp_log(SP_LOG_ERROR, "store_migration_failed",
			       SP_LF_UINT("version", v + 1),
			       SP_LF_STR("msg", msg));
			sqlite3_free(msg);
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			*why = "a schema migration failed";
			return sp_store__err(db, rc, "migrate");
		}
	}
	return SP_OK;
}

static void *committer_main(void *arg);

int sp_store_open(const char *path, unsigned flags, sp_store **out,
                  const char **why)
{
	sp_store *s = NULL;
	const char *dummy;
	int err, oflags = SQLITE_OPEN_READWRITE;
	size_t plen;

	if (!why)
		why = &dummy;
	*why = NULL;
	if (out)
		*out = NULL;
	if (!out || !path || !*path) {
		*why = "no database path";
		return SP_ERR_INVALID_ARGUMENT;
	}
	if (flags & SP_STORE_CREATE)
		oflags |= SQLITE_OPEN_CREATE;
	s = calloc(1, sizeof(*s));
	plen = strlen(path);
	if (!s || !(s->path = malloc(plen + 1))) {
		free(s);
		*why = "out of memory";
		return SP_ERR_NOMEM;
	}
	memcpy(s->path, path, plen + 1);
	pthread_mutex_init(&s->mu, NULL);
	pthread_mutex_init(&s->seq_mu, NULL);
	pthread_cond_init(&s->work_cv, NULL);
	pthread_cond_init(&s->done_cv, NULL);

	if ((err = open_conn(path, oflags, &s->db, why)))
		goto fail;
	if ((err = sp_store__exec(s->db, &s->wst, "PRAGMA synchronous=FULL"))) {
		*why = "cannot configure the database";
		goto fail;
	}
	if ((err = set_wal(s->db, why)))
		goto fail;
	/* Foreign keys on only after the migrations: a table rebuild (v4)
	 * drops a referenced table, which SQLite allows only with them off. */
	if ((err = migrate(s->db, why)))
		goto fail;
	if ((err = sp_store__exec(s->db, &s->wst, "PRAGMA foreign_keys=ON"))) {
		*why = "cannot configure the database";
		goto fail;
	}
	if ((err = open_conn(path, SQLITE_OPEN_READONLY, &s->seq_db, why)))
		goto fail;
	if (pthread_create(&s->thread, NULL, committer_main, s) != 0) {
		*why = "cannot start the committer thread";
		err = SP_ERR_INTERNAL;
		goto fail;
	}
	s->thread_started = 1;
	*out = s;
	return SP_OK;
fail:
	if (!*why)
		*why = "cannot open the store";
	sp_store_close(s);
	return err;
}

void sp_store_close(sp_store *s)
{
	if (!s)
		return;
	if (s->thread_started) {
		pthread_mutex_lock(&s->mu);
		s->stopping = 1;
		pthread_cond_broadcast(&s->work_cv);
		pthread_mutex_unlock(&s->mu);
		pthread_join(s->thread, NULL);
	}
	if (s->readers)
		sp_log(SP_LOG_WARN, "store_error",
		       SP_LF_STR("why", "closed with readers still open"),
		       SP_LF_UINT("readers", s->readers));
	while (s->inflight) {
		sp_store_inflight *n = s->inflight->next;

		free(s->inflight);
		s->inflight = n;
	}
	sp_store__stmts_clear(&s->wst);
	sp_store__stmts_clear(&s->seq_st);
	sqlite3_close(s->seq_db);
	if (s->db && sqlite3_close(s->db) != SQLITE_OK)
		sp_log(SP_LOG_ERROR, "store_error", SP_LF_STR("op", "close"),
		       SP_LF_STR("msg", sqlite3_errmsg(s->db)));
	pthread_cond_destroy(&s->work_cv);
	pthread_cond_destroy(&s->done_cv);
	pthread_mutex_destroy(&s->mu);
	pthread_mutex_destroy(&s->seq_mu);
	free(s->path);
	free(s);
}

int sp_store_reader_open(sp_store *s, sp_store_reader **out, const char **why)
{
	sp_store_reader *r;
	const char *dummy;
	int err;

	if (!why)
		why = &dummy;
	*why = NULL;
	if (!out)
		return SP_ERR_INVALID_ARGUMENT;
	*out = NULL;
	if (!s)
		return SP_ERR_INVALID_ARGUMENT;
	if (!(r = calloc(1, sizeof(*r)))) {
		*why = "out of memory";
		return SP_ERR_NOMEM;
	}
	r->s = s;
	if ((err = open_conn(s->path, SQLITE_OPEN_READONLY, &r->db, why))) {
		free(r);
		return err;
	}
	pthread_mutex_lock(&s->mu);
	s->readers++;
	pthread_mutex_unlock(&s->mu);
	*out = r;
	return SP_OK;
}

void sp_store_reader_close(sp_store_reader *r)
{
	if (!r)
		return;
	sp_store__stmts_clear(&r->st);
	sqlite3_close(r->db);
	pthread_mutex_lock(&r->s->mu);
	r->s->readers--;
	pthread_mutex_unlock(&r->s->mu);
	free(r);
}

/* ---------------------------------------------------------------- queue */

static sp_store_inflight *inflight_find(sp_store *s, const char *origin)
{
	sp_store_inflight *f;

	for (f = s->inflight; f; f = f->next)
		if (strcmp(f->origin, origin) == 0)
			return f;
	return NULL;
}

int sp_store__enqueue(sp_store *s, sp_store_job *job, size_t bytes)
{
	sp_store_inflight *f = NULL;

	pthread_mutex_lock(&s->mu);
	if (s->stopping) {
		pthread_mutex_unlock(&s->mu);
		return SP_ERR_UNAVAILABLE;
	}
	/* synchronous callers already wait; only async work is capped */
	if (!job->sync && (s->queue_len >= SP_STORE_QUEUE_MAX ||
	                   s->queue_bytes + bytes > SP_STORE_QUEUE_BYTES)) {
		pthread_mutex_unlock(&s->mu);
		return SP_ERR_OVERLOADED;
	}
	if (job->kind == SP_STORE_JOB_PUT) {
		f = inflight_find(s, job->req->origin);
		if (!f) {
			if (!(f = calloc(1, sizeof(*f)))) {
				pthread_mutex_unlock(&s->mu);
				return SP_ERR_NOMEM;
			}
			/* origin length was validated by the caller */
			snprintf(f->origin, sizeof(f->origin), "%s",
			         job->req->origin);
			f->next = s->inflight;
			s->inflight = f;
		}
		if (f->count == 0 || job->req->sequence > f->max_sequence)
			f->max_sequence = job->req->sequence;
		f->count++;
	}
	job->qbytes = bytes;
	job->next = NULL;
	if (s->tail)
		s->tail->next = job;
	else
		s->head = job;
	s->tail = job;
	s->queue_len++;
	s->queue_bytes += bytes;
	pthread_cond_signal(&s->work_cv);
	pthread_mutex_unlock(&s->mu);
	return SP_OK;
}

void sp_store__inflight_done(sp_store *s, const sp_store_req *req)
{
	sp_store_inflight **pp, *f;

	for (pp = &s->inflight; (f = *pp); pp = &f->next) {
		if (strcmp(f->origin, req->origin) != 0)
			continue;
		if (--f->count == 0) {
			*pp = f->next;
			free(f);
		}
		return;
	}
}

int sp_store__run(sp_store *s, sp_store_fn fn, void *arg)
{
	sp_store_job job;
	int err;

	memset(&job, 0, sizeof(job));
	job.kind = SP_STORE_JOB_FN;
	job.fn = fn;
	job.arg = arg;
	job.sync = 1;
	if ((err = sp_store__enqueue(s, &job, 0)))
		return err;
	pthread_mutex_lock(&s->mu);
	while (!job.done)
		pthread_cond_wait(&s->done_cv, &s->mu);
	pthread_mutex_unlock(&s->mu);
	return job.rc;
}

/* ---------------------------------------------------------------- committer */

static const char sql_begin[] = "BEGIN IMMEDIATE";
static const char sql_commit[] = "COMMIT";
static const char sql_rollback[] = "ROLLBACK";
static const char sql_savepoint[] = "SAVEPOINT job";
static const char sql_release[] = "RELEASE job";
static const char sql_rollback_to[] = "ROLLBACK TO job";

static void job_fail(sp_store_job *j, int err)
{
	j->rc = err;
	j->res.outcome = err;
	j->res.receipt = NULL;
	j->res.receipt_len = 0;
	free(j->res_receipt);
	j->res_receipt = NULL;
}

static void group_fail(sp_store_job *grp, int err)
{
	for (; grp; grp = grp->next)
		job_fail(grp, err);
}

static int run_one(sp_store *s, sp_store_job *j)
{
	int rc;

	if (j->kind == SP_STORE_JOB_PUT) {
		rc = sp_store__put_exec(s, j->req, &j->res, &j->res_receipt);
		j->res.outcome = rc;
		j->res.receipt = j->res_receipt;
	} else {
		rc = j->fn(s, j->arg);
	}
	j->rc = rc;
	return rc;
}

/* Run every job of the group in one transaction. Results are final only if
 * COMMIT succeeds; otherwise every job reports the error. */
static int run_group(sp_store *s, sp_store_job *grp)
{
	sp_store_job *j;
	int err;

	if ((err = sp_store__exec(s->db, &s->wst, sql_begin))) {
		group_fail(grp, err);
		return 0;
	}
	for (j = grp; j; j = j->next) {
		if ((err = sp_store__exec(s->db, &s->wst, sql_savepoint)))
			goto abort;
		if (run_one(s, j) < 0) {
			free(j->res_receipt);
			j->res_receipt = NULL;
			j->res.receipt = NULL;
			if (sqlite3_get_autocommit(s->db)) {
				/* SQLite rolled the whole transaction back */
				err = j->rc;
				goto abort;
			}
			if ((err = sp_store__exec(s->db, &s->wst,
			                          sql_rollback_to)))
				goto abort;
		}
		if ((err = sp_store__exec(s->db, &s->wst, sql_release)))
			goto abort;
	}
	if ((err = sp_store__exec(s->db, &s->wst, sql_commit)) == SP_OK)
		return 1;
abort:
	if (!sqlite3_get_autocommit(s->db))
		sp_store__exec(s->db, &s->wst, sql_rollback);
	group_fail(grp, err < 0 ? err : SP_ERR_IO);
	return 0;
}

void sp_store_set_commit_hook(sp_store *s,
                              void (*hook)(void *ud, double seconds,
                                           size_t n_requests),
                              void *ud)
{
	s->commit_hook = hook;
	s->commit_hook_ud = ud;
}

static void *committer_main(void *arg)
{
	sp_store *s = arg;

	pthread_mutex_lock(&s->mu);
	for (;;) {
		sp_store_job *grp, *j, *next, **tailp, *waiters = NULL;
		size_t n = 0;
		int batch, committed = 0;

		while (!s->head && !s->stopping)
			pthread_cond_wait(&s->work_cv, &s->mu);
		if (!s->head)
			break;
		/* a bulk job runs alone; other jobs group up to the cap */
		grp = NULL;
		tailp = &grp;
		batch = s->head->kind == SP_STORE_JOB_BATCH;
		while (s->head && n < SP_STORE_GROUP_MAX &&
		       (batch ? n == 0 : s->head->kind != SP_STORE_JOB_BATCH)) {
			j = s->head;
			s->head = j->next;
			if (!s->head)
				s->tail = NULL;
			j->next = NULL;
			*tailp = j;
			tailp = &j->next;
			s->queue_len--;
			s->queue_bytes -= j->qbytes;
			n++;
		}
		pthread_mutex_unlock(&s->mu);

		if (batch) {
			grp->rc = sp_store__batch_exec(s, grp);
		} else {
			uint64_t t0 = sp_monotonic_us();

			committed = run_group(s, grp);
			if (committed && s->commit_hook != NULL)
				s->commit_hook(
				    s->commit_hook_ud,
				    (double)(sp_monotonic_us() - t0) / 1e6, n);
		}

		pthread_mutex_lock(&s->mu);
		s->puts += batch ? 0 : n;
		s->commits += (uint64_t)committed;
		for (j = grp; j; j = j->next)
			if (j->kind == SP_STORE_JOB_PUT)
				sp_store__inflight_done(s, j->req);
		pthread_mutex_unlock(&s->mu);

		/* async callbacks, outside the lock: they may queue more */
		for (j = grp; j; j = next) {
			next = j->next;
			if (j->sync) {
				j->next = waiters;
				waiters = j;
				continue;
			}
			if (j->cb)
				j->cb(j->ud, &j->res);
			free(j->res_receipt);
			free(j->req);
			free(j);
		}
		/* a waiter may free its job as soon as done is set */
		pthread_mutex_lock(&s->mu);
		for (j = waiters; j; j = next) {
			next = j->next;
			j->done = 1;
		}
		pthread_cond_broadcast(&s->done_cv);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

/* ---------------------------------------------------------------- sequence */

static const char sql_max_seq[] =
    "SELECT max_sequence FROM origins WHERE name = ?1";

int sp_store_next_sequence(sp_store *s, const char *origin, uint64_t *seq)
{
	sp_store_inflight *f;
	sqlite3_stmt *st;
	int64_t dbmax = -1;
	uint64_t next = 0;
	int have_inflight = 0, err = SP_OK, rc;

	if (!s || !origin || !seq)
		return SP_ERR_INVALID_ARGUMENT;
	*seq = 0;
	/* in-flight first, then committed: a put leaves the in-flight set
	 * only after its commit, so one of the two always sees it */
	pthread_mutex_lock(&s->mu);
	if ((f = inflight_find(s, origin))) {
		have_inflight = 1;
		next = f->max_sequence + 1;
	}
	pthread_mutex_unlock(&s->mu);

	pthread_mutex_lock(&s->seq_mu);
	st = sp_store__stmt(s->seq_db, &s->seq_st, sql_max_seq, &err);
	if (st) {
		sqlite3_bind_text(st, 1, origin, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			dbmax = sqlite3_column_int64(st, 0);
		else if (rc != SQLITE_DONE)
			err = sp_store__err(s->seq_db, rc, "next-sequence");
		sqlite3_reset(st);
	}
	pthread_mutex_unlock(&s->seq_mu);
	if (err)
		return err;
	if (dbmax >= 0 && (!have_inflight || (uint64_t)dbmax + 1 > next))
		next = (uint64_t)dbmax + 1;
	if (next > (uint64_t)INT64_MAX)
		return SP_ERR_INTERNAL;
	*seq = next;
	return SP_OK;
}
