/* assert_transport.c: Transport assertions: TLS versions and suites, ALPN
 * h2 only, the server's certificate, client certificates requested in the
 * handshake, peer endpoints closed to anonymous callers and non-members. */
#include "conf_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ssl.h>

/* One request on a fresh connection with the given identity. Returns -1
 * when the connection could not be made (err says why). */
static int fresh_request(cf_ctx *x, X509 *cert, EVP_PKEY *key, const char *who,
                         const char *method, const char *path,
                         const uint8_t *body, size_t len, cf_resp *resp,
                         cf_result *r, char *err, size_t errlen)
{
	cf_conn *c = cf_connect_as(x, cert, key, err, errlen);
	cf_req q;

	memset(resp, 0, sizeof(*resp));
	if (c == NULL) {
		char req[160];

		snprintf(req, sizeof(req), "TLS handshake as %s", who);
		cf_evidence_add(r, req, 0, "handshake refused", 0, err);
		return -1;
	}
	memset(&q, 0, sizeof(q));
	q.method = method;
	q.path = path;
	q.body = body;
	q.len = len;
	q.ctype = body != NULL ? "application/xml" : NULL;
	cf_exchange(c, &q, 1, x->timeout_ms);
	*resp = q.resp;
	cf_note_response(x, method, path, resp, who, r);
	cf_close(c);
	return 0;
}

static void t_tls13_h2(cf_ctx *x, const void *arg, cf_result *r)
{
	cf_tls t;
	cf_conn *c;
	char err[200];
	double t0 = cf_now_ms();

	(void)arg;
	memset(&t, 0, sizeof(t));
	t.min_version = TLS1_3_VERSION;
	t.max_version = TLS1_3_VERSION;
	t.cert = x->tls_cert;
	t.key = x->tls_key;
	c = cf_tls_connect(x->host, x->port, &t, x->timeout_ms, err,
	                   sizeof(err), NULL);
	if (c == NULL) {
		cf_evidence_add(r, "TLS 1.3 handshake, ALPN h2", 0,
		                "handshake failed", cf_now_ms() - t0, err);
		cf_fail(r, "a TLS 1.3 handshake offering ALPN h2 failed: %s",
		        err);
		return;
	}
	cf_evidence_add(r, "TLS 1.3 handshake, ALPN h2", 0, cf_conn_alpn(c),
	                cf_now_ms() - t0, cf_conn_cipher(c));
	if (strcmp(cf_conn_version(c), "TLSv1.3") != 0)
		cf_fail(r, "negotiated %s, not TLS 1.3", cf_conn_version(c));
	else if (strcmp(cf_conn_alpn(c), "h2") != 0)
		cf_fail(r, "ALPN selected '%s', not h2", cf_conn_alpn(c));
	else
		cf_pass(r, "TLS 1.3 with ALPN h2 (%s)", cf_conn_cipher(c));
	cf_close(c);
}

static void t_server_cert(cf_ctx *x, const void *arg, cf_result *r)
{
	(void)arg;
	cf_evidence_add(r, "TLS handshake", 0,
	                x->target_id[0] ? x->target_id : "no member", 0,
	                x->target_fp);
	if (x->target_id[0] != '\0')
		cf_pass(r,
		        "the server certificate is byte-identical to the "
		        "TlsCertificate of member %s",
		        x->target_id);
	else
		cf_fail(r, "%s",
		        x->setup_error[0] ? x->setup_error
		                          : "the target is not identified");
}

