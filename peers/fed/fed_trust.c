/* fed_trust.c (peers): trust-list distribution: poll the members' (and the
 * operator's configured URL's) current list each pull interval, verify it
 * against the anchors on the worker pool, install a newer one. */
#include "fed_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define TL_MAX_BYTES     ((size_t)8 << 20)
#define SYSTEM_CA_BUNDLE "/etc/ssl/certs/ca-certificates.crt"

typedef struct tl_job {
	fed *f;
	char source[300];
	int relay; /* -1: the home list; else the relay federation's index */
	const sp_anchors *anchors;
	uint8_t *body;
	size_t len;
	sp_trust *current;
	/* list_url: fetched on the worker */
	char *url;
	/* the [trust] list file, read on the worker ([TL-82]) */
	char *file;
	char file_digest[65];
	char *cas[SP_CONFIG_MAX_LIST + 2];
	char *cert, *key;
	int tls12;
	/* the entity tag of the list held (SPEC API-66): a source that
	 * answers 304 has nothing newer, and nothing is verified */
	char etag[67];
	int unchanged; /* the source answered 304 */
	/* result */
	sp_trust *t;
	int err;
	const char *why;
	uint64_t sequence; /* the list's, once its signatures verified */
	int kept;          /* evidence kept: 0 none, 1 kept, -1 failed */
	/* a newer home list without the quorum of cosignatures of the
	 * held list's witnesses yet ([TL-82]): collect them first */
	int need_witness;
} tl_job;

static void tl_job_free(tl_job *j)
{
	size_t i;

	free(j->body);
	free(j->url);
	free(j->file);
	for (i = 0; j->cas[i] != NULL; i++)
		free(j->cas[i]);
	free(j->cert);
	free(j->key);
	sp_trust_unref(j->current);
	sp_trust_unref(j->t);
	free(j);
}

/* Worker, after verification: a list signed by the operator but refused
 * because it is another list of the sequence held (a split view, TL-16,
 * FED-60, SEC-47) or a successor of a list this node never saw (a fork,
 * TL-75) is the evidence those requirements keep, in the store. A source
 * too long for a NodeId (a list URL) is not recorded with it. */
static void keep_refused(tl_job *j)
{
	const sp_tl *held;
	const char *source;
	int err;

	if (j->current == NULL || j->body == NULL)
		return;
	held = sp_trust_list(j->current);
	if (j->err != SP_ERR_TRUST_LIST_FORK &&
	    !(j->err == SP_ERR_TRUST_LIST_ROLLBACK &&
	      j->sequence == held->sequence))
		return;
	source = strlen(j->source) <= SP_NODE_ID_MAX ? j->source : NULL;
	err = sp_store_evidence_put(sp_node_store(j->f->n), "trust-list",
	                            held->federation, j->body, j->len, source);
	j->kept = err == SP_OK ? 1 : -1;
}

/* Worker, once a newer home list verified: when the held list names
 * witnesses ([TL-82]), this node cosigns it first if it is one of them
 * (the same checks as a peer's request, [TL-83]), then counts the
 * cosignatures it holds; too few, and tl_done collects the others. */
static void witness_own(tl_job *j)
{
	sp_node *n = j->f->n;
	const sp_tl *held = sp_trust_list(j->current);
	char *note = NULL;
	size_t note_len = 0;
	const char *why = NULL;

	if (held->quorum == 0 ||
	    sp_trust_list(j->t)->sequence <= held->sequence)
		return;
	if (sp_tl_is_witness(held, sp_node_config(n)->node_id) &&
	    sp_node_tl_cosign(n, j->current, j->body, j->len, j->source, &note,
	                      &note_len, &why) != SP_OK)
		sp_log(SP_LOG_DEBUG, "trust_list_cosign_refused",
		       SP_LF_STR("source", j->source), SP_LF_STR("why", why));
	free(note);
	j->need_witness =
	    sp_node_tl_cosigners(n, j->current, j->t, NULL, 0) < held->quorum;
}

