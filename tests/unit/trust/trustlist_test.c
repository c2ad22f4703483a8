/* trustlist_test.c: opening trust lists: anchors, rollback, federation,
 * lookups. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "unit/trust/trust_fixture.h"

static fx_fed g_fed;

static int group_setup(void **state)
{
	(void)state;
	return fx_setup(&g_fed) == SP_OK ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	fx_teardown(&g_fed);
	sp_trust_cleanup();
	return 0;
}

static int open_tl(const uint8_t *b, size_t n, const sp_trust *cur,
                   const sp_anchors *a, const sp_verify_opts *o)
{
	sp_trust *t = NULL;
	const char *why = NULL;
	int rc = sp_trust_open(a ? a : g_fed.anchors, b, n, cur, o, &t, &why);

	if (rc == SP_OK)
		assert_non_null(t);
	else
		assert_null(t);
	sp_trust_unref(t);
	return rc;
}

static void test_opened_list(void **state)
{
	const sp_tl *tl = sp_trust_list(g_fed.trust);
	const uint8_t *b;
	size_t n = 0;

	(void)state;
	assert_non_null(tl);
	assert_string_equal(tl->federation, "silk-zz");
	assert_int_equal(tl->sequence, 5);
	assert_int_equal(tl->n_members, FX_MEMBERS);
	b = sp_trust_list_bytes(g_fed.trust, &n);
	assert_int_equal(n, g_fed.tl_len);
	assert_memory_equal(b, g_fed.tl_bytes, n);
	assert_int_equal(sp_trust_expired(g_fed.trust, g_fed.now), 0);
	assert_int_equal(sp_trust_expired(g_fed.trust, g_fed.now + 31 * 86400),
	                 1);
	/* refcount */
	assert_ptr_equal(sp_trust_ref(g_fed.trust), g_fed.trust);
	sp_trust_unref(g_fed.trust);
	assert_non_null(sp_trust_list(g_fed.trust));
}

static void test_sequence_rules(void **state)
{
	uint8_t *b = NULL;
	size_t n = 0;
	uint64_t seq = 0;
	sp_verify_opts o;

	(void)state;
	/* the same bytes again: fine */
	assert_int_equal(
	    open_tl(g_fed.tl_bytes, g_fed.tl_len, g_fed.trust, NULL, NULL),
	    SP_OK);
	/* newer */
	assert_int_equal(
	    fx_build_tl(&g_fed, "silk-zz", 6, g_fed.now, g_fed.ca, &b, &n),
	    SP_OK);
	assert_int_equal(open_tl(b, n, g_fed.trust, NULL, NULL), SP_OK);
	free(b);
	/* older */
	assert_int_equal(
	    fx_build_tl(&g_fed, "silk-zz", 4, g_fed.now, g_fed.ca, &b, &n),
	    SP_OK);
	sp_verify_opts_default(&o);
	o.list_sequence = &seq;
	assert_int_equal(open_tl(b, n, g_fed.trust, NULL, &o),
	                 SP_ERR_TRUST_LIST_ROLLBACK);
	assert_int_equal(seq, 4); /* an older list: no split */
	/* without a current list, any valid sequence opens */
	assert_int_equal(open_tl(b, n, NULL, NULL, NULL), SP_OK);
	free(b);
	/* the same sequence, different contents: refused, and the caller
	 * learns its sequence (a split view, kept as evidence) */
	assert_int_equal(
	    fx_build_tl(&g_fed, "silk-zz", 5, g_fed.now - 30, g_fed.ca, &b, &n),
	    SP_OK);
	assert_int_equal(open_tl(b, n, g_fed.trust, NULL, &o),
	                 SP_ERR_TRUST_LIST_ROLLBACK);
	assert_int_equal(seq, 5);
	free(b);
	/* another federation */
	assert_int_equal(
	    fx_build_tl(&g_fed, "silk-ports", 9, g_fed.now, g_fed.ca, &b, &n),
	    SP_OK);
	assert_int_equal(open_tl(b, n, g_fed.trust, NULL, NULL),
	                 SP_ERR_WRONG_FEDERATION);
	free(b);
	/* issued in the future */
	assert_int_equal(fx_build_tl(&g_fed, "silk-zz", 7, g_fed.now + 7200,
	                             g_fed.ca, &b, &n),
	                 SP_OK);
	assert_int_equal(open_tl(b, n, g_fed.trust, NULL, NULL),
	                 SP_ERR_ISSUED_IN_FUTURE);
	free(b);
}

