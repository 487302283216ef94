/*
 * test_filter: the CloudWatch Logs filter pattern compiler and matcher.
 * Every example of AWS's page "Filter pattern syntax for metric filters,
 * subscription filters, filter log events, and Live Tail"
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/
 * FilterAndPatternSyntax.html, and its earlier "Filter and Pattern Syntax"
 * edition) with the sample events the page gives and the matches it
 * states; behaviour observed against AWS by public test suites that call
 * TestMetricFilter; then our own edge cases, syntax errors with their
 * messages, extracted values, and garbage / truncated / bit-flipped
 * patterns.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "logs/filter.h"
#include "logs/filter_int.h"    /* the single-path JSON evaluations */
#include "util/err.h"
#include "util/mem.h"

/* ---- sample events ------------------------------------------------------ */

/* Unstructured examples (current page). */
#define U400 "[ERROR 400] BAD REQUEST"
#define U401 "[ERROR 401] UNAUTHORIZED REQUEST"
#define U419 "[ERROR 419] MISSING ARGUMENTS"
#define U420 "[ERROR 420] INVALID ARGUMENTS"
#define U500 "[ERROR 500] INTERNAL SERVER ERROR"
#define U200 "[SUCCESS 200] AUTHORIZED REQUEST"
/* Earlier edition's examples. */
#define E_FATAL "[ERROR] A fatal exception has occurred"
#define E_EXIT "Exiting with ERRORCODE: -1"
#define E_IAE "[ERROR] Caught IllegalArgumentException"
#define E_UNH "[ERROR] Unhandled Exception"
#define E_WARNF "[WARN] Failed to process the request"
#define E_CONT "[ERROR] Unable to continue: Failed to process the request"
/* Current page, "Match optional terms": events for ?ERROR ?ARGUMENTS
 * REQUEST. */
#define Q1 "[INFO] REQUEST FAILED"
#define Q2 "[WARN] UNAUTHORIZED REQUEST"
#define Q3 "[ERROR] 400 BAD REQUEST"
/* "OR Pattern Matching" */
#define OR1 "ERROR WARN message"
#define OR2 "ERROR message"
#define OR3 "WARN message"

/* "JSON Metric Filter Examples" */
#define J1 "{\"eventType\": \"UpdateTrail\", " \
    "\"sourceIPAddress\": \"111.111.111.111\", " \
    "\"arrayKey\": [\"value\", \"another value\"], " \
    "\"objectList\": [{\"name\": \"a\", \"id\": 1}, " \
    "{\"name\": \"b\", \"id\": 2}], " \
    "\"SomeObject\": null, \"ThisFlag\": true}"
/* Current page ("Using filter patterns to match terms in JSON log
 * events"): the same event with "cluster.name" in place of ThisFlag. */
#define JD "{\"eventType\": \"UpdateTrail\", " \
    "\"sourceIPAddress\": \"111.111.111.111\", " \
    "\"arrayKey\": [\"value\", \"another value\"], " \
    "\"objectList\": [{\"name\": \"a\", \"id\": 1}, " \
    "{\"name\": \"b\", \"id\": 2}], " \
    "\"SomeObject\": null, \"cluster.name\": \"c\"}"
/* The page's numeric examples name no event: one they all match. */
#define JNUM "{\"bandwidth\": 100, \"latency\": 20, \"refreshRate\": 60, " \
    "\"responseTime\": 5, \"errorCode\": 400, \"number\": [1000]}"
/* Observed against AWS (TestMetricFilter and FilterLogEvents agreeing),
 * a public probe's "paths" corpus. */
#define P67 "{\"nested\":{\"value\":\"hit\"},\"cluster.name\":\"flat\"," \
    "\"cluster\":{\"name\":\"nested\"},\"items\":[{\"a\":1,\"b\":0}," \
    "{\"a\":0,\"b\":2}],\"arr\":[\"miss\",\"hit\"],\"matrix\":[[0,1],[2,3]]," \
    "\"a\":1,\"b\":0,\"c\":0}"
#define P68 "{\"nested\":{\"value\":\"miss\"},\"cluster.name\":\"nested\"," \
    "\"cluster\":{\"name\":\"flat\"},\"items\":[{\"a\":1,\"b\":2}]," \
    "\"arr\":[\"hit\",\"miss\"],\"matrix\":[[1,0]],\"a\":0,\"b\":2,\"c\":3}"
#define P71 "{\"nested\":{\"value\":null},\"arr\":\"hit\",\"a\":0,\"b\":0," \
    "\"c\":3}"
#define P73 "{\"nested.value\":\"hit\",\"arr\":[[\"hit\"]]}"
#define P74 "{\"arr\":[\"hit\",\"hit\"],\"items\":[{\"a\":1},{\"b\":2}]}"
#define P75 "{\"arr\":{\"0\":\"hit\"},\"nested\":[{\"value\":\"hit\"}]}"
/* "JSON Compound Conditions" */
#define J2 "{\"user\": {\"id\": 1, \"email\": \"John.Stiles@example.com\"}, " \
    "\"users\": [{\"id\": 2, \"email\": \"John.Doe@example.com\"}, " \
    "{\"id\": 3, \"email\": \"Jane.Doe@example.com\"}], " \
    "\"actions\": [\"GET\", \"PUT\", \"DELETE\"], " \
    "\"coordinates\": [[0, 1, 2], [4, 5, 6], [7, 8, 9]]}"
/* "Numeric Comparisons": an event for the page's example patterns. */
#define JN "{\"latency\": 1500, \"numbers\": [0.001, 2], " \
    "\"processes\": [{}, {}, {}, {}, {\"averageRuntime\": 55.5}], " \
    "\"errorCode\": 400}"
/* Observed against AWS (TestMetricFilter) by a public test suite. */
#define JO "{\"eventType\": \"UpdateTrail\", " \
    "\"someString\": \"111.111.111.111\", \"someInt\": 123, " \
    "\"someFloat\": 12.34, \"someFloat2\": 12.0, \"someObject\": {}, " \
    "\"someArray\": [], \"SomeObject\": null, \"ThisFlag\": true}"

/* Current page, "Using filter patterns to match terms in space-delimited
 * log events". */
#define SD "127.0.0.1 Prod frank [10/Oct/2000:13:25:15 -0700] " \
    "\"GET /index.html HTTP/1.0\" 404 1534"
#define S1 "INFO 09/25/2014 12:00:00 GET /service/resource/67 1200"
#define S2 "INFO 09/25/2014 12:00:01 POST /service/resource/67/part/111 1310"
#define S3 "WARNING 09/25/2014 12:00:02 Invalid user request"
#define S4 "ERROR 09/25/2014 12:00:02 Failed to process request"
#define URI_TOP "[logLevel, date, time, method, " \
    "url=%/service/resource/[0-9]+$%, response_time]"
#define URI_CHILD "[logLevel, date, time, method, " \
    "url=%/service/resource/[0-9]+/part/[0-9]+$%, response_time]"
/* "Using Metric Filters to Extract Values from Space-Delimited Log Events" */
#define A1 "127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] " \
    "\"GET /apache_pb.gif HTTP/1.0\" 200 1534"
#define A2 "127.0.0.1 - frank [10/Oct/2000:13:35:22 -0700] " \
    "\"GET /apache_pb.gif HTTP/1.0\" 500 5324"
#define A3 "127.0.0.1 - frank [10/Oct/2000:13:50:35 -0700] " \
    "\"GET /apache_pb.gif HTTP/1.0\" 200 4355"
#define A4 "127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] " \
    "\"GET /index.html HTTP/1.0\" 404 1534"
#define APACHE "[ip, user, username, timestamp, request, status_code, bytes"

/* ---- match cases -------------------------------------------------------- */

struct mcase {
    const char *name;
    const char *pattern;
    const char *event;
    int want;
};

