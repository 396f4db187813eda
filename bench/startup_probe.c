/*
 * bench/startup_probe.c: how long git_libgit2_init() takes in this process
 * (built by bench/startup.sh, not by CMake). With a libgit2 built on mbedTLS
 * (Debian's), init parses the whole system CA bundle, once per process.
 *
 *   startup_probe [N]   prints the median of N init/shutdown cycles in ms
 */
#define _POSIX_C_SOURCE 200809L
#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 21;
	double *t;
	int major, minor, rev;

	if (n < 1)
		n = 1;
	if (!(t = calloc((size_t)n, sizeof(*t))))
		return 1;
	for (int i = 0; i < n; i++) {
		double a = now_ms();
		if (git_libgit2_init() < 0)
			return 1;
		t[i] = now_ms() - a;
		git_libgit2_shutdown();
	}
	qsort(t, (size_t)n, sizeof(*t), cmp);
	git_libgit2_version(&major, &minor, &rev);
	printf("%.3f %d.%d.%d %s\n", t[n / 2], major, minor, rev,
		(git_libgit2_features() & GIT_FEATURE_HTTPS) ? "https" : "no-https");
	free(t);
	return 0;
}
