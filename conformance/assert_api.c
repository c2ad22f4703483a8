/* assert_api.c: API-semantics assertions: health and readiness, routing,
 * methods and media types, delivery (201, 200 with the identical receipt,
 * 409 equivocation, 403 not-recipient), the signed receipt, record fetch,
 * search and entries parameters. */
#include "conf_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>
#include <openssl/bn.h>
#include <openssl/ec.h>

/* The record this area delivers first, shared by the assertions after it. */
static struct {
	int tried;
	uint8_t *rec;
	size_t len;
	uint8_t *receipt;
	size_t receipt_len;
	int status;
	char id[SP_UUID_LEN + 1];
	char subject[64];
	uint64_t seq;
} first;

static void free_first(void)
{
	free(first.rec);
	free(first.receipt);
	memset(&first, 0, sizeof(first));
}

static int ensure_first(cf_ctx *x, cf_result *r)
{
	cf_recopt ro;
	cf_resp resp;
	char err[200];

	if (first.tried)
		return first.status == 201 || first.status == 200;
	first.tried = 1;
	atexit(free_first);
	memset(&ro, 0, sizeof(ro));
	first.seq = cf_next_seq(x);
	snprintf(first.subject, sizeof(first.subject), "CONF-API-%llu",
	         (unsigned long long)first.seq);
	ro.seq = first.seq;
	ro.subject = first.subject;
	if (cf_record(x, &ro, &first.rec, &first.len, err, sizeof(err)) !=
	    SP_OK) {
		cf_fail(r, "suite: %s", err);
		return 0;
	}
	cf_record_id_of(first.rec, first.len, first.id);
	cf_deliver(x, first.rec, first.len, &resp, r);
	first.status = resp.status;
	if (resp.status == 201 || resp.status == 200) {
		first.receipt = resp.body;
		first.receipt_len = resp.len;
		resp.body = NULL;
		cf_remember(x, first.rec, first.len, first.id, first.seq);
	}
	cf_resp_free(&resp);
	return first.status == 201 || first.status == 200;
}

static int need_first(cf_ctx *x, cf_result *r)
{
	if (!cf_need_target(x, r))
		return 0;
	if (ensure_first(x, r))
		return 1;
	if (r->outcome != CF_FAIL || strstr(r->reason, "suite:") == NULL)
		cf_fail(r,
		        "a valid record addressed to the target was not "
		        "accepted (HTTP %d)",
		        first.status);
	return 0;
}

static void t_healthz(cf_ctx *x, const void *arg, cf_result *r)
{
	cf_resp resp;

	(void)arg;
	cf_http(x, CF_AS_ANON, "GET", "/healthz", NULL, NULL, 0, &resp, r);
	if (resp.status == 200 && resp.len == 3 &&
	    memcmp(resp.body, "ok\n", 3) == 0)
		cf_pass(r, "GET /healthz answered 200 \"ok\\n\"");
	else
		cf_fail(r,
		        "GET /healthz answered %d with %zu bytes, not 200 "
		        "\"ok\\n\"",
		        resp.status, resp.len);
	cf_resp_free(&resp);
}

static void t_readyz(cf_ctx *x, const void *arg, cf_result *r)
{
	cf_resp resp;

	(void)arg;
	cf_http(x, CF_AS_ANON, "GET", "/readyz", NULL, NULL, 0, &resp, r);
	if (resp.status == 200 && resp.len == 6 &&
	    memcmp(resp.body, "ready\n", 6) == 0)
		cf_pass(r, "GET /readyz answered 200 \"ready\\n\"");
	else
		cf_fail(r,
		        "GET /readyz answered %d, not 200 \"ready\\n\" (a node "
		        "under test must be ready)",
		        resp.status);
	cf_resp_free(&resp);
}

static void t_unknown_path(cf_ctx *x, const void *arg, cf_result *r)
{
	cf_resp resp;

	(void)arg;
	cf_http(x, CF_AS_MEMBER, "GET", "/v1/no-such-endpoint", NULL, NULL, 0,
	        &resp, r);
	cf_expect_error(r, &resp, SP_ERR_NOT_FOUND, "GET /v1/no-such-endpoint");
	cf_resp_free(&resp);
}

static void t_literal_paths(cf_ctx *x, const void *arg, cf_result *r)
{
	static const char *const paths[] = {"/healthz/", "/HEALTHZ",
	                                    "/v1/../healthz", "/%68ealthz"};
	int bad = 0;

	(void)arg;
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		cf_resp resp;

		cf_http(x, CF_AS_MEMBER, "GET", paths[i], NULL, NULL, 0, &resp,
		        r);
		if (resp.status != 404 && resp.status != 400)
			bad++;
		cf_resp_free(&resp);
	}
	if (bad == 0)
		cf_pass(r, "near-miss spellings of /healthz (trailing slash, "
		           "case, dot segment, percent "
		           "escape) are not matched");
	else
		cf_fail(r,
		        "%d near-miss spellings of /healthz were served "
		        "instead of 404",
		        bad);
}

static void t_method(cf_ctx *x, const void *arg, cf_result *r)
{
	cf_resp resp;
	const char *allow;

	(void)arg;
	cf_http(x, CF_AS_MEMBER, "DELETE", "/v1/records", NULL, NULL, 0, &resp,
	        r);
	allow = cf_resp_header(&resp, "allow");
	if (cf_expect_error(r, &resp, SP_ERR_METHOD, "DELETE /v1/records")) {
		if (allow == NULL || strstr(allow, "POST") == NULL)
			cf_fail(r,
			        "405 method-not-allowed, but without an allow "
			        "header listing POST (%s)",
			        allow ? allow : "none");
		else
			cf_pass(r, "405 method-not-allowed with allow: %s",
			        allow);
	}
	cf_resp_free(&resp);
}

static void t_media_type(cf_ctx *x, const void *arg, cf_result *r)
{
	uint8_t *rec = NULL;
	size_t len = 0;
	char err[200];
	cf_resp resp;

	(void)arg;
	if (!cf_need_target(x, r))
		return;
	if (cf_record(x, NULL, &rec, &len, err, sizeof(err)) != SP_OK) {
		cf_fail(r, "suite: %s", err);
		return;
	}
	cf_http(x, CF_AS_MEMBER, "POST", "/v1/records", "text/plain", rec, len,
	        &resp, r);
	cf_expect_error(r, &resp, SP_ERR_MEDIA_TYPE,
	                "a record sent as text/plain");
	cf_resp_free(&resp);
	free(rec);
}

