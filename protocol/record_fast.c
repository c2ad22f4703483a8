/* record_fast.c: a Record from the canonical reading (sp_cx_*), checked
 * against record.xsd compiled into small tables, then read through the same
 * value rules as sp_record_read() (record.c).
 *
 * The fast path only ever accepts. Whatever it does not model, or is unsure
 * of, answers SP_CX_OTHER, and the caller then decides with sp_doc_parse()
 * and sp_record_read(), which also name the fault. The schema is not copied
 * by hand: sp_protocol_init() reads the embedded record.xsd with libxml2 and
 * compiles the subset of XSD it uses (string restrictions with pattern,
 * enumeration and length facets; sequences and choices of local elements;
 * simple content with attributes; the empty type; xs:unique on a child's
 * value; the trailing xs:any for the signature). A construct outside that
 * subset marks its type unmodeled, and a pattern is only understood when
 * its exact text is in the table below: so an edit of the XSD can make the
 * fast path decline, never make it accept what the XSD refuses. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "protocol_int.h"

#define XSD_NS          "http://www.w3.org/2001/XMLSchema"
#define FS_MAX_PATTERNS 4

/* ---------------------------------------------------------------- patterns
 *
 * Each checker decides exactly the XSD regular expression next to it in
 * the table (anchored at both ends, as XSD patterns are). In XSD, \s is
 * [ \t\n\r], `.` any character but \n and \r, and [^\s] any character but
 * those four. A checker may be stricter than its pattern, never looser. */

typedef int (*fs_pattern_fn)(const char *v, size_t len);

/* c in a class written as in a regex: "A-Za-z0-9._-" (a '-' last is
 * literal). Classes here are ASCII: a byte >= 0x80 is never in one. */
static int in_class(const char *cls, unsigned char c)
{
	for (size_t i = 0; cls[i] != '\0'; i++) {
		if (cls[i + 1] == '-' && cls[i + 2] != '\0') {
			if (c >= (unsigned char)cls[i] &&
			    c <= (unsigned char)cls[i + 2])
				return 1;
			i += 2;
		} else if (c == (unsigned char)cls[i]) {
			return 1;
		}
	}
	return 0;
}

/* first[rest]{lo,hi} */
static int lead_rest(const char *v, size_t len, const char *first,
                     const char *rest, size_t lo, size_t hi)
{
	if (len == 0 || !in_class(first, (unsigned char)v[0]) || len - 1 < lo ||
	    len - 1 > hi)
		return 0;
	for (size_t i = 1; i < len; i++)
		if (!in_class(rest, (unsigned char)v[i]))
			return 0;
	return 1;
}

/* [cls]{lo,hi} */
static int all_in(const char *v, size_t len, const char *cls, size_t lo,
                  size_t hi)
{
	if (len < lo || len > hi)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!in_class(cls, (unsigned char)v[i]))
			return 0;
	return 1;
}

static int is_xsd_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* [A-Z0-9][A-Za-z0-9._\-]{0,63} */
static int pat_node_id(const char *v, size_t len)
{
	return lead_rest(v, len, "A-Z0-9", "A-Za-z0-9._-", 0, 63);
}

/* A template: 'x' [0-9a-f], 'y' [89ab], 'd' [0-9], anything else itself. */
static int templ(const char *v, size_t len, const char *t)
{
	if (len != strlen(t))
		return 0;
	for (size_t i = 0; i < len; i++) {
		int ok;

		switch (t[i]) {
		case 'x':
			ok = in_class("0-9a-f", (unsigned char)v[i]);
			break;
		case 'y':
			ok = in_class("89ab", (unsigned char)v[i]);
			break;
		case 'd':
			ok = in_class("0-9", (unsigned char)v[i]);
			break;
		default:
			ok = v[i] == t[i];
		}
		if (!ok)
			return 0;
	}
	return 1;
}

/* [0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12} */
static int pat_uuid(const char *v, size_t len)
{
	return templ(v, len, "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx");
}

/* [0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T
 * ([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]Z */
static int pat_time(const char *v, size_t len)
{
	int mo, dd, hh;

	if (!templ(v, len, "dddd-dd-ddTdd:dd:ddZ"))
		return 0;
	mo = (v[5] - '0') * 10 + (v[6] - '0');
	dd = (v[8] - '0') * 10 + (v[9] - '0');
	hh = (v[11] - '0') * 10 + (v[12] - '0');
	return mo >= 1 && mo <= 12 && dd >= 1 && dd <= 31 && hh <= 23 &&
	       v[14] <= '5' && v[17] <= '5';
}

/* 0|[1-9][0-9]{0,max_more} */
static int unsigned_int(const char *v, size_t len, size_t max_more)
{
	if (len == 1 && v[0] == '0')
		return 1;
	return lead_rest(v, len, "1-9", "0-9", 0, max_more);
}

/* 0|[1-9][0-9]{0,18} */
static int pat_sequence(const char *v, size_t len)
{
	return unsigned_int(v, len, 18);
}

/* 0|[1-9][0-9]{0,17} */
static int pat_count(const char *v, size_t len)
{
	return unsigned_int(v, len, 17);
}

/* [0-9a-f]{64} */
static int pat_digest(const char *v, size_t len)
{
	return all_in(v, len, "0-9a-f", 64, 64);
}

/* [^\s](.*[^\s])? : no \n or \r anywhere (`.` and [^\s] both exclude
 * them), and neither end a space or tab. */
static int pat_line(const char *v, size_t len)
{
	if (len == 0 || is_xsd_space(v[0]) || is_xsd_space(v[len - 1]))
		return 0;
	return memchr(v, '\n', len) == NULL && memchr(v, '\r', len) == NULL;
}

/* [^\s]([\s\S]*[^\s])? */
static int pat_text(const char *v, size_t len)
{
	return len > 0 && !is_xsd_space(v[0]) && !is_xsd_space(v[len - 1]);
}

/* [A-Za-z0-9][A-Za-z0-9._\-]{0,31} */
static int pat_scheme(const char *v, size_t len)
{
	return lead_rest(v, len, "A-Za-z0-9", "A-Za-z0-9._-", 0, 31);
}

/* [A-Z]{3} */
static int pat_currency(const char *v, size_t len)
{
	return all_in(v, len, "A-Z", 3, 3);
}

/* (0|[1-9][0-9]{0,17})(\.[0-9]{1,6})? */
static int pat_decimal(const char *v, size_t len)
{
	const char *dot = memchr(v, '.', len);
	size_t ilen = dot != NULL ? (size_t)(dot - v) : len;

	if (!unsigned_int(v, ilen, 17))
		return 0;
	return dot == NULL || all_in(dot + 1, len - ilen - 1, "0-9", 1, 6);
}

