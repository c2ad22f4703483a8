/* fed_int.h: the federation side of a running node (delivery, catch-up,
 * witnessing, trust-list distribution, peer status), shared by the fed*.c
 * files of peers/. Everything here runs on the node's loop thread unless a
 * comment says "worker". */
#ifndef SP_PEERS_FED_INT_H
#define SP_PEERS_FED_INT_H

#include "base.h"
#include "node.h"
#include "h2client.h"

#define FED_MAX_PEERS       256
#define FED_INFLIGHT_CAP    100    /* deliveries on the wire per peer */
#define FED_QUEUE_CAP       1000   /* deliveries loaded in memory per peer */
#define FED_PAGE_COUNT      1000   /* entries per catch-up page */
#define FED_PAGES_AHEAD     3      /* catch-up pages fetched ahead */
#define FED_INGEST_WINDOW   256    /* pulled records being accepted at once */
#define FED_PROOFS_INFLIGHT 32     /* inclusion proofs on the wire per origin */
#define FED_UNPROVEN_MAX    65536u /* received records awaiting a proof */
#define FED_LEAVES_BATCH    256 /* pushed records' leaf hashes read at once */
#define FED_SOURCES_MAX     64  /* catch-up positions kept per origin */
#define FED_ROUND_GAP_MAX   8   /* pull intervals between unchanged rounds */

typedef struct fed fed;
typedef struct fed_peer fed_peer;
typedef struct fed_origin fed_origin;
typedef struct dl_item dl_item;
typedef struct pull_page pull_page;
typedef struct fed_recover fed_recover;

struct fed_peer {
	fed *f;
	int refs;
	int gone; /* no longer in the trust list */
	char id[SP_NODE_ID_MAX + 1];
	/* "": a member of this node's federation; else the relay federation
	 * of which it is a member (reached with this node's identity there) */
	char federation[SP_NODE_ID_MAX + 1];
	sp_member_status status;
	sp_h2_client *client; /* NULL unless active with a usable endpoint */
	uint8_t *cert_der;
	size_t cert_len;
	uint8_t *next_cert_der; /* its NextTlsCertificate when the client was
	                           made, or NULL (SPEC TL-79) */
	size_t next_cert_len;
	char *endpoint;
	uint64_t seen_connects; /* client connects at the last tick */
	int abandoning;

	/* delivery */
	int64_t after_id; /* outbox scan cursor */
	int scanning;     /* a scan job is out */
	int rescan;       /* more may be due: scan again when it returns */
	dl_item *q_head, *q_tail;
	size_t queued;
	size_t in_flight; /* outbox ids in fly_ids */
	/* of those, requests not answered yet: the rest wait for their
	 * receipt check or their result's (lazy) store write, and no longer
	 * hold back the next delivery (FED_INFLIGHT_CAP) */
	size_t on_wire;
	int64_t *fly_ids;
	size_t cap_fly;
	int64_t hold_until_ms; /* no new attempts before (peer backoff) */
	unsigned fail_streak;
	int64_t next_sweep_ms; /* rescan from the start (retries due) */
	int64_t last_receipt_ms;
	int64_t last_ok_ms; /* last complete response of any kind */
	uint64_t delivered;
	uint64_t gave_up;
	char last_error[200]; /* cleared by a later success */
	int64_t last_error_ms;
	/* from the store, refreshed every tick */
	uint64_t outbox_pending, outbox_failed;
	int64_t outbox_oldest;

	/* alarms about this peer (equivocation answers, bad receipts) */
	uint64_t alarms;
	char last_alarm[240];

	/* when it last made this node fetch its list (SPEC [API-73]) */
	int64_t list_fetch_ms;
	/* outbox rows this gateway is late with and that have no other
	 * gateway left: alarmed about once each ([FED-54]), not at every
	 * question that follows (a ring; a restart alarms again) */
	int64_t relay_late[16];
	size_t relay_late_next;
};

/* Catch-up position for one source of one origin's entries. */
typedef struct pull_pos {
	char source[SP_NODE_ID_MAX + 1];
	uint64_t next; /* every position below was examined at that source */
} pull_pos;

typedef struct unproven {
	uint64_t seq;
	/* the Merkle leaf hash; while need_leaf, the SHA-256 of the record's
	 * bytes instead (a pushed record: its leaf is read from the store) */
	uint8_t leaf[32];
	int need_leaf;
	int64_t
	    since_ms; /* when it was listed: the merge delay runs from here */
	int alarmed;  /* past the merge delay and alarmed ([FED-55]) */
} unproven;

