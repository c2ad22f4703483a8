/* sm2_test.c: SM2-with-SM3 records, receipts and trust lists through the one
 * verifier, in a mixed federation (SM2, P-256, RSA), and the hostile corpus
 * of algorithm confusion (SPEC [SIG-38]..[SIG-37], [TL-45]). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <libxml/c14n.h>
#include <libxml/parser.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "trust_int.h"
#include "unit/trust/trust_fixture.h"

#define NM 3
static const char *const ids[NM] = {"CN-ZZ", "KZ-KGS", "UZ-TAS"};
static const sp_key_alg algs[NM] = {SP_KEY_SM2, SP_KEY_P256, SP_KEY_RSA2048};

static struct {
	char dir[64];
	char ca_key[128], ca_cert[128], smca_key[128], smca_cert[128];
	char sign_key[NM][128], sign_cert[NM][128], tls_cert[NM][128];
	sp_key *k[NM];
	sp_key *ca, *smca;
	EVP_PKEY *raw[NM]; /* the same signing keys for the raw signer */
	sp_anchors *anchors;
	sp_trust *trust;
	int64_t now;
} g;

/* The signing method each member's certificate lists; tests override. */
static sp_sig_method listed[NM];

static EVP_PKEY *load_pkey(const char *path)
{
	FILE *f = fopen(path, "r");
	EVP_PKEY *k;

	if (f == NULL)
		return NULL;
	k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	return k;
}

static int build_tl(const sp_key *signer, uint8_t **out, size_t *outlen)
{
	sp_tl tl;
	sp_tl_member m[NM];
	sp_tl_signing_cert sc[NM];
	uint8_t *tls[NM] = {0}, *u = NULL;
	size_t tls_len[NM], ulen = 0;
	char ep[NM][64], *epp[NM];
	const char *why = NULL;
	int rc = SP_OK, i;

	memset(&tl, 0, sizeof(tl));
	memset(m, 0, sizeof(m));
	memset(sc, 0, sizeof(sc));
	snprintf(tl.federation, sizeof(tl.federation), "silk-mixed");
	tl.sequence = 1;
	tl.issued = g.now - 60;
	tl.next_update = g.now + 6 * 86400;
	tl.operator_name = fx_unconst("Mixed Operator");
	for (i = 0; i < NM; i++) {
		size_t dl;
		const uint8_t *d = sp_key_cert_der(g.k[i], &dl);

		if ((rc = sp_pki_cert_der(g.tls_cert[i], &tls[i], &tls_len[i],
		                          &why)) != SP_OK)
			goto done;
		snprintf(m[i].node_id, sizeof(m[i].node_id), "%s", ids[i]);
		m[i].name = fx_unconst(ids[i]);
		m[i].role = i == 0 ? SP_ROLE_ZONE : SP_ROLE_PORT_AUTHORITY;
		m[i].status = SP_STATUS_ACTIVE;
		snprintf(ep[i], sizeof(ep[i]), "https://n%d.example.test", i);
		epp[i] = ep[i];
		m[i].endpoints = &epp[i];
		m[i].n_endpoints = 1;
		m[i].tls_cert_der = tls[i];
		m[i].tls_cert_der_len = tls_len[i];
		sc[i].der = (uint8_t *)(uintptr_t)d;
		sc[i].der_len = dl;
		sc[i].valid_from = g.now - 86400;
		sc[i].valid_until = g.now + 365 * 86400;
		sc[i].method = listed[i];
		m[i].signing = &sc[i];
		m[i].n_signing = 1;
	}
	tl.members = m;
	tl.n_members = NM;
	if ((rc = sp_tl_build(&tl, &u, &ulen, &why)) != SP_OK) {
		fx_die("sp_tl_build", rc, why);
		goto done;
	}
	rc = sp_sign_document(signer, u, ulen, out, outlen, &why);
	if (rc != SP_OK)
		fx_die("sign tl", rc, why);
done:
	for (i = 0; i < NM; i++)
		free(tls[i]);
	free(u);
	return rc;
}

