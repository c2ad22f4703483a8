/* fed_witness.c (peers): witnessing: fetch each origin's checkpoint (from
 * the origin, or from a peer that serves it when the origin is away),
 * verify its note with the origin's LogKey, prove consistency with the
 * largest one verified before, store it, cosign it, and alarm on any
 * inconsistency. Then catch up on that origin. */
#include "fed_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct cp_job {
	fed *f;
	fed_origin *o;
	char source[SP_NODE_ID_MAX + 1];
	int from_origin;
	int gossip; /* a peer's checkpoint asked to compare ([FED-52]) */
	char *note;
	size_t len;
	char *log_key;
	char *next_log_key; /* NULL unless the origin rotates (LOG-47) */
	int have_prev;
	uint64_t prev_size;
	uint8_t prev_root[32];
	/* results */
	int err;
	char why[256];
	sp_checkpoint cp;
	char *keep; /* note text + the origin's signature lines only */
	int need_proof;
	char *proof;
	size_t proof_len;
	int proof_from_origin;
	int equivocation;
	char alarm[256];
	int accepted; /* verified, consistent, stored, cosigned */
} cp_job;

static void cp_job_free(cp_job *j)
{
	free(j->note);
	free(j->log_key);
	free(j->next_log_key);
	free(j->keep);
	free(j->proof);
	free(j);
}

int fed_key_name(const char *vkey, char *out, size_t cap)
{
	const char *plus = vkey ? strchr(vkey, '+') : NULL;
	size_t len = plus ? (size_t)(plus - vkey) : 0;

	if (len == 0 || len >= cap)
		return -1;
	memcpy(out, vkey, len);
	out[len] = '\0';
	return 0;
}

char *sp_peers__origin_lines(const char *note, size_t len, size_t text_len,
                             const char *name)
{
	static const char dash[] = "\xe2\x80\x94 ";
	size_t nl = strlen(name), off = text_len + 1, keep = text_len + 1;
	char *out = malloc(len + 1);

	if (out == NULL || text_len + 1 > len)
		goto fail;
	memcpy(out, note, text_len);
	out[text_len] = '\n';
	while (off < len) {
		const char *line = note + off,
		           *eol = memchr(line, '\n', len - off);
		size_t ll = eol ? (size_t)(eol - line) + 1 : len - off;

		if (ll > 4 + nl && memcmp(line, dash, 4) == 0 &&
		    memcmp(line + 4, name, nl) == 0 && line[4 + nl] == ' ') {
			memcpy(out + keep, line, ll);
			keep += ll;
		}
		off += ll;
	}
	if (keep == text_len + 1)
		goto fail;
	out[keep] = '\0';
	return out;
fail:
	free(out);
	return NULL;
}

/* The checkpoint of each origin this node verified last, kept apart from
 * the stored checkpoints: those include the evidence of an inconsistent
 * one, which must never become the baseline that later checkpoints are
 * proven against (after a restart it would otherwise be the largest).
 * "SIZE ROOT-HEX [TIME]": TIME is the timestamp of the last cosignature
 * this node made for the origin ([LOG-45]: never cosign earlier than it;
 * absent in values written before). */
#define BASELINE_KEY "witnessed:"

static int baseline_load(sp_store_reader *r, const char *origin, uint64_t *size,
                         uint8_t root[32], int64_t *cosigned)
{
	char key[sizeof(BASELINE_KEY) + SP_NODE_ID_MAX], v[SP_STORE_STATE_MAX];
	const char *sp, *sp2;
	uint64_t t = 0;

	snprintf(key, sizeof(key), BASELINE_KEY "%s", origin);
	if (sp_store_state_get(r, key, v, sizeof(v)) != SP_OK ||
	    (sp = strchr(v, ' ')) == NULL ||
	    sp_parse_u64(v, (size_t)(sp - v), INT64_MAX, size) != SP_OK ||
	    strlen(sp + 1) < 64 || sp_hex_decode(sp + 1, 64, root) != SP_OK)
		return -1;
	sp2 = sp + 1 + 64;
	if (*sp2 != '\0' &&
	    (*sp2 != ' ' ||
	     sp_parse_u64(sp2 + 1, strlen(sp2 + 1), INT64_MAX, &t) != SP_OK))
		return -1;
	if (cosigned != NULL)
		*cosigned = (int64_t)t;
	return 0;
}