static void t_created(cf_ctx *x, const void *arg, cf_result *r)
{
	(void)arg;
	if (!cf_need_target(x, r))
		return;
	ensure_first(x, r);
	if (first.status == 201 && first.receipt != NULL)
		cf_pass(
		    r,
		    "a new record was answered 201 with a receipt (%zu bytes)",
		    first.receipt_len);
	else if (first.status == 200)
		cf_fail(r, "a record the node cannot have held was answered "
		           "200, not 201");
	else if (r->outcome != CF_FAIL || strstr(r->reason, "suite:") == NULL)
		cf_fail(r,
		        "a valid record addressed to the target was answered "
		        "%d, not 201",
		        first.status);
}

static void t_receipt(cf_ctx *x, const void *arg, cf_result *r)
{
	char why[300];

	(void)arg;
	if (!need_first(x, r))
		return;
	if (cf_check_receipt(x, first.rec, first.len, first.receipt,
	                     first.receipt_len, why, sizeof(why)) == 0)
		cf_pass(r,
		        "the receipt verifies as signed by %s and names the "
		        "record's id, origin, sequence "
		        "and SHA-256",
		        x->target_id);
	else
		cf_fail(r, "%s", why);
}

static void t_duplicate(cf_ctx *x, const void *arg, cf_result *r)
{
	cf_resp resp;

	(void)arg;
	if (!need_first(x, r))
		return;
	cf_deliver(x, first.rec, first.len, &resp, r);
	if (resp.status != 200)
		cf_fail(r,
		        "re-delivering the same bytes was answered %d, not 200",
		        resp.status);
	else if (resp.len != first.receipt_len ||
	         memcmp(resp.body, first.receipt, resp.len) != 0)
		cf_fail(r, "re-delivery was answered 200 but with a receipt "
		           "that differs from the first");
	else
		cf_pass(r, "re-delivery was answered 200 with the identical "
		           "receipt bytes");
	cf_resp_free(&resp);
}

static void t_fetch(cf_ctx *x, const void *arg, cf_result *r)
{
	char path[80];
	cf_resp resp;

	(void)arg;
	if (!need_first(x, r))
		return;
	snprintf(path, sizeof(path), "/v1/records/%s", first.id);
	cf_http(x, CF_AS_MEMBER, "GET", path, NULL, NULL, 0, &resp, r);
	if (resp.status != 200)
		cf_fail(r, "GET %s by the record's origin answered %d, not 200",
		        path, resp.status);
	else if (resp.len != first.len ||
	         memcmp(resp.body, first.rec, first.len) != 0)
		cf_fail(r,
		        "the record came back with %zu bytes that differ from "
		        "the %zu bytes delivered",
		        resp.len, first.len);
	else
		cf_pass(r, "the record came back as its exact bytes");
	cf_resp_free(&resp);
}

/* [API-71]: a record's answer says its state at the node. The suite's
 * record is of the auditor's log, which the target may or may not be able
 * to prove yet: any of the three states, but exactly one of them. */
static void t_log_state(cf_ctx *x, const void *arg, cf_result *r)
{
	static const char *const states[] = {"confirmed", "pending",
	                                     "unlogged"};
	char path[80];
	cf_resp resp;
	const char *st;
	int known = 0;

	(void)arg;
	if (!need_first(x, r))
		return;
	snprintf(path, sizeof(path), "/v1/records/%s", first.id);
	cf_http(x, CF_AS_MEMBER, "GET", path, NULL, NULL, 0, &resp, r);
	st = cf_resp_header(&resp, "silkport-log-state");
	for (size_t i = 0; st != NULL && i < 3; i++)
		known |= strcmp(st, states[i]) == 0;
	if (resp.status != 200)
		cf_fail(r, "GET %s answered %d, not 200", path, resp.status);
	else if (st == NULL)
		cf_fail(r, "the 200 answer has no silkport-log-state header");
	else if (!known)
		cf_fail(r,
		        "silkport-log-state is '%.60s', not confirmed, pending "
		        "or unlogged",
		        st);
	else
		cf_pass(r, "silkport-log-state: %s", st);
	cf_resp_free(&resp);
}

static void t_no_store(cf_ctx *x, const void *arg, cf_result *r)
{
	char path[80];
	cf_resp resp;
	const char *cc;

	(void)arg;
	if (!need_first(x, r))
		return;
	snprintf(path, sizeof(path), "/v1/records/%s", first.id);
	cf_http(x, CF_AS_MEMBER, "GET", path, NULL, NULL, 0, &resp, r);
	cc = cf_resp_header(&resp, "cache-control");
	if (resp.status != 200)
		cf_fail(r, "GET %s answered %d", path, resp.status);
	else if (cc == NULL || strstr(cc, "no-store") == NULL)
		cf_fail(
		    r, "a record response without cache-control: no-store (%s)",
		    cc ? cc : "none");
	else
		cf_pass(r, "cache-control: %s", cc);
	cf_resp_free(&resp);
}

static void t_fetch_unknown(cf_ctx *x, const void *arg, cf_result *r)
{
	char id[SP_UUID_LEN + 1], path[80];
	cf_resp resp;

	(void)arg;
	sp_uuid_v4(id);
	snprintf(path, sizeof(path), "/v1/records/%s", id);
	cf_http(x, CF_AS_MEMBER, "GET", path, NULL, NULL, 0, &resp, r);
	cf_expect_error(r, &resp, SP_ERR_NOT_FOUND,
	                "GET of a RecordId nobody issued");
	cf_resp_free(&resp);
}

