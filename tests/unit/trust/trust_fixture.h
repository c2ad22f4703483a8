/* trust_fixture.h: a throw-away federation for the trust/ unit tests: CAs,
 * member certificates and keys, a signed trust list, and record helpers. */
#ifndef SP_TRUST_FIXTURE_H
#define SP_TRUST_FIXTURE_H

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "trust.h"

#define FX_UNUSED  __attribute__((unused))
#define FX_MEMBERS 6

/* Members: 0 CN-ZZ (P-256), 1 KZ-KGS (RSA), 2 CN-HZ (revoked),
 * 3 CN-SH (suspended), 4 CN-EX (list window in the past), 5 CN-TWO (two
 * certificates: an expired one listed first, then a current one). */
typedef struct fx_fed {
	char dir[64];
	char ca_key[128], ca_cert[128];
	char ca2_key[128], ca2_cert[128];
	char sign_key[FX_MEMBERS][128], sign_cert[FX_MEMBERS][128];
	char old_key[128], old_cert[128];
	char tls_key[FX_MEMBERS][128], tls_cert[FX_MEMBERS][128];
	sp_key *ca;  /* the operator CA as a signing key */
	sp_key *ca2; /* a CA that is not an anchor */
	sp_key *k[FX_MEMBERS];
	sp_anchors *anchors;
	uint8_t *tl_bytes;
	size_t tl_len;
	sp_trust *trust;
	int64_t now;
	/* What fx_build_tl() lists: statuses, and optional DER overrides of
	 * members' signing certificates. */
	sp_member_status status[FX_MEMBERS];
	int64_t invalid_from[FX_MEMBERS]; /* InvalidFrom of a revoked one */
	const uint8_t *sign_der[FX_MEMBERS];
	size_t sign_der_len[FX_MEMBERS];
	/* and optional LogKeys (none by default) */
	const char *log_key[FX_MEMBERS];
	/* and optional next slots (SPEC [TL-79], [LOG-47]; none by default) */
	const uint8_t *next_tls_der[FX_MEMBERS];
	size_t next_tls_der_len[FX_MEMBERS];
	const char *next_log_key[FX_MEMBERS];
	/* and MayOriginate (SPEC [TL-59]): KZ-KGS, the port authority, is
	 * listed for every type so that every signer signs every type; 0
	 * gives the role's defaults */
	sp_type_set may_originate[FX_MEMBERS];
	/* freshness (SPEC 7.9): a TimestampCertificate, the bounds, and the
	 * window NextUpdate - Issued (0: 7 days) */
	const uint8_t *ts_der;
	size_t ts_der_len;
	uint64_t max_validity, staleness_bound;
	int64_t window;
	/* witnesses and their quorum (SPEC [TL-57]; none by default) */
	const char *witnesses[FX_MEMBERS];
	size_t n_witnesses;
	unsigned quorum;
} fx_fed;

static const char *const fx_ids[FX_MEMBERS] = {"CN-ZZ", "KZ-KGS", "CN-HZ",
                                               "CN-SH", "CN-EX",  "CN-TWO"};

/* The list structures hold mutable pointers; the builder only reads them. */
FX_UNUSED static char *fx_unconst(const char *s)
{
	return (char *)(uintptr_t)s;
}

FX_UNUSED static char *fx_path(char *out, size_t cap, const char *dir,
                               const char *name)
{
	snprintf(out, cap, "%s/%s", dir, name);
	return out;
}

FX_UNUSED static int fx_die(const char *what, int rc, const char *why)
{
	fprintf(stderr, "fixture: %s: %s (%s)\n", what, sp_strerror(rc),
	        why ? why : "-");
	return rc;
}

FX_UNUSED static uint8_t *fx_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b;
	long n;

	if (f == NULL)
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
	if (b != NULL) {
		b[n] = 0;
		*len = (size_t)n;
	}
	return b;
}

/* Build and sign a trust list. `over` may change a member's status, and
 * seq/issued/federation the header. */
