/*
 * builtin_shell.c: what a shell tool call ran, as steps a person would name:
 * "git status", "cmake --build", "npm run build", "ctest". Workflows are
 * sequences of steps and recurring mistakes are keyed by them, so arguments
 * (paths, flags, messages) must not make two runs of the same thing differ.
 *
 * This is a small shell word splitter, not a shell: quotes, escapes,
 * comments, `&&` `||` `;` `|` `&`, redirections and here-documents are
 * understood well enough to find the commands; nothing is expanded.
 */
#include <stdlib.h>
#include <string.h>

#include "builtin.h"
#include "json/json.h"
#include "util/buf.h"
#include "util/error.h"

static int name_in(const char *name, size_t len, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(list[i]) == len && mg_bi_starts_ci(name, len, list[i]))
			return 1;
	return 0;
}

#define IN(name, len, list) name_in(name, len, list, sizeof(list) / sizeof(*list))

int mg_bi_is_shell_tool(const char *name)
{
	static const char *const tools[] = {"bash", "shell", "sh", "zsh", "exec_command",
	        "local_shell", "shell_command", "execute_bash", "execute_command", "run_command",
	        "run_shell_command", "run_terminal_cmd", "terminal", "powershell", "cmd",
	        "container.exec"};
	return name && IN(name, strlen(name), tools);
}

int mg_bi_is_trivial_tool(const char *name)
{
	static const char *const tools[] = {"read", "glob", "grep", "ls", "todowrite", "todoread",
	        "notebookread", "view", "read_file", "list_dir", "list_files", "search", "find",
	        "update_plan", "think", "exitplanmode", "bashoutput", "killshell", "view_image",
	        "write_stdin", /* input to a command already running: not a step of its own */
	        "str_replace_based_edit_tool_view", "websearch", "web_search", "file_search"};
	return !name || !*name || IN(name, strlen(name), tools);
}

/* ---- the command of a call -------------------------------------------------- */

static int command_from_array(memgit_buf *out, const mg_json *arr)
{
	const mg_json *first = mg_json_first(arr), *second = first ? mg_json_next(first) : NULL;
	const char *a = mg_json_string(first), *b = mg_json_string(second);
	int rc = 0;

	/* ["bash", "-lc", "the command"]: the command is the third */
	if (a && b && mg_json_count(arr) == 3 && (strstr(a, "sh")) &&
	        (!strcmp(b, "-c") || !strcmp(b, "-lc") || !strcmp(b, "-ic") || !strcmp(b, "-lic")))
		return mg_buf_puts(out, mg_json_string(mg_json_next(second))
		                                ? mg_json_string(mg_json_next(second))
		                                : "");
	for (const mg_json *it = first; it && rc == 0; it = mg_json_next(it))
		if (mg_json_string(it) && (rc = out->size ? mg_buf_putc(out, ' ') : 0) == 0)
			rc = mg_buf_puts(out, mg_json_string(it));
	return rc;
}

int mg_bi_shell_command(memgit_buf *out, const char *input, size_t len)
{
	static const char *const keys[] = {"command", "cmd", "script"};
	mg_json_parse_opts opts = {0, MG_JSON_REPLACE_NUL, NULL, 0, 0};
	mg_json *root = NULL;
	int rc = 0;

	mg_buf_clear(out);
	while (len && (*input == ' ' || *input == '\n'))
		input++, len--;
	if (!len || (*input != '{' && *input != '['))
		return mg_buf_put(out, input, len);
	if (mg_json_parse(&root, input, len, &opts) < 0)
		return 0; /* not a call we can read: no command */
	for (size_t i = 0; i < sizeof(keys) / sizeof(*keys); i++) {
		const mg_json *v = mg_json_get(root, keys[i]);
		if (mg_json_type_of(v) == MG_JSON_STRING) {
			rc = mg_buf_puts(out, mg_json_string(v));
			break;
		}
		if (mg_json_type_of(v) == MG_JSON_ARRAY) {
			rc = command_from_array(out, v);
			break;
		}
	}
	if (!out->size && mg_json_type_of(root) == MG_JSON_ARRAY)
		rc = command_from_array(out, root);
	mg_json_free(root);
	return rc;
}

/* ---- splitting a command line --------------------------------------------------- */

#define MAX_WORDS 8

typedef struct {
	const char *s;
	size_t len, i;
	memgit_buf words[MAX_WORDS]; /* the first words of the current command */
	size_t nwords;
	int in_word, skip_word, filter;
	size_t raw_start;
	char heredoc[64]; /* pending here-document delimiter */
	int keep_trivial;
	mg_bi_step_cb cb;
	void *payload;
} lexer;

