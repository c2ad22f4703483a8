/* fed_relay_test.c: relay routing at the Origin (SPEC 13.5, FED-24,
 * FED-36) on a real node with a fake clock and fake peers. The node CN-ZZ
 * of federation silk (CN-ZZ, CN-XA, GW) follows federation ports (GW,
 * KZ-KGS, KZ-ALA), built as `federation init --existing` builds a gateway
 * (tests/integration/fed_relay.sh). A record for a member of ports goes to
 * the first active member of silk, in list order, whose RelaysTo lists
 * ports, once per gateway; a recipient in no list, or with no gateway, is
 * refused and nothing is queued; with the gateway unreachable the record
 * waits in the outbox for it (no other member is tried) and goes out once
 * it is back. End to end ([FED-53], [FED-54]): the fake gateways answer
 * `relayed` (or, lying, `accepted`) and serve the final receivers' receipts,
 * signed with the ports members' own keys, at GET /v1/records/{id}/receipt;
 * the delivery completes only with those, and a gateway that holds the
 * record is alarmed about after the relay deadline and bypassed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fed_harness.h"

enum { ME = 0, XA = 1, GW = 2 };

/* How silk's operator authorizes gateways (trust-list update options). */
typedef struct variant {
	const char *relays_to;
} variant;

static variant only_gw = {"--relays-to CN-XA=elsewhere "
                          "--relays-to GW=ports"};
static variant both = {"--relays-to CN-XA=ports --relays-to GW=ports"};
static variant nobody = {""};

static fh g_h;
static const variant *g_variant;

/* ------------------------------------------------------ the fake gateways */

#define POSTED_MAX 32

/* What the fake gateways received (record bytes by RecordId), how they
 * answer, and the ports members' signing keys for the final receipts. */
static struct {
	char id[POSTED_MAX][SP_UUID_LEN + 1];
	uint8_t *bytes[POSTED_MAX];
	size_t len[POSTED_MAX];
	size_t n;
	int holds[3];   /* this gateway never has a final receipt (404) */
	int hold_first; /* CN-XA holds the first record it gets, only it */
	char held_id[SP_UUID_LEN + 1];
	int says_accepted; /* the gateways answer `accepted`, not `relayed` */
	size_t finals_served[3];
} g_gw;

static void gw_reset(void)
{
	size_t i;

	for (i = 0; i < g_gw.n; i++)
		free(g_gw.bytes[i]);
	memset(&g_gw, 0, sizeof(g_gw));
}

/* A receipt by `receiver` (its key) for the record bytes b. */
static uint8_t *receipt_for(sp_key *key, const char *receiver, const uint8_t *b,
                            size_t len, sp_receipt_status status,
                            size_t *out_len)
{
	sp_doc *doc = NULL;
	sp_record *r = NULL;
	sp_receipt_info ri;
	uint8_t *u = NULL, *s = NULL;
	size_t ulen = 0;

	memset(&ri, 0, sizeof(ri));
	if (sp_doc_parse(b, len, SP_DOC_RECORD, NULL, &doc, NULL) != SP_OK ||
	    sp_record_read(doc, &r, NULL) != SP_OK)
		goto done;
	snprintf(ri.record_id, sizeof(ri.record_id), "%s", sp_record_id(r));
	snprintf(ri.origin, sizeof(ri.origin), "%s", sp_record_origin(r));
	ri.sequence = sp_record_sequence(r);
	sp_sha256_hex(b, len, ri.record_digest);
	snprintf(ri.receiver, sizeof(ri.receiver), "%s", receiver);
	ri.received = sp_clock_wall_ms() / 1000;
	ri.status = status;
	if (sp_receipt_build(&ri, &u, &ulen, NULL) == SP_OK)
		(void)sp_sign_document(key, u, ulen, &s, out_len, NULL);
done:
	free(u);
	sp_record_free(r);
	sp_doc_free(doc);
	return s;
}

static void keep_posted(sp_http_req *req)
{
	size_t len = 0, i = g_gw.n;
	const uint8_t *b = sp_http_req_body(req, &len);
	const char *id = strstr((const char *)b, "<RecordId>");

	size_t k;

	if (id == NULL)
		return;
	for (k = 0; k < g_gw.n; k++) /* a re-delivery: kept already */
		if (strncmp(g_gw.id[k], id + strlen("<RecordId>"),
		            SP_UUID_LEN) == 0)
			return;
	if (i == POSTED_MAX || (g_gw.bytes[i] = malloc(len)) == NULL)
		return;
	memcpy(g_gw.bytes[i], b, len);
	g_gw.len[i] = len;
	snprintf(g_gw.id[i], sizeof(g_gw.id[i]), "%.36s",
	         id + strlen("<RecordId>"));
	if (g_gw.hold_first && g_gw.held_id[0] == '\0')
		memcpy(g_gw.held_id, g_gw.id[i], sizeof(g_gw.held_id));
	g_gw.n++;
}

