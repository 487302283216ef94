"""dateTimeConverter with named time zones (signed raw requests, as in
3301: Debian's botocore predates the transformer operations): the example
of AWS's "Processors that you can use" page in English (logvault has no
German names, and the page's output "17:00:00 MEZ" does not follow from
its input: 11:00 in Berlin in December is 05:00 EST in New York), daylight
saving gaps and overlaps, a half-hour zone, an unknown zone and a zone
name that is a path refused with InvalidParameterException, and a
PutTransformer whose zones apply to ingested events. Needs the system's
tz database (package tzdata): skipped (77) without it."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T, logs_call as call  # noqa: E402

ZONEINFO = os.environ.get("TZDIR") or "/usr/share/zoneinfo"
if not os.path.isfile(os.path.join(ZONEINFO, "Australia", "Lord_Howe")):
    print("skipped: no tz database (package tzdata) in " + ZONEINFO)
    sys.exit(77)

t = T()
IPE = "InvalidParameterException"
PJ = {"parseJSON": {}}
G = "/tz/app"


def ok(srv, op, **body):
    status, out = call(srv, op, body)
    if status != 200:
        raise RuntimeError("%s: %d %r" % (op, status, out))
    return out


def dt(src=None, tgt=None, pats=("yyyy-MM-dd HH:mm:ss",),
       fmt="yyyy-MM-dd'T'HH:mm:ss.SSSXXX"):
    a = {"source": "t", "target": "c", "matchPatterns": list(pats),
         "targetFormat": fmt}
    if src:
        a["sourceTimezone"] = src
    if tgt:
        a["targetTimezone"] = tgt
    return [PJ, {"dateTimeConverter": a}]


def convert(srv, name, config, value, want):
    out = ok(srv, "TestTransformer", transformerConfig=config,
             logEventMessages=[json.dumps({"t": value})])["transformedLogs"]
    got = json.loads(out[0]["transformedEventMessage"]).get("c") \
        if len(out) == 1 else None
    t.eq(name, want, got)


with Server() as srv:
    logs = srv.client("logs")

    # The page's example, its names in English.
    page = [PJ, {"dateTimeConverter": {
        "source": "german_datetime", "target": "target_1", "locale": "en",
        "matchPatterns": ["EEEE dd. MMMM yyyy HH:mm:ss"],
        "sourceTimezone": "Europe/Berlin",
        "targetTimezone": "America/New_York",
        "targetFormat": "yyyy-MM-dd'T'HH:mm:ss z"}}]
    msg = '{"german_datetime": "Saturday 05. December 1998 11:00:00"}'
    out = ok(srv, "TestTransformer", transformerConfig=page,
             logEventMessages=[msg])["transformedLogs"]
    t.eq("page example", {"german_datetime":
                          "Saturday 05. December 1998 11:00:00",
                          "target_1": "1998-12-05T05:00:00 EST"},
         json.loads(out[0]["transformedEventMessage"]))

    berlin = "Europe/Berlin"
    convert(srv, "Berlin summer", dt(berlin), "2024-07-01 12:00:00",
            "2024-07-01T10:00:00.000Z")
    convert(srv, "Berlin winter", dt(berlin), "2024-01-15 12:00:00",
            "2024-01-15T11:00:00.000Z")
    # java.time: a gap moves later by its length, an overlap takes the
    # earlier instant (the offset before the change).
    convert(srv, "Berlin gap", dt(berlin, berlin), "2024-03-31 02:30:00",
            "2024-03-31T03:30:00.000+02:00")
    convert(srv, "Berlin overlap", dt(berlin), "2024-10-27 02:30:00",
            "2024-10-27T00:30:00.000Z")
    convert(srv, "New York overlap", dt("America/New_York"),
            "2024-11-03 01:30:00", "2024-11-03T05:30:00.000Z")
    convert(srv, "offset in the text wins",
            dt(berlin, pats=["yyyy-MM-dd HH:mm:ss XXX"]),
            "2024-07-01 12:00:00 +03:00", "2024-07-01T09:00:00.000Z")
    convert(srv, "Lord Howe half-hour daylight",
            dt(tgt="Australia/Lord_Howe", fmt="HH:mm XXX z"),
            "2024-01-15 00:00:00", "11:00 +11:00 +11")
    convert(srv, "Lord Howe standard",
            dt(tgt="Australia/Lord_Howe", fmt="HH:mm XXX z"),
            "2024-07-15 00:00:00", "10:30 +10:30 +1030")
    convert(srv, "Kolkata", dt("America/New_York", "Asia/Kolkata",
                               fmt="yyyy-MM-dd HH:mm z"),
            "2024-07-01 08:00:00", "2024-07-01 17:30 IST")
    convert(srv, "UTC unchanged", dt("UTC", "+05:30"),
            "2024-07-01 08:00:00", "2024-07-01T13:30:00.000+05:30")

    for name, zone in (("unknown zone", "Europe/Atlantis"),
                       ("path zone", "../../etc/passwd"),
                       ("absolute zone", ZONEINFO + "/UTC"),
                       ("directory zone", "Europe")):
        t.logs_error(name, IPE, srv, "TestTransformer",
                     msg="known time zone ID",
                     transformerConfig=dt(tgt=zone),
                     logEventMessages=["{}"])

    # Applied on ingest.
    logs.create_log_group(logGroupName=G)
    logs.create_log_stream(logGroupName=G, logStreamName="s")
    t.logs_error("put unknown zone", IPE, srv, "PutTransformer",
                 logGroupIdentifier=G,
                 transformerConfig=dt("America/Gotham"))
    ok(srv, "PutTransformer", logGroupIdentifier=G,
       transformerConfig=dt("America/New_York", "Europe/Berlin",
                            fmt="yyyy-MM-dd HH:mm z"))
    now = int(time.time() * 1000)
    logs.put_log_events(logGroupName=G, logStreamName="s", logEvents=[
        {"timestamp": now, "message": '{"t": "2024-07-04 12:00:00"}'}])
    got = [json.loads(e["message"]) for e in logs.get_log_events(
        logGroupName=G, logStreamName="s", startFromHead=True)["events"]]
    t.eq("ingested in Berlin time",
         [{"t": "2024-07-04 12:00:00", "c": "2024-07-04 18:00 CEST"}], got)
t.done()
