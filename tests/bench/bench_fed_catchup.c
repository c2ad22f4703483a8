/* bench_fed_catchup.c: catch-up of a node that comes back to a backlog at
 * the origin, against single-node ingest of the same records. */
#include "bench_fed.h"

#include "trust.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define METRICS_MS 20

/* ---------------------------------------------------------------- catch-up */

typedef struct pagefill {
	fb_rec *recs;
	size_t n, cap, got, bad;
	uint64_t last;
	int compare; /* 1: check frames against recs instead of filling */
} pagefill;

static void fill_frame(void *ud, uint64_t seq, const uint8_t *b, size_t n)
{
	pagefill *p = ud;

	p->last = seq;
	if (seq >= p->cap) {
		p->bad++;
		return;
	}
	if (p->compare) {
		if (p->recs[seq].len != n || memcmp(p->recs[seq].bytes, b, n))
			p->bad++;
		else
			p->got++;
		return;
	}
	if (p->recs[seq].bytes != NULL ||
	    (p->recs[seq].bytes = malloc(n)) == NULL) {
		p->bad++;
		return;
	}
	memcpy(p->recs[seq].bytes, b, n);
	p->recs[seq].len = n;
	p->got++;
}

/* Read every entry of ORIGIN's log that the node behind c holds, pages of
 * PAGE, into (or against) p. */
static void read_log(sp_h2_client *c, pagefill *p)
{
	uint64_t start = 0;
	char path[128];

	for (;;) {
		fb_resp r;
		long n;

		snprintf(path, sizeof(path),
		         ENTRIES_PATH "?start=%llu&count=%u",
		         (unsigned long long)start, PAGE);
		fb_get(c, path, &r);
		n = fb_frames_parse(r.body, r.len, fill_frame, p);
		free(r.body);
		if (n < 0)
			sp_bench_die("malformed entries", 0, path);
		if (n == 0)
			break;
		start = p->last + 1;
	}
}

typedef struct cu_watch {
	sp_h2_client *c;
	size_t target;
	double t0, t_done;
	double marks[4]; /* 10%, 50%, 90%, 100% */
	double held, push201, push200;
	int busy, done;
	unsigned long polls;
	struct event *timer;
	struct timeval interval;
} cu_watch;

static void on_cu_metrics(void *ud, const sp_h2_response *r)
{
	static const double frac[4] = {0.1, 0.5, 0.9, 1.0};
	cu_watch *w = ud;
	double now = sp_bench_now();
	int k;

	w->busy = 0;
	if (r->err == SP_OK && r->status == 200) {
		const char *t = (const char *)r->body;

		w->held = sp_bench_metric(t, "silkport_records_accepted_total");
		w->push201 = sp_bench_metric(
		    t, "silkport_requests_total{endpoint=\"records_post\","
		       "status=\"201\"}");
		w->push200 = sp_bench_metric(
		    t, "silkport_requests_total{endpoint=\"records_post\","
		       "status=\"200\"}");
		for (k = 0; k < 4; k++)
			if (w->marks[k] == 0 &&
			    w->held >= frac[k] * (double)w->target)
				w->marks[k] = now - w->t0;
		if (w->held >= (double)w->target) {
			w->done = 1;
			w->t_done = now;
			return;
		}
	}
	if (evtimer_add(w->timer, &w->interval) != 0)
		sp_bench_die("event", 0, NULL);
}

static void on_cu_timer(evutil_socket_t fd, short what, void *arg)
{
	cu_watch *w = arg;

	(void)fd;
	(void)what;
	if (w->busy || w->done)
		return;
	w->busy = 1;
	w->polls++;
	if (sp_h2_client_request(w->c, "GET", "/metrics", NULL, 0, NULL, 0,
	                         on_cu_metrics, w) != SP_OK)
		sp_bench_die("queue a request", 0, "/metrics");
}

static int cu_done(void *arg)
{
	return ((cu_watch *)arg)->done;
}