/* Worker: fetch from the URL (when that is the source), then verify. */
static void tl_work(void *arg)
{
	tl_job *j = arg;
	sp_node *n = j->f->n;
	sp_verify_opts o;

	if (j->url != NULL) {
		sp_h2_client_config cc;
		sp_h2_header inm = {"if-none-match", j->etag};
		sp_h2_result r;
		char host[256], path[1024];
		const char *h = j->url + 8, *slash = strchr(h, '/'), *colon;
		size_t hl = slash ? (size_t)(slash - h) : strlen(h);
		uint64_t port = 443;

		memset(&r, 0, sizeof(r));
		colon = memchr(h, ':', hl);
		if (hl == 0 ||
		    (size_t)(colon ? colon - h : (ptrdiff_t)hl) >=
		        sizeof(host) ||
		    (colon &&
		     sp_parse_u64(colon + 1, hl - (size_t)(colon - h) - 1,
		                  INT64_MAX, &port) != SP_OK) ||
		    port == 0 || port > 65535) {
			j->err = SP_ERR_INVALID_ARGUMENT;
			j->why =
			    "[trust] list_url is not https://HOST[:PORT]/PATH";
			return;
		}
		memcpy(host, h, colon ? (size_t)(colon - h) : hl);
		host[colon ? (size_t)(colon - h) : hl] = '\0';
		snprintf(path, sizeof(path), "%s", slash ? slash : "/");
		sp_h2_client_config_default(&cc);
		cc.host = host;
		cc.port = (uint16_t)port;
		cc.ca_files = (const char *const *)j->cas;
		cc.cert_file = j->cert;
		cc.key_file = j->key;
		cc.allow_tls12 = j->tls12;
		cc.max_response_body = TL_MAX_BYTES;
		if ((j->err =
		         sp_h2_fetch(&cc, "GET", path, &inm, j->etag[0] ? 1 : 0,
		                     NULL, 0, &r, &j->why)) != SP_OK)
			return;
		if (r.status == 304) {
			j->unchanged = 1;
			sp_h2_result_free(&r);
			return;
		}
		if (r.status != 200) {
			j->err = SP_ERR_UNAVAILABLE;
			j->why = "the list URL did not answer 200";
			sp_h2_result_free(&r);
			return;
		}
		j->body = r.body;
		j->len = r.body_len;
		r.body = NULL;
		sp_h2_result_free(&r);
	}
	if (j->file != NULL) {
		if (sp_read_file(j->file, TL_MAX_BYTES, &j->body, &j->len,
		                 &j->why) != 0) {
			j->err = SP_ERR_IO;
			return;
		}
		sp_sha256_hex(j->body, j->len, j->file_digest);
		/* the list held, or a file already dealt with */
		if (strncmp(j->etag + 1, j->file_digest, 64) == 0 ||
		    strcmp(j->f->file_digest, j->file_digest) == 0) {
			j->unchanged = 1;
			return;
		}
	}
	sp_verify_opts_default(&o);
	o.clock_skew = sp_node_config(n)->clock_skew;
	o.limits = NULL;
	o.list_sequence = &j->sequence;
	j->err = sp_trust_open(j->anchors, j->body, j->len, j->current, &o,
	                       &j->t, &j->why);
	keep_refused(j);
	if (j->err == SP_OK && j->relay < 0)
		witness_own(j);
}

/* ---------------------------------------------------------------- witnesses
 * of a newer list ([TL-82]) */

/* One round of asking the held list's witnesses to cosign a newer list,
 * and its source for the cosignatures it holds. */
typedef struct wc_job {
	fed *f;
	tl_job *j;    /* the verified list (t), its bytes and source */
	sp_text sigs; /* cosignature lines gathered, each verified later */
	int pending;  /* requests not answered yet */
} wc_job;

#define WITNESS_NOTE_MAX ((size_t)16384)

