/* fed_index.c (peers): complete catch-up (SPEC 13.2, [FED-58]). Peers hold
 * sparse logs, so an entries page cannot say what it left out. The origin's
 * signed index notes (SPEC 9.9) can: each lists every Sequence of a range
 * of its log addressed to this node. The proven position (idx_next) moves
 * over a range only when every listed Sequence is held here; a listed one
 * that is not is a gap, fetched from the origin or any peer and alarmed
 * when it stays missing past the merge delay; a held record the note leaves
 * out is a signed lie of the origin, alarmed as equivocation. */
#include "fed_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IDX_RETRY_MS 30000 /* after a failed or refused note */
/* The proven position of each origin, kept with the node's data (a backup
 * carries it with the records it speaks of): "catchup-proven:<origin>". */
#define PROVEN_KEY "catchup-proven:"

int sp_peers__index_verify(const char *log_key, const char *next_log_key,
                           const char *recipient, uint64_t start, uint64_t size,
                           const char *note, size_t len, sp_index_note *out,
                           const char **why)
{
	size_t text_len = 0, name_len;
	const char *plus;
	int err;

	memset(out, 0, sizeof(*out));
	if (log_key == NULL || (plus = strchr(log_key, '+')) == NULL) {
		*why = "the origin has no usable LogKey";
		return SP_ERR_INDEX_INVALID;
	}
	/* either listed key (SPEC [LOG-47]); both have the same name */
	if ((err = sp_note_verify_either(log_key, next_log_key, note, len,
	                                 &text_len, why)) != SP_OK)
		return SP_ERR_INDEX_INVALID;
	if ((err = sp_index_note_parse(note, text_len, out, NULL, why)) !=
	    SP_OK)
		return err == SP_ERR_NOMEM ? err : SP_ERR_INDEX_INVALID;
	name_len = (size_t)(plus - log_key);
	if (strlen(out->origin) != name_len ||
	    memcmp(out->origin, log_key, name_len) != 0)
		*why = "the origin line is not the LogKey's name";
	else if (strcmp(out->recipient, recipient) != 0)
		*why = "the note is for another recipient";
	else if (out->start != start)
		*why = "the note does not start where it was asked to";
	else if (out->end > size)
		*why = "the range ends beyond the verified checkpoint";
	else if (out->end <= out->start)
		*why = "the range is empty";
	else
		return SP_OK;
	sp_index_note_free(out);
	return SP_ERR_INDEX_INVALID;
}

/* ---------------------------------------------------------------- gaps */

static fed_gap *gap_find(fed_origin *o, uint64_t seq)
{
	size_t i;

	for (i = 0; i < o->n_gaps; i++)
		if (o->gaps[i].seq == seq)
			return &o->gaps[i];
	return NULL;
}

static void gap_add(fed_origin *o, uint64_t seq, int64_t now)
{
	if (gap_find(o, seq) != NULL || o->n_gaps == FED_GAPS_MAX)
		return; /* the rest is found again by the next note */
	o->gaps[o->n_gaps].seq = seq;
	o->gaps[o->n_gaps].since_ms = now;
	o->gaps[o->n_gaps].alarmed = 0;
	o->n_gaps++;
}

static void gap_del(fed_origin *o, uint64_t seq)
{
	fed_gap *g = gap_find(o, seq);

	if (g != NULL)
		*g = o->gaps[--o->n_gaps];
}

typedef struct gap_fetch {
	fed *f;
	fed_origin *o;
	uint64_t seq;
	char source[SP_NODE_ID_MAX + 1];
	uint8_t *rec;
} gap_fetch;

static void gap_fetch_end(gap_fetch *g)
{
	g->o->gap_out = 0;
	fed_unref(g->f);
	free(g->rec);
	free(g);
}

static void on_gap_ingested(void *ud, const sp_ingest_result *res)
{
	gap_fetch *g = ud;

	if (res->err == SP_OK && (res->outcome == SP_STORE_INSERTED ||
	                          res->outcome == SP_STORE_DUPLICATE)) {
		sp_log(SP_LOG_INFO, "catchup_gap_filled",
		       SP_LF_STR("origin", g->o->id),
		       SP_LF_UINT("sequence", g->seq),
		       SP_LF_STR("source", g->source));
		gap_del(g->o, g->seq);
	} else {
		g->o->gap_turn++; /* another source next time */
	}
	gap_fetch_end(g);
}

