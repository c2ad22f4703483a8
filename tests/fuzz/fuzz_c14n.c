/* fuzz_c14n.c: libFuzzer target, differential: sp_trust__c14n_matches(),
 * the check that bytes are the exclusive C14N of a tree (SPEC 4.6 rule 1)
 * made without writing the form, against libxml2's xmlC14NDocDumpMemory().
 * Whatever the input, parsed with silkport's parser options and plainly by
 * libxml2 (CDATA sections kept): the matcher never accepts bytes that are
 * not libxml2's canonical form of the tree, neither the input itself nor a
 * one-byte change of the form; it accepts the form of a tree without a
 * DOCTYPE unless the tree holds what it leaves to libxml2 (a namespace URI
 * with a quote, more than 16 attributes on an element, a node silkport's
 * parser refuses, such as a PI). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/c14n.h>
#include <libxml/parser.h>

#include "trust_int.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (sp_trust_init() != SP_OK)
		abort();
	return 0;
}

/* What the matcher leaves to libxml2 although a form exists. */
static int left_to_libxml2(xmlDocPtr doc)
{
	xmlNodePtr n = xmlDocGetRootElement(doc);

	for (xmlNodePtr d = doc->children; d != NULL; d = d->next)
		if (d != n && d->type != XML_COMMENT_NODE)
			return 1; /* a PI outside the root, say */
	while (n != NULL) {
		if (n->type == XML_ELEMENT_NODE) {
			int attrs = 0;

			for (xmlAttrPtr a = n->properties; a != NULL;
			     a = a->next)
				attrs++;
			if (attrs > 15)
				return 1;
			for (xmlNsPtr d = n->nsDef; d != NULL; d = d->next)
				if (d->href != NULL &&
				    strchr((const char *)d->href, '"') != NULL)
					return 1;
		} else if (n->type != XML_TEXT_NODE &&
		           n->type != XML_COMMENT_NODE &&
		           n->type != XML_CDATA_SECTION_NODE) {
			return 1;
		}
		if (n->type == XML_ELEMENT_NODE && n->children != NULL) {
			n = n->children;
			continue;
		}
		while (n != NULL && n->next == NULL)
			n = n->parent != NULL &&
			            n->parent->type == XML_ELEMENT_NODE
			        ? n->parent
			        : NULL;
		if (n != NULL)
			n = n->next;
	}
	return 0;
}

static void check(xmlDocPtr doc, const uint8_t *data, size_t size, int hardened)
{
	xmlChar *c = NULL;
	int len = xmlC14NDocDumpMemory(doc, NULL, XML_C14N_EXCLUSIVE_1_0, NULL,
	                               0, &c);
	int is_form = len >= 0 && c != NULL && (size_t)len == size &&
	              memcmp(c, data, size) == 0;

	if (sp_trust__c14n_matches(doc, data, size) && !is_form)
		abort(); /* accepted bytes that are not the form */
	if (len >= 0 && c != NULL) {
		size_t i = size % ((size_t)len + 1);

		if (hardened && !sp_trust__c14n_matches(doc, c, (size_t)len) &&
		    !left_to_libxml2(doc))
			abort(); /* refused libxml2's own form */
		if (i < (size_t)len) {
			c[i] ^= 0x20;
			if (sp_trust__c14n_matches(doc, c, (size_t)len))
				abort(); /* accepted a changed byte */
		}
	}
	xmlFree(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 1 << 16)
		return 0;
	/* with silkport's parser options, and plainly (CDATA kept) */
	for (int silkport = 1; silkport >= 0; silkport--) {
		xmlDocPtr doc = xmlReadMemory(
		    (const char *)data, (int)size, NULL, NULL,
		    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
		        (silkport ? XML_PARSE_NOCDATA : 0));

		if (doc == NULL)
			continue;
		/* silkport refuses a DOCTYPE before any of this */
		check(doc, data, size, silkport && doc->intSubset == NULL);
		xmlFreeDoc(doc);
	}
	return 0;
}
