/* logs/transform: log transformer configs and processors — each processor
 * over events with the expected result (compared as JSON), events a
 * processor fails on, each config rule refused, the output bound, a
 * catastrophic pattern stopped by the match limit, garbage, truncated
 * and bit-flipped configs failing cleanly, and dateTimeConverter with
 * named time zones (needs the tz database: without it, exit 77). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "logs/transform.h"
#include "util/err.h"

/* One row: a config, a message, the transformed event (JSON text), or
 * NULL when a processor must fail on it. */
struct row {
    const char *name;
    const char *config;
    const char *msg;
    const char *want;
};

#define PJ "{\"parseJSON\":{}}"

static const struct row rows[] = {
    { "parseJSON root", "[" PJ "]", "{\"a\":1,\"b\":{\"c\":[1,2]}}",
      "{\"a\":1,\"b\":{\"c\":[1,2]}}" },
    { "parseJSON destination", "[{\"parseJSON\":{\"destination\":\"n\"}}]",
      "{\"a\":1}", "{\"n\":{\"a\":1}}" },
    { "parseJSON not json", "[" PJ "]", "a=1", NULL },
    { "parseJSON array", "[" PJ "]", "[1,2]", NULL },
    { "parseJSON source", "[" PJ ",{\"parseJSON\":{\"source\":\"inner\","
      "\"destination\":\"p\"}}]", "{\"inner\":\"{\\\"x\\\":2}\"}",
      "{\"inner\":\"{\\\"x\\\":2}\",\"p\":{\"x\":2}}" },
    { "parseJSON source missing", "[" PJ ",{\"parseJSON\":{\"source\":"
      "\"nope\"}}]", "{\"a\":1}", NULL },
    { "parseKeyValue defaults", "[{\"parseKeyValue\":{}}]",
      "a=1&b=x=y&&c", "{\"a\":\"1\",\"b\":\"x=y\"}" },
    { "parseKeyValue options", "[{\"parseKeyValue\":{\"destination\":"
      "\"new_key\",\"fieldDelimiter\":\"!\",\"keyValueDelimiter\":\":\","
      "\"nonMatchValue\":\"defaultValue\",\"keyPrefix\":\"parsed_\"}}]",
      "key1:value1!key2:value2!key3:value3!key4",
      "{\"new_key\":{\"parsed_key1\":\"value1\",\"parsed_key2\":\"value2\","
      "\"parsed_key3\":\"value3\",\"parsed_key4\":\"defaultValue\"}}" },
    { "parseKeyValue multi-char delimiters", "[{\"parseKeyValue\":"
      "{\"fieldDelimiter\":\" | \",\"keyValueDelimiter\":\"=>\"}}]",
      "a=>1 | b=>2", "{\"a\":\"1\",\"b\":\"2\"}" },
    { "csv quoted", "[{\"csv\":{\"quoteCharacter\":\"'\",\"columns\":"
      "[\"name\",\"age\",\"location\"]}}]",
      "'Akua Mansa',28,'New York, USA'",
      "{\"name\":\"Akua Mansa\",\"age\":\"28\","
      "\"location\":\"New York, USA\"}" },
    { "csv default names and extra", "[{\"csv\":{\"columns\":[\"a\"]}}]",
      "1,\"2\"\"x\",", "{\"a\":\"1\",\"column_2\":\"2\\\"x\","
      "\"column_3\":\"\"}" },
    { "csv tab", "[{\"csv\":{\"delimiter\":\"\\\\t\"}}]", "a\tb",
      "{\"column_1\":\"a\",\"column_2\":\"b\"}" },
    { "addKeys nested new", "[" PJ ",{\"addKeys\":{\"entries\":[{\"key\":"
      "\"x.y.z\",\"value\":\"v\"}]}}]", "{}",
      "{\"x\":{\"y\":{\"z\":\"v\"}}}" },
    { "addKeys through a string", "[" PJ ",{\"addKeys\":{\"entries\":"
      "[{\"key\":\"s.y\",\"value\":\"v\"}]}}]", "{\"s\":\"str\"}",
      "{\"s\":\"str\"}" },
    { "deleteKeys", "[" PJ ",{\"deleteKeys\":{\"withKeys\":[\"a.b\","
      "\"none\"]}}]", "{\"a\":{\"b\":1,\"c\":2}}", "{\"a\":{\"c\":2}}" },
    { "moveKeys", "[" PJ ",{\"moveKeys\":{\"entries\":[{\"source\":"
      "\"a.b\",\"target\":\"c.d\"}]}}]", "{\"a\":{\"b\":1},\"c\":{}}",
      "{\"a\":{},\"c\":{\"d\":1}}" },
    { "moveKeys no overwrite", "[" PJ ",{\"moveKeys\":{\"entries\":"
      "[{\"source\":\"a\",\"target\":\"b\"}]}}]", "{\"a\":1,\"b\":2}",
      "{\"a\":1,\"b\":2}" },
    { "renameKeys", "[" PJ ",{\"renameKeys\":{\"entries\":[{\"key\":"
      "\"o.k\",\"renameTo\":\"n\"}]}}]", "{\"o\":{\"k\":1}}",
      "{\"o\":{\"n\":1}}" },
    { "copyValue deep and metadata", "[" PJ ",{\"copyValue\":{\"entries\":"
      "[{\"source\":\"a\",\"target\":\"b\"},{\"source\":\"@logGroupName\","
      "\"target\":\"g\"},{\"source\":\"@logGroupStream\",\"target\":"
      "\"s\"}]}}]", "{\"a\":{\"x\":[1]}}",
      "{\"a\":{\"x\":[1]},\"b\":{\"x\":[1]},\"g\":\"/grp\","
      "\"s\":\"str\"}" },
    { "case and trim", "[" PJ ",{\"lowerCaseString\":{\"withKeys\":"
      "[\"a\"]}},{\"upperCaseString\":{\"withKeys\":[\"b\",\"n\"]}},"
      "{\"trimString\":{\"withKeys\":[\"c\"]}}]",
      "{\"a\":\"AbC\",\"b\":\"x\xc3\xa9y\",\"c\":\" \\t z \",\"n\":5}",
      "{\"a\":\"abc\",\"b\":\"X\xc3\xa9Y\",\"c\":\"z\",\"n\":5}" },
    { "splitString", "[" PJ ",{\"splitString\":{\"entries\":[{\"source\":"
      "\"a\",\"delimiter\":\"::\"},{\"source\":\"b\",\"delimiter\":\",\"}"
      "]}}]", "{\"a\":\"x::y::\",\"b\":\"nodelim\"}",
      "{\"a\":[\"x\",\"y\",\"\"],\"b\":[\"nodelim\"]}" },
    { "substituteString groups", "[" PJ ",{\"substituteString\":"
      "{\"entries\":[{\"source\":\"a\",\"from\":\"(\\\\d+)-(\\\\d+)\","
      "\"to\":\"$2-$1\"}]}}]", "{\"a\":\"12-34 and 5-6\"}",
      "{\"a\":\"34-12 and 6-5\"}" },
    { "substituteString catastrophic", "[" PJ ",{\"substituteString\":"
      "{\"entries\":[{\"source\":\"a\",\"from\":\"^(\\\\w+\\\\s?)+$\","
      "\"to\":\"x\"}]}}]",
      "{\"a\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!\"}",
      NULL },
    { "typeConverter", "[" PJ ",{\"typeConverter\":{\"entries\":[{\"key\":"
      "\"i\",\"type\":\"integer\"},{\"key\":\"d\",\"type\":\"double\"},"
      "{\"key\":\"b\",\"type\":\"boolean\"},{\"key\":\"s\",\"type\":"
      "\"string\"},{\"key\":\"none\",\"type\":\"integer\"}]}}]",
      "{\"i\":\"-42\",\"d\":\"2.5\",\"b\":\"false\",\"s\":true}",
      "{\"i\":-42,\"d\":2.5,\"b\":false,\"s\":\"true\"}" },
    { "reals in their shortest form", "[" PJ ",{\"typeConverter\":"
      "{\"entries\":[{\"key\":\"a\",\"type\":\"double\"},"
      "{\"key\":\"b\",\"type\":\"double\"}]}}]",
      "{\"a\":\"0.005\",\"b\":\"1.1\",\"c\":1.0}",
      "{\"a\":0.005,\"b\":1.1,\"c\":1.0}" },
    { "reals that need 17 digits", "[" PJ "]",
      "{\"a\":0.1,\"b\":0.30000000000000004}",
      "{\"a\":0.10000000000000001,\"b\":0.30000000000000004}" },
    { "typeConverter fails", "[" PJ ",{\"typeConverter\":{\"entries\":"
      "[{\"key\":\"i\",\"type\":\"integer\"}]}}]", "{\"i\":\"1.5\"}",
      NULL },
    { "listToMap", "[" PJ ",{\"listToMap\":{\"source\":\"l\",\"key\":"
      "\"k\",\"valueKey\":\"v\",\"target\":\"m\"}}]",
      "{\"l\":[{\"k\":\"a\",\"v\":1},{\"k\":\"a\",\"v\":2},{\"v\":3}]}",
      "{\"l\":[{\"k\":\"a\",\"v\":1},{\"k\":\"a\",\"v\":2},{\"v\":3}],"
      "\"m\":{\"a\":[1,2]}}" },
    { "grok page example 1",
      "[{\"grok\":{\"match\":\"%{NUMBER:version} %{HOSTNAME:hostname} %{N"
      "OTSPACE:status} %{QUOTEDSTRING:logMsg}\"}}]",
      "293750 server-01.internal-network.local OK \"[Thread-000] token ge"
      "nerated\"",
      "{\"version\":\"293750\",\"hostname\":\"server-01.internal-network."
      "local\",\"status\":\"OK\",\"logMsg\":\"[Thread-000] token generate"
      "d\"}" },
    { "grok page example 1b",
      "[{\"grok\":{\"match\":\"%{HTTPDATE:timestamp} %{IPORHOST:clientip}"
      " %{NUMBER:response_status}\"}}]",
      "23/Nov/2024:10:25:15 -0900 172.16.0.1 200",
      "{\"timestamp\":\"23/Nov/2024:10:25:15 -0900\",\"clientip\":\"172.1"
      "6.0.1\",\"response_status\":\"200\"}" },
    { "grok page example 2",
      "[{\"parseJSON\":{}},{\"grok\":{\"match\":\"%{WORD:http_method} %{N"
      "OTSPACE:request} HTTP/%{NUMBER:http_version}\",\"source\":\"logMsg"
      "\"}}]",
      "{\"timestamp\":\"2024-11-23T16:03:12Z\",\"level\":\"ERROR\",\"logM"
      "sg\":\"GET /page.html HTTP/1.1\"}",
      "{\"timestamp\":\"2024-11-23T16:03:12Z\",\"level\":\"ERROR\",\"logM"
      "sg\":\"GET /page.html HTTP/1.1\",\"http_method\":\"GET\",\"request"
      "\":\"/page.html\",\"http_version\":\"1.1\"}" },
    { "grok page example 3",
      "[{\"grok\":{\"match\":\"%{IP:client.ip} %{WORD:method} %{URIPATHPA"
      "RAM:request.uri} %{NUMBER:response.status} %{NUMBER:response.bytes"
      "}\"}}]",
      "192.168.1.1 GET /index.html?param=value 200 1234",
      "{\"client\":{\"ip\":\"192.168.1.1\"},\"method\":\"GET\",\"request"
      "\":{\"uri\":\"/index.html?param=value\"},\"response\":{\"status\":"
      "\"200\",\"bytes\":\"1234\"}}" },
    { "grok HOSTPORT",
      "[{\"grok\":{\"match\":\"%{HOSTPORT:ip}\"}}]",
      "192.168.1.1:8080",
      "{\"ip\":\"192.168.1.1:8080\",\"PORT\":\"8080\"}" },
    { "grok URIHOST",
      "[{\"grok\":{\"match\":\"%{URIHOST:host} %{URIHOST:ip}\"}}]",
      "example.com:443 10.0.0.1",
      "{\"host\":\"example.com:443\",\"port\":\"443\",\"ip\":\"10.0.0.1\""
      "}" },
    { "grok SYSLOGPROG",
      "[{\"grok\":{\"match\":\"%{SYSLOGPROG:programWithId}\"}}]",
      "user.profile/settings-page[1234]",
      "{\"programWithId\":\"user.profile/settings-page[1234]\",\"program"
      "\":\"user.profile/settings-page\",\"pid\":\"1234\"}" },
    { "grok SYSLOGFACILITY",
      "[{\"grok\":{\"match\":\"%{SYSLOGFACILITY:syslog}\"}}]",
      "<13.6>",
      "{\"syslog\":\"<13.6>\",\"facility\":\"13\",\"priority\":\"6\"}" },
    { "grok dates",
      "[{\"grok\":{\"match\":\"%{DATESTAMP_RFC2822:a};%{DATESTAMP_OTHER:b"
      "};%{DATESTAMP_EVENTLOG:c};%{TZ:d}\"}}]",
      "Mon, 15 May 2023 14:30:00 +0530;Mon May 15 14:30:00 PST 2023;20230"
      "515143000;PDT",
      "{\"a\":\"Mon, 15 May 2023 14:30:00 +0530\",\"b\":\"Mon May 15 14:3"
      "0:00 PST 2023\",\"c\":\"20230515143000\",\"d\":\"PDT\"}" },
    { "grok paths and ids",
      "[{\"grok\":{\"match\":\"%{UNIXPATH:p} %{WINPATH:w} %{ARN:arn} %{UR"
      "N:urn} %{MAC:m} %{TTY:t}\"}}]",
      "/search?q=regex C:\\Users\\John\\file.txt arn:aws:iam:us-east-1:12"
      "3456789012:user/johndoe urn:isbn:0451450523 0123.4567.89AB /dev/tt"
      "y1",
      "{\"p\":\"/search?q=regex\",\"w\":\"C:\\\\Users\\\\John\\\\file.txt"
      "\",\"arn\":\"arn:aws:iam:us-east-1:123456789012:user/johndoe\",\"u"
      "rn\":\"urn:isbn:0451450523\",\"m\":\"0123.4567.89AB\",\"t\":\"/dev"
      "/tty1\"}" },
    { "grok GREEDYDATA_MULTILINE",
      "[{\"grok\":{\"match\":\"%{WORD:w} %{GREEDYDATA_MULTILINE:data}\"}}"
      "]",
      "x abc\ndef",
      "{\"w\":\"x\",\"data\":\"abc\\ndef\"}" },
    { "grok APACHE_ACCESS_LOG page example",
      "[{\"grok\":{\"match\":\"%{APACHE_ACCESS_LOG}\"}}]",
      "127.0.0.1 - - [03/Aug/2023:12:34:56 +0000] \"GET /page.html HTTP/1"
      ".1\" 200 1234",
      "{\"request\":\"/page.html\",\"http_method\":\"GET\",\"status_code"
      "\":200,\"http_version\":\"1.1\",\"response_size\":1234,\"remote_ho"
      "st\":\"127.0.0.1\",\"timestamp\":\"2023-08-03T12:34:56Z\"}" },
    { "grok NGINX_ACCESS_LOG page example",
      "[{\"grok\":{\"match\":\"%{NGINX_ACCESS_LOG}\"}}]",
      "192.168.1.100 - Foo [03/Aug/2023:12:34:56 +0000] \"GET /account/lo"
      "gin.html HTTP/1.1\" 200 42 \"https://www.amazon.com/\" \"Mozilla/5"
      ".0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like G"
      "ecko) Chrome/92.0.4515.131 Safari/537.36\"",
      "{\"request\":\"/account/login.html\",\"referrer\":\"https://www.am"
      "azon.com/\",\"agent\":\"Mozilla/5.0 (Windows NT 10.0; Win64; x64) "
      "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/92.0.4515.131 Safari"
      "/537.36\",\"http_method\":\"GET\",\"status_code\":200,\"auth_user"
      "\":\"Foo\",\"http_version\":\"1.1\",\"response_size\":42,\"remote_"
      "host\":\"192.168.1.100\",\"timestamp\":\"2023-08-03T12:34:56Z\"}" },
    { "grok SYSLOG5424 page example",
      "[{\"grok\":{\"match\":\"%{SYSLOG5424}\"}}]",
      "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - I"
      "D47 [exampleSDID@32473 iut=\"3\" eventSource= \"Application\" even"
      "tID=\"1011\"][examplePriority@32473 class=\"high\"]",
      "{\"pri\":165,\"version\":1,\"timestamp\":\"2003-10-11T22:14:15.003"
      "Z\",\"hostname\":\"mymachine.example.com\",\"app\":\"evntslog\",\""
      "msg_id\":\"ID47\",\"structured_data\":\"exampleSDID@32473 iut=\\\""
      "3\\\" eventSource= \\\"Application\\\" eventID=\\\"1011\\\"\",\"me"
      "ssage\":\"[examplePriority@32473 class=\\\"high\\\"]\"}" },
    { "grok APACHE_ACCESS_LOG then GREEDYDATA, offset to UTC",
      "[{\"grok\":{\"match\":\"%{APACHE_ACCESS_LOG} %{GREEDYDATA:logMsg}"
      "\"}}]",
      "10.0.0.1 - bob [03/Aug/2023:12:34:56 +0200] \"POST /x HTTP/2.0\" 4"
      "04 - trailing text",
      "{\"request\":\"/x\",\"http_method\":\"POST\",\"status_code\":404,"
      "\"auth_user\":\"bob\",\"http_version\":\"2.0\",\"remote_host\":\"1"
      "0.0.0.1\",\"timestamp\":\"2023-08-03T10:34:56Z\",\"logMsg\":\"trai"
      "ling text\"}" },
    { "grok nested fields and user groups", "[{\"grok\":{\"match\":"
      "\"^(a|b) %{IP:net.ip}(:%{POSINT:net.port})? %{LOGLEVEL:lvl}\"}}]",
      "a 10.0.0.1 WARN x", "{\"net\":{\"ip\":\"10.0.0.1\"},"
      "\"lvl\":\"WARN\"}" },
    { "grok no match", "[{\"grok\":{\"match\":\"^%{INT:n}$\"}}]",
      "12a", NULL },
    { "dateTimeConverter default format", "[" PJ ",{\"dateTimeConverter\":"
      "{\"source\":\"t\",\"target\":\"c\",\"matchPatterns\":"
      "[\"yyyy-MM-dd\",\"MM/dd/yyyy HH:mm:ss\"]}}]",
      "{\"t\":\"11/06/2024 23:52:53\"}",
      "{\"t\":\"11/06/2024 23:52:53\",\"c\":\"2024-11-06T23:52:53.000Z\"}" },
    { "dateTimeConverter zones and names", "[" PJ ",{\"dateTimeConverter\":"
      "{\"source\":\"t\",\"target\":\"t\",\"matchPatterns\":"
      "[\"EEE, dd MMM yyyy hh:mm:ss.SSS a XXX\"],\"targetTimezone\":"
      "\"UTC+05:30\",\"targetFormat\":\"yyyy-MM-dd HH:mm:ss.SSS XXX EEEE "
      "MMMM\"}}]", "{\"t\":\"Tue, 31 Dec 2024 11:59:59.250 PM -01:00\"}",
      "{\"t\":\"2025-01-01 06:29:59.250 +05:30 Wednesday January\"}" },
    { "dateTimeConverter no match", "[" PJ ",{\"dateTimeConverter\":"
      "{\"source\":\"t\",\"target\":\"c\",\"matchPatterns\":"
      "[\"yyyy-MM-dd\"]}}]", "{\"t\":\"2024-13-01\"}", NULL },
    { "listToMap not a list", "[" PJ ",{\"listToMap\":{\"source\":\"l\","
      "\"key\":\"k\"}}]", "{\"l\":1}", NULL },
    /* More of the page's examples. */
    { "csv page example",
      "[{\"csv\":{\"delimiter\":\":\",\"quoteCharacter\":\"'\"}}]",
      "'Akua Mansa':28:'New York: USA'",
      "{\"column_1\":\"Akua Mansa\",\"column_2\":\"28\",\"column_3\":\"Ne"
      "w York: USA\"}" },
    { "csv \\s",
      "[{\"csv\":{\"delimiter\":\"\\\\s\"}}]",
      "a b",
      "{\"column_1\":\"a\",\"column_2\":\"b\"}" },
    { "deleteKeys page example",
      "[{\"parseJSON\":{}},{\"deleteKeys\":{\"withKeys\":[\"outer_key.inn"
      "er_key\"]}}]",
      "{\"outer_key\":{\"inner_key\":\"inner_value\"}}",
      "{\"outer_key\":{}}" },
    { "moveKeys page example",
      "[{\"parseJSON\":{}},{\"moveKeys\":{\"entries\":[{\"source\":\"oute"
      "r_key1.inner_key1\",\"target\":\"outer_key2\"}]}}]",
      "{\"outer_key1\":{\"inner_key1\":\"inner_value1\"},\"outer_key2\":{"
      "\"inner_key2\":\"inner_value2\"}}",
      "{\"outer_key1\":{},\"outer_key2\":{\"inner_key2\":\"inner_value2\""
      ",\"inner_key1\":\"inner_value1\"}}" },
    { "moveKeys into itself",
      "[{\"parseJSON\":{}},{\"moveKeys\":{\"entries\":[{\"source\":\"a\","
      "\"target\":\"a.b\"}]}}]",
      "{\"a\":{\"c\":1}}",
      "{\"a\":{\"c\":1}}" },
    { "moveKeys target unplaceable",
      "[{\"parseJSON\":{}},{\"moveKeys\":{\"entries\":[{\"source\":\"a\","
      "\"target\":\"s.y\"}]}}]",
      "{\"a\":1,\"s\":\"str\"}",
      "{\"a\":1,\"s\":\"str\"}" },
    /* The built-in parsers for AWS vended logs: the page's examples (the
     * transformed event compared as text, so field order and number types
     * count), and lines of another shape. */
    { "parseCloudfront page example", "[{\"parseCloudfront\":{}}]",
      "2019-12-04  21:02:31   LAX1   392    192.0.2.24    GET    d111111a"
      "bcdef8.cloudfront.net  /index.html    200    -  Mozilla/5.0%20(Win"
      "dows%20NT%2010.0;%20Win64;%20x64)%20AppleWebKit/537.36%20(KHTML,%2"
      "0like%20Gecko)%20Chrome/78.0.3904.108%20Safari/537.36  -  -  Hit  "
      "  SOX4xwn4XV6Q4rgb7XiVGOHms_BGlTAC4KyHmureZmBNrjGdRLiNIQ==   d1111"
      "11abcdef8.cloudfront.net  https  23 0.001  -  TLSv1.2    ECDHE-RSA"
      "-AES128-GCM-SHA256    Hit    HTTP/2.0   -  -  11040  0.001  Hit   "
      " text/html  78 -  -",
      "{\"date\":\"2019-12-04\",\"time\":\"21:02:31\",\"x-edge-location\""
      ":\"LAX1\",\"sc-bytes\":392,\"c-ip\":\"192.0.2.24\",\"cs-method\":"
      "\"GET\",\"cs(Host)\":\"d111111abcdef8.cloudfront.net\",\"cs-uri-st"
      "em\":\"/index.html\",\"sc-status\":200,\"cs(Referer)\":\"-\",\"cs("
      "User-Agent)\":\"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWeb"
      "Kit/537.36 (KHTML, like Gecko) Chrome/78.0.3904.108 Safari/537.36"
      "\",\"cs-uri-query\":\"-\",\"cs(Cookie)\":\"-\",\"x-edge-result-typ"
      "e\":\"Hit\",\"x-edge-request-id\":\"SOX4xwn4XV6Q4rgb7XiVGOHms_BGlT"
      "AC4KyHmureZmBNrjGdRLiNIQ==\",\"x-host-header\":\"d111111abcdef8.cl"
      "oudfront.net\",\"cs-protocol\":\"https\",\"cs-bytes\":23,\"time-ta"
      "ken\":0.001,\"x-forwarded-for\":\"-\",\"ssl-protocol\":\"TLSv1.2\""
      ",\"ssl-cipher\":\"ECDHE-RSA-AES128-GCM-SHA256\",\"x-edge-response-"
      "result-type\":\"Hit\",\"cs-protocol-version\":\"HTTP/2.0\",\"fle-s"
      "tatus\":\"-\",\"fle-encrypted-fields\":\"-\",\"c-port\":11040,\"ti"
      "me-to-first-byte\":0.001,\"x-edge-detailed-result-type\":\"Hit\","
      "\"sc-content-type\":\"text/html\",\"sc-content-len\":78,\"sc-range"
      "-start\":\"-\",\"sc-range-end\":\"-\"}" },
    { "parseCloudfront tabs", "[{\"parseCloudfront\":{}}]",
      "2019-12-04\t21:02:31\tLAX1\t392\t192.0.2.24\tGET\td111111abcdef8.c"
      "loudfront.net\t/index.html\t200\t-\tMozilla/5.0%20(Windows%20NT%20"
      "10.0;%20Win64;%20x64)%20AppleWebKit/537.36%20(KHTML,%20like%20Geck"
      "o)%20Chrome/78.0.3904.108%20Safari/537.36\t-\t-\tHit\tSOX4xwn4XV6Q"
      "4rgb7XiVGOHms_BGlTAC4KyHmureZmBNrjGdRLiNIQ==\td111111abcdef8.cloud"
      "front.net\thttps\t23\t0.001\t-\tTLSv1.2\tECDHE-RSA-AES128-GCM-SHA2"
      "56\tHit\tHTTP/2.0\t-\t-\t11040\t0.001\tHit\ttext/html\t78\t-\t-",
      "{\"date\":\"2019-12-04\",\"time\":\"21:02:31\",\"x-edge-location\""
      ":\"LAX1\",\"sc-bytes\":392,\"c-ip\":\"192.0.2.24\",\"cs-method\":"
      "\"GET\",\"cs(Host)\":\"d111111abcdef8.cloudfront.net\",\"cs-uri-st"
      "em\":\"/index.html\",\"sc-status\":200,\"cs(Referer)\":\"-\",\"cs("
      "User-Agent)\":\"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWeb"
      "Kit/537.36 (KHTML, like Gecko) Chrome/78.0.3904.108 Safari/537.36"
      "\",\"cs-uri-query\":\"-\",\"cs(Cookie)\":\"-\",\"x-edge-result-typ"
      "e\":\"Hit\",\"x-edge-request-id\":\"SOX4xwn4XV6Q4rgb7XiVGOHms_BGlT"
      "AC4KyHmureZmBNrjGdRLiNIQ==\",\"x-host-header\":\"d111111abcdef8.cl"
      "oudfront.net\",\"cs-protocol\":\"https\",\"cs-bytes\":23,\"time-ta"
      "ken\":0.001,\"x-forwarded-for\":\"-\",\"ssl-protocol\":\"TLSv1.2\""
      ",\"ssl-cipher\":\"ECDHE-RSA-AES128-GCM-SHA256\",\"x-edge-response-"
      "result-type\":\"Hit\",\"cs-protocol-version\":\"HTTP/2.0\",\"fle-s"
      "tatus\":\"-\",\"fle-encrypted-fields\":\"-\",\"c-port\":11040,\"ti"
      "me-to-first-byte\":0.001,\"x-edge-detailed-result-type\":\"Hit\","
      "\"sc-content-type\":\"text/html\",\"sc-content-len\":78,\"sc-range"
      "-start\":\"-\",\"sc-range-end\":\"-\"}" },
    { "parseCloudfront header line", "[{\"parseCloudfront\":{}}]",
      "#Version: 1.0",
      NULL },
    { "parseCloudfront short line", "[{\"parseCloudfront\":{}}]",
      "2019-12-04 21:02:31 LAX1 392 192.0.2.24 GET d111111abcdef8.cloudfr"
      "ont.net /index.html 200 - Mozilla/5.0%20(Windows%20NT%2010.0;%20Wi"
      "n64;%20x64)%20AppleWebKit/537.36%20(KHTML,%20like%20Gecko)%20Chrom"
      "e/78.0.3904.108%20Safari/537.36 - - Hit SOX4xwn4XV6Q4rgb7XiVGOHms_"
      "BGlTAC4KyHmureZmBNrjGdRLiNIQ== d111111abcdef8.cloudfront.net https"
      " 23 0.001 - TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256 Hit HTTP/2.0",
      NULL },
    { "parseRoute53 page example", "[{\"parseRoute53\":{}}]",
      "1.0 2017-12-13T08:15:50.235Z Z123412341234 example.com AAAA NOERRO"
      "R TCP IAD12 192.0.2.0 198.51.100.0/24",
      "{\"version\":1.0,\"queryTimestamp\":\"2017-12-13T08:15:50.235Z\","
      "\"hostZoneId\":\"Z123412341234\",\"queryName\":\"example.com\",\"q"
      "ueryType\":\"AAAA\",\"responseCode\":\"NOERROR\",\"protocol\":\"TC"
      "P\",\"edgeLocation\":\"IAD12\",\"resolverIp\":\"192.0.2.0\",\"edns"
      "ClientSubnet\":\"198.51.100.0/24\"}" },
    { "parseRoute53 octal escape", "[{\"parseRoute53\":{}}]",
      "1.0 2017-12-13T08:15:50.235Z Z123412341234 \\052.example.com AAAA "
      "NOERROR TCP IAD12 192.0.2.0 -",
      "{\"version\":1.0,\"queryTimestamp\":\"2017-12-13T08:15:50.235Z\","
      "\"hostZoneId\":\"Z123412341234\",\"queryName\":\"*.example.com\","
      "\"queryType\":\"AAAA\",\"responseCode\":\"NOERROR\",\"protocol\":"
      "\"TCP\",\"edgeLocation\":\"IAD12\",\"resolverIp\":\"192.0.2.0\",\""
      "ednsClientSubnet\":\"-\"}" },
    { "parseRoute53 resolver log (JSON)", "[{\"parseRoute53\":{}}]",
      "{\"version\":\"1.100000\",\"query_name\":\"example.com.\"}",
      NULL },
    { "parseVPC page example", "[{\"parseVPC\":{}}]",
      "2 123456789010 eni-abc123de 192.0.2.0 192.0.2.24 20641 22 6 20 424"
      "9 1418530010 1418530070 ACCEPT OK",
      "{\"version\":2,\"accountId\":\"123456789010\",\"interfaceId\":\"en"
      "i-abc123de\",\"srcAddr\":\"192.0.2.0\",\"dstAddr\":\"192.0.2.24\","
      "\"srcPort\":20641,\"dstPort\":22,\"protocol\":6,\"packets\":20,\"b"
      "ytes\":4249,\"start\":1418530010,\"end\":1418530070,\"action\":\"A"
      "CCEPT\",\"logStatus\":\"OK\"}" },
    { "parseVPC source @message", "[{\"parseVPC\":{\"source\":\"@message\"}}]",
      "2 123456789010 eni-abc123de 192.0.2.0 192.0.2.24 20641 22 6 20 424"
      "9 1418530010 1418530070 ACCEPT OK",
      "{\"version\":2,\"accountId\":\"123456789010\",\"interfaceId\":\"en"
      "i-abc123de\",\"srcAddr\":\"192.0.2.0\",\"dstAddr\":\"192.0.2.24\","
      "\"srcPort\":20641,\"dstPort\":22,\"protocol\":6,\"packets\":20,\"b"
      "ytes\":4249,\"start\":1418530010,\"end\":1418530070,\"action\":\"A"
      "CCEPT\",\"logStatus\":\"OK\"}" },
    { "parseRoute53 NUL escape kept",
      "[{\"parseRoute53\":{}}]",
      "1 t z a\\000b.com A NOERROR UDP IAD12 192.0.2.0 -",
      "{\"version\":1,\"queryTimestamp\":\"t\",\"hostZoneId\":\"z\","
      "\"queryName\":\"a\\\\000b.com\",\"queryType\":\"A\","
      "\"responseCode\":\"NOERROR\",\"protocol\":\"UDP\","
      "\"edgeLocation\":\"IAD12\",\"resolverIp\":\"192.0.2.0\","
      "\"ednsClientSubnet\":\"-\"}" },
    { "parseVPC NODATA", "[{\"parseVPC\":{}}]",
      "2 123456789010 eni-abc123de - - - - - - - 1418530010 1418530070 - "
      "NODATA",
      "{\"version\":2,\"accountId\":\"123456789010\",\"interfaceId\":\"en"
      "i-abc123de\",\"srcAddr\":\"-\",\"dstAddr\":\"-\",\"srcPort\":\"-\""
      ",\"dstPort\":\"-\",\"protocol\":\"-\",\"packets\":\"-\",\"bytes\":"
      "\"-\",\"start\":1418530010,\"end\":1418530070,\"action\":\"-\",\"l"
      "ogStatus\":\"NODATA\"}" },
    { "parseVPC custom format", "[{\"parseVPC\":{}}]",
      "5 vpc-1 eni-abc123de 192.0.2.0",
      NULL },
    { "parseVPC text in a number", "[{\"parseVPC\":{}}]",
      "2 123456789010 eni-abc123de 192.0.2.0 192.0.2.24 http 22 6 20 4249"
      " 1418530010 1418530070 ACCEPT OK",
      NULL },
    { "parsePostgres page example", "[{\"parsePostgres\":{}}]",
      "2019-03-10 03:54:59 UTC:10.0.0.123(52834):postgres@logtestdb:[2017"
      "5]:ERROR: column \"wrong_column_name\" does not exist at character"
      " 8",
      "{\"logTime\":\"2019-03-10 03:54:59 UTC\",\"srcIp\":\"10.0.0.123(52"
      "834)\",\"userName\":\"postgres\",\"dbName\":\"logtestdb\",\"proces"
      "sId\":\"20175\",\"logLevel\":\"ERROR\"}" },
    { "parsePostgres background process", "[{\"parsePostgres\":{}}]",
      "2019-03-10 03:55:00 UTC::@:[412]:LOG: checkpoint starting: time",
      "{\"logTime\":\"2019-03-10 03:55:00 UTC\",\"srcIp\":\"\",\"userName"
      "\":\"\",\"dbName\":\"\",\"processId\":\"412\",\"logLevel\":\"LOG\""
      "}" },
    { "parsePostgres IPv6 client", "[{\"parsePostgres\":{}}]",
      "2019-03-10 03:55:00 UTC:2001:db8::7(40000):app@db:[9]:FATAL: x",
      "{\"logTime\":\"2019-03-10 03:55:00 UTC\",\"srcIp\":\"2001:db8::7(4"
      "0000)\",\"userName\":\"app\",\"dbName\":\"db\",\"processId\":\"9\""
      ",\"logLevel\":\"FATAL\"}" },
    { "parsePostgres not a postgres line", "[{\"parsePostgres\":{}}]",
      "hello world",
      NULL },
    { "parseWAF page example", "[{\"parseWAF\":{}}]",
      "{\"timestamp\": 1576280412771, \"formatVersion\": 1, \"webaclId\":"
      " \"arn:aws:wafv2:ap-southeast-2:111122223333:regional/webacl/STMTe"
      "st/1EXAMPLE-2ARN-3ARN-4ARN-123456EXAMPLE\", \"terminatingRuleId\":"
      " \"STMTest_SQLi_XSS\", \"terminatingRuleType\": \"REGULAR\", \"act"
      "ion\": \"BLOCK\", \"terminatingRuleMatchDetails\": [{\"conditionTy"
      "pe\": \"SQL_INJECTION\", \"sensitivityLevel\": \"HIGH\", \"locatio"
      "n\": \"HEADER\", \"matchedData\": [\"10\", \"AND\", \"1\"]}], \"ht"
      "tpSourceName\": \"-\", \"httpSourceId\": \"-\", \"ruleGroupList\":"
      " [], \"rateBasedRuleList\": [], \"nonTerminatingMatchingRules\": ["
      "], \"httpRequest\": {\"clientIp\": \"1.1.1.1\", \"country\": \"AU"
      "\", \"headers\": [{\"name\": \"Host\", \"value\": \"localhost:1989"
      "\"}, {\"name\": \"User-Agent\", \"value\": \"curl/7.61.1\"}, {\"na"
      "me\": \"Accept\", \"value\": \"*/*\"}, {\"name\": \"x-stm-test\", "
      "\"value\": \"10 AND 1=1\"}], \"uri\": \"/myUri\", \"args\": \"\", "
      "\"httpVersion\": \"HTTP/1.1\", \"httpMethod\": \"GET\", \"requestI"
      "d\": \"rid\"}, \"labels\": [{\"name\": \"value\"}]}",
      "{\"httpRequest\":{\"headers\":{\"Host\":\"localhost:1989\",\"User-"
      "Agent\":\"curl/7.61.1\",\"Accept\":\"*/*\",\"x-stm-test\":\"10 AND"
      " 1=1\"},\"clientIp\":\"1.1.1.1\",\"country\":\"AU\",\"uri\":\"/myU"
      "ri\",\"args\":\"\",\"httpVersion\":\"HTTP/1.1\",\"httpMethod\":\"G"
      "ET\",\"requestId\":\"rid\"},\"labels\":{\"name\":\"value\"},\"time"
      "stamp\":1576280412771,\"formatVersion\":1,\"webaclId\":\"arn:aws:w"
      "afv2:ap-southeast-2:111122223333:regional/webacl/STMTest/1EXAMPLE-"
      "2ARN-3ARN-4ARN-123456EXAMPLE\",\"terminatingRuleId\":\"STMTest_SQL"
      "i_XSS\",\"terminatingRuleType\":\"REGULAR\",\"action\":\"BLOCK\","
      "\"terminatingRuleMatchDetails\":[{\"conditionType\":\"SQL_INJECTIO"
      "N\",\"sensitivityLevel\":\"HIGH\",\"location\":\"HEADER\",\"matche"
      "dData\":[\"10\",\"AND\",\"1\"]}],\"httpSourceName\":\"-\",\"httpSo"
      "urceId\":\"-\",\"ruleGroupList\":[],\"rateBasedRuleList\":[],\"non"
      "TerminatingMatchingRules\":[]}" },
    { "parseWAF repeated header", "[{\"parseWAF\":{}}]",
      "{\"httpRequest\":{\"headers\":[{\"name\":\"A\",\"value\":\"1\"},{"
      "\"name\":\"A\",\"value\":\"2\"}]}}",
      NULL },
    { "parseWAF not JSON", "[{\"parseWAF\":{}}]",
      "GET / HTTP/1.1",
      NULL },
};

