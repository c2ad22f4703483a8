/* sqlite_fed.c: the SQLite driver's federation side: per-peer outbox pages
 * with record bytes, outbox counts, delivery results, and catch-up
 * positions. */
#include "sqlite_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char sql_peer_due[] =
    "SELECT o.id, r.record_id, r.sequence, r.digest, r.received,"
    " o.attempts, r.bytes, r.origin FROM outbox o JOIN records r ON r.id = "
    "o.rec"
    " WHERE o.state = 'pending' AND o.peer = ?1 AND o.id > ?2"
    " AND o.next_attempt <= ?3 ORDER BY o.id LIMIT ?4";

int sp_sqlite_outbox_due(sp_store_conn *r, const char *peer, int64_t after_id,
                         int64_t now, size_t max, sp_fed_outbox_item **items,
                         size_t *n)
{
	sp_fed_outbox_item *a = NULL;
	sqlite3_stmt *st;
	int err = SP_OK, rc = SQLITE_DONE;
	size_t k = 0;

	if (items)
		*items = NULL;
	if (n)
		*n = 0;
	if (!r || !peer || !items || !n)
		return SP_ERR_INVALID_ARGUMENT;
	if (max == 0)
		return SP_OK;
	if (max > SP_STORE_LIST_MAX)
		max = SP_STORE_LIST_MAX;
	if (!(st = sp_store__stmt(r->db, &r->st, sql_peer_due, &err)))
		return err;
	if (!(a = calloc(max, sizeof(*a)))) {
		sqlite3_reset(st);
		return SP_ERR_NOMEM;
	}
	sqlite3_bind_text(st, 1, peer, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, after_id);
	sqlite3_bind_int64(st, 3, now);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)max);
	while (k < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const void *b = sqlite3_column_blob(st, 6);
		size_t len = (size_t)sqlite3_column_bytes(st, 6);

		a[k].id = sqlite3_column_int64(st, 0);
		a[k].sequence = (uint64_t)sqlite3_column_int64(st, 2);
		a[k].received = sqlite3_column_int64(st, 4);
		a[k].attempts = (uint32_t)sqlite3_column_int64(st, 5);
		if ((err = sp_store__col_text(st, 1, a[k].record_id,
		                              sizeof(a[k].record_id))) ||
		    (err = sp_store__col_text(st, 3, a[k].digest,
		                              sizeof(a[k].digest))) ||
		    (err = sp_store__col_text(st, 7, a[k].origin,
		                              sizeof(a[k].origin))))
			break;
		if (b == NULL || len == 0 ||
		    (a[k].bytes = malloc(len)) == NULL) {
			err = b == NULL ? SP_ERR_IO : SP_ERR_NOMEM;
			break;
		}
		memcpy(a[k].bytes, b, len);
		a[k].len = len;
		k++;
	}
	if (err == SP_OK && k < max && rc != SQLITE_DONE)
		err = sp_store__err(r->db, rc, "fed-outbox-due");
	sqlite3_reset(st);
	if (err || k == 0) {
		sp_fed_outbox_items_free(a, k);
		return err;
	}
	*items = a;
	*n = k;
	return SP_OK;
}

static const char sql_counts[] =
    "SELECT o.peer, sum(o.next_attempt < ?1), sum(o.next_attempt >= ?1),"
    " min(CASE WHEN o.next_attempt < ?1 THEN r.received END)"
    " FROM outbox o JOIN records r ON r.id = o.rec"
    " WHERE o.state = 'pending' GROUP BY o.peer";

int sp_sqlite_outbox_counts(sp_store_conn *r, sp_fed_outbox_count **out,
                            size_t *n)
{
	sp_fed_outbox_count *a = NULL, *na;
	sqlite3_stmt *st;
	int err = SP_OK, rc;
	size_t k = 0, cap = 0;

	*out = NULL;
	*n = 0;
	if (!(st = sp_store__stmt(r->db, &r->st, sql_counts, &err)))
		return err;
	sqlite3_bind_int64(st, 1, SP_FED_NEVER);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (k == cap) {
			cap = cap ? cap * 2 : 16;
			if (cap > 4096 ||
			    !(na = realloc(a, cap * sizeof(*a)))) {
				err = SP_ERR_NOMEM;
				break;
			}
			a = na;
		}
		memset(&a[k], 0, sizeof(a[k]));
		if ((err = sp_store__col_text(st, 0, a[k].peer,
		                              sizeof(a[k].peer))))
			break;
		a[k].pending = (uint64_t)sqlite3_column_int64(st, 1);
		a[k].failed = (uint64_t)sqlite3_column_int64(st, 2);
		a[k].oldest = sqlite3_column_int64(st, 3);
		k++;
	}
	if (err == SP_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
		err = sp_store__err(r->db, rc, "fed-outbox-counts");
	sqlite3_reset(st);
	if (err) {
		free(a);
		return err;
	}
	*out = a;
	*n = k;
	return SP_OK;
}

