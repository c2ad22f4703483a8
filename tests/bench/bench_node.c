/* bench_node.c: ingest benchmark: pre-signed records delivered to a running
 * node binary over HTTP/2 with mutual TLS (records/s, latency, the node's CPU
 * and memory), against the raw crypto ceiling measured in the same run. */
#include "bench_util.h"

#include "h2client.h"
#include "trust.h"

#include <event2/event.h>
#include <getopt.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define FEDERATION      "bench"
#define RECEIVER        "CN-ZZ"
#define N_SENDERS       4
#define BODY_CAP        4096
#define MAX_CONNS       64
#define WIDE_CONNS      10
#define WIDE_STREAMS    100
#define WARMUP_RECORDS  1000u
#define WARMUP_INFLIGHT 64u

static const char *const senders[N_SENDERS] = {"CN-XA", "CN-CQ", "KZ-KGS",
                                               "CN-HF"};

typedef struct rec {
	uint8_t *bytes;
	size_t len;
} rec;

static struct {
	const char *silkport;
	char dir[SP_BENCH_PATH_MAX]; /* the federation */
	unsigned concurrency;
	size_t count;
	double duration;
	unsigned ncpu;
	rec *recs;
	size_t n_recs;
	size_t next; /* the next unused record */
	sp_key *sign[N_SENDERS];
	sp_key *receiver_key;
	/* the raw ceiling: the same keys as bare OpenSSL keys */
	EVP_PKEY *raw_sender[N_SENDERS]; /* public keys, from the certs */
	EVP_PKEY *raw_receiver;          /* private key */
	unsigned char raw_digest[N_SENDERS][32]; /* of each sender's record */
	unsigned char raw_sig[N_SENDERS][80];    /* the sender's, over it */
	size_t raw_sig_len[N_SENDERS];
	sp_anchors *anchors;
	sp_trust *trust;
	sp_bench_node node;
	struct event_base *base;
	sp_h2_client *clients[MAX_CONNS];
	unsigned n_clients;
	sp_h2_client *operator_client; /* for GET /metrics */
	uint8_t *sample_receipt;       /* one 201 body, verified at the end */
	size_t sample_receipt_len;
} g;

/* ---------------------------------------------------------------- files */

static void member_path(char *out, size_t cap, const char *member,
                        const char *file)
{
	if (snprintf(out, cap, "%s/members/%s/%s", g.dir, member, file) >=
	    (int)cap)
		sp_bench_die("path too long", 0, file);
}

static void fed_path(char *out, size_t cap, const char *file)
{
	if (snprintf(out, cap, "%s/%s", g.dir, file) >= (int)cap)
		sp_bench_die("path too long", 0, file);
}

static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n = 0;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) <= 0 ||
	    fseek(f, 0, SEEK_SET) != 0 || (buf = malloc((size_t)n)) == NULL ||
	    fread(buf, 1, (size_t)n, f) != (size_t)n)
		sp_bench_die("cannot read", 0, path);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void load_identities(void)
{
	char key[SP_BENCH_PATH_MAX], cert[SP_BENCH_PATH_MAX];
	const char *why = NULL;
	uint8_t *tl;
	size_t tl_len;
	unsigned i;
	int err;

	for (i = 0; i < N_SENDERS; i++) {
		member_path(key, sizeof(key), senders[i], "sign-key.pem");
		member_path(cert, sizeof(cert), senders[i], "sign-cert.pem");
		if ((err = sp_key_load(key, cert, &g.sign[i], &why)) != SP_OK)
			sp_bench_die("load a sender's signing key", err, why);
	}
	member_path(key, sizeof(key), RECEIVER, "sign-key.pem");
	member_path(cert, sizeof(cert), RECEIVER, "sign-cert.pem");
	if ((err = sp_key_load(key, cert, &g.receiver_key, &why)) != SP_OK)
		sp_bench_die("load the receiver's signing key", err, why);
	fed_path(key, sizeof(key), "operator/cert.pem");
	fed_path(cert, sizeof(cert), "trust-list.xml");
	tl = read_file(cert, &tl_len);
	if (sp_anchors_new(&g.anchors) != SP_OK ||
	    (err = sp_anchors_add_pem_file(g.anchors, key, &why)) != SP_OK ||
	    (err = sp_trust_open(g.anchors, tl, tl_len, NULL, NULL, &g.trust,
	                         &why)) != SP_OK)
		sp_bench_die("open the trust list", err, why);
	free(tl);
}

/* ---------------------------------------------------------------- pre-signing
 */

struct sign_job {
	unsigned t, nt;
	const char *body;
	size_t body_len;
};

/* Record i comes from sender i % N_SENDERS with sequence i / N_SENDERS, so
 * each origin's sequences are contiguous over the whole pool. */
