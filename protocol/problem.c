/* problem.c: RFC 9457 problem documents (XML form) for error answers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "protocol_int.h"

/* Problems are built on error paths and must not fail on odd text: copy s
 * with invalid UTF-8 and characters XML 1.0 cannot carry replaced by '?',
 * cut to at most max bytes on a character boundary. */
static char *clean_text(const char *s, size_t max)
{
	size_t n = strlen(s), o = 0, i = 0;
	char *out = malloc((n < max ? n : max) + 1);

	if (out == NULL)
		return NULL;
	while (i < n) {
		const uint8_t *u = (const uint8_t *)s + i;
		size_t k = 1;

		if (u[0] >= 0x80) {
			k = u[0] >= 0xf0 ? 4 : u[0] >= 0xe0 ? 3 : 2;
			if (i + k > n || !sp_proto__utf8_valid(u, k))
				k = 0;
			/* U+FFFE and U+FFFF are not XML characters. */
			if (k == 3 && u[0] == 0xef && u[1] == 0xbf &&
			    u[2] >= 0xbe)
				k = 0;
		} else if (u[0] < 0x20 && u[0] != '\t' && u[0] != '\n' &&
		           u[0] != '\r') {
			k = 0;
		}
		if (o + (k == 0 ? 1 : k) > max)
			break;
		if (k == 0) {
			out[o++] = '?';
			i++;
		} else {
			memcpy(out + o, s + i, k);
			o += k;
			i += k;
		}
	}
	out[o] = '\0';
	return out;
}

static int add_clean(xmlNodePtr root, xmlNsPtr ns, const char *name,
                     const char *text, size_t max)
{
	char *c = clean_text(text, max);
	xmlNodePtr e;

	if (c == NULL)
		return SP_ERR_NOMEM;
	e = sp_proto__add(root, ns, name, c);
	free(c);
	return e != NULL ? SP_OK : SP_ERR_NOMEM;
}

int sp_problem_build(const sp_problem *p, uint8_t **out, size_t *outlen)
{
	char type[128], status[8];
	const char *name;
	int st;
	xmlDocPtr doc;
	xmlNodePtr root;
	xmlNsPtr ns;
	int rc = SP_ERR_NOMEM;

	if (out != NULL)
		*out = NULL;
	if (outlen != NULL)
		*outlen = 0;
	if (p == NULL || out == NULL || outlen == NULL)
		return SP_ERR_INVALID_ARGUMENT;
	name = sp_strerror(p->err);
	if (sp_err_from_name(name) != p->err || p->err == SP_OK)
		name = sp_strerror(SP_ERR_INTERNAL);
	st = p->status != 0 ? p->status : sp_err_http_status(p->err);
	if (st < 100 || st > 599)
		return SP_ERR_INVALID_ARGUMENT;
	snprintf(type, sizeof(type), "%s%s", SP_ERROR_URI_PREFIX, name);
	snprintf(status, sizeof(status), "%d", st);

	doc = sp_proto__new_doc(SP_PROBLEM_NS, "problem", &ns);
	if (doc == NULL)
		return SP_ERR_NOMEM;
	root = xmlDocGetRootElement(doc);
	if (!sp_proto__add(root, ns, "type", type) ||
	    add_clean(root, ns, "title", p->title != NULL ? p->title : name,
	              1024) != SP_OK ||
	    !sp_proto__add(root, ns, "status", status))
		goto done;
	if (p->detail != NULL &&
	    add_clean(root, ns, "detail", p->detail, 8192) != SP_OK)
		goto done;
	if (!sp_proto__add(root, ns, "error", name))
		goto done;
	if (p->field != NULL &&
	    add_clean(root, ns, "field", p->field, 1024) != SP_OK)
		goto done;
	if (p->request_id != NULL &&
	    add_clean(root, ns, "request-id", p->request_id, 1024) != SP_OK)
		goto done;
	rc = sp_proto__finish(doc, SP_DOC_PROBLEM, out, outlen, NULL);
	if (rc != SP_OK && rc != SP_ERR_NOMEM)
		rc = SP_ERR_INTERNAL;
done:
	xmlFreeDoc(doc);
	return rc;
}

static xmlNodePtr child(xmlNodePtr root, const char *name)
{
	for (xmlNodePtr c = sp_proto__first_elem(root); c != NULL;
	     c = sp_proto__next_elem(c))
		if (sp_proto__is(c, SP_PROBLEM_NS, name))
			return c;
	return NULL;
}

int sp_problem_read(sp_doc *doc, int *err, int *status, char **detail)
{
	xmlNodePtr root, e;
	char buf[2050];
	uint64_t st;
	int rc;

	if (err != NULL)
		*err = SP_ERR_INTERNAL;
	if (status != NULL)
		*status = 0;
	if (detail != NULL)
		*detail = NULL;
	if (doc == NULL || doc->kind != SP_DOC_PROBLEM || err == NULL ||
	    status == NULL)
		return SP_ERR_INVALID_ARGUMENT;
	root = xmlDocGetRootElement(doc->tree);
	if (!sp_proto__is(root, SP_PROBLEM_NS, "problem"))
		return SP_ERR_WRONG_DOCUMENT;

	e = child(root, "status");
	if (e == NULL)
		return SP_ERR_FIELD;
	rc = sp_proto__text_into(e, buf, sizeof(buf), "status", NULL);
	if (rc != SP_OK)
		return rc;
	if (sp_proto__parse_u64(buf, 599, &st) != SP_OK || st < 100)
		return SP_ERR_FIELD;
	*status = (int)st;

	e = child(root, "type");
	if (e == NULL)
		return SP_ERR_FIELD;
	rc = sp_proto__text_into(e, buf, sizeof(buf), "type", NULL);
	if (rc != SP_OK)
		return rc;
	if (strncmp(buf, SP_ERROR_URI_PREFIX, strlen(SP_ERROR_URI_PREFIX)) ==
	    0) {
		int code = sp_err_from_name(buf + strlen(SP_ERROR_URI_PREFIX));
		*err = code == SP_OK ? SP_ERR_INTERNAL : code;
	}

	e = child(root, "detail");
	if (e != NULL && detail != NULL) {
		*detail = sp_proto__text(e);
		if (*detail == NULL)
			return SP_ERR_NOMEM;
	}
	return SP_OK;
}
