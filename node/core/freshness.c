/* freshness.c: whether the home trust list is fresh (SPEC 7.9). A list
 * that names a timestamp key is fresh until its StalenessBound after the
 * newest signed statement about it (or its own Issued); past that, a
 * gateway or a peer may be withholding a newer list, and the node refuses
 * the peer traffic that depends on it until a statement or a newer list
 * arrives ([TL-66]). Peers also say which list they hold ([API-73]). */
#include "node_int.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void recompute(sp_node *n)
{
	atomic_store(&n->fresh_until,
	             sp_trust_fresh_until(n->trust, n->fresh_bytes != NULL
	                                                ? &n->fresh_ts
	                                                : NULL));
}

void sp_node__fresh_reset(sp_node *n)
{
	if (n->fresh_bytes != NULL &&
	    !sp_tl_timestamp_names(n->trust, &n->fresh_ts)) {
		free(n->fresh_bytes);
		n->fresh_bytes = NULL;
		n->fresh_len = 0;
	}
	recompute(n);
}

void sp_node__fresh_free(sp_node *n)
{
	free(n->fresh_bytes);
	n->fresh_bytes = NULL;
}

int64_t sp_node_fresh_until(sp_node *n)
{
	return atomic_load(&n->fresh_until);
}

int sp_node_list_stale(sp_node *n)
{
	return (int64_t)time(NULL) > atomic_load(&n->fresh_until);
}

static void ask_for_list(sp_node *n, const char *peer, uint64_t sequence)
{
	sp_node_event_args a;

	memset(&a, 0, sizeof(a));
	a.origin = peer;
	a.sequence = sequence;
	sp_node__notify(n, SP_NODE_EV_LIST_NEWER, &a);
}

void sp_node_offer_timestamp(sp_node *n, const uint8_t *bytes, size_t len,
                             const sp_tl_timestamp *ts, const char *source,
                             const char *peer)
{
	const sp_tl *tl = sp_trust_list(n->trust);
	uint8_t *copy;

	if (strcmp(ts->federation, tl->federation) != 0)
		return;
	if (ts->sequence > tl->sequence) {
		/* The timestamp key vouches for a list this node lacks. */
		sp_log(SP_LOG_INFO, "trust_list_newer_announced",
		       SP_LF_STR("federation", ts->federation),
		       SP_LF_UINT("sequence", ts->sequence),
		       SP_LF_UINT("held", tl->sequence),
		       SP_LF_STR("source", source));
		ask_for_list(n, peer, ts->sequence);
		return;
	}
	if (!sp_tl_timestamp_names(n->trust, ts) ||
	    (n->fresh_bytes != NULL && ts->issued <= n->fresh_ts.issued))
		return;
	if ((copy = malloc(len ? len : 1)) == NULL)
		return;
	memcpy(copy, bytes, len);
	free(n->fresh_bytes);
	n->fresh_bytes = copy;
	n->fresh_len = len;
	n->fresh_ts = *ts;
	recompute(n);
	sp_log(SP_LOG_DEBUG, "trust_list_timestamp",
	       SP_LF_STR("federation", ts->federation),
	       SP_LF_UINT("sequence", ts->sequence),
	       SP_LF_INT("issued", ts->issued),
	       SP_LF_INT("fresh_until", atomic_load(&n->fresh_until)),
	       SP_LF_STR("source", source));
}

const uint8_t *sp_node_timestamp_bytes(sp_node *n, const char *federation,
                                       size_t *len)
{
	if (n->fresh_bytes == NULL ||
	    strcmp(federation, sp_trust_list(n->trust)->federation) != 0)
		return NULL;
	*len = n->fresh_len;
	return n->fresh_bytes;
}

void sp_node__fresh_tick(sp_node *n, int64_t now)
{
	const sp_tl *tl = sp_trust_list(n->trust);
	int64_t until = atomic_load(&n->fresh_until);

	if (now > until && !n->stale_alarmed) {
		/* [TL-66]: someone on the way may be withholding a newer
		 * list; peers are refused until a statement or a list comes */
		n->stale_alarmed = 1;
		sp_log(SP_LOG_ERROR, "trust_list_stale_alarm",
		       SP_LF_STR("federation", tl->federation),
		       SP_LF_UINT("sequence", tl->sequence),
		       SP_LF_INT("fresh_until", until),
		       SP_LF_UINT("staleness_bound", sp_tl_staleness_bound(tl)),
		       SP_LF_STR("action", "peer-traffic-refused"));
	} else if (now <= until && n->stale_alarmed) {
		n->stale_alarmed = 0;
		sp_log(SP_LOG_INFO, "trust_list_fresh",
		       SP_LF_STR("federation", tl->federation),
		       SP_LF_UINT("sequence", tl->sequence),
		       SP_LF_INT("fresh_until", until));
	}
}