static void *sign_thread(void *arg)
{
	struct sign_job *j = arg;
	const char *recips[1] = {RECEIVER};
	sp_subject subj = {"Enterprise", "USCC", "91410100MA44XXXX0A"};
	sp_record_draft d;
	size_t i;

	for (i = j->t; i < g.n_recs; i += j->nt) {
		uint8_t *u = NULL;
		size_t ulen;
		const char *why = NULL;
		int err;

		memset(&d, 0, sizeof(d));
		d.origin = senders[i % N_SENDERS];
		d.sequence = i / N_SENDERS;
		d.type = "declaration";
		d.recipients = recips;
		d.n_recipients = 1;
		d.subjects = &subj;
		d.n_subjects = 1;
		d.body = (const uint8_t *)j->body;
		d.body_len = j->body_len;
		if ((err = sp_record_build(&d, &u, &ulen, &why)) != SP_OK ||
		    (err = sp_sign_document(g.sign[i % N_SENDERS], u, ulen,
		                            &g.recs[i].bytes, &g.recs[i].len,
		                            &why)) != SP_OK)
			sp_bench_die("pre-sign a record", err, why);
		free(u);
	}
	return NULL;
}

static void presign(void)
{
	char body[BODY_CAP];
	struct sign_job jobs[256];
	pthread_t th[256];
	unsigned t, nt = g.ncpu > 256 ? 256 : g.ncpu;
	double t0 = sp_bench_now(), dt;

	g.n_recs = g.count;
	if ((g.recs = calloc(g.n_recs, sizeof(*g.recs))) == NULL)
		sp_bench_die("out of memory", 0, NULL);
	for (t = 0; t < nt; t++) {
		jobs[t].t = t;
		jobs[t].nt = nt;
		jobs[t].body = body;
		jobs[t].body_len = sp_bench_make_body(body, sizeof(body));
		if (pthread_create(&th[t], NULL, sign_thread, &jobs[t]) != 0)
			sp_bench_die("pthread_create", 0, NULL);
	}
	for (t = 0; t < nt; t++)
		pthread_join(th[t], NULL);
	dt = sp_bench_now() - t0;
	printf("pre-signed %zu records (%zu bytes each, body %zu bytes) from "
	       "%d origins in %.1f s (%.0f/s on %u threads)\n",
	       g.n_recs, g.recs[0].len, jobs[0].body_len, N_SENDERS, dt,
	       (double)g.n_recs / dt, nt);
}

/* ---------------------------------------------------------------- ceilings */

struct ceil_job {
	void (*op)(size_t i);
	unsigned t, nt;
	double stop_at;
	unsigned long ops;
};

static EVP_PKEY *pem_private_key(const char *path)
{
	FILE *f = fopen(path, "r");
	EVP_PKEY *k = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;

	if (f)
		fclose(f);
	if (k == NULL)
		sp_bench_die("read a private key", 0, path);
	return k;
}

static EVP_PKEY *pem_cert_key(const char *path)
{
	FILE *f = fopen(path, "r");
	X509 *x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
	EVP_PKEY *k = x ? X509_get_pubkey(x) : NULL;

	if (f)
		fclose(f);
	X509_free(x);
	if (k == NULL)
		sp_bench_die("read a certificate's public key", 0, path);
	return k;
}

/* ECDSA over a SHA-256 digest, with a fresh context per call as a signer
 * or verifier of one document does. */
static int raw_sign(EVP_PKEY *k, const unsigned char d[32], unsigned char *sig,
                    size_t *sig_len)
{
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(k, NULL);
	int ok = c && EVP_PKEY_sign_init(c) == 1 &&
	         EVP_PKEY_CTX_set_signature_md(c, EVP_sha256()) == 1 &&
	         EVP_PKEY_sign(c, sig, sig_len, d, 32) == 1;

	EVP_PKEY_CTX_free(c);
	return ok;
}

static int raw_verify(EVP_PKEY *k, const unsigned char d[32],
                      const unsigned char *sig, size_t sig_len)
{
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(k, NULL);
	int ok = c && EVP_PKEY_verify_init(c) == 1 &&
	         EVP_PKEY_CTX_set_signature_md(c, EVP_sha256()) == 1 &&
	         EVP_PKEY_verify(c, sig, sig_len, d, 32) == 1;

	EVP_PKEY_CTX_free(c);
	return ok;
}

/* The raw ceiling's keys: each sender's public key from its signing
 * certificate and one signature of its own over its first record's digest
 * (made here, outside the timing), and the receiver's private key. */
static void raw_setup(void)
{
	char path[SP_BENCH_PATH_MAX];
	unsigned i;

	for (i = 0; i < N_SENDERS; i++) {
		EVP_PKEY *priv;

		member_path(path, sizeof(path), senders[i], "sign-cert.pem");
		g.raw_sender[i] = pem_cert_key(path);
		member_path(path, sizeof(path), senders[i], "sign-key.pem");
		priv = pem_private_key(path);
		SHA256(g.recs[i].bytes, g.recs[i].len, g.raw_digest[i]);
		g.raw_sig_len[i] = sizeof(g.raw_sig[i]);
		if (!raw_sign(priv, g.raw_digest[i], g.raw_sig[i],
		              &g.raw_sig_len[i]))
			sp_bench_die("raw ceiling: sign", 0, senders[i]);
		EVP_PKEY_free(priv);
	}
	member_path(path, sizeof(path), RECEIVER, "sign-key.pem");
	g.raw_receiver = pem_private_key(path);
}

