/* assert_log.c: Log assertions: the target's checkpoint (public, format,
 * origin signature, cosignatures), its entries verified as records and
 * proven by inclusion and consistency proofs, proof parameter errors, and
 * the sparse copy of the auditor's own log at the target. */
#include "conf_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ENTRIES 4096
#define MAX_PAGES   64
#define MAX_PROOFS  64

typedef struct entry {
	uint64_t seq;
	uint8_t *bytes;
	size_t len;
} entry;

static struct {
	int fetched;
	int status; /* checkpoint answer */
	char ctype[120];
	char *note; /* the served note */
	size_t note_len;
	sp_checkpoint cp;
	size_t body_len;
	int parsed; /* sp_checkpoint_parse succeeded */
	char parse_why[200];
	const char *vkey;      /* the target's LogKey, or NULL */
	const char *next_vkey; /* its NextLogKey (SPEC LOG-47), or NULL */
	int verified;          /* the origin signature verified */
	char verify_why[200];
	/* entries of the target's log visible to the auditor */
	int entries_fetched;
	char entries_err[300];
	entry *e;
	size_t n_e;
} L;

static void free_state(void)
{
	free(L.note);
	for (size_t i = 0; i < L.n_e; i++)
		free(L.e[i].bytes);
	free(L.e);
	memset(&L, 0, sizeof(L));
}

static void fetch_checkpoint(cf_ctx *x, cf_result *r)
{
	char path[160];
	cf_resp resp;
	const sp_tl_member *m;
	const char *why = NULL, *ct;
	int rc;

	if (L.fetched)
		return;
	L.fetched = 1;
	atexit(free_state);
	/* As a member: a node may keep even its own log from anonymous
	 * callers ([ACC-19]), and serves cosignatures to members only. */
	snprintf(path, sizeof(path), "/v1/logs/%s/checkpoint", x->target_id);
	cf_http(x, CF_AS_MEMBER, "GET", path, NULL, NULL, 0, &resp, r);
	L.status = resp.status;
	ct = cf_resp_header(&resp, "content-type");
	snprintf(L.ctype, sizeof(L.ctype), "%s", ct ? ct : "");
	if (resp.status == 200) {
		L.note = (char *)resp.body;
		L.note_len = resp.len;
		resp.body = NULL;
		if (L.note == NULL) {
			L.note = calloc(1, 1);
			L.note_len = 0;
		}
		rc = sp_checkpoint_parse(L.note, L.note_len, &L.cp, &L.body_len,
		                         &why);
		L.parsed = rc == SP_OK;
		if (!L.parsed)
			snprintf(L.parse_why, sizeof(L.parse_why), "%s: %s",
			         sp_strerror(rc), why ? why : "");
	}
	cf_resp_free(&resp);
	m = sp_tl_find(sp_trust_list(x->trust), x->target_id);
	L.vkey = m != NULL ? m->log_key : NULL;
	L.next_vkey = m != NULL ? m->next_log_key : NULL;
	if (L.note != NULL && L.vkey != NULL) {
		size_t text_len = 0;

		rc = sp_note_verify_either(L.vkey, L.next_vkey, L.note,
		                           L.note_len, &text_len, &why);
		L.verified = rc == SP_OK;
		if (!L.verified)
			snprintf(L.verify_why, sizeof(L.verify_why), "%s: %s",
			         sp_strerror(rc), why ? why : "");
	}
}

static int need_checkpoint(cf_ctx *x, cf_result *r)
{
	if (!cf_need_target(x, r))
		return 0;
	fetch_checkpoint(x, r);
	if (L.status == 404) {
		cf_skip(r, "the target serves no checkpoint of its own log "
		           "(404): nothing to check");
		return 0;
	}
	if (L.note == NULL) {
		cf_fail(r, "GET /v1/logs/%s/checkpoint answered %d",
		        x->target_id, L.status);
		return 0;
	}
	return 1;
}

static int need_verified(cf_ctx *x, cf_result *r)
{
	if (!need_checkpoint(x, r))
		return 0;
	if (L.vkey == NULL) {
		cf_skip(r, "the target's trust-list entry has no LogKey, so "
		           "its checkpoints cannot be verified");
		return 0;
	}
	if (!L.parsed || !L.verified) {
		cf_fail(r, "the target's checkpoint does not verify (%s%s)",
		        L.parse_why, L.verify_why);
		return 0;
	}
	return 1;
}

/* ---------------------------------------------------------------- checkpoint
 */

/* Signature lines after the origin's first one: cosignatures, or any other
 * signature, that a served note carries. */
static size_t count_cosignature_lines(const char *note, size_t len)
{
	const char *p = note, *end = note + len;
	size_t n = 0;
	int after_blank = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t ll = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);

		if (after_blank && ll > 0)
			n++;
		if (ll == 0)
			after_blank = 1;
		p += ll + 1;
	}
	return n > 0 ? n - 1 : 0;
}

