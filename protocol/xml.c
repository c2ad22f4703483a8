/* xml.c: the hardened XML parser (SPEC 14.2 and the notes in
 * protocol/README.md) and the sp_doc handle. */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/globals.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "protocol_int.h"

/* ---------------------------------------------------------------- diagnostics
 */

static sp_diag_hook diag_hook;

void sp_protocol_set_diag_hook(sp_diag_hook fn)
{
	diag_hook = fn;
}

void sp_protocol_diag(const char *library, const char *text)
{
	if (diag_hook != NULL && text != NULL)
		diag_hook(library, text);
}

/* libxml2 ends its messages with a newline: drop trailing white space. */
static void trim(char *text)
{
	size_t n = strlen(text);

	while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == ' '))
		text[--n] = '\0';
}

/* Errors that no context handler took (C14N, XPath, tree, I/O): libxml2
 * would print them, several lines per hostile document, to stderr. */
static void on_lib_error(void *ctx, xmlErrorPtr e)
{
	char msg[400], text[512];

	(void)ctx;
	if (diag_hook == NULL || e == NULL)
		return;
	snprintf(msg, sizeof(msg), "%s",
	         e->message != NULL ? e->message : "error");
	trim(msg);
	snprintf(text, sizeof(text), "%s (domain %d, code %d)", msg, e->domain,
	         e->code);
	sp_protocol_diag("libxml2", text);
}

__attribute__((format(printf, 2, 3))) static void
on_lib_generic(void *ctx, const char *fmt, ...)
{
	char text[512];
	va_list ap;

	(void)ctx;
	if (diag_hook == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	trim(text);
	sp_protocol_diag("libxml2", text);
}

void sp_proto__route_lib_errors(void)
{
	/* libxml2 keeps these per thread: this thread's, and the default
	 * that threads started later (the worker pool) begin with. */
	xmlSetStructuredErrorFunc(NULL, on_lib_error);
	xmlSetGenericErrorFunc(NULL, on_lib_generic);
	xmlThrDefSetStructuredErrorFunc(NULL, on_lib_error);
	xmlThrDefSetGenericErrorFunc(NULL, on_lib_generic);
}

/* The only parser options ever used on untrusted input. Without
 * XML_PARSE_NODICT the tree keeps the names the parser interned in the
 * document's own dictionary (randomized hash, freed with the document)
 * instead of a malloc'd copy of each: the parser interns them either way,
 * so this adds no exposure, and it saves a sixth of a record's parse. */
#define SP_PARSE_OPTIONS (XML_PARSE_NONET | XML_PARSE_NOCDATA)

void sp_limits_default(sp_limits *lim)
{
	if (lim == NULL)
		return;
	lim->max_bytes = SP_DEFAULT_MAX_BYTES;
	lim->max_depth = SP_DEFAULT_MAX_DEPTH;
	lim->max_elements = SP_DEFAULT_MAX_ELEMENTS;
}

/* Per-parse state reached from the SAX callbacks through ctxt->_private. */
struct guard {
	const sp_limits *lim;
	unsigned depth;
	size_t elements;
	int err;          /* first refusal, 0 if none */
	char reason[200]; /* reason for err */
	char first[256];  /* first libxml2 error message */
	startElementNsSAX2Func start;
	endElementNsSAX2Func end;
};

static void guard_refuse(xmlParserCtxtPtr ctxt, int err, const char *reason)
{
	struct guard *g = ctxt->_private;

	if (g->err == 0) {
		g->err = err;
		snprintf(g->reason, sizeof(g->reason), "%s", reason);
	}
	xmlStopParser(ctxt);
}

static void on_internal_subset(void *ctx, const xmlChar *name,
                               const xmlChar *ext_id, const xmlChar *sys_id)
{
	(void)name;
	(void)ext_id;
	(void)sys_id;
	guard_refuse(ctx, SP_ERR_DOCTYPE, "a DOCTYPE is not allowed");
}

static void on_external_subset(void *ctx, const xmlChar *name,
                               const xmlChar *ext_id, const xmlChar *sys_id)
{
	(void)name;
	(void)ext_id;
	(void)sys_id;
	guard_refuse(ctx, SP_ERR_DOCTYPE, "a DOCTYPE is not allowed");
}

static void on_pi(void *ctx, const xmlChar *target, const xmlChar *data)
{
	(void)target;
	(void)data;
	guard_refuse(ctx, SP_ERR_PROCESSING_INSTRUCTION,
	             "processing instructions are not allowed");
}

static void on_entity_decl(void *ctx, const xmlChar *name, int type,
                           const xmlChar *public_id, const xmlChar *system_id,
                           xmlChar *content)
{
	(void)name;
	(void)type;
	(void)public_id;
	(void)system_id;
	(void)content;
	guard_refuse(ctx, SP_ERR_DOCTYPE,
	             "entity declarations are not allowed");
}

static void on_start(void *ctx, const xmlChar *localname, const xmlChar *prefix,
                     const xmlChar *uri, int nb_namespaces,
                     const xmlChar **namespaces, int nb_attributes,
                     int nb_defaulted, const xmlChar **attributes)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct guard *g = ctxt->_private;

	g->depth++;
	g->elements++;
	if (g->depth > g->lim->max_depth) {
		guard_refuse(ctxt, SP_ERR_TOO_DEEP, "element nesting too deep");
		return;
	}
	if (g->elements > g->lim->max_elements) {
		guard_refuse(ctxt, SP_ERR_TOO_MANY_ELEMENTS,
		             "too many elements");
		return;
	}
	for (int i = 0; i < nb_attributes; i++) {
		const xmlChar *an = attributes[5 * i];
		const xmlChar *au = attributes[5 * i + 2];

		if (au != NULL && xmlStrEqual(au, XML_XML_NAMESPACE) &&
		    xmlStrEqual(an, SP_XC("id"))) {
			guard_refuse(ctxt, SP_ERR_XML_ID,
			             "xml:id attributes are not allowed");
			return;
		}
	}
	g->start(ctx, localname, prefix, uri, nb_namespaces, namespaces,
	         nb_attributes, nb_defaulted, attributes);
}

