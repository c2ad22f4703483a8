/* bench_util.h: helpers the node benchmarks share: clocks, percentiles,
 * /proc figures of a child process, a throw-away federation, and starting
 * and stopping a node binary as a child process. */
#ifndef SP_BENCH_UTIL_H
#define SP_BENCH_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define SP_BENCH_PATH_MAX 1024

/* Install the exit and signal handlers that stop every node child (and
 * remove the temporary directory). Idempotent; the functions below that
 * make children or directories call it. */
void sp_bench_init(void);

/* Monotonic seconds. */
double sp_bench_now(void);
/* Print "bench: what: detail" to stderr and exit(1) (the exit handler stops
 * the node child). */
void sp_bench_die(const char *what, int err, const char *why)
    __attribute__((noreturn));

/* Sort v[0..n) ascending in place. */
void sp_bench_sort(double *v, size_t n);
/* The q-quantile (0..1) of a sorted array (nearest rank), 0 if n == 0. */
double sp_bench_quantile(const double *sorted, size_t n, double q);
double sp_bench_mean(const double *v, size_t n);

/* CPU seconds (user + system, all threads) of a process, from
 * /proc/PID/stat; -1 on error. */
double sp_bench_proc_cpu(pid_t pid);
/* VmRSS and VmHWM of a process in KiB, from /proc/PID/status. Returns 0,
 * or -1 if the file cannot be read. */
int sp_bench_proc_mem(pid_t pid, long *rss_kib, long *hwm_kib);

/* A declaration body of about 2 KB (the size bench_records uses); returns
 * its length. */
size_t sp_bench_make_body(char *buf, size_t cap);

/* Run `silkport federation init DIR --federation FED --member M...` (members
 * is NULL-terminated, P-256 keys). Dies on failure. */
void sp_bench_federation_init(const char *silkport, const char *dir,
                              const char *federation,
                              const char *const *members);

/* A node binary running as a child process. */
typedef struct sp_bench_node {
	pid_t pid;
	unsigned port;
	char log_path[SP_BENCH_PATH_MAX];
} sp_bench_node;

/* Start `silkport run` for member `member` of the federation in `dir`:
 * rewrites its node.ini to listen on a free port (port = 0), sends the
 * node's log to DIR/MEMBER.log and waits (up to timeout_s) for the
 * event=started line, from which the port is read. Dies on failure. The
 * node is stopped by sp_bench_node_stop() or, at the latest, when the
 * benchmark exits. */
void sp_bench_node_start(const char *silkport, const char *dir,
                         const char *member, double timeout_s,
                         sp_bench_node *out);
/* SIGTERM, wait up to 10 s, then SIGKILL. Returns the exit status seen
 * (-1 if it had to be killed). */
int sp_bench_node_stop(sp_bench_node *n);

/* ---------------------------------------------------------------- federations
 * on fixed ports (trust-list endpoints carry the ports, so a multi-node
 * federation keeps the ports "federation init --base-port" gave it). */

/* Run argv to completion, its stdout and stderr into out_path; dies naming
 * `what` (and showing the output) unless it exits with 0. */
void sp_bench_run_to(char *const argv[], const char *out_path,
                     const char *what);

/* A base port B such that B .. B+n-1 on 127.0.0.1 can all be bound now,
 * drawn at random from 12000..31999 (below the usual ephemeral range that
 * outgoing connections take their ports from). Dies if none is found. */
unsigned sp_bench_free_port_base(unsigned n);
/* As sp_bench_federation_init, with --base-port base_port: member i (in
 * order) gets port base_port + i in its node.ini and in the trust list. */
void sp_bench_federation_init_ports(const char *silkport, const char *dir,
                                    const char *federation,
                                    const char *const *members,
                                    unsigned base_port);
/* Replace the value of `key` in an ini file (the first line that starts
 * "key = "). Dies if there is no such line. */
void sp_bench_ini_set(const char *path, const char *key, const char *value);
/* Start `silkport run --config INI` as it is configured (the port is not
 * rewritten), the node's output to log_path (truncated); waits up to
 * timeout_s for the event=started line and reads the port from it. Dies on
 * failure. Stopped by sp_bench_node_stop() or at exit. */
void sp_bench_node_run(const char *silkport, const char *ini,
                       const char *log_path, double timeout_s,
                       sp_bench_node *out);

/* A whole file, malloc'd (NUL after *len). Dies on failure. */
uint8_t *sp_bench_read_file(const char *path, size_t *len);
/* The value of the Prometheus sample `name` (with its labels, exactly as
 * the node writes them, e.g. `silkport_requests_total{endpoint="entries",
 * status="200"}`) in a /metrics text; -1 if absent. */
double sp_bench_metric(const char *text, const char *name);

/* Make a fresh temporary directory (mkdtemp under TMPDIR or /tmp) into
 * out; it is removed at exit unless keep is set. */
void sp_bench_tmpdir(const char *prefix, int keep, char *out, size_t cap);

/* Parse a positive decimal argument or die naming the option. */
unsigned long sp_bench_arg_ulong(const char *opt, const char *s,
                                 unsigned long min, unsigned long max);
double sp_bench_arg_double(const char *opt, const char *s, double min,
                           double max);

#endif /* SP_BENCH_UTIL_H */
