/* api_trustlist.c: trust lists in a witnessed log (SPEC 10.15): a member
 * (or an operator's tool) asks this node, a witness, to cosign a list;
 * anyone reads the cosignatures a node holds for its current list. */
#include "api_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct cosign_job {
	sp_node *n;
	sp_http_req *req;
	sp_trust *held;
	char caller[SP_NODE_ID_MAX + 1];
	uint8_t *body;
	size_t len;
	char *note;
	size_t note_len;
	int err;
	const char *why;
} cosign_job;

static void cosign_work(void *arg)
{
	cosign_job *j = arg;

	j->err = sp_node_tl_cosign(j->n, j->held, j->body, j->len, j->caller,
	                           &j->note, &j->note_len, &j->why);
}

static void cosign_done(void *arg)
{
	cosign_job *j = arg;

	if (j->err == SP_OK) {
		sp_api__respond(j->n, j->req, SP_EP_TRUST_LIST, 200,
		                "text/plain; charset=utf-8", (uint8_t *)j->note,
		                j->note_len);
		j->note = NULL;
	} else if (j->err == SP_ERR_OVERLOADED) {
		/* other lists are being verified (SPEC [API-81], API-20) */
		sp_http_header ra = {"retry-after", "1"};

		sp_node_count_request(j->n, SP_EP_TRUST_LIST, 503);
		sp_node_count(j->n, SP_CTR_OVERLOADED, 1);
		sp_http_respond_problem_ex(j->req, j->err, 503, j->why, &ra, 1);
	} else {
		sp_log(SP_LOG_INFO, "trust_list_cosign_refused",
		       SP_LF_STR("request_id", sp_http_req_id(j->req)),
		       SP_LF_STR("peer", j->caller),
		       SP_LF_STR("err", sp_strerror(j->err)),
		       SP_LF_STR("why", j->why));
		sp_api__problem(j->n, j->req, SP_EP_TRUST_LIST, j->err, j->why);
	}
	sp_trust_unref(j->held);
	free(j->body);
	free(j->note);
	free(j);
}

void sp_api_trust_list_cosign(sp_node *n, sp_http_req *req, const sp_caller *c,
                              const char *federation)
{
	const char *ctype = sp_http_req_header(req, "content-type", NULL);
	sp_trust *held = sp_node_trust(n);
	const uint8_t *body;
	cosign_job *j;
	int err;

	if (ctype == NULL || strncmp(ctype, "application/xml", 15) != 0 ||
	    (ctype[15] != '\0' && ctype[15] != ';')) {
		sp_api__problem(n, req, SP_EP_TRUST_LIST, SP_ERR_MEDIA_TYPE,
		                "a trust list is sent as application/xml");
		return;
	}
	/* a witness cosigns the lists of its home federation only */
	if (strcmp(federation, sp_trust_list(held)->federation) != 0) {
		sp_api__problem(n, req, SP_EP_TRUST_LIST, SP_ERR_NOT_FOUND,
		                "this node witnesses no list of that "
		                "federation");
		return;
	}
	if ((j = calloc(1, sizeof(*j))) == NULL) {
		sp_api__problem(n, req, SP_EP_TRUST_LIST, SP_ERR_NOMEM, NULL);
		return;
	}
	j->n = n;
	j->req = req;
	snprintf(j->caller, sizeof(j->caller), "%s", c->id);
	body = sp_http_req_body(req, &j->len);
	if (j->len == 0 || (j->body = malloc(j->len)) == NULL) {
		sp_api__problem(n, req, SP_EP_TRUST_LIST,
		                j->len == 0 ? SP_ERR_BAD_REQUEST : SP_ERR_NOMEM,
		                "the body is the trust list to cosign");
		free(j);
		return;
	}
	memcpy(j->body, body, j->len);
	j->held = sp_trust_ref(held);
	if ((err = sp_node_work(n, cosign_work, cosign_done, j)) != SP_OK) {
		sp_api__problem(n, req, SP_EP_TRUST_LIST, err,
		                "the node is at capacity; retry later");
		sp_trust_unref(j->held);
		free(j->body);
		free(j);
	}
}

void sp_api_trust_list_cosignatures(sp_node *n, sp_http_req *req,
                                    const char *federation)
{
	sp_http_header h = {"cache-control", "no-cache"};
	uint8_t *b = NULL;
	size_t len = 0;
	int err = sp_node_tl_cosignatures(n, federation, &b, &len);

	if (err != SP_OK) {
		sp_api__problem(n, req, SP_EP_TRUST_LIST, err,
		                err == SP_ERR_NOT_FOUND
		                    ? "this node holds no cosignature of a "
		                      "current trust list of that federation"
		                    : NULL);
		return;
	}
	sp_api__respond_ex(n, req, SP_EP_TRUST_LIST, 200,
	                   "text/plain; charset=utf-8", &h, 1, b, len);
}
