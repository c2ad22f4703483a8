/* checkpoint.c: log texts: base64, checkpoints, cosigned message, proofs. */
#include "protocol.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- base64 */

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t sp_b64_encode(const uint8_t *in, size_t len, char *out, size_t cap)
{
	size_t need, i, o = 0;

	if (out == NULL || (in == NULL && len > 0) || len > (SIZE_MAX / 4) - 3)
		return 0;
	need = ((len + 2) / 3) * 4 + 1;
	if (cap < need)
		return 0;
	for (i = 0; i + 3 <= len; i += 3) {
		uint32_t v = ((uint32_t)in[i] << 16) |
		             ((uint32_t)in[i + 1] << 8) | in[i + 2];
		out[o++] = b64_alphabet[(v >> 18) & 63];
		out[o++] = b64_alphabet[(v >> 12) & 63];
		out[o++] = b64_alphabet[(v >> 6) & 63];
		out[o++] = b64_alphabet[v & 63];
	}
	if (len - i == 1) {
		uint32_t v = (uint32_t)in[i] << 16;
		out[o++] = b64_alphabet[(v >> 18) & 63];
		out[o++] = b64_alphabet[(v >> 12) & 63];
		out[o++] = '=';
		out[o++] = '=';
	} else if (len - i == 2) {
		uint32_t v =
		    ((uint32_t)in[i] << 16) | ((uint32_t)in[i + 1] << 8);
		out[o++] = b64_alphabet[(v >> 18) & 63];
		out[o++] = b64_alphabet[(v >> 12) & 63];
		out[o++] = b64_alphabet[(v >> 6) & 63];
		out[o++] = '=';
	}
	out[o] = '\0';
	return o;
}

static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int sp_b64_decode(const char *in, size_t len, uint8_t *out, size_t cap,
                  size_t *outlen)
{
	size_t i, o = 0, pad = 0, total;

	if (outlen != NULL)
		*outlen = 0;
	if (outlen == NULL || (in == NULL && len > 0) ||
	    (out == NULL && cap > 0))
		return SP_ERR_INVALID_ARGUMENT;
	if (len % 4 != 0)
		return SP_ERR_FIELD;
	if (len >= 1 && in[len - 1] == '=')
		pad++;
	if (len >= 2 && in[len - 2] == '=')
		pad++;
	total = len / 4 * 3 - pad;
	if (total > cap)
		return SP_ERR_TOO_LARGE;
	for (i = 0; i < len; i += 4) {
		int v[4], k, last = (i + 4 == len);
		uint32_t w;

		for (k = 0; k < 4; k++) {
			if (last && in[i + (size_t)k] == '=' &&
			    (size_t)k >= 4 - pad) {
				v[k] = 0;
				continue;
			}
			v[k] = b64_value(in[i + (size_t)k]);
			if (v[k] < 0)
				return SP_ERR_FIELD;
		}
		w = ((uint32_t)v[0] << 18) | ((uint32_t)v[1] << 12) |
		    ((uint32_t)v[2] << 6) | (uint32_t)v[3];
		if (last && pad == 2) {
			if ((w & 0xffff) !=
			    0) /* non-zero pad bits: not canonical */
				return SP_ERR_FIELD;
			out[o++] = (uint8_t)(w >> 16);
		} else if (last && pad == 1) {
			if ((w & 0xff) != 0)
				return SP_ERR_FIELD;
			out[o++] = (uint8_t)(w >> 16);
			out[o++] = (uint8_t)(w >> 8);
		} else {
			out[o++] = (uint8_t)(w >> 16);
			out[o++] = (uint8_t)(w >> 8);
			out[o++] = (uint8_t)w;
		}
	}
	*outlen = o;
	return SP_OK;
}

/* ---------------------------------------------------------------- lines */

/* A cursor over text whose every line must end in "\n". */
typedef struct line_reader {
	const char *p;
	size_t len;
	size_t pos;
} line_reader;

/* Next line (without its "\n"). Returns 1 with the line in *line and
 * *llen, 0 at the end, -1 if the remaining text does not end in "\n". */
