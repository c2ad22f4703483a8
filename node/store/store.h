/* store.h: the node's storage API, the only one the rest of the node uses:
 * records, the per-origin Merkle logs, equivocation evidence, checkpoints,
 * the delivery outbox and trust lists, over a database driver (driver.h;
 * SQLite by default). */
#ifndef SP_NODE_STORE_H
#define SP_NODE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "protocol.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Threads and connections
 * -----------------------
 * An sp_store owns one writer connection (of its driver) that only its
 * committer thread touches. Every write (record puts, checkpoints, outbox,
 * trust lists) is a request queued to that thread; the committer drains the
 * queue and runs all pending requests in ONE transaction (group commit), each
 * request inside its own savepoint so that one failing request does not undo
 * the others. Callbacks and synchronous returns happen only after the COMMIT
 * succeeded; if the COMMIT fails every request of the group reports an error.
 *
 * Reads go through an sp_store_reader: one driver connection with its own
 * prepared statements. A reader must be used by one thread at a time (open
 * one per thread); readers never block the writer (SQLite: WAL). Close every
 * reader before sp_store_close().
 *
 * The store does not parse or verify XML: callers hand it what they already
 * parsed and verified. It computes the digest and the Merkle leaf hash of the
 * bytes itself.
 */
typedef struct sp_store sp_store;
typedef struct sp_store_reader sp_store_reader;

/* Current schema version (the number of migrations a driver has run;
 * SQLite: PRAGMA user_version). */
#define SP_STORE_SCHEMA_VERSION 10

/* sp_store_open flags. */
#define SP_STORE_CREATE 0x1u /* create the database file if missing */

/* Caps. */
#define SP_STORE_MAX_RECIPIENTS 1024u
#define SP_STORE_MAX_SUBJECTS   256u
#define SP_STORE_MAX_DELIVER    1024u
#define SP_STORE_SUBJECT_MAX    128u   /* bytes of kind, scheme or value */
#define SP_STORE_QUEUE_MAX      65536u /* pending write requests */
#define SP_STORE_QUEUE_BYTES    ((size_t)256 << 20) /* pending record bytes */
#define SP_STORE_GROUP_MAX      10000u /* requests per group transaction */
/* the longest a delivery result waits to share a group commit */
#define SP_STORE_LAZY_MS     50u
#define SP_STORE_BATCH_CHUNK 10000u /* records per bulk transaction */
#define SP_STORE_LIST_MAX    1000u  /* entries / search page cap */
#define SP_STORE_CURSOR_MAX  32u    /* text cursor, NUL included */
#define SP_STORE_PROOF_MAX   64u    /* hashes in any proof */

/* Open (creating with SP_STORE_CREATE) the database at `path`, run pending
 * migrations (each in its own transaction) and start the committer thread.
 * Refuses a database whose schema is newer than this code, or that another
 * application owns. On success *out owns the store; on error *out is NULL and
 * *why (if why) is a static reason. Errors: SP_ERR_IO (cannot open, disk),
 * SP_ERR_UNAVAILABLE (locked), SP_ERR_INVALID_ARGUMENT (newer schema, not a
 * silkport database), SP_ERR_NOMEM, SP_ERR_INTERNAL. */
int sp_store_open(const char *path, unsigned flags, sp_store **out,
                  const char **why);
/* sp_store_open() on a named backend: "sqlite" (target: the database
 * path) or "postgresql" (target: a libpq connection string; the schema is
 * the connection's current schema). Unknown names are
 * SP_ERR_INVALID_ARGUMENT with *why naming the known ones. */
int sp_store_open_backend(const char *backend, const char *target,
                          unsigned flags, sp_store **out, const char **why);
/* Check the syntax of a PostgreSQL connection string (libpq's own parser:
 * keyword=value pairs or a postgresql:// URI) without connecting. SP_OK,
 * or SP_ERR_INVALID_ARGUMENT with libpq's message in err. */
int sp_store_dsn_check(const char *dsn, char *err, size_t cap);
/* The connection string for messages: every keyword it sets, the password
 * shown as "***". */
void sp_store_dsn_redact(const char *dsn, char *out, size_t cap);
/* Whether this process holds `role` (a short name, e.g. "checkpoints")
 * among the processes that share the database: at most one holds a role,
 * until its process or its database connection ends; a call when nobody
 * holds it takes it. Always held on SQLite (one process per file). Any
 * thread; it may wait on the database. */
int sp_store_leader(sp_store *s, const char *role, int *held);
/* Run every queued request, stop the committer, close the writer. NULL-safe.
 * All readers must already be closed. */
void sp_store_close(sp_store *s);

/* Call hook(ud, seconds, n) on the committer thread after each group
 * transaction that committed (for a latency histogram). Set it before the
 * first write; it must be quick and thread-safe. */
void sp_store_set_commit_hook(sp_store *s,
                              void (*hook)(void *ud, double seconds,
                                           size_t n_requests),
                              void *ud);

/* Whether writes commit (SPEC API-56 "storage writable"): set by every
 * write the committer runs. A storage error (disk full, read-only, I/O)
 * makes the store failing until a later write commits. */