/* The raw crypto a node cannot avoid for one delivered record, with no XML,
 * no store and no HTTP: SHA-256 of the record's bytes, one ECDSA P-256
 * verify with the sender's key, one ECDSA P-256 sign (the receipt) with the
 * receiver's key over that digest. */
static void raw_op(size_t i)
{
	unsigned s = (unsigned)(i % N_SENDERS);
	unsigned char d[32], sig[80];
	size_t sig_len = sizeof(sig);

	SHA256(g.recs[i].bytes, g.recs[i].len, d);
	if (!raw_verify(g.raw_sender[s], g.raw_digest[s], g.raw_sig[s],
	                g.raw_sig_len[s]))
		sp_bench_die("raw ceiling: a signature does not verify", 0,
		             senders[s]);
	if (!raw_sign(g.raw_receiver, d, sig, &sig_len))
		sp_bench_die("raw ceiling: sign", 0, RECEIVER);
}

/* What the node's worker does for one delivered record, minus the store and
 * HTTP: verify (parse, schema, profile, C14N, signature, signer), check it
 * is addressed here, digest, build the receipt, sign it (XML-DSig). Not the
 * ceiling: a breakdown of how much of the raw one the XML work leaves. */
static void node_work_op(size_t i)
{
	const rec *r = &g.recs[i];
	sp_doc *u = NULL;
	sp_record *rp = NULL;
	sp_receipt_info ri;
	sp_verify_opts o;
	uint8_t signed_digest[32], *s = NULL;
	const char *why = NULL;
	size_t slen;
	int err;

	/* as node/core/ingest.c does it */
	sp_verify_opts_default(&o);
	o.signed_digest = signed_digest;
	if ((err = sp_verify_record(g.trust, r->bytes, r->len, &o, NULL, &rp,
	                            &why)) != SP_OK)
		sp_bench_die("node work: verify", err, why);
	if (!sp_record_visible_to(rp, RECEIVER))
		sp_bench_die("node work: record not addressed to the receiver",
		             0, NULL);
	memset(&ri, 0, sizeof(ri));
	snprintf(ri.record_id, sizeof(ri.record_id), "%s", sp_record_id(rp));
	snprintf(ri.origin, sizeof(ri.origin), "%s", sp_record_origin(rp));
	ri.sequence = sp_record_sequence(rp);
	sp_sha256_hex(r->bytes, r->len, ri.record_digest);
	snprintf(ri.receiver, sizeof(ri.receiver), "%s", RECEIVER);
	ri.received = (int64_t)time(NULL);
	ri.status = SP_RECEIPT_ACCEPTED;
	if ((err = sp_receipt_build_doc(&ri, &u, &why)) != SP_OK ||
	    (err = sp_sign_receipt(g.receiver_key, u, &s, &slen, &why)) !=
	        SP_OK)
		sp_bench_die("node work: receipt", err, why);
	sp_doc_free(u);
	free(s);
	sp_record_free(rp);
}

static void *ceiling_thread(void *arg)
{
	struct ceil_job *j = arg;
	size_t i = j->t;

	while (sp_bench_now() < j->stop_at) {
		j->op(i);
		j->ops++;
		i += j->nt;
		if (i >= g.n_recs)
			i = j->t;
	}
	return NULL;
}

/* Records/s of op on `nt` threads; *cpu_ms gets CPU ms per record. */
static double ceiling(void (*op)(size_t), unsigned nt, double seconds,
                      double *cpu_ms)
{
	struct ceil_job jobs[256];
	pthread_t th[256];
	struct timespec c0, c1;
	double t0, t1, total = 0, cpu;
	unsigned t;

	if (nt > 256)
		nt = 256;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
	t0 = sp_bench_now();
	for (t = 0; t < nt; t++) {
		jobs[t].op = op;
		jobs[t].t = t;
		jobs[t].nt = nt;
		jobs[t].stop_at = t0 + seconds;
		jobs[t].ops = 0;
		if (pthread_create(&th[t], NULL, ceiling_thread, &jobs[t]) != 0)
			sp_bench_die("pthread_create", 0, NULL);
	}
	for (t = 0; t < nt; t++) {
		pthread_join(th[t], NULL);
		total += (double)jobs[t].ops;
	}
	t1 = sp_bench_now();
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
	cpu = (double)(c1.tv_sec - c0.tv_sec) +
	      (double)(c1.tv_nsec - c0.tv_nsec) / 1e9;
	*cpu_ms = total > 0 ? 1000.0 * cpu / total : 0;
	return total / (t1 - t0);
}

/* ---------------------------------------------------------------- delivery */

typedef struct conn {
	sp_h2_client *c;
	unsigned inflight;
	unsigned cap; /* closed loop: requests kept in flight on it */
} conn;

