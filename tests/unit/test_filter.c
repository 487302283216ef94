/*
 * test_filter: the CloudWatch Logs filter pattern compiler and matcher.
 * Every example of AWS's page "Filter pattern syntax for metric filters,
 * subscription filters, filter log events, and Live Tail"
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/
 * FilterAndPatternSyntax.html, and its earlier "Filter and Pattern Syntax"
 * edition) with the sample events the page gives and the matches it
 * states, read at run time from tests/data/filter-doc-cases.json (shared
 * with the integration test 2203; $LV_FILTER_DOC_CASES names another
 * copy, the default path is relative to the repository root, where
 * tests/run-unit.sh runs us); behaviour observed against AWS by public
 * test suites that call TestMetricFilter; then our own edge cases, syntax
 * errors with their messages, extracted values, and garbage / truncated /
 * bit-flipped patterns.
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
#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"

#include "helpers.h"

/* ---- sample events ------------------------------------------------------ */

/* Events of the page (tests/data/filter-doc-cases.json has them all) that
 * the cases below use too. Unstructured examples (current page). */
#define U400 "[ERROR 400] BAD REQUEST"
#define U401 "[ERROR 401] UNAUTHORIZED REQUEST"
#define U419 "[ERROR 419] MISSING ARGUMENTS"
#define U500 "[ERROR 500] INTERNAL SERVER ERROR"
#define U200 "[SUCCESS 200] AUTHORIZED REQUEST"
/* "OR Pattern Matching" (earlier edition) */
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
/* "Numeric Comparisons": our event for the page's example patterns. */
#define JN "{\"latency\": 1500, \"numbers\": [0.001, 2], " \
    "\"processes\": [{}, {}, {}, {}, {\"averageRuntime\": 55.5}], " \
    "\"errorCode\": 400}"
/* Observed against AWS (TestMetricFilter) by a public test suite. */
#define JO "{\"eventType\": \"UpdateTrail\", " \
    "\"someString\": \"111.111.111.111\", \"someInt\": 123, " \
    "\"someFloat\": 12.34, \"someFloat2\": 12.0, \"someObject\": {}, " \
    "\"someArray\": [], \"SomeObject\": null, \"ThisFlag\": true}"

/* "Using Metric Filters to Extract Values from Space-Delimited Log Events" */
#define A1 "127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] " \
    "\"GET /apache_pb.gif HTTP/1.0\" 200 1534"
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
    /* ---- unstructured, beside the page's examples ---- */
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
    { "regex with a blank in JSON", "{ $.a = %a b% }", "{\"a\":\"xa by\"}",
      1 },
    { "regex with a blank in JSON, no blank", "{ $.a = %a b% }",
      "{\"a\":\"ab\"}", 0 },
    { "aws: regex ^ERROR\\s[0-9]{3}$", "%^ERROR\\s[0-9]{3}$%", "ERROR 500",
      1 },
    { "aws: regex \\s takes a newline", "%^ERROR\\s[0-9]{3}$%",
      "ERROR\n500", 1 },
    { "aws: regex $ is the end", "%^ERROR\\s[0-9]{3}$%", "ERROR 5000", 0 },
    { "aws: regex ERROR|WARN", "%ERROR|WARN%", "WARN 404", 1 },
    { "choice: $ is the very end", "%ab$%", "ab\n", 0 },
    { "choice: . takes a newline", "%a.b%", "a\nb", 1 },
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
    /* ---- JSON, beside the page's examples ---- */
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
    /* ---- JSON compound conditions, beside the page's ---- */
    { "nested arrays coordinates[2][0]", "{ $.coordinates[2][0] = 7 }", J2,
      1 },
    { "nested arrays out of range", "{ $.coordinates[3][0] = 7 }", J2, 0 },
    { "object selector != fails", "{ $.user != \"x\" }", J2, 0 },
    /* ---- JSON numbers, beside the page's comparisons ---- */
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
    /* ---- space-delimited, observed against AWS ---- */
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

/* ---- the page's cases, from tests/data ---------------------------------- */

#define DOC_CASES "tests/data/filter-doc-cases.json"

/*
 * The cases of DOC_CASES (or $LV_FILTER_DOC_CASES), loaded by the group
 * setup. The file's own floor: fewer cases than these means cases were
 * lost, and the tests fail (raise them when cases are added).
 */