typedef struct sp_store_health {
	int failing;         /* the last write failed with a storage error */
	int last_err;        /* sp_err of the last storage error; 0: none */
	int64_t last_err_ms; /* wall clock of it */
	uint64_t errors;     /* storage errors since open */
	char why[160];       /* the database's message for it */
} sp_store_health;
/* Any thread. */
void sp_store_health_get(sp_store *s, sp_store_health *out);

/* Open a reader connection for the calling thread. */
int sp_store_reader_open(sp_store *s, sp_store_reader **out, const char **why);
void sp_store_reader_close(sp_store_reader *r);

/* ---------------------------------------------------------------- puts */

/* Outcomes (positive, so that errors stay negative sp_err values). */
typedef enum sp_store_outcome {
	SP_STORE_INSERTED = 1,
	/* Same (origin, sequence) and same digest, or (when the request
	 * carries signed_digest) other bytes that sign the same content:
	 * nothing changed; the receipt this node issued at first acceptance
	 * is returned, and the held bytes stay the record (SPEC LOG-37). */
	SP_STORE_DUPLICATE = 2,
	/* Same (origin, sequence) with a different digest (and, when the
	 * request carries signed_digest, different signed content). The new
	 * bytes were stored in `equivocations` as evidence (once per distinct
	 * digest), in the same transaction; the record itself was not
	 * stored. */
	SP_STORE_EQUIVOCATION = 3,
	/* The same Origin holds this RecordId at another Sequence (REC-26):
	 * nothing was stored; existing_digest is the held record's. A
	 * RecordId of another Origin is no clash (REC-25). */
	SP_STORE_ID_REUSED = 4,
	/* A put with next_only whose Sequence is not the one after the
	 * origin's highest held record: another process sharing the database
	 * stored that Sequence first (or an earlier put of this process
	 * failed). Nothing was stored; sign again at sp_store_next_sequence().
	 */
	SP_STORE_SEQUENCE_TAKEN = 5,
} sp_store_outcome;

/* Where a record stands against its Origin's witnessed log (SPEC
 * [FED-55]): confirmed once this node verified its inclusion in a
 * checkpoint of its Origin that a quorum of witnesses cosigned (a node's
 * own records are confirmed when logged); pending until then; unlogged
 * when it can never be (its Origin has no LogKey). Only confirmed records
 * take effect (current for Supersedes). */
typedef enum sp_store_log_state {
	SP_LOG_CONFIRMED = 0,
	SP_LOG_PENDING = 1,
	SP_LOG_UNLOGGED = 2,
} sp_store_log_state;
/* "confirmed", "pending", "unlogged" (the API's words); NULL if unknown. */
const char *sp_store_log_state_name(int state);

/* Everything the caller already parsed and verified about one record. All
 * pointers are borrowed for the duration of the call only (the async path
 * copies what it needs). */
typedef struct sp_store_put_req {
	const uint8_t *bytes; /* the exact signed record bytes */
	size_t len;
	const char *record_id; /* UUID text */
	const char *origin;    /* node id */
	uint64_t sequence;     /* 0 .. 2^63-1; the leaf index in origin's log */
	const char *type;      /* registry code */
	int64_t issued;        /* unix seconds */
	int64_t received;      /* unix seconds; 0: now */
	/* Lowercase hex SHA-256 of bytes, or NULL. The store computes it
	 * anyway; a given digest that does not match is refused. */
	const char *digest;
	/* The verified record's signed content (sp_signed_content_digest(),
	 * 32 bytes), or NULL. With it, a record held at the same (origin,
	 * sequence) is compared by signed content rather than by bytes. */
	const uint8_t *signed_digest;
	int broadcast;
	const char *const *recipients;
	size_t n_recipients;
	const sp_subject *subjects; /* scheme NULL is stored as "" */
	size_t n_subjects;
	/* The receipt this node signed for the record, made durable together
	 * with it. NULL for the node's own records. */
	const uint8_t *receipt;
	size_t receipt_len;
	/* The peer the record came from; NULL for local submissions. */
	const char *source;
	/* Peers to deliver to: one outbox row each, due at `received`, in
	 * the same transaction. Used for own records. */
	const char *const *deliver_to;
	size_t n_deliver_to;
	/* The node's own record: stored only as the next leaf of its log
	 * (sequence == the log's size), else refused with
	 * SP_ERR_INVALID_ARGUMENT and nothing stored, so that a record
	 * queued behind one that failed cannot leave a hole in the log. */
	int append_only;
	/* sp_store_log_state on arrival: SP_LOG_PENDING for a record of
	 * another Origin that must be proven in its witnessed log; 0
	 * (confirmed) for the node's own. A duplicate keeps the held row's. */
	int log_state;
	/* A pending record whose signer was judged at its Issued only (SPEC
	 * [TL-78]): the end of that signer's validity, unix seconds; it is
	 * confirmed only if its existence bound is not later (within the
	 * slack of sp_store_settle). 0: none (judged now, as before). */
	int64_t signer_until;
	/* The node's own next record: stored only at the Sequence after the
	 * origin's highest held one, as read inside the write transaction
	 * (under a row lock on a server database), else
	 * SP_STORE_SEQUENCE_TAKEN. Keeps the own log contiguous and its
	 * Sequences unique when several processes of one node sign. */
	int next_only;
} sp_store_put_req;