typedef struct run {
	const char *name;
	conn conns[MAX_CONNS];
	unsigned n_conns;
	int paced;
	double rate;     /* paced: records/s */
	double deadline; /* no new request after this */
	double t_start, t_last;
	double next_due;
	unsigned rr;
	size_t sent, ok, failed;
	unsigned inflight, max_inflight;
	int stopped_sending;
	int exhausted;
	/* first failure */
	int first_err, first_status;
	const char *first_why;
	char first_body[240];
	/* latencies of 201 answers, seconds */
	double *lat;
	size_t n_lat;
	/* node figures */
	double cpu0, cpu1;
	struct timespec lc0, lc1; /* load generator CPU */
	long rss_max, hwm;
	/* paced: how late requests went out after their due time */
	double lag_sum, lag_max;
	struct event *tick, *sampler;
} run;

typedef struct slot {
	run *r;
	conn *c;
	double t0;
} slot;

static slot *slots;
static const sp_h2_header xml_header[1] = {{"content-type", "application/xml"}};

static void maybe_finish(run *r)
{
	if (r->stopped_sending && r->inflight == 0)
		event_base_loopbreak(g.base);
}

static void on_response(void *ud, const sp_h2_response *resp);

static int send_one(run *r, conn *c, double t0)
{
	size_t i;
	int err;

	if (g.next >= g.n_recs) {
		r->exhausted = 1;
		return -1;
	}
	i = g.next++;
	slots[i].r = r;
	slots[i].c = c;
	slots[i].t0 = t0;
	err = sp_h2_client_request(c->c, "POST", "/v1/records", xml_header, 1,
	                           g.recs[i].bytes, g.recs[i].len, on_response,
	                           &slots[i]);
	if (err != SP_OK)
		sp_bench_die("queue a request", err, NULL);
	c->inflight++;
	r->inflight++;
	r->sent++;
	if (r->inflight > r->max_inflight)
		r->max_inflight = r->inflight;
	return 0;
}

static void on_response(void *ud, const sp_h2_response *resp)
{
	slot *s = ud;
	run *r = s->r;
	conn *c = s->c;
	double now = sp_bench_now();

	r->inflight--;
	c->inflight--;
	r->t_last = now;
	if (resp->err == SP_OK && resp->status == 201) {
		r->ok++;
		r->lat[r->n_lat++] = now - s->t0;
		if (g.sample_receipt == NULL &&
		    (g.sample_receipt = malloc(resp->body_len)) != NULL) {
			memcpy(g.sample_receipt, resp->body, resp->body_len);
			g.sample_receipt_len = resp->body_len;
		}
	} else {
		if (r->failed++ == 0) {
			r->first_err = resp->err;
			r->first_status = resp->status;
			r->first_why = resp->why;
			if (resp->err == SP_OK)
				snprintf(r->first_body, sizeof(r->first_body),
				         "%.*s",
				         (int)(resp->body_len < 200
				                   ? resp->body_len
				                   : 200),
				         (const char *)resp->body);
		}
	}
	if (!r->paced && !r->stopped_sending) {
		if (now >= r->deadline)
			r->stopped_sending = 1;
		else
			while (c->inflight < c->cap && send_one(r, c, now) == 0)
				;
		if (r->exhausted)
			r->stopped_sending = 1;
	}
	maybe_finish(r);
}

/* Paced sending: every request has a due time; latency counts from it, so
 * a late send is not hidden. */
static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	run *r = arg;
	double now = sp_bench_now();

	(void)fd;
	(void)what;
	while (!r->stopped_sending && r->next_due <= now) {
		if (r->next_due >= r->deadline ||
		    send_one(r, &r->conns[r->rr++ % r->n_conns], r->next_due) !=
		        0) {
			r->stopped_sending = 1;
			break;
		}
		r->lag_sum += now - r->next_due;
		if (now - r->next_due > r->lag_max)
			r->lag_max = now - r->next_due;
		r->next_due += 1.0 / r->rate;
	}
	if (r->stopped_sending) {
		event_del(r->tick);
		maybe_finish(r);
	}
}

static void on_sample(evutil_socket_t fd, short what, void *arg)
{
	run *r = arg;
	long rss, hwm;

	(void)fd;
	(void)what;
	if (sp_bench_proc_mem(g.node.pid, &rss, &hwm) == 0 && rss > r->rss_max)
		r->rss_max = rss;
}

/* Deliver records on n_conns connections: closed loop with `streams` in
 * flight per connection, or paced at `rate` records/s (rate > 0). */
