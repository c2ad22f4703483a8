/* handle.c: the store's lifecycle over a driver: open and close, reader
 * connections, and the entry points that pass reads to the driver. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base.h"
#include "store_int.h"

int sp_store_open_driver(const sp_store_driver *d, const char *target,
                         unsigned flags, sp_store **out, const char **why)
{
	sp_store *s = NULL;
	const char *dummy;
	int err;
	size_t plen;

	if (!why)
		why = &dummy;
	*why = NULL;
	if (out)
		*out = NULL;
	if (!out || !d || !target || !*target) {
		*why = "no database path";
		return SP_ERR_INVALID_ARGUMENT;
	}
	s = calloc(1, sizeof(*s));
	plen = strlen(target);
	if (!s || !(s->target = malloc(plen + 1))) {
		free(s);
		*why = "out of memory";
		return SP_ERR_NOMEM;
	}
	memcpy(s->target, target, plen + 1);
	s->ops = d;
	pthread_mutex_init(&s->mu, NULL);
	pthread_mutex_init(&s->seq_mu, NULL);
	pthread_cond_init(&s->work_cv, NULL);
	pthread_cond_init(&s->done_cv, NULL);

	if ((err = d->open(target, flags, &s->w, why)))
		goto fail;
	if ((err = d->conn_open(target, &s->seq, why)))
		goto fail;
	if ((err = sp_store__committer_start(s))) {
		*why = "cannot start the committer thread";
		goto fail;
	}
	*out = s;
	return SP_OK;
fail:
	if (!*why)
		*why = "cannot open the store";
	sp_store_close(s);
	return err;
}

int sp_store_open(const char *path, unsigned flags, sp_store **out,
                  const char **why)
{
	return sp_store_open_driver(&sp_store_sqlite_driver, path, flags, out,
	                            why);
}

int64_t sp_store__now(void)
{
	return (int64_t)time(NULL);
}

/* The drivers a node can be configured with, by name. */
static const sp_store_driver *const drivers[] = {
    &sp_store_sqlite_driver,
    &sp_store_pg_driver,
};

int sp_store_open_backend(const char *backend, const char *target,
                          unsigned flags, sp_store **out, const char **why)
{
	size_t i;

	for (i = 0; backend && i < sizeof(drivers) / sizeof(drivers[0]); i++)
		if (strcmp(backend, drivers[i]->name) == 0)
			return sp_store_open_driver(drivers[i], target, flags,
			                            out, why);
	if (out)
		*out = NULL;
	if (why)
		*why = "unknown store backend (known: sqlite, postgresql)";
	return SP_ERR_INVALID_ARGUMENT;
}

int sp_store_leader(sp_store *s, const char *role, int *held)
{
	const char *why = NULL;
	int err = SP_OK;

	if (held)
		*held = 0;
	if (!s || !role || !*role || !held)
		return SP_ERR_INVALID_ARGUMENT;
	if (!s->ops->leader) {
		*held = 1;
		return SP_OK;
	}
	pthread_mutex_lock(&s->seq_mu);
	/* a connection of its own: the role lasts as long as it does */
	if (!s->leader)
		err = s->ops->conn_open(s->target, &s->leader, &why);
	if (err == SP_OK)
		err = s->ops->leader(s->leader, role, held);
	pthread_mutex_unlock(&s->seq_mu);
	return err;
}

void sp_store_close(sp_store *s)
{
	if (!s)
		return;
	sp_store__committer_stop(s);
	if (s->readers)
		sp_log(SP_LOG_WARN, "store_error",
		       SP_LF_STR("why", "closed with readers still open"),
		       SP_LF_UINT("readers", s->readers));
	while (s->inflight) {
		sp_store_inflight *n = s->inflight->next;

		free(s->inflight);
		s->inflight = n;
	}
	s->ops->conn_close(s->leader);
	s->ops->conn_close(s->seq);
	s->ops->conn_close(s->w);
	pthread_cond_destroy(&s->work_cv);
	pthread_cond_destroy(&s->done_cv);
	pthread_mutex_destroy(&s->mu);
	pthread_mutex_destroy(&s->seq_mu);
	free(s->target);
	free(s);
}

