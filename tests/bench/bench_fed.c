/* bench_fed.c: federation benchmark, main and shared parts: options,
 * clients of the node binaries, waiting on the shared event loop, and the
 * request senders (closed loop or paced) that both runs use. */
#include "bench_fed.h"

#include "trust.h"

#include <event2/event.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *const fb_peer_ids[N_PEERS] = {"CN-XA", "CN-CQ"};
struct fb_globals fb;

#define BODY_CAP 4096

static const sp_h2_header xml_header[1] = {{"content-type", "application/xml"}};

/* ---------------------------------------------------------------- plumbing */

/* Stop a node; say so when it did not exit with status 0. */
void fb_node_stop(sp_bench_node *n, const char *who)
{
	int rc = sp_bench_node_stop(n);

	size_t len, i, lines = 0;
	uint8_t *log;

	if (rc == 0)
		return;
	printf("warning: node %s exited with status %d (-1: killed or by a "
	       "signal); the end of its log:\n",
	       who, rc);
	log = sp_bench_read_file(n->log_path, &len);
	for (i = len; i > 0 && lines < 6; i--)
		if (log[i - 1] == '\n')
			lines++;
	printf("%s", (const char *)log + i);
	free(log);
}

void fb_path(char *out, size_t cap, const char *dir, const char *member,
             const char *file)
{
	int n = member
	            ? snprintf(out, cap, "%s/members/%s/%s", dir, member, file)
	            : snprintf(out, cap, "%s/%s", dir, file);

	if (n < 0 || (size_t)n >= cap)
		sp_bench_die("path too long", 0, file);
}

/* DIR/MEMBERSUFFIX.log: where a node's output goes. */
void fb_log_path(char *out, size_t cap, const char *dir, const char *member,
                 const char *suffix)
{
	int n = snprintf(out, cap, "%s/%s%s.log", dir, member, suffix);

	if (n < 0 || (size_t)n >= cap)
		sp_bench_die("path too long", 0, member);
}

static void on_nothing(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
}

/* Run the loop until cond(arg) holds or timeout_s passes; 1 if it held.
 * A 10 ms timer keeps the loop from returning for want of events. */
int fb_run_until(int (*cond)(void *), void *arg, double timeout_s)
{
	static const struct timeval ms10 = {0, 10000};
	struct event *t = event_new(fb.base, -1, EV_PERSIST, on_nothing, NULL);
	double end = sp_bench_now() + timeout_s;

	if (t == NULL || event_add(t, &ms10) != 0)
		sp_bench_die("event", 0, NULL);
	while (!cond(arg) && sp_bench_now() < end)
		event_base_loop(fb.base, EVLOOP_ONCE);
	event_free(t);
	return cond(arg);
}

/* A client of the node on `port` with MEMBER's operator identity
 * (operator = 1) or its TLS (member) identity. */
sp_h2_client *fb_client(const char *dir, const char *member, int operator,
                        unsigned port)
{
	char cert[SP_BENCH_PATH_MAX], key[SP_BENCH_PATH_MAX],
	    ca[SP_BENCH_PATH_MAX];
	const char *cas[2] = {ca, NULL};
	sp_h2_client_config cfg;
	sp_h2_client *c = NULL;
	const char *why = NULL;
	int err;

	fb_path(ca, sizeof(ca), dir, NULL, "operator/cert.pem");
	fb_path(cert, sizeof(cert), dir,
	        member, operator? "operator-cert.pem" : "tls-cert.pem");
	fb_path(key, sizeof(key), dir,
	        member, operator? "operator-key.pem" : "tls-key.pem");
	sp_h2_client_config_default(&cfg);
	cfg.host = "127.0.0.1";
	cfg.port = (uint16_t)port;
	cfg.cert_file = cert;
	cfg.key_file = key;
	cfg.ca_files = cas;
	cfg.max_queued = 1000000;
	cfg.request_timeout_ms = 120000;
	if ((err = sp_h2_client_new(fb.base, &cfg, &c, &why)) != SP_OK)
		sp_bench_die("HTTP/2 client", err, why);
	return c;
}

static void on_sync(void *ud, const sp_h2_response *r)
{
	fb_resp *s = ud;

	s->done = 1;
	s->err = r->err;
	s->why = r->why;
	s->status = r->status;
	if (r->err == SP_OK) {
		if ((s->body = malloc(r->body_len + 1)) == NULL)
			sp_bench_die("out of memory", 0, NULL);
		memcpy(s->body, r->body, r->body_len);
		s->body[r->body_len] = '\0';
		s->len = r->body_len;
	}
}