/* -?(0|[1-9][0-9]{0,17})(\.[0-9]{1,6})? */
static int pat_signed_decimal(const char *v, size_t len)
{
	if (len > 0 && v[0] == '-')
		return pat_decimal(v + 1, len - 1);
	return pat_decimal(v, len);
}

/* [0-9]{4,10} */
static int pat_hs_code(const char *v, size_t len)
{
	return all_in(v, len, "0-9", 4, 10);
}

/* [0-9]{4} */
static int pat_four_digits(const char *v, size_t len)
{
	return all_in(v, len, "0-9", 4, 4);
}

/* [A-Za-z0-9][A-Za-z0-9._:\-]{0,63} */
static int pat_indicator(const char *v, size_t len)
{
	return lead_rest(v, len, "A-Za-z0-9", "A-Za-z0-9._:-", 0, 63);
}

/* [A-Za-z0-9][A-Za-z0-9!#$&\^_.+\-]{0,126} twice, joined by '/' (which
 * neither class holds, so the first '/' is the separator). */
static int pat_media_type(const char *v, size_t len)
{
	static const char rest[] = "A-Za-z0-9!#$&^_.+-";
	const char *slash = memchr(v, '/', len);
	size_t a;

	if (slash == NULL)
		return 0;
	a = (size_t)(slash - v);
	return lead_rest(v, a, "A-Za-z0-9", rest, 0, 126) &&
	       lead_rest(slash + 1, len - a - 1, "A-Za-z0-9", rest, 0, 126);
}

/* [A-Za-z0-9][A-Za-z0-9._:/+\-]{0,63} */
static int pat_profile(const char *v, size_t len)
{
	return lead_rest(v, len, "A-Za-z0-9", "A-Za-z0-9._:/+-", 0, 63);
}

/* [A-Za-z0-9+/=\s]* */
static int pat_base64(const char *v, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!is_xsd_space(v[i]) &&
		    !in_class("A-Za-z0-9+/=", (unsigned char)v[i]))
			return 0;
	return 1;
}

/* The exact pattern texts (as the XSD's attribute value, entities
 * decoded) this file has a checker for. */
static const struct {
	const char *text;
	fs_pattern_fn fn;
} pattern_table[] = {
    {"[A-Z0-9][A-Za-z0-9._\\-]{0,63}", pat_node_id},
    {"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}",
     pat_uuid},
    {"[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):"
     "[0-5][0-9]:[0-5][0-9]Z",
     pat_time},
    {"0|[1-9][0-9]{0,18}", pat_sequence},
    {"0|[1-9][0-9]{0,17}", pat_count},
    {"[0-9a-f]{64}", pat_digest},
    {"[^\\s](.*[^\\s])?", pat_line},
    {"[^\\s]([\\s\\S]*[^\\s])?", pat_text},
    {"[A-Za-z0-9][A-Za-z0-9._\\-]{0,31}", pat_scheme},
    {"[A-Z]{3}", pat_currency},
    {"(0|[1-9][0-9]{0,17})(\\.[0-9]{1,6})?", pat_decimal},
    {"-?(0|[1-9][0-9]{0,17})(\\.[0-9]{1,6})?", pat_signed_decimal},
    {"[0-9]{4,10}", pat_hs_code},
    {"[0-9]{4}", pat_four_digits},
    {"[A-Za-z0-9][A-Za-z0-9._:\\-]{0,63}", pat_indicator},
    {"[A-Za-z0-9][A-Za-z0-9!#$&\\^_.+\\-]{0,126}/"
     "[A-Za-z0-9][A-Za-z0-9!#$&\\^_.+\\-]{0,126}",
     pat_media_type},
    {"[A-Za-z0-9][A-Za-z0-9._:/+\\-]{0,63}", pat_profile},
    {"[A-Za-z0-9+/=\\s]*", pat_base64},
};

static fs_pattern_fn pattern_find(const char *text)
{
	for (size_t i = 0; i < sizeof(pattern_table) / sizeof(pattern_table[0]);
	     i++)
		if (strcmp(pattern_table[i].text, text) == 0)
			return pattern_table[i].fn;
	return NULL;
}

/* ---------------------------------------------------------------- tables */

typedef enum fs_content {
	FS_UNMODELED = 0, /* the zero value: a type is unmodeled until built */
	FS_EMPTY,         /* no text, no children */
	FS_SIMPLE, /* a string value (a simple type, or simple content) */
	FS_ELEMS,  /* element-only content */
	FS_OPEN,   /* mixed, any element, any attribute, all skipped */
} fs_content;

typedef enum fs_pkind {
	FS_P_ELEM,
	FS_P_SEQ,
	FS_P_CHOICE,
	FS_P_ANY_DSIG, /* xs:any namespace=XML-DSig processContents=skip */
} fs_pkind;

typedef struct fs_type fs_type;

typedef struct fs_facets {
	fs_pattern_fn pats[FS_MAX_PATTERNS]; /* any one must match */
	size_t n_pats;
	const char **enums; /* if any, the value must be one */
	size_t n_enums;
	long min_len, max_len; /* in characters; -1: none */
} fs_facets;

typedef struct fs_attr {
	const char *name;
	const fs_type *type; /* FS_SIMPLE, or unmodeled */
	int required;
	const char *fixed; /* NULL: none */
} fs_attr;

typedef struct fs_particle {
	fs_pkind kind;
	unsigned min, max;
	const char *name;    /* FS_P_ELEM */
	const fs_type *type; /* FS_P_ELEM */
	const char *unique;  /* FS_P_ELEM: children of this name distinct */
	struct fs_particle **kids; /* FS_P_SEQ, FS_P_CHOICE */
	size_t n_kids;
} fs_particle;

struct fs_type {
	const char *name; /* NULL: anonymous */
	fs_content content;
	fs_facets facets; /* FS_SIMPLE */
	fs_attr *attrs;
	size_t n_attrs;
	const fs_particle *model; /* FS_ELEMS */
	xmlNodePtr def;           /* while compiling */
	int state;                /* 0 not built, 1 building, 2 built */
};

typedef struct fs_global {
	const char *name;
	const fs_type *type;
} fs_global;

/* Everything of a schema is allocated in one chain of blocks. */
typedef struct fs_block {
	struct fs_block *next;
	max_align_t data[];
} fs_block;

