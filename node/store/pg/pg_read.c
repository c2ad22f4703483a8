/* pg_read.c: the PostgreSQL driver's reads on reader connections: records
 * by id and position, entry ranges and searches with visibility filters and
 * cursors, the console's record rows, stats, checkpoints, peer receipts,
 * trust lists, revocations and node state. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_int.h"

int sp_pg_record_header(const PGresult *r, int row, sp_store_record *rec)
{
	int err;

	rec->rowid = sp_pg_i64(r, row, 0);
	rec->sequence = (uint64_t)sp_pg_i64(r, row, 3);
	rec->issued = sp_pg_i64(r, row, 5);
	rec->received = sp_pg_i64(r, row, 6);
	rec->broadcast = (int)sp_pg_i64(r, row, 8);
	char state[16];
	int i;

	if ((err = sp_pg_text(r, row, 12, state, sizeof(state))))
		return err;
	rec->log_state = SP_LOG_PENDING; /* unknown: not confirmed */
	for (i = SP_LOG_CONFIRMED; i <= SP_LOG_UNLOGGED; i++)
		if (strcmp(state, sp_store_log_state_name(i)) == 0)
			rec->log_state = i;
	if ((err = sp_pg_text(r, row, 1, rec->record_id,
	                      sizeof(rec->record_id))) ||
	    (err = sp_pg_text(r, row, 2, rec->origin, sizeof(rec->origin))) ||
	    (err = sp_pg_text(r, row, 4, rec->type, sizeof(rec->type))) ||
	    (err = sp_pg_text(r, row, 7, rec->digest, sizeof(rec->digest))))
		return err;
	return sp_pg_text(r, row, 9, rec->source, sizeof(rec->source));
}

/* A record from a SP_PG_REC_COLS row. */
static int record_from_row(const PGresult *r, int row, sp_store_record **out)
{
	sp_store_record *rec = calloc(1, sizeof(*rec));
	int err;

	*out = NULL;
	if (!rec)
		return SP_ERR_NOMEM;
	rec->exists_by = sp_pg_i64(r, row, 13); /* NULL reads 0 */
	if ((err = sp_pg_record_header(r, row, rec)) ||
	    (err = sp_pg_text(r, row, 14, rec->log_refused,
	                      sizeof(rec->log_refused))) ||
	    (err = sp_pg_blobdup(r, row, 10, &rec->bytes, &rec->len)) ||
	    (err =
	         sp_pg_blobdup(r, row, 11, &rec->receipt, &rec->receipt_len))) {
		sp_store_record_free(rec);
		return err;
	}
	if (!rec->bytes && !(rec->bytes = malloc(1))) {
		sp_store_record_free(rec);
		return SP_ERR_NOMEM;
	}
	*out = rec;
	return SP_OK;
}

static const char sql_recipients[] =
    "SELECT node_id FROM record_recipients WHERE rec = $1"
    " ORDER BY node_id";

static int load_recipients(sp_store_conn *c, sp_store_record *rec)
{
	sp_pg_args a = {0};
	PGresult *res;
	int err, i, rows;

	sp_pg_arg_i64(&a, rec->rowid);
	if (!(res = sp_pg_run(c, sql_recipients, &a, "recipients", &err)))
		return err;
	rows = PQntuples(res);
	if (rows > 0 &&
	    !(rec->recipients = calloc((size_t)rows, sizeof(char *)))) {
		PQclear(res);
		return SP_ERR_NOMEM;
	}
	for (i = 0; i < rows; i++) {
		if (!(rec->recipients[i] = sp_pg_strdup(res, i, 0))) {
			PQclear(res);
			return SP_ERR_NOMEM;
		}
		rec->n_recipients++;
	}
	PQclear(res);
	return SP_OK;
}

