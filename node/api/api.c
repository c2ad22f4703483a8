/* api.c: the route table (path, method, who may call, handler), access
 * control by client certificate, and the endpoints that need no storage
 * (health, readiness, metrics, trust list). */
#include "api_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sp_api__respond(sp_node *n, sp_http_req *req, sp_endpoint ep, int status,
                     const char *ctype, uint8_t *body, size_t len)
{
	sp_api__respond_ex(n, req, ep, status, ctype, NULL, 0, body, len);
}

void sp_api__respond_ex(sp_node *n, sp_http_req *req, sp_endpoint ep,
                        int status, const char *ctype,
                        const sp_http_header *headers, size_t n_headers,
                        uint8_t *body, size_t len)
{
	sp_node_count_request(n, ep, status);
	sp_node_observe(
	    n, SP_HIST_REQUEST,
	    (double)(sp_monotonic_us() - sp_http_req_start_us(req)) / 1e6);
	if (body == NULL)
		sp_http_respond_ex(req, status, ctype, headers, n_headers, "",
		                   0);
	else
		sp_http_respond_take(req, status, ctype, headers, n_headers,
		                     body, len);
}

void sp_api__problem(sp_node *n, sp_http_req *req, sp_endpoint ep, int err,
                     const char *detail)
{
	int status = sp_err_http_status(err);

	sp_node_count_request(n, ep, status);
	if (err == SP_ERR_OVERLOADED)
		sp_node_count(n, SP_CTR_OVERLOADED, 1);
	sp_http_respond_problem(req, err, status, detail);
}

/* Split "/v1/logs/{origin}/REST" into origin and rest. */
static int split_log_path(const char *p, char *origin, size_t cap,
                          const char **rest)
{
	const char *o = p + strlen("/v1/logs/"), *slash = strchr(o, '/');
	size_t len;

	if (slash == NULL)
		return -1;
	len = (size_t)(slash - o);
	if (len == 0 || len >= cap)
		return -1;
	memcpy(origin, o, len);
	origin[len] = '\0';
	if (!sp_node_id_valid(origin))
		return -1;
	*rest = slash + 1;
	return 0;
}

static void respond_text(sp_node *n, sp_http_req *req, sp_endpoint ep,
                         int status, const char *text)
{
	size_t len = strlen(text);
	uint8_t *b = malloc(len + 1);

	if (b == NULL) {
		sp_api__problem(n, req, ep, SP_ERR_NOMEM, NULL);
		return;
	}
	memcpy(b, text, len + 1);
	sp_api__respond(n, req, ep, status, "text/plain; charset=utf-8", b,
	                len);
}

/* Ready, with a line for each certificate near or past its end (SPEC
 * [API-69]). */
static void ready(sp_node *n, sp_http_req *req)
{
	sp_text t = {0};

	sp_text_printf(&t, "ready\n");
	sp_node_ready_warnings(n, &t);
	respond_text(n, req, SP_EP_READYZ, 200, t.failed ? "ready\n" : t.buf);
	sp_text_free(&t);
}

static void metrics(sp_node *n, sp_http_req *req)
{
	char *body;
	size_t len;

	body = sp_node_metrics_text(n, &len);
	if (body == NULL) {
		sp_api__problem(n, req, SP_EP_METRICS, SP_ERR_NOMEM, NULL);
		return;
	}
	sp_api__respond(n, req, SP_EP_METRICS, 200,
	                "text/plain; version=0.0.4; charset=utf-8",
	                (uint8_t *)body, len);
}

/* /metrics shows peers, outbox depths and failures: [metrics] allow says
 * who may read it (SPEC API-58): "operators" (the default), "members"
 * (also active members), or "anyone". */
