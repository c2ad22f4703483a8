/* fed_pull.c (peers): catch-up: pull an origin's entries visible to this
 * node from the origin (or, when it is away, from peers that hold them),
 * pages of 1000 fetched ahead while earlier ones are accepted through the
 * node's one acceptance path, then prove received records (pulled, and
 * pushed ones reported by the node's record_received hook) against the
 * origin's verified checkpoint (root comparison or inclusion proofs). */
#include "fed_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct frame {
	uint64_t seq;
	size_t off, len;
	uint8_t leaf[32];
	int skip;  /* already held with the same digest */
	int state; /* 0 waiting, 1 ingesting, 2 done */
} frame;

struct pull_page {
	pull_page *next;
	fed *f;
	fed_origin *o;
	char source[SP_NODE_ID_MAX + 1];
	int from_origin;
	uint64_t start;
	uint64_t next_start; /* examined below this once the page is done */
	uint64_t cp_size;    /* checkpoint known when asked */
	uint8_t *body;
	size_t body_len;
	frame *frames;
	size_t n_frames;
	size_t next_frame; /* first not yet handed to ingest */
	size_t done_frames;
	int parsed;
	int err;
	char why[200];
};

static void feed(fed *f, fed_origin *o);
static void ask_page(fed *f, fed_origin *o);
static void prove(fed *f, fed_origin *o);

void fed_origin_free(fed_origin *o)
{
	pull_page *pg, *next;

	for (pg = o->pages; pg != NULL; pg = next) {
		next = pg->next;
		free(pg->body);
		free(pg->frames);
		free(pg);
	}
	free(o->unproven);
	free(o->to_confirm);
	free(o->to_unlog);
	free(o->to_date);
	free(o->log_key);
	free(o->next_log_key);
	free(o->none);
	free(o);
}

static pull_pos *pos_get(fed_origin *o, const char *source, uint64_t base)
{
	size_t i;

	for (i = 0; i < o->n_pos; i++)
		if (strcmp(o->pos[i].source, source) == 0)
			return &o->pos[i];
	if (o->n_pos == FED_SOURCES_MAX)
		i = FED_SOURCES_MAX - 1; /* reuse the last slot */
	else
		i = o->n_pos++;
	snprintf(o->pos[i].source, sizeof(o->pos[i].source), "%s", source);
	o->pos[i].next = base;
	return &o->pos[i];
}

static uint64_t pos_max(const fed_origin *o)
{
	uint64_t m = 0;
	size_t i;

	for (i = 0; i < o->n_pos; i++)
		if (o->pos[i].next > m)
			m = o->pos[i].next;
	return m;
}

/* List a stored record as unproven. leaf is its Merkle leaf hash, or with
 * need_leaf the SHA-256 of its bytes. A record is listed once: the pulled
 * path and the node's record_received hook both report the same insert,
 * one right after the other, so a repeat can only be the last entry. */
static void unproven_add(fed_origin *o, uint64_t seq, const uint8_t leaf[32],
                         int need_leaf, int64_t now)
{
	unproven *u;

	if (o->n_unproven > 0 && o->unproven[o->n_unproven - 1].seq == seq) {
		u = &o->unproven[o->n_unproven - 1];
		if (u->need_leaf && !need_leaf) {
			memcpy(u->leaf, leaf, 32);
			u->need_leaf = 0;
		}
		return;
	}
	if (o->n_unproven == 0) {
		free(o->unproven);
		o->unproven = NULL;
	}
	if (o->unproven == NULL &&
	    (o->unproven = malloc(FED_UNPROVEN_MAX * sizeof(*o->unproven))) ==
	        NULL)
		return;
	if (o->n_unproven == FED_UNPROVEN_MAX) {
		sp_log(SP_LOG_WARN, "proof_backlog_full",
		       SP_LF_STR("origin", o->id), SP_LF_UINT("sequence", seq));
		return;
	}
	u = &o->unproven[o->n_unproven++];
	u->seq = seq;
	memcpy(u->leaf, leaf, 32);
	u->need_leaf = need_leaf;
	u->since_ms = now;
	u->alarmed = 0;
}

