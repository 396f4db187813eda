/*
 * main.c: global options and the command table.
 *
 *   memgit [-C DIR] [--json] [-q] [--color=WHEN] <command> [<args>]
 */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define USAGE_HEAD "usage: memgit [-C DIR] [--json] [-q] <command> [<args>]\n"

const mg_command mg_commands[] = {
	{ "init", cmd_init, 0, "create a memory store",
	  "usage: memgit init [DIR] [--bare] [--branch NAME] [--name NAME]\n\n"
	  "Create a memgit store in DIR (default: $MEMGIT_DIR or the current folder)\n"
	  "and commit memgit.yaml and rubrics/default.yaml to its memory branch.\n"
	  "An existing git repository gains the scaffold as a new commit.\n\n"
	  "  --bare          no work tree\n"
	  "  --branch NAME   the memory branch (default main)\n"
	  "  --name NAME     the store name in memgit.yaml (default: folder name)\n" },
	{ "put", cmd_put, MG_CMD_NEEDS_STORE, "create or update a memory",
	  "usage: memgit put PATH [-m TEXT | -F FILE] [--title T] [--kind K] [--tag T]... [--pin | --no-pin]\n\n"
	  "Write the memory at PATH (x.md, memories/x.md or /memories/x.md) in one\n"
	  "commit. The content comes from -m, -F (- for stdin) or standard input. For\n"
	  "markdown memories id, created and updated are filled in; an existing memory\n"
	  "keeps its id and created, and when the new content is a plain body (no\n"
	  "front matter) all its other keys too. Content with front matter replaces\n"
	  "the old keys. .yaml, .yml and .txt memories are stored as given. A put that\n"
	  "would change nothing but 'updated' exits 1 (nothing to commit).\n\n"
	  "  -m, --message TEXT   the body\n"
	  "  -F, --file FILE      read the content from FILE\n"
	  "  --title TITLE        set title\n"
	  "  --kind KIND          fact, preference, procedure, mistake, workflow or note\n"
	  "  --tag TAG            add a tag (repeatable, or comma-separated)\n"
	  "  --pin, --no-pin      a pinned memory is never changed by a dream\n" },
	{ "show", cmd_show, MG_CMD_NEEDS_STORE, "print a memory",
	  "usage: memgit show PATH [--json]\n\nPrint the memory at PATH as stored on the memory branch.\n" },
	{ "ls", cmd_ls, MG_CMD_NEEDS_STORE, "list memories",
	  "usage: memgit ls [PREFIX] [--long] [--json]\n\n"
	  "List memories (paths relative to memories/), optionally under PREFIX.\n\n"
	  "  -l, --long   also kind, size, updated and title\n" },
	{ "rm", cmd_rm, MG_CMD_NEEDS_STORE, "delete memories",
	  "usage: memgit rm PATH... [-m MESSAGE]\n\nDelete the memories in one commit.\n" },
	{ "mv", cmd_mv, MG_CMD_NEEDS_STORE, "move or rename a memory",
	  "usage: memgit mv OLD NEW [-m MESSAGE]\n\nRename a memory; NEW must not exist.\n" },
	{ "log", cmd_log, MG_CMD_NEEDS_STORE, "show the history of the memory",
	  "usage: memgit log [PATH] [-n N] [--json]\n\n"
	  "Show commits on the memory branch, newest first; with PATH only those that\n"
	  "changed that memory.\n\n"
	  "  -n, --max-count N   at most N commits\n" },
	{ "import", cmd_import, MG_CMD_NEEDS_STORE, "import memory files in one commit",
	  "usage: memgit import PATH... [--prefix DIR] [--raw] [-m MESSAGE]\n\n"
	  "Import files and folders of .md, .markdown, .yaml, .yml and .txt (a\n"
	  "CLAUDE.md, a Claude Code memory folder, a Letta MemFS folder) in one\n"
	  "commit. A file lands at memories/<basename>; a folder's files keep their\n"
	  "path inside it. Any refused file refuses the whole import.\n\n"
	  "  --prefix DIR   place the files under memories/DIR/\n"
	  "  --raw          keep files byte for byte (no id/created/updated)\n" },
	{ "export", cmd_export, MG_CMD_NEEDS_STORE, "export the memory",
	  "usage: memgit export --format dir|json [-o OUT]\n\n"
	  "  --format dir    write every memory as a file under OUT (required)\n"
	  "  --format json   one JSON document, to OUT or standard output\n"
	  "  -o, --output OUT\n" },
	{ "session", cmd_session, MG_CMD_NEEDS_STORE, "ingest and read agent transcripts",
	  "usage: memgit session add FILE|DIR... [--format FORMAT] [--agent NAME] [--keep-going]\n"
	  "                          [--max-line-bytes N] [--json]\n"
	  "       memgit session ls [--json]\n"
	  "       memgit session show ID [--full] [--json]\n"
	  "       memgit session rm ID...\n\n"
	  "Sessions are agent transcripts normalised to memgit's canonical JSONL and kept\n"
	  "as sessions/<id>.jsonl on refs/memgit/sessions (docs/sessions.md); the memory\n"
	  "branch is not touched.\n\n"
	  "add   ingest transcripts in one commit. A folder is walked for .jsonl and\n"
	  "      .json files (a Claude Code project folder brings its subagents too).\n"
	  "      Secrets are replaced by [REDACTED:<rule>] before anything is written.\n"
	  "      The same transcript again is 'unchanged'; a grown one updates its\n"
	  "      session. Exit 1 when nothing was new; 3 when a file was refused.\n"
	  "  --format F          auto (default), claude-code, codex, anthropic, openai, text\n"
	  "  --agent NAME        record NAME as the session's agent\n"
	  "  --keep-going        ingest the good files when some are refused (exit 3)\n"
	  "  --max-line-bytes N  refuse a line (or document) longer than N (16 MiB)\n"
	  "ls    list sessions, oldest first\n"
	  "show  print a session as a conversation (--full: tool input and output in\n"
	  "      full; --json: the canonical JSONL as stored)\n"
	  "rm    remove sessions in one commit (history keeps them)\n" },
	{ "dream", cmd_dream, MG_CMD_NEEDS_STORE, "propose a consolidated memory on a dream branch",
	  "usage: memgit dream [--dreamer builtin|anthropic|openai|replay] [--model M]\n"
	  "                    [--replay PATH] [--jobs N] [--max-tokens N]\n"
	  "                    [--sessions N | --session ID...] [--instructions TEXT]\n"
	  "                    [--rubric PATH] [--no-grade] [--merge | --no-merge]\n"
	  "                    [--dry-run] [--json]\n\n"
	  "Read the memory branch and the sessions no merged dream has consumed yet\n"
	  "(the oldest 100, or dream.max_sessions), ask the dreamer for typed edits\n"
	  "(create, update, delete, merge, move), validate each one and commit the\n"
	  "valid ones on the branch dream/<id>, with the full edit list as a note in\n"
	  "refs/notes/memgit. The memory branch and the work tree are not touched.\n"
	  "Then grade the dream against the rubric; a needs_revision outcome makes\n"
	  "another pass on the same branch without the edits the failed criteria\n"
	  "blame, up to the rubric's max_iterations. Exit 0 when the last pass is\n"
	  "satisfied, 1 when it is not (the branch stays for review) or no edit is\n"
	  "valid (no branch is made), 5 when a model request failed (no branch is\n"
	  "made). docs/dreams.md, docs/grading.md, docs/providers.md.\n\n"
	  "  --dreamer NAME      builtin (default, or memgit.yaml dream.dreamer),\n"
	  "                      anthropic, openai, or replay\n"
	  "  --model M           the model (else MEMGIT_MODEL, memgit.yaml model.name)\n"
	  "  --replay PATH       replay: a file of recorded edits, or a folder of recorded\n"
	  "                      provider responses (map-1.json, ..., reduce.json)\n"
	  "  -j, --jobs N        model requests in parallel (default 4)\n"
	  "  --max-tokens N      token budget: no request starts that could pass it\n"
	  "  --sessions N        at most N sessions, oldest first\n"
	  "  --session ID        exactly these sessions (repeatable)\n"
	  "  --instructions TEXT extra instructions for a model dreamer (4096 bytes)\n"
	  "  --rubric PATH       grade with this rubric: a path in the memory branch,\n"
	  "                      else a file (default: dream.rubric, rubrics/default.yaml)\n"
	  "  --no-grade          commit the dream without grading it (exit 0)\n"
	  "  --merge             merge the dream when its outcome is satisfied\n"
	  "                      (default: memgit.yaml dream.auto_merge)\n"
	  "  --no-merge          do not merge, whatever dream.auto_merge says\n"
	  "  -n, --dry-run       validate and print the commit message; write nothing\n"
	  "Keys: ANTHROPIC_API_KEY / OPENAI_API_KEY, or model.key_file (mode 600).\n"
	  "Servers: ANTHROPIC_BASE_URL / OPENAI_BASE_URL, or model.base_url.\n" },
	{ "dreams", cmd_dreams, MG_CMD_NEEDS_STORE, "list dreams",
	  "usage: memgit dreams [--json]\n\n"
	  "List every dream (branch dream/<id>), oldest first: id, time, base,\n"
	  "sessions, edits applied (and refused), status (proposed, or merged once\n"
	  "the memory branch contains the dream commit) and the latest verdict with\n"
	  "its score and pass, or \"not graded\".\n" },
	{ "grade", cmd_grade, MG_CMD_NEEDS_STORE, "score a dream against the rubric",
	  "usage: memgit grade ID [--rubric PATH] [--judge anthropic|openai|replay]\n"
	  "                    [--model M] [--replay DIR] [--json]\n\n"
	  "Run the rubric's criteria (docs/grading.md) on the dream's edits and the\n"
	  "memory they produce, and record the outcome in the dream's note. Judge and\n"
	  "questions criteria need a model (--judge); without one they are recorded\n"
	  "as skipped. Exit 0 when the outcome is satisfied, 1 when it is not, 5 when\n"
	  "a model request failed (nothing is recorded).\n\n"
	  "  --rubric PATH   a rubric in the memory branch, else a file (default:\n"
	  "                  memgit.yaml dream.rubric, else rubrics/default.yaml)\n"
	  "  --judge NAME    the model's provider for judge and questions criteria:\n"
	  "                  anthropic, openai, or replay\n"
	  "  --model M       the model (else MEMGIT_MODEL, memgit.yaml model.name)\n"
	  "  --replay DIR    replay: recorded responses judge-<id>.json and\n"
	  "                  questions-<id>.json; implies --judge replay\n"
	  "Keys: ANTHROPIC_API_KEY / OPENAI_API_KEY, or model.key_file (mode 600).\n" },
	{ "merge", cmd_merge, MG_CMD_NEEDS_STORE, "merge a satisfied dream into the memory branch",
	  "usage: memgit merge ID [--force] [--json]\n\n"
	  "Merge dream ID with a merge commit 'merge(dream): <id> <summary>' whose\n"
	  "parents are the memory branch and the dream, with trailers Outcome,\n"
	  "Outcome-Score, Rubric, Grader and Dream-Id. Only a dream whose latest\n"
	  "outcome is satisfied merges (memgit grade), and not a rejected one.\n"
	  "When the branch moved since the dream's base, its changes are re-applied\n"
	  "on the tip; a memory changed on both sides is a conflict: listed, exit 1,\n"
	  "nothing merged.\n\n"
	  "  --force   merge whatever the outcome or a rejection; recorded (Forced-By\n"
	  "            trailer, note)\n" },
	{ "reject", cmd_reject, MG_CMD_NEEDS_STORE, "record the rejection of a dream",
	  "usage: memgit reject ID [-m WHY]\n\n"
	  "Record in the dream's note that it is rejected, with who, when and why.\n"
	  "Its sessions stay available to the next dream.\n" },
	{ "revert", cmd_revert, MG_CMD_NEEDS_STORE, "undo a merged dream",
	  "usage: memgit revert ID [--json]\n\n"
	  "Undo the merge of dream ID with a new commit on the memory branch carrying\n"
	  "'Reverts-Dream: <id>'. Every memory the merge changed goes back, unless it\n"
	  "changed again since (a conflict: listed, exit 1, nothing written). The\n"
	  "dream's sessions are offered to the next dream again.\n" },
	{ "review", cmd_review, MG_CMD_NEEDS_STORE, "show what a dream changes and why",
	  "usage: memgit review ID [--markdown | --json]\n\n"
	  "Per memory what the dream changes (created, updated, merged, deleted,\n"
	  "moved), with its rationale, excerpts of the session events it cites and a\n"
	  "unified diff; then the refused edits and why. ID may be a unique prefix.\n\n"
	  "  --markdown   a pull-request body\n"
	  "  --json       the machine form\n" },
	{ "blame", cmd_blame, MG_CMD_NEEDS_STORE, "say which dream, sessions and agents produced a memory",
	  "usage: memgit blame PATH [--json]\n\n"
	  "The commit that last changed the memory on the memory branch, and when it\n"
	  "was a dream's: the dream, its rationale for the memory, the sessions it\n"
	  "cites and their agents. Otherwise the sessions named in the memory's\n"
	  "sources: front matter.\n" },
	{ NULL, NULL, 0, NULL, NULL }
};

