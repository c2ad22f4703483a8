/* sqlite_put.c: the SQLite driver's writes: the steps of a record put,
 * checkpoints and cosignatures, outbox rows and trust lists. */
#include <stdlib.h>
#include <string.h>

#include "sqlite_int.h"

static const char sql_find_pos[] =
    "SELECT id, digest, receipt, signed_digest FROM records"
    " WHERE origin = ?1 AND sequence = ?2";
/* RecordIds are scoped per Origin (REC-25): another Origin's record with
 * the same id is no clash, so that no member can squat an id. */
static const char sql_find_id[] =
    "SELECT digest FROM records WHERE origin = ?1 AND record_id = ?2";
static const char sql_evidence[] =
    "INSERT OR IGNORE INTO equivocations (kind, origin, sequence,"
    " record_id, digest_a, digest_b, bytes_b, seen_at, source)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
static const char sql_origin_get[] =
    "SELECT id, tree_size, max_sequence FROM origins WHERE name = ?1";
static const char sql_origin_add[] = "INSERT INTO origins (name) VALUES (?1)";
static const char sql_insert[] =
    "INSERT INTO records (record_id, origin, sequence, type, issued,"
    " received, digest, bytes, broadcast, receipt, source, signed_digest,"
    " log_state, signer_until)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)";
static const char sql_recipient[] =
    "INSERT OR IGNORE INTO record_recipients (rec, node_id) VALUES (?1, ?2)";
static const char sql_subject[] =
    "INSERT OR IGNORE INTO subjects (rec, kind, scheme, value)"
    " VALUES (?1, ?2, ?3, ?4)";
static const char sql_outbox_add[] =
    "INSERT OR IGNORE INTO outbox (rec, peer, next_attempt)"
    " VALUES (?1, ?2, ?3)";
static const char sql_origin_upd[] =
    "UPDATE origins SET records = records + 1,"
    " max_sequence = max(max_sequence, ?2), tree_size = ?3 WHERE id = ?1";
static const char sql_next_leaf[] =
    "SELECT bytes FROM records WHERE origin = ?1 AND sequence = ?2";

#define STMT(name)                                                             \
	do {                                                                   \
		if (!(st = sp_store__stmt(s->db, &s->st, name, &err)))         \
			return err;                                            \
	} while (0)

int sp_sqlite_evidence_put(sp_store_conn *s, const sp_store_req *req,
                           const char *kind, const char *digest_a)
{
	sqlite3_stmt *st;
	int err = SP_OK;

	STMT(sql_evidence);
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, req->origin, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)req->sequence);
	sqlite3_bind_text(st, 4, req->record_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, digest_a, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, req->digest, -1, SQLITE_STATIC);
	sqlite3_bind_blob64(st, 7, req->bytes, req->len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, req->received);
	sp_store__bind_text(st, 9, req->source);
	return sp_sqlite_step_done(s->db, st, "evidence");
}

static const char sql_evidence_add[] =
    "INSERT OR IGNORE INTO evidence (kind, subject, digest, bytes, seen_at,"
    " source) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

int sp_sqlite_evidence_add(sp_store_conn *s, const char *kind,
                           const char *subject, const char *digest,
                           const uint8_t *bytes, size_t len, const char *source)
{
	sqlite3_stmt *st;
	int err = SP_OK;

	STMT(sql_evidence_add);
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, subject, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, digest, -1, SQLITE_STATIC);
	sqlite3_bind_blob64(st, 4, bytes, len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, sp_store__now());
	sp_store__bind_text(st, 6, source);
	return sp_sqlite_step_done(s->db, st, "evidence-add");
}

