#!/usr/bin/env python3
"""Write the demo's Claude Code sessions to templates/demo/sessions/.

Four sessions of an agent working on a C project. Planted, so that a dream
has something real to find:
  - `ctest -L integration` fails with "connection refused" in three sessions
    (the database was not started): a recurring mistake;
  - the same build-and-test sequence (git status, cmake --build, ctest,
    git commit) in three sessions: a workflow;
  - the user states two preferences ("Always use tabs ...", "Never push
    directly to main ...").
Run it again after changing it; the output is deterministic.
"""
import json
import os
import uuid

OUT = os.path.join(os.path.dirname(__file__), "..", "templates", "demo", "sessions")
CWD = "/home/dev/libwidget"


class Session:
    def __init__(self, sid, day):
        self.sid, self.day, self.lines, self.parent, self.n = sid, day, [], None, 0

    def _base(self, kind):
        self.n += 1
        u = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{self.sid}/{self.n}"))
        rec = {"parentUuid": self.parent, "isSidechain": False, "userType": "external",
               "cwd": CWD, "sessionId": self.sid, "version": "2.1.240", "gitBranch": "main",
               "type": kind, "timestamp": f"2026-11-{self.day:02d}T09:{self.n // 60:02d}:{self.n % 60:02d}.000Z",
               "uuid": u}
        self.parent = u
        return rec

    def user(self, text):
        rec = self._base("user")
        rec["message"] = {"role": "user", "content": text}
        self.lines.append(rec)

    def say(self, text):
        rec = self._base("assistant")
        rec["message"] = {"id": f"msg_{self.sid[:8]}_{self.n}", "type": "message", "role": "assistant",
                          "model": "claude-opus-4-7", "content": [{"type": "text", "text": text}],
                          "stop_reason": "end_turn", "usage": {"input_tokens": 900, "output_tokens": 60}}
        self.lines.append(rec)

    def bash(self, command, output, error=False):
        call = f"toolu_{self.sid[:8]}_{self.n + 1}"
        rec = self._base("assistant")
        rec["message"] = {"id": f"msg_{self.sid[:8]}_{self.n}", "type": "message", "role": "assistant",
                          "model": "claude-opus-4-7",
                          "content": [{"type": "tool_use", "id": call, "name": "Bash",
                                       "input": {"command": command, "description": command}}],
                          "stop_reason": "tool_use", "usage": {"input_tokens": 1200, "output_tokens": 40}}
        self.lines.append(rec)
        res = self._base("user")
        res["message"] = {"role": "user", "content": [{"type": "tool_result", "tool_use_id": call,
                                                        "content": output, "is_error": error}]}
        res["toolUseResult"] = {"stdout": "" if error else output, "stderr": output if error else "",
                                "interrupted": False}
        self.lines.append(res)

    def write(self, name):
        with open(os.path.join(OUT, name), "w") as f:
            for rec in self.lines:
                f.write(json.dumps(rec, separators=(",", ":")) + "\n")


REFUSED = ("Test project /home/dev/libwidget/build\n    Start 7: db_roundtrip\n"
           "7/9 Test #7: db_roundtrip ......***Failed    0.02 sec\n"
           "could not connect to server: Connection refused\n"
           "\tIs the server running on host \"localhost\" (127.0.0.1) and accepting\n"
           "\tTCP/IP connections on port 5432?\n"
           "78% tests passed, 2 tests failed out of 9\nErrors while running CTest")


def build_and_test(s, fix):
    s.bash("git status --short", " M src/widget.c")
    s.bash("cmake --build build -j2", "[100%] Built target widget")
    s.bash("ctest --test-dir build -L integration", REFUSED, error=True)
    s.say("The integration tests need PostgreSQL. Starting it and running them again.")
    s.bash("pg_ctl -D ./pgdata start", "server started")
    s.bash("ctest --test-dir build -L integration", "100% tests passed, 0 tests failed out of 9")
    s.bash(f"git commit -am '{fix}'", f"[main 1a2b3c4] {fix}\n 1 file changed, 3 insertions(+)")


def main():
    os.makedirs(OUT, exist_ok=True)
    s = Session("4d5611e5-0b7e-4c1e-9a55-3f0c2d8e7a10", 16)
    s.user("Fix the overflow in widget_resize. Always use tabs for indentation in C files.")
    s.say("I'll look at widget_resize and keep tab indentation.")
    build_and_test(s, "widget: fix resize overflow")
    s.write("session-1-resize.jsonl")

    s = Session("a42b9c92-5d1f-4e0a-8c3b-7e2f9a1b6c20", 17)
    s.user("Add bounds checks to widget_get.")
    s.say("Adding the checks now.")
    build_and_test(s, "widget: bounds checks in widget_get")
    s.user("Never push directly to main; open a pull request instead.")
    s.say("Understood: I will open a pull request rather than push to main.")
    s.write("session-2-bounds.jsonl")

    s = Session("c7e19f3a-8b2d-4f6e-a1c9-5d3b7e2f8a30", 18)
    s.user("The widget_free path leaks; please fix it.")
    build_and_test(s, "widget: free the label in widget_free")
    s.user("Remember: always use tabs for indentation in C files.")
    s.say("Yes, tabs it is.")
    s.write("session-3-leak.jsonl")

    s = Session("f0b3d5e7-2a4c-4e6f-8b1d-9c3e5a7b9d40", 19)
    s.user("Update the README with the new build steps.")
    s.bash("git status --short", " M README.md")
    s.say("Updated the README; no code changed, so no tests to run.")
    s.write("session-4-readme.jsonl")


if __name__ == "__main__":
    main()
