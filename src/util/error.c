/*
 * error.c: the per-thread last error. Fixed-size storage, so recording an
 * error never allocates and can report allocation failure itself.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "error.h"

#define MG_ERR_FIELD 512

struct mg_error_slot {
	memgit_error pub;
	char what[MG_ERR_FIELD];
	char subject[MG_ERR_FIELD];
	char why[MG_ERR_FIELD * 2];
	char message[MG_ERR_FIELD * 4 + 16];
};

static _Thread_local struct mg_error_slot mg_last;

static void copy_field(char *dst, size_t cap, const char *src)
{
	size_t n = src ? strlen(src) : 0;
	if (n >= cap)
		n = cap - 1;
	if (n)
		memcpy(dst, src, n);
	dst[n] = '\0';
	/* keep the message one line whatever the input */
	for (char *p = dst; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
}

static void compose(void)
{
	struct mg_error_slot *e = &mg_last;
	if (e->subject[0])
		snprintf(e->message, sizeof(e->message), "%.500s '%.500s': %.1000s", e->what, e->subject, e->why);
	else
		snprintf(e->message, sizeof(e->message), "%.500s: %.1000s", e->what, e->why);
	e->pub.what = e->what;
	e->pub.subject = e->subject;
	e->pub.why = e->why;
	e->pub.message = e->message;
}

int mg_error_set(int code, const char *what, const char *subject, const char *why_fmt, ...)
{
	char why[sizeof(mg_last.why)];
	va_list ap;

	va_start(ap, why_fmt);
	vsnprintf(why, sizeof(why), why_fmt, ap);
	va_end(ap);
	mg_last.pub.code = code;
	copy_field(mg_last.what, sizeof(mg_last.what), what);
	copy_field(mg_last.subject, sizeof(mg_last.subject), subject);
	copy_field(mg_last.why, sizeof(mg_last.why), why);
	compose();
	return code;
}

int mg_error_oom(void)
{
	return mg_error_set(MEMGIT_ENOMEM, "out of memory", NULL, "allocation failed");
}

void mg_error_prefix_why(const char *fmt, ...)
{
	char prefix[256], why[sizeof(mg_last.why)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	snprintf(why, sizeof(why), "%.255s%.760s", prefix, mg_last.why);
	copy_field(mg_last.why, sizeof(mg_last.why), why);
	compose();
}

void mg_error_set_subject(const char *subject)
{
	copy_field(mg_last.subject, sizeof(mg_last.subject), subject);
	compose();
}

const memgit_error *memgit_error_last(void)
{
	if (mg_last.pub.code == MEMGIT_OK) {
		copy_field(mg_last.what, sizeof(mg_last.what), "no error");
		mg_last.subject[0] = '\0';
		copy_field(mg_last.why, sizeof(mg_last.why), "no error recorded");
		compose();
	}
	return &mg_last.pub;
}

void memgit_error_clear(void)
{
	mg_last.pub.code = MEMGIT_OK;
}
