#!/usr/bin/env python3
"""The binary's own options; the server starts, answers boto3, and tells
apart a wrong secret, an unknown key and a validation error; one log line
per request, and no secrets in the log."""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T  # noqa: E402

BIN = os.environ["LOGVAULT_BIN"]
t = T()


def run(*args):
    """(exit status, standard output) of the logvault binary."""
    p = subprocess.run([BIN] + list(args), capture_output=True, text=True)
    return p.returncode, p.stdout


rc, out = run("version")
t.eq("version prints the version", "logvault", out.split(" ")[0])
rc, out = run("--help")
t.ok("--help mentions serve", "serve" in out, out)
rc, out = run("serve", "--help")
t.ok("serve --help mentions --data-dir", "--data-dir" in out, out)
rc, out = run("serve", "--bogus")
t.eq("an unknown serve option exits 2", 2, rc)

with Server() as srv:
    # A wrong secret: the signature cannot match.
    t.error("wrong secret", "InvalidSignatureException",
            srv.client("kms", secret="wrong").list_keys,
            msg="The request signature we calculated does not match the "
            "signature you provided.")
    # A key the server does not know.
    for svc, op in (("kms", "list_keys"), ("logs", "describe_log_groups")):
        t.error("unknown key: %s %s" % (svc, op),
                "UnrecognizedClientException",
                getattr(srv.client(svc, key="AKIDUNKNOWN"), op),
                msg="The security token included in the request is "
                "invalid.")

    # The right secret reaches routing and validation. Whatever the
    # services implement, a pattern violation is the front's: Logs says
    # InvalidParameterException, with AWS's wording.
    logs = srv.client("logs")
    kms = srv.client("kms")
    t.error("logs validation", "InvalidParameterException",
            logs.create_log_group, logGroupName="bad name!",
            msg="1 validation error detected: Value 'bad name!' at "
            "'logGroupName' failed to satisfy constraint: Member must "
            "satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+")
    t.error("kms validation", "ValidationException", kms.create_key,
            KeySpec="FOO", msg="Value 'FOO' at 'keySpec' failed to satisfy "
            "constraint: Member must satisfy enum value set:")

    # ListKeys answers for real.
    t.ok("list-keys answers with Keys", "Keys" in kms.list_keys())

    # One log line per request: time, id, operation, principal, status, ms.
    log = srv.read_log()
    t.ok("a request log line for ListKeys", re.search(
        r"http: req=[0-9a-f-]{36} op=TrentService\.ListKeys "
        r"principal=arn:aws:iam::123456789012:root region=eu-west-2 "
        r"status=[0-9]+ ms=", log), log[-2000:])
    # Secrets never reach the log.
    t.ok("the log holds no signature", "Signature=" not in log)
t.done()
