/* trust_gate.c: the one check every trust list passes before a node makes
 * it current, whatever its source (file at start or reload, a peer, a list
 * URL) and whichever federation it describes: revocations stay permanent
 * ([TL-39]), a NodeId names one node across the node's federations
 * ([FED-40]), and a home list carries at least [trust] min_threshold
 * operator signatures and Threshold ([TL-80]). */
#include "node_int.h"
#include "relay_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* SP_ERR_REVOCATION_REVERSED (logged) when tl shows as not revoked a member
 * or a signing certificate that a list this node accepted revoked. */
static int check_revocations(sp_node *n, const sp_tl *tl, const char *source)
{
	static char last_fed[SP_NODE_ID_MAX + 1]; /* loop thread only */
	static uint64_t last_seq;
	sp_store_reader *r = NULL;
	sp_store_revocation hit;
	const char *why = NULL;
	int err;

	if ((err = sp_store_reader_open(n->store, &r, &why)) == SP_OK) {
		err = sp_store_revoked_check_list(r, tl, &hit);
		sp_store_reader_close(r);
	}
	if (err == SP_ERR_REVOCATION_REVERSED &&
	    (strcmp(last_fed, tl->federation) != 0 ||
	     last_seq != tl->sequence)) {
		/* An alarm: the operator's key signed a list that undoes a
		 * revocation, which SPEC forbids; the key may be misused.
		 * Once per list: peers keep offering it at every poll. */
		snprintf(last_fed, sizeof(last_fed), "%s", tl->federation);
		last_seq = tl->sequence;
		sp_log(SP_LOG_ERROR, "revocation_reversed_alarm",
		       SP_LF_STR("federation", tl->federation),
		       SP_LF_UINT("sequence", tl->sequence),
		       SP_LF_STR("node", hit.node_id),
		       SP_LF_STR("kind", hit.kind == SP_REVOKED_MEMBER
		                             ? "member"
		                             : "signing-cert"),
		       SP_LF_STR("subject", hit.subject),
		       SP_LF_UINT("revoked_by_sequence", hit.sequence),
		       SP_LF_STR("source", source),
		       SP_LF_STR("action", "list-refused"));
	} else if (err != SP_OK && err != SP_ERR_REVOCATION_REVERSED) {
		sp_log(SP_LOG_ERROR, "trust_list_refused",
		       SP_LF_STR("federation", tl->federation),
		       SP_LF_UINT("sequence", tl->sequence),
		       SP_LF_STR("err", sp_strerror(err)),
		       SP_LF_STR("why", "cannot read revocations"));
	}
	return err;
}

/* Record what tl revokes: the members and their signing certificates. */
static int record_revocations(sp_node *n, const sp_tl *tl)
{
	int err = sp_store_revoked_record_list(n->store, tl);

	if (err != SP_OK)
		sp_log(SP_LOG_ERROR, "trust_list_refused",
		       SP_LF_STR("federation", tl->federation),
		       SP_LF_UINT("sequence", tl->sequence),
		       SP_LF_STR("err", sp_strerror(err)),
		       SP_LF_STR("why", "cannot record its revocations"));
	return err;
}

/* One node listed twice (FED-32): the same signing certificates and LogKey. */
static int same_node(const sp_tl_member *a, const sp_tl_member *b)
{
	size_t i, j;

	if (a->n_signing != b->n_signing)
		return 0;
	if ((a->log_key == NULL) != (b->log_key == NULL) ||
	    (a->log_key != NULL && strcmp(a->log_key, b->log_key) != 0))
		return 0;
	for (i = 0; i < a->n_signing; i++) {
		int found = 0;

		for (j = 0; j < b->n_signing && !found; j++)
			found =
			    a->signing[i].der_len == b->signing[j].der_len &&
			    memcmp(a->signing[i].der, b->signing[j].der,
			           a->signing[i].der_len) == 0;
		if (!found)
			return 0;
	}
	return 1;
}

/* A followed list (relay slot) whose member names a NodeId that another
 * list of this node binds to another node: ignore that member ([FED-40]).
 * *t is replaced by a copy without them. */
static int drop_collisions(sp_node *n, int slot, sp_trust **t,
                           const char *source)
{
	const sp_tl *tl = sp_trust_list(*t);
	const char **drop = NULL;
	sp_trust *other, *nt = NULL;
	const char *why = NULL;
	size_t i, j, k = 0, count = sp_node_relay_count(n);
	int err = SP_OK;

	if (tl->n_members == 0)
		return SP_OK;
	if ((drop = calloc(tl->n_members, sizeof(*drop))) == NULL)
		return SP_ERR_NOMEM;
	for (i = 0; i < tl->n_members; i++) {
		const sp_tl_member *m = &tl->members[i], *o = NULL;
		const char *where = NULL;

		/* the home list, then every other followed list it holds */
		for (j = 0; j <= count && o == NULL; j++) {
			if (j == 0) {
				other = sp_trust_ref(n->trust);
			} else if ((int)(j - 1) == slot) {
				continue;
			} else {
				other = sp_node_relay_trust(n, j - 1);
			}
			if (other != NULL &&
			    (o = sp_tl_find(sp_trust_list(other),
			                    m->node_id)) != NULL &&
			    same_node(m, o))
				o = NULL; /* FED-32: the same node, listed in
				             both */
			else if (o != NULL)
				where =
				    j == 0 ? n->cfg->federation
				           : sp_node_relay_federation(n, j - 1);
			sp_trust_unref(other);
		}
		if (o == NULL)
			continue;
		sp_log(SP_LOG_ERROR, "node_id_collision_alarm",
		       SP_LF_STR("federation", tl->federation),
		       SP_LF_UINT("sequence", tl->sequence),
		       SP_LF_STR("node", m->node_id),
		       SP_LF_STR("bound_in", where),
		       SP_LF_STR("source", source),
		       SP_LF_STR("action", "member-ignored"));
		drop[k++] = m->node_id;
	}
	if (k > 0) {
		if ((err = sp_trust_without(*t, drop, k, &nt, &why)) == SP_OK) {
			sp_trust_unref(*t);
			*t = nt;
		} else {
			sp_log(SP_LOG_ERROR, "trust_list_refused",
			       SP_LF_STR("federation", tl->federation),
			       SP_LF_UINT("sequence", tl->sequence),
			       SP_LF_STR("err", sp_strerror(err)),
			       SP_LF_STR("why", why));
		}
	}
	free(drop);
	return err;
}

