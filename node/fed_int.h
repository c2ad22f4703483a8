/* fed_int.h: what the node offers its federation side (peers/): the one
 * acceptance path for records from peers (pushed or pulled), outbox and
 * catch-up queries, asynchronous store writes, and the operator's peer
 * status endpoint. Internal to node/ and peers/. */
#ifndef SP_NODE_FED_INT_H
#define SP_NODE_FED_INT_H

#include "node/node_int.h"

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

/* ---------------------------------------------------------------- store */

/* A pending delivery with the record's bytes. */
typedef struct sp_fed_outbox_item {
	int64_t id;
	char record_id[SP_UUID_LEN + 1];
	char origin[SP_NODE_ID_MAX + 1]; /* this node, or relayed records' */
	uint64_t sequence;
	char digest[65];
	int64_t received;
	uint32_t attempts;
	uint8_t *bytes;
	size_t len;
} sp_fed_outbox_item;

void sp_fed_outbox_items_free(sp_fed_outbox_item *items, size_t n);

/* Pending deliveries to `peer` with id > after_id and next_attempt <= now,
 * by id, at most max (<= SP_STORE_LIST_MAX). *items malloc'd (NULL when
 * *n == 0). */
int sp_store_fed_outbox_due(sp_store_reader *r, const char *peer,
                            int64_t after_id, int64_t now, size_t max,
                            sp_fed_outbox_item **items, size_t *n);

/* Outbox counts per peer: pending (retrying), failed (given up: pending with
 * next_attempt = SP_FED_NEVER) and the oldest pending record's received
 * time (0: none). */
#define SP_FED_NEVER INT64_MAX
typedef struct sp_fed_outbox_count {
	char peer[SP_NODE_ID_MAX + 1];
	uint64_t pending;
	uint64_t failed;
	int64_t oldest;
} sp_fed_outbox_count;
int sp_store_fed_outbox_counts(sp_store_reader *r, sp_fed_outbox_count **out,
                               size_t *n);

/* Asynchronous outbox writes: run on the committer in the next group;
 * done(arg, rc) is called on the committer thread after COMMIT (it must
 * not block: post to the loop). Returns SP_OK (done will be called) or an
 * error (it will not). error may be NULL. */
typedef void (*sp_fed_store_done)(void *arg, int rc);
int sp_store_fed_delivered_async(sp_store *s, int64_t id,
                                 const uint8_t *receipt, size_t receipt_len,
                                 sp_fed_store_done done, void *arg);
int sp_store_fed_reschedule_async(sp_store *s, int64_t id, int64_t next_attempt,
                                  const char *error, sp_fed_store_done done,
                                  void *arg);
/* Give up every pending delivery to `peer` (revoked recipient): sets
 * next_attempt to SP_FED_NEVER with the error. Synchronous (worker). */
int sp_store_fed_abandon_peer(sp_store *s, const char *peer, const char *error);

/* The highest Sequence held for origin, or -1. */
int sp_store_fed_max_sequence(sp_store_reader *r, const char *origin,
                              int64_t *max);
/* The digest of the record held at (origin, sequence); SP_ERR_NOT_FOUND. */
int sp_store_fed_digest_at(sp_store_reader *r, const char *origin,
                           uint64_t sequence, char digest[65]);

/* The record held with these exact bytes (by digest) and the receipt this
 * node issued for it: a re-delivery is answered from here without verifying
 * again. *receipt is malloc'd. SP_ERR_NOT_FOUND if none (or none with a
 * receipt: the node's own records). */
int sp_store_fed_by_digest(sp_store_reader *r, const char digest[65],
                           char record_id[SP_UUID_LEN + 1],
                           char origin[SP_NODE_ID_MAX + 1], uint64_t *sequence,
                           uint8_t **receipt, size_t *receipt_len);

/* ---------------------------------------------------------------- status */

/* GET /v1/peers (operator): the federation side's status text, gathered
 * from the extensions' status callbacks. */
void sp_api_peers(sp_node *n, sp_http_req *req, const sp_caller *c);

#endif /* SP_NODE_FED_INT_H */
