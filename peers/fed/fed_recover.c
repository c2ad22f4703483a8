/* fed_recover.c (peers): fencing and recovery of this node's own log (SPEC
 * 13.6, FED-44..FED-48). At start and every pull interval, the node asks
 * its peers for their checkpoints of its own log. A checkpoint larger than
 * the store's own log (a restored backup, a lost disk) fences the node:
 * it signs nothing until it has fetched its missing records back from the
 * peers (they hold the signed bytes), and the core has verified each one
 * and proven them together against the largest checkpoint a peer presented
 * (sp_node_recover_own). The node stays fenced, saying why, when no peer
 * answers, a position is held by no peer, or the proof fails. */
#include "fed_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Recovered records kept in memory at most (bytes of record text), and
 * positions after the log's end that one round looks at: a peer cannot
 * make the node fetch or hold more, however many pages it offers. */
#define RECOVER_MAX_BYTES ((size_t)256 << 20)
#define RECOVER_WINDOW    ((size_t)1 << 20)

/* The record for position tree + i is slot i (bytes NULL: none yet). */
typedef struct rc_frame {
	uint8_t *bytes;
	size_t len;
} rc_frame;

enum rc_phase {
	RC_IDLE = 0,
	RC_TREE,        /* reading the own tree size */
	RC_CHECKPOINTS, /* asking every peer for its checkpoint of us */
	RC_ENTRIES,     /* fetching our records back, one peer at a time */
	RC_VERIFY,      /* the core verifies, proves and appends */
};

struct fed_recover {
	enum rc_phase phase;
	int64_t next_ms;
	int64_t hold_until_ms; /* the start-up check waits no longer */
	uint64_t tree;         /* own log size at the start of the round */
	size_t out;            /* requests on the wire */
	size_t answered;
	int have_cp;
	uint64_t cp_size;
	uint8_t cp_root[32];
	char cp_from[SP_NODE_ID_MAX + 1];
	char conflict[256];
	/* entries */
	size_t peer_idx;   /* peers asked so far this round */
	size_t first_peer; /* where this round starts: taking turns, so */
	uint64_t rounds;   /* that one peer's bad copy wins no round twice */
	uint64_t start;
	rc_frame *frames; /* slots, by position after the log's end */
	size_t n_frames, cap_frames, bytes;
	/* what the last round found, for status */
	uint64_t recovered;
	char state[320];
};

static void rc_frames_free(fed_recover *rc)
{
	size_t i;

	for (i = 0; i < rc->cap_frames; i++)
		free(rc->frames[i].bytes);
	free(rc->frames);
	rc->frames = NULL;
	rc->n_frames = rc->cap_frames = rc->bytes = 0;
}

void fed_recover_free(fed_recover *rc)
{
	if (rc == NULL)
		return;
	rc_frames_free(rc);
	free(rc);
}

/* A peer of the home federation that can be asked now. */
static int rc_peer_ok(const fed_peer *p)
{
	return p->federation[0] == '\0' && !p->gone && p->client != NULL &&
	       p->status == SP_STATUS_ACTIVE;
}

static void round_end(fed *f, const char *state)
{
	fed_recover *rc = f->recover;

	/* fenced: try again each pull interval; in service, the periodic
	 * check (FED-45's SHOULD) every ten, as it costs a request to every
	 * peer and only a restore or a lost disk, both seen at start, make
	 * a peer hold more of this log than the node */
	rc->phase = RC_IDLE;
	rc->next_ms =
	    fed_now_ms(f) + sp_node_config(f->n)->pull_interval *
	                        (sp_node_fenced(f->n, NULL) ? 1000 : 10000);
	snprintf(rc->state, sizeof(rc->state), "%s", state);
	rc_frames_free(rc);
}

/* ---------------------------------------------------------------- verify */

typedef struct verify_job {
	fed *f;
	sp_trust *trust;
	sp_node_own_record *recs;
	size_t count;
	uint64_t cp_size;
	uint8_t cp_root[32];
	uint64_t appended;
	int err;
	char why[256];
} verify_job;

static void verify_work(void *arg)
{
	verify_job *j = arg;

	j->err = sp_node_recover_own(j->f->n, j->trust, j->recs, j->count,
	                             j->cp_size, j->cp_root, &j->appended,
	                             j->why, sizeof(j->why));
}