static void t_cert_request(cf_ctx *x, const void *arg, cf_result *r)
{
	cf_conn *c;
	char err[200];

	(void)arg;
	c = cf_tls_connect(x->host, x->port, NULL, x->timeout_ms, err,
	                   sizeof(err), NULL);
	if (c == NULL) {
		cf_evidence_add(r, "TLS handshake without a client certificate",
		                0, "handshake refused", 0, err);
		cf_fail(r,
		        "the handshake without a client certificate failed "
		        "(%s), so public endpoints "
		        "are unreachable",
		        err);
		return;
	}
	cf_evidence_add(r, "TLS handshake without a client certificate", 0,
	                cf_conn_cert_requested(c) ? "CertificateRequest seen"
	                                          : "no CertificateRequest",
	                0, cf_conn_version(c));
	if (cf_conn_cert_requested(c))
		cf_pass(r, "the server sent a CertificateRequest in the "
		           "initial handshake and completed it "
		           "without a certificate");
	else
		cf_fail(r, "the server did not request a client certificate in "
		           "the handshake");
	cf_close(c);
}

static void t_alpn_http11(cf_ctx *x, const void *arg, cf_result *r)
{
	static const unsigned char http11[] = {8,   'h', 't', 't', 'p',
	                                       '/', '1', '.', '1'};
	cf_tls t;
	cf_conn *c;
	char err[200];

	(void)arg;
	memset(&t, 0, sizeof(t));
	t.alpn = http11;
	t.alpn_len = sizeof(http11);
	c = cf_tls_connect(x->host, x->port, &t, x->timeout_ms, err,
	                   sizeof(err), NULL);
	cf_evidence_add(r, "TLS handshake offering only ALPN http/1.1", 0,
	                c == NULL ? "handshake refused" : "handshake completed",
	                0, c == NULL ? err : cf_conn_alpn(c));
	if (c == NULL)
		cf_pass(r, "the handshake was aborted: %s", err);
	else
		cf_fail(r,
		        "the handshake completed (ALPN '%s') although the "
		        "client did not offer h2",
		        cf_conn_alpn(c));
	cf_close(c);
}

static void t_alpn_none(cf_ctx *x, const void *arg, cf_result *r)
{
	static const char get[] = "GET /healthz HTTP/1.1\r\nHost: "
	                          "conformance\r\nConnection: close\r\n\r\n";
	cf_tls t;
	cf_conn *c;
	char err[200], buf[64];
	long n = 0;

	(void)arg;
	memset(&t, 0, sizeof(t));
	t.no_alpn = 1;
	c = cf_tls_connect(x->host, x->port, &t, x->timeout_ms, err,
	                   sizeof(err), NULL);
	if (c == NULL) {
		cf_evidence_add(r, "TLS handshake without ALPN", 0,
		                "handshake refused", 0, err);
		cf_pass(r, "the handshake without ALPN was aborted: %s", err);
		return;
	}
	/* The handshake completed: that alone breaks API-2. Say whether the
	 * node then also served HTTP/1.1, which would be worse. */
	if (cf_conn_raw_write(c, get, sizeof(get) - 1) == 0)
		n = cf_conn_raw_read(c, buf, sizeof(buf) - 1, 3000);
	buf[n > 0 ? n : 0] = '\0';
	cf_evidence_add(r, "HTTP/1.1 GET /healthz without ALPN", 0,
	                n > 0 ? "bytes received" : "no answer", 0,
	                n > 0 ? buf : NULL);
	if (n > 0 && strncmp(buf, "HTTP/", 5) == 0)
		cf_fail(r, "the node completed a handshake without ALPN and "
		           "answered HTTP/1.1 on it");
	else
		cf_fail(r, "the node completed a handshake without ALPN "
		           "instead of refusing it with the "
		           "no_application_protocol alert");
	cf_close(c);
}

static void t_old_tls(cf_ctx *x, const void *arg, cf_result *r)
{
	cf_tls t;
	cf_conn *c;
	char err[200];
	int local = 0;

	(void)arg;
	memset(&t, 0, sizeof(t));
	t.min_version = TLS1_VERSION;
	t.max_version = TLS1_1_VERSION;
	t.seclevel0 = 1;
	t.cipher_list = "DEFAULT:@SECLEVEL=0";
	c = cf_tls_connect(x->host, x->port, &t, x->timeout_ms, err,
	                   sizeof(err), &local);
	if (c == NULL && local) {
		cf_skip(r,
		        "this client's TLS library cannot offer TLS 1.0 or 1.1 "
		        "(%s)",
		        err);
		return;
	}
	cf_evidence_add(r, "TLS 1.0/1.1 handshake", 0,
	                c == NULL ? "handshake refused" : cf_conn_version(c), 0,
	                c == NULL ? err : cf_conn_cipher(c));
	if (c == NULL)
		cf_pass(r, "TLS 1.0 and 1.1 are refused");
	else
		cf_fail(r, "the node accepted %s", cf_conn_version(c));
	cf_close(c);
}

