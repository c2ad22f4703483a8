/* node_int.h: the running node's state, shared by the files of node/core.
 * Internal to node/core: the floors above use node.h. */
#ifndef SP_NODE_NODE_INT_H
#define SP_NODE_NODE_INT_H

#include <pthread.h>
#include <stdint.h>

#include "node.h"
#include "base.h"
#include "metrics_int.h"
#include "pool_int.h"
#include "http.h"
#include "store.h"
#include "trust.h"

struct event;
struct event_base;

typedef struct sp_mbox_item sp_mbox_item;
typedef struct sp_relay sp_relay; /* relay.c: other federations followed */
typedef struct sp_submit_job sp_submit_job;

#define SP_NODE_MAX_EXTENSIONS 4

/* cert_expiry.c: the certificates the node uses and when they expire. */
typedef struct sp_node_expiry sp_node_expiry;
/* Largest trust-list file the node reads (the parser enforces its own,
 * lower limits on the document). */
#define SP_NODE_MAX_TRUST_LIST ((size_t)64 << 20)

struct sp_node {
	sp_config *cfg;
	const char *listen_override; /* run --listen ADDRESS:PORT, or NULL */
	struct event_base *base;
	sp_server *server;
	sp_pool *pool;
	sp_store *store;
	sp_metrics *metrics;
	sp_anchors *anchors;
	sp_trust *trust; /* loop thread only; jobs take their own reference */
	sp_relay *relay; /* NULL without [relay] (relay_int.h) */
	sp_key *sign_key;
	sp_note_signer *log_signer;
	sp_node_expiry *expiry; /* read at start (cert_expiry.c) */
	char ready_why[SP_STORE_STATE_MAX +
	               64]; /* sp_node_ready()'s reason, loop thread */
	uint8_t *operator_der[SP_CONFIG_MAX_LIST];
	size_t operator_der_len[SP_CONFIG_MAX_LIST];
	char operator_subject[SP_CONFIG_MAX_LIST][128]; /* for the log */
	size_t n_operators;
	sp_limits limits;
	char log_origin[256]; /* checkpoint origin line of this node's log */
	int64_t started;

	/* Work handed to the loop thread from other threads. */
	pthread_mutex_t mbox_mu;
	sp_mbox_item *mbox_head, *mbox_tail;
	int mbox_fd;
	struct event *mbox_ev;

	/* Time from witnesses (witness_time.c, SPEC [FED-61]): per Origin,
	 * its witnessed checkpoint's size and first cosignature time, as
	 * the peers side reports them; read by ingest's workers. */
	pthread_mutex_t wtime_mu;
	struct sp_wtime *wtimes;
	size_t n_wtimes, cap_wtimes;

	/* Store readers, one per worker thread, closed at shutdown. */
	pthread_mutex_t readers_mu;
	sp_store_reader *readers[300];
	size_t n_readers;

	/* Local submissions (submit.c): waiting, then numbered in order and
	 * signed in parallel; the window holds the numbered ones in Sequence
	 * order until each is handed to the store. Loop thread. */
	sp_submit_job *submit_head, *submit_tail;
	size_t submit_queued;
	sp_submit_job *submit_win_head, *submit_win_tail;
	size_t submit_active;   /* taken from the queue, not yet stored */
	unsigned submit_epoch;  /* raised by each failed store of a record */
	uint64_t next_sequence; /* of this node's own log */

	/* Checkpoints of the node's own log. */
	uint64_t checkpoint_size;
	int checkpoint_busy;
	int checkpoint_ok;
	uint64_t checkpoint_list_seq; /* the home list's, at the last tick */
	int64_t checkpoint_epoch; /* wall seconds / period, at the last round */

	/* The operator console (console.c): its ring and listener. */
	struct sp_console *console;

	/* Extensions (peers/) and their state. */
	const sp_node_extension *ext[SP_NODE_MAX_EXTENSIONS];
	void *ext_state[SP_NODE_MAX_EXTENSIONS];
	size_t n_ext;

	/* Fencing (FED-44): while fenced the node signs no record and no
	 * checkpoint of its own log. fence_persisted: the store carries the
	 * flag (a restore, or peers ahead of the store), so a restart stays
	 * fenced. Loop thread. */
	int fenced;
	int fence_hold; /* only a start-up check: submissions wait */
	int fence_persisted;
	int fence_busy; /* a worker writes or clears the stored flag */
	char fence_why[SP_STORE_STATE_MAX]; /* as persisted */
	int lock_fd; /* the database's lock file, held while running */
	/* The store as messages name it: the SQLite file, or the
	 * PostgreSQL connection string without its password. */
	char store_name[512];
	int checkpoint_leader; /* this process signs checkpoints (own_log.c) */
	/* FED-5: a peer answered 409 to one of this node's own records, or
	 * peers hold conflicting checkpoints of its log. Loop thread. */
	char own_equivocation[256];
	int64_t next_probe_ms; /* storage probe (health.c) */
	int probe_busy;