static void verify_done(void *arg)
{
	verify_job *j = arg;
	fed *f = j->f;
	fed_recover *rc = f->recover;
	sp_node *n = f->n;
	char msg[320];

	sp_trust_unref(j->trust);
	free(j->recs);
	if (f->stopping || rc == NULL) {
		free(j);
		return;
	}
	rc->recovered += j->appended;
	if (j->appended > 0)
		sp_log(SP_LOG_INFO, "own_log_recovered",
		       SP_LF_UINT("records", j->appended),
		       SP_LF_UINT("from", rc->tree),
		       SP_LF_UINT("checkpoint", j->cp_size));
	if (j->err == SP_OK) {
		if (sp_node_fenced(n, NULL))
			sp_node_unfence(n);
		snprintf(msg, sizeof(msg),
		         "own log consistent with checkpoint %llu%s",
		         (unsigned long long)j->cp_size,
		         rc->have_cp ? "" : " (no peer holds one)");
		round_end(f, msg);
	} else {
		snprintf(msg, sizeof(msg), "own log not recovered: %s", j->why);
		if (j->err == SP_ERR_PROOF_INVALID)
			fed_equivocation_alarm(f, sp_node_config(n)->node_id,
			                       "own-log", j->why);
		sp_node_fence(n, msg, 1);
		round_end(f, msg);
	}
	free(j);
}

/* Hand the contiguous run from the own tree size to the core. */
static void verify_start(fed *f)
{
	fed_recover *rc = f->recover;
	verify_job *j = calloc(1, sizeof(*j));
	size_t i, run = 0;

	while (run < rc->cap_frames && rc->frames[run].bytes != NULL)
		run++;
	if (j == NULL ||
	    (run > 0 && (j->recs = calloc(run, sizeof(*j->recs))) == NULL)) {
		free(j);
		round_end(f, "out of memory");
		return;
	}
	j->f = f;
	j->trust = sp_trust_ref(sp_node_trust(f->n));
	j->count = run;
	for (i = 0; i < run; i++) {
		j->recs[i].sequence = rc->tree + i;
		j->recs[i].bytes = rc->frames[i].bytes;
		j->recs[i].len = rc->frames[i].len;
	}
	if (rc->have_cp) {
		j->cp_size = rc->cp_size;
		memcpy(j->cp_root, rc->cp_root, 32);
	} else {
		/* nothing to prove against: the empty log's root */
		sp_sha256((const uint8_t *)"", 0, j->cp_root);
	}
	rc->phase = RC_VERIFY;
	/* the frames stay owned by rc until verify_done's round_end */
	if (fed_pool(f, verify_work, verify_done, j) != SP_OK) {
		sp_trust_unref(j->trust);
		free(j->recs);
		free(j);
		round_end(f, "the worker pool refused the recovery");
	}
}

/* ---------------------------------------------------------------- entries */

static void entries_next(fed *f);

/* Keep the record served for position seq (>= the log's end); -1 when
 * it lies beyond the window or the byte cap (stop asking this peer). */
static int frame_add(fed_recover *rc, uint64_t seq, const uint8_t *b,
                     size_t len)
{
	size_t i = (size_t)(seq - rc->tree), cap;
	rc_frame *nf;

	if (seq - rc->tree >= RECOVER_WINDOW ||
	    rc->bytes + len > RECOVER_MAX_BYTES)
		return -1;
	if (i >= rc->cap_frames) {
		for (cap = rc->cap_frames ? rc->cap_frames : 64; cap <= i;)
			cap *= 2;
		if ((nf = realloc(rc->frames, cap * sizeof(*nf))) == NULL)
			return -1;
		memset(nf + rc->cap_frames, 0,
		       (cap - rc->cap_frames) * sizeof(*nf));
		rc->frames = nf;
		rc->cap_frames = cap;
	}
	nf = &rc->frames[i];
	if (nf->bytes != NULL)
		return 0; /* the first copy is proven or refused */
	if ((nf->bytes = malloc(len)) == NULL)
		return -1;
	memcpy(nf->bytes, b, len);
	nf->len = len;
	rc->n_frames++;
	rc->bytes += len;
	return 0;
}

