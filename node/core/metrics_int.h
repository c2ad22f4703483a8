/* metrics_int.h: the node's counters and histograms, rendered in the
 * Prometheus text format under the prefix silkport_. Internal to node/core. */
#ifndef SP_NODE_METRICS_INT_H
#define SP_NODE_METRICS_INT_H

#include <stddef.h>
#include <stdint.h>

#include "base.h"
#include "node.h"

/* The enums sp_endpoint, sp_histogram_id and sp_counter_id are public
 * (node.h): the API counts its requests through sp_node_count_request(). */

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
