/* bench_store.c: the store under a node's two write loads, on SQLite or on
 * PostgreSQL, with one or several handles on one database (a handle has its
 * own writer connection and committer, as each process of a node has):
 *   ingest  peers' records with receipts, put asynchronously with a window
 *           in flight per handle (group commit), each handle its origins
 *   submit  the node's own records: one at a time per handle, at
 *           sp_store_next_sequence() with next_only, signed again (here:
 *           put again) at the next Sequence when another handle took it
 *   proofs  a log of N records (bulk puts; a log of at least N that is
 *           already there, e.g. from pg_bulk_log.sql, is used as it is),
 *           then inclusion proofs at random indexes against the full
 *           size, each verified against the record's own leaf hash: p50
 *           and p99 latency
 * Prints records/s. Records are synthetic: the store never parses them.
 * usage: bench_store --target PATH|DSN [--backend sqlite|postgresql]
 *                    [--handles N] [--records N]
 *                    [--mode ingest|submit|proofs] */
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store.h"

#define WINDOW 128 /* async puts in flight per handle */

static struct {
	const char *target, *backend, *mode;
	unsigned handles;
	size_t records;
} g = {NULL, "sqlite", "ingest", 1, 20000};

static const char receipt[] = "<Receipt>a receipt of about this size, kept "
                              "with the record</Receipt>";

typedef struct worker {
	sp_store *s;
	unsigned id;
	size_t done, retries, errors;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	size_t inflight;
} worker;

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* A record of origin at seq: ~1 KB of bytes and a fresh RecordId. */
static void make(char *bytes, size_t cap, size_t *len, char id[40],
                 const char *origin, uint64_t seq, unsigned salt)
{
	int n;

	snprintf(id, 40, "%08x-%04x-4000-8000-%012llx", salt,
	         (unsigned)(seq >> 48) & 0xffff, (unsigned long long)seq);
	n = snprintf(bytes, cap,
	             "<Record origin=\"%s\" seq=\"%llu\" id=\"%s\">", origin,
	             (unsigned long long)seq, id);
	while ((size_t)n + 20 < cap && n < 1000)
		bytes[n++] = 'x';
	n += snprintf(bytes + n, cap - (size_t)n, "</Record>");
	*len = (size_t)n;
}