typedef struct sp_store_put_result {
	int outcome; /* sp_store_outcome, or a negative sp_err */
	/* SP_STORE_DUPLICATE: the stored receipt (NULL if the stored record
	 * is one of the node's own). Owned by the store: valid only during the
	 * callback. */
	const uint8_t *receipt;
	size_t receipt_len;
	/* SP_STORE_INSERTED / DUPLICATE: rowid of the record. */
	int64_t rowid;
	/* SP_STORE_EQUIVOCATION: digest of the record already stored. */
	char existing_digest[65];
} sp_store_put_result;

/* Called on the committer thread once the group's COMMIT has returned (or
 * failed). It must not block and must not call synchronous store functions;
 * marshal the result back to the caller's loop. */
typedef void (*sp_store_put_cb)(void *ud, const sp_store_put_result *res);

/* Queue a put. The request is validated and copied; digest and leaf hash are
 * computed here, on the caller's thread. Returns SP_OK when queued (the
 * callback will fire exactly once), or an error and the callback will not
 * fire: SP_ERR_INVALID_ARGUMENT (bad field or digest mismatch),
 * SP_ERR_OVERLOADED (queue full), SP_ERR_UNAVAILABLE (store closing),
 * SP_ERR_NOMEM.
 *
 * A receiving node must send its Receipt only after the callback reported
 * SP_STORE_INSERTED (send the receipt it stored) or SP_STORE_DUPLICATE (send
 * res->receipt, the one stored at first acceptance): only then are the
 * record and receipt durable. */
int sp_store_put_async(sp_store *s, const sp_store_put_req *req,
                       sp_store_put_cb cb, void *ud);

/* Synchronous put for the CLI and tests (never from the committer thread).
 * Returns an sp_store_outcome or a negative sp_err. On SP_STORE_DUPLICATE
 * with a stored receipt, *receipt (if receipt) is a malloc'd copy. */
int sp_store_put(sp_store *s, const sp_store_put_req *req, uint8_t **receipt,
                 size_t *receipt_len);

/* Bulk append (imports, benchmarks): runs on the committer, one transaction
 * per SP_STORE_BATCH_CHUNK records. outcomes (may be NULL) receives one
 * sp_store_outcome or sp_err per request. Returns SP_OK if every chunk
 * committed, else the first error (chunks already committed stay). */
int sp_store_put_batch(sp_store *s, const sp_store_put_req *reqs, size_t n,
                       int *outcomes);

/* The next Sequence for `origin`: max(stored sequence, sequence of puts
 * queued but not yet committed) + 1, or 0. Meant for the node's own origin:
 * call it and sp_store_put_async() from one thread, without yielding in
 * between, so that two submissions never get the same sequence. */
int sp_store_next_sequence(sp_store *s, const char *origin, uint64_t *seq);

/* ---------------------------------------------------------------- reads */

#define SP_STORE_REFUSAL_MAX 40 /* an error code of SPEC 12.2, NUL included */

typedef struct sp_store_record {
	int64_t rowid;
	char record_id[SP_UUID_LEN + 1];
	char origin[SP_NODE_ID_MAX + 1];
	uint64_t sequence;
	char type[SP_TYPE_MAX + 1];
	int64_t issued;
	int64_t received;
	char digest[65];
	int broadcast;
	char source[SP_NODE_ID_MAX + 1]; /* "" for local */
	uint8_t *bytes;
	size_t len;
	uint8_t *receipt; /* NULL for own records */
	size_t receipt_len;
	int log_state; /* sp_store_log_state (not filled by console reads) */
	/* A confirmed record's existence bound (SPEC [LOG-48]): unix seconds
	 * by which a quorum of witnesses vouches it was logged; 0 when none
	 * (k = 0, or not confirmed). Not filled by console reads. */
	int64_t exists_by;
	/* An unlogged record refused at confirmation: the error code that
	 * refused it (SPEC [FED-61], e.g. "issued-out-of-bounds"); "" else. */
	char log_refused[SP_STORE_REFUSAL_MAX];
	/* Filled by the single-record getters; lists leave them empty. */
	char **recipients;
	size_t n_recipients;
} sp_store_record;

void sp_store_record_free(sp_store_record *rec);

typedef struct sp_store_list {
	sp_store_record **items;
	size_t n;
	/* Non-empty if more may follow: pass it back as the cursor. */
	char next_cursor[SP_STORE_CURSOR_MAX];
	/* entries only: the sequence to ask for next (last + 1). */
	uint64_t next_start;
} sp_store_list;
void sp_store_list_free(sp_store_list *l);

/* Who reads (SPEC REC-28, ACC-7). The store knows no trust lists: the
 * caller says whose broadcasts the viewer may read, i.e. the members of
 * every federation whose list lists the viewer. A NULL view (wide access
 * configured by the operator) reads everything. */
typedef struct sp_store_view {
	const char
	    *viewer; /* NodeId: reads its own records and those naming it */
	/* " A B C ": the Origins whose broadcasts viewer may read, each
	 * between single spaces; NULL or "": none. */
	const char *broadcasters;
} sp_store_view;

/* True if view may read rec: the viewer is its Origin or a recipient, or
 * rec is a broadcast of one of view's broadcasters. Needs the recipients,
 * i.e. a record from a single-record getter. */