void fed_pull_received(fed *f, const char *origin, uint64_t seq,
                       const char digest[65])
{
	fed_origin *o = fed_origin_find(f, origin);
	uint8_t d[32];

	/* not a member this side follows, or one without a LogKey: no
	 * checkpoint, and ingest stored the record unlogged */
	if (o == NULL || o->gone || o->log_key == NULL)
		return;
	if (sp_hex_decode(digest, 64, d) != SP_OK)
		return;
	fed_round_reset(o);
	unproven_add(o, seq, d, 1, fed_now_ms(f));
}

static void unproven_del(fed_origin *o, uint64_t seq)
{
	size_t i;

	for (i = 0; i < o->n_unproven; i++) {
		if (o->unproven[i].seq == seq) {
			o->unproven[i] = o->unproven[--o->n_unproven];
			return;
		}
	}
}

/* ---------------------------------------------------------------- session */

static void session_end(fed *f, fed_origin *o)
{
	o->pulling = 0;
	o->last_pull_ms = fed_now_ms(f);
	if (o->pull_again && !f->stopping) {
		o->pull_again = 0;
		fed_pull_start(f, o);
	} else {
		prove(f, o);
	}
}

static void maybe_end(fed *f, fed_origin *o)
{
	/* a page being split on the pool is neither on the wire nor listed
	 * yet: ending before it is back would start the next session from
	 * the position before it (asking the same page again) */
	if (o->pulling && o->pages == NULL && o->pages_out == 0 &&
	    o->parsing == 0 && o->ingesting == 0 &&
	    (o->page_end || f->stopping))
		session_end(f, o);
}

typedef struct seed_job {
	fed *f;
	fed_origin *o;
	uint64_t tree;
	sp_store_pending *pending; /* records still pending in the store */
	size_t n_pending;
} seed_job;

/* The pending records the store holds for the origin ([FED-55]): listed
 * again after a restart, so that they are proven and confirmed, or
 * alarmed. */
static void load_pending(seed_job *s, sp_store_reader *r)
{
	uint64_t from = 0;
	sp_store_pending *page = NULL, *all;
	size_t n = 0;

	while (s->n_pending < FED_UNPROVEN_MAX &&
	       sp_store_log_pending(r, s->o->id, from, SP_STORE_LIST_MAX, &page,
	                            &n) == SP_OK &&
	       n > 0) {
		all = realloc(s->pending,
		              (s->n_pending + n) * sizeof(*s->pending));
		if (all == NULL) {
			free(page);
			return;
		}
		s->pending = all;
		memcpy(s->pending + s->n_pending, page, n * sizeof(*page));
		s->n_pending += n;
		from = page[n - 1].sequence + 1;
		free(page);
		page = NULL;
	}
}

static void seed_work(void *arg)
{
	seed_job *s = arg;
	sp_store_reader *r = sp_node_reader(s->f->n);
	uint64_t size = 0;

	/* every position below the contiguous prefix held is examined */
	if (r != NULL && sp_store_tree_size(r, s->o->id, &size) == SP_OK)
		s->tree = size;
	if (r != NULL && !s->o->pending_loaded && s->o->log_key != NULL)
		load_pending(s, r);
}

static int listed(const fed_origin *o, uint64_t seq)
{
	size_t i;

	for (i = 0; i < o->n_unproven; i++)
		if (o->unproven[i].seq == seq)
			return 1;
	return 0;
}

static void seed_done(void *arg)
{
	seed_job *s = arg;
	fed_origin *o = s->o;
	int64_t now = fed_now_ms(s->f);
	size_t i;
	uint8_t d[32];

	/* the merge delay of records found pending at start runs from now:
	 * the alarm before the restart was raised then. Records received
	 * since start are listed already (record_received). */
	for (i = 0; i < s->n_pending; i++)
		if (!listed(o, s->pending[i].sequence) &&
		    sp_hex_decode(s->pending[i].digest, 64, d) == SP_OK)
			unproven_add(o, s->pending[i].sequence, d, 1, now);
	free(s->pending);
	o->pending_loaded = 1;
	o->pos_loaded = 1;
	o->n_pos = 0;
	pos_get(o, o->id, s->tree);
	o->pulling = 0;
	if (!s->f->stopping)
		fed_pull_start(s->f, o);
	free(s);
}

