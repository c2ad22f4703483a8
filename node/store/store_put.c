/* store_put.c: record puts (async group commit, sync, bulk) with duplicate
 * and equivocation handling, and the store's other writes: checkpoints,
 * cosignatures, the outbox and trust lists. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"
#include "trust.h"

#define SP_STORE_RECORD_MAX  ((size_t)64 << 20)
#define SP_STORE_RECEIPT_MAX ((size_t)1 << 20)
#define SP_STORE_NOTE_MAX    ((size_t)64 << 10)
#define SP_STORE_WITNESS_MAX 256u
#define SP_STORE_COSIG_MAX   1024u

/* ---------------------------------------------------------------- requests */

/* 1..max bytes, NUL-terminated within max + 1. */
static int text_ok(const char *s, size_t max)
{
	size_t n;

	if (!s)
		return 0;
	n = strnlen(s, max + 1);
	return n >= 1 && n <= max;
}

int sp_store__req_fill(const sp_store_put_req *p, sp_store_req *req)
{
	size_t i;

	memset(req, 0, sizeof(*req));
	if (!p || !p->bytes || p->len == 0 || p->len > SP_STORE_RECORD_MAX)
		return SP_ERR_INVALID_ARGUMENT;
	if (!text_ok(p->record_id, SP_UUID_LEN) ||
	    !text_ok(p->origin, SP_NODE_ID_MAX) ||
	    !text_ok(p->type, SP_TYPE_MAX) ||
	    (p->source && !text_ok(p->source, SP_NODE_ID_MAX)))
		return SP_ERR_INVALID_ARGUMENT;
	if (p->sequence > (uint64_t)INT64_MAX)
		return SP_ERR_INVALID_ARGUMENT;
	if (p->n_recipients > SP_STORE_MAX_RECIPIENTS ||
	    (p->n_recipients && !p->recipients) ||
	    p->n_subjects > SP_STORE_MAX_SUBJECTS ||
	    (p->n_subjects && !p->subjects) ||
	    p->n_deliver_to > SP_STORE_MAX_DELIVER ||
	    (p->n_deliver_to && !p->deliver_to))
		return SP_ERR_INVALID_ARGUMENT;
	for (i = 0; i < p->n_recipients; i++)
		if (!text_ok(p->recipients[i], SP_NODE_ID_MAX))
			return SP_ERR_INVALID_ARGUMENT;
	for (i = 0; i < p->n_deliver_to; i++)
		if (!text_ok(p->deliver_to[i], SP_NODE_ID_MAX))
			return SP_ERR_INVALID_ARGUMENT;
	for (i = 0; i < p->n_subjects; i++) {
		const sp_subject *sj = &p->subjects[i];

		if (!text_ok(sj->kind, SP_STORE_SUBJECT_MAX) ||
		    !text_ok(sj->value, SP_STORE_SUBJECT_MAX) ||
		    (sj->scheme && *sj->scheme &&
		     !text_ok(sj->scheme, SP_STORE_SUBJECT_MAX)))
			return SP_ERR_INVALID_ARGUMENT;
	}
	if ((p->receipt_len && !p->receipt) ||
	    p->receipt_len > SP_STORE_RECEIPT_MAX)
		return SP_ERR_INVALID_ARGUMENT;

	sp_sha256_hex(p->bytes, p->len, req->digest);
	if (p->digest && (strnlen(p->digest, 65) != 64 ||
	                  memcmp(p->digest, req->digest, 64) != 0))
		return SP_ERR_INVALID_ARGUMENT;
	sp_merkle_leaf_hash(p->bytes, p->len, req->leaf);
	if (p->signed_digest) {
		memcpy(req->signed_digest, p->signed_digest, 32);
		req->has_signed_digest = 1;
	}

	req->bytes = p->bytes;
	req->len = p->len;
	req->record_id = p->record_id;
	req->origin = p->origin;
	req->type = p->type;
	req->source = p->source;
	req->sequence = p->sequence;
	req->issued = p->issued;
	req->received = p->received ? p->received : sp_store__now();
	req->broadcast = p->broadcast ? 1 : 0;
	req->recipients = p->recipients;
	req->n_recipients = p->n_recipients;
	req->subjects = p->subjects;
	req->n_subjects = p->n_subjects;
	req->receipt = p->receipt_len ? p->receipt : NULL;
	req->receipt_len = p->receipt_len;
	req->deliver = p->deliver_to;
	req->n_deliver = p->n_deliver_to;
	req->append_only = p->append_only ? 1 : 0;
	if (p->log_state < SP_LOG_CONFIRMED || p->log_state > SP_LOG_UNLOGGED)
		return SP_ERR_INVALID_ARGUMENT;
	req->log_state = p->log_state;
	if (p->signer_until < 0)
		return SP_ERR_INVALID_ARGUMENT;
	req->signer_until = p->signer_until;
	req->next_only = p->next_only ? 1 : 0;
	return SP_OK;
}

