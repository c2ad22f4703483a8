/* node.h: the node's core: its configuration, a running node, and what the
 * floors above (node/api, peers/fed, node/cli) may ask of it. */
#ifndef SP_NODE_H
#define SP_NODE_H

#include <stddef.h>
#include <stdint.h>

#include "base.h"
#include "protocol.h"
#include "store.h"
#include "trust.h"

#ifdef __cplusplus
extern "C" {
#endif

struct event_base;
struct sp_http_req;

/* ================================================================ config */

/* Repeatable options (anchors, operators, ...) hold at most this many. */
#define SP_CONFIG_MAX_LIST   16
#define SP_CONFIG_MAX_ERRORS 32

/* A node's configuration (INI, one option table in config.c). Read-only for
 * everyone but config.c: a running node's (sp_node_config) is replaced as a
 * whole on SIGHUP, so keep no pointer into it past the current callback. */
typedef struct sp_config {
	char *
	    path; /* the file read; relative paths inside are from its folder */
	/* [node] */
	char *node_id;
	char *federation;
	char *database;
	/* [store] */
	char *store_backend; /* "sqlite" ([node] database) or "postgresql" */
	char *store_dsn;     /* postgresql: the libpq connection string */
	/* [listen] */
	char *listen_address;
	int64_t listen_port;
	int tls12;
	/* [tls] */
	char *tls_cert;
	char *tls_key;
	/* [signing] */
	char *sign_key;
	char *sign_cert;
	char *log_key;
	/* [trust] */
	char *trust_list;
	char *anchors[SP_CONFIG_MAX_LIST];
	size_t n_anchors;
	int64_t clock_skew;
	int64_t
	    expiry_grace; /* seconds past NextUpdate before peers are refused */
	int64_t expiry_warn_days; /* warn before a certificate expires */
	/* the fewest operator signatures, and the lowest Threshold, of a
	 * home list this node installs (SPEC [TL-80]) */
	int64_t min_threshold;
	/* [pkcs11] */
	char *pkcs11_module;  /* NULL: p11-kit's proxy */
	char *pkcs11_pin_env; /* NULL: the PIN is in each URI */
	/* [operators] */
	char *operator_certs[SP_CONFIG_MAX_LIST];
	size_t n_operator_certs;
	/* the node's own operator CAs (SPEC [TL-55]): trusted in the
	 * handshake of the home listener beside the anchors, for operator
	 * certificates only */
	char *operator_cas[SP_CONFIG_MAX_LIST];
	size_t n_operator_cas;
	/* anchors then operator_cas, NULL-terminated: the home listener's
	 * client CAs (filled by sp_config_load) */
	const char *client_cas[2 * SP_CONFIG_MAX_LIST + 1];
	/* [access] */
	char *wide_readers[SP_CONFIG_MAX_LIST]; /* members with read access to
	                                           all */
	size_t n_wide_readers;
	/* "addressed" (default): operators read what this node is an
	 * addressee of; "all": every record held, relayed ones too (ACC-14) */
	char *operator_read;
	/* 1 (default): anyone may read this node's own checkpoint and proofs;
	 * 0: members and operators only. Other Origins' logs are always
	 * members' and operators' (SPEC [ACC-18], [ACC-19]). */
	int public_own_log;
	/* [limits] */
	int64_t max_body;
	int64_t max_header_list;
	int64_t max_streams;
	int64_t max_connections;
	int64_t max_depth;
	int64_t max_elements;
	int64_t handshake_timeout;
	int64_t idle_timeout;
	int64_t stream_timeout;
	int64_t global_buffer_mb;
	int64_t anon_connections; /* 0: a quarter of max_connections */
	int64_t anon_buffer_mb;   /* 0: a quarter of global_buffer_mb */
	/* [metrics] */
	char *metrics_allow; /* "operators", "members" or "anyone" */
	/* [workers] */
	int64_t threads;
	int64_t queue;
	/* [log] */
	char *log_level;
	char *log_format;
	/* [peers] (federation) */
	int64_t retry_min;
	int64_t retry_max;
	int64_t retention_days;
	int64_t relay_deadline; /* seconds, [FED-53] */
	int64_t pull_interval;
	char *trust_list_url;
	char *timestamp_file; /* [trust] timestamp_file, or NULL (SPEC 7.9) */
	char *relay_federations[SP_CONFIG_MAX_LIST];
	size_t n_relay_federations;
	char *relay_trust_lists[SP_CONFIG_MAX_LIST];
	size_t n_relay_trust_lists;
	char *relay_anchors[SP_CONFIG_MAX_LIST];
	size_t n_relay_anchors;
	/* a gateway's TLS identity in each of those federations (none, or
	 * one per federation line, same order) */
	char *relay_tls_certs[SP_CONFIG_MAX_LIST];
	size_t n_relay_tls_certs;
	char *relay_tls_keys[SP_CONFIG_MAX_LIST];
	size_t n_relay_tls_keys;
	/* [console] listen: "ADDR:PORT" on loopback, or NULL (off) */
	char *console_listen;
} sp_config;

/* Read and check a config file. On failure returns NULL and writes each
 * problem as "file:line: what" (up to SP_CONFIG_MAX_ERRORS) to errbuf, one
 * per line. Relative paths in the file are made absolute from the file's
 * folder, and required files are checked to be readable. */
sp_config *sp_config_load(const char *path, char *errbuf, size_t errlen);
void sp_config_free(sp_config *c);

/* Where a member's signing and TLS keys are when they are not the files
 * sign-key.pem and tls-key.pem: pkcs11: URIs of keys that "member init
 * --pkcs11" made inside a token, and the token settings ([pkcs11] module,
 * pin_env; NULL: none). Kept in DIR/token-keys.ini (the [tls], [signing]
 * and [pkcs11] sections of node.ini's grammar, nothing else) until "member
 * install" writes node.ini; sp_config_write_member() writes them there
 * when keys is not NULL. */
typedef struct sp_member_keys {
	char *sign_key;
	char *tls_key;
	char *pkcs11_module;
	char *pkcs11_pin_env;
} sp_member_keys;

/* Write the node.ini of a member (federation init, member install).
 * config_dir is the folder of its keys and certificates and state_dir the
 * folder of its database; both should be absolute (the unit runs with
 * another working folder). config_dir NULL: key paths relative to
 * node.ini's folder (the single-folder demo layout); state_dir NULL: the
 * database beside the keys. trust_list and anchor are written as given.
 * operator_ca: the file name of the node's own operator CA in config_dir
 * ("member init"), or NULL when the operator certificate is issued by the
 * federation anchor. keys: NULL for the key files in config_dir, else the
 * keys' URIs and the token settings. Returns 0 or -1 (errno set). */
int sp_config_write_member(const char *path, const char *node_id,
                           const char *federation, unsigned port,
                           const char *config_dir, const char *state_dir,
                           const char *trust_list, const char *anchor,
                           const char *operator_ca, const sp_member_keys *keys);

int sp_member_keys_write(const char *path, const sp_member_keys *k);
/* Read PATH; on error returns -1 with a message naming the file and line in
 * err. */
int sp_member_keys_read(const char *path, sp_member_keys *k, char *err,
                        size_t err_len);
void sp_member_keys_clear(sp_member_keys *k);

/* Split "ADDRESS:PORT" (an IPv4 address, or an IPv6 one in brackets:
 * "[::1]:7400"; port 0 to 65535) into host (without brackets) and port.
 * Returns AF_INET or AF_INET6, 0 when the part before the port is not an IP
 * address (host and port are still set), -1 when v is not NAME:PORT. */
int sp_config_addr_port(const char *v, char host[64], unsigned *port);

/* Parse a [console] listen value: an IPv4 or bracketed IPv6 loopback
 * address and a port ("127.0.0.1:7480", "[::1]:7480"; port 0: any free
 * one). The console speaks plain HTTP, so any other address is refused.
 * host gets the address without brackets. Returns 0, or -1 with *why. */
int sp_config_console_listen(const char *v, char host[64], unsigned *port,
                             const char **why);

/* Set [section] name = value in the config file at path, keeping every
 * other line (comments included) as it is: the first such line in that
 * section is replaced, or the option is added at the end of the section
 * (the section at the end of the file when there is none). Written to a
 * temporary file beside it and renamed over it, so that a crash leaves the
 * old file or the new one. Returns 0 or -1 (errno set). */
int sp_config_set(const char *path, const char *section, const char *name,
                  const char *value);

/* Print every option with its default and bounds (silkport check-config
 * --list). */
void sp_config_print_options(void);

/* ================================================================ running */

/* Run a node from its configuration file in the foreground until SIGTERM
 * or SIGINT (SIGHUP reloads). listen, when not NULL, is an "ADDRESS:PORT"
 * that replaces [listen] address and port (checked by the caller with
 * sp_config_addr_port), so that several processes can run from one
 * configuration. Returns 0 on a clean stop, else non-zero (errors are
 * printed or logged). */
int sp_node_run(const char *config_path, const char *listen);

/* A running node. Opaque: the floors above use the functions below. Unless
 * a comment says otherwise, they are for the node's loop thread (where
 * every extension callback and API handler runs). */
typedef struct sp_node sp_node;

/* One peer as the federation side sees it, for the operator console. */
typedef struct sp_node_peer_view {
	char id[SP_NODE_ID_MAX + 1];
	/* "": a member of this node's federation; else the relay federation */
	char federation[SP_NODE_ID_MAX + 1];
	sp_member_status status;
	int connected;
	int64_t last_success_ms; /* 0: never */
	int64_t last_receipt_ms;
	uint32_t connect_failures; /* in a row, now */
	char last_error[200];      /* "" once a later delivery succeeded */
	int64_t last_error_ms;
	uint64_t outbox_depth; /* waiting for a receipt */
	uint64_t outbox_failed;
	uint64_t delivered; /* receipts received since start */
	uint64_t lag_records;
	double lag_seconds;
	int have_checkpoint; /* the origin's latest checkpoint verified here */
	uint64_t checkpoint_size;
	int64_t checkpoint_seen_ms;
	uint64_t alarms;
	char last_alarm[240];
} sp_node_peer_view;

/* An extension runs inside a node's event loop: peers/fed registers the
 * federation side (delivery, catch-up, witnessing) this way, so that the
 * node never depends on the modules built on it. Every callback runs on the
 * loop thread; any may be NULL. */
typedef struct sp_node_extension {
	const char *name;
	/* After the server listens and before READY. Non-zero stops the node.
	 */
	int (*start)(sp_node *n, void **state);
	/* Once a second. */
	void (*tick)(void *state);
	/* After this node's own record (with its outbox rows) is durable. */
	void (*own_record_stored)(void *state, const char *record_id,
	                          uint64_t sequence);
	/* After a record received as a gateway (with the outbox rows that
	 * relay it to another federation) is durable. */
	void (*relay_stored)(void *state, const char *record_id);
	/* After a record of another origin received from a peer (pushed or
	 * pulled, through the one acceptance path) is durable and new here
	 * (not a duplicate): `digest` is the lowercase hex SHA-256 of its
	 * bytes, so that it can be proven against the origin's checkpoint. */
	void (*record_received)(void *state, const char *origin,
	                        uint64_t sequence, const char digest[65]);
	/* After a newer trust list (of any federation followed) was
	 * installed. */
	void (*trust_changed)(void *state);
	/* At shutdown, after the server stopped, before the store closes. */
	void (*stop)(void *state);
	/* GET /metrics: append Prometheus text (gauges computed now) to `out`,
	 * an sp_text (base.h). */
	void (*metrics)(void *state, void *out);
	/* GET /v1/peers (operators): append a plain-text status report to
	 * `out`, an sp_text. */
	void (*status)(void *state, void *out);
	/* GET /v1/peers?format=json: the same report as JSON members
	 * ("name": value, comma-separated, without the enclosing braces),
	 * appended to `out`, an sp_text. May be NULL. */
	void (*status_json)(void *state, void *out);
	/* The operator console: fill out[0 .. cap-1] with the peers, return
	 * how many were written. May be NULL. */
	size_t (*peer_views)(void *state, sp_node_peer_view *out, size_t cap);
	/* A member peer says (header silkport-trust-list, SPEC [API-73]) or a
	 * verified statement shows that the home federation has a list with
	 * a higher sequence than this node's: fetch it. May be NULL. */
	void (*list_newer)(void *state, const char *peer, uint64_t sequence);
} sp_node_extension;

/* Register an extension for every node this process runs (before
 * sp_node_run). At most 4. Returns 0, or -1 when full. */
int sp_node_register_extension(const sp_node_extension *ext);

/* The node's API: every request of every listener goes to one handler,
 * registered before the node runs by whoever assembles the binary
 * (node/cli). `slot` is -1 for the home listener, else the index of the
 * relay federation whose listener took the request. Without one, every
 * request is 404. */
typedef void (*sp_node_api_handler)(sp_node *n, struct sp_http_req *req,
                                    int slot);
void sp_node_set_api(sp_node_api_handler h);

/* ================================================================ parts */

/* The configuration in force (replaced as a whole on SIGHUP: read it anew
 * in each callback). Also read by workers for options that never change at
 * run time (node_id, federation). */
const sp_config *sp_node_config(const sp_node *n);
/* The loop's event base (for clients that run on the node's loop). */
struct event_base *sp_node_event_base(sp_node *n);
/* The store (writes and async writes; any thread, as store.h says). */
sp_store *sp_node_store(sp_node *n);
/* The calling worker thread's store reader (opened on first use, closed
 * at shutdown). NULL when it cannot be opened (logged). Worker threads. */
sp_store_reader *sp_node_reader(sp_node *n);
/* Time from witnesses (SPEC [FED-61]): the peers side tells the node,
 * each time an Origin's witnessed checkpoint moves, its size and the
 * smallest timestamp of the cosignatures counted for it (0: none, k = 0).
 * From then on a record of that Origin at a Sequence >= size (which that
 * checkpoint did not contain) whose Issued is earlier than that time less
 * the merge delay and the skew is refused on arrival with
 * issued-out-of-bounds. A smaller size than the one held is ignored. Any
 * thread. */
void sp_node_witness_time(sp_node *n, const char *origin, uint64_t size,
                          int64_t first_s);
/* The document limits every record from outside is parsed with. Fixed
 * after start; any thread. */
const sp_limits *sp_node_limits(const sp_node *n);
/* The home federation's trust list in force, borrowed: valid on the loop
 * thread until control returns to the loop (a newer list replaces it
 * there); take sp_trust_ref() to keep it longer or hand it to a worker. */
sp_trust *sp_node_trust(sp_node *n);
/* ---- freshness of the home list (SPEC 7.9) */

/* 1 when the home list names a timestamp key and no statement (nor the
 * list's own Issued) is newer than its StalenessBound: peer traffic that
 * depends on it is refused with SP_ERR_TRUST_LIST_STALE. Any thread. */
int sp_node_list_stale(sp_node *n);
/* The time until which it is fresh (INT64_MAX without a timestamp key). */
int64_t sp_node_fresh_until(sp_node *n);
/* Offer a statement verified (sp_tl_timestamp_open) against the home list
 * this node held then, with its exact bytes; `source` names where it came
 * from. Kept when it names the current list and is newer than the one
 * held; one naming a higher sequence asks the extensions to fetch that
 * list from `peer` (NULL: from every source). Loop thread. */
void sp_node_offer_timestamp(sp_node *n, const uint8_t *bytes, size_t len,
                             const sp_tl_timestamp *ts, const char *source,
                             const char *peer);
/* The newest statement held for the home list of `federation`, or NULL. */
const uint8_t *sp_node_timestamp_bytes(sp_node *n, const char *federation,
                                       size_t *len);
/* The header every request to a peer carries ([API-73]): "FEDERATION
 * SEQUENCE" of the home list, into out. */
void sp_node_list_header(sp_node *n, char *out, size_t cap);
/* A peer's silkport-trust-list header value (attacker input: parsed
 * strictly, bounded): when it names the home federation with a higher
 * sequence than this node's, the extensions are asked to fetch it from
 * `peer` (they rate-limit). `digest` (silkport-trust-list-digest, may be
 * NULL): the SHA-256 of the peer's list; another list of this node's
 * sequence is a split view: alarmed at error level (once per digest) and
 * fetched as evidence (SPEC [FED-60]). Returns SP_OK, or SP_ERR_BAD_REQUEST for
 * a malformed value (ignored by the caller: the header is advisory). Loop
 * thread. */
int sp_node_peer_list_seen(sp_node *n, const char *peer, const char *value,
                           const char *digest);

/* The home federation's trust anchors (live while the node runs). */
const sp_anchors *sp_node_anchors(const sp_node *n);
/* The signer of this node's checkpoints and cosignatures (live while the
 * node runs; any thread). */
sp_note_signer *sp_node_log_signer(sp_node *n);

/* Run fn(arg) on the loop thread, soon. Any thread. */
void sp_node_post(sp_node *n, void (*fn)(void *arg), void *arg);
/* Run work(arg) on a worker thread, then done(arg) (may be NULL) on the
 * loop thread. Returns SP_OK, or SP_ERR_OVERLOADED when the queue is full,
 * SP_ERR_UNAVAILABLE while stopping, SP_ERR_NOMEM (then neither runs). */
int sp_node_work(sp_node *n, void (*work)(void *arg), void (*done)(void *arg),
                 void *arg);
/* sp_node_work() ahead of the jobs it queued: for a short job on the
 * latency path of a record leaving the node (an outbox scan), which must
 * not wait behind long ones that nothing waits for (receipt checks). The
 * caller keeps few such jobs queued at a time. */
int sp_node_work_first(sp_node *n, void (*work)(void *arg),
                       void (*done)(void *arg), void *arg);

/* SP_OK when the node is ready to serve (GET /readyz); else
 * SP_ERR_UNAVAILABLE with *why: stopping, a trust list past NextUpdate and
 * the grace period, a needed certificate expired, the store not committing
 * (disk full, read-only, I/O error), the own log in equivocation, fenced,
 * or no checkpoint of the own log yet. */
int sp_node_ready(sp_node *n, const char **why);
/* A ready node's warnings for /readyz and `status`: one "warning: ..." line
 * per certificate within [trust] expiry_warn_days of its end. */
void sp_node_ready_warnings(sp_node *n, sp_text *out);

/* ================================================================ fencing */

/* A node is fenced (SPEC FED-44) while its store may be behind what it
 * has published of its own log: after a restore, or when a peer presents
 * a checkpoint of its log larger than the store holds. A fenced node signs
 * no record (submissions get SP_ERR_FENCED) and no checkpoint of its own
 * log, and is not ready. peers/fed decides and recovers; the core keeps the
 * state. Loop thread. */

/* 1 when fenced, 2 when fenced only by the start-up check (a fence with
 * persist 0 on an unfenced node: submissions wait in the queue rather than
 * being refused), with *why (may be NULL) the reason; else 0. */
int sp_node_fenced(const sp_node *n, const char **why);
/* 1 when the store carries the fenced flag (a restart stays fenced). */
int sp_node_fence_persisted(const sp_node *n);
/* Fence the node, or change the reason of a fence. persist: also keep the
 * flag in the store (written on a worker); persist 0 on an unfenced node is
 * the start-up check (FED-45). */
void sp_node_fence(sp_node *n, const char *why, int persist);
/* Lift the fence: the stored flag is cleared first (on a worker), then the
 * next Sequence is read again from the store and the node signs again. */
void sp_node_unfence(sp_node *n);

/* A peer refused one of this node's own records as an equivocation (409),
 * or peers hold conflicting checkpoints of its log (FED-5): the node is not
 * ready until restarted, with why in /readyz. */
void sp_node_own_log_alarm(sp_node *n, const char *why);

/* One of this node's own records obtained back from a peer. */
typedef struct sp_node_own_record {
	uint64_t sequence;
	const uint8_t *bytes;
	size_t len;
} sp_node_own_record;

/* Recovery of the own log (worker thread). recs are the records for the
 * positions from the store's own tree size on, in Sequence order, with no
 * gap. Each must verify (signature by this node, through `t`, the home
 * list) with this node as Origin and its Sequence; the first
 * cp_size - tree size of them must make, with the stored log, exactly the
 * root of the checkpoint (cp_size, cp_root) signed with this node's
 * checkpoint key (the caller verified its note); when cp_size is at or
 * below the tree size, the stored log's root at cp_size must be cp_root.
 * Only then is anything stored, in order: the records the checkpoint
 * covers, and those after it (proven by their signatures alone). Returns
 * SP_OK with *appended set, or an error with why: SP_ERR_FIELD (a record
 * that is not this node's at its position), SP_ERR_PROOF_INVALID (the
 * root does not match), SP_ERR_NOT_FOUND (fewer records than the
 * checkpoint covers), a store error. */
int sp_node_recover_own(sp_node *n, sp_trust *t, const sp_node_own_record *recs,
                        size_t count, uint64_t cp_size,
                        const uint8_t cp_root[32], uint64_t *appended,
                        char *why, size_t why_len);

/* ================================================================ metrics */

/* API endpoints, for per-endpoint request counts. */
typedef enum sp_endpoint {
	SP_EP_RECORDS_POST = 0,
	SP_EP_RECORD_GET,
	SP_EP_ENTRIES,
	SP_EP_CHECKPOINT,
	SP_EP_INCLUSION,
	SP_EP_CONSISTENCY,
	SP_EP_TRUST_LIST,
	SP_EP_SUBMIT,
	SP_EP_SEARCH,
	SP_EP_HEALTHZ,
	SP_EP_READYZ,
	SP_EP_METRICS,
	SP_EP_COSIGN,
	SP_EP_LOG_INDEX, /* GET /v1/logs/{origin}/index (SPEC 10.14) */
	SP_EP_OTHER,
	SP_EP_COUNT
} sp_endpoint;

typedef enum sp_histogram_id {
	SP_HIST_VERIFY = 0, /* record verification, seconds */
	SP_HIST_COMMIT,     /* group commit, seconds */
	SP_HIST_REQUEST,    /* request handling, seconds */
	SP_HIST_COUNT
} sp_histogram_id;

/* Plain counters. */
typedef enum sp_counter_id {
	SP_CTR_SUBMITTED = 0, /* records signed for local operators */
	SP_CTR_DUPLICATES,    /* identical re-deliveries answered 200 */
	SP_CTR_EQUIVOCATIONS, /* conflicting records or checkpoints seen */
	SP_CTR_CHECKPOINTS,   /* checkpoints this node signed */
	SP_CTR_TRUST_RELOADS, /* trust lists installed after start */
	SP_CTR_OVERLOADED,    /* requests refused with 503 */
	SP_CTR_RELAY_LATE,    /* final receipts past the relay deadline */
	SP_CTR_READ_LIBXML2,  /* accepted records that took the libxml2 path */
	SP_CTR_COUNT
} sp_counter_id;

/* The node's counters and histograms (silkport_* in /metrics). Any
 * thread. */
void sp_node_count_request(sp_node *n, sp_endpoint ep, int status);
void sp_node_count_rejected(sp_node *n, int err); /* a negative sp_err */
void sp_node_count(sp_node *n, sp_counter_id c, uint64_t delta);
void sp_node_observe(sp_node *n, sp_histogram_id h, double seconds);

/* GET /metrics: every metric in the Prometheus text format, the gauges
 * (connections, worker queue, trust list, own log, each extension's)
 * computed now. Returns a malloc'd body of *len bytes, or NULL (no
 * memory). */
char *sp_node_metrics_text(sp_node *n, size_t *len);
/* GET /v1/peers: append every extension's status report to out. */
void sp_node_status_text(sp_node *n, sp_text *out);
/* The same as JSON members, from the extensions' status_json callbacks. */
void sp_node_status_json(sp_node *n, sp_text *out);
/* Every extension's peers (peer_views), at most cap; returns how many. */
size_t sp_node_peer_views(sp_node *n, sp_node_peer_view *out, size_t cap);

/* ================================================================ console */

/* The operator console's pages (read-only HTML, SPEC [API-65]) for a GET
 * under /console/ on the TLS port. The caller (node/api) has checked that
 * it comes from one of this node's operators. Answers req, now or later. */
void sp_node_console(sp_node *n, struct sp_http_req *req);

/* ================================================================ callers */

/* Who is calling, from the client certificate. */
typedef struct sp_caller {
	const sp_tl_member *member; /* NULL: not a member of the trust list */
	int member_active;
	int list_stale; /* the list that lists it is stale (SPEC [TL-66]) */
	int operator; /* one of this node's configured operator certificates */
	int operator_index; /* which one ([operators] cert order) */
	int wide_read;      /* operator, or a member granted wide read access */
	char id[SP_NODE_ID_MAX + 1]; /* member id, "operator", or "" */
	/* The federation whose listener and list identified the caller:
	 * (federation, id) is its identity, never id alone ([FED-41]). */
	char federation[SP_NODE_ID_MAX + 1];
} sp_caller;

/* Identify the caller of a request that arrived on the listener of the
 * home federation (slot -1) or of relay federation `slot`. out->member is
 * borrowed from a trust list: valid until control returns to the loop. */
void sp_node_caller(sp_node *n, struct sp_http_req *req, int slot,
                    sp_caller *out);

/* ================================================================ records */

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
 * valid until cb. Returns SP_OK (cb will be called), or SP_ERR_OVERLOADED /
 * SP_ERR_NOMEM / SP_ERR_UNAVAILABLE (cb will not). An equivocation is
 * alarmed (log event=equivocation_alarm and silkport_equivocations_total)
 * before cb. */
int sp_node_ingest(sp_node *n, const uint8_t *bytes, size_t len,
                   const sp_ingest_opts *o, sp_ingest_cb cb, void *ud);

/* What became of a local submission. */
typedef struct sp_submit_result {
	/* SP_OK: signed and durable; else why it was refused or failed */
	int err;
	const char *why;
	const char *origin;    /* this node */
	const char *record_id; /* SP_OK only */
	uint64_t sequence;     /* SP_OK only */
	/* SP_OK: the signed record (malloc'd, record_len bytes). The callback
	 * may take it by setting record to NULL; else it is freed after. */
	uint8_t *record;
	size_t record_len;
} sp_submit_result;

typedef void (*sp_submit_cb)(void *ud, sp_submit_result *res);

/* Make a submission (SPEC 11.8: an unsigned Submission document) this
 * node's next record: queued, checked, numbered in order, signed in
 * parallel with others and committed in Sequence order, so that the own log
 * stays contiguous even when a submission is refused (SPEC API-75);
 * addressed as the submission says (its
 * Node recipients routed directly or through a gateway, a broadcast to
 * every other active member). `bytes` is borrowed until cb. cb runs once on
 * the loop thread, possibly before this returns (when the worker pool
 * refuses the job); then the extensions hear own_record_stored. Returns
 * SP_OK (cb will be called), or SP_ERR_OVERLOADED (too many waiting) /
 * SP_ERR_NOMEM (cb will not). */
int sp_node_submit(sp_node *n, const uint8_t *bytes, size_t len,
                   sp_submit_cb cb, void *ud);

/* ================================================================ trust */

/* Install a newer trust list of the home federation (slot -1) or of relay
 * federation `slot`, already verified against that federation's anchors:
 * gate it (revocations never undone, [TL-39]; [FED-40]), persist it, swap
 * it in, tell the extensions. Returns SP_OK, SP_ERR_TRUST_LIST_ROLLBACK
 * when it is not newer, SP_ERR_WRONG_FEDERATION,
 * SP_ERR_REVOCATION_REVERSED, or a store error. `source` names where it
 * came from, for the log. */
int sp_node_install_list(sp_node *n, int slot, sp_trust *t, const char *source);
/* The same with cosignature lines of t's witness note (SPEC [TL-82]):
 * a newer home list of a federation whose held list names witnesses
 * (Quorum k >= 1) is installed only when `sigs`, with the lines this node
 * keeps for t, hold valid cosignatures of k witnesses of the held list;
 * else SP_ERR_LIST_NOT_WITNESSED (logged once per list, the held list
 * kept). The counted lines are kept to be served. sp_node_install_list()
 * is this with no lines. Loop thread. */
int sp_node_install_list_witnessed(sp_node *n, int slot, sp_trust *t,
                                   const char *sigs, size_t sigs_len,
                                   const char *source);
/* As a witness of the home federation's lists (SPEC [TL-83]): verify the
 * list `bytes` against `held` (the home list, a reference the caller
 * keeps) as an installer would (FED-17), refuse a list of a Sequence at
 * which this node cosigned another (SP_ERR_LIST_EQUIVOCATION: kept as
 * evidence and alarmed) or that follows another list than the one it
 * cosigned before (SP_ERR_TRUST_LIST_FORK), record it durably, then cosign
 * it with the node's log key: *note_out (malloc'd) is the witness note,
 * text, blank line, the cosignature line. SP_ERR_FORBIDDEN when this node
 * is no witness of `held`, SP_ERR_OVERLOADED when too many are being
 * verified, or the verification's error (with *why). Worker thread. */
int sp_node_tl_cosign(sp_node *n, sp_trust *held, const uint8_t *bytes,
                      size_t len, const char *source, char **note_out,
                      size_t *note_len, const char **why);
/* How many witnesses of `held` have valid cosignatures of t among `sigs`
 * (may be NULL) and the lines this node keeps for t. Any thread. */
unsigned sp_node_tl_cosigners(sp_node *n, sp_trust *held, const sp_trust *t,
                              const char *sigs, size_t sigs_len);
/* The witness note of the current home list of `federation` with every
 * cosignature line this node keeps for it (SPEC [API-82]): *out malloc'd.
 * SP_ERR_NOT_FOUND for another federation or when it keeps none. Loop
 * thread. */
int sp_node_tl_cosignatures(sp_node *n, const char *federation, uint8_t **out,
                            size_t *len);
/* The exact bytes of the current list of `federation` (home or followed),
 * or NULL when the node holds none. Valid until the list is replaced. */
const uint8_t *sp_node_list_bytes(sp_node *n, const char *federation,
                                  size_t *len);
/* The hex SHA-256 of those bytes (sp_trust_list_digest()), or NULL. */
const char *sp_node_list_digest(sp_node *n, const char *federation);
/* A new reference to the first list this node holds (home first, then the
 * relay lists in config order) that lists node_id, or NULL. */
sp_trust *sp_node_trust_for(sp_node *n, const char *node_id);
/* The Origins whose broadcasts `viewer` may read (REC-28): every member of
 * every list this node holds (home, then the relay lists) that lists
 * viewer, appended to out as " A B ... " (each id between single spaces;
 * nothing when no list lists viewer). A broadcast never crosses a gateway
 * (FED-29, FED-37), so this is its whole audience. Any thread; home is the
 * caller's reference to the home list. */
void sp_node_broadcasters(sp_node *n, const sp_trust *home, const char *viewer,
                          sp_text *out);

/* ================================================================ relay */

/* The other federations this node follows ([relay] in its config), by
 * index 0 .. sp_node_relay_count() - 1, in config order. */
size_t sp_node_relay_count(const sp_node *n);
/* Federation id of relay federation i. */
const char *sp_node_relay_federation(const sp_node *n, size_t i);
/* Index of a relay federation, or -1. */
int sp_node_relay_index(const sp_node *n, const char *federation);
/* A new reference to relay federation i's current list. Any thread. */
sp_trust *sp_node_relay_trust(sp_node *n, size_t i);
/* Its anchors (live while the node runs). */
const sp_anchors *sp_node_relay_anchors(const sp_node *n, size_t i);
/* 1 if this node is a member of relay federation i with a TLS identity
 * there (it can deliver to that federation's members); then *cert, *key
 * and *anchor_file (each may be NULL) are the identity's PEM files and the
 * federation's anchor file. */
int sp_node_relay_identity(const sp_node *n, size_t i, const char **cert,
                           const char **key, const char **anchor_file);

/* The gateways through which this node reaches `recipient` of a record it
 * issues (FED-36, [FED-53]): every active member of its own federation,
 * other than itself, whose RelaysTo names the followed federation that
 * binds `recipient`, in list order, copied into gw (at most cap). Returns
 * how many; 0 when the recipient is reached directly (a member of the own
 * federation, or of a followed one where this node has its identity) or
 * not at all. Loop thread. */
size_t sp_node_relay_gateways(sp_node *n, const char *recipient,
                              char (*gw)[SP_NODE_ID_MAX + 1], size_t cap);

#ifdef __cplusplus
}
#endif
#endif /* SP_NODE_H */
