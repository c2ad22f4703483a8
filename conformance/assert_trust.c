/* assert_trust.c: Trust assertions: the served trust list (anchor, federation,
 * no rollback), and records from unknown, revoked, suspended and expired
 * signers, or dated outside their window, or of a Type their Origin may
 * not originate, refused with the right names; suspended and revoked
 * members' own requests refused. */
#include "conf_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DAY      ((int64_t)86400)
#define SKEW_MAX ((int64_t)3600) /* the largest skew a node may configure */

static void t_served_list(cf_ctx *x, const void *arg, cf_result *r)
{
	char path[160];
	cf_resp resp;
	sp_trust *t = NULL;
	sp_verify_opts o;
	const char *why = NULL, *ct;
	int rc;

	(void)arg;
	snprintf(path, sizeof(path), "/v1/trust-lists/%s", x->federation);
	cf_http(x, CF_AS_ANON, "GET", path, NULL, NULL, 0, &resp, r);
	ct = cf_resp_header(&resp, "content-type");
	sp_verify_opts_default(&o);
	if (resp.status != 200)
		cf_fail(
		    r,
		    "GET %s without a client certificate answered %d, not 200",
		    path, resp.status);
	else if (ct == NULL || strncmp(ct, "application/xml", 15) != 0)
		cf_fail(r, "the trust list came as '%s', not application/xml",
		        ct ? ct : "(none)");
	else if ((rc = sp_trust_open(x->anchors, resp.body, resp.len, NULL, &o,
	                             &t, &why)) != SP_OK)
		cf_fail(r,
		        "the served trust list does not verify with the "
		        "federation anchor: %s: %s",
		        sp_strerror(rc), why ? why : "");
	else if (strcmp(sp_trust_list(t)->federation, x->federation) != 0)
		cf_fail(r, "the list served for %s is for %s", x->federation,
		        sp_trust_list(t)->federation);
	else
		cf_pass(r,
		        "the list of %s (sequence %llu) verifies with the "
		        "federation anchor",
		        x->federation,
		        (unsigned long long)sp_trust_list(t)->sequence);
	sp_trust_unref(t);
	cf_resp_free(&resp);
}

/* SPEC [API-72], [TL-65]: the statement a node serves about its list is
 * one the list's timestamp key signed, about exactly that list. */
static void t_timestamp(cf_ctx *x, const void *arg, cf_result *r)
{
	char path[180];
	cf_resp resp;
	sp_tl_timestamp ts;
	sp_verify_opts o;
	const char *why = NULL;
	int rc;

	(void)arg;
	if (!cf_need_target(x, r))
		return;
	snprintf(path, sizeof(path), "/v1/trust-lists/%s/timestamp",
	         x->federation);
	cf_http(x, CF_AS_ANON, "GET", path, NULL, NULL, 0, &resp, r);
	sp_verify_opts_default(&o);
	o.clock_skew = SKEW_MAX;
	if (resp.status == 404)
		cf_pass(r,
		        "GET %s: 404, no statement held (the list %s a "
		        "timestamp key)",
		        path,
		        sp_trust_has_timestamp_key(x->trust) ? "names"
		                                             : "names no");
	else if (resp.status != 200)
		cf_fail(r, "GET %s answered %d, not 200 or 404", path,
		        resp.status);
	else if ((rc = sp_tl_timestamp_open(x->trust, resp.body, resp.len, &o,
	                                    &ts, &why)) != SP_OK)
		cf_fail(r,
		        "the served statement does not verify with the list's "
		        "timestamp key: %s: %s",
		        sp_strerror(rc), why ? why : "");
	else if (!sp_tl_timestamp_names(x->trust, &ts))
		cf_fail(r,
		        "the served statement names sequence %llu, not the "
		        "served list",
		        (unsigned long long)ts.sequence);
	else
		cf_pass(r,
		        "a statement about sequence %llu, signed by the "
		        "list's timestamp key",
		        (unsigned long long)ts.sequence);
	cf_resp_free(&resp);
}

