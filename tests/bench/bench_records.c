/* bench_records.c: record sign and verify rates against the raw OpenSSL
 * signature rates measured in the same run (the ceiling); with --record, the
 * one-thread verify rate of a given record file. */
#include "trust.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BODY_TARGET 2048

static double bench_seconds = 2.0;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds this process has used. */
static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, int err, const char *why)
{
	fprintf(stderr, "bench: %s: %s: %s\n", what, sp_strerror(err),
	        why ? why : "");
	exit(1);
}

/* One benchmark case: op() runs once per iteration on thread-local state. */
struct job {
	int (*op)(struct job *j);
	/* inputs */
	EVP_PKEY *pkey;
	const sp_key *key;
	const sp_trust *trust;
	const uint8_t *doc;
	size_t doc_len;
	unsigned char sig[512];
	size_t sig_len;
	/* output */
	unsigned long ops;
	double stop_at;
};

static const unsigned char digest32[32] = {
    0x5a, 0x11, 0x20, 0x26, 0x11, 0x27, 0x08, 0x00, 0x43, 0x4e, 0x2d,
    0x5a, 0x5a, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
    0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12,
};

/* SM2 has no pre-hashed form: its hash covers Z (the distinguishing
 * identifier and the public key) before the message, so the raw rate is
 * OpenSSL's DigestSign/DigestVerify over a 32-byte message with SM3 and the
 * profile's identifier. */
static int raw_sm2(struct job *j, int sign)
{
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pc = NULL;
	size_t len = sizeof(j->sig);
	int ok;

	if (sign)
		ok = m && EVP_DigestSignInit_ex(m, &pc, "SM3", NULL, NULL,
		                                j->pkey, NULL) == 1;
	else
		ok = m && EVP_DigestVerifyInit_ex(m, &pc, "SM3", NULL, NULL,
		                                  j->pkey, NULL) == 1;
	ok = ok && EVP_PKEY_CTX_set1_id(pc, SP_SM2_DISTID,
	                                sizeof(SP_SM2_DISTID) - 1) == 1;
	if (sign)
		ok = ok && EVP_DigestSign(m, j->sig, &len, digest32,
		                          sizeof(digest32)) == 1;
	else
		ok = ok && EVP_DigestVerify(m, j->sig, j->sig_len, digest32,
		                            sizeof(digest32)) == 1;
	if (ok && sign)
		j->sig_len = len;
	EVP_MD_CTX_free(m);
	return ok ? 0 : -1;
}

static int op_raw_sign(struct job *j)
{
	EVP_PKEY_CTX *c;

	if (EVP_PKEY_is_a(j->pkey, "SM2"))
		return raw_sm2(j, 1);
	c = EVP_PKEY_CTX_new(j->pkey, NULL);
	size_t len = sizeof(j->sig);
	int ok =
	    c && EVP_PKEY_sign_init(c) == 1 &&
	    EVP_PKEY_CTX_set_signature_md(c, EVP_sha256()) == 1 &&
	    EVP_PKEY_sign(c, j->sig, &len, digest32, sizeof(digest32)) == 1;

	EVP_PKEY_CTX_free(c);
	return ok ? 0 : -1;
}

static int op_raw_verify(struct job *j)
{
	EVP_PKEY_CTX *c;
	int ok;

	if (EVP_PKEY_is_a(j->pkey, "SM2"))
		return raw_sm2(j, 0);
	c = EVP_PKEY_CTX_new(j->pkey, NULL);
	ok = c && EVP_PKEY_verify_init(c) == 1 &&
	     EVP_PKEY_CTX_set_signature_md(c, EVP_sha256()) == 1 &&
	     EVP_PKEY_verify(c, j->sig, j->sig_len, digest32,
	                     sizeof(digest32)) == 1;

	EVP_PKEY_CTX_free(c);
	return ok ? 0 : -1;
}

