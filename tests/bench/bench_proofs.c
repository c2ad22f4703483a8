/* bench_proofs.c: Merkle proof latency at a large log: a node database of
 * N records built with the store's bulk append, inclusion and consistency
 * proofs timed in-process, then over HTTP/2 from a node started on it. */
#include "bench_util.h"

#include "store.h"
#include "h2client.h"
#include "trust.h"

#include <event2/event.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define FEDERATION    "bench"
#define NODE_ID       "CN-ZZ"
#define CHUNK         100000u
#define REC_BYTES_CAP 160
#define HTTP_INFLIGHT 32u
#define HTTP_SECONDS  5.0 /* at most, per series */

static struct {
	const char *silkport;
	char dir[SP_BENCH_PATH_MAX];
	uint64_t n_records;
	size_t n_proofs;
	size_t n_http;
	uint64_t rng;
	uint8_t root[32];
} g;

static uint64_t rnd(void)
{
	/* xorshift64*: reproducible indexes from run to run. */
	g.rng ^= g.rng >> 12;
	g.rng ^= g.rng << 25;
	g.rng ^= g.rng >> 27;
	return g.rng * 2685821657736338717ull;
}

static uint64_t rnd_below(uint64_t n)
{
	return rnd() % n;
}

/* The synthetic bytes of record `seq` (not a signed record: the store does
 * not parse or verify; it hashes the bytes into the log). */
static size_t synth_bytes(uint64_t seq, char *buf, size_t cap)
{
	return (size_t)snprintf(
	    buf, cap,
	    "<Synthetic xmlns=\"urn:silkport:srep:1\" origin=\"" NODE_ID
	    "\" sequence=\"%llu\">proof benchmark filler</Synthetic>\n",
	    (unsigned long long)seq);
}

static void synth_leaf(uint64_t seq, uint8_t leaf[32])
{
	char buf[REC_BYTES_CAP];
	size_t n = synth_bytes(seq, buf, sizeof(buf));

	sp_merkle_leaf_hash((const uint8_t *)buf, n, leaf);
}

/* ---------------------------------------------------------------- build */

static void build_db(const char *db_path)
{
	sp_store *s = NULL;
	sp_store_put_req *reqs;
	char *bytes, *ids;
	const char *why = NULL;
	int *outcomes;
	uint64_t done = 0;
	double t0 = sp_bench_now(), dt;
	struct stat st;
	int err;

	reqs = calloc(CHUNK, sizeof(*reqs));
	bytes = malloc((size_t)CHUNK * REC_BYTES_CAP);
	ids = malloc((size_t)CHUNK * (SP_UUID_LEN + 1));
	outcomes = calloc(CHUNK, sizeof(*outcomes));
	if (reqs == NULL || bytes == NULL || ids == NULL || outcomes == NULL)
		sp_bench_die("out of memory", 0, NULL);
	if ((err = sp_store_open(db_path, SP_STORE_CREATE, &s, &why)) != SP_OK)
		sp_bench_die("open the store", err, why);
	while (done < g.n_records) {
		size_t n = g.n_records - done < CHUNK
		               ? (size_t)(g.n_records - done)
		               : CHUNK,
		       i;

		for (i = 0; i < n; i++) {
			uint64_t seq = done + i;
			char *b = bytes + i * REC_BYTES_CAP,
			     *id = ids + i * (SP_UUID_LEN + 1);

			memset(&reqs[i], 0, sizeof(reqs[i]));
			snprintf(id, SP_UUID_LEN + 1,
			         "00000000-0000-4000-8000-%012llx",
			         (unsigned long long)seq);
			reqs[i].bytes = (const uint8_t *)b;
			reqs[i].len = synth_bytes(seq, b, REC_BYTES_CAP);
			reqs[i].record_id = id;
			reqs[i].origin = NODE_ID;
			reqs[i].sequence = seq;
			reqs[i].type = "statistics";
			reqs[i].issued = (int64_t)time(NULL);
			reqs[i].broadcast = 1;
		}
		if ((err = sp_store_put_batch(s, reqs, n, outcomes)) != SP_OK)
			sp_bench_die("bulk append", err, NULL);
		for (i = 0; i < n; i++)
			if (outcomes[i] != SP_STORE_INSERTED)
				sp_bench_die(
				    "bulk append: a record was not inserted",
				    outcomes[i] < 0 ? outcomes[i] : 0, NULL);
		done += n;
	}
	sp_store_close(s);
	dt = sp_bench_now() - t0;
	if (stat(db_path, &st) != 0)
		st.st_size = 0;
	printf("built a node database of %llu records of origin %s with "
	       "sp_store_put_batch in %.1f s (%.0f records/s), %.0f MB\n",
	       (unsigned long long)g.n_records, NODE_ID, dt,
	       (double)g.n_records / dt, (double)st.st_size / 1e6);
	free(reqs);
	free(bytes);
	free(ids);
	free(outcomes);
}

