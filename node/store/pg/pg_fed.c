/* pg_fed.c: the PostgreSQL driver's federation side: outbox rows, pages
 * and counts, delivery results, catch-up positions, and the operator
 * console's deliveries and evidence. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_int.h"

static const char sql_rec_by_id[] =
    "SELECT id FROM records WHERE origin = $1 AND record_id = $2";
static const char sql_outbox_add[] =
    "INSERT INTO outbox (rec, peer, next_attempt) VALUES ($1, $2, $3)"
    " ON CONFLICT DO NOTHING";

int sp_pg_outbox_enqueue(sp_store_conn *c, const sp_store_ob_args *ob)
{
	sp_pg_args a = {0}, b = {0};
	PGresult *res;
	int err;

	sp_pg_arg_text(&a, ob->origin);
	sp_pg_arg_text(&a, ob->record_id);
	if (!(res = sp_pg_run(c, sql_rec_by_id, &a, "outbox-record", &err)))
		return err;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return SP_ERR_NOT_FOUND;
	}
	sp_pg_arg_i64(&b, sp_pg_i64(res, 0, 0));
	PQclear(res);
	sp_pg_arg_text(&b, ob->peer);
	sp_pg_arg_i64(&b, ob->next_attempt);
	return sp_pg_exec(c, sql_outbox_add, &b, "outbox-enqueue");
}

static const char sql_peer_due[] =
    "SELECT o.id, r.record_id, r.sequence, r.digest, r.received,"
    " o.attempts, r.bytes, r.origin FROM outbox o JOIN records r"
    " ON r.id = o.rec WHERE o.state = 'pending' AND o.peer = $1"
    " AND o.id > $2 AND o.next_attempt <= $3 ORDER BY o.id LIMIT $4";

static int due_row(const PGresult *res, int i, sp_fed_outbox_item *it)
{
	int err;

	it->id = sp_pg_i64(res, i, 0);
	it->sequence = (uint64_t)sp_pg_i64(res, i, 2);
	it->received = sp_pg_i64(res, i, 4);
	it->attempts = (uint32_t)sp_pg_i64(res, i, 5);
	if ((err =
	         sp_pg_text(res, i, 1, it->record_id, sizeof(it->record_id))) ||
	    (err = sp_pg_text(res, i, 3, it->digest, sizeof(it->digest))) ||
	    (err = sp_pg_text(res, i, 7, it->origin, sizeof(it->origin))) ||
	    (err = sp_pg_blobdup(res, i, 6, &it->bytes, &it->len)))
		return err;
	return it->bytes && it->len ? SP_OK : SP_ERR_IO;
}

/* Every row of res (the columns due_row reads) into *items; clears res. */
static int due_rows(PGresult *res, sp_fed_outbox_item **items, size_t *n)
{
	size_t k, rows = (size_t)PQntuples(res);
	sp_fed_outbox_item *it;
	int err = SP_OK;

	if (rows == 0) {
		PQclear(res);
		return SP_OK;
	}
	if (!(it = calloc(rows, sizeof(*it)))) {
		PQclear(res);
		return SP_ERR_NOMEM;
	}
	for (k = 0; k < rows && err == SP_OK; k++)
		err = due_row(res, (int)k, &it[k]);
	PQclear(res);
	if (err) {
		sp_fed_outbox_items_free(it, k);
		return err;
	}
	*items = it;
	*n = rows;
	return SP_OK;
}

int sp_pg_outbox_due(sp_store_conn *c, const char *peer, int64_t after_id,
                     int64_t now, size_t max, sp_fed_outbox_item **items,
                     size_t *n)
{
	sp_pg_args a = {0};
	PGresult *res;
	int err = SP_OK;

	if (items)
		*items = NULL;
	if (n)
		*n = 0;
	if (!c || !peer || !items || !n)
		return SP_ERR_INVALID_ARGUMENT;
	if (max == 0)
		return SP_OK;
	if (max > SP_STORE_LIST_MAX)
		max = SP_STORE_LIST_MAX;
	sp_pg_arg_text(&a, peer);
	sp_pg_arg_i64(&a, after_id);
	sp_pg_arg_i64(&a, now);
	sp_pg_arg_i64(&a, (int64_t)max);
	if (!(res = sp_pg_run(c, sql_peer_due, &a, "fed-outbox-due", &err)))
		return err;
	return due_rows(res, items, n);
}

