/* sqlite_read.c: the SQLite driver's reads on reader connections: records
 * by id and position, entry ranges and search with visibility filters and
 * cursors, stats, checkpoints, peer receipts and trust lists. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite_int.h"

#define REC_COLS                                                               \
	"r.id, r.record_id, r.origin, r.sequence, r.type, r.issued,"           \
	" r.received, r.digest, r.broadcast, r.source, r.bytes, r.receipt,"    \
	" r.log_state, r.exists_by, r.log_refused"

static void *dup_blob(const void *b, size_t n)
{
	void *out = malloc(n ? n : 1);

	if (out && n)
		memcpy(out, b, n);
	return out;
}

static char *dup_text(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	size_t n = (size_t)sqlite3_column_bytes(st, col);
	char *out;

	if (!t)
		return NULL;
	if ((out = malloc(n + 1))) {
		memcpy(out, t, n);
		out[n] = '\0';
	}
	return out;
}

int sp_sqlite_bind_view(sqlite3_stmt *st, const sp_store_view *view)
{
	int i = sqlite3_bind_parameter_index(st, ":viewer"), rc = SQLITE_OK;

	if (i)
		rc = view && view->viewer
		         ? sqlite3_bind_text(st, i, view->viewer, -1,
		                             SQLITE_STATIC)
		         : sqlite3_bind_text(st, i, "", 0, SQLITE_STATIC);
	if (rc == SQLITE_OK && (i = sqlite3_bind_parameter_index(st, ":bcast")))
		rc = view && view->broadcasters
		         ? sqlite3_bind_text(st, i, view->broadcasters, -1,
		                             SQLITE_STATIC)
		         : sqlite3_bind_null(st, i);
	return rc;
}

int sp_sqlite__record_header(sqlite3_stmt *st, sp_store_record *rec)
{
	int err;

	rec->rowid = sqlite3_column_int64(st, 0);
	rec->sequence = (uint64_t)sqlite3_column_int64(st, 3);
	rec->issued = sqlite3_column_int64(st, 5);
	rec->received = sqlite3_column_int64(st, 6);
	rec->broadcast = sqlite3_column_int(st, 8);
	if ((err = sp_store__col_text(st, 1, rec->record_id,
	                              sizeof(rec->record_id))) ||
	    (err =
	         sp_store__col_text(st, 2, rec->origin, sizeof(rec->origin))) ||
	    (err = sp_store__col_text(st, 4, rec->type, sizeof(rec->type))) ||
	    (err = sp_store__col_text(st, 7, rec->digest, sizeof(rec->digest))))
		return err;
	return sp_store__col_text(st, 9, rec->source, sizeof(rec->source));
}

/* The log state column as sp_store_log_state; pending if unknown. */
static int log_state_of(sqlite3_stmt *st, int col)
{
	const char *t = (const char *)sqlite3_column_text(st, col);
	int i;

	for (i = SP_LOG_CONFIRMED; t != NULL && i <= SP_LOG_UNLOGGED; i++)
		if (strcmp(t, sp_store_log_state_name(i)) == 0)
			return i;
	return SP_LOG_PENDING;
}

/* A record from a REC_COLS row. */
static int record_from_row(sqlite3_stmt *st, sp_store_record **out)
{
	sp_store_record *rec = calloc(1, sizeof(*rec));
	const void *b;
	int err;

	*out = NULL;
	if (!rec)
		return SP_ERR_NOMEM;
	if ((err = sp_sqlite__record_header(st, rec)) != SP_OK)
		goto fail;
	b = sqlite3_column_blob(st, 10);
	rec->len = (size_t)sqlite3_column_bytes(st, 10);
	if (!(rec->bytes = dup_blob(b, rec->len))) {
		err = SP_ERR_NOMEM;
		goto fail;
	}
	if ((b = sqlite3_column_blob(st, 11))) {
		rec->receipt_len = (size_t)sqlite3_column_bytes(st, 11);
		if (!(rec->receipt = dup_blob(b, rec->receipt_len))) {
			err = SP_ERR_NOMEM;
			goto fail;
		}
	}
	rec->log_state = log_state_of(st, 12);
	rec->exists_by = sqlite3_column_int64(st, 13); /* NULL reads 0 */
	if ((err = sp_store__col_text(st, 14, rec->log_refused,
	                              sizeof(rec->log_refused))) != SP_OK)
		goto fail;
	*out = rec;
	return SP_OK;
fail:
	sp_store_record_free(rec);
	return err;
}

