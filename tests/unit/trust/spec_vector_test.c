/* spec_vector_test.c: the test vector of protocol/SPEC.md Appendix A.5
 * ([SIG-28], [SIG-36]) is read back from SPEC.md and checked against this
 * implementation, so that the text and the code cannot drift apart:
 *   - the record verifies (sp_verify_record) with the vector's test key;
 *   - the digest input shown equals the exclusive canonical form of the
 *     record with only its ds:Signature subtree removed (the text nodes
 *     around it stay), and its SHA-256 is the DigestValue shown and the
 *     one in the record;
 *   - the canonical SignedInfo shown is what the signature value signs;
 *   - the record digest shown is the SHA-256 of the record bytes.
 * The blocks are found by the HTML comments `<!-- test-vector NAME -->`
 * that precede each fenced block of A.5. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <libxml/c14n.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "protocol.h"
#include "unit/trust/trust_fixture.h"

#define DS_NS "http://www.w3.org/2000/09/xmldsig#"

static fx_fed g_fed;
static uint8_t *g_spec;
static size_t g_spec_len;

static int group_setup(void **state)
{
	const char *src = getenv("SP_SOURCE_DIR");
	char path[1024];

	(void)state;
	if (src == NULL)
		src = ".";
	snprintf(path, sizeof(path), "%s/protocol/SPEC.md", src);
	g_spec = fx_read_file(path, &g_spec_len);
	if (g_spec == NULL) {
		fprintf(stderr, "cannot read %s (set SP_SOURCE_DIR)\n", path);
		return -1;
	}
	return fx_setup(&g_fed) == SP_OK ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	fx_teardown(&g_fed);
	sp_trust_cleanup();
	free(g_spec);
	return 0;
}

/* The content of the fenced block after `<!-- test-vector name -->`: the
 * lines between the fences, without the line feed that ends the last line
 * (SPEC A.5 says so: none of the values ends in a line feed). */
static uint8_t *vector_block(const char *name, size_t *len)
{
	char marker[128];
	const char *s = (const char *)g_spec, *end = s + g_spec_len;
	const char *p, *q, *e;
	uint8_t *out;

	snprintf(marker, sizeof(marker), "<!-- test-vector %s -->\n", name);
	p = strstr(s, marker);
	if (p == NULL)
		return NULL;
	/* Only one block may carry the name. */
	if (strstr(p + 1, marker) != NULL)
		return NULL;
	p += strlen(marker);
	if (end - p < 4 || strncmp(p, "```", 3) != 0)
		return NULL;
	q = memchr(p, '\n', (size_t)(end - p));
	if (q == NULL)
		return NULL;
	q++;
	e = strstr(q, "\n```\n");
	if (e == NULL)
		return NULL;
	out = malloc((size_t)(e - q) + 1);
	if (out == NULL)
		return NULL;
	memcpy(out, q, (size_t)(e - q));
	out[e - q] = '\0';
	*len = (size_t)(e - q);
	return out;
}

static void show(const char *what, const uint8_t *b, size_t n)
{
	fprintf(stderr, "computed %s (%zu bytes):\n", what, n);
	fwrite(b, 1, n, stderr);
	fputs("\n", stderr);
}

/* Exclusive canonical form (no comments) of the tree: with `include` set,
 * of the subtree `sub` only; otherwise of the document without `sub`, and
 * without `sub2` too when given. */
struct vis {
	xmlNodePtr sub, sub2;
	int include;
};

static int inside(xmlNodePtr n, xmlNodePtr sub)
{
	for (; n != NULL && sub != NULL; n = n->parent)
		if (n == sub)
			return 1;
	return 0;
}

static int vis_cb(void *ud, xmlNodePtr node, xmlNodePtr parent)
{
	const struct vis *v = ud;
	xmlNodePtr n = node;

	if (n != NULL && n->type == XML_NAMESPACE_DECL)
		n = parent;
	if (v->include)
		return inside(n, v->sub);
	return !inside(n, v->sub) && !inside(n, v->sub2);
}

