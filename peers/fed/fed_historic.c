/* fed_historic.c (peers): an earlier existence bound for records whose
 * signer ended before the bound of the witnessed checkpoint they were
 * proven in (SPEC [LOG-53], [FED-66]). A node that first sees an Origin's
 * log after one of its signing certificates retired holds only late
 * checkpoints; the first witnessed checkpoint that contains an old record
 * says when that record existed. It is asked for from the Origin and every
 * peer (GET /v1/logs/{origin}/checkpoint?covering=SEQ, [API-80]) and taken
 * from this node's own store too; the cosignatures over one note text are
 * gathered from every answer, counted against the quorum, and the checkpoint is
 * proven consistent with the witnessed one before its bound is used. The
 * records it contains are then settled at that bound; with none to be had
 * they are refused as before ([TL-78]). */
#include "fed_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HIST_RETRY_MS 10000 /* sources away: ask again after */

typedef struct hist_answer {
	char source[SP_NODE_ID_MAX + 1];
	char *body;
	size_t len;
} hist_answer;

typedef struct hist {
	fed *f;
	fed_origin *o;
	sp_trust *trust;
	char *log_key, *next_log_key;
	int64_t now_ms;
	uint64_t *seqs; /* the records held for an earlier bound */
	size_t n;
	uint64_t covering;  /* the smallest of them */
	uint64_t base_size; /* the witnessed checkpoint they were proven in */
	uint8_t base_root[32];
	int64_t base_exists_by;
	hist_answer answers[FED_MAX_PEERS + 1];
	size_t n_answers, waiting;
	int away; /* a listed witness could not be asked or did not answer */
	/* the candidate: the smallest checkpoint found with a quorum */
	int have;
	uint64_t size;
	uint8_t root[32];
	char *note; /* its text, the origin's lines and every cosignature */
	size_t text_len;
	char name[SP_CHECKPOINT_ORIGIN_MAX]; /* the origin's key name */
	char *lines[SP_TL_WITNESSES_MAX];    /* the cosignatures counted */
	char cand_source[SP_NODE_ID_MAX + 1];
	int64_t exists_by;
	/* its consistency with the witnessed checkpoint */
	char *proof;
	size_t proof_len;
	int proof_from_origin;
	int fork; /* a checkpoint of the origin inconsistent with it */
	char alarm[240];
	/* settling: seqs[0..n_settle) at settle_by; those refused */
	int64_t invalid_from;
	size_t n_settle;
	int64_t settle_by;
	uint64_t *refused;
	size_t n_refused;
	int err;
} hist;

static void hist_free(hist *h)
{
	size_t i;

	for (i = 0; i < h->n_answers; i++)
		free(h->answers[i].body);
	for (i = 0; i < SP_TL_WITNESSES_MAX; i++)
		free(h->lines[i]);
	free(h->seqs);
	free(h->refused);
	free(h->note);
	free(h->proof);
	free(h->log_key);
	free(h->next_log_key);
	sp_trust_unref(h->trust);
	free(h);
}

/* ---------------------------------------------------------------- waiting */

void fed_historic_add(fed *f, fed_origin *o, const uint64_t *seqs, size_t n)
{
	size_t i;

	if (o->n_date + n > o->cap_date) {
		size_t nc = o->cap_date ? o->cap_date : 64;
		uint64_t *a;

		while (nc < o->n_date + n)
			nc *= 2;
		if ((a = realloc(o->to_date, nc * sizeof(*a))) == NULL)
			return; /* stay pending in the store: proven again
			           after a restart */
		o->to_date = a;
		o->cap_date = nc;
	}
	for (i = 0; i < n; i++)
		o->to_date[o->n_date++] = seqs[i];
	o->next_date_ms = 0;
	fed_historic_tick(f, o, fed_now_ms(f));
}

/* Put the records of h back on o's list, to be looked up again later. */
static void hist_requeue(fed *f, fed_origin *o, hist *h, size_t from)
{
	fed_historic_add(f, o, h->seqs + from, h->n - from);
	o->next_date_ms = fed_now_ms(f) + HIST_RETRY_MS;
}