static size_t str_size(const char *s)
{
	return s ? strlen(s) + 1 : 0;
}

static char *put_str(char **cursor, const char *s)
{
	size_t n;
	char *out;

	if (!s)
		return NULL;
	n = strlen(s) + 1;
	out = *cursor;
	memcpy(out, s, n);
	*cursor += n;
	return out;
}

/* One allocation holding the request and everything it points to. */
static sp_store_req *req_copy(const sp_store_req *in)
{
	size_t i, total = sizeof(sp_store_req);
	size_t ptrs = (in->n_recipients + in->n_deliver) * sizeof(char *);
	size_t subj = in->n_subjects * sizeof(sp_subject);
	sp_store_req *out;
	const char **recip, **deliv;
	sp_subject *sj;
	char *c;
	uint8_t *b;

	total += ptrs + subj + in->len + in->receipt_len;
	total += str_size(in->record_id) + str_size(in->origin) +
	         str_size(in->type) + str_size(in->source);
	for (i = 0; i < in->n_recipients; i++)
		total += str_size(in->recipients[i]);
	for (i = 0; i < in->n_deliver; i++)
		total += str_size(in->deliver[i]);
	for (i = 0; i < in->n_subjects; i++)
		total += str_size(in->subjects[i].kind) +
		         str_size(in->subjects[i].scheme) +
		         str_size(in->subjects[i].value);
	if (!(out = malloc(total)))
		return NULL;
	*out = *in;
	/* pointer-sized items first, so everything stays aligned */
	recip = (const char **)(void *)(out + 1);
	deliv = recip + in->n_recipients;
	sj = (sp_subject *)(void *)(deliv + in->n_deliver);
	b = (uint8_t *)(sj + in->n_subjects);
	memcpy(b, in->bytes, in->len);
	out->bytes = b;
	b += in->len;
	if (in->receipt_len) {
		memcpy(b, in->receipt, in->receipt_len);
		out->receipt = b;
		b += in->receipt_len;
	}
	c = (char *)b;
	out->record_id = put_str(&c, in->record_id);
	out->origin = put_str(&c, in->origin);
	out->type = put_str(&c, in->type);
	out->source = put_str(&c, in->source);
	for (i = 0; i < in->n_recipients; i++)
		recip[i] = put_str(&c, in->recipients[i]);
	for (i = 0; i < in->n_deliver; i++)
		deliv[i] = put_str(&c, in->deliver[i]);
	for (i = 0; i < in->n_subjects; i++) {
		sj[i].kind = put_str(&c, in->subjects[i].kind);
		sj[i].scheme = put_str(&c, in->subjects[i].scheme);
		sj[i].value = put_str(&c, in->subjects[i].value);
	}
	out->recipients = in->n_recipients ? recip : NULL;
	out->deliver = in->n_deliver ? deliv : NULL;
	out->subjects = in->n_subjects ? sj : NULL;
	return out;
}

/* ---------------------------------------------------------------- put
 * (committer) */

/* Compare a held record's signed content with the request's. */
static int held_same_content(void *ctx, const uint8_t *b, size_t n)
{
	const sp_store_req *req = ctx;
	uint8_t held[32];
	const char *why = NULL;

	/* the held record verified when it was taken; a stored record
	 * that no longer parses signs nothing comparable */
	if (b && n > 0 &&
	    sp_signed_content_digest_of(b, n, held, &why) == SP_OK)
		return memcmp(held, req->signed_digest, 32) == 0;
	return 0;
}

/* Does the record held at the request's position sign the same content
 * as the request (SPEC REC-25)? Records are verified in their canonical
 * transport form, so two with one signed content but different bytes can
 * only be two signatures by the Origin: a duplicate, not equivocation.
 * 1: same content, 0: different, <0: error. The held record's signed
 * digest is stored with it; only a record stored without one (before
 * schema 6, or put without it) is parsed again, on this rare path of a
 * byte mismatch at a held position. */
