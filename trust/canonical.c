/* canonical.c: the canonical transport form of a signed Record (SPEC 4.6),
 * which leaves nobody but the Origin a second byte string that verifies, and
 * the signed-content digest that decides equivocation (SPEC 9.8). */
#include <stdlib.h>
#include <string.h>

#include <libxml/c14n.h>
#include <libxml/tree.h>
#include <libxml/uri.h>
#include <openssl/bn.h>

#include "trust_int.h"

/* floor(n / 2) for the P-256 group order n, big-endian. */
static const uint8_t p256_half_order[32] = {
    0x7f, 0xff, 0xff, 0xff, 0x80, 0x00, 0x00, 0x00, 0x7f, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xde, 0x73, 0x7d, 0x56, 0xd3, 0x8b,
    0xcf, 0x42, 0x79, 0xdc, 0xe5, 0x61, 0x7e, 0x31, 0x92, 0xa8,
};

/* The P-256 group order n, big-endian. */
static const uint8_t p256_order[32] = {
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17,
    0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
};

int sp_trust__ecdsa_high_s(const uint8_t sig[64])
{
	return memcmp(sig + 32, p256_half_order, 32) > 0;
}

int sp_trust__ecdsa_low_s(uint8_t sig[64])
{
	BIGNUM *n = NULL, *s = NULL;
	int rc = -1;

	if (!sp_trust__ecdsa_high_s(sig))
		return 0;
	n = BN_bin2bn(p256_order, 32, NULL);
	s = BN_bin2bn(sig + 32, 32, NULL);
	/* (r, n - s) verifies wherever (r, s) does: the same signature. */
	if (n != NULL && s != NULL && BN_sub(s, n, s) == 1 &&
	    BN_bn2binpad(s, sig + 32, 32) == 32)
		rc = 1;
	BN_free(n);
	BN_free(s);
	return rc;
}

static int starts(const uint8_t *b, size_t n, const char *lit)
{
	size_t l = strlen(lit);

	return n >= l && memcmp(b, lit, l) == 0;
}

