/* pg_put.c: the PostgreSQL driver's writes: the steps of a record put, the
 * Merkle node rows, checkpoints and cosignatures, trust lists, revocations
 * and the node's own state. Every op runs inside the writer's transaction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "pg_int.h"

static const char sql_find_pos[] =
    "SELECT id, digest, receipt, signed_digest FROM records"
    " WHERE origin = $1 AND sequence = $2";
/* RecordIds are scoped per Origin (REC-25). */
static const char sql_find_id[] =
    "SELECT digest FROM records WHERE origin = $1 AND record_id = $2";
static const char sql_evidence[] =
    "INSERT INTO equivocations (kind, origin, sequence, record_id,"
    " digest_a, digest_b, bytes_b, seen_at, source)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING";
/* FOR UPDATE: the origin's row (sequence, tree size) is held until the
 * commit, so that processes sharing the database extend one log in turn. */
static const char sql_origin_get[] =
    "SELECT id, tree_size, max_sequence FROM origins WHERE name = $1"
    " FOR UPDATE";
static const char sql_origin_add[] =
    "INSERT INTO origins (name) VALUES ($1) ON CONFLICT DO NOTHING";
/* The record with its recipients, subjects and outbox rows in one round
 * trip: the lists are text arrays ($13 to $17), unnested beside the new
 * row's id. */
static const char sql_insert[] =
    "WITH r AS (INSERT INTO records (record_id, origin, sequence, type,"
    " issued, received, digest, bytes, broadcast, receipt, source,"
    " signed_digest, log_state, signer_until) VALUES ($1, $2, $3, $4, $5,"
    " $6, $7, $8, $9, $10, $11, $12, $18, $19) RETURNING id),"
    " rr AS (INSERT INTO record_recipients (rec, node_id)"
    " SELECT r.id, x FROM r, unnest($13::text[]) AS x"
    " ON CONFLICT DO NOTHING),"
    " sj AS (INSERT INTO subjects (rec, kind, scheme, value)"
    " SELECT r.id, k, sc, v FROM r,"
    " unnest($14::text[], $15::text[], $16::text[]) AS t(k, sc, v)"
    " ON CONFLICT DO NOTHING),"
    " ob AS (INSERT INTO outbox (rec, peer, next_attempt)"
    " SELECT r.id, p, $6 FROM r, unnest($17::text[]) AS p"
    " ON CONFLICT DO NOTHING)"
    " SELECT id FROM r";
static const char sql_origin_upd[] =
    "UPDATE origins SET records = records + 1,"
    " max_sequence = greatest(max_sequence, $2), tree_size = $3"
    " WHERE id = $1";
static const char sql_bytes_at[] =
    "SELECT bytes FROM records WHERE origin = $1 AND sequence = $2";

int sp_pg_evidence_put(sp_store_conn *c, const sp_store_req *req,
                       const char *kind, const char *digest_a)
{
	sp_pg_args a = {0};

	sp_pg_arg_text(&a, kind);
	sp_pg_arg_text(&a, req->origin);
	sp_pg_arg_i64(&a, (int64_t)req->sequence);
	sp_pg_arg_text(&a, req->record_id);
	sp_pg_arg_text(&a, digest_a);
	sp_pg_arg_text(&a, req->digest);
	sp_pg_arg_blob(&a, req->bytes, req->len);
	sp_pg_arg_i64(&a, req->received);
	sp_pg_arg_text(&a, req->source);
	return sp_pg_exec(c, sql_evidence, &a, "evidence");
}

static const char sql_evidence_add[] =
    "INSERT INTO evidence (kind, subject, digest, bytes, seen_at, source)"
    " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING";

int sp_pg_evidence_add(sp_store_conn *c, const char *kind, const char *subject,
                       const char *digest, const uint8_t *bytes, size_t len,
                       const char *source)
{
	sp_pg_args a = {0};

	sp_pg_arg_text(&a, kind);
	sp_pg_arg_text(&a, subject);
	sp_pg_arg_text(&a, digest);
	sp_pg_arg_blob(&a, bytes, len);
	sp_pg_arg_i64(&a, sp_store__now());
	sp_pg_arg_text(&a, source);
	return sp_pg_exec(c, sql_evidence_add, &a, "evidence-add");
}

