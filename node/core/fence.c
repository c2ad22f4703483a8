/* fence.c: fencing of the own log (SPEC FED-44..): the state the core keeps
 * while peers/fed recovers the node's own records from its peers, and the
 * recovery step itself: verify the records, prove them against a
 * checkpoint of the own log, append them in order. */
#include "node_int.h"
#include "relay_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sp_node_fenced(const sp_node *n, const char **why)
{
	if (why != NULL)
		*why = n->fenced ? n->fence_why : NULL;
	return !n->fenced ? 0 : n->fence_hold ? 2 : 1;
}

int sp_node_fence_persisted(const sp_node *n)
{
	return n->fence_persisted;
}

typedef struct fence_job {
	sp_node *n;
	char why[SP_STORE_STATE_MAX]; /* "" clears the stored flag */
	int err;
	uint64_t next; /* unfence: the next Sequence read back */
} fence_job;

static void fence_write(void *arg)
{
	fence_job *j = arg;

	j->err = sp_store_state_set(j->n->store, SP_STORE_STATE_FENCED,
	                            j->why[0] ? j->why : NULL);
	if (j->err == SP_OK && j->why[0] == '\0')
		j->err = sp_store_next_sequence(j->n->store, j->n->cfg->node_id,
		                                &j->next);
}

static void fence_written(void *arg)
{
	fence_job *j = arg;
	sp_node *n = j->n;

	n->fence_busy = 0;
	if (j->err != SP_OK) {
		sp_log(SP_LOG_ERROR, "fence_flag_failed",
		       SP_LF_STR("err", sp_strerror(j->err)),
		       SP_LF_STR("op", j->why[0] ? "set" : "clear"));
	} else if (j->why[0] != '\0') {
		n->fence_persisted = 1;
	} else {
		n->fence_persisted = 0;
		n->fenced = 0;
		n->fence_hold = 0;
		n->fence_why[0] = '\0';
		n->next_sequence = j->next;
		sp_log(SP_LOG_INFO, "unfenced",
		       SP_LF_STR("node", n->cfg->node_id),
		       SP_LF_UINT("next_sequence", j->next));
		sp_node__submit_kick(n); /* those that waited */
		sp_node__checkpoint_tick(n);
	}
	free(j);
}

static void fence_job_start(sp_node *n, const char *why)
{
	fence_job *j = calloc(1, sizeof(*j));

	if (j == NULL)
		return;
	j->n = n;
	snprintf(j->why, sizeof(j->why), "%s", why);
	n->fence_busy = 1;
	if (sp_pool_submit(n->pool, fence_write, fence_written, j) != SP_OK) {
		n->fence_busy = 0;
		free(j);
	}
}

void sp_node_fence(sp_node *n, const char *why, int persist)
{
	int check = !persist && (!n->fenced || n->fence_hold);

	/* the start-up check is routine; a fence is an operator's concern */
	if ((!n->fenced || strcmp(n->fence_why, why) != 0) && check)
		sp_log(SP_LOG_INFO, "own_log_check",
		       SP_LF_STR("node", n->cfg->node_id),
		       SP_LF_STR("why", why));
	else if (!n->fenced || strcmp(n->fence_why, why) != 0)
		sp_log(SP_LOG_ERROR, "fenced",
		       SP_LF_STR("node", n->cfg->node_id),
		       SP_LF_STR("why", why),
		       SP_LF_INT("persisted", persist || n->fence_persisted));
	/* only the start-up check holds submissions; any other reason
	 * refuses them, those waiting included */
	n->fence_hold = check;
	n->fenced = 1;
	snprintf(n->fence_why, sizeof(n->fence_why), "%s", why);
	if (persist && !n->fence_persisted && !n->fence_busy)
		fence_job_start(n, why);
	if (!n->fence_hold)
		sp_node__submit_kick(n);
}

void sp_node_unfence(sp_node *n)
{
	if (!n->fenced || n->fence_busy)
		return;
	/* the stored flag goes first, and the next Sequence is read back
	 * from the store: the recovered records moved it */
	fence_job_start(n, "");
}

/* ---------------------------------------------------------------- recovery
 */

/* A verified own record, ready to be stored. */
typedef struct own_rec {
	sp_record *rec;
	uint8_t leaf[32];
	uint8_t signed_digest[32];
	char digest[65];
} own_rec;

static int verify_one(sp_node *n, sp_trust *t, const sp_node_own_record *in,
                      own_rec *out, char *why, size_t why_len)
{
	sp_verify_opts o;
	const char *w = NULL;
	int err;

	sp_verify_opts_default(&o);
	o.clock_skew = n->cfg->clock_skew;
	o.limits = &n->limits;
	o.signed_digest = out->signed_digest;
	err = sp_node__verify_record(n, t, in->bytes, in->len, &o, NULL,
	                             &out->rec, &w);
	if (err != SP_OK) {
		snprintf(why, why_len, "the record at sequence %llu: %s: %s",
		         (unsigned long long)in->sequence, sp_strerror(err),
		         w ? w : "");
		return err;
	}
	if (strcmp(sp_record_origin(out->rec), n->cfg->node_id) != 0 ||
	    sp_record_sequence(out->rec) != in->sequence) {
		snprintf(why, why_len,
		         "the record served at sequence %llu is not this "
		         "node's record for that position",
		         (unsigned long long)in->sequence);
		return SP_ERR_FIELD;
	}
	sp_merkle_leaf_hash(in->bytes, in->len, out->leaf);
	sp_sha256_hex(in->bytes, in->len, out->digest);
	return SP_OK;
}