/* The node's own checkpoint: text/plain to members; to anonymous callers
 * either the same note without cosignature lines or, when the node keeps
 * its own log from them, 401 unauthenticated ([ACC-19], [ACC-20]). */
static void t_public(cf_ctx *x, const void *arg, cf_result *r)
{
	char path[160], name[72];
	cf_resp resp;
	const char *sig;

	(void)arg;
	if (!need_checkpoint(x, r))
		return;
	if (strncmp(L.ctype, "text/plain", 10) != 0) {
		cf_fail(r,
		        "the checkpoint came as '%s', not text/plain; "
		        "charset=utf-8",
		        L.ctype);
		return;
	}
	snprintf(path, sizeof(path), "/v1/logs/%s/checkpoint", x->target_id);
	cf_http(x, CF_AS_ANON, "GET", path, NULL, NULL, 0, &resp, r);
	cf_problem_name(&resp, name, sizeof(name));
	sig = resp.status == 200 && resp.body != NULL
	          ? memchr(resp.body, '\n', resp.len)
	          : NULL;
	if (resp.status == 401 && strcmp(name, "unauthenticated") == 0)
		cf_pass(r,
		        "the checkpoint is served to members as %s; the node "
		        "keeps its own log from anonymous callers (401)",
		        L.ctype);
	else if (resp.status != 200)
		cf_fail(r,
		        "GET %s without a client certificate answered %d %s, "
		        "neither 200 nor 401 unauthenticated",
		        path, resp.status, name);
	else if (sig != NULL &&
	         count_cosignature_lines((const char *)resp.body, resp.len) > 0)
		cf_fail(r, "the checkpoint served without a client "
		           "certificate carries cosignature lines (the "
		           "witness graph is for members)");
	else
		cf_pass(r,
		        "the checkpoint is served to members as %s, and "
		        "without a client certificate with no cosignature",
		        L.ctype);
	cf_resp_free(&resp);
}

static void t_format(cf_ctx *x, const void *arg, cf_result *r)
{
	char want[SP_CHECKPOINT_ORIGIN_MAX];
	size_t lines = 0;

	(void)arg;
	if (!need_checkpoint(x, r))
		return;
	if (!L.parsed) {
		cf_fail(r, "the checkpoint does not parse: %s", L.parse_why);
		return;
	}
	if (sp_checkpoint_origin(x->federation, x->target_id, want) != SP_OK)
		want[0] = '\0';
	for (size_t i = 0; i < L.body_len; i++)
		lines += L.note[i] == '\n';
	if (L.vkey != NULL &&
	    (strncmp(L.vkey, L.cp.origin, strlen(L.cp.origin)) != 0 ||
	     L.vkey[strlen(L.cp.origin)] != '+'))
		cf_fail(r, "the origin line '%s' is not the LogKey's name",
		        L.cp.origin);
	else if (L.vkey == NULL && strcmp(L.cp.origin, want) != 0)
		cf_fail(r, "the origin line '%s' is not '%s'", L.cp.origin,
		        want);
	else if (lines != 3)
		cf_fail(r,
		        "the note text has %zu lines; an origin adds no "
		        "extension lines",
		        lines);
	else if (L.body_len >= L.note_len || L.note[L.body_len] != '\n')
		cf_fail(r, "the note text is not followed by an empty line and "
		           "signature lines");
	else if (L.note_len > SP_CHECKPOINT_MAX_NOTE)
		cf_fail(r, "the note is %zu bytes, over 16384", L.note_len);
	else if (memchr(L.note, '\r', L.note_len) != NULL)
		cf_fail(r, "the note contains a carriage return");
	else
		cf_pass(
		    r,
		    "origin '%s', size %llu, three lines, then signature lines",
		    L.cp.origin, (unsigned long long)L.cp.size);
}

static void t_signature(cf_ctx *x, const void *arg, cf_result *r)
{
	const char *sigs;
	size_t nl;
	char prefix[SP_CHECKPOINT_ORIGIN_MAX + 8];

	(void)arg;
	if (!need_checkpoint(x, r))
		return;
	if (L.vkey == NULL) {
		cf_skip(r, "the target's trust-list entry has no LogKey, so "
		           "its checkpoints cannot be verified");
		return;
	}
	if (!L.verified) {
		cf_fail(r,
		        "the checkpoint's signature does not verify with the "
		        "target's LogKey: %s",
		        L.verify_why);
		return;
	}
	/* The first signature line must be the origin's. */
	sigs = L.note + L.body_len + 1;
	snprintf(prefix, sizeof(prefix), "\xE2\x80\x94 %s ",
	         L.parsed ? L.cp.origin : "");
	nl = strlen(prefix);
	if (!L.parsed || (size_t)(L.note + L.note_len - sigs) < nl ||
	    memcmp(sigs, prefix, nl) != 0)
		cf_fail(r, "the origin's signature verifies but is not the "
		           "first signature line");
	else
		cf_pass(r, "the origin's Ed25519 signature is the first line "
		           "and verifies with its LogKey");
}

