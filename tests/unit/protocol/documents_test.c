/* documents_test.c: Receipt, TrustList and Problem documents: build, parse,
 * read round trips and refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "protocol.h"
#include "proto_test.h"

static int setup(void **state)
{
	(void)state;
	return sp_protocol_init() == SP_OK ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	sp_protocol_cleanup();
	return 0;
}

/* ---------------------------------------------------------------- receipt */

static void sample_receipt(sp_receipt_info *ri)
{
	memset(ri, 0, sizeof(*ri));
	snprintf(ri->record_id, sizeof(ri->record_id), "%s",
	         "0f8a3c1e-2b4d-4e6f-8a9b-0c1d2e3f4a5b");
	snprintf(ri->origin, sizeof(ri->origin), "%s", "CN-ZZ");
	ri->sequence = 9223372036854775807ULL;
	sp_sha256_hex((const uint8_t *)PT_RECORD, strlen(PT_RECORD),
	              ri->record_digest);
	snprintf(ri->receiver, sizeof(ri->receiver), "%s", "KZ-KGS");
	ri->received = 1795766405;
	ri->status = SP_RECEIPT_RELAYED;
}

static void test_receipt_round_trip(void **state)
{
	sp_receipt_info ri, back;
	uint8_t *out = NULL;
	size_t len = 0;
	const char *why = NULL;
	sp_doc *doc = NULL;

	(void)state;
	sample_receipt(&ri);
	assert_int_equal(sp_receipt_build(&ri, &out, &len, &why), SP_OK);
	assert_memory_equal(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
	                    39);
	assert_non_null(strstr((const char *)out,
	                       "<Received>2026-11-27T08:00:05Z</Received>"));
	assert_int_equal(
	    sp_doc_parse(out, len, SP_DOC_RECEIPT, NULL, &doc, &why), SP_OK);
	assert_int_equal(sp_receipt_read(doc, &back, &why), SP_OK);
	assert_string_equal(back.record_id, ri.record_id);
	assert_string_equal(back.origin, "CN-ZZ");
	assert_true(back.sequence == ri.sequence);
	assert_string_equal(back.record_digest, ri.record_digest);
	assert_string_equal(back.receiver, "KZ-KGS");
	assert_int_equal(back.received, ri.received);
	assert_int_equal(back.status, SP_RECEIPT_RELAYED);
	/* A receipt is not a record. */
	{
		sp_record *r = NULL;
		assert_int_equal(sp_record_read(doc, &r, &why),
		                 SP_ERR_INVALID_ARGUMENT);
	}
	sp_doc_free(doc);
	free(out);
}

static void test_receipt_refusals(void **state)
{
	sp_receipt_info ri, back;
	uint8_t *out = NULL;
	size_t len = 0;
	const char *why = NULL;
	sp_doc *doc = NULL;

	(void)state;
	sample_receipt(&ri);
	ri.record_digest[3] = 'F';
	assert_int_equal(sp_receipt_build(&ri, &out, &len, &why), SP_ERR_FIELD);
	assert_null(out);
	sample_receipt(&ri);
	ri.status = (sp_receipt_status)7;
	assert_int_equal(sp_receipt_build(&ri, &out, &len, &why), SP_ERR_FIELD);
	sample_receipt(&ri);
	snprintf(ri.receiver, sizeof(ri.receiver), "%s", "kz");
	assert_int_equal(sp_receipt_build(&ri, &out, &len, &why), SP_ERR_FIELD);
	sample_receipt(&ri);
	ri.sequence = (uint64_t)INT64_MAX + 1;
	assert_int_equal(sp_receipt_build(&ri, &out, &len, &why), SP_ERR_FIELD);
	/* Reading a record as a receipt. */
	assert_int_equal(pt_parse(PT_RECORD, SP_DOC_RECORD, &doc), SP_OK);
	assert_int_equal(sp_receipt_read(doc, &back, &why),
	                 SP_ERR_INVALID_ARGUMENT);
	sp_doc_free(doc);
}