void fed_pull_start(fed *f, fed_origin *o)
{
	fed_peer *src = NULL, *origin, *p;
	uint64_t next;
	size_t i;

	if (f->stopping || o->gone)
		return;
	if (o->pulling) {
		o->pull_again = 1;
		return;
	}
	if (!o->pos_loaded) {
		seed_job *s = calloc(1, sizeof(*s));

		if (s == NULL)
			return;
		s->f = f;
		s->o = o;
		o->pulling = 1;
		if (fed_pool(f, seed_work, seed_done, s) != SP_OK) {
			o->pulling = 0;
			free(s);
		}
		return;
	}
	origin = fed_peer_find(f, o->id);
	if (origin != NULL && fed_peer_usable(origin)) {
		src = origin;
	} else {
		/* the origin is away: ask a peer that holds its entries,
		 * taking turns between calls */
		size_t start = 0;

		for (i = 0; i < f->n_peers; i++)
			if (strcmp(f->peers[i]->id, o->pull_source) == 0)
				start = i + 1;
		for (i = 0; i < f->n_peers && src == NULL; i++) {
			p = f->peers[(start + i) % f->n_peers];
			if (strcmp(p->id, o->id) != 0 && fed_peer_usable(p))
				src = p;
		}
	}
	if (src == NULL)
		return;
	next = pos_get(o, src->id, pos_get(o, o->id, 0)->next)->next;
	/* FED-10 asks for entries up to the checkpoint's size: when the
	 * origin's own position is past the checkpoint verified this round,
	 * there is nothing to ask, only proofs to finish (an idle federation
	 * then asks its peers for checkpoints alone). A reconnect, a start
	 * or an origin away still pulls. */
	if (o->cp_fresh && src == origin && next >= o->cp_size) {
		o->cp_fresh = 0;
		o->last_pull_ms = fed_now_ms(f);
		prove(f, o);
		return;
	}
	o->cp_fresh = 0;
	o->pulling = 1;
	o->pull_again = 0;
	o->page_end = 0;
	snprintf(o->pull_source, sizeof(o->pull_source), "%s", src->id);
	o->ask_next = next;
	ask_page(f, o);
	maybe_end(f, o);
}

/* ---------------------------------------------------------------- pages */

int sp_peers__entries_next(sp_peers__entries *e, uint64_t *seq, size_t *off,
                           size_t *len)
{
	const uint8_t *b, *end, *sp, *nl;
	uint64_t s, l;

	if (e->pos >= e->body_len)
		return 0; /* also an empty body, which may have no buffer */
	b = e->body + e->pos;
	end = e->body + e->body_len;
	sp = memchr(b, ' ', (size_t)(end - b));
	nl = sp ? memchr(sp, '\n', (size_t)(end - sp)) : NULL;
	if (sp == NULL || nl == NULL)
		return -1;
	/* "<sequence> <length>\n": canonical decimals, a length of 1 to
	 * max_len that the body holds, then the record and a line feed */
	if (sp_parse_u64((const char *)b, (size_t)(sp - b), INT64_MAX, &s) !=
	        SP_OK ||
	    sp_parse_u64((const char *)sp + 1, (size_t)(nl - sp - 1), INT64_MAX,
	                 &l) != SP_OK)
		return -1;
	if (l == 0 || l > e->max_len || l + 1 > (uint64_t)(end - nl - 1) ||
	    nl[1 + l] != '\n')
		return -1;
	/* ascending from start, at most max_frames (LOG-35) */
	if (s < e->start || (e->n > 0 && s <= e->last) || e->n == e->max_frames)
		return -1;
	*seq = s;
	*off = (size_t)(nl + 1 - e->body);
	*len = (size_t)l;
	e->last = s;
	e->n++;
	e->pos = *off + (size_t)l + 1;
	return 1;
}

