/* api_read.c: GET endpoints that read the store, run on the worker pool:
 * one record, log entries, checkpoints, proofs and search. */
#include "api_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ENTRIES_DEFAULT   100
#define ENTRIES_MAX       1000
#define ENTRIES_MAX_BYTES ((size_t)16 << 20)
#define SEARCH_DEFAULT    50
#define SEARCH_MAX        100
#define ID_ORIGINS_MAX    16 /* Origins listed in a record-id-ambiguous answer */

typedef struct read_job {
	sp_node *n;
	sp_http_req *req;
	sp_endpoint ep;
	char viewer[SP_NODE_ID_MAX + 1];
	sp_text broadcasters; /* " A B ": whose broadcasts viewer reads */
	sp_store_view view;
	int wide;
	int anonymous; /* neither an active member nor an operator */
	char origin[SP_NODE_ID_MAX + 1];
	char id[SP_UUID_LEN + 16]; /* room for "/receipt" */
	/* query parameters, read on the loop thread */
	int has_start, has_count, has_index, has_size, has_old, has_end,
	    has_covering;
	uint64_t start, count, index, size, old, end, covering;
	/* GET .../index ([API-79]): whose index, seen as it would see it */
	char recipient[SP_NODE_ID_MAX + 1];
	char kind[32], scheme[SP_STORE_SUBJECT_MAX + 1],
	    value[SP_STORE_SUBJECT_MAX + 1];
	char type[SP_TYPE_MAX + 1], by_origin[SP_NODE_ID_MAX + 1];
	char since[SP_TIME_TEXT_MAX], until[SP_TIME_TEXT_MAX];
	char cursor[SP_STORE_CURSOR_MAX];
	int has_kind, has_scheme, has_value, has_type, has_by_origin, has_since,
	    has_until, has_cursor;
	/* GET /v1/records/{id}/receipt ([API-77]): the downstream receipt of
	 * `receiver` for a record this node relays, asked by its Origin */
	int final_receipt;
	char receiver[SP_NODE_ID_MAX + 1];
	char caller[SP_NODE_ID_MAX + 1];
	/* result */
	int status;
	int err;
	char why[256];
	const char *ctype;
	sp_text out;
	char next_header[64];
	const char *log_state; /* silkport-log-state of a record (API-71) */
	/* silkport-exists-by and silkport-log-refused ([API-78]); "" none */
	char exists_by[SP_TIME_TEXT_MAX];
	char log_refused[SP_STORE_REFUSAL_MAX];
} read_job;

static void fail(read_job *j, int err, const char *why)
{
	j->err = err;
	snprintf(j->why, sizeof(j->why), "%s", why);
}

static const sp_store_view *viewer(const read_job *j)
{
	return j->wide ? NULL : &j->view;
}

/* Escape text for XML content. */
static void xml_text(sp_text *t, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<':
			sp_text_append(t, "&lt;", 4);
			break;
		case '>':
			sp_text_append(t, "&gt;", 4);
			break;
		case '&':
			sp_text_append(t, "&amp;", 5);
			break;
		case '"':
			sp_text_append(t, "&quot;", 6);
			break;
		default:
			sp_text_append(t, s, 1);
		}
	}
}

/* RecordIds are scoped per Origin (REC-25): `origin=` picks one; without
 * it, an id that records of several Origins visible to the caller carry is
 * ambiguous (409 record-id-ambiguous naming them), so that a squatter
 * can neither shadow nor hide the genuine record (API-30). */