static void deliver(run *r, const char *name, unsigned n_conns,
                    unsigned streams, double rate, double seconds)
{
	static const struct timeval ms1 = {0, 1000}, ms100 = {0, 100000};
	unsigned i;
	long rss;

	memset(r, 0, sizeof(*r));
	r->name = name;
	r->n_conns = n_conns > g.n_clients ? g.n_clients : n_conns;
	if ((r->lat = calloc(g.n_recs, sizeof(double))) == NULL)
		sp_bench_die("out of memory", 0, NULL);
	for (i = 0; i < r->n_conns; i++) {
		r->conns[i].c = g.clients[i];
		r->conns[i].cap = streams;
	}
	r->paced = rate > 0;
	r->rate = rate;
	r->sampler = event_new(g.base, -1, EV_PERSIST, on_sample, r);
	if (r->sampler == NULL || event_add(r->sampler, &ms100) != 0)
		sp_bench_die("event", 0, NULL);
	r->cpu0 = sp_bench_proc_cpu(g.node.pid);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &r->lc0);
	r->t_start = sp_bench_now();
	r->t_last = r->t_start;
	r->deadline = r->t_start + seconds;
	if (r->paced) {
		r->next_due = r->t_start;
		r->tick = event_new(g.base, -1, EV_PERSIST, on_tick, r);
		if (r->tick == NULL || event_add(r->tick, &ms1) != 0)
			sp_bench_die("event", 0, NULL);
	} else {
		for (i = 0; i < r->n_conns; i++)
			while (r->conns[i].inflight < streams &&
			       send_one(r, &r->conns[i], r->t_start) == 0)
				;
		if (r->exhausted)
			r->stopped_sending = 1;
	}
	event_base_dispatch(g.base);
	r->cpu1 = sp_bench_proc_cpu(g.node.pid);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &r->lc1);
	if (sp_bench_proc_mem(g.node.pid, &rss, &r->hwm) == 0 &&
	    rss > r->rss_max)
		r->rss_max = rss;
	if (r->tick)
		event_free(r->tick);
	event_free(r->sampler);
	sp_bench_sort(r->lat, r->n_lat);
}

static double run_rate(const run *r)
{
	double dt = r->t_last - r->t_start;

	return dt > 0 ? (double)r->ok / dt : 0;
}

static void run_print(const run *r, const char *streams)
{
	double dt = r->t_last - r->t_start;
	double lcpu = (double)(r->lc1.tv_sec - r->lc0.tv_sec) +
	              (double)(r->lc1.tv_nsec - r->lc0.tv_nsec) / 1e9;
	double ok = r->ok ? (double)r->ok : 1;

	printf("%-15s %5u %7s %8zu %6zu %6.1f %9.0f %8.2f %8.2f %8.2f %8.3f "
	       "%8.3f %7.1f\n",
	       r->name, r->n_conns, streams, r->ok, r->failed, dt, run_rate(r),
	       1000 * sp_bench_quantile(r->lat, r->n_lat, 0.50),
	       1000 * sp_bench_quantile(r->lat, r->n_lat, 0.99),
	       1000 * (r->n_lat ? r->lat[r->n_lat - 1] : 0),
	       1000 * (r->cpu1 - r->cpu0) / ok, 1000 * lcpu / ok,
	       (double)r->rss_max / 1024.0);
	if (r->failed)
		printf("  first failure: %s%s%s HTTP %d %s\n",
		       r->first_err ? sp_strerror(r->first_err) : "",
		       r->first_why ? " " : "",
		       r->first_why ? r->first_why : "", r->first_status,
		       r->first_body);
	if (r->exhausted)
		printf("  (the pool of pre-signed records ran out after %.1f "
		       "s: raise --count)\n",
		       dt);
	fflush(stdout);
}

static void on_warm(void *ud, const sp_h2_response *resp)
{
	unsigned *left = ud;

	if (resp->err != SP_OK || resp->status != 200)
		sp_bench_die("GET /healthz failed", resp->err, resp->why);
	if (--*left == 0)
		event_base_loopbreak(g.base);
}

/* A client of the node with `member`'s identity (`cert_file`, `key_file`
 * in its folder), connected by a GET /healthz counted in *left. */
static sp_h2_client *new_client(const char *member, const char *cert_file,
                                const char *key_file, unsigned *left)
{
	char cert[SP_BENCH_PATH_MAX], key[SP_BENCH_PATH_MAX],
	    ca[SP_BENCH_PATH_MAX];
	const char *cas[2] = {ca, NULL};
	sp_h2_client_config cfg;
	sp_h2_client *c = NULL;
	const char *why = NULL;
	int err;

	fed_path(ca, sizeof(ca), "operator/cert.pem");
	member_path(cert, sizeof(cert), member, cert_file);
	member_path(key, sizeof(key), member, key_file);
	sp_h2_client_config_default(&cfg);
	cfg.host = "127.0.0.1";
	cfg.port = (uint16_t)g.node.port;
	cfg.cert_file = cert;
	cfg.key_file = key;
	cfg.ca_files = cas;
	cfg.max_queued = 100000;
	if ((err = sp_h2_client_new(g.base, &cfg, &c, &why)) != SP_OK)
		sp_bench_die("HTTP/2 client", err, why);
	if ((err = sp_h2_client_request(c, "GET", "/healthz", NULL, 0, NULL, 0,
	                                on_warm, left)) != SP_OK)
		sp_bench_die("GET /healthz", err, NULL);
	return c;
}