/* Worker: split the frames (LOG-33..35) and skip what is already held. */
static void parse_work(void *arg)
{
	pull_page *pg = arg;
	sp_node *n = pg->f->n;
	sp_peers__entries e = {.body = pg->body,
	                       .body_len = pg->body_len,
	                       .start = pg->start,
	                       .max_len = sp_node_limits(n)->max_bytes,
	                       .max_frames = FED_PAGE_COUNT};
	size_t cap = 0;
	uint64_t seq;
	size_t off, len;
	int rc;
	sp_store_reader *r;

	while ((rc = sp_peers__entries_next(&e, &seq, &off, &len)) == 1) {
		frame *fr;

		if (pg->n_frames == cap) {
			frame *nf;

			cap = cap ? cap * 2 : 64;
			if ((nf = realloc(pg->frames, cap * sizeof(*nf))) ==
			    NULL) {
				pg->err = SP_ERR_NOMEM;
				return;
			}
			pg->frames = nf;
		}
		fr = &pg->frames[pg->n_frames++];
		memset(fr, 0, sizeof(*fr));
		fr->seq = seq;
		fr->off = off;
		fr->len = len;
		sp_merkle_leaf_hash(pg->body + off, len, fr->leaf);
	}
	if (rc < 0) {
		pg->err = SP_ERR_BAD_REQUEST;
		snprintf(pg->why, sizeof(pg->why),
		         "malformed entries frame after %zu frames",
		         pg->n_frames);
		return;
	}
	if ((r = sp_node_reader(n)) == NULL)
		return;
	for (size_t i = 0; i < pg->n_frames; i++) {
		char held[65], have[65];
		frame *fr = &pg->frames[i];

		if (sp_store_fed_digest_at(r, pg->o->id, fr->seq, held) !=
		    SP_OK)
			continue;
		sp_sha256_hex(pg->body + fr->off, fr->len, have);
		if (strcmp(held, have) == 0) {
			fr->skip = 1;
			fr->state = 2;
			pg->done_frames++;
		}
	}
}

static void page_free(pull_page *pg)
{
	free(pg->body);
	free(pg->frames);
	free(pg);
}

static void page_retire(fed *f, fed_origin *o)
{
	/* pages finish in order: the examined position moves with them */
	while (o->pages != NULL && o->pages->parsed &&
	       o->pages->done_frames == o->pages->n_frames) {
		pull_page *pg = o->pages;
		pull_pos *pp = pos_get(o, pg->source, 0);

		if (pg->err == SP_OK && pg->next_start > pp->next)
			pp->next = pg->next_start;
		o->pages = pg->next;
		page_free(pg);
	}
	if (o->pulling && !o->page_end && o->pages_out == 0 && !f->stopping)
		ask_page(f, o);
	maybe_end(f, o);
}

static void parse_done(void *arg)
{
	pull_page *pg = arg;
	fed *f = pg->f;
	fed_origin *o = pg->o;
	pull_page **pp;

	o->parsing--;
	pg->parsed = 1;
	if (pg->err != SP_OK) {
		sp_log(SP_LOG_WARN, "entries_refused",
		       SP_LF_STR("origin", o->id),
		       SP_LF_STR("source", pg->source),
		       SP_LF_STR("err", sp_strerror(pg->err)),
		       SP_LF_STR("why", pg->why));
		o->page_end = 1;
		pg->n_frames = pg->done_frames = 0;
	}
	for (pp = &o->pages; *pp != NULL; pp = &(*pp)->next)
		;
	*pp = pg;
	feed(f, o);
	page_retire(f, o);
}

static void on_entries(void *ud, const sp_h2_response *resp)
{
	pull_page *pg = ud;
	fed *f = pg->f;
	fed_origin *o = pg->o;
	const char *ns;
	size_t ns_len;
	uint64_t next;

	o->pages_out--;
	if (f->stopping || resp->err != SP_OK || resp->status != 200) {
		if (!f->stopping)
			sp_log(SP_LOG_INFO, "entries_unavailable",
			       SP_LF_STR("origin", o->id),
			       SP_LF_STR("source", pg->source),
			       SP_LF_INT("status", resp->status),
			       SP_LF_STR("err", sp_strerror(resp->err)));
		o->page_end = 1;
		page_free(pg);
		maybe_end(f, o);
		fed_unref(f);
		return;
	}
	o->last_pull_ms = fed_now_ms(f);
	if (resp->body_len == 0) {
		/* nothing more is visible to this node from here on: at the
		 * origin, every position of the known checkpoint is examined */
		o->page_end = 1;
		if (pg->from_origin) {
			pull_pos *pp = pos_get(o, pg->source, 0);

			if (pg->cp_size > pp->next && o->pages == NULL)
				pp->next = pg->cp_size;
		}
		page_free(pg);
		maybe_end(f, o);
		fed_unref(f);
		return;
	}
	ns = sp_h2_response_header(resp, "x-silkport-next-start", &ns_len);
	if (ns == NULL || sp_parse_u64(ns, ns_len, INT64_MAX, &next) != SP_OK ||
	    next <= pg->start || (pg->body = malloc(resp->body_len)) == NULL) {
		sp_log(SP_LOG_WARN, "entries_refused",
		       SP_LF_STR("origin", o->id),
		       SP_LF_STR("source", pg->source),
		       SP_LF_STR("why", "no usable x-silkport-next-start"));
		o->page_end = 1;
		page_free(pg);
		maybe_end(f, o);
		fed_unref(f);
		return;
	}
	memcpy(pg->body, resp->body, resp->body_len);
	pg->body_len = resp->body_len;
	pg->next_start = next;
	o->ask_next = next;
	if (fed_pool(f, parse_work, parse_done, pg) != SP_OK) {
		o->page_end = 1;
		page_free(pg);
		maybe_end(f, o);
	} else {
		o->parsing++;
	}
	/* fetch ahead while earlier pages are being accepted */
	if (!o->page_end)
		ask_page(f, o);
	fed_unref(f);
}