static void on_entries(void *ud, const sp_h2_response *resp)
{
	fed *f = ud;
	fed_recover *rc = f->recover;
	sp_peers__entries e;
	const char *ns;
	size_t ns_len, off, len;
	uint64_t seq, next = 0;
	int r, more = 0, full = 0;

	rc->out--;
	if (f->stopping) {
		fed_unref(f);
		return;
	}
	if (resp->err == SP_OK && resp->status == 200 && resp->body_len > 0) {
		memset(&e, 0, sizeof(e));
		e.body = resp->body;
		e.body_len = resp->body_len;
		e.start = rc->start;
		e.max_len = sp_node_limits(f->n)->max_bytes;
		e.max_frames = FED_PAGE_COUNT;
		while ((r = sp_peers__entries_next(&e, &seq, &off, &len)) == 1)
			if (frame_add(rc, seq, resp->body + off, len) != 0) {
				full = 1;
				break;
			}
		ns = sp_h2_response_header(resp, "x-silkport-next-start",
		                           &ns_len);
		more = r == 0 && !full && ns != NULL &&
		       sp_parse_u64(ns, ns_len, INT64_MAX, &next) == SP_OK &&
		       next > rc->start;
	}
	if (more) {
		rc->start = next;
	} else {
		rc->peer_idx++;
		rc->start = rc->tree;
	}
	entries_next(f);
	fed_unref(f);
}

/* Ask the current peer for the next page, or move on; at the end, verify. */
static void entries_next(fed *f)
{
	fed_recover *rc = f->recover;
	char path[192];
	fed_peer *p;

	for (; rc->peer_idx < f->n_peers; rc->peer_idx++) {
		p = f->peers[(rc->first_peer + rc->peer_idx) % f->n_peers];
		if (!rc_peer_ok(p))
			continue;
		snprintf(path, sizeof(path),
		         "/v1/logs/%s/entries?start=%llu&count=%d",
		         sp_node_config(f->n)->node_id,
		         (unsigned long long)rc->start, FED_PAGE_COUNT);
		fed_ref(f);
		rc->out++;
		if (sp_h2_client_request(p->client, "GET", path, NULL, 0, NULL,
		                         0, on_entries, f) == SP_OK)
			return;
		rc->out--;
		fed_unref(f);
		rc->start = rc->tree;
	}
	verify_start(f);
}

/* ---------------------------------------------------------------- checkpoints
 */

/* All peers answered or failed: decide. */
static void checkpoints_done(fed *f)
{
	fed_recover *rc = f->recover;
	sp_node *n = f->n;
	int ahead = rc->have_cp && rc->cp_size > rc->tree;
	char why[320];

	if (rc->conflict[0] != '\0') {
		fed_equivocation_alarm(f, sp_node_config(n)->node_id, "own-log",
		                       rc->conflict);
		sp_node_own_log_alarm(n, rc->conflict);
		snprintf(why, sizeof(why), "%s", rc->conflict);
		sp_node_fence(n, why, 1);
		round_end(f, why);
		return;
	}
	if (ahead) {
		snprintf(
		    why, sizeof(why),
		    "peer %s holds checkpoint %llu of this node's log; the "
		    "store holds %llu records of it",
		    rc->cp_from, (unsigned long long)rc->cp_size,
		    (unsigned long long)rc->tree);
		sp_node_fence(n, why, 1);
	}
	if (!sp_node_fenced(n, NULL)) {
		/* in service: only check the stored log against what the
		 * peers hold (no records are fetched while signing) */
		verify_start(f);
		return;
	}
	if (rc->answered == 0) {
		if (sp_node_fence_persisted(n)) {
			char held[sizeof(why) + 64];

			/* not into why itself: it may be the argument */
			snprintf(held, sizeof(held),
			         "%s; no peer answered for its checkpoint of "
			         "this node's log",
			         ahead ? why : "fenced by a restore");
			round_end(f, held);
			/* keep the stored reason; say why it holds */
			sp_log(SP_LOG_WARN, "fence_holds",
			       SP_LF_STR("why", "no peer answered"));
			return;
		}
		/* nobody to ask: a node alone, or every peer away */
		sp_node_unfence(n);
		round_end(f, "no peer answered; not fenced");
		return;
	}
	rc->phase = RC_ENTRIES;
	rc->peer_idx = 0;
	rc->first_peer = f->n_peers ? (size_t)(rc->rounds++ % f->n_peers) : 0;
	rc->start = rc->tree;
	entries_next(f);
}

