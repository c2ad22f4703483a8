/* cxml.c: the canonical reader: a document already in the exclusive
 * canonical form of SREP's small XML subset (SPEC 4.6) read in one pass,
 * without libxml2, into a light tree (sp_cx_*). See protocol/README.md. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "protocol_int.h"

/* Caps below libxml2's own (2.9 without XML_PARSE_HUGE: names of 50 000
 * bytes, nesting of 256, text of 10 MB): what libxml2 would refuse for its
 * own limits must never be accepted here. */
#define CX_MAX_NAME  1000u
#define CX_MAX_DEPTH 256u
#define CX_MAX_LEN   ((size_t)8 << 20)

/* The only namespace declarations canonical form writes in the subset: the
 * root's default namespace and ds on the outermost ds: element of a branch,
 * each as the first item of its start tag. */
static const char srep_decl[] = " xmlns=\"" SP_NS "\"";
static const char dsig_decl[] = " xmlns:ds=\"" SP_DSIG_NS "\"";

/* Byte classes. NAME1 / NAME: the ASCII names the subset allows. TEXT:
 * bytes that end a run of plain character data (markup, a reference, what
 * canonical form escapes, a control character, 0xEF which may start the
 * non-characters U+FFFE / U+FFFF). ATTR: the same for attribute values. */
enum { CX_NAME1 = 1, CX_NAME = 2, CX_TEXT = 4, CX_ATTR = 8 };

static const uint8_t cx_class[256] = {
    12, 12, 12, 12, 12, 12, 12, 12, 12, 8,  8,  12, 12, 12, 12, 12, /* 00 */
    12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, /* 10 */
    0,  0,  8,  0,  0,  0,  12, 0,  0,  0,  0,  0,  0,  2,  2,  0,  /* 20 */
    2,  2,  2,  2,  2,  2,  2,  2,  2,  2,  0,  0,  12, 0,  4,  0,  /* 30 */
    0,  3,  3,  3,  3,  3,  3,  3,  3,  3,  3,  3,  3,  3,  3,  3,  /* 40 */
    3,  3,  3,  3,  3,  3,  3,  3,  3,  3,  3,  0,  0,  0,  0,  3,  /* 50 */
    0,  3,  3,  3,  3,  3,  3,  3,  3,  3,  3,  3,  3,  3,  3,  3,  /* 60 */
    3,  3,  3,  3,  3,  3,  3,  3,  3,  3,  3,  0,  0,  0,  0,  0,  /* 70 */
    0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  /* 80 */
    0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  /* 90 */
    0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  /* a0 */
    0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  /* b0 */
    0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  /* c0 */
    0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  /* d0 */
    0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  12, /* e0 */
    0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  /* f0 */
};

/* An element: the public node first, so that a node pointer is one to
 * its cx_elem too. */
typedef struct cx_elem {
	sp_cx_node pub;
	struct cx_elem *up;   /* the parent (pub.parent, but writable) */
	struct cx_elem *last; /* the last element child read so far */
	size_t qlen;          /* bytes of the name as the tags write it */
	unsigned n_runs;      /* runs of character data directly inside */
	int in_dsig;          /* a ds: element, or one inside a ds: element */
} cx_elem;

/* One allocation holds this header, the elements, the attributes, a copy
 * of the input and room to join texts, each sized from the input. */
struct sp_cx_doc {
	const sp_cx_node *root;
};

/* The reader works on the copy c of the input (with a NUL after it, which
 * ends every scan): names, attribute values and text are decoded in place
 * (decoding only ever shortens) and a NUL replaces the delimiter after
 * each, so that the tree's strings need no copy of their own. */
typedef struct cx_reader {
	uint8_t *c;
	size_t len, pos;
	unsigned max_depth, depth;
	cx_elem *elems;
	size_t n_elems, cap_elems;
	sp_cx_attr *attrs;
	size_t n_attrs, cap_attrs;
	char *join; /* texts of several runs, joined */
	size_t n_join, cap_join;
} cx_reader;