static void baseline_save(sp_node *n, const char *origin, uint64_t size,
                          const uint8_t root[32], int64_t cosigned)
{
	char key[sizeof(BASELINE_KEY) + SP_NODE_ID_MAX], v[120], hex[65];

	snprintf(key, sizeof(key), BASELINE_KEY "%s", origin);
	sp_hex_encode(root, 32, hex);
	snprintf(v, sizeof(v), "%llu %s %lld", (unsigned long long)size, hex,
	         (long long)cosigned);
	if (sp_store_state_set(sp_node_store(n), key, v) != SP_OK)
		sp_log(SP_LOG_WARN, "witness_baseline_unsaved",
		       SP_LF_STR("origin", origin), SP_LF_UINT("size", size));
}

/* Worker: verify the note (and the consistency proof when one came), then
 * store and cosign. */
static void cp_work(void *arg)
{
	cp_job *j = arg;
	sp_node *n = j->f->n;
	const char *why = NULL;
	char name[SP_CHECKPOINT_ORIGIN_MAX];
	size_t text_len = 0;
	int err, put;
	char *line = NULL;
	int64_t now_s, last = 0;
	sp_store_reader *r;

	if (j->proof == NULL) {
		sp_store_checkpoint *prev = NULL;

		if (fed_key_name(j->log_key, name, sizeof(name)) != 0) {
			j->err = SP_ERR_FIELD;
			snprintf(j->why, sizeof(j->why),
			         "the origin's LogKey has no key name");
			return;
		}
		if ((err = sp_note_verify_either(j->log_key, j->next_log_key,
		                                 j->note, j->len, &text_len,
		                                 &why)) != SP_OK ||
		    (err = sp_checkpoint_parse(j->note, j->len, &j->cp, NULL,
		                               &why)) != SP_OK) {
			j->err = err;
			snprintf(j->why, sizeof(j->why), "checkpoint: %s: %s",
			         sp_strerror(err), why ? why : "");
			return;
		}
		if (strcmp(j->cp.origin, name) != 0) {
			j->err = SP_ERR_CHECKPOINT_INVALID;
			snprintf(
			    j->why, sizeof(j->why),
			    "checkpoint origin line is not the LogKey's name");
			return;
		}
		if ((j->keep = sp_peers__origin_lines(j->note, j->len, text_len,
		                                      name)) == NULL) {
			j->err = SP_ERR_NOMEM;
			snprintf(j->why, sizeof(j->why),
			         "checkpoint note could not be copied");
			return;
		}
		if (!j->have_prev && (r = sp_node_reader(n)) != NULL) {
			if (baseline_load(r, j->o->id, &j->prev_size,
			                  j->prev_root, NULL) == 0)
				j->have_prev = 1;
			else if (sp_store_checkpoint_latest(r, j->o->id,
			                                    &prev) == SP_OK) {
				/* a store from before the baseline was kept */
				j->have_prev = 1;
				j->prev_size = prev->size;
				memcpy(j->prev_root, prev->root, 32);
				sp_store_checkpoint_free(prev);
			}
		}
		if (j->have_prev && j->cp.size == j->prev_size &&
		    memcmp(j->cp.root, j->prev_root, 32) == 0) {
			/* the checkpoint this node verified, stored and
			 * cosigned already: nothing to write (a listed
			 * witness asks every few seconds, [FED-51]) */
			j->accepted = 1;
			return;
		}
		if (j->have_prev && j->cp.size == j->prev_size &&
		    memcmp(j->cp.root, j->prev_root, 32) != 0) {
			j->equivocation = 1;
			snprintf(j->alarm, sizeof(j->alarm),
			         "two checkpoints of size %llu with different "
			         "roots (from %s)",
			         (unsigned long long)j->cp.size, j->source);
		} else if (j->have_prev && j->cp.size < j->prev_size) {
			j->err = SP_ERR_NOT_FOUND;
			snprintf(j->why, sizeof(j->why),
			         "older than the checkpoint already verified");
			/* still kept: two roots for one size show up in the
			 * store */
		} else if (j->have_prev && j->cp.size > j->prev_size &&
		           j->prev_size > 0) {
			j->need_proof = 1;
			return;
		}
	} else {
		sp_proof p;

		j->need_proof = 0;
		err = sp_proof_parse(j->proof, j->proof_len, &p, &why);
		if (err == SP_OK &&
		    (p.kind != SP_PROOF_CONSISTENCY ||
		     p.old_size != j->prev_size || p.size != j->cp.size))
			err = SP_ERR_PROOF_INVALID,
			why = "proof for other sizes";
		if (err == SP_OK)
			err = sp_merkle_verify_consistency(
			    j->prev_size, j->cp.size, j->prev_root, j->cp.root,
			    (const uint8_t(*)[32])p.hashes, p.n_hashes);
		if (err != SP_OK) {
			if (j->proof_from_origin) {
				j->equivocation = 1;
				snprintf(j->alarm, sizeof(j->alarm),
				         "checkpoint %llu is not consistent "
				         "with %llu: %s",
				         (unsigned long long)j->cp.size,
				         (unsigned long long)j->prev_size,
				         why ? why : "proof-invalid");
			} else {
				j->err = SP_ERR_PROOF_INVALID;
				snprintf(j->why, sizeof(j->why),
				         "consistency proof from %s refused",
				         j->source);
				return;
			}
		}
	}
	/* Keep it (evidence too), then cosign only what is consistent. */
	put = sp_store_checkpoint_put(sp_node_store(n), j->o->id, j->cp.size,
	                              j->cp.root, j->keep, j->o->id);
	if (put == SP_STORE_EQUIVOCATION && !j->equivocation) {
		j->equivocation = 1;
		snprintf(j->alarm, sizeof(j->alarm),
		         "another root is held for checkpoint size %llu",
		         (unsigned long long)j->cp.size);
	}
	if (put < 0) {
		j->err = put;
		snprintf(j->why, sizeof(j->why),
		         "the checkpoint could not be stored");
		return;
	}
	if (j->equivocation || j->err != SP_OK)
		return;
	/* [LOG-45]: a cosignature's time never goes back for one origin
	 * (after a clock step back, this node waits rather than vouch for
	 * a later checkpoint with an earlier time) */
	now_s = fed_now_ms(j->f) / 1000;
	if ((r = sp_node_reader(n)) != NULL &&
	    baseline_load(r, j->o->id, &(uint64_t){0}, (uint8_t[32]){0},
	                  &last) == 0 &&
	    now_s < last) {
		j->err = SP_ERR_FIELD;
		snprintf(j->why, sizeof(j->why),
		         "the clock (%lld) is behind this node's last "
		         "cosignature for the origin (%lld)",
		         (long long)now_s, (long long)last);
		return;
	}
	if (sp_node_log_signer(n) != NULL &&
	    (err = sp_note_cosign(sp_node_log_signer(n), j->keep,
	                          strlen(j->keep), now_s, &line, &why)) ==
	        SP_OK) {
		err = sp_store_cosignature_put(
		    sp_node_store(n), j->o->id, j->cp.size, j->cp.root,
		    sp_node_config(n)->node_id, line);
		free(line);
	}
	if (err != SP_OK) {
		j->err = err;
		snprintf(j->why, sizeof(j->why), "cosigning failed: %s",
		         why ? why : sp_strerror(err));
		return;
	}
	baseline_save(n, j->o->id, j->cp.size, j->cp.root, now_s);
	j->accepted = 1;
}