int sp_pg_held_at(sp_store_conn *c, const char *origin, uint64_t sequence,
                  sp_store_held *out)
{
	sp_pg_args a = {0};
	PGresult *res;
	const uint8_t *b;
	size_t n;
	int err;

	memset(out, 0, sizeof(*out));
	sp_pg_arg_text(&a, origin);
	sp_pg_arg_i64(&a, (int64_t)sequence);
	if (!(res = sp_pg_run(c, sql_find_pos, &a, "find-position", &err)))
		return err;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return SP_ERR_NOT_FOUND;
	}
	out->rowid = sp_pg_i64(res, 0, 0);
	if ((b = sp_pg_blob(res, 0, 3, &n)) && n == 32) {
		memcpy(out->signed_digest, b, 32);
		out->has_signed_digest = 1;
	}
	err = sp_pg_text(res, 0, 1, out->digest, sizeof(out->digest));
	if (err == SP_OK && (b = sp_pg_blob(res, 0, 2, &n)) && n > 0)
		err =
		    sp_pg_blobdup(res, 0, 2, &out->receipt, &out->receipt_len);
	PQclear(res);
	return err;
}

int sp_pg_bytes_at(sp_store_conn *c, const char *origin, uint64_t sequence,
                   sp_store_bytes_fn fn, void *ctx)
{
	sp_pg_args a = {0};
	PGresult *res;
	const uint8_t *b;
	size_t n;
	int err;

	sp_pg_arg_text(&a, origin);
	sp_pg_arg_i64(&a, (int64_t)sequence);
	if (!(res = sp_pg_run(c, sql_bytes_at, &a, "held-record", &err)))
		return err;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return SP_ERR_NOT_FOUND;
	}
	b = sp_pg_blob(res, 0, 0, &n);
	err = fn(ctx, b ? b : (const uint8_t *)"", n);
	PQclear(res);
	return err;
}

int sp_pg_digest_of_id(sp_store_conn *c, const char *origin,
                       const char *record_id, char digest[65])
{
	sp_pg_args a = {0};
	PGresult *res;
	int err;

	sp_pg_arg_text(&a, origin);
	sp_pg_arg_text(&a, record_id);
	if (!(res = sp_pg_run(c, sql_find_id, &a, "find-id", &err)))
		return err;
	err = PQntuples(res) == 0 ? SP_ERR_NOT_FOUND
	                          : sp_pg_text(res, 0, 0, digest, 65);
	PQclear(res);
	return err;
}

int sp_pg_origin_get(sp_store_conn *c, const char *origin, int64_t *id,
                     uint64_t *tree_size, int64_t *max_seq)
{
	sp_pg_args a = {0};
	PGresult *res;
	int err, pass;

	sp_pg_arg_text(&a, origin);
	for (pass = 0; pass < 2; pass++) {
		if (!(res = sp_pg_run(c, sql_origin_get, &a, "origin", &err)))
			return err;
		if (PQntuples(res) == 1) {
			*id = sp_pg_i64(res, 0, 0);
			*tree_size = (uint64_t)sp_pg_i64(res, 0, 1);
			*max_seq = sp_pg_i64(res, 0, 2);
			PQclear(res);
			return SP_OK;
		}
		PQclear(res);
		/* another process may add it at the same time: then the
		 * insert waits for that one's commit and the row is read */
		if ((err = sp_pg_exec(c, sql_origin_add, &a, "origin-add")))
			return err;
	}
	return SP_ERR_INTERNAL;
}

/* Append s to a PostgreSQL array literal, quoted: backslash and double
 * quote escaped (the values are NodeIds and subject texts the store
 * validated; any text is safe this way). */
static void array_item(sp_text *t, const char *s)
{
	const char *p;

	sp_text_append(t, t->len > 1 ? ",\"" : "\"", t->len > 1 ? 2 : 1);
	for (p = s; *p; p++) {
		if (*p == '\\' || *p == '"')
			sp_text_append(t, "\\", 1);
		sp_text_append(t, p, 1);
	}
	sp_text_append(t, "\"", 1);
}

/* The text arrays of a record's lists; t[0..4]: recipients, subject
 * kinds, schemes, values, peers to deliver to. */