/* ---------------------------------------------------------------- trust list
 */

static uint8_t fake_der_a[] = {0x30, 0x82, 0x01, 0x0a, 0x02,
                               0x01, 0x01, 0xde, 0xad};
static uint8_t fake_der_b[] = {0x30, 0x03, 0x02, 0x01, 0x02};
static uint8_t fake_der_c[] = {0x30, 0x03, 0x02, 0x01, 0x03, 0xff};

static void sample_tl(sp_tl *tl, sp_tl_member m[2], sp_tl_signing_cert sc[3],
                      char *ep[2], char *relays[1])
{
	memset(tl, 0, sizeof(*tl));
	memset(m, 0, 2 * sizeof(*m));
	snprintf(tl->federation, sizeof(tl->federation), "%s",
	         "cn-cbec-alliance");
	tl->sequence = 12;
	tl->issued = 1795766400;
	tl->next_update = 1795766400 + 7 * 86400;
	tl->operator_name =
	    (char *)(uintptr_t) "跨境电商综试区联盟 federation operator";
	tl->members = m;
	tl->n_members = 2;

	sc[0] = (sp_tl_signing_cert){fake_der_a, sizeof(fake_der_a), 1767225600,
	                             1798761599, SP_SIGM_UNSPECIFIED};
	sc[1] = (sp_tl_signing_cert){fake_der_b, sizeof(fake_der_b), 1790000000,
	                             1830000000, SP_SIGM_UNSPECIFIED};
	sc[2] = (sp_tl_signing_cert){fake_der_c, sizeof(fake_der_c), 1767225600,
	                             1830000000, SP_SIGM_UNSPECIFIED};
	ep[0] = (char *)(uintptr_t) "https://srep.zz.example.cn:8443/";
	ep[1] = (char *)(uintptr_t) "https://[2001:db8::1]:8443";
	relays[0] = (char *)(uintptr_t) "silkroad-ports";

	snprintf(m[0].node_id, sizeof(m[0].node_id), "%s", "CN-ZZ");
	m[0].name = (char *)(uintptr_t) "郑州航空港区跨境电商监管中心";
	m[0].role = SP_ROLE_ZONE;
	m[0].status = SP_STATUS_ACTIVE;
	m[0].endpoints = ep;
	m[0].n_endpoints = 2;
	m[0].tls_cert_der = fake_der_c;
	m[0].tls_cert_der_len = sizeof(fake_der_c);
	m[0].signing = sc;
	m[0].n_signing = 2;
	m[0].log_key =
	    (char *)(uintptr_t) "silkport/cn-cbec-alliance/"
	                        "CN-ZZ+1a2b3c4d+"
	                        "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=";
	m[0].relays_to = relays;
	m[0].n_relays_to = 1;

	snprintf(m[1].node_id, sizeof(m[1].node_id), "%s", "KZ-KGS");
	m[1].name = (char *)(uintptr_t) "Khorgos port authority";
	m[1].role = SP_ROLE_PORT_AUTHORITY;
	m[1].status = SP_STATUS_SUSPENDED;
	m[1].tls_cert_der = fake_der_b;
	m[1].tls_cert_der_len = sizeof(fake_der_b);
	m[1].signing = &sc[2];
	m[1].n_signing = 1;
}