static int sync_done(void *arg)
{
	return ((fb_resp *)arg)->done;
}

void fb_get(sp_h2_client *c, const char *path, fb_resp *out)
{
	int err;

	memset(out, 0, sizeof(*out));
	if ((err = sp_h2_client_request(c, "GET", path, NULL, 0, NULL, 0,
	                                on_sync, out)) != SP_OK)
		sp_bench_die("queue a request", err, path);
	if (!fb_run_until(sync_done, out, 150))
		sp_bench_die("no answer", 0, path);
	if (out->err != SP_OK || out->status != 200) {
		fprintf(stderr, "bench: GET %s: %s %s HTTP %d %.200s\n", path,
		        out->err ? sp_strerror(out->err) : "",
		        out->why ? out->why : "", out->status,
		        out->body ? (const char *)out->body : "");
		exit(1);
	}
}

/* Connect every client (TLS, SETTINGS) with a GET /healthz. */
void fb_connect(sp_h2_client **c, unsigned n)
{
	fb_resp r;
	unsigned i;

	for (i = 0; i < n; i++) {
		fb_get(c[i], "/healthz", &r);
		free(r.body);
	}
}

/* The node's /metrics text (malloc'd). */
char *fb_metrics(sp_h2_client *c)
{
	fb_resp r;

	fb_get(c, "/metrics", &r);
	return (char *)r.body;
}

/* The difference of one sample between two /metrics texts (0 if absent). */
double fb_mdelta(const char *a, const char *b, const char *name)
{
	double x = a ? sp_bench_metric(a, name) : 0,
	       y = sp_bench_metric(b, name);

	return (y < 0 ? 0 : y) - (x < 0 ? 0 : x);
}

/* "verify 0.45 ms mean; commit 1.30 ms mean, 1234 commits, 4.1 per
 * commit" from two /metrics texts of one node. */
void fb_metrics_line(const char *who, const char *a, const char *b,
                     double records)
{
	double nv = fb_mdelta(a, b, "silkport_verify_seconds_count");
	double sv = fb_mdelta(a, b, "silkport_verify_seconds_sum");
	double nc = fb_mdelta(a, b, "silkport_db_commit_seconds_count");
	double sc = fb_mdelta(a, b, "silkport_db_commit_seconds_sum");

	printf("  %s:", who);
	if (nv > 0)
		printf(" verify %.2f ms mean (%.0f);", 1000 * sv / nv, nv);
	if (nc > 0)
		printf(" group commit %.2f ms mean, %.0f commits, %.1f "
		       "records/commit",
		       1000 * sc / nc, nc, records / nc);
	printf("\n");
}

/* The Sequence of a signed record the node returned (its header comes
 * first, so the first <Sequence> is the header's). */
int fb_body_sequence(const uint8_t *body, uint64_t *seq)
{
	const char *p = strstr((const char *)body, "<Sequence>");
	char *end;

	if (p == NULL)
		return -1;
	p += 10;
	*seq = strtoull(p, &end, 10);
	return (end == p || *end != '<') ? -1 : 0;
}

/* Entries framing (SPEC 9.6): "<seq> <len>\n<len bytes>\n"... Calls fn for
 * each frame; returns the number of frames, or -1 if malformed. */

long fb_frames_parse(const uint8_t *b, size_t n, fb_frame_fn fn, void *ud)
{
	size_t i = 0;
	long count = 0;

	while (i < n) {
		uint64_t v[2] = {0, 0};
		int k;

		for (k = 0; k < 2; k++) {
			size_t digits = 0;

			while (i < n && b[i] >= '0' && b[i] <= '9' &&
			       digits < 19) {
				v[k] = v[k] * 10 + (uint64_t)(b[i] - '0');
				i++;
				digits++;
			}
			if (digits == 0 || i >= n || b[i] != (k ? '\n' : ' '))
				return -1;
			i++;
		}
		if (v[1] == 0 || v[1] > n - i || n - i - v[1] < 1 ||
		    b[i + v[1]] != '\n')
			return -1;
		fn(ud, v[0], b + i, (size_t)v[1]);
		i += v[1] + 1;
		count++;
	}
	return count;
}

/* ---------------------------------------------------------------- senders */

static void on_sent(void *ud, const sp_h2_response *r);

