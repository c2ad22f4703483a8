/* trustlist.c: building and reading the federation TrustList, member roles and
 * statuses. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "protocol_int.h"

const char *sp_role_name(sp_member_role r)
{
	switch (r) {
	case SP_ROLE_ZONE:
		return "zone";
	case SP_ROLE_PORT_AUTHORITY:
		return "port-authority";
	case SP_ROLE_AUDITOR:
		return "auditor";
	}
	return NULL;
}

int sp_role_parse(const char *s, sp_member_role *out)
{
	static const sp_member_role all[] = {
	    SP_ROLE_ZONE, SP_ROLE_PORT_AUTHORITY, SP_ROLE_AUDITOR};

	for (size_t i = 0; s != NULL && i < sizeof(all) / sizeof(all[0]); i++)
		if (strcmp(s, sp_role_name(all[i])) == 0) {
			*out = all[i];
			return SP_OK;
		}
	return SP_ERR_FIELD;
}

/* SPEC [TL-60]: what a role originates when its entry lists no
 * MayOriginate. A zone is the Chinese pilot zone whose offices issue every
 * step of the supervision chain (SPEC 5.1). A port authority decides at its
 * own port: declarations lodged there, risk, control and release, transit,
 * and the notices any authority may send; enterprise data a zone vouches
 * for, bonded-zone procedures, the zone's tax, and ratings and lists about
 * Chinese enterprises (credit, negative-list) need an explicit MayOriginate.
 * An auditor originates nothing. */
sp_type_set sp_role_default_types(sp_member_role r)
{
	static const char *const port[] = {
	    "declaration", "risk-assessment", "inspection",   "test-acceptance",
	    "release",     "transfer",        "cancellation", "return",
	    "enforcement", "trace",           "statistics",
	};
	sp_type_set set = 0;

	switch (r) {
	case SP_ROLE_ZONE:
		return SP_TYPE_SET_ALL;
	case SP_ROLE_PORT_AUTHORITY:
		for (size_t i = 0; i < sizeof(port) / sizeof(port[0]); i++)
			set |= sp_type_bit(port[i]);
		return set;
	case SP_ROLE_AUDITOR:
		return 0;
	}
	return 0;
}

sp_type_set sp_tl_member_types(const sp_tl_member *m)
{
	if (m == NULL)
		return 0;
	return m->may_originate != 0 ? m->may_originate
	                             : sp_role_default_types(m->role);
}

int sp_tl_member_may_originate(const sp_tl_member *m, const char *code)
{
	sp_type_set bit = sp_type_bit(code);

	return bit != 0 && (sp_tl_member_types(m) & bit) != 0;
}

static int same_der(const uint8_t *a, size_t alen, const uint8_t *b,
                    size_t blen)
{
	return a != NULL && b != NULL && alen == blen && alen > 0 &&
	       memcmp(a, b, alen) == 0;
}

int sp_tl_member_has_tls_cert(const sp_tl_member *m, const uint8_t *der,
                              size_t len)
{
	if (m == NULL)
		return 0;
	return same_der(m->tls_cert_der, m->tls_cert_der_len, der, len) ||
	       same_der(m->next_tls_cert_der, m->next_tls_cert_der_len, der,
	                len);
}

int sp_tl_member_has_log_key(const sp_tl_member *m, const char *vkey)
{
	if (m == NULL || vkey == NULL)
		return 0;
	return (m->log_key != NULL && strcmp(m->log_key, vkey) == 0) ||
	       (m->next_log_key != NULL && strcmp(m->next_log_key, vkey) == 0);
}

const char *sp_status_name(sp_member_status s)
{
	switch (s) {
	case SP_STATUS_ACTIVE:
		return "active";
	case SP_STATUS_SUSPENDED:
		return "suspended";
	case SP_STATUS_REVOKED:
		return "revoked";
	}
	return NULL;
}

int sp_status_parse(const char *s, sp_member_status *out)
{
	static const sp_member_status all[] = {
	    SP_STATUS_ACTIVE, SP_STATUS_SUSPENDED, SP_STATUS_REVOKED};

	for (size_t i = 0; s != NULL && i < sizeof(all) / sizeof(all[0]); i++)
		if (strcmp(s, sp_status_name(all[i])) == 0) {
			*out = all[i];
			return SP_OK;
		}
	return SP_ERR_FIELD;
}

/* ---------------------------------------------------------------- build */

static int add_b64(xmlNodePtr parent, xmlNsPtr ns, const char *name,
                   const uint8_t *der, size_t len, xmlNodePtr *made)
{
	char *b64 = sp_proto__b64_encode(der, len);
	xmlNodePtr e;

	if (b64 == NULL)
		return SP_ERR_NOMEM;
	e = sp_proto__add(parent, ns, name, b64);
	free(b64);
	if (e == NULL)
		return SP_ERR_NOMEM;
	if (made != NULL)
		*made = e;
	return SP_OK;
}

static int utf8_text(const char *s)
{
	return s != NULL && s[0] != '\0' &&
	       sp_proto__utf8_valid((const uint8_t *)s, strlen(s));
}