static void test_trust_list_round_trip(void **state)
{
	sp_tl tl, *back = NULL;
	sp_tl_member m[2];
	sp_tl_signing_cert sc[3];
	char *ep[2], *relays[1];
	uint8_t *out = NULL;
	size_t len = 0;
	const char *why = NULL;
	sp_doc *doc = NULL;
	const sp_tl_member *z, *k;

	(void)state;
	sample_tl(&tl, m, sc, ep, relays);
	assert_int_equal(sp_tl_build(&tl, &out, &len, &why), SP_OK);
	assert_int_equal(
	    sp_doc_parse(out, len, SP_DOC_TRUST_LIST, NULL, &doc, &why), SP_OK);
	assert_int_equal(sp_tl_read(doc, &back, &why), SP_OK);
	assert_string_equal(back->federation, "cn-cbec-alliance");
	assert_int_equal(back->sequence, 12);
	assert_int_equal(back->issued, tl.issued);
	assert_int_equal(back->next_update, tl.next_update);
	assert_string_equal(back->operator_name, tl.operator_name);
	assert_int_equal(back->n_members, 2);
	z = sp_tl_find(back, "CN-ZZ");
	k = sp_tl_find(back, "KZ-KGS");
	assert_non_null(z);
	assert_non_null(k);
	assert_null(sp_tl_find(back, "CN-Z"));
	assert_null(sp_tl_find(back, NULL));
	assert_string_equal(z->name, m[0].name);
	assert_int_equal(z->role, SP_ROLE_ZONE);
	assert_int_equal(z->status, SP_STATUS_ACTIVE);
	assert_int_equal(z->n_endpoints, 2);
	assert_string_equal(z->endpoints[1], "https://[2001:db8::1]:8443");
	assert_int_equal(z->tls_cert_der_len, sizeof(fake_der_c));
	assert_memory_equal(z->tls_cert_der, fake_der_c, sizeof(fake_der_c));
	assert_int_equal(z->n_signing, 2);
	assert_memory_equal(z->signing[0].der, fake_der_a, sizeof(fake_der_a));
	assert_int_equal(z->signing[0].der_len, sizeof(fake_der_a));
	assert_int_equal(z->signing[1].valid_from, 1790000000);
	assert_int_equal(z->signing[1].valid_until, 1830000000);
	assert_string_equal(z->log_key, m[0].log_key);
	assert_int_equal(z->n_relays_to, 1);
	assert_string_equal(z->relays_to[0], "silkroad-ports");
	assert_int_equal(k->role, SP_ROLE_PORT_AUTHORITY);
	assert_int_equal(k->status, SP_STATUS_SUSPENDED);
	assert_int_equal(k->n_endpoints, 0);
	assert_null(k->log_key);
	assert_int_equal(k->n_relays_to, 0);
	sp_tl_free(back);
	sp_tl_free(NULL);
	sp_doc_free(doc);
	free(out);
}

static void test_trust_list_refusals(void **state)
{
	sp_tl tl;
	sp_tl_member m[2];
	sp_tl_signing_cert sc[3];
	char *ep[2], *relays[1];
	uint8_t *out = NULL;
	size_t len = 0;
	const char *why = NULL;
	char *s, *t;
	sp_doc *doc = NULL;

	(void)state;
	sample_tl(&tl, m, sc, ep, relays);
	snprintf(m[1].node_id, sizeof(m[1].node_id), "%s", "CN-ZZ");
	assert_int_equal(sp_tl_build(&tl, &out, &len, &why), SP_ERR_FIELD);
	sample_tl(&tl, m, sc, ep, relays);
	ep[0] = (char *)(uintptr_t) "http://insecure.example.cn/";
	assert_int_equal(sp_tl_build(&tl, &out, &len, &why), SP_ERR_FIELD);
	sample_tl(&tl, m, sc, ep, relays);
	m[1].n_signing = 0;
	assert_int_equal(sp_tl_build(&tl, &out, &len, &why), SP_ERR_FIELD);
	sample_tl(&tl, m, sc, ep, relays);
	tl.next_update = tl.issued;
	assert_int_equal(sp_tl_build(&tl, &out, &len, &why), SP_ERR_FIELD);
	sample_tl(&tl, m, sc, ep, relays);
	m[0].log_key = (char *)(uintptr_t) "not a key";
	assert_int_equal(sp_tl_build(&tl, &out, &len, &why), SP_ERR_SCHEMA);
	assert_null(out);

	/* Duplicate member on the wire: the schema's unique constraint. */
	sample_tl(&tl, m, sc, ep, relays);
	assert_int_equal(sp_tl_build(&tl, &out, &len, &why), SP_OK);
	s = malloc(len + 1);
	memcpy(s, out, len);
	s[len] = '\0';
	t = pt_replace(s, "<NodeId>KZ-KGS</NodeId>", "<NodeId>CN-ZZ</NodeId>");
	assert_int_equal(pt_parse(t, SP_DOC_TRUST_LIST, &doc), SP_ERR_SCHEMA);
	free(t);
	t = pt_replace(s, "<Role>zone</Role>", "<Role>hub</Role>");
	assert_int_equal(pt_parse(t, SP_DOC_TRUST_LIST, &doc), SP_ERR_SCHEMA);
	free(t);
	t = pt_replace(s, "validFrom=\"2026-01-01T00:00:00Z\"",
	               "validFrom=\"2026-01-01\"");
	assert_non_null(t);
	assert_int_equal(pt_parse(t, SP_DOC_TRUST_LIST, &doc), SP_ERR_SCHEMA);
	free(t);
	free(s);
	free(out);
}