static int same_signed_content(sp_store *s, const sp_store_req *req,
                               const sp_store_held *held)
{
	int rc;

	if (!req->has_signed_digest)
		return 0;
	if (held->has_signed_digest)
		return memcmp(held->signed_digest, req->signed_digest, 32) == 0;
	rc = s->ops->bytes_at(s->w, req->origin, req->sequence,
	                      held_same_content, (void *)(uintptr_t)req);
	return rc == SP_ERR_NOT_FOUND ? 0 : rc;
}

/* Look for the position, then the record id. >0: the outcome was decided
 * (duplicate or equivocation); 0: the record is new. */
static int check_existing(sp_store *s, const sp_store_req *req,
                          sp_store_put_result *res, uint8_t **receipt_copy)
{
	sp_store_held held;
	int err, same;
	char digest[65];

	err = s->ops->held_at(s->w, req->origin, req->sequence, &held);
	if (err == SP_OK) {
		res->rowid = held.rowid;
		/* the held receipt, answered for a duplicate */
		*receipt_copy = held.receipt;
		res->receipt = held.receipt;
		res->receipt_len = held.receipt_len;
		same = strcmp(held.digest, req->digest) == 0;
		if (!same)
			same = same_signed_content(s, req, &held);
		if (same == 1)
			return SP_STORE_DUPLICATE;
		free(*receipt_copy);
		*receipt_copy = NULL;
		res->receipt = NULL;
		res->receipt_len = 0;
		if (same < 0)
			return same;
		res->rowid = 0;
		memcpy(res->existing_digest, held.digest, sizeof(held.digest));
		if ((err = s->ops->evidence_put(s->w, req, "position",
		                                held.digest)))
			return err;
		return SP_STORE_EQUIVOCATION;
	}
	if (err != SP_ERR_NOT_FOUND)
		return err;

	err = s->ops->digest_of_id(s->w, req->origin, req->record_id, digest);
	if (err == SP_OK) {
		/* the Origin reused one of its ids at another position
		 * (REC-3): refused with field-invalid (REC-26) */
		memcpy(res->existing_digest, digest, sizeof(digest));
		return SP_STORE_ID_REUSED;
	}
	return err == SP_ERR_NOT_FOUND ? 0 : err;
}

static int leaf_of(void *ctx, const uint8_t *b, size_t n)
{
	sp_merkle_leaf_hash(b, n, ctx);
	return SP_OK;
}

/* Extend the tree over successors stored before their predecessor. */
static int tree_catch_up(sp_store *s, const sp_store_req *req,
                         int64_t origin_id, uint64_t *size)
{
	uint8_t leaf[32];
	int err;

	for (;;) {
		err = s->ops->bytes_at(s->w, req->origin, *size, leaf_of, leaf);
		if (err == SP_ERR_NOT_FOUND)
			return SP_OK;
		if (err)
			return err;
		if ((err = sp_store__tree_append(s, origin_id, *size, leaf)))
			return err;
		(*size)++;
	}
}

int sp_store__put_exec(sp_store *s, const sp_store_req *req,
                       sp_store_put_result *res, uint8_t **receipt_copy)
{
	const sp_store_driver *d = s->ops;
	int err, rc;
	int64_t origin_id = 0, max_seq = -1, rowid = 0;
	uint64_t size = 0;

	memset(res, 0, sizeof(*res));
	*receipt_copy = NULL;
	/* The origin's row first: a database shared by several processes
	 * locks it here until the commit, so that what follows sees every
	 * record of that origin another process committed (a second copy
	 * is then a duplicate, not a failed insert) and one log grows at a
	 * time. */
	if ((err =
	         d->origin_get(s->w, req->origin, &origin_id, &size, &max_seq)))
		return err;
	/* The node's own next record: another process of the node may have
	 * signed this Sequence first (SP_STORE_SEQUENCE_TAKEN: never stored
	 * at a second place or as evidence against the node itself), and
	 * nothing is stored past a hole in its log. */
	if (req->next_only && req->sequence != (uint64_t)(max_seq + 1))
		return SP_STORE_SEQUENCE_TAKEN;
	if ((rc = check_existing(s, req, res, receipt_copy)) != 0)
		return rc;
	if (req->append_only && req->sequence != size)
		return SP_ERR_INVALID_ARGUMENT; /* a hole before it */
	if ((err = d->record_insert(s->w, req, &rowid)))
		return err;

	/* the log grows only while it is contiguous from 0 */
	if (req->sequence == size) {
		if ((err =
		         sp_store__tree_append(s, origin_id, size, req->leaf)))
			return err;
		size++;
		if (max_seq > (int64_t)req->sequence &&
		    (err = tree_catch_up(s, req, origin_id, &size)))
			return err;
	}
	if ((err = d->origin_update(s->w, origin_id, req->sequence, size)))
		return err;
	res->rowid = rowid;
	return SP_STORE_INSERTED;
}