static int get_one(sp_store_conn *c, const char *sql, sp_pg_args *a,
                   sp_store_record **out)
{
	PGresult *res;
	sp_store_record *rec = NULL;
	int err;

	if (!(res = sp_pg_run(c, sql, a, "get", &err)))
		return err;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return SP_ERR_NOT_FOUND;
	}
	err = record_from_row(res, 0, &rec);
	PQclear(res);
	if (err)
		return err;
	if ((err = load_recipients(c, rec))) {
		sp_store_record_free(rec);
		return err;
	}
	*out = rec;
	return SP_OK;
}

static const char sql_get_id[] =
    "SELECT " SP_PG_REC_COLS " FROM records r WHERE r.origin = $1"
    " AND r.record_id = $2";
static const char sql_get_at[] =
    "SELECT " SP_PG_REC_COLS " FROM records r WHERE r.origin = $1"
    " AND r.sequence = $2";

int sp_pg_get(sp_store_conn *c, const char *origin, const char *record_id,
              sp_store_record **out)
{
	sp_pg_args a = {0};

	if (out)
		*out = NULL;
	if (!c || !origin || !record_id || !out)
		return SP_ERR_INVALID_ARGUMENT;
	sp_pg_arg_text(&a, origin);
	sp_pg_arg_text(&a, record_id);
	return get_one(c, sql_get_id, &a, out);
}

int sp_pg_get_at(sp_store_conn *c, const char *origin, uint64_t sequence,
                 sp_store_record **out)
{
	sp_pg_args a = {0};

	if (out)
		*out = NULL;
	if (!c || !origin || !out)
		return SP_ERR_INVALID_ARGUMENT;
	if (sequence > (uint64_t)INT64_MAX)
		return SP_ERR_NOT_FOUND;
	sp_pg_arg_text(&a, origin);
	sp_pg_arg_i64(&a, (int64_t)sequence);
	return get_one(c, sql_get_at, &a, out);
}

/* ---------------------------------------------------------------- lists */

/* Up to max records of res (and at most max_bytes of record bytes, but
 * at least one); *more when res holds more. */
static int collect(const PGresult *res, size_t max, size_t max_bytes,
                   sp_store_list **out, int *more)
{
	sp_store_list *l = calloc(1, sizeof(*l));
	size_t bytes = 0, rows = (size_t)PQntuples(res);
	int err = SP_OK;

	*out = NULL;
	*more = 0;
	if (!l || !(l->items = calloc(max ? max : 1, sizeof(*l->items)))) {
		free(l);
		return SP_ERR_NOMEM;
	}
	for (; l->n < rows; l->n++) {
		size_t len = (size_t)PQgetlength(res, (int)l->n, 10);

		if (l->n == max ||
		    (max_bytes && l->n > 0 && bytes + len > max_bytes)) {
			*more = 1;
			break;
		}
		if ((err = record_from_row(res, (int)l->n, &l->items[l->n])))
			break;
		bytes += len;
	}
	if (err) {
		sp_store_list_free(l);
		return err;
	}
	*out = l;
	return SP_OK;
}

static const char sql_entries[] = "SELECT " SP_PG_REC_COLS " FROM records r"
                                  " WHERE r.origin = $1 AND r.sequence >= $2"
                                  " AND ($3::bigint = 1 OR " SP_PG_VISIBLE(
                                      "4", "5") ")"
                                                " ORDER BY r.sequence LIMIT $6";

int sp_pg_entries(sp_store_conn *c, const char *origin, uint64_t start,
                  size_t count, size_t max_bytes, const sp_store_view *view,
                  sp_store_list **out)
{
	sp_pg_args a = {0};
	sp_store_list *l;
	PGresult *res;
	int err, more;

	if (out)
		*out = NULL;
	if (!c || !origin || !out || count == 0)
		return SP_ERR_INVALID_ARGUMENT;
	if (count > SP_STORE_LIST_MAX)
		count = SP_STORE_LIST_MAX;
	if (start > (uint64_t)INT64_MAX)
		start = (uint64_t)INT64_MAX;
	sp_pg_arg_text(&a, origin);
	sp_pg_arg_i64(&a, (int64_t)start);
	sp_pg_arg_i64(&a, view == NULL);
	sp_pg_arg_view(&a, view);
	sp_pg_arg_i64(&a, (int64_t)count + 1);
	if (!(res = sp_pg_run(c, sql_entries, &a, "entries", &err)))
		return err;
	err = collect(res, count, max_bytes, &l, &more);
	PQclear(res);
	if (err)
		return err;
	l->next_start = l->n ? l->items[l->n - 1]->sequence + 1 : start;
	if (more)
		snprintf(l->next_cursor, sizeof(l->next_cursor), "%" PRIu64,
		         l->next_start);
	*out = l;
	return SP_OK;
}

