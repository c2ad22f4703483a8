/* driver.h: the storage driver interface: the ops table a database backend
 * implements under store.h (SQLite in node/store/sqlite/). Internal to
 * node/store; nothing outside this folder sees a driver. */
#ifndef SP_NODE_STORE_DRIVER_H
#define SP_NODE_STORE_DRIVER_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

/*
 * The split
 * ---------
 * node/store keeps everything that is the same on every database: request
 * validation, the write queue and group commit (queue.c), the outcome rules
 * of a put (duplicate, equivocation, id reuse: store_put.c), the Merkle log
 * and its proofs (tree.c over protocol/merkle.c), the in-flight sequence
 * marks, revocation checks and the asynchronous outbox callbacks. A driver
 * only moves rows: each op is one small unit of SQL (or equivalent) on one
 * connection.
 *
 * Connections
 * -----------
 * An sp_store_conn is one driver connection. The store opens one writer
 * (used by the committer thread only, always inside a transaction the queue
 * began) and one per reader (sp_store_reader; one thread at a time) plus
 * one for sp_store_next_sequence. A driver needs no locking of its own
 * beyond what its database does across connections.
 *
 * Transactions and batches
 * ------------------------
 * The queue runs a group as: begin; per request savepoint, ops, release
 * (or rollback_to on a request's error); commit. A bulk put chunk is begin,
 * ops, commit without savepoints. If an op fails so badly that the driver's
 * database dropped the whole transaction, in_transaction() returns 0 and the
 * queue fails the group. Results reach callers only after commit returned
 * SP_OK, so a driver whose commit can fail after the fact (network) must
 * report that failure from commit.
 *
 * Sequences and several processes
 * -------------------------------
 * Sequence numbers and the Merkle tree size are rows of `origins`, read and
 * written by origin_get / origin_update inside the writer's transaction, so
 * a server database that serializes those rows (SELECT ... FOR UPDATE) keeps
 * them contiguous across processes with no change above the driver.
 * max_sequence is read outside transactions for sp_store_next_sequence.
 *
 * Errors
 * ------
 * Ops return SP_OK, a positive value where documented, or a negative
 * sp_err: SP_ERR_NOT_FOUND where documented, SP_ERR_UNAVAILABLE (busy,
 * locked, connection lost), SP_ERR_IO, SP_ERR_NOMEM, SP_ERR_TOO_LARGE,
 * SP_ERR_INTERNAL. Drivers log their database's own message.
 */

typedef struct sp_store_conn sp_store_conn;

/* A search cursor is this prefix and the row id to continue after, in
 * decimal (sp_store__cursor_parse): only characters of the pattern API-47
 * gives cursors ([A-Za-z0-9_-]), so a client may check, store or pass it on
 * without escaping. A driver writes next_cursor in this form. */
#define SP_STORE_CURSOR_PREFIX "v1-"

/* A record put as the committer runs it: either borrowed from the caller
 * (bulk path, caller waits) or a private copy (async path). Validated,
 * with digest and leaf computed, before any op sees it. */
typedef struct sp_store_req {
	const uint8_t *bytes;
	size_t len;
	const char *record_id;
	const char *origin;
	const char *type;
	const char *source; /* NULL: local */
	uint64_t sequence;
	int64_t issued;
	int64_t received;
	int broadcast;
	char digest[65];
	uint8_t leaf[32];
	int has_signed_digest;
	uint8_t signed_digest[32];
	const char *const *recipients;
	size_t n_recipients;
	const sp_subject *subjects;
	size_t n_subjects;
	const uint8_t *receipt;
	size_t receipt_len;
	const char *const *deliver;
	size_t n_deliver;
	int append_only;
	int log_state;        /* sp_store_log_state of the new row */
	int64_t signer_until; /* 0: none (sp_store_put_req) */
	int next_only;        /* sp_store_put_req.next_only */
} sp_store_req;

/* The record held at a position, for the duplicate / equivocation check. */
typedef struct sp_store_held {
	int64_t rowid;
	char digest[65];
	uint8_t *receipt; /* malloc'd, NULL for own records */
	size_t receipt_len;
	/* The signed content digest stored with it (records stored with
	 * one, schema 6 on), else has_signed_digest is 0. */
	int has_signed_digest;
	uint8_t signed_digest[32];
} sp_store_held;

/* Given the bytes of a held record, borrowed for the call only. */
typedef int (*sp_store_bytes_fn)(void *ctx, const uint8_t *bytes, size_t len);

