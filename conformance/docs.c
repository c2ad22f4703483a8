/* docs.c: the documents the suite makes and checks: fresh signed records
 * from the auditor member, their delivery, receipts, members in a given
 * trust state, and throw-away outsider identities. */
#include "conf_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BODY_FMT                                                               \
	"<Declaration><DeclarationNo>%s</DeclarationNo><Mode>9610</Mode>"      \
	"<Direction>export</Direction>"                                        \
	"<Declarant>Conformance Suite Declarant</Declarant>"                   \
	"<Item><Name>Green tea</Name><Quantity>2</Quantity>"                   \
	"<Value currency=\"CNY\">120.50</Value><HsCode>090210</HsCode></Item>" \
	"<Extension><Note>test</Note></Extension></Declaration>"

int cf_record(cf_ctx *x, const cf_recopt *o, uint8_t **out, size_t *len,
              char *err, size_t errlen)
{
	static const cf_recopt none;
	const char *recips[1];
	sp_subject subj[1];
	sp_attachment att;
	sp_record_draft d;
	char body[1024], declno[64];
	uint8_t *u = NULL;
	size_t ul = 0;
	const char *why = NULL;
	int rc;

	*out = NULL;
	*len = 0;
	if (o == NULL)
		o = &none;
	snprintf(declno, sizeof(declno), "CONF-%lld", (long long)x->started);
	snprintf(body, sizeof(body), BODY_FMT,
	         o->subject ? o->subject : declno);
	memset(&d, 0, sizeof(d));
	d.record_id = o->record_id;
	d.origin = o->origin ? o->origin : x->as;
	d.sequence = o->seq ? o->seq : cf_next_seq(x);
	d.type = o->type ? o->type : "declaration";
	d.issued = o->issued ? o->issued : (int64_t)time(NULL) - 5;
	recips[0] = o->recipient ? o->recipient
	                         : (x->target_id[0] ? x->target_id : "UNKNOWN");
	d.recipients = recips;
	d.n_recipients = 1;
	d.broadcast = o->broadcast;
	subj[0].kind = "Declaration";
	subj[0].scheme = NULL;
	subj[0].value = o->subject ? o->subject : declno;
	d.subjects = subj;
	d.n_subjects = 1;
	d.supersedes = o->supersedes;
	d.body = (const uint8_t *)(o->body ? o->body : body);
	d.body_len = strlen((const char *)d.body);
	if (o->with_attachment) {
		static const char content[] =
		    "<Note>conformance attachment</Note>";

		att.media_type = "application/xml";
		att.profile = "CEB621Message";
		att.content = (const uint8_t *)content;
		att.content_len = sizeof(content) - 1;
		d.attachments = &att;
		d.n_attachments = 1;
	}
	if ((rc = sp_record_build(&d, &u, &ul, &why)) != SP_OK) {
		snprintf(err, errlen, "building a record: %s: %s",
		         sp_strerror(rc), why ? why : "");
		return rc;
	}
	if (o->unsigned_only) {
		*out = u;
		*len = ul;
		return SP_OK;
	}
	rc = sp_sign_document(o->key ? o->key : x->sign, u, ul, out, len, &why);
	free(u);
	if (rc != SP_OK)
		snprintf(err, errlen, "signing a record: %s: %s",
		         sp_strerror(rc), why ? why : "");
	return rc;
}

int cf_deliver(cf_ctx *x, const uint8_t *rec, size_t len, cf_resp *resp,
               cf_result *r)
{
	char id[SP_UUID_LEN + 1];
	int st = cf_http(x, CF_AS_MEMBER, "POST", "/v1/records",
	                 "application/xml", rec, len, resp, r);

	/* Which record was sent, for a failure to be traced to it. */
	if (r != NULL && r->n_ev > 0 && r->ev[r->n_ev - 1].note[0] == '\0' &&
	    cf_record_id_of(rec, len, id) == 0)
		snprintf(r->ev[r->n_ev - 1].note, sizeof(r->ev[0].note),
		         "record %s", id);
	return st;
}