/* got is exactly want: compact JSON text, the same members in the same
 * order, numbers written the same way (so of the same type, and reals in
 * their shortest form). */
static int same_json(const char *got, const char *want)
{
    return strcmp(got, want) == 0;
}

static void test_rows(void **state)
{
    const struct lv_transform_meta meta = { "/grp", "str", "123456789012",
                                            "us-east-1" };

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        const struct row *r = &rows[i];
        struct lv_err err = LV_ERR_INIT;
        json_t *config = json_loads(r->config, 0, NULL);
        struct lv_transformer *t;
        char *out = NULL;
        size_t len = 0;
        int rc;

        if (!config) {
            fail_msg("%s: the row's config is not JSON", r->name);
        }
        t = lv_transformer_new(config, &err);
        json_decref(config);
        if (!t) {
            fail_msg("%s: refused: %s", r->name, err.msg);
        }
        rc = lv_transformer_apply(t, &meta, r->msg, strlen(r->msg), 65536,
                                  &out, &len);
        lv_transformer_free(t);
        if (!r->want) {
            if (rc == 0) {
                fail_msg("%s: transformed to %s, want a failure", r->name,
                         out);
            }
            continue;
        }
        if (rc < 0) {
            fail_msg("%s: failed, want %s", r->name, r->want);
        }
        if (strlen(out) != len || !same_json(out, r->want)) {
            fail_msg("%s: got %s, want %s", r->name, out, r->want);
        }
        free(out);
    }
}