const mg_command *cli_find_command(const char *name)
{
	for (const mg_command *c = mg_commands; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

static void usage(FILE *out)
{
	fputs(USAGE_HEAD "\ncommands:\n", out);
	for (const mg_command *c = mg_commands; c->name; c++)
		fprintf(out, "  %-8s %s\n", c->name, c->summary);
	fputs("\nglobal options:\n"
	      "  -C DIR          run as if started in DIR\n"
	      "  --json          machine-readable output\n"
	      "  -q, --quiet     no progress or informational messages\n"
	      "  --color=WHEN    auto, always or never\n"
	      "  --version       print the version\n"
	      "  -h, --help      this help; 'memgit <command> --help' for a command\n"
	      "\nenvironment: MEMGIT_DIR names the store.\n"
	      "exit codes: 0 ok, 1 nothing to do or negative outcome, 2 usage,\n"
	      "3 input refused, 4 store busy, 5 remote failed, 6 internal error\n", out);
}

/* Open the store; when there is none, a request for help is still answered. */
static int open_store(memgit_store **store, int argc, char **argv, const mg_command *cmd)
{
	const char *dir = getenv("MEMGIT_DIR");
	int rc = dir && *dir ? memgit_store_open(store, dir) : memgit_store_discover(store, ".");

	if (rc == 0)
		return 0;
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			fputs(cmd->usage, stdout);
			return -1;
		}
	return cli_fail();
}

/* Global options up to the command name; returns the command's argv index. */
static int parse_globals(mg_cli *cli, int argc, char **argv, int *exit_code)
{
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (strcmp(a, "-C") == 0) {
			if (++i == argc) {
				*exit_code = cli_usage_error(NULL, "option '-C' needs a folder");
				return -1;
			}
			cli->dir = argv[i];
		} else if (strcmp(a, "--json") == 0) {
			cli->json = 1;
		} else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
			cli->quiet = 1;
		} else if (strcmp(a, "--color") == 0 || strcmp(a, "--color=auto") == 0 ||
			   strcmp(a, "--color=always") == 0 || strcmp(a, "--color=never") == 0) {
			/* accepted for scripts' sake; memgit prints no colour yet */
		} else if (strcmp(a, "--version") == 0) {
			printf("memgit %s\n", memgit_version());
			*exit_code = MG_EXIT_OK;
			return -1;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			*exit_code = MG_EXIT_OK;
			return -1;
		} else {
			*exit_code = cli_usage_error(NULL, "unknown option '%s'", a);
			return -1;
		}
	}
	if (i == argc) {
		usage(stderr);
		*exit_code = MG_EXIT_USAGE;
		return -1;
	}
	return i;
}