/* The cosignature verifier key of a LogKey: same name and public key,
 * type byte 0x04 and its own key id. */
static int cosigner_vkey(const char *logkey, char *out, size_t cap)
{
	const char *p1 = strchr(logkey, '+'),
	           *p2 = p1 ? strchr(p1 + 1, '+') : NULL;
	uint8_t raw[64], msg[600], md[32];
	size_t rl = 0, nl;
	char b64[80];

	if (p1 == NULL || p2 == NULL || (nl = (size_t)(p1 - logkey)) > 255)
		return -1;
	if (sp_b64_decode(p2 + 1, strlen(p2 + 1), raw, sizeof(raw), &rl) !=
	        SP_OK ||
	    rl != 33 || raw[0] != 0x01)
		return -1;
	raw[0] = 0x04;
	memcpy(msg, logkey, nl);
	msg[nl] = '\n';
	memcpy(msg + nl + 1, raw, 33);
	sp_sha256(msg, nl + 34, md);
	if (sp_b64_encode(raw, 33, b64, sizeof(b64)) == 0)
		return -1;
	return snprintf(out, cap, "%.*s+%02x%02x%02x%02x+%s", (int)nl, logkey,
	                md[0], md[1], md[2], md[3], b64) < (int)cap
	           ? 0
	           : -1;
}

static void t_cosignatures(cf_ctx *x, const void *arg, cf_result *r)
{
	const sp_tl *tl;
	int checked = 0, bad = 0;
	char vk[600], note[200];

	(void)arg;
	if (!need_verified(x, r))
		return;
	tl = sp_trust_list(x->trust);
	/* each member's current and next key (SPEC LOG-47): 2 * i + slot */
	for (size_t k = 0; k < 2 * tl->n_members; k++) {
		const sp_tl_member *m = &tl->members[k / 2];
		const char *key = k % 2 ? m->next_log_key : m->log_key;
		const char *why = NULL;
		int rc;

		if (key == NULL || strcmp(m->node_id, x->target_id) == 0 ||
		    cosigner_vkey(key, vk, sizeof(vk)) != 0)
			continue;
		rc = sp_note_verify_cosignature(vk, L.note, L.note_len, NULL, 0,
		                                NULL, &why);
		if (rc == SP_ERR_SIG_MISSING)
			continue;
		checked++;
		snprintf(note, sizeof(note), "cosignature of %s: %s",
		         m->node_id,
		         rc == SP_OK ? "verifies" : sp_strerror(rc));
		cf_evidence_add(r, "checkpoint cosignature", 200, "", 0, note);
		if (rc != SP_OK)
			bad++;
	}
	if (checked == 0)
		cf_skip(
		    r,
		    "the checkpoint carries no cosignature by a member's key");
	else if (bad > 0)
		cf_fail(
		    r,
		    "%d of %d cosignature lines by members' keys do not verify",
		    bad, checked);
	else
		cf_pass(r, "%d cosignature lines by members' keys verify",
		        checked);
}

/* ---------------------------------------------------------------- entries */

/* Read the frames of one entries response; -1 with a reason on any
 * deviation from the framing. */
static int parse_frames(const uint8_t *b, size_t len, uint64_t start,
                        uint64_t *last, entry **es, size_t *n, char *why,
                        size_t whylen)
{
	size_t off = 0;
	int have_last = *n > 0;

	while (off < len) {
		uint64_t seq = 0, flen = 0;
		size_t p = off, digits = 0;
		entry *ne;

		while (p < len && b[p] >= '0' && b[p] <= '9' && digits < 20) {
			seq = seq * 10 + (uint64_t)(b[p++] - '0');
			digits++;
		}
		if (digits == 0 || p >= len || b[p] != ' ' ||
		    (digits > 1 && b[off] == '0')) {
			snprintf(why, whylen,
			         "a frame header is malformed at byte %zu",
			         off);
			return -1;
		}
		off = ++p;
		digits = 0;
		while (p < len && b[p] >= '0' && b[p] <= '9' && digits < 10) {
			flen = flen * 10 + (uint64_t)(b[p++] - '0');
			digits++;
		}
		if (digits == 0 || flen == 0 || b[off] == '0' || p >= len ||
		    b[p] != '\n' || flen > len - p - 1 || p + 1 + flen >= len ||
		    b[p + 1 + flen] != '\n') {
			snprintf(why, whylen,
			         "the frame of sequence %llu is malformed",
			         (unsigned long long)seq);
			return -1;
		}
		if (seq < start || (have_last && seq <= *last)) {
			snprintf(
			    why, whylen,
			    "sequence %llu is below the start or not ascending",
			    (unsigned long long)seq);
			return -1;
		}
		if (*n >= MAX_ENTRIES) {
			snprintf(why, whylen, "more than %d entries",
			         MAX_ENTRIES);
			return -1;
		}
		if ((ne = realloc(*es, (*n + 1) * sizeof(*ne))) == NULL)
			return -1;
		*es = ne;
		ne[*n].seq = seq;
		ne[*n].len = (size_t)flen;
		if ((ne[*n].bytes = malloc((size_t)flen)) == NULL)
			return -1;
		memcpy(ne[*n].bytes, b + p + 1, (size_t)flen);
		(*n)++;
		*last = seq;
		have_last = 1;
		off = p + 1 + (size_t)flen + 1;
	}
	return 0;
}

