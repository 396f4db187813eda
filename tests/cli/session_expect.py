#!/usr/bin/env python3
"""session_expect.py: what memgit should make of a transcript, computed here
from the raw file alone, by the mapping docs/sessions.md states, never from
memgit's own output. The CLI tests compare memgit's canonical events to it.

    session_expect.py claude-code FILE     one line per expected event:
                                           role<TAB>type<TAB>is_error<TAB>tool
    session_expect.py canonical FILE       the same from a stored canonical JSONL
"""
import json
import sys


def nonblank(s):
    return isinstance(s, str) and s.strip() != ""


def claude_lines(path):
    with open(path, "rb") as fh:
        data = fh.read().decode("utf-8")
    try:
        doc = json.loads(data)
    except ValueError:
        doc = None
    if isinstance(doc, dict) and isinstance(doc.get("loglines"), list):
        return doc["loglines"]  # the claude-code-transcripts wrapper
    return [json.loads(line) for line in data.split("\n") if line.strip()]


def claude_events(records):
    seen, calls, ev = set(), {}, []

    def add(role, typ, err=False, tool=None):
        ev.append((role, typ, err, tool))

    def result(block):
        err = block.get("is_error") is True
        if block.get("type") != "tool_result" and not err:
            c = block.get("content")
            err = isinstance(c, dict) and "error" in str(c.get("type", ""))
        add("tool", "tool_result", err, calls.get(block.get("tool_use_id")))

    for rec in records:
        uuid = rec.get("uuid")
        if isinstance(uuid, str):
            if uuid in seen:
                continue
            seen.add(uuid)
        t = rec.get("type")
        msg = rec.get("message") if isinstance(rec.get("message"), dict) else {}
        content = msg.get("content")
        if t == "user":
            if rec.get("isMeta") is True:
                continue
            if rec.get("isCompactSummary") is True:
                add("system", "summary")
            elif isinstance(content, str):
                if nonblank(content):
                    add("user", "text")
            else:
                for b in content or []:
                    bt = b.get("type")
                    if bt == "text" and nonblank(b.get("text")):
                        add("user", "text")
                    elif bt == "tool_result":
                        result(b)
                    elif bt in ("image", "document"):
                        add("user", "text")
        elif t == "assistant":
            if rec.get("isApiErrorMessage") is True:
                add("assistant", "error", True)
            elif isinstance(content, str):
                if nonblank(content):
                    add("assistant", "text")
            else:
                for b in content or []:
                    bt = b.get("type", "")
                    if bt == "text" and nonblank(b.get("text")):
                        add("assistant", "text")
                    elif bt in ("tool_use", "server_tool_use", "mcp_tool_use"):
                        if b.get("id") and b.get("name"):
                            calls[b["id"]] = b["name"]
                        add("assistant", "tool_use", False, b.get("name"))
                    elif bt.endswith("_tool_result"):
                        result(b)
        elif t == "system":
            if rec.get("subtype") == "api_error" or rec.get("level") == "error":
                add("system", "error", True)
            elif rec.get("subtype") == "local_command" and nonblank(rec.get("content")):
                add("system", "text")
        elif t == "summary":
            if nonblank(rec.get("summary")):
                add("system", "summary")
    return ev


def canonical_events(path):
    ev = []
    with open(path, encoding="utf-8") as fh:
        header = json.loads(fh.readline())
        assert header["memgit_session"] == 1
        for i, line in enumerate(fh):
            e = json.loads(line)
            assert e["i"] == i, (e["i"], i)
            ev.append((e["role"], e["type"], e["is_error"], e.get("tool")))
    return ev


def main():
    kind, path = sys.argv[1], sys.argv[2]
    ev = claude_events(claude_lines(path)) if kind == "claude-code" else canonical_events(path)
    for role, typ, err, tool in ev:
        print("%s\t%s\t%s\t%s" % (role, typ, "true" if err else "false", tool or "-"))


if __name__ == "__main__":
    main()
