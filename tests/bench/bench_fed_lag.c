/* bench_fed_lag.c: replication lag: a paced submission rate at an origin,
 * each record timestamped when it becomes readable at each of two peers. */
#include "bench_fed.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define WARM_RECORDS 200u
#define DRAIN_S      30.0

/* ---------------------------------------------------------------- lag */

typedef struct lagrun lagrun;

/* Polls one peer's copy of the origin's log and timestamps each record the
 * first time it is readable there. */
typedef struct reader {
	const char *id;
	lagrun *L;
	sp_h2_client *c;
	double *seen; /* per sequence: the answer's arrival, 0 = not yet */
	double *win;  /* per sequence: that answer's arrival - the previous
	                 poll's send (the record was not there then) */
	uint64_t low; /* every sequence below was seen */
	double last_send, prev_send;
	int busy, stop;
	struct event *timer;
	struct timeval interval;
	unsigned long polls, frames, fresh, errors;
	char why[160];
	double *logged;    /* per sequence: record_accepted in the peer's log,
	                      wall clock seconds, 0 = not there */
	double *confirmed; /* per sequence: records_confirmed covering it in
	                      the peer's log, wall clock seconds, 0 = not */
	unsigned long scattered; /* records_confirmed batches with holes */
} reader;

struct lagrun {
	size_t cap;     /* sequences tracked: 0 .. cap-1 */
	double *commit; /* per sequence: the 201 at the submitting client */
	double *wall;   /* the same moment, wall clock seconds */
	unsigned char *measured;
	int measuring;
	uint64_t max_seq;
	size_t n_seq;
	unsigned long bad_seq;
	reader rd[N_PEERS];
};

static void on_committed(void *ud, const uint8_t *body, double now)
{
	lagrun *L = ud;
	struct timespec ts;
	uint64_t seq;

	if (fb_body_sequence(body, &seq) != 0 || seq >= L->cap ||
	    L->commit[seq] != 0) {
		L->bad_seq++;
		return;
	}
	L->commit[seq] = now;
	clock_gettime(CLOCK_REALTIME, &ts);
	L->wall[seq] = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	L->measured[seq] = (unsigned char)L->measuring;
	if (L->n_seq++ == 0 || seq > L->max_seq)
		L->max_seq = seq;
}

static void on_entries(void *ud, const sp_h2_response *resp);

static void reader_poll(reader *r)
{
	char path[128];
	int err;

	snprintf(path, sizeof(path), ENTRIES_PATH "?start=%llu&count=%u",
	         (unsigned long long)r->low, PAGE);
	r->prev_send = r->last_send;
	r->last_send = sp_bench_now();
	r->busy = 1;
	r->polls++;
	if ((err = sp_h2_client_request(r->c, "GET", path, NULL, 0, NULL, 0,
	                                on_entries, r)) != SP_OK)
		sp_bench_die("queue a poll", err, r->id);
}

static void on_poll_timer(evutil_socket_t fd, short what, void *arg)
{
	reader *r = arg;

	(void)fd;
	(void)what;
	if (!r->stop && !r->busy)
		reader_poll(r);
}

static double g_frame_now;

static void reader_frame(void *ud, uint64_t seq, const uint8_t *b, size_t n)
{
	reader *r = ud;
	double since = r->prev_send > 0 ? r->prev_send : r->last_send;

	(void)b;
	(void)n;
	r->frames++;
	if (seq >= r->L->cap || r->seen[seq] != 0)
		return;
	r->seen[seq] = g_frame_now;
	r->win[seq] = g_frame_now - since;
	r->fresh++;
}

