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

/* A run of character data directly in an element, decoded, NUL-ended. */
typedef struct cx_run {
	const char *text;
	size_t len;
	struct cx_run *next;
} cx_run;

/* An element: the public node first, so that a node pointer is one to
 * its cx_elem too. */
typedef struct cx_elem {
	sp_cx_node pub;
	struct cx_elem *up;     /* the parent (pub.parent, writable) */
	struct cx_elem *last;   /* last element child, to append the next */
	size_t qlen;            /* bytes of the name as written in the tags */
	int in_dsig;            /* a ds: element, or one is an ancestor */
	cx_run *runs, *run_end; /* the text runs, in document order */
	size_t n_runs, run_bytes;
} cx_elem;

/* One allocation: this header, then the elements, attributes, runs and
 * characters, each sized from the input so that no bound can be passed. */
struct sp_cx_doc {
	const sp_cx_node *root;
};

typedef struct cx_reader {
	const uint8_t *b;
	size_t len, pos;
	unsigned max_depth, depth;
	cx_elem *elems;
	size_t n_elems, cap_elems;
	sp_cx_attr *attrs;
	size_t n_attrs, cap_attrs;
	cx_run *runs;
	size_t n_runs, cap_runs;
	char *chars;
	size_t n_chars, cap_chars;
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
	const uint8_t *b = r->b;
	size_t i = pos;

	if (i >= r->len || !(cx_class[b[i]] & CX_NAME1))
		return 0;
	while (++i < r->len && (cx_class[b[i]] & CX_NAME))
		;
	if (i - pos > CX_MAX_NAME)
		return 0;
	if (i - pos >= 3 && (b[pos] | 0x20) == 'x' &&
	    (b[pos + 1] | 0x20) == 'm' && (b[pos + 2] | 0x20) == 'l')
		return 0;
	return i - pos;
}

static int starts(const cx_reader *r, size_t pos, const char *s, size_t n)
{
	return r->len - pos >= n && memcmp(r->b + pos, s, n) == 0;
}

static char *copy_name(cx_reader *r, size_t pos, size_t n)
{
	char *s = r->chars + r->n_chars;

	memcpy(s, r->b + pos, n);
	s[n] = '\0';
	r->n_chars += n + 1;
	return s;
}

/* The reference at pos (on '&') if canonical form writes it there, spelt
 * exactly as it does: its character, and *n its length; -1 otherwise. */
static int ref_at(const cx_reader *r, size_t pos, int in_attr, size_t *n)
{
	static const struct {
		const char *text;
		char c;
		uint8_t where; /* 1 text, 2 attribute value */
	} refs[] = {
	    {"&amp;", '&', 3},  {"&lt;", '<', 3},   {"&gt;", '>', 1},
	    {"&quot;", '"', 2}, {"&#x9;", '\t', 2}, {"&#xA;", '\n', 2},
	    {"&#xD;", '\r', 3},
	};
	uint8_t where = in_attr ? 2 : 1;

	for (size_t i = 0; i < sizeof(refs) / sizeof(refs[0]); i++) {
		size_t k = strlen(refs[i].text);

		if ((refs[i].where & where) &&
		    starts(r, pos, refs[i].text, k)) {
			*n = k;
			return (unsigned char)refs[i].c;
		}
	}
	return -1;
}

/* U+FFFE and U+FFFF (EF BF BE, EF BF BF) are not XML characters; the
 * input is valid UTF-8, so the two bytes after 0xEF exist. */
static int noncharacter_at(const cx_reader *r, size_t pos)
{
	return r->b[pos + 1] == 0xbf &&
	       (r->b[pos + 2] == 0xbe || r->b[pos + 2] == 0xbf);
}

/* Decode character data or an attribute value from pos up to the byte
 * `stop` ('<' or '"') into the character arena, NUL-ended. The class bit
 * says which bytes need a look; everything else is copied as is. */
