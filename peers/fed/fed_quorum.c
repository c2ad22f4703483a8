/* fed_quorum.c (peers): witness quorum and confirmation (SPEC [LOG-46],
 * [FED-55]): collect the cosignatures of the trust list's witnesses on an
 * origin's latest verified checkpoint (from the witnesses' own served
 * checkpoints), count them, move the origin's witnessed checkpoint when a
 * quorum is reached, write proven records as confirmed, and alarm on
 * records that wait longer than the merge delay. */
#include "fed_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QUORUM_RETRY_MS 1000 /* a round again while not witnessed */
#define OVERDUE_SCAN_MS 1000
#define OVERDUE_LOGGED  8 /* error lines per scan; the rest are counted */

int64_t fed_merge_delay_ms(fed *f)
{
	return (int64_t)sp_tl_merge_delay(sp_trust_list(sp_node_trust(f->n))) *
	       1000;
}

/* ---------------------------------------------------------------- counting */

/* The line of `sigs` (len bytes) starting at *off, its length with the
 * line feed; 0 at the end. */
static size_t next_line(const char *sigs, size_t len, size_t *off,
                        const char **line)
{
	const char *eol;
	size_t ll;

	if (*off >= len)
		return 0;
	*line = sigs + *off;
	eol = memchr(*line, '\n', len - *off);
	ll = eol ? (size_t)(eol - *line) + 1 : len - *off;
	*off += ll;
	return ll;
}

/* The first signature line of note that is a valid cosignature by the
 * witness key log_key, not later than latest_s: malloc'd, or NULL; its
 * timestamp in *t. One line at a time, so that the line that counted is
 * known and a bad line of one witness cannot hide a good one. */
static char *cosigner_line(const char *log_key, const char *note, size_t len,
                           size_t body_len, int64_t latest_s, int64_t *t_out)
{
	const char *sigs = note + body_len + 1, *line = NULL, *why = NULL;
	size_t sigs_len = len - body_len - 1, off = 0, ll;
	char *vkey, *found = NULL;

	if ((vkey = sp_note_cosigner_vkey_of(log_key, &why)) == NULL)
		return NULL;
	while ((ll = next_line(sigs, sigs_len, &off, &line)) > 0) {
		int64_t t = 0;

		if (sp_note_verify_cosignature(vkey, note, body_len, line, ll,
		                               &t, &why) != SP_OK ||
		    t > latest_s)
			continue;
		found = strndup(line, ll);
		*t_out = t;
		break;
	}
	free(vkey);
	return found;
}

unsigned sp_peers__cosigners(const sp_tl *tl, const char *origin,
                             const char *note, size_t len, int64_t latest_s,
                             char **lines)
{
	return sp_peers__cosign_times(tl, origin, note, len, latest_s, lines,
	                              NULL);
}

int sp_peers__time_bounds(const int64_t *times, size_t n, unsigned k,
                          int64_t *first, int64_t *kth)
{
	int64_t sorted[SP_TL_WITNESSES_MAX];
	size_t m = 0, i, j;

	for (i = 0; i < n && m < SP_TL_WITNESSES_MAX; i++) {
		if (times[i] <= 0)
			continue;
		/* insertion sort: a handful of witnesses */
		for (j = m++; j > 0 && sorted[j - 1] > times[i]; j--)
			sorted[j] = sorted[j - 1];
		sorted[j] = times[i];
	}
	if (k == 0 || m < k)
		return -1;
	*first = sorted[0];
	*kth = sorted[k - 1];
	return 0;
}

