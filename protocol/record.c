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

/* ---- the record's values, shared by both readers
 *
 * sp_record_read() (a libxml2 tree) and sp_record_from_cx() (record_fast.c,
 * the canonical reading) find the values their own way and hand them here
 * as text, so the rules on a value exist once. */

sp_record *sp_proto__rec_new(void)
{
	return calloc(1, sizeof(sp_record));
}

/* Copy v into buf (cap bytes incl. NUL), as sp_proto__text_into does. */
static int copy_value(char *buf, size_t cap, const char *v, const char *field,
                      const char **why)
{
	size_t n = strlen(v);

	if (n >= cap)
		return sp_proto__fail(why, SP_ERR_FIELD, "%s is too long",
		                      field);
	memcpy(buf, v, n + 1);
	return SP_OK;
}

int sp_proto__rec_id(sp_record *r, const char *v, const char **why)
{
	int rc = copy_value(r->id, sizeof(r->id), v, "RecordId", why);

	if (rc != SP_OK)
		return rc;
	if (!sp_uuid_valid(r->id))
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "RecordId: not a v4 UUID");
	return SP_OK;
}

int sp_proto__rec_origin(sp_record *r, const char *v, const char **why)
{
	int rc = copy_value(r->origin, sizeof(r->origin), v, "Origin", why);

	if (rc != SP_OK)
		return rc;
	if (!sp_node_id_valid(r->origin))
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "Origin: not a node id");
	return SP_OK;
}

int sp_proto__rec_sequence(sp_record *r, const char *v, const char **why)
{
	char seq[24];
	int rc = copy_value(seq, sizeof(seq), v, "Sequence", why);

	if (rc != SP_OK)
		return rc;
	if (sp_proto__parse_u64(seq, INT64_MAX, &r->sequence) != SP_OK)
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "Sequence: out of range");
	return SP_OK;
}

int sp_proto__rec_type(sp_record *r, const char *v, const char **why)
{
	int rc = copy_value(r->type, sizeof(r->type), v, "Type", why);

	if (rc != SP_OK)
		return rc;
	if (sp_record_type_find(r->type) == NULL)
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "Type: not in the registry");
	return SP_OK;
}

int sp_proto__rec_issued(sp_record *r, const char *v, const char **why)
{
	char buf[SP_TIME_TEXT_MAX];
	int rc = copy_value(buf, sizeof(buf), v, "Issued", why);

	if (rc != SP_OK)
		return rc;
	if (sp_time_parse(buf, &r->issued) != SP_OK)
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "Issued: not an RFC 3339 UTC time");
	return SP_OK;
}

void sp_proto__rec_broadcast(sp_record *r)
{
	r->broadcast = 1;
}

int sp_proto__rec_recipient(sp_record *r, const char *v, const char **why)
{
	char id[SP_NODE_ID_MAX + 1];
	char **grown;
	int rc = copy_value(id, sizeof(id), v, "Recipients/Node", why);

	if (rc != SP_OK)
		return rc;
	if (!sp_node_id_valid(id))
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "Recipients/Node: invalid node id");
	for (size_t i = 0; i < r->n_recipients; i++)
		if (strcmp(r->recipients[i], id) == 0)
			return sp_proto__fail(why, SP_ERR_FIELD,
			                      "Recipients/Node: duplicate %s",
			                      id);
	grown = realloc(r->recipients,
	                (r->n_recipients + 1) * sizeof(*r->recipients));
	if (grown == NULL)
		return sp_proto__fail(why, SP_ERR_NOMEM, "out of memory");
	r->recipients = grown;
	r->recipients[r->n_recipients] = strdup(id);
	if (r->recipients[r->n_recipients] == NULL)
		return sp_proto__fail(why, SP_ERR_NOMEM, "out of memory");
	r->n_recipients++;
	return SP_OK;
}