struct sp_fs_schema {
	fs_block *blocks;
	fs_type **types; /* named, global */
	size_t n_types;
	fs_global *globals;
	size_t n_globals;
	const char *tns;
};

static const fs_type fs_string = {.name = "string",
                                  .content = FS_SIMPLE,
                                  .facets = {.min_len = -1, .max_len = -1}};
static const fs_type fs_unmodeled = {.name = "unmodeled",
                                     .content = FS_UNMODELED};

/* ---------------------------------------------------------------- compile */

typedef struct fs_compiler {
	sp_fs_schema *s;
	xmlDocPtr doc;
	int nomem;
} fs_compiler;

static void *fs_alloc(fs_compiler *c, size_t size)
{
	fs_block *b = calloc(1, sizeof(*b) + size);

	if (b == NULL) {
		c->nomem = 1;
		return NULL;
	}
	b->next = c->s->blocks;
	c->s->blocks = b;
	return b->data;
}

static const char *fs_strdup(fs_compiler *c, const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = fs_alloc(c, n);

	if (p != NULL)
		memcpy(p, s, n);
	return p;
}

/* Grow an array held in the arena by one element (copying: the arena
 * never frees, which is fine for a schema compiled once). */
static void *fs_push(fs_compiler *c, void *arr, size_t n, size_t size)
{
	void *p = fs_alloc(c, (n + 1) * size);

	if (p != NULL && n > 0)
		memcpy(p, arr, n * size);
	return p;
}

static int is_xsd(xmlNodePtr n, const char *name)
{
	return n != NULL && n->type == XML_ELEMENT_NODE && n->ns != NULL &&
	       xmlStrEqual(n->ns->href, SP_XC(XSD_NS)) &&
	       (name == NULL || xmlStrEqual(n->name, SP_XC(name)));
}

/* The next XSD child from n on, skipping text, comments, annotations. */
static xmlNodePtr next_decl(xmlNodePtr n)
{
	for (; n != NULL; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (is_xsd(n, "annotation"))
			continue;
		return n;
	}
	return NULL;
}

static xmlNodePtr first_decl(xmlNodePtr parent)
{
	return next_decl(parent->children);
}

/* The attribute's value copied into buf, or NULL when absent. A value
 * longer than buf reads as "": every use of "" is then stricter than the
 * real value or not modeled at all, never looser. */
static const char *attr(xmlNodePtr n, const char *name, char *buf, size_t cap)
{
	xmlChar *v = xmlGetNoNsProp(n, SP_XC(name));
	size_t len;

	if (v == NULL)
		return NULL;
	len = strlen((const char *)v);
	if (len >= cap) {
		xmlFree(v);
		buf[0] = '\0';
		return buf;
	}
	memcpy(buf, v, len + 1);
	xmlFree(v);
	return buf;
}

/* 1 if n has only attributes from the NULL-terminated list `allowed`. */
static int only_attrs(xmlNodePtr n, const char *const *allowed)
{
	for (xmlAttrPtr a = n->properties; a != NULL; a = a->next) {
		size_t i;

		if (a->ns != NULL)
			return 0;
		for (i = 0; allowed[i] != NULL; i++)
			if (xmlStrEqual(a->name, SP_XC(allowed[i])))
				break;
		if (allowed[i] == NULL)
			return 0;
	}
	return 1;
}

/* A non-negative count, "unbounded" (when allowed) as UINT_MAX; -1 bad. */
static long parse_count(const char *v, int unbounded_ok)
{
	uint64_t u;

	if (unbounded_ok && strcmp(v, "unbounded") == 0)
		return UINT_MAX;
	if (sp_proto__parse_u64(v, UINT_MAX - 1, &u) != SP_OK)
		return -1;
	return (long)u;
}

static int occurs(xmlNodePtr n, unsigned *min, unsigned *max)
{
	char buf[32];
	const char *v;
	long a = 1, b = 1;

	if ((v = attr(n, "minOccurs", buf, sizeof(buf))) != NULL)
		a = parse_count(v, 0);
	if (a >= 0 && (v = attr(n, "maxOccurs", buf, sizeof(buf))) != NULL)
		b = parse_count(v, 1);
	if (a < 0 || b < 0 || b < a || b == 0)
		return -1;
	*min = (unsigned)a;
	*max = (unsigned)b;
	return 0;
}

static fs_type *named_type(const sp_fs_schema *s, const char *name)
{
	for (size_t i = 0; i < s->n_types; i++)
		if (strcmp(s->types[i]->name, name) == 0)
			return s->types[i];
	return NULL;
}

static void build_type(fs_compiler *c, fs_type *t);

/* A QName in attribute `which` of n, resolved: xs:string, a named type of
 * the target namespace (built), or the unmodeled type. */
static const fs_type *type_ref(fs_compiler *c, xmlNodePtr n, const char *v)
{
	const char *colon = strchr(v, ':');
	char prefix[64];
	const char *local = colon != NULL ? colon + 1 : v;
	xmlNsPtr ns;
	fs_type *t;

	if (colon != NULL) {
		if ((size_t)(colon - v) >= sizeof(prefix))
			return &fs_unmodeled;
		memcpy(prefix, v, (size_t)(colon - v));
		prefix[colon - v] = '\0';
	}
	ns = xmlSearchNs(c->doc, n, colon != NULL ? SP_XC(prefix) : NULL);
	if (ns == NULL)
		return &fs_unmodeled;
	if (xmlStrEqual(ns->href, SP_XC(XSD_NS)))
		return strcmp(local, "string") == 0 ? &fs_string
		                                    : &fs_unmodeled;
	if (!xmlStrEqual(ns->href, SP_XC(c->s->tns)))
		return &fs_unmodeled;
	t = named_type(c->s, local);
	if (t == NULL)
		return &fs_unmodeled;
	build_type(c, t);
	return t;
}