unsigned sp_peers__cosign_times(const sp_tl *tl, const char *origin,
                                const char *note, size_t len, int64_t latest_s,
                                char **lines, int64_t *times)
{
	sp_checkpoint cp;
	size_t body_len = 0, i;
	unsigned n = 0;
	const char *why = NULL;

	for (i = 0; i < tl->n_witnesses; i++) {
		if (lines != NULL)
			lines[i] = NULL;
		if (times != NULL)
			times[i] = 0;
	}
	if (sp_checkpoint_parse(note, len, &cp, &body_len, &why) != SP_OK ||
	    body_len + 1 >= len)
		return 0;
	for (i = 0; i < tl->n_witnesses; i++) {
		const sp_tl_member *w = sp_tl_find(tl, tl->witnesses[i]);
		/* either of the witness's keys (SPEC LOG-47) */
		const char *keys[2];
		char *line = NULL;
		int64_t t = 0;

		/* an Origin never witnesses its own log (LOG-27), and a
		 * witness that is not active vouches for nothing */
		if (w == NULL || w->log_key == NULL ||
		    w->status != SP_STATUS_ACTIVE ||
		    strcmp(w->node_id, origin) == 0)
			continue;
		keys[0] = w->log_key;
		keys[1] = w->next_log_key;
		for (size_t k = 0; k < 2 && line == NULL; k++)
			if (keys[k] != NULL)
				line = cosigner_line(keys[k], note, len,
				                     body_len, latest_s, &t);
		if (line == NULL)
			continue;
		n++;
		if (lines != NULL)
			lines[i] = line;
		else
			free(line);
		if (times != NULL)
			times[i] = t;
	}
	return n;
}

/* ---------------------------------------------------------------- rounds */

typedef struct answer {
	char witness[SP_NODE_ID_MAX + 1];
	char *body;
	size_t len;
} answer;

typedef struct cos_round {
	fed *f;
	fed_origin *o;
	sp_trust *trust;
	answer *answers;
	size_t n_answers, waiting;
	int64_t now_ms;
	uint64_t want_size; /* the checkpoint verified here (baseline) */
	uint8_t want_root[32];
	/* results */
	int have;
	uint64_t size;
	uint8_t root[32];
	unsigned count;
	int64_t times[SP_TL_WITNESSES_MAX]; /* of the counted cosignatures */
	int fork;
	char fork_from[SP_NODE_ID_MAX + 1];
	int larger; /* a witness holds a larger checkpoint */
} cos_round;

static void round_free(cos_round *q)
{
	size_t i;

	for (i = 0; i < q->n_answers; i++)
		free(q->answers[i].body);
	free(q->answers);
	sp_trust_unref(q->trust);
	free(q);
}

/* A witness's checkpoint of the origin of another root at the size held
 * here, signed by the origin: the fork is kept as evidence (the store
 * keeps both notes) and alarmed by the caller. */
static void check_fork(cos_round *q, const sp_tl_member *om, const answer *a,
                       const sp_checkpoint *cp)
{
	size_t text_len = 0;
	const char *why = NULL;
	char *keep;

	if (om->log_key == NULL ||
	    sp_note_verify_either(om->log_key, om->next_log_key, a->body,
	                          a->len, &text_len, &why) != SP_OK)
		return; /* not the origin's: proves nothing */
	keep = sp_peers__origin_lines(a->body, a->len, text_len, cp->origin);
	if (keep != NULL &&
	    sp_store_checkpoint_put(sp_node_store(q->f->n), q->o->id, cp->size,
	                            cp->root, keep,
	                            a->witness) == SP_STORE_EQUIVOCATION) {
		q->fork = 1;
		snprintf(q->fork_from, sizeof(q->fork_from), "%s", a->witness);
	}
	free(keep);
}

static int stored_by(const sp_store_checkpoint *cp, const char *witness)
{
	size_t i;

	for (i = 0; i < cp->n_cosignatures; i++)
		if (strcmp(cp->witnesses[i], witness) == 0)
			return 1;
	return 0;
}

/* Worker: the latest checkpoint of the origin held here, its stored
 * cosignatures and those the witnesses served for the same text; the
 * valid ones of listed witnesses are kept and counted. */