/* Checkpoint and cosignature writes. */
typedef struct sp_store_cp_args {
	const char *origin;
	uint64_t size;
	const uint8_t *root;
	const char *note;
	const char *source;
	const char *witness;
	const char *line;
	/* checkpoint_put: an existing (origin, size, root) gets `note` in
	 * place of the one stored (the same checkpoint signed by another
	 * key of its origin, SPEC [LOG-47]); still SP_STORE_DUPLICATE, and
	 * SP_ERR_NOT_FOUND (nothing written) when there is none */
	int replace_note;
} sp_store_cp_args;

/* Outbox writes. error NULL: none. */
typedef struct sp_store_ob_args {
	const char *origin;
	const char *record_id;
	const char *peer;
	int64_t id;
	int64_t next_attempt;
	const uint8_t *receipt;
	size_t receipt_len;
	const char *error;
} sp_store_ob_args;

typedef struct sp_store_driver {
	const char *name;

	/* ------------------------------------------------ lifecycle */
	/* Open the writer connection on `target` (a path, a DSN), create
	 * it with SP_STORE_CREATE, refuse a foreign or newer database, run
	 * pending migrations. *why is a static reason on error. */
	int (*open)(const char *target, unsigned flags, sp_store_conn **writer,
	            const char **why);
	/* Open another (read) connection on the same database. */
	int (*conn_open)(const char *target, sp_store_conn **out,
	                 const char **why);
	/* Close either kind. NULL-safe. */
	void (*conn_close)(sp_store_conn *c);

	/* ------------------------------------------------ transactions */
	int (*begin)(sp_store_conn *w);
	int (*commit)(sp_store_conn *w);
	int (*rollback)(sp_store_conn *w);
	int (*savepoint)(sp_store_conn *w);
	int (*release)(sp_store_conn *w);
	int (*rollback_to)(sp_store_conn *w);
	/* 1 while a transaction is open on w. */
	int (*in_transaction)(sp_store_conn *w);

	/* ------------------------------------------------ record puts
	 * (writer, inside a transaction; store_put.c decides outcomes) */
	/* The record at (origin, sequence); SP_ERR_NOT_FOUND. */
	int (*held_at)(sp_store_conn *w, const char *origin, uint64_t sequence,
	               sp_store_held *out);
	/* Call fn with the bytes of the record at (origin, sequence) and
	 * return its result; SP_ERR_NOT_FOUND if none. */
	int (*bytes_at)(sp_store_conn *w, const char *origin, uint64_t sequence,
	                sp_store_bytes_fn fn, void *ctx);
	/* The digest of origin's record with record_id; SP_ERR_NOT_FOUND. */
	int (*digest_of_id)(sp_store_conn *w, const char *origin,
	                    const char *record_id, char digest[65]);
	/* Keep req's bytes as evidence against digest_a (once per digest). */
	int (*evidence_put)(sp_store_conn *w, const sp_store_req *req,
	                    const char *kind, const char *digest_a);
	/* origin's row, created if absent: id, tree size, max sequence. */
	int (*origin_get)(sp_store_conn *w, const char *origin, int64_t *id,
	                  uint64_t *tree_size, int64_t *max_sequence);
	/* Insert the record (with req's signed digest when it has one),
	 * its recipients, subjects and outbox rows (due at req->received);
	 * *rowid its row id. */
	int (*record_insert)(sp_store_conn *w, const sp_store_req *req,
	                     int64_t *rowid);
	/* One more record of origin at `sequence`; the tree now has
	 * tree_size leaves. */
	int (*origin_update)(sp_store_conn *w, int64_t origin_id,
	                     uint64_t sequence, uint64_t tree_size);

	/* ------------------------------------------------ Merkle nodes
	 * (either connection) */
	/* origin's id and tree size; SP_ERR_NOT_FOUND. */
	int (*tree_origin)(sp_store_conn *c, const char *origin,
	                   int64_t *origin_id, uint64_t *tree_size);
	/* The stored hash (level, idx); a missing node is SP_ERR_INTERNAL:
	 * every node below the tree size is written with its leaf. */
	int (*node_get)(sp_store_conn *c, int64_t origin_id, unsigned level,
	                uint64_t idx, uint8_t out[32]);
	int (*node_put)(sp_store_conn *w, int64_t origin_id, unsigned level,
	                uint64_t idx, const uint8_t hash[32]);
	/* Optional, for a store across a network: the n nodes (level[i],
	 * idx[i]) in one round trip, into hash[i]; a missing node is
	 * SP_ERR_INTERNAL, as for node_get. NULL: node_get one by one. */
	int (*nodes_get)(sp_store_conn *c, int64_t origin_id, size_t n,
	                 const unsigned *level, const uint64_t *idx,
	                 uint8_t (*hash)[32]);

	/* ------------------------------------------------ other writes */
	/* SP_STORE_INSERTED / DUPLICATE / EQUIVOCATION (witness unused). */
	int (*checkpoint_put)(sp_store_conn *w, const sp_store_cp_args *a);
	/* SP_ERR_NOT_FOUND if the checkpoint is unknown. */
	int (*cosignature_put)(sp_store_conn *w, const sp_store_cp_args *a);
	/* origin, record_id, peer, next_attempt; SP_ERR_NOT_FOUND. */
	int (*outbox_enqueue)(sp_store_conn *w, const sp_store_ob_args *a);
	/* id, receipt: a pending row becomes delivered and the receipt is
	 * kept; SP_ERR_NOT_FOUND if no pending row has that id. */
	int (*outbox_delivered)(sp_store_conn *w, const sp_store_ob_args *a);
	/* id, next_attempt, error: one more attempt of a pending row;
	 * SP_ERR_NOT_FOUND. */
	int (*outbox_reschedule)(sp_store_conn *w, const sp_store_ob_args *a);
	/* peer, error: every pending row of peer due at SP_FED_NEVER. */
	int (*outbox_abandon)(sp_store_conn *w, const sp_store_ob_args *a);
	/* reset: replace whatever is stored (the recovery of SPEC
	 * [TL-76]); otherwise refuse a lower sequence or other bytes. */
	int (*trust_list_put)(sp_store_conn *w, const char *federation,
	                      uint64_t sequence, const uint8_t *bytes,
	                      size_t len, int reset);
	/* Keep bytes as evidence of kind about subject, digest their hex
	 * SHA-256; an existing (kind, subject, digest) row is kept as is. */
	int (*evidence_add)(sp_store_conn *w, const char *kind,
	                    const char *subject, const char *digest,
	                    const uint8_t *bytes, size_t len,
	                    const char *source);
	int (*revoked_add)(sp_store_conn *w, const char *federation,
	                   const sp_store_revocation *v, size_t n);
	/* The records of origin at seqs[0..n) whose log state is pending
	 * are settled as `how` says (store.h, sp_store_log_settle); others
	 * are left as they are. Those refused by how->issued_max are
	 * appended to refused (room for n; NULL when issued_max is
	 * INT64_MAX) and counted in *n_refused. */
	int (*log_state_set)(sp_store_conn *w, const char *origin,
	                     const uint64_t *seqs, size_t n,
	                     const sp_store_settle *how, uint64_t *refused,
	                     size_t *n_refused);
	/* Confirmed records of origin bound later than `after` become
	 * unlogged ("signer-revoked"); up to max of their Sequences into
	 * seqs, their count into *n (store.h, sp_store_log_revoke). */
	int (*log_revoke)(sp_store_conn *w, const char *origin, int64_t after,
	                  uint64_t *seqs, size_t max, size_t *n);

	/* ------------------------------------------------ reads
	 * (a reader connection; arguments already checked as in store.h) */
	int (*max_sequence)(sp_store_conn *c, const char *origin, int64_t *max);
	int (*get)(sp_store_conn *c, const char *origin, const char *record_id,
	           sp_store_record **out);
	int (*get_at)(sp_store_conn *c, const char *origin, uint64_t sequence,
	              sp_store_record **out);
	int (*find_id)(sp_store_conn *c, const char *record_id,
	               const char *origin, const sp_store_view *view,
	               size_t max, sp_store_list **out);
	int (*entries)(sp_store_conn *c, const char *origin, uint64_t start,
	               size_t count, size_t max_bytes,
	               const sp_store_view *view, sp_store_list **out);
	int (*search)(sp_store_conn *c, const sp_store_query *q,
	              sp_store_list **out);
	/* The database's part of the stats (records, origins, counts). */
	int (*stats)(sp_store_conn *c, sp_store_stats *out);
	int (*checkpoint_latest)(sp_store_conn *c, const char *origin,
	                         sp_store_checkpoint **out);
	/* The smallest checkpoint of origin above sequence that carries a
	 * cosignature; SP_ERR_NOT_FOUND if none (store.h). */
	int (*checkpoint_covering)(sp_store_conn *c, const char *origin,
	                           uint64_t sequence,
	                           sp_store_checkpoint **out);
	int (*peer_receipt_get)(sp_store_conn *c, const char *origin,
	                        const char *record_id, const char *peer,
	                        uint8_t **out, size_t *len);
	int (*trust_list_get)(sp_store_conn *c, const char *federation,
	                      uint64_t *sequence, uint8_t **bytes, size_t *len);
	int (*revoked_get)(sp_store_conn *c, const char *federation,
	                   sp_store_revoked_kind kind, const char *subject,
	                   uint64_t *sequence);
	int (*outbox_due)(sp_store_conn *c, const char *peer, int64_t after_id,
	                  int64_t now, size_t max, sp_fed_outbox_item **items,
	                  size_t *n);
	/* Writer, in a transaction: outbox_due's rows, each claimed (next
	 * attempt moved to now + lease_s), skipping rows another transaction
	 * holds. NULL for a database one process opens at a time: then
	 * outbox_due on a reader. */
	int (*outbox_claim)(sp_store_conn *w, const char *peer,
	                    int64_t after_id, int64_t now, int64_t lease_s,
	                    size_t max, sp_fed_outbox_item **items, size_t *n);
	int (*outbox_counts)(sp_store_conn *c, sp_fed_outbox_count **out,
	                     size_t *n);
	/* origin's pending records from Sequence `from`, by Sequence. */
	int (*log_pending)(sp_store_conn *c, const char *origin, uint64_t from,
	                   size_t max, sp_store_pending **out, size_t *n);
	int (*digest_at)(sp_store_conn *c, const char *origin,
	                 uint64_t sequence, char digest[65]);
	int (*by_digest)(sp_store_conn *c, const char digest[65],
	                 char record_id[SP_UUID_LEN + 1],
	                 char origin[SP_NODE_ID_MAX + 1], uint64_t *sequence,
	                 uint8_t **receipt, size_t *receipt_len);
	/* the operator console's reads (store.h says what they return) */
	int (*console_records)(sp_store_conn *c,
	                       const sp_store_console_query *q,
	                       sp_store_list **out);
	int (*console_deliveries)(sp_store_conn *c, const char *origin,
	                          const char *record_id,
	                          sp_store_delivery **out, size_t *n);
	int (*console_evidence)(sp_store_conn *c, size_t max,
	                        sp_store_evidence **out, size_t *n);

	/* ------------------------------------------------ node state */
	/* The value of key (NUL-terminated, at most cap - 1 bytes) into buf;
	 * SP_ERR_NOT_FOUND. Either connection. */
	int (*state_get)(sp_store_conn *c, const char *key, char *buf,
	                 size_t cap);
	/* Set key to value; value NULL removes it. Writer. */
	int (*state_put)(sp_store_conn *w, const char *key, const char *value);

	/* ------------------------------------------------ backup */
	/* A consistent copy of the database at `target` into the new file
	 * `dest`, while other processes may write to it. No connection of
	 * the store is needed. *why is a static reason on error. */
	int (*backup)(const char *target, const char *dest, const char **why);
	/* ------------------------------------------------ several processes */
	/* Whether this connection holds `role` among the processes sharing
	 * the database (one holder at a time, held until the holder's
	 * connection ends; try to take it when nobody holds it). NULL for a
	 * database one process opens at a time: always held. */
	int (*leader)(sp_store_conn *c, const char *role, int *held);
	/* The database's message for the last error on c (static or owned
	 * by c, valid until its next call), for the store's health. */
	const char *(*last_error)(sp_store_conn *c);
} sp_store_driver;

/* The SQLite driver (node/store/sqlite/). */
extern const sp_store_driver sp_store_sqlite_driver;
/* The PostgreSQL driver (node/store/pg/); target is a libpq connection
 * string. */
extern const sp_store_driver sp_store_pg_driver;

/* sp_store_open() with a given driver and target (its path or DSN). */
int sp_store_open_driver(const sp_store_driver *d, const char *target,
                         unsigned flags, sp_store **out, const char **why);

/* The wall clock in unix seconds, for the times a driver stamps rows with. */
int64_t sp_store__now(void);

/* Revocation kinds as the database stores them; NULL if unknown. */
const char *sp_store__revoked_kind_name(sp_store_revoked_kind k);

#endif /* SP_NODE_STORE_DRIVER_H */