static void t_no_rollback(cf_ctx *x, const void *arg, cf_result *r)
{
	const sp_tl *served, *local = sp_trust_list(x->local);
	const uint8_t *a, *b;
	size_t al, bl;
	char note[120];

	(void)arg;
	if (!cf_need_target(x, r))
		return;
	served = sp_trust_list(x->trust);
	snprintf(note, sizeof(note), "served sequence %llu, auditor's %llu",
	         (unsigned long long)served->sequence,
	         (unsigned long long)local->sequence);
	cf_evidence_add(r, "GET /v1/trust-lists/{federation}", 200, "", 0,
	                note);
	a = sp_trust_list_bytes(x->trust, &al);
	b = sp_trust_list_bytes(x->local, &bl);
	if (served->sequence < local->sequence)
		cf_fail(r,
		        "the node serves sequence %llu although sequence %llu "
		        "exists: a stale trust list "
		        "is in force",
		        (unsigned long long)served->sequence,
		        (unsigned long long)local->sequence);
	else if (served->sequence == local->sequence &&
	         (al != bl || memcmp(a, b, al) != 0))
		cf_fail(r,
		        "the node serves a list with sequence %llu whose bytes "
		        "differ from the auditor's",
		        (unsigned long long)served->sequence);
	else
		cf_pass(r,
		        "the node is on sequence %llu, not older than the "
		        "auditor's %llu",
		        (unsigned long long)served->sequence,
		        (unsigned long long)local->sequence);
}

/* Deliver a record from `origin` (signed with its own key when the
 * federation directory has it, else with the auditor's: the refusal comes
 * before the cryptographic check) and expect err. */
static void from_signer(cf_ctx *x, const char *origin, int64_t issued,
                        const sp_key *key_or_null, int err, const char *what,
                        cf_result *r)
{
	cf_recopt ro;
	sp_key *own =
	    key_or_null == NULL ? cf_member_sign_key(x, origin) : NULL;
	uint8_t *rec = NULL;
	size_t len = 0;
	char e[200];
	cf_resp resp;

	memset(&ro, 0, sizeof(ro));
	ro.origin = origin;
	ro.issued = issued;
	ro.key = key_or_null != NULL ? key_or_null : own;
	if (cf_record(x, &ro, &rec, &len, e, sizeof(e)) != SP_OK) {
		cf_fail(r, "suite: %s", e);
		sp_key_free(own);
		return;
	}
	cf_evidence_add(
	    r, "signed with", 0, "", 0,
	    key_or_null != NULL ? "the key named by the case"
	    : own != NULL
	        ? "the signer's own key from the federation directory"
	        : "the auditor's key (the signer's key is not at hand)");
	cf_deliver(x, rec, len, &resp, r);
	cf_expect_error(r, &resp, err, what);
	cf_resp_free(&resp);
	free(rec);
	sp_key_free(own);
}

static void t_unknown(cf_ctx *x, const void *arg, cf_result *r)
{
	char err[200];

	(void)arg;
	if (!cf_need_target(x, r))
		return;
	if (cf_make_outsiders(x, err, sizeof(err)) != 0) {
		cf_fail(r, "suite: %s", err);
		return;
	}
	from_signer(x, "CONF-UNLISTED", 0, x->outsider_sign,
	            SP_ERR_UNKNOWN_ORIGIN,
	            "a record whose Origin no trust list holds", r);
}

static void by_status(cf_ctx *x, sp_member_status st, int err, cf_result *r)
{
	const sp_tl_member *m;
	char what[160];

	if (!cf_need_target(x, r))
		return;
	if ((m = cf_member_in_status(x, st)) == NULL) {
		cf_skip(r,
		        "the target's trust list has no %s member other than "
		        "the auditor and the target",
		        sp_status_name(st));
		return;
	}
	snprintf(what, sizeof(what), "a record from %s member %s",
	         sp_status_name(st), m->node_id);
	from_signer(x, m->node_id, 0, NULL, err, what, r);
}

static void t_revoked(cf_ctx *x, const void *arg, cf_result *r)
{
	(void)arg;
	by_status(x, SP_STATUS_REVOKED, SP_ERR_SIGNER_REVOKED, r);
}

static void t_suspended(cf_ctx *x, const void *arg, cf_result *r)
{
	(void)arg;
	by_status(x, SP_STATUS_SUSPENDED, SP_ERR_SIGNER_SUSPENDED, r);
}

