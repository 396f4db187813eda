#!/usr/bin/env python3
"""dream_gen.py: a memory store and sessions with known patterns, for scoring
and timing the builtin dreamer.

    dream_gen.py OUT [--memories N] [--sessions S] [--events E] [--seed K]

Writes, deterministically for a seed:

  OUT/memories/...        N markdown memories (import them with --raw)
  OUT/sessions/*.jsonl    S transcripts, about 80% Claude Code, 20% Codex
  OUT/key.json            the answer key: what a good dream must find

Planted in the memories:
  duplicates   clusters of 2-3: exact copies (other front matter and path)
               and near copies (a sentence moved, case, punctuation, one word
               changed, a word added at the end: Jaccard of words and word pairs >= 0.85,
               checked here);
               some clusters hold one pinned member (the others must go as
               its duplicates); decoy pairs share half their text (must
               stay); pairs of pinned duplicates (must stay)
  expired      `expires` in the past; decoys: in the future, or pinned
  superseded   another memory `supersedes` it by path or id; decoy: a
               `supersedes` naming a memory that does not exist
Planted in the sessions:
  mistakes     8 error templates recurring in 3-6 sessions with varying
               paths, numbers and branches (bash and the Edit tool, Claude
               Code and Codex); 4 decoys in exactly 2 sessions; a unique
               failing command per session as noise; one mistake already
               recorded by a memory (expected: an update)
  workflows    6 tool sequences in 3-7 sessions, with varying arguments,
               repeated steps and inspection calls in between; 3 decoys in
               exactly 2 sessions; one already recorded (expected: update)
  preferences  8 statements by the user in 1-3 sessions with varying case,
               fillers and punctuation; decoys: questions, quoted lines,
               code blocks, quotations, "don't worry", the assistant's own
               words; one already in memory (expected: update)

Session ids are computed here the way memgit names them (cc-<8 hex of the
sessionId>, cx-<8 hex of the Codex id's random half>).
"""
import argparse
import hashlib
import json
import os
import random
import re

NOW = "2026-03-01T12:00:00Z"
NOW_EPOCH = 1772366400

SYL = ["ka", "lo", "mi", "ne", "ru", "ta", "vo", "zi", "pe", "sa", "do", "fi", "gu", "ha",
       "je", "ko", "li", "mo", "nu", "pa", "re", "si", "to", "vu", "wa", "xe", "yo", "ze",
       "bra", "cle", "dro", "fla", "gri", "plo", "stu", "tri", "zan", "mor", "kel", "ves"]
TECH = ["build", "test", "cache", "server", "deploy", "config", "branch", "release",
        "schema", "query", "index", "parser", "module", "script", "docker", "token",
        "client", "worker", "queue", "memory", "session", "review", "commit", "package"]
KINDS = ["fact", "procedure", "note", "fact", "note"]
TAGS = ["api", "db", "ci", "tests", "build", "docs", "ops", "ui", "perf", "security",
        "infra", "auth", "cli", "data", "release", "style", "tooling", "deps", "net", "logs"]


def words_of(text):
    return re.findall(r"[a-z0-9\x80-\U0010ffff]+", text.lower())


def shingles(text):
    """What the builtin dreamer compares: the words and the pairs of neighbours."""
    w = words_of(text)
    return {(x,) for x in w} | {tuple(w[i:i + 2]) for i in range(len(w) - 1)}


def jaccard(a, b):
    x, y = shingles(a), shingles(b)
    return len(x & y) / len(x | y)