static int add_member(xmlNodePtr root, xmlNsPtr ns, const sp_tl_member *m,
                      const char **why)
{
	xmlNodePtr e, sc;
	char from[SP_TIME_TEXT_MAX], until[SP_TIME_TEXT_MAX];

	if (!sp_node_id_valid(m->node_id))
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "Member/NodeId: not a node id");
	if (!utf8_text(m->name))
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "Member %s: Name missing", m->node_id);
	if (sp_role_name(m->role) == NULL || sp_status_name(m->status) == NULL)
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "Member %s: bad Role or Status",
		                      m->node_id);
	if (m->tls_cert_der == NULL || m->tls_cert_der_len == 0)
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "Member %s: no TlsCertificate",
		                      m->node_id);
	if (m->n_signing == 0 || m->signing == NULL)
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "Member %s: no SigningCertificate",
		                      m->node_id);
	if ((m->n_endpoints > 0 && m->endpoints == NULL) ||
	    (m->n_relays_to > 0 && m->relays_to == NULL))
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "Member %s: missing list", m->node_id);

	e = sp_proto__add(root, ns, "Member", NULL);
	if (e == NULL || !sp_proto__add(e, ns, "NodeId", m->node_id) ||
	    !sp_proto__add(e, ns, "Name", m->name) ||
	    !sp_proto__add(e, ns, "Role", sp_role_name(m->role)) ||
	    !sp_proto__add(e, ns, "Status", sp_status_name(m->status)))
		goto nomem;
	for (size_t i = 0; i < m->n_endpoints; i++) {
		if (!utf8_text(m->endpoints[i]) ||
		    strncmp(m->endpoints[i], "https://", 8) != 0)
			return sp_proto__fail(
			    why, SP_ERR_FIELD,
			    "Member %s: Endpoint must be an https URL",
			    m->node_id);
		if (!sp_proto__add(e, ns, "Endpoint", m->endpoints[i]))
			goto nomem;
	}
	if (add_b64(e, ns, "TlsCertificate", m->tls_cert_der,
	            m->tls_cert_der_len, NULL) != SP_OK)
		goto nomem;
	if (m->next_tls_cert_der != NULL &&
	    add_b64(e, ns, "NextTlsCertificate", m->next_tls_cert_der,
	            m->next_tls_cert_der_len, NULL) != SP_OK)
		goto nomem;
	for (size_t i = 0; i < m->n_signing; i++) {
		const sp_tl_signing_cert *s = &m->signing[i];

		if (s->der == NULL || s->der_len == 0)
			return sp_proto__fail(
			    why, SP_ERR_FIELD,
			    "Member %s: empty SigningCertificate", m->node_id);
		if (sp_time_format(s->valid_from, from) != SP_OK ||
		    sp_time_format(s->valid_until, until) != SP_OK ||
		    s->valid_until < s->valid_from)
			return sp_proto__fail(
			    why, SP_ERR_FIELD,
			    "Member %s: bad SigningCertificate validity",
			    m->node_id);
		if (add_b64(e, ns, "SigningCertificate", s->der, s->der_len,
		            &sc) != SP_OK ||
		    !xmlSetProp(sc, SP_XC("validFrom"), SP_XC(from)) ||
		    !xmlSetProp(sc, SP_XC("validUntil"), SP_XC(until)))
			goto nomem;
		if (s->method != SP_SIGM_UNSPECIFIED) {
			const char *u = sp_sig_method_uri(s->method);

			if (u == NULL)
				return sp_proto__fail(
				    why, SP_ERR_FIELD,
				    "Member %s: unknown signatureMethod",
				    m->node_id);
			if (!xmlSetProp(sc, SP_XC("signatureMethod"), SP_XC(u)))
				goto nomem;
		}
	}
	if (m->log_key != NULL) {
		if (!utf8_text(m->log_key))
			return sp_proto__fail(why, SP_ERR_FIELD,
			                      "Member %s: bad LogKey",
			                      m->node_id);
		if (!sp_proto__add(e, ns, "LogKey", m->log_key))
			goto nomem;
	}
	if (m->next_log_key != NULL) {
		/* a next key only beside a current one (SPEC [LOG-47]) */
		if (m->log_key == NULL || !utf8_text(m->next_log_key) ||
		    strcmp(m->next_log_key, m->log_key) == 0)
			return sp_proto__fail(why, SP_ERR_FIELD,
			                      "Member %s: bad NextLogKey",
			                      m->node_id);
		if (!sp_proto__add(e, ns, "NextLogKey", m->next_log_key))
			goto nomem;
	}
	for (size_t i = 0; i < m->n_relays_to; i++) {
		if (!sp_federation_id_valid(m->relays_to[i]))
			return sp_proto__fail(
			    why, SP_ERR_FIELD,
			    "Member %s: RelaysTo is not a federation id",
			    m->node_id);
		if (!sp_proto__add(e, ns, "RelaysTo", m->relays_to[i]))
			goto nomem;
	}
	/* MayOriginate (SPEC [TL-59]), in registry order */
	if ((m->may_originate & ~SP_TYPE_SET_ALL) != 0)
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "Member %s: MayOriginate outside the "
		                      "registry",
		                      m->node_id);
	for (const sp_record_type *t = sp_record_types(); t->code != NULL; t++)
		if ((m->may_originate & sp_type_bit(t->code)) != 0 &&
		    !sp_proto__add(e, ns, "MayOriginate", t->code))
			goto nomem;
	/* InvalidFrom (SPEC [TL-77]): a revoked member's only */
	if (m->invalid_from != 0) {
		char when[SP_TIME_TEXT_MAX];

		if (m->status != SP_STATUS_REVOKED ||
		    sp_time_format(m->invalid_from, when) != SP_OK)
			return sp_proto__fail(why, SP_ERR_FIELD,
			                      "Member %s: InvalidFrom needs "
			                      "status revoked and a valid time",
			                      m->node_id);
		if (!sp_proto__add(e, ns, "InvalidFrom", when))
			goto nomem;
	}
	return SP_OK;
nomem:
	return sp_proto__fail(why, SP_ERR_NOMEM, "out of memory");
}

/* ---------------------------------------------------------------- witnessing
 */

uint32_t sp_tl_merge_delay(const sp_tl *tl)
{
	return tl != NULL && tl->merge_delay > 0 ? tl->merge_delay
	                                         : SP_TL_MERGE_DELAY_DEFAULT;
}

