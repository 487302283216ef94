#!/usr/bin/env python3
"""Lookup tables through boto3: CreateLookupTable, DescribeLookupTables
(prefix, paging, order), GetLookupTable (the CSV back byte for byte),
UpdateLookupTable (content, description, key kept / changed / removed) and
DeleteLookupTable, and the same through `logvault logs …`; every validation error logvault answers (the model's
constraints, CSV rules, ARNs, duplicates); a table under a KMS key whose
policy allows logs.eu-west-2.amazonaws.com and one whose policy does not,
and a disabled key; and the content not readable in the store's files
(the scan of 2103-at-rest, simplified: the data dir on sqlite, the test's
database's rows as text on PostgreSQL, the marker looked for in clear
and in hex, the form bytea takes there)."""
import json
import os
import secrets
import subprocess
import sys
import tempfile

import botocore.exceptions

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T, logs_call, on_pg, pg_table_rows  # noqa: E402

t = T()
ACCOUNT = "123456789012"
REGION = "eu-west-2"


def arn_of(name):
    return "arn:aws:logs:%s:%s:lookup-table:%s" % (REGION, ACCOUNT, name)


def policy(with_logs):
    st = [{"Sid": "Enable IAM User Permissions", "Effect": "Allow",
           "Principal": {"AWS": "arn:aws:iam::%s:root" % ACCOUNT},
           "Action": "kms:*", "Resource": "*"}]
    if with_logs:
        st.append({"Effect": "Allow",
                   "Principal": {"Service": "logs.%s.amazonaws.com" % REGION},
                   "Action": ["kms:Decrypt*", "kms:GenerateDataKey*"],
                   "Resource": "*",
                   "Condition": {"ArnLike": {
                       "kms:EncryptionContext:aws:logs:arn":
                       "arn:aws:logs:%s:%s:lookup-table:*" % (REGION,
                                                              ACCOUNT)}}})
    return json.dumps({"Version": "2012-10-17", "Statement": st})


class RawLogs:
    """The Logs calls of this test as boto3 methods (create_lookup_table
    …), sent raw: Debian's botocore predates the lookup-table operations.
    An error is raised as botocore's ClientError, as a client would."""

    def __init__(self, srv):
        self.srv = srv

    def __getattr__(self, name):
        op = "".join(w.capitalize() for w in name.split("_"))

        def call(**body):
            st, out = logs_call(self.srv, op, body)
            if st != 200:
                raise botocore.exceptions.ClientError({"Error": {
                    "Code": out.get("__type", "").split("#")[-1],
                    "Message": out.get("message", "")}}, op)
            return out
        return call


def stored_bytes(srv):
    """Everything the store holds, as bytes."""
    if on_pg():
        return "\n".join(" ".join(r) for r in
                         pg_table_rows(srv.store_uri)).encode()
    out = b""
    for root, _, names in os.walk(srv.data_dir):
        for n in names:
            if n == "root.key":
                continue
            with open(os.path.join(root, n), "rb") as f:
                out += f.read()
    return out