static size_t count_byte(const uint8_t *b, size_t len, int c)
{
	size_t n = 0;
	const uint8_t *p = b, *end = b + len;

	while (p < end && (p = memchr(p, c, (size_t)(end - p))) != NULL) {
		n++;
		p++;
	}
	return n;
}

/* The length of the name at pos ([A-Za-z_][A-Za-z0-9._-]*), 0 if none or
 * longer than CX_MAX_NAME. Names starting with "xml" in any case are
 * reserved by XML and left to the full path. */
static size_t name_at(const cx_reader *r, size_t pos)
{
	const uint8_t *c = r->c;
	size_t i = pos;

	if (!(cx_class[c[i]] & CX_NAME1))
		return 0;
	while (cx_class[c[++i]] & CX_NAME)
		;
	if (i - pos > CX_MAX_NAME)
		return 0;
	if (i - pos >= 3 && (c[pos] | 0x20) == 'x' &&
	    (c[pos + 1] | 0x20) == 'm' && (c[pos + 2] | 0x20) == 'l')
		return 0;
	return i - pos;
}

static int starts(const cx_reader *r, size_t pos, const char *s, size_t n)
{
	return r->len - pos >= n && memcmp(r->c + pos, s, n) == 0;
}

/* The reference at pos (on '&') if canonical form writes it there, spelt
 * exactly as it does: its character, and *n its length; -1 otherwise. */
static int ref_at(const cx_reader *r, size_t pos, int in_attr, size_t *n)
{
	static const struct {
		const char *text;
		size_t len;
		char c;
		uint8_t where; /* 1 text, 2 attribute value */
	} refs[] = {
	    {"&amp;", 5, '&', 3},  {"&lt;", 4, '<', 3},   {"&gt;", 4, '>', 1},
	    {"&quot;", 6, '"', 2}, {"&#x9;", 5, '\t', 2}, {"&#xA;", 5, '\n', 2},
	    {"&#xD;", 5, '\r', 3},
	};
	uint8_t where = in_attr ? 2 : 1;

	for (size_t i = 0; i < sizeof(refs) / sizeof(refs[0]); i++) {
		if ((refs[i].where & where) &&
		    starts(r, pos, refs[i].text, refs[i].len)) {
			*n = refs[i].len;
			return (unsigned char)refs[i].c;
		}
	}
	return -1;
}

/* U+FFFE and U+FFFF (EF BF BE, EF BF BF) are not XML characters; the
 * input is valid UTF-8, so the two bytes after 0xEF exist. */
static int noncharacter_at(const cx_reader *r, size_t pos)
{
	return r->c[pos + 1] == 0xbf &&
	       (r->c[pos + 2] == 0xbe || r->c[pos + 2] == 0xbf);
}

/* Decode character data (up to '<') or an attribute value (up to '"') in
 * place from i, which is on the first byte of the class bit that is not
 * plain: a reference, from which on bytes move down, or a byte that ends
 * it. NUL-ended; pos is left on the delimiter. */
static int decode_chars(cx_reader *r, int in_attr, size_t i, const char **out,
                        size_t *outlen)
{
	uint8_t *c = r->c;
	uint8_t bit = in_attr ? CX_ATTR : CX_TEXT;
	uint8_t stop = in_attr ? '"' : '<';
	size_t o = i;

	for (;;) {
		size_t s = i, n;
		int ch;

		while (!(cx_class[c[i]] & bit))
			i++;
		if (o != s)
			memmove(c + o, c + s, i - s);
		o += i - s;
		if (i >= r->len)
			return SP_CX_OTHER; /* unterminated */
		if (c[i] == stop)
			break;
		if (c[i] == '&') {
			if ((ch = ref_at(r, i, in_attr, &n)) < 0)
				return SP_CX_OTHER;
			c[o++] = (uint8_t)ch;
			i += n;
		} else if (c[i] == 0xef && !noncharacter_at(r, i)) {
			c[o++] = c[i++];
		} else {
			return SP_CX_OTHER; /* raw <, >, ", CR, TAB, LF, ... */
		}
	}
	c[o] = '\0';
	*out = (const char *)c + r->pos;
	*outlen = o - r->pos;
	r->pos = i;
	return SP_OK;
}

