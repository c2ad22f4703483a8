/* fed_harness.h: the federation side (peers/fed) in one process, driven by
 * a test: a real node (sp_node_run on a thread, its store, pool, ingest and
 * submission paths) whose clock the test sets, whose ticks the test gives,
 * and whose peers are fake: HTTP/2 servers on the node's own loop with the
 * members' real TLS identities, answering what the test's handler says
 * (scripted bodies and statuses, no answer, or an answer held for later).
 *
 * Threads: the node's loop runs the federation code, the fake peers and the
 * test's handler; the test thread reaches it only through fh_run(), so no
 * state needs a lock. Header-only, like the trust fixture. */
#ifndef SP_TESTS_FED_HARNESS_H
#define SP_TESTS_FED_HARNESS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "fed_int.h"
#include "http.h"

#define FH_UNUSED   __attribute__((unused))
#define FH_MEMBERS  4 /* [0] is the node under test, the rest fake peers */
#define FH_PATH     256
#define FH_MAX_HITS 512
#define FH_HELD     64

typedef struct fh fh;

/* One request a fake peer received. seq is the posted record's Sequence
 * (POST /v1/records), at_ms the node's (fake) clock when it arrived. */
typedef struct fh_hit {
	int peer;
	char method[8];
	char path[200];
	int64_t at_ms;
	uint64_t seq;
} fh_hit;

/* The test's answer to a request at fake peer `peer` (index into ids):
 * respond, sp_http_req_unref() (no answer: the stream is reset) or
 * fh_hold() (answered later by fh_release()). Runs on the node's loop. */
typedef void (*fh_handler)(fh *h, int peer, sp_http_req *req);

typedef struct fh_server {
	fh *h;
	int peer;
	sp_server *srv;
} fh_server;

struct fh {
	char dir[64];
	const char *ids[FH_MEMBERS];
	int n_members;
	char extra_ini[512]; /* appended to the node's node.ini */
	/* run after `federation init`, before the node starts (more folders,
	 * trust-list updates, node.ini lines): 0 or -1 */
	int (*prepare)(fh *h);
	int capture_log; /* the node's log lines (stderr) go to log_path */
	char log_path[FH_PATH];
	int saved_stderr;
	char ini[FH_PATH];
	int base_port; /* member i listens on base_port + i */
	/* the fake peers' signing and checkpoint keys */
	sp_key *sign[FH_MEMBERS];
	sp_note_signer *log[FH_MEMBERS];
	char log_origin[FH_MEMBERS][SP_CHECKPOINT_ORIGIN_MAX];

	/* the node's thread */
	pthread_t thr;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int state; /* 0 starting, 1 running, -1 failed or stopped */
	int rc;
	sp_node *n;
	fed *f;
	fh_server srv[FH_MEMBERS];

	/* loop thread only */
	fh_handler handler;
	void *ud;
	fh_hit hits[FH_MAX_HITS];
	size_t n_hits;
	sp_http_req *held[FH_HELD];
	int held_peer[FH_HELD];
	size_t n_held;
};

static fh *g_fh;
static _Atomic int64_t g_fh_clock;

static int64_t fh_clock(void)
{
	return atomic_load(&g_fh_clock);
}

FH_UNUSED static int64_t fh_now(void)
{
	return fh_clock();
}

/* Move the node's (federation side's) clock forward by ms. */
FH_UNUSED static void fh_advance(int64_t ms)
{
	atomic_fetch_add(&g_fh_clock, ms);
}

static int64_t fh_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void fh_path(fh *h, char *out, const char *member, const char *file)
{
	if (member != NULL)
		snprintf(out, FH_PATH, "%s/members/%s/%s", h->dir, member,
		         file);
	else
		snprintf(out, FH_PATH, "%s/%s", h->dir, file);
}

/* ---------------------------------------------------------------- fake peers
 */

