/* api.c: request routing, access control by client certificate, and the
 * endpoints that need no storage (health, readiness, metrics, trust list). */
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
 * [API-I2]). */
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

static void trust_list(sp_node *n, sp_http_req *req, const char *federation)
{
	const uint8_t *b;
	size_t len;

	if ((b = sp_node_list_bytes(n, federation, &len)) == NULL) {
		sp_api__problem(
		    n, req, SP_EP_TRUST_LIST, SP_ERR_NOT_FOUND,
		    "this node holds no trust list of that federation");
		return;
	}
	sp_node_count_request(n, SP_EP_TRUST_LIST, 200);
	sp_http_respond(req, 200, "application/xml", b, len);
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

void sp_api_handle(sp_node *n, sp_http_req *req, int slot)
{
	const char *path = sp_http_req_path(req), *rest;
	char origin[SP_NODE_ID_MAX + 1];
	sp_caller c;

	if (strcmp(path, "/healthz") == 0) {
		if (need_method(n, req, SP_EP_HEALTHZ, "GET"))
			respond_text(n, req, SP_EP_HEALTHZ, 200, "ok\n");
		return;
	}
	if (strcmp(path, "/readyz") == 0) {
		const char *why;
		int err;

		if (!need_method(n, req, SP_EP_READYZ, "GET"))
			return;
		if ((err = sp_node_ready(n, &why)) != SP_OK)
			sp_api__problem(n, req, SP_EP_READYZ, err, why);
		else
			ready(n, req);
		return;
	}
	if (strcmp(path, "/metrics") == 0) {
		if (need_method(n, req, SP_EP_METRICS, "GET") &&
		    metrics_allowed(n, req, slot))
			metrics(n, req);
		return;
	}
	if (strncmp(path, "/v1/trust-lists/", 16) == 0) {
		if (need_method(n, req, SP_EP_TRUST_LIST, "GET"))
			trust_list(n, req, path + 16);
		return;
	}
	sp_node_caller(n, req, slot, &c);
	if (strcmp(path, "/console") == 0 ||
	    strncmp(path, "/console/", 9) == 0) {
		/* the operator console (SPEC [API-E1]): operators only, like
		 * /v1/peers; the console answers 405 to anything but GET */
		if (!c.operator) {
			sp_api__problem(n, req, SP_EP_OTHER,
			                sp_http_req_client_cert(req, NULL)
			                    ? SP_ERR_FORBIDDEN
			                    : SP_ERR_UNAUTHENTICATED,
			                "the console needs one of this node's "
			                "operator certificates");
			return;
		}
		sp_node_console(n, req);
		return;
	}
	if (strcmp(path, "/v1/records") == 0) {
		if (need_method(n, req, SP_EP_RECORDS_POST, "POST") &&
		    need_member(n, req, SP_EP_RECORDS_POST, &c))
			sp_api_post_record(n, req, &c);
		return;
	}
	if (strcmp(path, "/v1/submit") == 0) {
		if (!need_method(n, req, SP_EP_SUBMIT, "POST"))
			return;
		if (!c.operator) {
			sp_api__problem(n, req, SP_EP_SUBMIT,
			                sp_http_req_client_cert(req, NULL)
			                    ? SP_ERR_FORBIDDEN
			                    : SP_ERR_UNAUTHENTICATED,
			                "submission needs one of this node's "
			                "operator certificates");
			return;
		}
		sp_api_submit(n, req, &c);
		return;
	}
	if (strcmp(path, "/v1/peers") == 0) {
		if (need_method(n, req, SP_EP_OTHER, "GET"))
			sp_api_peers(n, req, &c);
		return;
	}
	if (strncmp(path, "/v1/records/", 12) == 0) {
		if (need_method(n, req, SP_EP_RECORD_GET, "GET") &&
		    need_member(n, req, SP_EP_RECORD_GET, &c))
			sp_api_read(n, req, &c, SP_EP_RECORD_GET, NULL,
			            path + 12);
		return;
	}
	if (strcmp(path, "/v1/search") == 0) {
		if (need_method(n, req, SP_EP_SEARCH, "GET") &&
		    need_member(n, req, SP_EP_SEARCH, &c))
			sp_api_read(n, req, &c, SP_EP_SEARCH, NULL, NULL);
		return;
	}
	if (strncmp(path, "/v1/logs/", 9) == 0) {
		if (split_log_path(path, origin, sizeof(origin), &rest) != 0) {
			sp_api__problem(n, req, SP_EP_OTHER, SP_ERR_NOT_FOUND,
			                "no such log path");
			return;
		}
		if (strcmp(rest, "entries") == 0) {
			if (need_method(n, req, SP_EP_ENTRIES, "GET") &&
			    need_member(n, req, SP_EP_ENTRIES, &c))
				sp_api_read(n, req, &c, SP_EP_ENTRIES, origin,
				            rest);
		} else if (strcmp(rest, "checkpoint") == 0) {
			if (need_method(n, req, SP_EP_CHECKPOINT, "GET"))
				sp_api_read(n, req, &c, SP_EP_CHECKPOINT,
				            origin, rest);
		} else if (strcmp(rest, "proofs/inclusion") == 0) {
			if (need_method(n, req, SP_EP_INCLUSION, "GET"))
				sp_api_read(n, req, &c, SP_EP_INCLUSION, origin,
				            rest);
		} else if (strcmp(rest, "proofs/consistency") == 0) {
			if (need_method(n, req, SP_EP_CONSISTENCY, "GET"))
				sp_api_read(n, req, &c, SP_EP_CONSISTENCY,
				            origin, rest);
		} else {
			sp_api__problem(n, req, SP_EP_OTHER, SP_ERR_NOT_FOUND,
			                "no such log path");
		}
		return;
	}
	sp_api__problem(n, req, SP_EP_OTHER, SP_ERR_NOT_FOUND,
	                "no such endpoint");
}