/* xs:restriction base="xs:string" with the facets modeled. */
static int build_restriction(fs_compiler *c, fs_type *t, xmlNodePtr r)
{
	static const char *const r_attrs[] = {"base", NULL};
	static const char *const f_attrs[] = {"value", "fixed", NULL};
	char buf[512];
	const char *v = attr(r, "base", buf, sizeof(buf));

	if (v == NULL || !only_attrs(r, r_attrs) ||
	    type_ref(c, r, v) != &fs_string)
		return -1;
	t->facets.min_len = t->facets.max_len = -1;
	for (xmlNodePtr f = first_decl(r); f != NULL; f = next_decl(f->next)) {
		if (!only_attrs(f, f_attrs) ||
		    (v = attr(f, "value", buf, sizeof(buf))) == NULL)
			return -1;
		if (is_xsd(f, "pattern")) {
			fs_pattern_fn fn = pattern_find(v);

			if (fn == NULL || t->facets.n_pats == FS_MAX_PATTERNS)
				return -1;
			t->facets.pats[t->facets.n_pats++] = fn;
		} else if (is_xsd(f, "enumeration")) {
			const char **e = fs_push(c, t->facets.enums,
			                         t->facets.n_enums, sizeof(*e));
			if (e == NULL ||
			    (e[t->facets.n_enums] = fs_strdup(c, v)) == NULL)
				return -1;
			t->facets.enums = e;
			t->facets.n_enums++;
		} else if (is_xsd(f, "minLength")) {
			t->facets.min_len = parse_count(v, 0);
			if (t->facets.min_len < 0)
				return -1;
		} else if (is_xsd(f, "maxLength")) {
			t->facets.max_len = parse_count(v, 0);
			if (t->facets.max_len < 0)
				return -1;
		} else {
			return -1; /* length, whiteSpace, ...: not modeled */
		}
	}
	t->content = FS_SIMPLE;
	return 0;
}

static int build_simple_type(fs_compiler *c, fs_type *t, xmlNodePtr st)
{
	static const char *const st_attrs[] = {"name", NULL};
	xmlNodePtr r = first_decl(st);

	if (!only_attrs(st, st_attrs) || !is_xsd(r, "restriction") ||
	    next_decl(r->next) != NULL)
		return -1;
	return build_restriction(c, t, r);
}

static int add_attribute(fs_compiler *c, fs_type *t, xmlNodePtr a)
{
	static const char *const a_attrs[] = {"name", "type", "use", "fixed",
	                                      NULL};
	char nbuf[128], tbuf[256], ubuf[16], fbuf[256];
	const char *name = attr(a, "name", nbuf, sizeof(nbuf));
	const char *type = attr(a, "type", tbuf, sizeof(tbuf));
	const char *use = attr(a, "use", ubuf, sizeof(ubuf));
	const char *fixed = attr(a, "fixed", fbuf, sizeof(fbuf));
	fs_attr *arr, *at;

	if (!only_attrs(a, a_attrs) || name == NULL || type == NULL ||
	    first_decl(a) != NULL)
		return -1;
	if (use != NULL && strcmp(use, "required") != 0 &&
	    strcmp(use, "optional") != 0)
		return -1;
	arr = fs_push(c, t->attrs, t->n_attrs, sizeof(*arr));
	if (arr == NULL)
		return -1;
	t->attrs = arr;
	at = &arr[t->n_attrs++];
	at->name = fs_strdup(c, name);
	at->type = type_ref(c, a, type);
	at->required = use != NULL && strcmp(use, "required") == 0;
	at->fixed = fixed != NULL ? fs_strdup(c, fixed) : NULL;
	if (at->name == NULL || (fixed != NULL && at->fixed == NULL) ||
	    at->type->content != FS_SIMPLE)
		return -1;
	return 0;
}

/* xs:simpleContent/xs:extension base="..." with attributes. */
static int build_simple_content(fs_compiler *c, fs_type *t, xmlNodePtr sc)
{
	static const char *const x_attrs[] = {"base", NULL};
	xmlNodePtr x = first_decl(sc);
	char buf[256];
	const char *base;
	const fs_type *bt;

	if (sc->properties != NULL || !is_xsd(x, "extension") ||
	    next_decl(x->next) != NULL || !only_attrs(x, x_attrs) ||
	    (base = attr(x, "base", buf, sizeof(buf))) == NULL)
		return -1;
	bt = type_ref(c, x, base);
	if (bt->content != FS_SIMPLE || bt->n_attrs != 0)
		return -1;
	t->facets = bt->facets;
	for (xmlNodePtr a = first_decl(x); a != NULL; a = next_decl(a->next))
		if (!is_xsd(a, "attribute") || add_attribute(c, t, a) != 0)
			return -1;
	t->content = FS_SIMPLE;
	return 0;
}

static fs_particle *build_particle(fs_compiler *c, xmlNodePtr p);
static fs_type *build_anonymous(fs_compiler *c, xmlNodePtr def);

/* xs:unique with selector "P:Name" (P the target namespace) and field ".":
 * the values of the Name children are distinct. */
static const char *build_unique(fs_compiler *c, xmlNodePtr u)
{
	static const char *const u_attrs[] = {"name", NULL};
	static const char *const x_attrs[] = {"xpath", NULL};
	xmlNodePtr sel = first_decl(u), fld;
	char sbuf[128], fbuf[16], prefix[64];
	const char *sx, *fx, *colon;
	xmlNsPtr ns;

	if (!only_attrs(u, u_attrs) || !is_xsd(sel, "selector") ||
	    !only_attrs(sel, x_attrs))
		return NULL;
	fld = next_decl(sel->next);
	if (!is_xsd(fld, "field") || !only_attrs(fld, x_attrs) ||
	    next_decl(fld->next) != NULL)
		return NULL;
	sx = attr(sel, "xpath", sbuf, sizeof(sbuf));
	fx = attr(fld, "xpath", fbuf, sizeof(fbuf));
	if (sx == NULL || fx == NULL || strcmp(fx, ".") != 0 ||
	    (colon = strchr(sx, ':')) == NULL ||
	    (size_t)(colon - sx) >= sizeof(prefix))
		return NULL;
	memcpy(prefix, sx, (size_t)(colon - sx));
	prefix[colon - sx] = '\0';
	ns = xmlSearchNs(c->doc, sel, SP_XC(prefix));
	if (ns == NULL || !xmlStrEqual(ns->href, SP_XC(c->s->tns)))
		return NULL;
	for (const char *p = colon + 1; *p != '\0'; p++)
		if (!in_class("A-Za-z0-9_", (unsigned char)*p))
			return NULL; /* a path, a wildcard, ... */
	return fs_strdup(c, colon + 1);
}

