/* own_log.c: signed checkpoints of this node's own log, made on the worker
 * pool whenever the log has grown (checked once a second), and handed to
 * the store's committer without a worker waiting for the commit: a worker
 * blocked on the store would hold back the outbox scans and receipt checks
 * of records on their way out. The latest is signed again with the node's
 * log key when another key signed it (after a switch to the NextLogKey,
 * SPEC [LOG-52]). */
#include "node_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct ckpt_job {
	sp_node *n;
	uint64_t last_size;
	uint64_t size;
	int err;
	int made;
	int leader; /* this process signs the node's checkpoints */
	/* the node's log key is in the list's LogKey or NextLogKey slot:
	 * the latest checkpoint, if another key signed it, is signed again */
	int key_listed;
	int resigned;
	/* signed on the worker, stored from the loop */
	uint8_t root[32];
	char *note;
	int put_rc;
} ckpt_job;

/* [LOG-52]: the latest own checkpoint, (size, root) of cp, was signed by
 * a key other than this node's (its key before a switch to the
 * NextLogKey): peers refuse it once the list drops that key, and with
 * nothing appended no newer one would replace it. The same checkpoint
 * signed now (note) replaces it; the witnesses' cosignatures stay valid,
 * since they sign the checkpoint's text. 1 when replaced. */
static int resign_latest(ckpt_job *j, sp_store_reader *r,
                         const sp_checkpoint *cp, const char *note)
{
	sp_node *n = j->n;
	sp_store_checkpoint *latest = NULL;
	const char *why = NULL;
	size_t text_len = 0;
	int stale, err;

	if (sp_store_checkpoint_latest(r, n->cfg->node_id, &latest) != SP_OK)
		return 0;
	stale = latest->size == cp->size &&
	        memcmp(latest->root, cp->root, 32) == 0 &&
	        sp_note_verify(sp_note_signer_vkey(n->log_signer), latest->note,
	                       strlen(latest->note), &text_len, &why) != SP_OK;
	sp_store_checkpoint_free(latest);
	if (!stale)
		return 0;
	if ((err = sp_store_checkpoint_resign(n->store, n->cfg->node_id,
	                                      cp->size, cp->root, note)) !=
	    SP_OK) {
		sp_log(SP_LOG_ERROR, "checkpoint_resign_failed",
		       SP_LF_UINT("size", cp->size),
		       SP_LF_STR("err", sp_strerror(err)));
		return 0;
	}
	return 1;
}

static void work(void *arg)
{
	ckpt_job *j = arg;
	sp_node *n = j->n;
	sp_store_reader *r = sp_node_reader(n);
	sp_checkpoint cp;
	char *body = NULL, *note = NULL;
	size_t len;
	const char *why = NULL;
	int err;

	if (r == NULL) {
		j->err = SP_ERR_UNAVAILABLE;
		return;
	}
	err = sp_store_tree_size(r, n->cfg->node_id, &j->size);
	if (err == SP_ERR_NOT_FOUND)
		j->size = 0;
	else if (err != SP_OK) {
		j->err = err;
		return;
	}
	/* Processes sharing a PostgreSQL store sign one at a time: the one
	 * holding the role; another takes it over within a tick of the
	 * holder's end. The others serve the checkpoints it stores. */
	if ((err = sp_store_leader(n->store, "checkpoints", &j->leader))) {
		j->err = err;
		return;
	}
	if (!j->leader)
		return;
	if (j->size == j->last_size && n->checkpoint_ok && n->checkpoint_leader)
		return;
	memset(&cp, 0, sizeof(cp));
	snprintf(cp.origin, sizeof(cp.origin), "%s", n->log_origin);
	cp.size = j->size;
	if ((err = sp_store_tree_root(r, n->cfg->node_id, j->size, cp.root)) !=
	        SP_OK &&
	    !(err == SP_ERR_NOT_FOUND && j->size == 0))
		goto fail;
	if (err == SP_ERR_NOT_FOUND)
		sp_sha256(NULL, 0, cp.root);
	if ((err = sp_checkpoint_format(&cp, &body, &len)) != SP_OK ||
	    (err = sp_note_sign(n->log_signer, body, len, &note, &why)) !=
	        SP_OK)
		goto fail;
	/* the same checkpoint stored under another key: replace it (rare,
	 * after a key switch, so done here rather than by the committer) */
	if (j->key_listed && (j->resigned = resign_latest(j, r, &cp, note))) {
		j->made = 1;
		free(body);
		free(note);
		return;
	}
	memcpy(j->root, cp.root, sizeof(j->root));
	j->note = note;
	free(body);
	return;
fail:
	j->err = err;
	sp_log(SP_LOG_ERROR, "checkpoint_failed", SP_LF_UINT("size", j->size),
	       SP_LF_STR("err", sp_strerror(err)), SP_LF_STR("why", why));
	free(body);
	free(note);
}

/* Loop thread: the round is over (signed and stored, nothing to sign, or
 * failed). */