static int arrays(const sp_store_req *req, sp_text t[5])
{
	size_t i, k;

	for (k = 0; k < 5; k++)
		sp_text_append(&t[k], "{", 1);
	for (i = 0; i < req->n_recipients; i++)
		array_item(&t[0], req->recipients[i]);
	for (i = 0; i < req->n_subjects; i++) {
		const sp_subject *sj = &req->subjects[i];

		array_item(&t[1], sj->kind);
		array_item(&t[2], sj->scheme ? sj->scheme : "");
		array_item(&t[3], sj->value);
	}
	for (i = 0; i < req->n_deliver; i++)
		array_item(&t[4], req->deliver[i]);
	for (k = 0; k < 5; k++) {
		sp_text_append(&t[k], "}", 2); /* with the NUL */
		if (t[k].failed)
			return SP_ERR_NOMEM;
	}
	return SP_OK;
}

int sp_pg_record_insert(sp_store_conn *c, const sp_store_req *req,
                        int64_t *rowid)
{
	sp_pg_args a = {0};
	sp_text t[5];
	PGresult *res = NULL;
	size_t k;
	int err;

	memset(t, 0, sizeof(t));
	*rowid = 0;
	sp_pg_arg_text(&a, req->record_id);
	sp_pg_arg_text(&a, req->origin);
	sp_pg_arg_i64(&a, (int64_t)req->sequence);
	sp_pg_arg_text(&a, req->type);
	sp_pg_arg_i64(&a, req->issued);
	sp_pg_arg_i64(&a, req->received);
	sp_pg_arg_text(&a, req->digest);
	sp_pg_arg_blob(&a, req->bytes, req->len);
	sp_pg_arg_i64(&a, req->broadcast);
	sp_pg_arg_blob(&a, req->receipt, req->receipt_len);
	sp_pg_arg_text(&a, req->source);
	sp_pg_arg_blob(&a, req->has_signed_digest ? req->signed_digest : NULL,
	               32);
	if ((err = arrays(req, t)) == SP_OK) {
		for (k = 0; k < 5; k++)
			sp_pg_arg_text(&a, t[k].buf);
		sp_pg_arg_text(&a, sp_store_log_state_name(req->log_state));
		if (req->signer_until > 0)
			sp_pg_arg_i64(&a, req->signer_until);
		else
			sp_pg_arg_text(&a, NULL);
		res = sp_pg_run(c, sql_insert, &a, "insert", &err);
	}
	for (k = 0; k < 5; k++)
		sp_text_free(&t[k]);
	if (!res)
		return err;
	*rowid = PQntuples(res) == 1 ? sp_pg_i64(res, 0, 0) : 0;
	PQclear(res);
	return *rowid == 0 ? SP_ERR_INTERNAL : SP_OK;
}

int sp_pg_origin_update(sp_store_conn *c, int64_t origin_id, uint64_t sequence,
                        uint64_t tree_size)
{
	sp_pg_args a = {0};

	sp_pg_arg_i64(&a, origin_id);
	sp_pg_arg_i64(&a, (int64_t)sequence);
	sp_pg_arg_i64(&a, (int64_t)tree_size);
	return sp_pg_exec(c, sql_origin_upd, &a, "origin-update");
}

/* ---------------------------------------------------------------- merkle */

static const char sql_node_get[] =
    "SELECT hash FROM merkle_nodes WHERE origin_id = $1 AND level = $2"
    " AND idx = $3";
static const char sql_node_put[] =
    "INSERT INTO merkle_nodes (origin_id, level, idx, hash)"
    " VALUES ($1, $2, $3, $4)";
static const char sql_tree_origin[] =
    "SELECT id, tree_size FROM origins WHERE name = $1";

void sp_pg_nodes_forget(sp_store_conn *c)
{
	memset(c->last, 0, sizeof(c->last));
}

int sp_pg_node_get(sp_store_conn *c, int64_t origin_id, unsigned level,
                   uint64_t idx, uint8_t out[32])
{
	sp_pg_args a = {0};
	PGresult *res;
	const uint8_t *b = NULL;
	size_t n = 0;
	int err;

	if (level < SP_PG_LEVELS && c->last[level].valid &&
	    c->last[level].origin_id == origin_id &&
	    c->last[level].idx == idx) {
		memcpy(out, c->last[level].hash, 32);
		return SP_OK;
	}
	sp_pg_arg_i64(&a, origin_id);
	sp_pg_arg_i64(&a, level);
	sp_pg_arg_i64(&a, (int64_t)idx);
	if (!(res = sp_pg_run(c, sql_node_get, &a, "merkle-get", &err)))
		return err;
	if (PQntuples(res) == 1)
		b = sp_pg_blob(res, 0, 0, &n);
	if (b && n == 32) {
		memcpy(out, b, 32);
		PQclear(res);
		return SP_OK;
	}
	PQclear(res);
	/* every node below the tree size is written with its leaf */
	sp_log(SP_LOG_ERROR, "store_error",
	       SP_LF_STR("why", "merkle node missing"),
	       SP_LF_INT("origin_id", origin_id), SP_LF_UINT("level", level),
	       SP_LF_UINT("idx", idx));
	return SP_ERR_INTERNAL;
}