/* Page through GET /v1/logs/{origin}/entries from start. */
static int fetch_entries(cf_ctx *x, const char *origin, uint64_t start,
                         entry **es, size_t *n, char *why, size_t whylen,
                         cf_result *r)
{
	uint64_t last = 0, next = start;

	for (int page = 0; page < MAX_PAGES; page++) {
		char path[200];
		cf_resp resp;
		const char *ns;
		size_t before = *n;
		char *end;
		unsigned long long hdr;

		snprintf(path, sizeof(path),
		         "/v1/logs/%s/entries?start=%llu&count=1000", origin,
		         (unsigned long long)next);
		cf_http(x, CF_AS_MEMBER, "GET", path, NULL, NULL, 0, &resp,
		        page < 3 ? r : NULL);
		if (resp.status != 200) {
			snprintf(why, whylen, "GET %s answered %d", path,
			         resp.status);
			cf_resp_free(&resp);
			return -1;
		}
		if (parse_frames(resp.body, resp.len, next, &last, es, n, why,
		                 whylen) != 0) {
			cf_resp_free(&resp);
			return -1;
		}
		if (*n == before) {
			cf_resp_free(&resp);
			return 0;
		}
		ns = cf_resp_header(&resp, "x-silkport-next-start");
		hdr = ns ? strtoull(ns, &end, 10) : 0;
		if (ns == NULL || *end != '\0' || hdr != last + 1) {
			snprintf(why, whylen,
			         "x-silkport-next-start is '%s', not %llu",
			         ns ? ns : "absent",
			         (unsigned long long)(last + 1));
			cf_resp_free(&resp);
			return -1;
		}
		cf_resp_free(&resp);
		next = last + 1;
	}
	return 0;
}

static void t_entries(cf_ctx *x, const void *arg, cf_result *r)
{
	sp_verify_opts o;

	(void)arg;
	if (!cf_need_target(x, r))
		return;
	if (!L.entries_fetched) {
		L.entries_fetched = 1;
		fetch_checkpoint(x, NULL);
		if (fetch_entries(x, x->target_id, 0, &L.e, &L.n_e,
		                  L.entries_err, sizeof(L.entries_err),
		                  r) != 0 &&
		    L.entries_err[0] == '\0')
			snprintf(L.entries_err, sizeof(L.entries_err),
			         "out of memory");
	}
	if (L.entries_err[0] != '\0') {
		cf_fail(r, "entries of %s: %s", x->target_id, L.entries_err);
		return;
	}
	if (L.n_e == 0) {
		cf_skip(r, "the target's log has no entry visible to %s",
		        x->as);
		return;
	}
	sp_verify_opts_default(&o);
	for (size_t i = 0; i < L.n_e; i++) {
		sp_record *rec = NULL;
		const char *why = NULL;
		int rc = sp_verify_record(x->trust, L.e[i].bytes, L.e[i].len,
		                          &o, NULL, &rec, &why);

		if (rc != SP_OK) {
			cf_fail(r,
			        "the entry at sequence %llu does not verify: "
			        "%s: %s",
			        (unsigned long long)L.e[i].seq, sp_strerror(rc),
			        why ? why : "");
			return;
		}
		if (strcmp(sp_record_origin(rec), x->target_id) != 0 ||
		    sp_record_sequence(rec) != L.e[i].seq ||
		    !sp_record_visible_to(rec, x->as)) {
			cf_fail(r,
			        "the entry framed at sequence %llu is %s's "
			        "record %llu%s",
			        (unsigned long long)L.e[i].seq,
			        sp_record_origin(rec),
			        (unsigned long long)sp_record_sequence(rec),
			        sp_record_visible_to(rec, x->as)
			            ? ""
			            : ", not visible to the caller");
			sp_record_free(rec);
			return;
		}
		sp_record_free(rec);
	}
	cf_pass(r,
	        "%zu entries, framed, ascending, each a verified record of %s "
	        "at its framed sequence",
	        L.n_e, x->target_id);
}