/* The same, fast for what nearly all runs are: plain bytes up to the
 * delimiter. Inlined into its two callers with in_attr a constant. The
 * scan needs no bound: the NUL after the copy ends it. */
static inline __attribute__((always_inline)) int
read_chars(cx_reader *r, int in_attr, const char **out, size_t *outlen)
{
	const uint8_t *c = r->c;
	uint8_t bit = in_attr ? CX_ATTR : CX_TEXT;
	size_t i = r->pos;

	for (;; i += 4) {
		if (cx_class[c[i]] & bit)
			break;
		if (cx_class[c[i + 1]] & bit) {
			i += 1;
			break;
		}
		if (cx_class[c[i + 2]] & bit) {
			i += 2;
			break;
		}
		if (cx_class[c[i + 3]] & bit) {
			i += 3;
			break;
		}
	}
	if (c[i] != (in_attr ? '"' : '<') || i >= r->len)
		return decode_chars(r, in_attr, i, out, outlen);
	r->c[i] = '\0';
	*out = (const char *)c + r->pos;
	*outlen = i - r->pos;
	r->pos = i;
	return SP_OK;
}

/* One attribute after the namespace declaration: ` name="value"`, its name
 * strictly after the previous one's (canonical order, no duplicates). */
static int read_attr(cx_reader *r, const sp_cx_attr *prev)
{
	size_t n = name_at(r, r->pos);
	sp_cx_attr *a;

	if (n == 0 || !starts(r, r->pos + n, "=\"", 2) ||
	    r->n_attrs >= r->cap_attrs)
		return SP_CX_OTHER;
	a = &r->attrs[r->n_attrs];
	a->name = (const char *)r->c + r->pos;
	r->c[r->pos + n] = '\0'; /* the '=' */
	if (prev != NULL && strcmp(prev->name, a->name) >= 0)
		return SP_CX_OTHER;
	r->pos += n + 2;
	if (read_chars(r, 1, &a->value, &a->value_len) != SP_OK)
		return SP_CX_OTHER;
	r->pos++; /* the closing quote */
	r->n_attrs++;
	return SP_OK;
}

static void append_child(cx_elem *parent, cx_elem *e)
{
	e->up = parent;
	e->pub.parent = &parent->pub;
	if (parent->last != NULL)
		parent->last->pub.next = &e->pub;
	else
		parent->pub.first = &e->pub;
	parent->last = e;
}

static cx_elem *new_elem(cx_reader *r, size_t start)
{
	cx_elem *e;

	if (r->n_elems >= r->cap_elems || ++r->depth > r->max_depth)
		return NULL;
	e = &r->elems[r->n_elems++];
	e->pub.parent = e->pub.first = e->pub.next = NULL;
	e->pub.attrs = NULL;
	e->pub.n_attrs = 0;
	e->pub.text = "";
	e->pub.text_len = 0;
	e->pub.start = start;
	e->up = e->last = NULL;
	e->n_runs = 0;
	return e;
}

/* A start tag at pos (on '<'): the element, linked under parent (NULL for
 * the root), and its namespace declaration and attributes checked. */