static void on_entries(void *ud, const sp_h2_response *resp)
{
	reader *r = ud;
	long n = 0;

	g_frame_now = sp_bench_now();
	r->busy = 0;
	if (resp->err != SP_OK || resp->status != 200) {
		if (r->errors++ == 0)
			snprintf(r->why, sizeof(r->why), "%s %s HTTP %d",
			         resp->err ? sp_strerror(resp->err) : "",
			         resp->why ? resp->why : "", resp->status);
	} else if ((n = fb_frames_parse(resp->body, resp->body_len,
	                                reader_frame, r)) < 0) {
		if (r->errors++ == 0)
			snprintf(r->why, sizeof(r->why), "malformed entries");
	}
	while (r->low < r->L->cap && r->seen[r->low] != 0)
		r->low++;
	if (r->stop)
		return;
	if (n == (long)PAGE)
		reader_poll(r); /* more may be waiting: no pause */
	else if (evtimer_add(r->timer, &r->interval) != 0)
		sp_bench_die("event", 0, NULL);
}

/* Every sequence the origin committed so far has been seen at each peer. */
static int all_seen(void *arg)
{
	lagrun *L = arg;
	int i;

	if (L->n_seq == 0)
		return 0;
	for (i = 0; i < N_PEERS; i++)
		if (L->rd[i].low <= L->max_seq)
			return 0;
	return 1;
}

static int never(void *arg)
{
	(void)arg;
	return 0;
}

typedef struct lagstat {
	double *hi, *lo, *win;
	size_t n, missing;
} lagstat;

/* The measured records' lag at one peer (or both, peer < 0): from the
 * polling readers (hi: first answer holding it, lo: the previous poll's
 * send), or from the peers' logs (from_log). */
static void lag_collect(const lagrun *L, int peer, int from_log, lagstat *st)
{
	size_t s;
	int i;

	st->n = st->missing = 0;
	for (s = 0; s < L->cap; s++) {
		if (!L->measured[s] || L->commit[s] == 0)
			continue;
		for (i = 0; i < N_PEERS; i++) {
			const reader *r = &L->rd[i];

			if (peer >= 0 && i != peer)
				continue;
			if (from_log ? r->logged[s] == 0 : r->seen[s] == 0) {
				st->missing++;
				continue;
			}
			if (from_log) {
				st->hi[st->n] = r->logged[s] - L->wall[s];
				st->lo[st->n] = st->hi[st->n];
				st->win[st->n++] = 0.001;
				continue;
			}
			st->hi[st->n] = r->seen[s] - L->commit[s];
			st->lo[st->n] = st->hi[st->n] - r->win[s];
			st->win[st->n++] = r->win[s];
		}
	}
	sp_bench_sort(st->hi, st->n);
	sp_bench_sort(st->lo, st->n);
	sp_bench_sort(st->win, st->n);
}

static void lag_print(const char *who, const lagstat *st, int from_log)
{
	printf("%-15s %7zu %7zu %8.2f %8.2f %8.2f %8.2f", who, st->n,
	       st->missing, 1000 * sp_bench_quantile(st->hi, st->n, 0.50),
	       1000 * sp_bench_quantile(st->hi, st->n, 0.99),
	       1000 * (st->n ? st->hi[st->n - 1] : 0),
	       1000 * sp_bench_mean(st->hi, st->n));
	if (!from_log)
		printf(" %8.2f %8.2f %8.2f %8.2f",
		       1000 * sp_bench_quantile(st->lo, st->n, 0.50),
		       1000 * sp_bench_quantile(st->lo, st->n, 0.99),
		       1000 * sp_bench_mean(st->win, st->n),
		       1000 * sp_bench_quantile(st->win, st->n, 0.99));
	printf("\n");
}

/* "ts=2026-12-03T14:05:01.123Z ..." at the start of a log line: wall clock
 * seconds (the millisecond truncated, so + 0.5 ms), or 0. */