/* ---------------------------------------------------------------- in-process
 */

static void print_lat(const char *what, double *v, size_t n,
                      const char *unit_note)
{
	sp_bench_sort(v, n);
	printf("%-34s %7zu %9.1f %9.1f %9.1f %9.1f   %s\n", what, n,
	       1e6 * sp_bench_mean(v, n), 1e6 * sp_bench_quantile(v, n, 0.5),
	       1e6 * sp_bench_quantile(v, n, 0.99), 1e6 * (n ? v[n - 1] : 0),
	       unit_note);
}

static void in_process(const char *db_path, double *incl_p99, double *cons_p99)
{
	sp_store *s = NULL;
	sp_store_reader *r = NULL;
	uint8_t(*path)[32] = calloc(SP_STORE_PROOF_MAX, 32), leaf[32],
	old_root[32];
	uint64_t *idx = calloc(g.n_proofs, sizeof(uint64_t)), size = 0;
	double *lat = calloc(g.n_proofs, sizeof(double)), t0;
	const char *why = NULL;
	size_t i, plen;
	int err;

	if (path == NULL || idx == NULL || lat == NULL)
		sp_bench_die("out of memory", 0, NULL);
	if ((err = sp_store_open(db_path, 0, &s, &why)) != SP_OK ||
	    (err = sp_store_reader_open(s, &r, &why)) != SP_OK)
		sp_bench_die("open the store", err, why);
	if ((err = sp_store_tree_size(r, NODE_ID, &size)) != SP_OK ||
	    size != g.n_records)
		sp_bench_die("the tree does not hold every record", err, NULL);
	if ((err = sp_store_tree_root(r, NODE_ID, size, g.root)) != SP_OK)
		sp_bench_die("tree root", err, NULL);

	/* Inclusion of random leaves in the whole tree. */
	for (i = 0; i < g.n_proofs; i++)
		idx[i] = rnd_below(size);
	for (i = 0; i < g.n_proofs; i++) {
		t0 = sp_bench_now();
		err = sp_store_inclusion_proof(r, NODE_ID, idx[i], size, path,
		                               &plen);
		lat[i] = sp_bench_now() - t0;
		if (err != SP_OK)
			sp_bench_die("inclusion proof", err, NULL);
		/* Checked outside the timing: every proof must verify. */
		synth_leaf(idx[i], leaf);
		if (sp_merkle_verify_inclusion(idx[i], size, leaf,
		                               (const uint8_t(*)[32])path, plen,
		                               g.root) != SP_OK)
			sp_bench_die(
			    "an inclusion proof from the store does not verify",
			    0, NULL);
	}
	print_lat("sp_store_inclusion_proof", lat, g.n_proofs,
	          "(all verified)");
	*incl_p99 = sp_bench_quantile(lat, g.n_proofs, 0.99);

	/* Consistency from a random older size to the whole tree. */
	for (i = 0; i < g.n_proofs; i++)
		idx[i] = 1 + rnd_below(size - 1);
	for (i = 0; i < g.n_proofs; i++) {
		t0 = sp_bench_now();
		err = sp_store_consistency_proof(r, NODE_ID, idx[i], size, path,
		                                 &plen);
		lat[i] = sp_bench_now() - t0;
		if (err != SP_OK)
			sp_bench_die("consistency proof", err, NULL);
		if ((err = sp_store_tree_root(r, NODE_ID, idx[i], old_root)) !=
		    SP_OK)
			sp_bench_die("tree root", err, NULL);
		if (sp_merkle_verify_consistency(idx[i], size, old_root, g.root,
		                                 (const uint8_t(*)[32])path,
		                                 plen) != SP_OK)
			sp_bench_die("a consistency proof from the store does "
			             "not verify",
			             0, NULL);
	}
	print_lat("sp_store_consistency_proof", lat, g.n_proofs,
	          "(all verified)");
	*cons_p99 = sp_bench_quantile(lat, g.n_proofs, 0.99);

	sp_store_reader_close(r);
	sp_store_close(s);
	free(path);
	free(idx);
	free(lat);
}

/* ---------------------------------------------------------------- over HTTP */