typedef struct cp_ask {
	fed *f;
	char peer[SP_NODE_ID_MAX + 1];
} cp_ask;

/* The other key of this node's entry during a rotation (SPEC LOG-47):
 * peers may hold checkpoints that the key this node no longer signs with
 * signed, and that key is still listed. NULL when there is none. */
static const char *other_log_key(sp_node *n, const char *vkey)
{
	const sp_tl_member *me = sp_tl_find(sp_trust_list(sp_node_trust(n)),
	                                    sp_node_config(n)->node_id);

	if (me == NULL || me->log_key == NULL)
		return NULL;
	if (strcmp(me->log_key, vkey) != 0)
		return me->log_key;
	return me->next_log_key;
}

/* A peer's checkpoint of this node's log: it must verify with this node's
 * own checkpoint key (or the other one its entry lists) and carry this
 * log's origin line. */
static void take_checkpoint(fed *f, const char *peer, const char *note,
                            size_t len)
{
	fed_recover *rc = f->recover;
	sp_node *n = f->n;
	const char *vkey = sp_note_signer_vkey(sp_node_log_signer(n)), *why;
	const sp_config *cfg = sp_node_config(n);
	char origin[SP_CHECKPOINT_ORIGIN_MAX];
	sp_checkpoint cp;
	size_t text_len = 0;
	int err;

	if ((err = sp_note_verify_either(vkey, other_log_key(n, vkey), note,
	                                 len, &text_len, &why)) != SP_OK ||
	    (err = sp_checkpoint_parse(note, len, &cp, NULL, &why)) != SP_OK) {
		sp_log(SP_LOG_WARN, "own_checkpoint_refused",
		       SP_LF_STR("peer", peer),
		       SP_LF_STR("err", sp_strerror(err)),
		       SP_LF_STR("why", why));
		return;
	}
	snprintf(origin, sizeof(origin), "silkport/%s/%s", cfg->federation,
	         cfg->node_id);
	if (strcmp(cp.origin, origin) != 0) {
		sp_log(SP_LOG_WARN, "own_checkpoint_refused",
		       SP_LF_STR("peer", peer),
		       SP_LF_STR("why", "another log's origin line"));
		return;
	}
	rc->answered++;
	if (rc->have_cp && cp.size == rc->cp_size &&
	    memcmp(cp.root, rc->cp_root, 32) != 0) {
		snprintf(rc->conflict, sizeof(rc->conflict),
		         "peers %s and %s hold two checkpoints of size %llu of "
		         "this node's log with different roots",
		         rc->cp_from, peer, (unsigned long long)cp.size);
		return;
	}
	if (!rc->have_cp || cp.size > rc->cp_size) {
		rc->have_cp = 1;
		rc->cp_size = cp.size;
		memcpy(rc->cp_root, cp.root, 32);
		snprintf(rc->cp_from, sizeof(rc->cp_from), "%s", peer);
	}
}

static void on_checkpoint(void *ud, const sp_h2_response *resp)
{
	cp_ask *q = ud;
	fed *f = q->f;
	fed_recover *rc = f->recover;

	rc->out--;
	if (!f->stopping) {
		if (resp->err == SP_OK && resp->status == 200 &&
		    resp->body_len > 0 &&
		    resp->body_len <= SP_CHECKPOINT_MAX_NOTE)
			take_checkpoint(f, q->peer, (const char *)resp->body,
			                resp->body_len);
		else if (resp->err == SP_OK && resp->status == 404)
			rc->answered++; /* it holds none of this log */
		if (rc->out == 0)
			checkpoints_done(f);
	}
	free(q);
	fed_unref(f);
}

static void ask_checkpoints(fed *f)
{
	fed_recover *rc = f->recover;
	char path[160];
	size_t i;

	rc->phase = RC_CHECKPOINTS;
	rc->answered = 0;
	rc->have_cp = 0;
	rc->cp_size = 0;
	rc->conflict[0] = '\0';
	snprintf(path, sizeof(path), "/v1/logs/%s/checkpoint",
	         sp_node_config(f->n)->node_id);
	for (i = 0; i < f->n_peers; i++) {
		fed_peer *p = f->peers[i];
		cp_ask *q;

		if (!rc_peer_ok(p) || (q = calloc(1, sizeof(*q))) == NULL)
			continue;
		q->f = f;
		snprintf(q->peer, sizeof(q->peer), "%s", p->id);
		fed_ref(f);
		rc->out++;
		if (sp_h2_client_request(p->client, "GET", path, NULL, 0, NULL,
		                         0, on_checkpoint, q) != SP_OK) {
			rc->out--;
			free(q);
			fed_unref(f);
		}
	}
	if (rc->out == 0)
		checkpoints_done(f);
}

