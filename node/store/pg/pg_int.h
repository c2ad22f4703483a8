/* pg_int.h: internals of the PostgreSQL store driver: its connection, the
 * prepared-statement cache, parameter and result helpers, and the ops it
 * implements. The only header of the tree that includes libpq-fe.h. */
#ifndef SP_NODE_STORE_PG_INT_H
#define SP_NODE_STORE_PG_INT_H

#include <libpq-fe.h>

#include "driver.h"

/* Statements prepared per connection, keyed by the address of their static
 * SQL text (named "s0", "s1", ... on the server). */
#define SP_PG_STMT_CACHE 96
/* Most parameters any statement of the driver takes. */
#define SP_PG_MAX_ARGS 24

/* The last Merkle node the writer stored at one level. */
typedef struct sp_pg_node {
	int64_t origin_id;
	uint64_t idx;
	uint8_t hash[32];
	int valid;
} sp_pg_node;
#define SP_PG_LEVELS 64

/* One libpq connection: the writer, a reader or the sequence reader. */
struct sp_store_conn {
	PGconn *pg;
	char *dsn;
	const char *sql[SP_PG_STMT_CACHE];
	size_t n_prepared;
	int in_tx;  /* begin ran, commit or rollback not yet */
	int leader; /* holds the session advisory lock of sp_store_leader */
	/* An append reads back the left sibling the writer stored last at
	 * that level: kept here, it costs no round trip. Nodes never change
	 * once committed; the whole cache goes with any rollback, a failed
	 * commit or a new session. */
	sp_pg_node last[SP_PG_LEVELS];
	char msg[256];
};

/* Parameters of one statement: texts and numbers as text, byte strings in
 * binary (bytea), NULL as SQL NULL. */
typedef struct sp_pg_args {
	const char *v[SP_PG_MAX_ARGS];
	int len[SP_PG_MAX_ARGS];
	int fmt[SP_PG_MAX_ARGS];
	char num[SP_PG_MAX_ARGS][24];
	int n;
	int overflow; /* more than SP_PG_MAX_ARGS: the statement is not run */
} sp_pg_args;

void sp_pg_arg_text(sp_pg_args *a, const char *s);
void sp_pg_arg_i64(sp_pg_args *a, int64_t v);
void sp_pg_arg_blob(sp_pg_args *a, const void *b, size_t n);

/* Run a statement of the driver's (prepared once per connection; results
 * in binary). A result with rows or a command's result; NULL on error with
 * *err set and the server's message logged under `what`. */
PGresult *sp_pg_run(sp_store_conn *c, const char *sql, const sp_pg_args *a,
                    const char *what, int *err);
/* Run a statement built at run time (search), unprepared. */
PGresult *sp_pg_run_once(sp_store_conn *c, const char *sql, const sp_pg_args *a,
                         const char *what, int *err);
/* sp_pg_run for a statement whose rows are not needed. */
int sp_pg_exec(sp_store_conn *c, const char *sql, const sp_pg_args *a,
               const char *what);

/* Binary result columns: integers of any width (NULL: 0), text copied into
 * a fixed buffer (longer is SP_ERR_INTERNAL, NULL is ""), byte strings
 * (NULL pointer for NULL), and malloc'd copies. */
int64_t sp_pg_i64(const PGresult *r, int row, int col);
int sp_pg_text(const PGresult *r, int row, int col, char *buf, size_t cap);
const uint8_t *sp_pg_blob(const PGresult *r, int row, int col, size_t *len);
char *sp_pg_strdup(const PGresult *r, int row, int col);
/* A malloc'd copy of a byte column; *out NULL and SP_OK for NULL. */
int sp_pg_blobdup(const PGresult *r, int row, int col, uint8_t **out,
                  size_t *len);

/* Visibility for the viewer in parameter $V and the " A B " broadcasting
 * Origins in $B (REC-28), on a records row `r`. NodeIds hold no spaces. */
#define SP_PG_VISIBLE(V, B)                                                    \
	"(r.origin = $" V "::text OR (r.broadcast = 1 AND"                     \
	" strpos($" B "::text, ' ' || r.origin || ' ') > 0) OR EXISTS"         \
	" (SELECT 1 FROM record_recipients rr WHERE rr.rec = r.id"             \
	" AND rr.node_id = $" V "::text))"
/* Add a view's viewer and broadcasters (NULL view: the empty viewer). */
void sp_pg_arg_view(sp_pg_args *a, const sp_store_view *view);

/* The header columns of a record row (0 to 9, as sp_pg_rec_cols). */
#define SP_PG_REC_COLS                                                         \
	"r.id, r.record_id, r.origin, r.sequence, r.type, r.issued,"           \
	" r.received, r.digest, r.broadcast, r.source, r.bytes, r.receipt,"    \
	" r.log_state, r.exists_by, r.log_refused"
int sp_pg_record_header(const PGresult *r, int row, sp_store_record *rec);

/* The log state of records (SPEC [FED-55]; driver.h). */
int sp_pg_log_revoke(sp_store_conn *w, const char *origin, int64_t after,
                     uint64_t *seqs, size_t max, size_t *n);
int sp_pg_log_state_set(sp_store_conn *w, const char *origin,
                        const uint64_t *seqs, size_t n,
                        const sp_store_settle *how, uint64_t *refused,
                        size_t *n_refused);
int sp_pg_log_pending(sp_store_conn *c, const char *origin, uint64_t from,
                      size_t max, sp_store_pending **out, size_t *n);

/* Forget the writer's cached nodes (pg_put.c). */
void sp_pg_nodes_forget(sp_store_conn *c);
/* pg_put.c */
int sp_pg_held_at(sp_store_conn *c, const char *origin, uint64_t sequence,
                  sp_store_held *out);