static const struct mcase mcases[] = {
    /* ---- unstructured, current page ---- */
    { "doc: ERROR matches 400", "ERROR", U400, 1 },
    { "doc: ERROR matches 401", "ERROR", U401, 1 },
    { "doc: ERROR matches 419", "ERROR", U419, 1 },
    { "doc: ERROR matches 420", "ERROR", U420, 1 },
    { "doc: ERROR not SUCCESS", "ERROR", U200, 0 },
    { "doc: ERROR ARGUMENTS 419", "ERROR ARGUMENTS", U419, 1 },
    { "doc: ERROR ARGUMENTS 420", "ERROR ARGUMENTS", U420, 1 },
    { "doc: ERROR ARGUMENTS not 400", "ERROR ARGUMENTS", U400, 0 },
    { "doc: ERROR ARGUMENTS not 401", "ERROR ARGUMENTS", U401, 0 },
    { "doc: ?ERROR ?ARGUMENTS 400", "?ERROR ?ARGUMENTS", U400, 1 },
    { "doc: ?ERROR ?ARGUMENTS 420", "?ERROR ?ARGUMENTS", U420, 1 },
    { "doc: ?ERROR ?ARGUMENTS not SUCCESS", "?ERROR ?ARGUMENTS", U200, 0 },
    { "doc: exact phrase", "\"INTERNAL SERVER ERROR\"", U500, 1 },
    { "doc: exact phrase not 400", "\"INTERNAL SERVER ERROR\"", U400, 0 },
    { "doc: ERROR -ARGUMENTS 400", "ERROR -ARGUMENTS", U400, 1 },
    { "doc: ERROR -ARGUMENTS 401", "ERROR -ARGUMENTS", U401, 1 },
    { "doc: ERROR -ARGUMENTS not 419", "ERROR -ARGUMENTS", U419, 0 },
    { "doc: ERROR -ARGUMENTS not 420", "ERROR -ARGUMENTS", U420, 0 },
    { "doc: \" \" matches everything", "\" \"", U400, 1 },
    { "doc: \" \" matches no-space event", "\" \"", "x", 1 },
    { "doc: ?ERROR ?ARGUMENTS REQUEST: REQUEST FAILED",
      "?ERROR ?ARGUMENTS REQUEST", Q1, 1 },
    { "doc: ?ERROR ?ARGUMENTS REQUEST: UNAUTHORIZED REQUEST",
      "?ERROR ?ARGUMENTS REQUEST", Q2, 1 },
    { "doc: ?ERROR ?ARGUMENTS REQUEST: BAD REQUEST",
      "?ERROR ?ARGUMENTS REQUEST", Q3, 1 },
    { "doc: ?ERROR ?ARGUMENTS REQUEST: no REQUEST",
      "?ERROR ?ARGUMENTS REQUEST", U419, 0 },
    /* (Events that start with '[' or '-' are not given alone to one
     * pattern: the AWS CLI, which 2203 drives, reads a lone list value
     * starting with '[' as JSON and one starting with '-' as an option.) */
    { "doc: \"   \" matches everything", "\"   \"", OR1, 1 },
    { "?terms ignored: ERROR ?WARN is ERROR", "ERROR ?WARN", OR2, 1 },
    { "?terms ignored: ERROR ?WARN needs ERROR", "ERROR ?WARN", OR3, 0 },
    { "aws: ?terms ignored next to -REQUEST", "?ERROR ?ARGUMENTS -REQUEST",
      "plain", 1 },
    { "aws: ?terms ignored, -REQUEST excludes", "?ERROR ?ARGUMENTS -REQUEST",
      "ERROR BAD REQUEST", 0 },
    { "aws: ?terms ignored, -REQUEST keeps", "?ERROR ?ARGUMENTS -REQUEST",
      "INFO ARGUMENTS", 1 },
    { "?terms ignored next to a regex", "?ERROR %^INFO%", "INFO x", 1 },
    { "?terms ignored next to a regex: needs it", "?ERROR %^INFO%",
      "ERROR x", 0 },
    { "?terms only: a regex among them", "?ERROR ?%^INF[O]%", "INFO x", 1 },
    { "doc: %AUTHORIZED% 401", "%AUTHORIZED%", U401, 1 },
    { "doc: %AUTHORIZED% 200", "%AUTHORIZED%", U200, 1 },
    { "doc: %AUTHORIZED% not 400", "%AUTHORIZED%", U400, 0 },
    { "doc: regex IP", "%\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}%",
      "from 10.0.12.7 port 22", 1 },
    { "doc: regex alternation Error", "%[Ee]rror|[Ff]ail%", "an error", 1 },
    { "doc: regex alternation Fail", "%[Ee]rror|[Ff]ail%", "Failed", 1 },
    { "doc: regex alternation none", "%[Ee]rror|[Ff]ail%", "ok", 0 },
    { "doc: regex ^ anchors", "%^[hc]at%", "hat trick", 1 },
    { "doc: regex ^ anchors not mid", "%^[hc]at%", "the cat", 0 },
    { "doc: regex $ anchors", "%[hc]at$%", "the cat", 1 },
    { "doc: regex colou?r", "%colou?r%", "colour", 1 },
    { "doc: regex colou?r color", "%colou?r%", "color", 1 },
    { "doc: regex a{3,5}", "%a{3,5}%", "baaab", 1 },
    { "doc: regex a{3,5} too few", "%a{3,5}%", "baab", 0 },
    { "doc: regex a{3,5} aaaaa", "%a{3,5}%", "aaaaa", 1 },
    { "doc: regex [abc]", "%[abc]%", "xbx", 1 },
    { "doc: regex [abc] none", "%[abc]%", "xyz", 0 },
    { "doc: regex [a-z]", "%[a-z]%", "Q7q", 1 },
    { "doc: regex [a-z] none", "%[a-z]%", "Q7", 0 },
    { "doc: regex [abcx-z]", "%[abcx-z]%", "y", 1 },
    { "doc: regex [abcx-z] none", "%[abcx-z]%", "d", 0 },
    { "doc: regex {,n} (m left out)", "%^a{,2}b$%", "aab", 1 },
    { "doc: regex {,n} too many", "%^a{,2}b$%", "aaab", 0 },
    { "doc: regex {,n} none", "%^a{,2}b$%", "b", 1 },
    { "doc: regex {m,} (n left out)", "%^a{2,}b$%", "aaaab", 1 },
    { "doc: regex {m,} too few", "%^a{2,}b$%", "ab", 0 },
    { "doc: regex gra|ey gray", "%gra|ey%", "gray", 1 },
    { "doc: regex gra|ey grey", "%gra|ey%", "grey", 1 },
    { "doc: regex gra|ey neither", "%gra|ey%", "gruy", 0 },
    { "doc: regex abcc|ab[^c]$ abcc", "%abcc|ab[^c]$%", "abcc x", 1 },
    { "doc: regex abcc|ab[^c]$ aba", "%abcc|ab[^c]$%", "aba", 1 },
    { "doc: regex abcc|ab[^c]$ aac", "%abcc|ab[^c]$%", "aac", 0 },
    { "doc: regex alternation of anchors", "%^starting|^initializing%",
      "initializing ...", 1 },
    { "doc: regex alternation of anchors not mid", "%^starting|^initializing%",
      "skipping initializing ...", 0 },
    { "doc: the page's example with a blank",
      "%^starting|^initializing|^shutting down%", "shutting down now", 1 },
    { "doc: the page's example with a blank, not mid",
      "%^starting|^initializing|^shutting down%", "not shutting down", 0 },
    { "regex with a blank in JSON", "{ $.a = %a b% }", "{\"a\":\"xa by\"}",
      1 },
    { "regex with a blank in JSON, no blank", "{ $.a = %a b% }",
      "{\"a\":\"ab\"}", 0 },
    { "doc: the page's example with a blank, whole words",
      "%^starting|^initializing|^shutting down%", "shutting  down", 0 },
    { "doc: regex \\[.\\] [a]", "%\\[.\\]%", "[a]", 1 },
    { "doc: regex \\[.\\] []]", "%\\[.\\]%", "[]]", 1 },
    { "doc: regex \\[.\\] [ ]", "%\\[.\\]%", "[ ]", 1 },
    { "doc: regex \\[.\\] [ab]", "%\\[.\\]%", "[ab]", 0 },
    { "doc: regex 10\\.10\\.0\\.1", "%10\\.10\\.0\\.1%", "10.10.0.1", 1 },
    { "doc: regex 10\\.10\\.0\\.1 not 10010,051", "%10\\.10\\.0\\.1%",
      "10010,051", 0 },
    { "doc: regex 10.10.0.1 matches 10010,051", "%10.10.0.1%", "10010,051",
      1 },
    { "doc: regex ab*c ac", "%ab*c%", "ac", 1 },
    { "doc: regex ab*c abbbc", "%ab*c%", "abbbc", 1 },
    { "doc: regex ab[0-9]* ab129", "%ab[0-9]*%", "ab129", 1 },
    { "doc: regex ab+c abbc", "%ab+c%", "abbc", 1 },
    { "doc: regex ab+c not ac", "%ab+c%", "ac", 0 },
    { "doc: regex .at with a blank", "%.at%", " at", 1 },
    { "doc: regex .at #at", "%.at%", "#at", 1 },
    { "doc: regex .at needs a character", "%.at%", "at", 0 },
    { "doc: regex \\d", "%\\d%", "x7", 1 },
    { "doc: regex \\d none", "%\\d%", "xy", 0 },
    { "doc: regex \\D", "%\\D%", "7x", 1 },
    { "doc: regex \\D none", "%\\D%", "77", 0 },
    { "doc: regex \\s tab", "%a\\sb%", "a\tb", 1 },
    { "doc: regex \\s none", "%\\s%", "ab", 0 },
    { "doc: regex \\S", "%\\S%", "  ", 0 },
    { "doc: regex \\w", "%\\w%", "._.", 1 },
    { "doc: regex \\w none", "%\\w%", "..", 0 },
    { "doc: regex \\W", "%\\W%", "a-b", 1 },
    { "doc: regex \\W none", "%\\W%", "ab_9", 0 },
    { "doc: regex \\x3A matches :", "%\\x3A%", "a:b", 1 },
    { "doc: regex \\x3A none", "%\\x3A%", "ab", 0 },
    { "doc: regex \\x28 matches (", "%\\x28%", "f(x)", 1 },
    { "aws: regex ^ERROR\\s[0-9]{3}$", "%^ERROR\\s[0-9]{3}$%", "ERROR 500",
      1 },
    { "aws: regex \\s takes a newline", "%^ERROR\\s[0-9]{3}$%",
      "ERROR\n500", 1 },
    { "aws: regex $ is the end", "%^ERROR\\s[0-9]{3}$%", "ERROR 5000", 0 },
    { "aws: regex ERROR|WARN", "%ERROR|WARN%", "WARN 404", 1 },
    { "choice: $ is the very end", "%ab$%", "ab\n", 0 },
    { "choice: . takes a newline", "%a.b%", "a\nb", 1 },
    /* ---- unstructured, earlier edition ---- */
    { "old: ERROR fatal", "ERROR", E_FATAL, 1 },
    { "old: ERROR in ERRORCODE", "ERROR", E_EXIT, 1 },
    { "old: ERROR -Exiting excludes", "ERROR -Exiting", E_EXIT, 0 },
    { "old: ERROR -Exiting keeps", "ERROR -Exiting", E_FATAL, 1 },
    { "old: ERROR Exception IAE", "ERROR Exception", E_IAE, 1 },
    { "old: ERROR Exception unhandled", "ERROR Exception", E_UNH, 1 },
    { "old: ERROR Exception needs both", "ERROR Exception", E_FATAL, 0 },
    { "old: terms Failed to process WARN",
      "Failed to process the request", E_WARNF, 1 },
    { "old: quoted Failed to process WARN",
      "\"Failed to process the request\"", E_WARNF, 1 },
    { "old: quoted Failed to process ERROR",
      "\"Failed to process the request\"", E_CONT, 1 },
    { "old: OR ERROR 1", "ERROR", OR1, 1 },
    { "old: OR ERROR 2", "ERROR", OR2, 1 },
    { "old: OR ERROR not 3", "ERROR", OR3, 0 },
    { "old: ?ERROR ?WARN 1", "?ERROR ?WARN", OR1, 1 },
    { "old: ?ERROR ?WARN 2", "?ERROR ?WARN", OR2, 1 },
    { "old: ?ERROR ?WARN 3", "?ERROR ?WARN", OR3, 1 },
    { "old: ERROR WARN 1", "ERROR WARN", OR1, 1 },
    { "old: ERROR WARN not 2", "ERROR WARN", OR2, 0 },
    { "old: ERROR WARN not 3", "ERROR WARN", OR3, 0 },
    { "old: ERROR -WARN not 1", "ERROR -WARN", OR1, 0 },
    { "old: ERROR -WARN 2", "ERROR -WARN", OR2, 1 },
    { "old: ERROR -WARN not 3", "ERROR -WARN", OR3, 0 },
    { "old: \"\" matches all", "", OR3, 1 },
    /* ---- unstructured, our edge cases ---- */
    { "case-sensitive", "error", U400, 0 },
    { "substring inside word", "RROR", U400, 1 },
    { "blank pattern matches", "   \t ", "anything", 1 },
    { "empty event, empty pattern", "", "", 1 },
    { "empty event, term", "ERROR", "", 0 },
    { "-term alone excludes", "-ERROR", U400, 0 },
    { "-term alone keeps others", "-ERROR", U200, 1 },
    { "-\"phrase\" excludes", "ERROR -\"BAD REQUEST\"", U400, 0 },
    { "-\"phrase\" keeps", "ERROR -\"BAD REQUEST\"", U401, 1 },
    { "?\"phrase\"", "?\"BAD REQUEST\" ?MISSING", U419, 1 },
    { "required plus optional: both", "ERROR ?BAD ?MISSING", U419, 1 },
    /* "If you combine '?' with other filter patterns, all question mark
     * terms will be ignored": ERROR ?BAD ?MISSING is ERROR. */
    { "required plus optional: optionals ignored", "ERROR ?BAD ?MISSING",
      U401, 1 },
    { "required plus optional: no required", "SUCCESS ?BAD ?AUTHORIZED",
      U401, 0 },
    { "quoted escape quote", "\"say \\\"hi\\\"\"", "they say \"hi\" twice", 1 },
    { "quoted escape backslash", "\"a\\\\b\"", "path a\\b", 1 },
    { "quoted keeps punctuation", "\"user@example.com\"",
      "login user@example.com ok", 1 },
    { "quoted brackets", "\"[ERROR 400]\"", U400, 1 },
    { "unicode in quotes", "\"\xc3\xa9t\xc3\xa9\"", "l'\xc3\xa9t\xc3\xa9 chaud",
      1 },
    { "unicode event plain term", "chaud", "l'\xc3\xa9t\xc3\xa9 chaud", 1 },
    { "underscore term", "MAX_RETRIES", "hit MAX_RETRIES=3", 1 },
    { "digits term", "404", A4, 1 },
    { "regex with other terms", "ERROR %4[0-9]{2}%", U419, 1 },
    { "regex with other terms miss", "ERROR %5[0-9]{2}%", U419, 0 },
    { "excluded regex", "ERROR -%4[0-9]{2}%", U500, 1 },
    { "regex is case-sensitive", "%authorized%", U200, 0 },
    { "regex over binary event", "%AB%", "x\x01\xff" "AB", 1 },
    /* ---- JSON, earlier edition "JSON Metric Filter Examples" ---- */
    { "doc: eventType", "{ $.eventType = \"UpdateTrail\" }", J1, 1 },
    { "doc: sourceIP outside 123.123", "{ $.sourceIPAddress != 123.123.* }",
      J1, 1 },
    { "doc: arrayKey[0]", "{ $.arrayKey[0] = \"value\" }", J1, 1 },
    { "doc: objectList[1].id", "{ $.objectList[1].id = 2 }", J1, 1 },
    { "doc: IS NULL", "{ $.SomeObject IS NULL }", J1, 1 },
    { "doc: NOT EXISTS", "{ $.SomeOtherObject NOT EXISTS }", J1, 1 },
    { "doc: IS TRUE", "{ $.ThisFlag IS TRUE }", J1, 1 },
    { "doc: IS FALSE on true", "{ $.ThisFlag IS FALSE }", J1, 0 },
    { "doc: arrayKey not array is false", "{ $.eventType[0] = \"value\" }",
      J1, 0 },
    { "doc: objectList[0].id = 2 false", "{ $.objectList[0].id = 2 }", J1, 0 },
    { "doc: *Event matches PutEvent", "{ $.e = *Event }",
      "{\"e\": \"PutEvent\"}", 1 },
    { "doc: Event* matches EventName", "{ $.e = Event* }",
      "{\"e\": \"EventName\"}", 1 },
    /* ---- JSON, current page ---- */
    { "doc: JSON eventType", "{ $.eventType = \"UpdateTrail\" }", JD, 1 },
    { "doc: JSON sourceIP outside 123.123",
      "{ $.sourceIPAddress != 123.123.* }", JD, 1 },
    { "doc: JSON arrayKey[0]", "{ $.arrayKey[0] = \"value\" }", JD, 1 },
    { "doc: JSON regex Trail", "{ $.eventType = %Trail% }", JD, 1 },
    { "doc: JSON [*] regex", "{ $.arrayKey[*] = %val.{2}% }", JD, 1 },
    { "doc: JSON $.* regex IP",
      "{ $.* = %111\\.111\\.111\\.1[0-9]{1,2}% }", JD, 1 },
    { "doc: JSON bracket name", "{ $.['cluster.name'] = \"c\" }", JD, 1 },
    { "doc: JSON IS NULL", "{ $.SomeObject IS NULL }", JD, 1 },
    { "doc: JSON NOT EXISTS", "{ $.SomeOtherObject NOT EXISTS }", JD, 1 },
    { "JSON [*] regex none", "{ $.arrayKey[*] = %^x% }", JD, 0 },
    { "JSON [*] second element", "{ $.arrayKey[*] = \"another value\" }", JD,
      1 },
    { "JSON $.* regex none", "{ $.* = %222\\.% }", JD, 0 },
    { "JSON bracket name other value", "{ $.['cluster.name'] = \"d\" }", JD,
      0 },
    { "JSON dotted path is not the flat name", "{ $.cluster.name = \"c\" }",
      JD, 0 },
    { "JSON [*] then a name", "{ $.objectList[*].id = 2 }", JD, 1 },
    { "JSON [*] then a name none", "{ $.objectList[*].id = 3 }", JD, 0 },
    { "JSON [*] != holds for one element", "{ $.objectList[*].id != 1 }", JD,
      1 },
    { "JSON [*] NOT EXISTS: every element has it",
      "{ $.objectList[*].name NOT EXISTS }", JD, 0 },
    { "JSON [*] NOT EXISTS: none has it", "{ $.arrayKey[*].x NOT EXISTS }",
      JD, 1 },
    { "JSON .* inside a path", "{ $.objectList[1].* = \"b\" }", JD, 1 },
    { "JSON $.* IS NULL", "{ $.* IS NULL }", JD, 1 },
    { "JSON bracket name with blanks and =",
      "{ $.['a b=c'] = 1 }", "{\"a b=c\": 1}", 1 },
    { "JSON bracket name after a step", "{ $.a['b.c'] = 1 }",
      "{\"a\": {\"b.c\": 1}}", 1 },
    { "doc: numeric > 75", "{ $.bandwidth > 75 }", JNUM, 1 },
    { "doc: numeric < 50", "{ $.latency < 50 }", JNUM, 1 },
    { "doc: numeric >= 60", "{ $.refreshRate >= 60 }", JNUM, 1 },
    { "doc: numeric <= 5", "{ $.responseTime <= 5 }", JNUM, 1 },
    { "doc: numeric = 400", "{ $.errorCode = 400}", JNUM, 1 },
    { "doc: numeric != 500", "{ $.errorCode != 500 }", JNUM, 1 },
    { "doc: numeric 1e+3", "{ $.number[0] = 1e+3 }", JNUM, 1 },
    { "doc: numeric != 1e-3", "{ $.number[0] != 1e-3 }", JNUM, 1 },
    /* ---- JSON wildcards and names, observed against AWS ---- */
    { "aws: arr[*] 67", "{ $.arr[*] = \"hit\" }", P67, 1 },
    { "aws: arr[*] 68", "{ $.arr[*] = \"hit\" }", P68, 1 },
    { "aws: arr[*] on a string", "{ $.arr[*] = \"hit\" }", P71, 0 },
    { "aws: arr[*] does not descend", "{ $.arr[*] = \"hit\" }", P73, 0 },
    { "aws: arr[*] 74", "{ $.arr[*] = \"hit\" }", P74, 1 },
    { "aws: arr[*] on an object", "{ $.arr[*] = \"hit\" }", P75, 1 },
    { "aws: $.* 71", "{ $.* = \"hit\" }", P71, 1 },
    { "aws: $.* dotted member", "{ $.* = \"hit\" }", P73, 1 },
    { "aws: $.* not into arrays", "{ $.* = \"hit\" }", P67, 0 },
    { "aws: $.* not into arrays 74", "{ $.* = \"hit\" }", P74, 0 },
    { "aws: [*] conditions each on its own 67",
      "{ $.items[*].a = 1 && $.items[*].b = 2 }", P67, 1 },
    { "aws: [*] conditions each on its own 74",
      "{ $.items[*].a = 1 && $.items[*].b = 2 }", P74, 1 },
    { "aws: [*] conditions, no items", "{ $.items[*].a = 1 && "
      "$.items[*].b = 2 }", P71, 0 },
    { "aws: bracket name 67", "{ $.['cluster.name'] = \"flat\" }", P67, 1 },
    { "aws: bracket name 68", "{ $.['cluster.name'] = \"flat\" }", P68, 0 },
    { "aws: dotted traversal 68", "{ $.cluster.name = \"flat\" }", P68, 1 },
    { "aws: dotted traversal 67", "{ $.cluster.name = \"flat\" }", P67, 0 },
    { "aws: = 1 on \"1\"", "{ $.v = 1 }", "{\"v\":\"1\"}", 1 },
    { "aws: = 1 not on \"1.0\"", "{ $.v = 1 }", "{\"v\":\"1.0\"}", 0 },
    { "aws: = 1 on 1e0", "{ $.v = 1 }", "{\"v\":1e0}", 1 },
    { "aws: != 1 on \"1.0\"", "{ $.v != 1 }", "{\"v\":\"1.0\"}", 1 },
    { "aws: > 1 not on \"10\"", "{ $.v > 1 }", "{\"v\":\"10\"}", 0 },
    { "aws: > 1 on 10", "{ $.v > 1 }", "{\"v\":10}", 1 },
    /* ---- JSON compound conditions ---- */
    { "doc: compound 1 matches",
      "{ ($.user.id = 1) && ($.users[0].email = \"John.Doe@example.com\") }",
      J2, 1 },
    { "doc: compound 2 does not match",
      "{ ($.user.id = 2 && $.users[0].email = \"nonmatch\") || "
      "$.actions[2] = \"GET\" }", J2, 0 },
    { "doc: compound 3 matches (&& before ||)",
      "{ $.user.email = \"John.Stiles@example.com\" || "
      "$.coordinates[0][1] = nonmatch && $.actions[2] = nomatch }", J2, 1 },
    { "doc: compound 4 does not match",
      "{ ($.user.email = \"John.Stiles@example.com\" || "
      "$.coordinates[0][1] = nonmatch) && $.actions[2] = nomatch }", J2, 0 },
    { "doc: compound || with quoted nonmatch",
      "{ $.user.email = \"John.Stiles@example.com\" || "
      "$.coordinates[0][1] = \"nonmatch\" && $.actions[2] = \"nonmatch\" }",
      J2, 1 },
    { "doc: compound && with quoted nonmatch",
      "{ ($.user.email = \"John.Stiles@example.com\" || "
      "$.coordinates[0][1] = \"nonmatch\") && $.actions[2] = \"nonmatch\" }",
      J2, 0 },
    { "nested arrays coordinates[2][0]", "{ $.coordinates[2][0] = 7 }", J2,
      1 },
    { "nested arrays out of range", "{ $.coordinates[3][0] = 7 }", J2, 0 },
    { "doc: users = 1 on array fails", "{ $.users = 1 }",
      "{\"users\": [1, 2, 3]}", 0 },
    { "doc: users != 1 on array fails", "{ $.users != 1 }",
      "{\"users\": [1, 2, 3]}", 0 },
    { "object selector != fails", "{ $.user != \"x\" }", J2, 0 },
    /* ---- JSON OR (earlier edition) ---- */
    { "doc: foo = bar", "{$.foo = bar}", "{\"foo\": \"bar\"}", 1 },
    { "doc: foo = bar not baz", "{$.foo = bar}", "{\"foo\": \"baz\"}", 0 },
    { "doc: foo = baz", "{$.foo = baz }", "{\"foo\": \"baz\"}", 1 },
    { "doc: foo bar || baz 1", "{$.foo = bar || $.foo = baz }",
      "{\"foo\": \"bar\"}", 1 },
    { "doc: foo bar || baz 2", "{$.foo = bar || $.foo = baz }",
      "{\"foo\": \"baz\"}", 1 },
    /* ---- JSON numeric comparisons (page examples) ---- */
    { "doc: latency >= 500", "{ $.latency >= 500 }", JN, 1 },
    { "doc: numbers[0] < 10e3", "{ $.numbers[0] < 10e3 }", JN, 1 },
    { "doc: numbers[0] < 10e-3", "{ $.numbers[0] < 10e-3 }", JN, 1 },
    { "doc: numbers[1] < 10e-3 false", "{ $.numbers[1] < 10e-3 }", JN, 0 },
    { "doc: averageRuntime <= 55.5",
      "{ $.processes[4].averageRuntime <= 55.5 }", JN, 1 },
    { "doc: errorCode = 400", "{ $.errorCode = 400 }", JN, 1 },
    { "doc: errorCode != 500", "{ $.errorCode != 500 }", JN, 1 },
    { "doc: latency > +1000", "{ $.latency > +1000 }", JN, 1 },
    { "doc: latency = * (metric value example)", "{ $.latency = * }", JN, 1 },
    { "exponent: latency = 1.5e3", "{ $.latency = 1.5e3 }", JN, 1 },
    { "exponent: latency < 1E+4", "{ $.latency < 1E+4 }", JN, 1 },
    { "exponent in event", "{ $.v > 100 }", "{\"v\": 1.5e3}", 1 },
    { "negative number", "{ $.v <= -2.5 }", "{\"v\": -3}", 1 },
    { "big integers compare exactly", "{ $.v = 9007199254740993 }",
      "{\"v\": 9007199254740993}", 1 },
    { "big integers differ", "{ $.v = 9007199254740993 }",
      "{\"v\": 9007199254740992}", 0 },
    { "numeric op on string value fails", "{ $.eventType >= 123 }", JO, 0 },
    { "aws: numeric op on a numeric JSON string is false", "{ $.v > 10 }",
      "{\"v\": \"12\"}", 0 },
    /* ---- JSON, observed against AWS (TestMetricFilter) ---- */
    { "aws: someInt = 123", "{ $.someInt = 123 }", JO, 1 },
    { "aws: someInt = 123.0", "{ $.someInt = 123.0 }", JO, 1 },
    { "aws: someInt != 111", "{ $.someInt != 111 }", JO, 1 },
    { "aws: someInt != 123 false", "{ $.someInt != 123 }", JO, 0 },
    { "aws: someInt > 1", "{ $.someInt > 1 }", JO, 1 },
    { "aws: someInt <= 1000", "{ $.someInt <= 1000 }", JO, 1 },
    { "aws: someFloat = 12.34", "{ $.someFloat = 12.34 }", JO, 1 },
    { "aws: someFloat   >= 1.0", "{ $.someFloat   >= 1.0 }", JO, 1 },
    { "aws: someFloat2 = 12", "{ $.someFloat2 = 12 }", JO, 1 },
    { "aws: someInt = 1*", "{ $.someInt = 1* }", JO, 1 },
    { "aws: someInt = *23", "{ $.someInt = *23 }", JO, 1 },
    { "aws: someInt != 32*", "{ $.someInt != 32* }", JO, 1 },
    { "aws: someFloat = 12.*", "{ $.someFloat = 12.* }", JO, 1 },
    { "aws: someFloat = *.34", "{ $.someFloat = *.34 }", JO, 1 },
    { "aws: someFloat = *}", "{ $.someFloat = *}", JO, 1 },
    { "aws: quoted \"123\" = int", "{ $.someInt = \"123\" }", JO, 1 },
    { "aws: quoted \"123.0\" != int", "{ $.someInt != \"123.0\" }", JO, 1 },
    { "aws: quoted \"12\" != 12.0", "{ $.someFloat2 != \"12\" }", JO, 1 },
    { "aws: quoted \"12.34\" = float", "{ $.someFloat = \"12.34\" }", JO, 1 },
    { "aws: quoted \"*\"", "{ $.someString = \"*\" }", JO, 1 },
    { "aws: quoted \"111*\"", "{ $.someString = \"111*\" }", JO, 1 },
    { "aws: quoted \"*.111.111.111\"",
      "{ $.someString = \"*.111.111.111\" }", JO, 1 },
    { "aws: unquoted IP", "{ $.someString = 111.111.111.111 }", JO, 1 },
    { "aws: 1*3 matches 123 (so != is false)", "{ $.someInt != \"1*3\" }", JO,
      0 },
    { "aws: missing != is false", "{ $.notExisted != \"UpdateTrail\" }", JO,
      0 },
    { "aws: missing = is false", "{ $.notExisted = UpdateTrail }", JO, 0 },
    { "aws: object = string false", "{ $.someObject = \"someString\" }", JO,
      0 },
    { "aws: array != string false", "{ $.someArray != \"someString\" }", JO,
      0 },
    { "aws: ThisFlag[0] false", "{ $.ThisFlag[0] = \"value\" }", J1, 0 },
    { "aws: objectList[1].number false", "{ $.objectList[1].number = 2 }",
      J1, 0 },
    { "aws: NOT EXISTS with spaces", "{ $.SomeOtherObject NOT EXISTS   }",
      J1, 1 },
    /* ---- JSON, our edge cases ---- */
    { "not JSON never matches", "{ $.a NOT EXISTS }", "plain text", 0 },
    { "truncated JSON never matches", "{ $.a NOT EXISTS }", "{\"a\": 1", 0 },
    { "JSON array root never matches", "{ $.a NOT EXISTS }", "[1, 2]", 0 },
    { "leading blanks in event are fine", "{ $.a = 1 }", "  \n{\"a\": 1}", 1 },
    { "NOT EXISTS on existing", "{ $.eventType NOT EXISTS }", J1, 0 },
    { "IS NULL on missing", "{ $.nothing IS NULL }", J1, 0 },
    { "IS NULL on value", "{ $.eventType IS NULL }", J1, 0 },
    { "IS FALSE", "{ $.f IS FALSE }", "{\"f\": false}", 1 },
    { "bool = string does not match", "{ $.f = true }", "{\"f\": true}", 0 },
    { "hyphen in selector", "{ $.detail-type = \"EC2 Instance State\" }",
      "{\"detail-type\": \"EC2 Instance State\"}", 1 },
    { "selector names are case-sensitive", "{ $.EventType = UpdateTrail }",
      J1, 0 },
    { "string compare is case-sensitive", "{ $.eventType = updatetrail }",
      J1, 0 },
    { "unicode value", "{ $.city = \"Z\xc3\xbcrich\" }",
      "{\"city\": \"Z\\u00fcrich\"}", 1 },
    { "escaped quote in value", "{ $.m = \"say \\\"hi\\\"\" }",
      "{\"m\": \"say \\\"hi\\\"\"}", 1 },
    { "empty quoted value", "{ $.m = \"\" }", "{\"m\": \"\"}", 1 },
    { "glob prefix and suffix anchored", "{ $.m = a*c }",
      "{\"m\": \"abcabc\"}", 1 },
    { "glob middle pieces in order", "{ $.m = a*b*c }",
      "{\"m\": \"aXcXbXc\"}", 1 },
    { "glob pieces must not overlap", "{ $.m = ab*bc }", "{\"m\": \"abc\"}",
      0 },
    { "escaped star is literal", "{ $.m = \"a\\*b\" }", "{\"m\": \"a*b\"}", 1 },
    { "escaped star not wildcard", "{ $.m = \"a\\*b\" }", "{\"m\": \"axb\"}",
      0 },
    { "regex value", "{ $.eventType = %Update[A-Z][a-z]+% }", J1, 1 },
    { "regex value !=", "{ $.eventType != %^Delete% }", J1, 1 },
    { "regex on number text", "{ $.someInt = %^1[0-9]+$% }", JO, 1 },
    { "two regexes", "{ $.a = %x% || $.b = %y% }", "{\"b\": \"y\"}", 1 },
    { "parens nest", "{ (($.a = 1) || ($.b = 2)) && $.c = 3 }",
      "{\"b\": 2, \"c\": 3}", 1 },
    { "no spaces at all", "{$.a=1&&$.b!=2}", "{\"a\": 1, \"b\": 3}", 1 },
    { "duplicate keys: last wins", "{ $.a = 2 }", "{\"a\": 1, \"a\": 2}", 1 },
    /* ---- space-delimited (page examples) ---- */
    { "doc: all seven fields", APACHE "]", A1, 1 },
    { "doc: [..., status_code, bytes]", "[..., status_code, bytes]", A1, 1 },
    { "doc: [ip, user, ..., status_code, bytes]",
      "[ip, user, ..., status_code, bytes]", A1, 1 },
    { "doc: [ip, user, ...]", "[ip, user, ...]", A1, 1 },
    { "doc: bytes > 1000", APACHE " > 1000]", A1, 1 },
    { "doc: bytes > 5000 only A2", APACHE " > 5000]", A1, 0 },
    { "doc: bytes > 5000 A2", APACHE " > 5000]", A2, 1 },
    { "doc: status_code = 200 A1",
      "[ip, user, username, timestamp, request, status_code = 200, bytes]",
      A1, 1 },
    { "doc: status_code = 200 not A2",
      "[ip, user, username, timestamp, request, status_code = 200, bytes]",
      A2, 0 },
    { "doc: status_code = 200 A3",
      "[ip, user, username, timestamp, request, status_code = 200, bytes]",
      A3, 1 },
    { "doc: status_code = 4* A4",
      "[ip, user, username, timestamp, request, status_code = 4*, bytes]",
      A4, 1 },
    { "doc: status_code = 4* not A1",
      "[ip, user, username, timestamp, request, status_code = 4*, bytes]",
      A1, 0 },
    { "doc: request = *html* A4",
      "[ip, user, username, timestamp, request = *html*, status_code = 4*, "
      "bytes]", A4, 1 },
    { "doc: request = *.html* A4",
      "[ip, user, username, timestamp, request = *.html*, status_code = 4*, "
      "bytes]", A4, 1 },
    { "doc: request = *html* not A1",
      "[ip, user, username, timestamp, request = *html*, status_code, "
      "bytes]", A1, 0 },
    { "doc: 403 || 404",
      "[ip, user, username, timestamp, request, status_code = 403 || "
      "status_code = 404, bytes]", A4, 1 },
    { "doc: 403 || 404 not 200",
      "[ip, user, username, timestamp, request, status_code = 403 || "
      "status_code = 404, bytes]", A1, 0 },
    { "doc: 4* && != 403",
      "[ip, user, username, timestamp, request, status_code = 4* && "
      "status_code != 403, bytes]", A4, 1 },
    { "doc: [..., request=*.html*, status_code=4*,]",
      "[..., request=*.html*, status_code=4*,]", A4, 1 },
    { "doc: [w1=ERROR, w2] 2", "[w1=ERROR, w2]", OR2, 1 },
    { "doc: [w1=ERROR, w2] 1 (w2 takes the rest)", "[w1=ERROR, w2]", OR1, 1 },
    { "doc: [w1=ERROR, w2] not 3", "[w1=ERROR, w2]", OR3, 0 },
    { "doc: ERROR || WARN 2", "[w1=ERROR || w1=WARN, w2]", OR2, 1 },
    { "doc: ERROR || WARN 3", "[w1=ERROR || w1=WARN, w2]", OR3, 1 },
    { "doc: ERROR || WARN 1 (w2 takes the rest)", "[w1=ERROR || w1=WARN, w2]",
      OR1, 1 },
    /* The page says this one matches event 1; it cannot (event 1 has three
     * fields and its first is ERROR), and matches none. */
    { "doc: != ERROR && != WARN 1", "[w1!=ERROR&&w1!=WARN, w2]", OR1, 0 },
    { "doc: != ERROR && != WARN 2", "[w1!=ERROR&&w1!=WARN, w2]", OR2, 0 },
    { "doc: != ERROR && != WARN other", "[w1!=ERROR&&w1!=WARN, w2]",
      "INFO message", 1 },
    /* ---- space-delimited, current page ---- */
    { "doc: seven fields with regex ip",
      "[ip=%127\\.0\\.0\\.[1-9]%, user, username, timestamp, "
      "request =*.html*, status_code = 4*, bytes]", SD, 1 },
    { "doc: seven fields with regex ip, other ip",
      "[ip=%127\\.0\\.0\\.[1-9]%, user, username, timestamp, "
      "request =*.html*, status_code = 4*, bytes]",
      "127.0.1.5 Prod frank [x] \"GET /index.html HTTP/1.0\" 404 1534", 0 },
    { "doc: ellipsis for the first four", "[..., request =*.html*, "
      "status_code = 4*, bytes]", SD, 1 },
    { "doc: 404 || 410", "[ip, user, username, timestamp, request =*.html*, "
      "status_code = 404 || status_code = 410, bytes]", SD, 1 },
    { "doc: 404 || 410, 410", "[ip, user, username, timestamp, "
      "request =*.html*, status_code = 404 || status_code = 410, bytes]",
      "127.0.0.1 Prod frank [x] \"GET /index.html HTTP/1.0\" 410 1534", 1 },
    { "doc: 404 || 410, 500", "[ip, user, username, timestamp, "
      "request =*.html*, status_code = 404 || status_code = 410, bytes]",
      "127.0.0.1 Prod frank [x] \"GET /index.html HTTP/1.0\" 500 1534", 0 },
    { "doc: [w1=ERROR, w2] S1", "[w1=ERROR, w2]", S1, 0 },
    { "doc: [w1=ERROR, w2] S3", "[w1=ERROR, w2]", S3, 0 },
    { "doc: [w1=ERROR, w2] S4", "[w1=ERROR, w2]", S4, 1 },
    { "doc: ERROR || WARNING S2", "[w1=ERROR || w1=WARNING, w2]", S2, 0 },
    { "doc: ERROR || WARNING S3", "[w1=ERROR || w1=WARNING, w2]", S3, 1 },
    { "doc: ERROR || WARNING S4", "[w1=ERROR || w1=WARNING, w2]", S4, 1 },
    { "doc: != ERROR && != WARNING S1", "[w1!=ERROR && w1!=WARNING, w2]", S1,
      1 },
    { "doc: != ERROR && != WARNING S2", "[w1!=ERROR && w1!=WARNING, w2]", S2,
      1 },
    { "doc: != ERROR && != WARNING S3", "[w1!=ERROR && w1!=WARNING, w2]", S3,
      0 },
    { "doc: != ERROR && != WARNING S4", "[w1!=ERROR && w1!=WARNING, w2]", S4,
      0 },
    { "doc: URI top level S1", URI_TOP, S1, 1 },
    { "doc: URI top level S2", URI_TOP, S2, 0 },
    { "doc: URI top level S3", URI_TOP, S3, 0 },
    { "doc: URI top level S4", URI_TOP, S4, 0 },
    { "doc: URI child level S1", URI_CHILD, S1, 0 },
    { "doc: URI child level S2", URI_CHILD, S2, 1 },
    { "doc: URI child level S3", URI_CHILD, S3, 0 },
    { "doc: URI child level S4", URI_CHILD, S4, 0 },
    { "aws: [w1=ERROR, w2] needs two fields", "[w1=ERROR, w2]", "ERROR", 0 },
    { "aws: the last field's rest is not a number",
      "[a, b, c > 1000]", "x y 1534 extra", 0 },
    { "aws: ellipsis takes the extra fields", "[..., status = 404, bytes]",
      "x 404 1534 extra", 0 },
    { "aws: unterminated quote is a character", "[a, b = \"\\\"x\"]",
      "ERROR \"x y", 0 },
    { "aws: unterminated quote, last takes the rest",
      "[a, b = \"\\\"x y\"]", "ERROR \"x y", 1 },
    /* ---- space-delimited, our edge cases ---- */
    { "too few fields", APACHE ", extra]", A1, 0 },
    { "more fields: the last takes the rest", "[ip, user]", A1, 1 },
    { "more fields: the rest is one value", "[ip, user = frank*]", A1, 0 },
    { "more fields: the rest from the field on", "[ip, user = \"- frank*\"]",
      A1, 1 },
    { "ellipsis needs the rest to fit", "[a, b, c, ...]", "x y", 0 },
    { "[...] matches anything", "[...]", A1, 1 },
    { "[...] matches empty", "[...]", "", 1 },
    { "[] matches no fields", "[]", "", 1 },
    { "[] matches a field too", "[]", "x", 1 },
    { "[] matches any event", "[]", A1, 1 },
    { "ellipsis in the middle backtracks", "[a = x, ..., b = x]",
      "x x y x y x", 1 },
    { "quoted field value", "[a, b = \"GET /index.html HTTP/1.0\", c]",
      "1 \"GET /index.html HTTP/1.0\" 3", 1 },
    { "bracket field is one field", "[a, b = *-0700, c]",
      "1 [10/Oct/2000:13:25:15 -0700] 3", 1 },
    { "tabs delimit (Lambda logs)", "[ts, id, level = ERROR, ...]",
      "2024-01-01T00:00:00Z\tabc-123\tERROR\tboom happened", 1 },
    { "several blanks are one", "[a, b]", "x    y", 1 },
    { "numeric compare of text field", "[a, n >= 10]", "x 10.0", 1 },
    { "numeric op on text is false", "[a, n > 1]", "x abc", 0 },
    { "= number matches 404.0", "[a, n = 404]", "x 404.0", 1 },
    { "!= number on text", "[a, n != 404]", "x abc", 1 },
    { "regex field", "[a, b = %^[0-9]+$%]", "x 12345", 1 },
    { "regex field miss", "[a, b = %^[0-9]+$%]", "x 12a45", 0 },
    { "&& binds tighter in fields",
      "[a = 1 || a = 2 && a = 3]", "1", 1 },
    { "unterminated quote in event", "[a, b = *open]", "x \"still open", 1 },
    { "non-UTF-8 event field", "[a, b]", "\xff\xfe z", 1 },
};