static int next_line(line_reader *lr, const char **line, size_t *llen)
{
	const char *nl;

	if (lr->pos >= lr->len)
		return 0;
	nl = memchr(lr->p + lr->pos, '\n', lr->len - lr->pos);
	if (nl == NULL)
		return -1;
	*line = lr->p + lr->pos;
	*llen = (size_t)(nl - *line);
	lr->pos += *llen + 1;
	return 1;
}

/* No control characters (NUL, CR, TAB, DEL, ...) inside a line. */
static int line_clean(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f)
			return 0;
	}
	return 1;
}

/* Decimal without sign or leading zeros, within uint64_t. */
static int parse_u64(const char *s, size_t len, uint64_t *out)
{
	return sp_parse_u64(s, len, UINT64_MAX, out) == SP_OK;
}

/* "<keyword> <decimal>" */
static int parse_keyword_u64(const char *line, size_t len, const char *kw,
                             uint64_t *out)
{
	size_t kl = strlen(kw);

	if (len <= kl + 1 || memcmp(line, kw, kl) != 0 || line[kl] != ' ')
		return 0;
	return parse_u64(line + kl + 1, len - kl - 1, out);
}

static int parse_hash_line(const char *line, size_t len, uint8_t out[32])
{
	size_t n = 0;

	if (len != 44)
		return 0;
	if (sp_b64_decode(line, len, out, 32, &n) != SP_OK || n != 32)
		return 0;
	return 1;
}

/* ---------------------------------------------------------------- origin */

int sp_checkpoint_origin(const char *federation, const char *node_id,
                         char out[SP_CHECKPOINT_ORIGIN_MAX])
{
	int n;

	if (out == NULL)
		return SP_ERR_INVALID_ARGUMENT;
	out[0] = '\0';
	if (!sp_federation_id_valid(federation) || !sp_node_id_valid(node_id))
		return SP_ERR_FIELD;
	n = snprintf(out, SP_CHECKPOINT_ORIGIN_MAX, "silkport/%s/%s",
	             federation, node_id);
	if (n < 0 || n >= SP_CHECKPOINT_ORIGIN_MAX) {
		out[0] = '\0';
		return SP_ERR_FIELD;
	}
	return SP_OK;
}

/* ---------------------------------------------------------------- checkpoint
 */

int sp_checkpoint_format(const sp_checkpoint *cp, char **out, size_t *outlen)
{
	char root[48];
	size_t olen, cap;
	char *buf;
	int n;

	if (out != NULL)
		*out = NULL;
	if (outlen != NULL)
		*outlen = 0;
	if (cp == NULL || out == NULL)
		return SP_ERR_INVALID_ARGUMENT;
	olen = strnlen(cp->origin, SP_CHECKPOINT_ORIGIN_MAX);
	if (olen == 0 || olen >= SP_CHECKPOINT_ORIGIN_MAX ||
	    !line_clean(cp->origin, olen))
		return SP_ERR_FIELD;
	if (sp_b64_encode(cp->root, 32, root, sizeof(root)) != 44)
		return SP_ERR_INTERNAL;
	cap = olen + 1 + 21 + 44 + 2;
	buf = malloc(cap);
	if (buf == NULL)
		return SP_ERR_NOMEM;
	n = snprintf(buf, cap, "%s\n%" PRIu64 "\n%s\n", cp->origin, cp->size,
	             root);
	if (n < 0 || (size_t)n >= cap) {
		free(buf);
		return SP_ERR_INTERNAL;
	}
	*out = buf;
	if (outlen != NULL)
		*outlen = (size_t)n;
	return SP_OK;
}

