/* fuzz_cxml.c: libFuzzer target, differential: the canonical reader
 * (sp_cx_read) against libxml2. Whatever the input, when the reader accepts
 * it, silkport's hardened parser (sp_proto__parse_tree) accepts it too with
 * the same limits, libxml2's exclusive C14N of the parsed tree is the input
 * byte for byte, and the two trees agree: element names and namespaces,
 * attributes and their values, the joined direct text of each element, and
 * the byte offsets frame each element's tags. abort() on any difference. */
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