static void wc_finish(wc_job *w)
{
	fed *f = w->f;
	tl_job *j = w->j;
	int err = SP_ERR_UNAVAILABLE; /* stopping: nothing installed */

	f->trust_busy--;
	f->witness_round = 0;
	if (!f->stopping && !w->sigs.failed)
		/* counted and logged there (trust_list_not_witnessed) */
		err = sp_node_install_list_witnessed(
		    f->n, -1, j->t, w->sigs.buf, w->sigs.len, j->source);
	if (err == SP_ERR_LIST_NOT_WITNESSED) {
		/* what GET /v1/peers shows until it is witnessed */
		f->tl_pending_seq = sp_trust_list(j->t)->sequence;
		snprintf(f->tl_pending_digest, sizeof(f->tl_pending_digest),
		         "%s", sp_trust_list_digest(j->t));
		f->tl_pending_cosigners = sp_node_tl_cosigners(
		    f->n, j->current, j->t, w->sigs.buf, w->sigs.len);
		f->tl_pending_quorum = sp_trust_list(j->current)->quorum;
	} else if (err != SP_ERR_UNAVAILABLE && j->file != NULL) {
		memcpy(f->file_digest, j->file_digest, sizeof(f->file_digest));
	}
	sp_text_free(&w->sigs);
	tl_job_free(j);
	free(w);
}

static void on_witness_note(void *ud, const sp_h2_response *resp)
{
	wc_job *w = ud;
	fed *f = w->f;
	const char *sigs = NULL, *why = NULL;
	size_t sl = 0;

	/* a note about this very list, whatever the sender: every line is
	 * verified with a witness's key before it counts */
	if (resp->err == SP_OK && resp->status == 200 &&
	    resp->body_len <= WITNESS_NOTE_MAX &&
	    sp_tl_note_sigs(w->j->t, (const char *)resp->body, resp->body_len,
	                    &sigs, &sl, &why) == SP_OK)
		sp_text_append(&w->sigs, sigs, sl);
	else if (resp->err == SP_OK && resp->status != 200)
		sp_log(SP_LOG_INFO, "trust_list_witness_refused",
		       SP_LF_UINT("sequence", sp_trust_list(w->j->t)->sequence),
		       SP_LF_INT("status", resp->status));
	if (--w->pending == 0)
		wc_finish(w);
	fed_unref(f);
}

static fed_peer *home_peer(fed *f, const char *id)
{
	size_t i;

	for (i = 0; i < f->n_peers; i++)
		if (f->peers[i]->federation[0] == '\0' &&
		    strcmp(f->peers[i]->id, id) == 0)
			return fed_peer_usable(f->peers[i]) ? f->peers[i]
			                                    : NULL;
	return NULL;
}

static void wc_send(wc_job *w, fed_peer *p, const char *method,
                    const char *path)
{
	sp_h2_header ct = {"content-type", "application/xml"};
	int post = strcmp(method, "POST") == 0;

	w->pending++;
	fed_ref(w->f);
	if (sp_h2_client_request(p->client, method, path, post ? &ct : NULL,
	                         post ? 1 : 0, post ? w->j->body : NULL,
	                         post ? w->j->len : 0, on_witness_note,
	                         w) != SP_OK) {
		w->pending--;
		fed_unref(w->f);
	}
}

/* Loop: ask each witness of the held list (other than this node) to
 * cosign j's list, and its source for the cosignatures it holds; install
 * when all have answered. SP_OK: j is taken (trust_busy stays held until
 * then). */
