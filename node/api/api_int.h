/* api_int.h: what the handlers of node/api share: the endpoints by file,
 * responses that count themselves, query parameters. Internal to node/api. */
#ifndef SP_API_INT_H
#define SP_API_INT_H

#include <stddef.h>
#include <stdint.h>

#include "api.h"
#include "base.h"
#include "http.h"
#include "node.h"
#include "protocol.h"
#include "store.h"
#include "trust.h"

/* api_submit.c: POST /v1/submit (operators). */
void sp_api_submit(sp_node *n, sp_http_req *req, const sp_caller *c);
/* api_records.c: POST /v1/records (members). */
void sp_api_post_record(sp_node *n, sp_http_req *req, const sp_caller *c);
/* api_peers.c: GET /v1/peers (operators): the federation side's status. */
void sp_api_peers(sp_node *n, sp_http_req *req, const sp_caller *c);
/* api_trustlist.c: POST /v1/trust-lists/{federation}/cosign (members,
 * operators) and GET .../cosignatures (anyone), SPEC 10.15. */
void sp_api_trust_list_cosign(sp_node *n, sp_http_req *req, const sp_caller *c,
                              const char *federation);
void sp_api_trust_list_cosignatures(sp_node *n, sp_http_req *req,
                                    const char *federation);
/* api_read.c: GET endpoints that read the store (run on the pool). */
void sp_api_read(sp_node *n, sp_http_req *req, const sp_caller *c,
                 sp_endpoint ep, const char *origin, const char *rest);
/* Query parameters of the read endpoints, from a raw query string: 0 and
 * *has = 0 when absent, 0 and *has = 1 with the value, -1 when malformed
 * (u64: a decimal of at most INT64_MAX; str: too long or a bad escape). */
int sp_api__param_u64(const char *query, const char *name, uint64_t *v,
                      int *has);
int sp_api__param_str(const char *query, const char *name, char *buf,
                      size_t cap, int *has);

/* Respond with a problem and count it. */
void sp_api__problem(sp_node *n, sp_http_req *req, sp_endpoint ep, int err,
                     const char *detail);
/* Respond and count. Takes ownership of body (malloc'd, may be NULL). */
void sp_api__respond(sp_node *n, sp_http_req *req, sp_endpoint ep, int status,
                     const char *ctype, uint8_t *body, size_t len);
/* The same with extra response headers (copied before it returns). */
void sp_api__respond_ex(sp_node *n, sp_http_req *req, sp_endpoint ep,
                        int status, const char *ctype,
                        const sp_http_header *headers, size_t n_headers,
                        uint8_t *body, size_t len);

#endif /* SP_API_INT_H */