static int metrics_allowed(sp_node *n, sp_http_req *req, int slot)
{
	const char *allow = sp_node_config(n)->metrics_allow != NULL
	                        ? sp_node_config(n)->metrics_allow
	                        : "operators";
	sp_caller c;

	if (strcmp(allow, "anyone") == 0)
		return 1;
	sp_node_caller(n, req, slot, &c);
	if (c.operator||(strcmp(allow, "members") == 0 && c.member_active))
		return 1;
	sp_api__problem(n, req, SP_EP_METRICS,
	                sp_http_req_client_cert(req, NULL)
	                    ? SP_ERR_FORBIDDEN
	                    : SP_ERR_UNAUTHENTICATED,
	                strcmp(allow, "members") == 0
	                    ? "/metrics is served to this node's operators and "
	                      "active members"
	                    : "/metrics is served to this node's operators");
	return 0;
}

/* Does an If-None-Match value name etag (one tag, a list, or "*")? */
static int etag_matches(const char *inm, const char *etag)
{
	size_t n = strlen(etag);
	const char *p;

	if (strcmp(inm, "*") == 0)
		return 1;
	for (p = strstr(inm, etag); p != NULL; p = strstr(p + 1, etag))
		if ((p == inm || p[-1] == ' ' || p[-1] == ',') &&
		    (p[n] == '\0' || p[n] == ' ' || p[n] == ','))
			return 1;
	return 0;
}

/* The current list, with its entity tag; 304 when the caller holds it
 * already (SPEC API-66), so that polling an unchanged list moves no
 * bytes and costs no verification. */
static void trust_list(sp_node *n, sp_http_req *req, const char *federation)
{
	const uint8_t *b;
	const char *inm;
	char etag[67];
	size_t len;
	sp_http_header h = {"etag", etag};

	if ((b = sp_node_list_bytes(n, federation, &len)) == NULL) {
		sp_api__problem(
		    n, req, SP_EP_TRUST_LIST, SP_ERR_NOT_FOUND,
		    "this node holds no trust list of that federation");
		return;
	}
	snprintf(etag, sizeof(etag), "\"%s\"",
	         sp_node_list_digest(n, federation));
	if ((inm = sp_http_req_header(req, "if-none-match", NULL)) != NULL &&
	    etag_matches(inm, etag)) {
		sp_node_count_request(n, SP_EP_TRUST_LIST, 304);
		sp_http_respond_ex(req, 304, NULL, &h, 1, "", 0);
		return;
	}
	sp_node_count_request(n, SP_EP_TRUST_LIST, 200);
	sp_http_respond_ex(req, 200, "application/xml", &h, 1, b, len);
}

static int need_method(sp_node *n, sp_http_req *req, sp_endpoint ep,
                       const char *want)
{
	if (strcmp(sp_http_req_method(req), want) == 0)
		return 1;
	if (strcmp(want, "GET") == 0 &&
	    strcmp(sp_http_req_method(req), "HEAD") == 0)
		return 1;
	{
		sp_http_header allow = {
		    "allow", strcmp(want, "GET") == 0 ? "GET, HEAD" : want};

		sp_node_count_request(n, ep, 405);
		sp_http_respond_problem_ex(req, SP_ERR_METHOD, 405, want,
		                           &allow, 1);
	}
	return 0;
}

/* Peer endpoints need an active member (or the node's operator). */
static int need_member(sp_node *n, sp_http_req *req, sp_endpoint ep,
                       const sp_caller *c)
{
	if (c->operator|| c->member_active)
		return 1;
	if (sp_http_req_client_cert(req, NULL) == NULL)
		sp_api__problem(
		    n, req, ep, SP_ERR_UNAUTHENTICATED,
		    "this endpoint needs a member's client certificate");
	else if (c->member != NULL && c->member->status == SP_STATUS_ACTIVE &&
	         c->list_stale)
		sp_api__problem(n, req, ep, SP_ERR_TRUST_LIST_STALE,
		                "this node holds no statement of its trust "
		                "list's timestamp key newer than the staleness "
		                "bound; retry later");
	else if (c->member != NULL && c->member->status == SP_STATUS_ACTIVE)
		sp_api__problem(n, req, ep, SP_ERR_TRUST_LIST_EXPIRED,
		                "this node's trust list is past its NextUpdate "
		                "and grace period");
	else if (c->member != NULL)
		sp_api__problem(n, req, ep, SP_ERR_FORBIDDEN,
		                "the member is not active in the trust list");
	else
		sp_api__problem(
		    n, req, ep, SP_ERR_FORBIDDEN,
		    "the client certificate is not a member's TLS certificate");
	return 0;
}

