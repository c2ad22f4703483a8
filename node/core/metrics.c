/* metrics.c: counters and histograms for /metrics (Prometheus text format). */
#include "metrics_int.h"
#include "protocol.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define N_STATUS  17
#define N_ERR     128
#define N_BUCKETS 14

static const int status_codes[N_STATUS] = {200, 201, 204, 304, 400, 401,
                                           403, 404, 405, 408, 409, 413,
                                           415, 422, 431, 500, 503};

/* Upper bounds in seconds. */
static const double bucket_bounds[N_BUCKETS] = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
    0.025,  0.05,    0.1,    0.25,  0.5,    1.0,   5.0};

static const char *const hist_names[SP_HIST_COUNT][2] = {
    {"silkport_verify_seconds",
     "Time to verify one record (parse, profile, signature, authorization)."},
    {"silkport_db_commit_seconds",
     "Time of one group-commit transaction, fsync included."},
    {"silkport_request_seconds", "Time from request to response."},
};

static const char *const endpoint_names[SP_EP_COUNT] = {
    "records_post", "record_get", "entries", "checkpoint", "inclusion",
    "consistency",  "trust_list", "submit",  "search",     "healthz",
    "readyz",       "metrics",    "cosign",  "index",      "other"};

struct histogram {
	atomic_uint_fast64_t buckets[N_BUCKETS + 1]; /* last: +Inf */
	atomic_uint_fast64_t count;
	atomic_uint_fast64_t sum_us;
};

static const char *const counter_names[SP_CTR_COUNT][2] = {
    {"silkport_submitted_total",
     "Records signed and logged for local operators."},
    {"silkport_duplicates_total",
     "Identical re-deliveries answered with the stored receipt."},
    {"silkport_equivocations_total",
     "Conflicting records or checkpoints kept as evidence."},
    {"silkport_checkpoints_signed_total",
     "Checkpoints this node signed for its own log."},
    {"silkport_trust_list_installs_total",
     "Newer trust lists installed after start."},
    {"silkport_overloaded_total",
     "Requests refused because the node was overloaded."},
    {"silkport_relay_deadline_missed_total",
     "Relayed records whose final receipt missed the relay deadline."},
    {"silkport_records_read_by_libxml2_total",
     "Accepted records that were not in the form the canonical reader "
     "reads, and were read by libxml2 instead."},
};

struct sp_metrics {
	atomic_uint_fast64_t requests[SP_EP_COUNT]
	                             [N_STATUS + 1]; /* last: other */
	atomic_uint_fast64_t accepted;
	atomic_uint_fast64_t rejected[N_ERR];
	struct histogram hist[SP_HIST_COUNT];
	atomic_uint_fast64_t counters[SP_CTR_COUNT];
};

sp_metrics *sp_metrics_new(void)
{
	return calloc(1, sizeof(sp_metrics));
}

void sp_metrics_free(sp_metrics *m)
{
	free(m);
}

const char *sp_endpoint_name(sp_endpoint ep)
{
	return (unsigned)ep < SP_EP_COUNT ? endpoint_names[ep] : "other";
}

void sp_metrics_request(sp_metrics *m, sp_endpoint ep, int status)
{
	size_t i;

	if ((unsigned)ep >= SP_EP_COUNT)
		ep = SP_EP_OTHER;
	for (i = 0; i < N_STATUS; i++)
		if (status_codes[i] == status)
			break;
	atomic_fetch_add_explicit(&m->requests[ep][i], 1, memory_order_relaxed);
}

void sp_metrics_accepted(sp_metrics *m)
{
	atomic_fetch_add_explicit(&m->accepted, 1, memory_order_relaxed);
}

void sp_metrics_rejected(sp_metrics *m, int err)
{
	unsigned i = err < 0 ? (unsigned)-err : 0;

	if (i >= N_ERR)
		i = 0;
	atomic_fetch_add_explicit(&m->rejected[i], 1, memory_order_relaxed);
}

