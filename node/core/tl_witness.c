/* tl_witness.c: trust lists appended to a witnessed log (SPEC 7.3, [TL-81]
 * to [TL-84]): as a witness, verify a list and cosign it, never two lists
 * of one Sequence (kept in node state, across restarts); as any node,
 * install a newer home list only with the quorum of cosignatures of the
 * witnesses of the list held, and keep those cosignatures to serve them. */
#include "node_int.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Cosign requests verified at once (each is a full list verification);
 * more are answered 503 overloaded ([API-81]). */
#define COSIGN_MAX_INFLIGHT 2
/* Cosignature lines kept per list (the quorum is at most 64). */
#define COSIG_LINES_MAX SP_TL_WITNESSES_MAX

/* The check "no other list cosigned at this Sequence" and its record are
 * one step: two requests for two lists of one Sequence on two workers
 * must not both pass it. (One process; a shared PostgreSQL store used by
 * several processes of one witness relies on its operator running one
 * witness process, see node/core/README.md.) */
static pthread_mutex_t cosign_mu = PTHREAD_MUTEX_INITIALIZER;
static atomic_int cosign_inflight;

/* Node-state keys: what this witness cosigned at a Sequence, its own
 * cosignature of it, and the cosignatures a node installed a list with. */
static void key_cosigned(char *b, size_t cap, const char *fed, uint64_t seq)
{
	snprintf(b, cap, "tl-cosigned:%s:%" PRIu64, fed, seq);
}

static void key_own(char *b, size_t cap, const char *fed, uint64_t seq)
{
	snprintf(b, cap, "tl-own-cosig:%s:%" PRIu64, fed, seq);
}

static void key_line(char *b, size_t cap, const char *fed, uint64_t seq,
                     size_t i)
{
	snprintf(b, cap, "tl-cosig:%s:%" PRIu64 ":%zu", fed, seq, i);
}

static int state_read(sp_node *n, const char *key, char *buf, size_t cap)
{
	sp_store_reader *r = NULL;
	const char *why = NULL;
	int err;

	if ((err = sp_store_reader_open(n->store, &r, &why)) != SP_OK)
		return err;
	err = sp_store_state_get(r, key, buf, cap);
	sp_store_reader_close(r);
	return err;
}

/* Append every cosignature line this node keeps for list (fed, seq): those
 * it installed the list with, then its own when it is not among them. */
static void stored_lines(sp_node *n, const char *fed, uint64_t seq,
                         sp_text *out)
{
	char key[SP_NODE_ID_MAX + 64], v[SP_STORE_STATE_MAX];
	size_t i, start = out->len;

	for (i = 0; i < COSIG_LINES_MAX; i++) {
		key_line(key, sizeof(key), fed, seq, i);
		if (state_read(n, key, v, sizeof(v)) != SP_OK)
			break;
		sp_text_append(out, v, strlen(v));
	}
	key_own(key, sizeof(key), fed, seq);
	if (state_read(n, key, v, sizeof(v)) == SP_OK &&
	    (out->buf == NULL || strstr(out->buf + start, v) == NULL))
		sp_text_append(out, v, strlen(v));
}

/* Evidence of a split view by the operator: kept, alarmed (SEC-47). */
static void keep_evidence(sp_node *n, const char *event, const sp_tl *tl,
                          const uint8_t *bytes, size_t len, const char *source,
                          const char *other)
{
	char d[65];
	int err;

	sp_sha256_hex(bytes, len, d);
	err = sp_store_evidence_put(
	    n->store, "trust-list", tl->federation, bytes, len,
	    source != NULL && strlen(source) <= SP_NODE_ID_MAX ? source : NULL);
	sp_log(SP_LOG_ERROR, "trust_list_witness_alarm",
	       SP_LF_STR("kind", event),
	       SP_LF_STR("federation", tl->federation),
	       SP_LF_UINT("sequence", tl->sequence), SP_LF_STR("digest", d),
	       SP_LF_STR("other", other), SP_LF_STR("source", source),
	       SP_LF_STR("evidence", err == SP_OK ? "kept" : "not-kept"));
}

/* Under cosign_mu: refuse a second list at a Sequence, or a successor of
 * another list than the one cosigned before it; else record this one. */
