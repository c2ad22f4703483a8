/* sigparse.c: the parser-attack variants of the signature-profile
 * assertions: DOCTYPEs and entities, depth, element count and size limits,
 * encodings, well-formedness, wrong documents, processing instructions and
 * xml:id, each made from a valid signed record. */
#include "conf_int.h"
#include "sigcase_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

static int sub(const hctx *h, const char *old, const char *nw, cf_buf *o)
{
	return cf_sig_sub(h, old, nw, o);
}

static int fail_doc(xmlDocPtr d, int rc)
{
	xmlFreeDoc(d);
	return rc;
}

/* Text in the prolog: a signed record has no XML declaration (SPEC 4.6),
 * so at the very beginning. */
static int after_decl(hctx *h, const char *text, cf_buf *o)
{
	size_t tl = strlen(text);

	if ((o->p = malloc(tl + h->valid.n + 1)) == NULL)
		return SP_ERR_NOMEM;
	memcpy(o->p, text, tl);
	memcpy(o->p + tl, h->valid.p, h->valid.n);
	o->n = tl + h->valid.n;
	o->p[o->n] = '\0';
	return SP_OK;
}

static int with_doctype(hctx *h, const char *dt, const char *use, cf_buf *o)
{
	cf_buf t = {NULL, 0};
	int rc = after_decl(h, dt, &t);

	if (rc != SP_OK || use == NULL) {
		if (rc == SP_OK)
			*o = t;
		return rc;
	}
	rc = cf_buf_sub(&t, ">test</Note>", 12, use, strlen(use), o);
	cf_buf_free(&t);
	return rc;
}

int x_doctype(hctx *h, cf_buf *o)
{
	return with_doctype(h, "\n<!DOCTYPE Record>", NULL, o);
}
int x_doctype_entity(hctx *h, cf_buf *o)
{
	return with_doctype(h, "\n<!DOCTYPE Record [<!ENTITY e \"test\">]>",
	                    ">&e;</Note>", o);
}
int x_billion_laughs(hctx *h, cf_buf *o)
{
	char dt[2048];
	size_t k = 0;

	k += (size_t)snprintf(dt + k, sizeof(dt) - k,
	                      "\n<!DOCTYPE Record [<!ENTITY l0 \"lol\">");
	for (int i = 1; i <= 9; i++) {
		k += (size_t)snprintf(dt + k, sizeof(dt) - k, "<!ENTITY l%d \"",
		                      i);
		for (int j = 0; j < 10; j++)
			k += (size_t)snprintf(dt + k, sizeof(dt) - k, "&l%d;",
			                      i - 1);
		k += (size_t)snprintf(dt + k, sizeof(dt) - k, "\">");
	}
	snprintf(dt + k, sizeof(dt) - k, "]>");
	return with_doctype(h, dt, ">&l9;</Note>", o);
}
int x_external_entity(hctx *h, cf_buf *o)
{
	return with_doctype(
	    h,
	    "\n<!DOCTYPE Record [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>",
	    ">&xxe;</Note>", o);
}
int x_external_dtd(hctx *h, cf_buf *o)
{
	return with_doctype(
	    h, "\n<!DOCTYPE Record SYSTEM \"http://127.0.0.1:9/record.dtd\">",
	    NULL, o);
}
int x_pe_external(hctx *h, cf_buf *o)
{
	return with_doctype(h,
	                    "\n<!DOCTYPE Record [<!ENTITY % p SYSTEM "
	                    "\"file:///etc/passwd\"> %p;]>",
	                    NULL, o);
}
int x_pe_internal(hctx *h, cf_buf *o)
{
	return with_doctype(
	    h, "\n<!DOCTYPE Record [<!ENTITY % q \"<!ENTITY r 'test'>\"> %q;]>",
	    ">&r;</Note>", o);
}