static const char sql_find_id[] =
    "SELECT " SP_PG_REC_COLS " FROM records r WHERE r.record_id = $1"
    " AND ($2::text IS NULL OR r.origin = $2::text)"
    " AND ($3::bigint = 1 OR " SP_PG_VISIBLE("4",
                                             "5") ")"
                                                  " ORDER BY r.origin LIMIT $6";

int sp_pg_find_id(sp_store_conn *c, const char *record_id, const char *origin,
                  const sp_store_view *view, size_t max, sp_store_list **out)
{
	sp_pg_args a = {0};
	sp_store_list *l = NULL;
	PGresult *res;
	int err, more;
	size_t i;

	if (out)
		*out = NULL;
	if (!c || !record_id || !out || max == 0)
		return SP_ERR_INVALID_ARGUMENT;
	if (max > SP_STORE_LIST_MAX)
		max = SP_STORE_LIST_MAX;
	sp_pg_arg_text(&a, record_id);
	sp_pg_arg_text(&a, origin);
	sp_pg_arg_i64(&a, view == NULL);
	sp_pg_arg_view(&a, view);
	sp_pg_arg_i64(&a, (int64_t)max);
	if (!(res = sp_pg_run(c, sql_find_id, &a, "find-id", &err)))
		return err;
	err = collect(res, max, 0, &l, &more);
	PQclear(res);
	if (err)
		return err;
	for (i = 0; i < l->n && err == SP_OK; i++)
		err = load_recipients(c, l->items[i]);
	if (err) {
		sp_store_list_free(l);
		return err;
	}
	*out = l;
	return SP_OK;
}

/* Append text without a parameter. */
static int lit(char *sql, size_t cap, size_t *len, const char *text)
{
	size_t n = strlen(text);

	if (n >= cap - *len)
		return SP_ERR_INTERNAL;
	memcpy(sql + *len, text, n + 1);
	*len += n;
	return SP_OK;
}

/* Append a condition with its one parameter, numbered where it lands. */
static int cond(char *sql, size_t cap, size_t *len, sp_pg_args *a,
                const char *before, const char *text, const int64_t *num)
{
	int n;

	if (text)
		sp_pg_arg_text(a, text);
	else
		sp_pg_arg_i64(a, *num);
	n = snprintf(sql + *len, cap - *len, "%s$%d", before, a->n);
	if (n < 0 || (size_t)n >= cap - *len)
		return SP_ERR_INTERNAL;
	*len += (size_t)n;
	return SP_OK;
}