static void get_record(read_job *j, sp_store_reader *r)
{
	sp_store_list *l = NULL;
	sp_text why = {0};
	size_t i;
	int err;

	if (!sp_uuid_valid(j->id)) {
		fail(j, SP_ERR_BAD_REQUEST, "a record id is a lowercase UUID");
		return;
	}
	err = sp_store_find_id(r, j->id, j->has_by_origin ? j->by_origin : NULL,
	                       viewer(j), ID_ORIGINS_MAX, &l);
	if (err != SP_OK) {
		fail(j, err, "the store could not be read");
	} else if (l->n == 0) {
		/* Not revealing whether an invisible record exists. */
		fail(j, SP_ERR_NOT_FOUND,
		     "no record with that id is visible to you");
	} else if (l->n > 1) {
		sp_text_printf(&why, "records of several Origins carry this "
		                     "RecordId; ask with origin= one of:");
		for (i = 0; i < l->n; i++)
			sp_text_printf(&why, " %s", l->items[i]->origin);
		fail(j, SP_ERR_RECORD_ID_AMBIGUOUS,
		     why.failed
		         ? "records of several Origins carry this RecordId"
		         : why.buf);
	} else {
		sp_text_append(&j->out, l->items[0]->bytes, l->items[0]->len);
		j->log_state = sp_store_log_state_name(l->items[0]->log_state);
		if (l->items[0]->exists_by > 0 &&
		    sp_time_format(l->items[0]->exists_by, j->exists_by) !=
		        SP_OK)
			j->exists_by[0] = '\0';
		snprintf(j->log_refused, sizeof(j->log_refused), "%s",
		         l->items[0]->log_refused);
		j->ctype = "application/xml";
		j->status = 200;
	}
	sp_text_free(&why);
	sp_store_list_free(l);
}

/* [API-77]: a gateway answers the Origin of a record it relays with the
 * receipt the final receiver gave for it, exactly as it holds it, so that
 * the Origin verifies it with the receiver's own list ([FED-53]). Only the
 * Origin asks: anyone else learns nothing, not even that the record
 * exists. */
static void get_final_receipt(read_job *j, sp_store_reader *r)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int err;

	if (!sp_uuid_valid(j->id)) {
		fail(j, SP_ERR_BAD_REQUEST, "a record id is a lowercase UUID");
		return;
	}
	if (!j->has_by_origin || j->receiver[0] == '\0') {
		fail(j, SP_ERR_BAD_REQUEST,
		     "origin= and receiver= are both required");
		return;
	}
	if (strcmp(j->caller, j->by_origin) != 0) {
		fail(j, SP_ERR_NOT_FOUND,
		     "no receipt for that record is visible to you");
		return;
	}
	err = sp_store_peer_receipt_get(r, j->by_origin, j->id, j->receiver,
	                                &buf, &len);
	if (err == SP_ERR_NOT_FOUND || (err == SP_OK && len == 0)) {
		fail(j, SP_ERR_NOT_FOUND,
		     "no receipt of that receiver is held for that record yet");
	} else if (err != SP_OK) {
		fail(j, err, "the store could not be read");
	} else {
		sp_text_append(&j->out, (const char *)buf, len);
		j->ctype = "application/xml";
		j->status = 200;
	}
	free(buf);
}

static void get_entries(read_job *j, sp_store_reader *r)
{
	sp_store_list *l = NULL;
	size_t i;
	int err;
	uint64_t count = j->has_count ? j->count : ENTRIES_DEFAULT;

	if (count == 0 || count > ENTRIES_MAX) {
		fail(j, SP_ERR_BAD_REQUEST, "count is 1 to 1000");
		return;
	}
	if ((err = sp_store_entries(r, j->origin, j->has_start ? j->start : 0,
	                            (size_t)count, ENTRIES_MAX_BYTES, viewer(j),
	                            &l)) != SP_OK) {
		fail(j, err, "the store could not be read");
		return;
	}
	for (i = 0; i < l->n; i++) {
		sp_text_printf(&j->out, "%llu %zu\n",
		               (unsigned long long)l->items[i]->sequence,
		               l->items[i]->len);
		sp_text_append(&j->out, l->items[i]->bytes, l->items[i]->len);
		sp_text_append(&j->out, "\n", 1);
	}
	if (l->n > 0)
		snprintf(j->next_header, sizeof(j->next_header), "%llu",
		         (unsigned long long)l->next_start);
	sp_store_list_free(l);
	j->ctype = "application/vnd.silkport.entries";
	j->status = 200;
}

/* The latest checkpoint of the log, or with covering= the first one this
 * node holds cosigned that contains that Sequence ([API-80]): a node that
 * joins late asks for it to learn when an old record existed
 * ([LOG-53]). */