static int read_start_tag(cx_reader *r, cx_elem *parent, cx_elem **out)
{
	size_t n, p = r->pos + 1, name_end;
	const char *decl = NULL;
	size_t decl_len = 0;
	cx_elem *e = new_elem(r, r->pos);

	if (e == NULL || (n = name_at(r, p)) == 0)
		return SP_CX_OTHER;
	e->pub.ns = SP_CX_NS_SREP;
	e->in_dsig = 0;
	if (r->c[p + n] == ':') {
		if (n != 2 || memcmp(r->c + p, "ds", 2) != 0)
			return SP_CX_OTHER;
		p += 3;
		if ((n = name_at(r, p)) == 0)
			return SP_CX_OTHER;
		e->pub.ns = SP_CX_NS_DSIG;
		e->in_dsig = 1;
	}
	e->pub.name = (const char *)r->c + p;
	name_end = p + n;
	e->qlen = name_end - (r->pos + 1);
	r->pos = name_end;
	if (parent == NULL) {
		if (e->pub.ns != SP_CX_NS_SREP)
			return SP_CX_OTHER;
		decl = srep_decl;
		decl_len = sizeof(srep_decl) - 1;
	} else {
		append_child(parent, e);
		if (e->in_dsig && !parent->in_dsig) {
			decl = dsig_decl;
			decl_len = sizeof(dsig_decl) - 1;
		}
		e->in_dsig |= parent->in_dsig;
	}
	if (decl != NULL) {
		if (!starts(r, r->pos, decl, decl_len))
			return SP_CX_OTHER;
		r->pos += decl_len;
	}
	if (r->c[r->pos] == ' ') {
		e->pub.attrs = r->attrs + r->n_attrs;
		do {
			r->pos++;
			if (read_attr(r, e->pub.n_attrs > 0
			                     ? &r->attrs[r->n_attrs - 1]
			                     : NULL) != SP_OK)
				return SP_CX_OTHER;
			e->pub.n_attrs++;
		} while (r->c[r->pos] == ' ');
	}
	if (r->pos >= r->len || r->c[r->pos] != '>')
		return SP_CX_OTHER; /* "/>", white space, a quote, ... */
	r->c[name_end] = '\0';      /* all that follows the name is read */
	r->pos++;
	e->pub.inner_start = r->pos;
	*out = e;
	return SP_OK;
}

/* The end tag of e at pos (on "</"): exactly its name, then '>'. The name
 * in the start tag is intact: the NUL went after it. */
static int read_end_tag(cx_reader *r, cx_elem *e)
{
	size_t p = r->pos + 2;

	if (r->len - p < e->qlen + 1 ||
	    memcmp(r->c + p, r->c + e->pub.start + 1, e->qlen) != 0 ||
	    r->c[p + e->qlen] != '>')
		return SP_CX_OTHER;
	e->pub.inner_end = r->pos;
	r->pos = p + e->qlen + 1;
	e->pub.end = r->pos;
	r->depth--;
	return SP_OK;
}

static int read_text(cx_reader *r, cx_elem *e)
{
	const char *s;
	size_t n;

	if (read_chars(r, 0, &s, &n) != SP_OK)
		return SP_CX_OTHER;
	if (e->n_runs++ == 0) {
		e->pub.text = s;
		e->pub.text_len = n;
	}
	return SP_OK;
}

/* The whole document: exactly one element, nothing before or after it. */
static int read_document(cx_reader *r)
{
	cx_elem *cur = NULL;

	if (r->c[0] != '<' || read_start_tag(r, NULL, &cur) != SP_OK)
		return SP_CX_OTHER;
	while (cur != NULL) {
		if (r->pos >= r->len)
			return SP_CX_OTHER; /* unclosed */
		if (r->c[r->pos] != '<' && read_text(r, cur) != SP_OK)
			return SP_CX_OTHER;
		/* on a '<', or on the NUL that now ends the text before it */
		if (r->c[r->pos + 1] == '/') {
			if (read_end_tag(r, cur) != SP_OK)
				return SP_CX_OTHER;
			cur = cur->up;
		} else if (read_start_tag(r, cur, &cur) != SP_OK) {
			return SP_CX_OTHER; /* also <!-- -->, <![CDATA[, <? */
		}
	}
	return r->pos == r->len ? SP_OK : SP_CX_OTHER;
}