static int read_chars(cx_reader *r, int in_attr, const char **out,
                      size_t *outlen)
{
	const uint8_t *b = r->b;
	uint8_t bit = in_attr ? CX_ATTR : CX_TEXT;
	uint8_t stop = in_attr ? '"' : '<';
	size_t i = r->pos;
	char *start = r->chars + r->n_chars, *o = start;

	/* decoded text is never longer than its bytes (defensive) */
	if (r->cap_chars - r->n_chars < r->len - i + 1)
		return SP_CX_OTHER;
	for (;;) {
		size_t s = i, n;
		int c;

		while (i < r->len && !(cx_class[b[i]] & bit))
			i++;
		memcpy(o, b + s, i - s);
		o += i - s;
		if (i >= r->len)
			return SP_CX_OTHER; /* unterminated */
		if (b[i] == stop)
			break;
		if (b[i] == '&') {
			if ((c = ref_at(r, i, in_attr, &n)) < 0)
				return SP_CX_OTHER;
			*o++ = (char)c;
			i += n;
		} else if (b[i] == 0xef && !noncharacter_at(r, i)) {
			*o++ = (char)b[i++];
		} else {
			return SP_CX_OTHER; /* raw <, >, ", CR, TAB, LF, ... */
		}
	}
	*o = '\0';
	*out = start;
	*outlen = (size_t)(o - start);
	r->n_chars += (size_t)(o - start) + 1;
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
	a->name = copy_name(r, r->pos, n);
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

/* A start tag at pos (on '<'): the element, linked under parent (NULL for
 * the root), and its namespace declaration and attributes checked. */
static int read_start_tag(cx_reader *r, cx_elem *parent, cx_elem **out)
{
	size_t start = r->pos, n, p = start + 1;
	const char *decl = NULL;
	cx_elem *e;

	if (r->n_elems >= r->cap_elems || ++r->depth > r->max_depth)
		return SP_CX_OTHER;
	e = &r->elems[r->n_elems++];
	memset(e, 0, sizeof(*e));
	e->pub.start = start;
	n = name_at(r, p);
	if (n == 0)
		return SP_CX_OTHER;
	if (p + n < r->len && r->b[p + n] == ':') {
		if (n != 2 || memcmp(r->b + p, "ds", 2) != 0)
			return SP_CX_OTHER;
		p += 3;
		if ((n = name_at(r, p)) == 0)
			return SP_CX_OTHER;
		e->pub.ns = SP_CX_NS_DSIG;
		e->in_dsig = 1;
	} else {
		e->pub.ns = SP_CX_NS_SREP;
	}
	e->pub.name = copy_name(r, p, n);
	e->qlen = p + n - (start + 1);
	r->pos = p + n;
	if (parent == NULL) {
		if (e->pub.ns != SP_CX_NS_SREP)
			return SP_CX_OTHER;
		decl = srep_decl;
	} else {
		append_child(parent, e);
		if (e->in_dsig && !parent->in_dsig)
			decl = dsig_decl;
		e->in_dsig |= parent->in_dsig;
	}
	if (decl != NULL) {
		size_t k = strlen(decl);

		if (!starts(r, r->pos, decl, k))
			return SP_CX_OTHER;
		r->pos += k;
	}
	e->pub.attrs = r->attrs + r->n_attrs;
	while (r->pos < r->len && r->b[r->pos] == ' ') {
		r->pos++;
		if (read_attr(r, e->pub.n_attrs > 0 ? &r->attrs[r->n_attrs - 1]
		                                    : NULL) != SP_OK)
			return SP_CX_OTHER;
		e->pub.n_attrs++;
	}
	if (e->pub.n_attrs == 0)
		e->pub.attrs = NULL;
	if (r->pos >= r->len || r->b[r->pos] != '>')
		return SP_CX_OTHER; /* "/>", white space, a quote, ... */
	r->pos++;
	e->pub.inner_start = r->pos;
	*out = e;
	return SP_OK;
}

/* The end tag of e at pos (on "</"): exactly its name, then '>'. */
static int read_end_tag(cx_reader *r, cx_elem *e)
{
	size_t p = r->pos + 2;

	if (r->len - p < e->qlen + 1 ||
	    memcmp(r->b + p, r->b + e->pub.start + 1, e->qlen) != 0 ||
	    r->b[p + e->qlen] != '>')
		return SP_CX_OTHER;
	e->pub.inner_end = r->pos;
	r->pos = p + e->qlen + 1;
	e->pub.end = r->pos;
	r->depth--;
	return SP_OK;
}

static int read_text(cx_reader *r, cx_elem *e)
{
	cx_run *run;

	if (r->n_runs >= r->cap_runs)
		return SP_CX_OTHER;
	run = &r->runs[r->n_runs++];
	run->next = NULL;
	if (read_chars(r, 0, &run->text, &run->len) != SP_OK)
		return SP_CX_OTHER;
	if (e->run_end != NULL)
		e->run_end->next = run;
	else
		e->runs = run;
	e->run_end = run;
	e->n_runs++;
	e->run_bytes += run->len;
	return SP_OK;
}

/* The whole document: exactly one element, nothing before or after it. */
static int read_document(cx_reader *r)
{
	cx_elem *cur = NULL;

	if (r->len < 1 || r->b[0] != '<')
		return SP_CX_OTHER;
	if (read_start_tag(r, NULL, &cur) != SP_OK)
		return SP_CX_OTHER;
	while (cur != NULL) {
		if (r->pos >= r->len)
			return SP_CX_OTHER; /* unclosed */
		if (r->b[r->pos] != '<') {
			if (read_text(r, cur) != SP_OK)
				return SP_CX_OTHER;
		} else if (r->len - r->pos >= 2 && r->b[r->pos + 1] == '/') {
			if (read_end_tag(r, cur) != SP_OK)
				return SP_CX_OTHER;
			cur = cur->up;
		} else if (read_start_tag(r, cur, &cur) != SP_OK) {
			return SP_CX_OTHER; /* also <!-- -->, <![CDATA[, <? */
		}
	}
	return r->pos == r->len ? SP_OK : SP_CX_OTHER;
}

/* Give each element its text: one run is used in place, several are joined
 * into the character arena (white space between children, mostly). */
static void join_text(cx_reader *r)
{
	for (size_t i = 0; i < r->n_elems; i++) {
		cx_elem *e = &r->elems[i];
		char *s;

		if (e->n_runs == 0) {
			e->pub.text = "";
			continue;
		}
		e->pub.text_len = e->run_bytes;
		if (e->n_runs == 1) {
			e->pub.text = e->runs->text;
			continue;
		}
		s = r->chars + r->n_chars;
		for (cx_run *run = e->runs; run != NULL; run = run->next) {
			memcpy(s, run->text, run->len);
			s += run->len;
		}
		*s = '\0';
		e->pub.text = r->chars + r->n_chars;
		r->n_chars += e->run_bytes + 1;
	}
}

static size_t align_up(size_t n)
{
	return (n + 15) & ~(size_t)15;
}

/* Size the arena from the input: an element takes two '<', an attribute
 * two '"', a text run ends at a '<'; decoded strings are never longer than
 * their bytes, and all text joined again is at most the input. */
static void *arena_new(cx_reader *r, size_t max_elements)
{
	size_t lt = count_byte(r->b, r->len, '<');
	size_t off_elems, off_attrs, off_runs, off_chars, total;
	uint8_t *mem;

	r->cap_elems = lt / 2 < max_elements ? lt / 2 : max_elements;
	r->cap_attrs = count_byte(r->b, r->len, '"') / 2;
	r->cap_runs = lt;
	r->cap_chars =
	    2 * r->len + 2 * r->cap_elems + 2 * r->cap_attrs + r->cap_runs + 1;
	off_elems = align_up(sizeof(struct sp_cx_doc));
	off_attrs = off_elems + align_up(r->cap_elems * sizeof(cx_elem));
	off_runs = off_attrs + align_up(r->cap_attrs * sizeof(sp_cx_attr));
	off_chars = off_runs + align_up(r->cap_runs * sizeof(cx_run));
	total = off_chars + r->cap_chars;
	mem = malloc(total);
	if (mem == NULL)
		return NULL;
	r->elems = (cx_elem *)(void *)(mem + off_elems);
	r->attrs = (sp_cx_attr *)(void *)(mem + off_attrs);
	r->runs = (cx_run *)(void *)(mem + off_runs);
	r->chars = (char *)(mem + off_chars);
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
	r.b = buf;
	r.len = len;
	r.max_depth =
	    lim.max_depth < CX_MAX_DEPTH ? lim.max_depth : CX_MAX_DEPTH;
	d = arena_new(&r, lim.max_elements);
	if (d == NULL)
		return SP_ERR_NOMEM;
	if (read_document(&r) != SP_OK) {
		free(d);
		return SP_CX_OTHER;
	}
	join_text(&r);
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