static fs_particle *build_element(fs_compiler *c, xmlNodePtr e)
{
	static const char *const e_attrs[] = {"name", "type", "minOccurs",
	                                      "maxOccurs", NULL};
	char nbuf[128], tbuf[256];
	const char *name = attr(e, "name", nbuf, sizeof(nbuf));
	const char *type = attr(e, "type", tbuf, sizeof(tbuf));
	fs_particle *p;

	if (!only_attrs(e, e_attrs) || name == NULL)
		return NULL;
	p = fs_alloc(c, sizeof(*p));
	if (p == NULL || occurs(e, &p->min, &p->max) != 0)
		return NULL;
	p->kind = FS_P_ELEM;
	p->name = fs_strdup(c, name);
	p->type = type != NULL ? type_ref(c, e, type) : NULL;
	for (xmlNodePtr k = first_decl(e); k != NULL; k = next_decl(k->next)) {
		if (is_xsd(k, "simpleType") || is_xsd(k, "complexType")) {
			if (p->type != NULL)
				return NULL;
			p->type = build_anonymous(c, k);
		} else if (is_xsd(k, "unique") && p->unique == NULL) {
			if ((p->unique = build_unique(c, k)) == NULL)
				return NULL;
		} else {
			return NULL; /* key, keyref, ... */
		}
	}
	if (p->name == NULL || p->type == NULL)
		return NULL;
	return p;
}

static fs_particle *build_group(fs_compiler *c, xmlNodePtr g, fs_pkind kind)
{
	static const char *const g_attrs[] = {"minOccurs", "maxOccurs", NULL};
	fs_particle *p = fs_alloc(c, sizeof(*p));

	if (p == NULL || !only_attrs(g, g_attrs) ||
	    occurs(g, &p->min, &p->max) != 0)
		return NULL;
	p->kind = kind;
	for (xmlNodePtr k = first_decl(g); k != NULL; k = next_decl(k->next)) {
		fs_particle **kids, *kp = build_particle(c, k);

		if (kp == NULL)
			return NULL;
		kids = fs_push(c, p->kids, p->n_kids, sizeof(*kids));
		if (kids == NULL)
			return NULL;
		kids[p->n_kids++] = kp;
		p->kids = kids;
	}
	return p;
}

static fs_particle *build_any(fs_compiler *c, xmlNodePtr a)
{
	static const char *const a_attrs[] = {"namespace", "processContents",
	                                      "minOccurs", "maxOccurs", NULL};
	char nbuf[128], pbuf[16];
	const char *ns = attr(a, "namespace", nbuf, sizeof(nbuf));
	const char *pc = attr(a, "processContents", pbuf, sizeof(pbuf));
	fs_particle *p;

	if (!only_attrs(a, a_attrs) || ns == NULL || pc == NULL ||
	    strcmp(ns, SP_DSIG_NS) != 0 || strcmp(pc, "skip") != 0)
		return NULL;
	p = fs_alloc(c, sizeof(*p));
	if (p == NULL || occurs(a, &p->min, &p->max) != 0)
		return NULL;
	p->kind = FS_P_ANY_DSIG;
	return p;
}

/* NULL: not modeled (or NOMEM, flagged in c). */
static fs_particle *build_particle(fs_compiler *c, xmlNodePtr p)
{
	if (is_xsd(p, "element"))
		return build_element(c, p);
	if (is_xsd(p, "sequence"))
		return build_group(c, p, FS_P_SEQ);
	if (is_xsd(p, "choice"))
		return build_group(c, p, FS_P_CHOICE);
	if (is_xsd(p, "any"))
		return build_any(c, p);
	return NULL; /* all, group ref, ... */
}

/* The one open type XSD lets a schema write and SREP uses (Extension): a
 * mixed complex type whose only content is one xs:any namespace="##any"
 * processContents="skip" minOccurs="0" maxOccurs="unbounded" in a
 * sequence, with xs:anyAttribute namespace="##any" processContents="skip".
 * Nothing inside is validated, so nothing inside is checked here either;
 * the rules that still hold there (no XML-DSig element outside the
 * signature slot, namespace well-formedness) are the canonical reader's
 * and the slot check's. Any other spelling is left unmodeled. */
static int is_skip(xmlNodePtr n, const char *what, const char *const *allowed)
{
	char nbuf[16], pbuf[16], minb[8], maxb[16];
	const char *ns = attr(n, "namespace", nbuf, sizeof(nbuf));
	const char *pc = attr(n, "processContents", pbuf, sizeof(pbuf));
	const char *mn = attr(n, "minOccurs", minb, sizeof(minb));
	const char *mx = attr(n, "maxOccurs", maxb, sizeof(maxb));

	return is_xsd(n, what) && only_attrs(n, allowed) && ns != NULL &&
	       strcmp(ns, "##any") == 0 && pc != NULL &&
	       strcmp(pc, "skip") == 0 &&
	       (mn == NULL ? strcmp(what, "any") != 0 : strcmp(mn, "0") == 0) &&
	       (mx == NULL ? strcmp(what, "any") != 0
	                   : strcmp(mx, "unbounded") == 0);
}

static int is_open_type(xmlNodePtr ct)
{
	static const char *const any_attrs[] = {"namespace", "processContents",
	                                        "minOccurs", "maxOccurs", NULL};
	static const char *const anyattr_attrs[] = {"namespace",
	                                            "processContents", NULL};
	static const char *const seq_attrs[] = {NULL};
	char buf[16];
	const char *mixed = attr(ct, "mixed", buf, sizeof(buf));
	xmlNodePtr seq = first_decl(ct), any, aa;

	if (mixed == NULL || strcmp(mixed, "true") != 0 ||
	    !is_xsd(seq, "sequence") || !only_attrs(seq, seq_attrs))
		return 0;
	any = first_decl(seq);
	aa = next_decl(seq->next);
	return any != NULL && next_decl(any->next) == NULL &&
	       first_decl(any) == NULL && is_skip(any, "any", any_attrs) &&
	       aa != NULL && next_decl(aa->next) == NULL &&
	       first_decl(aa) == NULL &&
	       is_skip(aa, "anyAttribute", anyattr_attrs);
}

static int build_complex_type(fs_compiler *c, fs_type *t, xmlNodePtr ct)
{
	static const char *const ct_attrs[] = {"name", "mixed", NULL};
	char buf[16];
	const char *mixed = attr(ct, "mixed", buf, sizeof(buf));
	xmlNodePtr k = first_decl(ct);

	if (!only_attrs(ct, ct_attrs))
		return -1;
	if (is_open_type(ct)) {
		t->content = FS_OPEN;
		return 0;
	}
	if (mixed != NULL && strcmp(mixed, "false") != 0)
		return -1;
	if (is_xsd(k, "simpleContent"))
		return next_decl(k->next) == NULL
		           ? build_simple_content(c, t, k)
		           : -1;
	if (is_xsd(k, "sequence") || is_xsd(k, "choice")) {
		if ((t->model = build_particle(c, k)) == NULL)
			return -1;
		k = next_decl(k->next);
	}
	for (; k != NULL; k = next_decl(k->next))
		if (!is_xsd(k, "attribute") || add_attribute(c, t, k) != 0)
			return -1; /* anyAttribute, attributeGroup, ... */
	t->content = t->model != NULL ? FS_ELEMS : FS_EMPTY;
	return 0;
}