/* ---------------------------------------------------------------- verify */

/* Answer a: a checkpoint of the origin verified with its LogKey whose
 * size lies in (covering, base_size]; its parsed form, text length. */
static int answer_ok(const hist *h, const hist_answer *a, sp_checkpoint *cp,
                     size_t *text_len)
{
	const char *why = NULL;

	return a->body != NULL &&
	       sp_note_verify_either(h->log_key, h->next_log_key, a->body,
	                             a->len, text_len, &why) == SP_OK &&
	       sp_checkpoint_parse(a->body, a->len, cp, NULL, &why) == SP_OK &&
	       strcmp(cp->origin, h->name) == 0 && cp->size > h->covering &&
	       cp->size <= h->base_size;
}

/* The cosignatures over the text of answer c (text_len bytes and the
 * blank line) in every answer that has the same text, counted per listed
 * witness: one source may hold one witness's line, another the rest. Each
 * answer is counted on its own, as it was verified, so that no source can
 * spoil another's lines. times and lines get, per witness index, the
 * first that counted (lines malloc'd). The number of witnesses counted. */
static unsigned count_over(const hist *h, size_t c, size_t text_len,
                           int64_t latest, int64_t *times, char **lines)
{
	const sp_tl *tl = sp_trust_list(h->trust);
	const hist_answer *a = &h->answers[c];
	int64_t t[SP_TL_WITNESSES_MAX];
	char *l[SP_TL_WITNESSES_MAX];
	unsigned count = 0;
	size_t i, w;

	for (w = 0; w < SP_TL_WITNESSES_MAX; w++) {
		times[w] = 0;
		lines[w] = NULL;
	}
	for (i = 0; i < h->n_answers; i++) {
		const hist_answer *b = &h->answers[i];

		if (b->body == NULL || b->len <= text_len + 1 ||
		    memcmp(b->body, a->body, text_len + 1) != 0)
			continue;
		(void)sp_peers__cosign_times(tl, h->o->id, b->body, b->len,
		                             latest, l, t);
		for (w = 0; w < tl->n_witnesses && w < SP_TL_WITNESSES_MAX;
		     w++) {
			if (times[w] == 0 && t[w] > 0) {
				times[w] = t[w];
				lines[w] = l[w];
				count++;
			} else {
				free(l[w]);
			}
		}
	}
	return count;
}

/* Worker: the smallest verified checkpoint among the answers that a
 * quorum of the list's witnesses cosigned; a fork at the witnessed size
 * is kept and alarmed. */