static double log_line_time(const char *line)
{
	char stamp[SP_TIME_TEXT_MAX], *end;
	int64_t sec;
	long ms;

	if (strncmp(line, "ts=", 3) != 0 || strlen(line) < 27 ||
	    line[22] != '.' || line[26] != 'Z')
		return 0;
	memcpy(stamp, line + 3, 19);
	stamp[19] = 'Z';
	stamp[20] = '\0';
	ms = strtol(line + 23, &end, 10);
	if (sp_time_parse(stamp, &sec) != SP_OK || end != line + 26)
		return 0;
	return (double)sec + (double)ms / 1000 + 0.0005;
}

/* Read "ts=... event=record_accepted ... origin=ORIGIN sequence=N" lines
 * of a peer's log (written once the record is committed there, before the
 * 201): the time per sequence. */
static size_t read_peer_log(const char *path, reader *r, size_t cap)
{
	static const char key[] = " origin=" ORIGIN " sequence=";
	size_t len, found = 0;
	uint8_t *text = sp_bench_read_file(path, &len);
	char *line = (char *)text, *nl, *p, *end;
	unsigned long long seq;
	double t;

	for (; line != NULL && *line != '\0'; line = nl ? nl + 1 : NULL) {
		if ((nl = strchr(line, '\n')) != NULL)
			*nl = '\0';
		if (strstr(line, " event=record_accepted ") == NULL ||
		    (p = strstr(line, key)) == NULL ||
		    (t = log_line_time(line)) == 0)
			continue;
		seq = strtoull(p + sizeof(key) - 1, &end, 10);
		if (end == p + sizeof(key) - 1 || seq >= cap)
			continue;
		r->logged[seq] = t;
		found++;
	}
	free(text);
	return found;
}

/* A "name=DECIMAL" field of a log line, or -1. */
static long long log_field(const char *line, const char *name)
{
	const char *p = strstr(line, name);
	char *end;
	long long v;

	if (p == NULL)
		return -1;
	v = strtoll(p + strlen(name), &end, 10);
	return end == p + strlen(name) ? -1 : v;
}

/* Read "event=records_confirmed origin=ORIGIN first=A last=B count=N"
 * lines of a peer's log (fed_quorum.c logs one per batch of records made
 * confirmed in its store): each record in A..B is confirmed at the line's
 * time. A batch with holes (count < B - A + 1) confirms, of A..B, what was
 * not confirmed before and not accepted after it; such batches are
 * counted. Returns the records found confirmed. */
static size_t read_peer_confirmations(const char *path, reader *r, size_t cap)
{
	size_t len, found = 0;
	uint8_t *text = sp_bench_read_file(path, &len);
	char *line = (char *)text, *nl;
	long long first, last, count, q;
	double t;

	for (; line != NULL && *line != '\0'; line = nl ? nl + 1 : NULL) {
		if ((nl = strchr(line, '\n')) != NULL)
			*nl = '\0';
		if (strstr(line, " event=records_confirmed ") == NULL ||
		    strstr(line, " origin=" ORIGIN " ") == NULL ||
		    (t = log_line_time(line)) == 0 ||
		    (first = log_field(line, " first=")) < 0 ||
		    (last = log_field(line, " last=")) < first ||
		    (count = log_field(line, " count=")) < 1)
			continue;
		if (count < last - first + 1)
			r->scattered++;
		for (q = first; q <= last && (size_t)q < cap; q++) {
			if (r->confirmed[q] != 0)
				continue;
			/* accepted after this batch: not in it (records
			 * caught up rather than pushed have no line) */
			if (count < last - first + 1 && r->logged[q] > t)
				continue;
			r->confirmed[q] = t;
			found++;
		}
	}
	free(text);
	return found;
}

/* Every measured record confirmed at both peers (their logs re-read). */
static int all_confirmed(lagrun *L, const char *dir)
{
	char logp[SP_BENCH_PATH_MAX];
	size_t s;
	int i, all = 1;

	for (i = 0; i < N_PEERS; i++) {
		reader *r = &L->rd[i];

		memset(r->confirmed, 0, L->cap * sizeof(double));
		r->scattered = 0;
		fb_log_path(logp, sizeof(logp), dir, fb_peer_ids[i], "");
		read_peer_log(logp, r, L->cap);
		read_peer_confirmations(logp, r, L->cap);
		for (s = 0; s < L->cap; s++)
			if (L->measured[s] && L->commit[s] != 0 &&
			    r->confirmed[s] == 0)
				all = 0;
	}
	return all;
}

