/* node_int.h: the running node (daemon) shared by its request handlers.
 * Internal to node/. */
#ifndef SP_NODE_NODE_INT_H
#define SP_NODE_NODE_INT_H

#include <pthread.h>
#include <stdint.h>

#include "node/node.h"
#include "node/config_int.h"
#include "node/log_int.h"
#include "node/metrics_int.h"
#include "node/pool_int.h"
#include "node/server_int.h"
#include "node/store_int.h"
#include "trust/trust.h"

struct event;
struct event_base;

typedef struct sp_mbox_item sp_mbox_item;
typedef struct sp_submit_job sp_submit_job;
typedef struct sp_relay sp_relay; /* relay.c: other federations followed */

/* Who is calling, from the client certificate. */
typedef struct sp_caller {
	const sp_tl_member *member; /* NULL: not a member of the trust list */
	int member_active;
	int operator;  /* one of this node's configured operator certificates */
	int wide_read; /* operator, or a member granted wide read access */
	char id[SP_NODE_ID_MAX + 1]; /* member id, "operator", or "" */
	/* The federation whose listener and list identified the caller:
	 * (federation, id) is its identity, never id alone ([FED-41]). */
	char federation[SP_NODE_ID_MAX + 1];
} sp_caller;

#define SP_NODE_MAX_EXTENSIONS 4

/* cert_expiry.c: the certificates the node uses and when they expire. */
typedef struct sp_node_expiry sp_node_expiry;

struct sp_node {
	sp_config *cfg;
	struct event_base *base;
	sp_server *server;
	sp_pool *pool;
	sp_store *store;
	sp_metrics *metrics;
	sp_anchors *anchors;
	sp_trust *trust; /* loop thread only; jobs take their own reference */
	sp_relay *relay; /* NULL without [relay] (node/relay_int.h) */
	sp_key *sign_key;
	sp_note_signer *log_signer;
	sp_node_expiry *expiry; /* read at start (cert_expiry.c) */
	uint8_t *operator_der[SP_CONFIG_MAX_LIST];
	size_t operator_der_len[SP_CONFIG_MAX_LIST];
	size_t n_operators;
	sp_limits limits;
	char log_origin[256]; /* checkpoint origin line of this node's log */
	int64_t started;

	/* Work handed to the loop thread from other threads. */
	pthread_mutex_t mbox_mu;
	sp_mbox_item *mbox_head, *mbox_tail;
	int mbox_fd;
	struct event *mbox_ev;

	/* Store readers, one per worker thread, closed at shutdown. */
	pthread_mutex_t readers_mu;
	sp_store_reader *readers[300];
	size_t n_readers;

	/* Local submissions: one at a time through signing, so that the
	 * Sequence stays contiguous even when a submission is refused. */
	sp_submit_job *submit_head, *submit_tail;
	size_t submit_queued;
	int submit_busy;
	uint64_t next_sequence; /* of this node's own log */

	/* Checkpoints of the node's own log. */
	uint64_t checkpoint_size;
	int checkpoint_busy;
	int checkpoint_ok;

	/* Extensions (peers/) and their state. */
	const sp_node_extension *ext[SP_NODE_MAX_EXTENSIONS];
	void *ext_state[SP_NODE_MAX_EXTENSIONS];
	size_t n_ext;

	int stopping;
	int exit_code;
	struct event *sig_term, *sig_int, *sig_hup, *tick;
};

/* cert_expiry.c. Read the signing, TLS, operator and anchor certificates'
 * validity from the files the config names; logs those expired or within
 * [trust] expiry_warn_days. Logs and returns -1 on an unreadable file. */
int sp_node__expiry_load(sp_node *n);
void sp_node__expiry_free(sp_node_expiry *e);
/* The silkport_certificate_expiry_seconds gauges (kind signing, tls,
 * operator, anchor, and checkpoint: the NextUpdate of the list carrying
 * the LogKey). */