static void hist_work(void *arg)
{
	hist *h = arg;
	const sp_tl *tl = sp_trust_list(h->trust);
	int64_t latest = h->now_ms / 1000 + sp_node_config(h->f->n)->clock_skew;
	const char *name = h->name;
	size_t i;

	for (;;) {
		size_t best = SIZE_MAX, text_len = 0, best_text = 0;
		sp_checkpoint cp, best_cp;
		int64_t times[SP_TL_WITNESSES_MAX], first = 0, kth = 0;
		unsigned count;

		for (i = 0; i < h->n_answers; i++) {
			if (!answer_ok(h, &h->answers[i], &cp, &text_len)) {
				free(h->answers[i].body);
				h->answers[i].body = NULL;
				continue;
			}
			if (cp.size == h->base_size &&
			    memcmp(cp.root, h->base_root, 32) != 0) {
				char *keep = sp_peers__origin_lines(
				    h->answers[i].body, h->answers[i].len,
				    text_len, name);

				/* FED-52: both notes kept, alarmed */
				if (keep != NULL)
					(void)sp_store_checkpoint_put(
					    sp_node_store(h->f->n), h->o->id,
					    cp.size, cp.root, keep,
					    h->answers[i].source);
				free(keep);
				h->fork = 1;
				snprintf(h->alarm, sizeof(h->alarm),
				         "%s holds a checkpoint of size %llu "
				         "with another root",
				         h->answers[i].source,
				         (unsigned long long)cp.size);
				free(h->answers[i].body);
				h->answers[i].body = NULL;
				continue;
			}
			if (best == SIZE_MAX || cp.size < best_cp.size) {
				best = i;
				best_cp = cp;
				best_text = text_len;
			}
		}
		if (best == SIZE_MAX || h->fork)
			return;
		for (i = 0; i < SP_TL_WITNESSES_MAX; i++)
			free(h->lines[i]);
		count = count_over(h, best, best_text, latest, times, h->lines);
		if (tl->quorum > 0 && count >= tl->quorum &&
		    sp_peers__time_bounds(times, tl->n_witnesses, tl->quorum,
		                          &first, &kth) == 0 &&
		    (h->note = strdup(h->answers[best].body)) != NULL) {
			h->have = 1;
			h->size = best_cp.size;
			memcpy(h->root, best_cp.root, 32);
			h->text_len = best_text;
			h->exists_by = kth;
			snprintf(h->cand_source, sizeof(h->cand_source), "%s",
			         h->answers[best].source);
			return;
		}
		/* without a quorum it proves nothing: the next one up, and
		 * every answer over the same text is spent with it */
		for (i = 0; i < h->n_answers; i++)
			if (i != best && h->answers[i].body != NULL &&
			    h->answers[i].len > best_text &&
			    memcmp(h->answers[i].body, h->answers[best].body,
			           best_text) == 0) {
				free(h->answers[i].body);
				h->answers[i].body = NULL;
			}
		free(h->answers[best].body);
		h->answers[best].body = NULL;
	}
}

/* Worker: the consistency proof from the candidate to the witnessed
 * checkpoint ([LOG-53]: with the inclusion already proven there, it
 * proves the records below its size included in the candidate too). A
 * candidate that holds is kept with its cosignatures, so that this node
 * serves it as well ([API-80]), and the records it contains are settled
 * at its bound. */
static void hist_proof_work(void *arg)
{
	hist *h = arg;
	sp_store *s = sp_node_store(h->f->n);
	const sp_tl *tl = sp_trust_list(h->trust);
	const char *why = NULL;
	char *keep;
	sp_proof p;
	int err = SP_OK;
	size_t i;

	if (h->size < h->base_size) {
		err = sp_proof_parse(h->proof, h->proof_len, &p, &why);
		if (err == SP_OK &&
		    (p.kind != SP_PROOF_CONSISTENCY || p.old_size != h->size ||
		     p.size != h->base_size))
			err = SP_ERR_PROOF_INVALID,
			why = "proof for other sizes";
		if (err == SP_OK)
			err = sp_merkle_verify_consistency(
			    h->size, h->base_size, h->root, h->base_root,
			    (const uint8_t(*)[32])p.hashes, p.n_hashes);
	}
	keep = sp_peers__origin_lines(h->note, strlen(h->note), h->text_len,
	                              h->name);
	if (err != SP_OK) {
		h->have = 0;
		if (!h->proof_from_origin)
			goto out; /* another source's proof proves nothing */
		/* FED-52: the signed note is kept (without cosignatures, so
		 * that it is never served as witnessed) and alarmed */
		if (keep != NULL)
			(void)sp_store_checkpoint_put(s, h->o->id, h->size,
			                              h->root, keep,
			                              h->cand_source);
		h->fork = 1;
		snprintf(h->alarm, sizeof(h->alarm),
		         "checkpoint %llu (from %s) is not consistent with the "
		         "witnessed checkpoint %llu: %s",
		         (unsigned long long)h->size, h->cand_source,
		         (unsigned long long)h->base_size,
		         why ? why : "proof-invalid");
		goto out;
	}
	if (keep != NULL &&
	    sp_store_checkpoint_put(s, h->o->id, h->size, h->root, keep,
	                            h->cand_source) >= 0)
		for (i = 0; i < tl->n_witnesses && i < SP_TL_WITNESSES_MAX; i++)
			if (h->lines[i] != NULL)
				(void)sp_store_cosignature_put(
				    s, h->o->id, h->size, h->root,
				    tl->witnesses[i], h->lines[i]);
out:
	free(keep);
}