/* POST /v1/records: the gateway's own receipt; GET .../receipt: the final
 * receiver's, signed with that ports member's key, unless it holds. */
static void answer(fh *h, int peer, sp_http_req *req)
{
	const char *path = sp_http_req_path(req);
	const char *q = sp_http_req_query(req), *rcv;
	char k[FH_PATH + 64], c[FH_PATH + 64], receiver[SP_NODE_ID_MAX + 1];
	sp_key *key = NULL;
	uint8_t *s = NULL;
	size_t i, n = 0;

	if (strcmp(sp_http_req_method(req), "POST") == 0 &&
	    strcmp(path, "/v1/records") == 0) {
		size_t len = 0;
		const uint8_t *b = sp_http_req_body(req, &len);

		keep_posted(req);
		s = receipt_for(h->sign[peer], h->ids[peer], b, len,
		                g_gw.says_accepted ? SP_RECEIPT_ACCEPTED
		                                   : SP_RECEIPT_RELAYED,
		                &n);
		if (s == NULL)
			(void)sp_http_respond_problem(req, SP_ERR_INTERNAL, 0,
			                              NULL);
		else
			(void)sp_http_respond_take(req, 201, "application/xml",
			                           NULL, 0, s, n);
		return;
	}
	if (strncmp(path, "/v1/records/", 12) == 0 &&
	    strstr(path, "/receipt") != NULL && !g_gw.holds[peer] &&
	    !(peer == XA && g_gw.held_id[0] != '\0' &&
	      strncmp(path + 12, g_gw.held_id, SP_UUID_LEN) == 0) &&
	    (rcv = strstr(q, "receiver=")) != NULL) {
		snprintf(receiver, sizeof(receiver), "%.*s",
		         (int)strcspn(rcv + 9, "&"), rcv + 9);
		snprintf(k, sizeof(k), "%s/ports/members/%s/sign-key.pem",
		         h->dir, receiver);
		snprintf(c, sizeof(c), "%s/ports/members/%s/sign-cert.pem",
		         h->dir, receiver);
		for (i = 0; i < g_gw.n; i++)
			if (strncmp(path + 12, g_gw.id[i], SP_UUID_LEN) == 0)
				break;
		if (i < g_gw.n && sp_key_load(k, c, &key, NULL) == SP_OK)
			s = receipt_for(key, receiver, g_gw.bytes[i],
			                g_gw.len[i], SP_RECEIPT_ACCEPTED, &n);
		sp_key_free(key);
		if (s != NULL) {
			g_gw.finals_served[peer]++;
			(void)sp_http_respond_take(req, 200, "application/xml",
			                           NULL, 0, s, n);
			return;
		}
	}
	(void)sp_http_respond_problem(req, SP_ERR_NOT_FOUND, 0, NULL);
}

/* The followed federation ports, the gateways in silk's list, and the
 * node's [relay] section. */
static int prepare(fh *h)
{
	const char *bin = getenv("SP_BINARY_DIR");
	char cmd[2048];
	FILE *ini;

	if (bin == NULL)
		bin = "build";
	snprintf(cmd, sizeof(cmd),
	         "'%s/node/silkport' federation init '%s/ports' --federation "
	         "ports --member GW --member KZ-KGS --member KZ-ALA "
	         "--existing GW='%s/members/GW' --base-port %d >/dev/null "
	         "2>&1",
	         bin, h->dir, h->dir, h->base_port + 10);
	if (fh_sh(cmd) != 0)
		return -1;
	if (g_variant->relays_to[0] != '\0') {
		snprintf(cmd, sizeof(cmd),
		         "'%s/node/silkport' trust-list update --key "
		         "'%s/operator/key.pem' --cert '%s/operator/cert.pem' "
		         "%s '%s/trust-list.xml' >'%s/tl2.xml' && mv "
		         "'%s/tl2.xml' '%s/trust-list.xml'",
		         bin, h->dir, h->dir, g_variant->relays_to, h->dir,
		         h->dir, h->dir, h->dir);
		if (fh_sh(cmd) != 0)
			return -1;
	}
	if ((ini = fopen(h->ini, "a")) == NULL)
		return -1;
	fprintf(
	    ini,
	    "\n[relay]\nfederation = ports\ntrust_list = "
	    "%s/ports/trust-list.xml\nanchor = %s/ports/operator/cert.pem\n",
	    h->dir, h->dir);
	fclose(ini);
	return 0;
}