int sp_checkpoint_parse(const char *text, size_t len, sp_checkpoint *out,
                        size_t *body_len, const char **why)
{
	line_reader lr;
	const char *line = NULL, *w = NULL;
	size_t llen = 0, n_ext = 0, end;
	sp_checkpoint cp;
	int r;

	if (body_len != NULL)
		*body_len = 0;
	if (why != NULL)
		*why = NULL;
	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (text == NULL || out == NULL) {
		if (why != NULL)
			*why = "no checkpoint";
		return SP_ERR_INVALID_ARGUMENT;
	}
	if (len > SP_CHECKPOINT_MAX_NOTE) {
		if (why != NULL)
			*why = "checkpoint note too large";
		return SP_ERR_TOO_LARGE;
	}
	memset(&cp, 0, sizeof(cp));
	lr.p = text;
	lr.len = len;
	lr.pos = 0;

	/* origin */
	r = next_line(&lr, &line, &llen);
	if (r != 1) {
		w = "checkpoint has no origin line";
		goto fail;
	}
	if (llen == 0) {
		w = "checkpoint origin is empty";
		goto fail;
	}
	if (llen >= SP_CHECKPOINT_ORIGIN_MAX) {
		w = "checkpoint origin too long";
		goto fail;
	}
	if (!line_clean(line, llen)) {
		w = "checkpoint origin has control characters";
		goto fail;
	}
	memcpy(cp.origin, line, llen);
	cp.origin[llen] = '\0';

	/* tree size */
	r = next_line(&lr, &line, &llen);
	if (r != 1) {
		w = "checkpoint has no size line";
		goto fail;
	}
	if (!parse_u64(line, llen, &cp.size)) {
		w = "checkpoint size is not a canonical decimal";
		goto fail;
	}

	/* root hash */
	r = next_line(&lr, &line, &llen);
	if (r != 1) {
		w = "checkpoint has no root hash line";
		goto fail;
	}
	if (!parse_hash_line(line, llen, cp.root)) {
		w = "checkpoint root is not base64 of 32 bytes";
		goto fail;
	}

	/* extension lines, up to the blank line or the end */
	end = lr.pos;
	for (;;) {
		r = next_line(&lr, &line, &llen);
		if (r == 0)
			break;
		if (r < 0) {
			w = "checkpoint text does not end in a newline";
			goto fail;
		}
		if (llen == 0)
			break; /* the blank line before the signatures */
		if (++n_ext > SP_CHECKPOINT_MAX_EXTENSIONS) {
			w = "too many checkpoint extension lines";
			goto fail;
		}
		if (!line_clean(line, llen)) {
			w = "checkpoint extension line has control characters";
			goto fail;
		}
		end = lr.pos;
	}
	*out = cp;
	if (body_len != NULL)
		*body_len = end;
	return SP_OK;
fail:
	if (why != NULL)
		*why = w;
	return SP_ERR_CHECKPOINT_INVALID;
}

int sp_checkpoint_cosigned_message(const char *body, size_t body_len,
                                   int64_t timestamp, char **out,
                                   size_t *outlen)
{
	char head[64];
	char *buf;
	int n;

	if (out != NULL)
		*out = NULL;
	if (outlen != NULL)
		*outlen = 0;
	if (body == NULL || out == NULL || outlen == NULL || timestamp < 0 ||
	    body_len > SP_CHECKPOINT_MAX_NOTE)
		return SP_ERR_INVALID_ARGUMENT;
	n = snprintf(head, sizeof(head), "cosignature/v1\ntime %" PRId64 "\n",
	             timestamp);
	if (n < 0 || (size_t)n >= sizeof(head))
		return SP_ERR_INTERNAL;
	buf = malloc((size_t)n + body_len + 1);
	if (buf == NULL)
		return SP_ERR_NOMEM;
	memcpy(buf, head, (size_t)n);
	memcpy(buf + n, body, body_len);
	buf[(size_t)n + body_len] = '\0';
	*out = buf;
	*outlen = (size_t)n + body_len;
	return SP_OK;
}

/* ---------------------------------------------------------------- proofs */

#define PROOF_HDR_INCLUSION   "silkport-proof/v1 inclusion"
#define PROOF_HDR_CONSISTENCY "silkport-proof/v1 consistency"

