/* record_build.c: building an unsigned Record from a draft, with its body
 * fragment parsed by the hardened parser. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/tree.h>

#include "protocol_int.h"

#define FRAG_OPEN  "<sp-fragment xmlns=\"" SP_NS "\">"
#define FRAG_CLOSE "</sp-fragment>"

static int all_ws(const xmlChar *s)
{
	if (s == NULL)
		return 1;
	for (; *s != '\0'; s++)
		if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
			return 0;
	return 1;
}

/* Re-raise a nested failure with a prefix naming where it happened. */
static int prefixed(const char **why, int rc, const char *where,
                    const char *inner)
{
	char copy[400];

	snprintf(copy, sizeof(copy), "%s", inner != NULL ? inner : "");
	return sp_proto__fail(why, rc, "%s: %s", where, copy);
}

/* Parse the body fragment with the hardened parser. *frag owns the
 * temporary document; *elem is its single element. */
static int parse_fragment(const uint8_t *body, size_t len, xmlDocPtr *frag,
                          xmlNodePtr *elem, const char **why)
{
	const char *inner = NULL;
	uint8_t *buf;
	size_t i = 0, n;
	sp_limits lim;
	xmlNodePtr c, found = NULL;
	int rc;

	*frag = NULL;
	*elem = NULL;
	if (body == NULL || len == 0)
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "Body: no type element");
	if (len > SP_DEFAULT_MAX_BYTES)
		return sp_proto__fail(why, SP_ERR_TOO_LARGE, "Body: too large");
	if (sp_proto__check_xml_decl(body, len) != SP_OK)
		return sp_proto__fail(
		    why, SP_ERR_ENCODING,
		    "Body: the encoding declaration must be UTF-8");
	/* A leading BOM and XML declaration are allowed and dropped. */
	if (len >= 3 && body[0] == 0xef && body[1] == 0xbb && body[2] == 0xbf)
		i = 3;
	if (len - i >= 6 && memcmp(body + i, "<?xml", 5) == 0 &&
	    (body[i + 5] == ' ' || body[i + 5] == '\t' || body[i + 5] == '\r' ||
	     body[i + 5] == '\n')) {
		size_t e;
		for (e = i; e + 1 < len; e++)
			if (body[e] == '?' && body[e + 1] == '>')
				break;
		if (e + 1 >= len)
			return sp_proto__fail(
			    why, SP_ERR_NOT_WELL_FORMED,
			    "Body: unterminated XML declaration");
		i = e + 2;
	}
	n = strlen(FRAG_OPEN) + (len - i) + strlen(FRAG_CLOSE);
	buf = malloc(n);
	if (buf == NULL)
		return sp_proto__fail(why, SP_ERR_NOMEM, "out of memory");
	memcpy(buf, FRAG_OPEN, strlen(FRAG_OPEN));
	memcpy(buf + strlen(FRAG_OPEN), body + i, len - i);
	memcpy(buf + strlen(FRAG_OPEN) + (len - i), FRAG_CLOSE,
	       strlen(FRAG_CLOSE));
	sp_limits_default(&lim);
	lim.max_bytes = n;
	rc = sp_proto__parse_tree(buf, n, &lim, frag, &inner);
	free(buf);
	if (rc != SP_OK)
		return prefixed(why, rc, "Body", inner);
	for (c = xmlDocGetRootElement(*frag)->children; c != NULL;
	     c = c->next) {
		if (c->type == XML_ELEMENT_NODE) {
			if (found != NULL) {
				rc = sp_proto__fail(
				    why, SP_ERR_FIELD,
				    "Body: more than one type element");
				goto fail;
			}
			found = c;
		} else if (c->type == XML_TEXT_NODE && !all_ws(c->content)) {
			rc = sp_proto__fail(
			    why, SP_ERR_FIELD,
			    "Body: text outside the type element");
			goto fail;
		}
	}
	if (found == NULL) {
		rc = sp_proto__fail(why, SP_ERR_FIELD, "Body: no type element");
		goto fail;
	}
	*elem = found;
	return SP_OK;