int main(int argc, char **argv)
{
	mg_cli cli = { 0, 0, NULL };
	const mg_command *cmd;
	memgit_store *store = NULL;
	int code = MG_EXIT_OK, at;

	/* A command lives a few milliseconds: memory it frees is better kept
	 * than handed back with brk and faulted in again by the next allocation
	 * (zlib alone clears a fresh 64 KiB table for each object it writes). */
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
	mallopt(M_TOP_PAD, 1 << 20);
	mallopt(M_MMAP_THRESHOLD, 32 << 20);
	if ((at = parse_globals(&cli, argc, argv, &code)) < 0)
		return code;
	if (!(cmd = cli_find_command(argv[at]))) {
		fprintf(stderr, "memgit: '%s' is not a memgit command (see 'memgit --help')\n", argv[at]);
		return MG_EXIT_USAGE;
	}
	if (cli.dir && chdir(cli.dir) < 0) {
		fprintf(stderr, "memgit: cannot change to '%s': no such folder\n", cli.dir);
		return MG_EXIT_REFUSED;
	}
	if (memgit_init() < 0)
		return cli_fail();
	/* the command parses its own --help; without a store, help still works */
	if ((cmd->flags & MG_CMD_NEEDS_STORE) && (code = open_store(&store, argc - at, argv + at, cmd)) != 0) {
		code = code < 0 ? MG_EXIT_OK : code;
		goto out;
	}
	code = cmd->run(&cli, store, argc - at, argv + at);
out:
	memgit_store_free(store);
	memgit_shutdown();
	return code;
}