static void cp_done(void *arg);

static void on_proof(void *ud, const sp_h2_response *resp)
{
	cp_job *j = ud;
	fed *f = j->f;

	if (resp->err != SP_OK || resp->status != 200 ||
	    resp->body_len > SP_PROOF_MAX_TEXT ||
	    (j->proof = malloc(resp->body_len + 1)) == NULL) {
		j->o->cp_busy = 0;
		sp_log(SP_LOG_INFO, "consistency_unavailable",
		       SP_LF_STR("origin", j->o->id),
		       SP_LF_UINT("old", j->prev_size),
		       SP_LF_UINT("size", j->cp.size),
		       SP_LF_INT("status", resp->status));
		if (!f->stopping)
			fed_pull_start(f, j->o);
		cp_job_free(j);
		fed_unref(f);
		return;
	}
	memcpy(j->proof, resp->body, resp->body_len);
	j->proof[resp->body_len] = '\0';
	j->proof_len = resp->body_len;
	if (f->stopping || fed_pool(f, cp_work, cp_done, j) != SP_OK) {
		j->o->cp_busy = 0;
		cp_job_free(j);
	}
	fed_unref(f);
}

static void gossip_start(fed *f, fed_origin *o);

static void cp_done(void *arg)
{
	cp_job *j = arg;
	fed *f = j->f;
	fed_origin *o = j->o;
	fed_peer *src;
	char path[160];

	if (j->need_proof && !f->stopping) {
		/* the origin proves its own log; a witness may not hold it */
		src = fed_peer_find(f, o->id);
		if (src == NULL || !fed_peer_usable(src))
			src = fed_peer_find(f, j->source);
		snprintf(path, sizeof(path),
		         "/v1/logs/%s/proofs/consistency?old=%llu&size=%llu",
		         o->id, (unsigned long long)j->prev_size,
		         (unsigned long long)j->cp.size);
		if (src != NULL && src->client != NULL) {
			j->proof_from_origin = strcmp(src->id, o->id) == 0;
			fed_ref(f);
			if (sp_h2_client_request(src->client, "GET", path, NULL,
			                         0, NULL, 0, on_proof,
			                         j) == SP_OK)
				return;
			fed_unref(f);
		}
	}
	o->cp_busy = 0;
	if (j->equivocation)
		fed_equivocation_alarm(f, o->id, "checkpoint", j->alarm);
	else if (j->err != SP_OK && j->err != SP_ERR_NOT_FOUND)
		sp_log(SP_LOG_WARN, "checkpoint_refused",
		       SP_LF_STR("origin", o->id),
		       SP_LF_STR("source", j->source),
		       SP_LF_STR("err", sp_strerror(j->err)),
		       SP_LF_STR("why", j->why));
	if (j->accepted && (!o->have_cp || j->cp.size >= o->cp_size)) {
		if (!o->have_cp || j->cp.size > o->cp_size)
			sp_log(SP_LOG_DEBUG, "checkpoint_witnessed",
			       SP_LF_STR("origin", o->id),
			       SP_LF_UINT("size", j->cp.size),
			       SP_LF_STR("source", j->source));
		o->have_cp = 1;
		o->cp_size = j->cp.size;
		memcpy(o->cp_root, j->cp.root, 32);
		o->cp_seen_ms = fed_now_ms(f);
	} else if (!o->have_cp && j->have_prev && !j->equivocation) {
		/* what this node verified before a restart */
		o->have_cp = 1;
		o->cp_size = j->prev_size;
		memcpy(o->cp_root, j->prev_root, 32);
	}
	if (!j->gossip) {
		o->cp_fresh = j->accepted;
		/* the same checkpoint as verified before, byte for byte in
		 * size and root (a different root is an equivocation) */
		fed_round_result(o, j->accepted && j->have_prev &&
		                        j->cp.size == j->prev_size &&
		                        !j->equivocation);
	} else if (j->accepted)
		o->cp_fresh = 1;
	if (!f->stopping) {
		fed_quorum_check(f, o, fed_now_ms(f));
		/* a peer's older or equal checkpoint brings nothing to pull */
		if (!j->gossip || j->accepted)
			fed_pull_start(f, o);
		if (j->from_origin)
			gossip_start(f, o);
	}
	cp_job_free(j);
}