/* The position's record: row id, digest and the receipt this node gave. */
int sp_sqlite_held_at(sp_store_conn *s, const char *origin, uint64_t sequence,
                      sp_store_held *out)
{
	sqlite3_stmt *st;
	int err = SP_OK, rc;

	memset(out, 0, sizeof(*out));
	STMT(sql_find_pos);
	sqlite3_bind_text(st, 1, origin, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)sequence);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const void *b = sqlite3_column_blob(st, 2);
		int n = sqlite3_column_bytes(st, 2);

		out->rowid = sqlite3_column_int64(st, 0);
		if (sqlite3_column_bytes(st, 3) == 32) {
			memcpy(out->signed_digest, sqlite3_column_blob(st, 3),
			       32);
			out->has_signed_digest = 1;
		}
		if ((err = sp_store__col_text(st, 1, out->digest,
		                              sizeof(out->digest)))) {
			sqlite3_reset(st);
			return err;
		}
		if (b && n > 0) {
			if (!(out->receipt = malloc((size_t)n))) {
				sqlite3_reset(st);
				return SP_ERR_NOMEM;
			}
			memcpy(out->receipt, b, (size_t)n);
			out->receipt_len = (size_t)n;
		}
		sqlite3_reset(st);
		return SP_OK;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return sp_store__err(s->db, rc, "find-position");
	return SP_ERR_NOT_FOUND;
}

int sp_sqlite_bytes_at(sp_store_conn *s, const char *origin, uint64_t sequence,
                       sp_store_bytes_fn fn, void *ctx)
{
	sqlite3_stmt *st;
	int err = SP_OK, rc;

	STMT(sql_next_leaf);
	sqlite3_bind_text(st, 1, origin, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)sequence);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const void *b = sqlite3_column_blob(st, 0);
		int n = sqlite3_column_bytes(st, 0);

		/* the blob stays valid until the reset */
		err = fn(ctx, b, n > 0 ? (size_t)n : 0);
		sqlite3_reset(st);
		return err;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return sp_store__err(s->db, rc, "held-record");
	return SP_ERR_NOT_FOUND;
}

int sp_sqlite_digest_of_id(sp_store_conn *s, const char *origin,
                           const char *record_id, char digest[65])
{
	sqlite3_stmt *st;
	int err = SP_OK, rc;

	STMT(sql_find_id);
	sqlite3_bind_text(st, 1, origin, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, record_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		err = sp_store__col_text(st, 0, digest, 65);
		sqlite3_reset(st);
		return err;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return sp_store__err(s->db, rc, "find-id");
	return SP_ERR_NOT_FOUND;
}

int sp_sqlite_origin_get(sp_store_conn *s, const char *origin, int64_t *id,
                         uint64_t *tree_size, int64_t *max_seq)
{
	sqlite3_stmt *st;
	int err = SP_OK, rc, pass;

	for (pass = 0; pass < 2; pass++) {
		STMT(sql_origin_get);
		sqlite3_bind_text(st, 1, origin, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			*id = sqlite3_column_int64(st, 0);
			*tree_size = (uint64_t)sqlite3_column_int64(st, 1);
			*max_seq = sqlite3_column_int64(st, 2);
			sqlite3_reset(st);
			return SP_OK;
		}
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			return sp_store__err(s->db, rc, "origin");
		STMT(sql_origin_add);
		sqlite3_bind_text(st, 1, origin, -1, SQLITE_STATIC);
		if ((err = sp_sqlite_step_done(s->db, st, "origin-add")))
			return err;
	}
	return SP_ERR_INTERNAL;
}

int sp_sqlite_record_insert(sp_store_conn *s, const sp_store_req *req,
                            int64_t *rowid_out)
{
	sqlite3_stmt *st;
	int err = SP_OK;
	int64_t rowid;
	size_t i;

	STMT(sql_insert);
	sqlite3_bind_text(st, 1, req->record_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, req->origin, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)req->sequence);
	sqlite3_bind_text(st, 4, req->type, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, req->issued);
	sqlite3_bind_int64(st, 6, req->received);
	sqlite3_bind_text(st, 7, req->digest, 64, SQLITE_STATIC);
	sqlite3_bind_blob64(st, 8, req->bytes, req->len, SQLITE_STATIC);
	sqlite3_bind_int(st, 9, req->broadcast);
	if (req->receipt)
		sqlite3_bind_blob64(st, 10, req->receipt, req->receipt_len,
		                    SQLITE_STATIC);
	sp_store__bind_text(st, 11, req->source);
	if (req->has_signed_digest)
		sqlite3_bind_blob(st, 12, req->signed_digest, 32,
		                  SQLITE_STATIC);
	sqlite3_bind_text(st, 13, sp_store_log_state_name(req->log_state), -1,
	                  SQLITE_STATIC);
	if (req->signer_until > 0)
		sqlite3_bind_int64(st, 14, req->signer_until);
	if ((err = sp_sqlite_step_done(s->db, st, "insert")))
		return err;
	*rowid_out = rowid = sqlite3_last_insert_rowid(s->db);

	for (i = 0; i < req->n_recipients; i++) {
		STMT(sql_recipient);
		sqlite3_bind_int64(st, 1, rowid);
		sqlite3_bind_text(st, 2, req->recipients[i], -1, SQLITE_STATIC);
		if ((err = sp_sqlite_step_done(s->db, st, "recipient")))
			return err;
	}
	for (i = 0; i < req->n_subjects; i++) {
		const sp_subject *sj = &req->subjects[i];

		STMT(sql_subject);
		sqlite3_bind_int64(st, 1, rowid);
		sqlite3_bind_text(st, 2, sj->kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, sj->scheme ? sj->scheme : "", -1,
		                  SQLITE_STATIC);
		sqlite3_bind_text(st, 4, sj->value, -1, SQLITE_STATIC);
		if ((err = sp_sqlite_step_done(s->db, st, "subject")))
			return err;
	}
	for (i = 0; i < req->n_deliver; i++) {
		STMT(sql_outbox_add);
		sqlite3_bind_int64(st, 1, rowid);
		sqlite3_bind_text(st, 2, req->deliver[i], -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, req->received);
		if ((err = sp_sqlite_step_done(s->db, st, "outbox-add")))
			return err;
	}

	return SP_OK;
}

