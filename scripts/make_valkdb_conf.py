#!/usr/bin/env python3
"""Writes server/dist/valkdb.conf: Debian's /etc/redis/redis.conf (Redis 7.0's
documented file) with valkdb's notes above each directive valkdb does not
honour for every value, taken from server/commands/config_support.cc, and the
paths of the valkdb package. Run it again when either changes:
    scripts/make_valkdb_conf.py /etc/redis/redis.conf > server/dist/valkdb.conf
"""
import os
import re
import sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
support = open(os.path.join(root, "server/commands/config_support.cc")).read()
consts = dict(re.findall(r'constexpr std::string_view (k\w+) = "([^"]*)";', support))


def text(token):
    return consts.get(token, token.strip('"'))


rules = {}
honoured_values = {}
for name, honoured, kind, reason in re.findall(
        r'\{"([a-z0-9-]+)", "([^"]*)", (kNoEffect|kBuilding|kRefuse),\s*(k\w+|"[^"]*")\}', support):
    what = {"kNoEffect": "accepted without effect (logged as a WARNING)",
            "kBuilding": "accepted without effect yet (logged as a WARNING)",
            "kRefuse": "refused at start-up and by CONFIG SET"}[kind]
    values = f"honoured as '{honoured}'; any other value is " if honoured else "any value is "
    rules[name] = f"valkdb: {values}{what}: {text(reason)}."
    honoured_values[name] = honoured
refused = {}
for name, reason in re.findall(r'\{"([a-z0-9_-]+)", "([^"]*)"\},', support):
    refused[name] = f"valkdb: refused ({reason})."
prefixes = [("tls-", "TLS is not supported (put a TLS proxy in front)"),
            ("cluster-", "cluster mode is not supported")]
replication = ("repl-", "replica-", "slave-", "min-replicas-", "replicaof", "slaveof",
               "masterauth", "masteruser")

# The package's paths and supervision.
replace = {
    "daemonize": "daemonize no",
    "supervised": "supervised systemd",
    "pidfile": "pidfile /run/valkdb/valkdb-server.pid",
    "logfile": "logfile /var/log/valkdb/valkdb-server.log",
    "dir": "dir /var/lib/valkdb",
    "unixsocket": "# unixsocket /run/valkdb/valkdb-server.sock",
}

out = ["# valkdb configuration: Redis 7.0's redis.conf (as Debian ships it), with",
       "# valkdb's notes. valkdb reads redis.conf syntax and Redis's setting names;",
       "# a setting valkdb cannot honour stops the start with a message naming it, and",
       "# one that has no effect in valkdb is logged as a WARNING (README: settings).",
       "# Lines marked 'valkdb:' say how valkdb treats the directive below them; the",
       "# active lines of Redis's file that would have no effect here are commented out.",
       "#", "# valkdb-specific: 'threads N' sets the number of event loops (default 1).", ""]
noted = set()
seen_active = set()
for line in open(sys.argv[1] if len(sys.argv) > 1 else "/etc/redis/redis.conf"):
    line = line.rstrip("\n")
    m = re.match(r"^(#\s?)?([a-z][a-z0-9_-]*)(\s|$)", line)
    name = m.group(2) if m else None
    commented = bool(m and m.group(1))
    note = None
    if name and name not in noted:
        if name in rules:
            note = rules[name]
        elif name in refused:
            note = refused[name]
        elif any(name.startswith(p) for p, _ in prefixes):
            note = "valkdb: refused (" + next(r for p, r in prefixes if name.startswith(p)) + ")."
    if note and (not commented or name not in noted):
        out.append("# " + note)
        noted.add(name)
    if name and not commented:
        if name in replace and name not in seen_active:
            line = replace[name]
            seen_active.add(name)
        elif name in honoured_values:
            value = line[len(name):].strip()
            if value != honoured_values[name] and value not in honoured_values[name].split():
                line = "# " + line  # without effect in valkdb: left out, so no warning
    out.append(line)
print("\n".join(out))
