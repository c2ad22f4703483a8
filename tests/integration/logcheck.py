#!/usr/bin/env python3
"""logcheck.py: read a node's log strictly as the node's own format.

usage: logcheck.py kv|json LOGFILE [--journal]

Every line must be one event that the node formatted: key=value with the
node's quoting and escapes (kv), or one JSON object with ts, level and event
first and src (and func) last. A line that is anything else (a forged line, a
library's own message, a line split by a raw CR or LF) fails the check, with
the line number. On success prints one JSON object per event with the
decoded fields, for the test to look into (SPEC 14, [SEC-28]).

With --journal every line must start with the syslog priority of its level,
as the node writes it when stderr is the journal: <3> error, <4> warn, <6>
info, <7> debug.
"""
import json
import re
import sys

KEY = rb"[A-Za-z0-9_.-]+"
BARE = rb"[\x21\x23-\x3c\x3e-\x5b\x5d-\x7e]+"
QUOTED = rb'"(?:[\x20\x21\x23-\x5b\x5d-\x7e\x80-\xff]|\\["\\nrt]|\\x[0-9a-f]{2})*"'
VALUE = rb"(?:" + BARE + rb"|" + QUOTED + rb")"
FIELD = re.compile(rb"(" + KEY + rb")=(" + VALUE + rb")")
LINE = re.compile(
    rb"ts=" + BARE + rb" level=(?:debug|info|warn|error) event=" + KEY +
    rb"(?: " + KEY + rb"=" + VALUE + rb")* src=" + KEY + rb":[0-9]+")
ESC = re.compile(rb'\\(["\\nrt]|x[0-9a-f]{2})')
UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")


def unescape(m):
    e = m.group(1)
    return {b'"': b'"', b"\\": b"\\", b"n": b"\n", b"r": b"\r", b"t": b"\t"}.get(
        e, bytes([int(e[1:], 16)]) if e[:1] == b"x" else None)


def kv(line):
    if not LINE.fullmatch(line):
        raise ValueError("not a key=value line of the node")
    # raw bytes outside escapes: well-formed UTF-8, nothing a viewer breaks on
    if UNSAFE.search(line.decode("utf-8")):
        raise ValueError("raw control or format character")
    out = {}
    for k, v in FIELD.findall(line):
        if v[:1] == b'"':
            v = ESC.sub(unescape, v[1:-1])
        out[k.decode()] = v.decode("utf-8", "backslashreplace")
    return out


def js(line):
    text = line.decode("utf-8")
    if UNSAFE.search(text):
        raise ValueError("raw control or format character")
    obj = json.loads(text, object_pairs_hook=lambda kv: kv)
    keys = [k for k, _ in obj]
    if keys[:3] != ["ts", "level", "event"] or keys[-2:] != ["src", "func"] or len(set(keys)) != len(keys):
        raise ValueError("not the node's keys: %r" % keys)
    for _, v in obj:
        if not (v is None or isinstance(v, (str, int, bool))):
            raise ValueError("nested value")
    return dict(obj)


PRIORITY = {"error": b"<3>", "warn": b"<4>", "info": b"<6>", "debug": b"<7>"}
PREFIX = re.compile(rb"<[0-7]>")


def main():
    fmt, path = sys.argv[1], sys.argv[2]
    journal = sys.argv[3:] == ["--journal"]
    data = open(path, "rb").read()
    if data and not data.endswith(b"\n"):
        print("%s: no newline at the end" % path, file=sys.stderr)
        return 1
    for n, line in enumerate(data.split(b"\n")[:-1], 1):
        try:
            pre = b""
            if journal:
                if not PREFIX.match(line):
                    raise ValueError("no syslog priority prefix")
                pre, line = line[:3], line[3:]
            ev = kv(line) if fmt == "kv" else js(line)
            if journal and PRIORITY.get(ev.get("level")) != pre:
                raise ValueError("priority %r for level %r" % (pre, ev.get("level")))
        except (ValueError, UnicodeDecodeError) as e:
            print("%s:%d: %s: %r" % (path, n, e, line[:300]), file=sys.stderr)
            return 1
        print(json.dumps(ev))
    return 0


if __name__ == "__main__":
    sys.exit(main())