int fed_witness_due(fed *f, fed_origin *o, int64_t now)
{
	const sp_tl *tl = sp_trust_list(sp_node_trust(f->n));
	int64_t every = fed_merge_delay_ms(f) / 5;
	size_t i;
	int want = sp_tl_is_witness(tl, sp_node_config(f->n)->node_id);

	/* records waiting for a checkpoint that covers them */
	for (i = 0; !want && i < o->n_unproven; i++)
		want = !o->have_wit || o->unproven[i].seq >= o->wit_size;
	if (!want || o->log_key == NULL || now < o->next_cp_ms)
		return 0;
	/* half-way through the origin's checkpoint period (own_log.c signs
	 * at its start): every witness then fetches the same checkpoint */
	if (every < 1000)
		every = 1000;
	o->next_cp_ms = now / every * every + every / 2;
	if (o->next_cp_ms <= now)
		o->next_cp_ms += every;
	return 1;
}

typedef struct cp_req {
	fed *f;
	fed_origin *o;
	char source[SP_NODE_ID_MAX + 1];
	int tried_origin;
	/* the origin answered that it has no checkpoint (an empty log): one
	 * witness, taken in turns across rounds, is asked in case the origin
	 * hides one from this node; not every peer every round, which in an
	 * idle federation costs the square of the members each interval */
	int origin_has_none;
	int gossip; /* one peer asked to compare: no fallback ([FED-52]) */
} cp_req;

