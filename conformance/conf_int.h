/* conf_int.h: silkport-conformance internals: the run context, assertions
 * and their results, the HTTP/2 client, document helpers and reports.
 * Included only by conformance/ sources. */
#ifndef SP_CONF_INT_H
#define SP_CONF_INT_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "protocol.h"
#include "trust.h"

#define CF_PATH         4096
#define CF_MAX_EVIDENCE 8
#define CF_MAX_HEADERS  48
#define CF_BODY_CAP     ((size_t)32 << 20)

/* ---------------------------------------------------------------- client */

/* TLS options of one connection. Defaults (all zero): TLS 1.2 to 1.3,
 * ALPN "h2" only, no client certificate. */
typedef struct cf_tls {
	X509 *cert; /* client identity (not owned), or NULL */
	EVP_PKEY *key;
	const unsigned char *alpn; /* wire format; NULL: "h2" */
	unsigned alpn_len;
	int no_alpn;     /* send no ALPN extension at all */
	int min_version; /* TLS1_x_VERSION; 0: TLS 1.2 */
	int max_version; /* 0: TLS 1.3 */
	const char
	    *cipher_list; /* TLS 1.2 and older suites; NULL: library default */
	int seclevel0;    /* allow legacy protocol versions on this side */
} cf_tls;

typedef struct cf_hdr {
	char *name;
	char *value;
} cf_hdr;

typedef struct cf_resp {
	int status;   /* 0: no response (reset, closed, timeout) */
	uint32_t rst; /* RST_STREAM code received, or 0 */
	int reset;    /* the stream was reset */
	cf_hdr hdrs[CF_MAX_HEADERS];
	size_t n_hdrs;
	uint8_t *body;
	size_t len;
	double ms;
	int timed_out;
	size_t
	    sent_at_status; /* request body bytes sent when the status came */
} cf_resp;

typedef struct cf_req {
	const char *method;
	const char *path;
	const char *ctype;   /* content-type, or NULL */
	const uint8_t *body; /* NULL: no body */
	size_t len;
	int no_length;            /* do not send content-length */
	int stop_on_response;     /* done once the response is complete, even
	                           * if the body is still being sent */
	const char *const *extra; /* name, value pairs */
	size_t n_extra;           /* number of pairs */
	/* out */
	cf_resp resp;
	size_t sent; /* request body bytes handed to the connection */
	int32_t stream_id;
	int done;
	double t0;
} cf_req;

typedef struct cf_conn cf_conn;

/* TLS handshake only. On failure returns NULL and writes a reason; *local
 * (may be NULL) is set when the failure happened before anything was sent
 * (this side could not offer what was asked). */
cf_conn *cf_tls_connect(const char *host, uint16_t port, const cf_tls *t,
                        unsigned timeout_ms, char *err, size_t errlen,
                        int *local);
/* Handshake, then the HTTP/2 preface and SETTINGS. */
cf_conn *cf_connect(const char *host, uint16_t port, const cf_tls *t,
                    unsigned timeout_ms, char *err, size_t errlen);
void cf_close(cf_conn *c);
const char *cf_conn_alpn(const cf_conn *c);
const char *cf_conn_version(const cf_conn *c);
const char *cf_conn_cipher(const cf_conn *c);
const uint8_t *cf_conn_peer_der(const cf_conn *c, size_t *len);
int cf_conn_cert_requested(const cf_conn *c);
int cf_conn_dead(const cf_conn *c);
int cf_conn_goaway(const cf_conn *c, uint32_t *code);
/* Largest max_early_data of a session ticket the server sent (0: none). */
uint32_t cf_conn_max_early_data(cf_conn *c);
/* The underlying socket and TLS session (for raw writes after an HTTP/1.1
 * probe). */
int cf_conn_raw_write(cf_conn *c, const void *buf, size_t len);
/* Read up to cap bytes within timeout; returns bytes, 0 on EOF or timeout,
 * -1 on error. */
long cf_conn_raw_read(cf_conn *c, void *buf, size_t cap, unsigned timeout_ms);

/* Send n requests concurrently and wait until every stream ends or the
 * time is up. Returns 0, or -1 when the connection failed (responses that
 * arrived are still filled in). */