/* One client per connection, each with a sender's TLS identity, and one
 * with the receiver's operator identity for /metrics (served to operators);
 * each connects (handshake, SETTINGS) before any timing. */
static void make_clients(unsigned n)
{
	unsigned i, left = n + 1;

	for (i = 0; i < n; i++)
		g.clients[i] = new_client(senders[i % N_SENDERS],
		                          "tls-cert.pem", "tls-key.pem", &left);
	g.n_clients = n;
	g.operator_client = new_client(RECEIVER, "operator-cert.pem",
	                               "operator-key.pem", &left);
	event_base_dispatch(g.base);
}

/* ---------------------------------------------------------------- metrics */

/* Sums and counts of the node's histograms (GET /metrics), to split a
 * run's latency into verification and group commit. */
typedef struct node_metrics {
	double verify_sum, commit_sum;
	double verify_n, commit_n;
	int ok;
} node_metrics;

static double metric(const char *text, const char *name)
{
	const char *p = text;
	size_t n = strlen(name);
	char *end;
	double v;

	while ((p = strstr(p, name)) != NULL) {
		if ((p == text || p[-1] == '\n') && p[n] == ' ') {
			v = strtod(p + n + 1, &end);
			return end == p + n + 1 ? -1 : v;
		}
		p += n;
	}
	return -1;
}

static void on_metrics(void *ud, const sp_h2_response *resp)
{
	node_metrics *m = ud;
	const char *t = (const char *)resp->body;

	event_base_loopbreak(g.base);
	if (resp->err != SP_OK || resp->status != 200)
		return;
	m->verify_sum = metric(t, "silkport_verify_seconds_sum");
	m->verify_n = metric(t, "silkport_verify_seconds_count");
	m->commit_sum = metric(t, "silkport_db_commit_seconds_sum");
	m->commit_n = metric(t, "silkport_db_commit_seconds_count");
	m->ok = m->verify_sum >= 0 && m->verify_n >= 0 && m->commit_sum >= 0 &&
	        m->commit_n >= 0;
}

static void metrics_get(node_metrics *m)
{
	memset(m, 0, sizeof(*m));
	if (sp_h2_client_request(g.operator_client, "GET", "/metrics", NULL, 0,
	                         NULL, 0, on_metrics, m) != SP_OK)
		return;
	event_base_dispatch(g.base);
}

static void metrics_print(const node_metrics *a, const node_metrics *b,
                          const run *r)
{
	double nv = b->verify_n - a->verify_n, nc = b->commit_n - a->commit_n;

	if (!a->ok || !b->ok || nv <= 0 || nc <= 0) {
		printf("  node metrics: not available\n");
		return;
	}
	printf("  node: verify %.2f ms mean (%.0f records); group commit %.2f "
	       "ms mean, %.0f commits, %.1f records/commit",
	       1000 * (b->verify_sum - a->verify_sum) / nv, nv,
	       1000 * (b->commit_sum - a->commit_sum) / nc, nc,
	       (double)r->ok / nc);
	if (r->paced && r->sent)
		printf("; send lag %.2f ms mean, %.2f ms max",
		       1000 * r->lag_sum / (double)r->sent, 1000 * r->lag_max);
	printf("\n");
}

/* ---------------------------------------------------------------- main */

static const char usage[] =
    "usage: bench_node --silkport PATH [--dir DIR] [--concurrency N]\n"
    "                  [--count N] [--duration SECONDS]\n"
    "  --silkport PATH   the node binary (build/node/silkport)\n"
    "  --dir DIR         make the federation in DIR/fed and keep it (default: "
    "a\n"
    "                    temporary directory, removed at exit)\n"
    "  --concurrency N   requests in flight for the peak run (256)\n"
    "  --count N         pre-signed records, shared by every run (60000)\n"
    "  --duration S      seconds per run and for the ceilings (5)\n";

static void parse_args(int argc, char **argv, const char **dir)
{
	static const struct option opts[] = {
	    {"silkport", required_argument, NULL, 's'},
	    {"dir", required_argument, NULL, 'd'},
	    {"concurrency", required_argument, NULL, 'c'},
	    {"count", required_argument, NULL, 'n'},
	    {"duration", required_argument, NULL, 't'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	g.concurrency = 256;
	g.count = 60000;
	g.duration = 5;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			g.silkport = optarg;
			break;
		case 'd':
			*dir = optarg;
			break;
		case 'c':
			g.concurrency = (unsigned)sp_bench_arg_ulong(
			    "--concurrency", optarg, 1,
			    (unsigned long)MAX_CONNS * 100);
			break;
		case 'n':
			g.count = sp_bench_arg_ulong(
			    "--count", optarg, WARMUP_RECORDS + 100, 10000000);
			break;
		case 't':
			g.duration =
			    sp_bench_arg_double("--duration", optarg, 0.5, 600);
			break;
		case 'h':
			fputs(usage, stdout);
			exit(0);
		default:
			fputs(usage, stderr);
			exit(2);
		}
	}
	if (g.silkport == NULL || optind != argc) {
		fputs(usage, stderr);
		exit(2);
	}
}

