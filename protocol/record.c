/* record.c: the record-type registry, CLI subjects, and reading a Record header
 * from a parsed tree. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/tree.h>

#include "protocol_int.h"

static const sp_record_type registry[] = {
    {"party-registration", "PartyRegistration",
     "an enterprise's filing with the zone"},
    {"order", "Order",
     "an e-commerce order (one of the three matched documents)"},
    {"payment", "Payment", "the payment for an order"},
    {"waybill", "Waybill", "the logistics waybill for an order"},
    {"declaration", "Declaration",
     "B2C inventory (9610, 1210) or B2B export declaration (9710, 9810)"},
    {"risk-assessment", "RiskAssessment",
     "pre-arrival assessment of a party or goods"},
    {"zone-entry", "ZoneEntry", "goods entering a bonded zone"},
    {"inspection", "Inspection", "control instruction and inspection result"},
    {"test-acceptance", "TestAcceptance",
     "accepting a third-party test result"},
    {"tax", "Tax", "tax assessment and status"},
    {"release", "Release", "release or clearance decision"},
    {"transfer", "Transfer", "transit to another customs zone"},
    {"write-off", "WriteOff", "exit write-off or periodic summary"},
    {"cancellation", "Cancellation", "cancelling a declaration"},
    {"return", "Return", "returning goods of a declaration"},
    {"enforcement", "Enforcement", "joint enforcement notice"},
    {"trace", "Trace", "quality and post-clearance trace"},
    {"credit", "Credit", "credit rating or blacklist entry"},
    {"negative-list", "NegativeListEntry",
     "prohibited or restricted goods or party"},
    {"dispute", "Dispute", "consumer dispute case and outcome"},
    {"statistics", "Statistics", "aggregate statistics for a period"},
    {"warehouse", "Warehouse", "public overseas-warehouse stock or movement"},
    {NULL, NULL, NULL},
};

const sp_record_type *sp_record_types(void)
{
	return registry;
}

const sp_record_type *sp_record_type_find(const char *code)
{
	if (code == NULL)
		return NULL;
	for (const sp_record_type *t = registry; t->code != NULL; t++)
		if (strcmp(t->code, code) == 0)
			return t;
	return NULL;
}

sp_type_set sp_type_bit(const char *code)
{
	const sp_record_type *t = sp_record_type_find(code);

	return t != NULL ? (sp_type_set)1 << (t - registry) : 0;
}

int sp_type_set_parse(const char *list, sp_type_set *out, const char **why)
{
	char code[SP_TYPE_MAX + 1];
	const char *p = list;
	sp_type_set set = 0, bit;

	*out = 0;
	if (list == NULL || *list == '\0')
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "no record type given");
	for (;;) {
		size_t n = strcspn(p, ",");

		if (n == 0)
			return sp_proto__fail(why, SP_ERR_FIELD,
			                      "an empty record type");
		if (n > SP_TYPE_MAX)
			n = SP_TYPE_MAX; /* no code is as long: refused below */
		memcpy(code, p, n);
		code[n] = '\0';
		if ((bit = sp_type_bit(code)) == 0 ||
		    (p[n] != '\0' && p[n] != ','))
			return sp_proto__fail(why, SP_ERR_FIELD,
			                      "'%s' is not a record type of "
			                      "the registry (SPEC 5.2)",
			                      code);
		set |= bit;
		if (p[n] == '\0')
			break;
		p += n + 1;
	}
	*out = set;
	return SP_OK;
}

const char *sp_type_set_format(sp_type_set set, char *buf, size_t cap)
{
	size_t len = 0;

	if (cap == 0)
		return buf;
	buf[0] = '\0';
	for (const sp_record_type *t = registry; t->code != NULL; t++) {
		int n;

		if ((set & sp_type_bit(t->code)) == 0)
			continue;
		n = snprintf(buf + len, cap - len, "%s%s", len > 0 ? "," : "",
		             t->code);
		if (n < 0 || (size_t)n >= cap - len)
			break; /* truncated: buf holds what fitted */
		len += (size_t)n;
	}
	return buf;
}

/* ---------------------------------------------------------------- subjects */

static const char *const subject_kinds[] = {
    "Enterprise", "Declaration", "Waybill",    "Order", "Payment",
    "Goods",      "Container",   "Conveyance", "Case",  NULL,
};

/* The canonical kind name, or NULL. */
static const char *subject_kind(const char *s, int icase)
{
	for (size_t i = 0; subject_kinds[i] != NULL; i++)
		if ((icase ? strcasecmp(s, subject_kinds[i])
		           : strcmp(s, subject_kinds[i])) == 0)
			return subject_kinds[i];
	return NULL;
}