static int op_sign(struct job *j)
{
	uint8_t *out = NULL;
	size_t len;
	const char *why = NULL;
	int err =
	    sp_sign_document(j->key, j->doc, j->doc_len, &out, &len, &why);

	free(out);
	return err == SP_OK ? 0 : -1;
}

static int op_verify(struct job *j)
{
	const char *why = NULL;
	int err = sp_verify_record(j->trust, j->doc, j->doc_len, NULL, NULL,
	                           NULL, &why);

	return err == SP_OK ? 0 : -1;
}

static int op_parse(struct job *j)
{
	sp_doc *doc = NULL;
	int err =
	    sp_doc_parse(j->doc, j->doc_len, SP_DOC_RECORD, NULL, &doc, NULL);

	sp_doc_free(doc);
	return err == SP_OK ? 0 : -1;
}

static void *run_job(void *arg)
{
	struct job *j = arg;
	unsigned i;

	while (now_s() < j->stop_at) {
		for (i = 0; i < 16; i++) {
			if (j->op(j) != 0) {
				fprintf(stderr, "bench: operation failed\n");
				exit(1);
			}
			j->ops++;
		}
	}
	return NULL;
}

/* Run `proto` on n threads for bench_seconds; returns operations/second. */
static double measure(const struct job *proto, unsigned n)
{
	struct job *jobs = calloc(n, sizeof(*jobs));
	pthread_t *th = calloc(n, sizeof(*th));
	double t0, t1, total = 0;
	unsigned i;

	if (jobs == NULL || th == NULL)
		exit(1);
	t0 = now_s();
	for (i = 0; i < n; i++) {
		jobs[i] = *proto;
		jobs[i].ops = 0;
		jobs[i].stop_at = t0 + bench_seconds;
		if (pthread_create(&th[i], NULL, run_job, &jobs[i]) != 0)
			exit(1);
	}
	for (i = 0; i < n; i++) {
		pthread_join(th[i], NULL);
		total += (double)jobs[i].ops;
	}
	t1 = now_s();
	free(jobs);
	free(th);
	return total / (t1 - t0);
}

static EVP_PKEY *read_pkey(const char *path)
{
	FILE *f = fopen(path, "r");
	EVP_PKEY *k;

	if (f == NULL)
		exit(1);
	k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (k == NULL)
		exit(1);
	return k;
}

/* A declaration body with enough items to make the body about 2 KB. */
static size_t make_body(char *buf, size_t cap)
{
	size_t n;
	int i;

	n = (size_t)snprintf(
	    buf, cap,
	    "<Declaration><DeclarationNo>4601202610000012345</DeclarationNo>"
	    "<Mode>9610</Mode><Direction>import</Direction>"
	    "<Declarant>91410100MA44XXXX0A</Declarant>");
	for (i = 0; n < BODY_TARGET - 200; i++)
		n += (size_t)snprintf(
		    buf + n, cap - n,
		    "<Item><Name>Infant formula 800g tin, batch %04d</Name>"
		    "<Quantity>%d</Quantity><Value "
		    "currency=\"CNY\">%d.00</Value>"
		    "<HsCode>1901101000</HsCode></Item>",
		    i, 2 + i, 199 + i);
	n += (size_t)snprintf(buf + n, cap - n, "</Declaration>");
	return n;
}

static uint8_t *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t cap = 0, n = 0;

	if (f == NULL) {
		fprintf(stderr, "bench: cannot open %s\n", path);
		exit(1);
	}
	for (;;) {
		if (n == cap) {
			cap = cap ? 2 * cap : 65536;
			if ((buf = realloc(buf, cap)) == NULL)
				exit(1);
		}
		size_t got = fread(buf + n, 1, cap - n, f);

		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		fprintf(stderr, "bench: cannot read %s\n", path);
		exit(1);
	}
	fclose(f);
	*len = n;
	return buf;
}

/* --record FILE --trust-list FILE --anchor FILE: what a node does to an
 * incoming record (sp_verify_record: hardened parse, XSD, profile checks,
 * canonical form, signer authorization, signature), one thread, on that
 * record, against the trust list verified under the anchor. */