/* A peer that answered that it holds no checkpoint of an origin
 * ([FED-64]): not asked for one again before until_ms; each 404 in a row
 * (`streak`) doubles the wait from one pull interval up to
 * FED_ROUND_GAP_MAX. */
typedef struct fed_none {
	char peer[SP_NODE_ID_MAX + 1];
	int64_t until_ms;
	unsigned streak;
} fed_none;

/* A Sequence an index note lists that this node does not hold. */
typedef struct fed_gap {
	uint64_t seq;
	int64_t since_ms; /* the merge delay runs from here */
	int alarmed;
} fed_gap;
#define FED_GAPS_MAX 64

struct fed_origin {
	int gone;
	char id[SP_NODE_ID_MAX + 1];
	char *
	    log_key; /* the member's LogKey (NULL: cannot verify checkpoints) */
	char *next_log_key; /* its NextLogKey during a rotation, or NULL
	                       (SPEC LOG-47): checkpoints verify with either */

	/* witnessing: the largest checkpoint verified so far */
	int have_cp;
	uint64_t cp_size;
	uint8_t cp_root[32];
	int64_t cp_seen_ms;
	int cp_busy;
	int cp_fresh; /* verified this round: the pull may stop at its size */
	uint64_t cp_turn; /* which witness to ask when the origin has none */
	int64_t next_cp_ms;
	/* catch-up rounds ([FED-10], [FED-62]): one every `backoff` pull
	 * intervals (1, 2, 4, up to FED_ROUND_GAP_MAX) while the origin's
	 * checkpoint comes back unchanged and nothing is pending here;
	 * rounds_skip counts the pull intervals left before the next one */
	unsigned backoff;
	unsigned rounds_skip;
	uint64_t equivocations;
	char last_alarm[240];

	/* catch-up */
	pull_pos pos[FED_SOURCES_MAX];
	size_t n_pos;
	int pos_loaded; /* positions seeded from the store */
	int pulling;    /* a pull session is running */
	int pull_again; /* asked for while running */
	char pull_source[SP_NODE_ID_MAX + 1];
	pull_page *pages; /* received, being accepted, in order */
	size_t pages_out; /* requests on the wire */
	size_t parsing;   /* answered pages being split on the pool */
	int page_end;     /* the source said there is no more */
	uint64_t ask_next;
	size_t ingesting;
	int64_t behind_since_ms; /* first time the checkpoint was ahead */
	uint64_t pulled, refused;
	int64_t last_pull_ms;

	/* inclusion proofs for received records (pulled or pushed) */
	unproven *unproven;
	size_t n_unproven;
	int leaves_busy; /* a job reads pushed records' leaf hashes */
	size_t proofs_out;
	uint64_t proven, proof_failures;
	int root_check_busy;
	uint64_t root_checked_size; /* checkpoint size last compared */
	int root_alarmed;

	/* witness quorum (fed_quorum.c, [LOG-46]): the largest checkpoint
	 * verified here that the quorum of listed witnesses cosigned (with
	 * k = 0, the largest verified); received records are proven, and
	 * so confirmed, against this one only */
	int have_wit;
	uint64_t wit_size;
	uint8_t wit_root[32];
	unsigned wit_cosigners; /* valid cosignatures counted for it */
	/* time from witnesses ([LOG-48]): the smallest and the k-th
	 * smallest timestamp of the cosignatures counted for it (unix
	 * seconds; 0 with k = 0, no trusted time) */
	int64_t wit_first_s, wit_exists_by_s;
	uint64_t out_of_bounds; /* records refused at confirmation, ever */
	unsigned cp_cosigners;  /* ... for the latest verified, last round */
	int cosig_busy;
	int64_t next_cosig_ms;
	/* confirmations ([FED-55]): proven Sequences waiting to be written
	 * as confirmed (or, disproven, as unlogged) */
	uint64_t *to_confirm, *to_unlog;
	size_t n_confirm, cap_confirm, n_unlog, cap_unlog;
	int confirm_busy;
	uint64_t overdue;        /* listed past the merge delay, now */
	uint64_t overdue_alarms; /* records alarmed as overdue, ever */
	int64_t next_overdue_ms; /* next scan of the list for overdue ones */
	int pending_loaded;      /* the store's pending records were listed */
	/* an earlier bound (fed_historic.c, [LOG-53]): records proven in the
	 * witnessed checkpoint whose signer ended before its bound, waiting
	 * for the first witnessed checkpoint that contains them */
	uint64_t *to_date;
	size_t n_date, cap_date;
	int date_busy;
	int64_t next_date_ms;
	/* checkpoint gossip ([FED-52]): another peer's checkpoint of this
	 * origin, compared with the one verified here */
	int64_t next_gossip_ms;
	uint64_t gossip_turn;
	/* peers that answered 404 for its checkpoint, asked again later
	 * (fed_witness.c, [FED-64]) */
	fed_none *none;
	size_t n_none;
	/* complete catch-up (fed_index.c, [FED-58]): every record of this
	 * origin addressed here below idx_next is held, by the origin's
	 * signed index notes; listed Sequences not held are gaps */
	uint64_t idx_next;
	int idx_busy;     /* a note is asked for or checked, or idx_next read */
	int idx_loaded;   /* idx_next read from the store */
	int idx_unproven; /* the origin is away: past idx_next unproven */
	int64_t next_idx_ms; /* no note asked before */
	uint64_t idx_notes;  /* notes verified and covered */
	fed_gap gaps[FED_GAPS_MAX];
	size_t n_gaps;
	int gap_out;         /* a fetch of a gap is out */
	uint64_t gap_turn;   /* which peer to ask for a gap next */
	uint64_t gap_alarms; /* gaps alarmed ([FED-59]) */
	uint64_t index_lies; /* notes that omit a record held here (each
	                      * kept in the store's evidence, [LOG-51]) */
};