/* The k-th word ("" for an empty quoted word, whose buffer never grew). */
#define W(lx, k) mg_buf_cstr(&(lx)->words[k])

static int word_char(lexer *lx, char c)
{
	lx->in_word = 1;
	if (lx->skip_word || lx->filter || lx->nwords >= MAX_WORDS)
		return 0;
	return mg_buf_putc(&lx->words[lx->nwords], c);
}

static void end_word(lexer *lx)
{
	if (!lx->in_word)
		return;
	lx->in_word = 0;
	if (lx->skip_word)
		lx->skip_word = 0;
	else if (!lx->filter && lx->nwords < MAX_WORDS)
		lx->nwords++;
}

static const char *base_name(const char *w)
{
	const char *slash = strrchr(w, '/');
	return slash && slash[1] ? slash + 1 : w;
}

static int trivial_program(const char *p)
{
	static const char *const progs[] = {"cd", "ls", "ll", "pwd", "echo", "printf", "cat",
	        "head", "tail", "less", "more", "true", "false", "sleep", "clear", "which", "type",
	        "export", "set", "unset", "source", ".", "wc", "sort", "uniq", "grep", "egrep",
	        "fgrep", "rg", "ag", "find", "fd", "tree", "file", "stat", "du", "df", "date",
	        "whoami", "env", "history", "test", "[", "[[", "read", "alias", "exit", "jq",
	        "diff", "realpath", "dirname", "basename", "nl", "column", "cut", "tr", "xxd", "od",
	        "hexdump", "pushd", "popd", ":"};
	return IN(p, strlen(p), progs);
}

static int has_subcommands(const char *p)
{
	static const char *const progs[] = {"git", "cargo", "npm", "yarn", "pnpm", "bun", "go",
	        "docker", "podman", "kubectl", "pip", "pip3", "gh", "apt", "apt-get", "brew",
	        "poetry", "uv", "dotnet", "mvn", "gradle", "gradlew", "make", "bundle", "rake",
	        "terraform", "helm", "systemctl", "conda", "deno", "rustup", "nix", "swift",
	        "meson", "bazel", "npx", "uvx", "pipx", "composer", "mix", "stack", "cabal",
	        "flutter", "dart", "hatch", "memgit", "ninja", "tox", "nox", "just", "task"};
	return IN(p, strlen(p), progs);
}

/* A word that names a subcommand or script, not a file or an option. */
static int subcommand_like(const char *w)
{
	size_t n = strlen(w);

	if (!n || n > 32 || !((w[0] >= 'a' && w[0] <= 'z') || (w[0] >= 'A' && w[0] <= 'Z')))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_:-",
		            w[i]))
			return 0;
	return 1;
}

/* Wrappers that run the rest of the line, and the shell's own words that
 * lead into a command: the command after them is what counts. */
static size_t skip_wrappers(lexer *lx)
{
	static const char *const wrappers[] = {"sudo", "env", "time", "nohup", "exec", "command",
	        "nice", "xargs", "builtin", "do", "then", "else", "if", "elif", "while", "until",
	        "!"};
	size_t k = 0;

	while (k < lx->nwords) {
		const char *w = W(lx, k);
		const char *eq = strchr(w, '=');
		if (eq && eq != w && !memchr(w, '/', (size_t)(eq - w)))
			k++; /* VAR=value */
		else if (IN(w, strlen(w), wrappers) || (w[0] == '-' && k > 0))
			k++;
		else if (!strcmp(w, "timeout") && k + 1 < lx->nwords)
			k += 2;
		else
			break;
	}
	return k;
}

/* Words that head no command of their own: loop headers and block ends. */
static int shell_syntax(const char *w)
{
	static const char *const words[] = {
	        "for", "case", "select", "done", "fi", "esac", "in", "function", "}", ")", ";;"};
	return IN(w, strlen(w), words);
}

/* make's options before its target (-j4, -C DIR, -f FILE) */
static size_t make_target(lexer *lx, size_t k)
{
	while (k < lx->nwords && W(lx, k)[0] == '-') {
		const char *w = W(lx, k);
		k += (!strcmp(w, "-C") || !strcmp(w, "-f") || !strcmp(w, "-j")) ? 2 : 1;
	}
	return k;
}