int cf_exchange(cf_conn *c, cf_req *reqs, size_t n, unsigned timeout_ms);
void cf_resp_free(cf_resp *r);
/* First header of that (lower-case) name, or NULL. */
const char *cf_resp_header(const cf_resp *r, const char *name);

double cf_now_ms(void);

/* ---------------------------------------------------------------- results */

typedef enum cf_level { CF_MUST = 1, CF_SHOULD = 2 } cf_level;
typedef enum cf_outcome { CF_PASS = 1, CF_FAIL = 2, CF_SKIP = 3 } cf_outcome;

typedef struct cf_evidence {
	char request[200]; /* "POST /v1/records (3412 bytes) as AUDIT-1" */
	int status;        /* HTTP status, 0 if none */
	char error[72];    /* problem error name, or a transport outcome */
	double ms;
	char note[200];
	char body[200]; /* the first bytes of the response body, escaped */
} cf_evidence;

#define CF_BODY_EXCERPT 120 /* response body bytes kept as evidence */

typedef struct cf_result {
	cf_outcome outcome;
	char reason[600];
	char expect[200]; /* what was expected, for a failure: "201 (API-22)";
	                   * the runner prefixes the assertion's SPEC ids */
	cf_evidence ev[CF_MAX_EVIDENCE];
	size_t n_ev;
	double ms;
} cf_result;

struct cf_ctx;
typedef void (*cf_run_fn)(struct cf_ctx *x, const void *arg, cf_result *r);

typedef struct cf_assertion {
	const char *title;
	const char *spec; /* "API-23, RCP-3" */
	cf_level level;
	cf_run_fn run;
	const void *arg;
	/* CF_WRITES: the assertion sends something the target could keep (a
	 * record signed with a key it may accept, a submission), whatever
	 * answer it expects: a non-conforming target may store it. Skipped
	 * in read-only mode. */
	int writes;
} cf_assertion;

#define CF_READS          0 /* sends nothing the target could keep */
#define CF_WRITES         1
#define CF_READ_ONLY_SKIP "read-only mode: this assertion writes to the target"

typedef struct cf_area {
	const char *prefix; /* "API": ids are CONF-API-1, CONF-API-2, ... */
	const char *name;   /* "API semantics" */
	const cf_assertion *list;
	size_t n;
} cf_area;

const cf_assertion *cf_area_transport(size_t *n);
const cf_assertion *cf_area_api(size_t *n);
const cf_assertion *cf_area_sigprofile(size_t *n);
const cf_assertion *cf_area_trust(size_t *n);
const cf_assertion *cf_area_log(size_t *n);
const cf_assertion *cf_area_limits(size_t *n);
const cf_assertion *cf_area_h2(size_t *n);
const cf_assertion *cf_area_errors(size_t *n);

/* One ran assertion, for the reports. */
typedef struct cf_item {
	char id[32];
	const cf_area *area;
	const cf_assertion *a;
	cf_result r;
} cf_item;

/* ---------------------------------------------------------------- context */

/* A response seen during the run, for the aggregated problem-document and
 * request-id checks. */
typedef struct cf_seen {
	char request[120];
	int status;
	char ctype[80];
	char reqid[80];
	int has_reqid;
	/* problem document (4xx/5xx) */
	int problem_ok; /* parsed as an SREP problem document */
	char problem_why[160];
	char error[72];     /* `error` child */
	char type_name[72]; /* name from the type URI */
	int p_status;       /* `status` child */
	char p_reqid[80];   /* `request-id` child */
} cf_seen;

typedef struct cf_delivered {
	char id[SP_UUID_LEN + 1];
	uint64_t seq;
	uint8_t *bytes;
	size_t len;
} cf_delivered;