static void t_tls12_weak(cf_ctx *x, const void *arg, cf_result *r)
{
	cf_tls t;
	cf_conn *c;
	char err[200];
	int local = 0;

	(void)arg;
	memset(&t, 0, sizeof(t));
	t.min_version = TLS1_2_VERSION;
	t.max_version = TLS1_2_VERSION;
	/* CBC suites, and AEAD suites without ECDHE. */
	t.cipher_list = "ECDHE-ECDSA-AES128-SHA256:ECDHE-RSA-AES128-SHA256:"
	                "ECDHE-ECDSA-AES128-SHA:"
	                "ECDHE-RSA-AES128-SHA:AES128-GCM-SHA256:AES256-GCM-"
	                "SHA384:AES128-SHA256:AES128-SHA:"
	                "DHE-RSA-AES128-GCM-SHA256";
	c = cf_tls_connect(x->host, x->port, &t, x->timeout_ms, err,
	                   sizeof(err), &local);
	if (c == NULL && local) {
		cf_skip(r, "this client cannot offer those TLS 1.2 suites (%s)",
		        err);
		return;
	}
	cf_evidence_add(
	    r, "TLS 1.2 handshake offering only non-ECDHE or non-AEAD suites",
	    0, c == NULL ? "handshake refused" : cf_conn_cipher(c), 0,
	    c == NULL ? err : NULL);
	if (c == NULL)
		cf_pass(r, "TLS 1.2 without ECDHE and AEAD is refused");
	else
		cf_fail(r, "the node accepted TLS 1.2 with %s",
		        cf_conn_cipher(c));
	cf_close(c);
}

static void t_tls12_suite(cf_ctx *x, const void *arg, cf_result *r)
{
	cf_tls t;
	cf_conn *c;
	char err[200];
	const char *s;

	(void)arg;
	memset(&t, 0, sizeof(t));
	t.min_version = TLS1_2_VERSION;
	t.max_version = TLS1_2_VERSION;
	c = cf_tls_connect(x->host, x->port, &t, x->timeout_ms, err,
	                   sizeof(err), NULL);
	cf_evidence_add(
	    r, "TLS 1.2 handshake offering the library's default suites", 0,
	    c == NULL ? "handshake refused" : cf_conn_cipher(c), 0,
	    c == NULL ? err : NULL);
	if (c == NULL) {
		cf_pass(r, "TLS 1.2 is not accepted (TLS 1.3 only)");
		return;
	}
	s = cf_conn_cipher(c);
	if (strncmp(s, "ECDHE-", 6) == 0 &&
	    (strstr(s, "-GCM-") != NULL ||
	     strstr(s, "CHACHA20-POLY1305") != NULL))
		cf_pass(r, "TLS 1.2 is accepted with an ECDHE AEAD suite (%s)",
		        s);
	else
		cf_fail(r,
		        "TLS 1.2 was negotiated with %s, which is not ECDHE "
		        "with AEAD",
		        s);
	cf_close(c);
}

