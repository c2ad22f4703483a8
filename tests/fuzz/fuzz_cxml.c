/* fuzz_cxml.c: libFuzzer target, differential: the canonical reader
 * (sp_cx_read) against libxml2. Whatever the input, when the reader accepts
 * it, silkport's hardened parser (sp_proto__parse_tree) accepts it too with
 * the same limits, libxml2's exclusive C14N of the parsed tree is the input
 * byte for byte, and the two trees agree: element names and namespaces,
 * attributes and their values, the joined direct text of each element, and
 * the byte offsets frame each element's tags. abort() on any difference.
 * And the other way: what is libxml2's own exclusive canonical form of its
 * tree and stays inside the modelled subset (SREP and ds: names only, ASCII
 * names) the reader must accept, or the fast path would be lost for it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/c14n.h>
#include <libxml/tree.h>

#include "protocol_int.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (sp_protocol_init() != SP_OK)
		abort();
	return 0;
}

static void same_bytes(const void *a, size_t alen, const void *b, size_t blen)
{
	if (alen != blen || memcmp(a, b, alen) != 0)
		abort();
}

static void same_name_ns(const sp_cx_node *c, xmlNodePtr x)
{
	const char *uri = c->ns == SP_CX_NS_DSIG ? SP_DSIG_NS : SP_NS;

	if (x->type != XML_ELEMENT_NODE || x->ns == NULL ||
	    !xmlStrEqual(x->name, SP_XC(c->name)) ||
	    !xmlStrEqual(x->ns->href, SP_XC(uri)))
		abort();
	if (c->ns == SP_CX_NS_DSIG ? !xmlStrEqual(x->ns->prefix, SP_XC("ds"))
	                           : x->ns->prefix != NULL)
		abort();
}

static void same_attrs(const sp_cx_node *c, xmlNodePtr x)
{
	size_t i = 0;

	for (xmlAttrPtr a = x->properties; a != NULL; a = a->next, i++) {
		xmlChar *v;

		if (i >= c->n_attrs || a->ns != NULL ||
		    !xmlStrEqual(a->name, SP_XC(c->attrs[i].name)))
			abort();
		v = xmlNodeGetContent((xmlNodePtr)a);
		if (v == NULL)
			abort();
		same_bytes(v, strlen((const char *)v), c->attrs[i].value,
		           c->attrs[i].value_len);
		if (c->attrs[i].value[c->attrs[i].value_len] != '\0')
			abort();
		xmlFree(v);
	}
	if (i != c->n_attrs || (i == 0 && c->attrs != NULL))
		abort();
}

/* The offsets frame the tags as the input has them. */
static void same_frame(const sp_cx_node *c, const uint8_t *data, size_t size)
{
	size_t q = strlen(c->name) + (c->ns == SP_CX_NS_DSIG ? 3 : 0);

	if (!(c->start < c->inner_start && c->inner_start <= c->inner_end &&
	      c->inner_end < c->end && c->end <= size))
		abort();
	if (data[c->start] != '<' || data[c->inner_start - 1] != '>' ||
	    data[c->inner_end] != '<' || data[c->inner_end + 1] != '/' ||
	    data[c->end - 1] != '>' || c->end - c->inner_end != q + 3 ||
	    memcmp(data + c->start + 1, data + c->inner_end + 2, q) != 0)
		abort();
}

static void same_tree(const sp_cx_node *c, xmlNodePtr x, const uint8_t *data,
                      size_t size)
{
	const sp_cx_node *cc = c->first;
	size_t at = c->inner_start, tl = 0;
	char *text = malloc(c->text_len + 1);

	if (text == NULL)
		abort();
	same_name_ns(c, x);
	same_attrs(c, x);
	same_frame(c, data, size);
	for (xmlNodePtr k = x->children; k != NULL; k = k->next) {
		if (k->type == XML_TEXT_NODE) {
			size_t n = xmlStrlen(k->content);

			if (tl + n > c->text_len)
				abort();
			memcpy(text + tl, k->content, n);
			tl += n;
		} else if (k->type == XML_ELEMENT_NODE) {
			if (cc == NULL || cc->parent != c || cc->start < at ||
			    cc->end > c->inner_end)
				abort();
			same_tree(cc, k, data, size);
			at = cc->end;
			cc = cc->next;
		} else {
			abort(); /* a comment, CDATA, PI, entity: not canonical
			          */
		}
	}
	if (cc != NULL)
		abort();
	same_bytes(text, tl, c->text, c->text_len);
	if (c->text[c->text_len] != '\0')
		abort();
	free(text);
}

/* An ASCII name the reader models: [A-Za-z_][A-Za-z0-9._-]*, at most 1000
 * bytes, not starting with "xml" in any case. */