/* Confirmation latency of the measured records: the peer's
 * records_confirmed line - the 201 at the client (wall clock). */
static void confirm_report(const lagrun *L)
{
	double *v = calloc(N_PEERS * L->cap + 1, sizeof(double));
	size_t n = 0, missing = 0, s;
	int i;

	if (v == NULL)
		sp_bench_die("out of memory", 0, NULL);
	for (s = 0; s < L->cap; s++) {
		if (!L->measured[s] || L->commit[s] == 0)
			continue;
		for (i = 0; i < N_PEERS; i++) {
			if (L->rd[i].confirmed[s] == 0)
				missing++;
			else
				v[n++] = L->rd[i].confirmed[s] - L->wall[s];
		}
	}
	sp_bench_sort(v, n);
	fb.confirm_p50_ms = 1000 * sp_bench_quantile(v, n, 0.50);
	fb.confirm_p99_ms = 1000 * sp_bench_quantile(v, n, 0.99);
	fb.confirm_missing = missing;
	printf("confirmation, from the peers' logs: event=records_confirmed "
	       "(the record proven in a\ncheckpoint with 2 of 3 witness "
	       "cosignatures, made durable) - the 201 at the client\n(wall "
	       "clock); %zu records x 2 peers: p50 %.0f ms, p99 %.0f ms, max "
	       "%.0f ms,\nnot confirmed %zu; batches with holes %lu, %lu\n",
	       (n + missing) / 2, fb.confirm_p50_ms, fb.confirm_p99_ms,
	       n ? 1000 * v[n - 1] : 0, missing, L->rd[0].scattered,
	       L->rd[1].scattered);
	free(v);
}

/* The trust list of the federation in dir names its three members as
 * Witnesses, with Quorum 2 and MergeDelay fb.merge_delay (trust-list
 * update, signed by the operator as federation init left it). */
static void make_witnessed(const char *dir, const char *const *members)
{
	char bin[SP_BENCH_PATH_MAX], key[SP_BENCH_PATH_MAX],
	    cert[SP_BENCH_PATH_MAX], list[SP_BENCH_PATH_MAX],
	    out[SP_BENCH_PATH_MAX], delay[16], m[3][SP_NODE_ID_MAX + 1];
	char *argv[24];
	size_t a = 0;
	int i;

	snprintf(bin, sizeof(bin), "%s", fb.silkport);
	fb_path(key, sizeof(key), dir, NULL, "operator/key.pem");
	fb_path(cert, sizeof(cert), dir, NULL, "operator/cert.pem");
	fb_path(list, sizeof(list), dir, NULL, "trust-list.xml");
	fb_path(out, sizeof(out), dir, NULL, "trust-list.witnessed.xml");
	snprintf(delay, sizeof(delay), "%u", fb.merge_delay);
	argv[a++] = bin;
	argv[a++] = (char *)(uintptr_t) "trust-list";
	argv[a++] = (char *)(uintptr_t) "update";
	argv[a++] = (char *)(uintptr_t) "--key";
	argv[a++] = key;
	argv[a++] = (char *)(uintptr_t) "--cert";
	argv[a++] = cert;
	for (i = 0; i < 3; i++) {
		snprintf(m[i], sizeof(m[i]), "%s", members[i]);
		argv[a++] = (char *)(uintptr_t) "--witness";
		argv[a++] = m[i];
	}
	argv[a++] = (char *)(uintptr_t) "--quorum";
	argv[a++] = (char *)(uintptr_t) "2";
	argv[a++] = (char *)(uintptr_t) "--merge-delay";
	argv[a++] = delay;
	argv[a++] = list;
	argv[a] = NULL;
	sp_bench_run_to(argv, out, "silkport trust-list update --witness");
	if (rename(out, list) != 0)
		sp_bench_die("rename", 0, out);
	printf("trust list: Witnesses %s %s %s, Quorum 2, MergeDelay %u s\n",
	       members[0], members[1], members[2], fb.merge_delay);
}