int sp_pg_search(sp_store_conn *c, const sp_store_query *q, sp_store_list **out)
{
	char sql[1536];
	size_t len, limit;
	int64_t after, lim;
	sp_pg_args a = {0};
	sp_store_list *l = NULL;
	PGresult *res;
	int err = SP_OK, more;

	if (out)
		*out = NULL;
	if (!c || !q || !out)
		return SP_ERR_INVALID_ARGUMENT;
	if ((q->subject_kind == NULL) != (q->subject_value == NULL) ||
	    (q->subject_scheme && !q->subject_kind))
		return SP_ERR_INVALID_ARGUMENT;
	if ((err = sp_store__cursor_parse(q->cursor, &after)))
		return err;
	limit = q->limit ? q->limit : 100;
	if (limit > SP_STORE_LIST_MAX)
		limit = SP_STORE_LIST_MAX;
	lim = (int64_t)limit + 1;

	sp_pg_arg_i64(&a, after);
	len = (size_t)snprintf(sql, sizeof(sql),
	                       "SELECT " SP_PG_REC_COLS " FROM records r"
	                       " WHERE r.id > $1");
	if (q->view) {
		sp_pg_arg_view(&a, q->view);
		len += (size_t)snprintf(sql + len, sizeof(sql) - len,
		                        " AND " SP_PG_VISIBLE("2", "3"));
	}
	if (q->subject_kind &&
	    ((err = cond(sql, sizeof(sql), &len, &a,
	                 " AND r.id IN (SELECT rec FROM subjects"
	                 " WHERE kind = ",
	                 q->subject_kind, NULL)) ||
	     (err = cond(sql, sizeof(sql), &len, &a,
	                 " AND value = ", q->subject_value, NULL)) ||
	     (q->subject_scheme &&
	      (err = cond(sql, sizeof(sql), &len, &a,
	                  " AND scheme = ", q->subject_scheme, NULL))) ||
	     (err = lit(sql, sizeof(sql), &len, ")"))))
		return err;
	if ((q->type && (err = cond(sql, sizeof(sql), &len, &a,
	                            " AND r.type = ", q->type, NULL))) ||
	    (q->origin && (err = cond(sql, sizeof(sql), &len, &a,
	                              " AND r.origin = ", q->origin, NULL))) ||
	    (q->issued_from &&
	     (err = cond(sql, sizeof(sql), &len, &a, " AND r.issued >= ", NULL,
	                 &q->issued_from))) ||
	    (q->issued_to &&
	     (err = cond(sql, sizeof(sql), &len, &a, " AND r.issued <= ", NULL,
	                 &q->issued_to))) ||
	    (err = cond(sql, sizeof(sql), &len, &a, " ORDER BY r.id LIMIT ",
	                NULL, &lim)))
		return err;
	if (!(res = sp_pg_run_once(c, sql, &a, "search", &err)))
		return err;
	err = collect(res, limit, 0, &l, &more);
	PQclear(res);
	if (err)
		return err;
	if (more && l->n)
		snprintf(l->next_cursor, sizeof(l->next_cursor),
		         SP_STORE_CURSOR_PREFIX "%lld",
		         (long long)l->items[l->n - 1]->rowid);
	*out = l;
	return SP_OK;
}

/* The Subject kinds of protocol.h (sp_subject), for a lookup by value of
 * any kind through subjects_key (kind, value, scheme). */
#define ANY_KIND                                                               \
	"('Enterprise', 'Declaration', 'Waybill', 'Order', 'Payment',"         \
	" 'Goods', 'Container', 'Conveyance', 'Case')"