static void on_end(void *ctx, const xmlChar *localname, const xmlChar *prefix,
                   const xmlChar *uri)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct guard *g = ctxt->_private;

	if (g->depth > 0)
		g->depth--;
	g->end(ctx, localname, prefix, uri);
}

/* Keep the first message; never let libxml2 print to stderr. */
static void on_error(void *ctx, xmlErrorPtr e)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct guard *g;
	size_t n;

	if (ctxt == NULL || e == NULL || e->level < XML_ERR_ERROR)
		return;
	g = ctxt->_private;
	if (g == NULL || g->first[0] != '\0')
		return;
	snprintf(g->first, sizeof(g->first), "line %d: %s", e->line,
	         e->message != NULL ? e->message : "error");
	n = strlen(g->first);
	while (n > 0 && (g->first[n - 1] == '\n' || g->first[n - 1] == ' '))
		g->first[--n] = '\0';
}

static int ieq(const char *a, size_t alen, const char *b)
{
	size_t blen = strlen(b);

	if (alen != blen)
		return 0;
	for (size_t i = 0; i < alen; i++) {
		char x = a[i], y = b[i];
		if (x >= 'a' && x <= 'z')
			x = (char)(x - 32);
		if (y >= 'a' && y <= 'z')
			y = (char)(y - 32);
		if (x != y)
			return 0;
	}
	return 1;
}

