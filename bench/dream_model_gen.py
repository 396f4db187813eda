#!/usr/bin/env python3
"""dream_model_gen.py OUT_DIR N BYTES: N Claude Code transcripts of about
BYTES bytes each (user and assistant turns with varied words), for the
model-dream orchestration benchmark. Deterministic: the same arguments give
the same files."""
import json
import os
import random
import sys

WORDS = ("build test release cache widget parser config deploy lint format "
         "bench memory branch commit review merge tabs spaces python debian "
         "cmake ctest valgrind sanitizer overflow bounds resize leak docs").split()


def line(sid, i, kind, text):
    rec = {"parentUuid": None, "isSidechain": False, "userType": "external",
           "cwd": "/home/dev/bench", "sessionId": sid, "version": "2.1.240",
           "type": kind, "timestamp": "2026-11-16T%02d:%02d:%02d.000Z" % (i // 3600 % 24, i // 60 % 60, i % 60),
           "uuid": "%s-%08d" % (sid[:27], i)}
    if kind == "user":
        rec["message"] = {"role": "user", "content": text}
    else:
        rec["message"] = {"id": "msg_%d" % i, "type": "message", "role": "assistant",
                          "model": "claude-test", "content": [{"type": "text", "text": text}],
                          "stop_reason": "end_turn", "usage": {"input_tokens": 1, "output_tokens": 1}}
    return json.dumps(rec)


def main():
    out, n, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    os.makedirs(out, exist_ok=True)
    rnd = random.Random(7)
    for s in range(n):
        sid = "%08x-0000-4000-8000-%012x" % (0xb0000000 + s, s)
        lines, total, i = [], 0, 0
        while total < size:
            text = " ".join(rnd.choice(WORDS) for _ in range(60))
            lines.append(line(sid, i, "user" if i % 2 == 0 else "assistant", text))
            total += len(text)
            i += 1
        with open(os.path.join(out, "session-%02d.jsonl" % s), "w") as f:
            f.write("\n".join(lines) + "\n")


main()