/* The due rows, locked (SKIP LOCKED: not those another process's
 * transaction is claiming), moved lease seconds ahead, then read with
 * their records in id order. */
static const char sql_claim[] =
    "WITH due AS (SELECT id FROM outbox WHERE state = 'pending'"
    " AND peer = $1 AND id > $2 AND next_attempt <= $3"
    " ORDER BY id LIMIT $4 FOR UPDATE SKIP LOCKED),"
    " claimed AS (UPDATE outbox o SET next_attempt = $3 + $5 FROM due"
    " WHERE o.id = due.id RETURNING o.id, o.rec, o.attempts)"
    " SELECT c.id, r.record_id, r.sequence, r.digest, r.received,"
    " c.attempts, r.bytes, r.origin FROM claimed c JOIN records r"
    " ON r.id = c.rec ORDER BY c.id";

int sp_pg_outbox_claim(sp_store_conn *c, const char *peer, int64_t after_id,
                       int64_t now, int64_t lease_s, size_t max,
                       sp_fed_outbox_item **items, size_t *n)
{
	sp_pg_args a = {0};
	PGresult *res;
	int err = SP_OK;

	*items = NULL;
	*n = 0;
	if (max == 0)
		return SP_OK;
	if (max > SP_STORE_LIST_MAX)
		max = SP_STORE_LIST_MAX;
	sp_pg_arg_text(&a, peer);
	sp_pg_arg_i64(&a, after_id);
	sp_pg_arg_i64(&a, now);
	sp_pg_arg_i64(&a, (int64_t)max);
	sp_pg_arg_i64(&a, lease_s);
	if (!(res = sp_pg_run(c, sql_claim, &a, "fed-outbox-claim", &err)))
		return err;
	return due_rows(res, items, n);
}

static const char sql_counts[] =
    "SELECT o.peer, count(*) FILTER (WHERE o.next_attempt < $1),"
    " count(*) FILTER (WHERE o.next_attempt >= $1),"
    " min(r.received) FILTER (WHERE o.next_attempt < $1)"
    " FROM outbox o JOIN records r ON r.id = o.rec"
    " WHERE o.state = 'pending' GROUP BY o.peer";

int sp_pg_outbox_counts(sp_store_conn *c, sp_fed_outbox_count **out, size_t *n)
{
	sp_pg_args a = {0};
	sp_fed_outbox_count *v;
	PGresult *res;
	int err = SP_OK, i, rows;

	*out = NULL;
	*n = 0;
	sp_pg_arg_i64(&a, SP_FED_NEVER);
	if (!(res = sp_pg_run(c, sql_counts, &a, "fed-outbox-counts", &err)))
		return err;
	rows = PQntuples(res);
	if (rows > 4096 || !(v = calloc(rows ? (size_t)rows : 1, sizeof(*v)))) {
		PQclear(res);
		return SP_ERR_NOMEM;
	}
	for (i = 0; i < rows && err == SP_OK; i++) {
		err = sp_pg_text(res, i, 0, v[i].peer, sizeof(v[i].peer));
		v[i].pending = (uint64_t)sp_pg_i64(res, i, 1);
		v[i].failed = (uint64_t)sp_pg_i64(res, i, 2);
		v[i].oldest = sp_pg_i64(res, i, 3);
	}
	PQclear(res);
	if (err) {
		free(v);
		return err;
	}
	if (rows == 0) {
		free(v);
		v = NULL;
	}
	*out = v;
	*n = (size_t)rows;
	return SP_OK;
}

/* ---------------------------------------------------------------- results */

static const char sql_delivered[] =
    "UPDATE outbox SET state = 'delivered', last_error = NULL"
    " WHERE id = $1 AND state = 'pending' RETURNING rec, peer";
static const char sql_receipt_add[] =
    "INSERT INTO peer_receipts (rec, peer, receipt, received_at)"
    " VALUES ($1, $2, $3, $4) ON CONFLICT (rec, peer) DO UPDATE SET"
    " receipt = excluded.receipt, received_at = excluded.received_at";
static const char sql_resched[] =
    "UPDATE outbox SET attempts = attempts + 1, next_attempt = $2,"
    " last_error = $3 WHERE id = $1 AND state = 'pending'";
static const char sql_abandon[] =
    "UPDATE outbox SET next_attempt = $2, last_error = $3"
    " WHERE peer = $1 AND state = 'pending' AND next_attempt < $2";

