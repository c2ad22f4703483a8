/* tree.c: small helpers to read values from, and build and serialize, libxml2
 * trees. */
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>
#include <libxml/xmlsave.h>

#include "protocol_int.h"

xmlNodePtr sp_proto__first_elem(xmlNodePtr parent)
{
	xmlNodePtr n;

	if (parent == NULL)
		return NULL;
	for (n = parent->children; n != NULL; n = n->next)
		if (n->type == XML_ELEMENT_NODE)
			return n;
	return NULL;
}

xmlNodePtr sp_proto__next_elem(xmlNodePtr node)
{
	xmlNodePtr n;

	if (node == NULL)
		return NULL;
	for (n = node->next; n != NULL; n = n->next)
		if (n->type == XML_ELEMENT_NODE)
			return n;
	return NULL;
}

int sp_proto__is(const xmlNode *node, const char *ns, const char *name)
{
	return node != NULL && node->type == XML_ELEMENT_NODE &&
	       node->ns != NULL && xmlStrEqual(node->ns->href, SP_XC(ns)) &&
	       xmlStrEqual(node->name, SP_XC(name));
}

char *sp_proto__text(xmlNodePtr node)
{
	xmlChar *c = xmlNodeGetContent(node);
	char *s;
	size_t n;

	if (c == NULL)
		return strdup("");
	n = strlen((const char *)c);
	s = malloc(n + 1);
	if (s != NULL)
		memcpy(s, c, n + 1);
	xmlFree(c);
	return s;
}

int sp_proto__text_into(xmlNodePtr node, char *buf, size_t cap,
                        const char *field, const char **why)
{
	xmlChar *c = xmlNodeGetContent(node);
	size_t n;

	buf[0] = '\0';
	if (c == NULL) {
		/* An empty element has no content node. */
		if (node != NULL && node->children == NULL)
			return SP_OK;
		return sp_proto__fail(why, SP_ERR_NOMEM, "out of memory");
	}
	n = strlen((const char *)c);
	if (n >= cap) {
		xmlFree(c);
		return sp_proto__fail(why, SP_ERR_FIELD, "%s is too long",
		                      field);
	}
	memcpy(buf, c, n + 1);
	xmlFree(c);
	return SP_OK;
}

int sp_proto__field(xmlNodePtr *c, const char *name, char *buf, size_t cap,
                    const char **why)
{
	int rc;

	if (!sp_proto__is(*c, SP_NS, name))
		return sp_proto__fail(why, SP_ERR_FIELD, "%s expected", name);
	if ((rc = sp_proto__text_into(*c, buf, cap, name, why)) != SP_OK)
		return rc;
	*c = sp_proto__next_elem(*c);
	return SP_OK;
}

xmlNodePtr sp_proto__expect(xmlNodePtr node, const char *ns, const char *name)
{
	return sp_proto__is(node, ns, name) ? node : NULL;
}

xmlDocPtr sp_proto__new_doc(const char *ns, const char *name, xmlNsPtr *nsp)
{
	xmlDocPtr doc = xmlNewDoc(SP_XC("1.0"));
	xmlNodePtr root;
	xmlNsPtr n;

	*nsp = NULL;
	if (doc == NULL)
		return NULL;
	doc->encoding = xmlStrdup(SP_XC("UTF-8"));
	root = xmlNewDocNode(doc, NULL, SP_XC(name), NULL);
	if (doc->encoding == NULL || root == NULL) {
		xmlFreeNode(root);
		xmlFreeDoc(doc);
		return NULL;
	}
	xmlDocSetRootElement(doc, root);
	n = xmlNewNs(root, SP_XC(ns), NULL);
	if (n == NULL) {
		xmlFreeDoc(doc);
		return NULL;
	}
	xmlSetNs(root, n);
	*nsp = n;
	return doc;
}

xmlNodePtr sp_proto__add(xmlNodePtr parent, xmlNsPtr ns, const char *name,
                         const char *text)
{
	/* xmlNewTextChild escapes the text (xmlNewChild would not). */
	return xmlNewTextChild(parent, ns, SP_XC(name), SP_XC(text));
}

int sp_proto__serialize(xmlDocPtr doc, uint8_t **out, size_t *outlen)
{
	xmlChar *mem = NULL;
	int size = 0;

	*out = NULL;
	*outlen = 0;
	xmlDocDumpFormatMemoryEnc(doc, &mem, &size, "UTF-8", 1);
	if (mem == NULL || size <= 0) {
		xmlFree(mem);
		return SP_ERR_NOMEM;
	}
	*out = malloc((size_t)size);
	if (*out == NULL) {
		xmlFree(mem);
		return SP_ERR_NOMEM;
	}
	memcpy(*out, mem, (size_t)size);
	*outlen = (size_t)size;
	xmlFree(mem);
	return SP_OK;
}