static int is_ws(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* An encoding declaration other than UTF-8 is refused: the bytes were
 * checked as UTF-8 and must be read as UTF-8. */
int sp_proto__check_xml_decl(const uint8_t *buf, size_t len)
{
	size_t i = 0, end, v;

	if (len >= 3 && buf[0] == 0xef && buf[1] == 0xbb && buf[2] == 0xbf)
		i = 3;
	if (len - i < 6 || memcmp(buf + i, "<?xml", 5) != 0 ||
	    !is_ws(buf[i + 5]))
		return SP_OK;
	for (end = i; end + 1 < len; end++)
		if (buf[end] == '?' && buf[end + 1] == '>')
			break;
	if (end + 1 >= len)
		return SP_OK; /* unterminated: the parser refuses it */
	for (v = i + 5; v + 8 <= end; v++) {
		size_t q, s;
		uint8_t quote;

		if (!is_ws(buf[v - 1]) || memcmp(buf + v, "encoding", 8) != 0)
			continue;
		q = v + 8;
		while (q < end && is_ws(buf[q]))
			q++;
		if (q >= end || buf[q] != '=')
			return SP_ERR_ENCODING;
		q++;
		while (q < end && is_ws(buf[q]))
			q++;
		if (q >= end || (buf[q] != '"' && buf[q] != '\''))
			return SP_ERR_ENCODING;
		quote = buf[q++];
		s = q;
		while (q < end && buf[q] != quote)
			q++;
		if (q >= end || !ieq((const char *)buf + s, q - s, "UTF-8"))
			return SP_ERR_ENCODING;
		return SP_OK;
	}
	return SP_OK;
}

/* Walk the finished tree: the same rules as the SAX guard, for whatever a
 * callback could not see. */
static int check_tree(xmlDocPtr doc, const sp_limits *lim, const char **why)
{
	xmlNodePtr n;
	unsigned depth = 0;
	size_t count = 0;

	if (doc->intSubset != NULL || doc->extSubset != NULL)
		return sp_proto__fail(why, SP_ERR_DOCTYPE,
		                      "a DOCTYPE is not allowed");
	if (doc->ids != NULL)
		return sp_proto__fail(why, SP_ERR_XML_ID,
		                      "ID attributes are not allowed");
	n = doc->children;
	while (n != NULL) {
		switch (n->type) {
		case XML_ELEMENT_NODE:
			count++;
			if (depth + 1 > lim->max_depth)
				return sp_proto__fail(
				    why, SP_ERR_TOO_DEEP,
				    "element nesting too deep");
			if (count > lim->max_elements)
				return sp_proto__fail(why,
				                      SP_ERR_TOO_MANY_ELEMENTS,
				                      "too many elements");
			for (xmlAttrPtr a = n->properties; a != NULL;
			     a = a->next)
				if (a->ns != NULL &&
				    xmlStrEqual(a->ns->href,
				                XML_XML_NAMESPACE) &&
				    xmlStrEqual(a->name, SP_XC("id")))
					return sp_proto__fail(
					    why, SP_ERR_XML_ID,
					    "xml:id attributes are not "
					    "allowed");
			break;
		case XML_TEXT_NODE:
		case XML_COMMENT_NODE:
		case XML_CDATA_SECTION_NODE:
			break;
		case XML_PI_NODE:
			return sp_proto__fail(
			    why, SP_ERR_PROCESSING_INSTRUCTION,
			    "processing instructions are not allowed");
		case XML_DTD_NODE:
		case XML_ENTITY_DECL:
		case XML_ENTITY_REF_NODE:
		case XML_ENTITY_NODE:
			return sp_proto__fail(
			    why, SP_ERR_DOCTYPE,
			    "DTDs and entities are not allowed");
		default:
			return sp_proto__fail(why, SP_ERR_NOT_WELL_FORMED,
			                      "unexpected node type %d",
			                      (int)n->type);
		}
		if (n->type == XML_ELEMENT_NODE && n->children != NULL) {
			n = n->children;
			depth++;
			continue;
		}
		while (n != NULL && n->next == NULL) {
			n = n->parent;
			if (n == NULL || n->type == XML_DOCUMENT_NODE) {
				n = NULL;
				break;
			}
			depth--;
		}
		if (n != NULL)
			n = n->next;
	}
	return SP_OK;
}

int sp_proto__parse_tree(const uint8_t *buf, size_t len, const sp_limits *limp,
                         xmlDocPtr *out, const char **why)
{
	sp_limits lim;
	xmlParserCtxtPtr ctxt = NULL;
	xmlSAXHandlerPtr sax;
	struct guard g;
	xmlDocPtr doc = NULL;
	int rc;

	*out = NULL;
	if (limp != NULL)
		lim = *limp;
	else
		sp_limits_default(&lim);
	if (buf == NULL && len > 0)
		return sp_proto__fail(why, SP_ERR_INVALID_ARGUMENT, "no input");
	if (len > lim.max_bytes || len > INT_MAX)
		return sp_proto__fail(
		    why, SP_ERR_TOO_LARGE,
		    "document of %zu bytes exceeds the limit of %zu", len,
		    lim.max_bytes);
	if (len == 0)
		return sp_proto__fail(why, SP_ERR_NOT_WELL_FORMED,
		                      "empty document");
	if (!sp_proto__utf8_valid(buf, len))
		return sp_proto__fail(why, SP_ERR_ENCODING,
		                      "not UTF-8, or contains a NUL byte");
	if (sp_proto__check_xml_decl(buf, len) != SP_OK)
		return sp_proto__fail(why, SP_ERR_ENCODING,
		                      "the encoding declaration must be UTF-8");

	memset(&g, 0, sizeof(g));
	g.lim = &lim;
	ctxt = xmlCreateMemoryParserCtxt((const char *)buf, (int)len);
	if (ctxt == NULL)
		return sp_proto__fail(why, SP_ERR_NOMEM, "parser context");
	sax = ctxt->sax;
	if (sax == NULL) {
		rc = sp_proto__fail(why, SP_ERR_INTERNAL, "no SAX handler");
		goto fail;
	}
	/* Options first: they may reset handlers they own; ours come after. */
	xmlCtxtUseOptions(ctxt, SP_PARSE_OPTIONS);
	ctxt->_private = &g;
	g.start = sax->startElementNs;
	g.end = sax->endElementNs;
	if (g.start == NULL || g.end == NULL) {
		rc = sp_proto__fail(why, SP_ERR_INTERNAL, "not a SAX2 parser");
		goto fail;
	}
	sax->startElementNs = on_start;
	sax->endElementNs = on_end;
	sax->internalSubset = on_internal_subset;
	sax->externalSubset = on_external_subset;
	sax->entityDecl = on_entity_decl;
	sax->processingInstruction = on_pi;
	sax->serror = on_error;
	sax->error = NULL;
	sax->warning = NULL;
	ctxt->vctxt.error = NULL;
	ctxt->vctxt.warning = NULL;

	xmlParseDocument(ctxt);
	doc = ctxt->myDoc;
	ctxt->myDoc = NULL;

	if (g.err != 0) {
		rc = sp_proto__fail(why, g.err, "%s", g.reason);
		goto fail;
	}
	if (!ctxt->wellFormed || doc == NULL) {
		rc = sp_proto__fail(why, SP_ERR_NOT_WELL_FORMED, "%s",
		                    g.first[0] != '\0' ? g.first
		                                       : "not well-formed");
		goto fail;
	}
	/* SPEC [XML-9]: XML 1.0 with Namespaces. A namespace error (an
	 * undeclared prefix, an attribute twice by its expanded name, a
	 * prefix bound to the empty name) only clears nsWellFormed: libxml2
	 * builds the tree regardless. */
	if (!ctxt->nsWellFormed) {
		rc = sp_proto__fail(why, SP_ERR_NOT_WELL_FORMED,
		                    "not namespace-well-formed: %s",
		                    g.first[0] != '\0' ? g.first
		                                       : "namespace error");
		goto fail;
	}
	if (doc->version == NULL || !xmlStrEqual(doc->version, SP_XC("1.0"))) {
		rc = sp_proto__fail(why, SP_ERR_NOT_WELL_FORMED,
		                    "XML version must be 1.0");
		goto fail;
	}
	if (doc->encoding != NULL &&
	    !ieq((const char *)doc->encoding,
	         strlen((const char *)doc->encoding), "UTF-8")) {
		rc = sp_proto__fail(why, SP_ERR_ENCODING,
		                    "the encoding declaration must be UTF-8");
		goto fail;
	}
	if (xmlDocGetRootElement(doc) == NULL) {
		rc = sp_proto__fail(why, SP_ERR_NOT_WELL_FORMED,
		                    "no root element");
		goto fail;
	}
	rc = check_tree(doc, &lim, why);
	if (rc != SP_OK)
		goto fail;
	ctxt->_private = NULL;
	xmlFreeParserCtxt(ctxt);
	*out = doc;
	return SP_OK;
fail:
	if (doc != NULL)
		xmlFreeDoc(doc);
	if (ctxt != NULL) {
		ctxt->_private = NULL;
		xmlFreeParserCtxt(ctxt);
	}
	return rc;
}

struct root_of {
	const char *ns;
	const char *name;
};

static const struct root_of *root_for(sp_doc_kind kind)
{
	static const struct root_of roots[] = {
	    {SP_NS, "Record"},         {SP_NS, "Receipt"},
	    {SP_NS, "TrustList"},      {SP_PROBLEM_NS, "problem"},
	    {SP_NS, "Submit"},         {SP_NS, "JoinRequest"},
	    {SP_NS, "RenewalRequest"}, {SP_NS, "TrustListTimestamp"},
	};

	if (kind < SP_DOC_RECORD || kind > SP_DOC_TL_TIMESTAMP)
		return NULL;
	return &roots[kind - SP_DOC_RECORD];
}

/* 1 if n is from or after `from` among its siblings. */
static int find_after(xmlNodePtr from, xmlNodePtr n)
{
	for (xmlNodePtr c = from; c != NULL; c = c->next)
		if (c == n)
			return 1;
	return 0;
}

static int is_dsig_elem(xmlNodePtr n)
{
	return n != NULL && n->type == XML_ELEMENT_NODE && n->ns != NULL &&
	       xmlStrEqual(n->ns->href, SP_XC(SP_DSIG_NS));
}

/* XML-DSig elements may appear only as the root's last child (the
 * enveloped signature slot) and inside it. A TrustList may end in several
 * ds:Signature elements, one per operator (SPEC [TL-71]): *first is the
 * first element of the slot, NULL when there is none. */
static int find_dsig_slot(xmlNodePtr root, int several, xmlNodePtr *first,
                          const char **why)
{
	xmlNodePtr n;

	*first = NULL;
	for (n = root->last; n != NULL; n = n->prev) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (!is_dsig_elem(n))
			break;
		if (!xmlStrEqual(n->name, SP_XC("Signature")))
			return sp_proto__fail(
			    why, SP_ERR_SIG_PROFILE,
			    "only ds:Signature may end the document");
		*first = n;
		if (!several)
			break;
	}
	return SP_OK;
}