int sp_pg_outbox_delivered(sp_store_conn *c, const sp_store_ob_args *ob)
{
	sp_pg_args a = {0}, b = {0};
	char peer[SP_NODE_ID_MAX + 1];
	PGresult *res;
	int err;

	sp_pg_arg_i64(&a, ob->id);
	if (!(res = sp_pg_run(c, sql_delivered, &a, "fed-delivered", &err)))
		return err;
	if (PQntuples(res) != 1) {
		/* already delivered (a duplicate answer): nothing to do */
		PQclear(res);
		return SP_ERR_NOT_FOUND;
	}
	sp_pg_arg_i64(&b, sp_pg_i64(res, 0, 0));
	err = sp_pg_text(res, 0, 1, peer, sizeof(peer));
	PQclear(res);
	if (err)
		return err;
	sp_pg_arg_text(&b, peer);
	sp_pg_arg_blob(&b, ob->receipt ? ob->receipt : (const uint8_t *)"",
	               ob->receipt_len);
	sp_pg_arg_i64(&b, sp_store__now());
	return sp_pg_exec(c, sql_receipt_add, &b, "fed-peer-receipt");
}

int sp_pg_outbox_reschedule(sp_store_conn *c, const sp_store_ob_args *ob)
{
	sp_pg_args a = {0};
	PGresult *res;
	int err;

	sp_pg_arg_i64(&a, ob->id);
	sp_pg_arg_i64(&a, ob->next_attempt);
	sp_pg_arg_text(&a, ob->error);
	if (!(res = sp_pg_run(c, sql_resched, &a, "fed-reschedule", &err)))
		return err;
	err = strcmp(PQcmdTuples(res), "1") == 0 ? SP_OK : SP_ERR_NOT_FOUND;
	PQclear(res);
	return err;
}

int sp_pg_outbox_abandon(sp_store_conn *c, const sp_store_ob_args *ob)
{
	sp_pg_args a = {0};

	sp_pg_arg_text(&a, ob->peer);
	sp_pg_arg_i64(&a, SP_FED_NEVER);
	sp_pg_arg_text(&a, ob->error);
	return sp_pg_exec(c, sql_abandon, &a, "fed-abandon");
}

/* ---------------------------------------------------------------- catch-up */

static const char sql_max_seq[] =
    "SELECT max_sequence FROM origins WHERE name = $1";
static const char sql_digest_at[] =
    "SELECT digest FROM records WHERE origin = $1 AND sequence = $2";
static const char sql_by_digest[] =
    "SELECT record_id, origin, sequence, receipt FROM records"
    " WHERE digest = $1 AND receipt IS NOT NULL LIMIT 1";

int sp_pg_max_sequence(sp_store_conn *c, const char *origin, int64_t *max)
{
	sp_pg_args a = {0};
	PGresult *res;
	int err;

	*max = -1;
	sp_pg_arg_text(&a, origin);
	if (!(res = sp_pg_run(c, sql_max_seq, &a, "fed-max-sequence", &err)))
		return err;
	if (PQntuples(res) == 1)
		*max = sp_pg_i64(res, 0, 0);
	PQclear(res);
	return SP_OK;
}

int sp_pg_digest_at(sp_store_conn *c, const char *origin, uint64_t sequence,
                    char digest[65])
{
	sp_pg_args a = {0};
	PGresult *res;
	int err;

	digest[0] = '\0';
	sp_pg_arg_text(&a, origin);
	sp_pg_arg_i64(&a, (int64_t)sequence);
	if (!(res = sp_pg_run(c, sql_digest_at, &a, "fed-digest-at", &err)))
		return err;
	err = PQntuples(res) ? sp_pg_text(res, 0, 0, digest, 65)
	                     : SP_ERR_NOT_FOUND;
	PQclear(res);
	return err;
}