/* Build t from its definition once; a type left FS_UNMODELED is one the
 * fast path declines. Element particles hold a pointer to their type, so a
 * recursive definition through elements works; a simple-content base that
 * is still being built (a cycle XSD forbids anyway) reads as unmodeled. */
static void build_type(fs_compiler *c, fs_type *t)
{
	int rc;

	if (t->state != 0)
		return;
	t->state = 1;
	if (is_xsd(t->def, "simpleType"))
		rc = build_simple_type(c, t, t->def);
	else
		rc = build_complex_type(c, t, t->def);
	if (rc != 0) {
		t->content = FS_UNMODELED;
		t->model = NULL;
		t->n_attrs = 0;
	}
	t->state = 2;
}

static fs_type *build_anonymous(fs_compiler *c, xmlNodePtr def)
{
	fs_type *t = fs_alloc(c, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->def = def;
	build_type(c, t);
	return t;
}

/* Collect the global named types and elements of the xs:schema root. */
static int compile_root(fs_compiler *c, xmlNodePtr root)
{
	sp_fs_schema *s = c->s;
	char buf[256];
	const char *v;

	if (!is_xsd(root, "schema") ||
	    (v = attr(root, "targetNamespace", buf, sizeof(buf))) == NULL ||
	    strcmp(v, SP_NS) != 0 || (s->tns = fs_strdup(c, v)) == NULL)
		return -1;
	v = attr(root, "elementFormDefault", buf, sizeof(buf));
	if (v == NULL || strcmp(v, "qualified") != 0)
		return -1;
	v = attr(root, "attributeFormDefault", buf, sizeof(buf));
	if (v != NULL && strcmp(v, "unqualified") != 0)
		return -1;
	for (xmlNodePtr n = first_decl(root); n != NULL;
	     n = next_decl(n->next)) {
		if (is_xsd(n, "simpleType") || is_xsd(n, "complexType")) {
			fs_type **arr, *t = fs_alloc(c, sizeof(*t));

			if (t == NULL ||
			    (v = attr(n, "name", buf, sizeof(buf))) == NULL ||
			    (t->name = fs_strdup(c, v)) == NULL ||
			    named_type(s, v) != NULL)
				return -1;
			t->def = n;
			arr = fs_push(c, s->types, s->n_types, sizeof(*arr));
			if (arr == NULL)
				return -1;
			arr[s->n_types++] = t;
			s->types = arr;
		} else if (is_xsd(n, "include") || is_xsd(n, "import") ||
		           is_xsd(n, "redefine")) {
			return -1;
		}
	}
	for (size_t i = 0; i < s->n_types; i++)
		build_type(c, s->types[i]);
	for (xmlNodePtr n = first_decl(root); n != NULL;
	     n = next_decl(n->next)) {
		fs_particle *p;
		fs_global *g;

		if (!is_xsd(n, "element"))
			continue;
		p = build_element(c, n);
		g = fs_push(c, s->globals, s->n_globals, sizeof(*g));
		if (g == NULL)
			return -1;
		s->globals = g;
		/* A global element this compiler cannot read is unmodeled. */
		g[s->n_globals].name = fs_strdup(
		    c, attr(n, "name", buf, sizeof(buf)) != NULL ? buf : "");
		g[s->n_globals].type =
		    p != NULL && p->unique == NULL && p->min == 1 && p->max == 1
		        ? p->type
		        : &fs_unmodeled;
		s->n_globals++;
	}
	return 0;
}

void sp_proto__fs_free(sp_fs_schema *s)
{
	if (s == NULL)
		return;
	while (s->blocks != NULL) {
		fs_block *b = s->blocks;

		s->blocks = b->next;
		free(b);
	}
	free(s);
}

int sp_proto__fs_compile(const unsigned char *xsd, size_t len,
                         sp_fs_schema **out)
{
	fs_compiler c;
	int rc;

	*out = NULL;
	memset(&c, 0, sizeof(c));
	c.s = calloc(1, sizeof(*c.s));
	if (c.s == NULL)
		return SP_ERR_NOMEM;
	if (len > INT_MAX)
		c.doc = NULL;
	else
		c.doc = xmlReadMemory((const char *)xsd, (int)len, "record.xsd",
		                      NULL, XML_PARSE_NONET);
	rc = c.doc != NULL ? compile_root(&c, xmlDocGetRootElement(c.doc)) : -1;
	xmlFreeDoc(c.doc);
	if (c.nomem) {
		sp_proto__fs_free(c.s);
		return SP_ERR_NOMEM;
	}
	if (rc != 0) {
		sp_proto__fs_free(c.s);
		return SP_ERR_INTERNAL;
	}
	*out = c.s;
	return SP_OK;
}

int sp_proto__fs_type_modeled(const sp_fs_schema *s, const char *name)
{
	const fs_type *t = s != NULL ? named_type(s, name) : NULL;

	return t != NULL && t->content != FS_UNMODELED;
}

/* ---------------------------------------------------------------- validate */

typedef struct fs_check {
	const sp_cx_node *root;
	int rc; /* SP_OK until the first reason to decline */
} fs_check;

static int decline(fs_check *k)
{
	if (k->rc == SP_OK)
		k->rc = SP_CX_OTHER;
	return 0;
}

static size_t utf8_chars(const char *v, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		if (((unsigned char)v[i] & 0xc0) != 0x80)
			n++;
	return n;
}

static int value_ok(const fs_type *t, const char *v, size_t len)
{
	const fs_facets *f = &t->facets;
	size_t i;

	if (t->content != FS_SIMPLE || strlen(v) != len)
		return 0;
	if (f->min_len >= 0 || f->max_len >= 0) {
		size_t n = utf8_chars(v, len);

		if ((f->min_len >= 0 && n < (size_t)f->min_len) ||
		    (f->max_len >= 0 && n > (size_t)f->max_len))
			return 0;
	}
	if (f->n_enums > 0) {
		for (i = 0; i < f->n_enums; i++)
			if (strcmp(f->enums[i], v) == 0)
				break;
		if (i == f->n_enums)
			return 0;
	}
	if (f->n_pats > 0) {
		for (i = 0; i < f->n_pats; i++)
			if (f->pats[i](v, len))
				break;
		if (i == f->n_pats)
			return 0;
	}
	return 1;
}

static int attrs_ok(const fs_type *t, const sp_cx_node *n)
{
	for (size_t i = 0; i < n->n_attrs; i++) {
		const sp_cx_attr *a = &n->attrs[i];
		const fs_attr *d = NULL;

		for (size_t j = 0; j < t->n_attrs && d == NULL; j++)
			if (strcmp(t->attrs[j].name, a->name) == 0)
				d = &t->attrs[j];
		if (d == NULL || !value_ok(d->type, a->value, a->value_len) ||
		    (d->fixed != NULL && strcmp(d->fixed, a->value) != 0))
			return 0; /* undeclared or invalid */
	}
	/* every required declaration present */
	for (size_t j = 0; j < t->n_attrs; j++) {
		size_t i;

		if (!t->attrs[j].required)
			continue;
		for (i = 0; i < n->n_attrs; i++)
			if (strcmp(t->attrs[j].name, n->attrs[i].name) == 0)
				break;
		if (i == n->n_attrs)
			return 0;
	}
	return 1;
}

static int whitespace_only(const char *v, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!is_xsd_space(v[i]))
			return 0;
	return 1;
}