static int need_entries(cf_ctx *x, cf_result *r)
{
	if (!need_verified(x, r))
		return 0;
	if (!L.entries_fetched)
		t_entries(x, NULL, r);
	if (L.entries_err[0] != '\0') {
		cf_fail(r, "entries of %s: %s", x->target_id, L.entries_err);
		return 0;
	}
	if (L.n_e == 0) {
		cf_skip(r, "the target's log has no entry visible to %s",
		        x->as);
		return 0;
	}
	r->outcome = CF_FAIL;
	r->reason[0] = '\0';
	return 1;
}

static int get_proof(cf_ctx *x, const char *path, sp_proof *p, char *why,
                     size_t whylen, cf_result *r)
{
	cf_resp resp;
	const char *w = NULL;
	int rc;

	cf_http(x, CF_AS_MEMBER, "GET", path, NULL, NULL, 0, &resp, r);
	if (resp.status != 200) {
		snprintf(why, whylen, "GET %s answered %d", path, resp.status);
		cf_resp_free(&resp);
		return -1;
	}
	rc = sp_proof_parse((const char *)resp.body, resp.len, p, &w);
	cf_resp_free(&resp);
	if (rc != SP_OK) {
		snprintf(why, whylen,
		         "the proof from %s does not parse strictly: %s", path,
		         w ? w : sp_strerror(rc));
		return -1;
	}
	return 0;
}

static void t_inclusion(cf_ctx *x, const void *arg, cf_result *r)
{
	size_t checked = 0;
	char why[300], path[200];
	sp_proof *p;

	(void)arg;
	if (!need_entries(x, r))
		return;
	if ((p = malloc(sizeof(*p))) == NULL) {
		cf_fail(r, "out of memory");
		return;
	}
	for (size_t i = 0; i < L.n_e && checked < MAX_PROOFS; i++) {
		uint8_t leaf[32];

		if (L.e[i].seq >= L.cp.size)
			continue;
		snprintf(path, sizeof(path),
		         "/v1/logs/%s/proofs/inclusion?index=%llu&size=%llu",
		         x->target_id, (unsigned long long)L.e[i].seq,
		         (unsigned long long)L.cp.size);
		if (get_proof(x, path, p, why, sizeof(why),
		              checked < 4 ? r : NULL) != 0) {
			cf_fail(r, "%s", why);
			goto out;
		}
		sp_merkle_leaf_hash(L.e[i].bytes, L.e[i].len, leaf);
		if (p->kind != SP_PROOF_INCLUSION || p->index != L.e[i].seq ||
		    p->size != L.cp.size ||
		    sp_merkle_verify_inclusion(p->index, p->size, leaf,
		                               (const uint8_t(*)[32])p->hashes,
		                               p->n_hashes,
		                               L.cp.root) != SP_OK) {
			cf_fail(r,
			        "the inclusion proof of entry %llu in the tree "
			        "of size %llu does not verify "
			        "against the checkpoint's root",
			        (unsigned long long)L.e[i].seq,
			        (unsigned long long)L.cp.size);
			goto out;
		}
		checked++;
	}
	if (checked == 0)
		cf_skip(
		    r, "no visible entry lies below the checkpoint's size %llu",
		    (unsigned long long)L.cp.size);
	else
		cf_pass(r,
		        "%zu entries are proven in the checkpoint's tree of "
		        "size %llu",
		        checked, (unsigned long long)L.cp.size);
out:
	free(p);
}

