/* sqlite_revoked.c: the SQLite driver's rows of what accepted trust lists
 * revoked, per federation. */
#include "sqlite_int.h"

static const char sql_add[] =
    "INSERT OR IGNORE INTO revocations (federation, kind, subject, node_id,"
    " sequence, revoked_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

int sp_sqlite_revoked_add(sp_store_conn *s, const char *federation,
                          const sp_store_revocation *v, size_t n)
{
	sqlite3_stmt *st;
	size_t i;
	int err = SP_OK, rc;

	for (i = 0; i < n; i++) {
		if (!(st = sp_store__stmt(s->db, &s->st, sql_add, &err)))
			return err;
		sqlite3_bind_text(st, 1, federation, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, sp_store__revoked_kind_name(v[i].kind),
		                  -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, v[i].subject, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, v[i].node_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 5, (sqlite3_int64)v[i].sequence);
		sqlite3_bind_int64(st, 6, sp_store__now());
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			return sp_store__err(s->db, rc, "revoked-add");
	}
	return SP_OK;
}

static const char sql_get[] =
    "SELECT sequence FROM revocations WHERE federation = ?1 AND kind = ?2"
    " AND subject = ?3";

int sp_sqlite_revoked_get(sp_store_conn *r, const char *federation,
                          sp_store_revoked_kind kind, const char *subject,
                          uint64_t *sequence)
{
	sqlite3_stmt *st;
	int err = SP_OK, rc;

	if (!(st = sp_store__stmt(r->db, &r->st, sql_get, &err)))
		return err;
	sqlite3_bind_text(st, 1, federation, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, sp_store__revoked_kind_name(kind), -1,
	                  SQLITE_STATIC);
	sqlite3_bind_text(st, 3, subject, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (sequence)
			*sequence = (uint64_t)sqlite3_column_int64(st, 0);
		err = SP_OK;
	} else {
		err = rc == SQLITE_DONE
		          ? SP_ERR_NOT_FOUND
		          : sp_store__err(r->db, rc, "revoked-get");
	}
	sqlite3_reset(st);
	return err;
}