static void test_anchors(void **state)
{
	uint8_t *b = NULL, *t;
	size_t n = 0, tn = 0;
	sp_anchors *a2 = NULL, *none = NULL, *bad = NULL;
	const char *why = NULL;
	sp_verify_opts o;

	(void)state;
	/* signed by a CA that is not an anchor */
	assert_int_equal(
	    fx_build_tl(&g_fed, "silk-zz", 6, g_fed.now, g_fed.ca2, &b, &n),
	    SP_OK);
	assert_int_equal(open_tl(b, n, g_fed.trust, NULL, NULL),
	                 SP_ERR_UNTRUSTED_ANCHOR);
	/* ...and without its KeyInfo hint */
	{
		long x = fx_find(b, n, "<ds:KeyInfo>");
		long y = fx_find(b, n, "</ds:KeyInfo>");
		uint8_t *c;

		assert_true(x > 0 && y > x);
		y += (long)strlen("</ds:KeyInfo>");
		c = malloc(n);
		assert_non_null(c);
		memcpy(c, b, (size_t)x);
		memcpy(c + x, b + y, n - (size_t)y);
		assert_int_equal(
		    open_tl(c, n - (size_t)(y - x), NULL, NULL, NULL),
		    SP_ERR_UNTRUSTED_ANCHOR);
		free(c);
	}
	/* it opens once that CA is an anchor too */
	assert_int_equal(sp_anchors_new(&a2), SP_OK);
	assert_int_equal(sp_anchors_add_pem_file(a2, g_fed.ca_cert, &why),
	                 SP_OK);
	assert_int_equal(sp_anchors_add_pem_file(a2, g_fed.ca2_cert, &why),
	                 SP_OK);
	assert_int_equal(open_tl(b, n, NULL, a2, NULL), SP_OK);
	free(b);
	/* signed by a member (not a CA, not an anchor) */
	assert_int_equal(
	    fx_build_tl(&g_fed, "silk-zz", 6, g_fed.now, g_fed.k[0], &b, &n),
	    SP_OK);
	assert_int_equal(open_tl(b, n, NULL, a2, NULL),
	                 SP_ERR_UNTRUSTED_ANCHOR);
	free(b);
	/* no anchors at all */
	assert_int_equal(sp_anchors_new(&none), SP_OK);
	assert_int_equal(
	    open_tl(g_fed.tl_bytes, g_fed.tl_len, NULL, none, NULL),
	    SP_ERR_UNTRUSTED_ANCHOR);
	/* an anchor file that holds a non-CA certificate is refused */
	assert_int_equal(sp_anchors_new(&bad), SP_OK);
	assert_int_equal(sp_anchors_add_pem_file(bad, g_fed.sign_cert[0], &why),
	                 SP_ERR_CERT_INVALID);
	assert_int_equal(
	    sp_anchors_add_pem_file(bad, "/nonexistent/ca.pem", &why),
	    SP_ERR_IO);
	/* the anchor must be valid now */
	sp_verify_opts_default(&o);
	o.now = g_fed.now + 20 * 365 * 86400;
	assert_int_equal(open_tl(g_fed.tl_bytes, g_fed.tl_len, NULL, NULL, &o),
	                 SP_ERR_CERT_INVALID);
	/* tampered list */
	t = fx_replace(g_fed.tl_bytes, g_fed.tl_len, "<Status>revoked</Status>",
	               "<Status>active</Status>", &tn);
	assert_non_null(t);
	assert_int_equal(open_tl(t, tn, NULL, NULL, NULL), SP_ERR_SIG_INVALID);
	free(t);
	/* unsigned list */
	{
		long x = fx_find(g_fed.tl_bytes, g_fed.tl_len, "<ds:Signature");
		long y =
		    fx_find(g_fed.tl_bytes, g_fed.tl_len, "</ds:Signature>");

		assert_true(x > 0 && y > x);
		y += (long)strlen("</ds:Signature>");
		t = malloc(g_fed.tl_len);
		assert_non_null(t);
		memcpy(t, g_fed.tl_bytes, (size_t)x);
		memcpy(t + x, g_fed.tl_bytes + y, g_fed.tl_len - (size_t)y);
		assert_int_equal(open_tl(t, g_fed.tl_len - (size_t)(y - x),
		                         NULL, NULL, NULL),
		                 SP_ERR_SIG_MISSING);
		free(t);
	}
	sp_anchors_free(a2);
	sp_anchors_free(none);
	sp_anchors_free(bad);
}