int sp_store_record_visible_to(const sp_store_record *rec,
                               const sp_store_view *view);

/* By (Origin, RecordId) / by position: RecordIds are scoped per Origin
 * (SPEC REC-25). SP_ERR_NOT_FOUND if absent. */
int sp_store_get(sp_store_reader *r, const char *origin, const char *record_id,
                 sp_store_record **out);
int sp_store_get_at(sp_store_reader *r, const char *origin, uint64_t sequence,
                    sp_store_record **out);
/* The records carrying record_id that view may read (NULL: all), of
 * Origin `origin` when not NULL, in Origin order, at most max (<=
 * SP_STORE_LIST_MAX). Several Origins may use one RecordId; an empty list
 * is not an error. Items carry their recipients. */
int sp_store_find_id(sp_store_reader *r, const char *record_id,
                     const char *origin, const sp_store_view *view, size_t max,
                     sp_store_list **out);

/* Entries of `origin` with sequence >= start that view may read (NULL:
 * all), in sequence order, at most `count` (capped at SP_STORE_LIST_MAX)
 * and, after the first, at most max_bytes of record bytes (0: no byte
 * cap). An empty list is not an error. */
int sp_store_entries(sp_store_reader *r, const char *origin, uint64_t start,
                     size_t count, size_t max_bytes, const sp_store_view *view,
                     sp_store_list **out);

typedef struct sp_store_query {
	const sp_store_view *view;  /* NULL: no visibility filter */
	const char *subject_kind;   /* with subject_value; NULL: any */
	const char *subject_scheme; /* NULL: any scheme; "": none */
	const char *subject_value;
	const char *type;    /* NULL: any */
	const char *origin;  /* NULL: any */
	int64_t issued_from; /* inclusive; 0: unbounded */
	int64_t issued_to;   /* inclusive; 0: unbounded */
	size_t limit;        /* 1 .. SP_STORE_LIST_MAX; 0: 100 */
	const char *cursor;  /* NULL or "": from the start */
} sp_store_query;

/* A search cursor (as next_cursor gives it) into the row id to continue
 * after; NULL or "" is 0. SP_ERR_INVALID_ARGUMENT if malformed. */
int sp_store__cursor_parse(const char *cursor, int64_t *rowid);
/* Records matching every given filter, in storage order, one page.
 * SP_ERR_INVALID_ARGUMENT for a malformed cursor or half a subject. */
int sp_store_search(sp_store_reader *r, const sp_store_query *q,
                    sp_store_list **out);

typedef struct sp_store_origin_stats {
	char origin[SP_NODE_ID_MAX + 1];
	uint64_t records;
	int64_t max_sequence; /* -1: none */
	uint64_t tree_size;   /* leaves in the Merkle log (contiguous prefix) */
} sp_store_origin_stats;

typedef struct sp_store_stats {
	uint64_t records;
	uint64_t equivocations;
	uint64_t checkpoints;
	uint64_t outbox_pending;
	/* Since open, from the handle: write requests run and group
	 * transactions committed (commits < puts shows group commit). */
	uint64_t puts;
	uint64_t commits;
	uint64_t queue_depth;
	sp_store_origin_stats *origins;
	size_t n_origins;
} sp_store_stats;
int sp_store_stats_get(sp_store_reader *r, sp_store_stats *out);
void sp_store_stats_clear(sp_store_stats *st);

/* ---------------------------------------------------------------- Merkle log
 */

/*
 * Each origin has an RFC 9162 Merkle tree over its records in Sequence order
 * (leaf index = Sequence). A leaf is appended only while the log is
 * contiguous from 0: a record whose sequence equals the current tree size is
 * appended, followed by any stored successors. That always holds for the
 * node's own origin; for another origin the tree covers the contiguous
 * prefix the node holds (a recipient's sparse copy may have none: it proves
 * its entries with the origin's checkpoints instead).
 *
 * Stored: leaf hashes (level 0) and the hash of every complete perfect
 * subtree (level l, index i covers leaves [i*2^l, (i+1)*2^l)), written in the
 * record's transaction. Roots and proofs use O(log n) point lookups.
 */

/* Leaves in origin's tree. SP_ERR_NOT_FOUND if the origin is unknown. */
int sp_store_tree_size(sp_store_reader *r, const char *origin, uint64_t *size);
/* MTH of the first `size` leaves; size 0 gives SHA-256(""). Errors:
 * SP_ERR_NOT_FOUND (origin), SP_ERR_INVALID_ARGUMENT (size > tree size). */
int sp_store_tree_root(sp_store_reader *r, const char *origin, uint64_t size,
                       uint8_t root[32]);
/* MTH of origin's whole stored tree followed by n_extra more leaf hashes
 * (records not stored yet): what the root would be after appending them,
 * so that records recovered from elsewhere are checked against a
 * checkpoint before any is stored. An unknown origin has an empty tree. */
int sp_store_tree_root_extended(sp_store_reader *r, const char *origin,
                                const uint8_t (*extra)[32], uint64_t n_extra,
                                uint8_t root[32]);
/* RFC 9162 §2.1.3 audit path for leaf `index` in the tree of `size`
 * leaves, leaf-side first. index < size <= tree size. */
