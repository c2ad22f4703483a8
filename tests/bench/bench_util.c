/* bench_util.c: clocks, percentiles, /proc figures, a throw-away federation
 * and node child processes for the node benchmarks. */
#include "bench_util.h"

#include "protocol.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CHILDREN 8
#define LOG_READ_MAX ((size_t)1 << 20)

static pid_t children[MAX_CHILDREN];
static char tmpdir_path[SP_BENCH_PATH_MAX];
static int hooks_installed;

double sp_bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void sp_bench_die(const char *what, int err, const char *why)
{
	fprintf(stderr, "bench: %s: %s%s%s\n", what,
	        err ? sp_strerror(err) : "", (err && why) ? ": " : "",
	        why ? why : "");
	exit(1);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

void sp_bench_sort(double *v, size_t n)
{
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_double);
}

double sp_bench_quantile(const double *sorted, size_t n, double q)
{
	size_t rank;

	if (n == 0)
		return 0;
	/* Nearest rank: the smallest value with at least q of the set at or
	 * below it. */
	rank = (size_t)(q * (double)n + 0.999999);
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return sorted[rank - 1];
}

double sp_bench_mean(const double *v, size_t n)
{
	double s = 0;
	size_t i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		s += v[i];
	return s / (double)n;
}

/* Read a small /proc file into buf (NUL-terminated); length or -1. */
static ssize_t read_small(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n, total = 0;

	if (fd < 0)
		return -1;
	while ((size_t)total + 1 < cap &&
	       (n = read(fd, buf + total, cap - 1 - (size_t)total)) > 0)
		total += n;
	close(fd);
	buf[total] = '\0';
	return total;
}

double sp_bench_proc_cpu(pid_t pid)
{
	char path[64], buf[4096], *p, *end;
	unsigned long long ut, st;
	long tck = sysconf(_SC_CLK_TCK);
	int field;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_small(path, buf, sizeof(buf)) <= 0 || tck <= 0)
		return -1;
	/* The command name may hold spaces and parentheses: fields start
	 * after the last ')'. That is field 2; utime is 14, stime 15. */
	if ((p = strrchr(buf, ')')) == NULL)
		return -1;
	p++;
	for (field = 3; field < 14; field++) {
		while (*p == ' ')
			p++;
		while (*p != ' ' && *p != '\0')
			p++;
	}
	errno = 0;
	ut = strtoull(p, &end, 10);
	if (errno != 0 || end == p)
		return -1;
	p = end;
	st = strtoull(p, &end, 10);
	if (errno != 0 || end == p)
		return -1;
	return (double)(ut + st) / (double)tck;
}

static long status_field(const char *buf, const char *name)
{
	const char *p = strstr(buf, name);
	char *end;
	long v;

	if (p == NULL)
		return -1;
	p += strlen(name);
	errno = 0;
	v = strtol(p, &end, 10);
	if (errno != 0 || end == p)
		return -1;
	return v;
}

int sp_bench_proc_mem(pid_t pid, long *rss_kib, long *hwm_kib)
{
	char path[64], buf[8192];

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (read_small(path, buf, sizeof(buf)) <= 0)
		return -1;
	*rss_kib = status_field(buf, "\nVmRSS:");
	*hwm_kib = status_field(buf, "\nVmHWM:");
	return (*rss_kib < 0 || *hwm_kib < 0) ? -1 : 0;
}

size_t sp_bench_make_body(char *buf, size_t cap)
{
	size_t n;
	int i;

	n = (size_t)snprintf(
	    buf, cap,
	    "<Declaration><DeclarationNo>4601202610000012345</DeclarationNo>"
	    "<Mode>9610</Mode><Direction>import</Direction>"
	    "<Declarant>91410100MA44XXXX0A</Declarant>");
	for (i = 0; n < 2048 - 200 && n < cap; i++)
		n += (size_t)snprintf(
		    buf + n, cap - n,
		    "<Item><Name>Infant formula 800g tin, batch %04d</Name>"
		    "<Quantity>%d</Quantity><Value "
		    "currency=\"CNY\">%d.00</Value>"
		    "<HsCode>1901101000</HsCode></Item>",
		    i, 2 + i, 199 + i);
	if (n < cap)
		n += (size_t)snprintf(buf + n, cap - n, "</Declaration>");
	if (n >= cap)
		sp_bench_die("body buffer too small", 0, NULL);
	return n;
}