static void test_member_by_tls_cert(void **state)
{
	uint8_t *der = NULL;
	size_t n = 0;
	const char *why = NULL;
	const sp_tl_member *m;
	int i;

	(void)state;
	for (i = 0; i < FX_MEMBERS; i++) {
		assert_int_equal(
		    sp_pki_cert_der(g_fed.tls_cert[i], &der, &n, &why), SP_OK);
		m = sp_trust_member_by_tls_cert(g_fed.trust, der, n);
		assert_non_null(m);
		assert_string_equal(m->node_id, fx_ids[i]);
		/* one byte off: no member */
		der[n - 1] ^= 1;
		assert_null(sp_trust_member_by_tls_cert(g_fed.trust, der, n));
		assert_null(
		    sp_trust_member_by_tls_cert(g_fed.trust, der, n - 1));
		free(der);
	}
	/* a signing certificate is not a TLS certificate */
	assert_int_equal(sp_pki_cert_der(g_fed.sign_cert[0], &der, &n, &why),
	                 SP_OK);
	assert_null(sp_trust_member_by_tls_cert(g_fed.trust, der, n));
	free(der);
	assert_null(sp_trust_member_by_tls_cert(g_fed.trust, NULL, 0));
}

/* The trust module reports each list as its operator signed it: a list
 * that shows a revoked member active again opens with that status. Keeping
 * revocations for good is the node's rule ([TL-39], node/core/trust_gate.c),
 * which refuses such a list against what its store recorded. */
static void test_status_as_listed(void **state)
{
	uint8_t *b = NULL;
	size_t n = 0;
	sp_trust *t = NULL;
	const char *why = NULL;
	const sp_tl_member *m;

	(void)state;
	g_fed.status[2] = SP_STATUS_ACTIVE;
	assert_int_equal(
	    fx_build_tl(&g_fed, "silk-zz", 6, g_fed.now, g_fed.ca, &b, &n),
	    SP_OK);
	g_fed.status[2] = SP_STATUS_REVOKED;
	assert_int_equal(
	    sp_trust_open(g_fed.anchors, b, n, g_fed.trust, NULL, &t, &why),
	    SP_OK);
	m = sp_tl_find(sp_trust_list(t), "CN-HZ");
	assert_non_null(m);
	assert_int_equal(m->status, SP_STATUS_ACTIVE);
	sp_trust_unref(t);
	free(b);
}

/* [FED-40]: a member entry ignored by the node is found by no lookup; the
 * list keeps its signed bytes and its other members. */
static void test_without_members(void **state)
{
	const char *drop[] = {"KZ-KGS"};
	sp_trust *t = NULL;
	const char *why = NULL;
	const uint8_t *b;
	uint8_t *der = NULL;
	size_t n = 0, len = 0, i;

	(void)state;
	assert_int_equal(sp_trust_without(g_fed.trust, drop, 1, &t, &why),
	                 SP_OK);
	assert_null(sp_tl_find(sp_trust_list(t), "KZ-KGS"));
	assert_int_equal(sp_trust_list(t)->n_members, FX_MEMBERS - 1);
	assert_non_null(sp_tl_find(sp_trust_list(g_fed.trust), "KZ-KGS"));
	b = sp_trust_list_bytes(t, &n);
	assert_int_equal(n, g_fed.tl_len);
	assert_memory_equal(b, g_fed.tl_bytes, n);
	for (i = 0; i < FX_MEMBERS; i++) {
		assert_int_equal(
		    sp_pki_cert_der(g_fed.tls_cert[i], &der, &len, &why),
		    SP_OK);
		if (i == 1)
			assert_null(sp_trust_member_by_tls_cert(t, der, len));
		else
			assert_non_null(
			    sp_trust_member_by_tls_cert(t, der, len));
		free(der);
	}
	/* list order of the others is kept */
	assert_string_equal(sp_trust_list(t)->members[0].node_id, "CN-ZZ");
	assert_string_equal(sp_trust_list(t)->members[1].node_id, "CN-HZ");
	sp_trust_unref(t);
	/* nothing to drop: an equal copy */
	assert_int_equal(sp_trust_without(g_fed.trust, NULL, 0, &t, &why),
	                 SP_OK);
	assert_int_equal(sp_trust_list(t)->n_members, FX_MEMBERS);
	sp_trust_unref(t);
}