int sp_store_inclusion_proof(sp_store_reader *r, const char *origin,
                             uint64_t index, uint64_t size,
                             uint8_t path[SP_STORE_PROOF_MAX][32],
                             size_t *path_len);
/* RFC 9162 §2.1.4 consistency proof between sizes m and n,
 * m <= n <= tree size (m == 0 or m == n give an empty proof, as
 * sp_merkle_verify_consistency() expects). */
int sp_store_consistency_proof(sp_store_reader *r, const char *origin,
                               uint64_t m, uint64_t n,
                               uint8_t path[SP_STORE_PROOF_MAX][32],
                               size_t *path_len);

/* ---------------------------------------------------------------- checkpoints
 */

typedef struct sp_store_checkpoint {
	char origin[SP_NODE_ID_MAX + 1];
	uint64_t size;
	uint8_t root[32];
	char *note; /* the signed note text as received */
	int64_t seen_at;
	char source[SP_NODE_ID_MAX + 1]; /* "" for own */
	char **cosignatures;             /* signature lines, by witness */
	char **witnesses;
	size_t n_cosignatures;
} sp_store_checkpoint;
void sp_store_checkpoint_free(sp_store_checkpoint *cp);

/* Keep a checkpoint (origin, size, root) with its note. Returns
 * SP_STORE_INSERTED, SP_STORE_DUPLICATE (already known), or
 * SP_STORE_EQUIVOCATION (another root is stored for that size: both are
 * kept as evidence), or an error. source NULL for own. */
int sp_store_checkpoint_put(sp_store *s, const char *origin, uint64_t size,
                            const uint8_t root[32], const char *note,
                            const char *source);
/* The node's own checkpoint (origin, size, root) signed again, by another
 * key of the origin (SPEC [LOG-47], [LOG-52]): `note` replaces the stored
 * note, the cosignatures stay (they sign the checkpoint's text, not the
 * origin's signature). SP_OK, SP_ERR_NOT_FOUND when no checkpoint of that
 * origin, size and root is stored (nothing is written), or an error. */
int sp_store_checkpoint_resign(sp_store *s, const char *origin, uint64_t size,
                               const uint8_t root[32], const char *note);
/* sp_store_checkpoint_put() of an own checkpoint (source NULL) through
 * the committer without waiting for it: done(arg, rc) is called on the
 * committer thread after COMMIT with what sp_store_checkpoint_put() would
 * return (it must not block: post to the loop). Returns SP_OK (done will be
 * called) or an error (it will not). The outbox writes below tell their
 * caller the same way. */
typedef void (*sp_fed_store_done)(void *arg, int rc);
int sp_store_checkpoint_put_async(sp_store *s, const char *origin,
                                  uint64_t size, const uint8_t root[32],
                                  const char *note, sp_fed_store_done done,
                                  void *arg);
/* Add a witness cosignature line to a stored checkpoint (first line per
 * witness is kept). SP_ERR_NOT_FOUND if the checkpoint is unknown. */
int sp_store_cosignature_put(sp_store *s, const char *origin, uint64_t size,
                             const uint8_t root[32], const char *witness,
                             const char *line);
/* The largest checkpoint stored for origin (first seen if several roots),
 * with its cosignatures. SP_ERR_NOT_FOUND if none. */
int sp_store_checkpoint_latest(sp_store_reader *r, const char *origin,
                               sp_store_checkpoint **out);
/* The smallest checkpoint stored for origin whose size exceeds sequence
 * and that carries at least one cosignature (first seen if several
 * roots), with its cosignatures: the first witnessed checkpoint that
 * contains that Sequence, as far as this node knows (SPEC [API-80]).
 * Checkpoints are never pruned. SP_ERR_NOT_FOUND if none. */
int sp_store_checkpoint_covering(sp_store_reader *r, const char *origin,
                                 uint64_t sequence, sp_store_checkpoint **out);

/* ---------------------------------------------------------------- outbox */

/* The outbox holds one row per (record, peer) to deliver to. Rows are
 * added by a put's deliver_to (own records) or by sp_store_outbox_enqueue();
 * delivery reads and writes them through the federation-side functions
 * below (sp_store_fed_outbox_due, sp_store_fed_delivered_async,
 * sp_store_fed_reschedule_async, sp_store_fed_abandon_peer,
 * sp_store_fed_outbox_counts): one API, the one delivery uses. */

/* Queue delivery of the stored record (origin, record_id) to a peer
 * (idempotent per record and peer). SP_ERR_NOT_FOUND if the record is
 * unknown. */
int sp_store_outbox_enqueue(sp_store *s, const char *origin,
                            const char *record_id, const char *peer,
                            int64_t next_attempt);
/* The receipt `peer` gave for the record (origin, record_id). *out
 * malloc'd. */
int sp_store_peer_receipt_get(sp_store_reader *r, const char *origin,
                              const char *record_id, const char *peer,
                              uint8_t **out, size_t *len);

/* ---------------------------------------------------------------- trust lists
 */

/* Persist the current (already verified) trust list of a federation.
 * SP_ERR_TRUST_LIST_ROLLBACK if a higher sequence is stored,
 * SP_ERR_EQUIVOCATION if other bytes are stored for the same sequence;
 * the same bytes again are SP_OK. */
