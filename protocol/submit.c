/* submit.c: the Submit document a local operator posts to its node: parse it
 * and turn it into a record draft. */
#include "protocol_int.h"

#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#define SUBMIT_MAX_RECIPIENTS  1024
#define SUBMIT_MAX_SUBJECTS    256
#define SUBMIT_MAX_ATTACHMENTS 64

struct sp_submission {
	sp_doc *doc;
	char type[SP_TYPE_MAX + 1];
	char *recipients[SUBMIT_MAX_RECIPIENTS];
	size_t n_recipients;
	int broadcast;
	char *subject_text[SUBMIT_MAX_SUBJECTS][3]; /* kind, scheme, value */
	sp_subject subjects[SUBMIT_MAX_SUBJECTS];
	size_t n_subjects;
	char supersedes[SP_UUID_LEN + 1];
	int has_supersedes;
	uint8_t *body;
	size_t body_len;
	char *att_text[SUBMIT_MAX_ATTACHMENTS][2]; /* media type, profile */
	uint8_t *att_data[SUBMIT_MAX_ATTACHMENTS];
	sp_attachment atts[SUBMIT_MAX_ATTACHMENTS];
	size_t n_atts;
};

void sp_submission_free(sp_submission *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n_recipients; i++)
		free(s->recipients[i]);
	for (i = 0; i < s->n_subjects; i++) {
		free(s->subject_text[i][0]);
		free(s->subject_text[i][1]);
		free(s->subject_text[i][2]);
	}
	for (i = 0; i < s->n_atts; i++) {
		free(s->att_text[i][0]);
		free(s->att_text[i][1]);
		free(s->att_data[i]);
	}
	free(s->body);
	sp_doc_free(s->doc);
	free(s);
}

static char *attr(xmlNodePtr n, const char *name)
{
	xmlChar *v = xmlGetNoNsProp(n, SP_XC(name));
	char *r;

	if (v == NULL)
		return NULL;
	r = strdup((const char *)v);
	xmlFree(v);
	return r;
}

/* Serialize the type element alone, its namespaces declared on it. */
static int dump_element(xmlNodePtr e, uint8_t **out, size_t *len)
{
	xmlDocPtr d = xmlNewDoc(SP_XC("1.0"));
	xmlNodePtr copy;
	xmlBufferPtr b = NULL;
	int rc = SP_ERR_NOMEM;

	*out = NULL;
	if (d == NULL || (copy = xmlDocCopyNode(e, d, 1)) == NULL)
		goto out;
	xmlDocSetRootElement(d, copy);
	if ((b = xmlBufferCreate()) == NULL ||
	    xmlNodeDump(b, d, copy, 0, 0) < 0)
		goto out;
	if ((*out = malloc((size_t)xmlBufferLength(b))) == NULL)
		goto out;
	memcpy(*out, xmlBufferContent(b), (size_t)xmlBufferLength(b));
	*len = (size_t)xmlBufferLength(b);
	rc = SP_OK;
out:
	if (b != NULL)
		xmlBufferFree(b);
	if (d != NULL)
		xmlFreeDoc(d);
	return rc;
}

static int read_attachment(sp_submission *s, xmlNodePtr a, const char **why)
{
	size_t i = s->n_atts, dlen;
	char *b64 = NULL, *digest = NULL, hex[65];
	int rc;

	if (i == SUBMIT_MAX_ATTACHMENTS)
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "Body/Attachment: more than %d",
		                      SUBMIT_MAX_ATTACHMENTS);
	s->att_text[i][0] = attr(a, "mediaType");
	s->att_text[i][1] = attr(a, "profile");
	s->n_atts++;
	digest = attr(a, "sha256");
	b64 = sp_proto__text(a);
	if (s->att_text[i][0] == NULL || s->att_text[i][1] == NULL ||
	    digest == NULL || b64 == NULL) {
		rc = sp_proto__fail(why, SP_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = sp_proto__b64_decode(b64, strlen(b64), &s->att_data[i],
	                               &dlen)) != SP_OK) {
		rc = sp_proto__fail(why, SP_ERR_FIELD,
		                    "Body/Attachment: content is not base64");
		goto out;
	}
	sp_sha256_hex(s->att_data[i], dlen, hex);
	if (strcmp(hex, digest) != 0) {
		rc = sp_proto__fail(
		    why, SP_ERR_ATTACHMENT_DIGEST,
		    "Body/Attachment: sha256 does not match the content");
		goto out;
	}
	s->atts[i].media_type = s->att_text[i][0];
	s->atts[i].profile = s->att_text[i][1];
	s->atts[i].content = s->att_data[i];
	s->atts[i].content_len = dlen;
	rc = SP_OK;
