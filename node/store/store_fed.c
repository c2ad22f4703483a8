/* store_fed.c: store queries and asynchronous writes for the federation
 * side: per-peer outbox pages with record bytes, outbox counts, delivery
 * results without blocking a worker, and catch-up positions. */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ERROR_TEXT_MAX 1024u
#define RECEIPT_MAX    ((size_t)1 << 20)

void sp_fed_outbox_items_free(sp_fed_outbox_item *items, size_t n)
{
	size_t i;

	if (items == NULL)
		return;
	for (i = 0; i < n; i++)
		free(items[i].bytes);
	free(items);
}

static const char sql_peer_due[] =
    "SELECT o.id, r.record_id, r.sequence, r.digest, r.received,"
    " o.attempts, r.bytes, r.origin FROM outbox o JOIN records r ON r.id = "
    "o.rec"
    " WHERE o.state = 'pending' AND o.peer = ?1 AND o.id > ?2"
    " AND o.next_attempt <= ?3 ORDER BY o.id LIMIT ?4";

int sp_store_fed_outbox_due(sp_store_reader *r, const char *peer,
                            int64_t after_id, int64_t now, size_t max,
                            sp_fed_outbox_item **items, size_t *n)
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

int sp_store_fed_outbox_counts(sp_store_reader *r, sp_fed_outbox_count **out,
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

typedef struct async_job {
	int (*fn)(sp_store *s, struct async_job *a);
	sp_fed_store_done done;
	void *arg;
	int rc;
	int64_t id;
	int64_t next_attempt;
	uint8_t *receipt;
	size_t receipt_len;
	char error[ERROR_TEXT_MAX + 1];
	int has_error;
} async_job;

static int async_run(sp_store *s, void *arg)
{
	async_job *a = arg;

	a->rc = a->fn(s, a);
	return a->rc;
}

static void async_cb(void *ud, const sp_store_put_result *res)
{
	async_job *a = ud;

	a->done(a->arg, res->outcome < 0 ? res->outcome : a->rc);
	free(a->receipt);
	free(a);
}

static int async_submit(sp_store *s, async_job *a)
{
	sp_store_job *job = calloc(1, sizeof(*job));
	int err;

	if (job == NULL) {
		free(a->receipt);
		free(a);
		return SP_ERR_NOMEM;
	}
	job->kind = SP_STORE_JOB_FN;
	job->fn = async_run;
	job->arg = a;
	job->cb = async_cb;
	job->ud = a;
	if ((err = sp_store__enqueue(s, job, a->receipt_len)) != SP_OK) {
		free(job);
		free(a->receipt);
		free(a);
	}
	return err;
}

static const char sql_delivered[] =
    "UPDATE outbox SET state = 'delivered', last_error = NULL"
    " WHERE id = ?1 AND state = 'pending' RETURNING rec, peer";
static const char sql_receipt_add[] =
    "INSERT OR REPLACE INTO peer_receipts (rec, peer, receipt,"
    " received_at) VALUES (?1, ?2, ?3, ?4)";
static const char sql_resched[] =
    "UPDATE outbox SET attempts = attempts + 1, next_attempt = ?2,"
    " last_error = ?3 WHERE id = ?1 AND state = 'pending'";

static int delivered_fn(sp_store *s, async_job *a)
{
	sqlite3_stmt *st;
	int err = SP_OK, rc;
	int64_t rec;
	char peer[SP_NODE_ID_MAX + 1];

	if (!(st = sp_store__stmt(s->db, &s->wst, sql_delivered, &err)))
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
	if (!(st = sp_store__stmt(s->db, &s->wst, sql_receipt_add, &err)))
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

int sp_store_fed_delivered_async(sp_store *s, int64_t id,
                                 const uint8_t *receipt, size_t receipt_len,
                                 sp_fed_store_done done, void *arg)
{
	async_job *a;

	if (!s || !receipt || receipt_len == 0 || receipt_len > RECEIPT_MAX ||
	    !done)
		return SP_ERR_INVALID_ARGUMENT;
	if (!(a = calloc(1, sizeof(*a))) ||
	    !(a->receipt = malloc(receipt_len))) {
		free(a);
		return SP_ERR_NOMEM;
	}
	memcpy(a->receipt, receipt, receipt_len);
	a->receipt_len = receipt_len;
	a->fn = delivered_fn;
	a->done = done;
	a->arg = arg;
	a->id = id;
	return async_submit(s, a);
}

static int resched_fn(sp_store *s, async_job *a)
{
	sqlite3_stmt *st;
	int err = SP_OK, rc;

	if (!(st = sp_store__stmt(s->db, &s->wst, sql_resched, &err)))
		return err;
	sqlite3_bind_int64(st, 1, a->id);
	sqlite3_bind_int64(st, 2, a->next_attempt);
	if (a->has_error)
		sqlite3_bind_text(st, 3, a->error, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 3);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return sp_store__err(s->db, rc, "fed-reschedule");
	return sqlite3_changes(s->db) == 1 ? SP_OK : SP_ERR_NOT_FOUND;
}

int sp_store_fed_reschedule_async(sp_store *s, int64_t id, int64_t next_attempt,
                                  const char *error, sp_fed_store_done done,
                                  void *arg)
{
	async_job *a;

	if (!s || !done)
		return SP_ERR_INVALID_ARGUMENT;
	if (!(a = calloc(1, sizeof(*a))))
		return SP_ERR_NOMEM;
	a->fn = resched_fn;
	a->done = done;
	a->arg = arg;
	a->id = id;
	a->next_attempt = next_attempt;
	if (error != NULL) {
		snprintf(a->error, sizeof(a->error), "%s", error);
		a->has_error = 1;
	}
	return async_submit(s, a);
}

typedef struct abandon_args {
	const char *peer;
	const char *error;
} abandon_args;

static const char sql_abandon[] =
    "UPDATE outbox SET next_attempt = ?2, last_error = ?3"
    " WHERE peer = ?1 AND state = 'pending' AND next_attempt < ?2";

static int abandon_fn(sp_store *s, void *arg)
{
	const abandon_args *a = arg;
	sqlite3_stmt *st;
	int err = SP_OK, rc;

	if (!(st = sp_store__stmt(s->db, &s->wst, sql_abandon, &err)))
		return err;
	sqlite3_bind_text(st, 1, a->peer, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, SP_FED_NEVER);
	sqlite3_bind_text(st, 3, a->error, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? SP_OK
	                         : sp_store__err(s->db, rc, "fed-abandon");
}

int sp_store_fed_abandon_peer(sp_store *s, const char *peer, const char *error)
{
	abandon_args a = {peer, error};

	if (!s || !peer || !error || strlen(error) > ERROR_TEXT_MAX)
		return SP_ERR_INVALID_ARGUMENT;
	return sp_store__run(s, abandon_fn, &a);
}

/* ---------------------------------------------------------------- catch-up */

static const char sql_max_seq[] =
    "SELECT max_sequence FROM origins WHERE name = ?1";

int sp_store_fed_max_sequence(sp_store_reader *r, const char *origin,
                              int64_t *max)
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

int sp_store_fed_digest_at(sp_store_reader *r, const char *origin,
                           uint64_t sequence, char digest[65])
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

int sp_store_fed_by_digest(sp_store_reader *r, const char digest[65],
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