static uint64_t fh_posted_seq(sp_http_req *req)
{
	size_t len = 0;
	const uint8_t *b = sp_http_req_body(req, &len);
	sp_doc *doc = NULL;
	sp_record *r = NULL;
	uint64_t seq = UINT64_MAX;

	if (sp_doc_parse(b, len, SP_DOC_RECORD, NULL, &doc, NULL) == SP_OK &&
	    sp_record_read(doc, &r, NULL) == SP_OK)
		seq = sp_record_sequence(r);
	sp_record_free(r);
	sp_doc_free(doc);
	return seq;
}

static void fh_default(fh *h, int peer, sp_http_req *req)
{
	(void)h;
	(void)peer;
	(void)sp_http_respond_problem(req, SP_ERR_NOT_FOUND, 0, NULL);
}

static void fh_serve(sp_http_req *req, void *arg)
{
	fh_server *s = arg;
	fh *h = s->h;
	fh_hit *hit;

	if (h->n_hits < FH_MAX_HITS) {
		hit = &h->hits[h->n_hits++];
		memset(hit, 0, sizeof(*hit));
		hit->peer = s->peer;
		snprintf(hit->method, sizeof(hit->method), "%s",
		         sp_http_req_method(req));
		snprintf(hit->path, sizeof(hit->path), "%s%s%s",
		         sp_http_req_path(req),
		         sp_http_req_query(req)[0] ? "?" : "",
		         sp_http_req_query(req));
		hit->at_ms = fh_clock();
		hit->seq =
		    strcmp(hit->method, "POST") == 0 &&
		            strcmp(sp_http_req_path(req), "/v1/records") == 0
		        ? fh_posted_seq(req)
		        : UINT64_MAX;
	}
	(h->handler != NULL ? h->handler : fh_default)(h, s->peer, req);
}

/* Keep req unanswered until fh_release(). */
FH_UNUSED static void fh_hold(fh *h, int peer, sp_http_req *req)
{
	if (h->n_held == FH_HELD) {
		sp_http_req_unref(req);
		return;
	}
	h->held_peer[h->n_held] = peer;
	h->held[h->n_held++] = req;
}

/* Answer every held request now, with `answer`. */
FH_UNUSED static void fh_release(fh *h, fh_handler answer)
{
	size_t i, n = h->n_held;

	h->n_held = 0;
	for (i = 0; i < n; i++)
		answer(h, h->held_peer[i], h->held[i]);
}

/* A signed receipt by fake peer `peer` for the record posted in req. */
FH_UNUSED static uint8_t *fh_receipt(fh *h, int peer, sp_http_req *req,
                                     size_t *out_len)
{
	size_t len = 0;
	const uint8_t *b = sp_http_req_body(req, &len);
	sp_doc *doc = NULL;
	sp_record *r = NULL;
	sp_receipt_info ri;
	uint8_t *u = NULL, *s = NULL;
	size_t ulen = 0;

	memset(&ri, 0, sizeof(ri));
	if (sp_doc_parse(b, len, SP_DOC_RECORD, NULL, &doc, NULL) != SP_OK ||
	    sp_record_read(doc, &r, NULL) != SP_OK)
		goto done;
	snprintf(ri.record_id, sizeof(ri.record_id), "%s", sp_record_id(r));
	snprintf(ri.origin, sizeof(ri.origin), "%s", sp_record_origin(r));
	ri.sequence = sp_record_sequence(r);
	sp_sha256_hex(b, len, ri.record_digest);
	snprintf(ri.receiver, sizeof(ri.receiver), "%s", h->ids[peer]);
	/* the receiver's own clock, which the test does not move */
	ri.received = sp_clock_wall_ms() / 1000;
	ri.status = SP_RECEIPT_ACCEPTED;
	if (sp_receipt_build(&ri, &u, &ulen, NULL) == SP_OK)
		(void)sp_sign_document(h->sign[peer], u, ulen, &s, out_len,
		                       NULL);
done:
	free(u);
	sp_record_free(r);
	sp_doc_free(doc);
	return s;
}