static void t_expired(cf_ctx *x, const void *arg, cf_result *r)
{
	const sp_tl *tl;
	int64_t now = (int64_t)time(NULL);
	char what[160];

	(void)arg;
	if (!cf_need_target(x, r))
		return;
	tl = sp_trust_list(x->trust);
	/* with witnesses the signer is judged at the record's existence
	 * bound, at confirmation: the node holds such a record pending
	 * (SPEC [TL-78]), so "expired now" is no refusal on arrival */
	if (tl->quorum > 0) {
		cf_skip(r, "the federation has witnesses: a retired "
		           "certificate is judged at existence time (TL-78)");
		return;
	}
	for (size_t i = 0; i < tl->n_members; i++) {
		const sp_tl_member *m = &tl->members[i];
		size_t j;

		if (m->status != SP_STATUS_ACTIVE ||
		    strcmp(m->node_id, x->target_id) == 0 || m->n_signing == 0)
			continue;
		for (j = 0; j < m->n_signing; j++)
			if (m->signing[j].valid_until + SKEW_MAX >= now)
				break;
		if (j < m->n_signing)
			continue;
		/* Issued inside the old window: only "now" is outside. */
		snprintf(
		    what, sizeof(what),
		    "a record from %s, whose signing certificates all expired",
		    m->node_id);
		from_signer(x, m->node_id, m->signing[0].valid_until - DAY,
		            NULL, SP_ERR_SIGNER_EXPIRED, what, r);
		return;
	}
	cf_skip(r, "the target's trust list has no active member whose signing "
	           "certificates have all expired");
}

static void t_before_window(cf_ctx *x, const void *arg, cf_result *r)
{
	const sp_tl_member *m;
	int64_t from = INT64_MAX;

	(void)arg;
	if (!cf_need_target(x, r))
		return;
	m = sp_tl_find(sp_trust_list(x->trust), x->as);
	if (m == NULL || m->n_signing == 0) {
		cf_fail(r, "the auditor %s is not in the target's trust list",
		        x->as);
		return;
	}
	for (size_t i = 0; i < m->n_signing; i++)
		if (m->signing[i].valid_from < from)
			from = m->signing[i].valid_from;
	/* Before every listed window by more than any allowed skew. */
	from_signer(
	    x, x->as, from - SKEW_MAX - 2 * DAY, x->sign, SP_ERR_SIGNER_EXPIRED,
	    "a record dated before every signing certificate of its signer", r);
}

static void t_future(cf_ctx *x, const void *arg, cf_result *r)
{
	(void)arg;
	if (!cf_need_target(x, r))
		return;
	from_signer(x, x->as, (int64_t)time(NULL) + DAY, x->sign,
	            SP_ERR_ISSUED_IN_FUTURE, "a record dated one day ahead", r);
}

/* Types whose bodies the suite carries for TL-61, in the order tried:
 * those a port authority and an auditor may not originate by default. */
static const struct {
	const char *type, *body;
} foreign_types[] = {
    {"credit", "<Credit><PartyIdentifier scheme=\"USCC\">"
               "91410100MA44K7QX2P</PartyIdentifier><Rating>B</Rating>"
               "<EffectiveFrom>2026-12-01T00:00:00Z</EffectiveFrom>"
               "</Credit>"},
    {"negative-list", "<NegativeListEntry><Scope>goods</Scope>"
                      "<Item>Conformance suite item</Item>"
                      "<Measure>prohibited</Measure>"
                      "<EffectiveFrom>2026-12-01T00:00:00Z</EffectiveFrom>"
                      "</NegativeListEntry>"},
    {"statistics", "<Statistics><PeriodStart>2026-11-01T00:00:00Z"
                   "</PeriodStart><PeriodEnd>2026-11-30T23:59:59Z"
                   "</PeriodEnd><Indicator name=\"declarations.9610\">1"
                   "</Indicator></Statistics>"},
};

/* SPEC [TL-61]: a record that the auditor signed validly, of a Type its
 * entry in the served list does not authorize (its MayOriginate, else its
 * role's defaults). */
