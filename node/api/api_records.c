/* api_records.c: POST /v1/records: a peer's record goes through the node's
 * one acceptance path (ingest.c) and is answered 201/200 with the receipt,
 * or with the refusal's problem document. */
#include "api_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct rec_req {
	sp_node *n;
	sp_http_req *req;
	char caller[SP_NODE_ID_MAX + 1];
} rec_req;

static void respond_error(rec_req *r, int err, const char *why)
{
	sp_node *n = r->n;

	if (err != SP_ERR_OVERLOADED && err != SP_ERR_UNAVAILABLE)
		sp_node_count_rejected(n, err);
	sp_log(SP_LOG_INFO, "record_refused",
	       SP_LF_STR("request_id", sp_http_req_id(r->req)),
	       SP_LF_STR("peer", r->caller), SP_LF_STR("err", sp_strerror(err)),
	       SP_LF_STR("why", why));
	sp_api__problem(n, r->req, SP_EP_RECORDS_POST, err, why);
}

/* Loop thread: the record was refused, or the store answered. */
static void on_ingested(void *ud, const sp_ingest_result *res)
{
	rec_req *r = ud;
	sp_node *n = r->n;
	uint8_t *body;

	if (res->err != SP_OK) {
		respond_error(r, res->err, res->why);
	} else if (res->outcome == SP_STORE_INSERTED ||
	           res->outcome == SP_STORE_DUPLICATE) {
		if (res->receipt == NULL ||
		    (body = malloc(res->receipt_len)) == NULL) {
			respond_error(r, SP_ERR_INTERNAL,
			              "the stored receipt could not be read");
		} else {
			memcpy(body, res->receipt, res->receipt_len);
			if (res->outcome == SP_STORE_INSERTED)
				sp_log(SP_LOG_INFO, "record_accepted",
				       SP_LF_STR("request_id",
				                 sp_http_req_id(r->req)),
				       SP_LF_STR("peer", r->caller),
				       SP_LF_STR("origin", res->origin),
				       SP_LF_UINT("sequence", res->sequence),
				       SP_LF_STR("record_id", res->record_id));
			sp_api__respond(
			    n, r->req, SP_EP_RECORDS_POST,
			    res->outcome == SP_STORE_INSERTED ? 201 : 200,
			    "application/xml", body, res->receipt_len);
		}
	} else if (res->outcome == SP_STORE_EQUIVOCATION) {
		respond_error(r, SP_ERR_EQUIVOCATION, res->why);
	} else {
		respond_error(r, SP_ERR_INTERNAL,
		              "the record could not be stored");
	}
	free(r);
}

void sp_api_post_record(sp_node *n, sp_http_req *req, const sp_caller *c)
{
	rec_req *r;
	const char *ctype = sp_http_req_header(req, "content-type", NULL);
	const uint8_t *body;
	size_t len;
	sp_ingest_opts o;
	int err;

	if (ctype == NULL || strncmp(ctype, "application/xml", 15) != 0 ||
	    (ctype[15] != '\0' && ctype[15] != ';')) {
		sp_api__problem(n, req, SP_EP_RECORDS_POST, SP_ERR_MEDIA_TYPE,
		                "records are sent as application/xml");
		return;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		sp_api__problem(n, req, SP_EP_RECORDS_POST, SP_ERR_NOMEM, NULL);
		return;
	}
	r->n = n;
	r->req = req;
	snprintf(r->caller, sizeof(r->caller), "%s", c->id);
	body = sp_http_req_body(req, &len);
	memset(&o, 0, sizeof(o));
	o.source = r->caller;
	o.expect_sequence = -1;
	if ((err = sp_node_ingest(n, body, len, &o, on_ingested, r)) != SP_OK) {
		sp_api__problem(n, req, SP_EP_RECORDS_POST, err,
		                err == SP_ERR_TRUST_LIST_STALE
		                    ? "the trust list is stale; retry later"
		                    : "the node is at capacity; retry later");
		free(r);
	}
}