/* ---- syntax errors ----------------------------------------------------- */

struct ecase {
    const char *name;
    const char *pattern;
    const char *msg;        /* the whole message */
};

static const struct ecase ecases[] = {
    { "aws: colon in term", "?Status: timeout",
      "Invalid character(s) in term ':'" },
    { "aws: @ in term", "email@domain.com",
      "Invalid character(s) in term '@'" },
    { "aws: ( in term", "failed (retry)", "Invalid character(s) in term '('" },
    { "aws: [ in term", "\"retrievedReferences\":[]",
      "Invalid character(s) in term ':'" },
    { "aws: backslash in term", "level\\\"",
      "Invalid character(s) in term '\\'" },
    { "aws: backtick", "`ERROR", "Invalid character(s) in term '`'" },
    { "aws: empty quotes", "\"\"", "Invalid character(s) in term '\"\"'" },
    { "aws: $.\"quoted\" selector", "{ $.\"sc-status\" = 5* }",
      "Invalid character(s) in term '$.\"'" },
    { "aws: JSON must end with }", "{$.a = 1 && $.b = 2",
      "If a filter pattern starts with '{' it must end with '}'" },
    { "aws: trailing blank after }", "{ $.a = 1 } ",
      "If a filter pattern starts with '{' it must end with '}'" },
    { "aws: leading blank before {", " {$.ThisFlag IS TRUE} ",
      "Invalid character(s) in term '{'" },
    { "aws: >= quoted string", "{ $.someInt >= \"someString\" }",
      "Invalid character(s) in term '\"someString\"'" },
    { "aws: >= unquoted string", "{ $.someInt >= someString }",
      "Invalid character(s) in term 'someString'" },
    { "aws: > on quoted", "{ $.eventType > \"UpdateTrail\" }",
      "Invalid character(s) in term '\"UpdateTrail\"'" },
    { "aws: cross-field && in space-delimited",
      "[ip, user, username, timestamp, request, status_code = 4* && "
      "bytes > 1000]",
      "Invalid filter pattern: the condition at position 62 names 'bytes' "
      "inside field 'status_code'" },
    { "space must end with ]", "[a, b", "If a filter pattern starts with "
      "'[' it must end with ']'" },
    { "lone {", "{", "If a filter pattern starts with '{' it must end with "
      "'}'" },
    { "dash alone", "ERROR -", "Invalid character(s) in term '-'" },
    { "question alone", "? ERROR", "Invalid character(s) in term '?'" },
    { "hyphen inside term", "ERROR-CODE", "Invalid character(s) in term '-'" },
    { "dot inside term", "10.0.0.1", "Invalid character(s) in term '.'" },
    { "unicode bare term", "\xc3\xa9t\xc3\xa9",
      "Invalid character(s) in term '\xc3\xa9'" },
    { "text after closing quote", "\"abc\"def",
      "Invalid character(s) in term 'd'" },
    { "unterminated quote", "ERROR \"abc", "Invalid filter pattern: "
      "unterminated quoted string at position 7" },
    { "unterminated regex", "%abc", "Invalid filter pattern: unterminated "
      "regular expression at position 1" },
    { "doc: regex ! rejected", "%something!%",
      "Invalid character(s) in term '%something!'" },
    { "regex parentheses rejected", "%(a|b)%",
      "Invalid character(s) in term '%('" },
    { "regex multibyte rejected", "%\xc3\xa9%",
      "Invalid character(s) in term '%\xc3\xa9'" },
    { "empty regex", "%%", "Invalid character(s) in term '%%'" },
    { "bad regex", "%[a-%", "Invalid filter pattern: invalid regular "
      "expression '%[a-%': missing terminating ] for character class" },
    { "aws: three regexes", "{ $.a = %a% || $.b = %b% || $.c = %c% }",
      "Your input has exceeded the maximum of 2 regular expressions per "
      "filter pattern." },
    { "three regex terms", "%a% %b% %c%", "Your input has exceeded the "
      "maximum of 2 regular expressions per filter pattern." },
    { "regex: escape outside the subset", "%\\bword%",
      "Invalid filter pattern: invalid regular expression '%\\bword%': "
      "unsupported escape" },
    { "regex: \\n is not in the subset", "%a\\nb%",
      "Invalid filter pattern: invalid regular expression '%a\\nb%': "
      "unsupported escape" },
    { "regex: \\x needs two hex digits", "%\\x3%",
      "Invalid filter pattern: invalid regular expression '%\\x3%': "
      "unsupported escape" },
    { "regex: back-reference", "%a\\1%",
      "Invalid filter pattern: invalid regular expression '%a\\1%': "
      "unsupported escape" },
    { "regex: lazy quantifier", "%a*?%",
      "Invalid filter pattern: invalid regular expression '%a*?%': "
      "quantifier does not follow a repeatable item" },
    { "regex: possessive quantifier", "%a++%",
      "Invalid filter pattern: invalid regular expression '%a++%': "
      "quantifier does not follow a repeatable item" },
    { "regex: nothing to repeat", "%*a%",
      "Invalid filter pattern: invalid regular expression '%*a%': "
      "quantifier does not follow a repeatable item" },
    { "regex: repeated {m,n}", "%a{2}{3}%",
      "Invalid filter pattern: invalid regular expression '%a{2}{3}%': "
      "quantifier does not follow a repeatable item" },
    { "regex: unclosed {", "%a{3%",
      "Invalid filter pattern: invalid regular expression '%a{3%': "
      "invalid {m,n} quantifier" },
    { "regex: {m,n} with m > n", "%a{5,3}%",
      "Invalid filter pattern: invalid regular expression '%a{5,3}%': "
      "invalid {m,n} quantifier" },
    { "regex: {,}", "%a{,}%",
      "Invalid filter pattern: invalid regular expression '%a{,}%': "
      "invalid {m,n} quantifier" },
    { "regex: POSIX class", "%[[:alpha:]]%",
      "Invalid filter pattern: invalid regular expression '%[[:alpha:]]%': "
      "'[' inside a character class must be escaped" },
    { "regex: empty class", "%[]%",
      "Invalid filter pattern: invalid regular expression '%[]%': "
      "empty character class" },
    { "regex: lone ]", "%a]%",
      "Invalid filter pattern: invalid regular expression '%a]%': "
      "unmatched ']'" },
    { "regex: empty alternative at the end", "%a|%",
      "Invalid filter pattern: invalid regular expression '%a|%': "
      "empty alternative" },
    { "regex: empty alternative in the middle", "%a||b%",
      "Invalid filter pattern: invalid regular expression '%a||b%': "
      "empty alternative" },
    { "aws: regex group in JSON", "{ $.v = %(Alpha|Beta)% }",
      "Invalid character(s) in term '%('" },
    { "doc: abcc|ab[^c]$ as printed (no closing %)", "%abcc|ab[^c]$",
      "Invalid filter pattern: unterminated regular expression at "
      "position 1" },
    { "aws: IS NOT", "{ $.v IS NOT NULL }",
      "Invalid character(s) in term 'NOT'" },
    { "aws: four wildcard selectors", "{ $.arr[*] = \"hit\" || "
      "$.items[*].a = 1 || $.* = \"hit\" || $.matrix[*][0] = 0 }",
      "Your input has exceeded the maximum of 3 JSON wildcard selectors "
      "allowed per filter pattern." },
    { "aws: recursive descent", "{ $..value = \"hit\" }",
      "Invalid character(s) in term '$..'" },
    { "bracket name not closed", "{ $.['a = 1 }",
      "Invalid character(s) in term '$.['" },
    { "empty bracket name", "{ $.[''] = 1 }",
      "Invalid character(s) in term '$.['" },
    { "[*] must follow a step", "{ $[*] = 1 }",
      "Invalid character(s) in term '$['" },
    { "aws: two ellipses", "[..., status, ...]", "Duplicate field '...'" },
    { "aws: a name twice", "[word, word]", "Duplicate field 'word'" },
    { "regex with <", "{ $.a < %1% }", "Invalid character(s) in term '%1%'" },
    { "empty JSON", "{ }", "Invalid filter pattern: unexpected end of "
      "pattern at position 3" },
    { "selector without $", "{ eventType = 1 }",
      "Invalid character(s) in term 'eventType'" },
    { "bare $", "{ $ = 1 }", "Invalid character(s) in term '$'" },
    { "selector ends with dot", "{ $.a. = 1 }",
      "Invalid character(s) in term '$.a.'" },
    { "index must follow property", "{ $[0] = 1 }",
      "Invalid character(s) in term '$['" },
    { "aws: two wildcards in a selector", "{ $.items[*].* = 1 }",
      "Your filter pattern has a JSON path selector that exceeds the "
      "maximum of 1 wildcard allowed per json selector." },
    { "missing operator", "{ $.a 1 }", "Invalid filter pattern: unexpected "
      "'1' at position 7" },
    { "missing value", "{ $.a = }", "Invalid filter pattern: unexpected end "
      "of pattern at position 9" },
    { "lowercase is null", "{ $.a is null }", "Invalid filter pattern: "
      "unexpected 'is' at position 7" },
    { "IS MAYBE", "{ $.a IS MAYBE }", "Invalid character(s) in term "
      "'MAYBE'" },
    { "NOT without EXISTS", "{ $.a NOT NULL }", "Invalid filter pattern: "
      "unexpected 'NULL' at position 11" },
    { "single &", "{ $.a = 1 & $.b = 2 }", "Invalid character(s) in term "
      "'&'" },
    { "single |", "{ $.a = 1 | $.b = 2 }", "Invalid character(s) in term "
      "'|'" },
    { "bare !", "{ $.a ! 1 }", "Invalid character(s) in term '!'" },
    { "dangling &&", "{ $.a = 1 && }", "Invalid filter pattern: unexpected "
      "end of pattern at position 14" },
    { "unbalanced (", "{ ($.a = 1 }", "Invalid filter pattern: unexpected "
      "end of pattern at position 12" },
    { "unbalanced )", "{ $.a = 1) }", "Invalid filter pattern: unexpected "
      "')' at position 10" },
    { "two JSON patterns", "{ $.a = 1 } || { $.b = 2 }",
      "Invalid filter pattern: unexpected '}' at position 11" },
    { "unquoted value with colon", "{ $.t = 10:00 }",
      "Invalid character(s) in term '10:00'" },
    { "unquoted value with @", "{ $.e = a@b.c }",
      "Invalid character(s) in term 'a@b.c'" },
    { "JSON unterminated string", "{ $.a = \"x }", "Invalid filter pattern: "
      "unterminated quoted string at position 9" },
    { "space: bad field name", "[ip-addr, b]",
      "Invalid character(s) in term 'ip-addr'" },
    { "space: value needs quotes", "[a = x/y]",
      "Invalid character(s) in term 'x/y'" },
    { "space: missing comma", "[a b]", "Invalid filter pattern: unexpected "
      "'b' at position 4" },
    { "space: > on text", "[a > big]", "Invalid character(s) in term 'big'" },
    { "space: IS NULL not allowed", "[a IS NULL]", "Invalid filter pattern: "
      "unexpected 'IS' at position 4" },
    { "space: parens not allowed", "[(a = 1)]", "Invalid filter pattern: "
      "unexpected '(' at position 2" },
    { "space: ellipsis with condition", "[... = 1]", "Invalid filter "
      "pattern: unexpected '=' at position 6" },
};