int sp_tl_is_witness(const sp_tl *tl, const char *node_id)
{
	for (size_t i = 0; tl != NULL && node_id != NULL && i < tl->n_witnesses;
	     i++)
		if (strcmp(tl->witnesses[i], node_id) == 0)
			return 1;
	return 0;
}

/* The rules the schema cannot say (SPEC [LOG-46]): each Witness names a
 * distinct member that has a LogKey (a witness cosigns with it), and the
 * quorum is given exactly when witnesses are, between 1 and their number. */
static int witnessing_check(const sp_tl *tl, const char **why)
{
	const sp_tl_member *m;

	if (tl->n_witnesses > SP_TL_WITNESSES_MAX ||
	    (tl->n_witnesses > 0 && tl->witnesses == NULL))
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "Witness: at most 64 of them");
	for (size_t i = 0; i < tl->n_witnesses; i++) {
		if (!sp_node_id_valid(tl->witnesses[i]))
			return sp_proto__fail(why, SP_ERR_FIELD,
			                      "Witness: not a node id");
		for (size_t k = 0; k < i; k++)
			if (strcmp(tl->witnesses[i], tl->witnesses[k]) == 0)
				return sp_proto__fail(
				    why, SP_ERR_FIELD,
				    "Witness: %s is listed twice",
				    tl->witnesses[i]);
		m = sp_tl_find(tl, tl->witnesses[i]);
		if (m == NULL || m->log_key == NULL)
			return sp_proto__fail(
			    why, SP_ERR_FIELD,
			    "Witness: %s is not a member with a LogKey",
			    tl->witnesses[i]);
	}
	if ((tl->n_witnesses == 0) != (tl->quorum == 0) ||
	    tl->quorum > tl->n_witnesses)
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "Quorum: 1 to the number of Witness "
		                      "elements, present exactly with them");
	if (tl->merge_delay > SP_TL_MERGE_DELAY_MAX)
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "MergeDelay: 1 to 86400 seconds");
	return SP_OK;
}

static int add_witnessing(xmlNodePtr root, xmlNsPtr ns, const sp_tl *tl)
{
	char num[24];

	for (size_t i = 0; i < tl->n_witnesses; i++)
		if (!sp_proto__add(root, ns, "Witness", tl->witnesses[i]))
			return SP_ERR_NOMEM;
	if (tl->quorum > 0) {
		snprintf(num, sizeof(num), "%u", tl->quorum);
		if (!sp_proto__add(root, ns, "Quorum", num))
			return SP_ERR_NOMEM;
	}
	if (tl->merge_delay > 0) {
		snprintf(num, sizeof(num), "%u", (unsigned)tl->merge_delay);
		if (!sp_proto__add(root, ns, "MergeDelay", num))
			return SP_ERR_NOMEM;
	}
	return SP_OK;
}

/* Witness*, Quorum?, MergeDelay? after Operator; *c moves past them. */
static int read_witnessing(xmlNodePtr *c, sp_tl *tl, const char **why)
{
	size_t n = 0;
	uint64_t v;
	char *t;

	for (xmlNodePtr e = *c; sp_proto__is(e, SP_NS, "Witness");
	     e = sp_proto__next_elem(e))
		n++;
	if (n > SP_TL_WITNESSES_MAX)
		return sp_proto__fail(why, SP_ERR_SCHEMA,
		                      "Witness: at most 64 of them");
	if (n > 0 && (tl->witnesses = calloc(n, sizeof(char *))) == NULL)
		return sp_proto__fail(why, SP_ERR_NOMEM, "out of memory");
	for (; sp_proto__is(*c, SP_NS, "Witness"); *c = sp_proto__next_elem(*c))
		if ((tl->witnesses[tl->n_witnesses++] = sp_proto__text(*c)) ==
		    NULL)
			return sp_proto__fail(why, SP_ERR_NOMEM,
			                      "out of memory");
	if (sp_proto__is(*c, SP_NS, "Quorum")) {
		t = sp_proto__text(*c);
		if (t == NULL ||
		    sp_proto__parse_u64(t, SP_TL_WITNESSES_MAX, &v) != SP_OK ||
		    v == 0) {
			free(t);
			return sp_proto__fail(why, SP_ERR_FIELD,
			                      "Quorum: 1 to 64");
		}
		free(t);
		tl->quorum = (unsigned)v;
		*c = sp_proto__next_elem(*c);
	}
	if (sp_proto__is(*c, SP_NS, "MergeDelay")) {
		t = sp_proto__text(*c);
		if (t == NULL ||
		    sp_proto__parse_u64(t, SP_TL_MERGE_DELAY_MAX, &v) !=
		        SP_OK ||
		    v == 0) {
			free(t);
			return sp_proto__fail(why, SP_ERR_FIELD,
			                      "MergeDelay: 1 to 86400 seconds");
		}
		free(t);
		tl->merge_delay = (uint32_t)v;
		*c = sp_proto__next_elem(*c);
	}
	return SP_OK;
}

/* ---------------------------------------------------------------- threshold
 * anchors (SPEC 7.2, [TL-71]) */

unsigned sp_tl_threshold(const sp_tl *tl)
{
	return tl != NULL && tl->threshold > 0 ? tl->threshold : 1;
}

static int hex64(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return i == 64;
}

/* What the schema cannot say: a threshold exactly when operator keys are
 * named, at most their number, no key named twice. */