static void get_checkpoint(read_job *j, sp_store_reader *r)
{
	sp_store_checkpoint *cp = NULL;
	size_t i;
	int err =
	    j->has_covering
	        ? sp_store_checkpoint_covering(r, j->origin, j->covering, &cp)
	        : sp_store_checkpoint_latest(r, j->origin, &cp);

	if (err == SP_ERR_NOT_FOUND) {
		fail(j, SP_ERR_NOT_FOUND,
		     j->has_covering
		         ? "no cosigned checkpoint of that log "
		           "containing that Sequence is held here"
		         : "no checkpoint of that log is held here");
		return;
	}
	if (err != SP_OK) {
		fail(j, err, "the store could not be read");
		return;
	}
	sp_text_append(&j->out, cp->note, strlen(cp->note));
	/* Who witnesses whom is the witness graph: members only (SPEC
	 * [ACC-20]). The Origin's own signature stays, so that anyone can
	 * still verify the note. */
	for (i = 0; !j->anonymous && i < cp->n_cosignatures; i++)
		sp_text_append(&j->out, cp->cosignatures[i],
		               strlen(cp->cosignatures[i]));
	sp_store_checkpoint_free(cp);
	j->ctype = "text/plain; charset=utf-8";
	j->status = 200;
}

/* The Sequences of this node's log in [start, end) that view reads, at
 * most SP_INDEX_NOTE_MAX_SEQS; *end is shortened to just past the last one
 * when that many are found. 0, or -1 with j failed. */
static int index_seqs(read_job *j, sp_store_reader *r, sp_index_note *ix)
{
	uint64_t at = ix->start;
	size_t i;

	if ((ix->seqs = malloc(SP_INDEX_NOTE_MAX_SEQS * sizeof(*ix->seqs))) ==
	    NULL) {
		fail(j, SP_ERR_NOMEM, "out of memory");
		return -1;
	}
	while (at < ix->end) {
		sp_store_list *l = NULL;

		if (sp_store_entries(r, j->origin, at, SP_STORE_LIST_MAX,
		                     ENTRIES_MAX_BYTES, &j->view,
		                     &l) != SP_OK) {
			fail(j, SP_ERR_IO, "the store could not be read");
			return -1;
		}
		for (i = 0; i < l->n && l->items[i]->sequence < ix->end; i++) {
			ix->seqs[ix->n++] = l->items[i]->sequence;
			if (ix->n == SP_INDEX_NOTE_MAX_SEQS) {
				/* the range shortened to what one note holds */
				ix->end = l->items[i]->sequence + 1;
				break;
			}
		}
		at = l->n > 0 ? l->next_start : ix->end;
		sp_store_list_free(l);
	}
	return 0;
}

/* GET /v1/logs/{origin}/index ([API-79], LOG-49): the Sequences of this
 * node's own log addressed to `recipient` in [start, end), end at most the
 * size of its latest checkpoint, signed with its log key. */
static void get_index(read_job *j, sp_store_reader *r)
{
	sp_store_checkpoint *cp = NULL;
	sp_index_note ix;
	char *body = NULL, *note = NULL;
	size_t len = 0;
	const char *why = NULL;
	int err;

	memset(&ix, 0, sizeof(ix));
	if (strcmp(j->origin, sp_node_config(j->n)->node_id) != 0) {
		fail(j, SP_ERR_NOT_FOUND,
		     "an index is served by its Origin for its own log only");
		return;
	}
	if (sp_store_checkpoint_latest(r, j->origin, &cp) != SP_OK) {
		fail(j, SP_ERR_NOT_FOUND, "this node has signed no checkpoint");
		return;
	}
	ix.start = j->has_start ? j->start : 0;
	ix.end = j->has_end && j->end < cp->size ? j->end : cp->size;
	snprintf(ix.origin, sizeof(ix.origin), "%s", cp->note);
	ix.origin[strcspn(ix.origin, "\n")] = '\0';
	snprintf(ix.recipient, sizeof(ix.recipient), "%s", j->recipient);
	sp_store_checkpoint_free(cp);
	if (ix.start > ix.end) {
		fail(j, SP_ERR_BAD_REQUEST,
		     "start is beyond end or this node's latest checkpoint");
		return;
	}
	if (index_seqs(j, r, &ix) != 0)
		goto out;
	if ((err = sp_index_note_format(&ix, &body, &len)) != SP_OK ||
	    (err = sp_note_sign(sp_node_log_signer(j->n), body, len, &note,
	                        &why)) != SP_OK) {
		fail(j, err, why ? why : "the index note could not be made");
		goto out;
	}
	sp_text_append(&j->out, note, strlen(note));
	j->ctype = "text/plain; charset=utf-8";
	j->status = 200;
out:
	free(body);
	free(note);
	sp_index_note_free(&ix);
}