int sp_pg_by_digest(sp_store_conn *c, const char digest[65],
                    char record_id[SP_UUID_LEN + 1],
                    char origin[SP_NODE_ID_MAX + 1], uint64_t *sequence,
                    uint8_t **receipt, size_t *receipt_len)
{
	sp_pg_args a = {0};
	PGresult *res;
	int err;

	*receipt = NULL;
	*receipt_len = 0;
	sp_pg_arg_text(&a, digest);
	if (!(res = sp_pg_run(c, sql_by_digest, &a, "fed-by-digest", &err)))
		return err;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return SP_ERR_NOT_FOUND;
	}
	if ((err = sp_pg_text(res, 0, 0, record_id, SP_UUID_LEN + 1)) ==
	        SP_OK &&
	    (err = sp_pg_text(res, 0, 1, origin, SP_NODE_ID_MAX + 1)) ==
	        SP_OK) {
		*sequence = (uint64_t)sp_pg_i64(res, 0, 2);
		err = sp_pg_blobdup(res, 0, 3, receipt, receipt_len);
		if (err == SP_OK && (!*receipt || *receipt_len == 0)) {
			free(*receipt);
			*receipt = NULL;
			*receipt_len = 0;
			err = SP_ERR_NOT_FOUND;
		}
	}
	PQclear(res);
	return err;
}

/* ---------------------------------------------------------------- console */

static const char sql_deliveries[] =
    "SELECT o.peer, o.state, o.attempts, o.next_attempt, o.last_error,"
    " pr.received_at, length(pr.receipt)::bigint"
    " FROM records r JOIN outbox o ON o.rec = r.id"
    " LEFT JOIN peer_receipts pr ON pr.rec = r.id AND pr.peer = o.peer"
    " WHERE r.origin = $1 AND r.record_id = $2 ORDER BY o.peer LIMIT 1024";

int sp_pg_console_deliveries(sp_store_conn *c, const char *origin,
                             const char *record_id, sp_store_delivery **out,
                             size_t *n)
{
	sp_pg_args a = {0};
	sp_store_delivery *d;
	PGresult *res;
	char state[16];
	int err = SP_OK, i, rows;

	sp_pg_arg_text(&a, origin);
	sp_pg_arg_text(&a, record_id);
	if (!(res =
	          sp_pg_run(c, sql_deliveries, &a, "console-deliveries", &err)))
		return err;
	rows = PQntuples(res);
	if (!(d = calloc(rows ? (size_t)rows : 1, sizeof(*d)))) {
		PQclear(res);
		return SP_ERR_NOMEM;
	}
	for (i = 0; i < rows && err == SP_OK; i++) {
		sp_store_delivery *x = &d[i];

		if ((err = sp_pg_text(res, i, 0, x->peer, sizeof(x->peer))) ||
		    (err = sp_pg_text(res, i, 1, state, sizeof(state))))
			break;
		x->delivered = strcmp(state, "delivered") == 0;
		x->attempts = (uint32_t)sp_pg_i64(res, i, 2);
		x->next_attempt = sp_pg_i64(res, i, 3);
		if (!PQgetisnull(res, i, 4))
			snprintf(x->last_error, sizeof(x->last_error), "%.*s",
			         PQgetlength(res, i, 4), PQgetvalue(res, i, 4));
		x->receipt_at = sp_pg_i64(res, i, 5);
		x->receipt_len = (size_t)sp_pg_i64(res, i, 6);
	}
	PQclear(res);
	if (err) {
		free(d);
		return err;
	}
	*out = d;
	*n = (size_t)rows;
	return SP_OK;
}

/* The held side of a record conflict is the record stored with digest_a. */
static const char sql_ev_records[] =
    "SELECT e.kind, e.origin, e.sequence, e.record_id, e.digest_a,"
    " e.digest_b, e.bytes_b, e.seen_at, e.source,"
    " (SELECT r.bytes FROM records r WHERE r.origin = e.origin"
    "  AND r.digest = e.digest_a LIMIT 1)"
    " FROM equivocations e ORDER BY e.id DESC LIMIT $1";
/* Two roots for one size: the first seen is a, each later one b. The
 * notes are text; their bytes are returned as SQLite's query does. */
static const char sql_ev_checkpoints[] =
    "SELECT 'checkpoint', b.origin, b.size, '', encode(a.root, 'hex'),"
    " encode(b.root, 'hex'), convert_to(b.note, 'UTF8'), b.seen_at,"
    " b.source, convert_to(a.note, 'UTF8')"
    " FROM checkpoints a JOIN checkpoints b ON b.origin = a.origin"
    " AND b.size = a.size AND b.id > a.id"
    " WHERE a.id = (SELECT min(c.id) FROM checkpoints c"
    "  WHERE c.origin = a.origin AND c.size = a.size)"
    " ORDER BY b.id DESC LIMIT $1";

/* One document: no held side (a NULL a, an empty digest_a). */
static const char sql_ev_documents[] =
    "SELECT kind, subject, 0::bigint, ''::text, ''::text, digest, bytes,"
    " seen_at, source, NULL::bytea"
    " FROM evidence ORDER BY id DESC LIMIT $1";