static void t_bad_id(cf_ctx *x, const void *arg, cf_result *r)
{
	cf_resp resp;
	char name[72];

	(void)arg;
	cf_http(x, CF_AS_MEMBER, "GET", "/v1/records/not-a-uuid", NULL, NULL, 0,
	        &resp, r);
	cf_problem_name(&resp, name, sizeof(name));
	if ((resp.status == 400 && strcmp(name, "bad-request") == 0) ||
	    (resp.status == 404 && strcmp(name, "not-found") == 0))
		cf_pass(r, "a malformed record id was answered %d %s",
		        resp.status, name);
	else
		cf_fail(r,
		        "a malformed record id was answered %d %s, not 400 "
		        "bad-request or 404 not-found",
		        resp.status, name);
	cf_resp_free(&resp);
}

static void t_not_recipient(cf_ctx *x, const void *arg, cf_result *r)
{
	cf_recopt ro;
	uint8_t *rec = NULL;
	size_t len = 0;
	char err[200], id[SP_UUID_LEN + 1], path[80];
	cf_resp resp;

	(void)arg;
	if (!cf_need_target(x, r))
		return;
	memset(&ro, 0, sizeof(ro));
	ro.recipient = "CONF-ELSEWHERE";
	if (cf_record(x, &ro, &rec, &len, err, sizeof(err)) != SP_OK) {
		cf_fail(r, "suite: %s", err);
		return;
	}
	cf_record_id_of(rec, len, id);
	cf_deliver(x, rec, len, &resp, r);
	if (cf_expect_error(r, &resp, SP_ERR_NOT_RECIPIENT,
	                    "a record addressed to another node")) {
		cf_resp f;

		snprintf(path, sizeof(path), "/v1/records/%s", id);
		cf_http(x, CF_AS_MEMBER, "GET", path, NULL, NULL, 0, &f, r);
		if (f.status != 404)
			cf_fail(r,
			        "refused with not-recipient, but GET of its id "
			        "answered %d: it was stored",
			        f.status);
		else
			cf_pass(
			    r, "refused with 403 not-recipient and not stored");
		cf_resp_free(&f);
	}
	cf_resp_free(&resp);
	free(rec);
}

static void t_own_origin(cf_ctx *x, const void *arg, cf_result *r)
{
	sp_key *k;
	cf_recopt ro;
	uint8_t *rec = NULL;
	size_t len = 0;
	char err[200];
	cf_resp resp;

	(void)arg;
	if (!cf_need_target(x, r))
		return;
	if ((k = cf_member_sign_key(x, x->target_id)) == NULL) {
		cf_skip(r,
		        "the federation directory holds no signing key of the "
		        "target %s",
		        x->target_id);
		return;
	}
	memset(&ro, 0, sizeof(ro));
	ro.origin = x->target_id;
	ro.recipient = x->target_id;
	ro.key = k;
	if (cf_record(x, &ro, &rec, &len, err, sizeof(err)) != SP_OK) {
		cf_fail(r, "suite: %s", err);
	} else {
		cf_deliver(x, rec, len, &resp, r);
		cf_expect_error(r, &resp, SP_ERR_FORBIDDEN,
		                "a record whose Origin is the target itself");
		cf_resp_free(&resp);
	}
	free(rec);
	sp_key_free(k);
}

static void t_submit_member(cf_ctx *x, const void *arg, cf_result *r)
{
	static const char sub[] =
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<Submit xmlns=\"urn:silkport:srep:1\" "
	    "version=\"1\"><Type>release</Type>"
	    "<Recipients><Broadcast/></Recipients><Body><Release>"
	    "<DeclarationNo>CONF-1</DeclarationNo><Decision>held</Decision>"
	    "<DecidedAt>2026-01-01T00:00:00Z</DecidedAt></Release></Body></"
	    "Submit>\n";
	cf_resp resp;

	(void)arg;
	cf_http(x, CF_AS_MEMBER, "POST", "/v1/submit", "application/xml",
	        (const uint8_t *)sub, sizeof(sub) - 1, &resp, r);
	cf_expect_error(r, &resp, SP_ERR_FORBIDDEN,
	                "a member (not an operator) posting to /v1/submit");
	cf_resp_free(&resp);
}

static void t_list_unknown(cf_ctx *x, const void *arg, cf_result *r)
{
	cf_resp resp;

	(void)arg;
	cf_http(x, CF_AS_ANON, "GET", "/v1/trust-lists/conf-no-such-federation",
	        NULL, NULL, 0, &resp, r);
	cf_expect_error(
	    r, &resp, SP_ERR_NOT_FOUND,
	    "the trust list of a federation the node does not follow");
	cf_resp_free(&resp);
}

static void t_search(cf_ctx *x, const void *arg, cf_result *r)
{
	char path[200], digest[65];
	cf_resp resp;
	const char *ct;

	(void)arg;
	if (!need_first(x, r))
		return;
	snprintf(path, sizeof(path),
	         "/v1/search?subject-kind=Declaration&subject-value=%s",
	         first.subject);
	cf_http(x, CF_AS_MEMBER, "GET", path, NULL, NULL, 0, &resp, r);
	ct = cf_resp_header(&resp, "content-type");
	sp_sha256_hex(first.rec, first.len, digest);
	if (resp.status != 200) {
		cf_fail(r, "search answered %d", resp.status);
	} else if (ct == NULL || strncmp(ct, "application/xml", 15) != 0) {
		cf_fail(r, "search answered as '%s', not application/xml",
		        ct ? ct : "(none)");
	} else {
		xmlDocPtr d =
		    xmlReadMemory((const char *)resp.body, (int)resp.len, NULL,
		                  NULL, XML_PARSE_NONET);
		xmlNodePtr root = d ? xmlDocGetRootElement(d) : NULL;
		int matches = 0, found = 0;

		if (root == NULL ||
		    !xmlStrEqual(root->name, (const xmlChar *)"SearchResult") ||
		    root->ns == NULL ||
		    !xmlStrEqual(root->ns->href, (const xmlChar *)SP_NS)) {
			cf_fail(r, "the answer is not a SearchResult in %s",
			        SP_NS);
		} else {
			for (xmlNodePtr m = root->children; m != NULL;
			     m = m->next) {
				char id[80] = "", dg[80] = "";

				if (m->type != XML_ELEMENT_NODE ||
				    !xmlStrEqual(m->name,
				                 (const xmlChar *)"Match"))
					continue;
				matches++;
				for (xmlNodePtr c = m->children; c != NULL;
				     c = c->next) {
					xmlChar *v;

					if (c->type != XML_ELEMENT_NODE)
						continue;
					v = xmlNodeGetContent(c);
					if (xmlStrEqual(
					        c->name,
					        (const xmlChar *)"RecordId"))
						snprintf(id, sizeof(id), "%s",
						         (const char *)v);
					else if (xmlStrEqual(
					             c->name,
					             (const xmlChar *)"Digest"))
						snprintf(dg, sizeof(dg), "%s",
						         (const char *)v);
					xmlFree(v);
				}
				if (strcmp(id, first.id) == 0 &&
				    strcmp(dg, digest) == 0)
					found++;
			}
			if (matches == 1 && found == 1)
				cf_pass(r,
				        "search by the record's unique subject "
				        "found exactly it, with its digest");
			else
				cf_fail(r,
				        "search by a subject only one record "
				        "carries gave %d matches, %d of them "
				        "the record with its digest",
				        matches, found);
		}
		xmlFreeDoc(d);
	}
	cf_resp_free(&resp);
}