static void reset_listed(void)
{
	int i;

	for (i = 0; i < NM; i++)
		listed[i] = sp_key_alg_method(algs[i]);
}

static int group_setup(void **state)
{
	const char *why = NULL;
	const char *sans[] = {"localhost", "127.0.0.1", NULL};
	uint8_t *tl = NULL;
	size_t tlen = 0;
	char n[64];
	int rc, i;

	(void)state;
	memset(&g, 0, sizeof(g));
	if (sp_trust_init() != SP_OK)
		return -1;
	g.now = (int64_t)time(NULL);
	snprintf(g.dir, sizeof(g.dir), "/tmp/sp-sm2-XXXXXX");
	if (mkdtemp(g.dir) == NULL)
		return -1;
	fx_path(g.ca_key, sizeof(g.ca_key), g.dir, "ca.key");
	fx_path(g.ca_cert, sizeof(g.ca_cert), g.dir, "ca.crt");
	fx_path(g.smca_key, sizeof(g.smca_key), g.dir, "smca.key");
	fx_path(g.smca_cert, sizeof(g.smca_cert), g.dir, "smca.crt");
	if ((rc = sp_pki_make_ca("Mixed Operator", SP_KEY_P256, 3650, g.ca_key,
	                         g.ca_cert, &why)) != SP_OK)
		return fx_die("make_ca", rc, why);
	if ((rc = sp_pki_make_ca("Mixed Operator SM2", SP_KEY_SM2, 3650,
	                         g.smca_key, g.smca_cert, &why)) != SP_OK)
		return fx_die("make_ca sm2", rc, why);
	for (i = 0; i < NM; i++) {
		char tk[128];

		snprintf(n, sizeof(n), "sign%d.key", i);
		fx_path(g.sign_key[i], sizeof(g.sign_key[i]), g.dir, n);
		snprintf(n, sizeof(n), "sign%d.crt", i);
		fx_path(g.sign_cert[i], sizeof(g.sign_cert[i]), g.dir, n);
		snprintf(n, sizeof(n), "tls%d.key", i);
		fx_path(tk, sizeof(tk), g.dir, n);
		snprintf(n, sizeof(n), "tls%d.crt", i);
		fx_path(g.tls_cert[i], sizeof(g.tls_cert[i]), g.dir, n);
		if ((rc = sp_pki_issue(g.ca_key, g.ca_cert, SP_CERT_SIGNING,
		                       ids[i], NULL, algs[i], 365,
		                       g.sign_key[i], g.sign_cert[i], &why)) !=
		    SP_OK)
			return fx_die("issue signing", rc, why);
		if ((rc = sp_pki_issue(g.ca_key, g.ca_cert, SP_CERT_TLS, ids[i],
		                       sans, SP_KEY_P256, 365, tk,
		                       g.tls_cert[i], &why)) != SP_OK)
			return fx_die("issue tls", rc, why);
		if ((rc = sp_key_load(g.sign_key[i], g.sign_cert[i], &g.k[i],
		                      &why)) != SP_OK)
			return fx_die("key_load", rc, why);
		if ((g.raw[i] = load_pkey(g.sign_key[i])) == NULL)
			return -1;
	}
	if ((rc = sp_key_load(g.ca_key, g.ca_cert, &g.ca, &why)) != SP_OK ||
	    (rc = sp_key_load(g.smca_key, g.smca_cert, &g.smca, &why)) != SP_OK)
		return fx_die("load ca", rc, why);
	if (sp_anchors_new(&g.anchors) != SP_OK ||
	    sp_anchors_add_pem_file(g.anchors, g.ca_cert, &why) != SP_OK ||
	    sp_anchors_add_pem_file(g.anchors, g.smca_cert, &why) != SP_OK)
		return fx_die("anchors", SP_ERR_INTERNAL, why);
	reset_listed();
	if (build_tl(g.ca, &tl, &tlen) != SP_OK)
		return -1;
	rc = sp_trust_open(g.anchors, tl, tlen, NULL, NULL, &g.trust, &why);
	free(tl);
	if (rc != SP_OK)
		return fx_die("trust_open", rc, why);
	return 0;
}