/* ---------------------------------------------------------------- routes */

/* One request, as a route's handler sees it. */
typedef struct call {
	sp_node *n;
	sp_http_req *req;
	const sp_caller *c; /* NULL for routes that do not need the caller */
	sp_endpoint ep;
	const char *origin; /* /v1/logs/{origin}/...: the origin */
	const char *arg;    /* the rest of the path after a prefix route's */
} call;

static void on_healthz(const call *k)
{
	respond_text(k->n, k->req, k->ep, 200, "ok\n");
}

static void on_readyz(const call *k)
{
	const char *why;
	int err;

	if ((err = sp_node_ready(k->n, &why)) != SP_OK)
		sp_api__problem(k->n, k->req, k->ep, err, why);
	else
		ready(k->n, k->req);
}

static void on_metrics(const call *k)
{
	metrics(k->n, k->req);
}

/* GET /v1/trust-lists/{federation}/timestamp (SPEC [API-72]): the newest
 * statement this node holds that its list is current, to anyone. */
static void trust_list_timestamp(sp_node *n, sp_http_req *req,
                                 const char *federation)
{
	const uint8_t *b;
	size_t len;
	sp_http_header h = {"cache-control", "no-cache"};

	if ((b = sp_node_timestamp_bytes(n, federation, &len)) == NULL) {
		sp_api__problem(n, req, SP_EP_TRUST_LIST, SP_ERR_NOT_FOUND,
		                "this node holds no statement about a current "
		                "trust list of that federation");
		return;
	}
	sp_node_count_request(n, SP_EP_TRUST_LIST, 200);
	sp_http_respond_ex(req, 200, "application/xml", &h, 1, b, len);
}

/* The federation of "/v1/trust-lists/{federation}SUFFIX" into fed, or 0
 * when arg does not end in suffix. */
static int trust_list_sub(const char *arg, const char *suffix, char *fed,
                          size_t cap)
{
	size_t len = strlen(arg), sl = strlen(suffix);

	if (len <= sl || strcmp(arg + len - sl, suffix) != 0 || len - sl >= cap)
		return 0;
	memcpy(fed, arg, len - sl);
	fed[len - sl] = '\0';
	return 1;
}

static void on_trust_list(const call *k)
{
	char federation[SP_NODE_ID_MAX + 1];

	if (trust_list_sub(k->arg, "/cosign", federation, sizeof(federation))) {
		/* a witness's cosignature of a list (SPEC [API-81]) */
		if (need_method(k->n, k->req, k->ep, "POST") &&
		    need_member(k->n, k->req, k->ep, k->c))
			sp_api_trust_list_cosign(k->n, k->req, k->c,
			                         federation);
		return;
	}
	if (!need_method(k->n, k->req, k->ep, "GET"))
		return;
	if (trust_list_sub(k->arg, "/timestamp", federation,
	                   sizeof(federation)))
		trust_list_timestamp(k->n, k->req, federation);
	else if (trust_list_sub(k->arg, "/cosignatures", federation,
	                        sizeof(federation)))
		sp_api_trust_list_cosignatures(k->n, k->req, federation);
	else
		trust_list(k->n, k->req, k->arg);
}

static void on_console(const call *k)
{
	sp_node_console(k->n, k->req);
}

static void on_post_record(const call *k)
{
	sp_api_post_record(k->n, k->req, k->c);
}

static void on_submit(const call *k)
{
	sp_api_submit(k->n, k->req, k->c);
}