static int claim_sequence(sp_node *n, const sp_trust *t, const uint8_t *bytes,
                          size_t len, const char *source, const char **why)
{
	const sp_tl *tl = sp_trust_list(t);
	const char *digest = sp_trust_list_digest(t);
	char key[SP_NODE_ID_MAX + 64], v[SP_STORE_STATE_MAX];
	int err;

	key_cosigned(key, sizeof(key), tl->federation, tl->sequence);
	err = state_read(n, key, v, sizeof(v));
	if (err == SP_OK && strcmp(v, digest) == 0)
		return SP_OK; /* the same list again: the same answer */
	if (err == SP_OK) {
		keep_evidence(n, "equivocation", tl, bytes, len, source, v);
		*why = "this witness cosigned another list of that Sequence";
		return SP_ERR_LIST_EQUIVOCATION;
	}
	if (err != SP_ERR_NOT_FOUND)
		return err;
	if (tl->sequence > 0 && tl->previous_list[0] != '\0') {
		key_cosigned(key, sizeof(key), tl->federation,
		             tl->sequence - 1);
		if (state_read(n, key, v, sizeof(v)) == SP_OK &&
		    strcmp(v, tl->previous_list) != 0) {
			keep_evidence(n, "fork", tl, bytes, len, source, v);
			*why = "the list follows another list than the one "
			       "this witness cosigned before it";
			return SP_ERR_TRUST_LIST_FORK;
		}
	}
	key_cosigned(key, sizeof(key), tl->federation, tl->sequence);
	return sp_store_state_set(n->store, key, digest);
}

/* Verify bytes as this node would before installing them (FED-17), against
 * the list it holds. */
static int verify_list(sp_node *n, sp_trust *held, const uint8_t *bytes,
                       size_t len, const char *source, sp_trust **out,
                       const char **why)
{
	sp_verify_opts o;
	sp_store_reader *r = NULL;
	sp_store_revocation hit;
	uint64_t seq = 0;
	int err;

	sp_verify_opts_default(&o);
	o.clock_skew = n->cfg->clock_skew;
	o.list_sequence = &seq;
	err = sp_trust_open(n->anchors, bytes, len, held, &o, out, why);
	if (err == SP_ERR_TRUST_LIST_FORK ||
	    (err == SP_ERR_TRUST_LIST_ROLLBACK &&
	     seq == sp_trust_list(held)->sequence)) {
		/* another list of the sequence held, or a fork (SEC-47) */
		sp_tl shown;

		memset(&shown, 0, sizeof(shown));
		snprintf(shown.federation, sizeof(shown.federation), "%s",
		         sp_trust_list(held)->federation);
		shown.sequence = seq;
		keep_evidence(n, "split", &shown, bytes, len, source,
		              sp_trust_list_digest(held));
	}
	if (err != SP_OK)
		return err;
	if ((err = sp_store_reader_open(n->store, &r, why)) == SP_OK) {
		err = sp_store_revoked_check_list(r, sp_trust_list(*out), &hit);
		sp_store_reader_close(r);
	}
	if (err != SP_OK) {
		*why = err == SP_ERR_REVOCATION_REVERSED
		           ? "the list undoes a revocation this node holds"
		           : "cannot read the revocations held";
		sp_trust_unref(*out);
		*out = NULL;
	}
	return err;
}

int sp_node_tl_cosign(sp_node *n, sp_trust *held, const uint8_t *bytes,
                      size_t len, const char *source, char **note_out,
                      size_t *note_len, const char **why)
{
	const sp_tl *h = sp_trust_list(held);
	char text[256], key[SP_NODE_ID_MAX + 64];
	char *line = NULL;
	sp_trust *t = NULL;
	size_t tl, ll;
	int err;

	*note_out = NULL;
	*note_len = 0;
	*why = NULL;
	if (n->log_signer == NULL || h->quorum == 0 ||
	    !sp_tl_is_witness(h, n->cfg->node_id)) {
		*why = "this node is not a witness of its federation's lists";
		return SP_ERR_FORBIDDEN;
	}
	if (atomic_fetch_add(&cosign_inflight, 1) >= COSIGN_MAX_INFLIGHT) {
		atomic_fetch_sub(&cosign_inflight, 1);
		*why = "the witness is verifying other lists; retry later";
		return SP_ERR_OVERLOADED;
	}
	if ((err = verify_list(n, held, bytes, len, source, &t, why)) != SP_OK)
		goto done;
	pthread_mutex_lock(&cosign_mu);
	err = claim_sequence(n, t, bytes, len, source, why);
	pthread_mutex_unlock(&cosign_mu);
	if (err != SP_OK)
		goto done;
	if ((err = sp_tl_cosign(n->log_signer, t, sp_clock_wall_ms() / 1000,
	                        &line, why)) != SP_OK)
		goto done;
	/* kept so that this node counts itself when it installs the list */
	key_own(key, sizeof(key), sp_trust_list(t)->federation,
	        sp_trust_list(t)->sequence);
	(void)sp_store_state_set(n->store, key, line);
	tl = sp_tl_note_text(t, text, sizeof(text));
	ll = strlen(line);
	if ((*note_out = malloc(tl + 1 + ll + 1)) == NULL) {
		err = SP_ERR_NOMEM;
		goto done;
	}
	memcpy(*note_out, text, tl);
	(*note_out)[tl] = '\n';
	memcpy(*note_out + tl + 1, line, ll + 1);
	*note_len = tl + 1 + ll;
	sp_log(SP_LOG_INFO, "trust_list_cosigned",
	       SP_LF_STR("federation", sp_trust_list(t)->federation),
	       SP_LF_UINT("sequence", sp_trust_list(t)->sequence),
	       SP_LF_STR("digest", sp_trust_list_digest(t)),
	       SP_LF_STR("source", source));
done:
	free(line);
	sp_trust_unref(t);
	atomic_fetch_sub(&cosign_inflight, 1);
	return err;
}

