/* bench_fed.h: what the parts of the federation benchmark share (options
 * and figures, clients of the node binaries, the request senders). */
#ifndef SP_BENCH_FED_H
#define SP_BENCH_FED_H

#include "bench_util.h"

#include "h2client.h"

#include <stddef.h>
#include <stdint.h>

#define FEDERATION   "bench"
#define ORIGIN       "CN-ZZ"
#define N_PEERS      2
#define MAX_CONNS    16
#define PAGE         1000u
#define ENTRIES_PATH "/v1/logs/" ORIGIN "/entries"

struct event;

/* The two members besides ORIGIN; the catch-up run uses the first. */
extern const char *const fb_peer_ids[N_PEERS];

typedef struct fb_rec {
	uint8_t *bytes;
	size_t len;
} fb_rec;

/* Options, the shared loop and the figures the summary prints. */
struct fb_globals {
	const char *silkport;
	char work[SP_BENCH_PATH_MAX];
	double rate;    /* lag: records/s submitted at the origin */
	double seconds; /* lag: how long */
	double poll_ms; /* lag: pause between a reader's polls */
	size_t backlog; /* catch-up: records */
	unsigned concurrency;
	struct event_base *base;
	uint8_t *submit_doc;
	size_t submit_len;
	double lag_p99_ms, lag_rate;
	size_t lag_missing;
	/* lag run on a witnessed federation (--witnessed): its three members
	 * are the Witnesses, Quorum 2, MergeDelay merge_delay seconds; the
	 * records' confirmation latency at the peers */
	int witnessed;
	unsigned merge_delay;
	double confirm_p50_ms, confirm_p99_ms;
	size_t confirm_missing;
	double submit_rate; /* catch-up step 1: POST /v1/submit, closed loop */
	double ingest_rate, catchup_rate;
	int catchup_complete, catchup_verified, ingest_clean;
};
extern struct fb_globals fb;

/* DIR/members/MEMBER/FILE, or DIR/FILE when member is NULL; dies if too
 * long. */
void fb_path(char *out, size_t cap, const char *dir, const char *member,
             const char *file);
/* DIR/MEMBERSUFFIX.log: where a node's output goes. */
void fb_log_path(char *out, size_t cap, const char *dir, const char *member,
                 const char *suffix);
/* Stop a node; print the end of its log when it did not exit with 0. */
void fb_node_stop(sp_bench_node *n, const char *who);
/* Run the shared loop until cond(arg) holds or timeout_s passes; 1 if it
 * held. */
int fb_run_until(int (*cond)(void *), void *arg, double timeout_s);
/* A client of the node on `port` (federation in dir) with MEMBER's
 * operator identity (operator = 1) or its TLS (member) identity. */
sp_h2_client *fb_client(const char *dir, const char *member, int operator,
                        unsigned port);

/* One request, waited for on the shared loop (other work keeps running). */
typedef struct fb_resp {
	int done, err, status;
	const char *why;
	uint8_t *body;
	size_t len;
} fb_resp;

typedef void (*fb_frame_fn)(void *ud, uint64_t seq, const uint8_t *b, size_t n);

typedef struct fb_sender fb_sender;

typedef struct sslot {
	fb_sender *s;
	unsigned conn;
	size_t i;
	double t0;
} sslot;

/* POSTs `total` requests: closed loop with `cap` in flight per connection,
 * or paced at `rate` per second (latency then counts from each request's
 * due time, so a late send is not hidden). */
struct fb_sender {
	sp_h2_client *c[MAX_CONNS];
	unsigned n_c, cap, infl[MAX_CONNS];
	const char *path;
	const fb_rec *recs; /* NULL: the Submit document for every request */
	size_t total, next, ok, failed, inflight, max_inflight;
	double rate, t_start, t_last, next_due, lag_sum, lag_max;
	double *lat;
	size_t n_lat;
	sslot *slots;
	struct event *tick;
	int done;
	void (*on_ok)(void *ud, const uint8_t *body, double now);
	void *ud;
	int first_err, first_status;
	const char *first_why;
	char first_body[240];
};

/* GET path, waited for on the shared loop; dies unless it is a 200. The
 * body is malloc'd (NUL-terminated): free it. */
void fb_get(sp_h2_client *c, const char *path, fb_resp *out);
/* Connect every client (TLS, SETTINGS) with a GET /healthz. */
void fb_connect(sp_h2_client **c, unsigned n);
/* The node's /metrics text, malloc'd. */
char *fb_metrics(sp_h2_client *c);
/* The change of one sample between two /metrics texts (a NULL: from 0). */
double fb_mdelta(const char *a, const char *b, const char *name);
/* One line: mean verify and group-commit times, records per commit. */
void fb_metrics_line(const char *who, const char *a, const char *b,
                     double records);
/* The Sequence of a signed record as the node returned it. */
int fb_body_sequence(const uint8_t *body, uint64_t *seq);
/* Entries framing (SPEC 9.6): calls fn per frame; the frame count, or -1
 * when the body is malformed. */
long fb_frames_parse(const uint8_t *b, size_t n, fb_frame_fn fn, void *ud);

/* Send `total` POSTs to `path` over c[0..n_c): closed loop with `cap` in
 * flight per connection (rate 0) or paced at `rate` per second; bodies from
 * recs, or the Submit document when recs is NULL. s->on_ok and s->ud may be
 * set before. Returns when every request is answered (dies after a time
 * limit). */
void fb_sender_run(fb_sender *s, sp_h2_client **c, unsigned n_c, unsigned cap,
                   double rate, const char *path, const fb_rec *recs,
                   size_t total);
/* 201s per second, from the start to the last answer. */
double fb_sender_rate(const fb_sender *s);
void fb_sender_failures(const fb_sender *s);
void fb_sender_free(fb_sender *s);
/* Connections for `concurrency` requests in flight (64 streams each). */
unsigned fb_conns_for(unsigned concurrency);

/* The two runs; each prints its figures and fills fb's. */
void fb_lag(void);
void fb_catchup(void);

#endif /* SP_BENCH_FED_H */
