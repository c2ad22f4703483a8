/* fed_relay_test.c: relay routing at the Origin (SPEC 13.5, FED-24,
 * FED-36) on a real node with a fake clock and fake peers. The node CN-ZZ
 * of federation silk (CN-ZZ, CN-XA, GW) follows federation ports (GW,
 * KZ-KGS, KZ-ALA), built as `federation init --existing` builds a gateway
 * (tests/integration/fed_relay.sh). A record for a member of ports goes to
 * the first active member of silk, in list order, whose RelaysTo lists
 * ports, once per gateway; a recipient in no list, or with no gateway, is
 * refused and nothing is queued; with the gateway unreachable the record
 * waits in the outbox for it (no other member is tried) and goes out once
 * it is back. */
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

static void answer(fh *h, int peer, sp_http_req *req)
{
	if (strcmp(sp_http_req_method(req), "POST") == 0 &&
	    strcmp(sp_http_req_path(req), "/v1/records") == 0) {
		fh_accept(h, peer, req);
		return;
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
	         "pull_interval = 86400\n");
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
	return 0;
}

/* ---------------------------------------------------------------- probes */

typedef struct probe {
	size_t posts[3]; /* POST /v1/records at each fake peer */
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
		}
	for (k = XA; k <= GW; k++) {
		fed_peer *p = fed_peer_find(h->f, h->ids[k]);

		assert_non_null(p);
		pr->delivered[k] = p->delivered;
		pr->pending[k] = p->outbox_pending;
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