int sp_store_trust_list_put(sp_store *s, const char *federation,
                            uint64_t sequence, const uint8_t *bytes,
                            size_t len);
/* Replace the stored list of a federation whatever its sequence: only for
 * the operator's recovery from a compromised operator threshold (SPEC
 * [TL-76], `silkport trust-list reset`), with the node stopped. */
int sp_store_trust_list_reset(sp_store *s, const char *federation,
                              uint64_t sequence, const uint8_t *bytes,
                              size_t len);
/* *bytes malloc'd. SP_ERR_NOT_FOUND if none. */
int sp_store_trust_list_get(sp_store_reader *r, const char *federation,
                            uint64_t *sequence, uint8_t **bytes, size_t *len);

/* ---------------------------------------------------------------- log state
 */

/* A record of another Origin still pending (SPEC [FED-55]). */
typedef struct sp_store_pending {
	uint64_t sequence;
	char digest[65];  /* SHA-256 of its bytes, lowercase hex */
	int64_t received; /* unix seconds */
} sp_store_pending;

/* Set the records of `origin` at the n given Sequences that are pending to
 * `state` (SP_LOG_CONFIRMED or SP_LOG_UNLOGGED); confirmed records never
 * change. Synchronous (never from the committer thread); n <=
 * SP_STORE_LIST_MAX. */
int sp_store_log_state_set(sp_store *s, const char *origin,
                           const uint64_t *seqs, size_t n, int state);
/* How sp_store_log_settle() settles pending records. */
typedef struct sp_store_settle {
	int state; /* SP_LOG_CONFIRMED or SP_LOG_UNLOGGED */
	/* Confirmed only: the existence bound kept with each record (SPEC
	 * [LOG-48]), unix seconds; 0 for none (k = 0: no trusted time). */
	int64_t exists_by;
	/* Confirmed only: a record whose Issued is later than this is never
	 * confirmed; it becomes unlogged with the refusal
	 * "issued-out-of-bounds" instead (SPEC [FED-61]). INT64_MAX: no
	 * limit. */
	int64_t issued_max;
	/* Confirmed with exists_by > 0 only: a record stored with a
	 * signer_until earlier than exists_by - signer_slack is never
	 * confirmed; it becomes unlogged with the refusal "signer-expired"
	 * (SPEC [TL-78]). The slack is the clock skew. */
	int64_t signer_slack;
	/* Confirmed with exists_by > 0 only: the InvalidFrom of the Origin's
	 * revocation (SPEC [TL-77]); when it is earlier than exists_by -
	 * signer_slack, every record settled is unlogged with the refusal
	 * "signer-revoked" instead. INT64_MAX: not revoked so. */
	int64_t invalid_from;
	/* Confirmed with exists_by > 0 only: when held is not NULL, a record
	 * that signer_until or invalid_from alone would refuse stays pending
	 * instead; its Sequence is appended to held (room for n) and counted
	 * in *n_held, so that the caller can look for an earlier witnessed
	 * checkpoint that bounds it before its signer's end (SPEC [LOG-53]).
	 * Issued is still judged by issued_max. */
	uint64_t *held;
	size_t *n_held;
} sp_store_settle;

/* Settle the pending records of `origin` at the n given Sequences as
 * `how` says; records not pending are left alone. refused (n entries, may
 * be NULL when how->issued_max is INT64_MAX and how->exists_by is 0)
 * receives the Sequences made unlogged by issued_max or signer_until,
 * *n_refused (may be NULL) their count.
 * Synchronous (never from the committer thread); n <= SP_STORE_LIST_MAX.
 */
int sp_store_log_settle(sp_store *s, const char *origin, const uint64_t *seqs,
                        size_t n, const sp_store_settle *how, uint64_t *refused,
                        size_t *n_refused);
/* [TL-77]: the records of `origin` confirmed with an existence bound later
 * than `after` (its revocation's InvalidFrom plus the skew) become
 * unlogged with the refusal "signer-revoked", keeping their bound; those
 * with no bound (k = 0) or an earlier one are left alone. Idempotent. The
 * Sequences changed go to seqs (room for max, may be NULL with max 0),
 * how many changed in *n (all of them, also past max). Synchronous
 * (never from the committer thread). */
int sp_store_log_revoke(sp_store *s, const char *origin, int64_t after,
                        uint64_t *seqs, size_t max, size_t *n);
/* The pending records of `origin` with Sequence >= from, in Sequence
 * order, at most max (<= SP_STORE_LIST_MAX); *out malloc'd (NULL when
 * *n == 0). */
int sp_store_log_pending(sp_store_reader *r, const char *origin, uint64_t from,
                         size_t max, sp_store_pending **out, size_t *n);

/* ---------------------------------------------------------------- node state
 */

/* The node's own small facts, kept with its data so that a backup carries
 * them (schema 7). Keys in use: */
#define SP_STORE_STATE_NODE_ID "node_id" /* the NodeId the store belongs to */
#define SP_STORE_STATE_FENCED  "fenced"  /* present: why the node is fenced */
#define SP_STORE_STATE_MAX     512       /* bytes of a value, NUL included */

/* Set key to value (value NULL removes the key). Synchronous (never from
 * the committer thread). SP_ERR_INVALID_ARGUMENT for an empty key or a
 * value of SP_STORE_STATE_MAX bytes or more. */