out:
	free(digest);
	free(b64);
	return rc;
}

int sp_submission_parse(const uint8_t *buf, size_t len, const sp_limits *lim,
                        sp_submission **out, const char **why)
{
	sp_submission *s;
	xmlNodePtr root, n, c;
	int rc;

	*out = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return sp_proto__fail(why, SP_ERR_NOMEM, "out of memory");
	if ((rc = sp_doc_parse(buf, len, SP_DOC_SUBMIT, lim, &s->doc, why)) !=
	    SP_OK)
		goto fail;
	root = xmlDocGetRootElement(sp_doc_tree(s->doc));
	/* The schema fixed the order: Type, Recipients, Subject?, Supersedes?,
	 * Body. */
	n = sp_proto__expect(sp_proto__first_elem(root), SP_NS, "Type");
	if (n == NULL) {
		rc = sp_proto__fail(why, SP_ERR_FIELD, "Type: missing");
		goto fail;
	}
	if ((rc = sp_proto__text_into(n, s->type, sizeof(s->type), "Type",
	                              why)) != SP_OK)
		goto fail;
	if (sp_record_type_find(s->type) == NULL) {
		rc = sp_proto__fail(why, SP_ERR_FIELD,
		                    "Type: '%s' is not in the registry",
		                    s->type);
		goto fail;
	}
	n = sp_proto__next_elem(n); /* Recipients */
	for (c = sp_proto__first_elem(n); c != NULL;
	     c = sp_proto__next_elem(c)) {
		if (sp_proto__is(c, SP_NS, "Broadcast")) {
			s->broadcast = 1;
			continue;
		}
		if (s->n_recipients == SUBMIT_MAX_RECIPIENTS) {
			rc = sp_proto__fail(why, SP_ERR_FIELD,
			                    "Recipients: more than %d",
			                    SUBMIT_MAX_RECIPIENTS);
			goto fail;
		}
		if ((s->recipients[s->n_recipients++] = sp_proto__text(c)) ==
		    NULL) {
			rc = sp_proto__fail(why, SP_ERR_NOMEM, "out of memory");
			goto fail;
		}
	}
	n = sp_proto__next_elem(n);
	if (n != NULL && sp_proto__is(n, SP_NS, "Subject")) {
		for (c = sp_proto__first_elem(n); c != NULL;
		     c = sp_proto__next_elem(c)) {
			size_t i = s->n_subjects;

			if (i == SUBMIT_MAX_SUBJECTS) {
				rc = sp_proto__fail(why, SP_ERR_FIELD,
				                    "Subject: more than %d",
				                    SUBMIT_MAX_SUBJECTS);
				goto fail;
			}
			s->n_subjects++;
			s->subject_text[i][0] = strdup((const char *)c->name);
			s->subject_text[i][1] = attr(c, "scheme");
			s->subject_text[i][2] = sp_proto__text(c);
			if (s->subject_text[i][0] == NULL ||
			    s->subject_text[i][2] == NULL) {
				rc = sp_proto__fail(why, SP_ERR_NOMEM,
				                    "out of memory");
				goto fail;
			}
			s->subjects[i].kind = s->subject_text[i][0];
			s->subjects[i].scheme = s->subject_text[i][1];
			s->subjects[i].value = s->subject_text[i][2];
		}
		n = sp_proto__next_elem(n);
	}
	if (n != NULL && sp_proto__is(n, SP_NS, "Supersedes")) {
		if ((rc = sp_proto__text_into(n, s->supersedes,
		                              sizeof(s->supersedes),
		                              "Supersedes", why)) != SP_OK)
			goto fail;
		s->has_supersedes = 1;
		n = sp_proto__next_elem(n);
	}
	if (n == NULL || !sp_proto__is(n, SP_NS, "Body")) {
		rc = sp_proto__fail(why, SP_ERR_FIELD, "Body: missing");
		goto fail;
	}
	c = sp_proto__first_elem(n);
	if (c == NULL ||
	    (rc = dump_element(c, &s->body, &s->body_len)) != SP_OK) {
		rc = c == NULL
		         ? sp_proto__fail(why, SP_ERR_FIELD,
		                          "Body: no type element")
		         : sp_proto__fail(why, SP_ERR_NOMEM, "out of memory");
		goto fail;
	}
	for (c = sp_proto__next_elem(c); c != NULL; c = sp_proto__next_elem(c))
		if ((rc = read_attachment(s, c, why)) != SP_OK)
			goto fail;
	*out = s;
	return SP_OK;
fail:
	sp_submission_free(s);
	return rc;
}