void fb_catchup(void)
{
	const char *members[3] = {ORIGIN, fb_peer_ids[0], NULL};
	const char *peer = fb_peer_ids[0];
	char dir[SP_BENCH_PATH_MAX], oini[SP_BENCH_PATH_MAX],
	    pini[SP_BENCH_PATH_MAX], logp[SP_BENCH_PATH_MAX],
	    tmp[SP_BENCH_PATH_MAX];
	unsigned n_c = fb_conns_for(fb.concurrency), cap, i, base;
	sp_h2_client *c[MAX_CONNS], *mon;
	sp_bench_node origin, node;
	fb_sender sub, dl;
	pagefill pf;
	cu_watch w;
	char *ma, *mb;
	double t0, cpu0, ocpu0, limit;
	sp_anchors *anchors = NULL;
	sp_trust *trust = NULL;
	uint8_t *tl;
	size_t tl_len, s;
	const char *why = NULL;
	int err = SP_OK;

	cap = (fb.concurrency + n_c - 1) / n_c;
	printf("\n-- catch-up: a backlog of %zu records at %s while %s is "
	       "stopped, then %s comes back\n",
	       fb.backlog, ORIGIN, peer, peer);
	fb_path(dir, sizeof(dir), fb.work, NULL, "catchup");
	base = sp_bench_free_port_base(2);
	sp_bench_federation_init_ports(fb.silkport, dir, FEDERATION, members,
	                               base);
	fb_path(oini, sizeof(oini), dir, ORIGIN, "node.ini");
	fb_path(pini, sizeof(pini), dir, peer, "node.ini");
	fb_path(tmp, sizeof(tmp), dir, NULL, "operator/cert.pem");
	fb_path(logp, sizeof(logp), dir, NULL, "trust-list.xml");
	tl = sp_bench_read_file(logp, &tl_len);
	if (sp_anchors_new(&anchors) != SP_OK ||
	    (err = sp_anchors_add_pem_file(anchors, tmp, &why)) != SP_OK ||
	    (err = sp_trust_open(anchors, tl, tl_len, NULL, NULL, &trust,
	                         &why)) != SP_OK)
		sp_bench_die("open the trust list", err, why);
	free(tl);

	/* 1. The backlog, through the origin's operator endpoint. */
	fb_log_path(logp, sizeof(logp), dir, ORIGIN, "");
	sp_bench_node_run(fb.silkport, oini, logp, 60, &origin);
	for (i = 0; i < n_c; i++)
		c[i] = fb_client(dir, ORIGIN, 1, origin.port);
	fb_connect(c, n_c);
	memset(&sub, 0, sizeof(sub));
	fb_sender_run(&sub, c, n_c, cap, 0, "/v1/submit", NULL, fb.backlog);
	printf("backlog: %zu records submitted at %s (POST /v1/submit, %u "
	       "conns x %u streams) in %.1f s (%.0f records/s), p50 %.1f ms, "
	       "p99 %.1f ms; %s stopped meanwhile\n",
	       sub.ok, ORIGIN, n_c, cap, sub.t_last - sub.t_start,
	       fb_sender_rate(&sub),
	       1000 * sp_bench_quantile(sub.lat, sub.n_lat, 0.5),
	       1000 * sp_bench_quantile(sub.lat, sub.n_lat, 0.99), peer);
	fb_sender_failures(&sub);
	fb.submit_rate = fb_sender_rate(&sub);
	if (sub.ok != fb.backlog)
		sp_bench_die("the backlog is incomplete", 0, NULL);
	fb_sender_free(&sub);

	/* The same records, as the origin logged them, for the reference
	 * ingest and the final comparison. */
	memset(&pf, 0, sizeof(pf));
	pf.cap = fb.backlog;
	if ((pf.recs = calloc(pf.cap, sizeof(fb_rec))) == NULL)
		sp_bench_die("out of memory", 0, NULL);
	t0 = sp_bench_now();
	read_log(c[0], &pf);
	if (pf.got != fb.backlog || pf.bad != 0)
		sp_bench_die("the origin's log is not the backlog", 0, NULL);
	for (s = 0; s < fb.backlog; s += fb.backlog - 1) {
		sp_record *rp = NULL;

		if ((err = sp_verify_record(trust, pf.recs[s].bytes,
		                            pf.recs[s].len, NULL, NULL, &rp,
		                            &why)) != SP_OK)
			sp_bench_die("a record of the backlog does not verify",
			             err, why);
		if (sp_record_sequence(rp) != s ||
		    !sp_record_visible_to(rp, peer))
			sp_bench_die("a record of the backlog is not as "
			             "expected",
			             0, NULL);
		sp_record_free(rp);
		if (fb.backlog == 1)
			break;
	}
	printf("read the origin's log back (%zu records, %zu bytes each) in "
	       "%.1f s; first and last verify, signed by %s\n",
	       pf.got, pf.recs[0].len, sp_bench_now() - t0, ORIGIN);
	for (i = 0; i < n_c; i++)
		sp_h2_client_free(c[i]);
	fb_node_stop(&origin, ORIGIN);

	/* 2. Single-node ingest: the same records pushed to a fresh node
	 * (the peer's identity and configuration, its own database) while
	 * the origin is stopped, so nothing else reaches it. */
	sp_bench_ini_set(pini, "database", "ingest-reference.db");
	fb_log_path(logp, sizeof(logp), dir, peer, ".reference");
	sp_bench_node_run(fb.silkport, pini, logp, 60, &node);
	for (i = 0; i < n_c; i++)
		c[i] = fb_client(dir, ORIGIN, 0, node.port);
	mon = fb_client(dir, peer, 1, node.port);
	fb_connect(c, n_c);
	fb_connect(&mon, 1);
	ma = fb_metrics(mon);
	cpu0 = sp_bench_proc_cpu(node.pid);
	memset(&dl, 0, sizeof(dl));
	fb_sender_run(&dl, c, n_c, cap, 0, "/v1/records", pf.recs, fb.backlog);
	mb = fb_metrics(mon);
	fb.ingest_rate = fb_sender_rate(&dl);
	fb.ingest_clean = dl.ok == fb.backlog;
	printf("single-node ingest: %zu records (201) pushed to a fresh %s "
	       "(POST /v1/records, %u conns x %u streams) in %.1f s: %.0f "
	       "records/s, p50 %.1f ms, p99 %.1f ms, node CPU %.3f ms/record\n",
	       dl.ok, peer, n_c, cap, dl.t_last - dl.t_start, fb.ingest_rate,
	       1000 * sp_bench_quantile(dl.lat, dl.n_lat, 0.5),
	       1000 * sp_bench_quantile(dl.lat, dl.n_lat, 0.99),
	       dl.ok
	           ? 1000 * (sp_bench_proc_cpu(node.pid) - cpu0) / (double)dl.ok
	           : 0);
	fb_sender_failures(&dl);
	fb_metrics_line(peer, ma, mb, (double)dl.ok);
	free(ma);
	free(mb);
	fb_sender_free(&dl);
	for (i = 0; i < n_c; i++)
		sp_h2_client_free(c[i]);
	sp_h2_client_free(mon);
	fb_node_stop(&node, peer);
	sp_bench_ini_set(pini, "database", "node.db");

	/* 3. Catch-up: the origin up again with its outbox of undelivered
	 * records, then the peer starts on an empty database. Both paths the
	 * node has count: the origin's outbox delivery (push) and the
	 * peer's own catch-up (pull of entries). */
	fb_log_path(logp, sizeof(logp), dir, ORIGIN, ".2");
	sp_bench_node_run(fb.silkport, oini, logp, 60, &origin);
	ocpu0 = sp_bench_proc_cpu(origin.pid);
	fb_log_path(logp, sizeof(logp), dir, peer, "");
	memset(&w, 0, sizeof(w));
	w.target = fb.backlog;
	w.t0 = sp_bench_now();
	sp_bench_node_run(fb.silkport, pini, logp, 60, &node);
	printf("%s started on an empty database %.2f s after %s came back; "
	       "its /metrics polled every %d ms\n",
	       peer, sp_bench_now() - w.t0, ORIGIN, METRICS_MS);
	w.c = fb_client(dir, peer, 1, node.port);
	w.interval.tv_usec = METRICS_MS * 1000;
	if ((w.timer = evtimer_new(fb.base, on_cu_timer, &w)) == NULL)
		sp_bench_die("event", 0, NULL);
	on_cu_timer(-1, 0, &w);
	limit = 120 + (double)fb.backlog / 100;
	fb.catchup_complete = fb_run_until(cu_done, &w, limit);
	if (!fb.catchup_complete)
		w.t_done = sp_bench_now();
	evtimer_del(w.timer);
	fb.catchup_rate = w.held > 0 ? w.held / (w.t_done - w.t0) : 0;
	printf("catch-up: %s held %.0f of %zu records %.2f s after its start "
	       "(%s): %.0f records/s\n",
	       peer, w.held, fb.backlog, w.t_done - w.t0,
	       fb.catchup_complete ? "complete" : "TIME LIMIT REACHED",
	       fb.catchup_rate);
	printf("  10%% at %.2f s, 50%% at %.2f s, 90%% at %.2f s, 100%% at "
	       "%.2f s; 10-90%%: %.0f records/s\n",
	       w.marks[0], w.marks[1], w.marks[2], w.marks[3],
	       w.marks[2] > w.marks[0]
	           ? 0.8 * (double)fb.backlog / (w.marks[2] - w.marks[0])
	           : 0);
	printf("  accepted by push (the origin's outbox, 201): %.0f; by pull "
	       "(catch-up of entries): %.0f; duplicate pushes answered 200: "
	       "%.0f\n",
	       w.push201 < 0 ? 0 : w.push201,
	       w.held - (w.push201 < 0 ? 0 : w.push201),
	       w.push200 < 0 ? 0 : w.push200);
	printf("  CPU until done: %s %.3f ms/record, %s %.3f ms/record\n", peer,
	       w.held > 0 ? 1000 * sp_bench_proc_cpu(node.pid) / w.held : 0,
	       ORIGIN,
	       w.held > 0
	           ? 1000 * (sp_bench_proc_cpu(origin.pid) - ocpu0) / w.held
	           : 0);
	mb = fb_metrics(w.c);
	fb_metrics_line(peer, NULL, mb, w.held);
	free(mb);

	/* Every record, byte for byte, exactly once. */
	pf.compare = 1;
	pf.got = pf.bad = 0;
	read_log(w.c, &pf);
	fb.catchup_verified = pf.got == fb.backlog && pf.bad == 0;
	printf("%s's copy of %s's log: %zu records equal to the origin's, %zu "
	       "not: %s\n",
	       peer, ORIGIN, pf.got, pf.bad,
	       fb.catchup_verified ? "complete" : "INCOMPLETE");
	event_free(w.timer);
	sp_h2_client_free(w.c);
	fb_node_stop(&node, peer);
	fb_node_stop(&origin, ORIGIN);
	for (s = 0; s < pf.cap; s++)
		free(pf.recs[s].bytes);
	free(pf.recs);
	sp_trust_unref(trust);
	sp_anchors_free(anchors);
}