static void bad_params(cf_ctx *x, const char *const *paths, size_t n,
                       const char *what, cf_result *r)
{
	int bad = 0;
	char name[72];

	for (size_t i = 0; i < n; i++) {
		cf_resp resp;

		cf_http(x, CF_AS_MEMBER, "GET", paths[i], NULL, NULL, 0, &resp,
		        r);
		cf_problem_name(&resp, name, sizeof(name));
		if (resp.status != 400 || strcmp(name, "bad-request") != 0)
			bad++;
		cf_resp_free(&resp);
	}
	if (bad == 0)
		cf_pass(r, "%s: every request answered 400 bad-request", what);
	else
		cf_fail(r,
		        "%s: %d of %zu requests not answered 400 bad-request",
		        what, bad, n);
}

static void t_search_params(cf_ctx *x, const void *arg, cf_result *r)
{
	static const char *const p[] = {
	    "/v1/search?limit=0",
	    "/v1/search?limit=101",
	    "/v1/search?subject-kind=Declaration",
	    "/v1/search?subject-value=CONF-1",
	    "/v1/search?subject-scheme=USCC",
	    "/v1/search?cursor=%21%21",
	};

	(void)arg;
	bad_params(x, p, sizeof(p) / sizeof(p[0]),
	           "limit 0 and 101, a lone subject-kind, subject-value "
	           "or subject-scheme, a malformed cursor",
	           r);
}

static void t_entries_count(cf_ctx *x, const void *arg, cf_result *r)
{
	char a[160], b[160];
	const char *p[2];

	(void)arg;
	snprintf(a, sizeof(a), "/v1/logs/%s/entries?start=0&count=0", x->as);
	snprintf(b, sizeof(b), "/v1/logs/%s/entries?start=0&count=1001", x->as);
	p[0] = a;
	p[1] = b;
	bad_params(x, p, 2, "entries with count 0 and 1001", r);
}

static void t_query_escape(cf_ctx *x, const void *arg, cf_result *r)
{
	static const char *const p[] = {
	    "/v1/search?subject-kind=Declaration&subject-value=%zz",
	    "/v1/search?subject-kind=Declaration&subject-value=a%00b",
	};

	(void)arg;
	bad_params(x, p, 2,
	           "a bad percent-escape and a decoded NUL in a query value",
	           r);
}

static void t_entries_unknown(cf_ctx *x, const void *arg, cf_result *r)
{
	cf_resp resp;

	(void)arg;
	cf_http(x, CF_AS_MEMBER, "GET",
	        "/v1/logs/CONF-NO-LOG/entries?start=0&count=10", NULL, NULL, 0,
	        &resp, r);
	if (resp.status == 200 && resp.len == 0)
		cf_pass(r, "entries of an origin the node holds nothing of: "
		           "200 with an empty body");
	else
		cf_fail(r,
		        "entries of an unknown origin answered %d with %zu "
		        "bytes, not 200 and empty",
		        resp.status, resp.len);
	cf_resp_free(&resp);
}

static void t_equivocation(cf_ctx *x, const void *arg, cf_result *r)
{
	cf_recopt ro;
	uint8_t *rec = NULL;
	size_t len = 0;
	char err[200], id2[SP_UUID_LEN + 1], path[80], subj[80];
	cf_resp resp, g1, g2;

	(void)arg;
	if (!need_first(x, r))
		return;
	memset(&ro, 0, sizeof(ro));
	ro.seq = first.seq;
	snprintf(subj, sizeof(subj), "%s-FORK", first.subject);
	ro.subject = subj;
	if (cf_record(x, &ro, &rec, &len, err, sizeof(err)) != SP_OK) {
		cf_fail(r, "suite: %s", err);
		return;
	}
	cf_record_id_of(rec, len, id2);
	cf_deliver(x, rec, len, &resp, r);
	if (cf_expect_error(
	        r, &resp, SP_ERR_EQUIVOCATION,
	        "a second, different record for a held (Origin, Sequence)")) {
		snprintf(path, sizeof(path), "/v1/records/%s", first.id);
		cf_http(x, CF_AS_MEMBER, "GET", path, NULL, NULL, 0, &g1, r);
		snprintf(path, sizeof(path), "/v1/records/%s", id2);
		cf_http(x, CF_AS_MEMBER, "GET", path, NULL, NULL, 0, &g2, r);
		if (g1.status != 200 || g1.len != first.len ||
		    memcmp(g1.body, first.rec, first.len) != 0)
			cf_fail(r, "409 equivocation, but the held record no "
			           "longer comes back unchanged");
		else if (g2.status != 404)
			cf_fail(r,
			        "409 equivocation, but the conflicting record "
			        "is served as a record (%d)",
			        g2.status);
		else
			cf_pass(r, "409 equivocation; the held record is kept, "
			           "the conflicting one is not served");
		cf_resp_free(&g1);
		cf_resp_free(&g2);
	}
	cf_resp_free(&resp);
	free(rec);
}

/* The ECDSA twin of a record: (r, s) replaced by (r, n - s), which verifies
 * under the same key. Only for a 64-byte P-256 SignatureValue. */