void sp_store_set_commit_hook(sp_store *s,
                              void (*hook)(void *ud, double seconds,
                                           size_t n_requests),
                              void *ud)
{
	s->commit_hook = hook;
	s->commit_hook_ud = ud;
}

int sp_store_reader_open(sp_store *s, sp_store_reader **out, const char **why)
{
	sp_store_reader *r;
	const char *dummy;
	int err;

	if (!why)
		why = &dummy;
	*why = NULL;
	if (!out)
		return SP_ERR_INVALID_ARGUMENT;
	*out = NULL;
	if (!s)
		return SP_ERR_INVALID_ARGUMENT;
	if (!(r = calloc(1, sizeof(*r)))) {
		*why = "out of memory";
		return SP_ERR_NOMEM;
	}
	r->s = s;
	if ((err = s->ops->conn_open(s->target, &r->c, why))) {
		free(r);
		return err;
	}
	pthread_mutex_lock(&s->mu);
	s->readers++;
	pthread_mutex_unlock(&s->mu);
	*out = r;
	return SP_OK;
}

void sp_store_reader_close(sp_store_reader *r)
{
	if (!r)
		return;
	r->s->ops->conn_close(r->c);
	pthread_mutex_lock(&r->s->mu);
	r->s->readers--;
	pthread_mutex_unlock(&r->s->mu);
	free(r);
}

/* ---------------------------------------------------------------- reads */

/* Each read runs on the reader's own driver connection. The driver checks
 * the arguments it uses; a NULL reader is refused here. */
#define READER_OPS(r) ((r)->s->ops)

int sp_store_get(sp_store_reader *r, const char *origin, const char *record_id,
                 sp_store_record **out)
{
	if (out)
		*out = NULL;
	if (!r)
		return SP_ERR_INVALID_ARGUMENT;
	return READER_OPS(r)->get(r->c, origin, record_id, out);
}

int sp_store_get_at(sp_store_reader *r, const char *origin, uint64_t sequence,
                    sp_store_record **out)
{
	if (out)
		*out = NULL;
	if (!r)
		return SP_ERR_INVALID_ARGUMENT;
	return READER_OPS(r)->get_at(r->c, origin, sequence, out);
}

int sp_store_find_id(sp_store_reader *r, const char *record_id,
                     const char *origin, const sp_store_view *view, size_t max,
                     sp_store_list **out)
{
	if (out)
		*out = NULL;
	if (!r)
		return SP_ERR_INVALID_ARGUMENT;
	return READER_OPS(r)->find_id(r->c, record_id, origin, view, max, out);
}

int sp_store_entries(sp_store_reader *r, const char *origin, uint64_t start,
                     size_t count, size_t max_bytes, const sp_store_view *view,
                     sp_store_list **out)
{
	if (out)
		*out = NULL;
	if (!r)
		return SP_ERR_INVALID_ARGUMENT;
	return READER_OPS(r)->entries(r->c, origin, start, count, max_bytes,
	                              view, out);
}

int sp_store_search(sp_store_reader *r, const sp_store_query *q,
                    sp_store_list **out)
{
	if (out)
		*out = NULL;
	if (!r)
		return SP_ERR_INVALID_ARGUMENT;
	return READER_OPS(r)->search(r->c, q, out);
}

int sp_store_stats_get(sp_store_reader *r, sp_store_stats *out)
{
	int err;

	if (!r || !out)
		return SP_ERR_INVALID_ARGUMENT;
	memset(out, 0, sizeof(*out));
	if ((err = READER_OPS(r)->stats(r->c, out)))
		return err;
	/* the handle's counters, next to the database's */
	pthread_mutex_lock(&r->s->mu);
	out->puts = r->s->puts;
	out->commits = r->s->commits;
	out->queue_depth = r->s->queue_len;
	pthread_mutex_unlock(&r->s->mu);
	return SP_OK;
}

int sp_store_checkpoint_latest(sp_store_reader *r, const char *origin,
                               sp_store_checkpoint **out)
{
	if (out)
		*out = NULL;
	if (!r)
		return SP_ERR_INVALID_ARGUMENT;
	return READER_OPS(r)->checkpoint_latest(r->c, origin, out);
}