static int operators_check(const sp_tl *tl, const char **why)
{
	if (tl->n_operator_certs > SP_TL_OPERATORS_MAX ||
	    (tl->n_operator_certs > 0 && tl->operator_certs == NULL))
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "OperatorCertificate: at most 16");
	if ((tl->n_operator_certs == 0) != (tl->threshold == 0) ||
	    tl->threshold > tl->n_operator_certs)
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "Threshold: 1 to the number of "
		                      "OperatorCertificate elements, present "
		                      "exactly with them");
	for (size_t i = 0; i < tl->n_operator_certs; i++) {
		const sp_tl_operator_cert *a = &tl->operator_certs[i];

		if (a->der == NULL || a->der_len == 0)
			return sp_proto__fail(why, SP_ERR_FIELD,
			                      "OperatorCertificate: empty");
		for (size_t k = 0; k < i; k++)
			if (tl->operator_certs[k].der_len == a->der_len &&
			    memcmp(tl->operator_certs[k].der, a->der,
			           a->der_len) == 0)
				return sp_proto__fail(
				    why, SP_ERR_FIELD,
				    "OperatorCertificate: listed twice");
	}
	if (tl->previous_list[0] != '\0' && !hex64(tl->previous_list))
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "PreviousList: not 64 lowercase hex "
		                      "digits");
	return SP_OK;
}

static int add_operators(xmlNodePtr root, xmlNsPtr ns, const sp_tl *tl)
{
	char num[24];

	for (size_t i = 0; i < tl->n_operator_certs; i++)
		if (add_b64(root, ns, "OperatorCertificate",
		            tl->operator_certs[i].der,
		            tl->operator_certs[i].der_len, NULL) != SP_OK)
			return SP_ERR_NOMEM;
	if (tl->threshold > 0) {
		snprintf(num, sizeof(num), "%u", tl->threshold);
		if (!sp_proto__add(root, ns, "Threshold", num))
			return SP_ERR_NOMEM;
	}
	if (tl->previous_list[0] != '\0' &&
	    !sp_proto__add(root, ns, "PreviousList", tl->previous_list))
		return SP_ERR_NOMEM;
	return SP_OK;
}

static int read_b64(xmlNodePtr e, const char *field, uint8_t **der, size_t *len,
                    const char **why);

/* OperatorCertificate*, Threshold?, PreviousList? after MergeDelay; *c moves
 * past them. */
static int read_operators(xmlNodePtr *c, sp_tl *tl, const char **why)
{
	size_t n = 0;
	uint64_t v;
	char t[80];
	int rc;

	for (xmlNodePtr e = *c; sp_proto__is(e, SP_NS, "OperatorCertificate");
	     e = sp_proto__next_elem(e))
		n++;
	if (n > SP_TL_OPERATORS_MAX)
		return sp_proto__fail(why, SP_ERR_SCHEMA,
		                      "OperatorCertificate: at most 16");
	if (n > 0 && (tl->operator_certs =
	                  calloc(n, sizeof(*tl->operator_certs))) == NULL)
		return sp_proto__fail(why, SP_ERR_NOMEM, "out of memory");
	for (; sp_proto__is(*c, SP_NS, "OperatorCertificate");
	     *c = sp_proto__next_elem(*c)) {
		sp_tl_operator_cert *a =
		    &tl->operator_certs[tl->n_operator_certs];

		if ((rc = read_b64(*c, "OperatorCertificate", &a->der,
		                   &a->der_len, why)) != SP_OK)
			return rc;
		tl->n_operator_certs++;
	}
	if (sp_proto__is(*c, SP_NS, "Threshold")) {
		if ((rc = sp_proto__field(c, "Threshold", t, sizeof(t), why)) !=
		    SP_OK)
			return rc;
		if (sp_proto__parse_u64(t, SP_TL_OPERATORS_MAX, &v) != SP_OK ||
		    v == 0)
			return sp_proto__fail(why, SP_ERR_FIELD,
			                      "Threshold: 1 to 16");
		tl->threshold = (unsigned)v;
	}
	if (sp_proto__is(*c, SP_NS, "PreviousList") &&
	    (rc = sp_proto__field(c, "PreviousList", tl->previous_list,
	                          sizeof(tl->previous_list), why)) != SP_OK)
		return rc;
	return SP_OK;
}

/* ---------------------------------------------------------------- freshness
 */

uint64_t sp_tl_max_validity(const sp_tl *tl)
{
	return tl->max_validity ? tl->max_validity : SP_TL_MAX_VALIDITY_DEFAULT;
}

uint64_t sp_tl_staleness_bound(const sp_tl *tl)
{
	return tl->staleness_bound ? tl->staleness_bound
	                           : SP_TL_STALENESS_DEFAULT;
}

int sp_tl_window_check(const sp_tl *tl, const char **why)
{
	if (tl->max_validity > SP_TL_MAX_VALIDITY_MAX)
		return sp_proto__fail(
		    why, SP_ERR_FIELD, "MaxValidity: above %llu seconds",
		    (unsigned long long)SP_TL_MAX_VALIDITY_MAX);
	if (tl->staleness_bound > SP_TL_STALENESS_MAX)
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "StalenessBound: above %llu seconds",
		                      (unsigned long long)SP_TL_STALENESS_MAX);
	if (tl->next_update > tl->issued &&
	    (uint64_t)(tl->next_update - tl->issued) > sp_tl_max_validity(tl))
		return sp_proto__fail(
		    why, SP_ERR_VALIDITY_TOO_LONG,
		    "NextUpdate - Issued is %lld seconds, above the "
		    "federation's cap (MaxValidity) of %llu",
		    (long long)(tl->next_update - tl->issued),
		    (unsigned long long)sp_tl_max_validity(tl));
	return SP_OK;
}