/* Named time zones (the system's tz database: skipped without it). */
#define DT(src, tgt, pat, fmt)                                                \
    "[" PJ ",{\"dateTimeConverter\":{\"source\":\"t\",\"target\":\"c\","    \
    "\"matchPatterns\":[\"" pat "\"]," src tgt "\"targetFormat\":\"" fmt      \
    "\"}}]"
#define YMDHMS "yyyy-MM-dd HH:mm:ss"
#define ISO "yyyy-MM-dd'T'HH:mm:ss.SSSXXX"

static const struct row zone_rows[] = {
    /* The page's example in English (logvault has English names only;
     * the page's output "17:00:00 MEZ" does not follow from its input:
     * 11:00 in Berlin (CET, +01:00) is 05:00 in New York (EST)). */
    { "page example in English", "[" PJ ",{\"dateTimeConverter\":{"
      "\"source\":\"german_datetime\",\"target\":\"target_1\","
      "\"locale\":\"en\",\"matchPatterns\":"
      "[\"EEEE dd. MMMM yyyy HH:mm:ss\"],\"sourceTimezone\":"
      "\"Europe/Berlin\",\"targetTimezone\":\"America/New_York\","
      "\"targetFormat\":\"yyyy-MM-dd'T'HH:mm:ss z\"}}]",
      "{\"german_datetime\": \"Saturday 05. December 1998 11:00:00\"}",
      "{\"german_datetime\":\"Saturday 05. December 1998 11:00:00\","
      "\"target_1\":\"1998-12-05T05:00:00 EST\"}" },
    { "Berlin summer to UTC",
      DT("\"sourceTimezone\":\"Europe/Berlin\",", "", YMDHMS, ISO),
      "{\"t\":\"2024-07-01 12:00:00\"}",
      "{\"t\":\"2024-07-01 12:00:00\",\"c\":\"2024-07-01T10:00:00.000Z\"}" },
    { "Berlin winter to UTC",
      DT("\"sourceTimezone\":\"Europe/Berlin\",", "", YMDHMS, ISO),
      "{\"t\":\"2024-01-15 12:00:00\"}",
      "{\"t\":\"2024-01-15 12:00:00\",\"c\":\"2024-01-15T11:00:00.000Z\"}" },
    { "Berlin gap moves later",
      DT("\"sourceTimezone\":\"Europe/Berlin\",",
         "\"targetTimezone\":\"Europe/Berlin\",", YMDHMS, ISO " z"),
      "{\"t\":\"2024-03-31 02:30:00\"}",
      "{\"t\":\"2024-03-31 02:30:00\","
      "\"c\":\"2024-03-31T03:30:00.000+02:00 CEST\"}" },
    { "Berlin overlap takes the earlier",
      DT("\"sourceTimezone\":\"Europe/Berlin\",", "", YMDHMS, ISO),
      "{\"t\":\"2024-10-27 02:30:00\"}",
      "{\"t\":\"2024-10-27 02:30:00\",\"c\":\"2024-10-27T00:30:00.000Z\"}" },
    { "an offset in the text wins",
      DT("\"sourceTimezone\":\"Europe/Berlin\",", "", YMDHMS " XXX", ISO),
      "{\"t\":\"2024-07-01 12:00:00 -01:00\"}",
      "{\"t\":\"2024-07-01 12:00:00 -01:00\","
      "\"c\":\"2024-07-01T13:00:00.000Z\"}" },
    { "UTC to New York summer",
      DT("", "\"targetTimezone\":\"America/New_York\",", ISO,
         YMDHMS " z Z"),
      "{\"t\":\"2024-07-01T12:00:00.000Z\"}",
      "{\"t\":\"2024-07-01T12:00:00.000Z\","
      "\"c\":\"2024-07-01 08:00:00 EDT -0400\"}" },
    { "New York to Kolkata",
      DT("\"sourceTimezone\":\"America/New_York\",",
         "\"targetTimezone\":\"Asia/Kolkata\",", YMDHMS, ISO " z"),
      "{\"t\":\"2024-01-15 08:00:00\"}",
      "{\"t\":\"2024-01-15 08:00:00\","
      "\"c\":\"2024-01-15T18:30:00.000+05:30 IST\"}" },
    { "Lord Howe half-hour daylight",
      DT("", "\"targetTimezone\":\"Australia/Lord_Howe\",", ISO, ISO),
      "{\"t\":\"2024-01-15T00:00:00.000Z\"}",
      "{\"t\":\"2024-01-15T00:00:00.000Z\","
      "\"c\":\"2024-01-15T11:00:00.000+11:00\"}" },
    { "fixed zone names",
      DT("", "\"targetTimezone\":\"UTC+05:30\",", ISO, "HH:mm z"),
      "{\"t\":\"2024-01-15T00:00:00.000Z\"}",
      "{\"t\":\"2024-01-15T00:00:00.000Z\",\"c\":\"05:30 UTC+05:30\"}" },
    { "java.time offset IDs, not files",
      DT("\"sourceTimezone\":\"GMT+5\",", "\"targetTimezone\":\"UT-03:00\",",
         YMDHMS, ISO " z"),
      "{\"t\":\"2024-01-15 05:00:00\"}",
      "{\"t\":\"2024-01-15 05:00:00\","
      "\"c\":\"2024-01-14T21:00:00.000-03:00 UT-03:00\"}" },
    { "Etc zones keep the tz database's sign",
      DT("\"sourceTimezone\":\"Etc/GMT+5\",", "", YMDHMS, ISO),
      "{\"t\":\"2024-01-15 05:00:00\"}",
      "{\"t\":\"2024-01-15 05:00:00\","
      "\"c\":\"2024-01-15T10:00:00.000Z\"}" },
    { "default zone name", DT("", "", ISO, "HH:mm z"),
      "{\"t\":\"2024-01-15T00:00:00.000Z\"}",
      "{\"t\":\"2024-01-15T00:00:00.000Z\",\"c\":\"00:00 UTC\"}" },
};