typedef struct http_run {
	struct event_base *base;
	sp_h2_client *c;
	int consistency;
	size_t total, sent, done;
	unsigned inflight, cap;
	uint64_t *arg; /* index (inclusion) or old size (consistency) */
	uint8_t (*old_roots)[32];
	double *t0, *lat;
	double start, end, deadline;
} http_run;

typedef struct http_slot {
	http_run *r;
	size_t i;
} http_slot;

static http_slot *hslots;

static void http_send(http_run *r);

static void on_proof(void *ud, const sp_h2_response *resp)
{
	http_slot *s = ud;
	http_run *r = s->r;
	double now = sp_bench_now();
	sp_proof p;
	uint8_t leaf[32];
	const char *why = NULL;
	int err;

	r->lat[s->i] = now - r->t0[s->i];
	r->inflight--;
	r->done++;
	if (resp->err != SP_OK || resp->status != 200)
		sp_bench_die("a proof request failed", resp->err,
		             resp->why ? resp->why : (const char *)resp->body);
	if ((err = sp_proof_parse((const char *)resp->body, resp->body_len, &p,
	                          &why)) != SP_OK)
		sp_bench_die("a proof from the node does not parse", err, why);
	if (r->consistency) {
		if (p.kind != SP_PROOF_CONSISTENCY ||
		    p.old_size != r->arg[s->i] || p.size != g.n_records ||
		    sp_merkle_verify_consistency(
		        p.old_size, p.size, r->old_roots[s->i], g.root,
		        (const uint8_t(*)[32])p.hashes, p.n_hashes) != SP_OK)
			sp_bench_die(
			    "a consistency proof from the node does not verify",
			    0, NULL);
	} else {
		synth_leaf(r->arg[s->i], leaf);
		if (p.kind != SP_PROOF_INCLUSION || p.index != r->arg[s->i] ||
		    p.size != g.n_records ||
		    sp_merkle_verify_inclusion(p.index, p.size, leaf,
		                               (const uint8_t(*)[32])p.hashes,
		                               p.n_hashes, g.root) != SP_OK)
			sp_bench_die(
			    "an inclusion proof from the node does not verify",
			    0, NULL);
	}
	r->end = now;
	if (now >= r->deadline)
		r->total = r->sent; /* time is up: finish what is in flight */
	http_send(r);
	if (r->done == r->total)
		event_base_loopbreak(r->base);
}

static void http_send(http_run *r)
{
	char path[160];
	int err;

	while (r->inflight < r->cap && r->sent < r->total) {
		size_t i = r->sent++;

		if (r->consistency)
			snprintf(
			    path, sizeof(path),
			    "/v1/logs/%s/proofs/consistency?old=%llu&size=%llu",
			    NODE_ID, (unsigned long long)r->arg[i],
			    (unsigned long long)g.n_records);
		else
			snprintf(
			    path, sizeof(path),
			    "/v1/logs/%s/proofs/inclusion?index=%llu&size=%llu",
			    NODE_ID, (unsigned long long)r->arg[i],
			    (unsigned long long)g.n_records);
		hslots[i].r = r;
		hslots[i].i = i;
		r->t0[i] = sp_bench_now();
		if ((err = sp_h2_client_request(r->c, "GET", path, NULL, 0,
		                                NULL, 0, on_proof,
		                                &hslots[i])) != SP_OK)
			sp_bench_die("queue a proof request", err, NULL);
		r->inflight++;
	}
}

/* Returns the p99 latency in seconds. */
static double http_proofs(struct event_base *base, sp_h2_client *c,
                          int consistency, unsigned inflight, uint64_t *args,
                          uint8_t (*old_roots)[32])
{
	http_run r;
	char what[64];
	double p99;

	memset(&r, 0, sizeof(r));
	r.base = base;
	r.c = c;
	r.consistency = consistency;
	r.total = g.n_http;
	r.cap = inflight;
	r.arg = args;
	r.old_roots = old_roots;
	r.t0 = calloc(r.total, sizeof(double));
	r.lat = calloc(r.total, sizeof(double));
	if (r.t0 == NULL || r.lat == NULL)
		sp_bench_die("out of memory", 0, NULL);
	r.start = sp_bench_now();
	r.deadline = r.start + HTTP_SECONDS;
	http_send(&r);
	event_base_dispatch(base);
	snprintf(what, sizeof(what), "GET %s, %u in flight",
	         consistency ? "consistency" : "inclusion", inflight);
	{
		char note[64];

		snprintf(note, sizeof(note), "(all verified) %.0f proofs/s",
		         (double)r.total / (r.end - r.start));
		print_lat(what, r.lat, r.total, note);
	}
	p99 = sp_bench_quantile(r.lat, r.total, 0.99);
	free(r.t0);
	free(r.lat);
	return p99;
}

