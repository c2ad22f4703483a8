/* sqlite_int.h: internals of the SQLite store driver: its connection, the
 * statement cache and SQLite helpers, and the ops it implements. */
#ifndef SP_NODE_STORE_SQLITE_INT_H
#define SP_NODE_STORE_SQLITE_INT_H

#include <sqlite3.h>

#include "driver.h"

/* Prepared statements cached per connection, keyed by the address of their
 * static SQL text. */
#define SP_STORE_STMT_CACHE 64
typedef struct sp_store_stmts {
	const char *sql[SP_STORE_STMT_CACHE];
	sqlite3_stmt *st[SP_STORE_STMT_CACHE];
	size_t n;
} sp_store_stmts;

/* One SQLite connection with its own prepared statements: the writer, a
 * reader, or the sequence reader. */
struct sp_store_conn {
	sqlite3 *db;
	sp_store_stmts st;
	struct sp_sqlite_ckpt *ckpt; /* the writer's checkpointer, else NULL */
};

/* WAL checkpoints away from the writer (sqlite_wal.c): SQLite's automatic
 * checkpoint runs inside the COMMIT that crosses its threshold, so every
 * record queued behind that commit waited for the copy of the WAL into
 * the database and its fsync. A thread with its own connection runs them
 * instead (PASSIVE: the writer goes on appending meanwhile); the writer
 * only checkpoints itself when the WAL has grown far past the threshold,
 * the thread not keeping up. Start after the writer's migrations; stop
 * before closing it. */
int sp_sqlite_ckpt_start(sp_store_conn *w, const char *path, const char **why);
void sp_sqlite_ckpt_stop(sp_store_conn *w);

/* Translate a SQLite result code, logging the connection's message. */
int sp_store__err(sqlite3 *db, int rc, const char *what);
/* The cached statement for sql, reset with bindings cleared. NULL on error
 * (*err set). */
sqlite3_stmt *sp_store__stmt(sqlite3 *db, sp_store_stmts *c, const char *sql,
                             int *err);
void sp_store__stmts_clear(sp_store_stmts *c);
/* Run a one-shot statement that returns no rows. */
int sp_store__exec(sqlite3 *db, sp_store_stmts *c, const char *sql);
/* Copy a TEXT column into a fixed buffer (truncating never happens for
 * values the store validated on the way in; longer ones are an error). */
int sp_store__col_text(sqlite3_stmt *st, int col, char *buf, size_t cap);
/* Bind a text of known-bounded length (NUL-terminated). */
int sp_store__bind_text(sqlite3_stmt *st, int idx, const char *s);
/* Step a statement that returns no rows, then reset it. */
int sp_sqlite_step_done(sqlite3 *db, sqlite3_stmt *st, const char *what);

/* Visibility for :viewer (origin, recipient, or a broadcast of one of the
 * " A B " :bcast Origins, REC-28), on a records row `r`. NodeIds hold no
 * spaces. */
#define VISIBLE_TO_VIEWER                                                      \
	"(r.origin = :viewer OR (r.broadcast = 1 AND"                          \
	" instr(:bcast, ' ' || r.origin || ' ') > 0) OR EXISTS (SELECT 1"      \
	" FROM record_recipients rr WHERE rr.rec = r.id"                       \
	" AND rr.node_id = :viewer))"
/* Bind a view's :viewer and :bcast (NULL view: the empty viewer). */
int sp_sqlite_bind_view(sqlite3_stmt *st, const sp_store_view *view);

/* The ops of sp_store_sqlite_driver, by file. sqlite_put.c: */
int sp_sqlite_held_at(sp_store_conn *s, const char *origin, uint64_t sequence,
                      sp_store_held *out);
int sp_sqlite_bytes_at(sp_store_conn *s, const char *origin, uint64_t sequence,
                       sp_store_bytes_fn fn, void *ctx);
int sp_sqlite_digest_of_id(sp_store_conn *s, const char *origin,
                           const char *record_id, char digest[65]);
int sp_sqlite_evidence_add(sp_store_conn *s, const char *kind,
                           const char *subject, const char *digest,
                           const uint8_t *bytes, size_t len,
                           const char *source);
int sp_sqlite_evidence_put(sp_store_conn *s, const sp_store_req *req,
                           const char *kind, const char *digest_a);
int sp_sqlite_origin_get(sp_store_conn *s, const char *origin, int64_t *id,
                         uint64_t *tree_size, int64_t *max_seq);
int sp_sqlite_record_insert(sp_store_conn *s, const sp_store_req *req,
                            int64_t *rowid);
int sp_sqlite_origin_update(sp_store_conn *s, int64_t origin_id,
                            uint64_t sequence, uint64_t tree_size);
int sp_sqlite_checkpoint_put(sp_store_conn *s, const sp_store_cp_args *a);
int sp_sqlite_cosignature_put(sp_store_conn *s, const sp_store_cp_args *a);
int sp_sqlite_log_revoke(sp_store_conn *s, const char *origin, int64_t after,
                         uint64_t *seqs, size_t max, size_t *n);