void sp_metrics_observe(sp_metrics *m, sp_histogram_id h, double seconds)
{
	struct histogram *hg;
	size_t i;

	if ((unsigned)h >= SP_HIST_COUNT)
		return;
	hg = &m->hist[h];
	for (i = 0; i < N_BUCKETS; i++)
		if (seconds <= bucket_bounds[i])
			break;
	atomic_fetch_add_explicit(&hg->buckets[i], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&hg->count, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&hg->sum_us,
	                          (uint_fast64_t)(seconds * 1e6 + 0.5),
	                          memory_order_relaxed);
}

void sp_metrics_count(sp_metrics *m, sp_counter_id c, uint64_t delta)
{
	if ((unsigned)c < SP_CTR_COUNT)
		atomic_fetch_add_explicit(&m->counters[c], delta,
		                          memory_order_relaxed);
}

char *sp_metrics_render(sp_metrics *m, const char *extra, size_t *len)
{
	sp_text t = {0};
	size_t e, s, b;
	int i;

	sp_text_printf(&t, "# HELP silkport_requests_total HTTP requests by "
	                   "endpoint and status.\n"
	                   "# TYPE silkport_requests_total counter\n");
	for (e = 0; e < SP_EP_COUNT; e++) {
		for (s = 0; s <= N_STATUS; s++) {
			uint64_t v = atomic_load(&m->requests[e][s]);

			if (v == 0)
				continue;
			if (s < N_STATUS)
				sp_text_printf(
				    &t,
				    "silkport_requests_total{endpoint=\"%s\","
				    "status=\"%d\"} %llu\n",
				    endpoint_names[e], status_codes[s],
				    (unsigned long long)v);
			else
				sp_text_printf(
				    &t,
				    "silkport_requests_total{endpoint=\"%s\","
				    "status=\"other\"} %llu\n",
				    endpoint_names[e], (unsigned long long)v);
		}
	}
	sp_text_printf(&t,
	               "# HELP silkport_records_accepted_total Records "
	               "accepted (stored and receipted).\n"
	               "# TYPE silkport_records_accepted_total counter\n"
	               "silkport_records_accepted_total %llu\n",
	               (unsigned long long)atomic_load(&m->accepted));
	sp_text_printf(&t, "# HELP silkport_records_rejected_total Records "
	                   "refused, by error name.\n"
	                   "# TYPE silkport_records_rejected_total counter\n");
	for (i = 0; i < N_ERR; i++) {
		uint64_t v = atomic_load(&m->rejected[i]);

		if (v > 0)
			sp_text_printf(&t,
			               "silkport_records_rejected_total{reason="
			               "\"%s\"} %llu\n",
			               sp_strerror(-i), (unsigned long long)v);
	}
	for (i = 0; i < SP_HIST_COUNT; i++) {
		struct histogram *hg = &m->hist[i];
		uint64_t cum = 0;

		sp_text_printf(&t, "# HELP %s %s\n# TYPE %s histogram\n",
		               hist_names[i][0], hist_names[i][1],
		               hist_names[i][0]);
		for (b = 0; b <= N_BUCKETS; b++) {
			cum += atomic_load(&hg->buckets[b]);
			if (b < N_BUCKETS)
				sp_text_printf(
				    &t, "%s_bucket{le=\"%g\"} %llu\n",
				    hist_names[i][0], bucket_bounds[b],
				    (unsigned long long)cum);
			else
				sp_text_printf(
				    &t, "%s_bucket{le=\"+Inf\"} %llu\n",
				    hist_names[i][0], (unsigned long long)cum);
		}
		sp_text_printf(
		    &t, "%s_sum %.6f\n%s_count %llu\n", hist_names[i][0],
		    (double)atomic_load(&hg->sum_us) / 1e6, hist_names[i][0],
		    (unsigned long long)atomic_load(&hg->count));
	}
	for (i = 0; i < SP_CTR_COUNT; i++)
		sp_text_printf(
		    &t, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n",
		    counter_names[i][0], counter_names[i][1],
		    counter_names[i][0], counter_names[i][0],
		    (unsigned long long)atomic_load(&m->counters[i]));
	if (extra != NULL)
		sp_text_append(&t, extra, strlen(extra));
	if (t.failed) {
		sp_text_free(&t);
		return NULL;
	}
	*len = t.len;
	return t.buf;
}