/* The tree size proofs default to: the latest checkpoint's. */
static int default_size(read_job *j, sp_store_reader *r, uint64_t *size)
{
	sp_store_checkpoint *cp = NULL;

	if (j->has_size) {
		*size = j->size;
		return 0;
	}
	if (sp_store_checkpoint_latest(r, j->origin, &cp) != SP_OK) {
		fail(j, SP_ERR_NOT_FOUND,
		     "no checkpoint of that log is held here; give size");
		return -1;
	}
	*size = cp->size;
	sp_store_checkpoint_free(cp);
	return 0;
}

static void get_proof(read_job *j, sp_store_reader *r)
{
	sp_proof p;
	uint64_t tree = 0;
	char *text = NULL;
	size_t len;
	int err;

	memset(&p, 0, sizeof(p));
	/* API-38 before API-39 (SPEC 10.7): what the parameters alone make
	 * invalid is 400 whatever the log holds, even when it holds nothing;
	 * only then is a size the log does not reach 404. */
	if (j->ep == SP_EP_INCLUSION ? !j->has_index
	                             : (!j->has_old || j->old == 0)) {
		fail(j, SP_ERR_BAD_REQUEST,
		     j->ep == SP_EP_INCLUSION
		         ? "index is required and must be below size"
		         : "old is required, from 1 to size");
		return;
	}
	if (default_size(j, r, &p.size) != 0)
		return;
	if (j->ep == SP_EP_INCLUSION && j->index >= p.size) {
		fail(j, SP_ERR_BAD_REQUEST,
		     "index is required and must be below size");
		return;
	}
	if (j->ep != SP_EP_INCLUSION && j->old > p.size) {
		fail(j, SP_ERR_BAD_REQUEST, "old is required, from 1 to size");
		return;
	}
	if (sp_store_tree_size(r, j->origin, &tree) != SP_OK || p.size > tree) {
		fail(j, SP_ERR_NOT_FOUND,
		     "this node does not hold that log up to that size");
		return;
	}
	if (j->ep == SP_EP_INCLUSION) {
		p.kind = SP_PROOF_INCLUSION;
		p.index = j->index;
		err = sp_store_inclusion_proof(r, j->origin, p.index, p.size,
		                               p.hashes, &p.n_hashes);
	} else {
		p.kind = SP_PROOF_CONSISTENCY;
		p.old_size = j->old;
		err = sp_store_consistency_proof(r, j->origin, p.old_size,
		                                 p.size, p.hashes, &p.n_hashes);
	}
	if (err != SP_OK || (err = sp_proof_format(&p, &text, &len)) != SP_OK) {
		fail(j, err, "the proof could not be made");
		return;
	}
	sp_text_append(&j->out, text, len);
	free(text);
	j->ctype = "text/plain; charset=utf-8";
	j->status = 200;
}

