/* api_submit.c: POST /v1/submit: a local operator's submission goes to the
 * node's submit pipeline (sp_node_submit) and is answered 201 with the
 * signed record once durable, or with the refusal's problem document. */
#include "api_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct submit_req {
	sp_node *n;
	sp_http_req *req;
} submit_req;

/* Loop thread: the record is durable, or the submission was refused. */
static void on_submitted(void *ud, sp_submit_result *res)
{
	submit_req *s = ud;
	sp_node *n = s->n;
	/* "/v1/records/" + RecordId + "?origin=" + NodeId; both are
	 * URL-safe by their syntax (SPEC 4), so nothing is escaped. */
	char loc[sizeof("/v1/records/?origin=") + SP_UUID_LEN + SP_NODE_ID_MAX];
	sp_http_header h;
	uint8_t *rec;

	if (res->err != SP_OK) {
		sp_log(SP_LOG_INFO, "submission_refused",
		       SP_LF_STR("request_id", sp_http_req_id(s->req)),
		       SP_LF_STR("err", sp_strerror(res->err)),
		       SP_LF_STR("why", res->why));
		sp_api__problem(n, s->req, SP_EP_SUBMIT, res->err, res->why);
		free(s);
		return;
	}
	sp_log(SP_LOG_INFO, "record_submitted",
	       SP_LF_STR("request_id", sp_http_req_id(s->req)),
	       SP_LF_STR("origin", res->origin),
	       SP_LF_UINT("sequence", res->sequence),
	       SP_LF_STR("record_id", res->record_id));
	rec = res->record;
	res->record = NULL; /* handed over to the response */
	/* API-53: RecordIds are unique per Origin only (API-62), so the
	 * location names the Origin as well. */
	snprintf(loc, sizeof(loc), "/v1/records/%s?origin=%s", res->record_id,
	         res->origin);
	h.name = "location";
	h.value = loc;
	sp_api__respond_ex(n, s->req, SP_EP_SUBMIT, 201, "application/xml", &h,
	                   1, rec, res->record_len);
	free(s);
}

void sp_api_submit(sp_node *n, sp_http_req *req, const sp_caller *c)
{
	submit_req *s;
	const char *ctype = sp_http_req_header(req, "content-type", NULL);
	const uint8_t *body;
	size_t len;
	int err;

	(void)c;
	if (ctype == NULL || strncmp(ctype, "application/xml", 15) != 0 ||
	    (ctype[15] != '\0' && ctype[15] != ';')) {
		sp_api__problem(n, req, SP_EP_SUBMIT, SP_ERR_MEDIA_TYPE,
		                "submissions are sent as application/xml");
		return;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		sp_api__problem(n, req, SP_EP_SUBMIT, SP_ERR_NOMEM, NULL);
		return;
	}
	s->n = n;
	s->req = req;
	body = sp_http_req_body(req, &len);
	if ((err = sp_node_submit(n, body, len, on_submitted, s)) != SP_OK) {
		sp_api__problem(
		    n, req, SP_EP_SUBMIT, err,
		    err == SP_ERR_OVERLOADED
		        ? "too many submissions waiting; retry later"
		        : NULL);
		free(s);
	}
}