static int store_one(sp_node *n, const sp_node_own_record *in, own_rec *v)
{
	sp_store_put_req put;
	const char *recips[SP_STORE_MAX_RECIPIENTS];
	sp_subject subjects[SP_STORE_MAX_SUBJECTS];
	size_t i;

	if (sp_record_recipient_count(v->rec) > SP_STORE_MAX_RECIPIENTS ||
	    sp_record_subject_count(v->rec) > SP_STORE_MAX_SUBJECTS)
		return SP_ERR_TOO_LARGE;
	memset(&put, 0, sizeof(put));
	put.bytes = in->bytes;
	put.len = in->len;
	put.record_id = sp_record_id(v->rec);
	put.origin = n->cfg->node_id;
	put.sequence = in->sequence;
	put.type = sp_record_type_code(v->rec);
	put.issued = sp_record_issued(v->rec);
	put.received = sp_record_issued(v->rec);
	put.digest = v->digest;
	put.signed_digest = v->signed_digest;
	put.broadcast = sp_record_is_broadcast(v->rec);
	for (i = 0; i < sp_record_recipient_count(v->rec); i++)
		recips[i] = sp_record_recipient(v->rec, i);
	put.recipients = recips;
	put.n_recipients = sp_record_recipient_count(v->rec);
	for (i = 0; i < sp_record_subject_count(v->rec); i++)
		subjects[i] = *sp_record_subject(v->rec, i);
	put.subjects = subjects;
	put.n_subjects = sp_record_subject_count(v->rec);
	/* no outbox rows: the peers it came from hold it, and catch-up
	 * serves it to any other addressee */
	return sp_store_put(n->store, &put, NULL, NULL);
}

/* The stored log and the first `covered` recovered leaves against the
 * checkpoint's root. */
static int prove_root(sp_node *n, sp_store_reader *r, uint64_t tree,
                      const own_rec *v, uint64_t covered, uint64_t cp_size,
                      const uint8_t cp_root[32], char *why, size_t why_len)
{
	uint8_t(*leaves)[32] = NULL, root[32];
	uint64_t i;
	int err;

	if (cp_size <= tree) {
		err = sp_store_tree_root(r, n->cfg->node_id, cp_size, root);
		if (err == SP_ERR_NOT_FOUND && cp_size == 0) {
			sp_sha256((const uint8_t *)"", 0, root);
			err = SP_OK;
		}
	} else {
		if ((leaves = malloc((size_t)covered * 32)) == NULL)
			return SP_ERR_NOMEM;
		for (i = 0; i < covered; i++)
			memcpy(leaves[i], v[i].leaf, 32);
		err = sp_store_tree_root_extended(r, n->cfg->node_id,
		                                  (const uint8_t(*)[32])leaves,
		                                  covered, root);
		free(leaves);
	}
	if (err != SP_OK) {
		snprintf(why, why_len, "cannot compute the own log's root: %s",
		         sp_strerror(err));
		return err;
	}
	if (memcmp(root, cp_root, 32) != 0) {
		snprintf(why, why_len,
		         "the own log (%llu stored + %llu recovered records) "
		         "does not make the root of checkpoint %llu",
		         (unsigned long long)tree, (unsigned long long)covered,
		         (unsigned long long)cp_size);
		return SP_ERR_PROOF_INVALID;
	}
	return SP_OK;
}

int sp_node_recover_own(sp_node *n, sp_trust *t, const sp_node_own_record *recs,
                        size_t count, uint64_t cp_size,
                        const uint8_t cp_root[32], uint64_t *appended,
                        char *why, size_t why_len)
{
	sp_store_reader *r = sp_node_reader(n);
	own_rec *v = NULL;
	uint64_t tree = 0, covered;
	size_t i, done = 0;
	int err;

	*appended = 0;
	why[0] = '\0';
	if (r == NULL) {
		snprintf(why, why_len, "the store cannot be read");
		return SP_ERR_UNAVAILABLE;
	}
	err = sp_store_tree_size(r, n->cfg->node_id, &tree);
	if (err != SP_OK && err != SP_ERR_NOT_FOUND) {
		snprintf(why, why_len, "the own log cannot be read: %s",
		         sp_strerror(err));
		return err;
	}
	covered = cp_size > tree ? cp_size - tree : 0;
	if (covered > count) {
		snprintf(
		    why, why_len,
		    "records %llu..%llu of the own log are held by no peer "
		    "that answered",
		    (unsigned long long)(tree + count),
		    (unsigned long long)cp_size - 1);
		return SP_ERR_NOT_FOUND;
	}
	if (count > 0 && (v = calloc(count, sizeof(*v))) == NULL)
		return SP_ERR_NOMEM;
	for (i = 0; i < count; i++) {
		if (recs[i].sequence != tree + i) {
			snprintf(
			    why, why_len,
			    "recovered records are not contiguous from %llu",
			    (unsigned long long)tree);
			err = SP_ERR_INVALID_ARGUMENT;
			goto out;
		}
		if ((err = verify_one(n, t, &recs[i], &v[i], why, why_len)) !=
		    SP_OK)
			goto out;
	}
	if ((err = prove_root(n, r, tree, v, covered, cp_size, cp_root, why,
	                      why_len)) != SP_OK)
		goto out;
	for (i = 0; i < count; i++) {
		err = store_one(n, &recs[i], &v[i]);
		if (err != SP_STORE_INSERTED) {
			snprintf(why, why_len,
			         "the record at sequence %llu could not be "
			         "stored: %s",
			         (unsigned long long)recs[i].sequence,
			         err < 0 ? sp_strerror(err) : "not inserted");
			err = err < 0 ? err : SP_ERR_INTERNAL;
			goto out;
		}
		done++;
	}
	err = SP_OK;
out:
	*appended = done;
	for (i = 0; i < count && v != NULL; i++) {
		sp_record_free(v[i].rec);
	}
	free(v);
	return err;
}