int sp_store_checkpoint_covering(sp_store_reader *r, const char *origin,
                                 uint64_t sequence, sp_store_checkpoint **out)
{
	if (out)
		*out = NULL;
	if (!r || !origin || sequence > INT64_MAX)
		return SP_ERR_INVALID_ARGUMENT;
	return READER_OPS(r)->checkpoint_covering(r->c, origin, sequence, out);
}

int sp_store_peer_receipt_get(sp_store_reader *r, const char *origin,
                              const char *record_id, const char *peer,
                              uint8_t **out, size_t *len)
{
	if (out)
		*out = NULL;
	if (len)
		*len = 0;
	if (!r)
		return SP_ERR_INVALID_ARGUMENT;
	return READER_OPS(r)->peer_receipt_get(r->c, origin, record_id, peer,
	                                       out, len);
}

int sp_store_trust_list_get(sp_store_reader *r, const char *federation,
                            uint64_t *sequence, uint8_t **bytes, size_t *len)
{
	if (bytes)
		*bytes = NULL;
	if (len)
		*len = 0;
	if (!r)
		return SP_ERR_INVALID_ARGUMENT;
	return READER_OPS(r)->trust_list_get(r->c, federation, sequence, bytes,
	                                     len);
}

int sp_store_fed_outbox_due(sp_store_reader *r, const char *peer,
                            int64_t after_id, int64_t now, size_t max,
                            sp_fed_outbox_item **items, size_t *n)
{
	if (items)
		*items = NULL;
	if (n)
		*n = 0;
	if (!r)
		return SP_ERR_INVALID_ARGUMENT;
	return READER_OPS(r)->outbox_due(r->c, peer, after_id, now, max, items,
	                                 n);
}

int sp_store_fed_outbox_counts(sp_store_reader *r, sp_fed_outbox_count **out,
                               size_t *n)
{
	if (!r || !out || !n)
		return SP_ERR_INVALID_ARGUMENT;
	return READER_OPS(r)->outbox_counts(r->c, out, n);
}

int sp_store_fed_max_sequence(sp_store_reader *r, const char *origin,
                              int64_t *max)
{
	if (!r)
		return SP_ERR_INVALID_ARGUMENT;
	return READER_OPS(r)->max_sequence(r->c, origin, max);
}

int sp_store_fed_digest_at(sp_store_reader *r, const char *origin,
                           uint64_t sequence, char digest[65])
{
	if (!r)
		return SP_ERR_INVALID_ARGUMENT;
	return READER_OPS(r)->digest_at(r->c, origin, sequence, digest);
}

int sp_store_fed_by_digest(sp_store_reader *r, const char digest[65],
                           char record_id[SP_UUID_LEN + 1],
                           char origin[SP_NODE_ID_MAX + 1], uint64_t *sequence,
                           uint8_t **receipt, size_t *receipt_len)
{
	if (!r)
		return SP_ERR_INVALID_ARGUMENT;
	return READER_OPS(r)->by_digest(r->c, digest, record_id, origin,
	                                sequence, receipt, receipt_len);
}

int sp_store_console_records(sp_store_reader *r,
                             const sp_store_console_query *q,
                             sp_store_list **out)
{
	if (out)
		*out = NULL;
	if (!r || !q || !q->own || !out || q->limit == 0 ||
	    q->limit > SP_STORE_LIST_MAX)
		return SP_ERR_INVALID_ARGUMENT;
	return READER_OPS(r)->console_records(r->c, q, out);
}

int sp_store_console_deliveries(sp_store_reader *r, const char *origin,
                                const char *record_id, sp_store_delivery **out,
                                size_t *n)
{
	if (out)
		*out = NULL;
	if (n)
		*n = 0;
	if (!r || !origin || !record_id || !out || !n)
		return SP_ERR_INVALID_ARGUMENT;
	return READER_OPS(r)->console_deliveries(r->c, origin, record_id, out,
	                                         n);
}

int sp_store_console_evidence(sp_store_reader *r, size_t max,
                              sp_store_evidence **out, size_t *n)
{
	if (out)
		*out = NULL;
	if (n)
		*n = 0;
	if (!r || !out || !n || max == 0 || max > SP_STORE_LIST_MAX)
		return SP_ERR_INVALID_ARGUMENT;
	return READER_OPS(r)->console_evidence(r->c, max, out, n);
}