static const char sql_recipients[] =
    "SELECT node_id FROM record_recipients WHERE rec = ?1"
    " ORDER BY node_id";

static int load_recipients(sp_store_conn *r, sp_store_record *rec)
{
	int err = SP_OK, rc;
	sqlite3_stmt *st = sp_store__stmt(r->db, &r->st, sql_recipients, &err);
	size_t cap = 0;

	if (!st)
		return err;
	sqlite3_bind_int64(st, 1, rec->rowid);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char *id;

		if (rec->n_recipients == cap) {
			size_t ncap = cap ? cap * 2 : 4;
			char **n = realloc(rec->recipients, ncap * sizeof(*n));

			if (!n) {
				err = SP_ERR_NOMEM;
				break;
			}
			rec->recipients = n;
			cap = ncap;
		}
		if (!(id = dup_text(st, 0))) {
			err = SP_ERR_NOMEM;
			break;
		}
		rec->recipients[rec->n_recipients++] = id;
	}
	if (err == SP_OK && rc != SQLITE_DONE)
		err = sp_store__err(r->db, rc, "recipients");
	sqlite3_reset(st);
	return err;
}

static int get_one(sp_store_conn *r, sqlite3_stmt *st, sp_store_record **out)
{
	int rc = sqlite3_step(st), err;
	sp_store_record *rec = NULL;

	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		return rc == SQLITE_DONE ? SP_ERR_NOT_FOUND
		                         : sp_store__err(r->db, rc, "get");
	}
	err = record_from_row(st, &rec);
	sqlite3_reset(st);
	if (err)
		return err;
	if ((err = load_recipients(r, rec))) {
		sp_store_record_free(rec);
		return err;
	}
	*out = rec;
	return SP_OK;
}

static const char sql_get_id[] =
    "SELECT " REC_COLS " FROM records r WHERE r.origin = ?1"
    " AND r.record_id = ?2";
static const char sql_get_at[] =
    "SELECT " REC_COLS " FROM records r WHERE r.origin = ?1"
    " AND r.sequence = ?2";

int sp_sqlite_get(sp_store_conn *r, const char *origin, const char *record_id,
                  sp_store_record **out)
{
	int err = SP_OK;
	sqlite3_stmt *st;

	if (out)
		*out = NULL;
	if (!r || !origin || !record_id || !out)
		return SP_ERR_INVALID_ARGUMENT;
	if (!(st = sp_store__stmt(r->db, &r->st, sql_get_id, &err)))
		return err;
	sqlite3_bind_text(st, 1, origin, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, record_id, -1, SQLITE_STATIC);
	return get_one(r, st, out);
}

int sp_sqlite_get_at(sp_store_conn *r, const char *origin, uint64_t sequence,
                     sp_store_record **out)
{
	int err = SP_OK;
	sqlite3_stmt *st;

	if (out)
		*out = NULL;
	if (!r || !origin || !out)
		return SP_ERR_INVALID_ARGUMENT;
	if (sequence > (uint64_t)INT64_MAX)
		return SP_ERR_NOT_FOUND;
	if (!(st = sp_store__stmt(r->db, &r->st, sql_get_at, &err)))
		return err;
	sqlite3_bind_text(st, 1, origin, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)sequence);
	return get_one(r, st, out);
}

/* ---------------------------------------------------------------- lists */

static int collect(sp_store_conn *r, sqlite3_stmt *st, size_t max,
                   size_t max_bytes, sp_store_list **out, int *more)
{
	sp_store_list *l = calloc(1, sizeof(*l));
	size_t bytes = 0;
	int rc, err = SP_OK;

	*out = NULL;
	*more = 0;
	if (!l || !(l->items = calloc(max ? max : 1, sizeof(*l->items)))) {
		free(l);
		sqlite3_reset(st);
		return SP_ERR_NOMEM;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		size_t len = (size_t)sqlite3_column_bytes(st, 10);

		if (l->n == max ||
		    (max_bytes && l->n > 0 && bytes + len > max_bytes)) {
			*more = 1;
			break;
		}
		if ((err = record_from_row(st, &l->items[l->n])))
			break;
		bytes += len;
		l->n++;
	}
	if (err == SP_OK && rc != SQLITE_ROW && rc != SQLITE_DONE)
		err = sp_store__err(r->db, rc, "list");
	sqlite3_reset(st);
	if (err) {
		sp_store_list_free(l);
		return err;
	}
	*out = l;
	return SP_OK;
}