unsigned sp_node_tl_cosigners(sp_node *n, sp_trust *held, const sp_trust *t,
                              const char *sigs, size_t sigs_len)
{
	const sp_tl *tl = sp_trust_list(t);
	sp_text all = {0};
	unsigned c;

	stored_lines(n, tl->federation, tl->sequence, &all);
	if (sigs != NULL)
		sp_text_append(&all, sigs, sigs_len);
	c = all.failed
	        ? 0
	        : sp_tl_cosigners(
	              held, t, all.buf, all.len,
	              sp_clock_wall_ms() / 1000 + n->cfg->clock_skew, NULL);
	sp_text_free(&all);
	return c;
}

/* Keep the counted lines of t (one node-state key each) to serve them. */
static void keep_lines(sp_node *n, const sp_tl *tl, char **lines, size_t m)
{
	char key[SP_NODE_ID_MAX + 64];
	size_t i, k = 0;

	for (i = 0; i < m; i++) {
		if (lines[i] == NULL)
			continue;
		key_line(key, sizeof(key), tl->federation, tl->sequence, k++);
		(void)sp_store_state_set(n->store, key, lines[i]);
	}
}

int sp_node__tl_witness_gate(sp_node *n, sp_trust *held, sp_trust *t,
                             const char *sigs, size_t sigs_len,
                             const char *source)
{
	static char last[65]; /* loop thread only: one warning per list */
	const sp_tl *h = held != NULL ? sp_trust_list(held) : NULL;
	const sp_tl *tl = sp_trust_list(t);
	char *lines[SP_TL_WITNESSES_MAX];
	sp_text all = {0};
	unsigned c;
	size_t i;

	/* k = 0, or the node's first list (from its own files) */
	if (h == NULL || h->quorum == 0 || tl->sequence <= h->sequence)
		return SP_OK;
	stored_lines(n, tl->federation, tl->sequence, &all);
	if (sigs != NULL)
		sp_text_append(&all, sigs, sigs_len);
	if (all.failed) {
		sp_text_free(&all);
		return SP_ERR_NOMEM;
	}
	c = sp_tl_cosigners(held, t, all.buf, all.len,
	                    sp_clock_wall_ms() / 1000 + n->cfg->clock_skew,
	                    lines);
	sp_text_free(&all);
	if (c >= h->quorum)
		keep_lines(n, tl, lines, h->n_witnesses);
	for (i = 0; i < h->n_witnesses; i++)
		free(lines[i]);
	if (c >= h->quorum)
		return SP_OK;
	if (strcmp(last, sp_trust_list_digest(t)) != 0) {
		snprintf(last, sizeof(last), "%s", sp_trust_list_digest(t));
		sp_log(SP_LOG_WARN, "trust_list_not_witnessed",
		       SP_LF_STR("federation", tl->federation),
		       SP_LF_UINT("sequence", tl->sequence),
		       SP_LF_STR("digest", sp_trust_list_digest(t)),
		       SP_LF_UINT("cosigners", c),
		       SP_LF_UINT("quorum", h->quorum),
		       SP_LF_UINT("held", h->sequence),
		       SP_LF_STR("source", source),
		       SP_LF_STR("action", "kept-current-list"));
	}
	return SP_ERR_LIST_NOT_WITNESSED;
}

int sp_node_tl_cosignatures(sp_node *n, const char *federation, uint8_t **out,
                            size_t *len)
{
	sp_trust *t = n->trust;
	const sp_tl *tl = sp_trust_list(t);
	sp_text all = {0};
	char text[256];
	size_t tlen;

	*out = NULL;
	*len = 0;
	if (strcmp(federation, tl->federation) != 0)
		return SP_ERR_NOT_FOUND;
	tlen = sp_tl_note_text(t, text, sizeof(text));
	sp_text_append(&all, text, tlen);
	sp_text_append(&all, "\n", 1);
	stored_lines(n, tl->federation, tl->sequence, &all);
	if (all.failed) {
		sp_text_free(&all);
		return SP_ERR_NOMEM;
	}
	if (all.len == tlen + 1) {
		sp_text_free(&all);
		return SP_ERR_NOT_FOUND;
	}
	*out = (uint8_t *)all.buf;
	*len = all.len;
	return SP_OK;
}