int sp_sqlite_origin_update(sp_store_conn *s, int64_t origin_id,
                            uint64_t sequence, uint64_t tree_size)
{
	sqlite3_stmt *st;
	int err = SP_OK;

	STMT(sql_origin_upd);
	sqlite3_bind_int64(st, 1, origin_id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)sequence);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)tree_size);
	return sp_sqlite_step_done(s->db, st, "origin-update");
}

static const char sql_cp_find[] =
    "SELECT id FROM checkpoints WHERE origin = ?1 AND size = ?2"
    " AND root = ?3";
static const char sql_cp_other[] =
    "SELECT count(*) FROM checkpoints WHERE origin = ?1 AND size = ?2"
    " AND root <> ?3";
static const char sql_cp_add[] =
    "INSERT INTO checkpoints (origin, size, root, note, seen_at, source)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const char sql_cp_note[] =
    "UPDATE checkpoints SET note = ?1 WHERE id = ?2";
static const char sql_cosig_add[] =
    "INSERT OR IGNORE INTO cosignatures (checkpoint, witness, line,"
    " seen_at) VALUES (?1, ?2, ?3, ?4)";

/* >0: id of the checkpoint; 0: none; <0: error. */
static int64_t cp_find(sp_store_conn *s, const sp_store_cp_args *a)
{
	sqlite3_stmt *st;
	int err = SP_OK, rc;
	int64_t id = 0;

	STMT(sql_cp_find);
	sqlite3_bind_text(st, 1, a->origin, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)a->size);
	sqlite3_bind_blob(st, 3, a->root, 32, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sp_store__err(s->db, rc, "checkpoint-find");
	return id;
}

int sp_sqlite_checkpoint_put(sp_store_conn *s, const sp_store_cp_args *a)
{
	sqlite3_stmt *st;
	int err = SP_OK, rc;
	int64_t id, others = 0;

	if ((id = cp_find(s, a)) < 0)
		return (int)id;
	if (id > 0 && a->replace_note) {
		STMT(sql_cp_note);
		sqlite3_bind_text(st, 1, a->note, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, id);
		if ((err = sp_sqlite_step_done(s->db, st, "checkpoint-note")))
			return err;
	}
	if (id > 0)
		return SP_STORE_DUPLICATE;
	if (a->replace_note)
		return SP_ERR_NOT_FOUND;
	STMT(sql_cp_other);
	sqlite3_bind_text(st, 1, a->origin, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)a->size);
	sqlite3_bind_blob(st, 3, a->root, 32, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		others = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return sp_store__err(s->db, rc, "checkpoint-other");
	STMT(sql_cp_add);
	sqlite3_bind_text(st, 1, a->origin, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)a->size);
	sqlite3_bind_blob(st, 3, a->root, 32, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, a->note, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, sp_store__now());
	sp_store__bind_text(st, 6, a->source);
	if ((err = sp_sqlite_step_done(s->db, st, "checkpoint-add")))
		return err;
	return others ? SP_STORE_EQUIVOCATION : SP_STORE_INSERTED;
}