static int add_seconds(xmlNodePtr root, xmlNsPtr ns, const char *name,
                       uint64_t v)
{
	char text[24];

	if (v == 0)
		return SP_OK; /* absent: the default */
	snprintf(text, sizeof(text), "%llu", (unsigned long long)v);
	return sp_proto__add(root, ns, name, text) != NULL ? SP_OK
	                                                   : SP_ERR_NOMEM;
}

static int add_freshness(xmlNodePtr root, xmlNsPtr ns, const sp_tl *tl,
                         const char **why)
{
	if (add_seconds(root, ns, "MaxValidity", tl->max_validity) != SP_OK ||
	    (tl->timestamp_cert_der != NULL &&
	     add_b64(root, ns, "TimestampCertificate", tl->timestamp_cert_der,
	             tl->timestamp_cert_der_len, NULL) != SP_OK) ||
	    add_seconds(root, ns, "StalenessBound", tl->staleness_bound) !=
	        SP_OK)
		return sp_proto__fail(why, SP_ERR_NOMEM, "out of memory");
	return SP_OK;
}

/* ---------------------------------------------------------------- build */

int sp_tl_build(const sp_tl *tl, uint8_t **out, size_t *outlen,
                const char **why)
{
	char seq[24], issued[SP_TIME_TEXT_MAX], next[SP_TIME_TEXT_MAX];
	xmlDocPtr doc;
	xmlNodePtr root;
	xmlNsPtr ns;
	int rc;

	if (out != NULL)
		*out = NULL;
	if (outlen != NULL)
		*outlen = 0;
	if (why != NULL)
		*why = NULL;
	if (tl == NULL || out == NULL || outlen == NULL)
		return sp_proto__fail(why, SP_ERR_INVALID_ARGUMENT,
		                      "no trust list");
	if (!sp_federation_id_valid(tl->federation))
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "FederationId: invalid");
	if (tl->sequence > (uint64_t)INT64_MAX)
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "Sequence: out of range");
	if (sp_time_format(tl->issued, issued) != SP_OK ||
	    sp_time_format(tl->next_update, next) != SP_OK)
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "Issued/NextUpdate: out of range");
	if (tl->next_update <= tl->issued)
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "NextUpdate must follow Issued");
	if (!utf8_text(tl->operator_name))
		return sp_proto__fail(why, SP_ERR_FIELD, "Operator: missing");
	if ((rc = sp_tl_window_check(tl, why)) != SP_OK)
		return rc;
	/* A new federation's first list lists no member yet (SPEC [TL-46]). */
	if (tl->n_members > 0 && tl->members == NULL)
		return sp_proto__fail(why, SP_ERR_FIELD, "Member: missing");
	for (size_t i = 0; i < tl->n_members; i++)
		for (size_t k = 0; k < i; k++)
			if (strcmp(tl->members[i].node_id,
			           tl->members[k].node_id) == 0)
				return sp_proto__fail(
				    why, SP_ERR_FIELD,
				    "Member: duplicate node id %s",
				    tl->members[i].node_id);
	if ((rc = witnessing_check(tl, why)) != SP_OK ||
	    (rc = operators_check(tl, why)) != SP_OK)
		return rc;
	snprintf(seq, sizeof(seq), "%llu", (unsigned long long)tl->sequence);

	doc = sp_proto__new_doc(SP_NS, "TrustList", &ns);
	if (doc == NULL)
		return sp_proto__fail(why, SP_ERR_NOMEM, "out of memory");
	root = xmlDocGetRootElement(doc);
	if (!xmlSetProp(root, SP_XC("version"), SP_XC("1")) ||
	    !sp_proto__add(root, ns, "FederationId", tl->federation) ||
	    !sp_proto__add(root, ns, "Sequence", seq) ||
	    !sp_proto__add(root, ns, "Issued", issued) ||
	    !sp_proto__add(root, ns, "NextUpdate", next) ||
	    !sp_proto__add(root, ns, "Operator", tl->operator_name)) {
		rc = sp_proto__fail(why, SP_ERR_NOMEM, "out of memory");
		goto done;
	}
	if ((rc = add_freshness(root, ns, tl, why)) != SP_OK)
		goto done;
	if (add_witnessing(root, ns, tl) != SP_OK ||
	    add_operators(root, ns, tl) != SP_OK) {
		rc = sp_proto__fail(why, SP_ERR_NOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < tl->n_members; i++) {
		rc = add_member(root, ns, &tl->members[i], why);
		if (rc != SP_OK)
			goto done;
	}
	rc = sp_proto__finish(doc, SP_DOC_TRUST_LIST, out, outlen, why);
done:
	xmlFreeDoc(doc);
	return rc;
}

/* ---------------------------------------------------------------- read */

void sp_tl_free(sp_tl *tl)
{
	if (tl == NULL)
		return;
	for (size_t i = 0; i < tl->n_members; i++) {
		sp_tl_member *m = &tl->members[i];

		free(m->name);
		for (size_t k = 0; k < m->n_endpoints; k++)
			free(m->endpoints[k]);
		free(m->endpoints);
		free(m->tls_cert_der);
		free(m->next_tls_cert_der);
		for (size_t k = 0; k < m->n_signing; k++)
			free(m->signing[k].der);
		free(m->signing);
		free(m->log_key);
		free(m->next_log_key);
		for (size_t k = 0; k < m->n_relays_to; k++)
			free(m->relays_to[k]);
		free(m->relays_to);
	}
	free(tl->members);
	free(tl->operator_name);
	free(tl->timestamp_cert_der);
	for (size_t i = 0; i < tl->n_witnesses; i++)
		free(tl->witnesses[i]);
	free(tl->witnesses);
	for (size_t i = 0; i < tl->n_operator_certs; i++)
		free(tl->operator_certs[i].der);
	free(tl->operator_certs);
	free(tl);
}