/* A subject as the schema accepts it (SPEC.md, Header/Subject). */
int sp_proto__subject_check(const sp_subject *s, const char **why)
{
	const char *kind;
	size_t n, i;

	if (s == NULL || s->kind == NULL || s->value == NULL)
		return sp_proto__fail(why, SP_ERR_FIELD, "Subject: incomplete");
	kind = subject_kind(s->kind, 0);
	if (kind == NULL)
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "Subject: unknown kind");
	if (s->scheme == NULL && strcmp(kind, "Enterprise") == 0)
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "Subject/Enterprise needs a scheme");
	if (s->scheme != NULL) {
		if (strcmp(kind, "Enterprise") != 0 &&
		    strcmp(kind, "Goods") != 0)
			return sp_proto__fail(why, SP_ERR_FIELD,
			                      "Subject/%s takes no scheme",
			                      kind);
		n = strlen(s->scheme);
		if (n == 0 || n > 32)
			return sp_proto__fail(why, SP_ERR_FIELD,
			                      "Subject: bad scheme");
		for (i = 0; i < n; i++) {
			char c = s->scheme[i];
			int alnum = (c >= 'A' && c <= 'Z') ||
			            (c >= 'a' && c <= 'z') ||
			            (c >= '0' && c <= '9');
			if (!alnum &&
			    (i == 0 || (c != '.' && c != '_' && c != '-')))
				return sp_proto__fail(why, SP_ERR_FIELD,
				                      "Subject: bad scheme");
		}
	}
	n = strlen(s->value);
	if (n == 0 || !sp_proto__utf8_valid((const uint8_t *)s->value, n))
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "Subject/%s: bad value", kind);
	if (s->value[0] == ' ' || s->value[0] == '\t' ||
	    s->value[n - 1] == ' ' || s->value[n - 1] == '\t' ||
	    strpbrk(s->value, "\r\n") != NULL)
		return sp_proto__fail(
		    why, SP_ERR_FIELD,
		    "Subject/%s: surrounding whitespace or line break", kind);
	/* 128 characters, counted as code points. */
	for (i = 0, n = 0; s->value[i] != '\0'; i++)
		if (((uint8_t)s->value[i] & 0xc0) != 0x80)
			n++;
	if (n > 128)
		return sp_proto__fail(why, SP_ERR_FIELD, "Subject/%s: too long",
		                      kind);
	return SP_OK;
}

int sp_subject_from_arg(char *arg, sp_subject *out, const char **why)
{
	char *eq;
	const char *kind;

	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (arg == NULL || out == NULL)
		return sp_proto__fail(why, SP_ERR_INVALID_ARGUMENT,
		                      "no subject");
	eq = strchr(arg, '=');
	if (eq == NULL || eq == arg || eq[1] == '\0')
		return sp_proto__fail(why, SP_ERR_INVALID_ARGUMENT,
		                      "subject must be SCHEME=VALUE");
	*eq = '\0';
	kind = subject_kind(arg, 1);
	if (kind != NULL) {
		out->kind = kind;
		out->scheme = NULL;
	} else {
		out->kind = "Enterprise";
		out->scheme = arg;
	}
	out->value = eq + 1;
	if (sp_proto__subject_check(out, why) != SP_OK) {
		*eq = '=';
		memset(out, 0, sizeof(*out));
		return SP_ERR_INVALID_ARGUMENT;
	}
	return SP_OK;
}

/* ---------------------------------------------------------------- read */

struct sp_record {
	char id[SP_UUID_LEN + 1];
	char origin[SP_NODE_ID_MAX + 1];
	uint64_t sequence;
	char type[SP_TYPE_MAX + 1];
	int64_t issued;
	int broadcast;
	char **recipients;
	size_t n_recipients;
	sp_subject *subjects;
	size_t n_subjects;
	char supersedes[SP_UUID_LEN + 1];
};

void sp_record_free(sp_record *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->n_recipients; i++)
		free(r->recipients[i]);
	free(r->recipients);
	for (size_t i = 0; i < r->n_subjects; i++) {
		free((char *)(uintptr_t)r->subjects[i].scheme);
		free((char *)(uintptr_t)r->subjects[i].value);
	}
	free(r->subjects);
	free(r);
}

static size_t count_elems(xmlNodePtr parent)
{
	size_t n = 0;

	for (xmlNodePtr c = sp_proto__first_elem(parent); c != NULL;
	     c = sp_proto__next_elem(c))
		n++;
	return n;
}