static void t_type_not_authorized(cf_ctx *x, const void *arg, cf_result *r)
{
	const sp_tl_member *m;
	cf_recopt ro;
	uint8_t *rec = NULL;
	size_t len = 0, i;
	char e[200], what[160];
	cf_resp resp;

	(void)arg;
	if (!cf_need_target(x, r))
		return;
	m = sp_tl_find(sp_trust_list(x->trust), x->as);
	if (m == NULL) {
		cf_fail(r, "the auditor %s is not in the target's trust list",
		        x->as);
		return;
	}
	for (i = 0; i < sizeof(foreign_types) / sizeof(foreign_types[0]); i++)
		if (!sp_tl_member_may_originate(m, foreign_types[i].type))
			break;
	if (i == sizeof(foreign_types) / sizeof(foreign_types[0])) {
		cf_skip(
		    r,
		    "the auditor %s may originate credit, negative-list and "
		    "statistics records: the suite has no record it may "
		    "not originate",
		    x->as);
		return;
	}
	memset(&ro, 0, sizeof(ro));
	ro.type = foreign_types[i].type;
	ro.body = foreign_types[i].body;
	if (cf_record(x, &ro, &rec, &len, e, sizeof(e)) != SP_OK) {
		cf_fail(r, "suite: %s", e);
		return;
	}
	cf_evidence_add(r, "signed with", 0, "", 0,
	                "the auditor's own key: the signature is valid");
	snprintf(what, sizeof(what),
	         "a %s record from %s (role %s), whose entry does not "
	         "authorize that Type",
	         ro.type, x->as, sp_role_name(m->role));
	cf_deliver(x, rec, len, &resp, r);
	cf_expect_error(r, &resp, SP_ERR_TYPE_NOT_AUTHORIZED, what);
	cf_resp_free(&resp);
	free(rec);
}

static void member_requests(cf_ctx *x, sp_member_status st, cf_result *r)
{
	const sp_tl_member *m;
	X509 *cert = NULL;
	EVP_PKEY *key = NULL;
	cf_conn *c;
	char err[200], path[160], name[72];
	uint8_t *rec = NULL;
	size_t len = 0;
	cf_req q[2];
	int bad = 0;

	if (!cf_need_target(x, r))
		return;
	if ((m = cf_member_in_status(x, st)) == NULL) {
		cf_skip(r,
		        "the target's trust list has no %s member other than "
		        "the auditor and the target",
		        sp_status_name(st));
		return;
	}
	if (cf_member_tls(x, m->node_id, &cert, &key) != 0) {
		cf_skip(r,
		        "the federation directory holds no TLS identity of %s "
		        "member %s",
		        sp_status_name(st), m->node_id);
		return;
	}
	if (cf_record(x, NULL, &rec, &len, err, sizeof(err)) != SP_OK) {
		cf_fail(r, "suite: %s", err);
		goto out;
	}
	c = cf_connect_as(x, cert, key, err, sizeof(err));
	if (c == NULL) {
		cf_evidence_add(r, "TLS handshake", 0, "handshake refused", 0,
		                err);
		cf_pass(r, "the %s member %s was refused in the handshake",
		        sp_status_name(st), m->node_id);
		goto out;
	}
	memset(q, 0, sizeof(q));
	q[0].method = "POST";
	q[0].path = "/v1/records";
	q[0].ctype = "application/xml";
	q[0].body = rec;
	q[0].len = len;
	snprintf(path, sizeof(path), "/v1/logs/%s/entries?start=0&count=1",
	         x->target_id);
	q[1].method = "GET";
	q[1].path = path;
	cf_exchange(c, q, 2, x->timeout_ms);
	for (int i = 0; i < 2; i++) {
		cf_note_response(x, q[i].method, q[i].path, &q[i].resp,
		                 m->node_id, r);
		cf_problem_name(&q[i].resp, name, sizeof(name));
		/* A refusal at the TLS layer (the connection closed before any
		 * answer) denies access too. */
		if (!(q[i].resp.status == 0 && !q[i].resp.reset &&
		      cf_conn_dead(c)) &&
		    (q[i].resp.status != 403 || strcmp(name, "forbidden") != 0))
			bad++;
		cf_resp_free(&q[i].resp);
	}
	cf_close(c);
	if (bad == 0)
		cf_pass(r,
		        "requests authenticated as %s member %s are answered "
		        "403 forbidden",
		        sp_status_name(st), m->node_id);
	else
		cf_fail(r,
		        "%d of 2 requests authenticated as %s member %s were "
		        "not answered 403 forbidden",
		        bad, sp_status_name(st), m->node_id);
out:
	free(rec);
	X509_free(cert);
	EVP_PKEY_free(key);
}

