#!/usr/bin/env python3
"""dream_score.py: score a dream's edits against dream_gen.py's answer key.

    dream_score.py KEY.json EDITS.json [--min 0.95] [--content-from GITDIR COMMIT]

EDITS.json is a list of edits {kind, path, merged, rationale, evidence,
content}: bench/dream_driver's output, or the "edits" of `memgit dream
--json` (refused edits are left out). The CLI does not print contents: with
--content-from, an edit without one is read from the dream commit
(git show COMMIT:memories/PATH). Each edit is
classified by what it does; each planted item is matched at most once:

  duplicates   a merge (its path and merged memories), or the deletes of a
               pinned memory's duplicates: the exact set of a planted cluster
  expired      a delete "expired on ...": a planted expired memory
  superseded   a delete "superseded by X": the planted (memory, X)
  mistakes     a mistakes/ create, or a strengthening update: the evidence
               cites exactly the planted sessions, the content names the
               planted error (an update: the planted memory)
  workflows    a workflows/ create with the planted steps, or an update of
               the planted memory, citing exactly the planted sessions
  preferences  a preferences/ create whose body is the planted statement, or
               an update of the planted memory, citing exactly its sessions

Anything else is counted under "other" and is a false positive. Prints a
table of precision and recall per kind; exit 1 when one is below --min.
"""
import json
import re
import subprocess
import sys


def sessions_of(edit):
    return sorted({e.split("#")[0] for e in edit.get("evidence", []) if "#" in e and not e.startswith("memory:")})


def norm_statement(text):
    t = " ".join(text.lower().split()).rstrip(".!;:, ")
    t = re.sub(r"^(do not|dont|don\u2019t) ", "don't ", t)
    t = re.sub(r"^(i'd prefer|i would prefer) ", "i prefer ", t)
    return t


def body_of(content):
    if content and content.startswith("---\n"):
        end = content.find("\n---\n", 4)
        return content[end + 5:] if end >= 0 else content
    return content or ""


def title_steps(content):
    m = re.search(r"^title: \"?Workflow: (.*?)\"?$", content or "", re.M)
    return m.group(1).split(" -> ") if m else None