	/* Freshness of the home list (freshness.c, SPEC 7.9): the newest
	 * verified statement about it (bytes served as they came), and the
	 * time until which the list is fresh, read by workers too. */
	sp_tl_timestamp fresh_ts;
	uint8_t *fresh_bytes; /* NULL: none held for the current list */
	size_t fresh_len;
	_Atomic int64_t fresh_until;
	int stale_alarmed; /* loop thread: the alarm of the current spell */
	/* loop thread: the last other list of this node's sequence a peer
	 * announced (FED-60), alarmed once */
	char split_digest[65];

	int stopping;
	int exit_code;
	struct event *sig_term, *sig_int, *sig_hup, *tick;
	struct event *log_flush; /* writes the loop's batched log lines */
};

/* tl_witness.c: SP_OK when t may replace held (the home list) as
 * [TL-82] says, else SP_ERR_LIST_NOT_WITNESSED (logged). Loop thread. */
int sp_node__tl_witness_gate(sp_node *n, sp_trust *held, sp_trust *t,
                             const char *sigs, size_t sigs_len,
                             const char *source);

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

/* The server settings of the config (listener, TLS identity, limits), and
 * the access log hook, shared by the main and the relay listeners. */
void sp_node__server_config(const sp_config *cfg, sp_server_config *sc);
void sp_node__access_log(const sp_access_entry *e, void *arg);

/* The caller of a client certificate's DER (NULL: anonymous), as
 * sp_node_caller() says. */
void sp_node__caller_der(sp_node *n, int slot, const uint8_t *der, size_t len,
                         sp_caller *out);
/* After a trust-list or operator change: close the connections of
 * members and operators that are no longer accepted ([SEC-24]). */
void sp_node__recheck_conns(sp_node *n);

/* Hand a request to the registered API (sp_node_set_api); `slot` is -1 for
 * the home listener, else the relay federation's index. */
void sp_node__dispatch(sp_node *n, sp_http_req *req, int slot);
/* health.c: a small write now and then, so that a store that stopped
 * committing (disk full, read-only) is seen, and seen to recover, without
 * waiting for a submission. Loop thread, from the tick. */
void sp_node__storage_probe(sp_node *n);
/* The storage and fence gauges of /metrics. */
void sp_node__health_metrics(sp_node *n, sp_text *t);

/* submit.c: run queued submissions (after the fence is lifted, or to
 * refuse them once it holds). */
void sp_node__submit_kick(sp_node *n);
/* own_log.c: sign a checkpoint of the own log when it grew. */
void sp_node__checkpoint_tick(sp_node *n);

/* What happened, for the extensions (sp_node_extension). start and stop are
 * the daemon's: they run in order and in reverse order. */
typedef enum sp_node_event {
	SP_NODE_EV_TICK,
	SP_NODE_EV_OWN_RECORD_STORED, /* record_id, sequence */
	SP_NODE_EV_RELAY_STORED,      /* record_id */
	SP_NODE_EV_RECORD_RECEIVED,   /* origin, sequence, digest */
	SP_NODE_EV_TRUST_CHANGED,
	SP_NODE_EV_METRICS,     /* out */
	SP_NODE_EV_STATUS,      /* out */
	SP_NODE_EV_STATUS_JSON, /* out */
	SP_NODE_EV_LIST_NEWER   /* origin: the peer, sequence: its list's */
} sp_node_event;

typedef struct sp_node_event_args {
	const char *record_id;
	const char *origin;
	uint64_t sequence;
	const char *digest; /* 64 hex digits and a NUL */
	sp_text *out;
} sp_node_event_args;

/* node.c: tell every started extension, in registration order, through the
 * callback of `ev` (those without one are skipped). `a` may be NULL for
 * TICK and TRUST_CHANGED. Loop thread. */
void sp_node__notify(sp_node *n, sp_node_event ev, const sp_node_event_args *a);

/* freshness.c (SPEC 7.9). After the home list changed (and at start):
 * drop a statement that does not name it, compute when it goes stale. */
void sp_node__fresh_reset(sp_node *n);
/* Once a second: alarm when the list goes stale, log when it is fresh
 * again. */
void sp_node__fresh_tick(sp_node *n, int64_t now);
void sp_node__fresh_free(sp_node *n);
/* The silkport_trust_list_stale gauge, and the seconds the home list stays
 * fresh (only for a list that names a timestamp key). */
void sp_node__fresh_metrics(sp_node *n, sp_text *t, int64_t now);

/* Log level and format (sp_log_setup), and on the first call route the
 * libraries' diagnostics into the log. Safe to call again on reload. */
void sp_node__log_setup(const char *level, const char *format);

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

/* witness_time.c: SP_OK, or SP_ERR_ISSUED_OUT_OF_BOUNDS with why when a
 * record of origin at sequence, with Issued `issued`, is backdated beyond
 * what the Origin's witnessed checkpoint allows (SPEC [FED-61]). Any
 * thread. */
int sp_node__issued_check(sp_node *n, const sp_trust *home, const char *origin,
                          uint64_t sequence, int64_t issued, char *why,
                          size_t why_cap);

#endif /* SP_NODE_NODE_INT_H */