/* ---------------------------------------------------------------- exit */

static void remove_tree(const char *dir)
{
	pid_t pid;
	int st;

	if (dir[0] == '\0')
		return;
	pid = fork();
	if (pid == 0) {
		execlp("rm", "rm", "-rf", "--", dir, (char *)NULL);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, &st, 0);
}

static void stop_children_now(int sig)
{
	int i;

	for (i = 0; i < MAX_CHILDREN; i++)
		if (children[i] > 0)
			kill(children[i], sig);
}

static void at_exit(void)
{
	int i, st, tries;

	stop_children_now(SIGTERM);
	for (i = 0; i < MAX_CHILDREN; i++) {
		if (children[i] <= 0)
			continue;
		for (tries = 0; tries < 100; tries++) {
			if (waitpid(children[i], &st, WNOHANG) != 0)
				break;
			usleep(50000);
		}
		if (tries == 100) {
			kill(children[i], SIGKILL);
			waitpid(children[i], &st, 0);
		}
		children[i] = 0;
	}
	remove_tree(tmpdir_path);
}

static void on_signal(int sig)
{
	stop_children_now(SIGTERM);
	_exit(128 + sig);
}

void sp_bench_init(void)
{
	struct sigaction sa;

	if (hooks_installed)
		return;
	hooks_installed = 1;
	atexit(at_exit);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

void sp_bench_tmpdir(const char *prefix, int keep, char *out, size_t cap)
{
	const char *base = getenv("TMPDIR");
	int n;

	sp_bench_init();
	if (base == NULL || base[0] == '\0')
		base = "/tmp";
	n = snprintf(out, cap, "%s/%s.XXXXXX", base, prefix);
	if (n < 0 || (size_t)n >= cap || mkdtemp(out) == NULL)
		sp_bench_die("cannot make a temporary directory", 0,
		             strerror(errno));
	if (!keep)
		snprintf(tmpdir_path, sizeof(tmpdir_path), "%s", out);
}

/* ---------------------------------------------------------------- children */

/* Fork and exec argv with stdout and stderr to log_path; returns the pid. */
static pid_t spawn(char *const argv[], const char *log_path,
                   int die_with_parent)
{
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		sp_bench_die("fork", 0, strerror(errno));
	if (pid == 0) {
		int fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND,
		              0600);
		int null = open("/dev/null", O_RDONLY);

		if (fd < 0 || null < 0)
			_exit(126);
		if (die_with_parent)
			prctl(PR_SET_PDEATHSIG, SIGTERM);
		dup2(null, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

static void print_file(const char *path)
{
	char buf[4096];
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return;
	while (fgets(buf, sizeof(buf), f) != NULL)
		fprintf(stderr, "  | %s", buf);
	fclose(f);
}

void sp_bench_run_to(char *const argv[], const char *out_path, const char *what)
{
	pid_t pid = spawn(argv, out_path, 1);
	int st;

	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0) {
		print_file(out_path);
		sp_bench_die(what, 0, argv[0]);
	}
}

/* federation init; base_port 0: the command's default ports. */
static void federation_init(const char *silkport, const char *dir,
                            const char *federation, const char *const *members,
                            unsigned base_port)
{
	char *argv[36], log_path[SP_BENCH_PATH_MAX], bin[SP_BENCH_PATH_MAX];
	char fed[128], dir_copy[SP_BENCH_PATH_MAX], port[16];
	char margs[16][SP_NODE_ID_MAX + 1];
	size_t i, a = 0;
	pid_t pid;
	int st;

	sp_bench_init();
	snprintf(bin, sizeof(bin), "%s", silkport);
	snprintf(fed, sizeof(fed), "%s", federation);
	snprintf(dir_copy, sizeof(dir_copy), "%s", dir);
	snprintf(log_path, sizeof(log_path), "%s.init.log", dir);
	argv[a++] = bin;
	argv[a++] = (char *)(uintptr_t) "federation";
	argv[a++] = (char *)(uintptr_t) "init";
	argv[a++] = dir_copy;
	argv[a++] = (char *)(uintptr_t) "--federation";
	argv[a++] = fed;
	for (i = 0; members[i] != NULL && i < 16; i++) {
		snprintf(margs[i], sizeof(margs[i]), "%s", members[i]);
		argv[a++] = (char *)(uintptr_t) "--member";
		argv[a++] = margs[i];
	}
	if (base_port != 0) {
		snprintf(port, sizeof(port), "%u", base_port);
		argv[a++] = (char *)(uintptr_t) "--base-port";
		argv[a++] = port;
	}
	argv[a] = NULL;
	pid = spawn(argv, log_path, 1);
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0) {
		print_file(log_path);
		sp_bench_die("silkport federation init failed", 0, bin);
	}
}

void sp_bench_federation_init(const char *silkport, const char *dir,
                              const char *federation,
                              const char *const *members)
{
	federation_init(silkport, dir, federation, members, 0);
}

void sp_bench_federation_init_ports(const char *silkport, const char *dir,
                                    const char *federation,
                                    const char *const *members,
                                    unsigned base_port)
{
	if (base_port == 0 || base_port > 65535)
		sp_bench_die("federation init: bad base port", 0, NULL);
	federation_init(silkport, dir, federation, members, base_port);
}

/* 1 if 127.0.0.1:port can be bound now. */
static int port_free(unsigned port)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), ok;

	if (fd < 0)
		return 0;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return ok;
}

