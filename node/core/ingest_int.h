/* ingest_int.h: what the node offers its federation side (peers/fed): the
 * one acceptance path for records from peers (pushed or pulled) and the
 * operator's peer status endpoint. */
#ifndef SP_NODE_INGEST_INT_H
#define SP_NODE_INGEST_INT_H

#include "node_int.h"

/* ---------------------------------------------------------------- ingest */

/* What the node did with a record from a peer. Pointers are valid only
 * during the callback. */
typedef struct sp_ingest_result {
	/* SP_OK: the store answered (see outcome); else the refusal (parse,
	 * signature, trust, not-recipient, forbidden, overloaded, store). */
	int err;
	const char *why;
	int outcome;           /* sp_store_outcome when err == SP_OK */
	const char *origin;    /* "" when the record did not verify */
	const char *record_id; /* "" when the record did not verify */
	uint64_t sequence;
	char digest[65]; /* of the bytes, always set */
	/* INSERTED: the receipt signed now; DUPLICATE: the one stored at
	 * first acceptance (NULL if it could not be read). */
	const uint8_t *receipt;
	size_t receipt_len;
	const char *existing_digest; /* EQUIVOCATION: the record already held */
} sp_ingest_result;

typedef void (*sp_ingest_cb)(void *ud, const sp_ingest_result *res);

typedef struct sp_ingest_opts {
	const char *source; /* caller's id, kept as the record's source */
	const char
	    *expect_origin;      /* NULL, or the Origin the record must have */
	int64_t expect_sequence; /* -1, or the Sequence it must have */
} sp_ingest_opts;

/* Accept a record from a peer exactly as POST /v1/records does: verify on
 * the worker pool, refuse own records and records not addressed to this
 * node, sign a receipt, make record and receipt durable (group commit),
 * then call cb on the loop thread, once. `bytes` is borrowed: it must stay
 * valid until cb. Loop thread. Returns SP_OK (cb will be called), or
 * SP_ERR_OVERLOADED / SP_ERR_NOMEM / SP_ERR_UNAVAILABLE (cb will not). An
 * equivocation is alarmed (log event=equivocation_alarm and
 * silkport_equivocations_total) before cb. */
int sp_node__ingest(sp_node *n, const uint8_t *bytes, size_t len,
                    const sp_ingest_opts *o, sp_ingest_cb cb, void *ud);

/* ---------------------------------------------------------------- status */

/* GET /v1/peers (operator): the federation side's status text, gathered
 * from the extensions' status callbacks. */
void sp_api_peers(sp_node *n, sp_http_req *req, const sp_caller *c);

#endif /* SP_NODE_INGEST_INT_H */