typedef struct cf_ctx {
	/* arguments */
	const char *target;
	char host[256];
	uint16_t port;
	const char *fed_dir; /* NULL: the identity was given file by file */
	const char *as;      /* the auditor's NodeId (--as, --member, or
	                      * found by its TLS certificate in the list) */
	int read_only;       /* run only assertions that write nothing */
	const char
	    *checkpoint_in; /* an earlier checkpoint of the target's log */
	const char *checkpoint_out; /* where to save the current one */
	/* the explicit identity (--tls-cert ...); --federation-dir fills in
	 * those not given */
	const char *tls_cert_path, *tls_key_path;
	const char *sign_cert_path, *sign_key_path;
	const char *trust_list_path, *anchor_arg;
	char id_buf[SP_NODE_ID_MAX + 1]; /* as, when found by certificate */
	/* identity */
	X509 *tls_cert;
	EVP_PKEY *tls_key;
	sp_key *sign;        /* the auditor member's signing identity */
	EVP_PKEY *sign_pkey; /* the same key, for hand-made signatures */
	char anchor_path[CF_PATH];
	sp_anchors *anchors;
	sp_trust *local; /* the list in the federation directory */
	sp_trust *trust; /* the list the target serves (verified) */
	char federation[SP_NODE_ID_MAX + 1];
	char target_id[SP_NODE_ID_MAX +
	               1];     /* "" if the target is not identified */
	char target_fp[80];    /* SHA-256 of the target's certificate */
	char setup_error[300]; /* why setup could not complete, or "" */
	/* A second federation of which the target is also a member (a
	 * gateway), and a member of it to read as; all NULL when not given. */
	const char *fed2_dir;
	const char *as2;
	const char *target2; /* the target's listener for it; NULL: target */
	char host2[256];
	uint16_t port2;
	sp_anchors *anchors2;
	sp_trust *local2; /* the list in the second federation directory */
	X509 *tls2_cert;  /* as2's TLS identity */
	EVP_PKEY *tls2_key;
	char federation2[SP_NODE_ID_MAX + 1];
	char tmpdir[CF_PATH];
	/* outsider identities, made on first use */
	sp_key *outsider_sign;
	X509 *outsider_tls_cert;
	EVP_PKEY *outsider_tls_key;
	X509 *fedca_tls_cert; /* issued by the federation CA, not a member */
	EVP_PKEY *fedca_tls_key;
	int outsiders_made;
	/* connections */
	cf_conn *member;
	cf_conn *anon;
	/* records */
	uint64_t seq_next;
	cf_delivered *deliv;
	size_t n_deliv, cap_deliv;
	/* responses seen */
	cf_seen *seen;
	size_t n_seen, cap_seen;
	/* run */
	double started_ms;
	int64_t started;
	unsigned timeout_ms;
} cf_ctx;

/* ---------------------------------------------------------------- helpers
 * (main.c, docs.c) */

enum { CF_AS_MEMBER = 0, CF_AS_ANON = 1 };

/* One request on the member (or anonymous) connection, reconnecting once
 * if the connection is gone. Adds evidence to r (when not NULL) and records
 * the response for the aggregated checks. Returns the response status. */
int cf_http(cf_ctx *x, int who, const char *method, const char *path,
            const char *ctype, const uint8_t *body, size_t len, cf_resp *resp,
            cf_result *r);
/* Record a response already made on another connection. */
void cf_note_response(cf_ctx *x, const char *method, const char *path,
                      const cf_resp *resp, const char *who, cf_result *r);
/* The error name of a problem response ("" if none). */
const char *cf_problem_name(const cf_resp *resp, char *buf, size_t cap);