static int have_zones(void)
{
    const char *dir = getenv("TZDIR");
    char path[512];

    snprintf(path, sizeof(path), "%s/Australia/Lord_Howe",
             dir && *dir ? dir : "/usr/share/zoneinfo");
    return access(path, R_OK) == 0;
}

static void run_rows(const struct row *rows_, size_t n)
{
    const struct lv_transform_meta meta = { "/grp", "str", "123456789012",
                                            "us-east-1" };

    for (size_t i = 0; i < n; i++) {
        const struct row *r = &rows_[i];
        struct lv_err err = LV_ERR_INIT;
        json_t *config = json_loads(r->config, 0, NULL);
        struct lv_transformer *t;
        char *out = NULL;
        size_t len = 0;

        if (!config) {
            fail_msg("%s: the row's config is not JSON", r->name);
        }
        t = lv_transformer_new(config, &err);
        json_decref(config);
        if (!t) {
            fail_msg("%s: refused: %s", r->name, err.msg);
        }
        if (lv_transformer_apply(t, &meta, r->msg, strlen(r->msg), 65536,
                                 &out, &len) < 0) {
            fail_msg("%s: failed, want %s", r->name, r->want);
        }
        lv_transformer_free(t);
        if (strlen(out) != len || !same_json(out, r->want)) {
            fail_msg("%s: got %s, want %s", r->name, out, r->want);
        }
        free(out);
    }
}