int sp_proto__rec_subject(sp_record *r, const char *element, const char *scheme,
                          const char *value, const char **why)
{
	const char *kind = subject_kind(element, 0);
	sp_subject *grown, *s;

	if (kind == NULL)
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "Subject: unexpected element");
	grown = realloc(r->subjects, (r->n_subjects + 1) * sizeof(*grown));
	if (grown == NULL)
		return sp_proto__fail(why, SP_ERR_NOMEM, "out of memory");
	r->subjects = grown;
	s = &r->subjects[r->n_subjects++];
	memset(s, 0, sizeof(*s));
	s->kind = kind;
	s->value = strdup(value);
	if (scheme != NULL)
		s->scheme = strdup(scheme);
	if (s->value == NULL || (scheme != NULL && s->scheme == NULL))
		return sp_proto__fail(why, SP_ERR_NOMEM, "out of memory");
	return sp_proto__subject_check(s, why);
}

int sp_proto__rec_supersedes(sp_record *r, const char *v, const char **why)
{
	int rc = copy_value(r->supersedes, sizeof(r->supersedes), v,
	                    "Supersedes", why);

	if (rc != SP_OK)
		return rc;
	if (!sp_uuid_valid(r->supersedes) || strcmp(r->supersedes, r->id) == 0)
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "Supersedes: not a v4 UUID, or the "
		                      "record's own id");
	return SP_OK;
}

int sp_proto__rec_body_element(const sp_record *r, const char *name,
                               const char **why)
{
	const sp_record_type *t = sp_record_type_find(r->type);

	if (t == NULL)
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "Type: not in the registry");
	if (name == NULL || strcmp(name, t->body_element) != 0)
		return sp_proto__fail(why, SP_ERR_TYPE_MISMATCH,
		                      "Type %s needs the body element %s",
		                      t->code, t->body_element);
	return SP_OK;
}

int sp_proto__period_rule(const char *start, const char *end, const char **why)
{
	int64_t ta, tb;

	if (strlen(start) >= SP_TIME_TEXT_MAX ||
	    strlen(end) >= SP_TIME_TEXT_MAX ||
	    sp_time_parse(start, &ta) != SP_OK ||
	    sp_time_parse(end, &tb) != SP_OK)
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "PeriodStart/PeriodEnd: not times");
	if (ta > tb)
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "PeriodStart is after PeriodEnd");
	return SP_OK;
}

int sp_proto__attachment_check(const char *sha256, const char *text, size_t len,
                               const char **why)
{
	uint8_t *raw = NULL;
	size_t rawlen = 0;
	char got[65];
	int rc;

	if (sha256 == NULL)
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "Attachment: no sha256");
	rc = sp_proto__b64_decode(text, len, &raw, &rawlen);
	if (rc != SP_OK)
		return sp_proto__fail(why, rc, "Attachment: invalid base64");
	sp_sha256_hex(raw, rawlen, got);
	free(raw);
	if (strcmp(got, sha256) != 0)
		return sp_proto__fail(
		    why, SP_ERR_ATTACHMENT_DIGEST,
		    "Attachment: sha256 does not match its content");
	return SP_OK;
}

/* ---- sp_record_read: the values from a libxml2 tree */

/* The text of node handed to set (one of the sp_proto__rec_* above). */
static int tree_value(xmlNodePtr node, const char *field, sp_record *r,
                      int (*set)(sp_record *, const char *, const char **),
                      const char **why)
{
	char buf[SP_NODE_ID_MAX + SP_TIME_TEXT_MAX + SP_UUID_LEN + 4];
	int rc = sp_proto__text_into(node, buf, sizeof(buf), field, why);

	return rc != SP_OK ? rc : set(r, buf, why);
}

static int read_recipients(sp_record *r, xmlNodePtr rec, const char **why)
{
	xmlNodePtr c = sp_proto__first_elem(rec);

	if (sp_proto__is(c, SP_NS, "Broadcast")) {
		if (sp_proto__next_elem(c) != NULL)
			return sp_proto__fail(
			    why, SP_ERR_FIELD,
			    "Recipients: Broadcast stands alone");
		sp_proto__rec_broadcast(r);
		return SP_OK;
	}
	if (c == NULL)
		return sp_proto__fail(why, SP_ERR_FIELD, "Recipients: empty");
	for (; c != NULL; c = sp_proto__next_elem(c)) {
		int rc;

		if (!sp_proto__is(c, SP_NS, "Node"))
			return sp_proto__fail(why, SP_ERR_FIELD,
			                      "Recipients: unexpected element");
		rc = tree_value(c, "Recipients/Node", r,
		                sp_proto__rec_recipient, why);
		if (rc != SP_OK)
			return rc;
	}
	return SP_OK;
}