static int cp_ask(fed *f, fed_origin *o, cp_req *q);

/* [FED-64]: a peer that holds no checkpoint of an origin (it has not
 * fetched one yet, or cannot) answers 404, and asking it again every round
 * only costs both sides: in a federation of 50 nodes starting up,
 * thousands of requests. Such a peer is left out of gossip and of the
 * fallback for one pull interval, then 2, 4, up to FED_ROUND_GAP_MAX after
 * each further 404, until it answers with a checkpoint. */
static fed_none *none_find(fed_origin *o, const char *peer)
{
	for (size_t i = 0; i < o->n_none; i++)
		if (strcmp(o->none[i].peer, peer) == 0)
			return &o->none[i];
	return NULL;
}

static int none_skip(fed *f, fed_origin *o, const char *peer)
{
	const fed_none *e = none_find(o, peer);

	return e != NULL && fed_now_ms(f) < e->until_ms;
}

static void none_note(fed *f, fed_origin *o, const char *peer)
{
	int64_t every = sp_node_config(f->n)->pull_interval * 1000;
	fed_none *e = none_find(o, peer), *grown;
	unsigned gap;

	if (e == NULL) {
		if (o->n_none == FED_MAX_PEERS ||
		    (grown = realloc(o->none,
		                     (o->n_none + 1) * sizeof(*grown))) == NULL)
			return;
		o->none = grown;
		e = &o->none[o->n_none++];
		memset(e, 0, sizeof(*e));
		snprintf(e->peer, sizeof(e->peer), "%s", peer);
	}
	if (e->streak < 8)
		e->streak++;
	gap = 1u << (e->streak - 1);
	if (gap > FED_ROUND_GAP_MAX)
		gap = FED_ROUND_GAP_MAX;
	e->until_ms = fed_now_ms(f) + (int64_t)gap * every;
}

static void none_clear(fed_origin *o, const char *peer)
{
	fed_none *e = none_find(o, peer);

	if (e != NULL)
		*e = o->none[--o->n_none];
}

static void on_checkpoint(void *ud, const sp_h2_response *resp)
{
	cp_req *q = ud;
	fed *f = q->f;
	fed_origin *o = q->o;
	cp_job *j;

	if (f->stopping) {
		o->cp_busy = 0;
		free(q);
		fed_unref(f);
		return;
	}
	if (strcmp(q->source, o->id) != 0 && resp->err == SP_OK) {
		if (resp->status == 404)
			none_note(f, o, q->source);
		else if (resp->status == 200)
			none_clear(o, q->source);
	}
	if (resp->err != SP_OK || resp->status != 200 || resp->body_len == 0 ||
	    resp->body_len > SP_CHECKPOINT_MAX_NOTE) {
		int from_origin = strcmp(q->source, o->id) == 0;

		if (q->gossip) {
			o->cp_busy = 0;
			free(q);
			fed_unref(f);
			return;
		}

		if (from_origin && resp->err == SP_OK && resp->status == 404)
			q->origin_has_none = 1;
		/* the origin is away (or has none): ask a peer that
		 * witnesses it; after an empty origin, only one */
		if ((from_origin || !q->origin_has_none) &&
		    cp_ask(f, o, q) == 0) {
			fed_unref(f);
			return;
		}
		o->cp_busy = 0;
		free(q);
		fed_pull_start(f, o);
		fed_unref(f);
		return;
	}
	if ((j = calloc(1, sizeof(*j))) == NULL ||
	    (j->note = malloc(resp->body_len + 1)) == NULL ||
	    (j->log_key = strdup(o->log_key)) == NULL ||
	    (o->next_log_key != NULL &&
	     (j->next_log_key = strdup(o->next_log_key)) == NULL)) {
		if (j != NULL)
			cp_job_free(j);
		o->cp_busy = 0;
		free(q);
		fed_unref(f);
		return;
	}
	j->f = f;
	j->o = o;
	snprintf(j->source, sizeof(j->source), "%s", q->source);
	j->from_origin = strcmp(q->source, o->id) == 0;
	j->gossip = q->gossip;
	memcpy(j->note, resp->body, resp->body_len);
	j->note[resp->body_len] = '\0';
	j->len = resp->body_len;
	j->have_prev = o->have_cp;
	j->prev_size = o->cp_size;
	memcpy(j->prev_root, o->cp_root, 32);
	free(q);
	if (fed_pool(f, cp_work, cp_done, j) != SP_OK) {
		o->cp_busy = 0;
		cp_job_free(j);
	}
	fed_unref(f);
}

