"""Log transformers (signed raw requests: Debian's botocore 1.29 predates
them): PutTransformer / GetTransformer / DeleteTransformer, TestTransformer
over each implemented processor with the examples of AWS's "Processors
that you can use" page (CloudWatch-Logs-Transformation-Processors.html),
the config rules and their errors, and a group whose ingested events read
back transformed through GetLogEvents, FilterLogEvents and Insights, while
a group without a transformer keeps its events as sent."""
import collections
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T, logs_call as call  # noqa: E402

t = T()
err = t.logs_error
ACCOUNT = "123456789012"
REGION = "eu-west-2"
G = "/xf/app"
PLAIN = "/xf/plain"


def ok(srv, op, **body):
    status, out = call(srv, op, body)
    if status != 200:
        raise RuntimeError("%s: %d %r" % (op, status, out))
    return out


def exact(v):
    return json.dumps(v, separators=(",", ":"))


def test_one(srv, name, config, message, want):
    """TestTransformer of one message: the transformed event must be want
    (a dict, its members in AWS's order; compared as text, so order and
    number types count), and the original must come back as sent."""
    out = ok(srv, "TestTransformer", transformerConfig=config,
             logEventMessages=[message])["transformedLogs"]
    t.eq(name + ": one record", 1, len(out))
    rec = out[0]
    t.eq(name + ": eventNumber", 1, rec.get("eventNumber"))
    t.eq(name + ": original kept", message, rec.get("eventMessage"))
    got = rec.get("transformedEventMessage")
    if isinstance(want, str):
        t.eq(name, want, got)
        return
    try:
        got = exact(json.loads(got,
                               object_pairs_hook=collections.OrderedDict))
    except ValueError:
        pass
    t.eq(name, exact(want), got)


def wait_query(logs, qid):
    for _ in range(600):
        r = logs.get_query_results(queryId=qid)
        if r["status"] not in ("Scheduled", "Running"):
            return r
        time.sleep(0.05)
    return r


PJ = {"parseJSON": {}}