/* ---------------------------------------------------------------- async */

static const char sql_delivered[] =
    "UPDATE outbox SET state = 'delivered', last_error = NULL"
    " WHERE id = ?1 AND state = 'pending' RETURNING rec, peer";
static const char sql_receipt_add[] =
    "INSERT OR REPLACE INTO peer_receipts (rec, peer, receipt,"
    " received_at) VALUES (?1, ?2, ?3, ?4)";
static const char sql_resched[] =
    "UPDATE outbox SET attempts = attempts + 1, next_attempt = ?2,"
    " last_error = ?3 WHERE id = ?1 AND state = 'pending'";

int sp_sqlite_outbox_delivered(sp_store_conn *s, const sp_store_ob_args *a)
{
	sqlite3_stmt *st;
	int err = SP_OK, rc;
	int64_t rec;
	char peer[SP_NODE_ID_MAX + 1];

	if (!(st = sp_store__stmt(s->db, &s->st, sql_delivered, &err)))
		return err;
	sqlite3_bind_int64(st, 1, a->id);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		/* already delivered (a duplicate answer): nothing to do */
		return rc == SQLITE_DONE
		           ? SP_ERR_NOT_FOUND
		           : sp_store__err(s->db, rc, "fed-delivered");
	}
	rec = sqlite3_column_int64(st, 0);
	err = sp_store__col_text(st, 1, peer, sizeof(peer));
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (err)
		return err;
	if (rc != SQLITE_DONE)
		return sp_store__err(s->db, rc, "fed-delivered");
	if (!(st = sp_store__stmt(s->db, &s->st, sql_receipt_add, &err)))
		return err;
	sqlite3_bind_int64(st, 1, rec);
	sqlite3_bind_text(st, 2, peer, -1, SQLITE_STATIC);
	sqlite3_bind_blob64(st, 3, a->receipt, a->receipt_len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, sp_store__now());
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? SP_OK
	                         : sp_store__err(s->db, rc, "fed-peer-receipt");
}

int sp_sqlite_outbox_reschedule(sp_store_conn *s, const sp_store_ob_args *a)
{
	sqlite3_stmt *st;
	int err = SP_OK, rc;

	if (!(st = sp_store__stmt(s->db, &s->st, sql_resched, &err)))
		return err;
	sqlite3_bind_int64(st, 1, a->id);
	sqlite3_bind_int64(st, 2, a->next_attempt);
	sp_store__bind_text(st, 3, a->error);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return sp_store__err(s->db, rc, "fed-reschedule");
	return sqlite3_changes(s->db) == 1 ? SP_OK : SP_ERR_NOT_FOUND;
}

static const char sql_abandon[] =
    "UPDATE outbox SET next_attempt = ?2, last_error = ?3"
    " WHERE peer = ?1 AND state = 'pending' AND next_attempt < ?2";