static void on_gap_entries(void *ud, const sp_h2_response *resp)
{
	gap_fetch *g = ud;
	sp_peers__entries e = {.body = resp->body,
	                       .body_len = resp->body_len,
	                       .start = g->seq,
	                       .max_len = sp_node_limits(g->f->n)->max_bytes,
	                       .max_frames = 1};
	sp_ingest_opts opts = {.source = g->source,
	                       .expect_origin = g->o->id,
	                       .expect_sequence = (int64_t)g->seq};
	uint64_t seq;
	size_t off, len;

	if (g->f->stopping || resp->err != SP_OK || resp->status != 200 ||
	    sp_peers__entries_next(&e, &seq, &off, &len) != 1 ||
	    seq != g->seq || (g->rec = malloc(len)) == NULL) {
		g->o->gap_turn++;
		gap_fetch_end(g);
		return;
	}
	/* verified and accepted like any record (FED-12); the bytes must
	 * outlive the response */
	memcpy(g->rec, resp->body + off, len);
	if (sp_node_ingest(g->f->n, g->rec, len, &opts, on_gap_ingested, g) !=
	    SP_OK)
		gap_fetch_end(g);
}

/* The source for a gap: the origin first, then the other peers in turn. */
static fed_peer *gap_source(fed *f, fed_origin *o)
{
	size_t n = f->n_peers + 1, i;

	for (i = 0; i < n; i++) {
		size_t k = (size_t)((o->gap_turn + i) % n);
		fed_peer *p =
		    k == 0 ? fed_peer_find(f, o->id) : f->peers[k - 1];

		if (p != NULL && fed_peer_usable(p) &&
		    (k == 0 || strcmp(p->id, o->id) != 0)) {
			o->gap_turn += i;
			return p;
		}
	}
	return NULL;
}

static void gap_fetch_next(fed *f, fed_origin *o)
{
	fed_peer *p;
	gap_fetch *g;
	char path[160];

	if (o->gap_out || o->n_gaps == 0 || (p = gap_source(f, o)) == NULL ||
	    (g = calloc(1, sizeof(*g))) == NULL)
		return;
	g->f = f;
	g->o = o;
	g->seq = o->gaps[(size_t)(o->gap_turn % o->n_gaps)].seq;
	snprintf(g->source, sizeof(g->source), "%s", p->id);
	snprintf(path, sizeof(path), "/v1/logs/%s/entries?start=%llu&count=1",
	         o->id, (unsigned long long)g->seq);
	fed_ref(f);
	o->gap_out = 1;
	if (sp_h2_client_request(p->client, "GET", path, NULL, 0, NULL, 0,
	                         on_gap_entries, g) != SP_OK)
		gap_fetch_end(g);
}

/* [FED-59]: a gap not filled within the merge delay is alarmed, once. */
static void gaps_overdue(fed *f, fed_origin *o, int64_t now)
{
	int64_t delay = fed_merge_delay_ms(f);
	size_t i;

	for (i = 0; i < o->n_gaps; i++) {
		fed_gap *g = &o->gaps[i];

		if (g->alarmed || now - g->since_ms <= delay)
			continue;
		g->alarmed = 1;
		o->gap_alarms++;
		f->gap_alarms++;
		sp_log(SP_LOG_ERROR, "catchup_gap", SP_LF_STR("origin", o->id),
		       SP_LF_UINT("sequence", g->seq),
		       SP_LF_INT("merge_delay_s", delay / 1000));
		snprintf(o->last_alarm, sizeof(o->last_alarm),
		         "catch-up gap: sequence %llu is addressed here by the "
		         "origin's signed index and could not be fetched",
		         (unsigned long long)g->seq);
	}
}

/* ---------------------------------------------------------------- notes */

static void proven_save(sp_node *n, const char *origin, uint64_t pos)
{
	char key[sizeof(PROVEN_KEY) + SP_NODE_ID_MAX], v[24];

	snprintf(key, sizeof(key), PROVEN_KEY "%s", origin);
	snprintf(v, sizeof(v), "%llu", (unsigned long long)pos);
	if (sp_store_state_set(sp_node_store(n), key, v) != SP_OK)
		sp_log(SP_LOG_WARN, "catchup_position_unsaved",
		       SP_LF_STR("origin", origin),
		       SP_LF_UINT("position", pos));
}

typedef struct load_job {
	fed *f;
	fed_origin *o;
	uint64_t pos;
} load_job;

static void load_work(void *arg)
{
	load_job *j = arg;
	sp_store_reader *r = sp_node_reader(j->f->n);
	char key[sizeof(PROVEN_KEY) + SP_NODE_ID_MAX], v[SP_STORE_STATE_MAX];

	snprintf(key, sizeof(key), PROVEN_KEY "%s", j->o->id);
	if (r == NULL || sp_store_state_get(r, key, v, sizeof(v)) != SP_OK ||
	    sp_parse_u64(v, strlen(v), INT64_MAX, &j->pos) != SP_OK)
		j->pos = 0; /* none yet: proven from the start */
}