static void test_zone_rows(void **state)
{
    (void)state;
    run_rows(zone_rows, sizeof(zone_rows) / sizeof(zone_rows[0]));
}

/* Configs refused, with a word of the message. */
static const struct {
    const char *name;
    const char *config;
    const char *says;
} refused[] = {
    { "not a list", "{}", "1 to 20" },
    { "empty", "[]", "1 to 20" },
    { "mutator first", "[{\"trimString\":{\"withKeys\":[\"a\"]}}]",
      "must be a parser" },
    { "six parsers", "[" PJ "," PJ "," PJ "," PJ "," PJ "," PJ "]",
      "at most 5" },
    { "two grok", "[{\"grok\":{\"match\":\"a\"}},{\"grok\":{\"match\":"
      "\"b\"}}]", "at most one grok" },
    { "grok unknown pattern", "[{\"grok\":{\"match\":\"%{NOPE:x}\"}}]",
      "unsupported grok pattern" },
    { "grok unclosed", "[{\"grok\":{\"match\":\"%{WORD:x\"}}]",
      "not closed" },
    { "first parser with a source",
      "[{\"parseJSON\":{\"source\":\"a\"}}]", "source @message" },
    { "addKeys key four deep",
      "[" PJ ",{\"addKeys\":{\"entries\":[{\"key\":\"a.b.c.d\","
      "\"value\":\"v\"}]}}]", "deeper than 3" },
    { "csv column four deep",
      "[{\"csv\":{\"columns\":[\"a\",\"w.x.y.z\"]}}]", "deeper than 3" },
    { "grok pattern not on the page",
      "[{\"grok\":{\"match\":\"%{COMMONAPACHELOG}\"}}]",
      "unsupported grok pattern" },
    { "grok NOTSPACE six times",
      "[{\"grok\":{\"match\":\"%{NOTSPACE} %{NOTSPACE} %{NOTSPACE} "
      "%{NOTSPACE} %{NOTSPACE} %{NOTSPACE}\"}}]", "at most 5 times" },
    { "grok DATA and GREEDYDATA six times",
      "[{\"grok\":{\"match\":\"%{DATA} %{DATA} %{DATA} %{SPACE} "
      "%{URI} %{GREEDYDATA}\"}}]", "in all" },
    { "grok 21 patterns",
      "[{\"grok\":{\"match\":\"%{INT}%{INT}%{INT}%{INT}%{INT}%{INT}"
      "%{INT}%{INT}%{INT}%{INT}%{INT}%{INT}%{INT}%{INT}%{INT}%{INT}%{INT}"
      "%{INT}%{INT}%{INT}%{WORD}\"}}]", "at most 20 grok patterns" },
    { "grok common pattern not first",
      "[{\"grok\":{\"match\":\"%{WORD:w} %{SYSLOG5424}\"}}]",
      "must be the first pattern" },
    { "grok two common patterns",
      "[{\"grok\":{\"match\":\"%{APACHE_ACCESS_LOG} %{SYSLOG5424}\"}}]",
      "must be the first pattern" },
    { "grok common pattern then NUMBER",
      "[{\"grok\":{\"match\":\"%{NGINX_ACCESS_LOG} %{NUMBER:num}\"}}]",
      "followed only by" },
    { "grok named group", "[{\"grok\":{\"match\":\"(?<n>a)%{WORD:x}\"}}]",
      "named groups" },
    { "vended second", "[" PJ ",{\"parseWAF\":{}}]", "first processor" },
    { "parseToOCSF", "[{\"parseToOCSF\":{\"eventSource\":"
      "\"VPCFlow\",\"ocsfVersion\":\"V1.1\"}}]", "OCSF mappings" },
    { "vended source", "[{\"parseVPC\":{\"source\":\"m\"}}]",
      "shape" },
    { "two addKeys", "[" PJ ",{\"addKeys\":{\"entries\":[{\"key\":"
      "\"a\",\"value\":\"b\"}]}},{\"addKeys\":{\"entries\":"
      "[{\"key\":\"c\",\"value\":\"d\"}]}}]", "at most one addKeys" },
    { "two copyValue", "[" PJ ",{\"copyValue\":{\"entries\":[{"
      "\"source\":\"a\",\"target\":\"b\"}]}},{\"copyValue\":"
      "{\"entries\":[{\"source\":\"a\",\"target\":\"c\"}]}}]",
      "at most one copyValue" },
    { "dateTimeConverter letter", "[" PJ ",{\"dateTimeConverter\":"
      "{\"source\":\"a\",\"target\":\"b\",\"matchPatterns\":[\"yyyy Q\"]}}]",
      "pattern letters" },
    { "dateTimeConverter unknown zone", "[" PJ ",{\"dateTimeConverter\":"
      "{\"source\":\"a\",\"target\":\"b\",\"matchPatterns\":[\"yyyy\"],"
      "\"sourceTimezone\":\"Europe/Nowhere\"}}]", "known time zone ID" },
    { "dateTimeConverter zone path", "[" PJ ",{\"dateTimeConverter\":"
      "{\"source\":\"a\",\"target\":\"b\",\"matchPatterns\":[\"yyyy\"],"
      "\"targetTimezone\":\"../zoneinfo/UTC\"}}]", "known time zone ID" },
    { "dateTimeConverter zone localtime", "[" PJ ",{\"dateTimeConverter\":"
      "{\"source\":\"a\",\"target\":\"b\",\"matchPatterns\":[\"yyyy\"],"
      "\"targetTimezone\":\"localtime\"}}]", "known time zone ID" },
    { "dateTimeConverter zone posix copy", "[" PJ ",{\"dateTimeConverter\":"
      "{\"source\":\"a\",\"target\":\"b\",\"matchPatterns\":[\"yyyy\"],"
      "\"targetTimezone\":\"posix/Europe/Berlin\"}}]", "known time zone ID" },
    { "dateTimeConverter zone offset form", "[" PJ ",{\"dateTimeConverter\":"
      "{\"source\":\"a\",\"target\":\"b\",\"matchPatterns\":[\"yyyy\"],"
      "\"targetTimezone\":\"GMT+5x\"}}]", "known time zone ID" },
    { "dateTimeConverter zone absolute", "[" PJ ",{\"dateTimeConverter\":"
      "{\"source\":\"a\",\"target\":\"b\",\"matchPatterns\":[\"yyyy\"],"
      "\"targetTimezone\":\"/usr/share/zoneinfo/UTC\"}}]",
      "known time zone ID" },
    { "unknown type", "[{\"parseXML\":{}}]", "unknown processor" },
    { "two types", "[{\"parseJSON\":{},\"csv\":{}}]", "exactly one" },
    { "args not object", "[{\"parseJSON\":1}]", "shape" },
    { "too many entries", "[" PJ ",{\"addKeys\":{\"entries\":["
      "{\"key\":\"a\",\"value\":\"b\"},{\"key\":\"a\",\"value\":\"b\"},"
      "{\"key\":\"a\",\"value\":\"b\"},{\"key\":\"a\",\"value\":\"b\"},"
      "{\"key\":\"a\",\"value\":\"b\"},{\"key\":\"a\",\"value\":\"b\"}]}}]",
      "shape" },
    { "bad type", "[" PJ ",{\"typeConverter\":{\"entries\":[{\"key\":"
      "\"a\",\"type\":\"long\"}]}}]", "shape" },
    { "bad regex", "[" PJ ",{\"substituteString\":{\"entries\":[{\"source\":"
      "\"a\",\"from\":\"[\",\"to\":\"b\"}]}}]", "regular expression" },
    { "flatten no element", "[" PJ ",{\"listToMap\":{\"source\":\"a\","
      "\"key\":\"k\",\"flatten\":true}}]", "shape" },
    { "empty key", "[" PJ ",{\"deleteKeys\":{\"withKeys\":[\"\"]}}]",
      "shape" },
    { "csv two-character delimiter", "[{\"csv\":{\"delimiter\":\"ab\"}}]",
      "shape" },
};

