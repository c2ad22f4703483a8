/* metrics_int.h: the node's counters and histograms, rendered in the
 * Prometheus text format under the prefix silkport_. Internal to node/. */
#ifndef SP_NODE_METRICS_INT_H
#define SP_NODE_METRICS_INT_H

#include <stddef.h>
#include <stdint.h>

#include "base.h"

/* API endpoints, for per-endpoint request counts. */
typedef enum sp_endpoint {
	SP_EP_RECORDS_POST = 0,
	SP_EP_RECORD_GET,
	SP_EP_ENTRIES,
	SP_EP_CHECKPOINT,
	SP_EP_INCLUSION,
	SP_EP_CONSISTENCY,
	SP_EP_TRUST_LIST,
	SP_EP_SUBMIT,
	SP_EP_SEARCH,
	SP_EP_HEALTHZ,
	SP_EP_READYZ,
	SP_EP_METRICS,
	SP_EP_COSIGN,
	SP_EP_OTHER,
	SP_EP_COUNT
} sp_endpoint;

typedef enum sp_histogram_id {
	SP_HIST_VERIFY = 0, /* record verification, seconds */
	SP_HIST_COMMIT,     /* group commit, seconds */
	SP_HIST_REQUEST,    /* request handling, seconds */
	SP_HIST_COUNT
} sp_histogram_id;

/* Plain counters. */
typedef enum sp_counter_id {
	SP_CTR_SUBMITTED = 0, /* records signed for local operators */
	SP_CTR_DUPLICATES,    /* identical re-deliveries answered 200 */
	SP_CTR_EQUIVOCATIONS, /* conflicting records or checkpoints seen */
	SP_CTR_CHECKPOINTS,   /* checkpoints this node signed */
	SP_CTR_TRUST_RELOADS, /* trust lists installed after start */
	SP_CTR_OVERLOADED,    /* requests refused with 503 */
	SP_CTR_COUNT
} sp_counter_id;

typedef struct sp_metrics sp_metrics;

sp_metrics *sp_metrics_new(void);
void sp_metrics_free(sp_metrics *m);

/* All of these are thread-safe (atomics). */
void sp_metrics_request(sp_metrics *m, sp_endpoint ep, int status);
void sp_metrics_accepted(sp_metrics *m);
void sp_metrics_rejected(sp_metrics *m, int err); /* err: a negative sp_err */
void sp_metrics_observe(sp_metrics *m, sp_histogram_id h, double seconds);
void sp_metrics_count(sp_metrics *m, sp_counter_id c, uint64_t delta);

const char *sp_endpoint_name(sp_endpoint ep);

/* Render every metric into a malloc'd text buffer. `extra` is appended as
 * is (gauges that the caller computes at scrape time: log sizes,
 * connections, peers); may be NULL. */
char *sp_metrics_render(sp_metrics *m, const char *extra, size_t *len);

#endif /* SP_NODE_METRICS_INT_H */