static void ask_page(fed *f, fed_origin *o)
{
	fed_peer *p = fed_peer_find(f, o->pull_source);
	pull_page *pg, *q;
	size_t buffered = 0;
	char path[160];

	if (f->stopping || o->page_end || o->pages_out > 0)
		return;
	for (q = o->pages; q != NULL; q = q->next)
		buffered++;
	if (buffered >= FED_PAGES_AHEAD)
		return;
	if (p == NULL || p->client == NULL ||
	    (pg = calloc(1, sizeof(*pg))) == NULL) {
		o->page_end = 1;
		return;
	}
	pg->f = f;
	pg->o = o;
	snprintf(pg->source, sizeof(pg->source), "%s", p->id);
	pg->from_origin = strcmp(p->id, o->id) == 0;
	pg->start = o->ask_next;
	pg->cp_size = o->have_cp ? o->cp_size : 0;
	snprintf(path, sizeof(path), "/v1/logs/%s/entries?start=%llu&count=%d",
	         o->id, (unsigned long long)pg->start, FED_PAGE_COUNT);
	fed_ref(f);
	o->pages_out++;
	if (sp_h2_client_request(p->client, "GET", path, NULL, 0, NULL, 0,
	                         on_entries, pg) != SP_OK) {
		o->pages_out--;
		o->page_end = 1;
		page_free(pg);
		fed_unref(f);
	}
}

/* ---------------------------------------------------------------- accept */

typedef struct ing {
	pull_page *pg;
	size_t idx;
} ing;

static void on_ingested(void *ud, const sp_ingest_result *res)
{
	ing *g = ud;
	pull_page *pg = g->pg;
	fed *f = pg->f;
	fed_origin *o = pg->o;
	frame *fr = &pg->frames[g->idx];

	free(g);
	o->ingesting--;
	fr->state = 2;
	pg->done_frames++;
	if (res->err == SP_ERR_OVERLOADED) {
		/* examined again by the next pull */
		o->page_end = 1;
		pg->err = SP_ERR_OVERLOADED;
	} else if (res->err != SP_OK) {
		o->refused++;
		sp_log(SP_LOG_WARN, "pulled_record_refused",
		       SP_LF_STR("origin", o->id),
		       SP_LF_UINT("sequence", fr->seq),
		       SP_LF_STR("source", pg->source),
		       SP_LF_STR("err", sp_strerror(res->err)),
		       SP_LF_STR("why", res->why));
	} else if (res->outcome == SP_STORE_INSERTED) {
		o->pulled++;
		fed_round_reset(o);
		unproven_add(o, fr->seq, fr->leaf, 0, fed_now_ms(f));
	} else if (res->outcome == SP_STORE_EQUIVOCATION) {
		/* ingest alarmed already; count it for this origin's status */
		o->equivocations++;
		snprintf(
		    o->last_alarm, sizeof(o->last_alarm),
		    "record: two records for sequence %llu (pulled from %s)",
		    (unsigned long long)fr->seq, pg->source);
		f->equivocation_alarms++;
	}
	fed_unref(f);
	if (!f->stopping)
		feed(f, o);
	page_retire(f, o);
}