/* Worker: settle seqs[0..n_settle) at settle_by (refusals collected). */
static void hist_settle_work(void *arg)
{
	hist *h = arg;
	sp_store_settle how;
	size_t off, chunk, got;
	int64_t skew = sp_node_config(h->f->n)->clock_skew;

	memset(&how, 0, sizeof(how));
	how.state = SP_LOG_CONFIRMED;
	how.exists_by = h->settle_by;
	how.issued_max = h->settle_by + skew;
	how.signer_slack = skew;
	how.invalid_from = h->invalid_from;
	if ((h->refused = malloc((h->n_settle + 1) * sizeof(uint64_t))) ==
	    NULL) {
		h->err = SP_ERR_NOMEM;
		return;
	}
	for (off = 0; off < h->n_settle && h->err == SP_OK; off += chunk) {
		chunk = h->n_settle - off < SP_STORE_LIST_MAX
		            ? h->n_settle - off
		            : SP_STORE_LIST_MAX;
		got = 0;
		h->err = sp_store_log_settle(sp_node_store(h->f->n), h->o->id,
		                             h->seqs + off, chunk, &how,
		                             h->refused + h->n_refused, &got);
		h->n_refused += got;
	}
}

/* ---------------------------------------------------------------- the loop */

static void hist_end(hist *h)
{
	fed *f = h->f;

	h->o->date_busy = 0;
	hist_free(h);
	fed_unref(f);
}

static void hist_settled(void *arg)
{
	hist *h = arg;
	fed *f = h->f;
	fed_origin *o = h->o;

	if (h->err != SP_OK) {
		sp_log(SP_LOG_WARN, "log_state_unsaved",
		       SP_LF_STR("origin", o->id),
		       SP_LF_UINT("records", h->n_settle),
		       SP_LF_STR("err", sp_strerror(h->err)));
		h->n_settle = 0; /* all looked up again */
	} else {
		if (h->have && h->n_settle > h->n_refused)
			sp_log(SP_LOG_INFO, "records_confirmed_historic",
			       SP_LF_STR("origin", o->id),
			       SP_LF_UINT("first", h->seqs[0]),
			       SP_LF_UINT("count", h->n_settle - h->n_refused),
			       SP_LF_UINT("checkpoint", h->size),
			       SP_LF_INT("exists_by", h->settle_by));
		if (h->n_refused > 0)
			fed_quorum_refused(f, o, h->refused, h->n_refused,
			                   h->settle_by, h->settle_by);
	}
	if (!f->stopping && h->n_settle < h->n)
		hist_requeue(f, o, h, h->n_settle);
	hist_end(h);
}

/* Settle the first m records of h at bound (the candidate's, or the
 * witnessed checkpoint's when none vouches earlier: refused, [TL-78]). */
static void hist_settle(hist *h, size_t m, int64_t bound)
{
	h->n_settle = m;
	h->settle_by = bound;
	if (h->f->stopping ||
	    fed_pool(h->f, hist_settle_work, hist_settled, h) != SP_OK)
		hist_end(h);
}

/* Records below the candidate's size, seqs being sorted. */
static size_t below(const hist *h, uint64_t size)
{
	size_t m = 0;

	while (m < h->n && h->seqs[m] < size)
		m++;
	return m;
}

static void hist_proven(void *arg)
{
	hist *h = arg;
	fed *f = h->f;

	if (h->fork) {
		fed_equivocation_alarm(f, h->o->id, "checkpoint", h->alarm);
		hist_settle(h, h->n, h->base_exists_by);
	} else if (!h->have) {
		if (!f->stopping)
			hist_requeue(f, h->o, h, 0);
		hist_end(h);
	} else {
		hist_settle(h, below(h, h->size), h->exists_by);
	}
}