static int read_subjects(sp_record *r, xmlNodePtr subj, const char **why)
{
	xmlNodePtr c = sp_proto__first_elem(subj);

	if (c == NULL)
		return sp_proto__fail(why, SP_ERR_FIELD, "Subject: empty");
	for (; c != NULL; c = sp_proto__next_elem(c)) {
		xmlChar *scheme;
		char *value;
		int rc;

		if (c->ns == NULL || !xmlStrEqual(c->ns->href, SP_XC(SP_NS)))
			return sp_proto__fail(why, SP_ERR_FIELD,
			                      "Subject: unexpected element");
		value = sp_proto__text(c);
		if (value == NULL)
			return sp_proto__fail(why, SP_ERR_NOMEM,
			                      "out of memory");
		scheme = xmlGetNoNsProp(c, SP_XC("scheme"));
		rc = sp_proto__rec_subject(r, (const char *)c->name,
		                           (const char *)scheme, value, why);
		xmlFree(scheme);
		free(value);
		if (rc != SP_OK)
			return rc;
	}
	return SP_OK;
}

static int check_attachment(xmlNodePtr a, const char **why)
{
	xmlChar *want = xmlGetNoNsProp(a, SP_XC("sha256"));
	char *text = NULL;
	int rc;

	if (want == NULL)
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "Attachment: no sha256");
	text = sp_proto__text(a);
	if (text == NULL)
		rc = sp_proto__fail(why, SP_ERR_NOMEM, "out of memory");
	else
		rc = sp_proto__attachment_check((const char *)want, text,
		                                strlen(text), why);
	free(text);
	xmlFree(want);
	return rc;
}

int sp_proto__body_rules(xmlNodePtr elem, const char **why)
{
	xmlNodePtr c, ps = NULL, pe = NULL;
	char a[SP_TIME_TEXT_MAX], b[SP_TIME_TEXT_MAX];

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
	    sp_proto__text_into(pe, b, sizeof(b), "PeriodEnd", why) != SP_OK)
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "PeriodStart/PeriodEnd: not times");
	return sp_proto__period_rule(a, b, why);
}

static int read_body(const sp_record *r, xmlNodePtr body, const char **why)
{
	xmlNodePtr c = sp_proto__first_elem(body);
	const char *name = NULL;
	int rc;

	if (c != NULL && c->ns != NULL &&
	    xmlStrEqual(c->ns->href, SP_XC(SP_NS)))
		name = (const char *)c->name;
	rc = sp_proto__rec_body_element(r, name, why);
	if (rc != SP_OK)
		return rc;
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

/* The header's fields in order: element name, setter. */
static const struct {
	const char *name;
	int (*set)(sp_record *, const char *, const char **);
} header_fields[] = {
    {"RecordId", sp_proto__rec_id},       {"Origin", sp_proto__rec_origin},
    {"Sequence", sp_proto__rec_sequence}, {"Type", sp_proto__rec_type},
    {"Issued", sp_proto__rec_issued},
};

int sp_record_read(sp_doc *doc, sp_record **out, const char **why)
{
	sp_record *r = NULL;
	xmlNodePtr root, hdr, body, c;
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
	r = sp_proto__rec_new();
	if (r == NULL)
		return sp_proto__fail(why, SP_ERR_NOMEM, "out of memory");

	hdr = sp_proto__first_elem(root);
	NEXT_OR_FAIL(hdr, "Header");
	c = sp_proto__first_elem(hdr);
	for (size_t i = 0; i < sizeof(header_fields) / sizeof(header_fields[0]);
	     i++) {
		NEXT_OR_FAIL(c, header_fields[i].name);
		rc = tree_value(c, header_fields[i].name, r,
		                header_fields[i].set, why);
		if (rc != SP_OK)
			goto fail;
		c = sp_proto__next_elem(c);
	}
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
		rc = tree_value(c, "Supersedes", r, sp_proto__rec_supersedes,
		                why);
		if (rc != SP_OK)
			goto fail;
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
