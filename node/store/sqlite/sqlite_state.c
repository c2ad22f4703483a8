/* sqlite_state.c: the node's own small facts (node_state: which node a
 * database belongs to, whether it is fenced), and the online backup of a
 * database with SQLite's backup API. */
#include <stdio.h>
#include <string.h>

#include "sqlite_int.h"

static const char sql_state_get[] =
    "SELECT value FROM node_state WHERE key = ?1";
static const char sql_state_put[] =
    "INSERT INTO node_state (key, value, updated) VALUES (?1, ?2, ?3)"
    " ON CONFLICT (key) DO UPDATE SET value = excluded.value,"
    " updated = excluded.updated";
static const char sql_state_del[] = "DELETE FROM node_state WHERE key = ?1";

int sp_sqlite_state_get(sp_store_conn *c, const char *key, char *buf,
                        size_t cap)
{
	sqlite3_stmt *st;
	int err = SP_OK, rc;

	buf[0] = '\0';
	if (!(st = sp_store__stmt(c->db, &c->st, sql_state_get, &err)))
		return err;
	sp_store__bind_text(st, 1, key);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		err = sp_store__col_text(st, 0, buf, cap);
	else if (rc == SQLITE_DONE)
		err = SP_ERR_NOT_FOUND;
	else
		err = sp_store__err(c->db, rc, "state-get");
	sqlite3_reset(st);
	return err;
}

int sp_sqlite_state_put(sp_store_conn *w, const char *key, const char *value)
{
	sqlite3_stmt *st;
	int err = SP_OK;

	st = sp_store__stmt(w->db, &w->st,
	                    value ? sql_state_put : sql_state_del, &err);
	if (!st)
		return err;
	sp_store__bind_text(st, 1, key);
	if (value) {
		sp_store__bind_text(st, 2, value);
		sqlite3_bind_int64(st, 3, sp_store__now());
	}
	return sp_sqlite_step_done(w->db, st, "state-put");
}

/* The whole database in one step: the source is read inside one read
 * transaction, so the copy is one consistent state even while a node
 * writes (WAL readers never block the writer). */
int sp_sqlite_backup(const char *src, const char *dest, const char **why)
{
	sqlite3 *from = NULL, *to = NULL;
	sqlite3_backup *b;
	int rc, err = SP_OK;

	rc = sqlite3_open_v2(src, &from, SQLITE_OPEN_READONLY, NULL);
	if (rc != SQLITE_OK) {
		*why = "cannot open the database";
		err = sp_store__err(from, rc, "backup-open");
		goto out;
	}
	sqlite3_busy_timeout(from, 5000);
	rc = sqlite3_open_v2(dest, &to,
	                     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc != SQLITE_OK) {
		*why = "cannot create the backup file";
		err = sp_store__err(to, rc, "backup-create");
		goto out;
	}
	if ((b = sqlite3_backup_init(to, "main", from, "main")) == NULL) {
		*why = "cannot start the backup";
		err = sp_store__err(to, sqlite3_errcode(to), "backup-init");
		goto out;
	}
	rc = sqlite3_backup_step(b, -1);
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE) {
		*why = (rc & 0xff) == SQLITE_NOTADB ? "not a SQLite database"
		                                    : "the copy failed";
		err = sp_store__err(to, rc, "backup-step");
		goto out;
	}
	/* the copy is a rollback-journal file: one file, nothing beside it */
	rc = sqlite3_exec(to, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		*why = "cannot finish the backup file";
		err = sp_store__err(to, rc, "backup-journal");
	}
out:
	if (to && sqlite3_close(to) != SQLITE_OK && err == SP_OK) {
		*why = "cannot close the backup file";
		err = SP_ERR_IO;
	}
	sqlite3_close(from);
	return err;
}