/* ---------------------------------------------------------------- put API */

int sp_store_put_async(sp_store *s, const sp_store_put_req *p,
                       sp_store_put_cb cb, void *ud)
{
	sp_store_req tmp;
	sp_store_job *job;
	int err;

	if (!s || !cb)
		return SP_ERR_INVALID_ARGUMENT;
	if ((err = sp_store__req_fill(p, &tmp)))
		return err;
	if (!(job = calloc(1, sizeof(*job))))
		return SP_ERR_NOMEM;
	if (!(job->req = req_copy(&tmp))) {
		free(job);
		return SP_ERR_NOMEM;
	}
	job->kind = SP_STORE_JOB_PUT;
	job->cb = cb;
	job->ud = ud;
	if ((err = sp_store__enqueue(s, job, tmp.len + tmp.receipt_len))) {
		free(job->req);
		free(job);
		return err;
	}
	return SP_OK;
}

int sp_store_put(sp_store *s, const sp_store_put_req *p, uint8_t **receipt,
                 size_t *receipt_len)
{
	sp_store_req req;
	sp_store_job job;
	int err;

	if (receipt)
		*receipt = NULL;
	if (receipt_len)
		*receipt_len = 0;
	if (!s)
		return SP_ERR_INVALID_ARGUMENT;
	if ((err = sp_store__req_fill(p, &req)))
		return err;
	memset(&job, 0, sizeof(job));
	job.kind = SP_STORE_JOB_PUT;
	job.req = &req; /* borrowed: this caller waits */
	if ((err = sp_store__run_sync(s, &job)) != SP_OK && !job.done)
		return err;
	if (job.res.outcome == SP_STORE_DUPLICATE && job.res_receipt &&
	    receipt) {
		*receipt = job.res_receipt;
		if (receipt_len)
			*receipt_len = job.res.receipt_len;
		job.res_receipt = NULL;
	}
	free(job.res_receipt);
	return job.res.outcome;
}

/* One bulk transaction. No per-record savepoint: a request that fails
 * validation writes nothing, and a database error aborts the whole chunk. */
static int chunk_run(sp_store *s, const sp_store_put_req *reqs, size_t n,
                     int *outcomes)
{
	sp_store_req req;
	sp_store_put_result res;
	uint8_t *copy = NULL;
	size_t i;
	int err, rc;

	if ((err = s->ops->begin(s->w)))
		return err;
	for (i = 0; i < n; i++) {
		rc = sp_store__req_fill(&reqs[i], &req);
		if (rc == SP_OK) {
			rc = sp_store__put_exec(s, &req, &res, &copy);
			free(copy);
			copy = NULL;
			if (rc < 0) {
				err = rc;
				goto abort;
			}
		}
		if (outcomes)
			outcomes[i] = rc;
	}
	if ((err = s->ops->commit(s->w)) == SP_OK)
		return SP_OK;
abort:
	if (s->ops->in_transaction(s->w))
		s->ops->rollback(s->w);
	return err < 0 ? err : SP_ERR_IO;
}

int sp_store__batch_exec(sp_store *s, sp_store_job *job)
{
	size_t off, n, i;
	int err;

	for (off = 0; off < job->n_reqs; off += n) {
		n = job->n_reqs - off;
		if (n > SP_STORE_BATCH_CHUNK)
			n = SP_STORE_BATCH_CHUNK;
		err = chunk_run(s, job->reqs + off, n,
		                job->outcomes ? job->outcomes + off : NULL);
		if (err) {
			for (i = off; job->outcomes && i < job->n_reqs; i++)
				job->outcomes[i] = err;
			return err;
		}
		pthread_mutex_lock(&s->mu);
		s->commits++;
		s->puts += n;
		pthread_mutex_unlock(&s->mu);
	}
	return SP_OK;
}