static void on_hist_proof(void *ud, const sp_h2_response *resp)
{
	hist *h = ud;

	if (resp->err == SP_OK && resp->status == 200 &&
	    resp->body_len <= SP_PROOF_MAX_TEXT &&
	    (h->proof = malloc(resp->body_len + 1)) != NULL) {
		memcpy(h->proof, resp->body, resp->body_len);
		h->proof[resp->body_len] = '\0';
		h->proof_len = resp->body_len;
	}
	if (h->proof == NULL) {
		h->have = 0; /* no proof now: looked up again later */
		hist_proven(h);
		return;
	}
	if (h->f->stopping ||
	    fed_pool(h->f, hist_proof_work, hist_proven, h) != SP_OK)
		hist_end(h);
}

/* The candidate is consistent with the witnessed checkpoint: asked of the
 * origin, which proves its own log, else of the peer that served it. */
static void hist_ask_proof(hist *h)
{
	fed *f = h->f;
	fed_peer *src = fed_peer_find(f, h->o->id);
	char path[200];

	if (h->size == h->base_size) {
		/* the same checkpoint: nothing to prove */
		if (f->stopping ||
		    fed_pool(f, hist_proof_work, hist_proven, h) != SP_OK)
			hist_end(h);
		return;
	}
	if (src == NULL || !fed_peer_usable(src))
		src = fed_peer_find(f, h->cand_source);
	snprintf(path, sizeof(path),
	         "/v1/logs/%s/proofs/consistency?old=%llu&size=%llu", h->o->id,
	         (unsigned long long)h->size, (unsigned long long)h->base_size);
	if (src == NULL || !fed_peer_usable(src) ||
	    sp_h2_client_request(src->client, "GET", path, NULL, 0, NULL, 0,
	                         on_hist_proof, h) != SP_OK) {
		h->have = 0;
		hist_proven(h);
		return;
	}
	h->proof_from_origin = strcmp(src->id, h->o->id) == 0;
}

static void hist_found(void *arg)
{
	hist *h = arg;
	fed *f = h->f;

	if (f->stopping) {
		hist_end(h);
	} else if (h->fork) {
		fed_equivocation_alarm(f, h->o->id, "checkpoint", h->alarm);
		hist_settle(h, h->n, h->base_exists_by);
	} else if (h->have) {
		hist_ask_proof(h);
	} else if (h->away) {
		/* a witness that may hold it could not be asked */
		hist_requeue(f, h->o, h, 0);
		hist_end(h);
	} else {
		sp_log(SP_LOG_WARN, "historic_checkpoint_unavailable",
		       SP_LF_STR("origin", h->o->id),
		       SP_LF_UINT("sequence", h->covering),
		       SP_LF_UINT("records", h->n));
		hist_settle(h, h->n, h->base_exists_by);
	}
}

/* Worker: this node's own first cosigned checkpoint covering the
 * Sequence joins the answers, then the candidate is chosen. */
static void hist_own_work(void *arg)
{
	hist *h = arg;
	sp_store_reader *r = sp_node_reader(h->f->n);
	sp_store_checkpoint *cp = NULL;
	hist_answer *a = &h->answers[h->n_answers];
	sp_text t = {0};
	size_t i;

	if (r != NULL && sp_store_checkpoint_covering(r, h->o->id, h->covering,
	                                              &cp) == SP_OK) {
		sp_text_append(&t, cp->note, strlen(cp->note));
		for (i = 0; i < cp->n_cosignatures; i++)
			sp_text_append(&t, cp->cosignatures[i],
			               strlen(cp->cosignatures[i]));
		if (!t.failed) {
			snprintf(a->source, sizeof(a->source), "%s",
			         sp_node_config(h->f->n)->node_id);
			a->body = t.buf;
			a->len = t.len;
			h->n_answers++;
		} else {
			sp_text_free(&t);
		}
	}
	sp_store_checkpoint_free(cp);
	hist_work(h);
}