static void on_peers(const call *k)
{
	sp_api_peers(k->n, k->req, k->c);
}

static void on_read(const call *k)
{
	sp_api_read(k->n, k->req, k->c, k->ep, k->origin, k->arg);
}

/* Who may call a route, checked after its method. */
enum who {
	ANYONE,   /* the handler decides what this caller may see */
	MEMBER,   /* an active member, or one of this node's operators */
	OPERATOR, /* one of this node's operator certificates only */
	METRICS,  /* as [metrics] allow says (SPEC API-58) */
	LOG_META, /* checkpoints and proofs: see log_meta_allowed() */
};

enum match {
	EXACT,  /* the whole path */
	PREFIX, /* the path starts with it; the rest is the argument */
	LOG,    /* /v1/logs/{origin}/ followed by exactly this */
};

/* Every endpoint of the node: path, method, who may call, handler. The
 * console answers methods itself (405 but for GET and HEAD), after the
 * caller check. */
static const struct route {
	enum match match;
	const char *path;
	const char *method; /* NULL: the handler checks */
	sp_endpoint ep;
	enum who who;
	int caller;         /* the handler needs the caller */
	const char *denied; /* OPERATOR: the detail of the refusal */
	void (*fn)(const call *k);
} routes[] = {
    {EXACT, "/healthz", "GET", SP_EP_HEALTHZ, ANYONE, 0, NULL, on_healthz},
    {EXACT, "/readyz", "GET", SP_EP_READYZ, ANYONE, 0, NULL, on_readyz},
    {EXACT, "/metrics", "GET", SP_EP_METRICS, METRICS, 0, NULL, on_metrics},
    /* GET, and POST .../cosign (members): the handler checks */
    {PREFIX, "/v1/trust-lists/", NULL, SP_EP_TRUST_LIST, ANYONE, 1, NULL,
     on_trust_list},
    /* the operator console (SPEC [API-65]), like /v1/peers */
    {EXACT, "/console", NULL, SP_EP_OTHER, OPERATOR, 1,
     "the console needs one of this node's operator certificates", on_console},
    {PREFIX, "/console/", NULL, SP_EP_OTHER, OPERATOR, 1,
     "the console needs one of this node's operator certificates", on_console},
    {EXACT, "/v1/records", "POST", SP_EP_RECORDS_POST, MEMBER, 1, NULL,
     on_post_record},
    {EXACT, "/v1/submit", "POST", SP_EP_SUBMIT, OPERATOR, 1,
     "submission needs one of this node's operator certificates", on_submit},
    {EXACT, "/v1/peers", "GET", SP_EP_OTHER, ANYONE, 1, NULL, on_peers},
    {PREFIX, "/v1/records/", "GET", SP_EP_RECORD_GET, MEMBER, 1, NULL, on_read},
    {EXACT, "/v1/search", "GET", SP_EP_SEARCH, MEMBER, 1, NULL, on_read},
    {LOG, "entries", "GET", SP_EP_ENTRIES, MEMBER, 1, NULL, on_read},
    {LOG, "checkpoint", "GET", SP_EP_CHECKPOINT, LOG_META, 1, NULL, on_read},
    /* the recipient index (SPEC [API-79]): members; the handler narrows
     * it to the recipient itself and auditors */
    {LOG, "index", "GET", SP_EP_LOG_INDEX, MEMBER, 1, NULL, on_read},
    {LOG, "proofs/inclusion", "GET", SP_EP_INCLUSION, LOG_META, 1, NULL,
     on_read},
    {LOG, "proofs/consistency", "GET", SP_EP_CONSISTENCY, LOG_META, 1, NULL,
     on_read},
};

static int operator_only(sp_node *n, sp_http_req *req, sp_endpoint ep,
                         const sp_caller *c, const char *denied)
{
	if (c->operator)
		return 1;
	sp_api__problem(n, req, ep,
	                sp_http_req_client_cert(req, NULL)
	                    ? SP_ERR_FORBIDDEN
	                    : SP_ERR_UNAUTHENTICATED,
	                denied);
	return 0;
}