static int read_recipients(sp_record *r, xmlNodePtr rec, const char **why)
{
	xmlNodePtr c = sp_proto__first_elem(rec);
	size_t n;

	if (sp_proto__is(c, SP_NS, "Broadcast")) {
		if (sp_proto__next_elem(c) != NULL)
			return sp_proto__fail(
			    why, SP_ERR_FIELD,
			    "Recipients: Broadcast stands alone");
		r->broadcast = 1;
		return SP_OK;
	}
	n = count_elems(rec);
	if (n == 0)
		return sp_proto__fail(why, SP_ERR_FIELD, "Recipients: empty");
	r->recipients = calloc(n, sizeof(char *));
	if (r->recipients == NULL)
		return sp_proto__fail(why, SP_ERR_NOMEM, "out of memory");
	for (; c != NULL; c = sp_proto__next_elem(c)) {
		char id[SP_NODE_ID_MAX + 1];
		int rc;

		if (!sp_proto__is(c, SP_NS, "Node"))
			return sp_proto__fail(why, SP_ERR_FIELD,
			                      "Recipients: unexpected element");
		rc = sp_proto__text_into(c, id, sizeof(id), "Recipients/Node",
		                         why);
		if (rc != SP_OK)
			return rc;
		if (!sp_node_id_valid(id))
			return sp_proto__fail(
			    why, SP_ERR_FIELD,
			    "Recipients/Node: invalid node id");
		for (size_t i = 0; i < r->n_recipients; i++)
			if (strcmp(r->recipients[i], id) == 0)
				return sp_proto__fail(
				    why, SP_ERR_FIELD,
				    "Recipients/Node: duplicate %s", id);
		r->recipients[r->n_recipients] = strdup(id);
		if (r->recipients[r->n_recipients] == NULL)
			return sp_proto__fail(why, SP_ERR_NOMEM,
			                      "out of memory");
		r->n_recipients++;
	}
	return SP_OK;
}

static int read_subjects(sp_record *r, xmlNodePtr subj, const char **why)
{
	size_t n = count_elems(subj);

	if (n == 0)
		return sp_proto__fail(why, SP_ERR_FIELD, "Subject: empty");
	r->subjects = calloc(n, sizeof(sp_subject));
	if (r->subjects == NULL)
		return sp_proto__fail(why, SP_ERR_NOMEM, "out of memory");
	for (xmlNodePtr c = sp_proto__first_elem(subj); c != NULL;
	     c = sp_proto__next_elem(c)) {
		sp_subject *s = &r->subjects[r->n_subjects];
		xmlChar *scheme;
		const char *kind;
		int rc;

		if (c->ns == NULL || !xmlStrEqual(c->ns->href, SP_XC(SP_NS)) ||
		    (kind = subject_kind((const char *)c->name, 0)) == NULL)
			return sp_proto__fail(why, SP_ERR_FIELD,
			                      "Subject: unexpected element");
		s->kind = kind;
		s->value = sp_proto__text(c);
		if (s->value == NULL)
			return sp_proto__fail(why, SP_ERR_NOMEM,
			                      "out of memory");
		scheme = xmlGetNoNsProp(c, SP_XC("scheme"));
		if (scheme != NULL) {
			s->scheme = strdup((const char *)scheme);
			xmlFree(scheme);
			if (s->scheme == NULL) {
				r->n_subjects++;
				return sp_proto__fail(why, SP_ERR_NOMEM,
				                      "out of memory");
			}
		}
		r->n_subjects++;
		rc = sp_proto__subject_check(s, why);
		if (rc != SP_OK)
			return rc;
	}
	return SP_OK;
}

static int check_attachment(xmlNodePtr a, const char **why)
{
	xmlChar *want = xmlGetNoNsProp(a, SP_XC("sha256"));
	char *text = NULL;
	uint8_t *raw = NULL;
	size_t rawlen = 0;
	char got[65];
	int rc;

	if (want == NULL)
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "Attachment: no sha256");
	text = sp_proto__text(a);
	if (text == NULL) {
		rc = sp_proto__fail(why, SP_ERR_NOMEM, "out of memory");
		goto out;
	}
	rc = sp_proto__b64_decode(text, strlen(text), &raw, &rawlen);
	if (rc != SP_OK) {
		rc = sp_proto__fail(why, rc, "Attachment: invalid base64");
		goto out;
	}
	sp_sha256_hex(raw, rawlen, got);
	if (strcmp(got, (const char *)want) != 0)
		rc = sp_proto__fail(
		    why, SP_ERR_ATTACHMENT_DIGEST,
		    "Attachment: sha256 does not match its content");