unsigned sp_bench_free_port_base(unsigned n)
{
	static int seeded;
	unsigned base, i, tries;

	if (!seeded++)
		srand((unsigned)getpid() ^ (unsigned)time(NULL));
	for (tries = 0; tries < 100; tries++) {
		base = 12000 + (unsigned)rand() % (20000 - n);
		for (i = 0; i < n && port_free(base + i); i++)
			;
		if (i == n)
			return base;
	}
	sp_bench_die("no free port range on 127.0.0.1", 0, NULL);
}

/* Replace the value of `key` in node.ini with `value` (the line that
 * starts "key = "). Dies if the file has no such line. */
static void ini_set(const char *path, const char *key, const char *value)
{
	FILE *f = fopen(path, "r");
	char *text = NULL, line[4096];
	size_t len = 0, cap = 0, klen = strlen(key), ll;
	int found = 0;

	if (f == NULL)
		sp_bench_die("cannot read node.ini", 0, path);
	while (fgets(line, sizeof(line), f) != NULL) {
		char repl[4096];
		const char *use = line;

		if (strncmp(line, key, klen) == 0 &&
		    strncmp(line + klen, " = ", 3) == 0) {
			snprintf(repl, sizeof(repl), "%s = %s\n", key, value);
			use = repl;
			found = 1;
		}
		ll = strlen(use);
		if (len + ll + 1 > cap) {
			char *t;

			cap = (len + ll + 1) * 2;
			if ((t = realloc(text, cap)) == NULL)
				sp_bench_die("out of memory", 0, NULL);
			text = t;
		}
		memcpy(text + len, use, ll);
		len += ll;
	}
	fclose(f);
	if (!found)
		sp_bench_die("node.ini has no such option", 0, key);
	if ((f = fopen(path, "w")) == NULL || fwrite(text, 1, len, f) != len ||
	    fclose(f) != 0)
		sp_bench_die("cannot write node.ini", 0, path);
	free(text);
}

void sp_bench_ini_set(const char *path, const char *key, const char *value)
{
	ini_set(path, key, value);
}

uint8_t *sp_bench_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n = 0;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0 ||
	    (buf = malloc((size_t)n + 1)) == NULL ||
	    fread(buf, 1, (size_t)n, f) != (size_t)n)
		sp_bench_die("cannot read", 0, path);
	fclose(f);
	buf[n] = '\0';
	*len = (size_t)n;
	return buf;
}

double sp_bench_metric(const char *text, const char *name)
{
	const char *p = text;
	size_t n = strlen(name);
	char *end;
	double v;

	while ((p = strstr(p, name)) != NULL) {
		if ((p == text || p[-1] == '\n') && p[n] == ' ') {
			v = strtod(p + n + 1, &end);
			return end == p + n + 1 ? -1 : v;
		}
		p += n;
	}
	return -1;
}