int sp_sqlite_outbox_abandon(sp_store_conn *s, const sp_store_ob_args *a)
{
	sqlite3_stmt *st;
	int err = SP_OK, rc;

	if (!(st = sp_store__stmt(s->db, &s->st, sql_abandon, &err)))
		return err;
	sqlite3_bind_text(st, 1, a->peer, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, SP_FED_NEVER);
	sqlite3_bind_text(st, 3, a->error, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? SP_OK
	                         : sp_store__err(s->db, rc, "fed-abandon");
}

/* ---------------------------------------------------------------- catch-up */

static const char sql_max_seq[] =
    "SELECT max_sequence FROM origins WHERE name = ?1";

int sp_sqlite_max_sequence(sp_store_conn *r, const char *origin, int64_t *max)
{
	sqlite3_stmt *st;
	int err = SP_OK, rc;

	*max = -1;
	if (!(st = sp_store__stmt(r->db, &r->st, sql_max_seq, &err)))
		return err;
	sqlite3_bind_text(st, 1, origin, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*max = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sp_store__err(r->db, rc, "fed-max-sequence");
	return SP_OK;
}

static const char sql_digest_at[] =
    "SELECT digest FROM records WHERE origin = ?1 AND sequence = ?2";

int sp_sqlite_digest_at(sp_store_conn *r, const char *origin, uint64_t sequence,
                        char digest[65])
{
	sqlite3_stmt *st;
	int err = SP_OK, rc;

	digest[0] = '\0';
	if (!(st = sp_store__stmt(r->db, &r->st, sql_digest_at, &err)))
		return err;
	sqlite3_bind_text(st, 1, origin, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)sequence);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		err = sp_store__col_text(st, 0, digest, 65);
	else if (rc == SQLITE_DONE)
		err = SP_ERR_NOT_FOUND;
	else
		err = sp_store__err(r->db, rc, "fed-digest-at");
	sqlite3_reset(st);
	return err;
}

static const char sql_by_digest[] =
    "SELECT record_id, origin, sequence, receipt FROM records"
    " WHERE digest = ?1 AND receipt IS NOT NULL LIMIT 1";

int sp_sqlite_by_digest(sp_store_conn *r, const char digest[65],
                        char record_id[SP_UUID_LEN + 1],
                        char origin[SP_NODE_ID_MAX + 1], uint64_t *sequence,
                        uint8_t **receipt, size_t *receipt_len)
{
	sqlite3_stmt *st;
	const void *blob;
	int err = SP_OK, rc, n;

	*receipt = NULL;
	*receipt_len = 0;
	if (!(st = sp_store__stmt(r->db, &r->st, sql_by_digest, &err)))
		return err;
	sqlite3_bind_text(st, 1, digest, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if ((err = sp_store__col_text(st, 0, record_id,
		                              SP_UUID_LEN + 1)) == SP_OK &&
		    (err = sp_store__col_text(st, 1, origin,
		                              SP_NODE_ID_MAX + 1)) == SP_OK) {
			*sequence = (uint64_t)sqlite3_column_int64(st, 2);
			blob = sqlite3_column_blob(st, 3);
			n = sqlite3_column_bytes(st, 3);
			if (blob == NULL || n <= 0 ||
			    (*receipt = malloc((size_t)n)) == NULL) {
				err = blob == NULL || n <= 0 ? SP_ERR_NOT_FOUND
				                             : SP_ERR_NOMEM;
			} else {
				memcpy(*receipt, blob, (size_t)n);
				*receipt_len = (size_t)n;
			}
		}
	} else if (rc == SQLITE_DONE) {
		err = SP_ERR_NOT_FOUND;
	} else {
		err = sp_store__err(r->db, rc, "fed-by-digest");
	}
	sqlite3_reset(st);
	return err;
}

static const char sql_log_pending[] =
    "SELECT sequence, digest, received FROM records"
    " WHERE origin = ?1 AND sequence >= ?2 AND log_state = 'pending'"
    " ORDER BY sequence LIMIT ?3";

int sp_sqlite_log_pending(sp_store_conn *r, const char *origin, uint64_t from,
                          size_t max, sp_store_pending **out, size_t *n)
{
	sqlite3_stmt *st;
	sp_store_pending *v;
	int err = SP_OK, rc;

	if (!(v = calloc(max, sizeof(*v))))
		return SP_ERR_NOMEM;
	if (!(st = sp_store__stmt(r->db, &r->st, sql_log_pending, &err))) {
		free(v);
		return err;
	}
	sqlite3_bind_text(st, 1, origin, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)from);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)max);
	while (*n < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		v[*n].sequence = (uint64_t)sqlite3_column_int64(st, 0);
		v[*n].received = sqlite3_column_int64(st, 2);
		if ((err = sp_store__col_text(st, 1, v[*n].digest, 65)) !=
		    SP_OK)
			break;
		(*n)++;
	}
	if (err == SP_OK && *n < max && rc != SQLITE_DONE)
		err = sp_store__err(r->db, rc, "log-pending");
	sqlite3_reset(st);
	if (err != SP_OK || *n == 0) {
		free(v);
		*n = 0;
		return err;
	}
	*out = v;
	return SP_OK;
}