struct fed {
	sp_node *n;
	int refs;
	int stopping;
	/* the last list refused with trust-list-fork, alarmed once (loop
	 * thread) */
	char fork_digest[65];
	/* the SHA-256 of the [trust] list file's bytes last dealt with
	 * (installed or refused), so that an unchanged file is not verified
	 * again at every poll; a list still waiting for its witnesses is not
	 * recorded, so that it is tried again ([TL-82]) */
	char file_digest[65];
	/* a round of asking the witnesses to cosign a newer list is under
	 * way: the lists other peers serve meanwhile wait for the next poll,
	 * so that the witnesses are not asked once per peer ([FED-63]) */
	int witness_round;
	/* the newer home list last left unwitnessed, for GET /v1/peers
	 * (sequence 0: none) */
	uint64_t tl_pending_seq;
	char tl_pending_digest[65];
	unsigned tl_pending_cosigners, tl_pending_quorum;
	fed_peer *peers[FED_MAX_PEERS];
	size_t n_peers;
	fed_origin *origins[FED_MAX_PEERS];
	size_t n_origins;
	int64_t next_pull_ms;
	int64_t next_counts_ms;
	int counts_busy;
	int trust_busy;
	size_t tl_rotor;
	fed_recover *recover;         /* fed_recover.c: the own log's fence */
	uint64_t equivocation_alarms; /* every alarm this side raised */
	uint64_t unconfirmed_alarms;  /* records past the merge delay */
	uint64_t gap_alarms;          /* catch-up gaps past it ([FED-59]) */
	uint64_t bounds_alarms; /* records refused at confirmation ([FED-61]),
	                           or whose confirmation a revocation withdrew
	                           ([TL-86]) */
	int revocations_due;    /* the home list changed: re-judge ([TL-86]) */
	uint64_t delivery_alarms;
	/* The wall clock of this side, in ms since the epoch: NULL reads
	 * sp_clock_wall_ms(); a test sets its own right after start, so that
	 * backoff, due times and sweeps can be driven without waiting. */
	int64_t (*clock_ms)(void);
};

void fed_ref(fed *f);
void fed_unref(fed *f);
/* Now, in ms since the epoch: every time this side reads (any thread). */
int64_t fed_now_ms(const fed *f);
/* The node extension that sp_peers_register() registers; tests wrap it. */
const sp_node_extension *sp_peers__extension(void);
void fed_peer_ref(fed_peer *p);
void fed_peer_unref(fed_peer *p);
fed_peer *fed_peer_find(fed *f, const char *id);
fed_origin *fed_origin_find(fed *f, const char *id);
/* A peer that can take requests now (client, not held back). */
int fed_peer_usable(const fed_peer *p);
/* Submit work to the node's pool holding a reference on f; done always
 * runs (also while stopping). */
int fed_pool(fed *f, void (*work)(void *), void (*done)(void *), void *arg);
/* fed_pool() ahead of the queue (sp_node_work_first): an outbox scan, on
 * the way of a fresh record to its peers. */
