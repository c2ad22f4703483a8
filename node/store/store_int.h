/* store_int.h: internals shared by the store_*.c files of node/: handle
 * layout, the committer's job queue and SQLite helpers. */
#ifndef SP_NODE_STORE_DB_INT_H
#define SP_NODE_STORE_DB_INT_H

#include <pthread.h>
#include <sqlite3.h>

#include "store.h"

/* Prepared statements cached per connection, keyed by the address of their
 * static SQL text. */
#define SP_STORE_STMT_CACHE 64
typedef struct sp_store_stmts {
	const char *sql[SP_STORE_STMT_CACHE];
	sqlite3_stmt *st[SP_STORE_STMT_CACHE];
	size_t n;
} sp_store_stmts;

/* A put request as the committer runs it: either borrowed from the caller
 * (bulk path, caller waits) or a private copy (async path). */
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
} sp_store_req;

/* Work run on the committer inside the group transaction (own savepoint). */
typedef int (*sp_store_fn)(sp_store *s, void *arg);

typedef enum sp_store_job_kind {
	SP_STORE_JOB_PUT = 1,
	SP_STORE_JOB_FN = 2,
	SP_STORE_JOB_BATCH = 3,
} sp_store_job_kind;

typedef struct sp_store_job {
	struct sp_store_job *next;
	sp_store_job_kind kind;
	/* PUT */
	sp_store_req *req; /* owned (one allocation) */
	sp_store_put_cb cb;
	void *ud;
	/* FN */
	sp_store_fn fn;
	void *arg;
	/* BATCH */
	const sp_store_put_req *reqs;
	size_t n_reqs;
	int *outcomes;
	size_t qbytes; /* counted against SP_STORE_QUEUE_BYTES */
	int sync;      /* a caller waits on done_cv; else cb, then freed */
	/* result */
	int rc;
	sp_store_put_result res;
	uint8_t *res_receipt; /* malloc'd copy behind res.receipt */
	/* synchronous waiters: set under s->mu, then done_cv broadcast */
	int done;
} sp_store_job;

/* Sequences queued for an origin but not yet committed. */
typedef struct sp_store_inflight {
	struct sp_store_inflight *next;
	char origin[SP_NODE_ID_MAX + 1];
	uint64_t max_sequence;
	size_t count;
} sp_store_inflight;

struct sp_store {
	char *path;
	sqlite3 *db; /* writer: committer thread only (and open/close) */
	sp_store_stmts wst;
	pthread_t thread;
	int thread_started;
	pthread_mutex_t mu;
	pthread_cond_t work_cv;
	pthread_cond_t done_cv;
	sp_store_job *head, *tail;
	size_t queue_len;
	size_t queue_bytes;
	int stopping;
	uint64_t puts;
	uint64_t commits;
	unsigned readers;
	sp_store_inflight *inflight; /* under mu */
	/* Told the duration of each committed group (committer thread). */
	void (*commit_hook)(void *ud, double seconds, size_t n_requests);
	void *commit_hook_ud;
	/* for sp_store_next_sequence, from any thread */
	pthread_mutex_t seq_mu;
	sqlite3 *seq_db;
	sp_store_stmts seq_st;
};

struct sp_store_reader {
	sp_store *s;
	sqlite3 *db;
	sp_store_stmts st;
};

/* Translate a SQLite result code, logging the connection's message. */
int sp_store__err(sqlite3 *db, int rc, const char *what);
/* The cached statement for sql, reset with bindings cleared. NULL on error
 * (*err set). */
sqlite3_stmt *sp_store__stmt(sqlite3 *db, sp_store_stmts *c, const char *sql,
                             int *err);
void sp_store__stmts_clear(sp_store_stmts *c);
/* Run a one-shot statement that returns no rows. */
int sp_store__exec(sqlite3 *db, sp_store_stmts *c, const char *sql);
int64_t sp_store__now(void);
/* Copy a TEXT column into a fixed buffer (truncating never happens for
 * values the store validated on the way in; longer ones are an error). */
int sp_store__col_text(sqlite3_stmt *st, int col, char *buf, size_t cap);
/* Bind a text of known-bounded length (NUL-terminated). */
int sp_store__bind_text(sqlite3_stmt *st, int idx, const char *s);

/* Run fn on the committer in the next group and wait for its result. */
int sp_store__run(sp_store *s, sp_store_fn fn, void *arg);
/* Queue a job; takes ownership of job on SP_OK. */
int sp_store__enqueue(sp_store *s, sp_store_job *job, size_t bytes);
/* Remove an origin's in-flight mark once its put is done (under s->mu). */
void sp_store__inflight_done(sp_store *s, const sp_store_req *req);

/* Committer side of a record put: inside the caller's savepoint. */
int sp_store__put_exec(sp_store *s, const sp_store_req *req,
                       sp_store_put_result *res, uint8_t **receipt_copy);
/* Fill req from a caller's put, borrowing its pointers; computes digest
 * and leaf hash and validates every field. */
int sp_store__req_fill(const sp_store_put_req *p, sp_store_req *req);
/* Run a bulk job on the committer (outside any group transaction). */
int sp_store__batch_exec(sp_store *s, sp_store_job *job);

/* Merkle tree, writer side: append leaf `index` (== current size) of the
 * origin with id origin_id. */
int sp_store__tree_append(sp_store *s, int64_t origin_id, uint64_t index,
                          const uint8_t leaf[32]);

#endif /* SP_NODE_STORE_DB_INT_H */