/* ---------------------------------------------------------------- problem */

static void test_problem_round_trip(void **state)
{
	sp_problem p = {SP_ERR_SIG_INVALID,
	                0,
	                NULL,
	                "digest of Reference 0 does not match",
	                "ds:Signature",
	                "req-42"};
	uint8_t *out = NULL;
	size_t len = 0;
	sp_doc *doc = NULL;
	const char *why = NULL;
	int err = 0, status = 0;
	char *detail = NULL;

	(void)state;
	assert_int_equal(sp_problem_build(&p, &out, &len), SP_OK);
	assert_non_null(
	    strstr((const char *)out,
	           "<type>urn:silkport:srep:1:error:signature-invalid</type>"));
	assert_non_null(strstr((const char *)out, "<status>422</status>"));
	assert_non_null(
	    strstr((const char *)out, "<error>signature-invalid</error>"));
	assert_non_null(
	    strstr((const char *)out, "<request-id>req-42</request-id>"));
	assert_int_equal(
	    sp_doc_parse(out, len, SP_DOC_PROBLEM, NULL, &doc, &why), SP_OK);
	assert_int_equal(sp_problem_read(doc, &err, &status, &detail), SP_OK);
	assert_int_equal(err, SP_ERR_SIG_INVALID);
	assert_int_equal(status, 422);
	assert_string_equal(detail, p.detail);
	free(detail);
	sp_doc_free(doc);
	free(out);

	/* Explicit status and title; text that XML cannot carry is replaced. */
	p = (sp_problem){SP_ERR_OVERLOADED,         429,  "Slow down",
	                 "bad \x01 byte \xff here", NULL, NULL};
	assert_int_equal(sp_problem_build(&p, &out, &len), SP_OK);
	assert_int_equal(
	    sp_doc_parse(out, len, SP_DOC_PROBLEM, NULL, &doc, &why), SP_OK);
	assert_int_equal(sp_problem_read(doc, &err, &status, &detail), SP_OK);
	assert_int_equal(err, SP_ERR_OVERLOADED);
	assert_int_equal(status, 429);
	assert_string_equal(detail, "bad ? byte ? here");
	free(detail);
	sp_doc_free(doc);
	free(out);

	/* Not a silkport error: SP_ERR_INTERNAL, status kept. */
	assert_int_equal(
	    pt_parse("<problem xmlns=\"urn:ietf:rfc:7807\">"
	             "<type>https://example.net/probs/out-of-credit</type>"
	             "<title>You do not have enough "
	             "credit.</title><status>403</status>"
	             "</problem>",
	             SP_DOC_PROBLEM, &doc),
	    SP_OK);
	assert_int_equal(sp_problem_read(doc, &err, &status, &detail), SP_OK);
	assert_int_equal(err, SP_ERR_INTERNAL);
	assert_int_equal(status, 403);
	assert_null(detail);
	sp_doc_free(doc);

	/* An unknown error value still gives a valid document. */
	p = (sp_problem){-12345, 0, NULL, NULL, NULL, NULL};
	assert_int_equal(sp_problem_build(&p, &out, &len), SP_OK);
	assert_non_null(strstr((const char *)out, "error:internal</type>"));
	assert_non_null(strstr((const char *)out, "<status>500</status>"));
	free(out);
	p = (sp_problem){SP_ERR_FORBIDDEN, 99, NULL, NULL, NULL, NULL};
	assert_int_equal(sp_problem_build(&p, &out, &len),
	                 SP_ERR_INVALID_ARGUMENT);
}