static void search(read_job *j, sp_store_reader *r)
{
	sp_store_query q;
	sp_store_list *l = NULL;
	size_t i;
	int err;
	char t[SP_TIME_TEXT_MAX];

	memset(&q, 0, sizeof(q));
	q.view = viewer(j);
	if (j->has_value != j->has_kind || (j->has_scheme && !j->has_kind)) {
		fail(j, SP_ERR_BAD_REQUEST,
		     "subject-kind and subject-value go together");
		return;
	}
	q.subject_kind = j->has_kind ? j->kind : NULL;
	q.subject_scheme = j->has_scheme ? j->scheme : NULL;
	q.subject_value = j->has_value ? j->value : NULL;
	q.type = j->has_type ? j->type : NULL;
	q.origin = j->has_by_origin ? j->by_origin : NULL;
	if ((j->has_since &&
	     sp_time_parse(j->since, &q.issued_from) != SP_OK) ||
	    (j->has_until && sp_time_parse(j->until, &q.issued_to) != SP_OK)) {
		fail(j, SP_ERR_BAD_REQUEST,
		     "since and until are RFC 3339 UTC times");
		return;
	}
	if (j->has_count && (j->count == 0 || j->count > SEARCH_MAX)) {
		fail(j, SP_ERR_BAD_REQUEST, "limit is 1 to 100");
		return;
	}
	q.limit = j->has_count ? (size_t)j->count : SEARCH_DEFAULT;
	q.cursor = j->has_cursor ? j->cursor : NULL;
	if ((err = sp_store_search(r, &q, &l)) != SP_OK) {
		fail(j, err,
		     err == SP_ERR_INVALID_ARGUMENT
		         ? "malformed cursor or query"
		         : "the store could not be read");
		if (err == SP_ERR_INVALID_ARGUMENT)
			j->err = SP_ERR_BAD_REQUEST;
		return;
	}
	sp_text_printf(&j->out,
	               "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	               "<SearchResult xmlns=\"" SP_NS "\" version=\"1\">\n");
	for (i = 0; i < l->n; i++) {
		const sp_store_record *rec = l->items[i];

		sp_text_printf(&j->out, "  <Match>\n    <RecordId>");
		xml_text(&j->out, rec->record_id);
		sp_text_printf(&j->out, "</RecordId>\n    <Origin>");
		xml_text(&j->out, rec->origin);
		sp_text_printf(
		    &j->out,
		    "</Origin>\n    <Sequence>%llu</Sequence>\n    <Type>",
		    (unsigned long long)rec->sequence);
		xml_text(&j->out, rec->type);
		if (sp_time_format(rec->issued, t) != SP_OK)
			snprintf(t, sizeof(t), "1970-01-01T00:00:00Z");
		/* LogState: whether the match has taken effect ([API-71]) */
		sp_text_printf(
		    &j->out,
		    "</Type>\n    <Issued>%s</Issued>\n    "
		    "<Digest>%s</Digest>\n    <LogState>%s</LogState>\n",
		    t, rec->digest, sp_store_log_state_name(rec->log_state));
		/* ExistsBy: the time its witnesses vouch for ([API-78]);
		 * LogRefused: why it will never take effect */
		if (rec->exists_by > 0 &&
		    sp_time_format(rec->exists_by, t) == SP_OK)
			sp_text_printf(&j->out, "    <ExistsBy>%s</ExistsBy>\n",
			               t);
		if (rec->log_refused[0] != '\0') {
			sp_text_printf(&j->out, "    <LogRefused>");
			xml_text(&j->out, rec->log_refused);
			sp_text_printf(&j->out, "</LogRefused>\n");
		}
		sp_text_printf(&j->out, "  </Match>\n");
	}
	if (l->next_cursor[0] != '\0') {
		sp_text_printf(&j->out, "  <NextCursor>");
		xml_text(&j->out, l->next_cursor);
		sp_text_printf(&j->out, "</NextCursor>\n");
	}
	sp_text_printf(&j->out, "</SearchResult>\n");
	sp_store_list_free(l);
	j->ctype = "application/xml";
	j->status = 200;
}

static void work(void *arg)
{
	read_job *j = arg;
	sp_store_reader *r = sp_node_reader(j->n);

	if (r == NULL) {
		fail(j, SP_ERR_UNAVAILABLE, "the store is not available");
		return;
	}
	switch (j->ep) {
	case SP_EP_RECORD_GET:
		if (j->final_receipt)
			get_final_receipt(j, r);
		else
			get_record(j, r);
		break;
	case SP_EP_ENTRIES:
		get_entries(j, r);
		break;
	case SP_EP_CHECKPOINT:
		get_checkpoint(j, r);
		break;
	case SP_EP_INCLUSION:
	case SP_EP_CONSISTENCY:
		get_proof(j, r);
		break;
	case SP_EP_SEARCH:
		search(j, r);
		break;
	case SP_EP_LOG_INDEX:
		get_index(j, r);
		break;
	default:
		fail(j, SP_ERR_NOT_FOUND, "no such endpoint");
	}
	if (j->status != 0 && j->out.failed)
		fail(j, SP_ERR_NOMEM, "out of memory");
}