/* Hand waiting frames to the acceptance path, a window at a time. */
static void feed(fed *f, fed_origin *o)
{
	pull_page *pg;
	sp_ingest_opts opts;

	for (pg = o->pages; pg != NULL && o->ingesting < FED_INGEST_WINDOW;
	     pg = pg->next) {
		if (!pg->parsed)
			break;
		while (pg->next_frame < pg->n_frames &&
		       o->ingesting < FED_INGEST_WINDOW) {
			frame *fr = &pg->frames[pg->next_frame];
			ing *g;
			int err;

			if (fr->state != 0) {
				pg->next_frame++;
				continue;
			}
			if (f->stopping || (g = malloc(sizeof(*g))) == NULL)
				return;
			g->pg = pg;
			g->idx = pg->next_frame;
			memset(&opts, 0, sizeof(opts));
			opts.source = pg->source;
			opts.expect_origin = o->id;
			opts.expect_sequence = (int64_t)fr->seq;
			fed_ref(f);
			err = sp_node_ingest(f->n, pg->body + fr->off, fr->len,
			                     &opts, on_ingested, g);
			if (err != SP_OK) {
				/* the pool is full: try again on the next tick
				 */
				free(g);
				fed_unref(f);
				return;
			}
			fr->state = 1;
			o->ingesting++;
			pg->next_frame++;
		}
	}
}

/* ---------------------------------------------------------------- proofs */

typedef struct root_job {
	fed *f;
	fed_origin *o;
	uint64_t size;
	uint8_t root[32];
	int held; /* 1: the contiguous prefix covers size */
	int match;
} root_job;

static void root_work(void *arg)
{
	root_job *j = arg;
	sp_store_reader *r = sp_node_reader(j->f->n);
	uint64_t tree = 0;
	uint8_t mine[32];

	if (r == NULL || sp_store_tree_size(r, j->o->id, &tree) != SP_OK ||
	    tree < j->size ||
	    sp_store_tree_root(r, j->o->id, j->size, mine) != SP_OK)
		return;
	j->held = 1;
	j->match = memcmp(mine, j->root, 32) == 0;
}

static void root_done(void *arg)
{
	root_job *j = arg;
	fed_origin *o = j->o;
	size_t i;

	o->root_check_busy = 0;
	o->root_checked_size = j->size;
	if (j->held && j->match) {
		/* the whole prefix is the origin's log: every entry is proven
		 */
		o->root_alarmed = 0;
		for (i = 0; i < o->n_unproven;) {
			if (o->unproven[i].seq < j->size) {
				fed_quorum_settled(j->f, o, o->unproven[i].seq,
				                   1);
				o->unproven[i] = o->unproven[--o->n_unproven];
				o->proven++;
			} else {
				i++;
			}
		}
	} else if (j->held && !o->root_alarmed) {
		char d[160];

		/* LOG-39: a record held here is not what the origin logged */
		snprintf(d, sizeof(d),
		         "the records held for positions 0..%llu do not make "
		         "the root of its checkpoint",
		         (unsigned long long)j->size - 1);
		o->root_alarmed = 1;
		fed_equivocation_alarm(j->f, o->id, "record", d);
		o->proof_failures++;
	}
	if (!j->f->stopping && (!j->held || !j->match))
		prove(j->f, o); /* per-entry proofs tell which ones */
	free(j);
}

typedef struct proof_req {
	fed *f;
	fed_origin *o;
	uint64_t seq;
	uint64_t size;
	uint8_t root[32];
	uint8_t leaf[32];
	int from_origin;
} proof_req;

static void on_inclusion(void *ud, const sp_h2_response *resp)
{
	proof_req *q = ud;
	fed *f = q->f;
	fed_origin *o = q->o;
	sp_proof p;
	const char *why = NULL;
	int err;

	o->proofs_out--;
	if (resp->err != SP_OK || resp->status != 200) {
		free(q);
		fed_unref(f);
		return; /* stays unproven: tried again later */
	}
	err =
	    sp_proof_parse((const char *)resp->body, resp->body_len, &p, &why);
	if (err == SP_OK && (p.kind != SP_PROOF_INCLUSION ||
	                     p.index != q->seq || p.size != q->size))
		err = SP_ERR_PROOF_INVALID,
		why = "a proof for another position";
	if (err == SP_OK)
		err = sp_merkle_verify_inclusion(q->seq, q->size, q->leaf,
		                                 (const uint8_t(*)[32])p.hashes,
		                                 p.n_hashes, q->root);
	if (err == SP_OK) {
		unproven_del(o, q->seq);
		o->proven++;
		fed_quorum_settled(f, o, q->seq, 1);
	} else if (q->from_origin) {
		char d[200];

		/* LOG-39: the origin's own proof says these bytes are not its
		 * log */
		snprintf(d, sizeof(d),
		         "the record held at sequence %llu is not in "
		         "checkpoint %llu: %s",
		         (unsigned long long)q->seq,
		         (unsigned long long)q->size, why ? why : "");
		fed_equivocation_alarm(f, o->id, "record", d);
		o->proof_failures++;
		unproven_del(o, q->seq);
		/* never in the witnessed log: it never takes effect */
		fed_quorum_settled(f, o, q->seq, 0);
	}
	free(q);
	if (o->proofs_out == 0 && !f->stopping)
		prove(f, o);
	fed_unref(f);
}