int fed_pool_first(fed *f, void (*work)(void *), void (*done)(void *),
                   void *arg);
/* Raise an equivocation alarm: log line event=equivocation_alarm at error
 * level, silkport_equivocations_total, and the origin's / peer's status. */
void fed_equivocation_alarm(fed *f, const char *origin, const char *kind,
                            const char *detail);
/* Give up every pending delivery to a revoked peer (FED-6). */
void fed_abandon(fed *f, fed_peer *p);

/* fed_deliver.c */
/* How one delivery attempt ended (FED-3..6, RCP-9). */
enum fed_verdict {
	FED_V_NONE = 0,
	FED_V_DELIVERED, /* receipt verified: mark delivered */
	FED_V_TRANSPORT, /* no answer: retry, hold the peer back */
	FED_V_TRANSIENT, /* 5xx, overloaded, unavailable: retry */
	FED_V_SLOW, /* signer-suspended, unknown-origin: retry at the slow rate
	             */
	FED_V_BAD_RECEIPT,  /* a receipt that fails RCP-9: transient, retry and
	                       alarm */
	FED_V_PERMANENT,    /* any other 4xx: stop, keep the problem, alarm */
	FED_V_EQUIVOCATION, /* 409: stop, keep the problem, alarm at error level
	                     */
	FED_V_EXPIRED,      /* retention ended before a receipt came */
	FED_V_RELAYED,      /* an own record's gateway took it ([FED-53]): ask
	                       it for the final receipts */
};
/* Milliseconds to wait before the next attempt after `failures` failed ones
 * (FED-4): the base retry_min * 2^failures capped at retry_max, plus a
 * jitter of r modulo (half the base + 1) that never takes the delay past
 * retry_max. The result lies in [retry_min, retry_max] seconds (a retry_max
 * below retry_min counts as retry_min): jitter only adds. */
int64_t sp_peers__backoff_ms(int64_t retry_min, int64_t retry_max,
                             uint32_t failures, uint32_t r);
/* The wall-clock second at which an attempt delayed by delay_ms from now_ms
 * comes due: rounded up, so that an outbox row due at that second (whose
 * time is compared in whole seconds) is never tried before delay_ms. */
int64_t sp_peers__due_s(int64_t now_ms, int64_t delay_ms);
/* Judge a 200/201 answer's receipt (RCP-9): FED_V_DELIVERED when it
 * verifies with `trust`, names `peer` as Receiver and `it`'s record (its
 * RecordId, Origin, Sequence and digest); else FED_V_BAD_RECEIPT with the
 * reason in why. */
int sp_peers__judge_receipt(sp_trust *trust, const uint8_t *body, size_t len,
                            const char *peer, const sp_fed_outbox_item *it,
                            const sp_verify_opts *o, char *why, size_t why_len);
/* Judge a final receiver's receipt for an own record relayed through a
 * gateway ([FED-53]): as sp_peers__judge_receipt() with `receiver` as the
 * peer, verified with `trust` (the list that binds the receiver), and its
 * Status must be `accepted`: a receiver that relays again is not final. */
int sp_peers__judge_final(sp_trust *trust, const uint8_t *body, size_t len,
                          const char *receiver, const sp_fed_outbox_item *it,
                          const sp_verify_opts *o, char *why, size_t why_len);
/* The second by which the gateway at place `pos` (0: the first) among a
 * recipient's gateways must have produced its final receipt ([FED-53]):
 * each gateway gets `deadline_s` more, from `received`. */
int64_t sp_peers__relay_due_s(int64_t received, int64_t deadline_s, int pos);
/* 1 if a verdict keeps the delivery pending (retried later), 0 if it ends it.
 */
int sp_peers__verdict_retries(int verdict);
void fed_deliver_kick(fed *f, fed_peer *p);
void fed_deliver_tick(fed *f, fed_peer *p, int64_t now);
void fed_deliver_drop(fed_peer *p); /* free what is queued in memory */

/* fed_pull.c */
/* Reader of an entries body (LOG-33..35): frames of Sequence >= start, in
 * strictly increasing order, at most max_frames of them, each record of 1 to
 * max_len bytes. Set body, body_len, start, max_len and max_frames; pos, n
 * and last start at 0. */
typedef struct sp_peers__entries {
	const uint8_t *body;
	size_t body_len;
	size_t pos; /* offset of the next frame */
	uint64_t start;
	uint64_t max_len;
	size_t max_frames;
	size_t n;      /* frames read */
	uint64_t last; /* Sequence of the last frame read */
} sp_peers__entries;
/* The next frame: 1 with its Sequence and the record at body + *off, *len
 * bytes; 0 at the end of the body; -1 if the frame is malformed or breaks
 * the order or the bounds (the whole response is then refused). */