static int ecdsa_twin(const cf_buf *in, cf_buf *out)
{
	static const char open_tag[] = "SignatureValue>", close_tag[] = "</";
	const char *p = (const char *)in->p, *v, *e;
	char b64[128], nb64[128];
	uint8_t sig[96];
	size_t sig_len = 0;
	BIGNUM *s = NULL, *order = NULL;
	EC_GROUP *g = NULL;
	int rc = -1;

	if ((v = strstr(p, open_tag)) == NULL ||
	    (e = strstr(v, close_tag)) == NULL)
		return -1;
	v += sizeof(open_tag) - 1;
	if ((size_t)(e - v) >= sizeof(b64))
		return -1;
	memcpy(b64, v, (size_t)(e - v));
	b64[e - v] = '\0';
	if (sp_b64_decode(b64, strlen(b64), sig, sizeof(sig), &sig_len) !=
	        SP_OK ||
	    sig_len != 64)
		return -1;
	if ((g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1)) == NULL ||
	    (order = BN_new()) == NULL ||
	    EC_GROUP_get_order(g, order, NULL) != 1 ||
	    (s = BN_bin2bn(sig + 32, 32, NULL)) == NULL ||
	    BN_sub(s, order, s) != 1 || BN_bn2binpad(s, sig + 32, 32) != 32)
		goto done;
	sp_b64_encode(sig, 64, nb64, sizeof(nb64));
	rc = cf_buf_sub(in, b64, strlen(b64), nb64, strlen(nb64), out) == SP_OK
	         ? 0
	         : -1;
done:
	BN_free(s);
	BN_free(order);
	EC_GROUP_free(g);
	return rc;
}

/* A line break inside the SignatureValue text (not covered by the
 * signature). */
static int sigvalue_break(const cf_buf *in, cf_buf *out)
{
	static const char open_tag[] = "SignatureValue>";
	const char *v = strstr((const char *)in->p, open_tag);
	char head[40], with[48];

	if (v == NULL)
		return -1;
	v += sizeof(open_tag) - 1;
	if (strlen(v) < 20)
		return -1;
	memcpy(head, v, 16);
	head[16] = '\0';
	snprintf(with, sizeof(with), "%s\n", head);
	return cf_buf_sub(in, head, 16, with, strlen(with), out) == SP_OK ? 0
	                                                                  : -1;
}

/* The genuine bytes with `extra` put before (or, when `at_end`, after) the
 * genuine ones. */
static int with_extra(const cf_buf *in, const char *extra, size_t n, int at_end,
                      cf_buf *out)
{
	/* Made here rather than by cf_buf_set(in->p, in->n + n), which would
	 * read n bytes past the end of in. */
	uint8_t *p = malloc(in->n + n + 1);

	if (p == NULL)
		return -1;
	if (at_end) {
		memcpy(p, in->p, in->n);
		memcpy(p + in->n, extra, n);
	} else {
		memcpy(p, extra, n);
		memcpy(p + n, in->p, in->n);
	}
	p[in->n + n] = '\0';
	out->p = p;
	out->n = in->n + n;
	return 0;
}

static void t_malleated(cf_ctx *x, const void *arg, cf_result *r)
{
	static const char decl[] =
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
	static const char *const names[] = {
	    "a trailing comment", "an XML declaration added or removed",
	    "a byte-order mark", "a line break in SignatureValue",
	    "the ECDSA twin signature (r, n-s)"};
	const size_t dl = sizeof(decl) - 1;
	cf_buf genuine = {0}, v = {0};
	cf_resp resp, g;
	char path[80], why[300] = "";
	int bad = 0, tried = 0;

	(void)arg;
	if (!need_first(x, r))
		return;
	if (cf_buf_set(&genuine, first.rec, first.len) != SP_OK) {
		cf_fail(r, "suite: out of memory");
		return;
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int made = -1;
		char name[72];

		if (i == 0)
			made = with_extra(&genuine, "<!--x-->", 8, 1, &v);
		else if (i == 1 && genuine.n > dl &&
		         memcmp(genuine.p, decl, dl) == 0)
			made = cf_buf_set(&v, genuine.p + dl, genuine.n - dl) ==
			               SP_OK
			           ? 0
			           : -1;
		else if (i == 1)
			made = with_extra(&genuine, decl, dl, 0, &v);
		else if (i == 2)
			made = with_extra(&genuine, "\xEF\xBB\xBF", 3, 0, &v);
		else if (i == 3)
			made = sigvalue_break(&genuine, &v);
		else if (sp_key_get_alg(x->sign) == SP_KEY_P256)
			made = ecdsa_twin(&genuine, &v);
		/* else: SM2 and RSA have no twin (SPEC REC-32, SIG-37) */
		if (made != 0) {
			cf_buf_free(&v);
			continue;
		}
		tried++;
		cf_deliver(x, v.p, v.n, &resp, r);
		cf_problem_name(&resp, name, sizeof(name));
		if ((resp.status != 400 ||
		     strcmp(name, "non-canonical") != 0) &&
		    !bad) {
			bad = 1;
			snprintf(why, sizeof(why),
			         "the genuine record with %s was answered %d "
			         "%s, not 400 non-canonical",
			         names[i], resp.status, name);
		}
		cf_resp_free(&resp);
		cf_buf_free(&v);
	}
	cf_buf_free(&genuine);
	/* The genuine record is still the one held, served and receipted. */
	snprintf(path, sizeof(path), "/v1/records/%s", first.id);
	cf_http(x, CF_AS_MEMBER, "GET", path, NULL, NULL, 0, &g, r);
	cf_deliver(x, first.rec, first.len, &resp, r);
	if (bad)
		cf_fail(r, "%s", why);
	else if (tried < 4) /* the first four classes apply to any record */
		cf_fail(r,
		        "suite: only %d of the byte variants could be made "
		        "from the record",
		        tried);
	else if (g.status != 200 || g.len != first.len ||
	         memcmp(g.body, first.rec, first.len) != 0)
		cf_fail(r,
		        "after the variants, GET %s no longer returns the "
		        "genuine bytes (%d)",
		        path, g.status);
	else if (resp.status != 200 || resp.len != first.receipt_len ||
	         memcmp(resp.body, first.receipt, resp.len) != 0)
		cf_fail(r,
		        "after the variants, re-delivering the genuine record "
		        "was answered %d without the "
		        "identical receipt",
		        resp.status);
	else
		cf_pass(r,
		        "%d byte variants of a held record were refused 400 "
		        "non-canonical (never 409); the "
		        "genuine record is still served and receipted",
		        tried);
	cf_resp_free(&g);
	cf_resp_free(&resp);
}