void cf_pass(cf_result *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void cf_fail(cf_result *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void cf_skip(cf_result *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void cf_evidence_add(cf_result *r, const char *request, int status,
                     const char *error, double ms, const char *note);
/* 1 if the setup identified the target; otherwise marks r skipped. */
int cf_need_target(cf_ctx *x, cf_result *r);

/* Expect a refusal: status and error name equal the registry's for err. */
int cf_expect_error(cf_result *r, const cf_resp *resp, int err,
                    const char *what);

/* Fresh sequence for a delivered record. */
uint64_t cf_next_seq(cf_ctx *x);

/* Record options; zero means the default. */
typedef struct cf_recopt {
	const char *origin;    /* default: the --as member */
	uint64_t seq;          /* 0: fresh */
	int64_t issued;        /* 0: now - 5 s */
	const char *recipient; /* default: the target */
	const char *type;      /* default: declaration */
	const char *body;      /* default: a declaration with an Extension */
	const char *record_id; /* NULL: random */
	const char *supersedes;
	const char *subject; /* Declaration subject value; NULL: per-run */
	int with_attachment;
	int broadcast;     /* Recipients/Broadcast instead of recipient */
	const sp_key *key; /* NULL: the auditor's signing key */
	int unsigned_only;
} cf_recopt;

int cf_record(cf_ctx *x, const cf_recopt *o, uint8_t **out, size_t *len,
              char *err, size_t errlen);
/* Deliver a record with POST /v1/records on the member connection. */
int cf_deliver(cf_ctx *x, const uint8_t *rec, size_t len, cf_resp *resp,
               cf_result *r);
void cf_remember(cf_ctx *x, const uint8_t *rec, size_t len, const char *id,
                 uint64_t seq);
/* RecordId of a record (string search on our own record). */
int cf_record_id_of(const uint8_t *rec, size_t len, char out[SP_UUID_LEN + 1]);
/* Check a receipt: signed by the target by the profile, fields equal the
 * record's, status accepted. 0 or -1 with a reason. */
int cf_check_receipt(cf_ctx *x, const uint8_t *rec, size_t rec_len,
                     const uint8_t *rcpt, size_t rcpt_len, char *why,
                     size_t whylen);
/* Member of the served list in a given status other than the auditor and
 * the target, or NULL. */
const sp_tl_member *cf_member_in_status(cf_ctx *x, sp_member_status st);
/* Load DIR/members/ID/sign-{key,cert}.pem if present (NULL otherwise). */
sp_key *cf_member_sign_key(cf_ctx *x, const char *id);
/* Load a PEM certificate and key. 0 or -1. */
int cf_load_identity(const char *cert_path, const char *key_path, X509 **cert,
                     EVP_PKEY **key);
/* Load DIR/members/ID/tls-{key,cert}.pem if present. */
int cf_member_tls(cf_ctx *x, const char *id, X509 **cert, EVP_PKEY **key);
/* Make the outsider identities (once). 0 or -1. */
int cf_make_outsiders(cf_ctx *x, char *err, size_t errlen);
/* A connection with a given identity (NULL: none). */
cf_conn *cf_connect_as(cf_ctx *x, X509 *cert, EVP_PKEY *key, char *err,
                       size_t errlen);

/* ---------------------------------------------------------------- XML-DSig
 * editing (xdsig.c): parse our own record, edit it, re-sign it by hand. */

typedef struct cf_buf {
	uint8_t *p;
	size_t n;
} cf_buf;

void cf_buf_free(cf_buf *b);
int cf_buf_set(cf_buf *b, const void *p, size_t n);
/* Replace the first occurrence of `old` by `nw`. */
int cf_buf_sub(const cf_buf *in, const char *old, size_t oldlen, const char *nw,
               size_t nwlen, cf_buf *out);

#define CF_ALG_ENVELOPED "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
#define CF_ALG_EXC       "http://www.w3.org/2001/10/xml-exc-c14n#"
#define CF_ALG_EXC_COMMENTS                                                    \
	"http://www.w3.org/2001/10/xml-exc-c14n#WithComments"
#define CF_ALG_C14N10     "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
#define CF_ALG_C14N11     "http://www.w3.org/2006/12/xml-c14n11"
#define CF_ALG_SHA1       "http://www.w3.org/2000/09/xmldsig#sha1"
#define CF_ALG_SHA256     "http://www.w3.org/2001/04/xmlenc#sha256"
#define CF_ALG_SHA512     "http://www.w3.org/2001/04/xmlenc#sha512"
#define CF_ALG_MD5        "http://www.w3.org/2001/04/xmldsig-more#md5"
#define CF_ALG_RSA_SHA1   "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
#define CF_ALG_RSA_SHA256 "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
#define CF_ALG_RSA_SHA512 "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512"
#define CF_ALG_RSA_MD5    "http://www.w3.org/2001/04/xmldsig-more#rsa-md5"
#define CF_ALG_ECDSA_SHA1 "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha1"
#define CF_ALG_ECDSA_SHA256                                                    \
	"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
#define CF_ALG_ECDSA_SHA512                                                    \
	"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512"
#define CF_ALG_HMAC_SHA1   "http://www.w3.org/2000/09/xmldsig#hmac-sha1"
#define CF_ALG_HMAC_SHA256 "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256"
#define CF_ALG_SM2_SM3     "http://www.w3.org/2007/05/xmldsig-more#sm2-sm3"
#define CF_ALG_XPATH       "http://www.w3.org/TR/1999/REC-xpath-19991116"
#define CF_ALG_XPATH2      "http://www.w3.org/2002/06/xmldsig-filter2"
#define CF_ALG_XSLT        "http://www.w3.org/TR/1999/REC-xslt-19991116"

struct _xmlDoc;
struct _xmlNode;
struct _xmlDoc *cf_dom(const cf_buf *b);
/* Serialize and free the tree. */
int cf_dom_dump(struct _xmlDoc *d, cf_buf *out);
/* First element in document order with that namespace and local name. */
struct _xmlNode *cf_dom_find(struct _xmlDoc *d, const char *ns,
                             const char *name);
struct _xmlNode *
cf_dom_sig(struct _xmlDoc *d); /* the root's last-child signature */
struct _xmlNode *cf_dom_transform(struct _xmlDoc *d, int i);
/* A new element in the signature's namespace (prefix of the signature). */
struct _xmlNode *cf_dom_new_ds(struct _xmlNode *near, const char *name,
                               const char *alg);
int cf_dom_set_alg(struct _xmlNode *n, const char *uri);
int cf_dom_set_b64(struct _xmlNode *n, const uint8_t *b, size_t len);
/* Split an element's text by a comment after `at` characters. */
int cf_dom_split_comment(struct _xmlDoc *d, const char *name, size_t at);
/* Recompute DigestValue (when redigest and the transforms are known) and
 * SignatureValue of the root signature, with `key` or, for HMAC methods,
 * the bytes hkey. */
int cf_resign(struct _xmlDoc *d, EVP_PKEY *key, const uint8_t *hkey,
              size_t hklen, int redigest);

/* ---------------------------------------------------------------- raw
 * HTTP/2 probes (rawprobe.c, over h2raw.c) */

struct sp_h2raw;
typedef struct cf_raw_out {
	int goaway; /* a GOAWAY arrived */
	uint32_t goaway_code;
	int closed;        /* the connection closed */
	int resets;        /* RST_STREAM frames */
	uint32_t rst_code; /* code of the last one */
	uint32_t rst_max_stream;
	int headers;   /* HEADERS frames (answers) */
	int ok_status; /* an answer whose :status is 200 */
	int stopped;   /* the watched stream was answered or reset */
	double ms;     /* until the end, or the wait */
} cf_raw_out;

/* Raw connection with the auditor's TLS identity (as_member) or none. */
struct sp_h2raw *cf_raw_connect(cf_ctx *x, int as_member, char *err,
                                size_t errlen);
/* Read frames for up to ms, until the connection ends (GOAWAY or close)
 * or, when stop_stream is not 0, that stream is reset or answered.
 * Acknowledges SETTINGS on the way. */
void cf_raw_watch(struct sp_h2raw *c, unsigned ms, uint32_t stop_stream,
                  cf_raw_out *o);
/* A one-line description of an outcome, for evidence. */
void cf_raw_describe(const cf_raw_out *o, char *buf, size_t cap);
/* The stalled-request probe runs in the background while other assertions
 * run: start it (once), and later collect its outcome. */
void cf_stall_start(cf_ctx *x);
/* 0 with *o filled; -1 if the probe could not run (why says so). */
int cf_stall_result(cf_ctx *x, cf_raw_out *o, char *why, size_t whylen);
/* The zero-window probe (anonymous, SETTINGS_INITIAL_WINDOW_SIZE 0, the
 * trust list asked for on CF_ZEROWIN_STREAMS streams, never a
 * WINDOW_UPDATE) runs in the background the same way. */
#define CF_ZEROWIN_STREAMS 100u
void cf_zerowin_start(cf_ctx *x);
int cf_zerowin_result(cf_ctx *x, cf_raw_out *o, char *why, size_t whylen);

/* ---------------------------------------------------------------- reports */

typedef struct cf_report_info {
	const char *target;
	const char *target_fp;
	const char *target_id;
	const char *as;
	const char *federation;
	const char *spec_version;
	const char *tool_version;
	char started[SP_TIME_TEXT_MAX];
	double total_ms;
	const char *setup_error;
	int read_only;
} cf_report_info;

void cf_report_tap_plan(size_t n);
void cf_report_tap_item(size_t i, const cf_item *it);
int cf_report_junit(const char *path, const cf_report_info *info,
                    const cf_item *items, size_t n);
int cf_report_html(const char *path, const cf_report_info *info,
                   const cf_item *items, size_t n);

#endif /* SP_CONF_INT_H */