int sp_peers__entries_next(sp_peers__entries *e, uint64_t *seq, size_t *off,
                           size_t *len);

void fed_pull_start(fed *f, fed_origin *o);
void fed_pull_tick(fed *f, fed_origin *o, int64_t now);
void fed_origin_free(fed_origin *o);
/* A record of origin received and stored (ingest's record_received):
 * listed as unproven until proven against the origin's checkpoint. */
void fed_pull_received(fed *f, const char *origin, uint64_t seq,
                       const char digest[65]);

/* fed_index.c: complete catch-up ([FED-58], LOG-49) */
/* Verify a recipient index note (a whole signed note, len bytes) with the
 * origin's LogKey: signed by it, its origin line the key's name, for
 * `recipient`, starting at `start`, ending above start and at most at
 * `size` (the witnessed checkpoint size the reader holds). *out must be freed
 * with sp_index_note_free. Errors: SP_ERR_INDEX_INVALID (with *why). */
int sp_peers__index_verify(const char *log_key, const char *next_log_key,
                           const char *recipient, uint64_t start, uint64_t size,
                           const char *note, size_t len, sp_index_note *out,
                           const char **why);
/* Ask for, check and follow index notes of o; fetch and alarm gaps. */
void fed_index_tick(fed *f, fed_origin *o, int64_t now);

/* fed_historic.c: an earlier existence bound ([LOG-53], [FED-66]) */
/* Records of o proven in its witnessed checkpoint whose signer ended (or
 * whose member was revoked) before that checkpoint's bound: the first
 * witnessed checkpoint that contains them is looked for (the origin, every
 * peer, this node's store), verified, proven consistent with the witnessed
 * one, and the records settled at its bound; refused when none holds. */
void fed_historic_add(fed *f, fed_origin *o, const uint64_t *seqs, size_t n);
void fed_historic_tick(fed *f, fed_origin *o, int64_t now);

/* fed_witness.c */
void fed_witness_fetch(fed *f, fed_origin *o);
/* 1 if o's checkpoint should be fetched before the next pull interval:
 * this node is a listed witness, or holds records of o waiting for a
 * witnessed checkpoint; every max(1, merge delay / 5) seconds. */
int fed_witness_due(fed *f, fed_origin *o, int64_t now);
/* At a pull interval: 1 if o's catch-up round ([FED-10]) is due now, 0 if
 * it is skipped because o's checkpoint came back unchanged the last time
 * and nothing is pending at this node ([FED-62]). */
int fed_round_due(fed *f, fed_origin *o);
/* The next catch-up round of o comes at the next pull interval again: a
 * record of o arrived, the connection to o was made again. */
void fed_round_reset(fed_origin *o);
/* A round's checkpoint of o was verified: unchanged (the size and root
 * verified before) doubles the rounds' spacing, up to FED_ROUND_GAP_MAX;
 * anything else brings it back to one. */
void fed_round_result(fed_origin *o, int unchanged);

/* fed_quorum.c: witness quorum and confirmation ([LOG-46], [FED-55]) */
/* How many distinct witnesses of tl, other than `origin`, have a valid
 * cosignature (C2SP tlog-cosignature/v1 with their LogKey, LOG-25) among
 * the signature lines of `note` (a checkpoint note: text, blank line,
 * lines) whose timestamp is at most latest_s. lines (may be NULL; n_lines
 * >= tl->n_witnesses) gets, per witness index, a malloc'd copy of the
 * line that counted, or NULL. */
unsigned sp_peers__cosigners(const sp_tl *tl, const char *origin,
                             const char *note, size_t len, int64_t latest_s,
                             char **lines);
/* sp_peers__cosigners(), and times (NULL, or tl->n_witnesses entries) gets
 * per witness index the timestamp of the cosignature that counted, or 0. */
unsigned sp_peers__cosign_times(const sp_tl *tl, const char *origin,
                                const char *note, size_t len, int64_t latest_s,
                                char **lines, int64_t *times);
/* The time bounds of a witnessed checkpoint ([LOG-48]) from the n entries
 * of times (0: not counted) with quorum k >= 1: *first the smallest
 * timestamp, *kth the k-th smallest (at least one of any k cosigners is
 * honest). -1 if fewer than k are counted. */