int sp_proof_format(const sp_proof *p, char **out, size_t *outlen)
{
	char *buf;
	size_t cap, pos, i;
	int n;

	if (out != NULL)
		*out = NULL;
	if (outlen != NULL)
		*outlen = 0;
	if (p == NULL || out == NULL || p->n_hashes > SP_MERKLE_MAX_PATH)
		return SP_ERR_INVALID_ARGUMENT;
	if (p->kind == SP_PROOF_INCLUSION) {
		if (p->index >= p->size)
			return SP_ERR_INVALID_ARGUMENT;
	} else if (p->kind == SP_PROOF_CONSISTENCY) {
		if (p->old_size > p->size)
			return SP_ERR_INVALID_ARGUMENT;
	} else {
		return SP_ERR_INVALID_ARGUMENT;
	}
	cap = 128 + p->n_hashes * 45 + 1;
	buf = malloc(cap);
	if (buf == NULL)
		return SP_ERR_NOMEM;
	if (p->kind == SP_PROOF_INCLUSION)
		n = snprintf(buf, cap,
		             PROOF_HDR_INCLUSION "\nsize %" PRIu64
		                                 "\nindex %" PRIu64 "\n",
		             p->size, p->index);
	else
		n = snprintf(buf, cap,
		             PROOF_HDR_CONSISTENCY "\nold %" PRIu64
		                                   "\nsize %" PRIu64 "\n",
		             p->old_size, p->size);
	if (n < 0 || (size_t)n >= cap) {
		free(buf);
		return SP_ERR_INTERNAL;
	}
	pos = (size_t)n;
	for (i = 0; i < p->n_hashes; i++) {
		size_t k = cap - pos < 46 ? 0
		                          : sp_b64_encode(p->hashes[i], 32,
		                                          buf + pos, cap - pos);
		if (k != 44) {
			free(buf);
			return SP_ERR_INTERNAL;
		}
		pos += k;
		buf[pos++] = '\n';
		buf[pos] = '\0';
	}
	*out = buf;
	if (outlen != NULL)
		*outlen = pos;
	return SP_OK;
}

int sp_proof_parse(const char *buf, size_t len, sp_proof *out, const char **why)
{
	line_reader lr;
	const char *line = NULL, *w = NULL;
	size_t llen = 0;
	uint64_t a = 0, b = 0;
	int r;

	if (why != NULL)
		*why = NULL;
	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (buf == NULL || out == NULL) {
		if (why != NULL)
			*why = "no proof";
		return SP_ERR_INVALID_ARGUMENT;
	}
	if (len > SP_PROOF_MAX_TEXT) {
		if (why != NULL)
			*why = "proof too large";
		return SP_ERR_TOO_LARGE;
	}
	lr.p = buf;
	lr.len = len;
	lr.pos = 0;

	if (next_line(&lr, &line, &llen) != 1) {
		w = "proof has no header line";
		goto fail;
	}
	if (llen == strlen(PROOF_HDR_INCLUSION) &&
	    memcmp(line, PROOF_HDR_INCLUSION, llen) == 0) {
		out->kind = SP_PROOF_INCLUSION;
	} else if (llen == strlen(PROOF_HDR_CONSISTENCY) &&
	           memcmp(line, PROOF_HDR_CONSISTENCY, llen) == 0) {
		out->kind = SP_PROOF_CONSISTENCY;
	} else {
		w = "unknown proof header";
		goto fail;
	}

	if (next_line(&lr, &line, &llen) != 1 ||
	    !parse_keyword_u64(line, llen,
	                       out->kind == SP_PROOF_INCLUSION ? "size" : "old",
	                       &a)) {
		w = out->kind == SP_PROOF_INCLUSION
		        ? "proof needs \"size N\" on line 2"
		        : "proof needs \"old M\" on line 2";
		goto fail;
	}
	if (next_line(&lr, &line, &llen) != 1 ||
	    !parse_keyword_u64(
	        line, llen, out->kind == SP_PROOF_INCLUSION ? "index" : "size",
	        &b)) {
		w = out->kind == SP_PROOF_INCLUSION
		        ? "proof needs \"index I\" on line 3"
		        : "proof needs \"size N\" on line 3";
		goto fail;
	}
	if (out->kind == SP_PROOF_INCLUSION) {
		out->size = a;
		out->index = b;
		if (b >= a) {
			w = "proof index is not below the tree size";
			goto fail;
		}
	} else {
		out->old_size = a;
		out->size = b;
		if (a > b) {
			w = "proof old size is above the tree size";
			goto fail;
		}
	}

	for (;;) {
		r = next_line(&lr, &line, &llen);
		if (r == 0)
			break;
		if (r < 0) {
			w = "proof does not end in a newline";
			goto fail;
		}
		if (out->n_hashes >= SP_MERKLE_MAX_PATH) {
			w = "too many hashes in proof";
			goto fail;
		}
		if (!parse_hash_line(line, llen, out->hashes[out->n_hashes])) {
			w = "proof hash line is not base64 of 32 bytes";
			goto fail;
		}
		out->n_hashes++;
	}
	return SP_OK;
fail:
	memset(out, 0, sizeof(*out));
	if (why != NULL)
		*why = w;
	return SP_ERR_PROOF_INVALID;
}