static int bench_one_record(const char *rec_path, const char *tl_path,
                            const char *anchor_path)
{
	sp_anchors *anchors = NULL;
	sp_trust *trust = NULL;
	struct job verify;
	size_t tl_len, rec_len;
	uint8_t *tl = read_all(tl_path, &tl_len);
	uint8_t *rec = read_all(rec_path, &rec_len);
	const char *why = NULL;
	sp_verify_opts o;
	double rate, c0, c1;
	int err = SP_ERR_NOMEM, canonical = 0;

	if (sp_anchors_new(&anchors) != SP_OK ||
	    (err = sp_anchors_add_pem_file(anchors, anchor_path, &why)) !=
	        SP_OK)
		die(anchor_path, err, why);
	if ((err = sp_trust_open(anchors, tl, tl_len, NULL, NULL, &trust,
	                         &why)) != SP_OK)
		die(tl_path, err, why);
	sp_verify_opts_default(&o);
	o.read_canonically = &canonical;
	if ((err = sp_verify_record(trust, rec, rec_len, &o, NULL, NULL,
	                            &why)) != SP_OK)
		die(rec_path, err, why);
	memset(&verify, 0, sizeof(verify));
	verify.op = op_verify;
	verify.trust = trust;
	verify.doc = rec;
	verify.doc_len = rec_len;
	/* CPU time too: on a shared machine the wall-clock rate also
	 * measures the neighbours. */
	c0 = cpu_s();
	rate = measure(&verify, 1);
	c1 = cpu_s();
	printf("verify one-thread %.0f/s (%zu-byte record; sp_verify_record: "
	       "%s, profile, canonical form, signer authorization, "
	       "signature; %.0f/s per CPU-second)\n",
	       rate, rec_len,
	       canonical ? "read by the canonical reader with the schema "
	                   "compiled from record.xsd"
	                 : "hardened libxml2 parse and XSD",
	       rate * bench_seconds / (c1 - c0));
	sp_trust_unref(trust);
	sp_anchors_free(anchors);
	free(tl);
	free(rec);
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: bench_records [SECONDS]\n"
	                "       bench_records [SECONDS] --record FILE "
	                "--trust-list FILE --anchor FILE\n");
	exit(2);
}

struct alg_case {
	const char *name;
	sp_key_alg alg;
};

