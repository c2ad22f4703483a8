/* file.c: read a whole file (or standard input) into memory, with a cap;
 * lock files. */
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"

int sp_read_file(const char *path, size_t max, uint8_t **buf, size_t *len,
                 const char **why)
{
	FILE *f;
	uint8_t *b = NULL, *nb;
	size_t cap = 0, n = 0, r;

	*buf = NULL;
	*len = 0;
	*why = NULL;
	if (path == NULL || strcmp(path, "-") == 0)
		f = stdin;
	else if ((f = fopen(path, "rb")) == NULL) {
		*why = strerror(errno);
		return -1;
	}
	for (;;) {
		if (n + 1 >= cap) {
			cap = cap ? cap * 2 : 8192;
			if (cap > max + 1) {
				*why = "larger than the limit for this input";
				goto fail;
			}
			if ((nb = realloc(b, cap)) == NULL) {
				*why = "out of memory";
				goto fail;
			}
			b = nb;
		}
		r = fread(b + n, 1, cap - n - 1, f);
		n += r;
		if (r == 0) {
			if (ferror(f)) {
				*why = "read error";
				goto fail;
			}
			break;
		}
	}
	if (f != stdin)
		fclose(f);
	if (b == NULL && (b = malloc(1)) == NULL) {
		*why = "out of memory";
		return -1;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
fail:
	if (f != stdin)
		fclose(f);
	free(b);
	return -1;
}

int sp_lock_file(const char *path, long *holder, const char **why)
{
	char buf[32];
	ssize_t n;
	int fd, len;

	*holder = 0;
	*why = NULL;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		*why = strerror(errno);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int e = errno;

		n = pread(fd, buf, sizeof(buf) - 1, 0);
		if (n > 0) {
			buf[n] = '\0';
			*holder = strtol(buf, NULL, 10);
		}
		close(fd);
		*why =
		    e == EWOULDBLOCK ? "held by another process" : strerror(e);
		return -1;
	}
	len = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) != 0 || pwrite(fd, buf, (size_t)len, 0) != len) {
		*why = strerror(errno);
		close(fd);
		return -1;
	}
	return fd;
}
