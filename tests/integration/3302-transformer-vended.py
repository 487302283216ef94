"""The built-in parsers for AWS vended logs (parseCloudfront, parseRoute53,
parsePostgres, parseVPC, parseWAF) through TestTransformer with the
examples of AWS's "Processors that you can use" page
(CloudWatch-Logs-Transformation-Processors.html), the transformed event
compared as text — the members in AWS's order, numbers as numbers —;
lines of another shape kept as sent; a parser for vended logs refused
anywhere but first; and a group whose VPC flow log events are stored
transformed on ingest."""
import collections
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T, logs_call as call  # noqa: E402

t = T()
IPE = "InvalidParameterException"
G = "/xf/vpc"


def page(text):
    """AWS's "transformed log event", members in the page's order."""
    return json.loads(text, object_pairs_hook=collections.OrderedDict)


def exact(v):
    return json.dumps(v, separators=(",", ":"))


def ok(srv, op, **body):
    status, out = call(srv, op, body)
    if status != 200:
        raise RuntimeError("%s: %d %r" % (op, status, out))
    return out


def check(srv, name, config, message, want):
    """want: the page's transformed event (text), or None when the line
    must be kept as sent."""
    out = ok(srv, "TestTransformer", transformerConfig=config,
             logEventMessages=[message])["transformedLogs"]
    t.eq(name + ": one record", 1, len(out))
    rec = out[0] if out else {}
    got = rec.get("transformedEventMessage", "")
    if want is None:
        t.eq(name + ": kept as sent", message, got)
        return
    try:
        got = exact(page(got))
    except ValueError:
        pass
    t.eq(name, exact(page(want)), got)


CF = ("2019-12-04  21:02:31   LAX1   392    192.0.2.24    GET    "
      "d111111abcdef8.cloudfront.net  /index.html    200    -  "
      "Mozilla/5.0%20(Windows%20NT%2010.0;%20Win64;%20x64)%20AppleWebKit/"
      "537.36%20(KHTML,%20like%20Gecko)%20Chrome/78.0.3904.108%20Safari/"
      "537.36  -  -  Hit    SOX4xwn4XV6Q4rgb7XiVGOHms_BGlTAC4KyHmureZmBNrjG"
      "dRLiNIQ==   d111111abcdef8.cloudfront.net  https  23 0.001  -  "
      "TLSv1.2    ECDHE-RSA-AES128-GCM-SHA256    Hit    HTTP/2.0   -  -  "
      "11040  0.001  Hit    text/html  78 -  -")
CF_OUT = """{
  "date": "2019-12-04", "time": "21:02:31", "x-edge-location": "LAX1",
  "sc-bytes": 392, "c-ip": "192.0.2.24", "cs-method": "GET",
  "cs(Host)": "d111111abcdef8.cloudfront.net", "cs-uri-stem": "/index.html",
  "sc-status": 200, "cs(Referer)": "-",
  "cs(User-Agent)": "UA",
  "cs-uri-query": "-", "cs(Cookie)": "-", "x-edge-result-type": "Hit",
  "x-edge-request-id": "RID",
  "x-host-header": "d111111abcdef8.cloudfront.net", "cs-protocol": "https",
  "cs-bytes": 23, "time-taken": 0.001, "x-forwarded-for": "-",
  "ssl-protocol": "TLSv1.2", "ssl-cipher": "ECDHE-RSA-AES128-GCM-SHA256",
  "x-edge-response-result-type": "Hit", "cs-protocol-version": "HTTP/2.0",
  "fle-status": "-", "fle-encrypted-fields": "-", "c-port": 11040,
  "time-to-first-byte": 0.001, "x-edge-detailed-result-type": "Hit",
  "sc-content-type": "text/html", "sc-content-len": 78,
  "sc-range-start": "-", "sc-range-end": "-"}"""