static const char sql_entries[] =
    "SELECT " REC_COLS " FROM records r"
    " WHERE r.origin = :origin AND r.sequence >= :start"
    " AND (:all = 1 OR " VISIBLE_TO_VIEWER ")"
    " ORDER BY r.sequence LIMIT :lim";

int sp_sqlite_entries(sp_store_conn *r, const char *origin, uint64_t start,
                      size_t count, size_t max_bytes, const sp_store_view *view,
                      sp_store_list **out)
{
	int err = SP_OK, more;
	sqlite3_stmt *st;
	sp_store_list *l;

	if (out)
		*out = NULL;
	if (!r || !origin || !out || count == 0)
		return SP_ERR_INVALID_ARGUMENT;
	if (count > SP_STORE_LIST_MAX)
		count = SP_STORE_LIST_MAX;
	if (start > (uint64_t)INT64_MAX)
		start = (uint64_t)INT64_MAX;
	if (!(st = sp_store__stmt(r->db, &r->st, sql_entries, &err)))
		return err;
	sqlite3_bind_text(st, sqlite3_bind_parameter_index(st, ":origin"),
	                  origin, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":start"),
	                   (sqlite3_int64)start);
	sqlite3_bind_int(st, sqlite3_bind_parameter_index(st, ":all"),
	                 view == NULL);
	sp_sqlite_bind_view(st, view);
	sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":lim"),
	                   (sqlite3_int64)count + 1);
	if ((err = collect(r, st, count, max_bytes, &l, &more)))
		return err;
	l->next_start = l->n ? l->items[l->n - 1]->sequence + 1 : start;
	if (more)
		snprintf(l->next_cursor, sizeof(l->next_cursor), "%" PRIu64,
		         l->next_start);
	*out = l;
	return SP_OK;
}

static const char sql_find_id[] =
    "SELECT " REC_COLS " FROM records r WHERE r.record_id = :id"
    " AND (:origin IS NULL OR r.origin = :origin)"
    " AND (:all = 1 OR " VISIBLE_TO_VIEWER ")"
    " ORDER BY r.origin LIMIT :lim";

int sp_sqlite_find_id(sp_store_conn *r, const char *record_id,
                      const char *origin, const sp_store_view *view, size_t max,
                      sp_store_list **out)
{
	int err = SP_OK, more;
	sqlite3_stmt *st;
	sp_store_list *l = NULL;
	size_t i;

	if (out)
		*out = NULL;
	if (!r || !record_id || !out || max == 0)
		return SP_ERR_INVALID_ARGUMENT;
	if (max > SP_STORE_LIST_MAX)
		max = SP_STORE_LIST_MAX;
	if (!(st = sp_store__stmt(r->db, &r->st, sql_find_id, &err)))
		return err;
	sqlite3_bind_text(st, sqlite3_bind_parameter_index(st, ":id"),
	                  record_id, -1, SQLITE_STATIC);
	sp_store__bind_text(st, sqlite3_bind_parameter_index(st, ":origin"),
	                    origin);
	sqlite3_bind_int(st, sqlite3_bind_parameter_index(st, ":all"),
	                 view == NULL);
	sp_sqlite_bind_view(st, view);
	sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":lim"),
	                   (sqlite3_int64)max);
	if ((err = collect(r, st, max, 0, &l, &more)))
		return err;
	for (i = 0; i < l->n && err == SP_OK; i++)
		err = load_recipients(r, l->items[i]);
	if (err) {
		sp_store_list_free(l);
		return err;
	}
	*out = l;
	return SP_OK;
}

static int bind_named_text(sqlite3_stmt *st, const char *name, const char *v)
{
	int i = sqlite3_bind_parameter_index(st, name);

	return i ? sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC) : SQLITE_OK;
}

static int bind_named_int(sqlite3_stmt *st, const char *name, int64_t v)
{
	int i = sqlite3_bind_parameter_index(st, name);

	return i ? sqlite3_bind_int64(st, i, v) : SQLITE_OK;
}

static int append(char *buf, size_t cap, size_t *len, const char *s)
{
	size_t n = strlen(s);

	if (*len + n + 1 > cap)
		return SP_ERR_INTERNAL;
	memcpy(buf + *len, s, n + 1);
	*len += n;
	return SP_OK;
}

