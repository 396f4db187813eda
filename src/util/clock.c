#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "clock.h"
#include "error.h"

int64_t mg_now(void)
{
	const char *pin = getenv("MEMGIT_NOW");
	if (pin && *pin) {
		int64_t t = mg_time_parse(pin);
		char *end;
		long long secs;
		if (t >= 0)
			return t;
		secs = strtoll(pin, &end, 10);
		if (*end == '\0' && secs >= 0)
			return secs;
	}
	return (int64_t)time(NULL);
}

uint64_t mg_monotonic_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void mg_sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000u, (long)(ms % 1000u) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

void mg_time_format(char out[21], int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int64_t mg_time_parse(const char *s)
{
	int y, mo, d, h = 0, mi = 0, se = 0, oh = 0, om = 0, sign = 0;
	size_t len = strlen(s), i = 10;
	struct tm tm = {0};

	if (len < 10 || s[4] != '-' || s[7] != '-' || digits(s, 4, &y) ||
	    digits(s + 5, 2, &mo) || digits(s + 8, 2, &d))
		return -1;
	if (len > 10) {
		if ((s[10] != 'T' && s[10] != 't' && s[10] != ' ') || len < 19 || s[13] != ':' ||
		    s[16] != ':' || digits(s + 11, 2, &h) || digits(s + 14, 2, &mi) ||
		    digits(s + 17, 2, &se))
			return -1;
		i = 19;
		if (i < len && s[i] == '.') /* fractional seconds are dropped */
			for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++)
				;
		if (i < len && (s[i] == 'Z' || s[i] == 'z')) {
			i++;
		} else if (i < len && (s[i] == '+' || s[i] == '-')) {
			sign = s[i] == '-' ? -1 : 1;
			if (len - i != 6 || s[i + 3] != ':' || digits(s + i + 1, 2, &oh) ||
			    digits(s + i + 4, 2, &om))
				return -1;
			i = len;
		} else {
			return -1;
		}
	}
	if (i != len || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	return (int64_t)timegm(&tm) - (int64_t)sign * (oh * 3600 + om * 60);
}

int mg_random(void *out, size_t n)
{
	unsigned char *p = out;
	while (n) {
		ssize_t r = getrandom(p, n, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return mg_error_set(MEMGIT_EIO, "cannot read random bytes", NULL, "%s",
				strerror(errno));
		}
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

int mg_ulid(char out[27])
{
	static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
	unsigned char bytes[16];
	struct timespec ts;
	uint64_t ms;
	int rc;

	clock_gettime(CLOCK_REALTIME, &ts);
	ms = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
	for (int i = 5; i >= 0; i--, ms >>= 8)
		bytes[i] = (unsigned char)(ms & 0xff);
	if ((rc = mg_random(bytes + 6, 10)) < 0)
		return rc;
	/* 128 bits as 26 base32 digits: the first digit carries the top 3 bits */
	for (int i = 0; i < 26; i++) {
		int bit = 128 - 5 * (26 - i), v = 0;
		for (int b = 0; b < 5; b++, bit++)
			v = (v << 1) | (bit >= 0 ? (bytes[bit / 8] >> (7 - bit % 8)) & 1 : 0);
		out[i] = alphabet[v];
	}
	out[26] = '\0';
	return 0;
}