static int setup(void **state)
{
	g_variant = *state;
	gw_reset();
	memset(&g_h, 0, sizeof(g_h));
	g_h.ids[ME] = "CN-ZZ";
	g_h.ids[XA] = "CN-XA";
	g_h.ids[GW] = "GW";
	g_h.n_members = 3;
	g_h.prepare = prepare;
	/* retry_min = retry_max: no jitter; 2 s also caps the clients'
	 * reconnect backoff (real time) */
	snprintf(g_h.extra_ini, sizeof(g_h.extra_ini),
	         "[peers]\nretry_min = 2\nretry_max = 2\n"
	         "pull_interval = 86400\nrelay_deadline = 20\n");
	g_h.handler = answer;
	if (fh_start(&g_h) != 0)
		return -1;
	if (fh_connect(&g_h) != 0) {
		fh_finish(&g_h);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fh_finish(&g_h);
	gw_reset();
	return 0;
}

/* ---------------------------------------------------------------- probes */

typedef struct probe {
	size_t posts[3]; /* POST /v1/records at each fake peer */
	size_t asks[3];  /* GET .../receipt at each fake peer */
	uint64_t alarms[3];
	char last_alarm[3][240];
	uint64_t last_seq[3];
	uint64_t delivered[3];
	uint64_t pending[3]; /* outbox rows, as last counted */
	char gw_error[200];
	int idle;
} probe;

static void probe_fn(fh *h, void *arg)
{
	probe *pr = arg;
	size_t i;
	int k;

	memset(pr, 0, sizeof(*pr));
	pr->idle = 1;
	for (i = 0; i < h->n_hits; i++)
		if (strcmp(h->hits[i].method, "POST") == 0 &&
		    h->hits[i].peer < 3) {
			pr->posts[h->hits[i].peer]++;
			pr->last_seq[h->hits[i].peer] = h->hits[i].seq;
		} else if (strstr(h->hits[i].path, "/receipt?") != NULL &&
		           h->hits[i].peer < 3) {
			pr->asks[h->hits[i].peer]++;
		}
	for (k = XA; k <= GW; k++) {
		fed_peer *p = fed_peer_find(h->f, h->ids[k]);

		assert_non_null(p);
		pr->delivered[k] = p->delivered;
		pr->pending[k] = p->outbox_pending;
		pr->alarms[k] = p->alarms;
		memcpy(pr->last_alarm[k], p->last_alarm,
		       sizeof(pr->last_alarm[k]));
		pr->idle &= p->queued == 0 && p->in_flight == 0 && !p->scanning;
		if (k == GW)
			memcpy(pr->gw_error, p->last_error,
			       sizeof(pr->gw_error));
	}
}

static probe look(void)
{
	probe pr;

	fh_run(&g_h, probe_fn, &pr);
	return pr;
}

/* Delivered at least `xa` to CN-XA and `gw` to GW, nothing on the wire. */
typedef struct want {
	uint64_t xa, gw;
} want;

static int reached(fh *h, void *arg)
{
	want *w = arg;
	probe pr;

	probe_fn(h, &pr);
	return pr.idle && pr.delivered[XA] >= w->xa &&
	       pr.delivered[GW] >= w->gw;
}

static void wait_delivered(uint64_t xa, uint64_t gw)
{
	want w = {xa, gw};

	assert_true(fh_wait(&g_h, reached, &w, 15000));
	fh_settle(&g_h, 200); /* and nothing more goes out */
}

static int64_t submit(const char *a, const char *b, int *err)
{
	const char *to[2] = {a, b};

	return fh_submit_rcpts(&g_h, to, b != NULL ? 2 : 1, err);
}

/* ---------------------------------------------------------------- tests */

/* FED-36: a record for KZ-KGS (ports) goes to GW, the member of silk whose
 * RelaysTo lists ports, not to CN-XA listed before it (which relays
 * elsewhere); two recipients behind one gateway make one delivery; a home
 * recipient next to one in ports gets its own. */
static void test_routed_to_relaying_gateway(void **state)
{
	int64_t s1, s2, s3;
	int err;
	probe pr;

	(void)state;
	s1 = submit("KZ-KGS", NULL, &err);
	assert_int_equal(err, SP_OK);
	wait_delivered(0, 1);
	pr = look();
	assert_int_equal(pr.posts[GW], 1);
	assert_int_equal(pr.last_seq[GW], (uint64_t)s1);
	assert_int_equal(pr.posts[XA], 0);

	s2 = submit("KZ-KGS", "KZ-ALA", &err);
	assert_int_equal(err, SP_OK);
	wait_delivered(0, 2);
	pr = look();
	assert_int_equal(pr.posts[GW], 2);
	assert_int_equal(pr.last_seq[GW], (uint64_t)s2);
	assert_int_equal(pr.posts[XA], 0);

	s3 = submit("CN-XA", "KZ-ALA", &err);
	assert_int_equal(err, SP_OK);
	wait_delivered(1, 3);
	pr = look();
	assert_int_equal(pr.posts[GW], 3);
	assert_int_equal(pr.last_seq[GW], (uint64_t)s3);
	assert_int_equal(pr.posts[XA], 1);
	assert_int_equal(pr.last_seq[XA], (uint64_t)s3);
}

/* FED-36: with two members of silk relaying to ports, the first in list
 * order (CN-XA) is the gateway. */
static void test_first_gateway_in_list_order(void **state)
{
	int64_t s1;
	int err;
	probe pr;

	(void)state;
	s1 = submit("KZ-KGS", NULL, &err);
	assert_int_equal(err, SP_OK);
	wait_delivered(1, 0);
	pr = look();
	assert_int_equal(pr.posts[XA], 1);
	assert_int_equal(pr.last_seq[XA], (uint64_t)s1);
	assert_int_equal(pr.posts[GW], 0);
}

/* Counted outbox rows, refreshed: let the fake clock pass a count. */
static probe counted(void)
{
	fh_advance(1000);
	fh_settle(&g_h, 200);
	return look();
}

/* FED-36, API-52: a recipient in no list this node holds is refused, also
 * next to a reachable one; nothing is stored or queued (the next record
 * takes the next Sequence, and only it goes out). */
static void test_unknown_recipient_refused(void **state)
{
	int64_t s1, s2;
	int err;
	probe pr;

	(void)state;
	s1 = submit("KZ-KGS", NULL, &err);
	assert_int_equal(err, SP_OK);
	wait_delivered(0, 1);

	assert_int_equal(submit("XX-NOWHERE", NULL, &err), -1);
	assert_int_equal(err, SP_ERR_FIELD);
	assert_int_equal(submit("KZ-KGS", "XX-NOWHERE", &err), -1);
	assert_int_equal(err, SP_ERR_FIELD);
	pr = counted();
	assert_int_equal(pr.posts[GW], 1);
	assert_int_equal(pr.posts[XA], 0);
	assert_int_equal(pr.pending[GW], 0);
	assert_int_equal(pr.pending[XA], 0);

	s2 = submit("KZ-ALA", NULL, &err);
	assert_int_equal(err, SP_OK);
	assert_int_equal(s2, s1 + 1);
	wait_delivered(0, 2);
	assert_int_equal(look().posts[GW], 2);
}

/* FED-36: a member of a followed federation towards which no active
 * member relays is refused like an unknown one. */
static void test_no_gateway_refused(void **state)
{
	int err;
	probe pr;

	(void)state;
	assert_int_equal(submit("KZ-KGS", NULL, &err), -1);
	assert_int_equal(err, SP_ERR_FIELD);
	pr = counted();
	assert_int_equal(pr.posts[GW] + pr.posts[XA], 0);
	assert_int_equal(pr.pending[GW] + pr.pending[XA], 0);
}

/* FED-1, FED-4 through a gateway: GW is off the network; the record for
 * KZ-KGS is accepted and waits in the outbox for GW (retried, never sent
 * to CN-XA); when GW is back it goes out and the row is done. */
static void test_waits_for_unreachable_gateway(void **state)
{
	int64_t s1;
	int err, i;
	probe pr;

	(void)state;
	fh_peer_down(&g_h, GW);
	s1 = submit("KZ-KGS", NULL, &err);
	assert_int_equal(err, SP_OK);
	/* a few retry periods of the fake clock */
	for (i = 0; i < 8; i++) {
		fh_advance(1000);
		fh_settle(&g_h, 100);
	}
	pr = look();
	assert_int_equal(pr.posts[GW] + pr.posts[XA], 0);
	assert_int_equal(pr.pending[GW], 1);
	assert_int_equal(pr.pending[XA], 0);
	assert_int_equal(pr.delivered[GW], 0);
	assert_true(pr.gw_error[0] != '\0');

	assert_int_equal(fh_peer_up(&g_h, GW), 0);
	for (i = 0; i < 100 && look().delivered[GW] == 0; i++) {
		fh_advance(1000);
		fh_settle(&g_h, 100);
	}
	pr = counted();
	assert_int_equal(pr.delivered[GW], 1);
	assert_int_equal(pr.posts[GW], 1);
	assert_int_equal(pr.last_seq[GW], (uint64_t)s1);
	assert_int_equal(pr.posts[XA], 0);
	assert_int_equal(pr.pending[GW], 0);
}

/* [FED-53]: the gateway's `relayed` receipt does not end the delivery; the
 * node asks the gateway for each final receiver's receipt (two receivers
 * behind one gateway: two), verifies them with the ports list, and only
 * then is the delivery done. */
static void test_final_receipts_complete(void **state)
{
	int err;
	probe pr;

	(void)state;
	assert_true(submit("KZ-KGS", "KZ-ALA", &err) >= 0);
	wait_delivered(0, 1);
	pr = look();
	assert_int_equal(pr.posts[GW], 1);
	assert_true(pr.asks[GW] >= 2);
	assert_int_equal(g_gw.finals_served[GW], 2);
	assert_int_equal(pr.alarms[GW], 0);
}

/* Drive the fake clock past `s` seconds in steps, letting the node act. */
static void pass_seconds(int s)
{
	int i;

	for (i = 0; i < s; i++) {
		fh_advance(1000);
		fh_settle(&g_h, 50);
	}
}

/* [FED-54], [SEC-42]: CN-XA, the first gateway, takes the record and
 * holds it (no final receipt ever): nothing is delivered, no alarm before
 * the deadline; past it the node alarms about CN-XA and hands the record
 * to GW, the next gateway, whose final receipt completes it. */
static void test_holding_gateway_bypassed(void **state)
{
	int64_t s1;
	int err;
	probe pr;

	(void)state;
	g_gw.holds[XA] = 1;
	s1 = submit("KZ-KGS", NULL, &err);
	assert_true(s1 >= 0);
	pass_seconds(10);
	pr = look();
	/* each question follows a re-delivery, answered from RCP-7 */
	assert_true(pr.posts[XA] >= 1);
	assert_true(pr.asks[XA] >= 2); /* asked again, with FED-4 delays */
	assert_int_equal(pr.delivered[XA], 0);
	assert_int_equal(pr.posts[GW], 0);
	assert_int_equal(pr.alarms[XA], 0);

	pass_seconds(16);
	wait_delivered(0, 1);
	pr = look();
	assert_int_equal(pr.delivered[XA], 0);
	assert_true(pr.posts[GW] >= 1);
	assert_int_equal(pr.last_seq[GW], (uint64_t)s1);
	assert_int_equal(g_gw.finals_served[GW], 1);
	assert_true(pr.alarms[XA] >= 1);
	assert_non_null(strstr(pr.last_alarm[XA], "relay deadline missed"));
	assert_non_null(strstr(pr.last_alarm[XA], "handed to GW"));
	assert_int_equal(pr.alarms[GW], 0);
	/* CN-XA's row has ended: no more questions to it */
	{
		size_t asked = pr.asks[XA];

		pass_seconds(6);
		assert_int_equal(look().asks[XA], asked);
	}
}

/* [FED-53]: a gateway that answers `accepted` for a record it only relays
 * (not an addressee) does not end the delivery either: its RelaysTo makes
 * it a gateway, and the final receipt is still required. */
static void test_accepted_from_gateway_is_not_final(void **state)
{
	int err;
	probe pr;

	(void)state;
	g_gw.says_accepted = 1;
	g_gw.holds[GW] = 1;
	assert_true(submit("KZ-KGS", NULL, &err) >= 0);
	pass_seconds(8);
	pr = look();
	assert_true(pr.posts[GW] >= 1);
	assert_int_equal(pr.delivered[GW], 0);
	assert_true(pr.asks[GW] >= 1);
	/* once it has the final receipt, the delivery completes */
	g_gw.holds[GW] = 0;
	pass_seconds(4);
	wait_delivered(0, 1);
	assert_int_equal(g_gw.finals_served[GW], 1);
	assert_int_equal(look().alarms[GW], 0);
}

/* [FED-54], [SEC-42]: CN-XA forwards a later record but holds an earlier
 * one (a reordering): the later completes through CN-XA, the earlier misses
 * its deadline, is alarmed about and goes through GW. */
static void test_reordering_gateway_detected(void **state)
{
	int64_t s1, s2;
	int err;
	probe pr;

	(void)state;
	g_gw.hold_first = 1;
	s1 = submit("KZ-KGS", NULL, &err);
	assert_true(s1 >= 0);
	fh_settle(&g_h, 200);
	s2 = submit("KZ-ALA", NULL, &err);
	assert_true(s2 > s1);
	pass_seconds(8);
	pr = look();
	assert_int_equal(pr.delivered[XA], 1); /* the later record */
	assert_int_equal(pr.posts[GW], 0);
	assert_int_equal(pr.alarms[XA], 0);
	pass_seconds(18);
	wait_delivered(1, 1);
	pr = look();
	assert_int_equal(pr.last_seq[GW], (uint64_t)s1);
	assert_true(pr.alarms[XA] >= 1);
	assert_non_null(strstr(pr.last_alarm[XA], "relay deadline missed"));
}

/* [FED-54]: the only gateway holds: past the deadline one alarm, not one
 * per question; the delivery stays open and it is still asked. */
static void test_last_gateway_late_alarms_once(void **state)
{
	size_t asked;
	int err;
	probe pr;

	(void)state;
	g_gw.holds[GW] = 1;
	assert_true(submit("KZ-KGS", NULL, &err) >= 0);
	pass_seconds(26);
	pr = look();
	assert_int_equal(pr.alarms[GW], 1);
	assert_non_null(strstr(pr.last_alarm[GW], "no other gateway"));
	assert_int_equal(pr.delivered[GW], 0);
	asked = pr.asks[GW];
	pass_seconds(8);
	pr = look();
	assert_true(pr.asks[GW] > asked);
	assert_int_equal(pr.alarms[GW], 1);
}

/* [FED-53]: a gateway that is an addressee too answers `accepted` for
 * itself; the receivers behind it must still answer before the delivery
 * completes. */
static void test_addressee_gateway_still_needs_final(void **state)
{
	int err;

	(void)state;
	g_gw.says_accepted = 1;
	g_gw.holds[GW] = 1;
	assert_true(submit("GW", "KZ-KGS", &err) >= 0);
	pass_seconds(8);
	assert_int_equal(look().delivered[GW], 0);
	g_gw.holds[GW] = 0;
	pass_seconds(4);
	wait_delivered(0, 1);
	assert_int_equal(g_gw.finals_served[GW], 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_prestate_setup_teardown(
	        test_routed_to_relaying_gateway, setup, teardown,
	        (void *)&only_gw),
	    cmocka_unit_test_prestate_setup_teardown(
	        test_first_gateway_in_list_order, setup, teardown,
	        (void *)&both),
	    cmocka_unit_test_prestate_setup_teardown(
	        test_unknown_recipient_refused, setup, teardown,
	        (void *)&only_gw),
	    cmocka_unit_test_prestate_setup_teardown(
	        test_no_gateway_refused, setup, teardown, (void *)&nobody),
	    cmocka_unit_test_prestate_setup_teardown(
	        test_waits_for_unreachable_gateway, setup, teardown,
	        (void *)&only_gw),
	    cmocka_unit_test_prestate_setup_teardown(
	        test_final_receipts_complete, setup, teardown,
	        (void *)&only_gw),
	    cmocka_unit_test_prestate_setup_teardown(
	        test_holding_gateway_bypassed, setup, teardown, (void *)&both),
	    cmocka_unit_test_prestate_setup_teardown(
	        test_accepted_from_gateway_is_not_final, setup, teardown,
	        (void *)&only_gw),
	    cmocka_unit_test_prestate_setup_teardown(
	        test_addressee_gateway_still_needs_final, setup, teardown,
	        (void *)&only_gw),
	    cmocka_unit_test_prestate_setup_teardown(
	        test_reordering_gateway_detected, setup, teardown,
	        (void *)&both),
	    cmocka_unit_test_prestate_setup_teardown(
	        test_last_gateway_late_alarms_once, setup, teardown,
	        (void *)&only_gw),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