FX_UNUSED static int fx_build_tl(fx_fed *f, const char *federation,
                                 uint64_t seq, int64_t issued,
                                 const sp_key *signer, uint8_t **out,
                                 size_t *outlen)
{
	sp_tl tl;
	sp_tl_member m[FX_MEMBERS];
	sp_tl_signing_cert sc[FX_MEMBERS + 1];
	uint8_t *tls[FX_MEMBERS] = {0};
	size_t tls_len[FX_MEMBERS];
	uint8_t *unsigned_tl = NULL, *old_der = NULL;
	size_t ulen = 0, old_len = 0;
	const char *why = NULL;
	char ep[FX_MEMBERS][64];
	char *epp[FX_MEMBERS];
	sp_tl_signing_cert two[2];
	int rc = SP_OK, i;

	memset(&tl, 0, sizeof(tl));
	memset(m, 0, sizeof(m));
	memset(sc, 0, sizeof(sc));
	memset(two, 0, sizeof(two));
	snprintf(tl.federation, sizeof(tl.federation), "%s", federation);
	tl.sequence = seq;
	tl.issued = issued;
	tl.next_update = issued + (f->window ? f->window : 7 * 86400);
	tl.operator_name = fx_unconst("Zhengzhou Pilot Zone Alliance");
	tl.timestamp_cert_der = (uint8_t *)(uintptr_t)f->ts_der;
	tl.timestamp_cert_der_len = f->ts_der_len;
	tl.max_validity = f->max_validity;
	tl.staleness_bound = f->staleness_bound;
	tl.witnesses = (char **)(uintptr_t)f->witnesses;
	tl.n_witnesses = f->n_witnesses;
	tl.quorum = f->quorum;
	for (i = 0; i < FX_MEMBERS; i++) {
		size_t dl;
		const uint8_t *d = sp_key_cert_der(f->k[i], &dl);

		rc =
		    sp_pki_cert_der(f->tls_cert[i], &tls[i], &tls_len[i], &why);
		if (rc != SP_OK)
			goto done;
		snprintf(m[i].node_id, sizeof(m[i].node_id), "%s", fx_ids[i]);
		m[i].name = fx_unconst(fx_ids[i]);
		m[i].role = i == 1 ? SP_ROLE_PORT_AUTHORITY : SP_ROLE_ZONE;
		m[i].status = f->status[i];
		m[i].invalid_from = f->invalid_from[i];
		snprintf(ep[i], sizeof(ep[i]),
		         "https://node%d.example.test:8443", i);
		epp[i] = ep[i];
		m[i].endpoints = &epp[i];
		m[i].n_endpoints = 1;
		m[i].tls_cert_der = tls[i];
		m[i].tls_cert_der_len = tls_len[i];
		m[i].log_key = fx_unconst(f->log_key[i]);
		m[i].next_tls_cert_der =
		    (uint8_t *)(uintptr_t)f->next_tls_der[i];
		m[i].next_tls_cert_der_len = f->next_tls_der_len[i];
		m[i].next_log_key = fx_unconst(f->next_log_key[i]);
		m[i].may_originate = f->may_originate[i];
		if (f->sign_der[i] != NULL) {
			d = f->sign_der[i];
			dl = f->sign_der_len[i];
		}
		sc[i].der = (uint8_t *)(uintptr_t)d;
		sc[i].der_len = dl;
		sc[i].valid_from = f->now - 86400;
		sc[i].valid_until = f->now + 365 * 86400;
		if (i == 4) { /* the list's window ended yesterday */
			sc[i].valid_from = f->now - 10 * 86400;
			sc[i].valid_until = f->now - 86400;
		}
		m[i].signing = &sc[i];
		m[i].n_signing = 1;
	}
	/* CN-TWO: an old certificate (window over) first, the current one
	 * second. */
	rc = sp_pki_cert_der(f->old_cert, &old_der, &old_len, &why);
	if (rc != SP_OK)
		goto done;
	{
		two[0].der = old_der;
		two[0].der_len = old_len;
		two[0].valid_from = f->now - 400 * 86400;
		two[0].valid_until = f->now - 30 * 86400;
		two[1] = sc[5];
		m[5].signing = two;
		m[5].n_signing = 2;
	}
	tl.members = m;
	tl.n_members = FX_MEMBERS;
	rc = sp_tl_build(&tl, &unsigned_tl, &ulen, &why);
	if (rc != SP_OK) {
		fx_die("sp_tl_build", rc, why);
		goto done;
	}
	rc = sp_sign_document(signer, unsigned_tl, ulen, out, outlen, &why);
	if (rc != SP_OK)
		fx_die("sign trust list", rc, why);
done:
	for (i = 0; i < FX_MEMBERS; i++)
		free(tls[i]);
	free(old_der);
	free(unsigned_tl);
	return rc;
}