void sp_node__expiry_metrics(const sp_node *n, struct sp_text *t, int64_t now);
/* 1 when a certificate the node needs has expired (its signing or TLS
 * certificate, or every anchor), with fail naming it; 0 otherwise. Adds a
 * "warning: ..." line to `warnings` (may be NULL) for each certificate
 * within expiry_warn_days of its end or past it. */
int sp_node__expiry_check(const sp_node *n, int64_t now,
                          struct sp_text *warnings, char *fail,
                          size_t fail_len);

/* Open a federation's trust list from `file` against `anchors`, or the
 * newer one persisted in the store; the list must be of `federation`. The
 * result has passed sp_node__trust_gate() for `slot` (-1: the home
 * federation, else the relay federation's index); when the file's list
 * fails it, the persisted list is kept. Logs and returns -1 on failure. */
int sp_node__load_list(sp_node *n, int slot, const sp_anchors *anchors,
                       const char *federation, const char *file,
                       int64_t clock_skew, sp_trust **out);

/* trust_gate.c: the check of every list before it becomes current, the
 * same for every source and federation: refuse it with
 * SP_ERR_REVOCATION_REVERSED when it shows as not revoked a member or a
 * signing certificate that an accepted list of that federation revoked
 * ([TL-39]); record its revocations in the store; for a followed federation
 * (slot >= 0), ignore each member whose NodeId the home list or another
 * followed list binds to another node ([FED-40]), replacing *t by a copy
 * without them. Alarms are logged at error level. Loop thread. */
int sp_node__trust_gate(sp_node *n, int slot, sp_trust **t, const char *source);

/* Install a newer trust list of the home federation (slot -1) or of relay
 * federation `slot`, already verified against that federation's anchors:
 * gate it, persist it, swap it in, tell the extensions. Loop thread.
 * Returns SP_OK, SP_ERR_TRUST_LIST_ROLLBACK when it is not newer,
 * SP_ERR_WRONG_FEDERATION, SP_ERR_REVOCATION_REVERSED, or a store error.
 * `source` names where it came from, for the log. */
int sp_node__install_list(sp_node *n, int slot, sp_trust *t,
                          const char *source);

/* The server settings of the config (listener, TLS identity, limits), and
 * the access log hook, shared by the main and the relay listeners. */
void sp_node__server_config(const sp_config *cfg, sp_server_config *sc);
void sp_node__access_log(const sp_access_entry *e, void *arg);

/* Run fn(arg) on the loop thread; any thread. */
void sp_node__post(sp_node *n, void (*fn)(void *arg), void *arg);
/* The calling worker thread's store reader (opened on first use). */
sp_store_reader *sp_node__reader(sp_node *n);
/* Identify the caller of a request that arrived on the listener of the
 * home federation (slot -1) or of relay federation `slot`. Loop thread. */
void sp_node__caller(sp_node *n, sp_http_req *req, int slot, sp_caller *out);
/* The same for a client certificate's DER (NULL: anonymous). */
void sp_node__caller_der(sp_node *n, int slot, const uint8_t *der, size_t len,
                         sp_caller *out);
/* After a trust-list or operator change: close the connections of
 * members and operators that are no longer accepted ([SEC-24]). */
void sp_node__recheck_conns(sp_node *n);

/* api.c: the request handler given to the main server (arg: the node), and
 * the same for a request on relay federation slot's listener. */
void sp_api_handle(sp_http_req *req, void *arg);
void sp_api__handle_in(sp_node *n, sp_http_req *req, int slot);
/* api_submit.c */
void sp_api_submit(sp_node *n, sp_http_req *req, const sp_caller *c);
/* api_records.c */
void sp_api_post_record(sp_node *n, sp_http_req *req, const sp_caller *c);
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
/* checkpoint.c (node): sign a checkpoint of the own log when it grew. */
void sp_node__checkpoint_tick(sp_node *n);

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

#endif /* SP_NODE_NODE_INT_H */
