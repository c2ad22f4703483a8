/* relay_int.h: the other federations a node follows ([relay] in its config):
 * their anchors and trust lists, a gateway's identity and listener in each,
 * and the routing rules of relay between federations (SPEC 13.5). Internal
 * to node/core; what the floors above need of it is in node.h. */
#ifndef SP_NODE_RELAY_INT_H
#define SP_NODE_RELAY_INT_H

#include "node_int.h"

/* ---------------------------------------------------------------- life cycle
 */

/* Load every [relay] federation's anchors and trust list (the configured
 * file, or a newer one persisted in the store), and for each federation in
 * which this node has a TLS identity ([relay] tls_cert / tls_key) check that
 * it is listed there with exactly that certificate and start a listener on
 * [listen] address at the port of its first Endpoint in that list. Loop
 * thread, at start, after the store, the home trust list and the main
 * server. Returns 0, or -1 after logging why. */
int sp_node__relay_start(sp_node *n);
/* Close the relay listeners (with the main server). */
void sp_node__relay_close(sp_node *n);
/* Free the relay lists and anchors (after the pool has drained). */
void sp_node__relay_free(sp_node *n);

/* ---------------------------------------------------------------- queries */

/* Ask every relay listener again about its authenticated connections and
 * close those whose client is no longer an operator or an active member
 * there (SPEC SEC-24). Returns how many were closed. Loop thread. */
size_t sp_node__relay_recheck(sp_node *n);

/* Which list binds node_id (FED-31, [FED-40]): -1 the home list, i the
 * first relay list that lists it, -2 none. Loop thread. */
int sp_node__binding(sp_node *n, const char *node_id);
/* 1 if any relay list is past NextUpdate at time t. */
int sp_node__relay_expired(sp_node *n, int64_t t);

/* Make t (a new reference is taken) relay federation i's current list;
 * only sp_node_install_list() calls it. Loop thread. */
void sp_node__relay_set_trust(sp_node *n, size_t i, sp_trust *t);

/* ---------------------------------------------------------------- routing */

/* Verify a record with the home list and, when its Origin is unknown
 * there, with the relay lists in order (FED-28): the Origin's own
 * federation's list decides, exactly as at home. Worker. Arguments and
 * errors as sp_verify_record(). */
int sp_node__verify_record(sp_node *n, const sp_trust *home, const uint8_t *buf,
                           size_t len, const sp_verify_opts *o, sp_doc **doc,
                           sp_record **rec, const char **why);

/* A received (verified) record: is this node an addressee, and to which
 * recipients must it relay (FED-23, FED-25, FED-29, FED-30)? deliver gets
 * pointers to recipient ids inside rec (capacity SP_STORE_MAX_RECIPIENTS).
 * Returns SP_OK, or SP_ERR_NOT_RECIPIENT when it is neither. Worker. */
int sp_node__route_received(sp_node *n, const sp_trust *home,
                            const sp_record *rec, const char **deliver,
                            size_t *n_deliver, int *addressee);

/* The outbox rows of a submission addressed to Node recipients (FED-24,
 * API-52): home members directly; members of a relay federation in which
 * this node has an identity directly; other relay federations' members
 * through the first active home member whose RelaysTo names their
 * federation. deliver gets pointers into recips or into home's members
 * (capacity SP_STORE_MAX_DELIVER). SP_ERR_FIELD with why (a copy) when a
 * recipient cannot be reached. Worker. */
int sp_node__route_submit(sp_node *n, const sp_trust *home,
                          const char *const *recips, size_t n_recips,
                          const char **deliver, size_t *n_deliver, char *why,
                          size_t why_cap);

#endif /* SP_NODE_RELAY_INT_H */