FX_UNUSED static int fx_setup(fx_fed *f)
{
	const char *why = NULL;
	int rc, i;

	memset(f, 0, sizeof(*f));
	rc = sp_trust_init();
	if (rc != SP_OK)
		return fx_die("sp_trust_init", rc, NULL);
	f->now = (int64_t)time(NULL);
	for (i = 0; i < FX_MEMBERS; i++)
		f->status[i] = i == 2   ? SP_STATUS_REVOKED
		               : i == 3 ? SP_STATUS_SUSPENDED
		                        : SP_STATUS_ACTIVE;
	f->may_originate[1] = SP_TYPE_SET_ALL;
	snprintf(f->dir, sizeof(f->dir), "/tmp/sp-trust-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return SP_ERR_IO;
	fx_path(f->ca_key, sizeof(f->ca_key), f->dir, "ca.key");
	fx_path(f->ca_cert, sizeof(f->ca_cert), f->dir, "ca.crt");
	fx_path(f->ca2_key, sizeof(f->ca2_key), f->dir, "ca2.key");
	fx_path(f->ca2_cert, sizeof(f->ca2_cert), f->dir, "ca2.crt");
	rc = sp_pki_make_ca("Federation Operator", SP_KEY_P256, 3650, f->ca_key,
	                    f->ca_cert, &why);
	if (rc != SP_OK)
		return fx_die("make_ca", rc, why);
	rc = sp_pki_make_ca("Another Operator", SP_KEY_RSA2048, 3650,
	                    f->ca2_key, f->ca2_cert, &why);
	if (rc != SP_OK)
		return fx_die("make_ca 2", rc, why);
	for (i = 0; i < FX_MEMBERS; i++) {
		const char *sans[] = {"node.example.test", "127.0.0.1", "::1",
		                      NULL};
		char n[64];

		snprintf(n, sizeof(n), "sign%d.key", i);
		fx_path(f->sign_key[i], sizeof(f->sign_key[i]), f->dir, n);
		snprintf(n, sizeof(n), "sign%d.crt", i);
		fx_path(f->sign_cert[i], sizeof(f->sign_cert[i]), f->dir, n);
		snprintf(n, sizeof(n), "tls%d.key", i);
		fx_path(f->tls_key[i], sizeof(f->tls_key[i]), f->dir, n);
		snprintf(n, sizeof(n), "tls%d.crt", i);
		fx_path(f->tls_cert[i], sizeof(f->tls_cert[i]), f->dir, n);
		rc = sp_pki_issue(f->ca_key, f->ca_cert, SP_CERT_SIGNING,
		                  fx_ids[i], NULL,
		                  i == 1 ? SP_KEY_RSA2048 : SP_KEY_P256, 365,
		                  f->sign_key[i], f->sign_cert[i], &why);
		if (rc != SP_OK)
			return fx_die("issue signing", rc, why);
		rc = sp_pki_issue(f->ca_key, f->ca_cert, SP_CERT_TLS, fx_ids[i],
		                  sans, SP_KEY_P256, 365, f->tls_key[i],
		                  f->tls_cert[i], &why);
		if (rc != SP_OK)
			return fx_die("issue tls", rc, why);
		rc = sp_key_load(f->sign_key[i], f->sign_cert[i], &f->k[i],
		                 &why);
		if (rc != SP_OK)
			return fx_die("key_load", rc, why);
	}
	fx_path(f->old_key, sizeof(f->old_key), f->dir, "old.key");
	fx_path(f->old_cert, sizeof(f->old_cert), f->dir, "old.crt");
	rc =
	    sp_pki_issue(f->ca_key, f->ca_cert, SP_CERT_SIGNING, "CN-TWO old",
	                 NULL, SP_KEY_P256, 365, f->old_key, f->old_cert, &why);
	if (rc != SP_OK)
		return fx_die("issue old", rc, why);
	rc = sp_key_load(f->ca_key, f->ca_cert, &f->ca, &why);
	if (rc != SP_OK)
		return fx_die("load ca", rc, why);
	rc = sp_key_load(f->ca2_key, f->ca2_cert, &f->ca2, &why);
	if (rc != SP_OK)
		return fx_die("load ca2", rc, why);
	rc = sp_anchors_new(&f->anchors);
	if (rc != SP_OK)
		return rc;
	rc = sp_anchors_add_pem_file(f->anchors, f->ca_cert, &why);
	if (rc != SP_OK)
		return fx_die("anchors", rc, why);
	rc = fx_build_tl(f, "silk-zz", 5, f->now - 60, f->ca, &f->tl_bytes,
	                 &f->tl_len);
	if (rc != SP_OK)
		return rc;
	rc = sp_trust_open(f->anchors, f->tl_bytes, f->tl_len, NULL, NULL,
	                   &f->trust, &why);
	if (rc != SP_OK)
		return fx_die("trust_open", rc, why);
	return SP_OK;
}

FX_UNUSED static void fx_teardown(fx_fed *f)
{
	DIR *d;
	struct dirent *e;
	char p[320];
	int i;

	sp_trust_unref(f->trust);
	sp_anchors_free(f->anchors);
	free(f->tl_bytes);
	sp_key_free(f->ca);
	sp_key_free(f->ca2);
	for (i = 0; i < FX_MEMBERS; i++)
		sp_key_free(f->k[i]);
	if (f->dir[0] != '\0' && (d = opendir(f->dir)) != NULL) {
		while ((e = readdir(d)) != NULL) {
			if (e->d_name[0] == '.')
				continue;
			snprintf(p, sizeof(p), "%s/%s", f->dir, e->d_name);
			unlink(p);
		}
		closedir(d);
		rmdir(f->dir);
	}
	memset(f, 0, sizeof(*f));
}

/* An unsigned record of `type` from `origin`, body from tests/data/bodies. */
FX_UNUSED static int fx_record(const char *origin, uint64_t seq,
                               const char *type, int64_t issued, uint8_t **out,
                               size_t *outlen)
{
	char path[512];
	const char *dd = getenv("SP_DATA_DIR");
	uint8_t *body;
	size_t blen = 0;
	sp_record_draft d;
	sp_subject subj = {"Declaration", NULL, "4604202611270000123"};
	const char *why = NULL;
	int rc;

	snprintf(path, sizeof(path), "%s/bodies/%s.xml", dd ? dd : "tests/data",
	         type);
	body = fx_read_file(path, &blen);
	if (body == NULL) {
		fprintf(stderr, "fixture: cannot read %s\n", path);
		return SP_ERR_IO;
	}
	memset(&d, 0, sizeof(d));
	d.origin = origin;
	d.sequence = seq;
	d.type = type;
	d.issued = issued;
	d.broadcast = 1;
	d.subjects = &subj;
	d.n_subjects = 1;
	d.body = body;
	d.body_len = blen;
	rc = sp_record_build(&d, out, outlen, &why);
	if (rc != SP_OK)
		fx_die("sp_record_build", rc, why);
	free(body);
	return rc;
}

/* A signed record by member i (or by key k when not NULL). */
FX_UNUSED static int fx_signed_record(fx_fed *f, int i, const char *origin,
                                      const char *type, int64_t issued,
                                      uint8_t **out, size_t *outlen)
{
	uint8_t *u = NULL;
	size_t ulen = 0;
	const char *why = NULL;
	int rc;

	rc = fx_record(origin ? origin : fx_ids[i], 1, type, issued, &u, &ulen);
	if (rc != SP_OK)
		return rc;
	rc = sp_sign_document(f->k[i], u, ulen, out, outlen, &why);
	if (rc != SP_OK)
		fx_die("sign record", rc, why);
	free(u);
	return rc;
}

/* A copy of buf with the first `from` replaced by `to`; NULL if absent. */
FX_UNUSED static uint8_t *fx_replace(const uint8_t *buf, size_t len,
                                     const char *from, const char *to,
                                     size_t *outlen)
{
	size_t fl = strlen(from), tl = strlen(to), i;
	uint8_t *o;

	for (i = 0; i + fl <= len; i++)
		if (memcmp(buf + i, from, fl) == 0)
			break;
	if (i + fl > len)
		return NULL;
	o = malloc(len - fl + tl + 1);
	if (o == NULL)
		return NULL;
	memcpy(o, buf, i);
	memcpy(o + i, to, tl);
	memcpy(o + i + tl, buf + i + fl, len - i - fl);
	*outlen = len - fl + tl;
	o[*outlen] = 0;
	return o;
}

/* Position of `s` in buf, or -1. */
FX_UNUSED static long fx_find(const uint8_t *buf, size_t len, const char *s)
{
	size_t n = strlen(s), i;

	for (i = 0; i + n <= len; i++)
		if (memcmp(buf + i, s, n) == 0)
			return (long)i;
	return -1;
}

#endif /* SP_TRUST_FIXTURE_H */