CF_OUT = (CF_OUT.replace('"UA"', json.dumps(
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/78.0.3904.108 Safari/537.36"))
    .replace('"RID"', json.dumps("SOX4xwn4XV6Q4rgb7XiVGOHms_BGlTAC4Ky"
                                 "HmureZmBNrjGdRLiNIQ==")))
ACL = json.dumps("arn:aws:wafv2:ap-southeast-2:111122223333:regional/"
                 "webacl/STMTest/1EXAMPLE-2ARN-3ARN-4ARN-123456EXAMPLE")
R53 = ("1.0 2017-12-13T08:15:50.235Z Z123412341234 example.com AAAA NOERROR "
       "TCP IAD12 192.0.2.0 198.51.100.0/24")
R53_OUT = """{
  "version": 1.0, "queryTimestamp": "2017-12-13T08:15:50.235Z",
  "hostZoneId": "Z123412341234", "queryName": "example.com",
  "queryType": "AAAA", "responseCode": "NOERROR", "protocol": "TCP",
  "edgeLocation": "IAD12", "resolverIp": "192.0.2.0",
  "ednsClientSubnet": "198.51.100.0/24"}"""
VPC = ("2 123456789010 eni-abc123de 192.0.2.0 192.0.2.24 20641 22 6 20 4249 "
       "1418530010 1418530070 ACCEPT OK")
VPC_OUT = """{
  "version": 2, "accountId": "123456789010", "interfaceId": "eni-abc123de",
  "srcAddr": "192.0.2.0", "dstAddr": "192.0.2.24", "srcPort": 20641,
  "dstPort": 22, "protocol": 6, "packets": 20, "bytes": 4249,
  "start": 1418530010, "end": 1418530070, "action": "ACCEPT",
  "logStatus": "OK"}"""
PG = ('2019-03-10 03:54:59 UTC:10.0.0.123(52834):postgres@logtestdb:'
      '[20175]:ERROR: column "wrong_column_name" does not exist at '
      'character 8')
PG_OUT = """{
  "logTime": "2019-03-10 03:54:59 UTC", "srcIp": "10.0.0.123(52834)",
  "userName": "postgres", "dbName": "logtestdb", "processId": "20175",
  "logLevel": "ERROR"}"""
WAF = json.dumps(page("""{
  "timestamp": 1576280412771, "formatVersion": 1,
  "webaclId": "ACL",
  "terminatingRuleId": "STMTest_SQLi_XSS", "terminatingRuleType": "REGULAR",
  "action": "BLOCK",
  "terminatingRuleMatchDetails": [{"conditionType": "SQL_INJECTION",
    "sensitivityLevel": "HIGH", "location": "HEADER",
    "matchedData": ["10", "AND", "1"]}],
  "httpSourceName": "-", "httpSourceId": "-", "ruleGroupList": [],
  "rateBasedRuleList": [], "nonTerminatingMatchingRules": [],
  "httpRequest": {"clientIp": "1.1.1.1", "country": "AU",
    "headers": [{"name": "Host", "value": "localhost:1989"},
                {"name": "User-Agent", "value": "curl/7.61.1"},
                {"name": "Accept", "value": "*/*"},
                {"name": "x-stm-test", "value": "10 AND 1=1"}],
    "uri": "/myUri", "args": "", "httpVersion": "HTTP/1.1",
    "httpMethod": "GET", "requestId": "rid"},
  "labels": [{"name": "value"}]}""".replace('"ACL"', ACL)))
WAF_OUT = """{
  "httpRequest": {"headers": {"Host": "localhost:1989",
      "User-Agent": "curl/7.61.1", "Accept": "*/*",
      "x-stm-test": "10 AND 1=1"},
    "clientIp": "1.1.1.1", "country": "AU", "uri": "/myUri", "args": "",
    "httpVersion": "HTTP/1.1", "httpMethod": "GET", "requestId": "rid"},
  "labels": {"name": "value"},
  "timestamp": 1576280412771, "formatVersion": 1,
  "webaclId": "ACL",
  "terminatingRuleId": "STMTest_SQLi_XSS", "terminatingRuleType": "REGULAR",
  "action": "BLOCK",
  "terminatingRuleMatchDetails": [{"conditionType": "SQL_INJECTION",
    "sensitivityLevel": "HIGH", "location": "HEADER",
    "matchedData": ["10", "AND", "1"]}],
  "httpSourceName": "-", "httpSourceId": "-", "ruleGroupList": [],
  "rateBasedRuleList": [], "nonTerminatingMatchingRules": []}""".replace(
    '"ACL"', ACL)

with Server() as srv:
    logs = srv.client("logs")

    # ---- the page's examples ---------------------------------------------
    check(srv, "parseCloudfront", [{"parseCloudfront": {}}], CF, CF_OUT)
    check(srv, "parseCloudfront tab-separated", [{"parseCloudfront": {}}],
          "\t".join(CF.split()), CF_OUT)
    check(srv, "parseRoute53", [{"parseRoute53": {}}], R53, R53_OUT)
    check(srv, "parseVPC", [{"parseVPC": {}}], VPC, VPC_OUT)
    check(srv, "parseVPC source @message",
          [{"parseVPC": {"source": "@message"}}], VPC, VPC_OUT)
    check(srv, "parsePostgres", [{"parsePostgres": {}}], PG, PG_OUT)
    check(srv, "parseWAF", [{"parseWAF": {}}], WAF, WAF_OUT)
    # a vended parser followed by other processors
    check(srv, "parseVPC then mutators",
          [{"parseVPC": {}}, {"deleteKeys": {"withKeys": ["accountId"]}},
           {"typeConverter": {"entries": [{"key": "version",
                                           "type": "string"}]}}],
          VPC, exact(page(VPC_OUT)).replace('"version":2', '"version":"2"')
          .replace('"accountId":"123456789010",', ""))

    # ---- lines of another shape are kept as sent -------------------------
    check(srv, "parseCloudfront header line", [{"parseCloudfront": {}}],
          "#Version: 1.0", None)
    check(srv, "parseRoute53 resolver log", [{"parseRoute53": {}}],
          '{"version":"1.100000","query_name":"example.com."}', None)
    check(srv, "parseVPC custom format", [{"parseVPC": {}}],
          "5 vpc-1 eni-abc123de 192.0.2.0", None)
    check(srv, "parsePostgres other text", [{"parsePostgres": {}}],
          "hello world", None)
    check(srv, "parseWAF not JSON", [{"parseWAF": {}}], "GET /", None)

    # ---- config rules ----------------------------------------------------
    for name in ("parseCloudfront", "parseRoute53", "parsePostgres",
                 "parseVPC", "parseWAF"):
        t.logs_error(name + " not first", IPE, srv, "TestTransformer",
                     msg="first processor",
                     transformerConfig=[{"parseJSON": {}}, {name: {}}],
                     logEventMessages=["x"])
        t.logs_error(name + " source", IPE, srv, "TestTransformer",
                     transformerConfig=[{name: {"source": "msg"}}],
                     logEventMessages=["x"])

    # ---- applied on ingest -----------------------------------------------
    logs.create_log_group(logGroupName=G)
    logs.create_log_stream(logGroupName=G, logStreamName="eni")
    ok(srv, "PutTransformer", logGroupIdentifier=G,
       transformerConfig=[{"parseVPC": {}}])
    t.eq("get config", [{"parseVPC": {}}],
         ok(srv, "GetTransformer", logGroupIdentifier=G)
         .get("transformerConfig"))
    now = int(time.time() * 1000)
    sent = [VPC, "not a flow log record"]
    logs.put_log_events(logGroupName=G, logStreamName="eni",
                        logEvents=[{"timestamp": now + i, "message": m}
                                   for i, m in enumerate(sent)])
    got = [e["message"] for e in logs.get_log_events(
        logGroupName=G, logStreamName="eni", startFromHead=True)["events"]]
    t.eq("two events stored", 2, len(got))
    if len(got) == 2:
        t.eq("flow record stored transformed", exact(page(VPC_OUT)),
             exact(page(got[0])))
        t.eq("other line stored as sent", sent[1], got[1])
t.done()