static int is_space(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Is offset i of b inside a start or end tag? */
static int in_tag(const uint8_t *b, size_t i)
{
	while (i > 0) {
		i--;
		if (b[i] == '>')
			return 0;
		if (b[i] == '<')
			return 1;
	}
	return 0;
}

/* Is offset i of b inside (or at) a character or entity reference? */
static int in_ref(const uint8_t *b, size_t n, size_t i)
{
	size_t k;

	if (i < n && b[i] == '&')
		return 1;
	for (k = 0; k < 12 && k < i; k++) {
		uint8_t c = b[i - 1 - k];

		if (c == '&')
			return 1;
		if (c == ';' || c == '<' || c == '>')
			return 0;
	}
	return 0;
}

/* Name the first way the bytes b differ from their canonical form c. */
static const char *diagnose(const uint8_t *b, size_t n, const uint8_t *c,
                            size_t cn)
{
	size_t i = 0, p;

	while (i < n && i < cn && b[i] == c[i])
		i++;
	if (starts(b, n, "\xef\xbb\xbf"))
		return "a byte order mark";
	/* the markup the difference is in starts at the last '<' */
	p = i < n ? i : n - 1;
	while (p > 0 && i - p < 9 && b[p] != '<' && b[p - 1] != '>')
		p--;
	if (starts(b + p, n - p, "<?xml"))
		return "an XML declaration";
	if (starts(b + p, n - p, "<!--"))
		return "a comment";
	if (starts(b + p, n - p, "<![CDATA["))
		return "a CDATA section";
	if (i >= cn)
		return "bytes after the root element's end tag";
	if (in_ref(b, n, i))
		return "a character or entity reference that the canonical "
		       "form does not use";
	if (i < n && c[i] == '&')
		return "a character that the canonical form writes as a "
		       "reference";
	if (i < n && b[i] == '\'')
		return "a single-quoted attribute";
	if (i < n && b[i] == '/' && c[i] == '>')
		return "an empty-element tag";
	if (starts(b + i, n - i, "xmlns") || starts(c + i, cn - i, "xmlns") ||
	    starts(c + i, cn - i, " xmlns") || starts(b + i, n - i, " xmlns"))
		return "a namespace declaration that the canonical form does "
		       "not have there";
	if (i < n && is_space(b[i]) && in_tag(b, i))
		return "whitespace inside a tag";
	return "attributes out of canonical order, or other bytes that "
	       "differ from the canonical form";
}

/* The one text of a leaf element, or NULL (xmlMalloc'd). */
static xmlChar *leaf_text(xmlNodePtr n)
{
	xmlNodePtr c;

	for (c = n->children; c != NULL; c = c->next)
		if (c->type != XML_TEXT_NODE)
			return NULL;
	return xmlNodeGetContent(n);
}

static int is_ds_prefixed(xmlNodePtr n)
{
	return n->ns != NULL && n->ns->prefix != NULL &&
	       strcmp((const char *)n->ns->prefix, "ds") == 0;
}

/* Exclusive C14N (without comments) of the nodes `visible` admits, into a
 * malloc'd buffer. */
static int c14n_subset(xmlDocPtr doc, xmlC14NIsVisibleCallback visible,
                       void *arg, uint8_t **out, size_t *outlen)
{
	xmlOutputBufferPtr ob = xmlAllocOutputBuffer(NULL);
	const xmlChar *content;
	size_t n;
	int rc = SP_ERR_INTERNAL;

	*out = NULL;
	*outlen = 0;
	if (ob == NULL)
		return SP_ERR_NOMEM;
	if (xmlC14NExecute(doc, visible, arg, XML_C14N_EXCLUSIVE_1_0, NULL, 0,
	                   ob) < 0)
		goto done;
	content = xmlOutputBufferGetContent(ob);
	n = xmlOutputBufferGetSize(ob);
	if (content == NULL || (*out = malloc(n ? n : 1)) == NULL) {
		rc = SP_ERR_NOMEM;
		goto done;
	}
	memcpy(*out, content, n);
	*outlen = n;
	rc = SP_OK;
done:
	xmlOutputBufferClose(ob);
	return rc;
}

/* 1 if n lies inside (or is) `top`. Namespace nodes hang off `parent`. */
static int inside(xmlNodePtr n, xmlNodePtr parent, xmlNodePtr top)
{
	if (n != NULL && n->type == XML_NAMESPACE_DECL)
		n = parent;
	for (; n != NULL; n = n->parent)
		if (n == top)
			return 1;
	return 0;
}

/* The enveloped-signature transform: everything but the signature. */
static int outside_top(void *top, xmlNodePtr n, xmlNodePtr parent)
{
	return !inside(n, parent, top);
}

static int in_top(void *top, xmlNodePtr n, xmlNodePtr parent)
{
	return inside(n, parent, top);
}

int sp_trust__c14n_without(xmlDocPtr doc, xmlNodePtr sig, uint8_t **out,
                           size_t *outlen)
{
	return c14n_subset(doc, outside_top, sig, out, outlen);
}

int sp_trust__c14n_subtree(xmlDocPtr doc, xmlNodePtr top, uint8_t **out,
                           size_t *outlen)
{
	return c14n_subset(doc, in_top, top, out, outlen);
}

/* ------------------------------------------------------------------------
 * Rule 1 without building the canonical form: the tree's exclusive C14N
 * without comments, as libxml2's xmlC14NExecute() writes it, compared with
 * the bytes while it is walked. It writes nothing and allocates only its
 * two stacks; it can only accept: a difference, or anything it does not
 * model exactly (an entity reference, a namespace URI with a quote, one
 * that is not an absolute URI, more than a few namespaces on one element),
 * leaves the decision to libxml2's C14N, which also names the difference.
 * The rules it follows are libxml2 2.9's for exclusive C14N 1.0:
 *   - an element renders the namespaces it visibly uses (its own, its
 *     attributes' prefixes; never xml) that the nearest rendering ancestor
 *     did not render with the same URI, sorted by prefix, the default
 *     first; an unqualified element whose nearest rendering ancestor
 *     rendered a non-empty default renders xmlns="";
 *   - attributes sorted unqualified first (by name), then by namespace URI
 *     and name; values escape & < " TAB LF CR, text escapes & < > CR;
 *   - comments are dropped; no empty-element tags; nothing outside the
 *     root element.
 * tests/unit/trust/canonical_test.c compares it with libxml2 on every
 * document kind and on byte mutations of each. */

#define MATCH_MAX 16 /* attributes, or namespaces rendered, on one element */

struct rendered_ns {
	const char *prefix; /* "" for the default namespace */
	const char *href;
};

struct c14n_match {
	const uint8_t *b;
	size_t n, pos;
	int differ; /* a byte differs: not this tree's canonical form */
	int unsure; /* outside what the matcher models: ask libxml2 */
	struct rendered_ns *ns; /* namespaces rendered, innermost last */
	size_t n_ns, cap_ns;
	size_t *marks; /* n_ns when each open element started */
	size_t n_marks, cap_marks;
};

static void m_put(struct c14n_match *m, const void *s, size_t len)
{
	if (m->differ)
		return;
	if (len > m->n - m->pos || memcmp(m->b + m->pos, s, len) != 0) {
		m->differ = 1;
		return;
	}
	m->pos += len;
}

static void m_puts(struct c14n_match *m, const char *s)
{
	m_put(m, s, strlen(s));
}

/* s escaped for text (attr == 0) or for an attribute value (attr == 1):
 * the runs between characters to escape are compared in one piece. */
static void m_escaped(struct c14n_match *m, const xmlChar *s, int attr)
{
	const char *p = (const char *)s;

	while (!m->differ) {
		size_t run = strcspn(p, attr ? "&<\"\t\n\r" : "&<>\r");
		const char *ref;

		m_put(m, p, run);
		p += run;
		switch (*p) {
		case '\0':
			return;
		case '&':
			ref = "&amp;";
			break;
		case '<':
			ref = "&lt;";
			break;
		case '>':
			ref = "&gt;";
			break;
		case '"':
			ref = "&quot;";
			break;
		case '\t':
			ref = "&#x9;";
			break;
		case '\n':
			ref = "&#xA;";
			break;
		default: /* '\r' */
			ref = "&#xD;";
			break;
		}
		m_puts(m, ref);
		p++;
	}
}

static const char *str_or_empty(const xmlChar *s)
{
	return s != NULL ? (const char *)s : "";
}

static int is_xml_ns(const xmlNs *ns)
{
	return ns->prefix != NULL &&
	       strcmp((const char *)ns->prefix, "xml") == 0 &&
	       ns->href != NULL &&
	       strcmp((const char *)ns->href,
	              (const char *)XML_XML_NAMESPACE) == 0;
}

/* Did the nearest rendering ancestor render this prefix with this URI?
 * With no such prefix rendered: only the empty default counts as done. */
static int ns_done(const struct c14n_match *m, const xmlChar *prefix,
                   const xmlChar *href)
{
	const char *p = str_or_empty(prefix), *h = str_or_empty(href);
	size_t i;

	for (i = m->n_ns; i-- > 0;)
		if (strcmp(m->ns[i].prefix, p) == 0)
			return strcmp(m->ns[i].href, h) == 0;
	return *p == '\0' && *h == '\0';
}

static void ns_push(struct c14n_match *m, const xmlNs *ns)
{
	if (m->n_ns == m->cap_ns) {
		size_t cap = m->cap_ns ? 2 * m->cap_ns : 16;
		struct rendered_ns *t = realloc(m->ns, cap * sizeof(*t));

		if (t == NULL) {
			m->unsure = 1;
			return;
		}
		m->ns = t;
		m->cap_ns = cap;
	}
	m->ns[m->n_ns].prefix = str_or_empty(ns->prefix);
	m->ns[m->n_ns].href = str_or_empty(ns->href);
	m->n_ns++;
}

/* libxml2 refuses to canonicalize a document declaring a namespace URI
 * that is not absolute; the matcher leaves those documents to it. A URI
 * with '"' is written in single quotes by libxml2: also left to it. */
static int ns_decls_plain(xmlNodePtr el)
{
	for (xmlNsPtr d = el->nsDef; d != NULL; d = d->next) {
		xmlURIPtr u;
		int absolute;

		if (d->href == NULL || d->href[0] == '\0')
			continue;
		if (strchr((const char *)d->href, '"') != NULL)
			return 0;
		u = xmlParseURI((const char *)d->href);
		absolute = u != NULL && u->scheme != NULL && u->scheme[0] != 0;
		xmlFreeURI(u);
		if (!absolute)
			return 0;
	}
	return 1;
}

static void m_qname(struct c14n_match *m, xmlNodePtr el)
{
	if (el->ns != NULL && el->ns->prefix != NULL &&
	    el->ns->prefix[0] != '\0') {
		m_puts(m, (const char *)el->ns->prefix);
		m_put(m, ":", 1);
	}
	m_puts(m, (const char *)el->name);
}

/* libxml2's order of attributes: unqualified first, then by namespace
 * URI; by local name within one namespace. */
static int attr_cmp(const xmlAttr *a, const xmlAttr *b)
{
	int r;

	if (a->ns == b->ns)
		return strcmp((const char *)a->name, (const char *)b->name);
	if (a->ns == NULL)
		return -1;
	if (b->ns == NULL)
		return 1;
	if (a->ns->prefix == NULL)
		return -1;
	if (b->ns->prefix == NULL)
		return 1;
	r = strcmp(str_or_empty(a->ns->href), str_or_empty(b->ns->href));
	return r != 0 ? r
	              : strcmp((const char *)a->name, (const char *)b->name);
}

static int ns_cmp(const xmlNs *a, const xmlNs *b)
{
	if (a->prefix == NULL)
		return b->prefix == NULL ? 0 : -1;
	if (b->prefix == NULL)
		return 1;
	return strcmp((const char *)a->prefix, (const char *)b->prefix);
}

static void m_attr(struct c14n_match *m, const xmlAttr *a)
{
	m_put(m, " ", 1);
	if (a->ns != NULL && a->ns->prefix != NULL && a->ns->prefix[0] != 0) {
		m_puts(m, (const char *)a->ns->prefix);
		m_put(m, ":", 1);
	}
	m_puts(m, (const char *)a->name);
	m_put(m, "=\"", 2);
	for (xmlNodePtr t = a->children; t != NULL; t = t->next) {
		if (t->type != XML_TEXT_NODE) {
			m->unsure = 1;
			return;
		}
		if (t->content != NULL)
			m_escaped(m, t->content, 1);
	}
	m_put(m, "\"", 1);
}

/* The start tag with the namespaces it renders (pushed for its content)
 * and its attributes in canonical order. */
static void m_start_tag(struct c14n_match *m, xmlNodePtr el)
{
	const xmlNs *list[MATCH_MAX];
	const xmlAttr *attrs[MATCH_MAX];
	const xmlNs *ns;
	size_t n_list = 0, n_attrs = 0, i, j;
	int has_empty = 0, uses_empty = 0;

	if (!ns_decls_plain(el)) {
		m->unsure = 1;
		return;
	}
	m_put(m, "<", 1);
	m_qname(m, el);
	ns = el->ns;
	if (ns == NULL) {
		ns = xmlSearchNs(el->doc, el, NULL);
		uses_empty = 1;
	}
	if (ns != NULL && !is_xml_ns(ns)) {
		if (!ns_done(m, ns->prefix, ns->href))
			list[n_list++] = ns;
		ns_push(m, ns);
		if (ns->prefix == NULL || ns->prefix[0] == '\0')
			has_empty = 1;
	}
	for (const xmlAttr *a = el->properties; a != NULL; a = a->next) {
		if (n_attrs == MATCH_MAX || n_list == MATCH_MAX) {
			m->unsure = 1;
			return;
		}
		attrs[n_attrs++] = a;
		if (a->ns != NULL && !is_xml_ns(a->ns)) {
			int done = ns_done(m, a->ns->prefix, a->ns->href);

			ns_push(m, a->ns);
			if (!done)
				list[n_list++] = a->ns;
			if (a->ns->prefix == NULL || a->ns->prefix[0] == '\0')
				has_empty = 1;
		} else if (a->ns != NULL &&
		           str_or_empty(a->ns->prefix)[0] == '\0' &&
		           str_or_empty(a->ns->href)[0] == '\0') {
			uses_empty = 1;
		}
	}
	if (uses_empty && !has_empty && !ns_done(m, NULL, NULL))
		m_puts(m, " xmlns=\"\"");
	/* insertion sorts of a handful of entries; as in libxml2's sorted
	 * list, an entry goes before those that compare equal to it (two
	 * attributes of one expanded name, which the parser only warns of) */
	for (i = 1; i < n_list; i++)
		for (j = i; j > 0 && ns_cmp(list[j - 1], list[j]) >= 0; j--) {
			const xmlNs *t = list[j];
			list[j] = list[j - 1];
			list[j - 1] = t;
		}
	for (i = 0; i < n_list; i++) {
		if (list[i]->prefix != NULL) {
			m_puts(m, " xmlns:");
			m_puts(m, (const char *)list[i]->prefix);
			m_puts(m, "=\"");
		} else {
			m_puts(m, " xmlns=\"");
		}
		m_puts(m, str_or_empty(list[i]->href));
		m_put(m, "\"", 1);
	}
	for (i = 1; i < n_attrs; i++)
		for (j = i; j > 0 && attr_cmp(attrs[j - 1], attrs[j]) >= 0;
		     j--) {
			const xmlAttr *t = attrs[j];
			attrs[j] = attrs[j - 1];
			attrs[j - 1] = t;
		}
	for (i = 0; i < n_attrs && !m->unsure; i++)
		m_attr(m, attrs[i]);
	m_put(m, ">", 1);
}

static void m_open(struct c14n_match *m, xmlNodePtr el)
{
	if (m->n_marks == m->cap_marks) {
		size_t cap = m->cap_marks ? 2 * m->cap_marks : 32;
		size_t *t = realloc(m->marks, cap * sizeof(*t));

		if (t == NULL) {
			m->unsure = 1;
			return;
		}
		m->marks = t;
		m->cap_marks = cap;
	}
	m->marks[m->n_marks++] = m->n_ns;
	m_start_tag(m, el);
}

static void m_close(struct c14n_match *m, xmlNodePtr el)
{
	m_put(m, "</", 2);
	m_qname(m, el);
	m_put(m, ">", 1);
	m->n_ns = m->marks[--m->n_marks];
}

/* 1: buf is the exclusive C14N without comments of doc; 0: it is not, or
 * the matcher cannot tell (then libxml2 decides). */
int sp_trust__c14n_matches(xmlDocPtr doc, const uint8_t *buf, size_t len)
{
	struct c14n_match m;
	xmlNodePtr root = xmlDocGetRootElement(doc), n;

	if (root == NULL)
		return 0;
	for (n = doc->children; n != NULL; n = n->next)
		if (n != root && n->type != XML_COMMENT_NODE)
			return 0;
	memset(&m, 0, sizeof(m));
	m.b = buf;
	m.n = len;
	n = root;
	while (!m.differ && !m.unsure) {
		switch (n->type) {
		case XML_ELEMENT_NODE:
			m_open(&m, n);
			if (n->children != NULL && !m.unsure) {
				n = n->children;
				continue;
			}
			if (!m.unsure)
				m_close(&m, n);
			break;
		case XML_TEXT_NODE:
		case XML_CDATA_SECTION_NODE:
			if (n->content != NULL)
				m_escaped(&m, n->content, 0);
			break;
		case XML_COMMENT_NODE:
			break;
		default:
			m.unsure = 1;
			continue;
		}
		while (n != root && n->next == NULL && !m.differ) {
			n = n->parent;
			m_close(&m, n);
		}
		if (n == root)
			break;
		n = n->next;
	}
	free(m.ns);
	free(m.marks);
	return !m.differ && !m.unsure && m.pos == len;
}

#define REFUSE(msg)                                                            \
	do {                                                                   \
		if (why)                                                       \
			*why = (msg);                                          \
		rc = SP_ERR_NON_CANONICAL;                                     \
		goto done;                                                     \
	} while (0)

/* Where the signature lies in canonical bytes b. There, '<' only starts
 * markup (text and attribute values write it as "&lt;"); the ds:Signature
 * is the root's last element child, written with the prefix ds (rule 2),
 * and holds only SignedInfo and SignatureValue, whose descendants the
 * profile check named one by one: so its start tag is the last
 * "<ds:Signature" followed by a space or '>' (not "<ds:SignatureValue"),
 * and only whitespace and the root's end tag follow its end tag. */
static int signature_span(const uint8_t *b, size_t n, size_t *start,
                          size_t *end)
{
	static const char open[] = "<ds:Signature", close[] = "</ds:Signature>";
	const size_t olen = sizeof(open) - 1, clen = sizeof(close) - 1;
	size_t i = n;

	/* the root's end tag: the last '<' */
	while (i > 0 && b[i - 1] != '<')
		i--;
	if (i == 0 || i >= n || b[i] != '/')
		return -1;
	i--;
	while (i > 0 && is_space(b[i - 1]))
		i--;
	if (i < clen || memcmp(b + i - clen, close, clen) != 0)
		return -1;
	*end = i;
	for (i -= clen; i >= olen; i--) {
		size_t s = i - olen;

		if (memcmp(b + s, open, olen) == 0 &&
		    (b[i] == ' ' || b[i] == '>')) {
			*start = s;
			return 0;
		}
	}
	return -1;
}

#define DS_SIGNATURE_TAG   "<ds:Signature xmlns:ds=\"" SP_DSIG_NS "\">"
#define DS_SIGNED_INFO_TAG "<ds:SignedInfo>"
#define DS_SIGNED_INFO_END "</ds:SignedInfo>"

/* Where SignedInfo's content lies in the signature's canonical bytes
 * [start, end), if its canonical form follows from them: the signature's
 * start tag declares ds and nothing else, SignedInfo comes next (rule 2:
 * no text between), and inside it every element is written with the
 * prefix ds and nothing declares a namespace. In the document's canonical
 * form ds is then rendered on ds:Signature only; canonicalized alone,
 * SignedInfo (the apex) renders it instead, and nothing else changes
 * (the profile allows only the unqualified attributes Algorithm and URI
 * there). Anything else is left to libxml2's C14N of the subtree. */
static void signed_info_span(const uint8_t *b, size_t start, size_t end,
                             size_t *si_start, size_t *si_end)
{
	const size_t tag = sizeof(DS_SIGNATURE_TAG) - 1,
	             open = sizeof(DS_SIGNED_INFO_TAG) - 1,
	             close = sizeof(DS_SIGNED_INFO_END) - 1;
	size_t i, e;

	*si_start = *si_end = 0;
	if (end - start < tag + open ||
	    memcmp(b + start, DS_SIGNATURE_TAG, tag) != 0 ||
	    memcmp(b + start + tag, DS_SIGNED_INFO_TAG, open) != 0)
		return;
	for (e = start + tag + open; e + close <= end; e++)
		if (memcmp(b + e, DS_SIGNED_INFO_END, close) == 0)
			break;
	if (e + close > end)
		return;
	for (i = start + tag + open; i < e; i++) {
		if (b[i] == '<' && !starts(b + i + 1, e - i - 1, "ds:") &&
		    !starts(b + i + 1, e - i - 1, "/ds:"))
			return;
		if (b[i] == 'x' && starts(b + i, e - i, "xmlns"))
			return;
	}
	*si_start = start + tag + open;
	*si_end = e;
}

int sp_trust__signed_info(const sp_trust__sig *s, uint8_t **out, size_t *outlen)
{
	static const char head[] =
	    "<ds:SignedInfo xmlns:ds=\"" SP_DSIG_NS "\">";
	const size_t hlen = sizeof(head) - 1,
	             tlen = sizeof(DS_SIGNED_INFO_END) - 1;
	xmlNodePtr si;
	size_t n;

	*out = NULL;
	*outlen = 0;
	if (s->canon != NULL && s->si_end > s->si_start) {
		n = s->si_end - s->si_start;
		if ((*out = malloc(hlen + n + tlen)) == NULL)
			return SP_ERR_NOMEM;
		memcpy(*out, head, hlen);
		memcpy(*out + hlen, s->canon + s->si_start, n);
		memcpy(*out + hlen + n, DS_SIGNED_INFO_END, tlen);
		*outlen = hlen + n + tlen;
		return SP_OK;
	}
	if (s->node == NULL)
		return SP_ERR_INTERNAL; /* the canonical reading has the span */
	for (si = s->node->children; si != NULL; si = si->next)
		if (si->type == XML_ELEMENT_NODE && si->ns != NULL &&
		    strcmp((const char *)si->ns->href, SP_DSIG_NS) == 0 &&
		    strcmp((const char *)si->name, "SignedInfo") == 0)
			break;
	if (si == NULL)
		return SP_ERR_INTERNAL; /* the profile check ran before */
	return sp_trust__c14n_subtree(s->node->doc, si, out, outlen);
}

int sp_trust__canonical_check(xmlDocPtr doc, const uint8_t *buf, size_t len,
                              sp_trust__sig *sig, const char **why)
{
	xmlChar *c14n = NULL, *text = NULL;
	xmlNodePtr c, value = NULL;
	uint8_t raw[2048]; /* RSA up to 16384 bits, OpenSSL's maximum */
	size_t rawlen = 0, n_el = 0;
	int clen, rc = SP_OK;

	if (doc == NULL || buf == NULL || sig == NULL || sig->node == NULL) {
		if (why)
			*why = "missing argument";
		return SP_ERR_INVALID_ARGUMENT;
	}
	/* Rule 1: the bytes are their own exclusive canonical form (without
	 * comments) of the whole tree just parsed. This one comparison
	 * refuses an XML declaration, a byte order mark, comments, CDATA,
	 * references the canonical form would not write, other quoting,
	 * attribute order, spare or moved namespace declarations,
	 * empty-element tags, whitespace in tags and bytes after the root.
	 * The matcher accepts without writing the form; when it does not,
	 * libxml2 writes it, decides and names the difference. */
	if (!sp_trust__c14n_matches(doc, buf, len)) {
		clen = xmlC14NDocDumpMemory(doc, NULL, XML_C14N_EXCLUSIVE_1_0,
		                            NULL, 0, &c14n);
		if (clen < 0 || c14n == NULL)
			REFUSE("the document has no exclusive canonical form");
		if ((size_t)clen != len || memcmp(c14n, buf, len) != 0)
			REFUSE(diagnose(buf, len, c14n, (size_t)clen));
	}

	/* Rule 2: nothing inside ds:Signature but outside ds:SignedInfo that
	 * the signature does not fix: the prefix of the two elements there,
	 * text between the children, and how SignatureValue is written. */
	if (!is_ds_prefixed(sig->node))
		REFUSE("ds:Signature is not written with the prefix ds");
	for (c = sig->node->children; c != NULL; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			REFUSE("text between the children of ds:Signature");
		if (++n_el == 2)
			value = c;
		if (!is_ds_prefixed(c))
			REFUSE("an element of ds:Signature is not written with "
			       "the prefix ds");
	}
	/* Rule 3: KeyInfo is not signed: anyone could add, strip or swap it. */
	if (n_el != 2)
		REFUSE("KeyInfo in a record");
	if (value == NULL || (text = leaf_text(value)) == NULL)
		REFUSE("SignatureValue is not one text");
	if (sp_b64_decode((const char *)text, strlen((const char *)text), raw,
	                  sizeof(raw), &rawlen) != SP_OK)
		REFUSE("SignatureValue is not canonical base64 (padded, no "
		       "whitespace)");
	/* Rule 4: of the twins (r, s) and (r, n - s) only the low one. A
	 * value of another length is left to the cryptographic check. SM2
	 * has no such twin ((r, n - s) does not verify) and its r || s is
	 * fixed-width, so its one form is already the only one that verifies
	 * (SPEC [SIG-37]). */
	if (sig->alg == SP_KEY_P256 && rawlen == 64 &&
	    sp_trust__ecdsa_high_s(raw))
		REFUSE("a high-s ECDSA signature");
	if (signature_span(buf, len, &sig->sig_start, &sig->sig_end) != 0)
		REFUSE("ds:Signature is not where the canonical form puts it");
	sig->canon = buf;
	sig->canon_len = len;
	signed_info_span(buf, sig->sig_start, sig->sig_end, &sig->si_start,
	                 &sig->si_end);
done:
	xmlFree(text);
	if (c14n != NULL)
		xmlFree(c14n);
	return rc;
}

void sp_trust__canonical_hint(xmlDocPtr doc, const uint8_t *buf, size_t len,
                              sp_trust__sig *sig)
{
	size_t start, end;

	/* Only a signature written with the prefix ds is found in the bytes
	 * (signature_span); the matcher then proves the bytes are the tree's
	 * canonical form, so the span's outside is the reference's input. */
	if (doc == NULL || buf == NULL || sig == NULL || sig->node == NULL ||
	    !is_ds_prefixed(sig->node) ||
	    signature_span(buf, len, &start, &end) != 0 ||
	    !sp_trust__c14n_matches(doc, buf, len))
		return;
	sig->canon = buf;
	sig->canon_len = len;
	sig->sig_start = start;
	sig->sig_end = end;
	signed_info_span(buf, start, end, &sig->si_start, &sig->si_end);
}

int sp_trust__digest_value(xmlNodePtr sig, uint8_t out[32], const char **why)
{
	static const char *const path[] = {"SignedInfo", "Reference",
	                                   "DigestValue"};
	xmlNodePtr n = sig;
	xmlChar *text;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(path) / sizeof(path[0]); i++) {
		xmlNodePtr c;

		for (c = n->children; c != NULL; c = c->next)
			if (c->type == XML_ELEMENT_NODE && c->ns != NULL &&
			    strcmp((const char *)c->ns->href, SP_DSIG_NS) ==
			        0 &&
			    strcmp((const char *)c->name, path[i]) == 0)
				break;
		if (c == NULL) {
			if (why)
				*why = "the signature has no DigestValue";
			return SP_ERR_SIG_PROFILE;
		}
		n = c;
	}
	if ((text = xmlNodeGetContent(n)) == NULL)
		return SP_ERR_NOMEM;
	rc = sp_trust__digest_text((const char *)text, out, why);
	xmlFree(text);
	return rc;
}

