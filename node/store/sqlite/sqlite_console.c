/* sqlite_console.c: the operator console's reads (node/core/console.c):
 * the newest records sent or received, a record's deliveries and the
 * receipts held, and equivocation evidence side by side. Reader
 * connections only: nothing here is on the write path. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite_int.h"

/* The Subject kinds of protocol.h (sp_subject): with an IN list on the
 * first column, subjects_key (kind, value, scheme) serves a lookup by
 * value of any kind without scanning the table. */
#define ANY_KIND                                                               \
	"('Enterprise', 'Declaration', 'Waybill', 'Order', 'Payment',"         \
	" 'Goods', 'Container', 'Conveyance', 'Case')"

static int named_text(sqlite3_stmt *st, const char *name, const char *v)
{
	int i = sqlite3_bind_parameter_index(st, name);

	return i == 0 || v == NULL
	           ? SQLITE_OK
	           : sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

static int copy_blob(sqlite3_stmt *st, int col, uint8_t **out, size_t *len)
{
	const void *b = sqlite3_column_blob(st, col);
	size_t n = (size_t)sqlite3_column_bytes(st, col);

	*out = NULL;
	*len = 0;
	if (b == NULL)
		return SP_OK;
	if ((*out = malloc(n ? n : 1)) == NULL)
		return SP_ERR_NOMEM;
	memcpy(*out, b, n);
	*len = n;
	return SP_OK;
}

/* ---------------------------------------------------------------- records */

static int record_row(sqlite3_stmt *st, sp_store_record **out)
{
	sp_store_record *rec = calloc(1, sizeof(*rec));
	int err;

	*out = NULL;
	if (rec == NULL)
		return SP_ERR_NOMEM;
	if ((err = sp_sqlite__record_header(st, rec)) != SP_OK) {
		free(rec);
		return err;
	}
	*out = rec;
	return SP_OK;
}

int sp_sqlite_console_records(sp_store_conn *r, const sp_store_console_query *q,
                              sp_store_list **out)
{
	char sql[1024];
	sqlite3_stmt *st = NULL;
	sp_store_list *l = NULL;
	int n, rc, err = SP_OK;

	*out = NULL;
	n = snprintf(sql, sizeof(sql),
	             "SELECT r.id, r.record_id, r.origin, r.sequence, r.type,"
	             " r.issued, r.received, r.digest, r.broadcast, r.source"
	             " FROM records r WHERE r.origin %s :own%s%s%s"
	             " ORDER BY r.id DESC LIMIT :lim",
	             q->sent ? "=" : "<>",
	             q->view ? " AND " VISIBLE_TO_VIEWER : "",
	             q->type ? " AND r.type = :type" : "",
	             q->subject_value == NULL ? ""
	             : q->subject_kind
	                 ? " AND r.id IN (SELECT rec FROM subjects"
	                   " WHERE kind = :kind AND value = :value)"
	                 : " AND r.id IN (SELECT rec FROM subjects"
	                   " WHERE kind IN " ANY_KIND " AND value = :value)");
	if (n < 0 || (size_t)n >= sizeof(sql))
		return SP_ERR_INTERNAL;
	if ((rc = sqlite3_prepare_v2(r->db, sql, -1, &st, NULL)) != SQLITE_OK)
		return sp_store__err(r->db, rc, "console-records-prepare");
	rc = named_text(st, ":own", q->own);
	if (rc == SQLITE_OK && q->view)
		rc = sp_sqlite_bind_view(st, q->view);
	if (rc == SQLITE_OK)
		rc = named_text(st, ":type", q->type);
	if (rc == SQLITE_OK)
		rc = named_text(st, ":kind", q->subject_kind);
	if (rc == SQLITE_OK)
		rc = named_text(st, ":value", q->subject_value);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(
		    st, sqlite3_bind_parameter_index(st, ":lim"),
		    (sqlite3_int64)q->limit);
	if (rc != SQLITE_OK) {
		err = sp_store__err(r->db, rc, "console-records-bind");
		goto done;
	}
	if ((l = calloc(1, sizeof(*l))) == NULL ||
	    (l->items = calloc(q->limit, sizeof(*l->items))) == NULL) {
		err = SP_ERR_NOMEM;
		goto done;
	}
	while (l->n < q->limit && (rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((err = record_row(st, &l->items[l->n++])) != SP_OK) {
			l->n--;
			goto done;
		}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		err = sp_store__err(r->db, rc, "console-records");
done:
	sqlite3_finalize(st);
	if (err != SP_OK) {
		sp_store_list_free(l);
		return err;
	}
	*out = l;
	return SP_OK;
}

/* ---------------------------------------------------------------- deliveries
 */

static const char sql_deliveries[] =
    "SELECT o.peer, o.state, o.attempts, o.next_attempt, o.last_error,"
    " pr.received_at, length(pr.receipt)"
    " FROM records r JOIN outbox o ON o.rec = r.id"
    " LEFT JOIN peer_receipts pr ON pr.rec = r.id AND pr.peer = o.peer"
    " WHERE r.origin = ?1 AND r.record_id = ?2 ORDER BY o.peer LIMIT 1024";

int sp_sqlite_console_deliveries(sp_store_conn *r, const char *origin,
                                 const char *record_id, sp_store_delivery **out,
                                 size_t *n)
{
	sqlite3_stmt *st;
	sp_store_delivery *d = NULL, *grown;
	size_t cap = 0;
	int err = SP_OK, rc;

	if (!(st = sp_store__stmt(r->db, &r->st, sql_deliveries, &err)))
		return err;
	sqlite3_bind_text(st, 1, origin, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, record_id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		sp_store_delivery *x;
		const unsigned char *e;

		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			if ((grown = realloc(d, cap * sizeof(*d))) == NULL) {
				err = SP_ERR_NOMEM;
				break;
			}
			d = grown;
		}
		x = &d[(*n)++];
		memset(x, 0, sizeof(*x));
		if ((err = sp_store__col_text(st, 0, x->peer,
		                              sizeof(x->peer))) != SP_OK)
			break;
		e = sqlite3_column_text(st, 1);
		x->delivered =
		    e != NULL && strcmp((const char *)e, "delivered") == 0;
		x->attempts = (uint32_t)sqlite3_column_int64(st, 2);
		x->next_attempt = sqlite3_column_int64(st, 3);
		if ((e = sqlite3_column_text(st, 4)) != NULL)
			snprintf(x->last_error, sizeof(x->last_error), "%s",
			         (const char *)e);
		x->receipt_at = sqlite3_column_int64(st, 5);
		x->receipt_len = (size_t)sqlite3_column_int64(st, 6);
	}
	if (err == SP_OK && rc != SQLITE_DONE)
		err = sp_store__err(r->db, rc, "console-deliveries");
	sqlite3_reset(st);
	if (err != SP_OK) {
		free(d);
		*n = 0;
		return err;
	}
	*out = d;
	return SP_OK;
}

/* ---------------------------------------------------------------- evidence */

/* The held side of a record conflict is the record stored with digest_a. */
static const char sql_ev_records[] =
    "SELECT e.kind, e.origin, e.sequence, e.record_id, e.digest_a,"
    " e.digest_b, e.bytes_b, e.seen_at, e.source,"
    " (SELECT r.bytes FROM records r WHERE r.origin = e.origin"
    "  AND r.digest = e.digest_a LIMIT 1)"
    " FROM equivocations e ORDER BY e.id DESC LIMIT ?1";
/* Two roots for one size: the first seen is a, each later one b. */
static const char sql_ev_checkpoints[] =
    "SELECT 'checkpoint', b.origin, b.size, '', hex(a.root), hex(b.root),"
    " b.note, b.seen_at, b.source, a.note"
    " FROM checkpoints a JOIN checkpoints b ON b.origin = a.origin"
    " AND b.size = a.size AND b.id > a.id"
    " WHERE a.id = (SELECT min(c.id) FROM checkpoints c"
    "  WHERE c.origin = a.origin AND c.size = a.size)"
    " ORDER BY b.id DESC LIMIT ?1";

/* One document: no held side (a NULL blob, an empty digest). */
static const char sql_ev_documents[] =
    "SELECT kind, subject, 0, '', '', digest, bytes, seen_at, source, NULL"
    " FROM evidence ORDER BY id DESC LIMIT ?1";

static int evidence_row(sqlite3_stmt *st, sp_store_evidence *x)
{
	int err;
	size_t i;

	memset(x, 0, sizeof(*x));
	x->sequence = (uint64_t)sqlite3_column_int64(st, 2);
	x->seen_at = sqlite3_column_int64(st, 7);
	if ((err = sp_store__col_text(st, 0, x->kind, sizeof(x->kind))) ||
	    (err = sp_store__col_text(st, 1, x->origin, sizeof(x->origin))) ||
	    (err = sp_store__col_text(st, 3, x->record_id,
	                              sizeof(x->record_id))) ||
	    (err =
	         sp_store__col_text(st, 4, x->digest_a, sizeof(x->digest_a))) ||
	    (err =
	         sp_store__col_text(st, 5, x->digest_b, sizeof(x->digest_b))) ||
	    (err = sp_store__col_text(st, 8, x->source, sizeof(x->source))) ||
	    (err = copy_blob(st, 6, &x->b, &x->b_len)) ||
	    (err = copy_blob(st, 9, &x->a, &x->a_len)))
		return err;
	/* SQLite's hex() is upper case; digests elsewhere are lower case */
	for (i = 0; x->digest_a[i]; i++)
		if (x->digest_a[i] >= 'A' && x->digest_a[i] <= 'F')
			x->digest_a[i] = (char)(x->digest_a[i] - 'A' + 'a');
	for (i = 0; x->digest_b[i]; i++)
		if (x->digest_b[i] >= 'A' && x->digest_b[i] <= 'F')
			x->digest_b[i] = (char)(x->digest_b[i] - 'A' + 'a');
	return SP_OK;
}

static int evidence_query(sp_store_conn *r, const char *sql, size_t max,
                          sp_store_evidence **d, size_t *n, size_t *cap)
{
	sqlite3_stmt *st;
	sp_store_evidence *grown;
	int err = SP_OK, rc;

	if (!(st = sp_store__stmt(r->db, &r->st, sql, &err)))
		return err;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)max);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == *cap) {
			*cap = *cap ? *cap * 2 : 8;
			if ((grown = realloc(*d, *cap * sizeof(**d))) == NULL) {
				err = SP_ERR_NOMEM;
				break;
			}
			*d = grown;
		}
		err = evidence_row(st, &(*d)[*n]);
		(*n)++; /* counted even on error, so that its blobs are freed */
		if (err != SP_OK)
			break;
	}
	if (err == SP_OK && rc != SQLITE_DONE)
		err = sp_store__err(r->db, rc, "console-evidence");
	sqlite3_reset(st);
	return err;
}

int sp_sqlite_console_evidence(sp_store_conn *r, size_t max,
                               sp_store_evidence **out, size_t *n)
{
	sp_store_evidence *d = NULL;
	size_t cap = 0;
	int err;

	if ((err = evidence_query(r, sql_ev_records, max, &d, n, &cap)) ==
	    SP_OK)
		err = evidence_query(r, sql_ev_checkpoints, max, &d, n, &cap);
	if (err == SP_OK)
		err = evidence_query(r, sql_ev_documents, max, &d, n, &cap);
	if (err != SP_OK) {
		sp_store_evidence_free(d, *n);
		*n = 0;
		return err;
	}
	*out = d;
	return SP_OK;
}