/* ---------------------------------------------------------------- index notes
 */

/* An origin line as a key name: non-empty, short, no space or control. */
static int origin_line_ok(const char *s, size_t len)
{
	return len > 0 && len < SP_CHECKPOINT_ORIGIN_MAX &&
	       line_clean(s, len) && memchr(s, ' ', len) == NULL;
}

int sp_index_note_format(const sp_index_note *in, char **out, size_t *outlen)
{
	size_t i, cap, pos;
	char *buf;
	int w;

	if (out != NULL)
		*out = NULL;
	if (outlen != NULL)
		*outlen = 0;
	if (in == NULL || out == NULL || (in->n > 0 && in->seqs == NULL))
		return SP_ERR_INVALID_ARGUMENT;
	if (!origin_line_ok(in->origin,
	                    strnlen(in->origin, SP_CHECKPOINT_ORIGIN_MAX)) ||
	    !sp_node_id_valid(in->recipient) || in->start > in->end ||
	    in->n > SP_INDEX_NOTE_MAX_SEQS)
		return SP_ERR_FIELD;
	for (i = 0; i < in->n; i++)
		if (in->seqs[i] < in->start || in->seqs[i] >= in->end ||
		    (i > 0 && in->seqs[i] <= in->seqs[i - 1]))
			return SP_ERR_FIELD;
	/* four header lines, then at most 20 digits and a line feed each */
	cap = sizeof(SP_INDEX_NOTE_HEADER) + SP_CHECKPOINT_ORIGIN_MAX +
	      SP_NODE_ID_MAX + 64 + in->n * 21;
	if ((buf = malloc(cap)) == NULL)
		return SP_ERR_NOMEM;
	w = snprintf(buf, cap,
	             "%s\n%s\nrecipient %s\nrange %" PRIu64 " %" PRIu64 "\n",
	             SP_INDEX_NOTE_HEADER, in->origin, in->recipient, in->start,
	             in->end);
	for (pos = (size_t)w, i = 0; w > 0 && i < in->n; i++, pos += (size_t)w)
		w = snprintf(buf + pos, cap - pos, "%" PRIu64 "\n",
		             in->seqs[i]);
	if (w <= 0 || pos >= cap) {
		free(buf);
		return SP_ERR_INTERNAL;
	}
	*out = buf;
	if (outlen != NULL)
		*outlen = pos;
	return SP_OK;
}

void sp_index_note_free(sp_index_note *n)
{
	if (n == NULL)
		return;
	free(n->seqs);
	n->seqs = NULL;
	n->n = 0;
}