with Server() as srv:
    logs = RawLogs(srv)
    kms = srv.client("kms")
    marker = "MARK" + secrets.token_hex(10)
    body = ("id,name,team\n1,alice,%s\n2,\"bob, jr\",ops\n"
            "3,\"say \"\"hi\"\"\",dev\n" % marker)

    r = logs.create_lookup_table(lookupTableName="users",
                                 description="the users", tableBody=body,
                                 tags={"env": "test"})
    t.eq("create: the ARN", arn_of("users"), r["lookupTableArn"])
    t.ok("create: createdAt in ms", r["createdAt"] > 1_600_000_000_000,
         repr(r))
    g = logs.get_lookup_table(lookupTableArn=arn_of("users"))
    t.eq("get: the body byte for byte", body, g["tableBody"])
    t.eq("get: name, description, size",
         ("users", "the users", len(body.encode())),
         (g["lookupTableName"], g.get("description"), g["sizeBytes"]))
    t.ok("get: no kmsKeyId without a key", "kmsKeyId" not in g, repr(g))
    d = logs.describe_lookup_tables()["lookupTables"]
    t.eq("describe: one table", ["users"], [x["lookupTableName"] for x in d])
    t.eq("describe: fields and count", (["id", "name", "team"], 3),
         (d[0]["tableFields"], d[0]["recordsCount"]))

    # Errors of create.
    t.error("duplicate name", "ResourceAlreadyExistsException",
            logs.create_lookup_table, lookupTableName="users",
            tableBody="a\n1\n")
    t.error("name with a hyphen", "InvalidParameterException",
            logs.create_lookup_table, lookupTableName="bad-name",
            tableBody="a\n1\n")
    t.error("name of 257 characters", "InvalidParameterException",
            logs.create_lookup_table, lookupTableName="n" * 257,
            tableBody="a\n1\n")
    t.error("description of 1025 characters", "InvalidParameterException",
            logs.create_lookup_table, lookupTableName="d",
            description="x" * 1025, tableBody="a\n1\n")
    t.logs_error("empty body",
                 "InvalidParameterException", srv, "CreateLookupTable",
                 lookupTableName="e", tableBody="")
    t.logs_error("no body", "InvalidParameterException", srv,
                 "CreateLookupTable", lookupTableName="e")
    t.logs_error("a header only with blank lines",
                 "InvalidParameterException", srv, "CreateLookupTable",
                 lookupTableName="e", tableBody="\n\r\n")
    t.error("a row with too many fields", "InvalidParameterException",
            logs.create_lookup_table, lookupTableName="e",
            tableBody="a,b\n1,2\n1,2,3\n", msg="line 3 has 3 fields")
    t.error("an unclosed quote", "InvalidParameterException",
            logs.create_lookup_table, lookupTableName="e",
            tableBody="a,b\n\"1,2\n", msg="not closed")
    t.error("a duplicate column", "InvalidParameterException",
            logs.create_lookup_table, lookupTableName="e",
            tableBody="a,a\n1,2\n", msg="appears twice")
    t.error("an empty column name", "InvalidParameterException",
            logs.create_lookup_table, lookupTableName="e",
            tableBody="a,,c\n1,2,3\n", msg="empty")
    t.error("a key id that is not an ARN", "InvalidParameterException",
            logs.create_lookup_table, lookupTableName="e",
            tableBody="a\n1\n", kmsKeyId="alias/nope")
    t.error("51 tags", "InvalidParameterException",
            logs.create_lookup_table, lookupTableName="e",
            tableBody="a\n1\n", tags={"k%d" % i: "v" for i in range(51)})
    t.ok("nothing created by the failures",
         [x["lookupTableName"] for x in
          logs.describe_lookup_tables()["lookupTables"]] == ["users"])

    # Paging and prefix: 7 more tables.
    for i in range(7):
        logs.create_lookup_table(lookupTableName="page_%d" % i,
                                 tableBody="k,v\n%d,x\n" % i)
    names, token, pages = [], None, 0
    while True:
        kw = {"maxResults": 3, "lookupTableNamePrefix": "page_"}
        if token:
            kw["nextToken"] = token
        r = logs.describe_lookup_tables(**kw)
        pages += 1
        names += [x["lookupTableName"] for x in r["lookupTables"]]
        token = r.get("nextToken")
        if not token or pages > 10:
            break
    t.eq("paging: every table once, by name", ["page_%d" % i
                                               for i in range(7)], names)
    t.eq("paging: 3 pages of 3", 3, pages)
    t.error("maxResults 101", "InvalidParameterException",
            logs.describe_lookup_tables, maxResults=101)
    t.error("a forged nextToken", "InvalidParameterException",
            logs.describe_lookup_tables, nextToken="bogus")
    every = logs.describe_lookup_tables()["lookupTables"]
    t.eq("describe without prefix: all, sorted",
         sorted(["users"] + ["page_%d" % i for i in range(7)]),
         [x["lookupTableName"] for x in every])

    # ARNs the other operations take.
    t.error("get: unknown table", "ResourceNotFoundException",
            logs.get_lookup_table, lookupTableArn=arn_of("nope"))
    t.error("get: another region's ARN", "ResourceNotFoundException",
            logs.get_lookup_table,
            lookupTableArn=arn_of("users").replace(REGION, "us-east-1"))
    t.error("get: not an ARN", "InvalidParameterException",
            logs.get_lookup_table, lookupTableArn="users")
    t.error("update: unknown table", "ResourceNotFoundException",
            logs.update_lookup_table, lookupTableArn=arn_of("nope"),
            tableBody="a\n1\n")
    t.error("delete: unknown table", "ResourceNotFoundException",
            logs.delete_lookup_table, lookupTableArn=arn_of("nope"))

    # Update: new content, description kept when left out.
    new_body = "id,name\n9,zed\n"
    u = logs.update_lookup_table(lookupTableArn=arn_of("users"),
                                 tableBody=new_body)
    t.eq("update: the ARN", arn_of("users"), u["lookupTableArn"])
    g = logs.get_lookup_table(lookupTableArn=arn_of("users"))
    t.eq("update: content replaced, description kept",
         (new_body, "the users"), (g["tableBody"], g.get("description")))
    d = [x for x in logs.describe_lookup_tables(
        lookupTableNamePrefix="users")["lookupTables"]][0]
    t.eq("update: fields and count follow", (["id", "name"], 1),
         (d["tableFields"], d["recordsCount"]))
    t.error("update: invalid CSV", "InvalidParameterException",
            logs.update_lookup_table, lookupTableArn=arn_of("users"),
            tableBody="a,b\n1\n")
    t.eq("update: a refused update changes nothing", new_body,
         logs.get_lookup_table(lookupTableArn=arn_of("users"))["tableBody"])

    # KMS: a key whose policy allows the Logs principal.
    good = kms.create_key(Description="lookup ok")["KeyMetadata"]["Arn"]
    kms.put_key_policy(KeyId=good, PolicyName="default", Policy=policy(True))
    bad = kms.create_key(Description="lookup no")["KeyMetadata"]["Arn"]
    kms.put_key_policy(KeyId=bad, PolicyName="default", Policy=policy(False))
    secret_body = "code,text\nE1,%s-kms\n" % marker
    logs.create_lookup_table(lookupTableName="enc", tableBody=secret_body,
                             kmsKeyId=good)
    g = logs.get_lookup_table(lookupTableArn=arn_of("enc"))
    t.eq("kms: content and key", (secret_body, good),
         (g["tableBody"], g.get("kmsKeyId")))
    t.error("kms: a policy without the Logs principal",
            "AccessDeniedException", logs.create_lookup_table,
            lookupTableName="enc2", tableBody="a\n1\n", kmsKeyId=bad,
            msg="not allowed to be used with Arn '%s'" % arn_of("enc2"))
    t.error("kms: update to a key that refuses", "AccessDeniedException",
            logs.update_lookup_table, lookupTableArn=arn_of("enc"),
            tableBody="a\n1\n", kmsKeyId=bad)
    kms.disable_key(KeyId=good)
    t.error("kms: disabled key, get refused", "AccessDeniedException",
            logs.get_lookup_table, lookupTableArn=arn_of("enc"))
    kms.enable_key(KeyId=good)
    t.eq("kms: enabled again, readable", secret_body,
         logs.get_lookup_table(lookupTableArn=arn_of("enc"))["tableBody"])
    logs.update_lookup_table(lookupTableArn=arn_of("enc"),
                             tableBody=secret_body, kmsKeyId="")
    kms.disable_key(KeyId=good)
    g = logs.get_lookup_table(lookupTableArn=arn_of("enc"))
    t.eq("kms: key removed by \"\", readable without it",
         (secret_body, None), (g["tableBody"], g.get("kmsKeyId")))
    kms.enable_key(KeyId=good)

    # At rest: the marker is nowhere in the store; the control (a table
    # name, kept in clear) is.
    if on_pg():
        pass
    else:
        srv.stop()
    data = stored_bytes(srv)
    t.ok("at rest: control found (a table name)", b"page_3" in data)
    # PostgreSQL's rows show bytea as hex: look for both forms.
    for form in (marker.encode(), marker.encode().hex().encode()):
        t.ok("at rest: the CSV is not in the store (%s)" % form[:8],
             form not in data)
    if not on_pg():
        srv.start()
        logs = RawLogs(srv)
        t.eq("after restart: readable", new_body,
             logs.get_lookup_table(lookupTableArn=arn_of("users"))[
                 "tableBody"])

    # The CLI: the model's commands, a round trip with file://.
    env = dict(os.environ, AWS_ACCESS_KEY_ID="test",
               AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION=REGION)

    def cli(*args):
        p = subprocess.run([os.environ["LOGVAULT_BIN"], "logs"] + list(args)
                           + ["--endpoint-url", srv.endpoint, "--output",
                              "json"], env=env, capture_output=True,
                           text=True, timeout=60)
        return p.returncode, p.stdout, p.stderr

    with tempfile.NamedTemporaryFile("w", suffix=".csv") as f:
        f.write("k,v\nx,\"1,2\"\n")
        f.flush()
        rc, out, err = cli("create-lookup-table", "--lookup-table-name",
                           "cli_t", "--table-body", "file://" + f.name)
    t.eq("cli: create", (0, arn_of("cli_t")),
         (rc, json.loads(out or "{}").get("lookupTableArn")))
    rc, out, err = cli("get-lookup-table", "--lookup-table-arn",
                       arn_of("cli_t"))
    t.eq("cli: get returns the file", (0, "k,v\nx,\"1,2\"\n"),
         (rc, json.loads(out or "{}").get("tableBody")))
    rc, out, err = cli("delete-lookup-table", "--lookup-table-arn",
                       arn_of("cli_t"))
    t.eq("cli: delete", 0, rc)
    rc, out, err = cli("get-lookup-table", "--lookup-table-arn",
                       arn_of("cli_t"))
    t.ok("cli: gone, an error exit naming ResourceNotFoundException",
         rc != 0 and "ResourceNotFoundException" in err, (rc, err))

    # Delete.
    logs.delete_lookup_table(lookupTableArn=arn_of("users"))
    t.error("delete: gone", "ResourceNotFoundException",
            logs.get_lookup_table, lookupTableArn=arn_of("users"))
    t.error("delete: twice", "ResourceNotFoundException",
            logs.delete_lookup_table, lookupTableArn=arn_of("users"))

t.done()