static const char *verdict(int ok)
{
	return ok ? "MET" : "NOT MET";
}

int main(int argc, char **argv)
{
	const char *dir = NULL, *why = NULL;
	const char *members[N_SENDERS + 2];
	char work[SP_BENCH_PATH_MAX], streams[16];
	double ceil_rate, ceil_cpu, work_rate, work_cpu, t0, half;
	run peak, paced, wide, warm;
	node_metrics m0, m1;
	sp_receipt_info ri;
	unsigned i, peak_conns, peak_streams;
	long rss0, hwm0;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int err;

	parse_args(argc, argv, &dir);
	g.ncpu = ncpu < 1 ? 1 : (unsigned)ncpu;
	if (dir != NULL) {
		if (snprintf(g.dir, sizeof(g.dir), "%s/fed", dir) >=
		    (int)sizeof(g.dir))
			sp_bench_die("--dir too long", 0, NULL);
		sp_bench_init();
	} else {
		sp_bench_tmpdir("sp-bench-node", 0, work, sizeof(work));
		if (snprintf(g.dir, sizeof(g.dir), "%s/fed", work) >=
		    (int)sizeof(g.dir))
			sp_bench_die("TMPDIR too long", 0, NULL);
	}
	if (sp_trust_init() != SP_OK)
		sp_bench_die("trust init", SP_ERR_INTERNAL, NULL);

	members[0] = RECEIVER;
	for (i = 0; i < N_SENDERS; i++)
		members[i + 1] = senders[i];
	members[N_SENDERS + 1] = NULL;
	sp_bench_federation_init(g.silkport, g.dir, FEDERATION, members);
	load_identities();
	printf("silkport node benchmark: ECDSA P-256, %u cores, %.1f s per "
	       "run, node %s receiving from %d origins\n",
	       g.ncpu, g.duration, RECEIVER, N_SENDERS);
	presign();

	/* (d) and (e) first, while nothing else runs. */
	raw_setup();
	ceil_rate =
	    ceiling(raw_op, g.ncpu, g.duration < 3 ? g.duration : 3, &ceil_cpu);
	printf("(d) raw ceiling, %u threads: SHA-256 of the record bytes + "
	       "ECDSA P-256 verify + ECDSA P-256 sign (OpenSSL, no XML, no "
	       "store, no HTTP): %.0f records/s (%.3f ms CPU per record)\n",
	       g.ncpu, ceil_rate, ceil_cpu);
	work_rate = ceiling(node_work_op, g.ncpu,
	                    g.duration < 3 ? g.duration : 3, &work_cpu);
	printf("(e) node work in-process, %u threads: record verify (the "
	       "canonical reading, schema, profile, signature, signer) + "
	       "digest + receipt build + receipt sign (no store, no HTTP): "
	       "%.0f records/s (%.3f ms CPU "
	       "per record) = %.0f%% of (d)\n",
	       g.ncpu, work_rate, work_cpu,
	       ceil_rate > 0 ? 100 * work_rate / ceil_rate : 0);

	t0 = sp_bench_now();
	sp_bench_node_start(g.silkport, g.dir, RECEIVER, 60, &g.node);
	if (sp_bench_proc_mem(g.node.pid, &rss0, &hwm0) != 0)
		sp_bench_die("read the node's /proc status", 0, NULL);
	printf("node %s: pid %d, port %u, started in %.2f s, RSS %.1f MB\n",
	       RECEIVER, (int)g.node.pid, g.node.port, sp_bench_now() - t0,
	       (double)rss0 / 1024.0);

	if ((g.base = event_base_new()) == NULL ||
	    (slots = calloc(g.n_recs, sizeof(*slots))) == NULL)
		sp_bench_die("out of memory", 0, NULL);
	peak_conns = (g.concurrency + 63) / 64;
	if (peak_conns < 2 && g.concurrency >= 2)
		peak_conns = 2;
	peak_streams = (g.concurrency + peak_conns - 1) / peak_conns;
	make_clients(peak_conns > WIDE_CONNS ? peak_conns : WIDE_CONNS);

	/* Warm-up, not reported (caches, allocator, SQLite pages): a closed
	 * loop over the next WARMUP_RECORDS records that ends when they are
	 * used up. */
	{
		size_t stop = g.next + WARMUP_RECORDS, keep = g.n_recs;

		g.n_recs = stop < keep ? stop : keep;
		deliver(&warm, "warm-up", peak_conns,
		        WARMUP_INFLIGHT / peak_conns + 1, 0, 3600);
		g.n_recs = keep;
		if (warm.failed)
			run_print(&warm, "-");
		free(warm.lat);
	}

	printf("(a)-(c): POST /v1/records over HTTP/2 + mutual TLS to the node "
	       "binary: each record verified, stored durably (group commit) "
	       "and answered with a signed receipt; the load generator runs on "
	       "the same cores\n");
	printf("%-15s %5s %7s %8s %6s %6s %9s %8s %8s %8s %8s %8s %7s\n", "run",
	       "conns", "streams", "records", "errors", "secs", "records/s",
	       "p50 ms", "p99 ms", "max ms", "nodeCPU", "loadCPU", "RSS MB");
	printf("%-15s %5s %7s %8s %6s %6s %9s %8s %8s %8s %8s %8s %7s\n", "",
	       "", "", "(201)", "", "", "", "", "", "", "ms/rec", "ms/rec",
	       "max");

	/* (a) peak */
	metrics_get(&m0);
	deliver(&peak, "(a) peak", peak_conns, peak_streams, 0, g.duration);
	metrics_get(&m1);
	snprintf(streams, sizeof(streams), "%u", peak_streams);
	run_print(&peak, streams);
	metrics_print(&m0, &m1, &peak);

	/* (b) half the peak rate, paced */
	half = run_rate(&peak) / 2;
	if (half < 1)
		half = 1;
	deliver(&paced, "(b) half rate", peak_conns, 0, half, g.duration);
	metrics_get(&m0);
	run_print(&paced, "paced");
	metrics_print(&m1, &m0, &paced);

	/* (c) 1,000 concurrent streams */
	deliver(&wide, "(c) 1000 strm", WIDE_CONNS, WIDE_STREAMS, 0,
	        g.duration);
	metrics_get(&m1);
	snprintf(streams, sizeof(streams), "%u", WIDE_STREAMS);
	run_print(&wide, streams);
	metrics_print(&m0, &m1, &wide);
	printf("(b) was paced at %.0f records/s (half of (a)), at most %u in "
	       "flight; (c) reached %u in flight\n",
	       half, paced.max_inflight, wide.max_inflight);
	printf("node memory: RSS %.1f MB at start, max %.1f MB sampled during "
	       "(c), VmHWM %.1f MB\n",
	       (double)rss0 / 1024.0, (double)wide.rss_max / 1024.0,
	       (double)wide.hwm / 1024.0);

	/* The node's answers are real receipts: check one. */
	if (g.sample_receipt == NULL)
		sp_bench_die("no record was accepted", 0, NULL);
	if ((err = sp_verify_receipt(g.trust, g.sample_receipt,
	                             g.sample_receipt_len, NULL, &ri, &why)) !=
	        SP_OK ||
	    strcmp(ri.receiver, RECEIVER) != 0)
		sp_bench_die("a receipt from the node does not verify", err,
		             why);
	printf("a sampled 201 receipt verifies (receiver %s, origin %s, "
	       "sequence %llu)\n",
	       ri.receiver, ri.origin, (unsigned long long)ri.sequence);

	for (i = 0; i < g.n_clients; i++)
		sp_h2_client_free(g.clients[i]);
	sp_h2_client_free(g.operator_client);
	event_base_free(g.base);
	err = sp_bench_node_stop(&g.node);
	if (err != 0)
		printf("warning: the node exited with status %d\n", err);

	{
		double ratio = ceil_rate > 0 ? run_rate(&peak) / ceil_rate : 0;
		double p99 =
		    1000 * sp_bench_quantile(paced.lat, paced.n_lat, 0.99);
		double rss_mb =
		    (double)(wide.hwm > wide.rss_max ? wide.hwm
		                                     : wide.rss_max) /
		    1024.0;
		int clean =
		    peak.failed == 0 && paced.failed == 0 && wide.failed == 0;

		printf("target: ingest (a) / raw ceiling (d) = %.0f / %.0f = "
		       "%.0f%% (>= 40%%): %s\n",
		       run_rate(&peak), ceil_rate, 100 * ratio,
		       verdict(ratio >= 0.4));
		printf("  (for comparison: (a) / node work in-process (e) = "
		       "%.0f%%)\n",
		       work_rate > 0 ? 100 * run_rate(&peak) / work_rate : 0);
		printf("target: p99 at half the peak rate = %.2f ms (<= 20 "
		       "ms): %s\n",
		       p99, verdict(paced.n_lat > 0 && p99 <= 20));
		printf("target: RSS with 1000 concurrent streams = %.1f MB "
		       "(VmHWM; <= 200 MB): %s\n",
		       rss_mb,
		       verdict(wide.max_inflight >= 1000 && rss_mb <= 200));
		printf("check: every delivery answered 201: %s\n",
		       verdict(clean));
	}
	free(peak.lat);
	free(paced.lat);
	free(wide.lat);
	for (i = 0; i < g.n_recs; i++)
		free(g.recs[i].bytes);
	free(g.recs);
	free(slots);
	free(g.sample_receipt);
	for (i = 0; i < N_SENDERS; i++)
		sp_key_free(g.sign[i]);
	sp_key_free(g.receiver_key);
	for (i = 0; i < N_SENDERS; i++)
		EVP_PKEY_free(g.raw_sender[i]);
	EVP_PKEY_free(g.raw_receiver);
	sp_trust_unref(g.trust);
	sp_anchors_free(g.anchors);
	return 0;
}