fail:
	xmlFreeDoc(*frag);
	*frag = NULL;
	return rc;
}

/* Drop whitespace-only text beside elements, so the layout is uniform. */
static void drop_blank_text(xmlNodePtr e)
{
	xmlNodePtr c, next;
	int has_elem = 0;

	for (c = e->children; c != NULL; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			has_elem = 1;
	if (!has_elem)
		return;
	for (c = e->children; c != NULL; c = next) {
		next = c->next;
		if (c->type == XML_TEXT_NODE && all_ws(c->content)) {
			xmlUnlinkNode(c);
			xmlFreeNode(c);
		}
	}
}

/* Put every element of the copied body that is in no namespace or in SP_NS
 * into SP_NS under the document's default declaration. Default
 * declarations of "" or SP_NS inside the copy are removed (freed at the end,
 * as descendants still point at them until they are visited). */
static int has_dsig(xmlNodePtr top)
{
	xmlNodePtr n = top;

	while (n != NULL) {
		if (n->type == XML_ELEMENT_NODE && n->ns != NULL &&
		    xmlStrEqual(n->ns->href, SP_XC(SP_DSIG_NS)))
			return 1;
		if (n->type == XML_ELEMENT_NODE && n->children != NULL) {
			n = n->children;
			continue;
		}
		while (n != NULL && n != top && n->next == NULL)
			n = n->parent;
		if (n == NULL || n == top)
			break;
		n = n->next;
	}
	return 0;
}

static int adopt(xmlDocPtr doc, xmlNodePtr top, const char **why)
{
	xmlNsPtr dead = NULL, *pp, ns;
	xmlNodePtr n = top;
	int rc = SP_OK;

	while (n != NULL) {
		if (n->type == XML_ELEMENT_NODE) {
			pp = &n->nsDef;
			while (*pp != NULL) {
				ns = *pp;
				if (ns->prefix == NULL &&
				    (ns->href == NULL || ns->href[0] == '\0' ||
				     xmlStrEqual(ns->href, SP_XC(SP_NS)))) {
					*pp = ns->next;
					ns->next = dead;
					dead = ns;
				} else {
					pp = &ns->next;
				}
			}
			if (n->ns == NULL || n->ns->href == NULL ||
			    n->ns->href[0] == '\0' ||
			    xmlStrEqual(n->ns->href, SP_XC(SP_NS))) {
				ns = xmlSearchNs(doc, n, NULL);
				if (ns == NULL ||
				    !xmlStrEqual(ns->href, SP_XC(SP_NS)))
					ns = xmlNewNs(n, SP_XC(SP_NS), NULL);
				if (ns == NULL) {
					rc = sp_proto__fail(why, SP_ERR_NOMEM,
					                    "out of memory");
					break;
				}
				n->ns = ns;
			}
			drop_blank_text(n);
			if (n->children != NULL) {
				n = n->children;
				continue;
			}
		}
		while (n != NULL && n != top && n->next == NULL)
			n = n->parent;
		if (n == NULL || n == top)
			break;
		n = n->next;
	}
	if (dead != NULL)
		xmlFreeNsList(dead);
	return rc;
}

static int check_text(const char *s, const char *field, const char **why)
{
	if (s == NULL || s[0] == '\0')
		return sp_proto__fail(why, SP_ERR_FIELD, "%s: missing", field);
	if (!sp_proto__utf8_valid((const uint8_t *)s, strlen(s)))
		return sp_proto__fail(why, SP_ERR_FIELD, "%s: not UTF-8",
		                      field);
	return SP_OK;
}

static int check_draft(const sp_record_draft *d, const sp_record_type **tp,
                       const char **why)
{
	const sp_record_type *t;

	if (d->record_id != NULL && !sp_uuid_valid(d->record_id))
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "RecordId: not a lowercase v4 UUID");
	if (!sp_node_id_valid(d->origin))
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "Origin: not a node id");
	if (d->sequence > (uint64_t)INT64_MAX)
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "Sequence: out of range");
	t = sp_record_type_find(d->type);
	if (t == NULL)
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "Type: not in the registry");
	if (d->issued < 0)
		return sp_proto__fail(why, SP_ERR_FIELD, "Issued: before 1970");
	if (!d->broadcast) {
		if (d->n_recipients == 0 || d->recipients == NULL)
			return sp_proto__fail(
			    why, SP_ERR_FIELD,
			    "Recipients: none (use broadcast)");
		for (size_t i = 0; i < d->n_recipients; i++) {
			if (!sp_node_id_valid(d->recipients[i]))
				return sp_proto__fail(
				    why, SP_ERR_FIELD,
				    "Recipients/Node: not a node id");
			for (size_t k = 0; k < i; k++)
				if (strcmp(d->recipients[i],
				           d->recipients[k]) == 0)
					return sp_proto__fail(
					    why, SP_ERR_FIELD,
					    "Recipients/Node: duplicate %s",
					    d->recipients[i]);
		}
	}
	if (d->n_subjects > 0 && d->subjects == NULL)
		return sp_proto__fail(why, SP_ERR_FIELD, "Subject: missing");
	for (size_t i = 0; i < d->n_subjects; i++) {
		int rc = sp_proto__subject_check(&d->subjects[i], why);
		if (rc != SP_OK)
			return rc;
	}
	if (d->supersedes != NULL && !sp_uuid_valid(d->supersedes))
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "Supersedes: not a lowercase v4 UUID");
	if (d->supersedes != NULL && d->record_id != NULL &&
	    strcmp(d->supersedes, d->record_id) == 0)
		return sp_proto__fail(
		    why, SP_ERR_FIELD,
		    "Supersedes: a record cannot supersede itself");
	if (d->n_attachments > 0 && d->attachments == NULL)
		return sp_proto__fail(why, SP_ERR_FIELD, "Attachment: missing");
	for (size_t i = 0; i < d->n_attachments; i++) {
		const sp_attachment *a = &d->attachments[i];
		int rc;

		if ((rc = check_text(a->media_type, "Attachment/@mediaType",
		                     why)) != SP_OK ||
		    (rc = check_text(a->profile, "Attachment/@profile", why)) !=
		        SP_OK)
			return rc;
		if (a->content == NULL && a->content_len > 0)
			return sp_proto__fail(why, SP_ERR_FIELD,
			                      "Attachment: no content");
	}
	*tp = t;
	return SP_OK;
}