int sp_trust__digest_text(const char *text, uint8_t out[32], const char **why)
{
	char b64[64];
	uint8_t raw[48];
	size_t rawlen = 0, i, k;
	int rc;

	/* Inside SignedInfo, so the signature fixes how it is written;
	 * whitespace there is allowed (SIG-21) and is not data. */
	for (i = 0, k = 0; text[i] != '\0' && k < sizeof(b64); i++)
		if (!is_space((uint8_t)text[i]))
			b64[k++] = text[i];
	rc = text[i] == '\0' ? sp_b64_decode(b64, k, raw, sizeof(raw), &rawlen)
	                     : SP_ERR_TOO_LARGE;
	if (rc != SP_OK || rawlen != 32) {
		if (why)
			*why = "DigestValue is not 32 bytes of base64";
		return SP_ERR_SIG_PROFILE;
	}
	memcpy(out, raw, 32);
	return SP_OK;
}

/* The decoded DigestValue of the one Reference of the root's ds:Signature. */
static int digest_value(xmlDocPtr doc, uint8_t out[32], const char **why)
{
	xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL, n,
	           last = NULL;

	for (n = root ? root->children : NULL; n != NULL; n = n->next)
		if (n->type == XML_ELEMENT_NODE)
			last = n;
	if (last == NULL || last->ns == NULL ||
	    strcmp((const char *)last->ns->href, SP_DSIG_NS) != 0 ||
	    strcmp((const char *)last->name, "Signature") != 0) {
		if (why)
			*why = "the document is not signed";
		return SP_ERR_SIG_MISSING;
	}
	return sp_trust__digest_value(last, out, why);
}

int sp_signed_content_digest(sp_doc *doc, uint8_t out[32], const char **why)
{
	if (doc == NULL || out == NULL) {
		if (why)
			*why = "missing argument";
		return SP_ERR_INVALID_ARGUMENT;
	}
	return digest_value(sp_doc_tree(doc), out, why);
}

int sp_signed_content_digest_of(const uint8_t *buf, size_t len, uint8_t out[32],
                                const char **why)
{
	sp_limits lim;
	sp_doc *doc = NULL;
	int rc;

	if (buf == NULL || out == NULL) {
		if (why)
			*why = "missing argument";
		return SP_ERR_INVALID_ARGUMENT;
	}
	/* A record this node verified and holds: whatever limits were in
	 * force then, its own size and shape are within them. */
	lim.max_bytes = len;
	lim.max_depth = 1u << 16;
	lim.max_elements = len;
	rc = sp_doc_parse(buf, len, SP_DOC_RECORD, &lim, &doc, why);
	if (rc == SP_OK)
		rc = digest_value(sp_doc_tree(doc), out, why);
	sp_doc_free(doc);
	return rc;
}