static int group_teardown(void **state)
{
	char cmd[128];
	int i;

	(void)state;
	sp_trust_unref(g.trust);
	sp_anchors_free(g.anchors);
	sp_key_free(g.ca);
	sp_key_free(g.smca);
	for (i = 0; i < NM; i++) {
		sp_key_free(g.k[i]);
		EVP_PKEY_free(g.raw[i]);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g.dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", g.dir);
	sp_trust_cleanup();
	return 0;
}

static int verify(const uint8_t *b, size_t n, const char **why)
{
	sp_doc *doc = NULL;
	sp_record *rec = NULL;
	int rc = sp_verify_record(g.trust, b, n, NULL, &doc, &rec, why);

	sp_record_free(rec);
	sp_doc_free(doc);
	return rc;
}

static int signed_record(int i, uint8_t **out, size_t *len)
{
	uint8_t *u = NULL;
	size_t ul = 0;
	const char *why = NULL;
	int rc = fx_record(ids[i], 1, "declaration", g.now - 30, &u, &ul);

	if (rc == SP_OK)
		rc = sp_sign_document(g.k[i], u, ul, out, len, &why);
	free(u);
	return rc;
}

/* ------------------------------------------------ a signer outside trust/
 *
 * Writes the enveloped signature by hand with libxml2's exclusive C14N and
 * raw OpenSSL, so that every algorithm pairing, identifier and signature
 * value the profile forbids can be made: the verifier must refuse each by
 * name. */

#define DS "http://www.w3.org/2000/09/xmldsig#"

typedef struct raw_opts {
	const char *sig_uri;    /* SignatureMethod */
	const char *dig_uri;    /* DigestMethod */
	const EVP_MD *dig;      /* digest actually computed for the Reference */
	EVP_PKEY *key;          /* signing key */
	const char *distid;     /* SM2 only: the identifier actually used */
	const EVP_MD *sm2_hash; /* SM2 only: the hash actually used */
	int raw_mode;           /* 0 r||s (EC), 1 PKCS#1 (RSA) */
	/* after signing: mangle r||s (0 none, 1 s -> n - s, 2 drop a byte,
	 * 3 add a byte, 4 r = n, 5 P-256 low-s) */
	int mangle;
} raw_opts;

static int c14n_bytes(const uint8_t *in, size_t len, xmlChar **out)
{
	xmlDocPtr d = xmlReadMemory((const char *)in, (int)len, NULL, NULL,
	                            XML_PARSE_NONET);
	int n;

	if (d == NULL)
		return -1;
	n = xmlC14NDocDumpMemory(d, NULL, XML_C14N_EXCLUSIVE_1_0, NULL, 0, out);
	xmlFreeDoc(d);
	return n;
}

static const BIGNUM *sm2_order(BN_CTX *bc, EC_GROUP **grp)
{
	(void)bc;
	*grp = EC_GROUP_new_by_curve_name(NID_sm2);
	return *grp ? EC_GROUP_get0_order(*grp) : NULL;
}

static int raw_sign_info(const raw_opts *o, const uint8_t *si, size_t silen,
                         uint8_t *sig, size_t *siglen)
{
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pc = NULL;
	uint8_t der[600];
	size_t dl = sizeof(der);
	int ok = 0;

	if (m == NULL)
		return -1;
	if (EVP_PKEY_is_a(o->key, "SM2")) {
		ok =
		    EVP_DigestSignInit_ex(m, &pc, EVP_MD_get0_name(o->sm2_hash),
		                          NULL, NULL, o->key, NULL) == 1 &&
		    EVP_PKEY_CTX_set1_id(pc, o->distid, strlen(o->distid)) == 1;
	} else {
		/* ECDSA-SHA256 and RSA-SHA256 sign over SHA-256 */
		ok =
		    EVP_DigestSignInit(m, &pc, EVP_sha256(), NULL, o->key) == 1;
	}
	ok = ok && EVP_DigestSign(m, der, &dl, si, silen) == 1;
	EVP_MD_CTX_free(m);
	if (!ok)
		return -1;
	if (o->raw_mode == 1) {
		memcpy(sig, der, dl);
		*siglen = dl;
		return 0;
	}
	return sp_trust__sm2_der_to_raw(der, dl, sig) == 0 ? (*siglen = 64, 0)
	                                                   : -1;
}

static int mangle(uint8_t *sig, size_t *len, int how)
{
	BN_CTX *bc = BN_CTX_new();
	EC_GROUP *grp = NULL;
	const BIGNUM *n = sm2_order(bc, &grp);
	BIGNUM *s = BN_bin2bn(sig + 32, 32, NULL);
	int rc = 0;

	switch (how) {
	case 1: /* the ECDSA twin (r, n - s) */
		rc = BN_sub(s, n, s) == 1 && BN_bn2binpad(s, sig + 32, 32) == 32
		         ? 0
		         : -1;
		break;
	case 2:
		*len = 63;
		break;
	case 3:
		sig[64] = 0;
		*len = 65;
		break;
	case 4:
		rc = BN_bn2binpad(n, sig, 32) == 32 ? 0 : -1;
		break;
	case 5: /* brought into P-256's low-s form, as an ECDSA forger would */
		rc = sp_trust__ecdsa_low_s(sig) < 0 ? -1 : 0;
		break;
	default:
		break;
	}
	BN_free(s);
	EC_GROUP_free(grp);
	BN_CTX_free(bc);
	return rc;
}

/* A record of member i signed by hand with o; *out malloc'd. */
static int raw_record(int i, const raw_opts *o, uint8_t **out, size_t *len)
{
	uint8_t *u = NULL, dg[64], sig[600];
	size_t ul = 0, siglen = 0;
	unsigned int dl = 0;
	xmlChar *cu = NULL;
	char dgb[100], sgb[1000], si[2048], sigel[4096];
	int cn, n, rc = -1;
	long pos;

	if (fx_record(ids[i], 1, "declaration", g.now - 30, &u, &ul) != SP_OK)
		return -1;
	cn = c14n_bytes(u, ul, &cu);
	if (cn <= 0 || EVP_Digest(cu, (size_t)cn, dg, &dl, o->dig, NULL) != 1)
		goto done;
	sp_b64_encode(dg, dl, dgb, sizeof(dgb));
#define SI_BODY                                                                \
	"<ds:CanonicalizationMethod Algorithm=\"" SP_ALG_EXC_C14N              \
	"\"></ds:CanonicalizationMethod><ds:SignatureMethod "                  \
	"Algorithm=\"%s\"></ds:SignatureMethod><ds:Reference "                 \
	"URI=\"\"><ds:Transforms><ds:Transform Algorithm=\"" SP_ALG_ENVELOPED  \
	"\"></ds:Transform><ds:Transform Algorithm=\"" SP_ALG_EXC_C14N         \
	"\"></ds:Transform></ds:Transforms><ds:DigestMethod "                  \
	"Algorithm=\"%s\"></ds:DigestMethod><ds:DigestValue>%s</"              \
	"ds:DigestValue></ds:Reference>"
	/* SignedInfo as exclusive C14N writes it: the ds declaration on it */
	n = snprintf(si, sizeof(si),
	             "<ds:SignedInfo xmlns:ds=\"" DS "\">" SI_BODY
	             "</ds:SignedInfo>",
	             o->sig_uri, o->dig_uri, dgb);
	if (n <= 0 || (size_t)n >= sizeof(si))
		goto done;
	if (raw_sign_info(o, (const uint8_t *)si, (size_t)n, sig, &siglen) < 0)
		goto done;
	if (o->mangle && mangle(sig, &siglen, o->mangle) < 0)
		goto done;
	sp_b64_encode(sig, siglen, sgb, sizeof(sgb));
	n = snprintf(sigel, sizeof(sigel),
	             "<ds:Signature xmlns:ds=\"" DS "\"><ds:SignedInfo>" SI_BODY
	             "</ds:SignedInfo><ds:SignatureValue>%s</ds:SignatureValue>"
	             "</ds:Signature>",
	             o->sig_uri, o->dig_uri, dgb, sgb);
	if (n <= 0 || (size_t)n >= sizeof(sigel))
		goto done;
	/* before the root's end tag */
	for (pos = cn - 1; pos > 0 && !(cu[pos] == '<' && cu[pos + 1] == '/');
	     pos--)
		;
	*out = malloc((size_t)cn + (size_t)n + 1);
	if (*out == NULL)
		goto done;
	memcpy(*out, cu, (size_t)pos);
	memcpy(*out + pos, sigel, (size_t)n);
	memcpy(*out + pos + n, cu + pos, (size_t)(cn - pos));
	*len = (size_t)cn + (size_t)n;
	(*out)[*len] = 0;
	rc = 0;
done:
	xmlFree(cu);
	free(u);
	return rc;
}

static raw_opts sm2_opts(void)
{
	raw_opts o;

	memset(&o, 0, sizeof(o));
	o.sig_uri = SP_ALG_SM2_SM3;
	o.dig_uri = SP_ALG_SM3;
	o.dig = EVP_sm3();
	o.key = g.raw[0];
	o.distid = SP_SM2_DISTID;
	o.sm2_hash = EVP_sm3();
	return o;
}

static int raw_verify(int i, const raw_opts *o, const char **why)
{
	uint8_t *b = NULL;
	size_t n = 0;
	int rc;

	(void)i;
	if (raw_record(i, o, &b, &n) != 0)
		return SP_ERR_INTERNAL;
	rc = verify(b, n, why);
	free(b);
	return rc;
}

/* ------------------------------------------------------------- tests */

static void test_keys_and_certs(void **state)
{
	const char *why = NULL;
	char k[160], c[160];
	sp_key_alg a;
	FILE *f;
	X509 *x;
	EVP_PKEY *pub;

	(void)state;
	assert_int_equal(sp_key_get_alg(g.k[0]), SP_KEY_SM2);
	assert_int_equal(sp_key_get_alg(g.smca), SP_KEY_SM2);
	assert_int_equal(sp_key_alg_parse("sm2", &a), SP_OK);
	assert_int_equal(a, SP_KEY_SM2);
	assert_int_equal(sp_key_alg_parse("p256", &a), SP_OK);
	assert_int_equal(a, SP_KEY_P256);
	assert_int_equal(sp_key_alg_parse("rsa2048", &a), SP_OK);
	assert_int_equal(a, SP_KEY_RSA2048);
	assert_int_equal(sp_key_alg_parse("ed448", &a),
	                 SP_ERR_INVALID_ARGUMENT);
	/* TLS and operator certificates stay on P-256 and RSA */
	fx_path(k, sizeof(k), g.dir, "tls-sm2.key");
	fx_path(c, sizeof(c), g.dir, "tls-sm2.crt");
	assert_int_equal(sp_pki_issue(g.ca_key, g.ca_cert, SP_CERT_TLS, "x",
	                              NULL, SP_KEY_SM2, 30, k, c, &why),
	                 SP_ERR_INVALID_ARGUMENT);
	assert_int_equal(sp_pki_issue(g.ca_key, g.ca_cert, SP_CERT_OPERATOR,
	                              "x", NULL, SP_KEY_SM2, 30, k, c, &why),
	                 SP_ERR_INVALID_ARGUMENT);
	/* A certificate issued by the SM2 CA is signed SM2-with-SM3 under
	 * the GB/T 35276 identifier: it verifies with that identifier and not
	 * with OpenSSL 3.0's empty default. */
	fx_path(k, sizeof(k), g.dir, "by-smca.key");
	fx_path(c, sizeof(c), g.dir, "by-smca.crt");
	assert_int_equal(sp_pki_issue(g.smca_key, g.smca_cert, SP_CERT_SIGNING,
	                              "by sm2 ca", NULL, SP_KEY_SM2, 30, k, c,
	                              &why),
	                 SP_OK);
	f = fopen(c, "r");
	assert_non_null(f);
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	assert_non_null(x);
	assert_int_equal(X509_get_signature_nid(x), NID_SM2_with_SM3);
	pub = X509_get0_pubkey(g.smca->cert);
	{
		ASN1_OCTET_STRING *id = ASN1_OCTET_STRING_new();

		assert_int_equal(
		    ASN1_OCTET_STRING_set(
		        id, (const unsigned char *)SP_SM2_DISTID, 16),
		    1);
		X509_set0_distinguishing_id(x, id);
		assert_int_equal(X509_verify(x, pub), 1);
		id = ASN1_OCTET_STRING_new();
		assert_int_equal(ASN1_OCTET_STRING_set(
		                     id, (const unsigned char *)"ALICE", 5),
		                 1);
		X509_set0_distinguishing_id(x, id);
		assert_int_not_equal(X509_verify(x, pub), 1);
		ERR_clear_error();
	}
	X509_free(x);
}

static void test_sm2_record_roundtrip(void **state)
{
	uint8_t *s = NULL;
	size_t n = 0;
	const char *why = NULL;
	uint8_t d[32];

	(void)state;
	assert_int_equal(signed_record(0, &s, &n), SP_OK);
	assert_non_null(strstr((char *)s, SP_ALG_SM2_SM3));
	assert_non_null(strstr((char *)s, SP_ALG_SM3));
	assert_null(strstr((char *)s, SP_ALG_SHA256));
	assert_int_equal(verify(s, n, &why), SP_OK);
	/* the signed content is the SM3 DigestValue */
	assert_int_equal(sp_signed_content_digest_of(s, n, d, &why), SP_OK);
	/* tampered content: SM3 reference digest no longer matches */
	{
		size_t tn = 0;
		uint8_t *t = fx_replace(s, n, "4604202611270000123",
		                        "4604202611270000124", &tn);

		assert_non_null(t);
		assert_int_equal(verify(t, tn, &why), SP_ERR_SIG_INVALID);
		free(t);
	}
	free(s);
	/* the two other members still sign and verify as before */
	assert_int_equal(signed_record(1, &s, &n), SP_OK);
	assert_int_equal(verify(s, n, &why), SP_OK);
	free(s);
	assert_int_equal(signed_record(2, &s, &n), SP_OK);
	assert_int_equal(verify(s, n, &why), SP_OK);
	free(s);
}

static void test_raw_signer_interop(void **state)
{
	raw_opts o = sm2_opts();
	const char *why = NULL;

	(void)state;
	/* signed outside trust/ with the profile's choices: verifies */
	assert_int_equal(raw_verify(0, &o, &why), SP_OK);
}

static void test_sm2_receipt(void **state)
{
	sp_receipt_info ri, got;
	uint8_t *u = NULL, *s = NULL;
	size_t un = 0, n = 0;
	const char *why = NULL;
	int r;

	(void)state;
	/* each receiver signs its receipt with its own algorithm */
	for (r = 0; r < NM; r++) {
		memset(&ri, 0, sizeof(ri));
		assert_int_equal(sp_uuid_v4(ri.record_id), SP_OK);
		snprintf(ri.origin, sizeof(ri.origin), "%s", ids[(r + 1) % NM]);
		ri.sequence = 3;
		sp_sha256_hex((const uint8_t *)"x", 1, ri.record_digest);
		snprintf(ri.receiver, sizeof(ri.receiver), "%s", ids[r]);
		ri.received = g.now - 5;
		ri.status = SP_RECEIPT_ACCEPTED;
		assert_int_equal(sp_receipt_build(&ri, &u, &un, &why), SP_OK);
		assert_int_equal(sp_sign_document(g.k[r], u, un, &s, &n, &why),
		                 SP_OK);
		assert_int_equal(
		    sp_verify_receipt(g.trust, s, n, NULL, &got, &why), SP_OK);
		assert_string_equal(got.receiver, ids[r]);
		free(s);
		free(u);
	}
}

static void test_sm2_trust_list(void **state)
{
	uint8_t *tl = NULL;
	size_t n = 0;
	sp_trust *t = NULL;
	const char *why = NULL;

	(void)state;
	/* the operator signs the list with SM2 */
	reset_listed();
	assert_int_equal(build_tl(g.smca, &tl, &n), SP_OK);
	assert_non_null(strstr((char *)tl, SP_ALG_SM2_SM3));
	assert_int_equal(sp_trust_open(g.anchors, tl, n, NULL, NULL, &t, &why),
	                 SP_OK);
	sp_trust_unref(t);
	t = NULL;
	free(tl);
	tl = NULL;
	/* an SM2 certificate listed for ECDSA: the list is refused */
	listed[0] = SP_SIGM_ECDSA_SHA256;
	assert_int_equal(build_tl(g.ca, &tl, &n), SP_OK);
	assert_int_equal(sp_trust_open(g.anchors, tl, n, NULL, NULL, &t, &why),
	                 SP_ERR_ALG_NOT_LISTED);
	free(tl);
	tl = NULL;
	/* an SM2 certificate that names no method */
	listed[0] = SP_SIGM_UNSPECIFIED;
	assert_int_equal(build_tl(g.ca, &tl, &n), SP_OK);
	assert_int_equal(sp_trust_open(g.anchors, tl, n, NULL, NULL, &t, &why),
	                 SP_ERR_ALG_NOT_LISTED);
	free(tl);
	tl = NULL;
	/* a P-256 certificate listed for SM2 */
	reset_listed();
	listed[1] = SP_SIGM_SM2_SM3;
	assert_int_equal(build_tl(g.ca, &tl, &n), SP_OK);
	assert_int_equal(sp_trust_open(g.anchors, tl, n, NULL, NULL, &t, &why),
	                 SP_ERR_ALG_NOT_LISTED);
	free(tl);
	tl = NULL;
	/* 1.0 lists without the attribute still work for P-256 and RSA */
	reset_listed();
	listed[1] = listed[2] = SP_SIGM_UNSPECIFIED;
	assert_int_equal(build_tl(g.ca, &tl, &n), SP_OK);
	assert_null(strstr((char *)tl, "signatureMethod=\"" SP_ALG_RSA_SHA256));
	assert_int_equal(sp_trust_open(g.anchors, tl, n, NULL, NULL, &t, &why),
	                 SP_OK);
	sp_trust_unref(t);
	free(tl);
	reset_listed();
}

/* Algorithm confusion: each refused by its name, none verifies. */
static void test_confusion(void **state)
{
	raw_opts o;
	const char *why = NULL;

	(void)state;
	/* An SM2 member's record under the ECDSA URI (SHA-256 reference, the
	 * SM2 key's r || s over the SignedInfo): not the listed method. */
	o = sm2_opts();
	o.sig_uri = SP_ALG_ECDSA_SHA256;
	o.dig_uri = SP_ALG_SHA256;
	o.dig = EVP_sha256();
	o.mangle = 5;
	assert_int_equal(raw_verify(0, &o, &why), SP_ERR_ALG_NOT_LISTED);
	/* The reverse: a P-256 member's record under SM2-with-SM3, with
	 * a genuine ECDSA signature over the SignedInfo. */
	o = sm2_opts();
	o.key = g.raw[1];
	o.dig = EVP_sm3();
	assert_int_equal(raw_verify(1, &o, &why), SP_ERR_ALG_NOT_LISTED);
	/* SM2 signature method with a SHA-256 reference digest */
	o = sm2_opts();
	o.dig_uri = SP_ALG_SHA256;
	o.dig = EVP_sha256();
	assert_int_equal(raw_verify(0, &o, &why), SP_ERR_SIG_ALGORITHM);
	/* RSA-SHA256 with an SM3 reference digest */
	memset(&o, 0, sizeof(o));
	o.sig_uri = SP_ALG_RSA_SHA256;
	o.dig_uri = SP_ALG_SM3;
	o.dig = EVP_sm3();
	o.key = g.raw[2];
	o.raw_mode = 1;
	assert_int_equal(raw_verify(2, &o, &why), SP_ERR_SIG_ALGORITHM);
	/* ECDSA-SHA256 with an SM3 reference digest */
	memset(&o, 0, sizeof(o));
	o.sig_uri = SP_ALG_ECDSA_SHA256;
	o.dig_uri = SP_ALG_SM3;
	o.dig = EVP_sm3();
	o.key = g.raw[1];
	assert_int_equal(raw_verify(1, &o, &why), SP_ERR_SIG_ALGORITHM);
	/* SM3 used as a signature method, SM2-SM3 as a digest */
	o = sm2_opts();
	o.sig_uri = SP_ALG_SM3;
	assert_int_equal(raw_verify(0, &o, &why), SP_ERR_SIG_ALGORITHM);
	o = sm2_opts();
	o.dig_uri = SP_ALG_SM2_SM3;
	assert_int_equal(raw_verify(0, &o, &why), SP_ERR_SIG_ALGORITHM);
}

static void test_distinguishing_id(void **state)
{
	raw_opts o = sm2_opts();
	const char *why = NULL;

	(void)state;
	/* OpenSSL 3.0's default (empty) and the RFC 8998 TLS identifier */
	o.distid = "";
	assert_int_equal(raw_verify(0, &o, &why), SP_ERR_SIG_INVALID);
	o.distid = "TLSv1.3+GM+Cipher+Suite";
	assert_int_equal(raw_verify(0, &o, &why), SP_ERR_SIG_INVALID);
	o.distid = "1234567812345679";
	assert_int_equal(raw_verify(0, &o, &why), SP_ERR_SIG_INVALID);
}

static void test_malformed_rs(void **state)
{
	raw_opts o;
	const char *why = NULL;
	int how;

	(void)state;
	/* 1: the ECDSA twin (r, n - s), which a low-s rule would have made;
	 * it does not verify for SM2. 2, 3: 63 and 65 bytes. 4: r = n. */
	for (how = 1; how <= 4; how++) {
		o = sm2_opts();
		o.mangle = how;
		assert_int_equal(raw_verify(0, &o, &why), SP_ERR_SIG_INVALID);
	}
}

/* What SM2 verification must not accept as the same signature: SM2 has no
 * high-s twin, so the profile has no low-s rule for it; and a signature
 * made by our signer is the 64-byte form. */
static void test_no_twin_from_signer(void **state)
{
	uint8_t *s = NULL, raw[80];
	size_t n = 0, rl = 0;
	const char *why = NULL;
	char *p, *e;

	(void)state;
	assert_int_equal(signed_record(0, &s, &n), SP_OK);
	p = strstr((char *)s, "<ds:SignatureValue>");
	assert_non_null(p);
	p += strlen("<ds:SignatureValue>");
	e = strstr(p, "</ds:SignatureValue>");
	assert_non_null(e);
	assert_int_equal(
	    sp_b64_decode(p, (size_t)(e - p), raw, sizeof(raw), &rl), SP_OK);
	assert_int_equal(rl, 64);
	/* flip s to n - s in place: refused */
	{
		EC_GROUP *grp = EC_GROUP_new_by_curve_name(NID_sm2);
		BIGNUM *sv = BN_bin2bn(raw + 32, 32, NULL);
		char b64[120];

		assert_int_equal(BN_sub(sv, EC_GROUP_get0_order(grp), sv), 1);
		assert_int_equal(BN_bn2binpad(sv, raw + 32, 32), 32);
		sp_b64_encode(raw, 64, b64, sizeof(b64));
		assert_int_equal(strlen(b64), (size_t)(e - p));
		memcpy(p, b64, strlen(b64));
		BN_free(sv);
		EC_GROUP_free(grp);
	}
	assert_int_equal(verify(s, n, &why), SP_ERR_SIG_INVALID);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_keys_and_certs),
	    cmocka_unit_test(test_sm2_record_roundtrip),
	    cmocka_unit_test(test_raw_signer_interop),
	    cmocka_unit_test(test_sm2_receipt),
	    cmocka_unit_test(test_sm2_trust_list),
	    cmocka_unit_test(test_confusion),
	    cmocka_unit_test(test_distinguishing_id),
	    cmocka_unit_test(test_malformed_rs),
	    cmocka_unit_test(test_no_twin_from_signer),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