int sp_sqlite_cosignature_put(sp_store_conn *s, const sp_store_cp_args *a)
{
	sqlite3_stmt *st;
	int err = SP_OK;
	int64_t id;

	if ((id = cp_find(s, a)) < 0)
		return (int)id;
	if (id == 0)
		return SP_ERR_NOT_FOUND;
	STMT(sql_cosig_add);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, a->witness, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, a->line, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, sp_store__now());
	return sp_sqlite_step_done(s->db, st, "cosignature-add");
}

static const char sql_rec_by_id[] =
    "SELECT id FROM records WHERE origin = ?1 AND record_id = ?2";

int sp_sqlite_outbox_enqueue(sp_store_conn *s, const sp_store_ob_args *a)
{
	sqlite3_stmt *st;
	int err = SP_OK, rc;
	int64_t rec = 0;

	STMT(sql_rec_by_id);
	sqlite3_bind_text(st, 1, a->origin, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, a->record_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		rec = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return SP_ERR_NOT_FOUND;
	if (rc != SQLITE_ROW)
		return sp_store__err(s->db, rc, "outbox-record");
	STMT(sql_outbox_add);
	sqlite3_bind_int64(st, 1, rec);
	sqlite3_bind_text(st, 2, a->peer, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, a->next_attempt);
	return sp_sqlite_step_done(s->db, st, "outbox-enqueue");
}

static const char sql_tl_get[] =
    "SELECT sequence, bytes FROM trust_lists WHERE federation = ?1";
static const char sql_tl_put[] =
    "INSERT OR REPLACE INTO trust_lists (federation, sequence, bytes,"
    " stored_at) VALUES (?1, ?2, ?3, ?4)";

int sp_sqlite_trust_list_put(sp_store_conn *s, const char *federation,
                             uint64_t sequence, const uint8_t *bytes,
                             size_t len, int reset)
{
	sqlite3_stmt *st;
	int err = SP_OK, rc;

	if (reset)
		goto put;
	STMT(sql_tl_get);
	sqlite3_bind_text(st, 1, federation, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		uint64_t have = (uint64_t)sqlite3_column_int64(st, 0);
		const void *b = sqlite3_column_blob(st, 1);
		size_t n = (size_t)sqlite3_column_bytes(st, 1);
		int same = n == len && b && memcmp(b, bytes, n) == 0;

		sqlite3_reset(st);
		if (have > sequence)
			return SP_ERR_TRUST_LIST_ROLLBACK;
		if (have == sequence)
			return same ? SP_OK : SP_ERR_EQUIVOCATION;
	} else {
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			return sp_store__err(s->db, rc, "trust-list-get");
	}
put:
	STMT(sql_tl_put);
	sqlite3_bind_text(st, 1, federation, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)sequence);
	sqlite3_bind_blob64(st, 3, bytes, len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, sp_store__now());
	return sp_sqlite_step_done(s->db, st, "trust-list-put");
}

/* ---------------------------------------------------------------- log state
 */

/* Issued later than the limit, or a signer whose validity (or whose
 * member's, by revocation) ended before the existence bound: never
 * confirmed, unlogged with a reason. */
static const char sql_log_refuse[] =
    "UPDATE records SET log_state = 'unlogged',"
    " log_refused = CASE WHEN issued > ?3 THEN 'issued-out-of-bounds'"
    " WHEN ?5 < ?4 THEN 'signer-revoked' ELSE 'signer-expired' END"
    " WHERE origin = ?1 AND sequence = ?2 AND log_state = 'pending'"
    " AND (issued > ?3 OR signer_until < ?4 OR ?5 < ?4)";

/* A pending record whose signer's validity, or whose member's (by
 * revocation), ended before the bound: held for an earlier one. */
static const char sql_log_signer_ended[] =
    "SELECT 1 FROM records WHERE origin = ?1 AND sequence = ?2"
    " AND log_state = 'pending' AND (signer_until < ?3 OR ?4 < ?3)";

static const char sql_log_state[] =
    "UPDATE records SET log_state = ?3, exists_by = ?4"
    " WHERE origin = ?1 AND sequence = ?2 AND log_state = 'pending'";