static void t_peers_access(cf_ctx *x, const void *arg, cf_result *r)
{
	cf_resp a, m;
	char na[72], nm[72];

	(void)arg;
	cf_http(x, CF_AS_ANON, "GET", "/v1/peers", NULL, NULL, 0, &a, r);
	cf_http(x, CF_AS_MEMBER, "GET", "/v1/peers", NULL, NULL, 0, &m, r);
	cf_problem_name(&a, na, sizeof(na));
	cf_problem_name(&m, nm, sizeof(nm));
	if (a.status == 401 && strcmp(na, "unauthenticated") == 0 &&
	    m.status == 403 && strcmp(nm, "forbidden") == 0)
		cf_pass(r, "GET /v1/peers: 401 unauthenticated without a "
		           "certificate, 403 forbidden to a member");
	else
		cf_fail(r,
		        "GET /v1/peers answered %d %s without a certificate "
		        "and %d %s to a member; wanted 401 "
		        "unauthenticated and 403 forbidden",
		        a.status, na, m.status, nm);
	cf_resp_free(&a);
	cf_resp_free(&m);
}

/* ---------------------------------------------------------------- a
 * broadcast across federations: what an auditor outside the Origin's
 * federations sees of it at a gateway. */

/* memmem for the response bodies (not NUL-terminated). */
static int has_bytes(const uint8_t *b, size_t len, const void *what, size_t wl)
{
	if (wl == 0 || len < wl)
		return 0;
	for (size_t i = 0; i + wl <= len; i++)
		if (b[i] == *(const uint8_t *)what &&
		    memcmp(b + i, what, wl) == 0)
			return 1;
	return 0;
}

/* The three reads of one record: by id, by subject, by entries of its
 * Origin from its sequence. */
enum { BR_FETCH, BR_SEARCH, BR_ENTRIES, BR_N };

static void reads_prepare(cf_req *q, char paths[BR_N][200], const char *id,
                          const char *subject, const char *origin, uint64_t seq)
{
	snprintf(paths[BR_FETCH], sizeof(paths[BR_FETCH]), "/v1/records/%s",
	         id);
	snprintf(paths[BR_SEARCH], sizeof(paths[BR_SEARCH]),
	         "/v1/search?subject-kind=Declaration&subject-value=%s",
	         subject);
	snprintf(paths[BR_ENTRIES], sizeof(paths[BR_ENTRIES]),
	         "/v1/logs/%s/entries?start=%llu&count=1", origin,
	         (unsigned long long)seq);
	memset(q, 0, BR_N * sizeof(*q));
	for (int i = 0; i < BR_N; i++) {
		q[i].method = "GET";
		q[i].path = paths[i];
	}
}

/* An entries answer holds the frame of seq ("SEQ LEN\n" at its start, as
 * start=seq asks) or the record's bytes anywhere. */
static int entries_hold(const cf_resp *resp, uint64_t seq, const uint8_t *rec,
                        size_t len)
{
	char head[32];
	int hl = snprintf(head, sizeof(head), "%llu ", (unsigned long long)seq);

	return (resp->len >= (size_t)hl &&
	        memcmp(resp->body, head, (size_t)hl) == 0) ||
	       has_bytes(resp->body, resp->len, rec, len);
}

/* 1 if the reads found the record (status 200 and the record in each);
 * otherwise 0 with a reason. */
static int reads_found(const cf_req *q, const char *id, uint64_t seq,
                       const uint8_t *rec, size_t len, char *why, size_t whylen)
{
	if (q[BR_FETCH].resp.status != 200 || q[BR_FETCH].resp.len != len ||
	    memcmp(q[BR_FETCH].resp.body, rec, len) != 0)
		snprintf(why, whylen,
		         "GET of its id answered %d without its exact bytes",
		         q[BR_FETCH].resp.status);
	else if (q[BR_SEARCH].resp.status != 200 ||
	         !has_bytes(q[BR_SEARCH].resp.body, q[BR_SEARCH].resp.len, id,
	                    strlen(id)))
		snprintf(why, whylen,
		         "search by its subject answered %d without it",
		         q[BR_SEARCH].resp.status);
	else if (q[BR_ENTRIES].resp.status != 200 ||
	         !entries_hold(&q[BR_ENTRIES].resp, seq, rec, len))
		snprintf(why, whylen,
		         "its Origin's entries from its sequence answered %d "
		         "without it",
		         q[BR_ENTRIES].resp.status);
	else
		return 1;
	return 0;
}

/* The second federation's member and the listener it reads on, checked
 * before anything is delivered. 1, or 0 with r skipped (a precondition is
 * missing) or failed (the target's doing). */
static int foreign_ready(cf_ctx *x, cf_result *r)
{
	const sp_tl *tl2;

	if (x->fed2_dir == NULL || x->as2 == NULL) {
		cf_skip(r,
		        "no second federation given (%s%s%s): needs a target "
		        "that is a member of two "
		        "federations and a member of the second to read as",
		        x->fed2_dir == NULL ? "--second-federation-dir" : "",
		        x->fed2_dir == NULL && x->as2 == NULL ? ", " : "",
		        x->as2 == NULL ? "--second-as" : "");
		return 0;
	}
	if (!cf_need_target(x, r))
		return 0;
	tl2 = sp_trust_list(x->local2);
	if (sp_tl_find(tl2, x->target_id) == NULL) {
		cf_skip(
		    r,
		    "the target %s is not a member of the second federation %s",
		    x->target_id, x->federation2);
		return 0;
	}
	if (sp_tl_find(tl2, x->as) != NULL) {
		cf_skip(r,
		        "the second federation %s lists the auditor %s too: "
		        "its members may read the "
		        "auditor's broadcasts",
		        x->federation2, x->as);
		return 0;
	}
	if (sp_tl_find(sp_trust_list(x->trust), x->as2) != NULL ||
	    sp_tl_find(sp_trust_list(x->local), x->as2) != NULL) {
		cf_skip(r,
		        "%s is a member of the auditor's federation %s too: it "
		        "may read the auditor's "
		        "broadcasts",
		        x->as2, x->federation);
		return 0;
	}
	return 1;
}