/* Ask the origin first, then each usable peer after q->source. 0 when a
 * request went out. */
static int cp_ask(fed *f, fed_origin *o, cp_req *q)
{
	char path[128];
	size_t i, start = 0;
	fed_peer *p;

	snprintf(path, sizeof(path), "/v1/logs/%s/checkpoint", o->id);
	if (!q->tried_origin) {
		q->tried_origin = 1;
		p = fed_peer_find(f, o->id);
		if (p != NULL && fed_peer_usable(p)) {
			snprintf(q->source, sizeof(q->source), "%s", p->id);
			fed_ref(f);
			if (sp_h2_client_request(p->client, "GET", path, NULL,
			                         0, NULL, 0, on_checkpoint,
			                         q) == SP_OK)
				return 0;
			fed_unref(f);
		}
		q->source[0] = '\0';
	}
	if (q->origin_has_none && f->n_peers > 0)
		start = (size_t)(o->cp_turn++ % f->n_peers);
	else if (q->source[0] != '\0')
		for (i = 0; i < f->n_peers; i++)
			if (strcmp(f->peers[i]->id, q->source) == 0)
				start = i + 1;
	for (i = start; i < f->n_peers + (q->origin_has_none ? start : 0);
	     i++) {
		p = f->peers[i % f->n_peers];
		if (strcmp(p->id, o->id) == 0 || !fed_peer_usable(p) ||
		    none_skip(f, o, p->id))
			continue;
		snprintf(q->source, sizeof(q->source), "%s", p->id);
		fed_ref(f);
		if (sp_h2_client_request(p->client, "GET", path, NULL, 0, NULL,
		                         0, on_checkpoint, q) == SP_OK)
			return 0;
		fed_unref(f);
	}
	return -1;
}

/* [FED-52]: after the origin's checkpoint, once per pull interval, the
 * checkpoint of the same origin that one other peer holds (peers in
 * turn), through the same verification: a larger one is proven
 * consistent by the origin, one of the same size must have the same root,
 * so that a fork shown to another node is seen here (kept as evidence,
 * alarmed) as soon as this node holds both sides. */
static void gossip_start(fed *f, fed_origin *o)
{
	int64_t now = fed_now_ms(f);
	char path[128];
	size_t i;
	cp_req *q;

	if (f->stopping || o->cp_busy || now < o->next_gossip_ms ||
	    f->n_peers == 0)
		return;
	o->next_gossip_ms = now + sp_node_config(f->n)->pull_interval * 1000;
	for (i = 0; i < f->n_peers; i++) {
		fed_peer *p = f->peers[o->gossip_turn++ % f->n_peers];

		if (strcmp(p->id, o->id) == 0 || p->federation[0] != '\0' ||
		    !fed_peer_usable(p) || none_skip(f, o, p->id))
			continue;
		if ((q = calloc(1, sizeof(*q))) == NULL)
			return;
		q->f = f;
		q->o = o;
		q->tried_origin = 1;
		q->gossip = 1;
		snprintf(q->source, sizeof(q->source), "%s", p->id);
		snprintf(path, sizeof(path), "/v1/logs/%s/checkpoint", o->id);
		o->cp_busy = 1;
		fed_ref(f);
		if (sp_h2_client_request(p->client, "GET", path, NULL, 0, NULL,
		                         0, on_checkpoint, q) == SP_OK)
			return;
		fed_unref(f);
		o->cp_busy = 0;
		free(q);
		return;
	}
}

void fed_witness_fetch(fed *f, fed_origin *o)
{
	cp_req *q;

	if (f->stopping || o->gone)
		return;
	if (o->log_key == NULL) {
		fed_pull_start(f, o);
		return;
	}
	if (o->cp_busy)
		return;
	if ((q = calloc(1, sizeof(*q))) == NULL)
		return;
	q->f = f;
	q->o = o;
	o->cp_busy = 1;
	if (cp_ask(f, o, q) != 0) {
		o->cp_busy = 0;
		free(q);
		fed_pull_start(f, o);
	}
}
