#!/usr/bin/env python3
"""AWS managed keys on two nodes of one PostgreSQL database (issue 17):
the first DescribeKey calls on alias/aws/s3, sent through both nodes at
once, all answer the same key, and the store holds exactly one key and the
alias pointing at it (the alias row decides in the creating transaction;
the losers roll their key back). Through either node, ListKeys shows that
one key and ListAliases its TargetKeyId."""
import os
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvpg import Nodes, client, error_code, need_pg  # noqa: E402
from lvtest import T  # noqa: E402

need_pg()
t = T()
PER_NODE = 6

with Nodes(2) as nodes:
    go = threading.Barrier(PER_NODE * len(nodes.servers))
    got, errs = [], []
    lock = threading.Lock()

    def describe(srv):
        c = client(srv, "kms")
        go.wait()
        try:
            kid = c.describe_key(KeyId="alias/aws/s3")["KeyMetadata"]["KeyId"]
            with lock:
                got.append(kid)
        except Exception as e:  # noqa: BLE001 - recorded, asserted below
            with lock:
                errs.append(error_code(e))
    threads = [threading.Thread(target=describe, args=(srv,))
               for srv in nodes.servers for _ in range(PER_NODE)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=120)
    t.eq("every call answered", [], errs)
    t.eq("one key for all", 1, len(set(got)))
    kid = got[0] if got else None
    for name, srv in zip("AB", nodes.servers):
        c = client(srv, "kms")
        t.eq("%s: ListKeys holds exactly that key" % name, [kid],
             [k["KeyId"] for k in c.list_keys()["Keys"]])
        listed = {a["AliasName"]: a for a in c.list_aliases()["Aliases"]}
        t.eq("%s: alias/aws/s3 points at it" % name, kid,
             listed.get("alias/aws/s3", {}).get("TargetKeyId"))
        md = c.describe_key(KeyId="alias/aws/s3")["KeyMetadata"]
        t.eq("%s: DescribeKey again" % name, (kid, "AWS"),
             (md["KeyId"], md["KeyManager"]))
t.done()
