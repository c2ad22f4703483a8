/* api_peers.c: GET /v1/peers: the operator's view of the federation side
 * (per peer: connection, outbox, lag, checkpoints, alarms), as text. */
#include "api_int.h"

#include <stdlib.h>
#include <string.h>

void sp_api_peers(sp_node *n, sp_http_req *req, const sp_caller *c)
{
	sp_text t = {0};
	size_t len;
	uint8_t *body;

	if (!c->operator) {
		sp_api__problem(n, req, SP_EP_OTHER,
		                sp_http_req_client_cert(req, NULL)
		                    ? SP_ERR_FORBIDDEN
		                    : SP_ERR_UNAUTHENTICATED,
		                "peer status needs one of this node's operator "
		                "certificates");
		return;
	}
	sp_text_printf(&t, "silkport-peers/v1\nnode %s\n",
	               sp_node_config(n)->node_id);
	sp_node_status_text(n, &t);
	if (t.failed || t.buf == NULL) {
		sp_text_free(&t);
		sp_api__problem(n, req, SP_EP_OTHER, SP_ERR_NOMEM, NULL);
		return;
	}
	len = t.len;
	body = (uint8_t *)t.buf; /* handed over to the response */
	sp_api__respond(n, req, SP_EP_OTHER, 200, "text/plain; charset=utf-8",
	                body, len);
}