static void round_work(void *arg)
{
	cos_round *q = arg;
	sp_node *n = q->f->n;
	const sp_tl *tl = sp_trust_list(q->trust);
	const sp_tl_member *om = sp_tl_find(tl, q->o->id);
	sp_store_reader *r = sp_node_reader(n);
	sp_store_checkpoint *cp = NULL;
	sp_text all = {0};
	size_t body_len = 0, i;
	char *lines[SP_TL_WITNESSES_MAX];
	const char *why = NULL;

	/* only the checkpoint this node verified and proved consistent:
	 * the largest stored may be the evidence of an inconsistent one
	 * (FED-43), which no count of cosignatures makes trusted here */
	if (r == NULL || om == NULL ||
	    sp_store_checkpoint_latest(r, q->o->id, &cp) != SP_OK)
		return;
	if (cp->size != q->want_size || memcmp(cp->root, q->want_root, 32) != 0)
		goto out;
	if (sp_checkpoint_parse(cp->note, strlen(cp->note), &(sp_checkpoint){0},
	                        &body_len, &why) != SP_OK)
		goto out;
	sp_text_append(&all, cp->note, strlen(cp->note));
	for (i = 0; i < cp->n_cosignatures; i++)
		sp_text_append(&all, cp->cosignatures[i],
		               strlen(cp->cosignatures[i]));
	for (i = 0; i < q->n_answers; i++) {
		const answer *a = &q->answers[i];
		sp_checkpoint got;
		size_t blen = 0;

		if (sp_checkpoint_parse(a->body, a->len, &got, &blen, &why) !=
		    SP_OK)
			continue;
		if (blen == body_len && memcmp(a->body, cp->note, blen) == 0) {
			if (blen + 1 < a->len)
				sp_text_append(&all, a->body + blen + 1,
				               a->len - blen - 1);
		} else if (got.size == cp->size &&
		           memcmp(got.root, cp->root, 32) != 0) {
			check_fork(q, om, a, &got);
		} else if (got.size > cp->size) {
			q->larger = 1;
		}
	}
	if (all.failed)
		goto out;
	q->have = 1;
	q->size = cp->size;
	memcpy(q->root, cp->root, 32);
	/* a cosignature from the future is not counted (LOG-25) */
	q->count = sp_peers__cosign_times(
	    tl, q->o->id, all.buf, all.len,
	    q->now_ms / 1000 + sp_node_config(n)->clock_skew, lines, q->times);
	for (i = 0; i < tl->n_witnesses; i++) {
		/* kept and served with the checkpoint (API-36), so that
		 * others can count them from here too (once) */
		if (lines[i] != NULL && !stored_by(cp, tl->witnesses[i]))
			(void)sp_store_cosignature_put(
			    sp_node_store(n), q->o->id, cp->size, cp->root,
			    tl->witnesses[i], lines[i]);
		free(lines[i]);
	}
out:
	sp_text_free(&all);
	sp_store_checkpoint_free(cp);
}

/* The witnessed checkpoint moves (never back) and proofs start. first_s
 * and exists_by_s are its time bounds ([LOG-48]; 0 with k = 0), told to
 * the node so that a backdated Issued is refused on arrival ([FED-61]). */
static void witnessed(fed *f, fed_origin *o, uint64_t size,
                      const uint8_t root[32], unsigned count, int64_t first_s,
                      int64_t exists_by_s)
{
	if (o->have_wit && size < o->wit_size)
		return;
	o->wit_first_s = first_s;
	o->wit_exists_by_s = exists_by_s;
	sp_node_witness_time(f->n, o->id, size, first_s);
	if (!o->have_wit || size > o->wit_size)
		sp_log(SP_LOG_DEBUG, "checkpoint_quorum",
		       SP_LF_STR("origin", o->id), SP_LF_UINT("size", size),
		       SP_LF_UINT("cosigners", count));
	o->have_wit = 1;
	o->wit_size = size;
	memcpy(o->wit_root, root, 32);
	o->wit_cosigners = count;
}

static void round_done(void *arg)
{
	cos_round *q = arg;
	fed *f = q->f;
	fed_origin *o = q->o;
	const sp_tl *tl = sp_trust_list(q->trust);
	int64_t first = 0, kth = 0;
	char d[200];

	o->cosig_busy = 0;
	if (q->fork) {
		snprintf(d, sizeof(d),
		         "witness %s holds a checkpoint of size %llu with "
		         "another root, signed by the origin",
		         q->fork_from, (unsigned long long)q->size);
		fed_equivocation_alarm(f, o->id, "checkpoint", d);
	}
	if (q->have)
		o->cp_cosigners = q->count;
	if (q->have && tl->quorum > 0 && q->count >= tl->quorum &&
	    sp_peers__time_bounds(q->times, tl->n_witnesses, tl->quorum, &first,
	                          &kth) == 0)
		witnessed(f, o, q->size, q->root, q->count, first, kth);
	if (q->larger)
		o->next_cp_ms = 0; /* fetch the newer one at the next tick */
	round_free(q);
	if (!f->stopping)
		fed_pull_tick(f, o, fed_now_ms(f)); /* prove what it covers */
	fed_unref(f);
}