/* The node signs its first checkpoint shortly after start; its root must
 * be the one computed in-process. */
static void check_checkpoint(const sp_h2_client_config *cfg)
{
	sp_h2_result res;
	sp_checkpoint cp;
	char path[96];
	const char *why = NULL;
	int tries, err = SP_ERR_NOT_FOUND;

	snprintf(path, sizeof(path), "/v1/logs/%s/checkpoint", NODE_ID);
	for (tries = 0; tries < 100; tries++) {
		memset(&res, 0, sizeof(res));
		err =
		    sp_h2_fetch(cfg, "GET", path, NULL, 0, NULL, 0, &res, &why);
		if (err == SP_OK && res.status == 200)
			break;
		sp_h2_result_free(&res);
		usleep(100000);
	}
	if (tries == 100)
		sp_bench_die("GET checkpoint", err, why);
	if ((err = sp_checkpoint_parse((const char *)res.body, res.body_len,
	                               &cp, NULL, &why)) != SP_OK)
		sp_bench_die("the node's checkpoint does not parse", err, why);
	if (cp.size != g.n_records || memcmp(cp.root, g.root, 32) != 0)
		sp_bench_die("the node's checkpoint is not of the tree built",
		             0, NULL);
	printf("the node's signed checkpoint of its log: size %llu, root equal "
	       "to the store's\n",
	       (unsigned long long)cp.size);
	sp_h2_result_free(&res);
}

static void over_http(const char *db_path, double *incl_p99, double *cons_p99)
{
	sp_bench_node node;
	sp_store *s = NULL;
	sp_store_reader *r = NULL;
	struct event_base *base = NULL;
	sp_h2_client *c = NULL;
	sp_h2_client_config cfg;
	char ca[SP_BENCH_PATH_MAX];
	const char *cas[2] = {ca, NULL}, *why = NULL;
	uint64_t *incl = calloc(g.n_http, sizeof(uint64_t));
	uint64_t *cons = calloc(g.n_http, sizeof(uint64_t));
	uint8_t(*roots)[32] = calloc(g.n_http, 32);
	double t0;
	size_t i;
	int err;

	if (incl == NULL || cons == NULL || roots == NULL ||
	    (hslots = calloc(g.n_http, sizeof(*hslots))) == NULL)
		sp_bench_die("out of memory", 0, NULL);
	/* The arguments and the old roots, before the node starts. */
	if ((err = sp_store_open(db_path, 0, &s, &why)) != SP_OK ||
	    (err = sp_store_reader_open(s, &r, &why)) != SP_OK)
		sp_bench_die("open the store", err, why);
	for (i = 0; i < g.n_http; i++) {
		incl[i] = rnd_below(g.n_records);
		cons[i] = 1 + rnd_below(g.n_records - 1);
		if ((err = sp_store_tree_root(r, NODE_ID, cons[i], roots[i])) !=
		    SP_OK)
			sp_bench_die("tree root", err, NULL);
	}
	sp_store_reader_close(r);
	sp_store_close(s);

	t0 = sp_bench_now();
	sp_bench_node_start(g.silkport, g.dir, NODE_ID, 120, &node);
	printf("node %s started on it in %.2f s (pid %d, port %u)\n", NODE_ID,
	       sp_bench_now() - t0, (int)node.pid, node.port);
	if (snprintf(ca, sizeof(ca), "%s/operator/cert.pem", g.dir) >=
	        (int)sizeof(ca) ||
	    (base = event_base_new()) == NULL)
		sp_bench_die("setup", 0, NULL);
	sp_h2_client_config_default(&cfg);
	cfg.host = "127.0.0.1";
	cfg.port = (uint16_t)node.port;
	cfg.ca_files =
	    cas; /* proofs and checkpoints need no client certificate */
	if ((err = sp_h2_client_new(base, &cfg, &c, &why)) != SP_OK)
		sp_bench_die("HTTP/2 client", err, why);

	check_checkpoint(&cfg);

	*incl_p99 = http_proofs(base, c, 0, 1, incl, NULL);
	*cons_p99 = http_proofs(base, c, 1, 1, cons, roots);
	http_proofs(base, c, 0, HTTP_INFLIGHT, incl, NULL);
	http_proofs(base, c, 1, HTTP_INFLIGHT, cons, roots);

	sp_h2_client_free(c);
	event_base_free(base);
	if ((err = sp_bench_node_stop(&node)) != 0)
		printf("warning: the node exited with status %d\n", err);
	free(incl);
	free(cons);
	free(roots);
	free(hslots);
}