static int evidence_row(const PGresult *res, int i, sp_store_evidence *x)
{
	int err;

	memset(x, 0, sizeof(*x));
	x->sequence = (uint64_t)sp_pg_i64(res, i, 2);
	x->seen_at = sp_pg_i64(res, i, 7);
	if ((err = sp_pg_text(res, i, 0, x->kind, sizeof(x->kind))) ||
	    (err = sp_pg_text(res, i, 1, x->origin, sizeof(x->origin))) ||
	    (err = sp_pg_text(res, i, 3, x->record_id, sizeof(x->record_id))) ||
	    (err = sp_pg_text(res, i, 4, x->digest_a, sizeof(x->digest_a))) ||
	    (err = sp_pg_text(res, i, 5, x->digest_b, sizeof(x->digest_b))) ||
	    (err = sp_pg_text(res, i, 8, x->source, sizeof(x->source))) ||
	    (err = sp_pg_blobdup(res, i, 6, &x->b, &x->b_len)))
		return err;
	return sp_pg_blobdup(res, i, 9, &x->a, &x->a_len);
}

static int evidence_query(sp_store_conn *c, const char *sql, size_t max,
                          sp_store_evidence **d, size_t *n)
{
	sp_pg_args a = {0};
	sp_store_evidence *grown;
	PGresult *res;
	int err = SP_OK, i, rows;

	sp_pg_arg_i64(&a, (int64_t)max);
	if (!(res = sp_pg_run(c, sql, &a, "console-evidence", &err)))
		return err;
	rows = PQntuples(res);
	if (rows > 0) {
		grown = realloc(*d, (*n + (size_t)rows) * sizeof(**d));
		if (!grown) {
			PQclear(res);
			return SP_ERR_NOMEM;
		}
		*d = grown;
	}
	for (i = 0; i < rows && err == SP_OK; i++) {
		err = evidence_row(res, i, &(*d)[*n]);
		(*n)++; /* counted even on error, so that its blobs are freed */
	}
	PQclear(res);
	return err;
}

int sp_pg_console_evidence(sp_store_conn *c, size_t max,
                           sp_store_evidence **out, size_t *n)
{
	sp_store_evidence *d = NULL;
	int err;

	if ((err = evidence_query(c, sql_ev_records, max, &d, n)) == SP_OK)
		err = evidence_query(c, sql_ev_checkpoints, max, &d, n);
	if (err == SP_OK)
		err = evidence_query(c, sql_ev_documents, max, &d, n);
	if (err != SP_OK) {
		sp_store_evidence_free(d, *n);
		*n = 0;
		return err;
	}
	*out = d;
	return SP_OK;
}

/* ---------------------------------------------------------------- log state
 */

static const char sql_log_pending[] =
    "SELECT sequence, digest, received FROM records"
    " WHERE origin = $1 AND sequence >= $2 AND log_state = 'pending'"
    " ORDER BY sequence LIMIT $3";

int sp_pg_log_pending(sp_store_conn *c, const char *origin, uint64_t from,
                      size_t max, sp_store_pending **out, size_t *n)
{
	sp_pg_args a = {0};
	sp_store_pending *v;
	PGresult *res;
	size_t rows, k;
	int err = SP_OK;

	sp_pg_arg_text(&a, origin);
	sp_pg_arg_i64(&a, (int64_t)from);
	sp_pg_arg_i64(&a, (int64_t)max);
	if (!(res = sp_pg_run(c, sql_log_pending, &a, "log-pending", &err)))
		return err;
	rows = (size_t)PQntuples(res);
	if (rows > max)
		rows = max;
	if (rows == 0) {
		PQclear(res);
		return SP_OK;
	}
	if (!(v = calloc(rows, sizeof(*v)))) {
		PQclear(res);
		return SP_ERR_NOMEM;
	}
	for (k = 0; k < rows && err == SP_OK; k++) {
		v[k].sequence = (uint64_t)sp_pg_i64(res, (int)k, 0);
		v[k].received = sp_pg_i64(res, (int)k, 2);
		err = sp_pg_text(res, (int)k, 1, v[k].digest,
		                 sizeof(v[k].digest));
	}
	PQclear(res);
	if (err != SP_OK) {
		free(v);
		return err;
	}
	*out = v;
	*n = rows;
	return SP_OK;
}