/* The NodeId whose TlsCertificate (or NextTlsCertificate, SPEC TL-79) in
 * tl is der, or NULL. */
static const char *cert_owner(const sp_tl *tl, const uint8_t *der,
                              size_t der_len)
{
	for (size_t i = 0; der != NULL && i < tl->n_members; i++) {
		const sp_tl_member *m = &tl->members[i];

		if (sp_tl_member_has_tls_cert(m, der, der_len))
			return m->node_id;
	}
	return NULL;
}

/* The listener is the target itself: its certificate is the target's
 * TlsCertificate in the second federation's list or in the first's (one
 * NodeId space, FED-31; the listener a request arrives on grants nothing,
 * ACC-13, so either will do). 1, or 0 with a reason. */
static int foreign_pinned(cf_ctx *x, cf_conn *c, char *why, size_t whylen)
{
	size_t der_len = 0;
	const uint8_t *der = cf_conn_peer_der(c, &der_len);
	const char *id = cert_owner(sp_trust_list(x->local2), der, der_len);

	if (id == NULL)
		id = cert_owner(sp_trust_list(x->trust), der, der_len);
	if (id != NULL && strcmp(id, x->target_id) == 0)
		return 1;
	if (id != NULL)
		snprintf(why, whylen,
		         "the listener at %s:%u presents %s's certificate, not "
		         "the target %s's",
		         x->host2, x->port2, id, x->target_id);
	else
		snprintf(why, whylen,
		         "the listener at %s:%u presents no member's "
		         "TlsCertificate of %s or %s",
		         x->host2, x->port2, x->federation2, x->federation);
	return 0;
}

static void t_broadcast_foreign(cf_ctx *x, const void *arg, cf_result *r)
{
	cf_recopt ro;
	cf_tls t;
	cf_conn *c = NULL;
	cf_req mine[BR_N], theirs[BR_N];
	char paths[BR_N][200], subject[64], id[SP_UUID_LEN + 1], err[300],
	    name[72];
	uint8_t *rec = NULL;
	size_t len = 0;
	uint64_t seq;
	cf_resp resp;
	int leaks = 0;

	(void)arg;
	memset(mine, 0, sizeof(mine));
	memset(theirs, 0, sizeof(theirs));
	if (!foreign_ready(x, r))
		return;
	memset(&ro, 0, sizeof(ro));
	seq = cf_next_seq(x);
	snprintf(subject, sizeof(subject), "CONF-BCAST-%llu",
	         (unsigned long long)seq);
	ro.seq = seq;
	ro.subject = subject;
	ro.broadcast = 1;
	if (cf_record(x, &ro, &rec, &len, err, sizeof(err)) != SP_OK) {
		cf_fail(r, "suite: %s", err);
		return;
	}
	cf_record_id_of(rec, len, id);
	cf_deliver(x, rec, len, &resp, r);
	if (resp.status != 201) {
		cf_fail(r,
		        "a Broadcast of %s delivered to the target was "
		        "answered %d, not 201",
		        x->federation, resp.status);
		cf_resp_free(&resp);
		goto out;
	}
	cf_resp_free(&resp);
	cf_remember(x, rec, len, id, seq);
	/* Positive control: the same reads by a reader the record is visible
	 * to (its Origin) find it, so that not finding it below is a refusal
	 * and not a read that cannot work. */
	reads_prepare(mine, paths, id, subject, x->as, seq);
	for (int i = 0; i < BR_N; i++)
		cf_http(x, CF_AS_MEMBER, "GET", mine[i].path, NULL, NULL, 0,
		        &mine[i].resp, r);
	if (!reads_found(mine, id, seq, rec, len, err, sizeof(err))) {
		cf_fail(r,
		        "positive control: as its Origin %s on the target: %s",
		        x->as, err);
		goto out;
	}
	memset(&t, 0, sizeof(t));
	t.cert = x->tls2_cert;
	t.key = x->tls2_key;
	c = cf_connect(x->host2, x->port2, &t, x->timeout_ms, err, sizeof(err));
	/* A listener that does not take the second federation's members, or
	 * is another node, says nothing about the target's reads: the
	 * auditor's --second-target is the likelier mistake. */
	if (c == NULL) {
		cf_evidence_add(r, "TLS handshake", 0, "connection failed", 0,
		                err);
		cf_skip(r,
		        "cannot connect as %s (a member of %s) to %s:%u (is "
		        "--second-target the target's "
		        "listener for %s?): %s",
		        x->as2, x->federation2, x->host2, x->port2,
		        x->federation2, err);
		goto out;
	}
	if (!foreign_pinned(x, c, err, sizeof(err))) {
		cf_skip(r,
		        "%s (is --second-target the target's listener for %s?)",
		        err, x->federation2);
		goto out;
	}
	reads_prepare(theirs, paths, id, subject, x->as, seq);
	cf_exchange(c, theirs, BR_N, x->timeout_ms);
	for (int i = 0; i < BR_N; i++)
		cf_note_response(x, "GET", theirs[i].path, &theirs[i].resp,
		                 x->as2, r);
	for (int i = 0; i < BR_N; i++)
		if (theirs[i].resp.status == 0 && !theirs[i].resp.reset &&
		    cf_conn_dead(c)) {
			/* Refused at the TLS layer after the handshake (the
			 * listener takes another federation's members only). */
			cf_skip(
			    r,
			    "the listener at %s:%u closed %s's connection "
			    "without an answer (is "
			    "--second-target the target's listener for %s?)",
			    x->host2, x->port2, x->as2, x->federation2);
			goto out;
		}
	/* Every way it leaked goes into the reason, not just the first. */
	err[0] = '\0';
	cf_problem_name(&theirs[BR_FETCH].resp, name, sizeof(name));
	if (theirs[BR_FETCH].resp.status != 404 ||
	    strcmp(name, "not-found") != 0) {
		leaks++;
		snprintf(err, sizeof(err),
		         "GET of its id answered %d%s%s (not 404 not-found)",
		         theirs[BR_FETCH].resp.status, name[0] ? " " : "",
		         name);
	}
	if (theirs[BR_SEARCH].resp.status != 200 ||
	    has_bytes(theirs[BR_SEARCH].resp.body, theirs[BR_SEARCH].resp.len,
	              id, strlen(id))) {
		size_t used = strlen(err);

		snprintf(err + used, sizeof(err) - used,
		         "%ssearch by its subject answered %d%s",
		         leaks ? "; " : "", theirs[BR_SEARCH].resp.status,
		         theirs[BR_SEARCH].resp.status == 200 ? " listing it"
		                                              : " (not 200)");
		leaks++;
	}
	if (theirs[BR_ENTRIES].resp.status != 200 ||
	    entries_hold(&theirs[BR_ENTRIES].resp, seq, rec, len)) {
		size_t used = strlen(err);

		snprintf(err + used, sizeof(err) - used,
		         "%s%s's entries from its sequence answered %d%s",
		         leaks ? "; " : "", x->as,
		         theirs[BR_ENTRIES].resp.status,
		         theirs[BR_ENTRIES].resp.status == 200 ? " with it"
		                                               : " (not 200)");
		leaks++;
	}
	if (leaks)
		cf_fail(r, "a Broadcast of %s, read by %s of %s on %s:%u: %s",
		        x->federation, x->as2, x->federation2, x->host2,
		        x->port2, err);
	else
		cf_pass(r,
		        "a Broadcast of %s that its Origin reads by id, search "
		        "and entries is neither served "
		        "(404 not-found), nor listed by search, nor in entries "
		        "to %s of %s on the target's "
		        "listener %s:%u",
		        x->federation, x->as2, x->federation2, x->host2,
		        x->port2);
out:
	for (int i = 0; i < BR_N; i++) {
		cf_resp_free(&mine[i].resp);
		cf_resp_free(&theirs[i].resp);
	}
	cf_close(c);
	free(rec);
}

