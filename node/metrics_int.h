/* metrics_int.h: the node's counters and histograms, rendered in the
 * Prometheus text format under the prefix silkport_. Internal to node/. */
#ifndef SP_NODE_METRICS_INT_H
#define SP_NODE_METRICS_INT_H

#include <stddef.h>
#include <stdint.h>

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

/* CLOCK_MONOTONIC in microseconds (the clock of sp_http_req_start_us()). */
uint64_t sp_monotonic_us(void);

/* A growable text buffer for building responses and gauges. */
typedef struct sp_text {
	char *buf;
	size_t len, cap;
	int failed; /* allocation failed: the content is incomplete */
} sp_text;

void sp_text_printf(sp_text *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void sp_text_append(sp_text *t, const void *data, size_t len);
void sp_text_free(sp_text *t);
/* Append s as a JSON string, quotes included; NULL appends null. Control
 * characters, quotes and backslashes are escaped, bytes >= 0x80 are copied
 * (s is UTF-8 or the caller's own text). */
void sp_text_json_str(sp_text *t, const char *s);

#endif /* SP_NODE_METRICS_INT_H */