/* ---- extracted values (TestMetricFilter) ------------------------------- */

struct xcase {
    const char *name;
    const char *pattern;
    const char *event;
    const char *want;       /* JSON object; NULL: no match */
};

static const struct xcase xcases[] = {
    /* The page's example (its event text differs from its output; this
     * is the event it shows, with the output that event gives). */
    { "doc: [..., request=*.html*, status_code=4*,]",
      "[..., request=*.html*, status_code=4*,]", A4,
      "{\"$status_code\": \"404\", "
      "\"$request\": \"GET /index.html HTTP/1.0\", \"$7\": \"1534\", "
      "\"$4\": \"10/Oct/2000:13:25:15 -0700\", \"$3\": \"frank\", "
      "\"$2\": \"-\", \"$1\": \"127.0.0.1\"}" },
    { "space: all named", "[a, b, c]", "x y z",
      "{\"$a\": \"x\", \"$b\": \"y\", \"$c\": \"z\"}" },
    { "space: ellipsis in the middle", "[first, ..., last]", "a b c d",
      "{\"$first\": \"a\", \"$2\": \"b\", \"$3\": \"c\", \"$last\": \"d\"}" },
    { "space: no match", "[a, b]", "x", NULL },
    { "json: selectors used", "{ $.eventType = \"UpdateTrail\" && "
      "$.objectList[1].id = 2 }", J1,
      "{\"$.eventType\": \"UpdateTrail\", \"$.objectList[1].id\": \"2\"}" },
    { "json: latency for metric value", "{ $.latency = * }", JN,
      "{\"$.latency\": \"1500\"}" },
    { "json: real keeps its form", "{ $.someFloat2 > 1 }", JO,
      "{\"$.someFloat2\": \"12.0\"}" },
    { "json: missing selector left out", "{ $.a = 1 || $.b NOT EXISTS }",
      "{\"a\": 1}", "{\"$.a\": \"1\"}" },
    { "json: null and bool as text", "{ $.n IS NULL && $.t IS TRUE }",
      "{\"n\": null, \"t\": true}", "{\"$.n\": \"null\", \"$.t\": \"true\"}" },
    { "json: no match", "{ $.a = 2 }", "{\"a\": 1}", NULL },
    { "text: empty object", "ERROR", U400, "{}" },
    { "doc: extracted fields of the space-delimited example",
      "[ip, user, username, timestamp, request =*.html*, "
      "status_code = 404 || status_code = 410, bytes]", SD,
      "{\"$bytes\": \"1534\", \"$status_code\": \"404\", "
      "\"$request\": \"GET /index.html HTTP/1.0\", "
      "\"$timestamp\": \"10/Oct/2000:13:25:15 -0700\", "
      "\"$username\": \"frank\", \"$user\": \"Prod\", "
      "\"$ip\": \"127.0.0.1\"}" },
    { "aws: w2 takes the rest", "[w1=ERROR, w2]", "ERROR request failed",
      "{\"$w1\": \"ERROR\", \"$w2\": \"request failed\"}" },
    { "aws: w2 one quoted field", "[w1=ERROR, w2]", "ERROR \"two words\"",
      "{\"$w1\": \"ERROR\", \"$w2\": \"two words\"}" },
    { "aws: w2 the rest as written", "[w1=ERROR, w2]",
      "ERROR \"unterminated words",
      "{\"$w1\": \"ERROR\", \"$w2\": \"\\\"unterminated words\"}" },
    { "aws: the rest keeps its blanks", "[w1!=ERROR && w1!=WARNING, w2]",
      "127.0.0.5  -  frank [10/Oct/2000:13:25:19 -0700] "
      "\"GET /index.html HTTP/1.0\" 404 1534 extra",
      "{\"$w1\": \"127.0.0.5\", \"$w2\": \"-  frank "
      "[10/Oct/2000:13:25:19 -0700] \\\"GET /index.html HTTP/1.0\\\" "
      "404 1534 extra\"}" },
    { "aws: [] extracts every field", "[]", "ERROR request failed",
      "{\"$1\": \"ERROR\", \"$2\": \"request\", \"$3\": \"failed\"}" },
    { "aws: [..., bytes] with an unterminated quote", "[..., bytes]",
      "ERROR \"unterminated words",
      "{\"$1\": \"ERROR\", \"$2\": \"\\\"unterminated\", "
      "\"$bytes\": \"words\"}" },
    { "json: a wildcard extracts the first value",
      "{ $.arrayKey[*] = %val.{2}% }", JD,
      "{\"$.arrayKey[*]\": \"value\"}" },
    { "all: empty object", "", "x", "{}" },
};