int sp_sqlite_log_state_set(sp_store_conn *s, const char *origin,
                            const uint64_t *seqs, size_t n,
                            const sp_store_settle *how, uint64_t *refused,
                            size_t *n_refused);
int sp_sqlite_log_pending(sp_store_conn *c, const char *origin, uint64_t from,
                          size_t max, sp_store_pending **out, size_t *n);
int sp_sqlite_outbox_enqueue(sp_store_conn *s, const sp_store_ob_args *a);
int sp_sqlite_trust_list_put(sp_store_conn *s, const char *federation,
                             uint64_t sequence, const uint8_t *bytes,
                             size_t len, int reset);
/* sqlite_tree.c: */
int sp_sqlite_tree_origin(sp_store_conn *r, const char *origin,
                          int64_t *origin_id, uint64_t *size);
int sp_sqlite_node_get(sp_store_conn *t, int64_t origin_id, unsigned level,
                       uint64_t idx, uint8_t out[32]);
int sp_sqlite_node_put(sp_store_conn *t, int64_t origin_id, unsigned level,
                       uint64_t idx, const uint8_t h[32]);
/* sqlite_fed.c: */
int sp_sqlite_outbox_delivered(sp_store_conn *s, const sp_store_ob_args *a);
int sp_sqlite_outbox_reschedule(sp_store_conn *s, const sp_store_ob_args *a);
int sp_sqlite_outbox_abandon(sp_store_conn *s, const sp_store_ob_args *a);
int sp_sqlite_outbox_due(sp_store_conn *r, const char *peer, int64_t after_id,
                         int64_t now, size_t max, sp_fed_outbox_item **items,
                         size_t *n);
int sp_sqlite_outbox_counts(sp_store_conn *r, sp_fed_outbox_count **out,
                            size_t *n);
int sp_sqlite_max_sequence(sp_store_conn *r, const char *origin, int64_t *max);
int sp_sqlite_digest_at(sp_store_conn *r, const char *origin, uint64_t sequence,
                        char digest[65]);
int sp_sqlite_by_digest(sp_store_conn *r, const char digest[65],
                        char record_id[SP_UUID_LEN + 1],
                        char origin[SP_NODE_ID_MAX + 1], uint64_t *sequence,
                        uint8_t **receipt, size_t *receipt_len);
/* sqlite_read.c: */
int sp_sqlite_get(sp_store_conn *r, const char *origin, const char *record_id,
                  sp_store_record **out);
int sp_sqlite_get_at(sp_store_conn *r, const char *origin, uint64_t sequence,
                     sp_store_record **out);
int sp_sqlite_find_id(sp_store_conn *r, const char *record_id,
                      const char *origin, const sp_store_view *view, size_t max,
                      sp_store_list **out);
int sp_sqlite_entries(sp_store_conn *r, const char *origin, uint64_t start,
                      size_t count, size_t max_bytes, const sp_store_view *view,
                      sp_store_list **out);
int sp_sqlite_search(sp_store_conn *r, const sp_store_query *q,
                     sp_store_list **out);
int sp_sqlite_stats(sp_store_conn *r, sp_store_stats *out);
int sp_sqlite_checkpoint_latest(sp_store_conn *r, const char *origin,
                                sp_store_checkpoint **out);
int sp_sqlite_checkpoint_covering(sp_store_conn *r, const char *origin,
                                  uint64_t sequence, sp_store_checkpoint **out);
int sp_sqlite_peer_receipt_get(sp_store_conn *r, const char *origin,
                               const char *record_id, const char *peer,
                               uint8_t **out, size_t *len);
int sp_sqlite_trust_list_get(sp_store_conn *r, const char *federation,
                             uint64_t *sequence, uint8_t **bytes, size_t *len);
/* sqlite_revoked.c: */
int sp_sqlite_revoked_add(sp_store_conn *s, const char *federation,
                          const sp_store_revocation *v, size_t n);
int sp_sqlite_revoked_get(sp_store_conn *r, const char *federation,
                          sp_store_revoked_kind kind, const char *subject,
                          uint64_t *sequence);
/* sqlite_read.c: the header columns (0 to 9) of a REC_COLS row into rec. */
int sp_sqlite__record_header(sqlite3_stmt *st, sp_store_record *rec);
/* sqlite_console.c: */
int sp_sqlite_console_records(sp_store_conn *r, const sp_store_console_query *q,
                              sp_store_list **out);
int sp_sqlite_console_deliveries(sp_store_conn *r, const char *origin,
                                 const char *record_id, sp_store_delivery **out,
                                 size_t *n);
int sp_sqlite_console_evidence(sp_store_conn *r, size_t max,
                               sp_store_evidence **out, size_t *n);
/* sqlite_state.c: */
int sp_sqlite_state_get(sp_store_conn *c, const char *key, char *buf,
                        size_t cap);
int sp_sqlite_state_put(sp_store_conn *w, const char *key, const char *value);
int sp_sqlite_backup(const char *src, const char *dest, const char **why);

#endif /* SP_NODE_STORE_SQLITE_INT_H */