int sp_pg_bytes_at(sp_store_conn *c, const char *origin, uint64_t sequence,
                   sp_store_bytes_fn fn, void *ctx);
int sp_pg_digest_of_id(sp_store_conn *c, const char *origin,
                       const char *record_id, char digest[65]);
int sp_pg_evidence_add(sp_store_conn *c, const char *kind, const char *subject,
                       const char *digest, const uint8_t *bytes, size_t len,
                       const char *source);
int sp_pg_evidence_put(sp_store_conn *c, const sp_store_req *req,
                       const char *kind, const char *digest_a);
int sp_pg_origin_get(sp_store_conn *c, const char *origin, int64_t *id,
                     uint64_t *tree_size, int64_t *max_seq);
int sp_pg_record_insert(sp_store_conn *c, const sp_store_req *req,
                        int64_t *rowid);
int sp_pg_origin_update(sp_store_conn *c, int64_t origin_id, uint64_t sequence,
                        uint64_t tree_size);
int sp_pg_tree_origin(sp_store_conn *c, const char *origin, int64_t *origin_id,
                      uint64_t *size);
int sp_pg_node_get(sp_store_conn *c, int64_t origin_id, unsigned level,
                   uint64_t idx, uint8_t out[32]);
int sp_pg_node_put(sp_store_conn *c, int64_t origin_id, unsigned level,
                   uint64_t idx, const uint8_t h[32]);
int sp_pg_nodes_get(sp_store_conn *c, int64_t origin_id, size_t n,
                    const unsigned *level, const uint64_t *idx,
                    uint8_t (*hash)[32]);
int sp_pg_checkpoint_put(sp_store_conn *c, const sp_store_cp_args *a);
int sp_pg_cosignature_put(sp_store_conn *c, const sp_store_cp_args *a);
int sp_pg_trust_list_put(sp_store_conn *c, const char *federation,
                         uint64_t sequence, const uint8_t *bytes, size_t len,
                         int reset);
int sp_pg_revoked_add(sp_store_conn *c, const char *federation,
                      const sp_store_revocation *v, size_t n);
int sp_pg_state_put(sp_store_conn *c, const char *key, const char *value);
/* pg_fed.c */
int sp_pg_outbox_enqueue(sp_store_conn *c, const sp_store_ob_args *a);
int sp_pg_outbox_delivered(sp_store_conn *c, const sp_store_ob_args *a);
int sp_pg_outbox_reschedule(sp_store_conn *c, const sp_store_ob_args *a);
int sp_pg_outbox_abandon(sp_store_conn *c, const sp_store_ob_args *a);
int sp_pg_outbox_due(sp_store_conn *c, const char *peer, int64_t after_id,
                     int64_t now, size_t max, sp_fed_outbox_item **items,
                     size_t *n);
int sp_pg_outbox_claim(sp_store_conn *c, const char *peer, int64_t after_id,
                       int64_t now, int64_t lease_s, size_t max,
                       sp_fed_outbox_item **items, size_t *n);
int sp_pg_outbox_counts(sp_store_conn *c, sp_fed_outbox_count **out, size_t *n);
int sp_pg_max_sequence(sp_store_conn *c, const char *origin, int64_t *max);
int sp_pg_digest_at(sp_store_conn *c, const char *origin, uint64_t sequence,
                    char digest[65]);
int sp_pg_by_digest(sp_store_conn *c, const char digest[65],
                    char record_id[SP_UUID_LEN + 1],
                    char origin[SP_NODE_ID_MAX + 1], uint64_t *sequence,
                    uint8_t **receipt, size_t *receipt_len);
int sp_pg_console_deliveries(sp_store_conn *c, const char *origin,
                             const char *record_id, sp_store_delivery **out,
                             size_t *n);
int sp_pg_console_evidence(sp_store_conn *c, size_t max,
                           sp_store_evidence **out, size_t *n);
/* pg_read.c */
int sp_pg_get(sp_store_conn *c, const char *origin, const char *record_id,
              sp_store_record **out);
int sp_pg_get_at(sp_store_conn *c, const char *origin, uint64_t sequence,
                 sp_store_record **out);
int sp_pg_find_id(sp_store_conn *c, const char *record_id, const char *origin,
                  const sp_store_view *view, size_t max, sp_store_list **out);
int sp_pg_entries(sp_store_conn *c, const char *origin, uint64_t start,
                  size_t count, size_t max_bytes, const sp_store_view *view,
                  sp_store_list **out);
int sp_pg_search(sp_store_conn *c, const sp_store_query *q,
                 sp_store_list **out);
int sp_pg_console_records(sp_store_conn *c, const sp_store_console_query *q,
                          sp_store_list **out);
int sp_pg_stats(sp_store_conn *c, sp_store_stats *out);
int sp_pg_checkpoint_latest(sp_store_conn *c, const char *origin,
                            sp_store_checkpoint **out);
int sp_pg_checkpoint_covering(sp_store_conn *c, const char *origin,
                              uint64_t sequence, sp_store_checkpoint **out);
int sp_pg_peer_receipt_get(sp_store_conn *c, const char *origin,
                           const char *record_id, const char *peer,
                           uint8_t **out, size_t *len);
int sp_pg_trust_list_get(sp_store_conn *c, const char *federation,
                         uint64_t *sequence, uint8_t **bytes, size_t *len);
int sp_pg_revoked_get(sp_store_conn *c, const char *federation,
                      sp_store_revoked_kind kind, const char *subject,
                      uint64_t *sequence);
int sp_pg_state_get(sp_store_conn *c, const char *key, char *buf, size_t cap);

#endif /* SP_NODE_STORE_PG_INT_H */