/* All the nodes one proof reads, in one statement: the wanted (level, idx)
 * pairs as two arrays, joined with the table's primary key. */
static const char sql_nodes_get[] =
    "SELECT n.level, n.idx, n.hash FROM merkle_nodes n"
    " JOIN unnest($2::bigint[], $3::bigint[]) AS w(level, idx)"
    " ON n.level = w.level AND n.idx = w.idx WHERE n.origin_id = $1";

/* "{a,b,...}" of n numbers into buf of cap >= n * 21 + 3 bytes (a number
 * and its comma take at most 21) */
static void pg_array(char *buf, size_t cap, size_t n, const uint64_t *v,
                     const unsigned *u)
{
	size_t i, o = 0;

	buf[o++] = '{';
	for (i = 0; i < n; i++)
		o += (size_t)snprintf(buf + o, cap - o, "%s%llu", i ? "," : "",
		                      (unsigned long long)(v ? v[i] : u[i]));
	buf[o++] = '}';
	buf[o] = '\0';
}

int sp_pg_nodes_get(sp_store_conn *c, int64_t origin_id, size_t n,
                    const unsigned *level, const uint64_t *idx,
                    uint8_t (*hash)[32])
{
	sp_pg_args a = {0};
	PGresult *res;
	char *levels = malloc(n * 21 + 3), *idxs = malloc(n * 21 + 3);
	size_t i, got = 0;
	int err = SP_OK, row;

	if (!levels || !idxs) {
		free(levels);
		free(idxs);
		return SP_ERR_NOMEM;
	}
	pg_array(levels, n * 21 + 3, n, NULL, level);
	pg_array(idxs, n * 21 + 3, n, idx, NULL);
	sp_pg_arg_i64(&a, origin_id);
	sp_pg_arg_text(&a, levels);
	sp_pg_arg_text(&a, idxs);
	res = sp_pg_run(c, sql_nodes_get, &a, "merkle-get-many", &err);
	free(levels);
	free(idxs);
	if (!res)
		return err;
	for (row = 0; row < PQntuples(res); row++) {
		int64_t l = sp_pg_i64(res, row, 0), x = sp_pg_i64(res, row, 1);
		const uint8_t *b;
		size_t blen = 0;

		b = sp_pg_blob(res, row, 2, &blen);
		for (i = 0; i < n && b && blen == 32; i++)
			if ((int64_t)level[i] == l && (int64_t)idx[i] == x) {
				memcpy(hash[i], b, 32);
				got++;
			}
	}
	PQclear(res);
	if (got != n) {
		/* every node below the tree size is written with its leaf */
		sp_log(SP_LOG_ERROR, "store_error",
		       SP_LF_STR("why", "merkle node missing"),
		       SP_LF_INT("origin_id", origin_id),
		       SP_LF_UINT("wanted", n), SP_LF_UINT("found", got));
		return SP_ERR_INTERNAL;
	}
	return SP_OK;
}

int sp_pg_node_put(sp_store_conn *c, int64_t origin_id, unsigned level,
                   uint64_t idx, const uint8_t h[32])
{
	sp_pg_args a = {0};

	int err;

	sp_pg_arg_i64(&a, origin_id);
	sp_pg_arg_i64(&a, level);
	sp_pg_arg_i64(&a, (int64_t)idx);
	sp_pg_arg_blob(&a, h, 32);
	if ((err = sp_pg_exec(c, sql_node_put, &a, "merkle-put")))
		return err;
	if (level < SP_PG_LEVELS) {
		c->last[level].origin_id = origin_id;
		c->last[level].idx = idx;
		memcpy(c->last[level].hash, h, 32);
		c->last[level].valid = 1;
	}
	return SP_OK;
}