/* ---- helpers ----------------------------------------------------------- */

static struct lv_filter *compile(const char *p, struct lv_err *err)
{
    return lv_filter_compile(p, strlen(p), err);
}

/* ---- tests ------------------------------------------------------------- */

static void test_match(void **state)
{
    size_t k;
    int failed = 0;

    (void)state;
    for (k = 0; k < sizeof(mcases) / sizeof(mcases[0]); k++) {
        const struct mcase *c = &mcases[k];
        struct lv_err err = LV_ERR_INIT;
        struct lv_filter *f = compile(c->pattern, &err);
        int got;

        if (!f) {
            print_error("FAIL %s: compile: %s\n", c->name, err.msg);
            failed++;
            continue;
        }
        got = lv_filter_match(f, c->event, strlen(c->event));
        if (got != c->want) {
            print_error("FAIL %s: pattern %s on %s: got %d want %d\n",
                        c->name, c->pattern, c->event, got, c->want);
            failed++;
        }
        lv_filter_free(f);
    }
    print_message("%zu match cases\n", k);
    assert_int_equal(failed, 0);
}

static void test_errors(void **state)
{
    size_t k;
    int failed = 0;

    (void)state;
    for (k = 0; k < sizeof(ecases) / sizeof(ecases[0]); k++) {
        const struct ecase *c = &ecases[k];
        struct lv_err err = LV_ERR_INIT;
        struct lv_filter *f = compile(c->pattern, &err);

        if (f) {
            print_error("FAIL %s: %s compiled\n", c->name, c->pattern);
            lv_filter_free(f);
            failed++;
            continue;
        }
        if (err.code != LV_E_INVALID_PARAMETER ||
            strcmp(err.msg, c->msg) != 0) {
            print_error("FAIL %s: got \"%s\"\n      want \"%s\"\n", c->name,
                        err.msg, c->msg);
            failed++;
        }
    }
    print_message("%zu error cases\n", k);
    assert_int_equal(failed, 0);
}