int sp_store_state_set(sp_store *s, const char *key, const char *value);
/* The value of key into buf (cap bytes). SP_ERR_NOT_FOUND if unset. */
int sp_store_state_get(sp_store_reader *r, const char *key, char *buf,
                       size_t cap);

/* ---------------------------------------------------------------- backup */

/* A consistent online copy of the SQLite store at `path` into `dest` (a
 * new file; an existing one is overwritten), while a node may be writing
 * to it (SQLite's online backup API). The copy is one self-contained file.
 * Errors: SP_ERR_IO (cannot open or write, with *why), SP_ERR_UNAVAILABLE
 * (locked too long), SP_ERR_NOMEM. */
int sp_store_backup(const char *path, const char *dest, const char **why);

/* ---------------------------------------------------------------- revocations
 */

/* What an accepted trust list revoked (store_revoked.c), kept for good
 * (TL-27, [TL-39]). */
typedef enum sp_store_revoked_kind {
	SP_REVOKED_MEMBER = 1,       /* subject: the NodeId */
	SP_REVOKED_SIGNING_CERT = 2, /* subject: hex SHA-256 of the DER */
} sp_store_revoked_kind;

typedef struct sp_store_revocation {
	sp_store_revoked_kind kind;
	char subject[65];                 /* a NodeId, or 64 hex digits */
	char node_id[SP_NODE_ID_MAX + 1]; /* the member that was revoked */
	uint64_t sequence;                /* of the list that revoked it */
} sp_store_revocation;

/* Record revocations of `federation` (one transaction); one already
 * recorded keeps its first sequence. SP_ERR_INVALID_ARGUMENT on a bad
 * entry (nothing is written). */
int sp_store_revoked_add(sp_store *s, const char *federation,
                         const sp_store_revocation *v, size_t n);
/* SP_OK and *sequence (may be NULL) when `subject` of `kind` is revoked in
 * `federation`, SP_ERR_NOT_FOUND when it is not, or a store error. */
int sp_store_revoked_get(sp_store_reader *r, const char *federation,
                         sp_store_revoked_kind kind, const char *subject,
                         uint64_t *sequence);
/* Record every revocation of an accepted list: its revoked members and
 * their signing certificates. */
int sp_store_revoked_record_list(sp_store *s, const sp_tl *tl);
/* SP_OK when tl undoes no recorded revocation of its federation;
 * SP_ERR_REVOCATION_REVERSED with *hit (the first one found: kind,
 * subject, the member that lists it now in node_id, and the sequence of
 * the list that revoked it) when a member it lists as active or suspended
 * was revoked, or lists a revoked signing certificate; or a store error. */
int sp_store_revoked_check_list(sp_store_reader *r, const sp_tl *tl,
                                sp_store_revocation *hit);

/* ---------------------------------------------------------------- console */

/* The reads of the operator console (node/core), on a reader: a few per
 * page, never on the write path. */
typedef struct sp_store_console_query {
	const char *own; /* this node's id */
	int sent; /* 1: the node's own records; 0: every other origin's */
	/* NULL: any; else a Subject value, of subject_kind when that is not
	 * NULL, else of any kind (protocol.h lists them) */
	const char *subject_kind;
	const char *subject_value;
	const char *type;          /* NULL: any */
	size_t limit;              /* 1 .. SP_STORE_LIST_MAX */
	const sp_store_view *view; /* NULL: every record held */
} sp_store_console_query;

/* The newest matching records first, by storage order; items carry neither
 * bytes nor receipts nor recipients. */
int sp_store_console_records(sp_store_reader *r,
                             const sp_store_console_query *q,
                             sp_store_list **out);

/* One outbox row of a record: a delivery to a peer and the receipt held. */
typedef struct sp_store_delivery {
	char peer[SP_NODE_ID_MAX + 1];
	int delivered; /* the peer's receipt is held */
	uint32_t attempts;
	int64_t next_attempt; /* SP_FED_NEVER: given up */
	char last_error[256]; /* "" if none (cut at 255 bytes) */
	int64_t receipt_at;   /* when the receipt came; 0: none */
	size_t receipt_len;
} sp_store_delivery;

/* The deliveries of (origin, record_id), by peer; *out malloc'd (NULL when
 * *n == 0). */
int sp_store_console_deliveries(sp_store_reader *r, const char *origin,
                                const char *record_id, sp_store_delivery **out,
                                size_t *n);

/* Evidence side by side: two records for one position or one RecordId
 * (kind "position", "record-id": a is the record held, b the other), or two
 * roots for one checkpoint size (kind "checkpoint": a and b are the signed
 * notes, digests the roots in hex, sequence the size). Evidence of one
 * document (kind "trust-list", "index-note": sp_store_evidence_put) has
 * only b, digest_b its SHA-256, origin the subject, sequence 0. */
typedef struct sp_store_evidence {
	char kind[16];
	char origin[SP_NODE_ID_MAX + 1];
	uint64_t sequence;
	char record_id[SP_UUID_LEN + 1]; /* "" for a checkpoint */
	char digest_a[65], digest_b[65];
	uint8_t *a; /* NULL when the held side is gone */
	size_t a_len;
	uint8_t *b;
	size_t b_len;
	int64_t seen_at;                 /* when b was seen */
	char source[SP_NODE_ID_MAX + 1]; /* who sent b; "" if unknown */
} sp_store_evidence;