out:
	free(raw);
	free(text);
	xmlFree(want);
	return rc;
}

int sp_proto__body_rules(xmlNodePtr elem, const char **why)
{
	xmlNodePtr c, ps = NULL, pe = NULL;
	char a[SP_TIME_TEXT_MAX], b[SP_TIME_TEXT_MAX];
	int64_t ta, tb;

	for (c = sp_proto__first_elem(elem); c != NULL;
	     c = sp_proto__next_elem(c)) {
		if (sp_proto__is(c, SP_NS, "PeriodStart"))
			ps = c;
		else if (sp_proto__is(c, SP_NS, "PeriodEnd"))
			pe = c;
	}
	if (ps == NULL || pe == NULL)
		return SP_OK;
	if (sp_proto__text_into(ps, a, sizeof(a), "PeriodStart", why) !=
	        SP_OK ||
	    sp_proto__text_into(pe, b, sizeof(b), "PeriodEnd", why) != SP_OK ||
	    sp_time_parse(a, &ta) != SP_OK || sp_time_parse(b, &tb) != SP_OK)
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "PeriodStart/PeriodEnd: not times");
	if (ta > tb)
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "PeriodStart is after PeriodEnd");
	return SP_OK;
}

static int read_body(const sp_record *r, xmlNodePtr body, const char **why)
{
	const sp_record_type *t = sp_record_type_find(r->type);
	xmlNodePtr c = sp_proto__first_elem(body);
	int rc;

	if (t == NULL)
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "Type: not in the registry");
	if (!sp_proto__is(c, SP_NS, t->body_element))
		return sp_proto__fail(why, SP_ERR_TYPE_MISMATCH,
		                      "Type %s needs the body element %s",
		                      t->code, t->body_element);
	if ((rc = sp_proto__body_rules(c, why)) != SP_OK)
		return rc;
	for (c = sp_proto__next_elem(c); c != NULL;
	     c = sp_proto__next_elem(c)) {
		if (!sp_proto__is(c, SP_NS, "Attachment"))
			return sp_proto__fail(
			    why, SP_ERR_TYPE_MISMATCH,
			    "Body holds one type element, then attachments");
		rc = check_attachment(c, why);
		if (rc != SP_OK)
			return rc;
	}
	return SP_OK;
}

#define NEXT_OR_FAIL(var, name)                                                \
	do {                                                                   \
		if (!sp_proto__is((var), SP_NS, (name))) {                     \
			rc = sp_proto__fail(why, SP_ERR_FIELD,                 \
			                    "Header: %s expected", (name));    \
			goto fail;                                             \
		}                                                              \
	} while (0)