/* [LOG-46]: the witnesses, their quorum and the merge delay survive a
 * round trip; a list without them means k = 0 and the default delay; a
 * witness that is no member with a LogKey, a quorum without witnesses or
 * above their number, and witnesses without a quorum are refused. */
static void test_trust_list_witnessing(void **state)
{
	sp_tl tl, *back = NULL;
	sp_tl_member m[2];
	sp_tl_signing_cert sc[3];
	char *ep[2], *relays[1];
	char *w[2] = {(char *)(uintptr_t) "CN-ZZ",
	              (char *)(uintptr_t) "KZ-KGS"};
	uint8_t *out = NULL;
	size_t len = 0;
	const char *why = NULL;
	sp_doc *doc = NULL;

	(void)state;
	sample_tl(&tl, m, sc, ep, relays);
	assert_int_equal(sp_tl_merge_delay(&tl), SP_TL_MERGE_DELAY_DEFAULT);
	tl.witnesses = w;
	tl.n_witnesses = 1;
	tl.quorum = 1;
	tl.merge_delay = 7;
	assert_int_equal(sp_tl_build(&tl, &out, &len, &why), SP_OK);
	assert_int_equal(
	    sp_doc_parse(out, len, SP_DOC_TRUST_LIST, NULL, &doc, &why), SP_OK);
	assert_int_equal(sp_tl_read(doc, &back, &why), SP_OK);
	assert_int_equal(back->n_witnesses, 1);
	assert_string_equal(back->witnesses[0], "CN-ZZ");
	assert_int_equal(back->quorum, 1);
	assert_int_equal(sp_tl_merge_delay(back), 7);
	assert_true(sp_tl_is_witness(back, "CN-ZZ"));
	assert_false(sp_tl_is_witness(back, "KZ-KGS"));
	sp_tl_free(back);
	back = NULL;
	sp_doc_free(doc);
	doc = NULL;
	free(out);
	out = NULL;

	/* KZ-KGS has no LogKey: it cannot cosign */
	tl.n_witnesses = 2;
	assert_int_equal(sp_tl_build(&tl, &out, &len, &why), SP_ERR_FIELD);
	assert_non_null(strstr(why, "KZ-KGS"));
	tl.n_witnesses = 1;
	tl.quorum = 2; /* more than the witnesses */
	assert_int_equal(sp_tl_build(&tl, &out, &len, &why), SP_ERR_FIELD);
	tl.quorum = 0; /* witnesses without a quorum */
	assert_int_equal(sp_tl_build(&tl, &out, &len, &why), SP_ERR_FIELD);
	tl.n_witnesses = 0;
	tl.quorum = 1; /* a quorum of no witnesses */
	assert_int_equal(sp_tl_build(&tl, &out, &len, &why), SP_ERR_FIELD);
	tl.quorum = 0;
	tl.merge_delay = SP_TL_MERGE_DELAY_MAX + 1;
	assert_int_equal(sp_tl_build(&tl, &out, &len, &why), SP_ERR_FIELD);
	assert_null(out);
}