/* ---------------------------------------------------------------- main */

static const char usage[] =
    "usage: bench_proofs --silkport PATH [--dir DIR] [--records N] [--proofs "
    "N]\n"
    "                    [--http N] [--no-http]\n"
    "  --silkport PATH  the node binary (build/node/silkport)\n"
    "  --dir DIR        make the federation and database in DIR/fed and keep\n"
    "                   them (default: a temporary directory, removed at "
    "exit)\n"
    "  --records N      records in the log (1000000)\n"
    "  --proofs N       in-process proofs of each kind (10000)\n"
    "  --http N         proofs of each kind over HTTP per concurrency (2000;\n"
    "                   each series stops after 5 s)\n"
    "  --no-http        skip the node and the HTTP figures\n";

static const char *verdict(int ok)
{
	return ok ? "MET" : "NOT MET";
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"silkport", required_argument, NULL, 's'},
	    {"dir", required_argument, NULL, 'd'},
	    {"records", required_argument, NULL, 'r'},
	    {"proofs", required_argument, NULL, 'p'},
	    {"http", required_argument, NULL, 'H'},
	    {"no-http", no_argument, NULL, 'N'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *dir = NULL, *members[2] = {NODE_ID, NULL};
	char work[SP_BENCH_PATH_MAX], db[SP_BENCH_PATH_MAX];
	double ip99 = 0, cp99 = 0, hip99 = 0, hcp99 = 0;
	int c, http = 1;

	g.n_records = 1000000;
	g.n_proofs = 10000;
	g.n_http = 2000;
	g.rng = 0x5eed2026u;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			g.silkport = optarg;
			break;
		case 'd':
			dir = optarg;
			break;
		case 'r':
			g.n_records = sp_bench_arg_ulong("--records", optarg, 2,
			                                 1000000000);
			break;
		case 'p':
			g.n_proofs =
			    sp_bench_arg_ulong("--proofs", optarg, 1, 10000000);
			break;
		case 'H':
			g.n_http =
			    sp_bench_arg_ulong("--http", optarg, 1, 10000000);
			break;
		case 'N':
			http = 0;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	if (g.silkport == NULL || optind != argc) {
		fputs(usage, stderr);
		return 2;
	}
	if (dir != NULL) {
		sp_bench_init();
		if (snprintf(g.dir, sizeof(g.dir), "%s/fed", dir) >=
		    (int)sizeof(g.dir))
			sp_bench_die("--dir too long", 0, NULL);
	} else {
		sp_bench_tmpdir("sp-bench-proofs", 0, work, sizeof(work));
		if (snprintf(g.dir, sizeof(g.dir), "%s/fed", work) >=
		    (int)sizeof(g.dir))
			sp_bench_die("TMPDIR too long", 0, NULL);
	}
	if (sp_trust_init() != SP_OK)
		sp_bench_die("trust init", SP_ERR_INTERNAL, NULL);
	sp_bench_federation_init(g.silkport, g.dir, FEDERATION, members);
	if (snprintf(db, sizeof(db), "%s/members/%s/node.db", g.dir, NODE_ID) >=
	    (int)sizeof(db))
		sp_bench_die("path too long", 0, NULL);

	printf("silkport proof benchmark: one log of %llu records (the node's "
	       "own origin %s)\n",
	       (unsigned long long)g.n_records, NODE_ID);
	printf("note: the records are synthetic byte strings (~100 bytes), not "
	       "signed records: the store\n"
	       "      does not parse or verify, it hashes the bytes into the "
	       "Merkle log, so proofs are the same work\n");
	build_db(db);
	printf("%-34s %7s %9s %9s %9s %9s\n", "proofs at size N (microseconds)",
	       "count", "mean", "p50", "p99", "max");
	in_process(db, &ip99, &cp99);
	if (http)
		over_http(db, &hip99, &hcp99);
	printf("target: in-process proof p99 at %llu records = %.3f ms "
	       "inclusion, %.3f ms consistency (<= 1 ms): %s\n",
	       (unsigned long long)g.n_records, 1e3 * ip99, 1e3 * cp99,
	       verdict(ip99 <= 1e-3 && cp99 <= 1e-3));
	if (http)
		printf("target: HTTP proof p99 (1 in flight) at %llu records = "
		       "%.3f ms inclusion, %.3f ms consistency (<= 1 ms): %s\n",
		       (unsigned long long)g.n_records, 1e3 * hip99,
		       1e3 * hcp99, verdict(hip99 <= 1e-3 && hcp99 <= 1e-3));
	return 0;
}