static const cf_assertion list[] = {
    {"GET /healthz answers 200 ok", "API-55", CF_MUST, t_healthz, NULL,
     CF_READS},
    {"GET /readyz answers 200 ready", "API-56", CF_MUST, t_readyz, NULL,
     CF_READS},
    {"an unknown path answers 404 not-found", "API-10, API-19", CF_MUST,
     t_unknown_path, NULL, CF_READS},
    {"paths are matched literally", "API-11", CF_MUST, t_literal_paths, NULL,
     CF_READS},
    {"a wrong method answers 405 with an allow header", "API-12", CF_MUST,
     t_method, NULL, CF_READS},
    {"a body that is not application/xml answers 415", "API-15", CF_MUST,
     t_media_type, NULL, CF_WRITES},
    {"a new record is answered 201 with a receipt", "API-22, API-23", CF_MUST,
     t_created, NULL, CF_WRITES},
    {"the receipt is signed by the target and bound to the record digest",
     "RCP-1, RCP-2, RCP-5, RCP-9", CF_MUST, t_receipt, NULL, CF_WRITES},
    {"re-delivery is answered 200 with the identical receipt", "API-24, RCP-7",
     CF_MUST, t_duplicate, NULL, CF_WRITES},
    {"GET /v1/records/{id} returns the exact bytes", "API-30, REC-24, XML-23",
     CF_MUST, t_fetch, NULL, CF_WRITES},
    {"record responses carry cache-control: no-store", "API-21", CF_SHOULD,
     t_no_store, NULL, CF_WRITES},
    {"an unknown record id answers 404 not-found", "API-30", CF_MUST,
     t_fetch_unknown, NULL, CF_READS},
    {"a malformed record id answers 400 or 404", "API-11", CF_MUST, t_bad_id,
     NULL, CF_READS},
    {"a record not addressed to the target: 403 not-recipient, not stored",
     "API-26", CF_MUST, t_not_recipient, NULL, CF_WRITES},
    {"a record whose Origin is the target: 403 forbidden", "API-27", CF_MUST,
     t_own_origin, NULL, CF_WRITES},
    {"a member posting to /v1/submit: 403 forbidden", "ACC-3, ACC-6", CF_MUST,
     t_submit_member, NULL, CF_WRITES},
    {"the trust list of an unknown federation: 404 not-found", "API-42",
     CF_MUST, t_list_unknown, NULL, CF_READS},
    {"search finds a record by its subject, with its digest",
     "API-43, API-44, API-48, REC-12", CF_MUST, t_search, NULL, CF_WRITES},
    {"search parameter errors answer 400 bad-request", "API-43, API-46, API-47",
     CF_MUST, t_search_params, NULL, CF_READS},
    {"entries with count 0 or above 1000 answer 400", "API-32", CF_MUST,
     t_entries_count, NULL, CF_READS},
    {"bad percent-escapes in a query answer 400", "API-13", CF_MUST,
     t_query_escape, NULL, CF_READS},
    {"entries of an origin the node holds nothing of: 200, empty", "API-35",
     CF_MUST, t_entries_unknown, NULL, CF_READS},
    {"a different record for a held (Origin, Sequence): 409 equivocation",
     "API-25, LOG-41, LOG-42, REC-25", CF_MUST, t_equivocation, NULL,
     CF_WRITES},
    {"byte variants of a held record that still verify: 400 non-canonical, "
     "never 409",
     "REC-29, REC-33, REC-25, SEC-32", CF_MUST, t_malleated, NULL, CF_WRITES},
    {"GET /v1/peers is for operators only", "API-60, ACC-6", CF_MUST,
     t_peers_access, NULL, CF_READS},
    {"a cross-federation broadcast is not readable (record, search, entries)",
     "REC-28, ACC-13", CF_MUST, t_broadcast_foreign, NULL, CF_WRITES},
    /* appended, so that the ids of the others stay as they were */
    {"GET /v1/records/{id} says the record's state in silkport-log-state",
     "API-71, FED-55", CF_MUST, t_log_state, NULL, CF_WRITES},
};

const cf_assertion *cf_area_api(size_t *n)
{
	*n = sizeof(list) / sizeof(list[0]);
	return list;
}