/* SPEC [TL-59], [TL-60]: MayOriginate survives a round trip in registry
 * order; without it the role's defaults apply; a code outside the registry
 * or given twice refuses the list. */
static void test_trust_list_may_originate(void **state)
{
	sp_tl tl, *back = NULL;
	sp_tl_member m[2];
	sp_tl_signing_cert sc[3];
	char *ep[2], *relays[1];
	uint8_t *out = NULL;
	size_t len = 0;
	const char *why = NULL;
	sp_doc *doc = NULL;
	const sp_tl_member *z, *k;
	char *s, *t;

	(void)state;
	sample_tl(&tl, m, sc, ep, relays);
	m[1].may_originate = sp_type_bit("credit") | sp_type_bit("release");
	assert_int_equal(sp_tl_build(&tl, &out, &len, &why), SP_OK);
	s = calloc(1, len + 1);
	assert_non_null(s);
	memcpy(s, out, len);
	/* registry order: release (11th) before credit (18th) */
	assert_non_null(strstr(s, "<MayOriginate>release</MayOriginate>"));
	assert_non_null(strstr(s, "<MayOriginate>credit</MayOriginate>"));
	assert_true(strstr(s, "<MayOriginate>release") <
	            strstr(s, "<MayOriginate>credit"));
	/* only KZ-KGS's entry lists any: CN-ZZ keeps its role's defaults */
	assert_true(strstr(s, "<MayOriginate>") > strstr(s, "<NodeId>KZ-KGS"));
	assert_null(
	    strstr(strstr(s, "<MayOriginate>credit") + 1, "<MayOriginate>"));
	assert_int_equal(
	    sp_doc_parse(out, len, SP_DOC_TRUST_LIST, NULL, &doc, &why), SP_OK);
	assert_int_equal(sp_tl_read(doc, &back, &why), SP_OK);
	z = sp_tl_find(back, "CN-ZZ");
	k = sp_tl_find(back, "KZ-KGS");
	assert_int_equal(z->may_originate, 0);
	assert_int_equal(sp_tl_member_types(z), SP_TYPE_SET_ALL);
	assert_int_equal(k->may_originate,
	                 sp_type_bit("credit") | sp_type_bit("release"));
	assert_true(sp_tl_member_may_originate(k, "credit"));
	assert_false(sp_tl_member_may_originate(k, "declaration"));
	assert_false(sp_tl_member_may_originate(k, "Credit"));
	assert_false(sp_tl_member_may_originate(k, NULL));
	sp_tl_free(back);
	sp_doc_free(doc);
	doc = NULL;

	/* a code outside the registry: the schema refuses it */
	t = pt_replace(s, "<MayOriginate>credit<", "<MayOriginate>rating<");
	assert_int_equal(pt_parse(t, SP_DOC_TRUST_LIST, &doc), SP_ERR_SCHEMA);
	free(t);
	/* the same code twice: one set has one spelling */
	t = pt_replace(s, "<MayOriginate>credit<", "<MayOriginate>release<");
	assert_int_equal(pt_parse(t, SP_DOC_TRUST_LIST, &doc), SP_OK);
	assert_int_equal(sp_tl_read(doc, &back, &why), SP_ERR_FIELD);
	assert_non_null(strstr(why, "given twice"));
	sp_doc_free(doc);
	doc = NULL;
	free(t);
	/* after RelaysTo, never before it */
	t = pt_replace(s, "<RelaysTo>silkroad-ports</RelaysTo>",
	               "<MayOriginate>tax</MayOriginate>"
	               "<RelaysTo>silkroad-ports</RelaysTo>");
	assert_int_equal(pt_parse(t, SP_DOC_TRUST_LIST, &doc), SP_ERR_SCHEMA);
	free(t);
	/* a set outside the registry is not built */
	m[1].may_originate = (sp_type_set)1 << 30;
	free(out);
	out = NULL;
	assert_int_equal(sp_tl_build(&tl, &out, &len, &why), SP_ERR_FIELD);
	free(s);
}