/* ---------------------------------------------------------------- round */

typedef struct tree_job {
	fed *f;
	uint64_t size;
	int err;
} tree_job;

static void tree_work(void *arg)
{
	tree_job *j = arg;
	sp_store_reader *r = sp_node_reader(j->f->n);

	if (r == NULL) {
		j->err = SP_ERR_UNAVAILABLE;
		return;
	}
	j->err =
	    sp_store_tree_size(r, sp_node_config(j->f->n)->node_id, &j->size);
	if (j->err == SP_ERR_NOT_FOUND) {
		j->size = 0;
		j->err = SP_OK;
	}
}

static void tree_done(void *arg)
{
	tree_job *j = arg;
	fed *f = j->f;

	if (!f->stopping && f->recover != NULL) {
		if (j->err != SP_OK) {
			round_end(f, "the own log cannot be read");
		} else {
			f->recover->tree = j->size;
			ask_checkpoints(f);
		}
	}
	free(j);
}

void fed_recover_tick(fed *f, int64_t now)
{
	fed_recover *rc = f->recover;
	tree_job *j;

	if (rc == NULL || f->stopping)
		return;
	if (rc->hold_until_ms != 0 && now >= rc->hold_until_ms) {
		/* peers that neither answer nor fail keep submissions
		 * waiting only so long; a checkpoint that comes later still
		 * fences the node */
		rc->hold_until_ms = 0;
		if (sp_node_fenced(f->n, NULL) == 2) {
			sp_log(
			    SP_LOG_WARN, "own_log_check_slow",
			    SP_LF_STR("why", "peers did not answer in time"));
			sp_node_unfence(f->n);
		}
	}
	if (rc->phase != RC_IDLE || now < rc->next_ms)
		return;
	if ((j = calloc(1, sizeof(*j))) == NULL)
		return;
	j->f = f;
	rc->phase = RC_TREE;
	if (fed_pool(f, tree_work, tree_done, j) != SP_OK) {
		free(j);
		rc->phase = RC_IDLE;
	}
}

int fed_recover_start(fed *f)
{
	size_t i, peers = 0;

	if ((f->recover = calloc(1, sizeof(*f->recover))) == NULL)
		return -1;
	for (i = 0; i < f->n_peers; i++)
		peers += rc_peer_ok(f->peers[i]);
	/* Until the peers have said how far they saw this node's log, it
	 * might sign a Sequence they already hold (FED-45). */
	if (peers > 0 && !sp_node_fenced(f->n, NULL)) {
		sp_node_fence(f->n,
		              "asking the peers for their checkpoints of this "
		              "node's log",
		              0);
		f->recover->hold_until_ms = fed_now_ms(f) + 10000;
	}
	snprintf(f->recover->state, sizeof(f->recover->state),
	         "first check pending");
	fed_recover_tick(f, fed_now_ms(f)); /* now, not at the first tick */
	return 0;
}

void fed_recover_status(fed *f, sp_text *t, int json)
{
	fed_recover *rc = f->recover;
	const char *why = NULL;
	int fenced = sp_node_fenced(f->n, &why);

	if (rc == NULL)
		return;
	if (json) {
		sp_text_printf(t, "\"own_log\": {\"fenced\": %s, \"why\": ",
		               fenced ? "true" : "false");
		sp_text_json_str(t, why);
		sp_text_printf(t, ", \"last_check\": ");
		sp_text_json_str(t, rc->state);
		sp_text_printf(t, ", \"recovered\": %llu}",
		               (unsigned long long)rc->recovered);
		return;
	}
	sp_text_printf(t, "own-log %s%s\nown-log-check %s\n",
	               fenced ? "FENCED: " : "not fenced", fenced ? why : "",
	               rc->state);
	if (rc->recovered > 0)
		sp_text_printf(t, "own-log-recovered %llu\n",
		               (unsigned long long)rc->recovered);
}