static void sender_send(fb_sender *s, unsigned conn, double t0)
{
	size_t i = s->next++;
	const uint8_t *b = s->recs ? s->recs[i].bytes : fb.submit_doc;
	size_t len = s->recs ? s->recs[i].len : fb.submit_len;
	int err;

	s->slots[i].s = s;
	s->slots[i].conn = conn;
	s->slots[i].i = i;
	s->slots[i].t0 = t0;
	if ((err = sp_h2_client_request(s->c[conn], "POST", s->path, xml_header,
	                                1, b, len, on_sent, &s->slots[i])) !=
	    SP_OK)
		sp_bench_die("queue a request", err, s->path);
	s->infl[conn]++;
	if (++s->inflight > s->max_inflight)
		s->max_inflight = s->inflight;
}

static void on_sent(void *ud, const sp_h2_response *r)
{
	sslot *sl = ud;
	fb_sender *s = sl->s;
	double now = sp_bench_now();

	s->inflight--;
	s->infl[sl->conn]--;
	s->t_last = now;
	if (r->err == SP_OK && r->status == 201) {
		s->ok++;
		s->lat[s->n_lat++] = now - sl->t0;
		if (s->on_ok)
			s->on_ok(s->ud, r->body, now);
	} else if (s->failed++ == 0) {
		s->first_err = r->err;
		s->first_status = r->status;
		s->first_why = r->why;
		if (r->err == SP_OK)
			snprintf(s->first_body, sizeof(s->first_body), "%.*s",
			         (int)(r->body_len < 200 ? r->body_len : 200),
			         (const char *)r->body);
	}
	if (s->rate <= 0)
		while (s->next < s->total && s->infl[sl->conn] < s->cap)
			sender_send(s, sl->conn, now);
	if (s->next == s->total && s->inflight == 0)
		s->done = 1;
}

static void on_pace(evutil_socket_t fd, short what, void *arg)
{
	fb_sender *s = arg;
	double now = sp_bench_now();

	(void)fd;
	(void)what;
	while (s->next < s->total && s->next_due <= now) {
		s->lag_sum += now - s->next_due;
		if (now - s->next_due > s->lag_max)
			s->lag_max = now - s->next_due;
		sender_send(s, (unsigned)(s->next % s->n_c), s->next_due);
		s->next_due += 1.0 / s->rate;
	}
	if (s->next == s->total) {
		event_del(s->tick);
		if (s->inflight == 0)
			s->done = 1;
	}
}

static int sender_done(void *arg)
{
	return ((fb_sender *)arg)->done;
}

void fb_sender_run(fb_sender *s, sp_h2_client **c, unsigned n_c, unsigned cap,
                   double rate, const char *path, const fb_rec *recs,
                   size_t total)
{
	static const struct timeval ms1 = {0, 1000};
	double limit = 120 + (double)total / 50;
	unsigned i;

	s->n_c = n_c > MAX_CONNS ? MAX_CONNS : n_c;
	for (i = 0; i < s->n_c; i++)
		s->c[i] = c[i];
	s->cap = cap;
	s->rate = rate;
	s->path = path;
	s->recs = recs;
	s->total = total;
	if ((s->lat = calloc(total + 1, sizeof(double))) == NULL ||
	    (s->slots = calloc(total + 1, sizeof(sslot))) == NULL)
		sp_bench_die("out of memory", 0, NULL);
	s->t_start = s->t_last = s->next_due = sp_bench_now();
	if (total == 0)
		s->done = 1;
	else if (rate > 0) {
		s->tick = event_new(fb.base, -1, EV_PERSIST, on_pace, s);
		if (s->tick == NULL || event_add(s->tick, &ms1) != 0)
			sp_bench_die("event", 0, NULL);
	} else {
		for (i = 0; i < s->n_c; i++)
			while (s->next < s->total && s->infl[i] < s->cap)
				sender_send(s, i, s->t_start);
	}
	if (!fb_run_until(sender_done, s, limit))
		sp_bench_die("requests still unanswered after the time limit",
		             0, path);
	if (s->tick)
		event_free(s->tick);
	s->tick = NULL;
	sp_bench_sort(s->lat, s->n_lat);
}

double fb_sender_rate(const fb_sender *s)
{
	double dt = s->t_last - s->t_start;

	return dt > 0 ? (double)s->ok / dt : 0;
}

void fb_sender_failures(const fb_sender *s)
{
	if (s->failed)
		printf("  %zu failed; first: %s%s%s HTTP %d %s\n", s->failed,
		       s->first_err ? sp_strerror(s->first_err) : "",
		       s->first_why ? " " : "",
		       s->first_why ? s->first_why : "", s->first_status,
		       s->first_body);
}

void fb_sender_free(fb_sender *s)
{
	free(s->lat);
	free(s->slots);
	memset(s, 0, sizeof(*s));
}