static void round_answered(cos_round *q)
{
	fed *f = q->f;

	if (--q->waiting > 0)
		return;
	if (f->stopping || fed_pool(f, round_work, round_done, q) != SP_OK) {
		q->o->cosig_busy = 0;
		round_free(q);
		fed_unref(f);
	}
}

typedef struct ask {
	cos_round *q;
	size_t i;
} ask;

static void on_witness_checkpoint(void *ud, const sp_h2_response *resp)
{
	ask *a = ud;
	answer *an = &a->q->answers[a->i];

	if (resp->err == SP_OK && resp->status == 200 && resp->body_len > 0 &&
	    resp->body_len <= SP_CHECKPOINT_MAX_NOTE &&
	    (an->body = malloc(resp->body_len + 1)) != NULL) {
		memcpy(an->body, resp->body, resp->body_len);
		an->body[resp->body_len] = '\0';
		an->len = resp->body_len;
	}
	round_answered(a->q);
	free(a);
}

void fed_quorum_check(fed *f, fed_origin *o, int64_t now)
{
	const sp_tl *tl;
	const char *self = sp_node_config(f->n)->node_id;
	char path[128];
	cos_round *q;
	size_t i;

	if (f->stopping || !o->have_cp || o->cosig_busy)
		return;
	tl = sp_trust_list(sp_node_trust(f->n));
	if (tl->quorum == 0) {
		/* a 1.2 federation: the origin's own signature suffices */
		witnessed(f, o, o->cp_size, o->cp_root, 0, 0, 0);
		return;
	}
	if (o->have_wit && o->wit_size == o->cp_size &&
	    memcmp(o->wit_root, o->cp_root, 32) == 0)
		return;
	if (now < o->next_cosig_ms)
		return;
	o->next_cosig_ms = now + QUORUM_RETRY_MS;
	if ((q = calloc(1, sizeof(*q))) == NULL ||
	    (q->answers = calloc(tl->n_witnesses ? tl->n_witnesses : 1,
	                         sizeof(*q->answers))) == NULL) {
		free(q);
		return;
	}
	q->f = f;
	q->o = o;
	q->trust = sp_trust_ref(sp_node_trust(f->n));
	q->now_ms = now;
	q->want_size = o->cp_size;
	memcpy(q->want_root, o->cp_root, 32);
	q->waiting = 1; /* this function's own share, released below */
	o->cosig_busy = 1;
	fed_ref(f);
	snprintf(path, sizeof(path), "/v1/logs/%s/checkpoint", o->id);
	for (i = 0; i < tl->n_witnesses; i++) {
		fed_peer *p = fed_peer_find(f, tl->witnesses[i]);
		ask *a;

		/* this node's own cosignature is in its store already */
		if (strcmp(tl->witnesses[i], self) == 0 ||
		    strcmp(tl->witnesses[i], o->id) == 0 || p == NULL ||
		    !fed_peer_usable(p) || (a = calloc(1, sizeof(*a))) == NULL)
			continue;
		a->q = q;
		a->i = q->n_answers;
		snprintf(q->answers[a->i].witness,
		         sizeof(q->answers[a->i].witness), "%s", p->id);
		q->n_answers++;
		q->waiting++;
		if (sp_h2_client_request(p->client, "GET", path, NULL, 0, NULL,
		                         0, on_witness_checkpoint,
		                         a) != SP_OK) {
			q->waiting--;
			free(a);
		}
	}
	round_answered(q);
}

/* ---------------------------------------------------------------- settling */