static int check_elem(fs_check *k, const sp_cx_node *n, const fs_type *t);

/* The values of the children called name are distinct (xs:unique). */
static int unique_ok(const sp_cx_node *n, const char *name)
{
	for (const sp_cx_node *a = n->first; a != NULL; a = a->next) {
		if (a->ns != SP_CX_NS_SREP || strcmp(a->name, name) != 0)
			continue;
		for (const sp_cx_node *b = a->next; b != NULL; b = b->next)
			if (b->ns == SP_CX_NS_SREP &&
			    strcmp(b->name, name) == 0 &&
			    a->text_len == b->text_len &&
			    memcmp(a->text, b->text, a->text_len) == 0)
				return 0;
	}
	return 1;
}

/* Match particle p (all its occurrences) from *cur on; greedy, which finds
 * a derivation whenever the first child decides each step, as in every
 * model of record.xsd. 1 and *cur advanced, or 0 and *cur unchanged (a
 * fault in a matched child declines the whole document through k). */
static int match(fs_check *k, const fs_particle *p, const sp_cx_node *parent,
                 const sp_cx_node **cur);

static int match_once(fs_check *k, const fs_particle *p,
                      const sp_cx_node *parent, const sp_cx_node **cur)
{
	const sp_cx_node *n = *cur, *save = *cur;

	switch (p->kind) {
	case FS_P_ELEM:
		if (n == NULL || n->ns != SP_CX_NS_SREP ||
		    strcmp(n->name, p->name) != 0)
			return 0;
		if (!check_elem(k, n, p->type) ||
		    (p->unique != NULL && !unique_ok(n, p->unique)))
			return decline(k);
		*cur = n->next;
		return 1;
	case FS_P_ANY_DSIG:
		/* The XML-DSig slot (protocol/xml.c check_dsig_placement):
		 * only as the root's last child, and only ds:Signature. */
		if (n == NULL || n->ns != SP_CX_NS_DSIG)
			return 0;
		if (parent != k->root || n->next != NULL ||
		    strcmp(n->name, "Signature") != 0)
			return decline(k);
		*cur = n->next;
		return 1;
	case FS_P_SEQ:
		for (size_t i = 0; i < p->n_kids; i++)
			if (!match(k, p->kids[i], parent, cur)) {
				*cur = save;
				return 0;
			}
		return 1;
	case FS_P_CHOICE: {
		int empty_ok = 0;

		for (size_t i = 0; i < p->n_kids && k->rc == SP_OK; i++) {
			if (!match(k, p->kids[i], parent, cur))
				continue;
			if (*cur != save)
				return 1;
			empty_ok = 1;
		}
		*cur = save;
		return empty_ok;
	}
	}
	return 0;
}

static int match(fs_check *k, const fs_particle *p, const sp_cx_node *parent,
                 const sp_cx_node **cur)
{
	const sp_cx_node *save = *cur;
	unsigned count = 0;

	while (count < p->max && k->rc == SP_OK) {
		const sp_cx_node *before = *cur;

		if (!match_once(k, p, parent, cur))
			break;
		if (*cur == before) {
			/* matched empty: any number of further rounds can */
			count = p->max;
			break;
		}
		count++;
	}
	if (count < p->min || k->rc != SP_OK) {
		*cur = save;
		return 0;
	}
	return 1;
}

/* Open content holds no XML-DSig element: those may only be the root's
 * last child (sp_doc_parse's slot rule applies inside skipped content
 * too). */
static int open_ok(const sp_cx_node *top)
{
	const sp_cx_node *n = top->first;

	while (n != NULL) {
		if (n->ns != SP_CX_NS_SREP)
			return 0;
		if (n->first != NULL) {
			n = n->first;
			continue;
		}
		while (n != top && n->next == NULL)
			n = n->parent;
		n = n != top ? n->next : NULL;
	}
	return 1;
}

static int check_elem(fs_check *k, const sp_cx_node *n, const fs_type *t)
{
	const sp_cx_node *cur;

	if (t != NULL && t->content == FS_OPEN)
		return open_ok(n);
	if (t == NULL || !attrs_ok(t, n))
		return 0;
	switch (t->content) {
	case FS_EMPTY:
		return n->first == NULL && n->text_len == 0;
	case FS_SIMPLE:
		return n->first == NULL && value_ok(t, n->text, n->text_len);
	case FS_ELEMS:
		if (!whitespace_only(n->text, n->text_len))
			return 0;
		cur = n->first;
		return match(k, t->model, n, &cur) && cur == NULL &&
		       k->rc == SP_OK;
	case FS_OPEN: /* above */
	case FS_UNMODELED:
		break;
	}
	return 0;
}

/* ---------------------------------------------------------------- record */

static const sp_cx_node *child(const sp_cx_node *n, const char *name)
{
	return n != NULL && n->ns == SP_CX_NS_SREP && strcmp(n->name, name) == 0
	           ? n
	           : NULL;
}

static const char *attr_value(const sp_cx_node *n, const char *name)
{
	for (size_t i = 0; i < n->n_attrs; i++)
		if (strcmp(n->attrs[i].name, name) == 0)
			return n->attrs[i].value;
	return NULL;
}

/* The header, read through record.c's value rules (the schema has fixed
 * the order and the elements present). */
