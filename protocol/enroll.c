/* enroll.c: building and reading a member's JoinRequest and RenewalRequest
 * (SPEC 7.8), the documents that carry public keys and CSRs, never a
 * private key. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "protocol_int.h"

#define MAX_ENDPOINTS 16

void sp_enroll_req_free(sp_enroll_req *r)
{
	if (r == NULL)
		return;
	free(r->name);
	for (size_t i = 0; i < r->n_endpoints; i++)
		free(r->endpoints[i]);
	free(r->endpoints);
	free(r->signing_csr);
	free(r->tls_csr);
	free(r->log_key);
	free(r->log_key_proof);
	free(r->previous_cert);
	free(r->previous_sig);
	free(r);
}

/* ---------------------------------------------------------------- build */

static int add_b64(xmlNodePtr parent, xmlNsPtr ns, const char *name,
                   const uint8_t *der, size_t len)
{
	char *b64 = sp_proto__b64_encode(der, len);
	xmlNodePtr e;

	if (b64 == NULL)
		return SP_ERR_NOMEM;
	e = sp_proto__add(parent, ns, name, b64);
	free(b64);
	return e != NULL ? SP_OK : SP_ERR_NOMEM;
}

static int check_fields(const sp_enroll_req *r, const char **why)
{
	int join = r->kind == SP_DOC_JOIN_REQUEST;

	if (!sp_federation_id_valid(r->federation))
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "FederationId: invalid");
	if (!sp_node_id_valid(r->node_id))
		return sp_proto__fail(why, SP_ERR_FIELD, "NodeId: invalid");
	if (r->expires <= r->created)
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "Expires must follow Created");
	if (r->signing_csr == NULL || r->signing_csr_len == 0)
		return sp_proto__fail(why, SP_ERR_FIELD, "SigningCsr: missing");
	if (join) {
		if (r->name == NULL || r->name[0] == '\0' ||
		    sp_role_name(r->role) == NULL)
			return sp_proto__fail(why, SP_ERR_FIELD,
			                      "Name or Role: missing");
		if (r->n_endpoints == 0 || r->n_endpoints > MAX_ENDPOINTS ||
		    r->endpoints == NULL)
			return sp_proto__fail(why, SP_ERR_FIELD,
			                      "Endpoint: 1 to 16");
		for (size_t i = 0; i < r->n_endpoints; i++)
			if (r->endpoints[i] == NULL ||
			    strncmp(r->endpoints[i], "https://", 8) != 0)
				return sp_proto__fail(
				    why, SP_ERR_FIELD,
				    "Endpoint: must be an https URL");
		if (r->tls_csr == NULL || r->tls_csr_len == 0 ||
		    r->log_key == NULL || r->log_key_proof == NULL ||
		    r->log_key_proof_len == 0)
			return sp_proto__fail(
			    why, SP_ERR_FIELD,
			    "TlsCsr, LogKey or LogKeyProof: missing");
	} else if (r->previous_cert == NULL || r->previous_cert_len == 0 ||
	           r->previous_sig == NULL || r->previous_sig_len == 0) {
		return sp_proto__fail(
		    why, SP_ERR_FIELD,
		    "PreviousCertificate or PreviousKeySignature: missing");
	}
	return SP_OK;
}