static void test_member_certificates(void **state)
{
	uint8_t *b = NULL, *der = NULL;
	size_t n = 0;
	int len;
	EVP_PKEY *weak;
	X509 *x;
	static const uint8_t junk[] = {0x30, 0x03, 0x02, 0x01, 0x01};

	(void)state;
	/* A signing certificate with an RSA-1024 key refuses the list. */
	weak = EVP_RSA_gen(1024);
	assert_non_null(weak);
	x = X509_new();
	assert_non_null(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, weak);
	assert_true(X509_sign(x, weak, EVP_sha256()) > 0);
	len = i2d_X509(x, &der);
	assert_true(len > 0);
	g_fed.sign_der[0] = der;
	g_fed.sign_der_len[0] = (size_t)len;
	assert_int_equal(
	    fx_build_tl(&g_fed, "silk-zz", 6, g_fed.now, g_fed.ca, &b, &n),
	    SP_OK);
	assert_int_equal(open_tl(b, n, NULL, NULL, NULL), SP_ERR_KEY_WEAK);
	free(b);
	/* Bytes that are not one certificate. */
	g_fed.sign_der[0] = junk;
	g_fed.sign_der_len[0] = sizeof(junk);
	assert_int_equal(
	    fx_build_tl(&g_fed, "silk-zz", 6, g_fed.now, g_fed.ca, &b, &n),
	    SP_OK);
	assert_int_equal(open_tl(b, n, NULL, NULL, NULL), SP_ERR_CERT_INVALID);
	free(b);
	g_fed.sign_der[0] = NULL;
	g_fed.sign_der_len[0] = 0;
	OPENSSL_free(der);
	X509_free(x);
	EVP_PKEY_free(weak);
}

/* SPEC [TL-6], [LOG-9]: a member's LogKey splits at the first '+' and the
 * '+' after its 8-hex-digit key ID (the base64 key may hold '+'), its key ID
 * is the derived one and its name is silkport/<FederationId>/<its NodeId>;
 * otherwise the list is refused. */
static int open_with_log_key(const char *vkey)
{
	uint8_t *b = NULL;
	size_t n = 0;
	int rc;

	g_fed.log_key[0] = vkey; /* CN-ZZ */
	assert_int_equal(
	    fx_build_tl(&g_fed, "silk-zz", 6, g_fed.now, g_fed.ca, &b, &n),
	    SP_OK);
	g_fed.log_key[0] = NULL;
	rc = open_tl(b, n, NULL, NULL, NULL);
	free(b);
	return rc;
}

static void test_log_keys(void **state)
{
	char path[160], *home = NULL, *other_fed = NULL, *other_node = NULL,
	                *bad;
	const char *why = NULL;
	size_t nl;

	(void)state;
	fx_path(path, sizeof(path), g_fed.dir, "log-home.pem");
	assert_int_equal(
	    sp_note_keygen("silkport/silk-zz/CN-ZZ", path, &home, &why), SP_OK);
	fx_path(path, sizeof(path), g_fed.dir, "log-other-fed.pem");
	assert_int_equal(
	    sp_note_keygen("silkport/cn-cbec/CN-ZZ", path, &other_fed, &why),
	    SP_OK);
	fx_path(path, sizeof(path), g_fed.dir, "log-other-node.pem");
	assert_int_equal(
	    sp_note_keygen("silkport/silk-zz/KZ-KGS", path, &other_node, &why),
	    SP_OK);

	assert_int_equal(open_with_log_key(home), SP_OK);
	/* the home federation may be another list's (LOG-6, LOG-7) */
	assert_int_equal(open_with_log_key(other_fed), SP_OK);
	/* the example of LOG-9: a '+' inside the base64 key */
	assert_int_equal(
	    open_with_log_key("silkport/CN-CBEC/CN-ZZ+39338631+"
	                      "AWVTT/w3WuLZKiz70dmsd+p0Xa0Y4H1pEm1eX+dr7O7V"),
	    SP_OK);
	/* another member's name */
	assert_int_equal(open_with_log_key(other_node), SP_ERR_FIELD);
	/* a key ID that is not the key's */
	bad = strdup(home);
	assert_non_null(bad);
	nl = strlen("silkport/silk-zz/CN-ZZ+");
	bad[nl] = bad[nl] == '0' ? '1' : '0';
	assert_int_equal(open_with_log_key(bad), SP_ERR_FIELD);
	free(bad);
	/* a name that is not silkport/<FederationId>/<NodeId> */
	fx_path(path, sizeof(path), g_fed.dir, "log-deep.pem");
	bad = NULL;
	assert_int_equal(sp_note_keygen("silkport/a/b/CN-ZZ", path, &bad, &why),
	                 SP_OK);
	assert_int_equal(open_with_log_key(bad), SP_ERR_FIELD);
	free(bad);
	/* a key part that is not base64 of 33 bytes */
	assert_int_equal(
	    open_with_log_key("silkport/silk-zz/CN-ZZ+01234567+AQ=="),
	    SP_ERR_SCHEMA);
	free(home);
	free(other_fed);
	free(other_node);
}