/* 1 if the record at seq was refused by how->issued_max, or by the
 * signer's end before signer_bound, 0 if not. */
static int log_refuse(sp_store_conn *s, const char *origin, uint64_t seq,
                      const sp_store_settle *how, int64_t signer_bound,
                      int *err)
{
	sqlite3_stmt *st = sp_store__stmt(s->db, &s->st, sql_log_refuse, err);

	if (st == NULL)
		return 0;
	sqlite3_bind_text(st, 1, origin, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)seq);
	sqlite3_bind_int64(st, 3, how->issued_max);
	sqlite3_bind_int64(st, 4, signer_bound);
	sqlite3_bind_int64(st, 5, how->invalid_from);
	if ((*err = sp_sqlite_step_done(s->db, st, "log-refuse")) != SP_OK)
		return 0;
	return sqlite3_changes(s->db) > 0;
}

/* 1 if the pending record at seq has a signer that ended before bound. */
static int signer_ended(sp_store_conn *s, const char *origin, uint64_t seq,
                        const sp_store_settle *how, int64_t bound, int *err)
{
	sqlite3_stmt *st =
	    sp_store__stmt(s->db, &s->st, sql_log_signer_ended, err);
	int rc;

	if (st == NULL)
		return 0;
	sqlite3_bind_text(st, 1, origin, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)seq);
	sqlite3_bind_int64(st, 3, bound);
	sqlite3_bind_int64(st, 4, how->invalid_from);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		*err = sp_store__err(s->db, rc, "log-signer");
	return rc == SQLITE_ROW;
}

int sp_sqlite_log_state_set(sp_store_conn *s, const char *origin,
                            const uint64_t *seqs, size_t n,
                            const sp_store_settle *how, uint64_t *refused,
                            size_t *n_refused)
{
	sqlite3_stmt *st;
	int err = SP_OK;
	size_t i;

	int64_t bound = how->exists_by - how->signer_slack;
	int hold = how->held != NULL && how->exists_by > 0;

	for (i = 0; i < n; i++) {
		if (how->state == SP_LOG_CONFIRMED &&
		    (how->issued_max != INT64_MAX || how->exists_by > 0)) {
			/* held: only Issued refuses here, the signer's end
			 * keeps the record pending for an earlier bound */
			if (log_refuse(s, origin, seqs[i], how,
			               hold ? INT64_MIN : bound, &err)) {
				refused[(*n_refused)++] = seqs[i];
				continue;
			}
			if (err == SP_OK && hold &&
			    signer_ended(s, origin, seqs[i], how, bound,
			                 &err)) {
				how->held[(*how->n_held)++] = seqs[i];
				continue;
			}
			if (err != SP_OK)
				return err;
		}
		STMT(sql_log_state);
		sqlite3_bind_text(st, 1, origin, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)seqs[i]);
		sqlite3_bind_text(st, 3, sp_store_log_state_name(how->state),
		                  -1, SQLITE_STATIC);
		if (how->state == SP_LOG_CONFIRMED && how->exists_by > 0)
			sqlite3_bind_int64(st, 4, how->exists_by);
		else
			sqlite3_bind_null(st, 4);
		if ((err = sp_sqlite_step_done(s->db, st, "log-state")))
			return err;
	}
	return SP_OK;
}

/* [TL-77]: a revocation whose InvalidFrom lies before a confirmed record's
 * bound takes the record's effect away; it stays, with its bound, as
 * evidence of what the compromised key signed. */
static const char sql_log_revoke[] =
    "UPDATE records SET log_state = 'unlogged', log_refused = 'signer-revoked'"
    " WHERE origin = ?1 AND log_state = 'confirmed' AND exists_by > ?2"
    " RETURNING sequence";

int sp_sqlite_log_revoke(sp_store_conn *s, const char *origin, int64_t after,
                         uint64_t *seqs, size_t max, size_t *n)
{
	sqlite3_stmt *st;
	int err = SP_OK, rc;

	STMT(sql_log_revoke);
	sqlite3_bind_text(st, 1, origin, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, after);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n < max)
			seqs[*n] = (uint64_t)sqlite3_column_int64(st, 0);
		(*n)++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return sp_store__err(s->db, rc, "log-revoke");
	return SP_OK;
}