static void t_revoked_requests(cf_ctx *x, const void *arg, cf_result *r)
{
	(void)arg;
	member_requests(x, SP_STATUS_REVOKED, r);
}

static void t_suspended_requests(cf_ctx *x, const void *arg, cf_result *r)
{
	(void)arg;
	member_requests(x, SP_STATUS_SUSPENDED, r);
}

/* [API-73]: a member's silkport-trust-list header is attacker input that
 * never changes the answer: malformed values (a Sequence beyond 2^63 - 1,
 * a leading zero, a sign, two spaces, three parts, too long), one
 * naming another federation, and a well-formed one naming a Sequence no
 * higher than the node's (which asks for no fetch) leave the answer to
 * GET /v1/trust-lists/{federation} byte-identical. */
#define HDR_CASES 8
static void t_list_header_ignored(cf_ctx *x, const void *arg, cf_result *r)
{
	char path[160], v[HDR_CASES][200];
	const char *extra[2];
	cf_resp base;
	int bad = 0;

	(void)arg;
	if (!cf_need_target(x, r))
		return;
	snprintf(path, sizeof(path), "/v1/trust-lists/%s", x->federation);
	snprintf(v[0], sizeof(v[0]), "%s 9223372036854775808", x->federation);
	snprintf(v[1], sizeof(v[1]), "%s 01", x->federation);
	snprintf(v[2], sizeof(v[2]), "%s -1", x->federation);
	snprintf(v[3], sizeof(v[3]), "%s  1", x->federation);
	snprintf(v[4], sizeof(v[4]), "%s 1 2", x->federation);
	snprintf(v[5], sizeof(v[5]), "%s 1%0120d", x->federation, 0);
	snprintf(v[6], sizeof(v[6]), "conformance-other-federation 1");
	snprintf(v[7], sizeof(v[7]), "%s 1", x->federation);
	/* the answer without the header, on the member connection */
	cf_http(x, CF_AS_MEMBER, "GET", path, NULL, NULL, 0, &base, r);
	if (base.status != 200) {
		cf_fail(r, "GET %s as a member answered %d, not 200", path,
		        base.status);
		cf_resp_free(&base);
		return;
	}
	extra[0] = "silkport-trust-list";
	for (int i = 0; i < HDR_CASES; i++) {
		cf_req q;

		memset(&q, 0, sizeof(q));
		q.method = "GET";
		q.path = path;
		extra[1] = v[i];
		q.extra = extra;
		q.n_extra = 1;
		if (x->member == NULL ||
		    cf_exchange(x->member, &q, 1, x->timeout_ms) != 0 ||
		    q.resp.status != base.status || q.resp.len != base.len ||
		    memcmp(q.resp.body, base.body, base.len) != 0) {
			bad++;
			cf_evidence_add(r, "GET with silkport-trust-list",
			                q.resp.status, "", q.resp.ms, v[i]);
		}
		cf_note_response(x, "GET", path, &q.resp, x->as, r);
		cf_resp_free(&q.resp);
	}
	cf_resp_free(&base);
	if (bad > 0)
		cf_fail(r,
		        "%d of %d requests with a malformed, foreign or "
		        "lower silkport-trust-list value got another answer",
		        bad, HDR_CASES);
	else
		cf_pass(r,
		        "%d malformed, foreign or lower silkport-trust-list "
		        "values left the answer byte-identical",
		        HDR_CASES);
}

/* SPEC [API-82], [TL-81]: the cosignatures a node serves are a witness note
 * of exactly the list it serves (or 404: none kept); [API-81]: no
 * cosignature for an anonymous caller. Nothing is kept: a witness answers
 * only a member or an operator. */