int cf_record_id_of(const uint8_t *rec, size_t len, char out[SP_UUID_LEN + 1])
{
	static const char open[] = "<RecordId>";
	size_t ol = sizeof(open) - 1;

	out[0] = '\0';
	for (size_t i = 0; i + ol + SP_UUID_LEN <= len; i++)
		if (memcmp(rec + i, open, ol) == 0) {
			memcpy(out, rec + i + ol, SP_UUID_LEN);
			out[SP_UUID_LEN] = '\0';
			return sp_uuid_valid(out) ? 0 : -1;
		}
	return -1;
}

void cf_remember(cf_ctx *x, const uint8_t *rec, size_t len, const char *id,
                 uint64_t seq)
{
	cf_delivered *d;

	if (x->n_deliv == x->cap_deliv) {
		size_t cap = x->cap_deliv ? x->cap_deliv * 2 : 32;
		cf_delivered *nd = realloc(x->deliv, cap * sizeof(*nd));

		if (nd == NULL)
			return;
		x->deliv = nd;
		x->cap_deliv = cap;
	}
	d = &x->deliv[x->n_deliv];
	if ((d->bytes = malloc(len)) == NULL)
		return;
	memcpy(d->bytes, rec, len);
	d->len = len;
	d->seq = seq;
	snprintf(d->id, sizeof(d->id), "%s", id);
	x->n_deliv++;
}

int cf_check_receipt(cf_ctx *x, const uint8_t *rec, size_t rec_len,
                     const uint8_t *rcpt, size_t rcpt_len, char *why,
                     size_t whylen)
{
	sp_verify_opts o;
	sp_receipt_info ri;
	sp_doc *doc = NULL;
	sp_record *hdr = NULL;
	const char *w = NULL;
	char digest[65];
	int64_t now = (int64_t)time(NULL);
	int rc, ok = -1;

	sp_verify_opts_default(&o);
	if ((rc = sp_verify_receipt(x->trust, rcpt, rcpt_len, &o, &ri, &w)) !=
	    SP_OK) {
		snprintf(why, whylen, "the receipt does not verify: %s: %s",
		         sp_strerror(rc), w ? w : "");
		return -1;
	}
	if (sp_doc_parse(rec, rec_len, SP_DOC_RECORD, NULL, &doc, &w) !=
	        SP_OK ||
	    sp_record_read(doc, &hdr, &w) != SP_OK) {
		snprintf(why, whylen,
		         "cannot read the delivered record back: %s",
		         w ? w : "");
		goto out;
	}
	sp_sha256_hex(rec, rec_len, digest);
	if (strcmp(ri.receiver, x->target_id) != 0)
		snprintf(why, whylen, "Receiver is %s, not the target %s",
		         ri.receiver, x->target_id);
	else if (strcmp(ri.record_id, sp_record_id(hdr)) != 0)
		snprintf(why, whylen, "RecordId %s is not the record's %s",
		         ri.record_id, sp_record_id(hdr));
	else if (strcmp(ri.origin, sp_record_origin(hdr)) != 0)
		snprintf(why, whylen, "Origin %s is not the record's %s",
		         ri.origin, sp_record_origin(hdr));
	else if (ri.sequence != sp_record_sequence(hdr))
		snprintf(why, whylen, "Sequence %llu is not the record's %llu",
		         (unsigned long long)ri.sequence,
		         (unsigned long long)sp_record_sequence(hdr));
	else if (strcmp(ri.record_digest, digest) != 0)
		snprintf(
		    why, whylen,
		    "RecordDigest %s is not SHA-256 of the record bytes %s",
		    ri.record_digest, digest);
	else if (ri.status != SP_RECEIPT_ACCEPTED)
		snprintf(why, whylen,
		         "Status is not accepted for a record addressed to the "
		         "target");
	else if (ri.received < x->started - 300 || ri.received > now + 300)
		snprintf(why, whylen,
		         "Received is outside this run (more than the default "
		         "skew away)");
	else
		ok = 0;
out:
	sp_record_free(hdr);
	sp_doc_free(doc);
	return ok;
}

