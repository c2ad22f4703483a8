/* cli_backup.c: "silkport backup" (a consistent online copy of a node's
 * store and a manifest beside it) and "silkport restore" (install a backup
 * while the node is stopped; the node then starts fenced, SPEC FED-44). */
#include "cli_int.h"
#include "node.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char backup_usage[] =
    "usage: silkport backup --config FILE OUT\n"
    "Copies the node's database to OUT while the node may be running\n"
    "(SQLite's online backup: one consistent state) and writes OUT.manifest\n"
    "(JSON: node, time, each origin's log size, the node's own latest\n"
    "checkpoint). Both appear atomically (written under a temporary name,\n"
    "then renamed).\n";

static const char restore_usage[] =
    "usage: silkport restore --config FILE IN\n"
    "Installs the backup IN as the node's database. Refused while the node\n"
    "runs (it holds DATABASE.lock) and when IN is not a silkport store of\n"
    "this node's NodeId. The restored store is fenced: the node signs\n"
    "nothing until it has fetched its own newer records back from its peers\n"
    "and proven them against their checkpoints of its log.\n";

/* "--config FILE" and one operand, through the CLI's option table:
 * SP_CLI_GO (-1) to go on, else the exit status. */
static int parse_args(int argc, char **argv, const char *name,
                      const char *usage, const char *operand_name,
                      const char **config, const char **operand)
{
	const sp_cli_opt opts[] = {
	    SP_CLI_PATH("config", config, SP_CLI_REQUIRED),
	    SP_CLI_END,
	};
	const sp_cli_cmd cmd = {name, usage, operand_name, 1, 1, opts};
	char **args;
	int n_args, rc;

	*config = NULL;
	if ((rc = sp_cli__parse(&cmd, argc, argv, &args, &n_args)) != SP_CLI_GO)
		return rc;
	*operand = args[0];
	return SP_CLI_GO;
}

/* The node's configuration; backup and restore copy SQLite files only. */
static sp_config *load_config(const char *path, const char *what)
{
	char errbuf[4096];
	sp_config *cfg = sp_config_load(path, errbuf, sizeof(errbuf));

	if (cfg == NULL) {
		fputs(errbuf, stderr);
		return NULL;
	}
	if (strcmp(cfg->store_backend, "postgresql") == 0) {
		sp_cli__err(
		    "%s: %s: [store] backend = postgresql: use "
		    "PostgreSQL's own tools (pg_dump, or a standby made "
		    "with pg_basebackup)",
		    what, path);
		sp_config_free(cfg);
		return NULL;
	}
	return cfg;
}