static void t_cosignatures(cf_ctx *x, const void *arg, cf_result *r)
{
	char path[200];
	cf_resp resp;
	const char *ct, *sigs = NULL, *why = NULL;
	const uint8_t *list;
	size_t len, sl = 0;
	int rc, bad = 0;

	(void)arg;
	if (!cf_need_target(x, r))
		return;
	snprintf(path, sizeof(path), "/v1/trust-lists/%s/cosignatures",
	         x->federation);
	cf_http(x, CF_AS_ANON, "GET", path, NULL, NULL, 0, &resp, r);
	ct = cf_resp_header(&resp, "content-type");
	if (resp.status == 200 &&
	    (ct == NULL || strncmp(ct, "text/plain", 10) != 0)) {
		cf_fail(r, "GET %s: 200 as '%s', not text/plain", path,
		        ct ? ct : "(none)");
		bad = 1;
	} else if (resp.status == 200 &&
	           (rc = sp_tl_note_sigs(x->trust, (const char *)resp.body,
	                                 resp.len, &sigs, &sl, &why)) !=
	               SP_OK) {
		cf_fail(r,
		        "GET %s: not a witness note of the served list: %s: %s",
		        path, sp_strerror(rc), why ? why : "");
		bad = 1;
	} else if (resp.status != 200 && resp.status != 404) {
		cf_fail(r, "GET %s answered %d, not 200 or 404", path,
		        resp.status);
		bad = 1;
	}
	cf_resp_free(&resp);
	if (bad)
		return;
	snprintf(path, sizeof(path), "/v1/trust-lists/%s/cosign",
	         x->federation);
	list = sp_trust_list_bytes(x->trust, &len);
	cf_http(x, CF_AS_ANON, "POST", path, "application/xml", list, len,
	        &resp, r);
	if (resp.status != 401)
		cf_fail(r,
		        "POST %s without a client certificate answered %d, "
		        "not 401",
		        path, resp.status);
	else
		cf_pass(r, "the served cosignatures name the served list; no "
		           "cosignature for an anonymous caller");
	cf_resp_free(&resp);
}

static const cf_assertion list[] = {
    {"the served trust list verifies with the federation anchor",
     "API-42, TL-10, TL-13, FED-15", CF_MUST, t_served_list, NULL, CF_READS},
    {"the node is not on a stale trust list (no rollback)",
     "TL-15, TL-16, TL-18, SEC-7", CF_MUST, t_no_rollback, NULL, CF_READS},
    {"a record from a signer in no trust list: unknown-origin",
     "TL-31, SIG-25, FED-28", CF_MUST, t_unknown, NULL, CF_WRITES},
    {"a record from a revoked member: signer-revoked", "TL-26, TL-31", CF_MUST,
     t_revoked, NULL, CF_WRITES},
    {"a record from a suspended member: signer-suspended", "TL-25, TL-31",
     CF_MUST, t_suspended, NULL, CF_WRITES},
    {"a record from a member whose signing certificates expired: "
     "signer-expired",
     "TL-30, TL-31", CF_MUST, t_expired, NULL, CF_WRITES},
    {"a record dated before its signer's certificates: signer-expired",
     "TL-30, TL-31", CF_MUST, t_before_window, NULL, CF_WRITES},
    {"a record dated a day ahead: issued-in-future", "TL-31, GEN-14", CF_MUST,
     t_future, NULL, CF_WRITES},
    {"requests authenticated as a revoked member: 403 forbidden",
     "ACC-4, TL-26", CF_MUST, t_revoked_requests, NULL, CF_WRITES},
    {"requests authenticated as a suspended member: 403 forbidden",
     "ACC-4, TL-25", CF_MUST, t_suspended_requests, NULL, CF_WRITES},
    /* appended, so that the ids of the others stay as they were */
    {"a validly signed record of a Type its Origin may not originate: "
     "type-not-authorized",
     "TL-59, TL-60, TL-61, SIG-25", CF_MUST, t_type_not_authorized, NULL,
     CF_WRITES},
    {"a served freshness statement verifies and names the served list",
     "API-72, TL-65", CF_MUST, t_timestamp, NULL, CF_READS},
    {"a malformed, foreign or lower silkport-trust-list header never "
     "changes the answer",
     "API-73", CF_MUST, t_list_header_ignored, NULL, CF_READS},
    {"served list cosignatures are a witness note of the served list; "
     "anonymous callers get none",
     "API-81, API-82, TL-81", CF_MUST, t_cosignatures, NULL, CF_READS},
};

const cf_assertion *cf_area_trust(size_t *n)
{
	*n = sizeof(list) / sizeof(list[0]);
	return list;
}