static void t_consistency(cf_ctx *x, const void *arg, cf_result *r)
{
	uint64_t m = 0;
	uint8_t(*leaves)[32] = NULL;
	uint8_t root_m[32];
	char why[300], path[200];
	sp_proof *p = NULL;

	(void)arg;
	if (!need_entries(x, r))
		return;
	/* The longest prefix 0..m-1 the auditor can see gives a root of its
	 * own to check the log against. */
	while (m < L.n_e && L.e[m].seq == m && m < L.cp.size)
		m++;
	if (m == 0) {
		cf_skip(r,
		        "entry 0 of the target's log is not visible to %s, so "
		        "no earlier root can be computed",
		        x->as);
		return;
	}
	if ((leaves = malloc((size_t)m * sizeof(*leaves))) == NULL ||
	    (p = malloc(sizeof(*p))) == NULL) {
		cf_fail(r, "out of memory");
		goto out;
	}
	for (uint64_t i = 0; i < m; i++)
		sp_merkle_leaf_hash(L.e[i].bytes, L.e[i].len, leaves[i]);
	if (sp_merkle_root((const uint8_t(*)[32])leaves, m, root_m) != SP_OK) {
		cf_fail(r, "suite: hashing failed");
		goto out;
	}
	if (m == L.cp.size) {
		if (memcmp(root_m, L.cp.root, 32) == 0)
			cf_pass(r,
			        "all %llu entries are visible and their RFC "
			        "9162 root equals the checkpoint's",
			        (unsigned long long)m);
		else
			cf_fail(r,
			        "the RFC 9162 root of all %llu entries differs "
			        "from the checkpoint's root",
			        (unsigned long long)m);
		goto out;
	}
	snprintf(path, sizeof(path),
	         "/v1/logs/%s/proofs/consistency?old=%llu&size=%llu",
	         x->target_id, (unsigned long long)m,
	         (unsigned long long)L.cp.size);
	if (get_proof(x, path, p, why, sizeof(why), r) != 0) {
		cf_fail(r, "%s", why);
		goto out;
	}
	if (p->kind != SP_PROOF_CONSISTENCY || p->old_size != m ||
	    p->size != L.cp.size ||
	    sp_merkle_verify_consistency(m, L.cp.size, root_m, L.cp.root,
	                                 (const uint8_t(*)[32])p->hashes,
	                                 p->n_hashes) != SP_OK)
		cf_fail(r,
		        "the consistency proof from size %llu (root computed "
		        "from the entries) to %llu does "
		        "not verify",
		        (unsigned long long)m, (unsigned long long)L.cp.size);
	else
		cf_pass(r,
		        "the tree of the first %llu entries is consistent with "
		        "the checkpoint's tree of size %llu",
		        (unsigned long long)m, (unsigned long long)L.cp.size);
out:
	free(leaves);
	free(p);
}

static void t_proof_params(cf_ctx *x, const void *arg, cf_result *r)
{
	char p[3][200], name[72];
	int want[3] = {400, 400, 404};
	const char *wname[3] = {"bad-request", "bad-request", "not-found"};
	int bad = 0;

	(void)arg;
	if (!need_verified(x, r))
		return;
	snprintf(p[0], sizeof(p[0]),
	         "/v1/logs/%s/proofs/inclusion?index=%llu&size=%llu",
	         x->target_id, (unsigned long long)L.cp.size,
	         (unsigned long long)L.cp.size);
	snprintf(p[1], sizeof(p[1]),
	         "/v1/logs/%s/proofs/consistency?old=0&size=%llu", x->target_id,
	         (unsigned long long)L.cp.size);
	snprintf(p[2], sizeof(p[2]),
	         "/v1/logs/%s/proofs/consistency?old=1&size=%llu", x->target_id,
	         (unsigned long long)L.cp.size + 1000000);
	for (int i = 0; i < 3; i++) {
		cf_resp resp;

		cf_http(x, CF_AS_MEMBER, "GET", p[i], NULL, NULL, 0, &resp, r);
		cf_problem_name(&resp, name, sizeof(name));
		if (resp.status != want[i] || strcmp(name, wname[i]) != 0)
			bad++;
		cf_resp_free(&resp);
	}
	if (bad == 0)
		cf_pass(r, "index = size and old = 0 answer 400 bad-request; a "
		           "size beyond the log answers 404");
	else
		cf_fail(
		    r,
		    "%d of 3 out-of-range proof requests got the wrong answer",
		    bad);
}

static void t_sparse_copy(cf_ctx *x, const void *arg, cf_result *r)
{
	entry *es = NULL;
	size_t n = 0, found = 0;
	uint64_t start = UINT64_MAX;
	char why[300];

	(void)arg;
	if (!cf_need_target(x, r))
		return;
	if (x->n_deliv == 0) {
		/* Run alone: deliver one record first. */
		uint8_t *rec = NULL;
		size_t len = 0;
		char id[SP_UUID_LEN + 1];
		cf_recopt ro;
		cf_resp resp;

		memset(&ro, 0, sizeof(ro));
		ro.seq = cf_next_seq(x);
		if (cf_record(x, &ro, &rec, &len, why, sizeof(why)) != SP_OK) {
			cf_fail(r, "suite: %s", why);
			return;
		}
		cf_deliver(x, rec, len, &resp, r);
		if (resp.status == 201 && cf_record_id_of(rec, len, id) == 0)
			cf_remember(x, rec, len, id, ro.seq);
		cf_resp_free(&resp);
		free(rec);
		if (x->n_deliv == 0) {
			cf_fail(r, "a valid record of %s was not accepted",
			        x->as);
			return;
		}
	}
	for (size_t i = 0; i < x->n_deliv; i++)
		if (x->deliv[i].seq < start)
			start = x->deliv[i].seq;
	if (fetch_entries(x, x->as, start, &es, &n, why, sizeof(why), r) != 0) {
		cf_fail(r, "entries of %s at the target: %s", x->as, why);
		goto out;
	}
	for (size_t i = 0; i < x->n_deliv; i++)
		for (size_t j = 0; j < n; j++)
			if (es[j].seq == x->deliv[i].seq &&
			    es[j].len == x->deliv[i].len &&
			    memcmp(es[j].bytes, x->deliv[i].bytes, es[j].len) ==
			        0) {
				found++;
				break;
			}
	if (found == x->n_deliv)
		cf_pass(r,
		        "all %zu records of %s accepted in this run are "
		        "entries at their sequences, exact bytes",
		        found, x->as);
	else
		cf_fail(r,
		        "only %zu of the %zu records of %s accepted in this "
		        "run are entries with their exact bytes",
		        found, x->n_deliv, x->as);
out:
	for (size_t i = 0; i < n; i++)
		free(es[i].bytes);
	free(es);
}