int sp_store_put_batch(sp_store *s, const sp_store_put_req *reqs, size_t n,
                       int *outcomes)
{
	sp_store_job job;

	if (!s || (n && !reqs))
		return SP_ERR_INVALID_ARGUMENT;
	if (n == 0)
		return SP_OK;
	memset(&job, 0, sizeof(job));
	job.kind = SP_STORE_JOB_BATCH;
	job.reqs = reqs;
	job.n_reqs = n;
	job.outcomes = outcomes;
	return sp_store__run_sync(s, &job);
}

/* ---------------------------------------------------------------- checkpoints
 */

static int cp_put_fn(sp_store *s, void *arg)
{
	return s->ops->checkpoint_put(s->w, arg);
}

static int cosig_put_fn(sp_store *s, void *arg)
{
	return s->ops->cosignature_put(s->w, arg);
}

int sp_store_checkpoint_put(sp_store *s, const char *origin, uint64_t size,
                            const uint8_t root[32], const char *note,
                            const char *source)
{
	sp_store_cp_args a = {origin, size, root, note, source, NULL, NULL, 0};

	if (!s || !text_ok(origin, SP_NODE_ID_MAX) || !root ||
	    !text_ok(note, SP_STORE_NOTE_MAX) ||
	    (source && !text_ok(source, SP_NODE_ID_MAX)) ||
	    size > (uint64_t)INT64_MAX)
		return SP_ERR_INVALID_ARGUMENT;
	return sp_store__run(s, cp_put_fn, &a);
}

int sp_store_checkpoint_resign(sp_store *s, const char *origin, uint64_t size,
                               const uint8_t root[32], const char *note)
{
	sp_store_cp_args a = {origin, size, root, note, NULL, NULL, NULL, 1};
	int rc;

	if (!s || !text_ok(origin, SP_NODE_ID_MAX) || !root ||
	    !text_ok(note, SP_STORE_NOTE_MAX) || size > (uint64_t)INT64_MAX)
		return SP_ERR_INVALID_ARGUMENT;
	rc = sp_store__run(s, cp_put_fn, &a);
	return rc == SP_STORE_DUPLICATE ? SP_OK : rc;
}

/* An own checkpoint on its way to the committer: private copies of what
 * the driver writes. */
typedef struct cp_async {
	sp_store_cp_args a;
	sp_fed_store_done done;
	void *arg;
	int rc;
	char origin[SP_NODE_ID_MAX + 1];
	uint8_t root[32];
	char note[]; /* NUL-terminated */
} cp_async;

static int cp_async_run(sp_store *s, void *arg)
{
	cp_async *c = arg;

	c->rc = s->ops->checkpoint_put(s->w, &c->a);
	return c->rc;
}

static void cp_async_cb(void *ud, const sp_store_put_result *res)
{
	cp_async *c = ud;

	/* a failed COMMIT undoes what the driver said */
	c->done(c->arg, res->outcome < 0 ? res->outcome : c->rc);
	free(c);
}

int sp_store_checkpoint_put_async(sp_store *s, const char *origin,
                                  uint64_t size, const uint8_t root[32],
                                  const char *note, sp_fed_store_done done,
                                  void *arg)
{
	sp_store_job *job;
	cp_async *c;
	size_t note_len;
	int err;

	if (!s || !text_ok(origin, SP_NODE_ID_MAX) || !root ||
	    !text_ok(note, SP_STORE_NOTE_MAX) || size > (uint64_t)INT64_MAX ||
	    !done)
		return SP_ERR_INVALID_ARGUMENT;
	note_len = strlen(note);
	if (!(c = calloc(1, sizeof(*c) + note_len + 1)))
		return SP_ERR_NOMEM;
	if (!(job = calloc(1, sizeof(*job)))) {
		free(c);
		return SP_ERR_NOMEM;
	}
	memcpy(c->origin, origin, strlen(origin) + 1);
	memcpy(c->root, root, sizeof(c->root));
	memcpy(c->note, note, note_len + 1);
	c->a.origin = c->origin;
	c->a.size = size;
	c->a.root = c->root;
	c->a.note = c->note;
	c->done = done;
	c->arg = arg;
	job->kind = SP_STORE_JOB_FN;
	job->fn = cp_async_run;
	job->arg = c;
	job->cb = cp_async_cb;
	job->ud = c;
	job->lazy = 1; /* served from the store once there, nobody waits */
	if ((err = sp_store__enqueue(s, job, note_len)) != SP_OK) {
		free(job);
		free(c);
	}
	return err;
}