int sp_sqlite_search(sp_store_conn *r, const sp_store_query *q,
                     sp_store_list **out)
{
	char sql[1024];
	size_t len = 0, limit;
	int64_t after;
	sqlite3_stmt *st = NULL;
	sp_store_list *l = NULL;
	int err, rc, more;

	if (out)
		*out = NULL;
	if (!r || !q || !out)
		return SP_ERR_INVALID_ARGUMENT;
	if ((q->subject_kind == NULL) != (q->subject_value == NULL) ||
	    (q->subject_scheme && !q->subject_kind))
		return SP_ERR_INVALID_ARGUMENT;
	if ((err = sp_store__cursor_parse(q->cursor, &after)))
		return err;
	limit = q->limit ? q->limit : 100;
	if (limit > SP_STORE_LIST_MAX)
		limit = SP_STORE_LIST_MAX;

	if ((err = append(sql, sizeof(sql), &len,
	                  "SELECT " REC_COLS " FROM records r"
	                  " WHERE r.id > :after")))
		return err;
	if (q->view &&
	    (err = append(sql, sizeof(sql), &len, " AND " VISIBLE_TO_VIEWER)))
		return err;
	/* IN (subquery): the subject index yields row ids, already ordered */
	if (q->subject_kind &&
	    (err = append(sql, sizeof(sql), &len,
	                  q->subject_scheme
	                      ? " AND r.id IN (SELECT rec FROM subjects"
	                        " WHERE kind = :kind AND value = :value"
	                        " AND scheme = :scheme)"
	                      : " AND r.id IN (SELECT rec FROM subjects"
	                        " WHERE kind = :kind AND value = :value)")))
		return err;
	if (q->type &&
	    (err = append(sql, sizeof(sql), &len, " AND r.type = :type")))
		return err;
	if (q->origin &&
	    (err = append(sql, sizeof(sql), &len, " AND r.origin = :origin")))
		return err;
	if (q->issued_from &&
	    (err = append(sql, sizeof(sql), &len, " AND r.issued >= :from")))
		return err;
	if (q->issued_to &&
	    (err = append(sql, sizeof(sql), &len, " AND r.issued <= :to")))
		return err;
	if ((err = append(sql, sizeof(sql), &len, " ORDER BY r.id LIMIT :lim")))
		return err;

	rc = sqlite3_prepare_v2(r->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return sp_store__err(r->db, rc, "search-prepare");
	rc = bind_named_int(st, ":after", after);
	if (rc == SQLITE_OK)
		rc = sp_sqlite_bind_view(st, q->view);
	if (rc == SQLITE_OK)
		rc = bind_named_text(st, ":kind", q->subject_kind);
	if (rc == SQLITE_OK)
		rc = bind_named_text(st, ":value", q->subject_value);
	if (rc == SQLITE_OK)
		rc = bind_named_text(st, ":scheme", q->subject_scheme);
	if (rc == SQLITE_OK)
		rc = bind_named_text(st, ":type", q->type);
	if (rc == SQLITE_OK)
		rc = bind_named_text(st, ":origin", q->origin);
	if (rc == SQLITE_OK)
		rc = bind_named_int(st, ":from", q->issued_from);
	if (rc == SQLITE_OK)
		rc = bind_named_int(st, ":to", q->issued_to);
	if (rc == SQLITE_OK)
		rc = bind_named_int(st, ":lim", (int64_t)limit + 1);
	if (rc != SQLITE_OK) {
		err = sp_store__err(r->db, rc, "search-bind");
		sqlite3_finalize(st);
		return err;
	}
	err = collect(r, st, limit, 0, &l, &more);
	sqlite3_finalize(st);
	if (err)
		return err;
	if (more && l->n)
		snprintf(l->next_cursor, sizeof(l->next_cursor),
		         SP_STORE_CURSOR_PREFIX "%lld",
		         (long long)l->items[l->n - 1]->rowid);
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

int sp_sqlite_stats(sp_store_conn *r, sp_store_stats *out)
{
	sqlite3_stmt *st;
	size_t cap = 0;
	int err = SP_OK, rc;

	if (!r || !out)
		return SP_ERR_INVALID_ARGUMENT;
	memset(out, 0, sizeof(*out));

	if (!(st = sp_store__stmt(r->db, &r->st, sql_stats_origins, &err)))
		return err;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		sp_store_origin_stats *o;

		if (out->n_origins == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			sp_store_origin_stats *n =
			    realloc(out->origins, ncap * sizeof(*n));

			if (!n) {
				err = SP_ERR_NOMEM;
				break;
			}
			out->origins = n;
			cap = ncap;
		}
		o = &out->origins[out->n_origins];
		memset(o, 0, sizeof(*o));
		if ((err = sp_store__col_text(st, 0, o->origin,
		                              sizeof(o->origin))))
			break;
		o->records = (uint64_t)sqlite3_column_int64(st, 1);
		o->max_sequence = sqlite3_column_int64(st, 2);
		o->tree_size = (uint64_t)sqlite3_column_int64(st, 3);
		out->records += o->records;
		out->n_origins++;
	}
	if (err == SP_OK && rc != SQLITE_DONE)
		err = sp_store__err(r->db, rc, "stats");
	sqlite3_reset(st);
	if (err)
		goto fail;
	if (!(st = sp_store__stmt(r->db, &r->st, sql_stats_counts, &err)))
		goto fail;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->equivocations = (uint64_t)sqlite3_column_int64(st, 0);
		out->checkpoints = (uint64_t)sqlite3_column_int64(st, 1);
		out->outbox_pending = (uint64_t)sqlite3_column_int64(st, 2);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW) {
		err = sp_store__err(r->db, rc, "stats-counts");
		goto fail;
	}
	return SP_OK;
fail:
	sp_store_stats_clear(out);
	return err;
}

