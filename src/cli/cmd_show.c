#include "cli.h"

int cmd_show(mg_cli *cli, memgit_store *store, int argc, char **argv)
{
	const mg_command *cmd = cli_find_command("show");
	memgit_buf data = MEMGIT_BUF_INIT, rel = MEMGIT_BUF_INIT, out = MEMGIT_BUF_INIT;
	memgit_memory *mem = NULL;
	int code, at;

	if ((at = cli_parse(cli, cmd, argc, argv, "", NULL, NULL, NULL, &code)) < 0)
		return code;
	if (argc - at != 1)
		return cli_usage_error(cmd, argc == at ? "which memory? give a PATH" : "too many arguments");
	if (memgit_path_normalize(&rel, argv[at]) < 0 || memgit_store_read(&data, store, argv[at]) < 0) {
		code = cli_fail();
		goto done;
	}
	if (!cli->json) {
		code = cli_write_out(&data);
		goto done;
	}
	if (memgit_memory_parse(&mem, rel.ptr, data.ptr, data.size, memgit_store_limits(store)) < 0) {
		code = cli_fail();
		goto done;
	}
	{
		mg_jsonw w;
		size_t blen;
		const char *body = memgit_memory_body(mem, &blen);
		mg_jsonw_init(&w, &out, 1);
		mg_jsonw_object_open(&w);
		mg_jsonw_key(&w, "path");
		mg_jsonw_string(&w, rel.ptr);
		mg_jsonw_key(&w, "content");
		mg_jsonw_string_len(&w, data.ptr, data.size);
		mg_jsonw_key(&w, "front_matter");
		mg_jsonw_object_open(&w);
		for (size_t i = 0; i < memgit_memory_key_count(mem); i++) {
			const char *k = memgit_memory_key(mem, i), *v = memgit_memory_get(mem, k);
			size_t n = memgit_memory_list_count(mem, k);
			mg_jsonw_key(&w, k);
			if (v) {
				mg_jsonw_string(&w, v);
			} else if (n) {
				mg_jsonw_array_open(&w);
				for (size_t j = 0; j < n; j++)
					mg_jsonw_string(&w, memgit_memory_list_item(mem, k, j));
				mg_jsonw_array_close(&w);
			} else {
				mg_jsonw_null(&w); /* nested values: see "content" */
			}
		}
		mg_jsonw_object_close(&w);
		mg_jsonw_key(&w, "body");
		mg_jsonw_string_len(&w, body, blen);
		mg_jsonw_object_close(&w);
		code = mg_jsonw_finish(&w) < 0 ? cli_fail() : cli_write_out(&out);
	}
done:
	memgit_memory_free(mem);
	memgit_buf_dispose(&data);
	memgit_buf_dispose(&rel);
	memgit_buf_dispose(&out);
	return code;
}
