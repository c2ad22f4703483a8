/* api.h: the node's HTTP API (SPEC section 11): routing, access control by
 * client certificate, and the handlers. */
#ifndef SP_API_H
#define SP_API_H

#include "node.h"

/* Handle one request for node `n` (an sp_node_api_handler, registered with
 * sp_node_set_api). `slot` is -1 for the home listener, else the relay
 * federation whose listener took the request. */
void sp_api_handle(sp_node *n, struct sp_http_req *req, int slot);

#endif /* SP_API_H */