/* git's own options before the subcommand (-C DIR, -c KEY=V, --no-pager) */
static size_t git_sub(lexer *lx, size_t k)
{
	while (k < lx->nwords && W(lx, k)[0] == '-') {
		const char *w = W(lx, k);
		k += (!strcmp(w, "-C") || !strcmp(w, "-c") || !strcmp(w, "--git-dir") ||
		             !strcmp(w, "--work-tree"))
		             ? 2
		             : 1;
	}
	return k;
}

static int step_of(memgit_buf *step, lexer *lx)
{
	size_t k = skip_wrappers(lx);
	const char *prog;
	char lowered[64];
	size_t n;

	if (k >= lx->nwords)
		return 0;
	prog = base_name(W(lx, k));
	for (n = 0; prog[n] && n + 1 < sizeof(lowered); n++)
		lowered[n] = (char)mg_bi_lower((unsigned char)prog[n]);
	lowered[n] = '\0';
	if (!n || shell_syntax(lowered) || (!lx->keep_trivial && trivial_program(lowered)))
		return 0;
	if (mg_buf_puts(step, lowered) < 0)
		return MEMGIT_ENOMEM;
	if (!strcmp(lowered, "cmake")) {
		for (size_t j = k + 1; j < lx->nwords; j++)
			if (!strcmp(W(lx, j), "--build") || !strcmp(W(lx, j), "--install"))
				return mg_buf_printf(step, " %s", W(lx, j));
		return 0;
	}
	if (!strncmp(lowered, "python", 6) && k + 2 < lx->nwords && !strcmp(W(lx, k + 1), "-m"))
		return mg_buf_printf(step, " -m %s", W(lx, k + 2));
	if (!has_subcommands(lowered))
		return 0;
	if (!strcmp(lowered, "git"))
		k = git_sub(lx, k + 1);
	else
		k = !strcmp(lowered, "make") ? make_target(lx, k + 1) : k + 1;
	if (k >= lx->nwords || !subcommand_like(W(lx, k)))
		return 0;
	if (mg_buf_printf(step, " %s", W(lx, k)) < 0)
		return MEMGIT_ENOMEM;
	/* npm run build: the script is the step */
	if ((!strcmp(W(lx, k), "run") || !strcmp(W(lx, k), "run-script")) && k + 1 < lx->nwords &&
	        subcommand_like(W(lx, k + 1)) && strcmp(lowered, "cargo") &&
	        strcmp(lowered, "go") && strcmp(lowered, "docker"))
		return mg_buf_printf(step, " %s", W(lx, k + 1));
	return 0;
}

static int end_command(lexer *lx, size_t raw_end)
{
	memgit_buf step = MEMGIT_BUF_INIT;
	size_t rs = lx->raw_start;
	int rc = 0;

	end_word(lx);
	if (lx->nwords && (rc = step_of(&step, lx)) == 0 && step.size) {
		while (rs < raw_end && (lx->s[rs] == ' ' || lx->s[rs] == '\t' || lx->s[rs] == '\n'))
			rs++;
		rc = lx->cb(step.ptr, lx->s + rs, raw_end > rs ? raw_end - rs : 0, lx->payload);
	}
	memgit_buf_dispose(&step);
	for (size_t k = 0; k < MAX_WORDS; k++)
		mg_buf_clear(&lx->words[k]);
	lx->nwords = 0;
	lx->skip_word = 0;
	return rc;
}

/* After `<<DELIM`: the here-document's lines up to DELIM are data. */
static void take_heredoc_delimiter(lexer *lx)
{
	size_t n = 0;

	if (lx->i < lx->len && lx->s[lx->i] == '-')
		lx->i++;
	while (lx->i < lx->len && lx->s[lx->i] == ' ')
		lx->i++;
	while (lx->i < lx->len && !strchr(" \t\n;&|<>()", lx->s[lx->i])) {
		char c = lx->s[lx->i++];
		if (c != '\'' && c != '"' && c != '\\' && n + 1 < sizeof(lx->heredoc))
			lx->heredoc[n++] = c;
	}
	lx->heredoc[n] = '\0';
}

static void skip_heredoc_body(lexer *lx)
{
	size_t dl = strlen(lx->heredoc);

	while (lx->i < lx->len) {
		const char *nl = memchr(lx->s + lx->i, '\n', lx->len - lx->i);
		size_t end = nl ? (size_t)(nl - lx->s) : lx->len, st = lx->i;
		while (st < end && (lx->s[st] == ' ' || lx->s[st] == '\t'))
			st++;
		lx->i = nl ? end + 1 : end;
		if (end - st == dl && !memcmp(lx->s + st, lx->heredoc, dl))
			break;
	}
	lx->heredoc[0] = '\0';
}