static int witness_collect(tl_job *j)
{
	fed *f = j->f;
	const sp_tl *held = sp_trust_list(j->current);
	const char *self = sp_node_config(f->n)->node_id;
	const char *fedid = held->federation;
	char path[128];
	fed_peer *p;
	wc_job *w;
	size_t i;

	if (f->witness_round) {
		tl_job_free(j); /* the round under way covers it */
		return SP_OK;
	}
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return SP_ERR_NOMEM;
	f->witness_round = 1;
	w->f = f;
	w->j = j;
	w->pending = 1;  /* this function's own, released below */
	f->trust_busy++; /* released by wc_finish */
	snprintf(path, sizeof(path), "/v1/trust-lists/%s/cosign", fedid);
	for (i = 0; i < held->n_witnesses; i++)
		if (strcmp(held->witnesses[i], self) != 0 &&
		    (p = home_peer(f, held->witnesses[i])) != NULL)
			wc_send(w, p, "POST", path);
	snprintf(path, sizeof(path), "/v1/trust-lists/%s/cosignatures", fedid);
	if ((p = home_peer(f, j->source)) != NULL &&
	    !sp_tl_is_witness(held, p->id))
		wc_send(w, p, "GET", path);
	if (--w->pending == 0)
		wc_finish(w);
	return SP_OK;
}

static void tl_done(void *arg)
{
	tl_job *j = arg;
	fed *f = j->f;
	sp_node *n = f->n;

	f->trust_busy--;
	/* a file's list that failed for good is not verified again */
	if (j->file != NULL && !j->unchanged && !j->need_witness &&
	    j->file_digest[0] != '\0')
		memcpy(f->file_digest, j->file_digest, sizeof(f->file_digest));
	if (j->kept != 0) {
		char d[65];

		sp_sha256_hex(j->body, j->len, d);
		if (j->kept > 0)
			sp_log(SP_LOG_INFO, "trust_list_evidence_kept",
			       SP_LF_STR("source", j->source),
			       SP_LF_STR("digest", d),
			       SP_LF_STR("why", j->why));
		else
			sp_log(SP_LOG_ERROR, "trust_list_evidence_not_kept",
			       SP_LF_STR("source", j->source),
			       SP_LF_STR("digest", d));
	}
	if (j->unchanged) {
		/* the list this node holds is the source's */
	} else if (j->err == SP_OK && !f->stopping && j->need_witness) {
		/* the witnesses first ([TL-82]); trust_busy stays taken
		 * until they answered */
		if (witness_collect(j) == SP_OK)
			return;
		sp_node_install_list(n, j->relay, j->t, j->source);
	} else if (j->err == SP_OK && !f->stopping) {
		/* Not newer is no news; a refusal is logged by the installer.
		 */
		sp_node_install_list(n, j->relay, j->t, j->source);
	} else if (j->err == SP_ERR_TRUST_LIST_FORK) {
		/* the operator made it after a list this node never saw
		 * (TL-75): an alarm, like a split view (SEC-47) */
		char d[65];

		sp_sha256_hex(j->body, j->len, d);
		if (strcmp(d, f->fork_digest) != 0) {
			memcpy(f->fork_digest, d, sizeof(d));
			sp_log(SP_LOG_ERROR, "trust_list_fork",
			       SP_LF_STR("source", j->source),
			       SP_LF_STR("digest", d),
			       SP_LF_STR("why", j->why));
		}
	} else if (j->err != SP_OK && j->err != SP_ERR_TRUST_LIST_ROLLBACK) {
		sp_log(SP_LOG_WARN, "trust_list_refused",
		       SP_LF_STR("source", j->source),
		       SP_LF_STR("err", sp_strerror(j->err)),
		       SP_LF_STR("why", j->why));
	}
	tl_job_free(j);
}

static void on_list(void *ud, const sp_h2_response *resp)
{
	tl_job *j = ud;
	fed *f = j->f;

	/* 304: the peer holds the list this node holds; nothing to verify */
	if (f->stopping || resp->err != SP_OK || resp->status != 200 ||
	    resp->body_len == 0 || resp->body_len > TL_MAX_BYTES ||
	    (j->body = malloc(resp->body_len)) == NULL) {
		f->trust_busy--;
		tl_job_free(j);
		fed_unref(f);
		return;
	}
	memcpy(j->body, resp->body, resp->body_len);
	j->len = resp->body_len;
	if (fed_pool(f, tl_work, tl_done, j) != SP_OK) {
		f->trust_busy--;
		tl_job_free(j);
	}
	fed_unref(f);
}