int sp_proto__finish(xmlDocPtr doc, sp_doc_kind kind, uint8_t **out,
                     size_t *outlen, const char **why)
{
	uint8_t *bytes = NULL;
	size_t len = 0;
	sp_doc *check = NULL;
	int rc;

	*out = NULL;
	*outlen = 0;
	rc = sp_proto__serialize(doc, &bytes, &len);
	if (rc != SP_OK)
		return sp_proto__fail(why, rc, "cannot serialize the document");
	rc = sp_doc_parse(bytes, len, kind, NULL, &check, why);
	if (rc != SP_OK) {
		free(bytes);
		return rc;
	}
	sp_doc_free(check);
	*out = bytes;
	*outlen = len;
	return SP_OK;
}

/* ---------------------------------------------------------------- a built
 * tree as the parse of its bytes (sp_proto__doc_from_tree) */

/* libxml2's indentation in a tree: what xmlDocDumpFormatMemory() writes
 * around the children of an element whose children are all elements or
 * comments (no text), and what a parse of those bytes keeps as text nodes.
 * So the tree below is the one sp_doc_parse() of sp_proto__finish()'s bytes
 * gives, and a document signed from it is byte for byte the one signed from
 * those bytes (tests/unit/trust/sign_record_test.c compares the two). Inside
 * an element with text, libxml2 writes its whole subtree as it is. */
#define INDENT_MAX_LEVEL 30 /* libxml2's 60-character indent string */

static xmlNodePtr indent_text(xmlDocPtr doc, unsigned level)
{
	char ws[1 + 2 * INDENT_MAX_LEVEL + 1];
	unsigned n = level > INDENT_MAX_LEVEL ? INDENT_MAX_LEVEL : level;

	ws[0] = '\n';
	memset(ws + 1, ' ', 2 * n);
	ws[1 + 2 * n] = '\0';
	return xmlNewDocText(doc, SP_XC(ws));
}

static int element_only(xmlNodePtr e)
{
	xmlNodePtr c;

	if (e->children == NULL)
		return 0;
	for (c = e->children; c != NULL; c = c->next)
		if (c->type == XML_TEXT_NODE ||
		    c->type == XML_CDATA_SECTION_NODE ||
		    c->type == XML_ENTITY_REF_NODE)
			return 0;
	return 1;
}

/* Count e's subtree (e at `depth`, the root at 1) against the caps the
 * hardened parser applies by default: the document a parse of the bytes
 * would refuse is refused here too. */
static int count(xmlNodePtr e, unsigned depth, size_t *elements,
                 const char **why)
{
	xmlNodePtr c;
	int rc;

	if (depth > SP_DEFAULT_MAX_DEPTH)
		return sp_proto__fail(why, SP_ERR_TOO_DEEP,
		                      "element nesting too deep");
	if (++*elements > SP_DEFAULT_MAX_ELEMENTS)
		return sp_proto__fail(why, SP_ERR_TOO_MANY_ELEMENTS,
		                      "too many elements");
	for (c = e->children; c != NULL; c = c->next)
		if (c->type == XML_ELEMENT_NODE &&
		    (rc = count(c, depth + 1, elements, why)) != SP_OK)
			return rc;
	return SP_OK;
}

/* Indent e's subtree, e at `level` (the root at 0), and count it. */
static int indent(xmlDocPtr doc, xmlNodePtr e, unsigned level, size_t *elements,
                  const char **why)
{
	xmlNodePtr c, next, ws;
	int rc;

	if (!element_only(e))
		return count(e, level + 1, elements, why);
	if (level + 1 > SP_DEFAULT_MAX_DEPTH)
		return sp_proto__fail(why, SP_ERR_TOO_DEEP,
		                      "element nesting too deep");
	if (++*elements > SP_DEFAULT_MAX_ELEMENTS)
		return sp_proto__fail(why, SP_ERR_TOO_MANY_ELEMENTS,
		                      "too many elements");
	for (c = e->children; c != NULL; c = next) {
		next = c->next;
		if ((ws = indent_text(doc, level + 1)) == NULL ||
		    xmlAddPrevSibling(c, ws) == NULL) {
			xmlFreeNode(ws);
			return sp_proto__fail(why, SP_ERR_NOMEM,
			                      "out of memory");
		}
		if (c->type == XML_ELEMENT_NODE &&
		    (rc = indent(doc, c, level + 1, elements, why)) != SP_OK)
			return rc;
	}
	if ((ws = indent_text(doc, level)) == NULL ||
	    xmlAddChild(e, ws) == NULL) {
		xmlFreeNode(ws);
		return sp_proto__fail(why, SP_ERR_NOMEM, "out of memory");
	}
	return SP_OK;
}

int sp_proto__doc_from_tree(xmlDocPtr tree, sp_doc_kind kind, sp_doc **out,
                            const char **why)
{
	sp_doc *doc;
	size_t elements = 0;
	int rc;

	*out = NULL;
	if ((rc = indent(tree, xmlDocGetRootElement(tree), 0, &elements,
	                 why)) != SP_OK ||
	    (rc = sp_proto__validate(tree, kind, why)) != SP_OK) {
		xmlFreeDoc(tree);
		return rc;
	}
	if ((doc = calloc(1, sizeof(*doc))) == NULL) {
		xmlFreeDoc(tree);
		return sp_proto__fail(why, SP_ERR_NOMEM, "out of memory");
	}
	doc->kind = kind;
	doc->tree = tree;
	*out = doc;
	return SP_OK;
}
