/* sqlite.c: the SQLite store driver: connections, versioned migrations,
 * transactions, helpers, and the ops table that node/store runs on. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base.h"
#include "sqlite_int.h"

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

/* The signed content digest (sp_signed_content_digest()) of a record put
 * with one, so that a second signature at a held position is compared
 * without parsing the held record again on the committer. NULL for rows
 * stored before (they are parsed as before). */
static const char schema_v6[] =
    "ALTER TABLE records ADD COLUMN signed_digest BLOB"
    " CHECK (signed_digest IS NULL OR length(signed_digest) = 32);";

/* The node's own facts, by key: `node_id` (the NodeId the database
 * belongs to, so that a restore or a start with another identity is
 * refused) and `fenced` (present while the node must not sign: its value
 * says why; set by a restore, cleared once the own log is recovered). */
static const char schema_v7[] = "CREATE TABLE node_state ("
                                " key TEXT PRIMARY KEY,"
                                " value TEXT NOT NULL,"
                                " updated INTEGER NOT NULL) WITHOUT ROWID;";

/* Where each record stands against its Origin's witnessed log (SPEC
 * [FED-55]): records of other Origins arrive pending and become confirmed
 * once proven in a witnessed checkpoint. Rows from before were received
 * without that check: the node's own are confirmed, the others pending
 * (the node proves them again after the upgrade). The partial index finds
 * the pending ones of an origin. */
static const char schema_v8[] =
    "ALTER TABLE records ADD COLUMN log_state TEXT NOT NULL"
    " DEFAULT 'pending'"
    " CHECK (log_state IN ('confirmed', 'pending', 'unlogged'));"
    "UPDATE records SET log_state = 'confirmed' WHERE source IS NULL;"
    "CREATE INDEX records_pending ON records(origin, sequence)"
    " WHERE log_state = 'pending';";

/* Time from witnesses (SPEC [LOG-48], [FED-61], [TL-78]): a confirmed
 * record keeps its existence bound (the k-th smallest timestamp of the
 * counted cosignatures, NULL when k = 0 or confirmed before), a record
 * refused at confirmation (unlogged) the error code that refused it, and a
 * record received pending the end of its signer's validity (NULL: judged
 * now, as before). */
static const char schema_v9[] =
    "ALTER TABLE records ADD COLUMN exists_by INTEGER;"
    "ALTER TABLE records ADD COLUMN log_refused TEXT;"
    "ALTER TABLE records ADD COLUMN signer_until INTEGER;";

/* Evidence of one signed document (SPEC [TL-16], [TL-75], [FED-60],
 * [LOG-51]): the other trust list of a split view or fork, by federation,
 * and an index note that omits a record held, by origin; once per digest
 * (hex SHA-256 of the bytes). No retention limit applies to it. */
static const char schema_v10[] =
    "CREATE TABLE evidence ("
    " id INTEGER PRIMARY KEY,"
    " kind TEXT NOT NULL CHECK (kind IN ('trust-list', 'index-note')),"
    " subject TEXT NOT NULL,"
    " digest TEXT NOT NULL,"
    " bytes BLOB NOT NULL,"
    " seen_at INTEGER NOT NULL,"
    " source TEXT,"
    " UNIQUE (kind, subject, digest));";

static const char *const migrations[] = {
    schema_v1, schema_v2, schema_v3, schema_v4, schema_v5,
    schema_v6, schema_v7, schema_v8, schema_v9, schema_v10};
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