typedef struct settle_job {
	fed *f;
	fed_origin *o;
	uint64_t *seqs;
	size_t n;
	sp_store_settle how;
	int err;
	/* refused at confirmation ([FED-61]): n entries of room */
	uint64_t *refused;
	size_t n_refused;
	/* left pending for an earlier bound ([LOG-53]): n entries of room */
	uint64_t *held;
	size_t n_held;
} settle_job;

static void settle_work(void *arg)
{
	settle_job *j = arg;
	size_t off, chunk, got;

	for (off = 0; off < j->n && j->err == SP_OK; off += chunk) {
		size_t held = 0;

		chunk = j->n - off < SP_STORE_LIST_MAX ? j->n - off
		                                       : SP_STORE_LIST_MAX;
		got = 0;
		if (j->held != NULL) {
			j->how.held = j->held + j->n_held;
			j->how.n_held = &held;
		}
		j->err = sp_store_log_settle(
		    sp_node_store(j->f->n), j->o->id, j->seqs + off, chunk,
		    &j->how, j->refused ? j->refused + j->n_refused : NULL,
		    &got);
		j->n_refused += got;
		j->n_held += held;
	}
}

/* Records whose Issued their existence bound refutes ([FED-61]), or whose
 * signer's validity ended before it ([TL-78]): never confirmed, unlogged
 * with the reason in the store, alarmed here. */
void fed_quorum_refused(fed *f, fed_origin *o, const uint64_t *seqs, size_t n,
                        int64_t exists_by, int64_t issued_max)
{
	size_t i;

	for (i = 0; i < n && i < OVERDUE_LOGGED; i++)
		sp_log(SP_LOG_ERROR, "record_refused_at_confirmation",
		       SP_LF_STR("origin", o->id),
		       SP_LF_UINT("sequence", seqs[i]),
		       SP_LF_INT("exists_by", exists_by),
		       SP_LF_INT("issued_max", issued_max));
	o->out_of_bounds += n;
	f->bounds_alarms += n;
	snprintf(o->last_alarm, sizeof(o->last_alarm),
	         "refused at confirmation: %zu record(s) whose Issued or "
	         "signer lies outside their existence bound %lld (sequence "
	         "%llu%s)",
	         n, (long long)exists_by, (unsigned long long)seqs[0],
	         n > 1 ? ", ..." : "");
}

static void settle_flush(fed *f, fed_origin *o);

/* One info line per batch made durable: the Sequences' range and count
 * (count = last - first + 1 when the batch is contiguous, as it is when a
 * checkpoint confirms everything pending below it). */
static void log_confirmed(const fed_origin *o, const uint64_t *seqs, size_t n,
                          size_t confirmed)
{
	uint64_t lo = UINT64_MAX, hi = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		lo = seqs[i] < lo ? seqs[i] : lo;
		hi = seqs[i] > hi ? seqs[i] : hi;
	}
	if (n > 0)
		sp_log(SP_LOG_INFO, "records_confirmed",
		       SP_LF_STR("origin", o->id), SP_LF_UINT("first", lo),
		       SP_LF_UINT("last", hi), SP_LF_UINT("count", confirmed));
}

static void settle_done(void *arg)
{
	settle_job *j = arg;
	fed *f = j->f;
	fed_origin *o = j->o;

	o->confirm_busy = 0;
	if (j->err != SP_OK)
		sp_log(SP_LOG_WARN, "log_state_unsaved",
		       SP_LF_STR("origin", o->id), SP_LF_UINT("records", j->n),
		       SP_LF_STR("err", sp_strerror(j->err)));
	else if (j->how.state == SP_LOG_CONFIRMED && j->n > j->n_refused)
		/* the range may span a refused one: its count says so */
		log_confirmed(o, j->seqs, j->n, j->n - j->n_refused);
	if (j->n_refused > 0)
		fed_quorum_refused(f, o, j->refused, j->n_refused,
		                   j->how.exists_by, j->how.issued_max);
	/* their signer ended before this bound: an earlier one may vouch
	 * for them ([LOG-53]) */
	if (j->err == SP_OK && j->n_held > 0 && !f->stopping)
		fed_historic_add(f, o, j->held, j->n_held);
	free(j->held);
	free(j->refused);
	free(j->seqs);
	free(j);
	if (!f->stopping)
		settle_flush(f, o);
}