int sp_pg_tree_origin(sp_store_conn *c, const char *origin, int64_t *origin_id,
                      uint64_t *size)
{
	sp_pg_args a = {0};
	PGresult *res;
	int err;

	sp_pg_arg_text(&a, origin);
	if (!(res = sp_pg_run(c, sql_tree_origin, &a, "tree-origin", &err)))
		return err;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return SP_ERR_NOT_FOUND;
	}
	*origin_id = sp_pg_i64(res, 0, 0);
	*size = (uint64_t)sp_pg_i64(res, 0, 1);
	PQclear(res);
	return SP_OK;
}

/* ---------------------------------------------------------------- checkpoints
 */

static const char sql_cp_find[] =
    "SELECT id FROM checkpoints WHERE origin = $1 AND size = $2"
    " AND root = $3";
static const char sql_cp_other[] =
    "SELECT count(*) FROM checkpoints WHERE origin = $1 AND size = $2"
    " AND root <> $3";
static const char sql_cp_add[] =
    "INSERT INTO checkpoints (origin, size, root, note, seen_at, source)"
    " VALUES ($1, $2, $3, $4, $5, $6)";
static const char sql_cp_note[] =
    "UPDATE checkpoints SET note = $1 WHERE id = $2";
static const char sql_cosig_add[] =
    "INSERT INTO cosignatures (checkpoint, witness, line, seen_at)"
    " VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING";

static void cp_key(sp_pg_args *a, const sp_store_cp_args *cp)
{
	sp_pg_arg_text(a, cp->origin);
	sp_pg_arg_i64(a, (int64_t)cp->size);
	sp_pg_arg_blob(a, cp->root, 32);
}

/* >0: id of the checkpoint; 0: none; <0: error. */
static int64_t cp_find(sp_store_conn *c, const sp_store_cp_args *cp)
{
	sp_pg_args a = {0};
	PGresult *res;
	int64_t id;
	int err;

	cp_key(&a, cp);
	if (!(res = sp_pg_run(c, sql_cp_find, &a, "checkpoint-find", &err)))
		return err;
	id = PQntuples(res) ? sp_pg_i64(res, 0, 0) : 0;
	PQclear(res);
	return id;
}

int sp_pg_checkpoint_put(sp_store_conn *c, const sp_store_cp_args *cp)
{
	sp_pg_args a = {0};
	PGresult *res;
	int64_t id, others;
	int err;

	if ((id = cp_find(c, cp)) < 0)
		return (int)id;
	if (id > 0 && cp->replace_note) {
		sp_pg_arg_text(&a, cp->note);
		sp_pg_arg_i64(&a, id);
		if ((err = sp_pg_exec(c, sql_cp_note, &a, "checkpoint-note")))
			return err;
	}
	if (id > 0)
		return SP_STORE_DUPLICATE;
	if (cp->replace_note)
		return SP_ERR_NOT_FOUND;
	cp_key(&a, cp);
	if (!(res = sp_pg_run(c, sql_cp_other, &a, "checkpoint-other", &err)))
		return err;
	others = sp_pg_i64(res, 0, 0);
	PQclear(res);
	sp_pg_arg_text(&a, cp->note);
	sp_pg_arg_i64(&a, sp_store__now());
	sp_pg_arg_text(&a, cp->source);
	if ((err = sp_pg_exec(c, sql_cp_add, &a, "checkpoint-add")))
		return err;
	return others ? SP_STORE_EQUIVOCATION : SP_STORE_INSERTED;
}

int sp_pg_cosignature_put(sp_store_conn *c, const sp_store_cp_args *cp)
{
	sp_pg_args a = {0};
	int64_t id;

	if ((id = cp_find(c, cp)) < 0)
		return (int)id;
	if (id == 0)
		return SP_ERR_NOT_FOUND;
	sp_pg_arg_i64(&a, id);
	sp_pg_arg_text(&a, cp->witness);
	sp_pg_arg_text(&a, cp->line);
	sp_pg_arg_i64(&a, sp_store__now());
	return sp_pg_exec(c, sql_cosig_add, &a, "cosignature-add");
}

/* ---------------------------------------------------------------- trust lists
 */

static const char sql_tl_get[] =
    "SELECT sequence, bytes FROM trust_lists WHERE federation = $1"
    " FOR UPDATE";
static const char sql_tl_put[] =
    "INSERT INTO trust_lists (federation, sequence, bytes, stored_at)"
    " VALUES ($1, $2, $3, $4) ON CONFLICT (federation) DO UPDATE SET"
    " sequence = excluded.sequence, bytes = excluded.bytes,"
    " stored_at = excluded.stored_at";