static int add_header(xmlNodePtr root, xmlNsPtr ns, const sp_record_draft *d,
                      const char **why)
{
	char id[SP_UUID_LEN + 1], when[SP_TIME_TEXT_MAX], seq[24];
	xmlNodePtr h, rc_node, subj;
	int64_t issued = d->issued != 0 ? d->issued : (int64_t)time(NULL);

	if (d->record_id != NULL)
		snprintf(id, sizeof(id), "%s", d->record_id);
	else if (sp_uuid_v4(id) != SP_OK)
		return sp_proto__fail(why, SP_ERR_INTERNAL, "no random UUID");
	if (sp_time_format(issued, when) != SP_OK)
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "Issued: out of range");
	snprintf(seq, sizeof(seq), "%llu", (unsigned long long)d->sequence);

	h = sp_proto__add(root, ns, "Header", NULL);
	if (h == NULL || !sp_proto__add(h, ns, "RecordId", id) ||
	    !sp_proto__add(h, ns, "Origin", d->origin) ||
	    !sp_proto__add(h, ns, "Sequence", seq) ||
	    !sp_proto__add(h, ns, "Type", d->type) ||
	    !sp_proto__add(h, ns, "Issued", when))
		goto nomem;
	rc_node = sp_proto__add(h, ns, "Recipients", NULL);
	if (rc_node == NULL)
		goto nomem;
	if (d->broadcast) {
		if (!sp_proto__add(rc_node, ns, "Broadcast", NULL))
			goto nomem;
	} else {
		for (size_t i = 0; i < d->n_recipients; i++)
			if (!sp_proto__add(rc_node, ns, "Node",
			                   d->recipients[i]))
				goto nomem;
	}
	if (d->n_subjects > 0) {
		subj = sp_proto__add(h, ns, "Subject", NULL);
		if (subj == NULL)
			goto nomem;
		for (size_t i = 0; i < d->n_subjects; i++) {
			const sp_subject *s = &d->subjects[i];
			xmlNodePtr e =
			    sp_proto__add(subj, ns, s->kind, s->value);

			if (e == NULL)
				goto nomem;
			if (s->scheme != NULL &&
			    !xmlSetProp(e, SP_XC("scheme"), SP_XC(s->scheme)))
				goto nomem;
		}
	}
	if (d->supersedes != NULL &&
	    !sp_proto__add(h, ns, "Supersedes", d->supersedes))
		goto nomem;
	return SP_OK;