int sp_enroll_req_build(const sp_enroll_req *r, uint8_t **out, size_t *outlen,
                        const char **why)
{
	char created[SP_TIME_TEXT_MAX], expires[SP_TIME_TEXT_MAX];
	xmlDocPtr doc;
	xmlNodePtr root;
	xmlNsPtr ns;
	int join, rc;

	if (out != NULL)
		*out = NULL;
	if (outlen != NULL)
		*outlen = 0;
	if (r == NULL || out == NULL || outlen == NULL ||
	    (r->kind != SP_DOC_JOIN_REQUEST &&
	     r->kind != SP_DOC_RENEWAL_REQUEST))
		return sp_proto__fail(why, SP_ERR_INVALID_ARGUMENT,
		                      "no request");
	join = r->kind == SP_DOC_JOIN_REQUEST;
	if ((rc = check_fields(r, why)) != SP_OK)
		return rc;
	if (sp_time_format(r->created, created) != SP_OK ||
	    sp_time_format(r->expires, expires) != SP_OK)
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "Created/Expires: out of range");
	doc = sp_proto__new_doc(SP_NS, join ? "JoinRequest" : "RenewalRequest",
	                        &ns);
	if (doc == NULL)
		return sp_proto__fail(why, SP_ERR_NOMEM, "out of memory");
	root = xmlDocGetRootElement(doc);
	rc = SP_ERR_NOMEM;
	if (!xmlSetProp(root, SP_XC("version"), SP_XC("1")) ||
	    !sp_proto__add(root, ns, "FederationId", r->federation) ||
	    !sp_proto__add(root, ns, "NodeId", r->node_id))
		goto nomem;
	if (join) {
		if (!sp_proto__add(root, ns, "Name", r->name) ||
		    !sp_proto__add(root, ns, "Role", sp_role_name(r->role)))
			goto nomem;
		for (size_t i = 0; i < r->n_endpoints; i++)
			if (!sp_proto__add(root, ns, "Endpoint",
			                   r->endpoints[i]))
				goto nomem;
	}
	if (!sp_proto__add(root, ns, "Created", created) ||
	    !sp_proto__add(root, ns, "Expires", expires) ||
	    add_b64(root, ns, "SigningCsr", r->signing_csr,
	            r->signing_csr_len) != SP_OK)
		goto nomem;
	if (join) {
		if (add_b64(root, ns, "TlsCsr", r->tls_csr, r->tls_csr_len) !=
		        SP_OK ||
		    !sp_proto__add(root, ns, "LogKey", r->log_key) ||
		    add_b64(root, ns, "LogKeyProof", r->log_key_proof,
		            r->log_key_proof_len) != SP_OK)
			goto nomem;
	} else if (add_b64(root, ns, "PreviousCertificate", r->previous_cert,
	                   r->previous_cert_len) != SP_OK ||
	           add_b64(root, ns, "PreviousKeySignature", r->previous_sig,
	                   r->previous_sig_len) != SP_OK) {
		goto nomem;
	}
	rc = sp_proto__finish(doc, r->kind, out, outlen, why);
	xmlFreeDoc(doc);
	return rc;
nomem:
	xmlFreeDoc(doc);
	return sp_proto__fail(why, SP_ERR_NOMEM, "out of memory");
}

/* ---------------------------------------------------------------- read */

static int read_b64(xmlNodePtr *c, const char *field, uint8_t **der,
                    size_t *len, const char **why)
{
	char *text;
	int rc;

	if (!sp_proto__is(*c, SP_NS, field))
		return sp_proto__fail(why, SP_ERR_FIELD, "%s expected", field);
	if ((text = sp_proto__text(*c)) == NULL)
		return sp_proto__fail(why, SP_ERR_NOMEM, "out of memory");
	rc = sp_proto__b64_decode(text, strlen(text), der, len);
	free(text);
	if (rc != SP_OK || *len == 0)
		return sp_proto__fail(why, SP_ERR_FIELD, "%s: not base64",
		                      field);
	*c = sp_proto__next_elem(*c);
	return SP_OK;
}

static int read_text(xmlNodePtr *c, const char *field, char **out,
                     const char **why)
{
	if (!sp_proto__is(*c, SP_NS, field))
		return sp_proto__fail(why, SP_ERR_FIELD, "%s expected", field);
	if ((*out = sp_proto__text(*c)) == NULL)
		return sp_proto__fail(why, SP_ERR_NOMEM, "out of memory");
	*c = sp_proto__next_elem(*c);
	return SP_OK;
}