/* Key overlap (SPEC [TL-79], [LOG-47]): CN-ZZ's list entry with a next TLS
 * certificate and a next checkpoint key. */
static int open_with_next(const uint8_t *next_tls, size_t next_len,
                          const char *log_key, const char *next_log_key,
                          sp_trust **out)
{
	uint8_t *b = NULL;
	size_t n = 0;
	const char *why = NULL;
	int rc;

	g_fed.next_tls_der[0] = next_tls;
	g_fed.next_tls_der_len[0] = next_len;
	g_fed.log_key[0] = log_key;
	g_fed.next_log_key[0] = next_log_key;
	rc = fx_build_tl(&g_fed, "silk-zz", 6, g_fed.now, g_fed.ca, &b, &n);
	g_fed.next_tls_der[0] = NULL;
	g_fed.next_tls_der_len[0] = 0;
	g_fed.log_key[0] = NULL;
	g_fed.next_log_key[0] = NULL;
	if (rc != SP_OK)
		return rc;
	rc = sp_trust_open(g_fed.anchors, b, n, NULL, NULL, out, &why);
	free(b);
	return rc;
}

static void test_next_tls_certificate(void **state)
{
	uint8_t *cur = NULL, *next = NULL, *other = NULL, *third = NULL;
	size_t cur_len = 0, next_len = 0, other_len = 0, third_len = 0;
	const char *why = NULL;
	const sp_tl_member *m;
	sp_trust *t = NULL;

	(void)state;
	assert_int_equal(
	    sp_pki_cert_der(g_fed.tls_cert[0], &cur, &cur_len, &why), SP_OK);
	assert_int_equal(
	    sp_pki_cert_der(g_fed.old_cert, &next, &next_len, &why), SP_OK);
	assert_int_equal(
	    sp_pki_cert_der(g_fed.tls_cert[1], &other, &other_len, &why),
	    SP_OK);
	assert_int_equal(
	    sp_pki_cert_der(g_fed.sign_cert[0], &third, &third_len, &why),
	    SP_OK);
	/* without a next slot the next certificate is nobody */
	assert_null(sp_trust_member_by_tls_cert(g_fed.trust, next, next_len));

	assert_int_equal(open_with_next(next, next_len, NULL, NULL, &t), SP_OK);
	/* either certificate is CN-ZZ */
	m = sp_trust_member_by_tls_cert(t, cur, cur_len);
	assert_non_null(m);
	assert_string_equal(m->node_id, "CN-ZZ");
	m = sp_trust_member_by_tls_cert(t, next, next_len);
	assert_non_null(m);
	assert_string_equal(m->node_id, "CN-ZZ");
	assert_true(sp_tl_member_has_tls_cert(m, next, next_len));
	assert_true(sp_tl_member_has_tls_cert(m, cur, cur_len));
	/* a certificate in neither slot is not */
	assert_false(sp_tl_member_has_tls_cert(m, third, third_len));
	assert_null(sp_trust_member_by_tls_cert(t, third, third_len));
	next[next_len - 1] ^= 1;
	assert_null(sp_trust_member_by_tls_cert(t, next, next_len));
	next[next_len - 1] ^= 1;
	/* the others are unchanged */
	m = sp_trust_member_by_tls_cert(t, other, other_len);
	assert_non_null(m);
	assert_string_equal(m->node_id, "KZ-KGS");
	sp_trust_unref(t);
	t = NULL;

	/* another member's certificate as next: two members, one certificate */
	assert_int_equal(open_with_next(other, other_len, NULL, NULL, &t),
	                 SP_ERR_FIELD);
	assert_null(t);
	/* its own current certificate again */
	assert_int_equal(open_with_next(cur, cur_len, NULL, NULL, &t),
	                 SP_ERR_FIELD);
	assert_null(t);
	/* not a certificate */
	assert_int_equal(
	    open_with_next((const uint8_t *)"junk", 4, NULL, NULL, &t),
	    SP_ERR_CERT_INVALID);
	assert_null(t);
	free(cur);
	free(next);
	free(other);
	free(third);
}