nomem:
	return sp_proto__fail(why, SP_ERR_NOMEM, "out of memory");
}

static int add_attachments(xmlNodePtr body, xmlNsPtr ns,
                           const sp_record_draft *d, const char **why)
{
	for (size_t i = 0; i < d->n_attachments; i++) {
		const sp_attachment *a = &d->attachments[i];
		char digest[65];
		char *b64 = sp_proto__b64_encode(a->content, a->content_len);
		xmlNodePtr e;

		if (b64 == NULL)
			return sp_proto__fail(why, SP_ERR_NOMEM,
			                      "out of memory");
		sp_sha256_hex(a->content, a->content_len, digest);
		e = sp_proto__add(body, ns, "Attachment", b64);
		free(b64);
		if (e == NULL ||
		    !xmlSetProp(e, SP_XC("mediaType"), SP_XC(a->media_type)) ||
		    !xmlSetProp(e, SP_XC("profile"), SP_XC(a->profile)) ||
		    !xmlSetProp(e, SP_XC("sha256"), SP_XC(digest)))
			return sp_proto__fail(why, SP_ERR_NOMEM,
			                      "out of memory");
	}
	return SP_OK;
}

/* The unsigned Record of a checked draft as a tree: header, the body
 * element from its fragment, attachments. *out is NULL on error. */
static int build_tree(const sp_record_draft *d, xmlDocPtr *out,
                      const char **why)
{
	const sp_record_type *t = NULL;
	xmlDocPtr doc = NULL, frag = NULL;
	xmlNodePtr root, body, elem = NULL, copy;
	xmlNsPtr ns = NULL;
	int rc;

	*out = NULL;
	rc = check_draft(d, &t, why);
	if (rc != SP_OK)
		return rc;
	rc = parse_fragment(d->body, d->body_len, &frag, &elem, why);
	if (rc != SP_OK)
		return rc;
	if (elem == NULL ||
	    (elem->ns != NULL && !xmlStrEqual(elem->ns->href, SP_XC(SP_NS))) ||
	    !xmlStrEqual(elem->name, SP_XC(t->body_element))) {
		rc = sp_proto__fail(why, SP_ERR_TYPE_MISMATCH,
		                    "Type %s needs the body element %s",
		                    t->code, t->body_element);
		goto done;
	}
	if (has_dsig(elem)) {
		rc = sp_proto__fail(why, SP_ERR_FIELD,
		                    "Body: XML-DSig elements are not allowed");
		goto done;
	}

	doc = sp_proto__new_doc(SP_NS, "Record", &ns);
	if (doc == NULL)
		goto nomem;
	root = xmlDocGetRootElement(doc);
	if (!xmlSetProp(root, SP_XC("version"), SP_XC("1")))
		goto nomem;
	rc = add_header(root, ns, d, why);
	if (rc != SP_OK)
		goto done;
	body = sp_proto__add(root, ns, "Body", NULL);
	if (body == NULL)
		goto nomem;
	copy = xmlDocCopyNode(elem, doc, 1);
	if (copy == NULL)
		goto nomem;
	if (xmlAddChild(body, copy) == NULL) {
		xmlFreeNode(copy);
		goto nomem;
	}
	rc = adopt(doc, copy, why);
	if (rc != SP_OK || (rc = sp_proto__body_rules(copy, why)) != SP_OK)
		goto done;
	rc = add_attachments(body, ns, d, why);
	if (rc != SP_OK)
		goto done;
	*out = doc;
	doc = NULL;
	goto done;
nomem:
	rc = sp_proto__fail(why, SP_ERR_NOMEM, "out of memory");
done:
	xmlFreeDoc(doc);
	xmlFreeDoc(frag);
	return rc;
}