/* SPEC [TL-60]'s table: a zone originates every type, a port authority
 * the port's decisions but not credit or negative-list, an auditor none. */
static void test_role_defaults(void **state)
{
	sp_type_set port = sp_role_default_types(SP_ROLE_PORT_AUTHORITY);
	static const char *const port_yes[] = {
	    "declaration", "risk-assessment", "inspection",   "test-acceptance",
	    "release",     "transfer",        "cancellation", "return",
	    "enforcement", "trace",           "statistics"};
	static const char *const port_no[] = {
	    "party-registration", "order",   "payment",   "waybill",
	    "zone-entry",         "tax",     "write-off", "credit",
	    "negative-list",      "dispute", "warehouse"};
	sp_type_set all = 0;

	(void)state;
	for (const sp_record_type *t = sp_record_types(); t->code != NULL; t++)
		all |= sp_type_bit(t->code);
	assert_int_equal(all, SP_TYPE_SET_ALL);
	assert_int_equal(sp_role_default_types(SP_ROLE_ZONE), SP_TYPE_SET_ALL);
	assert_int_equal(sp_role_default_types(SP_ROLE_AUDITOR), 0);
	for (size_t i = 0; i < sizeof(port_yes) / sizeof(port_yes[0]); i++)
		assert_true((port & sp_type_bit(port_yes[i])) != 0);
	for (size_t i = 0; i < sizeof(port_no) / sizeof(port_no[0]); i++)
		assert_true((port & sp_type_bit(port_no[i])) == 0);
}

/* The operator's comma lists (trust-list add-member --may-originate). */
static void test_type_set_parse(void **state)
{
	sp_type_set set = 1;
	const char *why = NULL;
	char buf[512];

	(void)state;
	assert_int_equal(sp_type_set_parse("credit,release,credit", &set, &why),
	                 SP_OK);
	assert_int_equal(set, sp_type_bit("credit") | sp_type_bit("release"));
	assert_string_equal(sp_type_set_format(set, buf, sizeof(buf)),
	                    "release,credit");
	assert_string_equal(sp_type_set_format(0, buf, sizeof(buf)), "");
	assert_string_equal(sp_type_set_format(SP_TYPE_SET_ALL, buf, 12),
	                    "party-regis");
	assert_int_equal(sp_type_set_parse("credit,,release", &set, &why),
	                 SP_ERR_FIELD);
	assert_int_equal(set, 0);
	assert_int_equal(sp_type_set_parse("", &set, &why), SP_ERR_FIELD);
	assert_int_equal(sp_type_set_parse(NULL, &set, &why), SP_ERR_FIELD);
	assert_int_equal(sp_type_set_parse("release,", &set, &why),
	                 SP_ERR_FIELD);
	assert_int_equal(sp_type_set_parse("Credit", &set, &why), SP_ERR_FIELD);
	assert_non_null(strstr(why, "'Credit'"));
	assert_int_equal(
	    sp_type_set_parse("credit-rating-of-every-enterprise-in-the-zone",
	                      &set, &why),
	    SP_ERR_FIELD);
	assert_int_equal(sp_type_bit("negative-list"), 1u << 18);
	assert_int_equal(sp_type_bit("NegativeListEntry"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_receipt_round_trip),
	    cmocka_unit_test(test_receipt_refusals),
	    cmocka_unit_test(test_trust_list_round_trip),
	    cmocka_unit_test(test_trust_list_refusals),
	    cmocka_unit_test(test_trust_list_may_originate),
	    cmocka_unit_test(test_trust_list_witnessing),
	    cmocka_unit_test(test_role_defaults),
	    cmocka_unit_test(test_type_set_parse),
	    cmocka_unit_test(test_problem_round_trip),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