/* Answer a POST /v1/records with a valid receipt (201). */
FH_UNUSED static void fh_accept(fh *h, int peer, sp_http_req *req)
{
	size_t n = 0;
	uint8_t *s = fh_receipt(h, peer, req, &n);

	if (s == NULL) {
		(void)sp_http_respond_problem(req, SP_ERR_INTERNAL, 0, NULL);
		return;
	}
	(void)sp_http_respond_take(req, 201, "application/xml", NULL, 0, s, n);
}

/* Start fake peer i's server on the node's loop. 0 or -1. */
static int fh_server_start(fh *h, struct event_base *base, int i)
{
	char cert[FH_PATH], key[FH_PATH], ca[FH_PATH];
	const char *cas[2] = {ca, NULL};
	const char *why = NULL;
	sp_server_config sc;

	fh_path(h, ca, NULL, "operator/cert.pem");
	fh_path(h, cert, h->ids[i], "tls-cert.pem");
	fh_path(h, key, h->ids[i], "tls-key.pem");
	sp_server_config_default(&sc);
	sc.host = "127.0.0.1";
	sc.port = (uint16_t)(h->base_port + i);
	sc.cert_file = cert;
	sc.key_file = key;
	sc.client_ca_files = cas;
	sc.handler = fh_serve;
	sc.handler_arg = &h->srv[i];
	sc.limits.shutdown_timeout_ms = 100;
	h->srv[i].h = h;
	h->srv[i].peer = i;
	if (sp_server_new(base, &sc, &h->srv[i].srv, &why) != SP_OK) {
		fprintf(stderr, "fake peer %s: %s\n", h->ids[i],
		        why ? why : "?");
		return -1;
	}
	return 0;
}

static int fh_servers_start(fh *h, struct event_base *base)
{
	int i;

	for (i = 1; i < h->n_members; i++)
		if (fh_server_start(h, base, i) != 0)
			return -1;
	return 0;
}

static void fh_servers_stop(fh *h)
{
	size_t i;

	for (i = 0; i < h->n_held; i++)
		sp_http_req_unref(h->held[i]);
	h->n_held = 0;
	for (i = 1; i < FH_MEMBERS; i++) {
		sp_server_free(h->srv[i].srv);
		h->srv[i].srv = NULL;
	}
}

/* ---------------------------------------------------------------- the node's
 * extension: the real one, with the clock and ticks in the test's hands */

static sp_node_extension g_fh_ext;

static int fh_ext_start(sp_node *n, void **state)
{
	fh *h = g_fh;
	int rc;

	if (fh_servers_start(h, sp_node_event_base(n)) != 0)
		return -1;
	/* a whole second, so that due seconds fall on fake-clock steps */
	atomic_store(&g_fh_clock, sp_clock_wall_ms() / 1000 * 1000);
	if ((rc = sp_peers__extension()->start(n, state)) != 0)
		return rc;
	h->f = *state;
	h->f->clock_ms = fh_clock;
	/* start planned the first catch-up on the real clock: replan it on
	 * the test's, 1 s on as start does */
	h->f->next_pull_ms = fh_clock() + 1000;
	h->n = n;
	pthread_mutex_lock(&h->mu);
	h->state = 1;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
	return 0;
}

static void fh_ext_stop(void *state)
{
	fh_servers_stop(g_fh);
	sp_peers__extension()->stop(state);
}

static void *fh_node_main(void *arg)
{
	fh *h = arg;

	h->rc = sp_node_run(h->ini, NULL);
	pthread_mutex_lock(&h->mu);
	h->state = -1;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
	return NULL;
}

/* Register the wrapped extension once per process (before any node runs). */
static void fh_register(void)
{
	static int done;

	if (done)
		return;
	done = 1;
	g_fh_ext = *sp_peers__extension();
	g_fh_ext.name = "peers (test)";
	g_fh_ext.start = fh_ext_start;
	g_fh_ext.stop = fh_ext_stop;
	g_fh_ext.tick = NULL; /* the test ticks (fh_tick) */
	sp_node_register_extension(&g_fh_ext);
}

/* ---------------------------------------------------------------- life cycle
 */

static int fh_sh(const char *cmd)
{
	int rc = system(cmd);

	return rc == 0 ? 0 : -1;
}