static void test_extract(void **state)
{
    size_t k;
    int failed = 0;

    (void)state;
    for (k = 0; k < sizeof(xcases) / sizeof(xcases[0]); k++) {
        const struct xcase *c = &xcases[k];
        struct lv_err err = LV_ERR_INIT;
        struct lv_filter *f = compile(c->pattern, &err);
        json_t *got = (json_t *)1;
        json_t *want = NULL;
        int m;

        if (!f) {
            print_error("FAIL %s: compile: %s\n", c->name, err.msg);
            failed++;
            continue;
        }
        m = lv_filter_match_extract(f, c->event, strlen(c->event), &got);
        if (c->want) {
            want = json_loads(c->want, 0, NULL);
            assert_non_null(want);
        }
        if (m != (c->want != NULL) || (!want && got) ||
            (want && !json_equal(want, got))) {
            char *s = got ? json_dumps(got, JSON_SORT_KEYS) : NULL;

            print_error("FAIL %s: match %d, got %s\n", c->name, m,
                        s ? s : "NULL");
            free(s);
            failed++;
        }
        json_decref(want);
        json_decref(got);
        lv_filter_free(f);
    }
    assert_int_equal(failed, 0);
}

static void test_kind_and_prefilter(void **state)
{
    static const struct {
        const char *pattern;
        enum lv_filter_kind kind;
        size_t nreq;
    } rows[] = {
        { "", LV_FILTER_ALL, 0 },
        { "  ", LV_FILTER_ALL, 0 },
        { "\" \"", LV_FILTER_ALL, 0 },
        { "ERROR", LV_FILTER_TEXT, 1 },
        { "ERROR \"BAD REQUEST\" -x ?y ?z %q%", LV_FILTER_TEXT, 2 },
        { "-ERROR", LV_FILTER_TEXT, 0 },
        { "{ $.a = 1 }", LV_FILTER_JSON, 1 },        /* "a" */
        { "[a, ...]", LV_FILTER_SPACE, 0 },
        { "[]", LV_FILTER_SPACE, 0 },
        { "ERROR ?x ?y", LV_FILTER_TEXT, 1 },
        { "?x ?\" \"", LV_FILTER_ALL, 0 },
        { "\" \" ?x", LV_FILTER_ALL, 0 },
        { "-x ?y", LV_FILTER_TEXT, 0 },
    };
    const struct lv_filter_lit *lits;
    size_t k;

    (void)state;
    for (k = 0; k < sizeof(rows) / sizeof(rows[0]); k++) {
        struct lv_err err = LV_ERR_INIT;
        struct lv_filter *f = compile(rows[k].pattern, &err);

        assert_non_null(f);
        assert_int_equal(lv_filter_kind(f), rows[k].kind);
        assert_int_equal(lv_filter_required(f, &lits), rows[k].nreq);
        lv_filter_free(f);
    }
    {
        struct lv_err err = LV_ERR_INIT;
        struct lv_filter *f = compile("ERROR \"BAD REQUEST\"", &err);

        assert_int_equal(lv_filter_required(f, &lits), 2);
        assert_int_equal(lits[1].len, 11);
        assert_memory_equal(lits[1].data, "BAD REQUEST", 11);
        lv_filter_free(f);
    }
}