static void test_refused(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        struct lv_err err = LV_ERR_INIT;
        json_t *config = json_loads(refused[i].config, JSON_DECODE_ANY,
                                    NULL);
        struct lv_transformer *t;

        if (!config) {
            fail_msg("%s: the row's config is not JSON", refused[i].name);
        }
        t = lv_transformer_new(config, &err);
        json_decref(config);
        if (t) {
            lv_transformer_free(t);
            fail_msg("%s: accepted", refused[i].name);
        }
        if (err.code != LV_E_INVALID_PARAMETER ||
            !strstr(err.msg, refused[i].says)) {
            fail_msg("%s: %s, want one saying %s", refused[i].name,
                     err.msg, refused[i].says);
        }
    }
}

/* A result longer than the bound fails (the event is then kept). */
static void test_bound(void **state)
{
    struct lv_err err = LV_ERR_INIT;
    json_t *config = json_loads("[" PJ "]", 0, NULL);
    struct lv_transformer *t = lv_transformer_new(config, &err);
    char *out = NULL;
    size_t len = 0;
    const char *msg = "{\"a\":\"0123456789\"}";

    (void)state;
    assert_non_null(t);
    assert_int_equal(lv_transformer_apply(t, NULL, msg, strlen(msg), 10,
                                          &out, &len), -1);
    assert_null(out);
    assert_int_equal(lv_transformer_apply(t, NULL, msg, strlen(msg), 64,
                                          &out, &len), 0);
    assert_int_equal(len, strlen(out));
    free(out);
    lv_transformer_free(t);
    json_decref(config);
}