int sp_pg_trust_list_put(sp_store_conn *c, const char *federation,
                         uint64_t sequence, const uint8_t *bytes, size_t len,
                         int reset)
{
	sp_pg_args a = {0};
	PGresult *res;
	int err;

	sp_pg_arg_text(&a, federation);
	if (reset)
		goto put;
	if (!(res = sp_pg_run(c, sql_tl_get, &a, "trust-list-get", &err)))
		return err;
	if (PQntuples(res) == 1) {
		uint64_t have = (uint64_t)sp_pg_i64(res, 0, 0);
		size_t n;
		const uint8_t *b = sp_pg_blob(res, 0, 1, &n);
		int same = n == len && b && memcmp(b, bytes, n) == 0;

		PQclear(res);
		if (have > sequence)
			return SP_ERR_TRUST_LIST_ROLLBACK;
		if (have == sequence)
			return same ? SP_OK : SP_ERR_EQUIVOCATION;
	} else {
		PQclear(res);
	}
put:
	sp_pg_arg_i64(&a, (int64_t)sequence);
	sp_pg_arg_blob(&a, bytes, len);
	sp_pg_arg_i64(&a, sp_store__now());
	return sp_pg_exec(c, sql_tl_put, &a, "trust-list-put");
}

/* ---------------------------------------------------------------- revocations
 */

static const char sql_revoked_add[] =
    "INSERT INTO revocations (federation, kind, subject, node_id, sequence,"
    " revoked_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING";

int sp_pg_revoked_add(sp_store_conn *c, const char *federation,
                      const sp_store_revocation *v, size_t n)
{
	size_t i;
	int err;

	for (i = 0; i < n; i++) {
		sp_pg_args a = {0};

		sp_pg_arg_text(&a, federation);
		sp_pg_arg_text(&a, sp_store__revoked_kind_name(v[i].kind));
		sp_pg_arg_text(&a, v[i].subject);
		sp_pg_arg_text(&a, v[i].node_id);
		sp_pg_arg_i64(&a, (int64_t)v[i].sequence);
		sp_pg_arg_i64(&a, sp_store__now());
		if ((err = sp_pg_exec(c, sql_revoked_add, &a, "revoked-add")))
			return err;
	}
	return SP_OK;
}

/* ---------------------------------------------------------------- state */

static const char sql_state_put[] =
    "INSERT INTO node_state (key, value, updated) VALUES ($1, $2, $3)"
    " ON CONFLICT (key) DO UPDATE SET value = excluded.value,"
    " updated = excluded.updated";
static const char sql_state_del[] = "DELETE FROM node_state WHERE key = $1";

int sp_pg_state_put(sp_store_conn *c, const char *key, const char *value)
{
	sp_pg_args a = {0};

	sp_pg_arg_text(&a, key);
	if (!value)
		return sp_pg_exec(c, sql_state_del, &a, "state-put");
	sp_pg_arg_text(&a, value);
	sp_pg_arg_i64(&a, sp_store__now());
	return sp_pg_exec(c, sql_state_put, &a, "state-put");
}

/* ---------------------------------------------------------------- log state
 */

/* Issued later than the limit, or a signer whose validity (or whose
 * member's, by revocation) ended before the existence bound: never
 * confirmed, unlogged with a reason; the row returned says it was
 * refused. */
static const char sql_log_refuse[] =
    "UPDATE records SET log_state = 'unlogged',"
    " log_refused = CASE WHEN issued > $3::bigint"
    " THEN 'issued-out-of-bounds'"
    " WHEN $5::bigint < $4::bigint THEN 'signer-revoked'"
    " ELSE 'signer-expired' END"
    " WHERE origin = $1 AND sequence = $2 AND log_state = 'pending'"
    " AND (issued > $3::bigint OR signer_until < $4::bigint"
    " OR $5::bigint < $4::bigint) RETURNING sequence";

/* A pending record whose signer's validity, or whose member's (by
 * revocation), ended before the bound: held for an earlier one. */
static const char sql_log_signer_ended[] =
    "SELECT 1 FROM records WHERE origin = $1 AND sequence = $2"
    " AND log_state = 'pending'"
    " AND (signer_until < $3::bigint OR $4::bigint < $3::bigint)";

static const char sql_log_state[] =
    "UPDATE records SET log_state = $3, exists_by = $4"
    " WHERE origin = $1 AND sequence = $2 AND log_state = 'pending'";