static tl_job *tl_job_new(fed *f, const char *source)
{
	tl_job *j = calloc(1, sizeof(*j));

	if (j == NULL)
		return NULL;
	j->f = f;
	snprintf(j->source, sizeof(j->source), "%s", source);
	j->current = sp_trust_ref(sp_node_trust(f->n));
	j->relay = -1;
	j->anchors = sp_node_anchors(f->n);
	return j;
}

/* The entity tag of the list this node holds for federation, as a server
 * makes it: its quoted hex SHA-256 (made when the list was opened). */
static void held_etag(fed *f, const char *federation, char out[67])
{
	const char *d = sp_node_list_digest(f->n, federation);

	out[0] = '\0';
	if (d != NULL)
		snprintf(out, 67, "\"%s\"", d);
}

static void poll_url(fed *f, const char *url)
{
	const sp_config *cfg = sp_node_config(f->n);
	tl_job *j;
	size_t i, k = 0;

	if (strncmp(url, "https://", 8) != 0 ||
	    (j = tl_job_new(f, url)) == NULL)
		return;
	held_etag(f, sp_trust_list(j->current)->federation, j->etag);
	if ((j->url = strdup(url)) == NULL)
		goto fail;
	for (i = 0; i < cfg->n_anchors && i < SP_CONFIG_MAX_LIST; i++)
		if ((j->cas[k++] = strdup(cfg->anchors[i])) == NULL)
			goto fail;
	if (access(SYSTEM_CA_BUNDLE, R_OK) == 0 &&
	    (j->cas[k++] = strdup(SYSTEM_CA_BUNDLE)) == NULL)
		goto fail;
	if ((j->cert = strdup(cfg->tls_cert)) == NULL ||
	    (j->key = strdup(cfg->tls_key)) == NULL)
		goto fail;
	j->tls12 = cfg->tls12;
	f->trust_busy++;
	if (fed_pool(f, tl_work, tl_done, j) != SP_OK) {
		f->trust_busy--;
		goto fail;
	}
	return;
fail:
	tl_job_free(j);
}

/* The [trust] list file, when the home list names witnesses: a newer
 * list an operator put there is installed like one from a peer, once the
 * witnesses cosigned it ([TL-82]). (With k = 0 the file is read at start
 * and reload only, as before.) */
static void poll_file(fed *f)
{
	const char *file = sp_node_config(f->n)->trust_list;
	tl_job *j;

	if (file == NULL || file[0] == '\0' ||
	    sp_trust_list(sp_node_trust(f->n))->quorum == 0 ||
	    (j = tl_job_new(f, "file")) == NULL)
		return;
	held_etag(f, sp_trust_list(j->current)->federation, j->etag);
	if ((j->file = strdup(file)) == NULL) {
		tl_job_free(j);
		return;
	}
	f->trust_busy++;
	if (fed_pool(f, tl_work, tl_done, j) != SP_OK) {
		f->trust_busy--;
		tl_job_free(j);
	}
}

void fed_trust_poll(fed *f)
{
	const char *fedid = sp_trust_list(sp_node_trust(f->n))->federation;
	const char *url = sp_node_config(f->n)->trust_list_url;
	size_t i;

	if (f->stopping)
		return;
	fed_timestamp_poll(f);
	if (f->trust_busy > 0)
		return;
	if (url != NULL && url[0] != '\0')
		poll_url(f, url);
	poll_file(f);
	for (i = 0; i < f->n_peers; i++)
		if (f->peers[i]->federation[0] == '\0')
			fed_trust_request(f, f->peers[i], fedid, -1);
	fed_relay_poll(f);
}

