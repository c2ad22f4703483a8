/* node_test.c: the core's extension dispatch (sp_node__notify): every event
 * reaches every extension in order with its arguments, extensions without
 * the callback are skipped; the status text gathers every report; a
 * stopping node is not ready. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "node_int.h"

/* What one extension heard, in order, as text. */
typedef struct heard {
	char log[1024];
} heard;

static void note(void *state, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void note(void *state, const char *fmt, ...)
{
	heard *h = state;
	size_t used = strlen(h->log);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(h->log + used, sizeof(h->log) - used, fmt, ap);
	va_end(ap);
}

static void on_tick(void *state)
{
	note(state, "tick;");
}

static void on_own(void *state, const char *record_id, uint64_t sequence)
{
	note(state, "own %s %llu;", record_id, (unsigned long long)sequence);
}

static void on_relay(void *state, const char *record_id)
{
	note(state, "relay %s;", record_id);
}

static void on_received(void *state, const char *origin, uint64_t sequence,
                        const char digest[65])
{
	note(state, "received %s %llu %s;", origin,
	     (unsigned long long)sequence, digest);
}

static void on_trust(void *state)
{
	note(state, "trust;");
}

static void on_metrics(void *state, void *out)
{
	sp_text_printf(out, "metrics from %s\n", ((heard *)state)->log);
}

static void on_status(void *state, void *out)
{
	(void)state;
	sp_text_printf(out, "status A\n");
}

/* Every callback. */
static const sp_node_extension ext_all = {
    .name = "all",
    .tick = on_tick,
    .own_record_stored = on_own,
    .relay_stored = on_relay,
    .record_received = on_received,
    .trust_changed = on_trust,
    .metrics = on_metrics,
    .status = on_status,
};

static void on_status_b(void *state, void *out)
{
	(void)state;
	sp_text_printf(out, "status B\n");
}

/* Only tick and status: the rest must be skipped, not called through NULL.
 */
static const sp_node_extension ext_some = {
    .name = "some",
    .tick = on_tick,
    .status = on_status_b,
};

static void two_extensions(sp_node *n, heard *a, heard *b)
{
	memset(n, 0, sizeof(*n));
	memset(a, 0, sizeof(*a));
	memset(b, 0, sizeof(*b));
	n->ext[0] = &ext_all;
	n->ext_state[0] = a;
	n->ext[1] = &ext_some;
	n->ext_state[1] = b;
	n->n_ext = 2;
}

static void test_every_event(void **state)
{
	sp_node n;
	heard a, b;
	char digest[65];
	sp_node_event_args own = {.record_id = "r-1", .sequence = 7};
	sp_node_event_args relay = {.record_id = "r-2"};
	sp_node_event_args recv = {.origin = "B", .sequence = 9};

	(void)state;
	memset(digest, 'a', 64);
	digest[64] = '\0';
	recv.digest = digest;
	two_extensions(&n, &a, &b);
	sp_node__notify(&n, SP_NODE_EV_TICK, NULL);
	sp_node__notify(&n, SP_NODE_EV_OWN_RECORD_STORED, &own);
	sp_node__notify(&n, SP_NODE_EV_RELAY_STORED, &relay);
	sp_node__notify(&n, SP_NODE_EV_RECORD_RECEIVED, &recv);
	sp_node__notify(&n, SP_NODE_EV_TRUST_CHANGED, NULL);
	assert_string_equal(a.log, "tick;own r-1 7;relay r-2;received B 9 "
	                           "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	                           "aaaaaaaaaaaaaaaaaaaaaaaa;trust;");
	assert_string_equal(b.log, "tick;");
}

static void test_no_extensions(void **state)
{
	sp_node n;
	sp_text t = {0};

	(void)state;
	memset(&n, 0, sizeof(n));
	sp_node__notify(&n, SP_NODE_EV_TICK, NULL);
	sp_node_status_text(&n, &t);
	assert_null(t.buf);
	sp_text_free(&t);
}

/* Only the started ones hear anything: n_ext counts them (the daemon sets
 * it to 0 before the extensions' stop, so that late answers reach none). */
static void test_only_started(void **state)
{
	sp_node n;
	heard a, b;

	(void)state;
	two_extensions(&n, &a, &b);
	n.n_ext = 1;
	sp_node__notify(&n, SP_NODE_EV_TICK, NULL);
	assert_string_equal(a.log, "tick;");
	assert_string_equal(b.log, "");
}

static void test_status_and_metrics_text(void **state)
{
	sp_node n;
	heard a, b;
	sp_text t = {0};
	sp_node_event_args m = {.out = &t};

	(void)state;
	two_extensions(&n, &a, &b);
	sp_node_status_text(&n, &t);
	assert_false(t.failed);
	assert_string_equal(t.buf, "status A\nstatus B\n");
	sp_text_free(&t);
	memset(&t, 0, sizeof(t));
	snprintf(a.log, sizeof(a.log), "A");
	sp_node__notify(&n, SP_NODE_EV_METRICS, &m);
	assert_string_equal(t.buf, "metrics from A\n");
	sp_text_free(&t);
}

static void test_stopping_is_not_ready(void **state)
{
	sp_node n;
	const char *why = NULL;

	(void)state;
	memset(&n, 0, sizeof(n));
	n.stopping = 1;
	assert_int_equal(sp_node_ready(&n, &why), SP_ERR_UNAVAILABLE);
	assert_string_equal(why, "stopping");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_event),
	    cmocka_unit_test(test_no_extensions),
	    cmocka_unit_test(test_only_started),
	    cmocka_unit_test(test_status_and_metrics_text),
	    cmocka_unit_test(test_stopping_is_not_ready),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