int sp_enroll_req_read(sp_doc *doc, sp_enroll_req **out, const char **why)
{
	char t1[SP_TIME_TEXT_MAX], t2[SP_TIME_TEXT_MAX];
	sp_enroll_req *r;
	xmlNodePtr root, c;
	char *role = NULL;
	int rc, join;

	if (out != NULL)
		*out = NULL;
	if (doc == NULL || out == NULL ||
	    (doc->kind != SP_DOC_JOIN_REQUEST &&
	     doc->kind != SP_DOC_RENEWAL_REQUEST))
		return sp_proto__fail(why, SP_ERR_WRONG_DOCUMENT,
		                      "not a join or renewal request");
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return sp_proto__fail(why, SP_ERR_NOMEM, "out of memory");
	r->kind = doc->kind;
	join = r->kind == SP_DOC_JOIN_REQUEST;
	root = xmlDocGetRootElement(doc->tree);
	c = sp_proto__first_elem(root);
	if ((rc = sp_proto__field(&c, "FederationId", r->federation,
	                          sizeof(r->federation), why)) != SP_OK ||
	    (rc = sp_proto__field(&c, "NodeId", r->node_id, sizeof(r->node_id),
	                          why)) != SP_OK)
		goto fail;
	if (join) {
		if ((rc = read_text(&c, "Name", &r->name, why)) != SP_OK ||
		    (rc = read_text(&c, "Role", &role, why)) != SP_OK)
			goto fail;
		if (sp_role_parse(role, &r->role) != SP_OK) {
			rc = sp_proto__fail(why, SP_ERR_FIELD,
			                    "Role: not a role");
			goto fail;
		}
		if ((r->endpoints = calloc(MAX_ENDPOINTS, sizeof(char *))) ==
		    NULL) {
			rc = sp_proto__fail(why, SP_ERR_NOMEM, "out of memory");
			goto fail;
		}
		while (sp_proto__is(c, SP_NS, "Endpoint") &&
		       r->n_endpoints < MAX_ENDPOINTS) {
			if ((rc = read_text(&c, "Endpoint",
			                    &r->endpoints[r->n_endpoints],
			                    why)) != SP_OK)
				goto fail;
			r->n_endpoints++;
		}
	}
	if ((rc = sp_proto__field(&c, "Created", t1, sizeof(t1), why)) !=
	        SP_OK ||
	    (rc = sp_proto__field(&c, "Expires", t2, sizeof(t2), why)) != SP_OK)
		goto fail;
	if (sp_time_parse(t1, &r->created) != SP_OK ||
	    sp_time_parse(t2, &r->expires) != SP_OK ||
	    r->expires <= r->created) {
		rc = sp_proto__fail(why, SP_ERR_FIELD,
		                    "Created/Expires: invalid, or Expires not "
		                    "after Created");
		goto fail;
	}
	if ((rc = read_b64(&c, "SigningCsr", &r->signing_csr,
	                   &r->signing_csr_len, why)) != SP_OK)
		goto fail;
	if (join) {
		if ((rc = read_b64(&c, "TlsCsr", &r->tls_csr, &r->tls_csr_len,
		                   why)) != SP_OK ||
		    (rc = read_text(&c, "LogKey", &r->log_key, why)) != SP_OK ||
		    (rc = read_b64(&c, "LogKeyProof", &r->log_key_proof,
		                   &r->log_key_proof_len, why)) != SP_OK)
			goto fail;
	} else if ((rc = read_b64(&c, "PreviousCertificate", &r->previous_cert,
	                          &r->previous_cert_len, why)) != SP_OK ||
	           (rc = read_b64(&c, "PreviousKeySignature", &r->previous_sig,
	                          &r->previous_sig_len, why)) != SP_OK) {
		goto fail;
	}
	if (c != NULL && !sp_proto__is(c, SP_DSIG_NS, "Signature")) {
		rc = sp_proto__fail(why, SP_ERR_FIELD, "unexpected element");
		goto fail;
	}
	free(role);
	*out = r;
	return SP_OK;
fail:
	free(role);
	sp_enroll_req_free(r);
	return rc;
}