int sp_pg_console_records(sp_store_conn *c, const sp_store_console_query *q,
                          sp_store_list **out)
{
	char sql[1536];
	sp_pg_args a = {0};
	sp_store_list *l = NULL;
	PGresult *res;
	size_t len;
	int64_t lim = (int64_t)q->limit;
	int err = SP_OK, i, rows;

	*out = NULL;
	sp_pg_arg_text(&a, q->own);
	len = (size_t)snprintf(
	    sql, sizeof(sql),
	    "SELECT r.id, r.record_id, r.origin, r.sequence, r.type,"
	    " r.issued, r.received, r.digest, r.broadcast, r.source"
	    " FROM records r WHERE r.origin %s $1",
	    q->sent ? "=" : "<>");
	if (q->view) {
		sp_pg_arg_view(&a, q->view);
		len += (size_t)snprintf(sql + len, sizeof(sql) - len,
		                        " AND " SP_PG_VISIBLE("2", "3"));
	}
	if ((q->type && (err = cond(sql, sizeof(sql), &len, &a,
	                            " AND r.type = ", q->type, NULL))) ||
	    (q->subject_value && q->subject_kind &&
	     (err = cond(sql, sizeof(sql), &len, &a,
	                 " AND r.id IN (SELECT rec FROM subjects"
	                 " WHERE kind = ",
	                 q->subject_kind, NULL))) ||
	    (q->subject_value && !q->subject_kind &&
	     (err = lit(sql, sizeof(sql), &len,
	                " AND r.id IN (SELECT rec FROM subjects"
	                " WHERE kind IN " ANY_KIND))) ||
	    (q->subject_value &&
	     ((err = cond(sql, sizeof(sql), &len, &a,
	                  " AND value = ", q->subject_value, NULL)) ||
	      (err = lit(sql, sizeof(sql), &len, ")")))) ||
	    (err = cond(sql, sizeof(sql), &len, &a,
	                " ORDER BY r.id DESC LIMIT ", NULL, &lim)))
		return err;
	if (!(res = sp_pg_run_once(c, sql, &a, "console-records", &err)))
		return err;
	rows = PQntuples(res);
	if (!(l = calloc(1, sizeof(*l))) ||
	    !(l->items = calloc(q->limit ? q->limit : 1, sizeof(*l->items)))) {
		free(l);
		PQclear(res);
		return SP_ERR_NOMEM;
	}
	for (i = 0; i < rows && l->n < q->limit && err == SP_OK; i++) {
		sp_store_record *rec = calloc(1, sizeof(*rec));

		if (!rec) {
			err = SP_ERR_NOMEM;
			break;
		}
		if ((err = sp_pg_record_header(res, i, rec))) {
			free(rec);
			break;
		}
		l->items[l->n++] = rec;
	}
	PQclear(res);
	if (err) {
		sp_store_list_free(l);
		return err;
	}
	*out = l;
	return SP_OK;
}

/* ---------------------------------------------------------------- stats */

static const char sql_stats_origins[] =
    "SELECT name, records, max_sequence, tree_size FROM origins"
    " ORDER BY name";
static const char sql_stats_counts[] =
    "SELECT (SELECT count(*) FROM equivocations),"
    " (SELECT count(*) FROM checkpoints),"
    " (SELECT count(*) FROM outbox WHERE state = 'pending')";

int sp_pg_stats(sp_store_conn *c, sp_store_stats *out)
{
	PGresult *res;
	int err = SP_OK, i, rows;

	if (!c || !out)
		return SP_ERR_INVALID_ARGUMENT;
	memset(out, 0, sizeof(*out));
	if (!(res = sp_pg_run(c, sql_stats_origins, NULL, "stats", &err)))
		return err;
	rows = PQntuples(res);
	if (rows > 0 &&
	    !(out->origins = calloc((size_t)rows, sizeof(*out->origins)))) {
		PQclear(res);
		return SP_ERR_NOMEM;
	}
	for (i = 0; i < rows && err == SP_OK; i++) {
		sp_store_origin_stats *o = &out->origins[i];

		err = sp_pg_text(res, i, 0, o->origin, sizeof(o->origin));
		o->records = (uint64_t)sp_pg_i64(res, i, 1);
		o->max_sequence = sp_pg_i64(res, i, 2);
		o->tree_size = (uint64_t)sp_pg_i64(res, i, 3);
		out->records += o->records;
		out->n_origins++;
	}
	PQclear(res);
	if (err == SP_OK && (res = sp_pg_run(c, sql_stats_counts, NULL,
	                                     "stats-counts", &err))) {
		out->equivocations = (uint64_t)sp_pg_i64(res, 0, 0);
		out->checkpoints = (uint64_t)sp_pg_i64(res, 0, 1);
		out->outbox_pending = (uint64_t)sp_pg_i64(res, 0, 2);
		PQclear(res);
	}
	if (err)
		sp_store_stats_clear(out);
	return err;
}

/* ---------------------------------------------------------------- checkpoints
 */

static const char sql_cp_latest[] =
    "SELECT id, size, root, note, seen_at, source FROM checkpoints"
    " WHERE origin = $1 ORDER BY size DESC, id ASC LIMIT 1";
/* The first checkpoint witnessed to contain a Sequence (SPEC [API-80]):
 * the smallest above it that carries a cosignature. */