/* [TL-80]: one stolen anchor key must not start a fresh node, or move a
 * running one, on a list of its own. SP_ERR_THRESHOLD_NOT_MET (logged)
 * when the home list t names a Threshold, or carries distinct signatures
 * of keys this node already trusts, below [trust] min_threshold. */
static int check_min_threshold(sp_node *n, const sp_trust *t,
                               const char *source)
{
	const sp_tl *tl = sp_trust_list(t);
	unsigned min = (unsigned)n->cfg->min_threshold;
	unsigned threshold = sp_tl_threshold(tl), signers = sp_trust_signers(t);

	if (threshold >= min && signers >= min)
		return SP_OK;
	sp_log(SP_LOG_ERROR, "trust_list_refused",
	       SP_LF_STR("federation", tl->federation),
	       SP_LF_UINT("sequence", tl->sequence),
	       SP_LF_STR("err", sp_strerror(SP_ERR_THRESHOLD_NOT_MET)),
	       SP_LF_UINT("threshold", threshold),
	       SP_LF_UINT("signers", signers), SP_LF_UINT("min_threshold", min),
	       SP_LF_STR("source", source),
	       SP_LF_STR("why", threshold < min
	                            ? "the list's Threshold is below this "
	                              "node's [trust] min_threshold"
	                            : "fewer operator keys signed the list "
	                              "than this node's [trust] "
	                              "min_threshold"));
	return SP_ERR_THRESHOLD_NOT_MET;
}

int sp_node__trust_gate(sp_node *n, int slot, sp_trust **t, const char *source)
{
	int err;

	if (n->store == NULL)
		return SP_ERR_UNAVAILABLE;
	if (slot < 0 && (err = check_min_threshold(n, *t, source)) != SP_OK)
		return err;
	if ((err = check_revocations(n, sp_trust_list(*t), source)) != SP_OK ||
	    (err = record_revocations(n, sp_trust_list(*t))) != SP_OK)
		return err;
	return slot >= 0 ? drop_collisions(n, slot, t, source) : SP_OK;
}

int sp_node_install_list(sp_node *n, int slot, sp_trust *t, const char *source)
{
	return sp_node_install_list_witnessed(n, slot, t, NULL, 0, source);
}

int sp_node_install_list_witnessed(sp_node *n, int slot, sp_trust *t,
                                   const char *sigs, size_t sigs_len,
                                   const char *source)
{
	const sp_tl *tl = sp_trust_list(t);
	sp_trust *cur = slot < 0 ? sp_trust_ref(n->trust)
	                         : sp_node_relay_trust(n, (size_t)slot);
	const char *want = slot < 0 ? n->cfg->federation
	                            : sp_node_relay_federation(n, (size_t)slot);
	const uint8_t *b;
	size_t len;
	int err = SP_OK;

	if (strcmp(tl->federation, want) != 0)
		err = SP_ERR_WRONG_FEDERATION;
	else if (cur != NULL && tl->sequence <= sp_trust_list(cur)->sequence)
		err = SP_ERR_TRUST_LIST_ROLLBACK;
	else if (slot < 0)
		err =
		    sp_node__tl_witness_gate(n, cur, t, sigs, sigs_len, source);
	sp_trust_unref(cur);
	if (err != SP_OK)
		return err;
	t = sp_trust_ref(t);
	if ((err = sp_node__trust_gate(n, slot, &t, source)) != SP_OK)
		goto done;
	b = sp_trust_list_bytes(t, &len);
	if ((err = sp_store_trust_list_put(n->store, tl->federation,
	                                   tl->sequence, b, len)) != SP_OK) {
		sp_log(SP_LOG_ERROR, "trust_list_persist_failed",
		       SP_LF_STR("federation", tl->federation),
		       SP_LF_UINT("sequence", tl->sequence),
		       SP_LF_STR("err", sp_strerror(err)));
		goto done;
	}
	if (slot < 0) {
		sp_trust_unref(n->trust);
		n->trust = sp_trust_ref(t);
		sp_node__fresh_reset(n); /* a newer list is fresh of itself */
	} else {
		sp_node__relay_set_trust(n, (size_t)slot, t);
	}
	sp_metrics_count(n->metrics, SP_CTR_TRUST_RELOADS, 1);
	sp_log(SP_LOG_INFO, "trust_list_installed",
	       SP_LF_STR("federation", tl->federation),
	       SP_LF_UINT("sequence", tl->sequence),
	       SP_LF_STR("source", source));
	sp_node__notify(n, SP_NODE_EV_TRUST_CHANGED, NULL);
	sp_node__recheck_conns(n); /* a member may be suspended or revoked */
done:
	sp_trust_unref(t);
	return err;
}