static int modelled_name(const xmlChar *n)
{
	size_t len = xmlStrlen(n);

	if (len == 0 || len > 1000 || (n[0] >= '0' && n[0] <= '9') ||
	    n[0] == '.' || n[0] == '-')
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!((n[i] >= 'a' && n[i] <= 'z') ||
		      (n[i] >= 'A' && n[i] <= 'Z') ||
		      (n[i] >= '0' && n[i] <= '9') || n[i] == '_' ||
		      n[i] == '.' || n[i] == '-'))
			return 0;
	return !(len >= 3 && (n[0] | 0x20) == 'x' && (n[1] | 0x20) == 'm' &&
	         (n[2] | 0x20) == 'l');
}

/* 1 if every element of the tree is in SREP unprefixed (the root too) or
 * in DSIG with the prefix ds, with modelled names and only unqualified
 * attributes: what the reader reads when the bytes are the canonical form. */
static int modelled_tree(xmlNodePtr n, int root)
{
	if (n->ns == NULL || !modelled_name(n->name))
		return 0;
	if (xmlStrEqual(n->ns->href, SP_XC(SP_NS))) {
		if (n->ns->prefix != NULL)
			return 0;
	} else if (root || !xmlStrEqual(n->ns->href, SP_XC(SP_DSIG_NS)) ||
	           !xmlStrEqual(n->ns->prefix, SP_XC("ds"))) {
		return 0;
	}
	for (xmlAttrPtr a = n->properties; a != NULL; a = a->next)
		if (a->ns != NULL || !modelled_name(a->name))
			return 0;
	for (xmlNodePtr k = n->children; k != NULL; k = k->next)
		if (k->type == XML_ELEMENT_NODE && !modelled_tree(k, 0))
			return 0;
	return 1;
}

/* Refused by the reader: then not libxml2's canonical form of a tree in the
 * modelled subset. */
static void check_refusal(const uint8_t *data, size_t size)
{
	xmlDocPtr doc = NULL;
	xmlChar *c14n = NULL;
	const char *why = NULL;
	int n;

	if (sp_proto__parse_tree(data, size, NULL, &doc, &why) != SP_OK)
		return;
	n = xmlC14NDocDumpMemory(doc, NULL, XML_C14N_EXCLUSIVE_1_0, NULL, 0,
	                         &c14n);
	if (n >= 0 && c14n != NULL && (size_t)n == size &&
	    memcmp(c14n, data, size) == 0 &&
	    modelled_tree(xmlDocGetRootElement(doc), 1))
		abort(); /* canonical and modelled, yet refused */
	xmlFree(c14n);
	xmlFreeDoc(doc);
}

/* 1 if the full path refuses the input under lim. */
static int refused(const uint8_t *data, size_t size, const sp_limits *lim)
{
	xmlDocPtr doc = NULL;
	const char *why = NULL;

	if (sp_proto__parse_tree(data, size, lim, &doc, &why) != SP_OK)
		return 1;
	xmlFreeDoc(doc);
	return 0;
}

/* The reader's answer, checked against the full path when it accepts. */
static int differ(const uint8_t *data, size_t size, const sp_limits *lim)
{
	sp_cx_doc *d = NULL;
	xmlDocPtr doc = NULL;
	xmlChar *c14n = NULL;
	const char *why = NULL;
	int rc = sp_cx_read(data, size, lim, &d), n;

	if (rc != SP_OK) {
		if (d != NULL || (rc != SP_CX_OTHER && rc != SP_ERR_NOMEM))
			abort();
		return rc;
	}
	if (sp_proto__parse_tree(data, size, lim, &doc, &why) != SP_OK)
		abort(); /* the reader accepted what the full path refuses */
	n = xmlC14NDocDumpMemory(doc, NULL, XML_C14N_EXCLUSIVE_1_0, NULL, 0,
	                         &c14n);
	if (n < 0 || c14n == NULL)
		abort();
	same_bytes(c14n, (size_t)n, data, size);
	xmlFree(c14n);
	if (doc->children != xmlDocGetRootElement(doc) ||
	    doc->children->next != NULL)
		abort();
	if (sp_cx_root(d)->parent != NULL || sp_cx_root(d)->start != 0 ||
	    sp_cx_root(d)->end != size)
		abort();
	same_tree(sp_cx_root(d), xmlDocGetRootElement(doc), data, size);
	xmlFreeDoc(doc);
	sp_cx_free(d);
	return SP_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sp_limits lim;
	int whole;

	if (size > 1 << 16)
		return 0;
	whole = differ(data, size, NULL);
	if (whole == SP_CX_OTHER)
		check_refusal(data, size);
	/* and small limits, so that both count depth and elements alike: when
	 * only the limits refuse, the full path refuses too */
	if (size > 0) {
		sp_limits_default(&lim);
		lim.max_depth = 1 + (unsigned)(size % 8);
		lim.max_elements = 1 + (size_t)(data[size / 2] % 32);
		if (differ(data, size, &lim) != SP_OK && whole == SP_OK &&
		    refused(data, size, &lim) == 0)
			abort();
	}
	return 0;
}