static void on_put(void *ud, const sp_store_put_result *res)
{
	worker *w = ud;

	pthread_mutex_lock(&w->mu);
	if (res->outcome == SP_STORE_INSERTED)
		w->done++;
	else
		w->errors++;
	w->inflight--;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

static void *ingest(void *arg)
{
	worker *w = arg;
	size_t share = g.records / g.handles, i;
	char origin[2][16], bytes[1200], id[40];
	sp_store_put_req p;

	snprintf(origin[0], sizeof(origin[0]), "KZ-A%u", w->id);
	snprintf(origin[1], sizeof(origin[1]), "KZ-B%u", w->id);
	for (i = 0; i < share; i++) {
		memset(&p, 0, sizeof(p));
		make(bytes, sizeof(bytes), &p.len, id, origin[i % 2], i / 2,
		     w->id);
		p.bytes = (const uint8_t *)bytes;
		p.record_id = id;
		p.origin = origin[i % 2];
		p.sequence = i / 2;
		p.type = "declaration";
		p.issued = 1790000000;
		p.receipt = (const uint8_t *)receipt;
		p.receipt_len = sizeof(receipt) - 1;
		p.source = origin[i % 2];
		pthread_mutex_lock(&w->mu);
		while (w->inflight >= WINDOW)
			pthread_cond_wait(&w->cv, &w->mu);
		w->inflight++;
		pthread_mutex_unlock(&w->mu);
		if (sp_store_put_async(w->s, &p, on_put, w) != SP_OK) {
			pthread_mutex_lock(&w->mu);
			w->inflight--;
			w->errors++;
			pthread_mutex_unlock(&w->mu);
		}
	}
	pthread_mutex_lock(&w->mu);
	while (w->inflight > 0)
		pthread_cond_wait(&w->cv, &w->mu);
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

static void *submit(void *arg)
{
	worker *w = arg;
	size_t share = g.records / g.handles;
	char bytes[1200], id[40];
	unsigned salt = 0;
	sp_store_put_req p;
	uint64_t seq;
	int rc;

	while (w->done < share && w->errors == 0) {
		if (sp_store_next_sequence(w->s, "CN-ZZ", &seq) != SP_OK) {
			w->errors++;
			break;
		}
		memset(&p, 0, sizeof(p));
		make(bytes, sizeof(bytes), &p.len, id, "CN-ZZ", seq,
		     (w->id << 24) | salt++);
		p.bytes = (const uint8_t *)bytes;
		p.record_id = id;
		p.origin = "CN-ZZ";
		p.sequence = seq;
		p.type = "release";
		p.issued = 1790000000;
		p.next_only = 1;
		rc = sp_store_put(w->s, &p, NULL, NULL);
		if (rc == SP_STORE_INSERTED)
			w->done++;
		else if (rc == SP_STORE_SEQUENCE_TAKEN)
			w->retries++;
		else
			w->errors++;
	}
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* A log of g.records records of CN-ZZ in bulk, then 2000 proofs. */
static int proofs(sp_store *s)
{
	enum { CHUNK = 10000, PROOFS = 2000 };
	static char bytes[CHUNK][160], ids[CHUNK][40];
	sp_store_put_req *p = calloc(CHUNK, sizeof(*p));
	uint8_t path[SP_STORE_PROOF_MAX][32], root[32], leaf[32];
	double *lat = calloc(PROOFS, sizeof(*lat)), t0, t;
	sp_store_reader *r = NULL;
	const char *why = NULL;
	size_t done = 0, k, plen, len;
	uint64_t have = 0;
	unsigned seed = 7;
	int err = SP_OK;

	if (!p || !lat)
		return 1;
	/* a log already this long (an earlier run's) is measured as it is:
	 * loading 10^7 records takes a while */
	if (sp_store_reader_open(s, &r, &why) == SP_OK &&
	    sp_store_tree_size(r, "CN-ZZ", &have) == SP_OK && have >= g.records)
		done = g.records;
	sp_store_reader_close(r);
	r = NULL;
	t0 = now_s();
	while (done < g.records && err == SP_OK) {
		size_t n = g.records - done < CHUNK ? g.records - done : CHUNK;

		for (k = 0; k < n; k++) {
			memset(&p[k], 0, sizeof(p[k]));
			make(bytes[k], sizeof(bytes[k]), &p[k].len, ids[k],
			     "CN-ZZ", done + k, 1);
			p[k].bytes = (const uint8_t *)bytes[k];
			p[k].record_id = ids[k];
			p[k].origin = "CN-ZZ";
			p[k].sequence = done + k;
			p[k].type = "waybill";
			p[k].issued = 1790000000;
		}
		err = sp_store_put_batch(s, p, n, NULL);
		done += n;
		if (done % 1000000 == 0)
			fprintf(stderr, "bench_store: loaded %zu of %zu\n",
			        done, g.records);
	}
	t = now_s() - t0;
	if (have >= g.records)
		printf("proofs-load %s records=%zu: the log already there\n",
		       g.backend, g.records);
	else
		printf("proofs-load %s records=%zu seconds=%.1f rate=%.0f/s\n",
		       g.backend, done, t, (double)done / t);
	if (err == SP_OK)
		err = sp_store_reader_open(s, &r, &why);
	if (err == SP_OK)
		err = sp_store_tree_root(r, "CN-ZZ", g.records, root);
	for (k = 0; k < PROOFS && err == SP_OK; k++) {
		uint64_t at;

		seed = seed * 1103515245u + 12345u;
		at = (((uint64_t)seed << 16) ^ (seed >> 3)) % g.records;
		t0 = now_s();
		err = sp_store_inclusion_proof(r, "CN-ZZ", at, g.records, path,
		                               &plen);
		lat[k] = now_s() - t0;
		/* each proof checked against the leaf of the record this
		 * bench writes at that index (however the log was loaded) */
		make(bytes[0], sizeof(bytes[0]), &len, ids[0], "CN-ZZ", at, 1);
		sp_merkle_leaf_hash((const uint8_t *)bytes[0], len, leaf);
		if (err == SP_OK)
			err = sp_merkle_verify_inclusion(
			    at, g.records, leaf, (const uint8_t(*)[32])path,
			    plen, root);
	}
	sp_store_reader_close(r);
	if (err == SP_OK) {
		qsort(lat, PROOFS, sizeof(*lat), cmp_double);
		printf("proofs %s records=%zu p50=%.2fms p99=%.2fms\n",
		       g.backend, g.records, lat[PROOFS / 2] * 1e3,
		       lat[PROOFS * 99 / 100] * 1e3);
	} else {
		fprintf(stderr, "bench_store: proofs: %s\n", sp_strerror(err));
	}
	free(p);
	free(lat);
	return err == SP_OK ? 0 : 1;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"target", required_argument, NULL, 't'},
	    {"backend", required_argument, NULL, 'b'},
	    {"handles", required_argument, NULL, 'h'},
	    {"records", required_argument, NULL, 'n'},
	    {"mode", required_argument, NULL, 'm'},
	    {NULL, 0, NULL, 0},
	};
	worker w[8];
	pthread_t th[8];
	size_t done = 0, retries = 0, errors = 0;
	const char *why = NULL;
	double t0, t;
	unsigned i;
	int c, sub;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			g.target = optarg;
			break;
		case 'b':
			g.backend = optarg;
			break;
		case 'h':
			g.handles = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'n':
			g.records = (size_t)strtoull(optarg, NULL, 10);
			break;
		case 'm':
			g.mode = optarg;
			break;
		default:
			return 2;
		}
	}
	sub = strcmp(g.mode, "submit") == 0;
	if (!g.target || g.handles < 1 || g.handles > 8 || g.records < 1 ||
	    (!sub && strcmp(g.mode, "ingest") != 0 &&
	     strcmp(g.mode, "proofs") != 0)) {
		fprintf(stderr,
		        "usage: bench_store --target PATH|DSN [--backend "
		        "sqlite|postgresql] [--handles 1-8] [--records "
		        "N] [--mode ingest|submit|proofs]\n");
		return 2;
	}
	memset(w, 0, sizeof(w));
	for (i = 0; i < g.handles; i++) {
		w[i].id = i;
		pthread_mutex_init(&w[i].mu, NULL);
		pthread_cond_init(&w[i].cv, NULL);
		if (sp_store_open_backend(g.backend, g.target, SP_STORE_CREATE,
		                          &w[i].s, &why) != SP_OK) {
			fprintf(stderr, "bench_store: %s: %s\n", g.backend,
			        why);
			return 1;
		}
	}
	if (strcmp(g.mode, "proofs") == 0) {
		c = proofs(w[0].s);
		for (i = 0; i < g.handles; i++)
			sp_store_close(w[i].s);
		return c;
	}
	t0 = now_s();
	for (i = 0; i < g.handles; i++)
		pthread_create(&th[i], NULL, sub ? submit : ingest, &w[i]);
	for (i = 0; i < g.handles; i++) {
		pthread_join(th[i], NULL);
		done += w[i].done;
		retries += w[i].retries;
		errors += w[i].errors;
	}
	t = now_s() - t0;
	for (i = 0; i < g.handles; i++)
		sp_store_close(w[i].s);
	printf("%s %s handles=%u records=%zu seconds=%.2f rate=%.0f/s "
	       "resigned=%zu errors=%zu\n",
	       g.mode, g.backend, g.handles, done, t, (double)done / t, retries,
	       errors);
	return errors ? 1 : 0;
}