static const char sql_cp_covering[] =
    "SELECT c.id, c.size, c.root, c.note, c.seen_at, c.source"
    " FROM checkpoints c WHERE c.origin = $1 AND c.size > $2::bigint"
    " AND EXISTS (SELECT 1 FROM cosignatures s WHERE s.checkpoint = c.id)"
    " ORDER BY c.size ASC, c.id ASC LIMIT 1";
static const char sql_cosigs[] =
    "SELECT witness, line FROM cosignatures WHERE checkpoint = $1"
    " ORDER BY witness";

static int load_cosigs(sp_store_conn *c, int64_t id, sp_store_checkpoint *cp)
{
	sp_pg_args a = {0};
	PGresult *res;
	int err = SP_OK, i, rows;

	sp_pg_arg_i64(&a, id);
	if (!(res = sp_pg_run(c, sql_cosigs, &a, "cosignatures", &err)))
		return err;
	rows = PQntuples(res);
	if (rows > 0 &&
	    (!(cp->witnesses = calloc((size_t)rows, sizeof(char *))) ||
	     !(cp->cosignatures = calloc((size_t)rows, sizeof(char *))))) {
		PQclear(res);
		return SP_ERR_NOMEM;
	}
	for (i = 0; i < rows; i++) {
		cp->witnesses[i] = sp_pg_strdup(res, i, 0);
		cp->cosignatures[i] = sp_pg_strdup(res, i, 1);
		cp->n_cosignatures++;
		if (!cp->witnesses[i] || !cp->cosignatures[i]) {
			err = SP_ERR_NOMEM;
			break;
		}
	}
	PQclear(res);
	return err;
}

/* One checkpoint row of sql (origin as $1, covering as $2 unless
 * negative) with its cosignatures. */
static int cp_query(sp_store_conn *c, const char *sql, const char *origin,
                    int64_t covering, sp_store_checkpoint **out)
{
	sp_pg_args a = {0};
	sp_store_checkpoint *cp;
	const uint8_t *root;
	PGresult *res;
	size_t n;
	int64_t id;
	int err = SP_OK;

	if (out)
		*out = NULL;
	if (!c || !origin || !out)
		return SP_ERR_INVALID_ARGUMENT;
	sp_pg_arg_text(&a, origin);
	if (covering >= 0)
		sp_pg_arg_i64(&a, covering);
	if (!(res = sp_pg_run(c, sql, &a, "checkpoint", &err)))
		return err;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return SP_ERR_NOT_FOUND;
	}
	if (!(cp = calloc(1, sizeof(*cp)))) {
		PQclear(res);
		return SP_ERR_NOMEM;
	}
	id = sp_pg_i64(res, 0, 0);
	snprintf(cp->origin, sizeof(cp->origin), "%s", origin);
	cp->size = (uint64_t)sp_pg_i64(res, 0, 1);
	if ((root = sp_pg_blob(res, 0, 2, &n)) && n == 32)
		memcpy(cp->root, root, 32);
	else
		err = SP_ERR_INTERNAL;
	cp->seen_at = sp_pg_i64(res, 0, 4);
	if (!err && !(cp->note = sp_pg_strdup(res, 0, 3)))
		err = SP_ERR_NOMEM;
	if (!err)
		err = sp_pg_text(res, 0, 5, cp->source, sizeof(cp->source));
	PQclear(res);
	if (!err)
		err = load_cosigs(c, id, cp);
	if (err) {
		sp_store_checkpoint_free(cp);
		return err;
	}
	*out = cp;
	return SP_OK;
}

int sp_pg_checkpoint_latest(sp_store_conn *c, const char *origin,
                            sp_store_checkpoint **out)
{
	return cp_query(c, sql_cp_latest, origin, -1, out);
}

int sp_pg_checkpoint_covering(sp_store_conn *c, const char *origin,
                              uint64_t sequence, sp_store_checkpoint **out)
{
	return cp_query(c, sql_cp_covering, origin, (int64_t)sequence, out);
}

/* ---------------------------------------------------------------- blobs */