/* The newest evidence first, at most max of each kind group (records,
 * checkpoints, then documents); *out malloc'd, free with
 * sp_store_evidence_free(). */
int sp_store_console_evidence(sp_store_reader *r, size_t max,
                              sp_store_evidence **out, size_t *n);
void sp_store_evidence_free(sp_store_evidence *e, size_t n);

/* Keep a signed document that proves a misbehaviour as evidence (SPEC
 * [TL-16], [TL-75], [FED-60], SEC-47: kind "trust-list", the other list of
 * a split or fork, subject the federation; [LOG-51]: kind "index-note", an
 * index note that omits a record held, subject the origin). source: who
 * sent it (NULL: unknown). Kept once per (kind, subject, SHA-256 of the
 * bytes): a second copy is SP_OK and changes nothing. Never pruned. A
 * write: it waits for the committer (call it off the event loop). */
int sp_store_evidence_put(sp_store *s, const char *kind, const char *subject,
                          const uint8_t *bytes, size_t len, const char *source);

#ifdef __cplusplus
}
#endif
/* ------------------------------------------------- federation side */

/* A pending delivery with the record's bytes. */
typedef struct sp_fed_outbox_item {
	int64_t id;
	char record_id[SP_UUID_LEN + 1];
	char origin[SP_NODE_ID_MAX + 1]; /* this node, or relayed records' */
	uint64_t sequence;
	char digest[65];
	int64_t received;
	uint32_t attempts;
	uint8_t *bytes;
	size_t len;
} sp_fed_outbox_item;

void sp_fed_outbox_items_free(sp_fed_outbox_item *items, size_t n);

/* Pending deliveries to `peer` with id > after_id and next_attempt <= now,
 * by id, at most max (<= SP_STORE_LIST_MAX). *items malloc'd (NULL when
 * *n == 0). */
int sp_store_fed_outbox_due(sp_store_reader *r, const char *peer,
                            int64_t after_id, int64_t now, size_t max,
                            sp_fed_outbox_item **items, size_t *n);
/* sp_store_fed_outbox_due for delivery when several processes may share the
 * database: the rows returned are claimed for lease_s seconds (their next
 * attempt moves that far ahead; rows another process is claiming right now
 * are skipped), so that no other process delivers them meanwhile. A result
 * (sp_store_fed_delivered_async, sp_store_fed_reschedule_async) ends the
 * claim; a process that dies leaves its rows due again after the lease. On
 * SQLite (one process per file) the same as sp_store_fed_outbox_due. A
 * write: it waits for the committer. */
int sp_store_fed_outbox_claim(sp_store_reader *r, const char *peer,
                              int64_t after_id, int64_t now, int64_t lease_s,
                              size_t max, sp_fed_outbox_item **items,
                              size_t *n);

/* Outbox counts per peer: pending (retrying), failed (given up: pending with
 * next_attempt = SP_FED_NEVER) and the oldest pending record's received
 * time (0: none). */
#define SP_FED_NEVER INT64_MAX
typedef struct sp_fed_outbox_count {
	char peer[SP_NODE_ID_MAX + 1];
	uint64_t pending;
	uint64_t failed;
	int64_t oldest;
} sp_fed_outbox_count;
int sp_store_fed_outbox_counts(sp_store_reader *r, sp_fed_outbox_count **out,
                               size_t *n);

/* Asynchronous outbox writes: run on the committer in the next group;
 * done(arg, rc) is called on the committer thread after COMMIT (it must
 * not block: post to the loop). Returns SP_OK (done will be called) or an
 * error (it will not). error may be NULL. */
int sp_store_fed_delivered_async(sp_store *s, int64_t id,
                                 const uint8_t *receipt, size_t receipt_len,
                                 sp_fed_store_done done, void *arg);
int sp_store_fed_reschedule_async(sp_store *s, int64_t id, int64_t next_attempt,
                                  const char *error, sp_fed_store_done done,
                                  void *arg);
/* Give up every pending delivery to `peer` (revoked recipient): sets
 * next_attempt to SP_FED_NEVER with the error. Synchronous (worker). */
int sp_store_fed_abandon_peer(sp_store *s, const char *peer, const char *error);

/* The highest Sequence held for origin, or -1. */
int sp_store_fed_max_sequence(sp_store_reader *r, const char *origin,
                              int64_t *max);
/* The digest of the record held at (origin, sequence); SP_ERR_NOT_FOUND. */
int sp_store_fed_digest_at(sp_store_reader *r, const char *origin,
                           uint64_t sequence, char digest[65]);

/* The record held with these exact bytes (by digest) and the receipt this
 * node issued for it: a re-delivery is answered from here without verifying
 * again. *receipt is malloc'd. SP_ERR_NOT_FOUND if none (or none with a
 * receipt: the node's own records). */
int sp_store_fed_by_digest(sp_store_reader *r, const char digest[65],
                           char record_id[SP_UUID_LEN + 1],
                           char origin[SP_NODE_ID_MAX + 1], uint64_t *sequence,
                           uint8_t **receipt, size_t *receipt_len);

#endif /* SP_NODE_STORE_H */