int sp_submission_draft(sp_submission *s, sp_record_draft *d, const char **why)
{
	(void)why;
	memset(d, 0, sizeof(*d));
	d->type = s->type;
	d->broadcast = s->broadcast;
	d->recipients = (const char *const *)s->recipients;
	d->n_recipients = s->n_recipients;
	d->subjects = s->subjects;
	d->n_subjects = s->n_subjects;
	d->supersedes = s->has_supersedes ? s->supersedes : NULL;
	d->body = s->body;
	d->body_len = s->body_len;
	d->attachments = s->atts;
	d->n_attachments = s->n_atts;
	return SP_OK;
}

/* Deep-copy n from src under parent in dst, using parent's namespaces. */
static int clone_into(xmlDocPtr src, xmlNodePtr n, xmlDocPtr dst,
                      xmlNodePtr parent)
{
	xmlNodePtr r = NULL;

	if (xmlDOMWrapCloneNode(NULL, src, n, &r, dst, parent, 1, 0) != 0 ||
	    r == NULL)
		return -1;
	if (xmlAddChild(parent, r) == NULL) {
		xmlFreeNode(r);
		return -1;
	}
	return 0;
}

int sp_submission_build(const sp_record_draft *d, uint8_t **out, size_t *outlen,
                        const char **why)
{
	sp_record_draft rd = *d;
	uint8_t *rec = NULL;
	size_t rec_len;
	sp_doc *doc = NULL;
	xmlDocPtr sub = NULL;
	xmlNsPtr ns;
	xmlNodePtr root, header, body, c, next;
	int rc;

	*out = NULL;
	/* Build and check it as a record, then keep what a submission holds. */
	rd.record_id = NULL;
	rd.origin = "SUBMIT";
	rd.sequence = 0;
	rd.issued = 0;
	if ((rc = sp_record_build(&rd, &rec, &rec_len, why)) != SP_OK)
		return rc;
	if ((rc = sp_doc_parse(rec, rec_len, SP_DOC_RECORD, NULL, &doc, why)) !=
	    SP_OK)
		goto out;
	rc = SP_ERR_NOMEM;
	if ((sub = sp_proto__new_doc(SP_NS, "Submit", &ns)) == NULL)
		goto out;
	root = xmlDocGetRootElement(sub);
	if (!xmlSetProp(root, SP_XC("version"), SP_XC("1")))
		goto out;
	header = sp_proto__first_elem(xmlDocGetRootElement(sp_doc_tree(doc)));
	body = sp_proto__next_elem(header);
	for (c = sp_proto__first_elem(header); c != NULL; c = next) {
		next = sp_proto__next_elem(c);
		if (sp_proto__is(c, SP_NS, "RecordId") ||
		    sp_proto__is(c, SP_NS, "Origin") ||
		    sp_proto__is(c, SP_NS, "Sequence") ||
		    sp_proto__is(c, SP_NS, "Issued"))
			continue;
		if (clone_into(sp_doc_tree(doc), c, sub, root) != 0)
			goto out;
	}
	if (clone_into(sp_doc_tree(doc), body, sub, root) != 0)
		goto out;
	rc = sp_proto__finish(sub, SP_DOC_SUBMIT, out, outlen, why);
out:
	if (sub != NULL)
		xmlFreeDoc(sub);
	sp_doc_free(doc);
	free(rec);
	return rc;
}