class Score:
    def __init__(self, key):
        self.key = key
        self.rows = {k: {"planted": 0, "proposed": 0, "correct": 0, "misses": [], "wrong": []}
                     for k in ("duplicates", "expired", "superseded", "mistakes", "workflows",
                               "preferences", "other")}
        for k in ("duplicates", "expired", "superseded", "mistakes", "workflows", "preferences"):
            self.rows[k]["planted"] = len(key[k])
        self.used = {k: set() for k in self.rows}

    def hit(self, kind, index, ok, what):
        row = self.rows[kind]
        row["proposed"] += 1
        if ok and index not in self.used[kind]:
            self.used[kind].add(index)
            row["correct"] += 1
        else:
            row["wrong"].append(what)

    def find(self, kind, pred):
        for i, item in enumerate(self.key[kind]):
            if i not in self.used[kind] and pred(item):
                return i
        return None

    def duplicates(self, edits):
        pinned = {}
        for e in edits:
            if e["kind"] == "merge":
                members = sorted([e["path"]] + e["merged"])
                i = self.find("duplicates", lambda d: d["members"] == members and not d["pinned"])
                self.hit("duplicates", i, i is not None, e["path"])
            elif e["kind"] == "delete" and e["rationale"].startswith("duplicate of the pinned memory "):
                pinned.setdefault(e["rationale"].rsplit(" ", 1)[1], []).append(e["path"])
        for p, others in sorted(pinned.items()):
            members = sorted([p] + others)
            i = self.find("duplicates", lambda d: d["members"] == members and d["pinned"] == p)
            self.hit("duplicates", i, i is not None, p)

    def retire(self, e):
        r = e["rationale"]
        if r.startswith("expired on "):
            i = self.find("expired", lambda p: p == e["path"])
            self.hit("expired", i, i is not None, e["path"])
        elif r.startswith("superseded by "):
            by = r[len("superseded by "):]
            i = self.find("superseded", lambda s: s["path"] == e["path"] and s["by"] == by)
            self.hit("superseded", i, i is not None, e["path"])
        elif not r.startswith("duplicate of the pinned memory "):
            self.hit("other", None, False, "%s %s" % (e["kind"], e["path"]))

    def mistake(self, e):
        ss = sessions_of(e)
        if e["kind"] == "create":
            i = self.find("mistakes", lambda m: sorted(m["sessions"]) == ss and not m.get("existing")
                          and m["fragment"].lower() in (e["content"] or "").lower())
        else:
            i = self.find("mistakes", lambda m: m.get("existing") == e["path"] and sorted(m["sessions"]) == ss)
        self.hit("mistakes", i, i is not None, e["path"])

    def workflow(self, e):
        ss = sessions_of(e)
        if e["kind"] == "create":
            steps = title_steps(e["content"])
            i = self.find("workflows", lambda w: w["steps"] == steps and sorted(w["sessions"]) == ss
                          and not w.get("existing"))
        else:
            i = self.find("workflows", lambda w: w.get("existing") == e["path"] and sorted(w["sessions"]) == ss)
        self.hit("workflows", i, i is not None, e["path"])

    def preference(self, e):
        ss = sessions_of(e)
        if e["kind"] == "create":
            said = norm_statement(body_of(e["content"]))
            i = self.find("preferences", lambda p: norm_statement(p["statement"]) == said and sorted(p["sessions"]) == ss
                          and not p.get("existing"))
        else:
            i = self.find("preferences", lambda p: p.get("existing") == e["path"] and sorted(p["sessions"]) == ss)
        self.hit("preferences", i, i is not None, e["path"])

    def classify(self, edits):
        self.duplicates(edits)
        for e in edits:
            k, p, r = e["kind"], e["path"], e.get("rationale", "")
            if k == "merge":
                continue
            if k == "delete":
                self.retire(e)
            elif (k == "create" and p.startswith("mistakes/")) or (k == "update" and r.startswith("strengthen")):
                self.mistake(e)
            elif (k == "create" and p.startswith("workflows/")) or (k == "update" and "workflow recurred" in r):
                self.workflow(e)
            elif (k == "create" and p.startswith("preferences/")) or (k == "update" and "restated" in r):
                self.preference(e)
            else:
                self.hit("other", None, False, "%s %s" % (k, p))

    def report(self, minimum):
        ok = True
        print("%-12s %8s %9s %8s %10s %7s" % ("kind", "planted", "proposed", "correct", "precision", "recall"))
        for k, row in self.rows.items():
            if k == "other":
                if row["proposed"]:
                    ok = False
                    print("%-12s %8s %9d %8s %10s %7s   %s" % (k, "-", row["proposed"], "-", "-", "-",
                                                              ", ".join(row["wrong"][:5])))
                continue
            prec = row["correct"] / row["proposed"] if row["proposed"] else 1.0
            rec = row["correct"] / row["planted"] if row["planted"] else 1.0
            flag = "" if prec >= minimum and rec >= minimum else "   << below %.2f" % minimum
            ok = ok and not flag
            print("%-12s %8d %9d %8d %10.3f %7.3f%s" % (k, row["planted"], row["proposed"], row["correct"],
                                                       prec, rec, flag))
            if flag:
                missed = [i for i in range(row["planted"]) if i not in self.used[k]]
                print("    missed: %s" % json.dumps([self.key[k][i] for i in missed])[:800])
                print("    wrong: %s" % ", ".join(row["wrong"][:8]))
        return ok


def main():
    args = sys.argv[1:]
    minimum = 0.95
    if "--min" in args:
        i = args.index("--min")
        minimum = float(args[i + 1])
        del args[i:i + 2]
    source = None
    if "--content-from" in args:
        i = args.index("--content-from")
        source = args[i + 1:i + 3]
        del args[i:i + 3]
    key = json.load(open(args[0]))
    edits = json.load(open(args[1]))
    if isinstance(edits, dict):
        edits = [e for e in edits.get("edits", []) if not e.get("refused")]
    for e in edits:
        if source and e["kind"] != "delete" and not e.get("content"):
            e["content"] = subprocess.run(["git", "--git-dir", source[0], "show",
                                           "%s:memories/%s" % (source[1], e["path"])],
                                          check=True, capture_output=True, text=True).stdout
    s = Score(key)
    s.classify(edits)
    sys.exit(0 if s.report(minimum) else 1)


if __name__ == "__main__":
    main()