static void load_done(void *arg)
{
	load_job *j = arg;

	j->o->idx_busy = 0;
	j->o->idx_loaded = 1;
	if (j->pos > j->o->idx_next)
		j->o->idx_next = j->pos;
	free(j);
}

/* The proven position saved before a restart, read once. */
static void proven_load(fed *f, fed_origin *o)
{
	load_job *j = calloc(1, sizeof(*j));

	if (j == NULL)
		return;
	j->f = f;
	j->o = o;
	o->idx_busy = 1;
	if (fed_pool(f, load_work, load_done, j) != SP_OK) {
		o->idx_busy = 0;
		free(j);
	}
}

typedef struct idx_job {
	fed *f;
	fed_origin *o;
	sp_index_note ix;
	char *note;
	size_t note_len;
	char me[SP_NODE_ID_MAX + 1];
	sp_text broadcasters; /* whose broadcasts this node reads */
	uint64_t *missing;    /* listed, not held */
	size_t n_missing;
	int lie; /* a held record addressed here is not listed */
	uint64_t lie_seq;
	int kept; /* the result of keeping the lying note as evidence */
	int err;
} idx_job;

static int listed(const sp_index_note *ix, uint64_t seq)
{
	size_t lo = 0, hi = ix->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ix->seqs[mid] == seq)
			return 1;
		if (ix->seqs[mid] < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* Worker: which listed Sequences are not held, and whether a record held
 * here and addressed here (as entries would show it to this node) lies in
 * the range unlisted. */
static void idx_work(void *arg)
{
	idx_job *j = arg;
	sp_store_reader *r = sp_node_reader(j->f->n);
	sp_store_view view = {j->me, j->broadcasters.buf};
	uint64_t at = j->ix.start;
	char held[65];
	size_t i;
	int err;

	if (r == NULL ||
	    (j->missing = calloc(j->ix.n + 1, sizeof(*j->missing))) == NULL) {
		j->err = SP_ERR_UNAVAILABLE;
		return;
	}
	for (i = 0; i < j->ix.n; i++) {
		err = sp_store_fed_digest_at(r, j->o->id, j->ix.seqs[i], held);
		if (err == SP_ERR_NOT_FOUND)
			j->missing[j->n_missing++] = j->ix.seqs[i];
		else if (err != SP_OK)
			j->err = err;
	}
	while (j->err == SP_OK && !j->lie && at < j->ix.end) {
		sp_store_list *l = NULL;

		if ((j->err =
		         sp_store_entries(r, j->o->id, at, SP_STORE_LIST_MAX, 0,
		                          &view, &l)) != SP_OK)
			break;
		for (i = 0; i < l->n && l->items[i]->sequence < j->ix.end; i++)
			if (!listed(&j->ix, l->items[i]->sequence)) {
				j->lie = 1;
				j->lie_seq = l->items[i]->sequence;
				break;
			}
		at = l->n > 0 ? l->next_start : j->ix.end;
		sp_store_list_free(l);
	}
	/* LOG-51: the signed note itself is the evidence; kept in the store
	 * (once, however often it is seen) so that it outlives a restart. A
	 * failure is retried with the note asked again after IDX_RETRY_MS. */
	if (j->err == SP_OK && j->lie)
		j->kept = sp_store_evidence_put(
		    sp_node_store(j->f->n), "index-note", j->o->id,
		    (const uint8_t *)j->note, j->note_len, j->o->id);
	if (j->err == SP_OK && !j->lie && j->n_missing == 0)
		proven_save(j->f->n, j->o->id, j->ix.end);
}

static void idx_done(void *arg)
{
	idx_job *j = arg;
	fed *f = j->f;
	fed_origin *o = j->o;
	int64_t now = fed_now_ms(f);
	size_t i;

	o->idx_busy = 0;
	if (j->err != SP_OK) {
		o->next_idx_ms = now + IDX_RETRY_MS;
	} else if (j->lie) {
		char d[200];

		/* LOG-49: the origin signed that it sent nothing else here in
		 * the range; the held record proves otherwise. The proven
		 * position stays before the range. */
		snprintf(d, sizeof(d),
		         "the record held at sequence %llu is addressed here "
		         "but the origin's signed index of %llu..%llu omits it",
		         (unsigned long long)j->lie_seq,
		         (unsigned long long)j->ix.start,
		         (unsigned long long)j->ix.end - 1);
		o->index_lies++;
		if (j->kept != SP_OK)
			sp_log(SP_LOG_WARN, "index_evidence_not_kept",
			       SP_LF_STR("origin", o->id),
			       SP_LF_STR("err", sp_strerror(j->kept)));
		fed_equivocation_alarm(f, o->id, "index", d);
		o->next_idx_ms = now + IDX_RETRY_MS;
	} else if (j->n_missing > 0) {
		for (i = 0; i < j->n_missing; i++)
			gap_add(o, j->missing[i], now);
		gap_fetch_next(f, o);
	} else {
		o->idx_next = j->ix.end;
		o->idx_notes++;
		o->next_idx_ms = 0; /* the next range at once */
	}
	sp_index_note_free(&j->ix);
	sp_text_free(&j->broadcasters);
	free(j->missing);
	free(j->note);
	free(j);
}

typedef struct idx_ask {
	fed *f;
	fed_origin *o;
	uint64_t start, size;
} idx_ask;

static void on_index(void *ud, const sp_h2_response *resp)
{
	idx_ask *q = ud;
	fed *f = q->f;
	fed_origin *o = q->o;
	const sp_config *cfg = sp_node_config(f->n);
	const char *why = NULL;
	idx_job *j;
	int err = SP_ERR_UNAVAILABLE;

	free(q);
	if (f->stopping || resp->err != SP_OK || resp->status != 200 ||
	    (j = calloc(1, sizeof(*j))) == NULL) {
		o->idx_unproven = 1; /* the origin does not answer for it */
		o->idx_busy = 0;
		o->next_idx_ms = fed_now_ms(f) + IDX_RETRY_MS;
		fed_unref(f);
		return;
	}
	j->f = f;
	j->o = o;
	snprintf(j->me, sizeof(j->me), "%s", cfg->node_id);
	err = sp_peers__index_verify(
	    o->log_key, o->next_log_key, j->me, o->idx_next, o->wit_size,
	    (const char *)resp->body, resp->body_len, &j->ix, &why);
	o->idx_unproven = err != SP_OK;
	if (err == SP_OK && (j->note = malloc(resp->body_len + 1)) != NULL) {
		memcpy(j->note, resp->body, resp->body_len);
		j->note[resp->body_len] = '\0';
		j->note_len = resp->body_len;
		sp_node_broadcasters(f->n, sp_node_trust(f->n), j->me,
		                     &j->broadcasters);
		if (fed_pool(f, idx_work, idx_done, j) == SP_OK) {
			fed_unref(f);
			return;
		}
	}
	if (err != SP_OK)
		sp_log(SP_LOG_WARN, "index_refused", SP_LF_STR("origin", o->id),
		       SP_LF_UINT("start", o->idx_next),
		       SP_LF_STR("err", sp_strerror(err)),
		       SP_LF_STR("why", why));
	o->idx_busy = 0;
	o->next_idx_ms = fed_now_ms(f) + IDX_RETRY_MS;
	sp_index_note_free(&j->ix);
	sp_text_free(&j->broadcasters);
	free(j->note);
	free(j);
	fed_unref(f);
}

static void ask_index(fed *f, fed_origin *o, fed_peer *origin)
{
	idx_ask *q = calloc(1, sizeof(*q));
	char path[200];

	if (q == NULL)
		return;
	q->f = f;
	q->o = o;
	snprintf(path, sizeof(path),
	         "/v1/logs/%s/index?recipient=%s&start=%llu&end=%llu", o->id,
	         sp_node_config(f->n)->node_id, (unsigned long long)o->idx_next,
	         (unsigned long long)o->wit_size);
	fed_ref(f);
	o->idx_busy = 1;
	if (sp_h2_client_request(origin->client, "GET", path, NULL, 0, NULL, 0,
	                         on_index, q) != SP_OK) {
		o->idx_busy = 0;
		free(q);
		fed_unref(f);
	}
}

/* The origin cannot be asked now, or its last connection attempt failed. */
static int origin_away(fed_peer *origin)
{
	sp_h2_client_state st;

	if (origin == NULL || !fed_peer_usable(origin))
		return 1;
	memset(&st, 0, sizeof(st));
	sp_h2_client_get_state(origin->client, &st);
	return !st.connected && st.consecutive_failures > 0;
}

void fed_index_tick(fed *f, fed_origin *o, int64_t now)
{
	fed_peer *origin = fed_peer_find(f, o->id);

	if (f->stopping || o->gone || o->log_key == NULL)
		return;
	/* only the origin signs its index: without it, what catch-up from
	 * peers brings past idx_next stays unproven, never complete, until
	 * a note of the origin verifies again */
	if (origin_away(origin))
		o->idx_unproven = 1;
	if (!o->idx_loaded) {
		if (!o->idx_busy)
			proven_load(f, o);
		return;
	}
	if (!o->have_wit)
		return;
	gaps_overdue(f, o, now);
	gap_fetch_next(f, o);
	/* the range is asked again only once its gaps are filled */
	if (origin == NULL || !fed_peer_usable(origin) || o->idx_busy ||
	    o->n_gaps > 0 || o->pulling || o->idx_next >= o->wit_size ||
	    now < o->next_idx_ms)
		return;
	ask_index(f, o, origin);
}