void sp_node__fresh_metrics(sp_node *n, sp_text *t, int64_t now)
{
	int64_t until = atomic_load(&n->fresh_until);

	sp_text_printf(
	    t,
	    "# HELP silkport_trust_list_stale 1 while the trust list "
	    "is stale (SPEC 7.9): peer traffic is refused.\n"
	    "# TYPE silkport_trust_list_stale gauge\n"
	    "silkport_trust_list_stale %d\n",
	    now > until ? 1 : 0);
	if (sp_trust_has_timestamp_key(n->trust))
		sp_text_printf(
		    t,
		    "# HELP silkport_trust_list_fresh_seconds Seconds "
		    "until the trust list is stale without a newer "
		    "statement (negative: stale).\n"
		    "# TYPE silkport_trust_list_fresh_seconds gauge\n"
		    "silkport_trust_list_fresh_seconds %lld\n",
		    (long long)(until - now));
}

void sp_node_list_header(sp_node *n, char *out, size_t cap)
{
	const sp_tl *tl = sp_trust_list(n->trust);

	snprintf(out, cap, "%s %llu", tl->federation,
	         (unsigned long long)tl->sequence);
}

static int hex_digest(const char *d)
{
	size_t i;

	for (i = 0; d[i] != '\0'; i++)
		if (!((d[i] >= '0' && d[i] <= '9') ||
		      (d[i] >= 'a' && d[i] <= 'f')))
			return 0;
	return i == 64;
}

/* A member holds another list of this node's sequence: the operator
 * showed different lists to different nodes (SPEC [FED-60], SEC-47).
 * Alarmed once per digest; the list is fetched, and refused by TL-16. */
static void split_seen(sp_node *n, const char *peer, const sp_tl *tl,
                       const char *digest)
{
	if (strcmp(n->split_digest, digest) == 0)
		return;
	snprintf(n->split_digest, sizeof(n->split_digest), "%s", digest);
	sp_log(SP_LOG_ERROR, "trust_list_split", SP_LF_STR("peer", peer),
	       SP_LF_STR("federation", tl->federation),
	       SP_LF_UINT("sequence", tl->sequence),
	       SP_LF_STR("held", sp_trust_list_digest(n->trust)),
	       SP_LF_STR("announced", digest));
	ask_for_list(n, peer, tl->sequence);
}

int sp_node_peer_list_seen(sp_node *n, const char *peer, const char *value,
                           const char *digest)
{
	const sp_tl *tl = sp_trust_list(n->trust);
	char fed[SP_NODE_ID_MAX + 1];
	const char *sp;
	size_t flen, len;
	uint64_t seq;

	/* exactly "FEDERATION SEQUENCE": one space, a valid FederationId,
	 * a decimal of the protocol's grammar; nothing else */
	if (value == NULL || (len = strlen(value)) > SP_NODE_ID_MAX + 1 + 19 ||
	    (sp = memchr(value, ' ', len)) == NULL)
		return SP_ERR_BAD_REQUEST;
	flen = (size_t)(sp - value);
	if (flen == 0 || flen >= sizeof(fed))
		return SP_ERR_BAD_REQUEST;
	memcpy(fed, value, flen);
	fed[flen] = '\0';
	if (!sp_federation_id_valid(fed) ||
	    sp_parse_u64(sp + 1, len - flen - 1, INT64_MAX, &seq) != SP_OK)
		return SP_ERR_BAD_REQUEST;
	if (strcmp(fed, tl->federation) != 0)
		return SP_OK;
	if (seq > tl->sequence)
		ask_for_list(n, peer, seq);
	else if (seq == tl->sequence && digest != NULL && hex_digest(digest) &&
	         strcmp(digest, sp_trust_list_digest(n->trust)) != 0)
		split_seen(n, peer, tl, digest);
	return SP_OK;
}