/* The port of the event=started line in the log, 0 if none yet. */
static unsigned started_port(const char *log_path)
{
	static char buf[LOG_READ_MAX];
	const char *p, *q;
	unsigned long v;
	char *end;

	if (read_small(log_path, buf, sizeof(buf)) <= 0)
		return 0;
	if ((p = strstr(buf, "event=started ")) == NULL)
		return 0;
	if ((q = strstr(p, " port=")) == NULL)
		return 0;
	v = strtoul(q + 6, &end, 10);
	if (end == q + 6 || v == 0 || v > 65535)
		return 0;
	return (unsigned)v;
}

void sp_bench_node_start(const char *silkport, const char *dir,
                         const char *member, double timeout_s,
                         sp_bench_node *out)
{
	char ini[SP_BENCH_PATH_MAX], log_path[SP_BENCH_PATH_MAX];

	snprintf(ini, sizeof(ini), "%s/members/%s/node.ini", dir, member);
	snprintf(log_path, sizeof(log_path), "%s/%s.log", dir, member);
	ini_set(ini, "port", "0");
	sp_bench_node_run(silkport, ini, log_path, timeout_s, out);
}

void sp_bench_node_run(const char *silkport, const char *ini_path,
                       const char *log_path, double timeout_s,
                       sp_bench_node *out)
{
	char ini[SP_BENCH_PATH_MAX], bin[SP_BENCH_PATH_MAX];
	char *argv[5];
	double deadline;
	int i, st;

	sp_bench_init();
	memset(out, 0, sizeof(*out));
	snprintf(ini, sizeof(ini), "%s", ini_path);
	snprintf(out->log_path, sizeof(out->log_path), "%s", log_path);
	snprintf(bin, sizeof(bin), "%s", silkport);
	argv[0] = bin;
	argv[1] = (char *)(uintptr_t) "run";
	argv[2] = (char *)(uintptr_t) "--config";
	argv[3] = ini;
	argv[4] = NULL;
	out->pid = spawn(argv, out->log_path, 1);
	for (i = 0; i < MAX_CHILDREN && children[i] > 0; i++)
		;
	if (i < MAX_CHILDREN)
		children[i] = out->pid;
	deadline = sp_bench_now() + timeout_s;
	while (sp_bench_now() < deadline) {
		if ((out->port = started_port(out->log_path)) != 0)
			return;
		if (waitpid(out->pid, &st, WNOHANG) == out->pid) {
			for (i = 0; i < MAX_CHILDREN; i++)
				if (children[i] == out->pid)
					children[i] = 0;
			print_file(out->log_path);
			sp_bench_die("the node exited during start", 0,
			             ini_path);
		}
		usleep(20000);
	}
	print_file(out->log_path);
	sp_bench_die("the node did not log event=started in time", 0, ini_path);
}

int sp_bench_node_stop(sp_bench_node *n)
{
	int i, st = 0, tries, rc = -1;

	if (n->pid <= 0)
		return 0;
	kill(n->pid, SIGTERM);
	for (tries = 0; tries < 200; tries++) {
		if (waitpid(n->pid, &st, WNOHANG) == n->pid) {
			rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
			break;
		}
		usleep(50000);
	}
	if (tries == 200) {
		kill(n->pid, SIGKILL);
		waitpid(n->pid, &st, 0);
	}
	for (i = 0; i < MAX_CHILDREN; i++)
		if (children[i] == n->pid)
			children[i] = 0;
	n->pid = 0;
	return rc;
}

unsigned long sp_bench_arg_ulong(const char *opt, const char *s,
                                 unsigned long min, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v < min ||
	    v > max) {
		fprintf(stderr, "bench: %s wants a number from %lu to %lu\n",
		        opt, min, max);
		exit(2);
	}
	return v;
}

double sp_bench_arg_double(const char *opt, const char *s, double min,
                           double max)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !(v >= min) ||
	    !(v <= max)) {
		fprintf(stderr, "bench: %s wants a number from %g to %g\n", opt,
		        min, max);
		exit(2);
	}
	return v;
}