/* The Submit document every submission posts: a ~2 KB declaration body
 * (as bench_node's records), Broadcast. */
static void make_submit_doc(void)
{
	char body[BODY_CAP];
	sp_subject subj = {"Enterprise", "USCC", "91410100MA44XXXX0A"};
	sp_record_draft d;
	const char *why = NULL;
	int err;

	memset(&d, 0, sizeof(d));
	d.type = "declaration";
	d.broadcast = 1;
	d.subjects = &subj;
	d.n_subjects = 1;
	d.body = (const uint8_t *)body;
	d.body_len = sp_bench_make_body(body, sizeof(body));
	if ((err = sp_submission_build(&d, &fb.submit_doc, &fb.submit_len,
	                               &why)) != SP_OK)
		sp_bench_die("build the Submit document", err, why);
}

unsigned fb_conns_for(unsigned concurrency)
{
	unsigned n = (concurrency + 63) / 64;

	return n < 2 ? 2 : (n > MAX_CONNS ? MAX_CONNS : n);
}

/* ---------------------------------------------------------------- main */

static const char usage[] =
    "usage: bench_fed --silkport PATH [--quick] [--dir DIR] [--rate N]\n"
    "                 [--seconds S] [--poll-ms MS] [--backlog N]\n"
    "                 [--concurrency N] [--only lag|catchup]\n"
    "                 [--witnessed MERGE_DELAY]\n"
    "  --silkport PATH   the node binary (build/node/silkport)\n"
    "  --quick           3 s of lag, a 10,000-record backlog\n"
    "  --dir DIR         make the federations under DIR and keep them\n"
    "  --rate N          records/s submitted for the lag run (default: "
    "half the\n"
    "                    origin's submit rate measured by the catch-up "
    "part, which\n"
    "                    then runs first; 1000 with --only lag)\n"
    "  --seconds S       length of the lag run (10)\n"
    "  --poll-ms MS      pause between a peer reader's polls (1)\n"
    "  --backlog N       records of the catch-up backlog (100000)\n"
    "  --concurrency N   in flight for the backlog and the reference "
    "ingest (256)\n"
    "  --only PART       run only the lag or the catchup part\n"
    "  --witnessed S     the lag run's three members are the federation's "
    "Witnesses,\n"
    "                    Quorum 2, MergeDelay S seconds; it also measures "
    "how long\n"
    "                    each record takes to be confirmed at the peers\n";