int64_t fed_revoked_from(fed *f, const fed_origin *o)
{
	const sp_tl_member *m =
	    sp_tl_find(sp_trust_list(sp_node_trust(f->n)), o->id);

	return m != NULL && m->status == SP_STATUS_REVOKED &&
	               m->invalid_from > 0
	           ? m->invalid_from
	           : INT64_MAX;
}

/* One batch at a time: unlogged ones first (rare), then confirmed. */
static void settle_flush(fed *f, fed_origin *o)
{
	settle_job *j;
	uint64_t **v;
	size_t *n, *cap;

	if (o->confirm_busy || (o->n_confirm == 0 && o->n_unlog == 0) ||
	    (j = calloc(1, sizeof(*j))) == NULL)
		return;
	j->how.issued_max = INT64_MAX;
	j->how.invalid_from = INT64_MAX;
	if (o->n_unlog > 0) {
		v = &o->to_unlog, n = &o->n_unlog, cap = &o->cap_unlog;
		j->how.state = SP_LOG_UNLOGGED;
	} else {
		v = &o->to_confirm, n = &o->n_confirm, cap = &o->cap_confirm;
		j->how.state = SP_LOG_CONFIRMED;
		/* proven in the witnessed checkpoint or one before it, which
		 * it contains: its bound holds for them all ([LOG-48]), and
		 * an Issued after it plus the skew is a lie ([FED-61]) */
		if (o->wit_exists_by_s > 0) {
			j->how.exists_by = o->wit_exists_by_s;
			j->how.issued_max = o->wit_exists_by_s +
			                    sp_node_config(f->n)->clock_skew;
			/* a signer judged at Issued only must have been
			 * valid when the record existed ([TL-78]) */
			j->how.signer_slack = sp_node_config(f->n)->clock_skew;
			j->how.invalid_from = fed_revoked_from(f, o);
		}
	}
	if (j->how.issued_max != INT64_MAX &&
	    ((j->refused = malloc(*n * sizeof(*j->refused))) == NULL ||
	     (j->held = malloc(*n * sizeof(*j->held))) == NULL)) {
		free(j->refused);
		free(j);
		return; /* kept listed: flushed again with the next one */
	}
	j->f = f;
	j->o = o;
	j->seqs = *v;
	j->n = *n;
	*v = NULL;
	*n = *cap = 0;
	o->confirm_busy = 1;
	if (fed_pool(f, settle_work, settle_done, j) != SP_OK) {
		o->confirm_busy = 0;
		free(j->held);
		free(j->refused);
		free(j->seqs);
		free(j);
	}
}

void fed_quorum_settled(fed *f, fed_origin *o, uint64_t seq, int confirmed)
{
	uint64_t **v = confirmed ? &o->to_confirm : &o->to_unlog;
	size_t *n = confirmed ? &o->n_confirm : &o->n_unlog;
	size_t *cap = confirmed ? &o->cap_confirm : &o->cap_unlog;

	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 256;
		uint64_t *a = realloc(*v, nc * sizeof(*a));

		if (a == NULL)
			return; /* stays pending in the store: proven again
			           after a restart */
		*v = a;
		*cap = nc;
	}
	(*v)[(*n)++] = seq;
	settle_flush(f, o);
}

/* ---------------------------------------------------------------- revocation
 */

#define REVOKED_LISTED 8 /* Sequences named per origin in the log */

typedef struct revoke_job {
	fed *f;
	char origin[SP_NODE_ID_MAX + 1];
	int64_t invalid_from, after;
	uint64_t seqs[REVOKED_LISTED];
	size_t n;
	int err;
} revoke_job;

static void revoke_work(void *arg)
{
	revoke_job *j = arg;

	j->err = sp_store_log_revoke(sp_node_store(j->f->n), j->origin,
	                             j->after, j->seqs, REVOKED_LISTED, &j->n);
}

/* Records that were in effect and are no longer: alarmed like those
 * refused at confirmation, with their own event. */