/* "range <start> <end>" with start <= end. */
static int parse_range(const char *line, size_t len, uint64_t *start,
                       uint64_t *end)
{
	const char *sp;

	if (len <= 6 || memcmp(line, "range ", 6) != 0)
		return 0;
	line += 6;
	len -= 6;
	if ((sp = memchr(line, ' ', len)) == NULL)
		return 0;
	return parse_u64(line, (size_t)(sp - line), start) &&
	       parse_u64(sp + 1, len - (size_t)(sp - line) - 1, end) &&
	       *start <= *end;
}

/* The four header lines of an index note into *n. NULL or why. */
static const char *index_head(line_reader *lr, sp_index_note *n)
{
	const char *line = NULL;
	size_t llen = 0;
	static const char rcp[] = "recipient ";

	if (next_line(lr, &line, &llen) != 1 ||
	    llen != strlen(SP_INDEX_NOTE_HEADER) ||
	    memcmp(line, SP_INDEX_NOTE_HEADER, llen) != 0)
		return "the first line is not " SP_INDEX_NOTE_HEADER;
	if (next_line(lr, &line, &llen) != 1 || !origin_line_ok(line, llen))
		return "the origin line is missing, empty, too long or has a "
		       "space or control character";
	memcpy(n->origin, line, llen);
	n->origin[llen] = '\0';
	if (next_line(lr, &line, &llen) != 1 || llen <= sizeof(rcp) - 1 ||
	    llen - (sizeof(rcp) - 1) > SP_NODE_ID_MAX ||
	    memcmp(line, rcp, sizeof(rcp) - 1) != 0)
		return "the third line is not \"recipient <NodeId>\"";
	memcpy(n->recipient, line + sizeof(rcp) - 1, llen - (sizeof(rcp) - 1));
	n->recipient[llen - (sizeof(rcp) - 1)] = '\0';
	if (!sp_node_id_valid(n->recipient))
		return "the recipient is not a NodeId";
	if (next_line(lr, &line, &llen) != 1 ||
	    !parse_range(line, llen, &n->start, &n->end))
		return "the fourth line is not \"range <start> <end>\" with "
		       "start <= end";
	return NULL;
}

int sp_index_note_parse(const char *text, size_t len, sp_index_note *out,
                        size_t *body_len, const char **why)
{
	line_reader lr = {text, len, 0};
	const char *line = NULL, *w;
	size_t llen = 0, end;
	uint64_t s;
	int r;

	if (body_len != NULL)
		*body_len = 0;
	if (why != NULL)
		*why = NULL;
	if (out == NULL || text == NULL)
		return SP_ERR_INVALID_ARGUMENT;
	memset(out, 0, sizeof(*out));
	if (len > SP_CHECKPOINT_MAX_NOTE) {
		if (why != NULL)
			*why = "index note too large";
		return SP_ERR_TOO_LARGE;
	}
	if ((w = index_head(&lr, out)) != NULL)
		goto fail;
	for (end = lr.pos;; end = lr.pos) {
		w = "the text does not end in a line feed";
		if ((r = next_line(&lr, &line, &llen)) < 0)
			goto fail;
		if (r == 0 || llen == 0)
			break; /* the end, or the blank line before signatures
			        */
		w = "a Sequence line is not a canonical decimal";
		if (!parse_u64(line, llen, &s))
			goto fail;
		w = "a Sequence lies outside the note's range";
		if (s < out->start || s >= out->end)
			goto fail;
		w = "Sequences are not in ascending order";
		if (out->n > 0 && s <= out->seqs[out->n - 1])
			goto fail;
		w = "more Sequences than one note may list";
		if (out->n == SP_INDEX_NOTE_MAX_SEQS)
			goto fail;
		if (out->seqs == NULL &&
		    (out->seqs = malloc(SP_INDEX_NOTE_MAX_SEQS *
		                        sizeof(*out->seqs))) == NULL) {
			sp_index_note_free(out);
			return SP_ERR_NOMEM;
		}
		out->seqs[out->n++] = s;
	}
	if (body_len != NULL)
		*body_len = end;
	return SP_OK;
fail:
	sp_index_note_free(out);
	if (why != NULL)
		*why = w;
	return SP_ERR_INDEX_INVALID;
}