/* Checkpoints and proofs (SPEC [ACC-18], [ACC-19]): the tree sizes of
 * another Origin's log are its declaration volumes, and which logs a node
 * holds is its partner graph, so those are for members and operators; the
 * node's own log is anyone's unless [access] public_own_log = no. Checked
 * before any lookup: the refusal does not say whether the log is held. */
static int log_meta_allowed(sp_node *n, sp_http_req *req, const call *k,
                            const sp_caller *c)
{
	const sp_config *cfg = sp_node_config(n);

	if (c->operator|| c->member_active)
		return 1;
	if (cfg->public_own_log && strcmp(k->origin, cfg->node_id) == 0)
		return 1;
	return need_member(n, req, k->ep, c);
}

/* The route for path, with k->origin and k->arg set; NULL and *why when
 * there is none. */
static const struct route *find_route(const char *path, call *k, char *origin,
                                      size_t cap, const char **why)
{
	const char *rest = NULL;
	int is_log = strncmp(path, "/v1/logs/", 9) == 0;
	size_t i, len;

	*why = "no such endpoint";
	if (is_log) {
		*why = "no such log path";
		if (split_log_path(path, origin, cap, &rest) != 0)
			return NULL;
	}
	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		const struct route *r = &routes[i];

		len = strlen(r->path);
		if ((r->match == LOG) != is_log)
			continue;
		if ((r->match == EXACT && strcmp(path, r->path) == 0) ||
		    (r->match == LOG && strcmp(rest, r->path) == 0)) {
			k->origin = r->match == LOG ? origin : NULL;
			k->arg = r->match == LOG ? rest : NULL;
			return r;
		}
		if (r->match == PREFIX && strncmp(path, r->path, len) == 0) {
			k->arg = path + len;
			return r;
		}
	}
	return NULL;
}

/* A member says which list of the home federation it holds (SPEC
 * [API-73]); a higher sequence than this node's makes it fetch that list
 * from the member (rate-limited per peer by the fetcher). Before the
 * access check: a node whose list went stale learns of the newer one from
 * the very requests it refuses. */
static void peer_list_header(sp_node *n, sp_http_req *req, int slot,
                             const sp_caller *c)
{
	const char *v;

	if (slot >= 0 || c->member == NULL ||
	    (v = sp_http_req_header(req, "silkport-trust-list", NULL)) == NULL)
		return;
	/* advisory: a bad value is ignored */
	(void)sp_node_peer_list_seen(
	    n, c->id, v,
	    sp_http_req_header(req, "silkport-trust-list-digest", NULL));
}

void sp_api_handle(sp_node *n, sp_http_req *req, int slot)
{
	char origin[SP_NODE_ID_MAX + 1];
	const struct route *r;
	const char *why;
	sp_caller c;
	call k = {n, req, NULL, SP_EP_OTHER, NULL, NULL};

	if ((r = find_route(sp_http_req_path(req), &k, origin, sizeof(origin),
	                    &why)) == NULL) {
		sp_api__problem(n, req, SP_EP_OTHER, SP_ERR_NOT_FOUND, why);
		return;
	}
	k.ep = r->ep;
	if (r->method != NULL && !need_method(n, req, r->ep, r->method))
		return;
	if (r->caller) {
		sp_node_caller(n, req, slot, &c);
		k.c = &c;
		peer_list_header(n, req, slot, &c);
	}
	switch (r->who) {
	case ANYONE:
		break;
	case MEMBER:
		if (!need_member(n, req, r->ep, &c))
			return;
		break;
	case OPERATOR:
		if (!operator_only(n, req, r->ep, &c, r->denied))
			return;
		break;
	case METRICS:
		if (!metrics_allowed(n, req, slot))
			return;
		break;
	case LOG_META:
		if (!log_meta_allowed(n, req, &k, &c))
			return;
		break;
	}
	r->fn(&k);
}