static const char *verdict(int ok)
{
	return ok ? "MET" : "NOT MET";
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"silkport", required_argument, NULL, 's'},
	    {"quick", no_argument, NULL, 'q'},
	    {"dir", required_argument, NULL, 'd'},
	    {"rate", required_argument, NULL, 'r'},
	    {"seconds", required_argument, NULL, 't'},
	    {"poll-ms", required_argument, NULL, 'p'},
	    {"backlog", required_argument, NULL, 'b'},
	    {"concurrency", required_argument, NULL, 'c'},
	    {"only", required_argument, NULL, 'o'},
	    {"witnessed", required_argument, NULL, 'w'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *dir = NULL, *only = NULL;
	int c, quick = 0, set_seconds = 0, set_backlog = 0, set_rate = 0;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	setvbuf(stdout, NULL, _IOLBF, 0); /* progress shows through a pipe */
	fb.rate = 1000;
	fb.seconds = 10;
	fb.poll_ms = 1;
	fb.backlog = 100000;
	fb.concurrency = 256;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			fb.silkport = optarg;
			break;
		case 'q':
			quick = 1;
			break;
		case 'd':
			dir = optarg;
			break;
		case 'r':
			fb.rate =
			    sp_bench_arg_double("--rate", optarg, 1, 100000);
			set_rate = 1;
			break;
		case 't':
			fb.seconds =
			    sp_bench_arg_double("--seconds", optarg, 0.5, 600);
			set_seconds = 1;
			break;
		case 'p':
			fb.poll_ms =
			    sp_bench_arg_double("--poll-ms", optarg, 0, 1000);
			break;
		case 'b':
			fb.backlog = sp_bench_arg_ulong("--backlog", optarg, 1,
			                                10000000);
			set_backlog = 1;
			break;
		case 'c':
			fb.concurrency = (unsigned)sp_bench_arg_ulong(
			    "--concurrency", optarg, 1, MAX_CONNS * 64);
			break;
		case 'o':
			only = optarg;
			if (strcmp(only, "lag") != 0 &&
			    strcmp(only, "catchup") != 0) {
				fputs(usage, stderr);
				exit(2);
			}
			break;
		case 'w':
			fb.witnessed = 1;
			fb.merge_delay = (unsigned)sp_bench_arg_ulong(
			    "--witnessed", optarg, 1, 3600);
			break;
		case 'h':
			fputs(usage, stdout);
			exit(0);
		default:
			fputs(usage, stderr);
			exit(2);
		}
	}
	if (fb.silkport == NULL || optind != argc) {
		fputs(usage, stderr);
		exit(2);
	}
	if (quick && !set_seconds)
		fb.seconds = 3;
	if (quick && !set_backlog)
		fb.backlog = 10000;
	if (dir != NULL) {
		sp_bench_init();
		if (snprintf(fb.work, sizeof(fb.work), "%s", dir) >=
		    (int)sizeof(fb.work))
			sp_bench_die("--dir too long", 0, NULL);
	} else {
		sp_bench_tmpdir("sp-bench-fed", 0, fb.work, sizeof(fb.work));
	}
	if (sp_trust_init() != SP_OK)
		sp_bench_die("trust init", SP_ERR_INTERNAL, NULL);
	if ((fb.base = event_base_new()) == NULL)
		sp_bench_die("out of memory", 0, NULL);
	make_submit_doc();
	printf("silkport federation benchmark: ECDSA P-256, %ld cores, "
	       "nodes as configured by federation init (Submit document %zu "
	       "bytes)\n",
	       ncpu, fb.submit_len);

	/* The catch-up part measures the origin's sustainable submit rate
	 * (closed loop); the lag target is set at half of it. */
	if (only == NULL || strcmp(only, "catchup") == 0)
		fb_catchup();
	if (only == NULL && !set_rate) {
		fb.rate = fb.submit_rate / 2 >= 1 ? fb.submit_rate / 2 : 1;
		printf("\nlag rate: half the origin's submit rate measured "
		       "above = %.0f records/s\n",
		       fb.rate);
	}
	if (only == NULL || strcmp(only, "lag") == 0)
		fb_lag();

	printf("\n");
	if (only == NULL || strcmp(only, "catchup") == 0) {
		double r =
		    fb.ingest_rate > 0 ? fb.catchup_rate / fb.ingest_rate : 0;
		double rs =
		    fb.ingest_rate > 0 ? fb.submit_rate / fb.ingest_rate : 0;

		printf("target: origin POST /v1/submit = %.0f records/s "
		       "against single-node ingest %.0f records/s = %.0f%% "
		       "(>= 80%%): %s\n",
		       fb.submit_rate, fb.ingest_rate, 100 * rs,
		       verdict(rs >= 0.8));
		printf("target: catch-up of a %zu-record backlog = %.0f "
		       "records/s against single-node ingest %.0f records/s = "
		       "%.0f%% (>= 50%%): %s\n",
		       fb.backlog, fb.catchup_rate, fb.ingest_rate, 100 * r,
		       verdict(fb.catchup_complete && r >= 0.5));
		printf("check: reference ingest all 201, catch-up complete and "
		       "byte-identical: %s\n",
		       verdict(fb.ingest_clean && fb.catchup_complete &&
		               fb.catchup_verified));
	}
	if (only == NULL || strcmp(only, "lag") == 0) {
		int rate_ok = fb.lag_rate >= 0.95 * fb.rate;

		printf("target: replication lag p99 across 3 nodes at %.0f "
		       "records/s (%s) = %.2f ms at %.0f records/s achieved "
		       "(<= 50 ms, rate >= 95%% of offered): %s\n",
		       fb.rate,
		       only == NULL && !set_rate
		           ? "half the origin's submit rate"
		           : "--rate, not the target's half rate",
		       fb.lag_p99_ms, fb.lag_rate,
		       verdict(rate_ok && fb.lag_missing == 0 &&
		               fb.lag_p99_ms <= 50));
		printf("check: every submitted record reached both peers: %s\n",
		       verdict(fb.lag_missing == 0));
		if (fb.witnessed)
			printf(
			    "target: confirmation latency at %.0f records/s, "
			    "3 nodes, quorum 2 of 3 witnesses: p50 %.0f ms, "
			    "p99 %.0f ms, within the merge delay of %u s: "
			    "%s\n",
			    fb.lag_rate, fb.confirm_p50_ms, fb.confirm_p99_ms,
			    fb.merge_delay,
			    verdict(fb.confirm_missing == 0 &&
			            fb.confirm_p99_ms <=
			                1000.0 * fb.merge_delay));
	}
	free(fb.submit_doc);
	event_base_free(fb.base);
	return 0;
}
