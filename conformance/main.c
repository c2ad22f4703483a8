/* main.c: silkport-conformance: arguments, setup against the target (its
 * trust list and identity), the assertion runner, and the report writers'
 * dispatch. */
#include "conf_int.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libxml/tree.h>
#include <openssl/pem.h>

#ifndef SP_VERSION_STRING
#define SP_VERSION_STRING "0"
#endif

static const char usage_text[] =
    "usage: silkport-conformance --target https://HOST:PORT IDENTITY "
    "[--read-only]\n"
    "           [--checkpoint FILE] [--save-checkpoint FILE] [--only ID,...]\n"
    "           [--junit FILE] [--html FILE] [--timeout SECONDS]\n"
    "           [--second-federation-dir DIR2 --second-as MEMBER2\n"
    "           [--second-target https://HOST:PORT]]\n"
    "IDENTITY is either explicit:\n"
    "           --trust-list FILE --anchor FILE --tls-cert FILE --tls-key "
    "FILE\n"
    "           [--sign-cert FILE --sign-key FILE] [--member ID]\n"
    "        or the shortcut --federation-dir DIR --as MEMBER, which fills in\n"
    "        every one of them not given from a directory as 'silkport\n"
    "        federation init' writes it (DIR/trust-list.xml, "
    "DIR/operator/cert.pem\n"
    "        or, with an SM2 list signer, DIR/operator/anchors.pem,\n"
    "        DIR/members/MEMBER/{tls,sign}-{cert,key}.pem).\n"
    "Checks a node that claims to implement protocol/SPEC.md.\n"
    "  --trust-list FILE  the federation's trust list\n"
    "  --anchor FILE      the operator certificate that signs it\n"
    "  --tls-cert FILE, --tls-key FILE\n"
    "                 the auditor's TLS client identity (a member's "
    "TlsCertificate)\n"
    "  --sign-cert FILE, --sign-key FILE\n"
    "                 the auditor's signing identity, for the records the "
    "write\n"
    "                 assertions deliver; required unless --read-only\n"
    "  --member ID    the auditor's NodeId (default: --as, or the member "
    "whose\n"
    "                 TlsCertificate is --tls-cert)\n"
    "  --read-only    write nothing to the target: every assertion that would\n"
    "                 deliver a record or submit is skipped, saying so\n"
    "  --checkpoint FILE, --save-checkpoint FILE\n"
    "                 an earlier checkpoint of the target's log, proven a "
    "prefix\n"
    "                 of the current one (consistency over time); where to "
    "save\n"
    "                 the current one for the next audit\n"
    "  --only ID,...  run only these assertions (an id such as CONF-API-3, or "
    "an\n"
    "                 area prefix such as CONF-SIG)\n"
    "  --second-federation-dir DIR2, --second-as MEMBER2, --second-target URL\n"
    "                 for a target that is also a member of a second "
    "federation\n"
    "                 (a gateway): DIR2 is that federation's directory, "
    "MEMBER2\n"
    "                 a member of it (not of DIR's federation) whose TLS "
    "identity\n"
    "                 reads, URL the target's listener for it (default: "
    "--target).\n"
    "                 Without them the cross-federation assertions are "
    "skipped.\n"
    "TAP 14 goes to standard output. Exit 0 only if no MUST assertion failed;\n"
    "1 if one did; 2 on usage or setup errors of the suite itself.\n";

/* ---------------------------------------------------------------- results */

