/* api_peers.c: GET /v1/peers: the operator's view of the federation side
 * (per peer: connection, outbox, lag, checkpoints, alarms), as text for
 * people or, with ?format=json, as JSON for scripts. */
#include "api_int.h"

#include <stdlib.h>
#include <string.h>

void sp_api_peers(sp_node *n, sp_http_req *req, const sp_caller *c)
{
	sp_text t = {0};
	size_t len;
	uint8_t *body;
	char format[16];
	int json = 0, err;

	if (!c->operator) {
		sp_api__problem(n, req, SP_EP_OTHER,
		                sp_http_req_client_cert(req, NULL)
		                    ? SP_ERR_FORBIDDEN
		                    : SP_ERR_UNAUTHENTICATED,
		                "peer status needs one of this node's operator "
		                "certificates");
		return;
	}
	err = sp_http_req_query_param(req, "format", format, sizeof(format),
	                              NULL);
	if (err == SP_OK && strcmp(format, "json") == 0) {
		json = 1;
	} else if (err != SP_ERR_NOT_FOUND &&
	           (err != SP_OK || strcmp(format, "text") != 0)) {
		sp_api__problem(n, req, SP_EP_OTHER, SP_ERR_BAD_REQUEST,
		                "format is text (the default) or json");
		return;
	}
	if (json) {
		sp_text_printf(&t,
		               "{\"format\":\"silkport-peers/v1\",\"node\":");
		sp_text_json_str(&t, sp_node_config(n)->node_id);
		sp_node_status_json(n, &t);
		sp_text_printf(&t, "}\n");
	} else {
		sp_text_printf(&t, "silkport-peers/v1\nnode %s\n",
		               sp_node_config(n)->node_id);
		sp_node_status_text(n, &t);
	}
	if (t.failed || t.buf == NULL) {
		sp_text_free(&t);
		sp_api__problem(n, req, SP_EP_OTHER, SP_ERR_NOMEM, NULL);
		return;
	}
	len = t.len;
	body = (uint8_t *)t.buf; /* handed over to the response */
	sp_api__respond(n, req, SP_EP_OTHER, 200,
	                json ? "application/json" : "text/plain; charset=utf-8",
	                body, len);
}