static void t_no_early_data(cf_ctx *x, const void *arg, cf_result *r)
{
	cf_tls t;
	cf_conn *c;
	char err[200], note[80];
	uint32_t m;

	(void)arg;
	memset(&t, 0, sizeof(t));
	t.min_version = TLS1_3_VERSION;
	t.cert = x->tls_cert;
	t.key = x->tls_key;
	c = cf_tls_connect(x->host, x->port, &t, x->timeout_ms, err,
	                   sizeof(err), NULL);
	if (c == NULL) {
		cf_fail(r, "TLS 1.3 handshake failed: %s", err);
		return;
	}
	m = cf_conn_max_early_data(c);
	snprintf(note, sizeof(note), "max_early_data=%u", (unsigned)m);
	cf_evidence_add(r, "TLS 1.3 session tickets", 0,
	                m ? "early data offered" : "no early data", 0, note);
	if (m == 0)
		cf_pass(r, "no session ticket offers early data (0-RTT)");
	else
		cf_fail(r, "a session ticket allows %u bytes of early data",
		        (unsigned)m);
	cf_close(c);
}

/* The record an access check posts. In read-only mode it is left
 * unsigned: the refusal checked here (401, 403, or none in the handshake)
 * comes before any signature check, and a target that wrongly let the
 * caller in still could not keep a record without a signature. */
static const cf_recopt *ro_record(const cf_ctx *x, cf_recopt *ro)
{
	memset(ro, 0, sizeof(*ro));
	ro->unsigned_only = x->read_only;
	return ro;
}

static void t_anonymous(cf_ctx *x, const void *arg, cf_result *r)
{
	cf_recopt ro;
	char path[3][160], err[200], name[72];
	const char *paths[4];
	uint8_t *rec = NULL;
	size_t len = 0;
	int bad = 0;

	(void)arg;
	if (!cf_need_target(x, r))
		return;
	if (cf_record(x, ro_record(x, &ro), &rec, &len, err, sizeof(err)) !=
	    SP_OK) {
		cf_fail(r, "%s", err);
		return;
	}
	snprintf(path[0], sizeof(path[0]),
	         "/v1/records/3f1c0a52-9d7e-4b1a-8c3e-5a2b7d9e0f14");
	snprintf(path[1], sizeof(path[1]),
	         "/v1/logs/%s/entries?start=0&count=1", x->target_id);
	snprintf(path[2], sizeof(path[2]), "/v1/search?type=declaration");
	paths[0] = "/v1/records";
	paths[1] = path[0];
	paths[2] = path[1];
	paths[3] = path[2];
	for (int i = 0; i < 4; i++) {
		cf_resp resp;

		cf_http(x, CF_AS_ANON, i == 0 ? "POST" : "GET", paths[i],
		        i == 0 ? "application/xml" : NULL, i == 0 ? rec : NULL,
		        i == 0 ? len : 0, &resp, r);
		cf_problem_name(&resp, name, sizeof(name));
		if (resp.status != 401 || strcmp(name, "unauthenticated") != 0)
			bad++;
		cf_resp_free(&resp);
	}
	free(rec);
	if (bad == 0)
		cf_pass(r, "records, record fetch, entries and search answer "
		           "401 unauthenticated without a "
		           "client certificate");
	else
		cf_fail(r,
		        "%d of 4 member endpoints did not answer 401 "
		        "unauthenticated without a client "
		        "certificate",
		        bad);
}

/* A non-member identity must not reach member endpoints: refused in the
 * handshake, or answered 403 forbidden. */
static void nonmember(cf_ctx *x, X509 *cert, EVP_PKEY *key, const char *who,
                      cf_result *r)
{
	cf_recopt ro;
	char err[200], name[72], path[160];
	uint8_t *rec = NULL;
	size_t len = 0;
	cf_resp resp;
	int bad = 0, refused = 0;

	if (cf_record(x, ro_record(x, &ro), &rec, &len, err, sizeof(err)) !=
	    SP_OK) {
		cf_fail(r, "%s", err);
		return;
	}
	snprintf(path, sizeof(path), "/v1/logs/%s/entries?start=0&count=1",
	         x->target_id);
	for (int i = 0; i < 2; i++) {
		if (fresh_request(x, cert, key, who, i == 0 ? "POST" : "GET",
		                  i == 0 ? "/v1/records" : path,
		                  i == 0 ? rec : NULL, i == 0 ? len : 0, &resp,
		                  r, err, sizeof(err)) != 0) {
			refused++;
			continue;
		}
		cf_problem_name(&resp, name, sizeof(name));
		/* With TLS 1.3 the server judges the client certificate after
		 * the client's side of the handshake is done: its refusal shows
		 * as the connection closing before any answer. */
		if (resp.status == 0 && !resp.reset)
			refused++;
		else if (resp.status != 403 || strcmp(name, "forbidden") != 0)
			bad++;
		cf_resp_free(&resp);
	}
	free(rec);
	if (bad > 0)
		cf_fail(r,
		        "a non-member certificate (%s) was not refused with "
		        "403 forbidden on %d of 2 member "
		        "endpoints",
		        who, bad);
	else if (refused > 0)
		cf_pass(r,
		        "the non-member certificate (%s) was refused at the "
		        "TLS layer",
		        who);
	else
		cf_pass(r,
		        "member endpoints answered 403 forbidden to the "
		        "non-member certificate (%s)",
		        who);
}