void fb_lag(void)
{
	const char *members[N_PEERS + 2] = {ORIGIN, fb_peer_ids[0],
	                                    fb_peer_ids[1], NULL};
	char dir[SP_BENCH_PATH_MAX], ini[SP_BENCH_PATH_MAX],
	    logp[SP_BENCH_PATH_MAX];
	sp_bench_node nodes[N_PEERS + 1];
	sp_h2_client *sub[2], *mon[N_PEERS + 1];
	char *m0[N_PEERS + 1], *m1[N_PEERS + 1];
	double cpu0[N_PEERS + 1], cpu1[N_PEERS + 1], t_drain, t0, lcpu;
	size_t total = (size_t)(fb.rate * fb.seconds + 0.5);
	fb_sender warm, paced;
	lagrun L;
	lagstat st;
	unsigned base;
	int i, drained;

	printf("\n-- replication lag: %s submits %.0f records/s for %.1f s "
	       "(Broadcast), peers %s and %s\n",
	       ORIGIN, fb.rate, fb.seconds, fb_peer_ids[0], fb_peer_ids[1]);
	fb_path(dir, sizeof(dir), fb.work, NULL,
	        fb.witnessed ? "confirm" : "lag");
	base = sp_bench_free_port_base(N_PEERS + 1);
	sp_bench_federation_init_ports(fb.silkport, dir, FEDERATION, members,
	                               base);
	if (fb.witnessed)
		make_witnessed(dir, members);
	t0 = sp_bench_now();
	for (i = 0; i <= N_PEERS; i++) {
		fb_path(ini, sizeof(ini), dir, members[i], "node.ini");
		fb_log_path(logp, sizeof(logp), dir, members[i], "");
		sp_bench_node_run(fb.silkport, ini, logp, 60, &nodes[i]);
	}
	printf("3 nodes on 127.0.0.1:%u-%u (federation init --base-port), "
	       "started in %.2f s; pids %d %d %d\n",
	       base, base + N_PEERS, sp_bench_now() - t0, (int)nodes[0].pid,
	       (int)nodes[1].pid, (int)nodes[2].pid);

	memset(&L, 0, sizeof(L));
	L.cap = WARM_RECORDS + total + 16;
	if ((L.commit = calloc(L.cap, sizeof(double))) == NULL ||
	    (L.wall = calloc(L.cap, sizeof(double))) == NULL ||
	    (L.measured = calloc(L.cap, 1)) == NULL)
		sp_bench_die("out of memory", 0, NULL);
	for (i = 0; i < 2; i++)
		sub[i] = fb_client(dir, ORIGIN, 1, nodes[0].port);
	for (i = 0; i <= N_PEERS; i++)
		mon[i] = fb_client(dir, members[i], 1, nodes[i].port);
	fb_connect(sub, 2);
	fb_connect(mon, N_PEERS + 1);
	for (i = 0; i < N_PEERS; i++) {
		reader *r = &L.rd[i];

		r->id = fb_peer_ids[i];
		r->L = &L;
		r->c = fb_client(dir, fb_peer_ids[i], 1, nodes[i + 1].port);
		r->interval.tv_sec = (time_t)(fb.poll_ms / 1000);
		r->interval.tv_usec =
		    (suseconds_t)(1000 * fb.poll_ms) % 1000000;
		if ((r->seen = calloc(L.cap, sizeof(double))) == NULL ||
		    (r->win = calloc(L.cap, sizeof(double))) == NULL ||
		    (r->logged = calloc(L.cap, sizeof(double))) == NULL ||
		    (r->confirmed = calloc(L.cap, sizeof(double))) == NULL ||
		    (r->timer = evtimer_new(fb.base, on_poll_timer, r)) == NULL)
			sp_bench_die("out of memory", 0, NULL);
		fb_connect(&r->c, 1);
		reader_poll(r);
	}

	/* Warm-up, not measured: connections between the nodes, caches. */
	memset(&warm, 0, sizeof(warm));
	warm.on_ok = on_committed;
	warm.ud = &L;
	fb_sender_run(&warm, sub, 2, 8, 0, "/v1/submit", NULL, WARM_RECORDS);
	fb_sender_failures(&warm);
	if (!fb_run_until(all_seen, &L, DRAIN_S))
		sp_bench_die("the warm-up records did not reach both peers", 0,
		             NULL);
	fb_sender_free(&warm);

	for (i = 0; i <= N_PEERS; i++) {
		m0[i] = fb_metrics(mon[i]);
		cpu0[i] = sp_bench_proc_cpu(nodes[i].pid);
	}
	memset(&paced, 0, sizeof(paced));
	paced.on_ok = on_committed;
	paced.ud = &L;
	L.measuring = 1;
	lcpu = sp_bench_proc_cpu(getpid());
	fb_sender_run(&paced, sub, 2, 0, fb.rate, "/v1/submit", NULL, total);
	L.measuring = 0;
	t_drain = sp_bench_now();
	drained = fb_run_until(all_seen, &L, DRAIN_S);
	t_drain = sp_bench_now() - t_drain;
	lcpu = sp_bench_proc_cpu(getpid()) - lcpu;
	for (i = 0; i <= N_PEERS; i++) {
		cpu1[i] = sp_bench_proc_cpu(nodes[i].pid);
		m1[i] = fb_metrics(mon[i]);
	}
	if (fb.witnessed) {
		/* the records confirmed within the merge delay, or late:
		 * wait up to twice it (logs re-read once a second) */
		double until = sp_bench_now() + 2.0 * fb.merge_delay + 5;

		while (!all_confirmed(&L, dir) && sp_bench_now() < until)
			fb_run_until(never, NULL, 1.0);
	}
	for (i = 0; i < N_PEERS; i++) {
		L.rd[i].stop = 1;
		evtimer_del(L.rd[i].timer);
	}

	fb.lag_rate = fb_sender_rate(&paced);
	printf("submitted %zu records (201) paced at %.0f/s: achieved %.0f "
	       "records/s; submit latency from due time p50 %.2f ms, p99 "
	       "%.2f ms; send lag %.2f ms mean, %.2f ms max; up to %zu in "
	       "flight on 2 connections\n",
	       paced.ok, fb.rate, fb.lag_rate,
	       1000 * sp_bench_quantile(paced.lat, paced.n_lat, 0.5),
	       1000 * sp_bench_quantile(paced.lat, paced.n_lat, 0.99),
	       paced.total ? 1000 * paced.lag_sum / (double)paced.total : 0,
	       1000 * paced.lag_max, paced.max_inflight);
	fb_sender_failures(&paced);
	if (L.bad_seq)
		printf("  %lu answers had no usable Sequence\n", L.bad_seq);
	printf("every record reached both peers %.2f s after the last "
	       "submission%s\n",
	       t_drain, drained ? "" : " -- NOT ALL (drain limit reached)");
	for (i = 0; i < N_PEERS; i++) {
		reader *r = &L.rd[i];

		printf("reader %s: %lu polls (%.0f/s), %lu frames read, %lu "
		       "errors%s%s\n",
		       r->id, r->polls,
		       (double)r->polls / (fb.seconds + t_drain), r->frames,
		       r->errors, r->errors ? ": " : "", r->why);
	}
	printf("node CPU during the run (ms per record submitted):");
	for (i = 0; i <= N_PEERS; i++)
		printf(" %s %.3f%s", members[i],
		       paced.ok ? 1000 * (cpu1[i] - cpu0[i]) / (double)paced.ok
		                : 0,
		       i < N_PEERS ? "," : "; ");
	printf("this load generator and the readers %.3f\n",
	       paced.ok ? 1000 * lcpu / (double)paced.ok : 0);
	for (i = 0; i <= N_PEERS; i++) {
		char who[96];

		snprintf(who, sizeof(who), "%s%s", members[i],
		         i ? " (peer)" : " (origin)");
		fb_metrics_line(who, m0[i], m1[i], (double)paced.ok);
		free(m0[i]);
		free(m1[i]);
	}
	for (i = 0; i < N_PEERS; i++)
		sp_h2_client_free(L.rd[i].c);
	for (i = 0; i < 2; i++)
		sp_h2_client_free(sub[i]);
	for (i = 0; i <= N_PEERS; i++) {
		sp_h2_client_free(mon[i]);
		fb_node_stop(&nodes[i], members[i]);
	}

	if ((st.hi = calloc(2 * L.cap, sizeof(double))) == NULL ||
	    (st.lo = calloc(2 * L.cap, sizeof(double))) == NULL ||
	    (st.win = calloc(2 * L.cap, sizeof(double))) == NULL)
		sp_bench_die("out of memory", 0, NULL);
	printf("lag, polled: a reader per peer (the peer's operator "
	       "identity) asks for the entries from its\nlowest unseen "
	       "sequence on, %.1f ms after each answer. lag = the first "
	       "answer holding\nthe record - the 201 at the origin's client "
	       "(an upper bound); lower: from the previous\npoll's send, when "
	       "the record was not there yet; window = the difference (the "
	       "resolution)\n",
	       fb.poll_ms);
	printf("%-15s %7s %7s %8s %8s %8s %8s %8s %8s %8s %8s\n", "ms",
	       "records", "missing", "p50", "p99", "max", "mean", "lower50",
	       "lower99", "window", "win p99");
	for (i = -1; i < N_PEERS; i++) {
		char who[64];

		lag_collect(&L, i, 0, &st);
		snprintf(who, sizeof(who), "%s",
		         i < 0 ? "both peers" : fb_peer_ids[i]);
		lag_print(who, &st, 0);
		if (i < 0) {
			fb.lag_p99_ms =
			    1000 * sp_bench_quantile(st.hi, st.n, 0.99);
			fb.lag_missing = st.missing;
		}
	}
	printf("lag, from the peers' logs (a cross-check without polling): "
	       "event=record_accepted, logged\nby the peer after its commit, "
	       "millisecond timestamps, - the 201 at the client (wall "
	       "clock)\n");
	for (i = 0; i < N_PEERS; i++) {
		fb_log_path(logp, sizeof(logp), dir, fb_peer_ids[i], "");
		read_peer_log(logp, &L.rd[i], L.cap);
	}
	printf("%-15s %7s %7s %8s %8s %8s %8s\n", "ms", "records", "absent",
	       "p50", "p99", "max", "mean");
	for (i = -1; i < N_PEERS; i++) {
		lag_collect(&L, i, 1, &st);
		lag_print(i < 0 ? "both peers" : fb_peer_ids[i], &st, 1);
	}

	if (fb.witnessed) {
		all_confirmed(&L, dir);
		confirm_report(&L);
	}

	for (i = 0; i < N_PEERS; i++) {
		free(L.rd[i].confirmed);
		event_free(L.rd[i].timer);
		free(L.rd[i].seen);
		free(L.rd[i].win);
		free(L.rd[i].logged);
	}
	fb_sender_free(&paced);
	free(st.hi);
	free(st.lo);
	free(st.win);
	free(L.commit);
	free(L.wall);
	free(L.measured);
}