/* A substitution whose result would pass 1 MiB fails the event instead
 * of growing (10,000 matches of an empty pattern, 128 bytes each). */
static void test_subst_bound(void **state)
{
    struct lv_err err = LV_ERR_INIT;
    char cfg[512];
    char *msg = malloc(10016);
    char *out = NULL;
    size_t len = 0;
    json_t *config;
    struct lv_transformer *t;

    (void)state;
    assert_non_null(msg);
    snprintf(cfg, sizeof(cfg), "[" PJ ",{\"substituteString\":{\"entries\":"
             "[{\"source\":\"a\",\"from\":\"(?:)\",\"to\":\"%0128d\"}]}}]",
             0);
    config = json_loads(cfg, 0, NULL);
    assert_non_null(config);
    t = lv_transformer_new(config, &err);
    assert_non_null(t);
    memcpy(msg, "{\"a\":\"", 6);
    memset(msg + 6, 'x', 10000);
    memcpy(msg + 10006, "\"}", 3);
    assert_int_equal(lv_transformer_apply(t, NULL, msg, strlen(msg),
                                          1 << 24, &out, &len), -1);
    lv_transformer_free(t);
    json_decref(config);
    free(msg);
}

/* Every prefix and every bit flip of a config that uses many processors:
 * refused or run cleanly (the sanitizers judge). */