static int exc_c14n(xmlDocPtr d, xmlNodePtr sub, xmlNodePtr sub2, int include,
                    uint8_t **out, size_t *len)
{
	struct vis v = {sub, sub2, include};
	xmlOutputBufferPtr ob = xmlAllocOutputBuffer(NULL);
	int rc = -1;

	if (ob == NULL)
		return -1;
	if (xmlC14NExecute(d, vis_cb, &v, XML_C14N_EXCLUSIVE_1_0, NULL, 0,
	                   ob) >= 0) {
		size_t n = xmlOutputBufferGetSize(ob);
		*out = malloc(n + 1);
		if (*out != NULL) {
			memcpy(*out, xmlOutputBufferGetContent(ob), n);
			(*out)[n] = '\0';
			*len = n;
			rc = 0;
		}
	}
	xmlOutputBufferClose(ob);
	return rc;
}

static xmlNodePtr ds_child(xmlNodePtr parent, const char *name)
{
	xmlNodePtr c;

	for (c = parent->children; c != NULL; c = c->next)
		if (c->type == XML_ELEMENT_NODE && c->ns != NULL &&
		    strcmp((const char *)c->ns->href, DS_NS) == 0 &&
		    strcmp((const char *)c->name, name) == 0)
			return c;
	return NULL;
}

/* A signing certificate for the vector's key, issued by the fixture's
 * operator CA with the profile sp_pki_issue() gives signing certificates
 * (the vector fixes the key, not a certificate). DER, malloc'd. */
static uint8_t *cert_for(EVP_PKEY *pub, size_t *len)
{
	FILE *f;
	EVP_PKEY *ca_key = NULL;
	X509 *ca = NULL, *x = NULL;
	X509_NAME *name = NULL;
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	uint8_t *der = NULL, *p;
	int n, ok = 0;
	static const struct {
		int nid;
		const char *value;
	} exts[] = {
	    {NID_basic_constraints, "critical,CA:FALSE"},
	    {NID_key_usage, "critical,digitalSignature,nonRepudiation"},
	    {NID_subject_key_identifier, "hash"},
	    {NID_authority_key_identifier, "keyid:always"},
	};
	size_t i;

	if ((f = fopen(g_fed.ca_key, "r")) != NULL) {
		ca_key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
		fclose(f);
	}
	if ((f = fopen(g_fed.ca_cert, "r")) != NULL) {
		ca = PEM_read_X509(f, NULL, NULL, NULL);
		fclose(f);
	}
	x = X509_new();
	name = X509_NAME_new();
	if (ca_key == NULL || ca == NULL || x == NULL || name == NULL)
		goto done;
	if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
	                               (const unsigned char *)"CN-ZZ", -1, -1,
	                               0) != 1 ||
	    X509_set_version(x, 2) != 1 ||
	    ASN1_INTEGER_set(X509_get_serialNumber(x), 0x5a05) != 1 ||
	    X509_set_subject_name(x, name) != 1 ||
	    X509_set_issuer_name(x, X509_get_subject_name(ca)) != 1 ||
	    ASN1_TIME_set_string(X509_getm_notBefore(x), "20260101000000Z") !=
	        1 ||
	    ASN1_TIME_set_string(X509_getm_notAfter(x), "20991231235959Z") !=
	        1 ||
	    X509_set_pubkey(x, pub) != 1)
		goto done;
	X509V3_set_ctx(&ctx, ca, x, NULL, NULL, 0);
	for (i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		ext =
		    X509V3_EXT_conf_nid(NULL, &ctx, exts[i].nid, exts[i].value);
		if (ext == NULL)
			goto done;
		n = X509_add_ext(x, ext, -1);
		X509_EXTENSION_free(ext);
		if (n != 1)
			goto done;
	}
	if (X509_sign(x, ca_key, EVP_sha256()) <= 0)
		goto done;
	n = i2d_X509(x, NULL);
	if (n <= 0 || (der = malloc((size_t)n)) == NULL)
		goto done;
	p = der;
	i2d_X509(x, &p);
	*len = (size_t)n;
	ok = 1;
done:
	if (!ok) {
		free(der);
		der = NULL;
	}
	X509_NAME_free(name);
	X509_free(x);
	X509_free(ca);
	EVP_PKEY_free(ca_key);
	return der;
}