static int read_header(sp_record *r, const sp_cx_node *hdr)
{
	static int (*const set[])(sp_record *, const char *, const char **) = {
	    sp_proto__rec_id,   sp_proto__rec_origin, sp_proto__rec_sequence,
	    sp_proto__rec_type, sp_proto__rec_issued,
	};
	const sp_cx_node *c = hdr->first, *rc_node;
	int rc = SP_CX_OTHER;

	for (size_t i = 0; i < sizeof(set) / sizeof(set[0]); i++, c = c->next)
		if (c == NULL || (rc = set[i](r, c->text, NULL)) != SP_OK)
			return rc == SP_ERR_NOMEM ? SP_ERR_NOMEM : SP_CX_OTHER;
	if ((rc_node = child(c, "Recipients")) == NULL)
		return SP_CX_OTHER;
	for (const sp_cx_node *n = rc_node->first; n != NULL; n = n->next) {
		if (child(n, "Broadcast") != NULL) {
			if (n != rc_node->first || n->next != NULL)
				return SP_CX_OTHER;
			sp_proto__rec_broadcast(r);
		} else if (child(n, "Node") == NULL) {
			return SP_CX_OTHER;
		} else if ((rc = sp_proto__rec_recipient(r, n->text, NULL)) !=
		           SP_OK) {
			return rc == SP_ERR_NOMEM ? rc : SP_CX_OTHER;
		}
	}
	if (rc_node->first == NULL)
		return SP_CX_OTHER;
	c = rc_node->next;
	if (child(c, "Subject") != NULL) {
		if (c->first == NULL)
			return SP_CX_OTHER;
		for (const sp_cx_node *s = c->first; s != NULL; s = s->next) {
			if (s->ns != SP_CX_NS_SREP)
				return SP_CX_OTHER;
			rc = sp_proto__rec_subject(
			    r, s->name, attr_value(s, "scheme"), s->text, NULL);
			if (rc != SP_OK)
				return rc == SP_ERR_NOMEM ? rc : SP_CX_OTHER;
		}
		c = c->next;
	}
	if (child(c, "Supersedes") != NULL) {
		if ((rc = sp_proto__rec_supersedes(r, c->text, NULL)) != SP_OK)
			return rc == SP_ERR_NOMEM ? rc : SP_CX_OTHER;
		c = c->next;
	}
	return c == NULL ? SP_OK : SP_CX_OTHER;
}

static int read_body(const sp_record *r, const sp_cx_node *body)
{
	const sp_cx_node *e = body->first, *ps = NULL, *pe = NULL;
	int rc;

	if (e == NULL || e->ns != SP_CX_NS_SREP ||
	    sp_proto__rec_body_element(r, e->name, NULL) != SP_OK)
		return SP_CX_OTHER;
	for (const sp_cx_node *c = e->first; c != NULL; c = c->next) {
		if (child(c, "PeriodStart") != NULL)
			ps = c;
		else if (child(c, "PeriodEnd") != NULL)
			pe = c;
	}
	if (ps != NULL && pe != NULL &&
	    sp_proto__period_rule(ps->text, pe->text, NULL) != SP_OK)
		return SP_CX_OTHER;
	for (const sp_cx_node *a = e->next; a != NULL; a = a->next) {
		if (child(a, "Attachment") == NULL)
			return SP_CX_OTHER;
		rc = sp_proto__attachment_check(attr_value(a, "sha256"),
		                                a->text, a->text_len, NULL);
		if (rc != SP_OK)
			return rc == SP_ERR_NOMEM ? rc : SP_CX_OTHER;
	}
	return SP_OK;
}

static const fs_type *global_type(const sp_fs_schema *s, const char *name)
{
	for (size_t i = 0; i < s->n_globals; i++)
		if (strcmp(s->globals[i].name, name) == 0)
			return s->globals[i].type;
	return NULL;
}

int sp_proto__fs_valid(const sp_fs_schema *s, const sp_cx_doc *d,
                       const char *root_name)
{
	const sp_cx_node *root;
	fs_check k;

	if (s == NULL || d == NULL || (root = sp_cx_root(d)) == NULL ||
	    root->ns != SP_CX_NS_SREP || strcmp(root->name, root_name) != 0)
		return 0;
	k.root = root;
	k.rc = SP_OK;
	return check_elem(&k, root, global_type(s, root_name)) && k.rc == SP_OK;
}

int sp_proto__record_from_cx(const sp_fs_schema *s, const sp_cx_doc *d,
                             sp_record **out)
{
	const sp_cx_node *root, *hdr, *body;
	sp_record *r;
	int rc;

	if (out == NULL)
		return SP_ERR_INVALID_ARGUMENT;
	*out = NULL;
	if (!sp_proto__fs_valid(s, d, "Record"))
		return SP_CX_OTHER;
	root = sp_cx_root(d);
	hdr = child(root->first, "Header");
	body = hdr != NULL ? child(hdr->next, "Body") : NULL;
	if (body == NULL)
		return SP_CX_OTHER;
	if ((r = sp_proto__rec_new()) == NULL)
		return SP_ERR_NOMEM;
	rc = read_header(r, hdr);
	if (rc == SP_OK)
		rc = read_body(r, body);
	if (rc != SP_OK) {
		sp_record_free(r);
		return rc;
	}
	*out = r;
	return SP_OK;
}

/* ---------------------------------------------------------------- global */

static sp_fs_schema *record_schema, *receipt_schema;

int sp_proto__fast_init(void)
{
	int rc;

	if (record_schema != NULL)
		return SP_OK;
	rc = sp_proto__fs_compile(sp_proto__schema_record,
	                          sp_proto__schema_record_len, &record_schema);
	if (rc == SP_OK || rc == SP_ERR_INTERNAL)
		rc = sp_proto__fs_compile(sp_proto__schema_receipt,
		                          sp_proto__schema_receipt_len,
		                          &receipt_schema);
	/* A schema this compiler cannot read leaves its fast path off. */
	return rc == SP_ERR_INTERNAL ? SP_OK : rc;
}

void sp_proto__fast_cleanup(void)
{
	sp_proto__fs_free(record_schema);
	sp_proto__fs_free(receipt_schema);
	record_schema = receipt_schema = NULL;
}

const sp_fs_schema *sp_proto__receipt_schema(void)
{
	return receipt_schema;
}

int sp_record_from_cx(const sp_cx_doc *d, sp_record **out)
{
	return sp_proto__record_from_cx(record_schema, d, out);
}