int sp_record_read(sp_doc *doc, sp_record **out, const char **why)
{
	sp_record *r = NULL;
	xmlNodePtr root, hdr, body, c;
	char buf[SP_TIME_TEXT_MAX];
	char seq[24];
	int rc;

	if (out != NULL)
		*out = NULL;
	if (why != NULL)
		*why = NULL;
	if (doc == NULL || out == NULL || doc->kind != SP_DOC_RECORD)
		return sp_proto__fail(why, SP_ERR_INVALID_ARGUMENT,
		                      "not a Record");
	root = xmlDocGetRootElement(doc->tree);
	if (!sp_proto__is(root, SP_NS, "Record"))
		return sp_proto__fail(why, SP_ERR_WRONG_DOCUMENT,
		                      "not a Record");
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return sp_proto__fail(why, SP_ERR_NOMEM, "out of memory");

	hdr = sp_proto__first_elem(root);
	NEXT_OR_FAIL(hdr, "Header");
	c = sp_proto__first_elem(hdr);
	NEXT_OR_FAIL(c, "RecordId");
	if ((rc = sp_proto__text_into(c, r->id, sizeof(r->id), "RecordId",
	                              why)) != SP_OK)
		goto fail;
	if (!sp_uuid_valid(r->id)) {
		rc = sp_proto__fail(why, SP_ERR_FIELD,
		                    "RecordId: not a v4 UUID");
		goto fail;
	}
	c = sp_proto__next_elem(c);
	NEXT_OR_FAIL(c, "Origin");
	if ((rc = sp_proto__text_into(c, r->origin, sizeof(r->origin), "Origin",
	                              why)) != SP_OK)
		goto fail;
	if (!sp_node_id_valid(r->origin)) {
		rc = sp_proto__fail(why, SP_ERR_FIELD, "Origin: not a node id");
		goto fail;
	}
	c = sp_proto__next_elem(c);
	NEXT_OR_FAIL(c, "Sequence");
	if ((rc = sp_proto__text_into(c, seq, sizeof(seq), "Sequence", why)) !=
	    SP_OK)
		goto fail;
	if (sp_proto__parse_u64(seq, INT64_MAX, &r->sequence) != SP_OK) {
		rc =
		    sp_proto__fail(why, SP_ERR_FIELD, "Sequence: out of range");
		goto fail;
	}
	c = sp_proto__next_elem(c);
	NEXT_OR_FAIL(c, "Type");
	if ((rc = sp_proto__text_into(c, r->type, sizeof(r->type), "Type",
	                              why)) != SP_OK)
		goto fail;
	if (sp_record_type_find(r->type) == NULL) {
		rc = sp_proto__fail(why, SP_ERR_FIELD,
		                    "Type: not in the registry");
		goto fail;
	}
	c = sp_proto__next_elem(c);
	NEXT_OR_FAIL(c, "Issued");
	if ((rc = sp_proto__text_into(c, buf, sizeof(buf), "Issued", why)) !=
	    SP_OK)
		goto fail;
	if (sp_time_parse(buf, &r->issued) != SP_OK) {
		rc = sp_proto__fail(why, SP_ERR_FIELD,
		                    "Issued: not an RFC 3339 UTC time");
		goto fail;
	}
	c = sp_proto__next_elem(c);
	NEXT_OR_FAIL(c, "Recipients");
	if ((rc = read_recipients(r, c, why)) != SP_OK)
		goto fail;
	c = sp_proto__next_elem(c);
	if (sp_proto__is(c, SP_NS, "Subject")) {
		if ((rc = read_subjects(r, c, why)) != SP_OK)
			goto fail;
		c = sp_proto__next_elem(c);
	}
	if (sp_proto__is(c, SP_NS, "Supersedes")) {
		if ((rc = sp_proto__text_into(c, r->supersedes,
		                              sizeof(r->supersedes),
		                              "Supersedes", why)) != SP_OK)
			goto fail;
		if (!sp_uuid_valid(r->supersedes) ||
		    strcmp(r->supersedes, r->id) == 0) {
			rc = sp_proto__fail(why, SP_ERR_FIELD,
			                    "Supersedes: not a v4 UUID, or the "
			                    "record's own id");
			goto fail;
		}
		c = sp_proto__next_elem(c);
	}
	if (c != NULL) {
		rc = sp_proto__fail(why, SP_ERR_FIELD,
		                    "Header: unexpected element");
		goto fail;
	}
	body = sp_proto__next_elem(hdr);
	NEXT_OR_FAIL(body, "Body");
	if ((rc = read_body(r, body, why)) != SP_OK)
		goto fail;
	*out = r;
	return SP_OK;
fail:
	sp_record_free(r);
	return rc;
}

const char *sp_record_id(const sp_record *r)
{
	return r->id;
}

const char *sp_record_origin(const sp_record *r)
{
	return r->origin;
}

uint64_t sp_record_sequence(const sp_record *r)
{
	return r->sequence;
}

const char *sp_record_type_code(const sp_record *r)
{
	return r->type;
}

int64_t sp_record_issued(const sp_record *r)
{
	return r->issued;
}

int sp_record_is_broadcast(const sp_record *r)
{
	return r->broadcast;
}

size_t sp_record_recipient_count(const sp_record *r)
{
	return r->n_recipients;
}

const char *sp_record_recipient(const sp_record *r, size_t i)
{
	return i < r->n_recipients ? r->recipients[i] : NULL;
}

size_t sp_record_subject_count(const sp_record *r)
{
	return r->n_subjects;
}

const sp_subject *sp_record_subject(const sp_record *r, size_t i)
{
	return i < r->n_subjects ? &r->subjects[i] : NULL;
}

const char *sp_record_supersedes(const sp_record *r)
{
	return r->supersedes[0] != '\0' ? r->supersedes : NULL;
}

int sp_record_visible_to(const sp_record *r, const char *node_id)
{
	if (r == NULL || node_id == NULL)
		return 0;
	if (strcmp(r->origin, node_id) == 0 || r->broadcast)
		return 1;
	for (size_t i = 0; i < r->n_recipients; i++)
		if (strcmp(r->recipients[i], node_id) == 0)
			return 1;
	return 0;
}