int sp_record_build(const sp_record_draft *d, uint8_t **out, size_t *outlen,
                    const char **why)
{
	xmlDocPtr doc = NULL;
	uint8_t *bytes = NULL;
	size_t len = 0;
	sp_doc *check = NULL;
	sp_record *rec = NULL;
	int rc;

	if (out != NULL)
		*out = NULL;
	if (outlen != NULL)
		*outlen = 0;
	if (why != NULL)
		*why = NULL;
	if (d == NULL || out == NULL || outlen == NULL)
		return sp_proto__fail(why, SP_ERR_INVALID_ARGUMENT, "no draft");
	rc = build_tree(d, &doc, why);
	if (rc != SP_OK)
		return rc;
	rc = sp_proto__serialize(doc, &bytes, &len);
	if (rc != SP_OK) {
		rc = sp_proto__fail(why, SP_ERR_NOMEM, "out of memory");
		goto done;
	}
	/* What goes out is what a peer will accept: parse it back. */
	rc = sp_doc_parse(bytes, len, SP_DOC_RECORD, NULL, &check, why);
	if (rc == SP_OK)
		rc = sp_record_read(check, &rec, why);
	if (rc != SP_OK)
		goto done;
	*out = bytes;
	*outlen = len;
	bytes = NULL;
done:
	sp_record_free(rec);
	sp_doc_free(check);
	free(bytes);
	xmlFreeDoc(doc);
	return rc;
}

/* ---------------------------------------------------------------- the tree
 * to sign at once (sp_record_build_doc) */

/* The tree to sign at once. Why no parse and no second schema check of the
 * bytes is safe here: the draft was checked (check_draft), its body parsed
 * by the hardened parser and held to the body rules, and the rest of the
 * tree is built by this file's code from checked values; the tree is the
 * one a parse of sp_record_build()'s bytes gives (indent above), and it is
 * validated against record.xsd and read by sp_record_read() exactly as
 * that parse would be, once, on the tree. Only the serialization and the
 * hardened parser's byte-level checks are skipped, and they guard against
 * bytes from outside, which there are none of. A receiver verifies the
 * signed record in full anyway (SPEC 4.6, SIG-28). */
int sp_record_build_doc(const sp_record_draft *d, sp_doc **out,
                        const char **why)
{
	xmlDocPtr tree = NULL;
	sp_doc *doc = NULL;
	sp_record *rec = NULL;
	int rc;

	if (out != NULL)
		*out = NULL;
	if (why != NULL)
		*why = NULL;
	if (d == NULL || out == NULL)
		return sp_proto__fail(why, SP_ERR_INVALID_ARGUMENT, "no draft");
	rc = build_tree(d, &tree, why);
	if (rc != SP_OK)
		return rc;
	if ((rc = sp_proto__doc_from_tree(tree, SP_DOC_RECORD, &doc, why)) !=
	    SP_OK)
		return rc;
	if ((rc = sp_record_read(doc, &rec, why)) != SP_OK) {
		sp_doc_free(doc);
		return rc;
	}
	sp_record_free(rec);
	*out = doc;
	return SP_OK;
}