#define DOC_MIN_MATCH 217
#define DOC_MIN_ERRORS 2
#define DOC_MIN_EXTRACT 2

static struct {
    const char *path;
    struct mcase *m;
    size_t nm;
    struct ecase *e;
    size_t ne;
    struct xcase *x;
    size_t nx;
    char **texts;           /* every string the rows point to */
    size_t ntexts;
} doc;

/* Keeps s (malloc'd) for the rows; returns it. */
static const char *doc_keep(char *s)
{
    doc.texts = lv_xrealloc(doc.texts, (doc.ntexts + 1) * sizeof(char *));
    doc.texts[doc.ntexts++] = s;
    return s;
}

/* A text of the file: a string, or an array of strings read joined.
 * NULL (printed) for anything else. */
static const char *doc_text(const json_t *v, const char *name,
                            const char *key)
{
    struct lv_buf b = LV_BUF_INIT(SIZE_MAX);
    const json_t *piece;
    size_t i;

    if (json_is_string(v)) {
        return doc_keep(lv_xstrndup(json_string_value(v),
                                    json_string_length(v)));
    }
    if (!json_is_array(v) || json_array_size(v) == 0) {
        print_error("%s: %s: \"%s\" is not a text\n", doc.path, name, key);
        return NULL;
    }
    json_array_foreach(v, i, piece) {
        if (!json_is_string(piece)) {
            print_error("%s: %s: \"%s\" holds a non-string\n", doc.path, name,
                        key);
            lv_buf_release(&b);
            return NULL;
        }
        if (lv_buf_add(&b, json_string_value(piece),
                       json_string_length(piece)) < 0) {
            LV_BUG("no ceiling");
        }
    }
    return doc_keep(lv_buf_detach(&b, NULL));
}

/* The case's event: its "event", or the text of its "sample". */
static const char *doc_event(const json_t *samples, const json_t *c,
                             const char *name)
{
    const json_t *s = json_object_get(c, "sample");

    if (!s) {
        return doc_text(json_object_get(c, "event"), name, "event");
    }
    if (!json_is_string(s) ||
        !json_object_get(samples, json_string_value(s))) {
        print_error("%s: %s: no such sample\n", doc.path, name);
        return NULL;
    }
    return doc_text(json_object_get(samples, json_string_value(s)), name,
                    json_string_value(s));
}

/* The cases of the sections of root[key], in order; *n is their number.
 * Each is checked to be an object with a string "name". */
static const json_t **doc_cases(const json_t *root, const char *key,
                                size_t *n)
{
    const json_t *sections = json_object_get(root, key);
    const json_t *sec, *c;
    const json_t **out = NULL;
    size_t i, k;

    *n = 0;
    json_array_foreach(sections, i, sec) {
        json_array_foreach(json_object_get(sec, "cases"), k, c) {
            if (!json_is_string(json_object_get(c, "name"))) {
                print_error("%s: a case of \"%s\" has no name\n", doc.path,
                            key);
                free(out);
                return NULL;
            }
            out = lv_xrealloc(out, (*n + 1) * sizeof(*out));
            out[(*n)++] = c;
        }
    }
    if (!out) {
        print_error("%s: no \"%s\" cases\n", doc.path, key);
    }
    return out;
}

static int doc_unload(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < doc.ntexts; i++) {
        free(doc.texts[i]);
    }
    free(doc.texts);
    free(doc.m);
    free(doc.e);
    free(doc.x);
    memset(&doc, 0, sizeof(doc));
    return 0;
}