const sp_tl_member *cf_member_in_status(cf_ctx *x, sp_member_status st)
{
	const sp_tl *tl = sp_trust_list(x->trust);

	for (size_t i = 0; i < tl->n_members; i++) {
		const sp_tl_member *m = &tl->members[i];

		if (m->status == st && strcmp(m->node_id, x->as) != 0 &&
		    strcmp(m->node_id, x->target_id) != 0)
			return m;
	}
	return NULL;
}

int cf_make_outsiders(cf_ctx *x, char *err, size_t errlen)
{
	static const char *const sans[] = {"localhost", "127.0.0.1", NULL};
	const char *tmp = getenv("TMPDIR"), *why = NULL;
	char ca_key[CF_PATH + 32], ca_cert[CF_PATH + 32], k[CF_PATH + 32],
	    c[CF_PATH + 32];
	char op_key[CF_PATH], op_cert[CF_PATH];
	int rc;

	if (x->outsiders_made)
		return x->outsider_sign != NULL ? 0 : -1;
	x->outsiders_made = 1;
	snprintf(x->tmpdir, sizeof(x->tmpdir), "%s/silkport-conf-XXXXXX",
	         tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
	if (mkdtemp(x->tmpdir) == NULL) {
		x->tmpdir[0] = '\0';
		snprintf(err, errlen, "cannot make a temporary directory");
		return -1;
	}
	snprintf(ca_key, sizeof(ca_key), "%s/ca-key.pem", x->tmpdir);
	snprintf(ca_cert, sizeof(ca_cert), "%s/ca-cert.pem", x->tmpdir);
	if ((rc = sp_pki_make_ca("silkport conformance outsider CA",
	                         SP_KEY_P256, 2, ca_key, ca_cert, &why)) !=
	    SP_OK)
		goto fail;
	/* A signing key whose certificate names the auditor, from a CA the
	 * federation does not know. */
	snprintf(k, sizeof(k), "%s/sign-key.pem", x->tmpdir);
	snprintf(c, sizeof(c), "%s/sign-cert.pem", x->tmpdir);
	/* of the auditor's own algorithm, so that only the key is wrong
	 * (another method would be algorithm-not-listed, SPEC TL-45) */
	if ((rc = sp_pki_issue(ca_key, ca_cert, SP_CERT_SIGNING, x->as, NULL,
	                       x->sign != NULL ? sp_key_get_alg(x->sign)
	                                       : SP_KEY_P256,
	                       2, k, c, &why)) != SP_OK ||
	    (rc = sp_key_load(k, c, &x->outsider_sign, &why)) != SP_OK)
		goto fail;
	snprintf(k, sizeof(k), "%s/tls-key.pem", x->tmpdir);
	snprintf(c, sizeof(c), "%s/tls-cert.pem", x->tmpdir);
	if ((rc = sp_pki_issue(ca_key, ca_cert, SP_CERT_TLS, x->as, sans,
	                       SP_KEY_P256, 2, k, c, &why)) != SP_OK)
		goto fail;
	if (cf_load_identity(c, k, &x->outsider_tls_cert,
	                     &x->outsider_tls_key) != 0) {
		rc = SP_ERR_IO;
		goto fail;
	}
	/* With the operator's key at hand: a certificate the federation CA
	 * issued that is still no member's TlsCertificate. */
	snprintf(op_key, sizeof(op_key), "%s/operator/key.pem",
	         x->fed_dir ? x->fed_dir : "");
	snprintf(op_cert, sizeof(op_cert), "%s/operator/cert.pem",
	         x->fed_dir ? x->fed_dir : "");
	snprintf(k, sizeof(k), "%s/fed-key.pem", x->tmpdir);
	snprintf(c, sizeof(c), "%s/fed-cert.pem", x->tmpdir);
	if (x->fed_dir != NULL && access(op_key, R_OK) == 0 &&
	    sp_pki_issue(op_key, op_cert, SP_CERT_TLS, "CONF-NONMEMBER", sans,
	                 SP_KEY_P256, 2, k, c, &why) == SP_OK)
		(void)cf_load_identity(c, k, &x->fedca_tls_cert,
		                       &x->fedca_tls_key);
	return 0;
fail:
	snprintf(err, errlen, "making outsider identities: %s: %s",
	         sp_strerror(rc), why ? why : "");
	return -1;
}
