/* config_int.h: the node's configuration (INI, one option table). Internal to
 * node/ and its tests. */
#ifndef SP_NODE_CONFIG_INT_H
#define SP_NODE_CONFIG_INT_H

#include <stddef.h>
#include <stdint.h>

#define SP_CONFIG_MAX_LIST                                                     \
	16 /* repeatable options: anchors, operators, ...                      \
	    */
#define SP_CONFIG_MAX_ERRORS 32

typedef struct sp_config {
	char *
	    path; /* the file read; relative paths inside are from its folder */
	/* [node] */
	char *node_id;
	char *federation;
	char *database;
	/* [listen] */
	char *listen_address;
	int64_t listen_port;
	int tls12;
	/* [tls] */
	char *tls_cert;
	char *tls_key;
	/* [signing] */
	char *sign_key;
	char *sign_cert;
	char *log_key;
	/* [trust] */
	char *trust_list;
	char *anchors[SP_CONFIG_MAX_LIST];
	size_t n_anchors;
	int64_t clock_skew;
	int64_t
	    expiry_grace; /* seconds past NextUpdate before peers are refused */
	/* [operators] */
	char *operator_certs[SP_CONFIG_MAX_LIST];
	size_t n_operator_certs;
	/* [access] */
	char *wide_readers[SP_CONFIG_MAX_LIST]; /* members with read access to
	                                           all */
	size_t n_wide_readers;
	/* "addressed" (default): operators read what this node is an
	 * addressee of; "all": every record held, relayed ones too (ACC-14) */
	char *operator_read;
	/* [limits] */
	int64_t max_body;
	int64_t max_header_list;
	int64_t max_streams;
	int64_t max_connections;
	int64_t max_depth;
	int64_t max_elements;
	int64_t handshake_timeout;
	int64_t idle_timeout;
	int64_t stream_timeout;
	int64_t global_buffer_mb;
	int64_t anon_connections; /* 0: a quarter of max_connections */
	int64_t anon_buffer_mb;   /* 0: a quarter of global_buffer_mb */
	/* [metrics] */
	char *metrics_allow; /* "operators", "members" or "anyone" */
	/* [workers] */
	int64_t threads;
	int64_t queue;
	/* [log] */
	char *log_level;
	char *log_format;
	/* [peers] (federation) */
	int64_t retry_min;
	int64_t retry_max;
	int64_t retention_days;
	int64_t pull_interval;
	char *trust_list_url;
	char *relay_federations[SP_CONFIG_MAX_LIST];
	size_t n_relay_federations;
	char *relay_trust_lists[SP_CONFIG_MAX_LIST];
	size_t n_relay_trust_lists;
	char *relay_anchors[SP_CONFIG_MAX_LIST];
	size_t n_relay_anchors;
	/* a gateway's TLS identity in each of those federations (none, or
	 * one per federation line, same order) */
	char *relay_tls_certs[SP_CONFIG_MAX_LIST];
	size_t n_relay_tls_certs;
	char *relay_tls_keys[SP_CONFIG_MAX_LIST];
	size_t n_relay_tls_keys;
} sp_config;

/* Read and check a config file. On failure returns NULL and writes each
 * problem as "file:line: what" (up to SP_CONFIG_MAX_ERRORS) to errbuf, one
 * per line. Relative paths in the file are made absolute from the file's
 * folder, and required files are checked to be readable. */
sp_config *sp_config_load(const char *path, char *errbuf, size_t errlen);
void sp_config_free(sp_config *c);

/* Write the node.ini of a member (federation init, member init). config_dir
 * is the folder of its keys and certificates and state_dir the folder of its
 * database; both should be absolute (the unit runs with another working
 * folder). config_dir NULL: key paths relative to node.ini's folder (the
 * single-folder demo layout); state_dir NULL: the database beside the keys.
 * trust_list and anchor are written as given. Returns 0 or -1 (errno set). */
int sp_config_write_member(const char *path, const char *node_id,
                           const char *federation, unsigned port,
                           const char *config_dir, const char *state_dir,
                           const char *trust_list, const char *anchor);

/* Print every option with its default and bounds (silkport check-config
 * --list). */
void sp_config_print_options(void);

#endif /* SP_NODE_CONFIG_INT_H */