static void done(void *arg)
{
	read_job *j = arg;
	sp_http_header h[5];
	size_t nh = 0;

	if (j->err != SP_OK || j->status == 0) {
		sp_api__problem(j->n, j->req, j->ep,
		                j->err ? j->err : SP_ERR_INTERNAL, j->why);
	} else {
		sp_node_count_request(j->n, j->ep, j->status);
		/* Records are for the caller only: no shared cache may keep
		 * them. */
		if (j->ep == SP_EP_RECORD_GET || j->ep == SP_EP_ENTRIES ||
		    j->ep == SP_EP_SEARCH || j->ep == SP_EP_LOG_INDEX) {
			h[nh].name = "cache-control";
			h[nh++].value = "no-store";
		}
		if (j->next_header[0]) {
			h[nh].name = "x-silkport-next-start";
			h[nh++].value = j->next_header;
		}
		if (j->log_state != NULL) {
			h[nh].name = "silkport-log-state";
			h[nh++].value = j->log_state;
		}
		if (j->exists_by[0] != '\0') {
			h[nh].name = "silkport-exists-by";
			h[nh++].value = j->exists_by;
		}
		if (j->log_refused[0] != '\0') {
			h[nh].name = "silkport-log-refused";
			h[nh++].value = j->log_refused;
		}
		sp_http_respond_take(j->req, j->status, j->ctype, h, nh,
		                     (uint8_t *)j->out.buf, j->out.len);
		j->out.buf = NULL;
	}
	sp_text_free(&j->out);
	sp_text_free(&j->broadcasters);
	free(j);
}

int sp_api__param_u64(const char *query, const char *name, uint64_t *v,
                      int *has)
{
	char buf[32];
	int err = sp_node__query_param(query, name, buf, sizeof(buf), NULL);

	*has = 0;
	if (err == SP_ERR_NOT_FOUND)
		return 0;
	/* the protocol's one decimal grammar: "007" is refused like "-7" */
	if (err != SP_OK ||
	    sp_parse_u64(buf, strlen(buf), INT64_MAX, v) != SP_OK)
		return -1;
	*has = 1;
	return 0;
}

int sp_api__param_str(const char *query, const char *name, char *buf,
                      size_t cap, int *has)
{
	int err = sp_node__query_param(query, name, buf, cap, NULL);

	*has = err == SP_OK;
	return err == SP_OK || err == SP_ERR_NOT_FOUND ? 0 : -1;
}

/* GET .../index: recipient= is required, and the caller must be that
 * recipient, an auditor (ACC-22) or an operator: which records a member
 * was sent is its own business. The index is made as the recipient sees
 * the log, whoever asks. 0, or -1 answered. */
static int index_params(read_job *j, const sp_caller *c, const char *q)
{
	int has = 0, bad, home, auditor;

	bad = sp_api__param_str(q, "recipient", j->recipient,
	                        sizeof(j->recipient), &has);
	bad |= sp_api__param_u64(q, "end", &j->end, &j->has_end);
	if (bad || !has || !sp_node_id_valid(j->recipient)) {
		sp_api__problem(j->n, j->req, j->ep, SP_ERR_BAD_REQUEST,
		                "recipient= must name a NodeId, and end= is a "
		                "Sequence");
		return -1;
	}
	/* a member of the home federation: the NodeId R names there
	 * ([FED-41]), not a namesake in a followed one */
	home = strcmp(c->federation, sp_node_config(j->n)->federation) == 0;
	auditor = c->member != NULL && c->member->role == SP_ROLE_AUDITOR;
	if (!c->operator&& !(home &&
	                     (auditor || strcmp(c->id, j->recipient) == 0))) {
		sp_api__problem(j->n, j->req, j->ep, SP_ERR_FORBIDDEN,
		                "an index is served to its recipient and to "
		                "auditors only");
		return -1;
	}
	snprintf(j->viewer, sizeof(j->viewer), "%s", j->recipient);
	return 0;
}