/* fsync the folder holding path, so that a rename in it is durable. */
static int sync_dir_of(const char *path)
{
	char buf[4096];
	int fd, rc;

	snprintf(buf, sizeof(buf), "%s", path);
	if ((fd = open(dirname(buf), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/* The copy's node_id (set when absent: a store from before schema 7). */
static int backup_describe(const char *file, const sp_config *cfg, sp_text *m)
{
	sp_store *s = NULL;
	sp_store_reader *r = NULL;
	sp_store_stats st;
	sp_store_checkpoint *cp = NULL;
	char owner[SP_STORE_STATE_MAX], hex[65], when[32];
	const char *why = NULL;
	time_t now = time(NULL);
	struct tm tm;
	size_t i;
	int err;

	memset(&st, 0, sizeof(st));
	if ((err = sp_store_open(file, 0, &s, &why)) != SP_OK ||
	    (err = sp_store_reader_open(s, &r, &why)) != SP_OK) {
		sp_cli__err("backup: %s: %s", file,
		            why ? why : sp_strerror(err));
		sp_store_close(s);
		return -1;
	}
	err =
	    sp_store_state_get(r, SP_STORE_STATE_NODE_ID, owner, sizeof(owner));
	if (err == SP_OK && strcmp(owner, cfg->node_id) != 0) {
		sp_cli__err("backup: %s holds the store of node %s, not %s",
		            cfg->database, owner, cfg->node_id);
		err = SP_ERR_FIELD;
	} else if (err == SP_ERR_NOT_FOUND) {
		err =
		    sp_store_state_set(s, SP_STORE_STATE_NODE_ID, cfg->node_id);
	}
	if (err == SP_OK && (err = sp_store_stats_get(r, &st)) != SP_OK)
		sp_cli__err("backup: %s: cannot read the copy: %s", file,
		            sp_strerror(err));
	if (err != SP_OK)
		goto out;
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	sp_text_printf(m, "{\n  \"format\": \"silkport-backup/1\",\n"
	                  "  \"node_id\": ");
	sp_text_json_str(m, cfg->node_id);
	sp_text_printf(m, ",\n  \"federation\": ");
	sp_text_json_str(m, cfg->federation);
	sp_text_printf(m,
	               ",\n  \"created\": \"%s\",\n  \"created_unix\": %lld,\n"
	               "  \"schema\": %d,\n  \"records\": %llu,\n",
	               when, (long long)now, SP_STORE_SCHEMA_VERSION,
	               (unsigned long long)st.records);
	if (sp_store_checkpoint_latest(r, cfg->node_id, &cp) == SP_OK) {
		sp_hex_encode(cp->root, 32, hex);
		sp_text_printf(m,
		               "  \"own_checkpoint\": {\"size\": %llu, "
		               "\"root\": \"%s\"},\n",
		               (unsigned long long)cp->size, hex);
		sp_store_checkpoint_free(cp);
	} else {
		sp_text_printf(m, "  \"own_checkpoint\": null,\n");
	}
	sp_text_printf(m, "  \"origins\": [");
	for (i = 0; i < st.n_origins; i++) {
		sp_text_printf(m, "%s\n    {\"origin\": ", i ? "," : "");
		sp_text_json_str(m, st.origins[i].origin);
		sp_text_printf(m,
		               ", \"records\": %llu, \"tree_size\": %llu, "
		               "\"max_sequence\": %lld}",
		               (unsigned long long)st.origins[i].records,
		               (unsigned long long)st.origins[i].tree_size,
		               (long long)st.origins[i].max_sequence);
	}
	sp_text_printf(m, "%s]\n}\n", st.n_origins ? "\n  " : "");
out:
	sp_store_stats_clear(&st);
	sp_store_reader_close(r);
	sp_store_close(s);
	return err == SP_OK && !m->failed ? 0 : -1;
}

int sp_cli_backup(int argc, char **argv)
{
	const char *config, *out, *why = NULL;
	char tmp[4096], man[4096], man_tmp[4096];
	sp_config *cfg;
	sp_text m = {0};
	int rc, err;

	if ((rc = parse_args(argc, argv, "backup", backup_usage, "OUT", &config,
	                     &out)) >= 0)
		return rc;
	if ((cfg = load_config(config, "backup")) == NULL)
		return SP_EXIT_FAIL;
	rc = SP_EXIT_FAIL;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp-%ld", out, (long)getpid()) >=
	        (int)sizeof(tmp) ||
	    snprintf(man, sizeof(man), "%s.manifest", out) >=
	        (int)sizeof(man) ||
	    snprintf(man_tmp, sizeof(man_tmp), "%s.tmp", man) >=
	        (int)sizeof(man_tmp)) {
		sp_cli__err("backup: %s: path too long", out);
		goto out;
	}
	if ((err = sp_store_backup(cfg->database, tmp, &why)) != SP_OK) {
		sp_cli__err("backup: %s -> %s: %s", cfg->database, tmp,
		            why ? why : sp_strerror(err));
		goto fail;
	}
	if (backup_describe(tmp, cfg, &m) != 0 ||
	    sp_cli__write_output(man_tmp, (const uint8_t *)m.buf, m.len, 1) !=
	        0)
		goto fail;
	if (rename(tmp, out) != 0) {
		sp_cli__err("backup: %s: %s", out, strerror(errno));
		goto fail;
	}
	if (rename(man_tmp, man) != 0 || sync_dir_of(out) != 0) {
		sp_cli__err("backup: %s: %s", man, strerror(errno));
		goto out;
	}
	printf("%s\n%s\n", out, man);
	rc = SP_EXIT_OK;
	goto out;
fail:
	unlink(tmp);
	unlink(man_tmp);
out:
	sp_text_free(&m);
	sp_config_free(cfg);
	return rc;
}

/* Check the copy at `file` is this node's store and fence it. */
static int restore_prepare(const char *file, const char *in,
                           const sp_config *cfg)
{
	sp_store *s = NULL;
	sp_store_reader *r = NULL;
	char owner[SP_STORE_STATE_MAX], fence[SP_STORE_STATE_MAX], when[32];
	const char *why = NULL;
	time_t now = time(NULL);
	struct tm tm;
	int err;

	/* opening checks it is a silkport store (application id, schema)
	 * and brings an older schema up to date */
	if ((err = sp_store_open(file, 0, &s, &why)) != SP_OK ||
	    (err = sp_store_reader_open(s, &r, &why)) != SP_OK) {
		sp_cli__err("restore: %s: %s", in,
		            why ? why : sp_strerror(err));
		sp_store_close(s);
		return -1;
	}
	err =
	    sp_store_state_get(r, SP_STORE_STATE_NODE_ID, owner, sizeof(owner));
	sp_store_reader_close(r);
	if (err == SP_ERR_NOT_FOUND) {
		sp_cli__err("restore: %s: the store does not name its node "
		            "(not made by silkport backup); refused",
		            in);
	} else if (err != SP_OK) {
		sp_cli__err("restore: %s: cannot read the node state: %s", in,
		            sp_strerror(err));
	} else if (strcmp(owner, cfg->node_id) != 0) {
		sp_cli__err("restore: %s is a backup of node %s, not of %s", in,
		            owner, cfg->node_id);
		err = SP_ERR_FIELD;
	} else {
		gmtime_r(&now, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		snprintf(fence, sizeof(fence),
		         "restored from a backup at %s; the own log must be "
		         "recovered from the peers",
		         when);
		if ((err = sp_store_state_set(s, SP_STORE_STATE_FENCED,
		                              fence)) != SP_OK)
			sp_cli__err("restore: %s: cannot mark it fenced: %s",
			            file, sp_strerror(err));
	}
	sp_store_close(s);
	return err == SP_OK ? 0 : -1;
}

/* The files restore makes belong to whoever owns the database (or its
 * folder): run as root, it must not leave the node's user a database it
 * cannot write, or a lock file it cannot take. */
static int owner_of(const char *db, struct stat *st)
{
	char dir[4096];

	if (stat(db, st) == 0)
		return 0;
	snprintf(dir, sizeof(dir), "%s", db);
	if (stat(dirname(dir), st) != 0)
		return -1;
	st->st_mode = 0600;
	return 0;
}

static int give_to(const char *path, const struct stat *owner)
{
	if ((geteuid() == 0 &&
	     chown(path, owner->st_uid, owner->st_gid) != 0) ||
	    chmod(path, owner->st_mode & 0660) != 0) {
		sp_cli__err("restore: %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static void unlink_sidecars(const char *db)
{
	char p[4096];

	snprintf(p, sizeof(p), "%s-wal", db);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", db);
	unlink(p);
}

int sp_cli_restore(int argc, char **argv)
{
	const char *config, *in, *why = NULL;
	char tmp[4096], lock[4096];
	sp_config *cfg;
	struct stat owner;
	long holder = 0;
	int rc, err, lock_fd = -1;

	if ((rc = parse_args(argc, argv, "restore", restore_usage, "IN",
	                     &config, &in)) >= 0)
		return rc;
	if ((cfg = load_config(config, "restore")) == NULL)
		return SP_EXIT_FAIL;
	rc = SP_EXIT_FAIL;
	if (snprintf(tmp, sizeof(tmp), "%s.restore-%ld", cfg->database,
	             (long)getpid()) >= (int)sizeof(tmp) ||
	    snprintf(lock, sizeof(lock), "%s.lock", cfg->database) >=
	        (int)sizeof(lock)) {
		sp_cli__err("restore: %s: path too long", cfg->database);
		goto out;
	}
	/* the node holds this lock while it runs; holding it here also
	 * keeps a node from starting half-way through */
	if (owner_of(cfg->database, &owner) != 0) {
		sp_cli__err("restore: %s: %s", cfg->database, strerror(errno));
		goto out;
	}
	if ((lock_fd = sp_lock_file(lock, &holder, &why)) < 0) {
		if (holder > 0)
			sp_cli__err("restore: the node is running (pid %ld "
			            "holds %s); stop it first",
			            holder, lock);
		else
			sp_cli__err("restore: %s: %s", lock, why);
		goto out;
	}
	if (access(in, R_OK) != 0) {
		sp_cli__err("restore: %s: %s", in, strerror(errno));
		goto out;
	}
	if ((err = sp_store_backup(in, tmp, &why)) != SP_OK) {
		sp_cli__err("restore: %s: %s", in,
		            why ? why : sp_strerror(err));
		goto fail;
	}
	if (give_to(lock, &owner) != 0 || restore_prepare(tmp, in, cfg) != 0 ||
	    give_to(tmp, &owner) != 0)
		goto fail;
	unlink_sidecars(cfg->database);
	if (rename(tmp, cfg->database) != 0 ||
	    sync_dir_of(cfg->database) != 0) {
		sp_cli__err("restore: %s: %s", cfg->database, strerror(errno));
		goto fail;
	}
	unlink_sidecars(tmp);
	printf("restored %s into %s\nthe node starts fenced: it signs nothing "
	       "until it has recovered its own log from its peers\n",
	       in, cfg->database);
	rc = SP_EXIT_OK;
	goto out;
fail:
	unlink(tmp);
	unlink_sidecars(tmp);
out:
	if (lock_fd >= 0)
		close(lock_fd);
	sp_config_free(cfg);
	return rc;
}