static int quoted(lexer *lx, char q)
{
	int rc = 0;

	lx->in_word = 1;
	for (lx->i++; lx->i < lx->len && lx->s[lx->i] != q && rc == 0; lx->i++) {
		if (q == '"' && lx->s[lx->i] == '\\' && lx->i + 1 < lx->len)
			lx->i++;
		rc = word_char(lx, lx->s[lx->i]);
	}
	if (lx->i < lx->len)
		lx->i++;
	return rc;
}

static int operator(lexer *lx, char c)
{
	size_t at = lx->i;
	int rc;

	if (c == '|' && (lx->i + 1 >= lx->len || lx->s[lx->i + 1] != '|')) {
		/* a pipeline's later commands filter the first one's output */
		end_word(lx);
		rc = lx->filter ? 0 : end_command(lx, at);
		lx->filter = 1;
		lx->i++;
		return rc;
	}
	rc = lx->filter ? 0 : end_command(lx, at);
	lx->filter = 0;
	lx->i += (lx->i + 1 < lx->len && lx->s[lx->i + 1] == c) ? 2 : 1;
	lx->raw_start = lx->i;
	return rc;
}

static int redirect(lexer *lx, char c)
{
	size_t wl = lx->nwords < MAX_WORDS ? lx->words[lx->nwords].size : 0;

	if (c == '<' && lx->i + 1 < lx->len && lx->s[lx->i + 1] == '<' &&
	        (lx->i + 2 >= lx->len || lx->s[lx->i + 2] != '<')) {
		lx->i += 2;
		end_word(lx);
		take_heredoc_delimiter(lx);
		return 0;
	}
	/* "2>" "&>": the fd was read as a word; it is not one */
	if (lx->in_word && lx->nwords < MAX_WORDS && wl &&
	        strspn(W(lx, lx->nwords), "0123456789&") == wl) {
		mg_buf_clear(&lx->words[lx->nwords]);
		lx->in_word = 0;
	}
	end_word(lx);
	while (lx->i < lx->len && strchr("<>&|", lx->s[lx->i]))
		lx->i++;
	while (lx->i < lx->len && lx->s[lx->i] == ' ')
		lx->i++;
	lx->skip_word = lx->i < lx->len && lx->s[lx->i] != '\n';
	return 0;
}

static int lex_one(lexer *lx)
{
	char c = lx->s[lx->i];

	switch (c) {
	case ' ':
	case '\t':
		end_word(lx);
		lx->i++;
		return 0;
	case '\n': {
		int rc = lx->filter ? 0 : end_command(lx, lx->i);
		lx->filter = 0;
		lx->i++;
		if (lx->heredoc[0])
			skip_heredoc_body(lx);
		lx->raw_start = lx->i;
		return rc;
	}
	case '\'':
	case '"':
		return quoted(lx, c);
	case '\\':
		if (lx->i + 1 < lx->len && lx->s[lx->i + 1] == '\n') {
			lx->i += 2; /* a continued line */
			return 0;
		}
		lx->i++;
		return lx->i < lx->len ? word_char(lx, lx->s[lx->i++]) : 0;
	case '#':
		if (!lx->in_word) {
			while (lx->i < lx->len && lx->s[lx->i] != '\n')
				lx->i++;
			return 0;
		}
		break;
	case ';':
	case '&':
	case '|':
		return operator(lx, c);
	case '<':
	case '>':
		return redirect(lx, c);
	case '(':
	case ')':
	case '{':
	case '}':
		if (!lx->in_word) {
			lx->i++;
			return 0;
		}
		break;
	}
	lx->i++;
	return word_char(lx, c);
}

int mg_bi_shell_steps(
        const char *cmd, size_t len, int keep_trivial, mg_bi_step_cb cb, void *payload)
{
	lexer lx;
	int rc = 0;

	memset(&lx, 0, sizeof(lx));
	lx.s = cmd;
	lx.len = len;
	lx.keep_trivial = keep_trivial;
	lx.cb = cb;
	lx.payload = payload;
	while (lx.i < lx.len && rc == 0)
		rc = lex_one(&lx);
	if (rc == 0 && !lx.filter)
		rc = end_command(&lx, lx.len);
	for (size_t k = 0; k < MAX_WORDS; k++)
		memgit_buf_dispose(&lx.words[k]);
	return rc;
}