static int fh_load_keys(fh *h)
{
	char k[FH_PATH], c[FH_PATH];
	const char *why = NULL;
	int i;

	for (i = 1; i < h->n_members; i++) {
		fh_path(h, k, h->ids[i], "sign-key.pem");
		fh_path(h, c, h->ids[i], "sign-cert.pem");
		if (sp_key_load(k, c, &h->sign[i], &why) != SP_OK)
			return -1;
		fh_path(h, k, h->ids[i], "log-key.pem");
		if (sp_checkpoint_origin("silk", h->ids[i], h->log_origin[i]) !=
		        SP_OK ||
		    sp_note_signer_load(h->log_origin[i], k, &h->log[i],
		                        &why) != SP_OK)
			return -1;
	}
	return 0;
}

static void fh_unload_keys(fh *h)
{
	int i;

	for (i = 0; i < FH_MEMBERS; i++) {
		sp_key_free(h->sign[i]);
		sp_note_signer_free(h->log[i]);
		h->sign[i] = NULL;
		h->log[i] = NULL;
	}
}

/* Send this process's stderr (the node's log lines) to h->log_path. */
static int fh_log_open(fh *h)
{
	FILE *f;

	snprintf(h->log_path, sizeof(h->log_path), "%s/node.log", h->dir);
	fflush(stderr);
	if ((f = fopen(h->log_path, "w")) == NULL)
		return -1;
	h->saved_stderr = dup(2);
	if (h->saved_stderr < 0 || dup2(fileno(f), 2) < 0) {
		fclose(f);
		return -1;
	}
	fclose(f);
	return 0;
}

static void fh_log_close(fh *h)
{
	if (h->saved_stderr <= 0)
		return;
	fflush(stderr);
	dup2(h->saved_stderr, 2);
	close(h->saved_stderr);
	h->saved_stderr = 0;
}

/* Log lines so far (capture_log) that hold every one of the n strings
 * `all`. */