int sp_peers__time_bounds(const int64_t *times, size_t n, unsigned k,
                          int64_t *first, int64_t *kth);
/* After a checkpoint of o was verified (or at any tick): with k = 0 it is
 * witnessed at once; else a round asks each listed witness for its
 * checkpoint of o, counts the cosignatures and moves o's witnessed
 * checkpoint when k of them are valid. */
void fed_quorum_check(fed *f, fed_origin *o, int64_t now);
/* Proven (confirmed = 1) or disproven (0) records of o: written to the
 * store as confirmed or unlogged, in batches. */
void fed_quorum_settled(fed *f, fed_origin *o, uint64_t seq, int confirmed);
/* Records of o refused at confirmation (unlogged with the reason in the
 * store, [FED-61], [TL-78]): logged, counted and shown as o's alarm. */
void fed_quorum_refused(fed *f, fed_origin *o, const uint64_t *seqs, size_t n,
                        int64_t exists_by, int64_t issued_max);
/* [TL-86]: every member the home list revokes with an InvalidFrom: its
 * records confirmed with an existence bound later than InvalidFrom (plus
 * the skew) lose their effect (unlogged, signer-revoked), alarmed. */
void fed_quorum_revocations(fed *f);
/* Alarm once for each record listed longer than the merge delay. */
void fed_quorum_overdue(fed *f, fed_origin *o, int64_t now);
/* The merge delay of the home list, in ms. */
int64_t fed_merge_delay_ms(fed *f);
/* The InvalidFrom of o's revocation in the home list ([TL-77]), INT64_MAX
 * when o is not revoked or its revocation names none: records held when it
 * came, issued while o was active, are judged by it too. */
int64_t fed_revoked_from(fed *f, const fed_origin *o);
/* The key name of a verifier key "name+id+key" (LOG-9) into out; -1 when
 * vkey is NULL, has no name or the name does not fit. */
int fed_key_name(const char *vkey, char *out, size_t cap);
/* A copy (malloc'd, NUL-terminated) of a verified note: its text (text_len
 * bytes, as sp_note_verify gives it), the blank line and only the signature
 * lines of key `name` (the origin's); NULL if none is there or on no memory. */
char *sp_peers__origin_lines(const char *note, size_t len, size_t text_len,
                             const char *name);

/* Create or update the peer for member m of `federation` ("" for home):
 * status, client (rebuilt when its certificate or endpoint changed). A
 * member already known as a peer of another federation is left alone. */
void fed_peer_update(fed *f, const sp_tl_member *m, const char *federation);

/* fed_trust.c */
void fed_trust_poll(fed *f);
/* Ask peer p for the current list of federation `federation` (a relay
 * federation at index relay, or -1 for home), verify it against that
 * federation's anchors, install it when newer. */
void fed_trust_request(fed *f, fed_peer *p, const char *federation, int relay);
/* Freshness (SPEC 7.9): statements about the home list from the
 * configured file and, once the one held is a quarter of the bound old,
 * from the members; each verified on the pool and offered to the node. */
void fed_timestamp_poll(fed *f);
/* A peer (NULL: a statement) shows a home list newer than this node's:
 * fetch it from that peer at once, at most once a minute per peer. */
void fed_trust_list_newer(fed *f, const char *peer, uint64_t sequence);
/* Every home peer's client says which home list this node holds. */
void fed_trust_announce(fed *f);

/* fed_relay.c: peers of the other federations in which this node is a
 * gateway, their client identity, and relay-list polling */
void fed_relay_rebuild(fed *f);
/* Client identity for a relay peer: this node's TLS identity in the peer's
 * federation and that federation's anchor. 0, or -1 (no identity). */
int fed_relay_client(fed *f, const fed_peer *p, sp_h2_client_config *cc,
                     const char **cas);
void fed_relay_poll(fed *f);

/* fed_recover.c: fencing and recovery of the own log (FED-44..) */
int fed_recover_start(fed *f);
void fed_recover_tick(fed *f, int64_t now);
void fed_recover_free(fed_recover *rc);
/* The own log's fence for `silkport peers` / status (json: JSON members). */
void fed_recover_status(fed *f, sp_text *t, int json);

/* fed_status.c */
void fed_metrics(void *state, void *out);
void fed_status(void *state, void *out);
void fed_status_json(void *state, void *out);
size_t fed_peer_views(void *state, sp_node_peer_view *out, size_t cap);
void fed_counts_refresh(fed *f);

#endif /* SP_PEERS_FED_INT_H */