/* The group setup: loads the page's cases into doc. 0, or -1 (printed). */
static int doc_load(void **state)
{
    const json_t **cs = NULL;
    const json_t *samples, *want;
    json_t *root;
    json_error_t jerr;
    size_t i, n;
    int ret = -1;

    doc.path = getenv("LV_FILTER_DOC_CASES");
    if (!doc.path || !*doc.path) {
        doc.path = DOC_CASES;
    }
    root = json_load_file(doc.path, 0, &jerr);
    if (!root) {
        print_error("%s: %s (line %d; run from the repository root)\n",
                    doc.path, jerr.text, jerr.line);
        return -1;
    }
    samples = json_object_get(root, "samples");

    cs = doc_cases(root, "match", &n);
    if (!cs) {
        goto out;
    }
    doc.m = lv_xcalloc(n, sizeof(*doc.m));
    for (i = 0; i < n; i++, doc.nm++) {
        struct mcase *c = &doc.m[i];

        c->name = doc_keep(lv_xstrdup(json_string_value(
            json_object_get(cs[i], "name"))));
        c->pattern = doc_text(json_object_get(cs[i], "pattern"), c->name,
                              "pattern");
        c->event = doc_event(samples, cs[i], c->name);
        want = json_object_get(cs[i], "match");
        if (!c->pattern || !c->event || !json_is_boolean(want)) {
            print_error("%s: %s: needs a pattern, an event and a true or "
                        "false \"match\"\n", doc.path, c->name);
            goto out;
        }
        c->want = json_is_true(want);
    }
    free(cs);

    cs = doc_cases(root, "errors", &n);
    if (!cs) {
        goto out;
    }
    doc.e = lv_xcalloc(n, sizeof(*doc.e));
    for (i = 0; i < n; i++, doc.ne++) {
        struct ecase *c = &doc.e[i];

        c->name = doc_keep(lv_xstrdup(json_string_value(
            json_object_get(cs[i], "name"))));
        c->pattern = doc_text(json_object_get(cs[i], "pattern"), c->name,
                              "pattern");
        c->msg = doc_text(json_object_get(cs[i], "message"), c->name,
                          "message");
        if (!c->pattern || !c->msg) {
            goto out;
        }
    }
    free(cs);

    cs = doc_cases(root, "extract", &n);
    if (!cs) {
        goto out;
    }
    doc.x = lv_xcalloc(n, sizeof(*doc.x));
    for (i = 0; i < n; i++, doc.nx++) {
        struct xcase *c = &doc.x[i];

        c->name = doc_keep(lv_xstrdup(json_string_value(
            json_object_get(cs[i], "name"))));
        c->pattern = doc_text(json_object_get(cs[i], "pattern"), c->name,
                              "pattern");
        c->event = doc_event(samples, cs[i], c->name);
        want = json_object_get(cs[i], "extracted");
        if (!c->pattern || !c->event || !(json_is_null(want) ||
                                          json_is_object(want))) {
            print_error("%s: %s: needs a pattern, an event and an object "
                        "or null \"extracted\"\n", doc.path, c->name);
            goto out;
        }
        c->want = json_is_null(want) ? NULL
                                     : doc_keep(json_dumps(want, 0));
    }
    if (doc.nm < DOC_MIN_MATCH || doc.ne < DOC_MIN_ERRORS ||
        doc.nx < DOC_MIN_EXTRACT) {
        print_error("%s: %zu match, %zu error and %zu extract cases; "
                    "cases were lost\n", doc.path, doc.nm, doc.ne, doc.nx);
        goto out;
    }
    ret = 0;
out:
    free(cs);
    json_decref(root);
    if (ret < 0) {
        doc_unload(state);
    }
    return ret;
}

/* ---- helpers ----------------------------------------------------------- */

static struct lv_filter *compile(const char *p, struct lv_err *err)
{
    return lv_filter_compile(p, strlen(p), err);
}

/* The row runners (RUN_TABLE): 1 when the row passes, else 0 with what
 * differs printed. */

static int run_match(const struct mcase *c)
{
    struct lv_err err = LV_ERR_INIT;
    struct lv_filter *f = compile(c->pattern, &err);
    int got;

    if (!f) {
        print_error("    %s: compile: %s\n", c->pattern, err.msg);
        return 0;
    }
    got = lv_filter_match(f, c->event, strlen(c->event));
    lv_filter_free(f);
    if (got != c->want) {
        print_error("    pattern %s on %s: got %d want %d\n", c->pattern,
                    c->event, got, c->want);
        return 0;
    }
    return 1;
}

static int run_error(const struct ecase *c)
{
    struct lv_err err = LV_ERR_INIT;
    struct lv_filter *f = compile(c->pattern, &err);

    if (f) {
        print_error("    %s compiled\n", c->pattern);
        lv_filter_free(f);
        return 0;
    }
    if (err.code != LV_E_INVALID_PARAMETER || strcmp(err.msg, c->msg) != 0) {
        print_error("    got  \"%s\"\n    want \"%s\"\n", err.msg, c->msg);
        return 0;
    }
    return 1;
}

