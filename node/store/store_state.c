/* store_state.c: the node's own facts (node_state), the log state of
 * received records and the online backup, above the driver. */
#include <string.h>

#include "base.h"
#include "store_int.h"

typedef struct state_args {
	const char *key;
	const char *value;
} state_args;

static int state_put_fn(sp_store *s, void *arg)
{
	const state_args *a = arg;

	return s->ops->state_put(s->w, a->key, a->value);
}

int sp_store_state_set(sp_store *s, const char *key, const char *value)
{
	state_args a = {key, value};

	if (!s || !key || !*key || strlen(key) >= 64 ||
	    (value && strlen(value) >= SP_STORE_STATE_MAX))
		return SP_ERR_INVALID_ARGUMENT;
	return sp_store__run(s, state_put_fn, &a);
}

int sp_store_state_get(sp_store_reader *r, const char *key, char *buf,
                       size_t cap)
{
	if (!r || !key || !buf || cap == 0)
		return SP_ERR_INVALID_ARGUMENT;
	return r->s->ops->state_get(r->c, key, buf, cap);
}

const char *sp_store_log_state_name(int state)
{
	switch (state) {
	case SP_LOG_CONFIRMED:
		return "confirmed";
	case SP_LOG_PENDING:
		return "pending";
	case SP_LOG_UNLOGGED:
		return "unlogged";
	}
	return NULL;
}

typedef struct log_state_args {
	const char *origin;
	const uint64_t *seqs;
	size_t n;
	const sp_store_settle *how;
	uint64_t *refused;
	size_t *n_refused;
} log_state_args;

static int log_state_fn(sp_store *s, void *arg)
{
	const log_state_args *a = arg;

	*a->n_refused = 0;
	if (a->how->n_held != NULL)
		*a->how->n_held = 0; /* a group run again starts afresh */
	return s->ops->log_state_set(s->w, a->origin, a->seqs, a->n, a->how,
	                             a->refused, a->n_refused);
}

int sp_store_log_settle(sp_store *s, const char *origin, const uint64_t *seqs,
                        size_t n, const sp_store_settle *how, uint64_t *refused,
                        size_t *n_refused)
{
	size_t dummy = 0;
	log_state_args a = {origin, seqs,    n,
	                    how,    refused, n_refused ? n_refused : &dummy};

	if (n_refused)
		*n_refused = 0;
	if (!s || !origin || !how || (n > 0 && !seqs) ||
	    n > SP_STORE_LIST_MAX ||
	    (how->state != SP_LOG_CONFIRMED && how->state != SP_LOG_UNLOGGED) ||
	    how->exists_by < 0 ||
	    (how->state == SP_LOG_CONFIRMED &&
	     (how->issued_max != INT64_MAX || how->exists_by > 0) &&
	     !refused) ||
	    (how->held != NULL && how->n_held == NULL))
		return SP_ERR_INVALID_ARGUMENT;
	if (n == 0)
		return SP_OK;
	return sp_store__run(s, log_state_fn, &a);
}

typedef struct log_revoke_args {
	const char *origin;
	int64_t after;
	uint64_t *seqs;
	size_t max;
	size_t *n;
} log_revoke_args;

static int log_revoke_fn(sp_store *s, void *arg)
{
	const log_revoke_args *a = arg;

	*a->n = 0; /* a group run again starts afresh */
	return s->ops->log_revoke(s->w, a->origin, a->after, a->seqs, a->max,
	                          a->n);
}

int sp_store_log_revoke(sp_store *s, const char *origin, int64_t after,
                        uint64_t *seqs, size_t max, size_t *n)
{
	log_revoke_args a = {origin, after, seqs, max, n};

	if (n)
		*n = 0;
	if (!s || !origin || !n || (max > 0 && !seqs))
		return SP_ERR_INVALID_ARGUMENT;
	return sp_store__run(s, log_revoke_fn, &a);
}

int sp_store_log_state_set(sp_store *s, const char *origin,
                           const uint64_t *seqs, size_t n, int state)
{
	sp_store_settle how = {state, 0, INT64_MAX, 0, INT64_MAX, NULL, NULL};

	return sp_store_log_settle(s, origin, seqs, n, &how, NULL, NULL);
}

int sp_store_log_pending(sp_store_reader *r, const char *origin, uint64_t from,
                         size_t max, sp_store_pending **out, size_t *n)
{
	if (out)
		*out = NULL;
	if (n)
		*n = 0;
	if (!r || !origin || !out || !n || max == 0 ||
	    max > SP_STORE_LIST_MAX || from > (uint64_t)INT64_MAX)
		return SP_ERR_INVALID_ARGUMENT;
	return r->s->ops->log_pending(r->c, origin, from, max, out, n);
}

int sp_store_backup(const char *path, const char *dest, const char **why)
{
	const char *dummy;

	if (!why)
		why = &dummy;
	*why = NULL;
	if (!path || !*path || !dest || !*dest) {
		*why = "no database or backup path";
		return SP_ERR_INVALID_ARGUMENT;
	}
	return sp_store_sqlite_driver.backup(path, dest, why);
}