/* ---------------------------------------------------------------- checkpoints
 */

static const char sql_cp_latest[] =
    "SELECT id, size, root, note, seen_at, source FROM checkpoints"
    " WHERE origin = ?1 ORDER BY size DESC, id ASC LIMIT 1";
/* The first checkpoint witnessed to contain a Sequence (SPEC [API-80]):
 * the smallest above it that carries a cosignature. */
static const char sql_cp_covering[] =
    "SELECT c.id, c.size, c.root, c.note, c.seen_at, c.source"
    " FROM checkpoints c WHERE c.origin = ?1 AND c.size > ?2"
    " AND EXISTS (SELECT 1 FROM cosignatures s WHERE s.checkpoint = c.id)"
    " ORDER BY c.size ASC, c.id ASC LIMIT 1";
static const char sql_cosigs[] =
    "SELECT witness, line FROM cosignatures WHERE checkpoint = ?1"
    " ORDER BY witness";

static int load_cosigs(sp_store_conn *r, int64_t id, sp_store_checkpoint *cp)
{
	int err = SP_OK, rc;
	sqlite3_stmt *st = sp_store__stmt(r->db, &r->st, sql_cosigs, &err);
	size_t cap = 0;

	if (!st)
		return err;
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (cp->n_cosignatures == cap) {
			size_t ncap = cap ? cap * 2 : 4;
			char **a = realloc(cp->cosignatures, ncap * sizeof(*a));

			if (!a) {
				err = SP_ERR_NOMEM;
				break;
			}
			cp->cosignatures = a;
			if (!(a = realloc(cp->witnesses, ncap * sizeof(*a)))) {
				err = SP_ERR_NOMEM;
				break;
			}
			cp->witnesses = a;
			cap = ncap;
		}
		cp->witnesses[cp->n_cosignatures] = dup_text(st, 0);
		cp->cosignatures[cp->n_cosignatures] = dup_text(st, 1);
		cp->n_cosignatures++;
		if (!cp->witnesses[cp->n_cosignatures - 1] ||
		    !cp->cosignatures[cp->n_cosignatures - 1]) {
			err = SP_ERR_NOMEM;
			break;
		}
	}
	if (err == SP_OK && rc != SQLITE_DONE)
		err = sp_store__err(r->db, rc, "cosignatures");
	sqlite3_reset(st);
	return err;
}

/* One checkpoint row of sql (origin as ?1, covering as ?2 unless
 * negative) with its cosignatures. */