/* ---------------------------------------------------------------- over time */

/* The log over time (ACC-16): a checkpoint of the target's log the auditor
 * saw earlier (--checkpoint, as --save-checkpoint wrote it) is proven a
 * prefix of the current one by a consistency proof. It needs no entry, so
 * an auditor that may read none of the log can still check it. */
static void t_over_time(cf_ctx *x, const void *arg, cf_result *r)
{
	FILE *f;
	char old[4096], path[200], why[300];
	const char *w = NULL;
	size_t n, text_len = 0, body_len = 0;
	sp_checkpoint oc;
	sp_proof *p = NULL;
	int rc;

	(void)arg;
	if (!need_verified(x, r))
		return;
	if (x->checkpoint_out != NULL) {
		if ((f = fopen(x->checkpoint_out, "wb")) == NULL ||
		    fwrite(L.note, 1, L.note_len, f) != L.note_len ||
		    fclose(f) != 0) {
			cf_fail(r, "suite: cannot write %s", x->checkpoint_out);
			return;
		}
		cf_evidence_add(r, "saved", 0, "", 0,
		                "the current checkpoint, for --checkpoint in a "
		                "later audit");
	}
	if (x->checkpoint_in == NULL) {
		cf_skip(r,
		        "no earlier checkpoint of the target's log given "
		        "(--checkpoint FILE, as "
		        "--save-checkpoint FILE wrote it in an earlier audit)");
		return;
	}
	if ((f = fopen(x->checkpoint_in, "rb")) == NULL) {
		cf_fail(r, "suite: cannot read %s", x->checkpoint_in);
		return;
	}
	n = fread(old, 1, sizeof(old), f);
	fclose(f);
	/* The earlier checkpoint counts only if the target's LogKey signed it
	 * for the same log. */
	if ((rc = sp_note_verify_either(L.vkey, L.next_vkey, old, n, &text_len,
	                                &w)) != SP_OK ||
	    (rc = sp_checkpoint_parse(old, n, &oc, &body_len, &w)) != SP_OK) {
		cf_fail(r,
		        "suite: the earlier checkpoint %s is not one of the "
		        "target's log: %s: %s",
		        x->checkpoint_in, sp_strerror(rc), w ? w : "");
		return;
	}
	if (strcmp(oc.origin, L.cp.origin) != 0) {
		cf_fail(
		    r, "suite: the earlier checkpoint is of the log %s, not %s",
		    oc.origin, L.cp.origin);
		return;
	}
	snprintf(why, sizeof(why), "earlier size %llu, now %llu",
	         (unsigned long long)oc.size, (unsigned long long)L.cp.size);
	cf_evidence_add(r, x->checkpoint_in, 0, "", 0, why);
	if (oc.size > L.cp.size) {
		cf_fail(r,
		        "the log shrank: an earlier checkpoint signed with its "
		        "LogKey has size %llu, the "
		        "current one %llu",
		        (unsigned long long)oc.size,
		        (unsigned long long)L.cp.size);
		return;
	}
	if (oc.size == L.cp.size || oc.size == 0) {
		if (oc.size != 0 && memcmp(oc.root, L.cp.root, 32) != 0)
			cf_fail(r,
			        "two checkpoints of size %llu signed with the "
			        "LogKey have different roots: "
			        "a fork",
			        (unsigned long long)oc.size);
		else
			cf_pass(r, "the earlier checkpoint of size %llu is %s",
			        (unsigned long long)oc.size,
			        oc.size == 0 ? "empty, a prefix of any log"
			                     : "the current one");
		return;
	}
	if ((p = malloc(sizeof(*p))) == NULL) {
		cf_fail(r, "out of memory");
		return;
	}
	snprintf(path, sizeof(path),
	         "/v1/logs/%s/proofs/consistency?old=%llu&size=%llu",
	         x->target_id, (unsigned long long)oc.size,
	         (unsigned long long)L.cp.size);
	if (get_proof(x, path, p, why, sizeof(why), r) != 0)
		cf_fail(r, "%s", why);
	else if (p->kind != SP_PROOF_CONSISTENCY || p->old_size != oc.size ||
	         p->size != L.cp.size ||
	         sp_merkle_verify_consistency(
	             oc.size, L.cp.size, oc.root, L.cp.root,
	             (const uint8_t(*)[32])p->hashes, p->n_hashes) != SP_OK)
		cf_fail(r,
		        "the consistency proof from the earlier checkpoint "
		        "(size %llu) to the current one "
		        "(size %llu) does not verify",
		        (unsigned long long)oc.size,
		        (unsigned long long)L.cp.size);
	else
		cf_pass(r,
		        "a consistency proof shows the earlier checkpoint of "
		        "size %llu a prefix of the current "
		        "one of size %llu",
		        (unsigned long long)oc.size,
		        (unsigned long long)L.cp.size);
	free(p);
}