int sp_store_cosignature_put(sp_store *s, const char *origin, uint64_t size,
                             const uint8_t root[32], const char *witness,
                             const char *line)
{
	sp_store_cp_args a = {origin, size, root, NULL, NULL, witness, line, 0};

	if (!s || !text_ok(origin, SP_NODE_ID_MAX) || !root ||
	    !text_ok(witness, SP_STORE_WITNESS_MAX) ||
	    !text_ok(line, SP_STORE_COSIG_MAX) || size > (uint64_t)INT64_MAX)
		return SP_ERR_INVALID_ARGUMENT;
	return sp_store__run(s, cosig_put_fn, &a);
}

/* ---------------------------------------------------------------- outbox */

static int ob_enqueue_fn(sp_store *s, void *arg)
{
	return s->ops->outbox_enqueue(s->w, arg);
}

int sp_store_outbox_enqueue(sp_store *s, const char *origin,
                            const char *record_id, const char *peer,
                            int64_t next_attempt)
{
	sp_store_ob_args a;

	if (!s || !text_ok(origin, SP_NODE_ID_MAX) ||
	    !text_ok(record_id, SP_UUID_LEN) || !text_ok(peer, SP_NODE_ID_MAX))
		return SP_ERR_INVALID_ARGUMENT;
	memset(&a, 0, sizeof(a));
	a.origin = origin;
	a.record_id = record_id;
	a.peer = peer;
	a.next_attempt = next_attempt;
	return sp_store__run(s, ob_enqueue_fn, &a);
}

/* ---------------------------------------------------------------- trust lists
 */

typedef struct tl_args {
	const char *federation;
	uint64_t sequence;
	const uint8_t *bytes;
	size_t len;
	int reset;
} tl_args;

static int tl_put_fn(sp_store *s, void *arg)
{
	const tl_args *a = arg;

	return s->ops->trust_list_put(s->w, a->federation, a->sequence,
	                              a->bytes, a->len, a->reset);
}

int sp_store_trust_list_put(sp_store *s, const char *federation,
                            uint64_t sequence, const uint8_t *bytes, size_t len)
{
	tl_args a = {federation, sequence, bytes, len, 0};

	if (!s || !text_ok(federation, SP_NODE_ID_MAX) || !bytes || len == 0 ||
	    len > SP_STORE_RECORD_MAX || sequence > (uint64_t)INT64_MAX)
		return SP_ERR_INVALID_ARGUMENT;
	return sp_store__run(s, tl_put_fn, &a);
}

int sp_store_trust_list_reset(sp_store *s, const char *federation,
                              uint64_t sequence, const uint8_t *bytes,
                              size_t len)
{
	tl_args a = {federation, sequence, bytes, len, 1};

	if (!s || !text_ok(federation, SP_NODE_ID_MAX) || !bytes || len == 0 ||
	    len > SP_STORE_RECORD_MAX || sequence > (uint64_t)INT64_MAX)
		return SP_ERR_INVALID_ARGUMENT;
	return sp_store__run(s, tl_put_fn, &a);
}

/* ---------------------------------------------------------------- evidence
 * of one document (a refused trust list, a lying index note) */

typedef struct ev_args {
	const char *kind;
	const char *subject;
	char digest[65];
	const uint8_t *bytes;
	size_t len;
	const char *source;
} ev_args;

static int ev_add_fn(sp_store *s, void *arg)
{
	const ev_args *a = arg;

	return s->ops->evidence_add(s->w, a->kind, a->subject, a->digest,
	                            a->bytes, a->len, a->source);
}

int sp_store_evidence_put(sp_store *s, const char *kind, const char *subject,
                          const uint8_t *bytes, size_t len, const char *source)
{
	ev_args a = {kind, subject, "", bytes, len, source};

	if (!s || !kind ||
	    (strcmp(kind, "trust-list") != 0 &&
	     strcmp(kind, "index-note") != 0) ||
	    !text_ok(subject, SP_NODE_ID_MAX) || !bytes || len == 0 ||
	    len > SP_STORE_RECORD_MAX ||
	    (source && !text_ok(source, SP_NODE_ID_MAX)))
		return SP_ERR_INVALID_ARGUMENT;
	sp_sha256_hex(bytes, len, a.digest);
	return sp_store__run(s, ev_add_fn, &a);
}
