/* fed.h: the federation side of a node (delivery from the outbox, catch-up,
 * witnessing, trust-list distribution, relay, peer status), built on the
 * node's extension interface and the HTTP/2 client. */
#ifndef SP_FED_H
#define SP_FED_H

/* Register the federation side as an extension of every node this process
 * runs. Call once, before the command line runs. Returns 0, or -1 when the
 * node has no room for another extension. */
int sp_peers_register(void);

#endif /* SP_FED_H */