int sp_sqlite_step_done(sqlite3 *db, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return sp_store__err(db, rc, what);
	return SP_OK;
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

/* ---------------------------------------------------------------- driver */

/* SQLite's own notices (a WAL recovered at open, an I/O error retried, a
 * corrupt page) become structured lines like every other, rather than
 * going unseen. Warnings and errors at warn, the rest at debug. */
static void sqlite_log(void *arg, int code, const char *msg)
{
	int prim = code & 0xff;

	(void)arg;
	if (prim == SQLITE_NOTICE || prim == SQLITE_SCHEMA)
		sp_log(SP_LOG_DEBUG, "store_diagnostic",
		       SP_LF_INT("sqlite", code), SP_LF_STR("msg", msg));
	else
		sp_log(SP_LOG_WARN, "store_diagnostic",
		       SP_LF_INT("sqlite", code), SP_LF_STR("msg", msg));
}

static void sqlite_log_setup(void)
{
	/* only before SQLite initialises: a process that used SQLite
	 * already keeps its own setting */
	(void)sqlite3_config(SQLITE_CONFIG_LOG, sqlite_log, NULL);
}

static int sq_open(const char *path, unsigned flags, sp_store_conn **out,
                   const char **why)
{
	static pthread_once_t log_once = PTHREAD_ONCE_INIT;
	sp_store_conn *c = calloc(1, sizeof(*c));
	int err, oflags = SQLITE_OPEN_READWRITE;

	pthread_once(&log_once, sqlite_log_setup);
	*out = NULL;
	if (!c) {
		*why = "out of memory";
		return SP_ERR_NOMEM;
	}
	if (flags & SP_STORE_CREATE)
		oflags |= SQLITE_OPEN_CREATE;
	if ((err = open_conn(path, oflags, &c->db, why)))
		goto fail;
	if ((err = sp_store__exec(c->db, &c->st, "PRAGMA synchronous=FULL"))) {
		*why = "cannot configure the database";
		goto fail;
	}
	if ((err = set_wal(c->db, why)))
		goto fail;
	/* Foreign keys on only after the migrations: a table rebuild (v4)
	 * drops a referenced table, which SQLite allows only with them off. */
	if ((err = migrate(c->db, why)))
		goto fail;
	if ((err = sp_store__exec(c->db, &c->st, "PRAGMA foreign_keys=ON"))) {
		*why = "cannot configure the database";
		goto fail;
	}
	if ((err = sp_sqlite_ckpt_start(c, path, why)))
		goto fail;
	*out = c;
	return SP_OK;
fail:
	sp_sqlite_ckpt_stop(c);
	sp_store__stmts_clear(&c->st);
	sqlite3_close(c->db);
	free(c);
	return err;
}

static int sq_conn_open(const char *path, sp_store_conn **out, const char **why)
{
	sp_store_conn *c = calloc(1, sizeof(*c));
	int err;

	*out = NULL;
	if (!c) {
		*why = "out of memory";
		return SP_ERR_NOMEM;
	}
	if ((err = open_conn(path, SQLITE_OPEN_READONLY, &c->db, why))) {
		free(c);
		return err;
	}
	*out = c;
	return SP_OK;
}

static void sq_conn_close(sp_store_conn *c)
{
	if (!c)
		return;
	sp_sqlite_ckpt_stop(c);
	sp_store__stmts_clear(&c->st);
	if (c->db && sqlite3_close(c->db) != SQLITE_OK)
		sp_log(SP_LOG_ERROR, "store_error", SP_LF_STR("op", "close"),
		       SP_LF_STR("msg", sqlite3_errmsg(c->db)));
	free(c);
}

static const char sql_begin[] = "BEGIN IMMEDIATE";
static const char sql_commit[] = "COMMIT";
static const char sql_rollback[] = "ROLLBACK";
static const char sql_savepoint[] = "SAVEPOINT job";
static const char sql_release[] = "RELEASE job";
static const char sql_rollback_to[] = "ROLLBACK TO job";

static int sq_begin(sp_store_conn *w)
{
	return sp_store__exec(w->db, &w->st, sql_begin);
}

static int sq_commit(sp_store_conn *w)
{
	return sp_store__exec(w->db, &w->st, sql_commit);
}

static int sq_rollback(sp_store_conn *w)
{
	return sp_store__exec(w->db, &w->st, sql_rollback);
}

static int sq_savepoint(sp_store_conn *w)
{
	return sp_store__exec(w->db, &w->st, sql_savepoint);
}

static int sq_release(sp_store_conn *w)
{
	return sp_store__exec(w->db, &w->st, sql_release);
}

static int sq_rollback_to(sp_store_conn *w)
{
	return sp_store__exec(w->db, &w->st, sql_rollback_to);
}

static int sq_in_transaction(sp_store_conn *w)
{
	/* SQLite rolls the whole transaction back on some errors */
	return !sqlite3_get_autocommit(w->db);
}

static const char *sq_last_error(sp_store_conn *c)
{
	return sqlite3_errmsg(c->db);
}

const sp_store_driver sp_store_sqlite_driver = {
    .name = "sqlite",
    .open = sq_open,
    .conn_open = sq_conn_open,
    .conn_close = sq_conn_close,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .savepoint = sq_savepoint,
    .release = sq_release,
    .rollback_to = sq_rollback_to,
    .in_transaction = sq_in_transaction,
    .held_at = sp_sqlite_held_at,
    .bytes_at = sp_sqlite_bytes_at,
    .digest_of_id = sp_sqlite_digest_of_id,
    .evidence_put = sp_sqlite_evidence_put,
    .evidence_add = sp_sqlite_evidence_add,
    .origin_get = sp_sqlite_origin_get,
    .record_insert = sp_sqlite_record_insert,
    .origin_update = sp_sqlite_origin_update,
    .tree_origin = sp_sqlite_tree_origin,
    .node_get = sp_sqlite_node_get,
    .node_put = sp_sqlite_node_put,
    .checkpoint_put = sp_sqlite_checkpoint_put,
    .cosignature_put = sp_sqlite_cosignature_put,
    .log_state_set = sp_sqlite_log_state_set,
    .log_revoke = sp_sqlite_log_revoke,
    .log_pending = sp_sqlite_log_pending,
    .outbox_enqueue = sp_sqlite_outbox_enqueue,
    .outbox_delivered = sp_sqlite_outbox_delivered,
    .outbox_reschedule = sp_sqlite_outbox_reschedule,
    .outbox_abandon = sp_sqlite_outbox_abandon,
    .trust_list_put = sp_sqlite_trust_list_put,
    .revoked_add = sp_sqlite_revoked_add,
    .max_sequence = sp_sqlite_max_sequence,
    .get = sp_sqlite_get,
    .get_at = sp_sqlite_get_at,
    .find_id = sp_sqlite_find_id,
    .entries = sp_sqlite_entries,
    .search = sp_sqlite_search,
    .stats = sp_sqlite_stats,
    .checkpoint_latest = sp_sqlite_checkpoint_latest,
    .checkpoint_covering = sp_sqlite_checkpoint_covering,
    .peer_receipt_get = sp_sqlite_peer_receipt_get,
    .trust_list_get = sp_sqlite_trust_list_get,
    .revoked_get = sp_sqlite_revoked_get,
    .outbox_due = sp_sqlite_outbox_due,
    .outbox_counts = sp_sqlite_outbox_counts,
    .digest_at = sp_sqlite_digest_at,
    .by_digest = sp_sqlite_by_digest,
    .console_records = sp_sqlite_console_records,
    .console_deliveries = sp_sqlite_console_deliveries,
    .console_evidence = sp_sqlite_console_evidence,
    .state_get = sp_sqlite_state_get,
    .state_put = sp_sqlite_state_put,
    .backup = sp_sqlite_backup,
    .last_error = sq_last_error,
};