static void revoke_done(void *arg)
{
	revoke_job *j = arg;
	fed *f = j->f;
	fed_origin *o = fed_origin_find(f, j->origin);
	size_t i;

	if (j->err != SP_OK) {
		sp_log(SP_LOG_WARN, "log_state_unsaved",
		       SP_LF_STR("origin", j->origin),
		       SP_LF_STR("err", sp_strerror(j->err)));
		f->revocations_due = 1; /* again at the next tick */
	} else if (j->n > 0) {
		for (i = 0; i < j->n && i < REVOKED_LISTED; i++)
			sp_log(SP_LOG_ERROR,
			       "record_revoked_after_confirmation",
			       SP_LF_STR("origin", j->origin),
			       SP_LF_UINT("sequence", j->seqs[i]),
			       SP_LF_INT("invalid_from", j->invalid_from));
		f->bounds_alarms += j->n;
		if (o != NULL) {
			o->out_of_bounds += j->n;
			snprintf(o->last_alarm, sizeof(o->last_alarm),
			         "revoked with InvalidFrom %lld: %zu confirmed "
			         "record(s) proven only after it are no longer "
			         "in effect (sequence %llu%s)",
			         (long long)j->invalid_from, j->n,
			         (unsigned long long)j->seqs[0],
			         j->n > 1 ? ", ..." : "");
		}
	}
	free(j);
}

void fed_quorum_revocations(fed *f)
{
	const sp_tl *tl = sp_trust_list(sp_node_trust(f->n));
	const char *self = sp_node_config(f->n)->node_id;
	int64_t skew = sp_node_config(f->n)->clock_skew;
	size_t i;

	f->revocations_due = 0;
	for (i = 0; i < tl->n_members && !f->stopping; i++) {
		const sp_tl_member *m = &tl->members[i];
		revoke_job *j;

		if (m->status != SP_STATUS_REVOKED || m->invalid_from <= 0 ||
		    strcmp(m->node_id, self) == 0 ||
		    (j = calloc(1, sizeof(*j))) == NULL)
			continue;
		j->f = f;
		snprintf(j->origin, sizeof(j->origin), "%s", m->node_id);
		j->invalid_from = m->invalid_from;
		/* within the skew, as a pending record is judged ([TL-77]) */
		j->after = m->invalid_from > INT64_MAX - skew
		               ? INT64_MAX
		               : m->invalid_from + skew;
		if (fed_pool(f, revoke_work, revoke_done, j) != SP_OK) {
			free(j);
			f->revocations_due = 1;
		}
	}
}

/* ---------------------------------------------------------------- overdue */

void fed_quorum_overdue(fed *f, fed_origin *o, int64_t now)
{
	int64_t delay = fed_merge_delay_ms(f);
	size_t i, logged = 0;
	uint64_t overdue = 0, fresh = 0, first = 0;

	if (now < o->next_overdue_ms)
		return;
	o->next_overdue_ms = now + OVERDUE_SCAN_MS;
	for (i = 0; i < o->n_unproven; i++) {
		unproven *u = &o->unproven[i];

		if (now - u->since_ms <= delay)
			continue;
		overdue++;
		if (u->alarmed)
			continue;
		u->alarmed = 1;
		if (fresh++ == 0)
			first = u->seq;
		if (logged++ < OVERDUE_LOGGED)
			sp_log(SP_LOG_ERROR, "record_unconfirmed",
			       SP_LF_STR("origin", o->id),
			       SP_LF_UINT("sequence", u->seq),
			       SP_LF_UINT("witnessed_size",
			                  o->have_wit ? o->wit_size : 0),
			       SP_LF_INT("merge_delay_s", delay / 1000));
	}
	o->overdue = overdue;
	if (fresh > 0) {
		o->overdue_alarms += fresh;
		f->unconfirmed_alarms += fresh;
		snprintf(o->last_alarm, sizeof(o->last_alarm),
		         "unconfirmed: %llu record(s) not in a witnessed "
		         "checkpoint after %llds (sequence %llu%s)",
		         (unsigned long long)fresh, (long long)(delay / 1000),
		         (unsigned long long)first, fresh > 1 ? ", ..." : "");
	}
}
