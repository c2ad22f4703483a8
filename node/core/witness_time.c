/* witness_time.c: time from witnesses on arrival (SPEC [FED-61]). The
 * peers side reports each Origin's witnessed checkpoint (its size and the
 * smallest timestamp of the cosignatures counted for it); a record of that
 * Origin at a Sequence the checkpoint did not contain cannot have been
 * signed long before the checkpoint was cosigned, so an Issued earlier
 * than that time less the merge delay and the skew is a backdated one.
 * Each Origin's bound is kept in the store's node state too, so that it
 * applies from the first record after a restart, not from the first
 * witnessed round ([FED-61] 1). */
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

/* ---------------------------------------------------------------- kept
 * node state "arrival-bound:<first 40 hex digits of SHA-256(origin)>" =
 * "SIZE FIRST ORIGIN": a NodeId may be 64 characters, a state key less;
 * the value names the Origin, so that a key never speaks for another. */
#define WTIME_KEY "arrival-bound:"

static void wtime_key(const char *origin, char key[64])
{
	char hex[65];

	sp_sha256_hex((const uint8_t *)origin, strlen(origin), hex);
	snprintf(key, 64, WTIME_KEY "%.40s", hex);
}

/* The kept bound of origin: 0 with *size and *first, -1 if none. Worker
 * threads (a store reader). */
static int wtime_load(sp_node *n, const char *origin, uint64_t *size,
                      int64_t *first)
{
	sp_store_reader *r = sp_node_reader(n);
	char key[64], v[SP_STORE_STATE_MAX];
	const char *sp1, *sp2;
	uint64_t t = 0;

	wtime_key(origin, key);
	if (r == NULL || sp_store_state_get(r, key, v, sizeof(v)) != SP_OK ||
	    (sp1 = strchr(v, ' ')) == NULL ||
	    (sp2 = strchr(sp1 + 1, ' ')) == NULL ||
	    strcmp(sp2 + 1, origin) != 0 ||
	    sp_parse_u64(v, (size_t)(sp1 - v), INT64_MAX, size) != SP_OK ||
	    sp_parse_u64(sp1 + 1, (size_t)(sp2 - sp1 - 1), INT64_MAX, &t) !=
	        SP_OK)
		return -1;
	*first = (int64_t)t;
	return 0;
}

typedef struct wtime_job {
	sp_node *n;
	char origin[SP_NODE_ID_MAX + 1];
} wtime_job;

static struct sp_wtime *wtime_find(sp_node *n, const char *origin);

/* Worker: write origin's current bound. One write at a time, each taking
 * the value when it runs, so that the last one written is the newest. */
static void wtime_save_work(void *arg)
{
	static pthread_mutex_t save_mu = PTHREAD_MUTEX_INITIALIZER;
	wtime_job *w = arg;
	const struct sp_wtime *t;
	uint64_t size = 0;
	int64_t first = 0;
	char key[64], v[SP_STORE_STATE_MAX];

	pthread_mutex_lock(&save_mu);
	pthread_mutex_lock(&w->n->wtime_mu);
	if ((t = wtime_find(w->n, w->origin)) != NULL) {
		size = t->size;
		first = t->first_s;
	}
	pthread_mutex_unlock(&w->n->wtime_mu);
	wtime_key(w->origin, key);
	snprintf(v, sizeof(v), "%llu %lld %s", (unsigned long long)size,
	         (long long)first, w->origin);
	if (first > 0 &&
	    sp_store_state_set(sp_node_store(w->n), key, v) != SP_OK)
		sp_log(SP_LOG_WARN, "arrival_bound_unsaved",
		       SP_LF_STR("origin", w->origin),
		       SP_LF_UINT("size", size));
	pthread_mutex_unlock(&save_mu);
}

static void wtime_save_done(void *arg)
{
	free(arg);
}

static void wtime_save(sp_node *n, const char *origin)
{
	wtime_job *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return;
	w->n = n;
	snprintf(w->origin, sizeof(w->origin), "%s", origin);
	if (sp_node_work(n, wtime_save_work, wtime_save_done, w) != SP_OK)
		free(w); /* kept in memory; written with the next change */
}

/* The entry of origin, or NULL. Caller holds wtime_mu. */
static struct sp_wtime *wtime_find(sp_node *n, const char *origin)
{
	size_t i;

	for (i = 0; i < n->n_wtimes; i++)
		if (strcmp(n->wtimes[i].origin, origin) == 0)
			return &n->wtimes[i];
	return NULL;
}

/* Room for one more entry: 0, or -1 without memory. Caller holds
 * wtime_mu. */
static int wtime_room(sp_node *n)
{
	size_t nc;
	struct sp_wtime *a;

	if (n->n_wtimes < n->cap_wtimes)
		return 0;
	nc = n->cap_wtimes ? n->cap_wtimes * 2 : 16;
	if ((a = realloc(n->wtimes, nc * sizeof(*a))) == NULL)
		return -1;
	n->wtimes = a;
	n->cap_wtimes = nc;
	return 0;
}

void sp_node_witness_time(sp_node *n, const char *origin, uint64_t size,
                          int64_t first_s)
{
	struct sp_wtime *w;
	int changed = 0;

	if (n == NULL || origin == NULL || strlen(origin) > SP_NODE_ID_MAX)
		return;
	pthread_mutex_lock(&n->wtime_mu);
	if ((w = wtime_find(n, origin)) == NULL) {
		if (wtime_room(n) != 0)
			goto out; /* no bound: today's behaviour */
		w = &n->wtimes[n->n_wtimes++];
		memset(w, 0, sizeof(*w));
		snprintf(w->origin, sizeof(w->origin), "%s", origin);
	} else if (size < w->size) {
		goto out; /* the witnessed checkpoint never moves back */
	}
	changed = w->size != size || w->first_s != first_s;
	w->size = size;
	w->first_s = first_s;
out:
	pthread_mutex_unlock(&n->wtime_mu);
	if (changed && first_s > 0)
		wtime_save(n, origin);
}

/* Worker: origin's bound as kept in the store, when the peers side has
 * reported none since the start. */
static void wtime_restore(sp_node *n, const char *origin)
{
	struct sp_wtime *w;
	uint64_t size = 0;
	int64_t first = 0;
	int have = wtime_load(n, origin, &size, &first) == 0;

	pthread_mutex_lock(&n->wtime_mu);
	if (wtime_find(n, origin) == NULL && wtime_room(n) == 0) {
		/* an entry even without a kept bound: read once */
		w = &n->wtimes[n->n_wtimes++];
		memset(w, 0, sizeof(*w));
		snprintf(w->origin, sizeof(w->origin), "%s", origin);
		if (have) {
			w->size = size;
			w->first_s = first;
		}
	}
	pthread_mutex_unlock(&n->wtime_mu);
}

int sp_node__issued_check(sp_node *n, const sp_trust *home, const char *origin,
                          uint64_t sequence, int64_t issued, char *why,
                          size_t why_cap)
{
	const struct sp_wtime *w;
	uint64_t size = 0;
	int64_t first = 0, margin;
	int known;

	if (sp_trust_list(home)->quorum == 0)
		return SP_OK; /* no trusted time (a bound kept from before a
		                 list without witnesses does not apply) */
	pthread_mutex_lock(&n->wtime_mu);
	known = wtime_find(n, origin) != NULL;
	pthread_mutex_unlock(&n->wtime_mu);
	if (!known)
		wtime_restore(n, origin); /* the first record after a start */
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