void fed_trust_request(fed *f, fed_peer *p, const char *federation, int relay)
{
	char path[128];
	sp_h2_header inm = {"if-none-match", NULL};
	tl_job *j;

	if (!fed_peer_usable(p) || (j = tl_job_new(f, p->id)) == NULL)
		return;
	if (relay >= 0) {
		sp_trust_unref(j->current);
		j->current = sp_node_relay_trust(f->n, (size_t)relay);
		j->relay = relay;
		j->anchors = sp_node_relay_anchors(f->n, (size_t)relay);
	}
	snprintf(path, sizeof(path), "/v1/trust-lists/%s", federation);
	held_etag(f, federation, j->etag);
	inm.value = j->etag;
	f->trust_busy++;
	fed_ref(f);
	if (sp_h2_client_request(p->client, "GET", path, &inm,
	                         j->etag[0] ? 1 : 0, NULL, 0, on_list,
	                         j) != SP_OK) {
		f->trust_busy--;
		fed_unref(f);
		tl_job_free(j);
	}
}

/* ---------------------------------------------------------------- freshness
 * (SPEC 7.9) */

#define TS_MAX_BYTES ((size_t)64 << 10)
/* a peer makes this node fetch its list at most this often ([API-73]) */
#define LIST_FETCH_GAP_MS ((int64_t)60 * 1000)

typedef struct ts_job {
	fed *f;
	char source[300];
	char peer[SP_NODE_ID_MAX + 1]; /* "": not a peer (the file) */
	sp_trust *trust;               /* the home list when the job started */
	char *file;                    /* read on the worker when set */
	uint8_t *body;
	size_t len;
	sp_tl_timestamp ts;
	int err;
	const char *why;
} ts_job;

static void ts_job_free(ts_job *j)
{
	sp_trust_unref(j->trust);
	free(j->file);
	free(j->body);
	free(j);
}

static void ts_work(void *arg)
{
	ts_job *j = arg;
	sp_verify_opts o;

	if (j->file != NULL && sp_read_file(j->file, TS_MAX_BYTES, &j->body,
	                                    &j->len, &j->why) != 0) {
		j->err = SP_ERR_IO;
		return;
	}
	sp_verify_opts_default(&o);
	o.clock_skew = sp_node_config(j->f->n)->clock_skew;
	j->err = sp_tl_timestamp_open(j->trust, j->body, j->len, &o, &j->ts,
	                              &j->why);
}

static void ts_done(void *arg)
{
	ts_job *j = arg;
	fed *f = j->f;

	if (f->stopping) {
		/* nothing to offer */
	} else if (j->err == SP_OK) {
		sp_node_offer_timestamp(f->n, j->body, j->len, &j->ts,
		                        j->source,
		                        j->peer[0] != '\0' ? j->peer : NULL);
	} else {
		/* a statement that does not verify is no news; an operator
		 * sees a file's problems, a peer's are debug */
		sp_log(j->peer[0] != '\0' ? SP_LOG_DEBUG : SP_LOG_WARN,
		       "trust_list_timestamp_refused",
		       SP_LF_STR("source", j->source),
		       SP_LF_STR("err", sp_strerror(j->err)),
		       SP_LF_STR("why", j->why));
	}
	ts_job_free(j);
	fed_unref(f);
}

static ts_job *ts_job_new(fed *f, const char *source, const char *peer)
{
	ts_job *j = calloc(1, sizeof(*j));

	if (j == NULL)
		return NULL;
	j->f = f;
	snprintf(j->source, sizeof(j->source), "%s", source);
	snprintf(j->peer, sizeof(j->peer), "%s", peer ? peer : "");
	j->trust = sp_trust_ref(sp_node_trust(f->n));
	return j;
}

static void ts_submit(fed *f, ts_job *j)
{
	fed_ref(f);
	if (fed_pool(f, ts_work, ts_done, j) != SP_OK) {
		ts_job_free(j);
		fed_unref(f);
	}
}

static void on_timestamp(void *ud, const sp_h2_response *resp)
{
	ts_job *j = ud;
	fed *f = j->f;

	if (f->stopping || resp->err != SP_OK || resp->status != 200 ||
	    resp->body_len == 0 || resp->body_len > TS_MAX_BYTES ||
	    (j->body = malloc(resp->body_len)) == NULL) {
		ts_job_free(j);
		fed_unref(f);
		return;
	}
	memcpy(j->body, resp->body, resp->body_len);
	j->len = resp->body_len;
	ts_submit(f, j);
	fed_unref(f); /* the request's reference; ts_submit took its own */
}