static void vset(cf_result *r, cf_outcome o, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
static void vset(cf_result *r, cf_outcome o, const char *fmt, va_list ap)
{
	r->outcome = o;
	vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
}

void cf_pass(cf_result *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset(r, CF_PASS, fmt, ap);
	va_end(ap);
}

void cf_fail(cf_result *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset(r, CF_FAIL, fmt, ap);
	va_end(ap);
}

void cf_skip(cf_result *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset(r, CF_SKIP, fmt, ap);
	va_end(ap);
}

void cf_evidence_add(cf_result *r, const char *request, int status,
                     const char *error, double ms, const char *note)
{
	cf_evidence *e;

	if (r == NULL)
		return;
	if (r->n_ev == CF_MAX_EVIDENCE) /* keep the last slot for the latest */
		r->n_ev--;
	e = &r->ev[r->n_ev++];
	memset(e, 0, sizeof(*e));
	snprintf(e->request, sizeof(e->request), "%s", request ? request : "");
	e->status = status;
	snprintf(e->error, sizeof(e->error), "%s", error ? error : "");
	e->ms = ms;
	snprintf(e->note, sizeof(e->note), "%s", note ? note : "");
}

/* ---------------------------------------------------------------- problems */

static int text_of(xmlNodePtr root, const char *name, char *out, size_t cap)
{
	for (xmlNodePtr n = root->children; n != NULL; n = n->next) {
		if (n->type == XML_ELEMENT_NODE &&
		    xmlStrEqual(n->name, (const xmlChar *)name)) {
			xmlChar *v = xmlNodeGetContent(n);

			snprintf(out, cap, "%s", v ? (const char *)v : "");
			xmlFree(v);
			return 1;
		}
	}
	out[0] = '\0';
	return 0;
}

/* Parse a problem response into s (problem_ok, error, type_name, ...). */
static void read_problem(const cf_resp *resp, cf_seen *s)
{
	sp_doc *doc = NULL;
	const char *why = NULL;
	xmlNodePtr root;
	char type[300], st[16];
	const char *ct = cf_resp_header(resp, "content-type");
	size_t pl = strlen(SP_ERROR_URI_PREFIX);

	if (ct == NULL || strncmp(ct, "application/problem+xml", 23) != 0) {
		snprintf(s->problem_why, sizeof(s->problem_why),
		         "content-type is '%s', not application/problem+xml",
		         ct ? ct : "(none)");
		return;
	}
	if (resp->len == 0) {
		snprintf(s->problem_why, sizeof(s->problem_why), "empty body");
		return;
	}
	if (sp_doc_parse(resp->body, resp->len, SP_DOC_PROBLEM, NULL, &doc,
	                 &why) != SP_OK) {
		snprintf(s->problem_why, sizeof(s->problem_why),
		         "not a problem document: %s", why ? why : "");
		return;
	}
	root = xmlDocGetRootElement(sp_doc_tree(doc));
	text_of(root, "type", type, sizeof(type));
	text_of(root, "error", s->error, sizeof(s->error));
	text_of(root, "request-id", s->p_reqid, sizeof(s->p_reqid));
	if (text_of(root, "status", st, sizeof(st)))
		s->p_status = (int)strtol(st, NULL, 10);
	if (strncmp(type, SP_ERROR_URI_PREFIX, pl) == 0)
		snprintf(s->type_name, sizeof(s->type_name), "%s", type + pl);
	else
		snprintf(s->problem_why, sizeof(s->problem_why),
		         "type '%.100s' is not %s<name>", type,
		         SP_ERROR_URI_PREFIX);
	s->problem_ok = s->problem_why[0] == '\0';
	sp_doc_free(doc);
}

const char *cf_problem_name(const cf_resp *resp, char *buf, size_t cap)
{
	cf_seen s;

	memset(&s, 0, sizeof(s));
	buf[0] = '\0';
	if (resp->status >= 400) {
		read_problem(resp, &s);
		snprintf(buf, cap, "%s",
		         s.type_name[0] ? s.type_name : s.error);
	}
	return buf;
}

static void seen_add(cf_ctx *x, const char *request, const cf_resp *resp)
{
	cf_seen *s;
	const char *v;

	if (resp->status == 0)
		return;
	if (x->n_seen == x->cap_seen) {
		size_t cap = x->cap_seen ? x->cap_seen * 2 : 256;
		cf_seen *ns = realloc(x->seen, cap * sizeof(*ns));

		if (ns == NULL)
			return;
		x->seen = ns;
		x->cap_seen = cap;
	}
	s = &x->seen[x->n_seen++];
	memset(s, 0, sizeof(*s));
	snprintf(s->request, sizeof(s->request), "%s", request);
	s->status = resp->status;
	if ((v = cf_resp_header(resp, "content-type")) != NULL)
		snprintf(s->ctype, sizeof(s->ctype), "%s", v);
	if ((v = cf_resp_header(resp, "x-request-id")) != NULL) {
		s->has_reqid = 1;
		snprintf(s->reqid, sizeof(s->reqid), "%s", v);
	}
	if (resp->status >= 400)
		read_problem(resp, s);
}

/* The first bytes of a body as report text: printable ASCII as is, the
 * rest as \n, \r, \t or \xNN, so that what a target sent cannot pass for
 * the report's own text, and an ellipsis when there is more. */
static void body_excerpt(const cf_resp *resp, char *out, size_t cap)
{
	size_t o = 0, i;

	out[0] = '\0';
	for (i = 0; i < resp->len && i < CF_BODY_EXCERPT && o + 5 < cap; i++) {
		unsigned char ch = resp->body[i];
		int n;

		if (ch == '\n' || ch == '\r' || ch == '\t' || ch == '\\')
			n = snprintf(out + o, cap - o, "\\%c",
			             ch == '\n'   ? 'n'
			             : ch == '\r' ? 'r'
			             : ch == '\t' ? 't'
			                          : '\\');
		else if (ch >= 0x20 && ch < 0x7f)
			n = snprintf(out + o, cap - o, "%c", ch);
		else
			n = snprintf(out + o, cap - o, "\\x%02x", ch);
		if (n < 0 || (size_t)n >= cap - o)
			break;
		o += (size_t)n;
	}
	if (i < resp->len && o + 4 < cap)
		snprintf(out + o, cap - o, "...");
}

void cf_note_response(cf_ctx *x, const char *method, const char *path,
                      const cf_resp *resp, const char *who, cf_result *r)
{
	char req[200], err[72];

	snprintf(req, sizeof(req), "%s %.120s as %s", method, path, who);
	seen_add(x, req, resp);
	if (resp->status != 0)
		cf_problem_name(resp, err, sizeof(err));
	else if (resp->reset)
		snprintf(err, sizeof(err), "RST_STREAM 0x%x", resp->rst);
	else
		snprintf(err, sizeof(err), "%s",
		         resp->timed_out ? "no answer (timeout)"
		                         : "connection closed");
	cf_evidence_add(r, req, resp->status, err, resp->ms, NULL);
	if (r != NULL && resp->len > 0)
		body_excerpt(resp, r->ev[r->n_ev - 1].body,
		             sizeof(r->ev[0].body));
}

/* ---------------------------------------------------------------- http */

cf_conn *cf_connect_as(cf_ctx *x, X509 *cert, EVP_PKEY *key, char *err,
                       size_t errlen)
{
	cf_tls t;

	memset(&t, 0, sizeof(t));
	t.cert = cert;
	t.key = key;
	return cf_connect(x->host, x->port, &t, x->timeout_ms, err, errlen);
}

int cf_http(cf_ctx *x, int who, const char *method, const char *path,
            const char *ctype, const uint8_t *body, size_t len, cf_resp *resp,
            cf_result *r)
{
	cf_conn **cp = who == CF_AS_ANON ? &x->anon : &x->member;
	char err[200], name[240];
	cf_req q;

	/* Read-only mode skips the assertions marked CF_WRITES; this is the
	 * backstop for one that is not: a member's POST is never sent. */
	if (x->read_only && who == CF_AS_MEMBER &&
	    strcmp(method, "POST") == 0) {
		memset(resp, 0, sizeof(*resp));
		snprintf(name, sizeof(name), "%s %.100s", method, path);
		cf_evidence_add(
		    r, name, 0, "not sent", 0,
		    "read-only mode: a member's POST is never sent");
		return 0;
	}
	for (int attempt = 0; attempt < 2; attempt++) {
		if (*cp == NULL || cf_conn_dead(*cp)) {
			cf_close(*cp);
			*cp =
			    who == CF_AS_ANON
			        ? cf_connect_as(x, NULL, NULL, err, sizeof(err))
			        : cf_connect_as(x, x->tls_cert, x->tls_key, err,
			                        sizeof(err));
			if (*cp == NULL) {
				memset(resp, 0, sizeof(*resp));
				snprintf(name, sizeof(name), "%s %.100s",
				         method, path);
				cf_evidence_add(r, name, 0, "connection failed",
				                0, err);
				return 0;
			}
		}
		memset(&q, 0, sizeof(q));
		q.method = method;
		q.path = path;
		q.ctype = ctype;
		q.body = body;
		q.len = len;
		if (body == NULL && len == 0 && strcmp(method, "POST") == 0)
			q.body = (const uint8_t *)"";
		cf_exchange(*cp, &q, 1, x->timeout_ms);
		/* A connection that died before anything came back (an idle
		 * timeout, a GOAWAY) gets one fresh try. */
		if (q.resp.status == 0 && !q.resp.reset && cf_conn_dead(*cp) &&
		    attempt == 0) {
			cf_resp_free(&q.resp);
			continue;
		}
		break;
	}
	*resp = q.resp;
	if (body != NULL && len > 0)
		snprintf(name, sizeof(name), "%.100s (%zu bytes)", path, len);
	else
		snprintf(name, sizeof(name), "%.100s", path);
	cf_note_response(x, method, name, resp,
	                 who == CF_AS_ANON ? "anonymous" : x->as, r);
	return resp->status;
}

int cf_expect_error(cf_result *r, const cf_resp *resp, int err,
                    const char *what)
{
	char got[72];
	int want_status = sp_err_http_status(err);

	cf_problem_name(resp, got, sizeof(got));
	snprintf(r->expect, sizeof(r->expect), "%d %s (%s)", want_status,
	         sp_strerror(err), what);
	if (resp->status == want_status && strcmp(got, sp_strerror(err)) == 0) {
		r->expect[0] =
		    '\0'; /* met: a later failure is about something else */
		cf_pass(r, "%s refused with %d %s", what, resp->status, got);
		return 1;
	}
	if (resp->status == 0)
		cf_fail(r, "%s: no HTTP answer (%s); wanted %d %s", what,
		        resp->reset ? "stream reset"
		                    : "connection closed or timed out",
		        want_status, sp_strerror(err));
	else
		cf_fail(r, "%s: got %d %s; wanted %d %s", what, resp->status,
		        got[0] ? got : "(no problem document)", want_status,
		        sp_strerror(err));
	return 0;
}

int cf_need_target(cf_ctx *x, cf_result *r)
{
	if (x->setup_error[0] == '\0' && x->target_id[0] != '\0')
		return 1;
	/* The target failing to be reached or identified is its failure, not
	 * a missing precondition of the suite. */
	cf_fail(r, "setup did not complete: %s",
	        x->setup_error[0] ? x->setup_error
	                          : "the target is not identified");
	return 0;
}

uint64_t cf_next_seq(cf_ctx *x)
{
	return x->seq_next++;
}

/* ---------------------------------------------------------------- setup */

static int read_file(const char *path, uint8_t **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b = NULL;
	size_t n = 0, cap = 0;

	*out = NULL;
	*len = 0;
	if (f == NULL)
		return -1;
	for (;;) {
		size_t r;

		if (n + 65536 > cap) {
			uint8_t *nb;

			cap = cap ? cap * 2 : 131072;
			if (cap > ((size_t)32 << 20) ||
			    (nb = realloc(b, cap)) == NULL)
				goto fail;
			b = nb;
		}
		r = fread(b + n, 1, 65536, f);
		n += r;
		if (r < 65536)
			break;
	}
	if (ferror(f))
		goto fail;
	fclose(f);
	*out = b;
	*len = n;
	return 0;
fail:
	fclose(f);
	free(b);
	return -1;
}

/* https://HOST:PORT into host (cap bytes) and port. */
static int parse_url(const char *url, char *host, size_t cap,
                     uint16_t *port_out)
{
	const char *p, *colon;
	char *end;
	unsigned long port;
	size_t hl;

	if (strncmp(url, "https://", 8) != 0)
		return -1;
	p = url + 8;
	if (*p == '[') {
		const char *rb = strchr(p, ']');

		if (rb == NULL || rb[1] != ':')
			return -1;
		hl = (size_t)(rb - p - 1);
		if (hl == 0 || hl >= cap)
			return -1;
		memcpy(host, p + 1, hl);
		host[hl] = '\0';
		colon = rb + 1;
	} else {
		colon = strchr(p, ':');
		if (colon == NULL)
			return -1;
		hl = (size_t)(colon - p);
		if (hl == 0 || hl >= cap)
			return -1;
		memcpy(host, p, hl);
		host[hl] = '\0';
	}
	port = strtoul(colon + 1, &end, 10);
	if (end == colon + 1 || (*end != '\0' && strcmp(end, "/") != 0) ||
	    port == 0 || port > 65535)
		return -1;
	*port_out = (uint16_t)port;
	return 0;
}

int cf_load_identity(const char *cert_path, const char *key_path, X509 **cert,
                     EVP_PKEY **key)
{
	FILE *f;

	*cert = NULL;
	*key = NULL;
	if ((f = fopen(cert_path, "rb")) == NULL)
		return -1;
	*cert = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if ((f = fopen(key_path, "rb")) == NULL)
		goto fail;
	*key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (*cert != NULL && *key != NULL)
		return 0;
fail:
	X509_free(*cert);
	EVP_PKEY_free(*key);
	*cert = NULL;
	*key = NULL;
	return -1;
}

/* DIR/members/ID/tls-{cert,key}.pem of a federation directory. */
static int member_tls_in(const char *dir, const char *id, X509 **cert,
                         EVP_PKEY **key)
{
	char c[CF_PATH], k[CF_PATH];

	snprintf(c, sizeof(c), "%s/members/%s/tls-cert.pem", dir, id);
	snprintf(k, sizeof(k), "%s/members/%s/tls-key.pem", dir, id);
	return cf_load_identity(c, k, cert, key);
}

int cf_member_tls(cf_ctx *x, const char *id, X509 **cert, EVP_PKEY **key)
{
	*cert = NULL;
	*key = NULL;
	if (x->fed_dir ==
	    NULL) /* other members' keys are only in a directory */
		return -1;
	return member_tls_in(x->fed_dir, id, cert, key);
}

sp_key *cf_member_sign_key(cf_ctx *x, const char *id)
{
	char c[CF_PATH], k[CF_PATH];
	const char *why = NULL;
	sp_key *key = NULL;

	if (x->fed_dir == NULL)
		return NULL;
	snprintf(c, sizeof(c), "%s/members/%s/sign-cert.pem", x->fed_dir, id);
	snprintf(k, sizeof(k), "%s/members/%s/sign-key.pem", x->fed_dir, id);
	if (access(c, R_OK) != 0 || access(k, R_OK) != 0)
		return NULL;
	if (sp_key_load(k, c, &key, &why) != SP_OK)
		return NULL;
	return key;
}

/* A trust list verified with an anchor (the operator certificate, its
 * path copied into anchor_path). 0 or -1 with err. */
static int open_list(const char *anchor, const char *list_path,
                     char *anchor_path, size_t apcap, sp_anchors **anchors,
                     sp_trust **list, char *err, size_t errlen)
{
	uint8_t *tl = NULL;
	size_t tl_len = 0;
	const char *why = NULL;
	sp_verify_opts o;
	int rc;

	snprintf(anchor_path, apcap, "%s", anchor);
	if (sp_anchors_new(anchors) != SP_OK ||
	    sp_anchors_add_pem_file(*anchors, anchor_path, &why) != SP_OK) {
		snprintf(err, errlen, "%s: %s", anchor_path,
		         why ? why : "cannot read the anchor");
		return -1;
	}
	if (read_file(list_path, &tl, &tl_len) != 0) {
		snprintf(err, errlen, "%s: cannot read", list_path);
		return -1;
	}
	sp_verify_opts_default(&o);
	rc = sp_trust_open(*anchors, tl, tl_len, NULL, &o, list, &why);
	free(tl);
	if (rc != SP_OK) {
		snprintf(err, errlen, "%s: %s: %s", list_path, sp_strerror(rc),
		         why ? why : "");
		return -1;
	}
	return 0;
}

/* The anchor file of a directory as 'federation init' writes it:
 * operator/anchors.pem when the operator signs its lists with a key of its
 * own beside the CA (--list-alg), else the CA, operator/cert.pem. */
static void fed_dir_anchor(const char *dir, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s/operator/anchors.pem", dir);
	if (access(buf, F_OK) != 0)
		snprintf(buf, cap, "%s/operator/cert.pem", dir);
}

/* A federation directory's anchor (fed_dir_anchor) and its trust list
 * (DIR/trust-list.xml). */
static int open_fed_dir(const char *dir, char *anchor_path, size_t apcap,
                        sp_anchors **anchors, sp_trust **list, char *err,
                        size_t errlen)
{
	char anchor[CF_PATH], path[CF_PATH];

	fed_dir_anchor(dir, anchor, sizeof(anchor));
	snprintf(path, sizeof(path), "%s/trust-list.xml", dir);
	return open_list(anchor, path, anchor_path, apcap, anchors, list, err,
	                 errlen);
}

/* The second federation directory and its reader's TLS identity, when
 * given. Like setup_local's, its errors are the auditor's (exit 2). */
static int setup_second(cf_ctx *x, char *err, size_t errlen)
{
	char anchor[CF_PATH];

	if (x->fed2_dir == NULL || x->as2 == NULL)
		return 0;
	if (open_fed_dir(x->fed2_dir, anchor, sizeof(anchor), &x->anchors2,
	                 &x->local2, err, errlen) != 0)
		return -1;
	snprintf(x->federation2, sizeof(x->federation2), "%s",
	         sp_trust_list(x->local2)->federation);
	if (sp_tl_find(sp_trust_list(x->local2), x->as2) == NULL) {
		snprintf(err, errlen,
		         "--second-as: %s is not a member of the federation %s",
		         x->as2, x->federation2);
		return -1;
	}
	if (member_tls_in(x->fed2_dir, x->as2, &x->tls2_cert, &x->tls2_key) !=
	    0) {
		snprintf(err, errlen,
		         "%s/members/%s/tls-{cert,key}.pem: cannot read",
		         x->fed2_dir, x->as2);
		return -1;
	}
	return 0;
}

/* A path of the federation directory, when one was given and the
 * explicit flag was not: DIR/members/AS/NAME or DIR/NAME. */
static const char *dir_default(cf_ctx *x, const char *given, char *buf,
                               size_t cap, int of_member, const char *name)
{
	if (given != NULL || x->fed_dir == NULL)
		return given;
	if (of_member)
		snprintf(buf, cap, "%s/members/%s/%s", x->fed_dir, x->as, name);
	else
		snprintf(buf, cap, "%s/%s", x->fed_dir, name);
	return buf;
}

/* The auditor's NodeId from its TLS certificate: the member whose
 * TlsCertificate is byte-identical (the pinning the target applies). */
static int id_from_cert(cf_ctx *x, char *err, size_t errlen)
{
	const sp_tl *tl = sp_trust_list(x->local);
	unsigned char *der = NULL;
	int len = i2d_X509(x->tls_cert, &der);

	for (size_t i = 0; len > 0 && i < tl->n_members; i++) {
		const sp_tl_member *m = &tl->members[i];

		/* either slot during a rotation (SPEC TL-79) */
		if (sp_tl_member_has_tls_cert(m, der, (size_t)len)) {
			snprintf(x->id_buf, sizeof(x->id_buf), "%s",
			         m->node_id);
			x->as = x->id_buf;
		}
	}
	OPENSSL_free(der);
	if (x->as != NULL)
		return 0;
	snprintf(err, errlen,
	         "%s is no member's TlsCertificate in %s: name the auditor "
	         "with --member",
	         x->tls_cert_path, x->trust_list_path);
	return -1;
}

/* The auditor's identity and the federation's list and anchor, from the
 * explicit flags or the federation directory. Errors here are the
 * auditor's (exit 2), not the target's. */
static int setup_local(cf_ctx *x, char *err, size_t errlen)
{
	static char tl_buf[CF_PATH], an_buf[CF_PATH], tc_buf[CF_PATH],
	    tk_buf[CF_PATH], sc_buf[CF_PATH], sk_buf[CF_PATH];
	const char *why = NULL;
	FILE *f;

	x->trust_list_path = dir_default(x, x->trust_list_path, tl_buf,
	                                 sizeof(tl_buf), 0, "trust-list.xml");
	if (x->anchor_arg == NULL && x->fed_dir != NULL) {
		fed_dir_anchor(x->fed_dir, an_buf, sizeof(an_buf));
		x->anchor_arg = an_buf;
	}
	if (x->trust_list_path == NULL || x->anchor_arg == NULL) {
		snprintf(err, errlen,
		         "the federation's list and anchor: --trust-list FILE "
		         "--anchor FILE "
		         "(or --federation-dir DIR)");
		return -1;
	}
	if (open_list(x->anchor_arg, x->trust_list_path, x->anchor_path,
	              sizeof(x->anchor_path), &x->anchors, &x->local, err,
	              errlen) != 0)
		return -1;
	snprintf(x->federation, sizeof(x->federation), "%s",
	         sp_trust_list(x->local)->federation);
	if (x->fed_dir != NULL && x->as == NULL) {
		snprintf(err, errlen, "--federation-dir needs --as MEMBER");
		return -1;
	}
	x->tls_cert_path = dir_default(x, x->tls_cert_path, tc_buf,
	                               sizeof(tc_buf), 1, "tls-cert.pem");
	x->tls_key_path = dir_default(x, x->tls_key_path, tk_buf,
	                              sizeof(tk_buf), 1, "tls-key.pem");
	x->sign_cert_path = dir_default(x, x->sign_cert_path, sc_buf,
	                                sizeof(sc_buf), 1, "sign-cert.pem");
	x->sign_key_path = dir_default(x, x->sign_key_path, sk_buf,
	                               sizeof(sk_buf), 1, "sign-key.pem");
	if (x->tls_cert_path == NULL || x->tls_key_path == NULL) {
		snprintf(err, errlen,
		         "the client identity: --tls-cert FILE --tls-key FILE "
		         "(or --federation-dir "
		         "DIR --as MEMBER)");
		return -1;
	}
	if (cf_load_identity(x->tls_cert_path, x->tls_key_path, &x->tls_cert,
	                     &x->tls_key) != 0) {
		snprintf(err, errlen, "%s, %s: cannot read the TLS identity",
		         x->tls_cert_path, x->tls_key_path);
		return -1;
	}
	if (x->as == NULL && id_from_cert(x, err, errlen) != 0)
		return -1;
	if (sp_tl_find(sp_trust_list(x->local), x->as) == NULL) {
		snprintf(err, errlen, "%s is not a member of the federation %s",
		         x->as, x->federation);
		return -1;
	}
	/* The signing identity signs what the write assertions deliver: in
	 * read-only mode nothing is signed, so it is not even loaded. */
	if (x->read_only)
		return setup_second(x, err, errlen);
	if (x->sign_cert_path == NULL || x->sign_key_path == NULL) {
		snprintf(err, errlen,
		         "the write assertions need a signing identity: "
		         "--sign-cert FILE "
		         "--sign-key FILE (or --read-only)");
		return -1;
	}
	if (sp_key_load(x->sign_key_path, x->sign_cert_path, &x->sign, &why) !=
	    SP_OK) {
		snprintf(err, errlen,
		         "%s, %s: cannot load the signing identity: %s",
		         x->sign_cert_path, x->sign_key_path, why ? why : "");
		return -1;
	}
	if ((f = fopen(x->sign_key_path, "rb")) != NULL) {
		x->sign_pkey = PEM_read_PrivateKey(f, NULL, NULL, NULL);
		fclose(f);
	}
	if (x->sign_pkey == NULL) {
		snprintf(err, errlen, "%s: cannot read the private key",
		         x->sign_key_path);
		return -1;
	}
	return setup_second(x, err, errlen);
}

/* Reach the target, fetch and verify its trust list, identify it. Failures
 * are the target's: recorded in setup_error for the assertions to report. */
static void setup_target(cf_ctx *x)
{
	char err[200], path[200];
	cf_resp resp;
	const uint8_t *der;
	size_t der_len;
	sp_verify_opts o;
	const char *why = NULL;
	const sp_tl *tl;
	uint8_t md[32];
	int rc;

	x->member = cf_connect_as(x, x->tls_cert, x->tls_key, err, sizeof(err));
	if (x->member == NULL) {
		snprintf(x->setup_error, sizeof(x->setup_error),
		         "cannot connect as %s: %s", x->as, err);
		return;
	}
	der = cf_conn_peer_der(x->member, &der_len);
	if (der != NULL && der_len > 0) {
		sp_sha256(der, der_len, md);
		memcpy(x->target_fp, "SHA256:", 7);
		for (size_t i = 0; i < 32; i++)
			snprintf(x->target_fp + 7 + 2 * i, 3, "%02x", md[i]);
	}
	snprintf(path, sizeof(path), "/v1/trust-lists/%s", x->federation);
	cf_http(x, CF_AS_ANON, "GET", path, NULL, NULL, 0, &resp, NULL);
	sp_verify_opts_default(&o);
	if (resp.status == 200 &&
	    (rc = sp_trust_open(x->anchors, resp.body, resp.len, NULL, &o,
	                        &x->trust, &why)) != SP_OK)
		snprintf(x->setup_error, sizeof(x->setup_error),
		         "the served trust list does not verify: %s: %s",
		         sp_strerror(rc), why ? why : "");
	else if (resp.status != 200)
		snprintf(x->setup_error, sizeof(x->setup_error),
		         "GET %s answered %d, not 200", path, resp.status);
	cf_resp_free(&resp);
	if (x->trust == NULL)
		x->trust = sp_trust_ref(x->local);
	tl = sp_trust_list(x->trust);
	for (size_t i = 0; der != NULL && i < tl->n_members; i++) {
		const sp_tl_member *m = &tl->members[i];

		if (sp_tl_member_has_tls_cert(m, der, der_len)) /* TL-79 */
			snprintf(x->target_id, sizeof(x->target_id), "%s",
			         m->node_id);
	}
	if (x->target_id[0] == '\0' && x->setup_error[0] == '\0')
		snprintf(x->setup_error, sizeof(x->setup_error),
		         "the target's TLS certificate is no member's "
		         "TlsCertificate");
}

/* ---------------------------------------------------------------- runner */

static int selected(const char *id, const char *only)
{
	const char *p = only;

	if (only == NULL)
		return 1;
	while (*p != '\0') {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		size_t idl = strlen(id);

		if (n > 0 &&
		    ((n == idl && strncmp(p, id, n) == 0) ||
		     (n < idl && strncmp(p, id, n) == 0 && id[n] == '-')))
			return 1;
		p += n;
		if (*p == ',')
			p++;
	}
	return 0;
}

static void ctx_free(cf_ctx *x)
{
	cf_close(x->member);
	cf_close(x->anon);
	X509_free(x->tls_cert);
	EVP_PKEY_free(x->tls_key);
	sp_key_free(x->sign);
	EVP_PKEY_free(x->sign_pkey);
	sp_key_free(x->outsider_sign);
	X509_free(x->outsider_tls_cert);
	EVP_PKEY_free(x->outsider_tls_key);
	X509_free(x->fedca_tls_cert);
	EVP_PKEY_free(x->fedca_tls_key);
	sp_trust_unref(x->trust);
	sp_trust_unref(x->local);
	sp_anchors_free(x->anchors);
	X509_free(x->tls2_cert);
	EVP_PKEY_free(x->tls2_key);
	sp_trust_unref(x->local2);
	sp_anchors_free(x->anchors2);
	for (size_t i = 0; i < x->n_deliv; i++)
		free(x->deliv[i].bytes);
	free(x->deliv);
	free(x->seen);
	if (x->tmpdir[0] != '\0') {
		static const char *const files[] = {
		    "ca-key.pem",    "ca-cert.pem", "sign-key.pem",
		    "sign-cert.pem", "tls-key.pem", "tls-cert.pem",
		    "fed-key.pem",   "fed-cert.pem"};
		char p[CF_PATH + 32];

		for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
			snprintf(p, sizeof(p), "%s/%s", x->tmpdir, files[i]);
			(void)unlink(p);
		}
		(void)rmdir(x->tmpdir);
	}
}