static int run_extract(const struct xcase *c)
{
    struct lv_err err = LV_ERR_INIT;
    struct lv_filter *f = compile(c->pattern, &err);
    json_t *got = (json_t *)1;
    json_t *want = NULL;
    int m, ok;

    if (!f) {
        print_error("    %s: compile: %s\n", c->pattern, err.msg);
        return 0;
    }
    m = lv_filter_match_extract(f, c->event, strlen(c->event), &got);
    if (c->want) {
        want = json_loads(c->want, 0, NULL);
        assert_non_null(want);
    }
    ok = m == (c->want != NULL) && (want || !got) &&
         (!want || json_equal(want, got));
    if (!ok) {
        char *s = got ? json_dumps(got, JSON_SORT_KEYS) : NULL;

        print_error("    match %d, got %s\n", m, s ? s : "NULL");
        free(s);
    }
    json_decref(want);
    json_decref(got);
    lv_filter_free(f);
    return ok;
}

/* ---- tests ------------------------------------------------------------- */

static void test_match(void **state)
{
    (void)state;
    RUN_TABLE("match", mcases, run_match);
}

static void test_errors(void **state)
{
    (void)state;
    RUN_TABLE("errors", ecases, run_error);
}

static void test_extract(void **state)
{
    (void)state;
    RUN_TABLE("extract", xcases, run_extract);
}

static void test_doc_match(void **state)
{
    (void)state;
    RUN_ROWS("doc match", doc.m, doc.nm, run_match);
}

static void test_doc_errors(void **state)
{
    (void)state;
    RUN_ROWS("doc errors", doc.e, doc.ne, run_error);
}

static void test_doc_extract(void **state)
{
    (void)state;
    RUN_ROWS("doc extract", doc.x, doc.nx, run_extract);
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

/* Row runner: the required literals of c->pattern are c->lits. */
static int run_prefilter_rule(const struct pcase *c)
{
    struct lv_err err = LV_ERR_INIT;
    struct lv_filter *f = compile(c->pattern, &err);
    const struct lv_filter_lit *lits;
    size_t n, j;
    int ok = 1;

    if (!f) {
        print_error("    %s: compile: %s\n", c->pattern, err.msg);
        return 0;
    }
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
            print_error("    literal %zu: got %.*s (%d), want %s\n", j,
                        j < n ? (int)lits[j].len : 4,
                        j < n ? lits[j].data : "none",
                        j < n ? lits[j].or_backslash : -1, c->lits[j]);
            ok = 0;
        }
    }
    if (n != j) {
        print_error("    %zu literals, want %zu\n", n, j);
        ok = 0;
    }
    lv_filter_free(f);
    return ok;
}

static void test_prefilter_rules(void **state)
{
    (void)state;
    RUN_TABLE("prefilter rules", pcases, run_prefilter_rule);
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

/* Row runner: c matches through the prefilter, whose literals are all
 * in the event, and jansson's evaluation agrees. */
static int run_sound(const struct mcase *c)
{
    struct lv_err err = LV_ERR_INIT;
    struct lv_filter *f = compile(c->pattern, &err);
    const struct lv_filter_lit *lits;
    size_t n, len = strlen(c->event);
    int ok = 1;

    if (!f) {
        print_error("    %s: compile: %s\n", c->pattern, err.msg);
        return 0;
    }
    n = lv_filter_required(f, &lits);
    if (lv_filter_match(f, c->event, len) != c->want ||
        (c->want && !lv_filter_lits_present(lits, n, c->event, len))) {
        print_error("    %s on %s\n", c->pattern, c->event);
        ok = 0;
    }
    if (lv_filter_kind(f) == LV_FILTER_JSON &&
        lv_filter_json_jansson(f, c->event, len) != c->want) {
        print_error("    jansson disagrees\n");
        ok = 0;
    }
    lv_filter_free(f);
    return ok;
}

static void test_prefilter_sound(void **state)
{
    (void)state;
    RUN_TABLE("prefilter sound", breakers, run_sound);
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
        cmocka_unit_test(test_doc_match),
        cmocka_unit_test(test_doc_errors),
        cmocka_unit_test(test_doc_extract),
        cmocka_unit_test(test_kind_and_prefilter),
        cmocka_unit_test(test_prefilter_rules),
        cmocka_unit_test(test_prefilter_sound),
        cmocka_unit_test(test_json_differential),
        cmocka_unit_test(test_long),
        cmocka_unit_test(test_garbage),
        cmocka_unit_test(test_threads),
    };

    return cmocka_run_group_tests(tests, doc_load, doc_unload);
}
