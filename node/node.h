/* node.h: the silkport daemon and command line. */
#ifndef SP_NODE_H
#define SP_NODE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Run the command line (argv[1] is the sub-command). Returns the process
 * exit status: 0 success, 1 a refusal or failure, 2 a usage error. */
int sp_cli_main(int argc, char **argv);

/* A running node (opaque here; modules that build on the node see its
 * internals through node/node_int.h). */
typedef struct sp_node sp_node;

/* An extension runs inside a node's event loop: peers/ registers the
 * federation side (delivery, catch-up, witnessing) this way, so that the
 * node never depends on the modules built on it. Every callback runs on the
 * loop thread; any may be NULL. */
typedef struct sp_node_extension {
	const char *name;
	/* After the server listens and before READY. Non-zero stops the node.
	 */
	int (*start)(sp_node *n, void **state);
	/* Once a second. */
	void (*tick)(void *state);
	/* After this node's own record (with its outbox rows) is durable. */
	void (*own_record_stored)(void *state, const char *record_id,
	                          uint64_t sequence);
	/* After a record received as a gateway (with the outbox rows that
	 * relay it to another federation) is durable. */
	void (*relay_stored)(void *state, const char *record_id);
	/* After a record of another origin received from a peer (pushed or
	 * pulled, through the one acceptance path) is durable and new here
	 * (not a duplicate): `digest` is the lowercase hex SHA-256 of its
	 * bytes, so that it can be proven against the origin's checkpoint. */
	void (*record_received)(void *state, const char *origin,
	                        uint64_t sequence, const char digest[65]);
	/* After a newer trust list (of any federation followed) was
	 * installed. */
	void (*trust_changed)(void *state);
	/* At shutdown, after the server stopped, before the store closes. */
	void (*stop)(void *state);
	/* GET /metrics: append Prometheus text (gauges computed now) to `out`,
	 * an sp_text (node/metrics_int.h). */
	void (*metrics)(void *state, void *out);
	/* GET /v1/peers (operators): append a plain-text status report to
	 * `out`, an sp_text. */
	void (*status)(void *state, void *out);
	/* GET /v1/peers?format=json: the same report as JSON members
	 * ("name": value, comma-separated, without the enclosing braces),
	 * appended to `out`, an sp_text. May be NULL. */
	void (*status_json)(void *state, void *out);
} sp_node_extension;

/* Register an extension for every node this process runs (before
 * sp_cli_main). At most 4. Returns 0, or -1 when full. */
int sp_node_register_extension(const sp_node_extension *ext);

#ifdef __cplusplus
}
#endif
#endif /* SP_NODE_H */
