#!/usr/bin/env python3
"""session_gen.py: a large synthetic Claude Code transcript built from real lines.

    session_gen.py CORPUS_DIR OUT MEGABYTES

Takes every line of the real Claude Code subagent transcripts in
CORPUS_DIR/claude-code/bookminder/subagents and writes whole copies of them to
OUT until it holds at least MEGABYTES MiB (0: one copy), and prints the number
of copies. Each copy gets its own uuids (the last 12 hex
digits of every UUID become the copy number, so parentUuid links stay
consistent within a copy), its own API message ids and tool ids, so nothing is
dropped as a repeat and usage is counted per copy; the sessionId is the same
in every line, as in one long session. Deterministic.
"""
import glob
import os
import re
import sys

UUID = re.compile(rb'"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-)([0-9a-f]{12})"')
MSG = re.compile(rb'"(msg_|toolu_|req_)([A-Za-z0-9]+)"')
SESSION = re.compile(rb'"sessionId":"[^"]*"')


def main():
    corpus, out, mb = sys.argv[1], sys.argv[2], int(sys.argv[3])
    files = sorted(glob.glob(os.path.join(corpus, "claude-code/bookminder/subagents/*.jsonl")))
    lines = []
    for f in files:
        with open(f, "rb") as fh:
            lines += [l.rstrip(b"\n") for l in fh if l.strip()]
    if not lines:
        sys.exit("session_gen: no corpus lines under " + corpus)
    # split every line once at the ids it carries, so a copy is a cheap join
    parts = []
    for l in lines:
        l = SESSION.sub(b'"sessionId":"5e55104e-0000-4000-8000-000000000001"', l)
        pieces, last = [], 0
        for m in UUID.finditer(l):
            pieces.append((l[last:m.start(2)], b"u"))
            last = m.end(2)
        tail = l[last:]
        parts.append((pieces, tail))
    target = mb * 1024 * 1024
    written, k = 0, 0
    with open(out, "wb", buffering=1 << 20) as fh:
        while written < target or k == 0:
            suffix = b"%012x" % k
            tag = b"_%x" % k
            chunk = []
            for pieces, tail in parts:
                line = b"".join(p + suffix for p, _ in pieces) + tail
                line = MSG.sub(lambda m: b'"' + m.group(1) + m.group(2) + tag + b'"', line)
                chunk.append(line)
            data = b"\n".join(chunk) + b"\n"
            fh.write(data)
            written += len(data)
            k += 1
    print(k)


if __name__ == "__main__":
    main()