FH_UNUSED static size_t fh_log_count(fh *h, const char *const *all, size_t n)
{
	char line[2048];
	size_t hits = 0, i;
	FILE *f;

	fflush(stderr);
	if ((f = fopen(h->log_path, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		for (i = 0; i < n && strstr(line, all[i]) != NULL; i++)
			;
		hits += i == n;
	}
	fclose(f);
	return hits;
}

/* A federation "silk" of ids[0..n) on a random port range (ids[0] is the
 * node under test), its node started with `extra_ini` appended to its
 * node.ini. 0 or -1. */
FH_UNUSED static int fh_start(fh *h)
{
	const char *bin = getenv("SP_BINARY_DIR");
	char cmd[2048];
	size_t used;
	int attempt, i, base;
	FILE *ini;

	g_fh = h;
	fh_register();
	pthread_mutex_init(&h->mu, NULL);
	pthread_cond_init(&h->cv, NULL);
	srand((unsigned)(getpid() ^ time(NULL)));
	for (attempt = 0; attempt < 5; attempt++) {
		snprintf(h->dir, sizeof(h->dir), "/tmp/sp-fed-test-XXXXXX");
		if (mkdtemp(h->dir) == NULL)
			return -1;
		/* below the usual ephemeral range (32768-60999) */
		base = 12000 + rand() % 20000;
		used = (size_t)snprintf(
		    cmd, sizeof(cmd),
		    "'%s/node/silkport' federation init '%s/f' --federation "
		    "silk --base-port %d",
		    bin ? bin : "build", h->dir, base);
		for (i = 0; i < h->n_members; i++)
			used += (size_t)snprintf(cmd + used, sizeof(cmd) - used,
			                         " --member %s", h->ids[i]);
		snprintf(cmd + used, sizeof(cmd) - used, " >/dev/null");
		strncat(h->dir, "/f", sizeof(h->dir) - strlen(h->dir) - 1);
		if (fh_sh(cmd) != 0 || fh_load_keys(h) != 0)
			return -1;
		fh_path(h, h->ini, h->ids[0], "node.ini");
		h->base_port = base;
		if (h->prepare != NULL && h->prepare(h) != 0)
			return -1;
		if ((ini = fopen(h->ini, "a")) == NULL)
			return -1;
		fprintf(ini, "\n%s\n", h->extra_ini);
		fclose(ini);
		if (h->capture_log && fh_log_open(h) != 0)
			return -1;
		h->state = 0;
		if (pthread_create(&h->thr, NULL, fh_node_main, h) != 0)
			return -1;
		pthread_mutex_lock(&h->mu);
		while (h->state == 0)
			pthread_cond_wait(&h->cv, &h->mu);
		pthread_mutex_unlock(&h->mu);
		if (h->state == 1)
			return 0;
		pthread_join(h->thr, NULL);
		fh_log_close(h);
		fh_unload_keys(h);
		h->dir[strlen(h->dir) - 2] = '\0';
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", h->dir);
		(void)fh_sh(cmd);
	}
	return -1;
}

typedef struct fh_call {
	void (*fn)(fh *h, void *arg);
	void *arg;
	int done;
} fh_call;

static void fh_call_run(void *arg)
{
	fh_call *c = arg;
	fh *h = g_fh;

	c->fn(h, c->arg);
	pthread_mutex_lock(&h->mu);
	c->done = 1;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
}

/* Run fn(h, arg) on the node's loop and wait for it. */
FH_UNUSED static void fh_run(fh *h, void (*fn)(fh *h, void *arg), void *arg)
{
	fh_call c = {fn, arg, 0};

	sp_node_post(h->n, fh_call_run, &c);
	pthread_mutex_lock(&h->mu);
	while (!c.done)
		pthread_cond_wait(&h->cv, &h->mu);
	pthread_mutex_unlock(&h->mu);
}

static void fh_stop_loop(fh *h, void *arg)
{
	(void)arg;
	event_base_loopbreak(sp_node_event_base(h->n));
}

/* Stop the node (its extensions stop, the store closes) and remove the
 * federation's folder. */
FH_UNUSED static void fh_finish(fh *h)
{
	char cmd[FH_PATH];

	if (h->state == 1) {
		fh_run(h, fh_stop_loop, NULL);
		pthread_join(h->thr, NULL);
	}
	fh_log_close(h);
	fh_unload_keys(h);
	h->dir[strlen(h->dir) - 2] = '\0';
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", h->dir);
	(void)fh_sh(cmd);
	pthread_mutex_destroy(&h->mu);
	pthread_cond_destroy(&h->cv);
	g_fh = NULL;
}

static void fh_tick_fn(fh *h, void *arg)
{
	(void)arg;
	sp_peers__extension()->tick(h->f);
}

/* One federation tick at the current fake time. */
FH_UNUSED static void fh_tick(fh *h)
{
	fh_run(h, fh_tick_fn, NULL);
}

static void fh_rounds_reset_fn(fh *h, void *arg)
{
	size_t i;

	(void)arg;
	for (i = 0; i < h->f->n_origins; i++)
		fed_round_reset(h->f->origins[i]);
}

/* Every origin's next catch-up round at the next pull interval ([FED-62]):
 * the connection and the first round may both have fetched a checkpoint
 * at start, the second finding it unchanged and spacing the rounds out;
 * tests that poll once per interval start from here. */
FH_UNUSED static void fh_rounds_reset(fh *h)
{
	fh_run(h, fh_rounds_reset_fn, NULL);
}

static void fh_down_fn(fh *h, void *arg)
{
	int i = *(int *)arg;

	sp_server_free(h->srv[i].srv); /* its connections close now */
	h->srv[i].srv = NULL;
}

static void fh_up_fn(fh *h, void *arg)
{
	int *i = arg;

	if (h->srv[*i].srv == NULL &&
	    fh_server_start(h, sp_node_event_base(h->n), *i) != 0)
		*i = -1;
}

/* Take fake peer `peer` off the network (its port refuses connections)
 * and back. fh_peer_up: 0 or -1. */
FH_UNUSED static void fh_peer_down(fh *h, int peer)
{
	fh_run(h, fh_down_fn, &peer);
}

FH_UNUSED static int fh_peer_up(fh *h, int peer)
{
	fh_run(h, fh_up_fn, &peer);
	return peer < 0 ? -1 : 0;
}

typedef struct fh_pred {
	int (*pred)(fh *h, void *arg);
	void *arg;
	int ok;
} fh_pred;

static void fh_pred_fn(fh *h, void *arg)
{
	fh_pred *p = arg;

	p->ok = p->pred(h, p->arg);
}

/* Wait (real time, at most timeout_ms) until pred(h, arg), evaluated on
 * the loop, holds. 1 if it did. */
FH_UNUSED static int fh_wait(fh *h, int (*pred)(fh *h, void *arg), void *arg,
                             int timeout_ms)
{
	fh_pred p = {pred, arg, 0};
	int64_t end = fh_mono_ms() + timeout_ms;

	for (;;) {
		fh_run(h, fh_pred_fn, &p);
		if (p.ok)
			return 1;
		if (fh_mono_ms() > end)
			return 0;
		usleep(10 * 1000);
	}
}

/* Let the node's loop and pool run for ms of real time (for what must NOT
 * happen). */
FH_UNUSED static void fh_settle(fh *h, int ms)
{
	int64_t end = fh_mono_ms() + ms;

	while (fh_mono_ms() < end) {
		fh_tick(h);
		usleep(20 * 1000);
	}
}

static int fh_connected(fh *h, void *arg)
{
	size_t i;

	(void)arg;
	fh_tick_fn(h, NULL);
	for (i = 0; i < h->f->n_peers; i++)
		if (h->f->peers[i]->client == NULL ||
		    h->f->peers[i]->seen_connects == 0)
			return 0;
	return 1;
}

static void fh_connect_report(fh *h, void *arg)
{
	size_t i;

	(void)arg;
	for (i = 0; i < h->f->n_peers; i++) {
		fed_peer *p = h->f->peers[i];
		sp_h2_client_state st;

		memset(&st, 0, sizeof(st));
		if (p->client != NULL)
			sp_h2_client_get_state(p->client, &st);
		fprintf(stderr,
		        "peer %s: client %d, connects %llu seen %llu (%s)\n",
		        p->id, p->client != NULL,
		        (unsigned long long)st.connects,
		        (unsigned long long)p->seen_connects,
		        st.last_why ? st.last_why : "-");
	}
}

/* Move the clock past the first catch-up (which connects every client)
 * and tick until the federation side has seen each connection: from then
 * on a failure's backoff is not cleared by a first connect. 0 or -1. */
FH_UNUSED static int fh_connect(fh *h)
{
	fh_advance(1000);
	if (fh_wait(h, fh_connected, NULL, 10000))
		return 0;
	fh_run(h, fh_connect_report, NULL);
	return -1;
}

/* ---------------------------------------------------------------- records
 */

typedef struct fh_submit {
	uint8_t *doc;
	size_t len;
	int err;
	uint64_t seq;
	int done;
} fh_submit;

static void fh_submitted(void *ud, sp_submit_result *res)
{
	fh_submit *s = ud;

	s->err = res->err;
	s->seq = res->sequence;
	s->done = 1;
}

static void fh_submit_fn(fh *h, void *arg)
{
	fh_submit *s = arg;

	if (sp_node_submit(h->n, s->doc, s->len, fh_submitted, s) != SP_OK) {
		s->err = SP_ERR_OVERLOADED;
		s->done = 1;
	}
}

static int fh_submit_done(fh *h, void *arg)
{
	(void)h;
	return ((fh_submit *)arg)->done;
}

/* A record given to the node as POST /v1/records from `source` gives it. */
typedef struct fh_ingest {
	const char *source;
	const uint8_t *bytes;
	size_t len;
	int done, err, outcome;
} fh_ingest;

static void fh_ingested(void *ud, const sp_ingest_result *res)
{
	fh_ingest *g = ud;

	g->err = res->err;
	g->outcome = res->outcome;
	g->done = 1;
}

static void fh_ingest_fn(fh *h, void *arg)
{
	fh_ingest *g = arg;
	sp_ingest_opts o = {.source = g->source, .expect_sequence = -1};

	if (sp_node_ingest(h->n, g->bytes, g->len, &o, fh_ingested, g) !=
	    SP_OK) {
		g->err = SP_ERR_OVERLOADED;
		g->done = 1;
	}
}

static int fh_ingest_done(fh *h, void *arg)
{
	(void)h;
	return ((fh_ingest *)arg)->done;
}

/* Deliver bytes to the node from source and wait for its answer (10 s of
 * real time at most): the error (SP_OK or the refusal) and the store's
 * outcome in *outcome; -1 if no answer came. */
FH_UNUSED static int fh_deliver(fh *h, const char *source, const uint8_t *bytes,
                                size_t len, int *outcome)
{
	fh_ingest g = {source, bytes, len, 0, 0, 0};

	fh_run(h, fh_ingest_fn, &g);
	if (!fh_wait(h, fh_ingest_done, &g, 10000))
		return -1;
	*outcome = g.outcome;
	return g.err;
}

static uint8_t *fh_body(size_t *len)
{
	char path[FH_PATH];
	const char *dd = getenv("SP_DATA_DIR");
	FILE *f;
	uint8_t *b;
	long n;

	snprintf(path, sizeof(path), "%s/bodies/declaration.xml",
	         dd ? dd : "tests/data");
	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	b = malloc((size_t)n + 1);
	if (b != NULL && fread(b, 1, (size_t)n, f) != (size_t)n) {
		free(b);
		b = NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return b;
}

/* Submit a declaration from the node under test to the n recipients `to`
 * (n = 0: broadcast). Its Sequence, or -1 with *err set. */
FH_UNUSED static int64_t fh_submit_rcpts(fh *h, const char **to, size_t n,
                                         int *err)
{
	sp_subject subj = {"Declaration", NULL, "4604202611270000123"};
	sp_record_draft d;
	fh_submit s;

	memset(&s, 0, sizeof(s));
	memset(&d, 0, sizeof(d));
	d.type = "declaration";
	d.broadcast = n == 0;
	d.recipients = to;
	d.n_recipients = n;
	d.subjects = &subj;
	d.n_subjects = 1;
	if ((d.body = fh_body(&d.body_len)) == NULL ||
	    sp_submission_build(&d, &s.doc, &s.len, NULL) != SP_OK) {
		free((void *)(uintptr_t)d.body);
		*err = SP_ERR_INTERNAL;
		return -1;
	}
	free((void *)(uintptr_t)d.body);
	fh_run(h, fh_submit_fn, &s);
	(void)fh_wait(h, fh_submit_done, &s, 10000);
	free(s.doc);
	*err = s.done ? s.err : SP_ERR_UNAVAILABLE;
	return *err == SP_OK ? (int64_t)s.seq : -1;
}

/* Submit a declaration from the node under test to `to` (NULL:
 * broadcast). Its Sequence, or -1 with *err set. */
FH_UNUSED static int64_t fh_submit_to(fh *h, const char *to, int *err)
{
	const char *rcpt[1] = {to};

	return fh_submit_rcpts(h, rcpt, to != NULL, err);
}

/* A record of fake peer `peer` at `seq` addressed to `to` (NULL:
 * broadcast) with Issued `issued` (unix seconds), signed with its key;
 * malloc'd. */
FH_UNUSED static uint8_t *fh_peer_record_issued(fh *h, int peer, uint64_t seq,
                                                const char *to, int64_t issued,
                                                size_t *len)
{
	sp_subject subj = {"Declaration", NULL, "4604202611270000123"};
	const char *rcpt[1] = {to};
	sp_record_draft d;
	uint8_t *u = NULL, *s = NULL;
	size_t ulen = 0;

	memset(&d, 0, sizeof(d));
	d.origin = h->ids[peer];
	d.sequence = seq;
	d.type = "declaration";
	d.issued = issued;
	d.broadcast = to == NULL;
	d.recipients = rcpt;
	d.n_recipients = to != NULL;
	d.subjects = &subj;
	d.n_subjects = 1;
	if ((d.body = fh_body(&d.body_len)) != NULL &&
	    sp_record_build(&d, &u, &ulen, NULL) == SP_OK)
		(void)sp_sign_document(h->sign[peer], u, ulen, &s, len, NULL);
	free((void *)(uintptr_t)d.body);
	free(u);
	return s;
}

/* The same, issued a minute ago by the fake clock. */
FH_UNUSED static uint8_t *fh_peer_record(fh *h, int peer, uint64_t seq,
                                         const char *to, size_t *len)
{
	return fh_peer_record_issued(h, peer, seq, to, fh_clock() / 1000 - 60,
	                             len);
}

/* Requests of `method` whose path starts with `prefix` received by peer
 * (-1: any) so far. Loop thread. */
FH_UNUSED static size_t fh_count(fh *h, int peer, const char *method,
                                 const char *prefix)
{
	size_t i, n = 0;

	for (i = 0; i < h->n_hits; i++)
		if ((peer < 0 || h->hits[i].peer == peer) &&
		    strcmp(h->hits[i].method, method) == 0 &&
		    strncmp(h->hits[i].path, prefix, strlen(prefix)) == 0)
			n++;
	return n;
}

/* Move the fake clock on by n steps of step_ms, ticking, and let what
 * each tick started finish. */
FH_UNUSED static void fh_run_steps(fh *h, int n, int64_t step_ms)
{
	int i;

	for (i = 0; i < n; i++) {
		fh_advance(step_ms);
		fh_tick(h);
		fh_settle(h, 300);
	}
}

/* A prepare hook's body: the federation's list names KZ-KGS and CN-HN as
 * witnesses, quorum 2, MergeDelay merge_s seconds. */
FH_UNUSED static int fh_witnessed_list(fh *h, int merge_s)
{
	const char *bin = getenv("SP_BINARY_DIR");
	char cmd[2048];

	snprintf(cmd, sizeof(cmd),
	         "'%s/node/silkport' trust-list update --key "
	         "'%s/operator/key.pem' --cert '%s/operator/cert.pem' "
	         "--witness KZ-KGS --witness CN-HN --quorum 2 --merge-delay %d "
	         "'%s/trust-list.xml' >'%s/tl2.xml' && mv '%s/tl2.xml' "
	         "'%s/trust-list.xml'",
	         bin ? bin : "build", h->dir, h->dir, merge_s, h->dir, h->dir,
	         h->dir, h->dir);
	return fh_sh(cmd);
}

/* Member `origin`'s signed checkpoint of the tree of `size` leaves, with
 * the cosignature of member `cosigner` at time t (unix seconds) appended,
 * or none when cosigner < 0. malloc'd, NULL on failure. */
FH_UNUSED static char *fh_checkpoint_note(fh *h, int origin,
                                          const uint8_t (*leaves)[32],
                                          uint64_t size, int cosigner,
                                          int64_t t)
{
	sp_checkpoint cp;
	char *body = NULL, *note = NULL, *line = NULL, *out = NULL;
	size_t len = 0;
	const char *why = NULL;

	memset(&cp, 0, sizeof(cp));
	snprintf(cp.origin, sizeof(cp.origin), "%s", h->log_origin[origin]);
	cp.size = size;
	if (sp_merkle_root(leaves, size, cp.root) != SP_OK ||
	    sp_checkpoint_format(&cp, &body, &len) != SP_OK ||
	    sp_note_sign(h->log[origin], body, len, &note, &why) != SP_OK)
		goto out;
	if (cosigner < 0) {
		out = note;
		note = NULL;
		goto out;
	}
	if (sp_note_cosign(h->log[cosigner], note, strlen(note), t, &line,
	                   &why) != SP_OK ||
	    (out = malloc(strlen(note) + strlen(line) + 1)) == NULL)
		goto out;
	memcpy(out, note, strlen(note));
	memcpy(out + strlen(note), line, strlen(line) + 1);
out:
	free(body);
	free(note);
	free(line);
	return out;
}

#endif /* SP_TESTS_FED_HARNESS_H */
