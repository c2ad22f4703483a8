/* store_int.h: internals shared by the backend-independent files of
 * node/store: the handle, the committer's job queue and the put path. */
#ifndef SP_NODE_STORE_INT_H
#define SP_NODE_STORE_INT_H

#include <pthread.h>

#include "driver.h"

/* Work run on the committer inside the group transaction (own savepoint),
 * on the driver's writer connection. */
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
	/* nobody waits for it (a delivery result): it may wait up to
	 * SP_STORE_LAZY_MS for a job somebody waits for, and share its
	 * commit, instead of a commit (and a sync) of its own */
	int lazy;
	uint64_t queued_us; /* sp_monotonic_us() when queued */
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
	const sp_store_driver *ops;
	char *target;     /* the driver's path or DSN, for more connections */
	sp_store_conn *w; /* writer: committer thread only (and open/close) */
	pthread_t thread;
	int thread_started;
	pthread_mutex_t mu;
	pthread_cond_t work_cv;
	pthread_cond_t done_cv;
	sp_store_job *head, *tail;
	size_t queue_len;
	size_t queue_eager; /* queued jobs that are not lazy */
	size_t queue_bytes;
	int stopping;
	uint64_t puts;
	uint64_t commits;
	unsigned readers;
	sp_store_health health;      /* under mu */
	sp_store_inflight *inflight; /* under mu */
	/* Told the duration of each committed group (committer thread). */
	void (*commit_hook)(void *ud, double seconds, size_t n_requests);
	void *commit_hook_ud;
	/* for sp_store_next_sequence, from any thread */
	pthread_mutex_t seq_mu;
	sp_store_conn *seq;
	/* for sp_store_leader (under seq_mu), opened on first use */
	sp_store_conn *leader;
};

struct sp_store_reader {
	sp_store *s;
	sp_store_conn *c;
};

/* Start the committer thread (queue.c). */
int sp_store__committer_start(sp_store *s);
/* Run every queued request and stop the committer. */
void sp_store__committer_stop(sp_store *s);
/* Run fn on the committer in the next group and wait for its result. */
int sp_store__run(sp_store *s, sp_store_fn fn, void *arg);
/* Queue a job; takes ownership of job on SP_OK. */
int sp_store__enqueue(sp_store *s, sp_store_job *job, size_t bytes);
/* Enqueue a job of the caller's (on its stack) and wait until the
 * committer has done it: job->rc, or the enqueue's error. */
int sp_store__run_sync(sp_store *s, sp_store_job *job);
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

/* Merkle tree, writer side (tree.c): append leaf `index` (== current
 * size) of the origin with id origin_id. */
int sp_store__tree_append(sp_store *s, int64_t origin_id, uint64_t index,
                          const uint8_t leaf[32]);

#endif /* SP_NODE_STORE_INT_H */