/* Does this node need a newer statement from its peers? When it holds none
 * for its list, or the list's own Issued or the one it holds is older
 * than a quarter of the staleness bound: so that peers are asked a few
 * times per bound, not at every poll. */
static int want_statement(fed *f)
{
	sp_trust *t = sp_node_trust(f->n);
	int64_t bound = (int64_t)sp_tl_staleness_bound(sp_trust_list(t));

	return (int64_t)time(NULL) > sp_node_fresh_until(f->n) - 3 * bound / 4;
}

void fed_timestamp_poll(fed *f)
{
	sp_trust *t = sp_node_trust(f->n);
	const char *file = sp_node_config(f->n)->timestamp_file;
	const char *fedid = sp_trust_list(t)->federation;
	char path[128];
	ts_job *j;
	size_t i;

	if (!sp_trust_has_timestamp_key(t))
		return; /* SREP 1.2 behaviour: no statements (SPEC [TL-67]) */
	if (file != NULL && file[0] != '\0' &&
	    (j = ts_job_new(f, file, NULL)) != NULL) {
		if ((j->file = strdup(file)) == NULL)
			ts_job_free(j);
		else
			ts_submit(f, j);
	}
	if (!want_statement(f))
		return;
	snprintf(path, sizeof(path), "/v1/trust-lists/%s/timestamp", fedid);
	for (i = 0; i < f->n_peers; i++) {
		fed_peer *p = f->peers[i];

		if (p->federation[0] != '\0' || !fed_peer_usable(p) ||
		    (j = ts_job_new(f, p->id, p->id)) == NULL)
			continue;
		fed_ref(f);
		if (sp_h2_client_request(p->client, "GET", path, NULL, 0, NULL,
		                         0, on_timestamp, j) != SP_OK) {
			ts_job_free(j);
			fed_unref(f);
		}
	}
}

void fed_trust_list_newer(fed *f, const char *peer, uint64_t sequence)
{
	const char *fedid = sp_trust_list(sp_node_trust(f->n))->federation;
	int64_t now = fed_now_ms(f);
	fed_peer *p;
	size_t i;

	for (i = 0; i < f->n_peers; i++) {
		p = f->peers[i];
		/* a statement names no peer: ask every member */
		if (p->federation[0] != '\0' ||
		    (peer != NULL && strcmp(p->id, peer) != 0))
			continue;
		/* a peer that keeps announcing a list it does not serve (or
		 * that does not verify) is asked once a minute, no more */
		if (p->list_fetch_ms != 0 &&
		    now - p->list_fetch_ms < LIST_FETCH_GAP_MS)
			continue;
		p->list_fetch_ms = now;
		sp_log(
		    SP_LOG_INFO, "trust_list_fetch", SP_LF_STR("peer", p->id),
		    SP_LF_STR("federation", fedid),
		    SP_LF_UINT("announced", sequence),
		    SP_LF_UINT("held",
		               sp_trust_list(sp_node_trust(f->n))->sequence));
		fed_trust_request(f, p, fedid, -1);
	}
}

void fed_trust_announce(fed *f)
{
	char v[SP_NODE_ID_MAX + 24];
	size_t i;

	sp_node_list_header(f->n, v, sizeof(v));
	for (i = 0; i < f->n_peers; i++)
		if (f->peers[i]->client != NULL &&
		    f->peers[i]->federation[0] == '\0') {
			(void)sp_h2_client_set_header(f->peers[i]->client,
			                              "silkport-trust-list", v);
			/* which list of that sequence (FED-60) */
			(void)sp_h2_client_set_header(
			    f->peers[i]->client, "silkport-trust-list-digest",
			    sp_trust_list_digest(sp_node_trust(f->n)));
		}
}