/* Pushed records come with the SHA-256 of their bytes only: their leaf
 * hashes are computed from the bytes held, a batch at a time. */
typedef struct leaf_item {
	uint64_t seq;
	uint8_t digest[32];
	uint8_t leaf[32];
	int state; /* 0 not read, 1 leaf computed, 2 not held with these bytes
	            */
} leaf_item;

typedef struct leaves_job {
	fed *f;
	fed_origin *o;
	leaf_item items[FED_LEAVES_BATCH];
	size_t n;
} leaves_job;

static void leaves_work(void *arg)
{
	leaves_job *j = arg;
	sp_store_reader *r = sp_node_reader(j->f->n);
	size_t i;

	for (i = 0; r != NULL && i < j->n; i++) {
		leaf_item *it = &j->items[i];
		sp_store_record *rec = NULL;
		uint8_t have[32];
		int err = sp_store_get_at(r, j->o->id, it->seq, &rec);

		if (err == SP_OK) {
			sp_sha256(rec->bytes, rec->len, have);
			if (memcmp(have, it->digest, 32) == 0) {
				sp_merkle_leaf_hash(rec->bytes, rec->len,
				                    it->leaf);
				it->state = 1;
			} else {
				it->state = 2;
			}
		} else if (err == SP_ERR_NOT_FOUND) {
			it->state = 2;
		}
		sp_store_record_free(rec);
	}
}

static void leaves_done(void *arg)
{
	leaves_job *j = arg;
	fed_origin *o = j->o;
	size_t i, k;

	o->leaves_busy = 0;
	for (i = 0; i < j->n; i++) {
		leaf_item *it = &j->items[i];

		if (it->state == 0)
			continue; /* the store did not answer: read again later
			           */
		for (k = 0; k < o->n_unproven; k++) {
			unproven *u = &o->unproven[k];

			if (u->seq != it->seq || !u->need_leaf)
				continue;
			if (it->state == 1) {
				memcpy(u->leaf, it->leaf, 32);
				u->need_leaf = 0;
			} else {
				sp_log(SP_LOG_WARN, "proof_skipped",
				       SP_LF_STR("origin", o->id),
				       SP_LF_UINT("sequence", it->seq),
				       SP_LF_STR("why",
				                 "the record is no longer held "
				                 "with the bytes received"));
				o->unproven[k] = o->unproven[--o->n_unproven];
			}
			break;
		}
	}
	if (!j->f->stopping && o->proofs_out == 0)
		prove(j->f, o);
	free(j);
}

static void leaves_read(fed *f, fed_origin *o)
{
	leaves_job *j;
	size_t i;

	if (o->leaves_busy)
		return;
	for (i = 0; i < o->n_unproven; i++)
		if (o->unproven[i].need_leaf &&
		    o->unproven[i].seq < o->wit_size)
			break;
	if (i == o->n_unproven || (j = calloc(1, sizeof(*j))) == NULL)
		return;
	j->f = f;
	j->o = o;
	for (; i < o->n_unproven && j->n < FED_LEAVES_BATCH; i++) {
		if (!o->unproven[i].need_leaf ||
		    o->unproven[i].seq >= o->wit_size)
			continue;
		j->items[j->n].seq = o->unproven[i].seq;
		memcpy(j->items[j->n].digest, o->unproven[i].leaf, 32);
		j->n++;
	}
	o->leaves_busy = 1;
	if (fed_pool(f, leaves_work, leaves_done, j) != SP_OK) {
		o->leaves_busy = 0;
		free(j);
	}
}

/* Prove what was received against the largest witnessed checkpoint
 * ([FED-55]: with k = 0 the largest verified one). */
