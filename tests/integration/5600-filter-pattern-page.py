#!/usr/bin/env python3
"""The examples of AWS's current filter pattern pages, through boto3
FilterLogEvents: "Filter pattern syntax for metric filters, subscription
filters, filter log events, and Live Tail" and its sub-pages (regular
expressions, unstructured, JSON and space-delimited log events).

Each section puts the page's sample events (and a few near misses of ours)
in a stream of its own; each pattern must return exactly the events the
page says it matches. The page's rules come with it: ?terms next to other
terms are ignored; JSON wildcards ($.*, $.arrayKey[*]) and bracket names
($.['cluster.name']) select; %regex% takes alternation and anchors inside
AWS's regex subset and anything outside it is refused; the last field of
a space-delimited pattern takes the rest of the event ([w1=ERROR, w2]);
[] matches every event. TestMetricFilter shows the extracted values."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T  # noqa: E402

G = "filter-pattern-page"

# ---- sample events -----------------------------------------------------

U400 = "[ERROR 400] BAD REQUEST"
U401 = "[ERROR 401] UNAUTHORIZED REQUEST"
U419 = "[ERROR 419] MISSING ARGUMENTS"
U420 = "[ERROR 420] INVALID ARGUMENTS"
U500 = "[ERROR 500] INTERNAL SERVER ERROR"
U200 = "[SUCCESS 200] AUTHORIZED REQUEST"
Q1 = "[INFO] REQUEST FAILED"
Q2 = "[WARN] UNAUTHORIZED REQUEST"
Q3 = "[ERROR] 400 BAD REQUEST"
TEXT = [U400, U401, U419, U420, U500, U200, Q1, Q2, Q3]

REGEX = ["hat trick", "the cat", "color", "colour", "aaa", "aa", "gray",
         "grey", "[7]", "10.10.0.1", "10010,051", "ab129", "a:b", "Failed",
         "an error", "initializing now", "skipping initializing"]

JD = ('{"eventType": "UpdateTrail", "sourceIPAddress": "111.111.111.111", '
      '"arrayKey": ["value", "another value"], "objectList": [{"name": "a", '
      '"id": 1}, {"name": "b", "id": 2}], "SomeObject": null, '
      '"cluster.name": "c"}')
JD2 = ('{"eventType": "DeleteTrail", "sourceIPAddress": "123.123.0.1", '
       '"arrayKey": ["other"], "SomeOtherObject": 1, "cluster.name": "d"}')
J2 = ('{"user": {"id": 1, "email": "John.Stiles@example.com"}, "users": '
      '[{"id": 2, "email": "John.Doe@example.com"}, {"id": 3, "email": '
      '"Jane.Doe@example.com"}], "actions": ["GET", "PUT", "DELETE"], '
      '"coordinates": [[0, 1, 2], [4, 5, 6], [7, 8, 9]]}')
JSONS = [JD, JD2, J2]

SD = ('127.0.0.1 Prod frank [10/Oct/2000:13:25:15 -0700] '
      '"GET /index.html HTTP/1.0" 404 1534')
S1 = "INFO 09/25/2014 12:00:00 GET /service/resource/67 1200"
S2 = "INFO 09/25/2014 12:00:01 POST /service/resource/67/part/111 1310"
S3 = "WARNING 09/25/2014 12:00:02 Invalid user request"
S4 = "ERROR 09/25/2014 12:00:02 Failed to process request"
SPACE = [SD, S1, S2, S3, S4]

# ---- patterns and what they match ----------------------------------------

SECTIONS = {
    "text": (TEXT, [
        ("ERROR", [U400, U401, U419, U420, U500, Q3]),
        ("ERROR ARGUMENTS", [U419, U420]),
        ("?ERROR ?ARGUMENTS", [U400, U401, U419, U420, U500, Q3]),
        # "If you combine '?' with other filter patterns, all question
        # mark terms will be ignored."
        ("?ERROR ?ARGUMENTS REQUEST", [U400, U401, U200, Q1, Q2, Q3]),
        ("ERROR ?WARN", [U400, U401, U419, U420, U500, Q3]),
        ("?ERROR ?ARGUMENTS -REQUEST", [U419, U420, U500]),
        ('"INTERNAL SERVER ERROR"', [U500]),
        ("ERROR -ARGUMENTS", [U400, U401, U500, Q3]),
        ('" "', TEXT),
        ("%AUTHORIZED%", [U401, U200, Q2]),
    ]),
    "regex": (REGEX, [
        ("%^[hc]at%", ["hat trick"]),
        ("%[hc]at$%", ["the cat"]),
        ("%colou?r%", ["color", "colour"]),
        ("%a{3,5}%", ["aaa"]),
        ("%gra|ey%", ["gray", "grey"]),
        ("%^starting|^initializing%", ["initializing now"]),
        ("%[Ee]rror|[Ff]ail%", ["Failed", "an error"]),
        (r"%\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}%", ["10.10.0.1"]),
        (r"%\[.\]%", ["[7]"]),
        (r"%10\.10\.0\.1%", ["10.10.0.1"]),
        ("%10.10.0.1%", ["10.10.0.1", "10010,051"]),
        ("%ab[0-9]*%", ["ab129"]),
        (r"%\x3A%", ["a:b"]),
        ("%^a{,2}$%", ["aa"]),
    ]),
    "json": (JSONS, [
        ('{ $.eventType = "UpdateTrail" }', [JD]),
        ("{ $.sourceIPAddress != 123.123.* }", [JD]),
        ('{ $.arrayKey[0] = "value" }', [JD]),
        ("{ $.eventType = %Trail% }", [JD, JD2]),
        ("{ $.arrayKey[*] = %val.{2}% }", [JD]),
        (r"{ $.* = %111\.111\.111\.1[0-9]{1,2}% }", [JD]),
        ("{ $.['cluster.name'] = \"c\" }", [JD]),
        ("{ $.SomeObject IS NULL }", [JD]),
        ("{ $.SomeOtherObject NOT EXISTS }", [JD, J2]),
        ("{ $.objectList[*].id = 2 }", [JD]),
        ('{ ($.user.id = 1) && ($.users[0].email = "John.Doe@example.com") }',
         [J2]),
        ('{ $.user.email = "John.Stiles@example.com" || $.coordinates[0][1] '
         '= "nonmatch" && $.actions[2] = "nonmatch" }', [J2]),
        ('{ ($.user.email = "John.Stiles@example.com" || $.coordinates[0][1] '
         '= "nonmatch") && $.actions[2] = "nonmatch" }', []),
        ('{ ($.user.id = 2 && $.users[0].email = "nonmatch") || '
         '$.actions[2] = "GET" }', []),
        ("{ $.users[*].id > 2 }", [J2]),
    ]),
    "space": (SPACE, [
        (r"[ip=%127\.0\.0\.[1-9]%, user, username, timestamp, "
         r"request =*.html*, status_code = 4*, bytes]", [SD]),
        ("[..., request =*.html*, status_code = 4*, bytes]", [SD]),
        ("[ip, user, username, timestamp, request =*.html*, "
         "status_code = 404 || status_code = 410, bytes]", [SD]),
        ("[w1=ERROR, w2]", [S4]),
        ("[w1=ERROR || w1=WARNING, w2]", [S3, S4]),
        ("[w1!=ERROR && w1!=WARNING, w2]", [SD, S1, S2]),
        ("[logLevel, date, time, method, url=%/service/resource/[0-9]+$%, "
         "response_time]", [S1]),
        ("[logLevel, date, time, method, "
         "url=%/service/resource/[0-9]+/part/[0-9]+$%, response_time]", [S2]),
        ("[]", SPACE),
    ]),
}

# Outside the documented syntax: InvalidParameterException.
REFUSED = [
    ("%something!%", "Invalid character(s) in term '%something!'"),
    ("%(a|b)%", "Invalid character(s) in term '%('"),
    ("%a*?%", "quantifier does not follow a repeatable item"),
    (r"%\bword%", "unsupported escape"),
    ("%a|%", "empty alternative"),
    ("%a% %b% %c%", "maximum of 2 regular expressions"),
    ("{ $.items[*].* = 1 }", "maximum of 1 wildcard allowed per json "
     "selector"),
    ('{ $.a[*] = "x" || $.b[*] = 1 || $.* = "x" || $.c[*][0] = 0 }',
     "maximum of 3 JSON wildcard selectors"),
    ("{ $.v IS NOT NULL }", "Invalid character(s) in term 'NOT'"),
    ("[..., status, ...]", "Duplicate field '...'"),
]

t = T()
with Server() as srv:
    logs = srv.client("logs")
    logs.create_log_group(logGroupName=G)
    base = int(time.time() * 1000) - 3600 * 1000
    for name, (events, _) in SECTIONS.items():
        logs.create_log_stream(logGroupName=G, logStreamName=name)
        logs.put_log_events(logGroupName=G, logStreamName=name, logEvents=[
            {"timestamp": base + i, "message": m}
            for i, m in enumerate(events)])
    for name, (events, cases) in SECTIONS.items():
        for pattern, want in cases:
            try:
                r = logs.filter_log_events(logGroupName=G,
                                           logStreamNames=[name],
                                           filterPattern=pattern)
            except Exception as e:  # a refusal is a failed check too
                t.ok("%s: %s" % (name, pattern), False, repr(e))
                continue
            got = [e["message"] for e in r["events"]]
            t.eq("%s: %s" % (name, pattern),
                 sorted(want), sorted(got))
    for pattern, msg in REFUSED:
        t.error("refused: " + pattern, "InvalidParameterException",
                logs.filter_log_events, logGroupName=G,
                filterPattern=pattern, msg=msg)

    # TestMetricFilter's extracted values: the last field takes the rest,
    # [] names every field $1 .. $N, a JSON wildcard its first value.
    def extracted(pattern, message):
        try:
            m = logs.test_metric_filter(filterPattern=pattern,
                                        logEventMessages=[message])
        except Exception as e:  # a refusal: the check fails with it
            return repr(e)
        m = m["matches"]
        return m[0]["extractedValues"] if m else None

    t.eq("extracted: [w1=ERROR, w2]",
         {"$w1": "ERROR", "$w2": "09/25/2014 12:00:02 Failed to process "
          "request"}, extracted("[w1=ERROR, w2]", S4))
    t.eq("extracted: []", {"$1": "INFO", "$2": "09/25/2014",
                           "$3": "12:00:00", "$4": "GET",
                           "$5": "/service/resource/67", "$6": "1200"},
         extracted("[]", S1))
    t.eq("extracted: the page's seven fields",
         {"$bytes": "1534", "$status_code": "404",
          "$request": "GET /index.html HTTP/1.0",
          "$timestamp": "10/Oct/2000:13:25:15 -0700", "$username": "frank",
          "$user": "Prod", "$ip": "127.0.0.1"},
         extracted("[ip, user, username, timestamp, request =*.html*, "
                   "status_code = 404 || status_code = 410, bytes]", SD))
    t.eq("extracted: a JSON wildcard", {"$.arrayKey[*]": "value"},
         extracted("{ $.arrayKey[*] = %val.{2}% }", JD))
t.done()