/* [ACC-18]: another Origin's checkpoint and proofs are for members: an
 * anonymous caller gets 401 whether the target holds that log or not, a
 * member does not. The auditor's own log stands for the other Origin. */
static void t_foreign_members_only(cf_ctx *x, const void *arg, cf_result *r)
{
	char p[3][200], name[72];
	int bad = 0, member_bad = 0;

	(void)arg;
	if (!cf_need_target(x, r))
		return;
	snprintf(p[0], sizeof(p[0]), "/v1/logs/%s/checkpoint", x->as);
	snprintf(p[1], sizeof(p[1]),
	         "/v1/logs/%s/proofs/inclusion?index=0&size=1", x->as);
	snprintf(p[2], sizeof(p[2]),
	         "/v1/logs/%s/proofs/consistency?old=1&size=1", x->as);
	for (int i = 0; i < 3; i++) {
		cf_resp resp;

		cf_http(x, CF_AS_ANON, "GET", p[i], NULL, NULL, 0, &resp, r);
		cf_problem_name(&resp, name, sizeof(name));
		if (resp.status != 401 || strcmp(name, "unauthenticated") != 0)
			bad++;
		cf_resp_free(&resp);
		cf_http(x, CF_AS_MEMBER, "GET", p[i], NULL, NULL, 0, &resp, r);
		if (resp.status == 401 || resp.status == 403)
			member_bad++;
		cf_resp_free(&resp);
	}
	if (bad > 0)
		cf_fail(r,
		        "%d of 3 anonymous requests for %s's checkpoint and "
		        "proofs were not answered 401 unauthenticated",
		        bad, x->as);
	else if (member_bad > 0)
		cf_fail(r,
		        "%d of 3 requests of the member %s for its own log's "
		        "checkpoint and proofs were refused",
		        member_bad, x->as);
	else
		cf_pass(r,
		        "another Origin's (%s) checkpoint and proofs: 401 "
		        "unauthenticated without a client certificate, "
		        "served (or 404) to a member",
		        x->as);
}

static const cf_assertion list[] = {
    {"the checkpoint is served to members as text/plain, to anonymous "
     "callers without cosignatures or not at all",
     "API-36, API-37, ACC-19, ACC-20", CF_MUST, t_public, NULL, CF_READS},
    {"the checkpoint has the tlog-checkpoint form",
     "LOG-12, LOG-13, LOG-14, LOG-15", CF_MUST, t_format, NULL, CF_READS},
    {"the checkpoint's origin signature verifies with the LogKey",
     "LOG-16, LOG-17, LOG-8", CF_MUST, t_signature, NULL, CF_READS},
    {"served cosignatures by members' keys verify", "LOG-22, LOG-23, LOG-26",
     CF_MUST, t_cosignatures, NULL, CF_READS},
    {"entries are framed, ascending, verified records at their sequences",
     "LOG-33, LOG-34, LOG-35, LOG-36, API-31, API-33", CF_MUST, t_entries, NULL,
     CF_READS},
    {"inclusion proofs of the entries verify against the checkpoint",
     "LOG-28, LOG-30, LOG-32, API-38, API-41", CF_MUST, t_inclusion, NULL,
     CF_READS},
    {"the log is consistent with the root of the visible prefix",
     "LOG-2, LOG-29, LOG-32", CF_MUST, t_consistency, NULL, CF_READS},
    {"out-of-range proof requests answer 400 or 404", "API-38, API-39", CF_MUST,
     t_proof_params, NULL, CF_READS},
    {"the target keeps the auditor's records as a sparse log, exact bytes",
     "LOG-5, API-31, API-33, REC-24", CF_MUST, t_sparse_copy, NULL, CF_WRITES},
    {"the log is consistent over time with an earlier checkpoint",
     "ACC-16, LOG-2, LOG-29", CF_MUST, t_over_time, NULL, CF_READS},
    /* appended, so that the ids of the others stay as they were */
    {"another Origin's checkpoint and proofs are for members only",
     "ACC-18, ACC-9", CF_MUST, t_foreign_members_only, NULL, CF_READS},
};

const cf_assertion *cf_area_log(size_t *n)
{
	*n = sizeof(list) / sizeof(list[0]);
	return list;
}