static int repeat_note(hctx *h, const char *open, const char *close,
                       size_t times, cf_buf *o)
{
	size_t ol = strlen(open), cl = close ? strlen(close) : 0, at = 1;
	char *s = malloc(times * (ol + cl) + 16);
	int rc;

	if (s == NULL)
		return SP_ERR_NOMEM;
	s[0] = '>';
	for (size_t i = 0; i < times; i++, at += ol)
		memcpy(s + at, open, ol);
	for (size_t i = 0; i < times && cl > 0; i++, at += cl)
		memcpy(s + at, close, cl);
	memcpy(s + at, "</Note>", 8);
	rc = sub(h, ">test</Note>", s, o);
	free(s);
	return rc;
}

int x_deep_10000(hctx *h, cf_buf *o)
{
	return repeat_note(h, "<a>", "</a>", 10000, o);
}
int x_deep_40(hctx *h, cf_buf *o)
{
	return repeat_note(h, "<a>", "</a>", 40, o);
}
int x_many_elements(hctx *h, cf_buf *o)
{
	return repeat_note(h, "<a/>", NULL, 10001, o);
}
int x_too_large(hctx *h, cf_buf *o)
{
	return repeat_note(h, "AAAAAAAAAAAAAAAA", NULL, 131072, o);
}

int x_utf8_invalid(hctx *h, cf_buf *o)
{
	return sub(h, "Green tea",
	           "Green t\xC3\x28"
	           "a",
	           o);
}
int x_utf8_overlong(hctx *h, cf_buf *o)
{
	return sub(h, "Green tea",
	           "Green t\xC0\xAF"
	           "a",
	           o);
}
int x_utf8_surrogate(hctx *h, cf_buf *o)
{
	return sub(h, "Green tea",
	           "Green t\xED\xA0\x80"
	           "a",
	           o);
}
int x_nul(hctx *h, cf_buf *o)
{
	return cf_buf_sub(&h->valid, "Green tea", 9, "Green t\0a", 9, o);
}
int x_latin1(hctx *h, cf_buf *o)
{
	cf_buf t = {NULL, 0};
	int rc = sub(h, "Green tea",
	             "Green t\xE9"
	             "a",
	             &t);

	if (rc == SP_OK)
		rc = cf_buf_sub(
		    &t, "<Record", 7,
		    "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<Record",
		    51, o);
	cf_buf_free(&t);
	return rc;
}
int x_truncated(hctx *h, cf_buf *o)
{
	return cf_buf_set(o, h->valid.p, h->valid.n / 2);
}
int x_empty(hctx *h, cf_buf *o)
{
	(void)h;
	return cf_buf_set(o, "", 0);
}
int x_wrong_ns(hctx *h, cf_buf *o)
{
	return sub(h, "\"" SP_NS "\"", "\"urn:silkport:srep:2\"", o);
}
int x_trust_list(hctx *h, cf_buf *o)
{
	size_t len;
	const uint8_t *b = sp_trust_list_bytes(h->x->trust, &len);

	return cf_buf_set(o, b, len);
}
int x_duplicate_origin(hctx *h, cf_buf *o)
{
	xmlDocPtr d = cf_dom(&h->valid);
	xmlNodePtr n = cf_dom_find(d, SP_NS, "Origin");

	if (n == NULL)
		return fail_doc(d, SP_ERR_INTERNAL);
	xmlAddNextSibling(n, xmlDocCopyNode(n, d, 1));
	return cf_dom_dump(d, o);
}
int x_pi_body(hctx *h, cf_buf *o)
{
	return sub(h, "<Declaration>",
	           "<?silkport ignore-signature?><Declaration>", o);
}
int x_pi_prolog(hctx *h, cf_buf *o)
{
	return after_decl(h,
	                  "\n<?xml-stylesheet type=\"text/xsl\" "
	                  "href=\"file:///etc/passwd\"?>",
	                  o);
}
int x_xml_id(hctx *h, cf_buf *o)
{
	return sub(h, "<Header>", "<Header xml:id=\"h\">", o);
}