static void test_long(void **state)
{
    size_t n = 256 * 1024;
    char *msg = lv_xmalloc(n + 1);
    char pat[LV_FILTER_MAX_PATTERN + 2];
    struct lv_err err = LV_ERR_INIT;
    struct lv_filter *f;
    size_t k;

    (void)state;
    /* A 256 KB event (AWS's maximum): term at the very end. */
    memset(msg, 'a', n);
    memcpy(msg + n - 6, "NEEDLE", 6);
    f = compile("NEEDLE", &err);
    assert_int_equal(lv_filter_match(f, msg, n), 1);
    assert_int_equal(lv_filter_match(f, msg, n - 1), 0);
    lv_filter_free(f);
    /* Catastrophic regex on it: bounded, answers no. */
    f = compile("%a*a*a*a*a*a*a*b%", &err);
    assert_non_null(f);
    assert_int_equal(lv_filter_match(f, msg, n - 6), 0);
    lv_filter_free(f);
    /* Many fields against a pattern with an ellipsis, and without one
     * (the last field takes the rest of the event). */
    for (k = 0; k < n; k += 2) {
        msg[k] = 'x';
        msg[k + 1] = ' ';
    }
    f = compile("[..., a = y, b]", &err);
    assert_int_equal(lv_filter_match(f, msg, n), 0);
    msg[n - 4] = 'y';           /* the last field but one */
    assert_int_equal(lv_filter_match(f, msg, n), 1);
    lv_filter_free(f);
    f = compile("[a, b = *y*]", &err);
    assert_non_null(f);
    assert_int_equal(lv_filter_match(f, msg, n), 1);
    msg[n - 4] = 'x';
    assert_int_equal(lv_filter_match(f, msg, n), 0);
    lv_filter_free(f);
    /* Pattern lengths: 1024 is fine, 1025 is not. */
    memset(pat, 'A', sizeof(pat));
    f = lv_filter_compile(pat, LV_FILTER_MAX_PATTERN, &err);
    assert_non_null(f);
    lv_filter_free(f);
    f = lv_filter_compile(pat, LV_FILTER_MAX_PATTERN + 1, &err);
    assert_null(f);
    assert_string_equal(err.msg, "Invalid filter pattern: longer than 1024 "
                        "characters");
    /* Deep parentheses. */
    {
        char deep[LV_FILTER_MAX_PATTERN + 1];
        size_t d = 300, p = 0;

        deep[p++] = '{';
        for (k = 0; k < d; k++) {
            deep[p++] = '(';
        }
        memcpy(deep + p, "$.a=1", 5);
        p += 5;
        for (k = 0; k < d; k++) {
            deep[p++] = ')';
        }
        deep[p++] = '}';
        f = lv_filter_compile(deep, p, &err);
        assert_non_null(f);
        assert_int_equal(lv_filter_match(f, "{\"a\":1}", 7), 1);
        lv_filter_free(f);
    }
    free(msg);
}

/* Garbage, truncated and bit-flipped patterns compile or fail cleanly,
 * and whatever compiles matches without harm. */
static void test_garbage(void **state)
{
    static const char *const seeds[] = {
        "{ ($.user.id = 1) && ($.users[0].email = \"John.Doe@example.com\") }",
        "[..., request=*.html*, status_code=4* && status_code != 403,]",
        "ERROR -\"BAD REQUEST\" ?%4[0-9]{2}% ?x",
        "{ $.a = %^x[a-z]{1,3}$% || $.b NOT EXISTS && $.c IS TRUE }",
    };
    static const char *const events[] = { J1, J2, A4, U400, "", "{" };
    unsigned int seed = 12345;
    size_t s, k, e;

    (void)state;
    for (s = 0; s < sizeof(seeds) / sizeof(seeds[0]); s++) {
        size_t len = strlen(seeds[s]);
        char buf[256];

        for (k = 0; k <= len; k++) {            /* every truncation */
            struct lv_err err = LV_ERR_INIT;
            struct lv_filter *f = lv_filter_compile(seeds[s], k, &err);

            for (e = 0; f && e < sizeof(events) / sizeof(events[0]); e++) {
                json_t *x = NULL;

                lv_filter_match_extract(f, events[e], strlen(events[e]), &x);
                json_decref(x);
            }
            if (!f) {
                assert_int_equal(err.code, LV_E_INVALID_PARAMETER);
                assert_true(err.msg[0] != '\0');
            }
            lv_filter_free(f);
        }
        for (k = 0; k < 2000; k++) {            /* bit flips */
            struct lv_err err = LV_ERR_INIT;
            struct lv_filter *f;

            memcpy(buf, seeds[s], len);
            seed = seed * 1103515245u + 12345u;
            buf[(seed >> 8) % len] ^= (char)(1u << ((seed >> 20) % 8));
            seed = seed * 1103515245u + 12345u;
            buf[(seed >> 8) % len] = (char)(seed >> 24);
            f = lv_filter_compile(buf, len, &err);
            for (e = 0; f && e < sizeof(events) / sizeof(events[0]); e++) {
                json_t *x = NULL;

                lv_filter_match_extract(f, events[e], strlen(events[e]), &x);
                json_decref(x);
            }
            if (!f) {
                assert_int_equal(err.code, LV_E_INVALID_PARAMETER);
            }
            lv_filter_free(f);
        }
    }
}


/* ---- the prefilter ------------------------------------------------------ */

/* The literals each pattern gets: "lit" or "\\lit" for or_backslash,
 * NULL-terminated. */
struct pcase {
    const char *name;
    const char *pattern;
    const char *lits[8];
};

static const struct pcase pcases[] = {
    { "json: names of a path", "{ $.a.b[0].c = 1 }",
      { "\\\"a\"", "\\\"b\"", "\\\"c\"", NULL } },
    { "json: text value", "{ $.level = \"ERROR\" }",
      { "\\\"level\"", "\\\"ERROR\"", NULL } },
    { "json: unquoted word value", "{ $.level = ERROR }",
      { "\\\"level\"", "\\\"ERROR\"", NULL } },
    { "json: number value gives nothing", "{ $.status = 503 }",
      { "\\\"status\"", NULL } },
    { "json: numeric text gives nothing", "{ $.s = \"503.0\" }",
      { "\\\"s\"", NULL } },
    { "json: numeric-looking 1e5 text gives nothing", "{ $.s = \"1e5\" }",
      { "\\\"s\"", NULL } },
    { "json: inf text gives nothing", "{ $.s = \"inf\" }",
      { "\\\"s\"", NULL } },
    { "json: glob pieces", "{ $.u = \"ab*cd*gh\" }",
      { "\\\"u\"", "\\\"ab", "\\cd", "\\gh\"", NULL } },
    { "json: glob piece of e and f skipped", "{ $.u = \"ab*ef\" }",
      { "\\\"u\"", "\\\"ab", NULL } },
    { "json: glob open ends", "{ $.u = \"*ab*\" }",
      { "\\\"u\"", "\\ab", NULL } },
    { "json: glob numeric piece skipped", "{ $.u = \"5*x\" }",
      { "\\\"u\"", "\\x\"", NULL } },
    { "json: && chain", "{ $.status = 503 && $.latency_ms > 500 }",
      { "\\\"status\"", "\\\"latency_ms\"", NULL } },
    { "json: || gives nothing", "{ $.a = \"x\" || $.b = \"y\" }",
      { NULL } },
    { "json: && under ||", "{ ($.a = \"x\" && $.b = 1) || $.c = 2 }",
      { NULL } },
    { "json: || under &&", "{ $.k = 1 && ($.a = \"x\" || $.b = 1) }",
      { "\\\"k\"", NULL } },
    { "json: NOT EXISTS gives nothing", "{ $.a NOT EXISTS }", { NULL } },
    { "json: != names only", "{ $.a != \"x\" }", { "\\\"a\"", NULL } },
    { "json: regex names only", "{ $.a = %x% }", { "\\\"a\"", NULL } },
    { "json: IS TRUE", "{ $.f IS TRUE }", { "\\\"f\"", "true", NULL } },
    { "json: IS FALSE", "{ $.f IS FALSE }", { "\\\"f\"", "false", NULL } },
    { "json: IS NULL", "{ $.f IS NULL }", { "\\\"f\"", "null", NULL } },
    { "json: same name once", "{ $.a = 1 && $.a < 5 }",
      { "\\\"a\"", NULL } },
    { "space: text", "[ip, user = frank, ...]", { "frank", NULL } },
    { "space: quoted text", "[a = \"x y\", b]", { "x y", NULL } },
    { "space: numeric text is still text", "[a = \"503\"]",
      { "503", NULL } },
    { "space: number gives nothing",
      "[ip, ident, user, ts, request, status = 503, bytes, referer, agent]",
      { NULL } },
    { "space: glob pieces", "[..., request = *.html*, s = 4*]",
      { ".html", "4", NULL } },
    { "space: && on a field", "[a = x* && a != xy]", { "x", NULL } },
    { "space: || on a field", "[a = x || a = y]", { NULL } },
    { "text: unchanged", "ERROR \"BAD REQUEST\"",
      { "ERROR", "BAD REQUEST", NULL } },
    { "text: ignored ?terms give nothing", "ERROR ?WARN ?INFO",
      { "ERROR", NULL } },
    { "text: ?terms only give nothing", "?WARN ?INFO", { NULL } },
    { "json: wildcard step gives no name", "{ $.a[*].b = \"x\" }",
      { "\\\"a\"", "\\\"b\"", "\\\"x\"", NULL } },
    { "json: $.* gives the value only", "{ $.* = \"x\" }",
      { "\\\"x\"", NULL } },
    { "json: bracket name", "{ $.['c.n'] = 1 }", { "\\\"c.n\"", NULL } },
};

static void test_prefilter_rules(void **state)
{
    size_t k, j;
    int failed = 0;

    (void)state;
    for (k = 0; k < sizeof(pcases) / sizeof(pcases[0]); k++) {
        const struct pcase *c = &pcases[k];
        struct lv_err err = LV_ERR_INIT;
        struct lv_filter *f = compile(c->pattern, &err);
        const struct lv_filter_lit *lits;
        size_t n;

        assert_non_null(f);
        n = lv_filter_required(f, &lits);
        for (j = 0; c->lits[j]; j++) {
            const char *w = c->lits[j];
            int bs = w[0] == '\\';

            if (bs) {
                w++;
            }
            if (j >= n || lits[j].len != strlen(w) ||
                memcmp(lits[j].data, w, lits[j].len) != 0 ||
                lits[j].or_backslash != bs) {
                print_error("FAIL %s: literal %zu: got %.*s (%d), want "
                            "%s\n", c->name, j,
                            j < n ? (int)lits[j].len : 4,
                            j < n ? lits[j].data : "none",
                            j < n ? lits[j].or_backslash : -1, c->lits[j]);
                failed++;
            }
        }
        if (n != j) {
            print_error("FAIL %s: %zu literals, want %zu\n", c->name, n, j);
            failed++;
        }
        lv_filter_free(f);
    }
    assert_int_equal(failed, 0);
}

/* Events that DO match, written to dodge each literal rule: escapes in
 * names and values, numbers spelt otherwise, duplicates, odd fields. Each
 * must still match through lv_filter_match (which applies the prefilter),
 * and through the whole-chunk check too. */