const sp_tl_member *sp_tl_find(const sp_tl *tl, const char *node_id)
{
	if (tl == NULL || node_id == NULL)
		return NULL;
	for (size_t i = 0; i < tl->n_members; i++)
		if (strcmp(tl->members[i].node_id, node_id) == 0)
			return &tl->members[i];
	return NULL;
}

static size_t count_named(xmlNodePtr first, const char *name)
{
	size_t n = 0;

	for (xmlNodePtr c = first; c != NULL; c = sp_proto__next_elem(c))
		if (sp_proto__is(c, SP_NS, name))
			n++;
	return n;
}

static int read_b64(xmlNodePtr e, const char *field, uint8_t **der, size_t *len,
                    const char **why)
{
	char *t = sp_proto__text(e);
	int rc;

	if (t == NULL)
		return sp_proto__fail(why, SP_ERR_NOMEM, "out of memory");
	rc = sp_proto__b64_decode(t, strlen(t), der, len);
	free(t);
	if (rc == SP_OK && *len == 0) {
		free(*der);
		*der = NULL;
		rc = SP_ERR_FIELD;
	}
	if (rc != SP_OK)
		return sp_proto__fail(why, rc, "%s: invalid base64", field);
	return SP_OK;
}

static int read_time_attr(xmlNodePtr e, const char *name, int64_t *t,
                          const char **why)
{
	xmlChar *v = xmlGetNoNsProp(e, SP_XC(name));
	int rc;

	if (v == NULL)
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "SigningCertificate: no %s", name);
	rc = sp_time_parse((const char *)v, t);
	xmlFree(v);
	if (rc != SP_OK)
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "SigningCertificate/@%s: bad time", name);
	return SP_OK;
}

/* The optional signatureMethod of a SigningCertificate (SPEC [TL-45]). */
static int read_method_attr(xmlNodePtr e, sp_sig_method *m, const char *node_id,
                            const char **why)
{
	xmlChar *v = xmlGetNoNsProp(e, SP_XC("signatureMethod"));
	int rc;

	*m = SP_SIGM_UNSPECIFIED;
	if (v == NULL)
		return SP_OK;
	rc = sp_sig_method_parse((const char *)v, m);
	xmlFree(v);
	if (rc != SP_OK)
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "Member %s: SigningCertificate/"
		                      "@signatureMethod is not a method of the "
		                      "profile",
		                      node_id);
	return SP_OK;
}

const char *sp_sig_method_uri(sp_sig_method m)
{
	switch (m) {
	case SP_SIGM_ECDSA_SHA256:
		return SP_ALG_ECDSA_SHA256;
	case SP_SIGM_RSA_SHA256:
		return SP_ALG_RSA_SHA256;
	case SP_SIGM_SM2_SM3:
		return SP_ALG_SM2_SM3;
	default:
		return NULL;
	}
}

int sp_sig_method_parse(const char *uri, sp_sig_method *out)
{
	sp_sig_method m;

	for (m = SP_SIGM_ECDSA_SHA256; m <= SP_SIGM_SM2_SM3; m++) {
		if (uri != NULL && strcmp(uri, sp_sig_method_uri(m)) == 0) {
			*out = m;
			return SP_OK;
		}
	}
	return SP_ERR_FIELD;
}

/* MayOriginate* (SPEC [TL-59]): registry codes, each at most once, so
 * that one set has one spelling. Advances *c past them. */
static int read_may_originate(xmlNodePtr *c, sp_tl_member *m, const char **why)
{
	char code[SP_TYPE_MAX + 1];
	sp_type_set bit;

	for (; sp_proto__is(*c, SP_NS, "MayOriginate");
	     *c = sp_proto__next_elem(*c)) {
		if (sp_proto__text_into(*c, code, sizeof(code), "MayOriginate",
		                        why) != SP_OK ||
		    (bit = sp_type_bit(code)) == 0)
			return sp_proto__fail(
			    why, SP_ERR_FIELD,
			    "Member %s: MayOriginate is not a "
			    "record type",
			    m->node_id);
		if ((m->may_originate & bit) != 0)
			return sp_proto__fail(
			    why, SP_ERR_FIELD,
			    "Member %s: MayOriginate %s given "
			    "twice",
			    m->node_id, code);
		m->may_originate |= bit;
	}
	return SP_OK;
}

/* InvalidFrom? (SPEC [TL-77]): a Time, for a revoked member only.
 * Advances *c past it. */
static int read_invalid_from(xmlNodePtr *c, sp_tl_member *m, const char **why)
{
	char when[SP_TIME_TEXT_MAX + 8];

	if (!sp_proto__is(*c, SP_NS, "InvalidFrom"))
		return SP_OK;
	if (sp_proto__text_into(*c, when, sizeof(when), "InvalidFrom", why) !=
	        SP_OK ||
	    sp_time_parse(when, &m->invalid_from) != SP_OK ||
	    m->invalid_from <= 0)
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "Member %s: InvalidFrom is not a time",
		                      m->node_id);
	if (m->status != SP_STATUS_REVOKED)
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "Member %s: InvalidFrom on a member that "
		                      "is not revoked",
		                      m->node_id);
	*c = sp_proto__next_elem(*c);
	return SP_OK;
}