with Server() as srv:
    logs = srv.client("logs")

    # ---- every processor through TestTransformer, AWS's examples ---------
    test_one(srv, "parseJSON destination",
             [{"parseJSON": {"destination": "new_key"}}],
             '{"outer_key": {"inner_key": "inner_value"}}',
             {"new_key": {"outer_key": {"inner_key": "inner_value"}}})
    test_one(srv, "parseJSON root", [PJ], '{"a": 1, "b": [true]}',
             {"a": 1, "b": [True]})
    test_one(srv, "parseKeyValue",
             [{"parseKeyValue": {"destination": "new_key",
                                 "fieldDelimiter": "!",
                                 "keyValueDelimiter": ":",
                                 "nonMatchValue": "defaultValue",
                                 "keyPrefix": "parsed_"}}],
             "key1:value1!key2:value2!key3:value3!key4",
             {"new_key": {"parsed_key1": "value1", "parsed_key2": "value2",
                          "parsed_key3": "value3",
                          "parsed_key4": "defaultValue"}})
    test_one(srv, "parseKeyValue defaults", [{"parseKeyValue": {}}],
             "a=1&b=two&c", {"a": "1", "b": "two"})
    test_one(srv, "csv",
             [{"csv": {"delimiter": ":", "quoteCharacter": "'"}}],
             "'Akua Mansa':28:'New York: USA'",
             {"column_1": "Akua Mansa", "column_2": "28",
              "column_3": "New York: USA"})
    test_one(srv, "csv columns and \\s",
             [{"csv": {"delimiter": "\\s",
                       "columns": ["name", "age", "location"]}}],
             'Akua 28 "New York"',
             {"name": "Akua", "age": "28", "location": "New York"})
    test_one(srv, "csv default columns", [{"csv": {}}], 'x,"y ""z""",',
             {"column_1": "x", "column_2": 'y "z"', "column_3": ""})
    test_one(srv, "addKeys",
             [PJ, {"addKeys": {"entries": [
                 {"key": "outer_key.new_key", "value": "new_value"}]}}],
             '{"outer_key": {"inner_key": "inner_value"}}',
             {"outer_key": {"inner_key": "inner_value",
                            "new_key": "new_value"}})
    test_one(srv, "addKeys no overwrite",
             [PJ, {"addKeys": {"entries": [{"key": "k", "value": "new"}]}}],
             '{"k": "old"}', {"k": "old"})
    test_one(srv, "addKeys overwrite",
             [PJ, {"addKeys": {"entries": [
                 {"key": "k", "value": "new", "overwriteIfExists": True}]}}],
             '{"k": "old"}', {"k": "new"})
    test_one(srv, "deleteKeys",
             [PJ, {"deleteKeys": {"withKeys": ["outer_key.inner_key"]}}],
             '{"outer_key": {"inner_key": "inner_value"}}',
             {"outer_key": {}})
    test_one(srv, "moveKeys",
             [PJ, {"moveKeys": {"entries": [
                 {"source": "outer_key1.inner_key1",
                  "target": "outer_key2"}]}}],
             '{"outer_key1": {"inner_key1": "inner_value1"}, '
             '"outer_key2": {"inner_key2": "inner_value2"}}',
             {"outer_key1": {},
              "outer_key2": {"inner_key2": "inner_value2",
                             "inner_key1": "inner_value1"}})
    test_one(srv, "renameKeys",
             [PJ, {"renameKeys": {"entries": [
                 {"key": "outer_key", "renameTo": "new_key"}]}}],
             '{"outer_key": {"inner_key": "inner_value"}}',
             {"new_key": {"inner_key": "inner_value"}})
    test_one(srv, "copyValue",
             [PJ, {"copyValue": {"entries": [
                 {"source": "outer_key.inner_key", "target": "new_key"},
                 {"source": "@accountId", "target": "account"},
                 {"source": "@regionName", "target": "region"}]}}],
             '{"outer_key": {"inner_key": "inner_value"}}',
             {"outer_key": {"inner_key": "inner_value"},
              "new_key": "inner_value", "account": ACCOUNT,
              "region": REGION})
    test_one(srv, "lowerCaseString",
             [PJ, {"lowerCaseString": {"withKeys": ["outer_key.inner_key"]}}],
             '{"outer_key": {"inner_key": "INNER_VALUE"}}',
             {"outer_key": {"inner_key": "inner_value"}})
    test_one(srv, "upperCaseString",
             [PJ, {"upperCaseString": {"withKeys": ["outer_key.inner_key"]}}],
             '{"outer_key": {"inner_key": "inner_value"}}',
             {"outer_key": {"inner_key": "INNER_VALUE"}})
    test_one(srv, "trimString",
             [PJ, {"trimString": {"withKeys": ["outer_key.inner_key"]}}],
             '{"outer_key": {"inner_key": "   inner_value  "}}',
             {"outer_key": {"inner_key": "inner_value"}})
    test_one(srv, "splitString",
             [PJ, {"splitString": {"entries": [
                 {"source": "outer_key.inner_key", "delimiter": "_"}]}}],
             '{"outer_key": {"inner_key": "inner_value"}}',
             {"outer_key": {"inner_key": ["inner", "value"]}})
    test_one(srv, "substituteString",
             [PJ, {"substituteString": {"entries": [
                 {"source": "outer_key.inner_key1", "from": "\\[\\]",
                  "to": "value1"},
                 {"source": "outer_key.inner_key2",
                  "from": "[0-9]{3}-[0-9]{3}-[0-9]{3}",
                  "to": "xxx-xxx-xxx"},
                 {"source": "outer_key.inner_key3", "from": "cat",
                  "to": "dog"}]}}],
             '{"outer_key": {"inner_key1": "[]", "inner_key2": '
             '"123-345-567", "inner_key3": "A cat takes a catnap."}}',
             {"outer_key": {"inner_key1": "value1",
                            "inner_key2": "xxx-xxx-xxx",
                            "inner_key3": "A dog takes a dognap."}})
    test_one(srv, "typeConverter",
             [PJ, {"typeConverter": {"entries": [
                 {"key": "status", "type": "integer"},
                 {"key": "ok", "type": "boolean"},
                 {"key": "ms", "type": "double"},
                 {"key": "code", "type": "string"}]}}],
             '{"name": "value", "status": "200", "ok": "TRUE", '
             '"ms": "1.5", "code": 7}',
             {"name": "value", "status": 200, "ok": True, "ms": 1.5,
              "code": "7"})
    src = ('{"outer_key": [{"inner_key": "a", "inner_value": "val-a"}, '
           '{"inner_key": "b", "inner_value": "val-b1"}, '
           '{"inner_key": "b", "inner_value": "val-b2"}, '
           '{"inner_key": "c", "inner_value": "val-c"}]}')
    lst = json.loads(src)["outer_key"]
    test_one(srv, "listToMap",
             [PJ, {"listToMap": {"source": "outer_key", "key": "inner_key",
                                 "valueKey": "inner_value"}}],
             src, {"outer_key": lst, "a": ["val-a"],
                   "b": ["val-b1", "val-b2"], "c": ["val-c"]})
    test_one(srv, "listToMap flatten first",
             [PJ, {"listToMap": {"source": "outer_key", "key": "inner_key",
                                 "valueKey": "inner_value",
                                 "flatten": True,
                                 "flattenedElement": "first"}}],
             src, {"outer_key": lst, "a": "val-a", "b": "val-b1",
                   "c": "val-c"})
    test_one(srv, "listToMap flatten last target",
             [PJ, {"listToMap": {"source": "outer_key", "key": "inner_key",
                                 "valueKey": "inner_value",
                                 "target": "newmap", "flatten": True,
                                 "flattenedElement": "last"}}],
             src, {"outer_key": lst,
                   "newmap": {"a": "val-a", "b": "val-b2", "c": "val-c"}})
    test_one(srv, "grok",
             [{"grok": {"match": "%{NUMBER:version} %{HOSTNAME:hostname} "
                                 "%{NOTSPACE:status} %{QUOTEDSTRING:logMsg}"}}],
             '293750 server-01.internal-network.local OK '
             '"[Thread-000] token generated"',
             {"version": "293750",
              "hostname": "server-01.internal-network.local",
              "status": "OK",
              "logMsg": "[Thread-000] token generated"})
    test_one(srv, "grok APACHE_ACCESS_LOG",
             [{"grok": {"match": "%{APACHE_ACCESS_LOG}"}}],
             '127.0.0.1 - - [03/Aug/2023:12:34:56 +0000] '
             '"GET /page.html HTTP/1.1" 200 1234',
             {"request": "/page.html", "http_method": "GET",
              "status_code": 200, "http_version": "1.1",
              "response_size": 1234, "remote_host": "127.0.0.1",
              "timestamp": "2023-08-03T12:34:56Z"})
    agent = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
             "(KHTML, like Gecko) Chrome/92.0.4515.131 Safari/537.36")
    test_one(srv, "grok NGINX_ACCESS_LOG",
             [{"grok": {"match": "%{NGINX_ACCESS_LOG}"}}],
             '192.168.1.100 - Foo [03/Aug/2023:12:34:56 +0000] '
             '"GET /account/login.html HTTP/1.1" 200 42 '
             '"https://www.amazon.com/" "%s"' % agent,
             {"request": "/account/login.html",
              "referrer": "https://www.amazon.com/", "agent": agent,
              "http_method": "GET", "status_code": 200, "auth_user": "Foo",
              "http_version": "1.1", "response_size": 42,
              "remote_host": "192.168.1.100",
              "timestamp": "2023-08-03T12:34:56Z"})
    test_one(srv, "grok SYSLOG5424",
             [{"grok": {"match": "%{SYSLOG5424}"}}],
             '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com '
             'evntslog - ID47 [exampleSDID@32473 iut="3" eventSource= '
             '"Application" eventID="1011"][examplePriority@32473 '
             'class="high"]',
             {"pri": 165, "version": 1,
              "timestamp": "2003-10-11T22:14:15.003Z",
              "hostname": "mymachine.example.com", "app": "evntslog",
              "msg_id": "ID47",
              "structured_data": 'exampleSDID@32473 iut="3" eventSource= '
                                 '"Application" eventID="1011"',
              "message": '[examplePriority@32473 class="high"]'})
    test_one(srv, "grok dotted fields",
             [{"grok": {"match": "%{IP:client.ip} %{WORD:method} "
                                 "%{URIPATHPARAM:request.uri} "
                                 "%{NUMBER:response.status} "
                                 "%{NUMBER:response.bytes}"}}],
             "192.168.1.1 GET /index.html?param=value 200 1234",
             {"client": {"ip": "192.168.1.1"}, "method": "GET",
              "request": {"uri": "/index.html?param=value"},
              "response": {"status": "200", "bytes": "1234"}})
    test_one(srv, "grok with parseJSON",
             [PJ, {"grok": {"source": "logMsg",
                            "match": "%{WORD:http_method} "
                                     "%{NOTSPACE:request} "
                                     "HTTP/%{NUMBER:http_version}"}}],
             '{"timestamp": "2024-11-23T16:03:12Z", "level": "ERROR", '
             '"logMsg": "GET /page.html HTTP/1.1"}',
             {"timestamp": "2024-11-23T16:03:12Z", "level": "ERROR",
              "logMsg": "GET /page.html HTTP/1.1", "http_method": "GET",
              "request": "/page.html", "http_version": "1.1"})
    test_one(srv, "substituteString named groups",
             [PJ, {"substituteString": {"entries": [
                 {"source": "outer_key.inner_key1",
                  "from": "(\\w+), (\\w+), and (\\w+)",
                  "to": "$1 and $3"},
                 {"source": "outer_key.inner_key2",
                  "from": "^arn:aws:sts::(?P<account_id>\\d{12}):"
                          "assumed-role/(?P<role_name>[\\w+=,.@-]+)/"
                          "(?P<role_session_name>[\\w+=,.@-]+)$",
                  "to": "${account_id}:${role_name}:"
                        "${role_session_name}"}]}}],
             '{"outer_key": {"inner_key1": "Tom, Dick, and Harry", '
             '"inner_key2": "arn:aws:sts::123456789012:assumed-role/'
             'MyImportantRole/MySession"}}',
             {"outer_key": {"inner_key1": "Tom and Harry",
                            "inner_key2": "123456789012:MyImportantRole:"
                                          "MySession"}})
    test_one(srv, "splitString multi-character delimiter",
             [PJ, {"splitString": {"entries": [
                 {"source": "outer_key.inner_key", "delimiter": ", "}]}}],
             '{"outer_key": {"inner_key": "item1, item2, item3"}}',
             {"outer_key": {"inner_key": ["item1", "item2", "item3"]}})
    test_one(srv, "dateTimeConverter",
             [PJ, {"dateTimeConverter": {
                 "source": "original_time", "target": "converted_time",
                 "matchPatterns": ["MM/dd/yyyy HH:mm:ss"],
                 "sourceTimezone": "UTC", "locale": "en-US"}}],
             '{"original_time": "11/06/2024 23:52:53"}',
             {"original_time": "11/06/2024 23:52:53",
              "converted_time": "2024-11-06T23:52:53.000Z"})
    # A processor failing on an event leaves it as it came.
    test_one(srv, "parse failure keeps the event", [PJ], "not json",
             "not json")
    test_one(srv, "typeConverter failure keeps the event",
             [PJ, {"typeConverter": {"entries": [
                 {"key": "n", "type": "integer"}]}}],
             '{"n": "x1"}', {"n": "x1"})
    many = ok(srv, "TestTransformer", transformerConfig=[PJ],
              logEventMessages=['{"a":1}', '{"b":2}'])["transformedLogs"]
    t.eq("event numbers", [1, 2], [r["eventNumber"] for r in many])

    # ---- config rules and validation errors ------------------------------
    IPE = "InvalidParameterException"
    err("first must be a parser", IPE, srv, "TestTransformer",
        msg="first processor", transformerConfig=[
            {"addKeys": {"entries": [{"key": "a", "value": "b"}]}}],
        logEventMessages=["x"])
    err("first parser reads another field", IPE, srv, "TestTransformer",
        msg="source @message",
        transformerConfig=[{"parseJSON": {"source": "body"}}],
        logEventMessages=["x"])
    err("six parsers", IPE, srv, "TestTransformer", msg="at most 5",
        transformerConfig=[PJ] * 6, logEventMessages=["x"])
    err("21 processors", IPE, srv, "TestTransformer",
        transformerConfig=[PJ] + [{"trimString": {"withKeys": ["a"]}}] * 20,
        logEventMessages=["x"])
    err("empty config", IPE, srv, "TestTransformer", transformerConfig=[],
        logEventMessages=["x"])
    err("vended parser not first", IPE, srv, "TestTransformer",
        msg="first processor", transformerConfig=[PJ, {"parseVPC": {}}],
        logEventMessages=["x"])
    err("two processor types in one", IPE, srv, "TestTransformer",
        msg="exactly one", transformerConfig=[
            {"parseJSON": {}, "csv": {}}], logEventMessages=["x"])
    err("bad regex", IPE, srv, "TestTransformer", msg="regular expression",
        transformerConfig=[PJ, {"substituteString": {"entries": [
            {"source": "a", "from": "(", "to": "b"}]}}],
        logEventMessages=["x"])
    err("flatten without element", IPE, srv, "TestTransformer",
        transformerConfig=[PJ, {"listToMap": {"source": "a", "key": "k",
                                              "flatten": True}}],
        logEventMessages=["x"])
    err("grok pattern outside the subset", IPE, srv, "TestTransformer",
        msg="unsupported grok pattern", transformerConfig=[
            {"grok": {"match": "%{NOSUCHPATTERN:w}"}}],
        logEventMessages=["x"])
    err("grok pattern not on the page", IPE, srv, "TestTransformer",
        msg="unsupported grok pattern", transformerConfig=[
            {"grok": {"match": "%{COMBINEDAPACHELOG}"}}],
        logEventMessages=["x"])
    err("grok NOTSPACE over its limit", IPE, srv, "TestTransformer",
        msg="at most 5 times", transformerConfig=[
            {"grok": {"match": " ".join(["%{NOTSPACE}"] * 6)}}],
        logEventMessages=["x"])
    err("grok common pattern followed by NUMBER", IPE, srv,
        "TestTransformer", msg="followed only by", transformerConfig=[
            {"grok": {"match": "%{NGINX_ACCESS_LOG} %{NUMBER:num}"}}],
        logEventMessages=["x"])
    err("key path four deep", IPE, srv, "TestTransformer",
        msg="deeper than 3", transformerConfig=[
            PJ, {"copyValue": {"entries": [
                {"source": "a", "target": "b.c.d.e"}]}}],
        logEventMessages=["x"])
    err("csv two-character delimiter", IPE, srv, "TestTransformer",
        transformerConfig=[{"csv": {"delimiter": "ab"}}],
        logEventMessages=["x"])
    err("two grok", IPE, srv, "TestTransformer", msg="at most one grok",
        transformerConfig=[{"grok": {"match": "%{WORD:w}"}},
                           {"grok": {"match": "%{WORD:v}"}}],
        logEventMessages=["x"])
    err("dateTimeConverter unknown zone", IPE, srv, "TestTransformer",
        msg="known time zone ID", transformerConfig=[PJ, {
            "dateTimeConverter": {"source": "a", "target": "b",
                                  "matchPatterns": ["yyyy"],
                                  "sourceTimezone": "America/Nowhere"}}],
        logEventMessages=["x"])
    err("parseToOCSF not implemented", IPE, srv, "TestTransformer",
        msg="does not implement", transformerConfig=[{"parseToOCSF": {
            "eventSource": "VPCFlow", "ocsfVersion": "V1.1"}}],
        logEventMessages=["x"])
    err("two addKeys", IPE, srv, "TestTransformer",
        msg="at most one addKeys", transformerConfig=[
            PJ, {"addKeys": {"entries": [{"key": "a", "value": "b"}]}},
            {"addKeys": {"entries": [{"key": "c", "value": "d"}]}}],
        logEventMessages=["x"])
    err("two copyValue", IPE, srv, "TestTransformer",
        msg="at most one copyValue", transformerConfig=[
            PJ, {"copyValue": {"entries": [{"source": "a", "target": "b"}]}},
            {"copyValue": {"entries": [{"source": "a", "target": "c"}]}}],
        logEventMessages=["x"])
    err("vended parser source other than @message", IPE, srv,
        "TestTransformer", transformerConfig=[{"parseVPC": {"source": "m"}}],
        logEventMessages=["x"])
    err("no messages", IPE, srv, "TestTransformer", transformerConfig=[PJ],
        logEventMessages=[])
    err("missing entries", IPE, srv, "TestTransformer",
        transformerConfig=[PJ, {"addKeys": {}}], logEventMessages=["x"])

    # ---- Put / Get / Delete ----------------------------------------------
    logs.create_log_group(logGroupName=G)
    logs.create_log_stream(logGroupName=G, logStreamName="s")
    logs.create_log_group(logGroupName=PLAIN)
    logs.create_log_stream(logGroupName=PLAIN, logStreamName="s")
    err("get none", "ResourceNotFoundException", srv, "GetTransformer",
        logGroupIdentifier=G)
    err("delete none", "ResourceNotFoundException", srv,
        "DeleteTransformer", logGroupIdentifier=G)
    err("put no group", "ResourceNotFoundException", srv, "PutTransformer",
        logGroupIdentifier="/xf/none", transformerConfig=[PJ])
    err("put bad config", IPE, srv, "PutTransformer", logGroupIdentifier=G,
        transformerConfig=[{"lowerCaseString": {"withKeys": ["a"]}}])
    err("get bad config left nothing", "ResourceNotFoundException", srv,
        "GetTransformer", logGroupIdentifier=G)
    ok(srv, "CreateLogGroup", logGroupName="/xf/ia",
       logGroupClass="INFREQUENT_ACCESS")
    err("infrequent access class", "InvalidOperationException", srv,
        "PutTransformer", logGroupIdentifier="/xf/ia",
        transformerConfig=[PJ])

    config = [
        {"parseKeyValue": {"fieldDelimiter": " ", "destination": "kv"}},
        {"copyValue": {"entries": [
            {"source": "@logGroupName", "target": "group"},
            {"source": "@logGroupStream", "target": "stream"}]}},
        {"upperCaseString": {"withKeys": ["kv.level"]}},
        {"typeConverter": {"entries": [{"key": "kv.ms", "type": "integer"}]}},
    ]
    first = [{"parseJSON": {}}]
    ok(srv, "PutTransformer", logGroupIdentifier=G, transformerConfig=first)
    g1 = ok(srv, "GetTransformer", logGroupIdentifier=G)
    arn = "arn:aws:logs:%s:%s:log-group:%s" % (REGION, ACCOUNT, G)
    t.eq("get arn", arn, g1.get("logGroupIdentifier"))
    t.eq("get config", first, g1.get("transformerConfig"))
    t.ok("creation time", g1.get("creationTime", 0) > 0)
    time.sleep(0.01)  # distinct millisecond, not a pass/fail on time
    ok(srv, "PutTransformer", logGroupIdentifier=arn,
       transformerConfig=config)
    g2 = ok(srv, "GetTransformer", logGroupIdentifier=arn)
    t.eq("replaced config", config, g2.get("transformerConfig"))
    t.eq("creation time kept", g1["creationTime"], g2.get("creationTime"))
    t.ok("modified later", g2.get("lastModifiedTime", 0) >
         g1["lastModifiedTime"], repr((g1, g2)))

    # ---- applied on ingest -----------------------------------------------
    now = int(time.time() * 1000)
    sent = ["level=warn ms=12 user=ann", "level=info ms=oops user=bob"]
    for grp in (G, PLAIN):
        logs.put_log_events(logGroupName=grp, logStreamName="s",
                            logEvents=[{"timestamp": now + i, "message": m}
                                       for i, m in enumerate(sent)])
    got = [e["message"] for e in logs.get_log_events(
        logGroupName=G, logStreamName="s", startFromHead=True)["events"]]
    t.eq("two events stored", 2, len(got))
    if len(got) == 2:
        t.eq("ingested event transformed",
             {"kv": {"level": "WARN", "ms": 12, "user": "ann"},
              "group": G, "stream": "s"}, json.loads(got[0]))
        # typeConverter fails on "oops": the event is stored as sent.
        t.eq("failed event stored as sent", sent[1], got[1])
    plain = [e["message"] for e in logs.get_log_events(
        logGroupName=PLAIN, logStreamName="s", startFromHead=True)["events"]]
    t.eq("group without transformer untouched", sent, plain)
    fl = logs.filter_log_events(logGroupName=G, filterPattern="WARN")
    t.eq("filter sees the transformed text", 1, len(fl["events"]))
    qid = logs.start_query(
        logGroupName=G, startTime=now // 1000 - 60, endTime=now // 1000 + 60,
        queryString="fields kv.level, kv.ms, group"
                    " | filter ispresent(kv.level)")["queryId"]
    r = wait_query(logs, qid)
    rows = [{f["field"]: f["value"] for f in row} for row in r["results"]]
    t.eq("insights status", "Complete", r["status"])
    t.eq("insights reads transformed fields",
         [("WARN", "12", G)],
         [(x.get("kv.level"), x.get("kv.ms"), x.get("group")) for x in rows])

    # ---- delete; later events are stored as sent -------------------------
    ok(srv, "DeleteTransformer", logGroupIdentifier=G)
    err("get after delete", "ResourceNotFoundException", srv,
        "GetTransformer", logGroupIdentifier=G)
    logs.put_log_events(logGroupName=G, logStreamName="s",
                        logEvents=[{"timestamp": now + 5,
                                    "message": "level=x ms=1"}])
    got = [e["message"] for e in logs.get_log_events(
        logGroupName=G, logStreamName="s", startFromHead=True)["events"]]
    t.eq("after delete stored as sent", "level=x ms=1", got[-1])

    # ---- survives a restart ----------------------------------------------
    ok(srv, "PutTransformer", logGroupIdentifier=G, transformerConfig=config)
    srv.restart()
    t.eq("config after restart", config, ok(srv, "GetTransformer",
                                             logGroupIdentifier=G)
         .get("transformerConfig"))
    logs = srv.client("logs")
    logs.put_log_events(logGroupName=G, logStreamName="s",
                        logEvents=[{"timestamp": now + 6,
                                    "message": "level=err ms=3"}])
    got = [e["message"] for e in logs.get_log_events(
        logGroupName=G, logStreamName="s", startFromHead=True)["events"]]
    t.eq("transformed after restart",
         {"kv": {"level": "ERR", "ms": 3}, "group": G, "stream": "s"},
         json.loads(got[-1]))
    # deleting the group takes the transformer with it
    logs.delete_log_group(logGroupName=G)
    logs.create_log_group(logGroupName=G)
    err("recreated group has none", "ResourceNotFoundException", srv,
        "GetTransformer", logGroupIdentifier=G)
t.done()