static void prove(fed *f, fed_origin *o)
{
	fed_peer *p;
	size_t i;
	char path[160];

	/* not before the store's pending records are listed: a record
	 * proven meanwhile could be read back as pending and counted twice */
	if (f->stopping || !o->have_wit || o->root_check_busy ||
	    !o->pending_loaded)
		return;
	if (o->root_checked_size != o->wit_size && o->proofs_out == 0) {
		root_job *j = calloc(1, sizeof(*j));

		if (j != NULL) {
			j->f = f;
			j->o = o;
			j->size = o->wit_size;
			memcpy(j->root, o->wit_root, 32);
			o->root_check_busy = 1;
			if (fed_pool(f, root_work, root_done, j) == SP_OK)
				return;
			o->root_check_busy = 0;
			free(j);
		}
	}
	p = fed_peer_find(f, o->id);
	if (o->n_unproven == 0 || p == NULL || !fed_peer_usable(p))
		return; /* only the origin holds its whole log */
	leaves_read(f, o);
	for (i = 0; i < o->n_unproven && o->proofs_out < FED_PROOFS_INFLIGHT;
	     i++) {
		proof_req *q;

		if (o->unproven[i].seq >= o->wit_size ||
		    o->unproven[i].need_leaf)
			continue; /* waits for a newer checkpoint, or its leaf
			           */
		if ((q = calloc(1, sizeof(*q))) == NULL)
			return;
		q->f = f;
		q->o = o;
		q->seq = o->unproven[i].seq;
		q->size = o->wit_size;
		memcpy(q->root, o->wit_root, 32);
		memcpy(q->leaf, o->unproven[i].leaf, 32);
		q->from_origin = 1;
		snprintf(path, sizeof(path),
		         "/v1/logs/%s/proofs/inclusion?index=%llu&size=%llu",
		         o->id, (unsigned long long)q->seq,
		         (unsigned long long)q->size);
		fed_ref(f);
		o->proofs_out++;
		if (sp_h2_client_request(p->client, "GET", path, NULL, 0, NULL,
		                         0, on_inclusion, q) != SP_OK) {
			o->proofs_out--;
			free(q);
			fed_unref(f);
			return;
		}
	}
}

/* ---------------------------------------------------------------- rounds */

void fed_round_reset(fed_origin *o)
{
	o->backoff = 1;
	o->rounds_skip = 0;
}

void fed_round_result(fed_origin *o, int unchanged)
{
	if (!unchanged) {
		fed_round_reset(o);
		return;
	}
	if (o->backoff == 0)
		o->backoff = 1;
	else if (o->backoff < FED_ROUND_GAP_MAX)
		o->backoff *= 2;
	o->rounds_skip = o->backoff - 1;
}

/* Anything at this node still waiting on some origin's checkpoint or log:
 * records not yet proven, a pull running, a checkpoint ahead of what was
 * examined. While so, no origin's round is skipped. */
static int pending_here(const fed *f)
{
	size_t i;

	for (i = 0; i < f->n_origins; i++) {
		const fed_origin *o = f->origins[i];

		if (o->gone)
			continue;
		if (o->n_unproven > 0 || o->pulling ||
		    (o->have_cp && o->cp_size > pos_max(o)))
			return 1;
	}
	return 0;
}

int fed_round_due(fed *f, fed_origin *o)
{
	if (o->rounds_skip == 0)
		return 1;
	if (pending_here(f)) {
		fed_round_reset(o);
		return 1;
	}
	o->rounds_skip--;
	return 0;
}

void fed_pull_tick(fed *f, fed_origin *o, int64_t now)
{
	uint64_t have = pos_max(o);

	if (o->have_cp && o->cp_size > have) {
		if (o->behind_since_ms == 0)
			o->behind_since_ms = now;
	} else {
		o->behind_since_ms = 0;
	}
	/* a round while records wait for a witnessed checkpoint; otherwise
	 * only once per new checkpoint (fed_witness.c) */
	if (o->n_unproven > 0)
		fed_quorum_check(f, o, now);
	if (o->pulling)
		feed(f, o); /* frames the pool refused before */
	else if ((o->n_unproven > 0 || o->root_checked_size != o->wit_size) &&
	         o->proofs_out == 0)
		prove(f, o);
	fed_quorum_overdue(f, o, now);
	fed_historic_tick(f, o, now);
	fed_index_tick(f, o, now);
}