static int read_member(xmlNodePtr me, sp_tl_member *m, const char **why)
{
	xmlNodePtr c = sp_proto__first_elem(me);
	char buf[32];
	size_t n;
	int rc;

	if (!sp_proto__is(c, SP_NS, "NodeId"))
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "Member: NodeId expected");
	if ((rc = sp_proto__text_into(c, m->node_id, sizeof(m->node_id),
	                              "Member/NodeId", why)) != SP_OK)
		return rc;
	if (!sp_node_id_valid(m->node_id))
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "Member/NodeId: invalid");
	c = sp_proto__next_elem(c);
	if (!sp_proto__is(c, SP_NS, "Name") ||
	    (m->name = sp_proto__text(c)) == NULL)
		return sp_proto__fail(why, SP_ERR_FIELD, "Member %s: Name",
		                      m->node_id);
	c = sp_proto__next_elem(c);
	if (!sp_proto__is(c, SP_NS, "Role") ||
	    sp_proto__text_into(c, buf, sizeof(buf), "Role", why) != SP_OK ||
	    sp_role_parse(buf, &m->role) != SP_OK)
		return sp_proto__fail(why, SP_ERR_FIELD, "Member %s: Role",
		                      m->node_id);
	c = sp_proto__next_elem(c);
	if (!sp_proto__is(c, SP_NS, "Status") ||
	    sp_proto__text_into(c, buf, sizeof(buf), "Status", why) != SP_OK ||
	    sp_status_parse(buf, &m->status) != SP_OK)
		return sp_proto__fail(why, SP_ERR_FIELD, "Member %s: Status",
		                      m->node_id);
	c = sp_proto__next_elem(c);

	n = count_named(c, "Endpoint");
	if (n > 0 && (m->endpoints = calloc(n, sizeof(char *))) == NULL)
		return sp_proto__fail(why, SP_ERR_NOMEM, "out of memory");
	for (; sp_proto__is(c, SP_NS, "Endpoint"); c = sp_proto__next_elem(c)) {
		char *u = sp_proto__text(c);

		if (u == NULL)
			return sp_proto__fail(why, SP_ERR_NOMEM,
			                      "out of memory");
		m->endpoints[m->n_endpoints++] = u;
		if (strncmp(u, "https://", 8) != 0)
			return sp_proto__fail(why, SP_ERR_FIELD,
			                      "Member %s: Endpoint not https",
			                      m->node_id);
	}
	if (!sp_proto__is(c, SP_NS, "TlsCertificate"))
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "Member %s: TlsCertificate expected",
		                      m->node_id);
	if ((rc = read_b64(c, "TlsCertificate", &m->tls_cert_der,
	                   &m->tls_cert_der_len, why)) != SP_OK)
		return rc;
	c = sp_proto__next_elem(c);
	if (sp_proto__is(c, SP_NS, "NextTlsCertificate")) {
		if ((rc = read_b64(c, "NextTlsCertificate",
		                   &m->next_tls_cert_der,
		                   &m->next_tls_cert_der_len, why)) != SP_OK)
			return rc;
		if (same_der(m->tls_cert_der, m->tls_cert_der_len,
		             m->next_tls_cert_der, m->next_tls_cert_der_len))
			return sp_proto__fail(
			    why, SP_ERR_FIELD,
			    "Member %s: NextTlsCertificate is the "
			    "TlsCertificate",
			    m->node_id);
		c = sp_proto__next_elem(c);
	}

	n = count_named(c, "SigningCertificate");
	if (n == 0)
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "Member %s: SigningCertificate expected",
		                      m->node_id);
	if ((m->signing = calloc(n, sizeof(*m->signing))) == NULL)
		return sp_proto__fail(why, SP_ERR_NOMEM, "out of memory");
	for (; sp_proto__is(c, SP_NS, "SigningCertificate");
	     c = sp_proto__next_elem(c)) {
		sp_tl_signing_cert *s = &m->signing[m->n_signing];

		rc = read_b64(c, "SigningCertificate", &s->der, &s->der_len,
		              why);
		if (rc != SP_OK)
			return rc;
		m->n_signing++;
		if ((rc = read_time_attr(c, "validFrom", &s->valid_from,
		                         why)) != SP_OK ||
		    (rc = read_time_attr(c, "validUntil", &s->valid_until,
		                         why)) != SP_OK)
			return rc;
		if (s->valid_until < s->valid_from)
			return sp_proto__fail(
			    why, SP_ERR_FIELD,
			    "Member %s: validUntil before validFrom",
			    m->node_id);
		if ((rc = read_method_attr(c, &s->method, m->node_id, why)) !=
		    SP_OK)
			return rc;
	}
	if (sp_proto__is(c, SP_NS, "LogKey")) {
		if ((m->log_key = sp_proto__text(c)) == NULL)
			return sp_proto__fail(why, SP_ERR_NOMEM,
			                      "out of memory");
		c = sp_proto__next_elem(c);
		if (sp_proto__is(c, SP_NS, "NextLogKey")) {
			if ((m->next_log_key = sp_proto__text(c)) == NULL)
				return sp_proto__fail(why, SP_ERR_NOMEM,
				                      "out of memory");
			if (strcmp(m->next_log_key, m->log_key) == 0)
				return sp_proto__fail(
				    why, SP_ERR_FIELD,
				    "Member %s: NextLogKey is the LogKey",
				    m->node_id);
			c = sp_proto__next_elem(c);
		}
	}
	n = count_named(c, "RelaysTo");
	if (n > 0 && (m->relays_to = calloc(n, sizeof(char *))) == NULL)
		return sp_proto__fail(why, SP_ERR_NOMEM, "out of memory");
	for (; sp_proto__is(c, SP_NS, "RelaysTo"); c = sp_proto__next_elem(c)) {
		char *f = sp_proto__text(c);

		if (f == NULL)
			return sp_proto__fail(why, SP_ERR_NOMEM,
			                      "out of memory");
		m->relays_to[m->n_relays_to++] = f;
		if (!sp_federation_id_valid(f))
			return sp_proto__fail(why, SP_ERR_FIELD,
			                      "Member %s: RelaysTo invalid",
			                      m->node_id);
	}
	if ((rc = read_may_originate(&c, m, why)) != SP_OK)
		return rc;
	if ((rc = read_invalid_from(&c, m, why)) != SP_OK)
		return rc;
	if (c != NULL)
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "Member %s: unexpected element",
		                      m->node_id);
	return SP_OK;
}

