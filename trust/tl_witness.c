/* tl_witness.c: trust lists appended to a witnessed log (SPEC 7.3, [TL-81]
 * to [TL-84]): the note text that names one list, the witnesses'
 * cosignatures of it, and the count a node needs before it installs a
 * newer list. */
#include "trust.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void set_why(const char **why, const char *w)
{
	if (why != NULL)
		*why = w;
}

size_t sp_tl_note_text(const sp_trust *t, char *buf, size_t cap)
{
	const sp_tl *tl;
	int n;

	if (t == NULL || buf == NULL || cap == 0)
		return 0;
	tl = sp_trust_list(t);
	n = snprintf(buf, cap, "%s\n%s\n%" PRIu64 "\n%s\n", SP_TL_NOTE_HEADER,
	             tl->federation, tl->sequence, sp_trust_list_digest(t));
	if (n < 0 || (size_t)n >= cap) {
		buf[0] = '\0';
		return 0;
	}
	return (size_t)n;
}

/* FederationId (at most SP_NODE_ID_MAX) + Sequence (at most 20 digits) +
 * digest + the header: well within this. */
#define NOTE_TEXT_CAP 256

int sp_tl_cosign(const sp_note_signer *s, const sp_trust *t, int64_t timestamp,
                 char **line_out, const char **why)
{
	char text[NOTE_TEXT_CAP];
	size_t len = sp_tl_note_text(t, text, sizeof(text));

	if (line_out != NULL)
		*line_out = NULL;
	if (len == 0) {
		set_why(why, "no list to cosign");
		return SP_ERR_INVALID_ARGUMENT;
	}
	return sp_note_cosign_text(s, text, len, timestamp, line_out, why);
}

int sp_tl_note_sigs(const sp_trust *t, const char *note, size_t len,
                    const char **sigs, size_t *sigs_len, const char **why)
{
	char text[NOTE_TEXT_CAP];
	size_t tl = sp_tl_note_text(t, text, sizeof(text));

	*sigs = NULL;
	*sigs_len = 0;
	set_why(why, NULL);
	if (note == NULL || tl == 0)
		return SP_ERR_INVALID_ARGUMENT;
	if (len > SP_NOTE_MAX_BYTES) {
		set_why(why, "note too large");
		return SP_ERR_TOO_LARGE;
	}
	if (len < sizeof(SP_TL_NOTE_HEADER) ||
	    memcmp(note, SP_TL_NOTE_HEADER "\n", sizeof(SP_TL_NOTE_HEADER)) !=
	        0) {
		set_why(why, "not a " SP_TL_NOTE_HEADER " note");
		return SP_ERR_CHECKPOINT_INVALID;
	}
	/* the text names one list exactly: any other text is about another
	 * list (or malformed), and a witness line over it counts for nothing
	 */
	if (len < tl || memcmp(note, text, tl) != 0) {
		set_why(why, "the note names another list");
		return SP_ERR_FIELD;
	}
	if (len < tl + 2 || note[tl] != '\n' || note[tl + 1] == '\n') {
		set_why(why, "the note's text is not followed by one blank "
		             "line and signature lines");
		return SP_ERR_CHECKPOINT_INVALID;
	}
	*sigs = note + tl + 1;
	*sigs_len = len - tl - 1;
	return SP_OK;
}

/* The first line of sigs that is a valid cosignature by cosigner key vkey
 * of text, not later than latest_s: malloc'd, or NULL. One line at a time,
 * so that a bad line of one witness cannot hide a good one. */
static char *cosigner_line(const char *vkey, const char *text, size_t tl,
                           const char *sigs, size_t sigs_len, int64_t latest_s)
{
	size_t off = 0;

	while (off < sigs_len) {
		const char *line = sigs + off, *why = NULL;
		const char *nl = memchr(line, '\n', sigs_len - off);
		size_t ll = nl ? (size_t)(nl - line) + 1 : sigs_len - off;
		int64_t when = 0;

		off += ll;
		if (nl == NULL)
			break;
		if (sp_note_verify_cosignature_text(vkey, text, tl, line, ll,
		                                    &when, &why) == SP_OK &&
		    when <= latest_s)
			return strndup(line, ll);
	}
	return NULL;
}

unsigned sp_tl_cosigners(const sp_trust *held, const sp_trust *t,
                         const char *sigs, size_t sigs_len, int64_t latest_s,
                         char **lines)
{
	const sp_tl *h;
	char text[NOTE_TEXT_CAP];
	size_t tl, i, k;
	unsigned n = 0;

	if (held == NULL)
		return 0;
	h = sp_trust_list(held);
	for (i = 0; lines != NULL && i < h->n_witnesses; i++)
		lines[i] = NULL;
	tl = sp_tl_note_text(t, text, sizeof(text));
	if (tl == 0 || sigs == NULL || sigs_len == 0)
		return 0;
	for (i = 0; i < h->n_witnesses; i++) {
		const sp_tl_member *w = sp_tl_find(h, h->witnesses[i]);
		const char *keys[2];
		char *line = NULL;

		/* a witness that is not active vouches for nothing */
		if (w == NULL || w->log_key == NULL ||
		    w->status != SP_STATUS_ACTIVE)
			continue;
		keys[0] = w->log_key;
		keys[1] = w->next_log_key; /* either key (LOG-47) */
		for (k = 0; k < 2 && line == NULL; k++) {
			const char *why = NULL;
			char *vkey;

			if (keys[k] == NULL || (vkey = sp_note_cosigner_vkey_of(
			                            keys[k], &why)) == NULL)
				continue;
			line = cosigner_line(vkey, text, tl, sigs, sigs_len,
			                     latest_s);
			free(vkey);
		}
		if (line == NULL)
			continue;
		n++;
		if (lines != NULL)
			lines[i] = line;
		else
			free(line);
	}
	return n;
}

int sp_tl_witnessed(const sp_trust *held, const sp_trust *t, const char *sigs,
                    size_t sigs_len, int64_t latest_s, unsigned *count,
                    const char **why)
{
	const sp_tl *h, *nt;
	unsigned c;

	set_why(why, NULL);
	if (count != NULL)
		*count = 0;
	if (held == NULL || t == NULL)
		return SP_OK; /* a first list, from the node's own files */
	h = sp_trust_list(held);
	nt = sp_trust_list(t);
	if (h->quorum == 0 || nt->sequence <= h->sequence ||
	    strcmp(h->federation, nt->federation) != 0)
		return SP_OK;
	c = sp_tl_cosigners(held, t, sigs, sigs_len, latest_s, NULL);
	if (count != NULL)
		*count = c;
	if (c < h->quorum) {
		set_why(why, "fewer cosignatures than the quorum of the "
		             "witnesses of the list held");
		return SP_ERR_LIST_NOT_WITNESSED;
	}
	return SP_OK;
}