/* ECDSA-SHA256 over `msg` with the XML-DSig r||s value `rs` (64 bytes). */
static int ecdsa_ok(EVP_PKEY *pub, const uint8_t *msg, size_t len,
                    const uint8_t rs[64])
{
	ECDSA_SIG *sig = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(rs, 32, NULL), *s = BN_bin2bn(rs + 32, 32, NULL);
	unsigned char *der = NULL;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int n, ok = 0;

	if (sig == NULL || r == NULL || s == NULL || md == NULL ||
	    ECDSA_SIG_set0(sig, r, s) != 1)
		goto done;
	r = s = NULL;
	n = i2d_ECDSA_SIG(sig, &der);
	if (n <= 0)
		goto done;
	ok = EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, pub) == 1 &&
	     EVP_DigestVerify(md, der, (size_t)n, msg, len) == 1;
done:
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(sig);
	OPENSSL_free(der);
	EVP_MD_CTX_free(md);
	return ok;
}

static void test_vector(void **state)
{
	uint8_t *key_pem, *rec, *din, *dv_text, *si, *rd;
	size_t key_len = 0, rec_len = 0, din_len = 0, dv_len = 0, si_len = 0,
	       rd_len = 0;
	uint8_t *sign_der, *mine = NULL, *si_mine = NULL, *lxml = NULL;
	size_t sign_der_len = 0, mine_len = 0, si_mine_len = 0, lxml_len = 0;
	uint8_t dv[32], want[32], held[32], rs[64];
	size_t n = 0;
	char dv_b64[64], hex[65];
	BIO *bio;
	EVP_PKEY *pkey;
	sp_doc *doc = NULL;
	sp_record *rec_info = NULL;
	sp_verify_opts o;
	xmlDocPtr tree;
	xmlNodePtr root, sig, si_node, sv_node;
	xmlChar *sv_text, *dv_in_rec;
	uint8_t *tl = NULL;
	size_t tl_len = 0;
	sp_trust *trust = NULL;
	const char *why = NULL;
	int64_t issued;
	int rc;

	(void)state;
	key_pem = vector_block("key", &key_len);
	rec = vector_block("record", &rec_len);
	din = vector_block("digest-input", &din_len);
	dv_text = vector_block("digest-value", &dv_len);
	si = vector_block("signed-info", &si_len);
	rd = vector_block("record-digest", &rd_len);
	assert_non_null(key_pem);
	assert_non_null(rec);
	assert_non_null(din);
	assert_non_null(dv_text);
	assert_non_null(si);
	assert_non_null(rd);

	bio = BIO_new_mem_buf(key_pem, (int)key_len);
	assert_non_null(bio);
	pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	BIO_free(bio);
	assert_non_null(pkey);
	assert_int_equal(EVP_PKEY_get_base_id(pkey), EVP_PKEY_EC);

	/* 1. The record verifies with the vector's key, by this verifier:
	 * the key's certificate is listed as CN-ZZ's signing certificate and
	 * the clock is set an hour after the record's Issued. */
	sign_der = cert_for(pkey, &sign_der_len);
	assert_non_null(sign_der);
	assert_int_equal(sp_time_parse("2026-11-27T09:30:00Z", &issued), SP_OK);
	g_fed.sign_der[0] = sign_der;
	g_fed.sign_der_len[0] = sign_der_len;
	g_fed.now = issued + 3600;
	assert_int_equal(fx_build_tl(&g_fed, "silk-zz", 6, g_fed.now - 60,
	                             g_fed.ca, &tl, &tl_len),
	                 SP_OK);
	g_fed.sign_der[0] = NULL;
	assert_int_equal(
	    sp_trust_open(g_fed.anchors, tl, tl_len, NULL, NULL, &trust, &why),
	    SP_OK);
	sp_verify_opts_default(&o);
	o.now = issued + 3600;
	rc = sp_verify_record(trust, rec, rec_len, &o, &doc, &rec_info, &why);
	if (rc != SP_OK)
		fprintf(stderr, "record does not verify: %s (%s)\n",
		        sp_strerror(rc), why ? why : "-");
	assert_int_equal(rc, SP_OK);
	assert_non_null(doc);
	assert_string_equal(sp_record_origin(rec_info), "CN-ZZ");

	/* 2. The digest input: the exclusive canonical form of the verified
	 * tree without the ds:Signature subtree, and nothing else removed. */
	tree = sp_doc_tree(doc);
	root = xmlDocGetRootElement(tree);
	sig = ds_child(root, "Signature");
	assert_non_null(sig);
	assert_int_equal(exc_c14n(tree, sig, NULL, 0, &mine, &mine_len), 0);
	if (mine_len != din_len || memcmp(mine, din, din_len) != 0)
		show("digest input", mine, mine_len);
	assert_int_equal(mine_len, din_len);
	assert_memory_equal(mine, din, din_len);
	/* The line feed that follows the signature (its "tail") is part of
	 * it: dropping it too, as a generic element removal may, gives other
	 * bytes and a digest that fails. */
	assert_non_null(sig->next);
	assert_int_equal(sig->next->type, XML_TEXT_NODE);
	assert_int_equal(exc_c14n(tree, sig, sig->next, 0, &lxml, &lxml_len),
	                 0);
	assert_true(lxml_len != din_len || memcmp(lxml, din, din_len) != 0);

	/* 3. DigestValue = SHA-256 of the digest input, as shown and as the
	 * record carries it. */
	sp_sha256(din, din_len, dv);
	assert_true(sp_b64_encode(dv, 32, dv_b64, sizeof(dv_b64)) > 0);
	if (strcmp(dv_b64, (const char *)dv_text) != 0)
		fprintf(stderr, "computed DigestValue: %s\n", dv_b64);
	assert_string_equal(dv_b64, (const char *)dv_text);
	si_node = ds_child(sig, "SignedInfo");
	assert_non_null(si_node);
	dv_in_rec = xmlNodeGetContent(
	    ds_child(ds_child(si_node, "Reference"), "DigestValue"));
	assert_non_null(dv_in_rec);
	assert_string_equal((const char *)dv_in_rec, dv_b64);
	xmlFree(dv_in_rec);
	assert_int_equal(sp_b64_decode((const char *)dv_text, dv_len, want,
	                               sizeof(want), &n),
	                 SP_OK);
	assert_int_equal(n, 32);
	assert_int_equal(sp_signed_content_digest_of(rec, rec_len, held, &why),
	                 SP_OK);
	assert_memory_equal(held, want, 32);

	/* 4. The canonical SignedInfo shown is what SignatureValue signs. */
	assert_int_equal(
	    exc_c14n(tree, si_node, NULL, 1, &si_mine, &si_mine_len), 0);
	if (si_mine_len != si_len || memcmp(si_mine, si, si_len) != 0)
		show("SignedInfo", si_mine, si_mine_len);
	assert_int_equal(si_mine_len, si_len);
	assert_memory_equal(si_mine, si, si_len);
	sv_node = ds_child(sig, "SignatureValue");
	assert_non_null(sv_node);
	sv_text = xmlNodeGetContent(sv_node);
	assert_non_null(sv_text);
	assert_int_equal(sp_b64_decode((const char *)sv_text,
	                               strlen((const char *)sv_text), rs,
	                               sizeof(rs), &n),
	                 SP_OK);
	xmlFree(sv_text);
	assert_int_equal(n, 64);
	assert_true(ecdsa_ok(pkey, si, si_len, rs));

	/* 5. The record digest: SHA-256 of the exact record bytes. */
	sp_sha256_hex(rec, rec_len, hex);
	if (strcmp(hex, (const char *)rd) != 0)
		fprintf(stderr, "computed record digest: %s\n", hex);
	assert_string_equal(hex, (const char *)rd);

	sp_record_free(rec_info);
	sp_doc_free(doc);
	sp_trust_unref(trust);
	EVP_PKEY_free(pkey);
	free(tl);
	free(sign_der);
	free(mine);
	free(lxml);
	free(si_mine);
	free(key_pem);
	free(rec);
	free(din);
	free(dv_text);
	free(si);
	free(rd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_vector),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