/* An optional element of seconds at *c (the schema gave its form). */
static int read_seconds(xmlNodePtr *c, const char *name, uint64_t max,
                        uint64_t *out, const char **why)
{
	char text[24];
	int rc;

	if (!sp_proto__is(*c, SP_NS, name))
		return SP_OK;
	if ((rc = sp_proto__field(c, name, text, sizeof(text), why)) != SP_OK)
		return rc;
	if (sp_proto__parse_u64(text, max, out) != SP_OK || *out == 0)
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "%s: not 1 to %llu seconds", name,
		                      (unsigned long long)max);
	return SP_OK;
}

/* MaxValidity?, TimestampCertificate?, StalenessBound? (SPEC 7.9). The
 * window's cap is the verifier's check (sp_tl_window_check()): an operator's
 * tool still reads an older, longer list to issue its successor. */
static int read_freshness(xmlNodePtr *c, sp_tl *tl, const char **why)
{
	int rc;

	if ((rc = read_seconds(c, "MaxValidity", SP_TL_MAX_VALIDITY_MAX,
	                       &tl->max_validity, why)) != SP_OK)
		return rc;
	if (sp_proto__is(*c, SP_NS, "TimestampCertificate")) {
		if ((rc = read_b64(*c, "TimestampCertificate",
		                   &tl->timestamp_cert_der,
		                   &tl->timestamp_cert_der_len, why)) != SP_OK)
			return rc;
		*c = sp_proto__next_elem(*c);
	}
	return read_seconds(c, "StalenessBound", SP_TL_STALENESS_MAX,
	                    &tl->staleness_bound, why);
}

int sp_tl_read(sp_doc *doc, sp_tl **out, const char **why)
{
	sp_tl *tl = NULL;
	xmlNodePtr root, c;
	char seq[24], t1[SP_TIME_TEXT_MAX], t2[SP_TIME_TEXT_MAX];
	size_t n;
	int rc;

	if (out != NULL)
		*out = NULL;
	if (why != NULL)
		*why = NULL;
	if (doc == NULL || out == NULL || doc->kind != SP_DOC_TRUST_LIST)
		return sp_proto__fail(why, SP_ERR_INVALID_ARGUMENT,
		                      "not a TrustList");
	root = xmlDocGetRootElement(doc->tree);
	if (!sp_proto__is(root, SP_NS, "TrustList"))
		return sp_proto__fail(why, SP_ERR_WRONG_DOCUMENT,
		                      "not a TrustList");
	tl = calloc(1, sizeof(*tl));
	if (tl == NULL)
		return sp_proto__fail(why, SP_ERR_NOMEM, "out of memory");

#define FIELD(name, buf)                                                       \
	do {                                                                   \
		if ((rc = sp_proto__field(&c, name, buf, sizeof(buf), why)) != \
		    SP_OK)                                                     \
			goto fail;                                             \
	} while (0)

	c = sp_proto__first_elem(root);
	FIELD("FederationId", tl->federation);
	FIELD("Sequence", seq);
	FIELD("Issued", t1);
	FIELD("NextUpdate", t2);
#undef FIELD
	if (!sp_federation_id_valid(tl->federation) ||
	    sp_proto__parse_u64(seq, INT64_MAX, &tl->sequence) != SP_OK ||
	    sp_time_parse(t1, &tl->issued) != SP_OK ||
	    sp_time_parse(t2, &tl->next_update) != SP_OK) {
		rc = sp_proto__fail(
		    why, SP_ERR_FIELD,
		    "FederationId, Sequence, Issued or NextUpdate invalid");
		goto fail;
	}
	if (!sp_proto__is(c, SP_NS, "Operator") ||
	    (tl->operator_name = sp_proto__text(c)) == NULL) {
		rc = sp_proto__fail(why, SP_ERR_FIELD, "Operator expected");
		goto fail;
	}
	c = sp_proto__next_elem(c);
	if ((rc = read_freshness(&c, tl, why)) != SP_OK ||
	    (rc = read_witnessing(&c, tl, why)) != SP_OK ||
	    (rc = read_operators(&c, tl, why)) != SP_OK)
		goto fail;
	n = count_named(c, "Member");
	/* none in a new federation's first list (SPEC [TL-46]) */
	tl->members = calloc(n ? n : 1, sizeof(*tl->members));
	if (tl->members == NULL) {
		rc = sp_proto__fail(why, SP_ERR_NOMEM, "out of memory");
		goto fail;
	}
	for (; sp_proto__is(c, SP_NS, "Member"); c = sp_proto__next_elem(c)) {
		sp_tl_member *m = &tl->members[tl->n_members++];

		rc = read_member(c, m, why);
		if (rc != SP_OK)
			goto fail;
		for (size_t k = 0; k + 1 < tl->n_members; k++)
			if (strcmp(tl->members[k].node_id, m->node_id) == 0) {
				rc = sp_proto__fail(
				    why, SP_ERR_FIELD,
				    "Member: duplicate node id %s", m->node_id);
				goto fail;
			}
	}
	if (c != NULL && !sp_proto__is(c, SP_DSIG_NS, "Signature")) {
		rc = sp_proto__fail(why, SP_ERR_FIELD,
		                    "TrustList: unexpected element");
		goto fail;
	}
	if ((rc = witnessing_check(tl, why)) != SP_OK ||
	    (rc = operators_check(tl, why)) != SP_OK)
		goto fail;
	*out = tl;
	return SP_OK;
fail:
	sp_tl_free(tl);
	return rc;
}