/* An element with text on both sides of a child (white space between
 * children, mostly) gets its runs joined: each run was decoded in place at
 * the start of its gap between children and ends in a NUL there. */
static void join_runs(cx_reader *r, cx_elem *e)
{
	char *s = r->join + r->n_join;
	size_t at = e->pub.inner_start, n = 0;
	const sp_cx_node *k = e->pub.first;

	for (;;) {
		size_t gap_end = k != NULL ? k->start : e->pub.inner_end;

		if (gap_end > at) {
			size_t run = strlen((const char *)r->c + at);

			memcpy(s + n, r->c + at, run);
			n += run;
		}
		if (k == NULL)
			break;
		at = k->end;
		k = k->next;
	}
	s[n] = '\0';
	e->pub.text = s;
	e->pub.text_len = n;
	r->n_join += n + 1;
}

static size_t align_up(size_t n)
{
	return (n + 15) & ~(size_t)15;
}

/* Size the arena from the input: an element takes at least 7 bytes
 * ("<a></a>"), an attribute two '"'; the joined texts are at most the
 * input and a NUL each. */
static void *arena_new(cx_reader *r, const uint8_t *buf, size_t max_elements)
{
	size_t off_elems, off_attrs, off_copy, off_join, total;
	uint8_t *mem;

	r->cap_elems = r->len / 7 < max_elements ? r->len / 7 : max_elements;
	r->cap_attrs = count_byte(buf, r->len, '"') / 2;
	r->cap_join = r->len + r->cap_elems + 1;
	off_elems = align_up(sizeof(struct sp_cx_doc));
	off_attrs = off_elems + align_up(r->cap_elems * sizeof(cx_elem));
	off_copy = off_attrs + align_up(r->cap_attrs * sizeof(sp_cx_attr));
	off_join = off_copy + r->len + 1;
	total = off_join + r->cap_join;
	mem = malloc(total);
	if (mem == NULL)
		return NULL;
	r->elems = (cx_elem *)(void *)(mem + off_elems);
	r->attrs = (sp_cx_attr *)(void *)(mem + off_attrs);
	memcpy(mem + off_copy, buf, r->len);
	r->c = mem + off_copy;
	r->c[r->len] = '\0';
	r->join = (char *)(mem + off_join);
	return mem;
}

int sp_cx_read(const uint8_t *buf, size_t len, const sp_limits *limp,
               sp_cx_doc **out)
{
	sp_limits lim;
	cx_reader r;
	sp_cx_doc *d;

	if (out == NULL)
		return SP_ERR_INVALID_ARGUMENT;
	*out = NULL;
	if (limp != NULL)
		lim = *limp;
	else
		sp_limits_default(&lim);
	/* The caps keep every size computation below far from overflow. */
	if (buf == NULL || len == 0 || len > lim.max_bytes || len > CX_MAX_LEN)
		return SP_CX_OTHER;
	if (!sp_proto__utf8_valid(buf, len))
		return SP_CX_OTHER;
	memset(&r, 0, sizeof(r));
	r.len = len;
	r.max_depth =
	    lim.max_depth < CX_MAX_DEPTH ? lim.max_depth : CX_MAX_DEPTH;
	d = arena_new(&r, buf, lim.max_elements);
	if (d == NULL)
		return SP_ERR_NOMEM;
	if (read_document(&r) != SP_OK) {
		free(d);
		return SP_CX_OTHER;
	}
	for (size_t i = 0; i < r.n_elems; i++)
		if (r.elems[i].n_runs > 1)
			join_runs(&r, &r.elems[i]);
	d->root = &r.elems[0].pub;
	*out = d;
	return SP_OK;
}

const sp_cx_node *sp_cx_root(const sp_cx_doc *d)
{
	return d != NULL ? d->root : NULL;
}

void sp_cx_free(sp_cx_doc *d)
{
	free(d);
}
