/*
 * fuzz_parsers.c: libFuzzer entry for every parser that takes untrusted
 * input. The first byte picks the parser, the rest is the input. Built with
 * -DMEMGIT_FUZZ=ON (clang); run: build-fuzz/tests/fuzz_parsers -max_total_time=60
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/yaml.h"
#include "json/json.h"
#include "memgit.h"
#include "util/path.h"
#include "util/secrets.h"

static int count_match(const mg_secret_match *m, void *payload)
{
	(void)m;
	(*(size_t *)payload)++;
	return 0;
}

static void fuzz_memory(const char *data, size_t len, const char *path)
{
	memgit_memory *m = NULL;
	memgit_buf out = MEMGIT_BUF_INIT;

	if (memgit_memory_parse(&m, path, data, len, NULL) == 0) {
		/* an unmodified memory serializes to its own bytes */
		if (memgit_memory_serialize(&out, m) != 0 || out.size != len ||
		    memcmp(out.ptr, data, len) != 0)
			abort();
		if (memgit_memory_type_of(m) == MEMGIT_MEMORY_MARKDOWN &&
		    memgit_memory_set_string(m, "updated", "2026-01-01T00:00:00Z") == 0 &&
		    memgit_memory_serialize(&out, m) == 0) {
			memgit_memory *again = NULL;
			/* a rewrite is still a valid memory (unless it grew past the limit) */
			int rc = memgit_memory_parse(&again, path, out.ptr, out.size, NULL);
			if (rc != 0 && rc != MEMGIT_ELIMIT)
				abort();
			memgit_memory_free(again);
		}
	}
	memgit_memory_free(m);
	memgit_buf_dispose(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *raw, size_t size)
{
	const char *data = (const char *)raw + 1;
	size_t len = size ? size - 1 : 0;

	if (size == 0)
		return 0;
	switch (raw[0] % 6) {
	case 0:
		fuzz_memory(data, len, "x.md");
		break;
	case 1:
		fuzz_memory(data, len, "x.yaml");
		break;
	case 2: {
		mg_yaml_node *root = NULL;
		mg_yaml_limits lim = { 1 << 20, 64 };
		if (mg_yaml_parse(&root, data, len, &lim, "f", 0) == 0)
			mg_yaml_free(root);
		break;
	}
	case 3: {
		mg_json *root = NULL;
		mg_json_parse_opts o = { 64, raw[0] & 0x40 ? MG_JSON_REPLACE_NUL : 0, "f", 1, 0 };
		if (mg_json_parse(&root, data, len, &o) == 0)
			mg_json_free(root);
		break;
	}
	case 4: {
		size_t n = 0;
		mg_secret_scan(data, len, NULL, count_match, &n);
		break;
	}
	case 5: {
		memgit_buf out = MEMGIT_BUF_INIT;
		char *s = strndup(data, len);
		if (s && mg_path_normalize(&out, s) == 0 && mg_path_check_rel(out.ptr, out.size, NULL) != 0)
			abort(); /* a normalised path passes the checks again */
		free(s);
		memgit_buf_dispose(&out);
		break;
	}
	}
	return 0;
}