static int cp_query(sp_store_conn *r, const char *sql, const char *origin,
                    int64_t covering, sp_store_checkpoint **out)
{
	sp_store_checkpoint *cp = NULL;
	sqlite3_stmt *st;
	int err = SP_OK, rc;
	int64_t id = 0;

	if (out)
		*out = NULL;
	if (!r || !origin || !out)
		return SP_ERR_INVALID_ARGUMENT;
	if (!(st = sp_store__stmt(r->db, &r->st, sql, &err)))
		return err;
	sqlite3_bind_text(st, 1, origin, -1, SQLITE_STATIC);
	if (covering >= 0)
		sqlite3_bind_int64(st, 2, covering);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		return rc == SQLITE_DONE
		           ? SP_ERR_NOT_FOUND
		           : sp_store__err(r->db, rc, "checkpoint");
	}
	if (!(cp = calloc(1, sizeof(*cp)))) {
		sqlite3_reset(st);
		return SP_ERR_NOMEM;
	}
	id = sqlite3_column_int64(st, 0);
	snprintf(cp->origin, sizeof(cp->origin), "%s", origin);
	cp->size = (uint64_t)sqlite3_column_int64(st, 1);
	if (sqlite3_column_bytes(st, 2) == 32)
		memcpy(cp->root, sqlite3_column_blob(st, 2), 32);
	else
		err = SP_ERR_INTERNAL;
	cp->seen_at = sqlite3_column_int64(st, 4);
	if (!err && !(cp->note = dup_text(st, 3)))
		err = SP_ERR_NOMEM;
	if (!err)
		err = sp_store__col_text(st, 5, cp->source, sizeof(cp->source));
	sqlite3_reset(st);
	if (!err)
		err = load_cosigs(r, id, cp);
	if (err) {
		sp_store_checkpoint_free(cp);
		return err;
	}
	*out = cp;
	return SP_OK;
}

int sp_sqlite_checkpoint_latest(sp_store_conn *r, const char *origin,
                                sp_store_checkpoint **out)
{
	return cp_query(r, sql_cp_latest, origin, -1, out);
}

int sp_sqlite_checkpoint_covering(sp_store_conn *r, const char *origin,
                                  uint64_t sequence, sp_store_checkpoint **out)
{
	return cp_query(r, sql_cp_covering, origin, (int64_t)sequence, out);
}

/* ---------------------------------------------------------------- outbox */

static const char sql_peer_receipt_get[] =
    "SELECT p.receipt FROM peer_receipts p JOIN records r ON r.id = p.rec"
    " WHERE r.origin = ?1 AND r.record_id = ?2 AND p.peer = ?3";

static int blob_query(sp_store_conn *r, sqlite3_stmt *st, int col,
                      uint8_t **out, size_t *len)
{
	int rc = sqlite3_step(st), err = SP_OK;

	if (rc == SQLITE_ROW) {
		*len = (size_t)sqlite3_column_bytes(st, col);
		if (!(*out = dup_blob(sqlite3_column_blob(st, col), *len))) {
			*len = 0;
			err = SP_ERR_NOMEM;
		}
	} else if (rc == SQLITE_DONE) {
		err = SP_ERR_NOT_FOUND;
	} else {
		err = sp_store__err(r->db, rc, "blob");
	}
	return err;
}

int sp_sqlite_peer_receipt_get(sp_store_conn *r, const char *origin,
                               const char *record_id, const char *peer,
                               uint8_t **out, size_t *len)
{
	sqlite3_stmt *st;
	int err = SP_OK;

	if (out)
		*out = NULL;
	if (len)
		*len = 0;
	if (!r || !origin || !record_id || !peer || !out || !len)
		return SP_ERR_INVALID_ARGUMENT;
	if (!(st = sp_store__stmt(r->db, &r->st, sql_peer_receipt_get, &err)))
		return err;
	sqlite3_bind_text(st, 1, origin, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, record_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, peer, -1, SQLITE_STATIC);
	err = blob_query(r, st, 0, out, len);
	sqlite3_reset(st);
	return err;
}

/* ---------------------------------------------------------------- trust lists
 */

static const char sql_tl_read[] =
    "SELECT bytes, sequence FROM trust_lists WHERE federation = ?1";

int sp_sqlite_trust_list_get(sp_store_conn *r, const char *federation,
                             uint64_t *sequence, uint8_t **bytes, size_t *len)
{
	sqlite3_stmt *st;
	int err = SP_OK;

	if (bytes)
		*bytes = NULL;
	if (len)
		*len = 0;
	if (!r || !federation || !sequence || !bytes || !len)
		return SP_ERR_INVALID_ARGUMENT;
	if (!(st = sp_store__stmt(r->db, &r->st, sql_tl_read, &err)))
		return err;
	sqlite3_bind_text(st, 1, federation, -1, SQLITE_STATIC);
	err = blob_query(r, st, 0, bytes, len);
	if (err == SP_OK)
		*sequence = (uint64_t)sqlite3_column_int64(st, 1);
	sqlite3_reset(st);
	return err;
}