/* 1 if the record at seq was refused by how->issued_max, or by the
 * signer's end before signer_bound, 0 if not. */
static int log_refuse(sp_store_conn *w, const char *origin, uint64_t seq,
                      const sp_store_settle *how, int64_t signer_bound,
                      int *err)
{
	sp_pg_args a = {0};
	PGresult *res;
	int refused;

	sp_pg_arg_text(&a, origin);
	sp_pg_arg_i64(&a, (int64_t)seq);
	sp_pg_arg_i64(&a, how->issued_max);
	sp_pg_arg_i64(&a, signer_bound);
	sp_pg_arg_i64(&a, how->invalid_from);
	if ((res = sp_pg_run(w, sql_log_refuse, &a, "log-refuse", err)) == NULL)
		return 0;
	refused = PQntuples(res) > 0;
	PQclear(res);
	return refused;
}

/* 1 if the pending record at seq has a signer that ended before bound. */
static int signer_ended(sp_store_conn *w, const char *origin, uint64_t seq,
                        const sp_store_settle *how, int64_t bound, int *err)
{
	sp_pg_args a = {0};
	PGresult *res;
	int ended;

	sp_pg_arg_text(&a, origin);
	sp_pg_arg_i64(&a, (int64_t)seq);
	sp_pg_arg_i64(&a, bound);
	sp_pg_arg_i64(&a, how->invalid_from);
	if ((res = sp_pg_run(w, sql_log_signer_ended, &a, "log-signer", err)) ==
	    NULL)
		return 0;
	ended = PQntuples(res) > 0;
	PQclear(res);
	return ended;
}

int sp_pg_log_state_set(sp_store_conn *w, const char *origin,
                        const uint64_t *seqs, size_t n,
                        const sp_store_settle *how, uint64_t *refused,
                        size_t *n_refused)
{
	int err = SP_OK;
	int64_t bound = how->exists_by - how->signer_slack;
	int hold = how->held != NULL && how->exists_by > 0;

	for (size_t i = 0; i < n; i++) {
		sp_pg_args a = {0};

		if (how->state == SP_LOG_CONFIRMED &&
		    (how->issued_max != INT64_MAX || how->exists_by > 0)) {
			/* held: only Issued refuses here, the signer's end
			 * keeps the record pending for an earlier bound */
			if (log_refuse(w, origin, seqs[i], how,
			               hold ? INT64_MIN : bound, &err)) {
				refused[(*n_refused)++] = seqs[i];
				continue;
			}
			if (err == SP_OK && hold &&
			    signer_ended(w, origin, seqs[i], how, bound,
			                 &err)) {
				how->held[(*how->n_held)++] = seqs[i];
				continue;
			}
			if (err != SP_OK)
				return err;
		}
		sp_pg_arg_text(&a, origin);
		sp_pg_arg_i64(&a, (int64_t)seqs[i]);
		sp_pg_arg_text(&a, sp_store_log_state_name(how->state));
		if (how->state == SP_LOG_CONFIRMED && how->exists_by > 0)
			sp_pg_arg_i64(&a, how->exists_by);
		else
			sp_pg_arg_text(&a, NULL);
		if ((err = sp_pg_exec(w, sql_log_state, &a, "log-state")))
			return err;
	}
	return SP_OK;
}

/* [TL-77]: a revocation whose InvalidFrom lies before a confirmed record's
 * bound takes the record's effect away; it stays, with its bound, as
 * evidence of what the compromised key signed. */
static const char sql_log_revoke[] =
    "UPDATE records SET log_state = 'unlogged', log_refused = 'signer-revoked'"
    " WHERE origin = $1 AND log_state = 'confirmed'"
    " AND exists_by > $2::bigint RETURNING sequence";

int sp_pg_log_revoke(sp_store_conn *w, const char *origin, int64_t after,
                     uint64_t *seqs, size_t max, size_t *n)
{
	sp_pg_args a = {0};
	PGresult *res;
	int err = SP_OK, i, rows;

	sp_pg_arg_text(&a, origin);
	sp_pg_arg_i64(&a, after);
	if ((res = sp_pg_run(w, sql_log_revoke, &a, "log-revoke", &err)) ==
	    NULL)
		return err;
	rows = PQntuples(res);
	for (i = 0; i < rows; i++) {
		if (*n < max)
			seqs[*n] = (uint64_t)sp_pg_i64(res, i, 0);
		(*n)++;
	}
	PQclear(res);
	return SP_OK;
}