static void test_garbage(void **state)
{
    static const char good[] =
        "[{\"parseKeyValue\":{\"destination\":\"k\"}},{\"addKeys\":"
        "{\"entries\":[{\"key\":\"a.b\",\"value\":\"c\"}]}},"
        "{\"substituteString\":{\"entries\":[{\"source\":\"k.x\","
        "\"from\":\"a\",\"to\":\"b\"}]}},{\"listToMap\":{\"source\":"
        "\"k.l\",\"key\":\"q\"}}]";
    char buf[sizeof(good)];
    const char *msg = "x=aaa&l=1";

    (void)state;
    for (size_t n = 0; n < sizeof(good); n++) {
        for (int bit = -1; bit < 8; bit++) {
            struct lv_err err = LV_ERR_INIT;
            struct lv_transformer *t;
            json_t *config;
            char *out = NULL;
            size_t len;

            memcpy(buf, good, sizeof(good));
            if (bit >= 0) {
                buf[n] = (char)(buf[n] ^ (1 << bit));
            }
            config = json_loadb(buf, bit < 0 ? n : sizeof(good) - 1,
                                JSON_DECODE_ANY, NULL);
            if (!config) {
                continue;
            }
            t = lv_transformer_new(config, &err);
            if (t) {
                if (lv_transformer_apply(t, NULL, msg, strlen(msg), 4096,
                                         &out, &len) == 0) {
                    free(out);
                }
                lv_transformer_free(t);
            } else {
                assert_int_equal(err.code, LV_E_INVALID_PARAMETER);
            }
            json_decref(config);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_bound),
        cmocka_unit_test(test_subst_bound),
        cmocka_unit_test(test_garbage),
        cmocka_unit_test(test_zone_rows),
    };
    int rc;

    if (have_zones()) {
        return cmocka_run_group_tests(tests, NULL, NULL);
    }
    /* Without the tz database the zone rows cannot run: the rest runs,
     * and the binary reports itself skipped rather than passed. */
    rc = _cmocka_run_group_tests("test_logs_transform", tests,
                                 sizeof(tests) / sizeof(tests[0]) - 1,
                                 NULL, NULL);
    printf("skipped: no tz database (package tzdata) for the zone rows\n");
    return rc ? rc : 77;
}