int main(int argc, char **argv)
{
	const char *only = NULL, *junit = NULL, *html = NULL;
	cf_area areas[8];
	cf_item *items = NULL;
	size_t n_items = 0, cap = 0, n_areas = 0;
	cf_report_info info;
	cf_ctx x;
	char err[600];
	int must_failed = 0, rc = 2;

	memset(&x, 0, sizeof(x));
	x.timeout_ms = 10000;
	for (int i = 1; i < argc; i += 2) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(usage_text, stdout);
			return 0;
		}
		if (strcmp(a, "--read-only") ==
		    0) { /* the one flag without a value */
			x.read_only = 1;
			i--;
			continue;
		}
		if (v == NULL) {
			fprintf(stderr,
			        "silkport-conformance: %s needs a value\n%s", a,
			        usage_text);
			return 2;
		}
		if (strcmp(a, "--target") == 0)
			x.target = v;
		else if (strcmp(a, "--federation-dir") == 0)
			x.fed_dir = v;
		else if (strcmp(a, "--as") == 0)
			x.as = v;
		else if (strcmp(a, "--checkpoint") == 0)
			x.checkpoint_in = v;
		else if (strcmp(a, "--save-checkpoint") == 0)
			x.checkpoint_out = v;
		else if (strcmp(a, "--member") == 0)
			x.as = v;
		else if (strcmp(a, "--tls-cert") == 0)
			x.tls_cert_path = v;
		else if (strcmp(a, "--tls-key") == 0)
			x.tls_key_path = v;
		else if (strcmp(a, "--sign-cert") == 0)
			x.sign_cert_path = v;
		else if (strcmp(a, "--sign-key") == 0)
			x.sign_key_path = v;
		else if (strcmp(a, "--trust-list") == 0)
			x.trust_list_path = v;
		else if (strcmp(a, "--anchor") == 0)
			x.anchor_arg = v;
		else if (strcmp(a, "--second-federation-dir") == 0)
			x.fed2_dir = v;
		else if (strcmp(a, "--second-as") == 0)
			x.as2 = v;
		else if (strcmp(a, "--second-target") == 0)
			x.target2 = v;
		else if (strcmp(a, "--only") == 0)
			only = v;
		else if (strcmp(a, "--junit") == 0)
			junit = v;
		else if (strcmp(a, "--html") == 0)
			html = v;
		else if (strcmp(a, "--timeout") == 0) {
			char *end;
			unsigned long s = strtoul(v, &end, 10);

			if (*end != '\0' || s == 0 || s > 600) {
				fprintf(stderr,
				        "silkport-conformance: --timeout wants "
				        "1 to 600 seconds\n");
				return 2;
			}
			x.timeout_ms = (unsigned)s * 1000u;
		} else {
			fprintf(stderr,
			        "silkport-conformance: unknown option %s\n%s",
			        a, usage_text);
			return 2;
		}
	}
	if (x.target == NULL) {
		fputs(usage_text, stderr);
		return 2;
	}
	if (parse_url(x.target, x.host, sizeof(x.host), &x.port) != 0) {
		fprintf(
		    stderr,
		    "silkport-conformance: --target wants https://HOST:PORT\n");
		return 2;
	}
	if (parse_url(x.target2 ? x.target2 : x.target, x.host2,
	              sizeof(x.host2), &x.port2) != 0) {
		fprintf(stderr, "silkport-conformance: --second-target wants "
		                "https://HOST:PORT\n");
		return 2;
	}
	if (x.as != NULL && !sp_node_id_valid(x.as)) {
		fprintf(stderr,
		        "silkport-conformance: --as/--member: '%s' is not a "
		        "node id\n",
		        x.as);
		return 2;
	}
	if (x.as2 != NULL && !sp_node_id_valid(x.as2)) {
		fprintf(stderr,
		        "silkport-conformance: --second-as: '%s' is not a node "
		        "id\n",
		        x.as2);
		return 2;
	}
	/* A peer that closes mid-write is an outcome to report, not a
	 * reason to die. */
	signal(SIGPIPE, SIG_IGN);
	if (sp_trust_init() != SP_OK) {
		fprintf(stderr, "silkport-conformance: cannot initialise the "
		                "XML and crypto libraries\n");
		return 2;
	}
	x.started = (int64_t)time(NULL);
	x.started_ms = cf_now_ms();
	{
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		/* Fresh, high sequences per run: a node is not told which to
		 * expect, and earlier runs must not collide. */
		x.seq_next = ((uint64_t)ts.tv_sec * 1000u +
		              (uint64_t)ts.tv_nsec / 1000000u) *
		             1000u;
	}
	if (setup_local(&x, err, sizeof(err)) != 0) {
		fprintf(stderr, "silkport-conformance: %s\n", err);
		goto out;
	}
	setup_target(&x);
	if (x.setup_error[0] != '\0')
		fprintf(stderr, "silkport-conformance: setup: %s\n",
		        x.setup_error);

	{
		static const struct {
			const char *prefix, *name;
			const cf_assertion *(*fn)(size_t *);
		} order[] = {
		    {"TLS", "Transport", cf_area_transport},
		    {"SIG", "Signature profile", cf_area_sigprofile},
		    {"TRUST", "Trust", cf_area_trust},
		    {"API", "API semantics", cf_area_api},
		    {"LOG", "Log", cf_area_log},
		    {"LIMIT", "Limits", cf_area_limits},
		    {"H2", "HTTP/2 robustness", cf_area_h2},
		    {"ERR", "Errors and request ids (whole run)",
		     cf_area_errors},
		};

		for (size_t a = 0; a < sizeof(order) / sizeof(order[0]); a++) {
			cf_area *ar = &areas[n_areas++];

			ar->prefix = order[a].prefix;
			ar->name = order[a].name;
			ar->list = order[a].fn(&ar->n);
			for (size_t i = 0; i < ar->n; i++) {
				char id[32];

				snprintf(id, sizeof(id), "CONF-%s-%zu",
				         ar->prefix, i + 1);
				if (!selected(id, only))
					continue;
				if (n_items == cap) {
					cf_item *ni;

					cap = cap ? cap * 2 : 128;
					if ((ni = realloc(items,
					                  cap * sizeof(*ni))) ==
					    NULL)
						goto out;
					items = ni;
				}
				memset(&items[n_items], 0,
				       sizeof(items[n_items]));
				snprintf(items[n_items].id,
				         sizeof(items[n_items].id), "%s", id);
				items[n_items].area = ar;
				items[n_items].a = &ar->list[i];
				n_items++;
			}
		}
	}
	printf("TAP version 14\n");
	printf("# silkport-conformance %s, SREP %s, target %s (%s), as %s%s\n",
	       SP_VERSION_STRING, SP_SPEC_VERSION, x.target,
	       x.target_id[0] ? x.target_id : "unidentified", x.as,
	       x.read_only ? ", read-only" : "");
	cf_report_tap_plan(n_items);
	fflush(stdout);
	for (size_t i = 0; i < n_items; i++) {
		cf_item *it = &items[i];
		double t0 = cf_now_ms();

		it->r.outcome = CF_FAIL;
		snprintf(it->r.reason, sizeof(it->r.reason),
		         "the assertion did not reach a verdict");
		if (x.read_only && it->a->writes)
			cf_skip(&it->r, CF_READ_ONLY_SKIP);
		else
			it->a->run(&x, it->a->arg, &it->r);
		it->r.ms = cf_now_ms() - t0;
		if (it->r.outcome == CF_FAIL && it->a->level == CF_MUST)
			must_failed++;
		cf_report_tap_item(i + 1, it);
		fflush(stdout);
	}

	memset(&info, 0, sizeof(info));
	info.target = x.target;
	info.target_fp = x.target_fp[0] ? x.target_fp : "(no certificate)";
	info.target_id = x.target_id[0] ? x.target_id : "(unidentified)";
	info.as = x.as;
	info.federation = x.federation;
	info.spec_version = SP_SPEC_VERSION;
	info.tool_version = SP_VERSION_STRING;
	sp_time_format(x.started, info.started);
	info.total_ms = cf_now_ms() - x.started_ms;
	info.setup_error = x.setup_error;
	info.read_only = x.read_only;
	rc = must_failed ? 1 : 0;
	if (junit != NULL &&
	    cf_report_junit(junit, &info, items, n_items) != 0) {
		fprintf(stderr, "silkport-conformance: cannot write %s\n",
		        junit);
		rc = 2;
	}
	if (html != NULL && cf_report_html(html, &info, items, n_items) != 0) {
		fprintf(stderr, "silkport-conformance: cannot write %s\n",
		        html);
		rc = 2;
	}
	fprintf(stderr,
	        "silkport-conformance: %zu assertions, %d MUST failures\n",
	        n_items, must_failed);
out:
	free(items);
	ctx_free(&x);
	sp_trust_cleanup();
	return rc;
}
