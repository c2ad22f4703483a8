/* sqlite_tree.c: the SQLite driver's Merkle node rows: one hash per
 * (origin, level, index), and the origin's tree size. */
#include <string.h>

#include "base.h"
#include "sqlite_int.h"

static const char sql_node_get[] =
    "SELECT hash FROM merkle_nodes WHERE origin_id = ?1 AND level = ?2"
    " AND idx = ?3";
static const char sql_node_put[] =
    "INSERT INTO merkle_nodes (origin_id, level, idx, hash)"
    " VALUES (?1, ?2, ?3, ?4)";
static const char sql_tree_origin[] =
    "SELECT id, tree_size FROM origins WHERE name = ?1";

int sp_sqlite_node_get(sp_store_conn *t, int64_t origin_id, unsigned level,
                       uint64_t idx, uint8_t out[32])
{
	int err = SP_OK, rc;
	sqlite3_stmt *st = sp_store__stmt(t->db, &t->st, sql_node_get, &err);

	if (!st)
		return err;
	sqlite3_bind_int64(st, 1, origin_id);
	sqlite3_bind_int(st, 2, (int)level);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)idx);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 0) == 32) {
		memcpy(out, sqlite3_column_blob(st, 0), 32);
		sqlite3_reset(st);
		return SP_OK;
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
		/* every node below the tree size is written with its leaf */
		sp_log(SP_LOG_ERROR, "store_error",
		       SP_LF_STR("why", "merkle node missing"),
		       SP_LF_INT("origin_id", origin_id),
		       SP_LF_UINT("level", level), SP_LF_UINT("idx", idx));
		return SP_ERR_INTERNAL;
	}
	return sp_store__err(t->db, rc, "merkle-get");
}

int sp_sqlite_node_put(sp_store_conn *t, int64_t origin_id, unsigned level,
                       uint64_t idx, const uint8_t h[32])
{
	int err = SP_OK, rc;
	sqlite3_stmt *st = sp_store__stmt(t->db, &t->st, sql_node_put, &err);

	if (!st)
		return err;
	sqlite3_bind_int64(st, 1, origin_id);
	sqlite3_bind_int(st, 2, (int)level);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)idx);
	sqlite3_bind_blob(st, 4, h, 32, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return sp_store__err(t->db, rc, "merkle-put");
	return SP_OK;
}

int sp_sqlite_tree_origin(sp_store_conn *r, const char *origin,
                          int64_t *origin_id, uint64_t *size)
{
	int err = SP_OK, rc;
	sqlite3_stmt *st;

	if (!(st = sp_store__stmt(r->db, &r->st, sql_tree_origin, &err)))
		return err;
	sqlite3_bind_text(st, 1, origin, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*origin_id = sqlite3_column_int64(st, 0);
		*size = (uint64_t)sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return SP_ERR_NOT_FOUND;
	if (rc != SQLITE_ROW)
		return sp_store__err(r->db, rc, "tree-origin");
	return SP_OK;
}