class Gen:
    def __init__(self, args):
        self.rng = random.Random(args.seed)
        self.args = args
        self.vocab = self.make_vocab(3000)
        self.memories = {}        # path -> content
        self.key = {"now": NOW_EPOCH, "duplicates": [], "expired": [], "superseded": [],
                    "mistakes": [], "workflows": [], "preferences": [],
                    "decoys": {"duplicates": [], "expired": [], "superseded": [],
                               "mistakes": [], "workflows": [], "preferences": []}}
        self.nid = 0

    # ---- words and memories ------------------------------------------------
    def make_vocab(self, n):
        seen, out = set(TECH), list(TECH)
        while len(out) < n:
            w = "".join(self.rng.choice(SYL) for _ in range(self.rng.randint(2, 3)))
            if w not in seen:
                seen.add(w)
                out.append(w)
        return out

    def sentence(self, n):
        ws = [self.rng.choice(self.vocab) for _ in range(n)]
        return ws[0].capitalize() + " " + " ".join(ws[1:]) + "."

    def body(self, lo=40, hi=90):
        n, out = self.rng.randint(lo, hi), []
        while n > 0:
            k = min(n, self.rng.randint(8, 16))
            out.append(self.sentence(k))
            n -= k
        return " ".join(out) + "\n"

    def ulid(self):
        self.nid += 1
        h = hashlib.sha256(b"id%d" % self.nid).digest()
        alpha = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
        bits = int.from_bytes(h[:17], "big")
        s = alpha[(bits >> 133) & 7]
        for k in range(25):
            s += alpha[(bits >> (128 - 5 * k)) & 31]
        return s

    def front(self, extra=None, keys=None):
        keys = keys if keys is not None else self.rng.randint(3, 6)
        fm = [("id", self.ulid()),
              ("title", " ".join(self.rng.choice(self.vocab) for _ in range(self.rng.randint(3, 6)))),
              ("kind", self.rng.choice(KINDS)),
              ("tags", "[" + ", ".join(self.rng.sample(TAGS, self.rng.randint(1, 3))) + "]"),
              ("created", "2025-%02d-%02dT%02d:00:00Z" % (self.rng.randint(1, 12),
                                                        self.rng.randint(1, 28), self.rng.randint(0, 23))),
              ("confidence", "0.%d" % self.rng.randint(5, 9))][:keys]
        for k, v in (extra or []):
            fm = [(a, b) for a, b in fm if a != k] + [(k, v)]
        return fm

    @staticmethod
    def render(fm, body):
        if not fm:
            return body
        return "---\n" + "".join("%s: %s\n" % kv for kv in fm) + "---\n" + body

    def fresh_path(self, topic=None):
        topic = topic if topic is not None else self.rng.randrange(max(1, self.args.memories // 50))
        while True:
            p = "topic-%03d/%s-%s.md" % (topic, self.rng.choice(self.vocab), self.rng.choice(self.vocab))
            if p not in self.memories:
                return p

    def add(self, path, fm, body):
        self.memories[path] = self.render(fm, body)
        return path

    # ---- planted in the memories -------------------------------------------
    def near_copy(self, body):
        """Sentences reordered, case, punctuation, one word changed, one added:
        Jaccard >= 0.85."""
        for _ in range(50):
            sentences = [x for x in body.rstrip("\n").split(". ") if x]
            if len(sentences) > 2 and self.rng.random() < 0.5:
                sentences = sentences[1:] + sentences[:1]
            w = ". ".join(sentences).split(" ")
            i = self.rng.randrange(len(w) // 3, 2 * len(w) // 3)
            w[i] = self.rng.choice(self.vocab)
            if self.rng.random() < 0.5:
                w.append(self.rng.choice(self.vocab) + ".")
            j = self.rng.randrange(len(w))
            w[j] = w[j].upper()
            text = " ".join(w).replace(". ", "; ", 1) + "\n"
            if jaccard(text, body) >= 0.85:
                return text
        return body

    def plant_duplicates(self, clusters):
        for c in range(clusters):
            body = self.body()
            size = 3 if c % 3 == 0 else 2
            pinned_at = 1 if c % 8 == 3 else None
            members = []
            for m in range(size):
                text = body if (m == 0 or c % 2 == 0) else self.near_copy(body)
                extra = [("pinned", "true")] if m == pinned_at else []
                fm = self.front(extra, keys=5 if m == 0 else self.rng.randint(1, 4))
                members.append(self.add(self.fresh_path(), fm, text))
            self.key["duplicates"].append({"members": sorted(members),
                                           "pinned": members[pinned_at] if pinned_at is not None else None})
        for c in range(max(3, clusters // 4)):
            # decoys: half the text shared
            half = self.body(25, 30)
            a = self.add(self.fresh_path(), self.front(), half.rstrip("\n") + " " + self.body(25, 30))
            b = self.add(self.fresh_path(), self.front(), half.rstrip("\n") + " " + self.body(25, 30))
            self.key["decoys"]["duplicates"].append([a, b])
        for c in range(2):
            body = self.body()
            a = self.add(self.fresh_path(), self.front([("pinned", "true")]), body)
            b = self.add(self.fresh_path(), self.front([("pinned", "true")]), body)
            self.key["decoys"]["duplicates"].append([a, b])

    def plant_retire(self, n):
        for k in range(n):
            date = "2025-%02d-%02d" % (self.rng.randint(1, 12), self.rng.randint(1, 28))
            if k % 3 == 0:
                date = "2026-01-%02dT08:00:00Z" % self.rng.randint(1, 28)
            self.key["expired"].append(self.add(self.fresh_path(), self.front([("expires", date)]), self.body()))
        for k in range(max(2, n // 2)):
            self.key["decoys"]["expired"].append(self.add(
                self.fresh_path(), self.front([("expires", "2026-%02d-01" % self.rng.randint(4, 12))]), self.body()))
        for k in range(2):
            self.key["decoys"]["expired"].append(self.add(
                self.fresh_path(), self.front([("expires", "2025-06-01"), ("pinned", "true")]), self.body()))
        for k in range(max(3, n // 2)):
            fm = self.front(keys=5)
            old = self.add(self.fresh_path(), fm, self.body())
            ref = fm[0][1] if k % 2 else ("memories/" + old if k % 4 == 0 else old)
            new = self.add(self.fresh_path(), self.front([("supersedes", ref)]), self.body())
            self.key["superseded"].append({"path": old, "by": new})
        self.add(self.fresh_path(), self.front([("supersedes", "topic-999/gone.md")]), self.body())

    def existing(self):
        self.add("mistakes/psql-refused.md",
                 [("title", "Postgres not running"), ("kind", "mistake"),
                  ("sources", "[cc-00000001#4-5]")],
                 "Integration tests fail when the database is down:\n\n"
                 "    psql: error: connection to server at \"localhost\" (127.0.0.1), port 5433 failed: "
                 "Connection refused\n\nStart it with `pg_ctl -D ./pgdata start` first.\n")
        self.add("workflows/npm-checks.md", [("title", "Before pushing JS"), ("kind", "workflow")],
                 "1. npm install\n2. npm run lint\n3. npm test\n")
        self.add("preferences/commits.md", [("title", "Commit style"), ("kind", "preference")],
                 "- Always write commit messages in the imperative mood.\n")

    def fill(self):
        while len(self.memories) < self.args.memories:
            self.add(self.fresh_path(), self.front(), self.body())

    # ---- sessions ------------------------------------------------------------
    def plan_sessions(self):
        n = self.args.sessions
        self.sess = []
        used = set()
        for k in range(n):
            codex = k % 5 == 4
            while True:
                h = "%08x" % self.rng.getrandbits(32)
                if h not in used:
                    break
            used.add(h)
            if codex:
                # memgit names a Codex rollout by the random half of its UUIDv7
                uuid = "019c%04x-%04x-7%03x-%s-%s%08x" % (k & 0xffff, self.rng.getrandbits(16), k & 0xfff,
                                                          h[:4], h[4:], self.rng.getrandbits(32))
                sid = "cx-" + h
            else:
                uuid = "%s-%04x-4%03x-8%03x-%012x" % (h, self.rng.getrandbits(16), k, k, self.rng.getrandbits(48))
                sid = "cc-" + h
            self.sess.append({"id": sid, "uuid": uuid, "codex": codex, "blocks": [], "file": "s%03d.jsonl" % k})

    def pick_sessions(self, lo, hi, bash_only):
        pool = [i for i, s in enumerate(self.sess) if bash_only or not s["codex"]]
        return sorted(self.rng.sample(pool, min(len(pool), self.rng.randint(lo, hi))))

    def noise_block(self, s):
        r, acts = self.rng, []
        for _ in range(r.randint(1, 3)):
            acts.append(("user", self.sentence(r.randint(6, 14)) + " " + self.sentence(r.randint(5, 10))))
        for _ in range(self.args.events // 2):
            c = r.random()
            f = "src/%s/%s.c" % (r.choice(self.vocab), r.choice(self.vocab))
            if c < 0.35 and not s["codex"]:
                acts.append(("tool", "Read", {"file_path": f}, self.body(20, 60), False))
            elif c < 0.5:
                acts.append(("bash", "cat %s | head -n %d" % (f, r.randint(5, 50)), self.body(10, 40), False))
            elif c < 0.6 and not s["codex"]:
                acts.append(("tool", "Grep", {"pattern": r.choice(self.vocab)}, f, False))
            elif c < 0.8:
                acts.append(("bash", "make %s-%s" % (r.choice(self.vocab), r.choice(self.vocab)), "done", False))
            elif c < 0.85 and not s["codex"]:
                acts.append(("tool", "Edit", {"file_path": f, "old_string": "a", "new_string": "b"}, "ok", False))
            elif c < 0.9:
                acts.append(("assistant", self.sentence(r.randint(8, 20))))
            else:
                acts.append(("bash", "./tools/%s.sh --%s" % (r.choice(self.vocab), r.choice(self.vocab)), "ok", False))
        w = r.choice(self.vocab) + "-" + r.choice(self.vocab)
        acts.append(("bash", "make %s" % w, "make: *** No rule to make target '%s'.  Stop." % w, True))
        return acts

    # mistakes: (name, tool, command(rng), output(rng), fix or None, bash only?)
    def mistakes(self):
        r = self.rng
        br = lambda: "topic/" + r.choice(self.vocab)
        return [
            ("cmake-cache", "bash", lambda: "cmake --build build%d -j%d" % (r.randint(0, 9), r.randint(2, 8)),
             lambda: "".join("[%3d%%] Building C object src/%s.c.o\n" % (r.randint(1, 99), r.choice(self.vocab))
                             for _ in range(r.randint(0, 3)))
                     + "Error: could not load cache from /home/u/p%d/build/CMakeCache.txt" % r.randint(0, 99),
             "cmake -S . -B build", "could not load cache"),
            ("git-push", "bash", lambda: "git push origin %s" % br(),
             lambda: "To github.com:acme/app.git\n ! [rejected]        %s -> %s (non-fast-forward)\n"
                     "error: failed to push some refs to 'github.com:acme/app.git'" % (br(), br()),
             "git pull --rebase origin main", "[rejected]"),
            ("pytest-module", "bash", lambda: "python -m pytest tests/test_%s.py" % r.choice(self.vocab),
             lambda: "Traceback (most recent call last):\n  File \"/usr/lib/python3.12/runpy.py\", line %d, in _run\n"
                     "ModuleNotFoundError: No module named 'requests'" % r.randint(80, 200),
             None, "No module named"),
            ("npm-ci", "bash", lambda: "npm ci",
             lambda: "npm ERR! code EUSAGE\nnpm ERR! The `npm ci` command can only install with an existing "
                     "package-lock.json", "npm install", "npm ERR! code EUSAGE"),
            ("edit-missing", "Edit", lambda: None,
             lambda: "<tool_use_error>String to replace not found in file.\nString: %s</tool_use_error>"
                     % self.sentence(5), None, "String to replace not found"),
            ("docker-port", "bash", lambda: "docker run --rm -p %d:80 web:%d" % (r.randint(8000, 9000), r.randint(1, 9)),
             lambda: "docker: Error response from daemon: driver failed programming external connectivity on "
                     "endpoint web_%d: Bind for 0.0.0.0:%d failed: port is already allocated."
                     % (r.randint(1, 99), r.randint(8000, 9000)), None, "port is already allocated"),
            ("cargo-crate", "bash", lambda: "cargo build --release",
             lambda: "   Compiling app v0.1.%d (/home/u/app)\nerror[E0433]: failed to resolve: use of "
                     "undeclared crate or module `serde_json`" % r.randint(0, 9), None, "undeclared crate"),
            ("psql-refused", "bash", lambda: "psql -h localhost -U app -c 'select %d'" % r.randint(1, 9),
             lambda: "psql: error: connection to server at \"localhost\" (127.0.0.1), port %d failed: "
                     "Connection refused" % r.choice([5432, 5433, 6543]), None, "Connection refused"),
        ]

    def decoy_mistakes(self):
        r = self.rng
        return [
            ("go-test", "bash", lambda: "go test ./...", lambda: "--- FAIL: TestParse (0.%02ds)" % r.randint(0, 99)),
            ("tf-provider", "bash", lambda: "terraform apply -auto-approve",
             lambda: "Error: Invalid provider configuration"),
            ("write-unread", "Write", lambda: None,
             lambda: "<tool_use_error>File has not been read yet. Read it first before writing to it.</tool_use_error>"),
            ("yarn-build", "bash", lambda: "yarn build", lambda: "error Command failed with exit code %d." % r.randint(1, 2)),
        ]

    def plant_mistakes(self):
        for name, tool, cmd, out, fix, fragment in self.mistakes():
            ss = self.pick_sessions(3, 6, tool == "bash")
            for i in ss:
                acts = []
                for _ in range(2 if self.rng.random() < 0.3 else 1):
                    if tool == "bash":
                        acts.append(("bash", cmd(), out(), True))
                    else:
                        acts.append(("tool", tool, {"file_path": "src/x.c", "old_string": "x", "new_string": "y"}, out(), True))
                if fix and self.rng.random() < 0.5:
                    acts.append(("bash", fix, "ok", False))
                self.sess[i]["blocks"].append(acts)
            entry = {"name": name, "fragment": fragment, "sessions": [self.sess[i]["id"] for i in ss]}
            if name == "psql-refused":
                entry["existing"] = "mistakes/psql-refused.md"
            self.key["mistakes"].append(entry)
        for name, tool, cmd, out in self.decoy_mistakes():
            ss = self.pick_sessions(2, 2, tool == "bash")
            for i in ss:
                if tool == "bash":
                    self.sess[i]["blocks"].append([("bash", cmd(), out(), True)])
                else:
                    self.sess[i]["blocks"].append([("tool", tool, {"file_path": "x.c", "content": "y"}, out(), True)])
            self.key["decoys"]["mistakes"].append({"name": name, "sessions": [self.sess[i]["id"] for i in ss]})

    def workflows(self):
        r = self.rng
        v = lambda: r.choice(self.vocab)
        return [
            (["git status", "cmake --build", "ctest", "git commit"],
             [lambda: "git status", lambda: "cmake --build build -j%d" % r.randint(2, 8),
              lambda: "ctest --test-dir build %s" % r.choice(["", "--output-on-failure", "-R %s" % v()]),
              lambda: "git commit -am '%s: %s'" % (v(), v())], None),
            (["npm install", "npm run lint", "npm test"],
             [lambda: "npm install", lambda: "npm run lint", lambda: "npm test -- --watch=false"],
             "workflows/npm-checks.md"),
            (["cargo fmt", "cargo clippy", "cargo test", "git push"],
             [lambda: "cargo fmt --all", lambda: "cargo clippy -- -D warnings",
              lambda: "cargo test %s" % v(), lambda: "git push origin HEAD"], None),
            (["docker build", "docker push", "kubectl apply", "kubectl rollout"],
             [lambda: "docker build -t reg/app:%d ." % r.randint(1, 99), lambda: "docker push reg/app:%d" % r.randint(1, 99),
              lambda: "kubectl apply -f k8s/%s.yaml" % v(), lambda: "kubectl rollout status deploy/app"], None),
            (["Edit", "make check", "git add", "git commit"],
             ["Edit", lambda: "make check", lambda: "git add -A", lambda: "git commit -m '%s'" % v()], None),
            (["pip install", "python -m pytest", "python -m mypy", "python -m build"],
             [lambda: "pip install -e .[dev]", lambda: "python -m pytest -q", lambda: "python -m mypy src",
              lambda: "python -m build"], None),
        ]

    def decoy_workflows(self):
        return [
            ["terraform init", "terraform plan", "terraform validate"],
            ["go build", "go vet", "go test"],
            ["bundle install", "rake test", "rake release"],
        ]

    def workflow_acts(self, makers, codex):
        acts = []
        for k, m in enumerate(makers):
            if m == "Edit":
                acts.append(("tool", "Edit", {"file_path": "src/a.c", "old_string": "x", "new_string": "y"}, "ok", False))
            else:
                acts.append(("bash", m(), "ok", False))
                if self.rng.random() < 0.2:
                    acts.append(("bash", m(), "ok", False))  # the same step again
            if k + 1 < len(makers) and self.rng.random() < 0.3:
                if codex:
                    acts.append(("bash", "ls -la", "a b c", False))
                else:
                    acts.append(("tool", "Read", {"file_path": "README.md"}, "# app", False))
        return acts

    def plant_workflows(self):
        for steps, makers, existing in self.workflows():
            ss = self.pick_sessions(3, 7, "Edit" not in steps)
            for i in ss:
                self.sess[i]["blocks"].append(self.workflow_acts(makers, self.sess[i]["codex"]))
            entry = {"steps": steps, "sessions": [self.sess[i]["id"] for i in ss]}
            if existing:
                entry["existing"] = existing
            self.key["workflows"].append(entry)
        for steps in self.decoy_workflows():
            ss = self.pick_sessions(2, 2, True)
            for i in ss:
                self.sess[i]["blocks"].append([("bash", s + " ./...", "ok", False) for s in steps])
            self.key["decoys"]["workflows"].append({"steps": steps, "sessions": [self.sess[i]["id"] for i in ss]})

    PREFS = [
        "always use tabs for indentation in C files",
        "never commit directly to the main branch",
        "don't add emojis to commit messages",
        "i prefer small focused pull requests over big ones",
        "please stop running the full test suite for every small change",
        "always run the linter before pushing",
        "never use sudo in build scripts",
        "don't mock the database in integration tests",
    ]

    def say(self, norm, embedded):
        r, text = self.rng, norm
        if text.startswith("don't") and r.random() < 0.4:
            text = "do not" + text[5:]
        if text.startswith("i prefer") and r.random() < 0.3:
            text = "I'd prefer" + text[8:]
        if text.startswith("i "):
            text = "I " + text[2:]
        if r.random() < 0.6:
            text = text[0].upper() + text[1:]
        text += r.choice([".", "!", "."]) if embedded else r.choice([".", "!", "", "."])
        pre = r.choice(["", "", "OK, ", "Also, ", "From now on, ", "Remember: "])
        if pre:
            text = pre + text[0].lower() + text[1:] if not text.startswith("I ") else pre + text
        return text

    def plant_preferences(self):
        r = self.rng
        for norm in self.PREFS + ["always write commit messages in the imperative mood"]:
            ss = self.pick_sessions(1, 3, True)
            for i in ss:
                embedded = r.random() < 0.5
                msg = self.say(norm, embedded)
                if embedded:
                    msg = self.sentence(8) + " " + msg + " " + self.sentence(6)
                self.sess[i]["blocks"].append([("user", msg)])
            entry = {"statement": norm, "sessions": [self.sess[i]["id"] for i in ss]}
            if norm.startswith("always write commit"):
                entry["existing"] = "preferences/commits.md"
            self.key["preferences"].append(entry)
        decoys = [
            "Should we always use tabs for indentation in C files?",
            "> never commit directly to the main branch\nThat was the old rule, ignore it.",
            "Example from the docs:\n```\nnever use sudo in build scripts except here\n```\n",
            "The guide says \"never rebase shared branches after review\" somewhere.",
            "Don't worry about the flaky network test for now.",
            "Never mind the last request.",
            "The build always fails on Fridays when the cache is cold.",
            "Do you always run the linter before pushing?",
            "    always indent this code sample by four spaces",
        ]
        for d in decoys:
            for i in self.pick_sessions(1, 3, True):
                self.sess[i]["blocks"].append([("user", d)])
            self.key["decoys"]["preferences"].append(d)
        for i in self.pick_sessions(3, 5, True):
            self.sess[i]["blocks"].append([("assistant", "I will always run the linter before pushing.")])

    # ---- writing sessions ---------------------------------------------------
    def session_acts(self, s):
        """Noise with each planted block whole in a gap between noise acts."""
        noise = self.noise_block(s)
        gaps = [[] for _ in range(len(noise) + 1)]
        for b in s["blocks"]:
            gaps[self.rng.randint(0, len(noise))].append(b)
        acts = []
        for i, g in enumerate(gaps):
            for b in g:
                acts.extend(b)
            if i < len(noise):
                acts.append(noise[i])
        return acts

    def write_cc(self, f, s, acts, t0):
        base = {"sessionId": s["uuid"], "version": "2.1.240", "cwd": "/home/dev/app"}
        n, parent = 0, None

        def line(kind, message):
            nonlocal n, parent
            uid = "%s-%06d" % (s["uuid"][:23], n)
            rec = dict(base, type=kind, uuid=uid, parentUuid=parent,
                       timestamp=stamp(t0 + n * 7), message=message)
            parent = uid
            n += 1
            f.write(json.dumps(rec, separators=(",", ":")) + "\n")

        for a in acts:
            if a[0] == "user":
                line("user", {"role": "user", "content": a[1]})
            elif a[0] == "assistant":
                line("assistant", {"id": "msg_%s_%d" % (s["id"], n), "role": "assistant",
                                   "content": [{"type": "text", "text": a[1]}]})
            else:
                name, inp = ("Bash", {"command": a[1]}) if a[0] == "bash" else (a[1], a[2])
                out, err = (a[2], a[3]) if a[0] == "bash" else (a[3], a[4])
                if a[0] == "bash" and err:
                    out = "Exit code 1\n" + out
                tid = "toolu_%s_%d" % (s["id"][3:], n)
                line("assistant", {"id": "msg_%s_%d" % (s["id"], n), "role": "assistant",
                                   "content": [{"type": "tool_use", "id": tid, "name": name, "input": inp}]})
                line("user", {"role": "user", "content": [{"type": "tool_result", "tool_use_id": tid,
                                                           "content": out, "is_error": err}]})
        return t0 + n * 7

    def write_cx(self, f, s, acts, t0):
        n = 0

        def line(kind, payload):
            nonlocal n
            f.write(json.dumps({"timestamp": stamp(t0 + n * 7), "type": kind, "payload": payload},
                               separators=(",", ":")) + "\n")
            n += 1

        line("session_meta", {"id": s["uuid"], "timestamp": stamp(t0), "cwd": "/home/dev/app",
                              "originator": "codex_cli_rs", "cli_version": "0.46.0", "instructions": None,
                              "source": "cli", "model_provider": "openai"})
        for a in acts:
            if a[0] == "user":
                line("response_item", {"type": "message", "role": "user",
                                       "content": [{"type": "input_text", "text": a[1]}]})
            elif a[0] == "assistant":
                line("response_item", {"type": "message", "role": "assistant",
                                       "content": [{"type": "output_text", "text": a[1]}]})
            elif a[0] == "bash":
                cid = "call_%d" % n
                line("response_item", {"type": "function_call", "name": "exec_command",
                                       "arguments": json.dumps({"cmd": a[1], "workdir": "/home/dev/app"}),
                                       "call_id": cid})
                line("response_item", {"type": "function_call_output", "call_id": cid,
                                       "output": "Chunk ID: %04x\nWall time: 0.%04d seconds\nProcess exited with code %d\n"
                                                 "Original token count: %d\nOutput:\n%s"
                                                 % (n, n % 10000, 1 if a[3] else 0, len(a[2]) // 4, a[2])})
        return t0 + n * 7

    def write_sessions(self, out):
        os.makedirs(out, exist_ok=True)
        t = 1769904000  # 2026-02-01T00:00:00Z
        for s in self.sess:
            acts = self.session_acts(s)
            with open(os.path.join(out, s["file"]), "w") as f:
                (self.write_cx if s["codex"] else self.write_cc)(f, s, acts, t)
            t += 20000
        self.key["sessions"] = [s["id"] for s in self.sess]

    def write_memories(self, out):
        for p, c in sorted(self.memories.items()):
            full = os.path.join(out, p)
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, "w") as f:
                f.write(c)


def stamp(t):
    import time
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(t))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--memories", type=int, default=1000)
    ap.add_argument("--sessions", type=int, default=100)
    ap.add_argument("--events", type=int, default=150, help="noise events per session (about)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    g = Gen(args)
    n = args.memories
    g.existing()
    g.plant_duplicates(max(5, n // 50))
    g.plant_retire(max(5, n // 100))
    g.fill()
    g.plan_sessions()
    g.plant_mistakes()
    g.plant_workflows()
    g.plant_preferences()
    g.write_memories(os.path.join(args.out, "memories"))
    g.write_sessions(os.path.join(args.out, "sessions"))
    with open(os.path.join(args.out, "key.json"), "w") as f:
        json.dump(g.key, f, indent=1, sort_keys=True)
    print("memories=%d sessions=%d" % (len(g.memories), len(g.sess)))


if __name__ == "__main__":
    main()