static char *make_note_key(const char *file, const char *name,
                           sp_note_signer **signer)
{
	char path[160], *vkey = NULL;
	const char *why = NULL;

	fx_path(path, sizeof(path), g_fed.dir, file);
	assert_int_equal(sp_note_keygen(name, path, &vkey, &why), SP_OK);
	if (signer != NULL)
		assert_int_equal(sp_note_signer_load(name, path, signer, &why),
		                 SP_OK);
	return vkey;
}

static void test_next_log_key(void **state)
{
	static const char text[] =
	    "silkport/silk-zz/CN-ZZ\n3\n"
	    "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n";
	sp_note_signer *s_cur = NULL, *s_next = NULL, *s_third = NULL;
	char *cur, *next, *third, *other, *note = NULL;
	const char *why = NULL;
	const sp_tl_member *m;
	sp_trust *t = NULL;
	size_t tl = 0;

	(void)state;
	cur = make_note_key("k1-cur.pem", "silkport/silk-zz/CN-ZZ", &s_cur);
	next = make_note_key("k1-next.pem", "silkport/silk-zz/CN-ZZ", &s_next);
	third =
	    make_note_key("k1-third.pem", "silkport/silk-zz/CN-ZZ", &s_third);
	other = make_note_key("k1-other.pem", "silkport/silk-zz/KZ-KGS", NULL);

	assert_int_equal(open_with_next(NULL, 0, cur, next, &t), SP_OK);
	m = sp_tl_find(sp_trust_list(t), "CN-ZZ");
	assert_non_null(m);
	assert_string_equal(m->next_log_key, next);
	assert_true(sp_tl_member_has_log_key(m, cur));
	assert_true(sp_tl_member_has_log_key(m, next));
	assert_false(sp_tl_member_has_log_key(m, third));
	sp_trust_unref(t);
	t = NULL;
	/* the next key obeys TL-6 as the current one does */
	assert_int_equal(open_with_next(NULL, 0, cur, other, &t), SP_ERR_FIELD);
	assert_null(t);
	/* a next key needs a current one, and differs from it */
	assert_int_equal(open_with_next(NULL, 0, NULL, next, &t), SP_ERR_FIELD);
	assert_int_equal(open_with_next(NULL, 0, cur, cur, &t), SP_ERR_FIELD);
	assert_null(t);

	/* a checkpoint signed by the next key verifies with either slot */
	assert_int_equal(
	    sp_note_sign(s_next, text, sizeof(text) - 1, &note, &why), SP_OK);
	assert_int_equal(
	    sp_note_verify_either(cur, next, note, strlen(note), &tl, &why),
	    SP_OK);
	assert_int_equal(tl, sizeof(text) - 1);
	assert_int_equal(
	    sp_note_verify_either(cur, NULL, note, strlen(note), &tl, &why),
	    SP_ERR_SIG_MISSING);
	free(note);
	/* the current key's as before */
	assert_int_equal(
	    sp_note_sign(s_cur, text, sizeof(text) - 1, &note, &why), SP_OK);
	assert_int_equal(
	    sp_note_verify_either(cur, next, note, strlen(note), NULL, &why),
	    SP_OK);
	free(note);
	/* a key in neither slot is refused */
	assert_int_equal(
	    sp_note_sign(s_third, text, sizeof(text) - 1, &note, &why), SP_OK);
	assert_int_equal(
	    sp_note_verify_either(cur, next, note, strlen(note), &tl, &why),
	    SP_ERR_SIG_MISSING);
	free(note);
	sp_note_signer_free(s_cur);
	sp_note_signer_free(s_next);
	sp_note_signer_free(s_third);
	free(cur);
	free(next);
	free(third);
	free(other);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_opened_list),
	    cmocka_unit_test(test_sequence_rules),
	    cmocka_unit_test(test_anchors),
	    cmocka_unit_test(test_member_by_tls_cert),
	    cmocka_unit_test(test_status_as_listed),
	    cmocka_unit_test(test_without_members),
	    cmocka_unit_test(test_member_certificates),
	    cmocka_unit_test(test_log_keys),
	    cmocka_unit_test(test_next_tls_certificate),
	    cmocka_unit_test(test_next_log_key),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