static void t_outsider(cf_ctx *x, const void *arg, cf_result *r)
{
	char err[200];

	(void)arg;
	if (!cf_need_target(x, r))
		return;
	if (cf_make_outsiders(x, err, sizeof(err)) != 0) {
		cf_skip(r, "%s", err);
		return;
	}
	nonmember(x, x->outsider_tls_cert, x->outsider_tls_key,
	          "certificate of an unknown CA", r);
}

static void t_fedca_nonmember(cf_ctx *x, const void *arg, cf_result *r)
{
	char err[200];

	(void)arg;
	if (!cf_need_target(x, r))
		return;
	if (cf_make_outsiders(x, err, sizeof(err)) != 0) {
		cf_skip(r, "%s", err);
		return;
	}
	if (x->fedca_tls_cert == NULL) {
		cf_skip(r, "the federation directory holds no operator key to "
		           "issue a non-member certificate");
		return;
	}
	/* The federation CA signed it: a node that identified members by
	 * their chain would let it in. */
	nonmember(x, x->fedca_tls_cert, x->fedca_tls_key,
	          "CONF-NONMEMBER issued by the federation CA", r);
}

static const cf_assertion list[] = {
    {"TLS 1.3 handshake with ALPN h2", "API-1, API-2, API-7", CF_MUST,
     t_tls13_h2, NULL, CF_READS},
    {"the server presents a member's TlsCertificate", "API-5, TL-38", CF_MUST,
     t_server_cert, NULL, CF_READS},
    {"a client certificate is requested in the initial handshake, and optional",
     "API-4", CF_MUST, t_cert_request, NULL, CF_READS},
    {"a client offering only http/1.1 is refused in the handshake", "API-2",
     CF_MUST, t_alpn_http11, NULL, CF_READS},
    {"a client offering no ALPN is refused in the handshake", "API-2", CF_MUST,
     t_alpn_none, NULL, CF_READS},
    {"TLS 1.0 and 1.1 are refused", "API-1", CF_MUST, t_old_tls, NULL,
     CF_READS},
    {"TLS 1.2 without ECDHE and AEAD is refused", "API-1", CF_MUST,
     t_tls12_weak, NULL, CF_READS},
    {"TLS 1.2, if accepted, uses ECDHE with an AEAD suite", "API-1", CF_MUST,
     t_tls12_suite, NULL, CF_READS},
    {"no TLS 1.3 early data (0-RTT) is offered", "API-3", CF_MUST,
     t_no_early_data, NULL, CF_READS},
    {"member endpoints answer 401 without a client certificate",
     "ACC-2, ACC-6, API-19", CF_MUST, t_anonymous, NULL, CF_READS},
    {"a certificate of an unknown CA gets no member access", "ACC-3, TL-37",
     CF_MUST, t_outsider, NULL, CF_READS},
    {"a federation-CA certificate that is no member's gets 403", "TL-37, ACC-3",
     CF_MUST, t_fedca_nonmember, NULL, CF_READS},
};

const cf_assertion *cf_area_transport(size_t *n)
{
	*n = sizeof(list) / sizeof(list[0]);
	return list;
}
