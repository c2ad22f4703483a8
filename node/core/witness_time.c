/* witness_time.c: time from witnesses on arrival (SPEC [FED-61]). The
 * peers side reports each Origin's witnessed checkpoint (its size and the
 * smallest timestamp of the cosignatures counted for it); a record of that
 * Origin at a Sequence the checkpoint did not contain cannot have been
 * signed long before the checkpoint was cosigned, so an Issued earlier
 * than that time less the merge delay and the skew is a backdated one. */
#include "node_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sp_wtime {
	char origin[SP_NODE_ID_MAX + 1];
	uint64_t size;   /* of the witnessed checkpoint */
	int64_t first_s; /* its smallest counted cosignature time; 0: none */
};

/* The entry of origin, or NULL. Caller holds wtime_mu. */
static struct sp_wtime *wtime_find(sp_node *n, const char *origin)
{
	size_t i;

	for (i = 0; i < n->n_wtimes; i++)
		if (strcmp(n->wtimes[i].origin, origin) == 0)
			return &n->wtimes[i];
	return NULL;
}

void sp_node_witness_time(sp_node *n, const char *origin, uint64_t size,
                          int64_t first_s)
{
	struct sp_wtime *w;

	if (n == NULL || origin == NULL || strlen(origin) > SP_NODE_ID_MAX)
		return;
	pthread_mutex_lock(&n->wtime_mu);
	if ((w = wtime_find(n, origin)) == NULL) {
		if (n->n_wtimes == n->cap_wtimes) {
			size_t nc = n->cap_wtimes ? n->cap_wtimes * 2 : 16;
			struct sp_wtime *a =
			    realloc(n->wtimes, nc * sizeof(*a));

			if (a == NULL)
				goto out; /* no bound: today's behaviour */
			n->wtimes = a;
			n->cap_wtimes = nc;
		}
		w = &n->wtimes[n->n_wtimes++];
		memset(w, 0, sizeof(*w));
		snprintf(w->origin, sizeof(w->origin), "%s", origin);
	} else if (size < w->size) {
		goto out; /* the witnessed checkpoint never moves back */
	}
	w->size = size;
	w->first_s = first_s;
out:
	pthread_mutex_unlock(&n->wtime_mu);
}

int sp_node__issued_check(sp_node *n, const sp_trust *home, const char *origin,
                          uint64_t sequence, int64_t issued, char *why,
                          size_t why_cap)
{
	const struct sp_wtime *w;
	uint64_t size = 0;
	int64_t first = 0, margin;

	pthread_mutex_lock(&n->wtime_mu);
	if ((w = wtime_find(n, origin)) != NULL) {
		size = w->size;
		first = w->first_s;
	}
	pthread_mutex_unlock(&n->wtime_mu);
	/* k = 0 (no trusted time), or a position the checkpoint holds: the
	 * bound of confirmation applies instead ([FED-55]) */
	if (first <= 0 || sequence < size)
		return SP_OK;
	margin = (int64_t)sp_tl_merge_delay(sp_trust_list(home)) +
	         n->cfg->clock_skew;
	if (issued >= first - margin)
		return SP_OK;
	snprintf(why, why_cap,
	         "Issued %" PRId64 " is more than the merge delay and the "
	         "skew (%" PRId64 " s) before %" PRId64
	         ", when the witnesses cosigned a checkpoint of size %" PRIu64
	         " of %s that does not contain Sequence %" PRIu64,
	         issued, margin, first, size, origin, sequence);
	return SP_ERR_ISSUED_OUT_OF_BOUNDS;
}