static const struct mcase breakers[] = {
    { "escaped name", "{ $.status = 503 }", "{\"st\\u0061tus\": 503}", 1 },
    { "escaped name, escaped slash elsewhere", "{ $.a = 1 }",
      "{\"\\u0061\": 1, \"p\": \"\\/\"}", 1 },
    { "escaped value", "{ $.level = \"ERROR\" }",
      "{\"level\": \"\\u0045RROR\"}", 1 },
    { "value with escaped quote", "{ $.m = \"say \\\"hi\\\"\" }",
      "{\"m\": \"say \\\"hi\\\"\"}", 1 },
    { "number as exponent", "{ $.status = 503 }", "{\"status\": 5.03e2}", 1 },
    { "number with fraction", "{ $.status = 503 }", "{\"status\": 503.0}",
      1 },
    { "number as a string of its text", "{ $.status = 503 }",
      "{\"status\": \"503\"}",
      1 },
    { "numeric text against exponent", "{ $.s = \"503.0\" }",
      "{\"s\": 5.03e2}", 1 },
    { "numeric text 12.0", "{ $.s = \"12.0\" }", "{\"s\": 1.2e1}", 1 },
    { "glob against number", "{ $.s = \"50*\" }", "{\"s\": 5.03e2}", 1 },
    { "glob against escaped string", "{ $.u = \"ab*ef\" }",
      "{\"u\": \"\\u0061bcdef\"}", 1 },
    { "glob, piece escaped", "{ $.u = \"*/x*\" }",
      "{\"u\": \"a\\/x\"}", 1 },
    { "duplicate name, last wins", "{ $.a = \"y\" }",
      "{\"a\": \"x\", \"a\": \"y\"}", 1 },
    { "IS TRUE", "{ $.f IS TRUE }", "{\"f\":true}", 1 },
    { "unicode value escaped in the event", "{ $.n = \"caf\xc3\xa9\" }",
      "{\"n\": \"caf\\u00e9\"}", 1 },
    { "unicode value raw", "{ $.n = \"caf\xc3\xa9\" }",
      "{\"n\": \"caf\xc3\xa9\"}", 1 },
    { "space: number spelt 5.03e2",
      "[ip, ident, user, ts, request, status = 503, bytes]",
      "1.2.3.4 - - [x] \"GET /\" 5.03e2 10", 1 },
    { "space: number +503", "[a, status = 503]", "x +503", 1 },
    { "space: quoted text field", "[a = \"x y\", b]", "\"x y\" z", 1 },
    { "space: bracket field glob", "[a = *May*, b]", "[01/May/2024] z", 1 },
    { "space: text with ellipsis", "[..., a = frank, b]",
      "1 2 frank 3", 1 },
    { "space: text in the merged rest", "[a, b = \"2 fr*\"]",
      "1 2   frank 3", 0 },
    { "space: glob in the merged rest", "[a, b = *frank*]",
      "1 2   frank 3", 1 },
    { "json: wildcard over an escaped element", "{ $.a[*] = \"x\" }",
      "{\"a\": [\"y\", \"\\u0078\"]}", 1 },
    { "json: $.* over an escaped name", "{ $.* = 1 }",
      "{\"\\u0061\": 1}", 1 },
    { "json: wildcard then an escaped name", "{ $.a[*].b = 2 }",
      "{\"a\": [{\"b\": 1}, {\"\\u0062\": 2}]}", 1 },
    { "json: bracket name escaped in the event", "{ $.['c.n'] = 1 }",
      "{\"c\\u002en\": 1}", 1 },
};

static void test_prefilter_sound(void **state)
{
    size_t k;
    int failed = 0;

    (void)state;
    for (k = 0; k < sizeof(breakers) / sizeof(breakers[0]); k++) {
        const struct mcase *c = &breakers[k];
        struct lv_err err = LV_ERR_INIT;
        struct lv_filter *f = compile(c->pattern, &err);
        const struct lv_filter_lit *lits;
        size_t n, len = strlen(c->event);

        assert_non_null(f);
        n = lv_filter_required(f, &lits);
        if (lv_filter_match(f, c->event, len) != c->want ||
            (c->want && !lv_filter_lits_present(lits, n, c->event, len))) {
            print_error("FAIL %s: %s on %s\n", c->name, c->pattern,
                        c->event);
            failed++;
        }
        if (lv_filter_kind(f) == LV_FILTER_JSON &&
            lv_filter_json_jansson(f, c->event, len) != c->want) {
            print_error("FAIL %s: jansson disagrees\n", c->name);
            failed++;
        }
        lv_filter_free(f);
    }
    assert_int_equal(failed, 0);
}

/* ---- fast JSON evaluation against jansson ------------------------------ */

static uint64_t rnd_state = 0x9e3779b97f4a7c15ull;

static unsigned rnd(unsigned n)
{
    rnd_state ^= rnd_state << 13;
    rnd_state ^= rnd_state >> 7;
    rnd_state ^= rnd_state << 17;
    return (unsigned)(rnd_state % n);
}

static void put_s(char *b, size_t *n, size_t cap, const char *s)
{
    size_t l = strlen(s);

    if (*n + l < cap) {
        memcpy(b + *n, s, l);
        *n += l;
    }
}

static const char *const keys[] = {
    "\"a\"", "\"b\"", "\"c\"", "\"status\"", "\"x-y\"", "\"\\u0061\"",
    "\"a\\u0000\"", "\"\"", "\"st\\u0061tus\"", "\"B\"",
};

static const char *const scalars[] = {
    "1", "-1", "0", "-0", "503", "503.0", "5.03e2", "-0.0", "1e-400",
    "1e400", "0.1", "12.0", "1.5E+3", "9223372036854775807",
    "-9223372036854775808", "9223372036854775808", "18446744073709551616",
    "123456789012345678901", "1234567890123456789.5", "true", "false",
    "null", "\"x\"", "\"503\"", "\"+503\"", "\"\\u0035\\u00303\"", "\"\"",
    "\"ERROR\"", "\"\\u0045RROR\"", "\"a\\u0000b\"", "\"\\ud83d\\ude00\"",
    "\"\\udc00\"", "\"\\ud800\"", "\"caf\xc3\xa9\"", "\"\\\"q\\\\\"",
    "\"ab cd\"", "\"x*y\"", "\"12.0\"",
};

static void gen_value(char *b, size_t *n, size_t cap, int depth);

static void gen_object(char *b, size_t *n, size_t cap, int depth)
{
    unsigned k, m = rnd(5);

    put_s(b, n, cap, "{");
    for (k = 0; k < m; k++) {
        if (k) {
            put_s(b, n, cap, rnd(8) ? "," : " , ");
        }
        put_s(b, n, cap, keys[rnd(sizeof(keys) / sizeof(keys[0]))]);
        put_s(b, n, cap, rnd(2) ? ":" : " : ");
        gen_value(b, n, cap, depth + 1);
    }
    put_s(b, n, cap, "}");
}

static void gen_value(char *b, size_t *n, size_t cap, int depth)
{
    unsigned r = rnd(10);

    if (depth < 4 && r < 2) {
        gen_object(b, n, cap, depth);
    } else if (depth < 4 && r < 3) {
        unsigned k, m = rnd(4);

        put_s(b, n, cap, "[");
        for (k = 0; k < m; k++) {
            if (k) {
                put_s(b, n, cap, ",");
            }
            gen_value(b, n, cap, depth + 1);
        }
        put_s(b, n, cap, "]");
    } else {
        put_s(b, n, cap, scalars[rnd(sizeof(scalars) / sizeof(scalars[0]))]);
    }
}

static const char *const djpatterns[] = {
    "{ $.a = 1 }", "{ $.a != 1 }", "{ $.a > 0 }", "{ $.a <= -1 }",
    "{ $.status = 503 }", "{ $.status = \"503\" }", "{ $.status = 503.0 }",
    "{ $.a = \"x\" }", "{ $.a = x* }", "{ $.a = \"*\" }", "{ $.a = %^x% }",
    "{ $.a IS TRUE }", "{ $.a IS FALSE }", "{ $.a IS NULL }",
    "{ $.a NOT EXISTS }", "{ $.a.b = 1 || $.a.c = \"x\" }",
    "{ $.a[0] = 1 }", "{ $.a[1].b IS NULL }", "{ $.b[0][0] = \"ERROR\" }",
    "{ $.x-y = -0 }", "{ $.a = \"12.0\" }", "{ $.a = \"0\" }",
    "{ $.a = \"caf\xc3\xa9\" }", "{ $.c = 1e-400 }", "{ $.B = 0.1 }",
    "{ $.a = \"ERROR\" && $.b != 2 }", "{ ($.a = 1 || $.b = 1) && $.c }",
    "{ $.c = \"a*b\" }", "{ $.a = 9223372036854775807 }",
    "{ $.a = \"-0.0\" }", "{ $.a = \"\\\"q\\\\\" }",
    "{ $.a[*] = 1 }", "{ $.* = \"x\" }", "{ $.b[*][0] = \"ERROR\" }",
    "{ $.a.* IS NULL }", "{ $.*.b NOT EXISTS }", "{ $.['a'] = 1 }",
    "{ $.a[*] != 1 && $.c = 1 }", "{ $.*[1] > 0 || $.a.*.b = \"x\" }",
};

static void test_json_differential(void **state)
{
    struct lv_filter *fs[sizeof(djpatterns) / sizeof(djpatterns[0])];
    size_t np = sizeof(djpatterns) / sizeof(djpatterns[0]);
    size_t k, p;
    long decided = 0, matched = 0, total = 0;
    int failed = 0;

    (void)state;
    for (p = 0; p < np; p++) {
        struct lv_err err = LV_ERR_INIT;

        fs[p] = compile(djpatterns[p], &err);
        if (!fs[p]) {
            /* "{ ... && $.c }" is not a pattern: keep the slot empty. */
            continue;
        }
    }
    for (k = 0; k < 20000; k++) {
        char b[2048];
        size_t n = 0;

        if (rnd(4) == 0) {
            put_s(b, &n, sizeof(b), rnd(2) ? " " : "\n\t");
        }
        gen_object(b, &n, sizeof(b), 0);
        switch (rnd(12)) {        /* damage a few */
        case 0: n = n > 1 ? n - 1 - rnd((unsigned)(n - 1)) : n; break;
        case 1: b[rnd((unsigned)n)] ^= (char)(1 << rnd(8)); break;
        case 2: put_s(b, &n, sizeof(b), rnd(2) ? " x" : " \r\n"); break;
        case 3: b[0] = '\v'; break;
        default: break;
        }
        for (p = 0; p < np; p++) {
            const struct lv_filter_lit *lits;
            size_t nl;
            int fast, slow;

            if (!fs[p]) {
                continue;
            }
            total++;
            fast = lv_filter_json_fast(fs[p], b, n);
            slow = lv_filter_json_jansson(fs[p], b, n);
            nl = lv_filter_required(fs[p], &lits);
            decided += fast >= 0;
            matched += slow == 1;
            if ((fast >= 0 && fast != slow) ||
                lv_filter_match(fs[p], b, n) != slow ||
                (slow == 1 && !lv_filter_lits_present(lits, nl, b, n))) {
                if (failed++ < 10) {
                    print_error("FAIL %s on %.*s: fast %d jansson %d\n",
                                djpatterns[p], (int)n, b, fast, slow);
                }
            }
        }
    }
    print_message("%ld evaluations, %ld decided by simdjson, %ld "
                  "matches\n", total, decided, matched);
    for (p = 0; p < np; p++) {
        lv_filter_free(fs[p]);
    }
    assert_int_equal(failed, 0);
    assert_true(decided > total / 4);
    assert_true(matched > 100);
}

/* One compiled filter, several threads at once (each keeps its own PCRE2
 * match data; the sanitizer build checks they neither race nor leak). */
static void *match_loop(void *arg)
{
    const struct lv_filter *f = arg;
    long hits = 0;
    int k;

    for (k = 0; k < 2000; k++) {
        hits += lv_filter_match(f, U419, strlen(U419));
        hits += lv_filter_match(f, U400, strlen(U400));
    }
    return (void *)hits;
}

static void test_threads(void **state)
{
    struct lv_err err = LV_ERR_INIT;
    struct lv_filter *f = compile("ERROR %4[0-9]9% ?MISSING ?INVALID", &err);
    pthread_t th[4];
    size_t k;

    (void)state;
    assert_non_null(f);
    for (k = 0; k < 4; k++) {
        assert_int_equal(pthread_create(&th[k], NULL, match_loop, f), 0);
    }
    for (k = 0; k < 4; k++) {
        void *hits;

        assert_int_equal(pthread_join(th[k], &hits), 0);
        assert_int_equal((long)hits, 2000);
    }
    lv_filter_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_match),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_extract),
        cmocka_unit_test(test_kind_and_prefilter),
        cmocka_unit_test(test_prefilter_rules),
        cmocka_unit_test(test_prefilter_sound),
        cmocka_unit_test(test_json_differential),
        cmocka_unit_test(test_long),
        cmocka_unit_test(test_garbage),
        cmocka_unit_test(test_threads),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