static int check_dsig_placement(xmlDocPtr doc, int several, const char **why)
{
	xmlNodePtr root = xmlDocGetRootElement(doc), slot = NULL, n;
	int rc, in_slot;

	if ((rc = find_dsig_slot(root, several, &slot, why)) != SP_OK)
		return rc;
	n = root;
	while (n != NULL) {
		/* the slot runs from its first element to the root's end */
		in_slot =
		    slot != NULL && n->parent == root &&
		    (n == slot ||
		     (n->type == XML_ELEMENT_NODE && is_dsig_elem(n) &&
		      several && xmlStrEqual(n->name, SP_XC("Signature")) &&
		      find_after(slot, n)));
		if (is_dsig_elem(n) && !in_slot)
			return sp_proto__fail(
			    why, SP_ERR_SIG_PROFILE,
			    "XML-DSig element %s outside the signature slot",
			    (const char *)n->name);
		if (n->type == XML_ELEMENT_NODE && !in_slot &&
		    n->children != NULL) {
			n = n->children;
			continue;
		}
		while (n != NULL && n != root && n->next == NULL)
			n = n->parent;
		if (n == NULL || n == root)
			break;
		n = n->next;
	}
	return SP_OK;
}

int sp_doc_parse(const uint8_t *buf, size_t len, sp_doc_kind kind,
                 const sp_limits *lim, sp_doc **out, const char **why)
{
	const struct root_of *ro = root_for(kind);
	xmlDocPtr tree = NULL;
	xmlNodePtr root;
	sp_doc *d = NULL;
	int rc;

	if (out != NULL)
		*out = NULL;
	if (why != NULL)
		*why = NULL;
	if (out == NULL || ro == NULL)
		return sp_proto__fail(why, SP_ERR_INVALID_ARGUMENT,
		                      "bad arguments");
	if (!sp_proto__ready())
		return sp_proto__fail(why, SP_ERR_INTERNAL,
		                      "sp_protocol_init() was not called");
	rc = sp_proto__parse_tree(buf, len, lim, &tree, why);
	if (rc != SP_OK)
		return rc;
	root = xmlDocGetRootElement(tree);
	if (root->ns == NULL || !xmlStrEqual(root->ns->href, SP_XC(ro->ns)) ||
	    !xmlStrEqual(root->name, SP_XC(ro->name))) {
		rc = sp_proto__fail(why, SP_ERR_WRONG_DOCUMENT,
		                    "expected {%s}%s as the root element",
		                    ro->ns, ro->name);
		goto fail;
	}
	rc = sp_proto__validate(tree, kind, why);
	if (rc != SP_OK)
		goto fail;
	rc = check_dsig_placement(tree, kind == SP_DOC_TRUST_LIST, why);
	if (rc != SP_OK)
		goto fail;
	d = calloc(1, sizeof(*d));
	if (d == NULL)
		goto nomem;
	d->bytes = malloc(len);
	if (d->bytes == NULL)
		goto nomem;
	memcpy(d->bytes, buf, len);
	d->len = len;
	d->kind = kind;
	d->tree = tree;
	*out = d;
	return SP_OK;
nomem:
	rc = sp_proto__fail(why, SP_ERR_NOMEM, "out of memory");
fail:
	if (d != NULL)
		free(d->bytes);
	free(d);
	xmlFreeDoc(tree);
	return rc;
}

void sp_doc_free(sp_doc *doc)
{
	if (doc == NULL)
		return;
	xmlFreeDoc(doc->tree);
	free(doc->bytes);
	free(doc);
}

sp_doc_kind sp_doc_get_kind(const sp_doc *doc)
{
	return doc->kind;
}

const uint8_t *sp_doc_bytes(const sp_doc *doc, size_t *len)
{
	if (len != NULL)
		*len = doc->len;
	return doc->bytes;
}

struct _xmlDoc *sp_doc_tree(sp_doc *doc)
{
	return doc->tree;
}