int main(int argc, char **argv)
{
	static const struct alg_case algs[] = {
	    {"ECDSA P-256", SP_KEY_P256},
	    {"RSA-2048", SP_KEY_RSA2048},
	    {"SM2-SM3", SP_KEY_SM2},
	};
	char dir[] = "/tmp/sp-bench.XXXXXX", ca_key[256], ca_cert[256];
	char key[256], cert[256], body[BODY_TARGET + 512];
	unsigned ncpu = (unsigned)sysconf(_SC_NPROCESSORS_ONLN), a, t;
	const char *why = NULL, *rec_path = NULL, *tl_path = NULL,
	           *anchor_path = NULL;
	int err, i;

	for (i = 1; i < argc; i++) {
		if (i + 1 < argc && strcmp(argv[i], "--record") == 0)
			rec_path = argv[++i];
		else if (i + 1 < argc && strcmp(argv[i], "--trust-list") == 0)
			tl_path = argv[++i];
		else if (i + 1 < argc && strcmp(argv[i], "--anchor") == 0)
			anchor_path = argv[++i];
		else if (argv[i][0] != '-' &&
		         (bench_seconds = strtod(argv[i], NULL)) > 0)
			continue;
		else
			usage();
	}
	if ((rec_path || tl_path || anchor_path) &&
	    !(rec_path && tl_path && anchor_path))
		usage();
	if (bench_seconds <= 0.1)
		bench_seconds = 2.0;
	if (ncpu < 1)
		ncpu = 1;
	if (sp_trust_init() != SP_OK)
		return 1;
	if (rec_path != NULL)
		return bench_one_record(rec_path, tl_path, anchor_path);
	if (mkdtemp(dir) == NULL)
		return 1;
	printf("silkport record benchmark: body ~%d bytes, %.1f s per figure, "
	       "%u cores\n",
	       BODY_TARGET, bench_seconds, ncpu);
	printf("%-12s %-8s %12s %12s %8s   %12s %12s %8s\n", "algorithm",
	       "threads", "raw sign/s", "sign/s", "ratio", "raw verify/s",
	       "verify/s", "ratio");

	for (a = 0; a < sizeof(algs) / sizeof(algs[0]); a++) {
		sp_key *k = NULL, *op = NULL;
		sp_anchors *anchors = NULL;
		sp_trust *trust = NULL;
		sp_tl tl;
		sp_tl_member m;
		sp_tl_signing_cert sc;
		uint8_t *tl_u = NULL, *tl_s = NULL, *rec_u = NULL,
		        *rec_s = NULL;
		size_t tl_ulen = 0, tl_slen = 0, rec_ulen = 0, rec_slen = 0,
		       body_len;
		const char *recips[] = {"CN-HN"};
		sp_record_draft d;
		struct job raw_sign, raw_verify, sign, verify;
		EVP_PKEY *pkey;
		char name_buf[] = "Zhengzhou", op_buf[] = "bench operator";

		snprintf(ca_key, sizeof(ca_key), "%s/ca-%u.key", dir, a);
		snprintf(ca_cert, sizeof(ca_cert), "%s/ca-%u.pem", dir, a);
		snprintf(key, sizeof(key), "%s/sign-%u.key", dir, a);
		snprintf(cert, sizeof(cert), "%s/sign-%u.pem", dir, a);
		if ((err = sp_pki_make_ca("bench operator", algs[a].alg, 30,
		                          ca_key, ca_cert, &why)) != SP_OK)
			die("make ca", err, why);
		if ((err = sp_pki_issue(ca_key, ca_cert, SP_CERT_SIGNING,
		                        "CN-ZZ", NULL, algs[a].alg, 30, key,
		                        cert, &why)) != SP_OK)
			die("issue", err, why);
		if ((err = sp_key_load(key, cert, &k, &why)) != SP_OK ||
		    (err = sp_key_load(ca_key, ca_cert, &op, &why)) != SP_OK)
			die("load key", err, why);

		memset(&m, 0, sizeof(m));
		memset(&sc, 0, sizeof(sc));
		memset(&tl, 0, sizeof(tl));
		snprintf(m.node_id, sizeof(m.node_id), "CN-ZZ");
		m.name = name_buf;
		m.role = SP_ROLE_ZONE;
		m.status = SP_STATUS_ACTIVE;
		{
			const uint8_t *der = sp_key_cert_der(k, &sc.der_len);

			if ((sc.der = malloc(sc.der_len)) == NULL)
				return 1;
			memcpy(sc.der, der, sc.der_len);
		}
		sc.valid_from = (int64_t)time(NULL) - 86400;
		sc.valid_until = (int64_t)time(NULL) + 86400;
		sc.method = sp_key_alg_method(algs[a].alg);
		m.signing = &sc;
		m.n_signing = 1;
		m.tls_cert_der = sc.der;
		m.tls_cert_der_len = sc.der_len;
		snprintf(tl.federation, sizeof(tl.federation), "bench");
		tl.sequence = 1;
		tl.issued = (int64_t)time(NULL) - 60;
		tl.next_update = tl.issued + 86400;
		tl.operator_name = op_buf;
		tl.members = &m;
		tl.n_members = 1;
		if ((err = sp_tl_build(&tl, &tl_u, &tl_ulen, &why)) != SP_OK ||
		    (err = sp_sign_document(op, tl_u, tl_ulen, &tl_s, &tl_slen,
		                            &why)) != SP_OK)
			die("trust list", err, why);
		if (sp_anchors_new(&anchors) != SP_OK ||
		    (err = sp_anchors_add_pem_file(anchors, ca_cert, &why)) !=
		        SP_OK ||
		    (err = sp_trust_open(anchors, tl_s, tl_slen, NULL, NULL,
		                         &trust, &why)) != SP_OK)
			die("open trust", err, why);

		body_len = make_body(body, sizeof(body));
		memset(&d, 0, sizeof(d));
		d.origin = "CN-ZZ";
		d.sequence = 7;
		d.type = "declaration";
		d.recipients = recips;
		d.n_recipients = 1;
		d.body = (const uint8_t *)body;
		d.body_len = body_len;
		if ((err = sp_record_build(&d, &rec_u, &rec_ulen, &why)) !=
		        SP_OK ||
		    (err = sp_sign_document(k, rec_u, rec_ulen, &rec_s,
		                            &rec_slen, &why)) != SP_OK)
			die("record", err, why);
		if (a == 0)
			printf("record: %zu bytes unsigned, %zu bytes signed\n",
			       rec_ulen, rec_slen);

		pkey = read_pkey(key);
		memset(&raw_sign, 0, sizeof(raw_sign));
		raw_sign.op = op_raw_sign;
		raw_sign.pkey = pkey;
		raw_verify = raw_sign;
		raw_verify.op = op_raw_verify;
		if (EVP_PKEY_is_a(pkey, "SM2")) {
			if (raw_sm2(&raw_verify, 1) != 0)
				die("raw sign", SP_ERR_INTERNAL, NULL);
		} else {
			EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(pkey, NULL);

			raw_verify.sig_len = sizeof(raw_verify.sig);
			if (c == NULL || EVP_PKEY_sign_init(c) != 1 ||
			    EVP_PKEY_CTX_set_signature_md(c, EVP_sha256()) !=
			        1 ||
			    EVP_PKEY_sign(c, raw_verify.sig,
			                  &raw_verify.sig_len, digest32,
			                  sizeof(digest32)) != 1)
				die("raw sign", SP_ERR_INTERNAL, NULL);
			EVP_PKEY_CTX_free(c);
		}
		memset(&sign, 0, sizeof(sign));
		sign.op = op_sign;
		sign.key = k;
		sign.doc = rec_u;
		sign.doc_len = rec_ulen;
		memset(&verify, 0, sizeof(verify));
		verify.op = op_verify;
		verify.trust = trust;
		verify.doc = rec_s;
		verify.doc_len = rec_slen;
		if (op_verify(&verify) != 0)
			die("verify", SP_ERR_SIG_INVALID, NULL);

		if (a == 0) {
			struct job parse = verify;

			parse.op = op_parse;
			printf("breakdown: hardened parse + schema of the "
			       "signed record: %.0f/s (one thread)\n",
			       measure(&parse, 1));
		}
		for (t = 1; t <= ncpu; t = (t == ncpu ? ncpu + 1 : ncpu)) {
			double rs = measure(&raw_sign, t),
			       s = measure(&sign, t);
			double rv = measure(&raw_verify, t),
			       v = measure(&verify, t);

			printf("%-12s %-8u %12.0f %12.0f %7.0f%%   %12.0f "
			       "%12.0f %7.0f%%\n",
			       algs[a].name, t, rs, s, 100.0 * s / rs, rv, v,
			       100.0 * v / rv);
			fflush(stdout);
		}
		EVP_PKEY_free(pkey);
		free(sc.der);
		free(tl_u);
		free(tl_s);
		free(rec_u);
		free(rec_s);
		sp_trust_unref(trust);
		sp_anchors_free(anchors);
		sp_key_free(k);
		sp_key_free(op);
	}
	printf("targets: sign >= 50%% of raw sign, verify >= 70%% of raw "
	       "verify\n");
	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "bench: could not remove %s\n", dir);
	}
	return 0;
}