void sp_api_read(sp_node *n, sp_http_req *req, const sp_caller *c,
                 sp_endpoint ep, const char *origin, const char *rest)
{
	read_job *j = calloc(1, sizeof(*j));
	const char *q = sp_http_req_query(req);
	char *slash;
	int bad = 0, err, has_receiver = 0;

	if (j == NULL) {
		sp_api__problem(n, req, ep, SP_ERR_NOMEM, NULL);
		return;
	}
	j->n = n;
	j->req = req;
	j->ep = ep;
	/* An operator reads what its own node is an addressee of (ACC-5)
	 * unless [access] operator_read = all made it a wide reader. */
	snprintf(j->viewer, sizeof(j->viewer), "%s",
	         c->operator? sp_node_config(n)->node_id : c->id);
	j->wide = c->wide_read;
	j->anonymous = !c->operator&& !c->member_active;
	if (ep == SP_EP_LOG_INDEX && index_params(j, c, q) != 0) {
		free(j);
		return;
	}
	if (ep == SP_EP_LOG_INDEX ||
	    (!j->wide && (ep == SP_EP_RECORD_GET || ep == SP_EP_ENTRIES ||
	                  ep == SP_EP_SEARCH))) {
		sp_node_broadcasters(n, sp_node_trust(n), j->viewer,
		                     &j->broadcasters);
		if (j->broadcasters.failed) {
			sp_text_free(&j->broadcasters);
			free(j);
			sp_api__problem(n, req, ep, SP_ERR_NOMEM, NULL);
			return;
		}
	}
	j->view.viewer = j->viewer;
	j->view.broadcasters = j->broadcasters.buf;
	if (origin != NULL)
		snprintf(j->origin, sizeof(j->origin), "%s", origin);
	if (ep == SP_EP_RECORD_GET &&
	    snprintf(j->id, sizeof(j->id), "%s", rest) >= (int)sizeof(j->id))
		j->id[0] = '\0';
	if (ep == SP_EP_RECORD_GET && (slash = strchr(j->id, '/')) != NULL &&
	    strcmp(slash, "/receipt") == 0) {
		*slash = '\0';
		j->final_receipt = 1;
		snprintf(j->caller, sizeof(j->caller), "%s",
		         c->operator? "" : c->id);
		bad |= sp_api__param_str(q, "receiver", j->receiver,
		                         sizeof(j->receiver), &has_receiver);
		if (j->receiver[0] != '\0' && !sp_node_id_valid(j->receiver))
			bad = 1;
	}
	bad |= sp_api__param_u64(q, "start", &j->start, &j->has_start);
	bad |= sp_api__param_u64(q, ep == SP_EP_SEARCH ? "limit" : "count",
	                         &j->count, &j->has_count);
	bad |= sp_api__param_u64(q, "index", &j->index, &j->has_index);
	bad |= sp_api__param_u64(q, "size", &j->size, &j->has_size);
	bad |= sp_api__param_u64(q, "old", &j->old, &j->has_old);
	if (ep == SP_EP_CHECKPOINT)
		bad |= sp_api__param_u64(q, "covering", &j->covering,
		                         &j->has_covering);
	if (ep == SP_EP_RECORD_GET) {
		bad |=
		    sp_api__param_str(q, "origin", j->by_origin,
		                      sizeof(j->by_origin), &j->has_by_origin);
		if (j->has_by_origin && !sp_node_id_valid(j->by_origin))
			bad = 1;
	}
	if (ep == SP_EP_SEARCH) {
		bad |= sp_api__param_str(q, "subject-kind", j->kind,
		                         sizeof(j->kind), &j->has_kind);
		bad |= sp_api__param_str(q, "subject-scheme", j->scheme,
		                         sizeof(j->scheme), &j->has_scheme);
		bad |= sp_api__param_str(q, "subject-value", j->value,
		                         sizeof(j->value), &j->has_value);
		bad |= sp_api__param_str(q, "type", j->type, sizeof(j->type),
		                         &j->has_type);
		bad |=
		    sp_api__param_str(q, "origin", j->by_origin,
		                      sizeof(j->by_origin), &j->has_by_origin);
		bad |= sp_api__param_str(q, "since", j->since, sizeof(j->since),
		                         &j->has_since);
		bad |= sp_api__param_str(q, "until", j->until, sizeof(j->until),
		                         &j->has_until);
		bad |= sp_api__param_str(q, "cursor", j->cursor,
		                         sizeof(j->cursor), &j->has_cursor);
	}
	if (bad) {
		sp_api__problem(n, req, ep, SP_ERR_BAD_REQUEST,
		                "a query parameter is malformed or too long");
		sp_text_free(&j->broadcasters);
		free(j);
		return;
	}
	if ((err = sp_node_work(n, work, done, j)) != SP_OK) {
		sp_api__problem(n, req, ep, err,
		                "the node is at capacity; retry later");
		sp_text_free(&j->broadcasters);
		free(j);
	}
}