static void finish(ckpt_job *j)
{
	sp_node *n = j->n;

	n->checkpoint_busy = 0;
	if (j->err == SP_OK && j->leader != n->checkpoint_leader) {
		sp_log(SP_LOG_INFO, "checkpoint_signer",
		       SP_LF_STR("origin", n->cfg->node_id),
		       SP_LF_INT("this_process", j->leader));
		n->checkpoint_leader = j->leader;
	}
	if (j->resigned)
		sp_log(SP_LOG_INFO, "checkpoint_resigned",
		       SP_LF_STR("origin", n->cfg->node_id),
		       SP_LF_UINT("size", j->size),
		       SP_LF_STR("key", sp_note_signer_vkey(n->log_signer)));
	if (j->err == SP_OK) {
		if (j->made) {
			sp_metrics_count(n->metrics, SP_CTR_CHECKPOINTS, 1);
			sp_log(SP_LOG_DEBUG, "checkpoint_signed",
			       SP_LF_STR("origin", n->cfg->node_id),
			       SP_LF_UINT("size", j->size));
		}
		n->checkpoint_size = j->size;
		n->checkpoint_ok = 1;
	}
	free(j->note);
	free(j);
}

/* Loop thread: the store's answer. */
static void put_done(void *arg)
{
	ckpt_job *j = arg;

	if (j->put_rc < 0) {
		j->err = j->put_rc;
		sp_log(SP_LOG_ERROR, "checkpoint_failed",
		       SP_LF_UINT("size", j->size),
		       SP_LF_STR("err", sp_strerror(j->put_rc)),
		       SP_LF_STR("why", "the store refused it"));
	} else {
		if (j->put_rc == SP_STORE_EQUIVOCATION)
			sp_log(SP_LOG_ERROR, "own_checkpoint_conflict",
			       SP_LF_UINT("size", j->size));
		j->made = 1;
	}
	finish(j);
}

/* Committer thread. */
static void put_stored(void *arg, int rc)
{
	ckpt_job *j = arg;

	j->put_rc = rc;
	sp_node_post(j->n, put_done, j);
}

static void done(void *arg)
{
	ckpt_job *j = arg;
	sp_node *n = j->n;
	int err;

	if (j->err != SP_OK || j->note == NULL) {
		finish(j);
		return;
	}
	err = sp_store_checkpoint_put_async(n->store, n->cfg->node_id, j->size,
	                                    j->root, j->note, put_stored, j);
	if (err != SP_OK) {
		j->put_rc = err;
		put_done(j);
	}
}

/* 1 if the node's log key is listed for it (either slot, LOG-47). */
static int own_key_listed(sp_node *n)
{
	const sp_tl_member *me =
	    sp_tl_find(sp_trust_list(n->trust), n->cfg->node_id);

	return me != NULL && me->log_key != NULL &&
	       sp_tl_member_has_log_key(me, sp_note_signer_vkey(n->log_signer));
}

/* The period of the node's checkpoints: 1 s, or with witnesses the period
 * at which they fetch them, MergeDelay / 5 (SPEC FED-51). */
static int64_t checkpoint_period_s(const sp_node *n)
{
	const sp_tl *tl = sp_trust_list(n->trust);
	int64_t p = tl->quorum > 0 ? (int64_t)sp_tl_merge_delay(tl) / 5 : 1;

	return p > 1 ? p : 1;
}

void sp_node__checkpoint_tick(sp_node *n)
{
	ckpt_job *j;
	uint64_t seq;
	int64_t epoch = sp_clock_wall_ms() / 1000 / checkpoint_period_s(n);

	/* With witnesses, at most one new checkpoint per period, at its start:
	 * the witnesses fetch once a period, half-way through it
	 * (fed_witness_due), so that they all hold, and cosign, the same
	 * checkpoint, and a receiver finds k cosignatures over the checkpoint
	 * it holds in one round instead of waiting for a chance match. */
	if (n->checkpoint_ok && epoch == n->checkpoint_epoch)
		return;
	/* a fenced node signs no checkpoint of a log it may not hold whole */
	if (n->checkpoint_busy || n->fenced ||
	    (j = calloc(1, sizeof(*j))) == NULL)
		return;
	n->checkpoint_epoch = epoch;
	/* A new list may name the node's key now, or drop the one that
	 * signed the latest checkpoint: sign once more, as at start, so that
	 * the latest is signed by a key the list names ([LOG-52]). */
	seq = sp_trust_list(n->trust)->sequence;
	if (seq != n->checkpoint_list_seq) {
		n->checkpoint_list_seq = seq;
		n->checkpoint_ok = 0;
	}
	j->n = n;
	j->key_listed = own_key_listed(n);
	j->last_size = n->checkpoint_size;
	if (sp_pool_submit(n->pool, work, done, j) != SP_OK) {
		free(j);
		return;
	}
	n->checkpoint_busy = 1;
}
