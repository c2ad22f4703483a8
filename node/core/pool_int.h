/* pool_int.h: the node's worker pool: heavy work (signature checks, fsync,
 * database writes) runs on worker threads, completions on the event loop. */
#ifndef SP_NODE_POOL_INT_H
#define SP_NODE_POOL_INT_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct event_base;

typedef struct sp_pool sp_pool;

/* Runs on a worker thread. Must not touch event-loop state. */
typedef void (*sp_pool_work_fn)(void *arg);
/* Runs on the event-loop thread after work_fn has returned, with the same
 * arg. May submit further jobs. */
typedef void (*sp_pool_done_fn)(void *arg);

/* Make a pool of `nthreads` workers (0: the number of online CPUs, at least
 * 1; capped at 256) whose completions run on `base`. `max_queue` bounds the
 * jobs waiting for a worker (0: 1024). The base must outlive the pool.
 * Errors: SP_ERR_INVALID_ARGUMENT, SP_ERR_NOMEM, SP_ERR_INTERNAL (thread or
 * eventfd creation failed). */
int sp_pool_new(struct event_base *base, unsigned nthreads, size_t max_queue,
                sp_pool **out);

/* Queue a job. Event-loop thread (or any thread before the loop runs).
 * work_fn must not be NULL; done_fn may be NULL. Returns SP_OK, or
 * SP_ERR_OVERLOADED when max_queue jobs are already waiting (nothing is
 * queued and neither function will be called), SP_ERR_UNAVAILABLE once
 * sp_pool_free() has started, SP_ERR_NOMEM. */
int sp_pool_submit(sp_pool *p, sp_pool_work_fn work_fn, sp_pool_done_fn done_fn,
                   void *arg);

/* The same, ahead of every job queued by sp_pool_submit() (in FIFO order
 * among those queued first): for short jobs on a record's way out, which
 * should not wait behind long ones that nothing waits for. The caller
 * bounds how many it queues; they are counted in max_queue too. */
int sp_pool_submit_first(sp_pool *p, sp_pool_work_fn work_fn,
                         sp_pool_done_fn done_fn, void *arg);

/* Jobs waiting for a worker, jobs running on one. Event-loop thread. */
size_t sp_pool_queued(sp_pool *p);
size_t sp_pool_running(sp_pool *p);
unsigned sp_pool_threads(const sp_pool *p);

/* Drain and free: every queued job still runs, every done_fn is called (on
 * the calling thread, which must be the event-loop thread or the thread that
 * owns the base after the loop has stopped), then the workers are joined.
 * NULL is a no-op. */
void sp_pool_free(sp_pool *p);

#ifdef __cplusplus
}
#endif
#endif /* SP_NODE_POOL_INT_H */