static void hist_answered(hist *h)
{
	if (--h->waiting > 0)
		return;
	if (h->f->stopping ||
	    fed_pool(h->f, hist_own_work, hist_found, h) != SP_OK)
		hist_end(h);
}

typedef struct hist_ask {
	hist *h;
	size_t i;
	int witness;
} hist_ask;

static void on_hist_checkpoint(void *ud, const sp_h2_response *resp)
{
	hist_ask *q = ud;
	hist_answer *a = &q->h->answers[q->i];

	if (resp->err != SP_OK) {
		if (q->witness)
			q->h->away = 1;
	} else if (resp->status == 200 && resp->body_len > 0 &&
	           resp->body_len <= SP_CHECKPOINT_MAX_NOTE &&
	           (a->body = malloc(resp->body_len + 1)) != NULL) {
		memcpy(a->body, resp->body, resp->body_len);
		a->body[resp->body_len] = '\0';
		a->len = resp->body_len;
	}
	hist_answered(q->h);
	free(q);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Ask the origin and every home peer for the first cosigned checkpoint
 * that contains h->covering ([API-80]). */
static void hist_ask_all(fed *f, hist *h)
{
	const sp_tl *tl = sp_trust_list(h->trust);
	const char *self = sp_node_config(f->n)->node_id;
	char path[160];
	size_t i;

	snprintf(path, sizeof(path), "/v1/logs/%s/checkpoint?covering=%llu",
	         h->o->id, (unsigned long long)h->covering);
	h->waiting = 1; /* this function's own share, released below */
	for (i = 0; i < f->n_peers && h->n_answers < FED_MAX_PEERS; i++) {
		fed_peer *p = f->peers[i];
		int witness =
		    sp_tl_is_witness(tl, p->id) && strcmp(p->id, h->o->id) != 0;
		hist_ask *q;

		if (p->federation[0] != '\0' || strcmp(p->id, self) == 0)
			continue;
		if (!fed_peer_usable(p) ||
		    (q = calloc(1, sizeof(*q))) == NULL) {
			if (witness)
				h->away = 1;
			continue;
		}
		q->h = h;
		q->i = h->n_answers++;
		q->witness = witness;
		snprintf(h->answers[q->i].source,
		         sizeof(h->answers[q->i].source), "%s", p->id);
		h->waiting++;
		if (sp_h2_client_request(p->client, "GET", path, NULL, 0, NULL,
		                         0, on_hist_checkpoint, q) != SP_OK) {
			h->waiting--;
			if (witness)
				h->away = 1;
			free(q);
		}
	}
	hist_answered(h);
}

void fed_historic_tick(fed *f, fed_origin *o, int64_t now)
{
	hist *h;

	if (f->stopping || o->date_busy || o->n_date == 0 || !o->have_wit ||
	    o->wit_exists_by_s <= 0 || o->log_key == NULL ||
	    now < o->next_date_ms || (h = calloc(1, sizeof(*h))) == NULL)
		return;
	if (fed_key_name(o->log_key, h->name, sizeof(h->name)) != 0 ||
	    (h->log_key = strdup(o->log_key)) == NULL ||
	    (o->next_log_key != NULL &&
	     (h->next_log_key = strdup(o->next_log_key)) == NULL)) {
		hist_free(h);
		return;
	}
	h->f = f;
	h->o = o;
	h->trust = sp_trust_ref(sp_node_trust(f->n));
	h->now_ms = now;
	h->seqs = o->to_date;
	h->n = o->n_date;
	o->to_date = NULL;
	o->n_date = o->cap_date = 0;
	qsort(h->seqs, h->n, sizeof(*h->seqs), cmp_u64);
	h->covering = h->seqs[0];
	h->base_size = o->wit_size;
	memcpy(h->base_root, o->wit_root, 32);
	h->base_exists_by = o->wit_exists_by_s;
	h->invalid_from = fed_revoked_from(f, o);
	o->date_busy = 1;
	fed_ref(f);
	hist_ask_all(f, h);
}