/* The first column of the one row of sql as a malloc'd copy;
 * SP_ERR_NOT_FOUND without a row. */
static int blob_query(sp_store_conn *c, const char *sql, const sp_pg_args *a,
                      const char *what, uint8_t **out, size_t *len,
                      int64_t *second)
{
	PGresult *res;
	int err;

	if (!(res = sp_pg_run(c, sql, a, what, &err)))
		return err;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return SP_ERR_NOT_FOUND;
	}
	err = sp_pg_blobdup(res, 0, 0, out, len);
	if (err == SP_OK && !*out && !(*out = malloc(1)))
		err = SP_ERR_NOMEM;
	if (second)
		*second = sp_pg_i64(res, 0, 1);
	PQclear(res);
	return err;
}

static const char sql_peer_receipt_get[] =
    "SELECT p.receipt FROM peer_receipts p JOIN records r ON r.id = p.rec"
    " WHERE r.origin = $1 AND r.record_id = $2 AND p.peer = $3";

int sp_pg_peer_receipt_get(sp_store_conn *c, const char *origin,
                           const char *record_id, const char *peer,
                           uint8_t **out, size_t *len)
{
	sp_pg_args a = {0};

	if (out)
		*out = NULL;
	if (len)
		*len = 0;
	if (!c || !origin || !record_id || !peer || !out || !len)
		return SP_ERR_INVALID_ARGUMENT;
	sp_pg_arg_text(&a, origin);
	sp_pg_arg_text(&a, record_id);
	sp_pg_arg_text(&a, peer);
	return blob_query(c, sql_peer_receipt_get, &a, "peer-receipt", out, len,
	                  NULL);
}

static const char sql_tl_read[] =
    "SELECT bytes, sequence FROM trust_lists WHERE federation = $1";

int sp_pg_trust_list_get(sp_store_conn *c, const char *federation,
                         uint64_t *sequence, uint8_t **bytes, size_t *len)
{
	sp_pg_args a = {0};
	int64_t seq = 0;
	int err;

	if (bytes)
		*bytes = NULL;
	if (len)
		*len = 0;
	if (!c || !federation || !sequence || !bytes || !len)
		return SP_ERR_INVALID_ARGUMENT;
	sp_pg_arg_text(&a, federation);
	err = blob_query(c, sql_tl_read, &a, "trust-list", bytes, len, &seq);
	if (err == SP_OK)
		*sequence = (uint64_t)seq;
	return err;
}

static const char sql_revoked_get[] =
    "SELECT sequence FROM revocations WHERE federation = $1 AND kind = $2"
    " AND subject = $3";

int sp_pg_revoked_get(sp_store_conn *c, const char *federation,
                      sp_store_revoked_kind kind, const char *subject,
                      uint64_t *sequence)
{
	sp_pg_args a = {0};
	PGresult *res;
	int err;

	sp_pg_arg_text(&a, federation);
	sp_pg_arg_text(&a, sp_store__revoked_kind_name(kind));
	sp_pg_arg_text(&a, subject);
	if (!(res = sp_pg_run(c, sql_revoked_get, &a, "revoked-get", &err)))
		return err;
	if (PQntuples(res) == 0) {
		err = SP_ERR_NOT_FOUND;
	} else if (sequence) {
		*sequence = (uint64_t)sp_pg_i64(res, 0, 0);
	}
	PQclear(res);
	return err;
}

static const char sql_state_get[] =
    "SELECT value FROM node_state WHERE key = $1";

int sp_pg_state_get(sp_store_conn *c, const char *key, char *buf, size_t cap)
{
	sp_pg_args a = {0};
	PGresult *res;
	int err;

	buf[0] = '\0';
	sp_pg_arg_text(&a, key);
	if (!(res = sp_pg_run(c, sql_state_get, &a, "state-get", &err)))
		return err;
	err =
	    PQntuples(res) ? sp_pg_text(res, 0, 0, buf, cap) : SP_ERR_NOT_FOUND;
	PQclear(res);
	return err;
}
