/*
 * transform_vended.c: the parsers for AWS vended logs
 * (transform_vended.h). Each is a small function over the line's text;
 * the field tables are the names, in the order, of the page's examples.
 */
#include "logs/transform_vended.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

#define MAX_FIELDS 40

/* ---- pieces -------------------------------------------------------------- */

struct field {
    const char *s;
    size_t n;
};

/* Splits s[0..len) on runs of spaces and tabs: the number of fields, or
 * -1 when there are more than max. */
static int split_ws(const char *s, size_t len, struct field *f, int max)
{
    size_t i = 0;
    int n = 0;

    while (i < len) {
        size_t b;

        while (i < len && (s[i] == ' ' || s[i] == '\t')) {
            i++;
        }
        if (i == len) {
            break;
        }
        b = i;
        while (i < len && s[i] != ' ' && s[i] != '\t') {
            i++;
        }
        if (n == max) {
            return -1;
        }
        f[n].s = s + b;
        f[n].n = i - b;
        n++;
    }
    return n;
}

/* "-"? digits, no overflow: a JSON integer; else NULL. */
static json_t *as_int(const char *s, size_t n)
{
    char buf[32];
    char *end = NULL;
    long long v;
    size_t i = (n > 0 && s[0] == '-') ? 1 : 0;

    if (n <= i || n >= sizeof(buf)) {
        return NULL;
    }
    for (size_t k = i; k < n; k++) {
        if (s[k] < '0' || s[k] > '9') {
            return NULL;
        }
    }
    memcpy(buf, s, n);
    buf[n] = '\0';
    errno = 0;
    v = strtoll(buf, &end, 10);
    return errno || *end ? NULL : json_integer(v);
}

/* "-"? digits "." digits: a JSON real; else NULL. */
static json_t *as_real(const char *s, size_t n)
{
    char buf[64];
    size_t i = (n > 0 && s[0] == '-') ? 1 : 0;
    size_t digits = 0;
    size_t dots = 0;

    if (n <= i || n >= sizeof(buf)) {
        return NULL;
    }
    for (size_t k = i; k < n; k++) {
        if (s[k] == '.') {
            dots++;
        } else if (s[k] >= '0' && s[k] <= '9') {
            digits++;
        } else {
            return NULL;
        }
    }
    if (dots != 1 || s[i] == '.' || s[n - 1] == '.') {
        return NULL;
    }
    memcpy(buf, s, n);
    buf[n] = '\0';
    return json_real(strtod(buf, NULL));
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0'
         : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/*
 * "Encoded field values are decoded": %XX (CloudFront's URL encoding) or
 * \ooo (Route 53's octal escapes), once; anything else is copied, and so
 * is an escape of the NUL byte (a transformed event is JSON text that
 * every reader takes, and readers differ on "\u0000"). A new JSON
 * string, or NULL when the result is not UTF-8.
 */
static json_t *decoded(const char *s, size_t n, char esc)
{
    char *d = lv_xmalloc(n + 1);
    size_t o = 0;
    json_t *v;

    for (size_t i = 0; i < n; i++) {
        if (esc == '%' && s[i] == '%' && i + 2 < n &&
            hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0 &&
            hexval(s[i + 1]) + hexval(s[i + 2]) > 0) {
            d[o++] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
            i += 2;
            continue;
        }
        if (esc == '\\' && s[i] == '\\' && i + 3 < n &&
            s[i + 1] >= '0' && s[i + 1] <= '3' &&
            s[i + 2] >= '0' && s[i + 2] <= '7' &&
            s[i + 3] >= '0' && s[i + 3] <= '7' &&
            (s[i + 1] != '0' || s[i + 2] != '0' || s[i + 3] != '0')) {
            d[o++] = (char)((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 +
                            (s[i + 3] - '0'));
            i += 3;
            continue;
        }
        d[o++] = s[i];
    }
    v = json_stringn(d, o);
    free(d);
    return v;
}

/* Sets key to v (stolen); -1 when v is NULL. */
static int put(json_t *o, const char *key, json_t *v)
{
    if (!v) {
        return -1;
    }
    json_object_set_new(o, key, v);
    return 0;
}

/* ---- parseCloudfront ----------------------------------------------------- */

/* The standard log's 33 fields, in order (the page's example; the same as
 * CloudFront's AccessLogs.html "Standard log file fields"). */
static const char *const cf_names[] = {
    "date", "time", "x-edge-location", "sc-bytes", "c-ip", "cs-method",
    "cs(Host)", "cs-uri-stem", "sc-status", "cs(Referer)",
    "cs(User-Agent)", "cs-uri-query", "cs(Cookie)", "x-edge-result-type",
    "x-edge-request-id", "x-host-header", "cs-protocol", "cs-bytes",
    "time-taken", "x-forwarded-for", "ssl-protocol", "ssl-cipher",
    "x-edge-response-result-type", "cs-protocol-version", "fle-status",
    "fle-encrypted-fields", "c-port", "time-to-first-byte",
    "x-edge-detailed-result-type", "sc-content-type", "sc-content-len",
    "sc-range-start", "sc-range-end",
};
#define CF_FIELDS (sizeof(cf_names) / sizeof(cf_names[0]))

/*
 * Fields are separated by tabs (CloudFront) or spaces (the page's
 * example). "Values that are integers and doubles are treated as such":
 * a field whose whole text is an integer or a decimal number becomes a
 * JSON number, whatever its column; every other value is percent-decoded
 * once. Undefined by the page, chosen strictly: a line of any other field
 * count (a "#Version"/"#Fields" header, an older 24-field line) fails.
 */
static json_t *parse_cloudfront(const char *msg, size_t len)
{
    struct field f[MAX_FIELDS];
    int n = split_ws(msg, len, f, MAX_FIELDS);
    json_t *o;

    if (n != (int)CF_FIELDS) {
        return NULL;
    }
    o = json_object();
    for (size_t i = 0; i < CF_FIELDS; i++) {
        json_t *v = as_int(f[i].s, f[i].n);

        if (!v) {
            v = as_real(f[i].s, f[i].n);
        }
        if (!v) {
            v = decoded(f[i].s, f[i].n, '%');
        }
        if (put(o, cf_names[i], v) < 0) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

/* ---- parseRoute53 -------------------------------------------------------- */

static const char *const r53_names[] = {
    "version", "queryTimestamp", "hostZoneId", "queryName", "queryType",
    "responseCode", "protocol", "edgeLocation", "resolverIp",
    "ednsClientSubnet",
};
#define R53_FIELDS (sizeof(r53_names) / sizeof(r53_names[0]))

/*
 * A Route 53 public DNS query log line: ten space-separated fields. The
 * version is a number (the page shows 1.0, a double); the others are
 * strings with Route 53's \ooo octal escapes decoded. Any other field
 * count fails (Resolver query logs are JSON and "not supported").
 */
static json_t *parse_route53(const char *msg, size_t len)
{
    struct field f[MAX_FIELDS];
    int n = split_ws(msg, len, f, MAX_FIELDS);
    json_t *o;
    json_t *ver;

    if (n != (int)R53_FIELDS) {
        return NULL;
    }
    ver = as_real(f[0].s, f[0].n);
    if (!ver) {
        ver = as_int(f[0].s, f[0].n);
    }
    if (!ver) {
        return NULL;
    }
    o = json_object();
    json_object_set_new(o, r53_names[0], ver);
    for (size_t i = 1; i < R53_FIELDS; i++) {
        if (put(o, r53_names[i], decoded(f[i].s, f[i].n, '\\')) < 0) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

/* ---- parseVPC ------------------------------------------------------------ */

static const struct {
    const char *name;
    int number;
} vpc_fields[] = {
    { "version", 1 }, { "accountId", 0 }, { "interfaceId", 0 },
    { "srcAddr", 0 }, { "dstAddr", 0 }, { "srcPort", 1 }, { "dstPort", 1 },
    { "protocol", 1 }, { "packets", 1 }, { "bytes", 1 }, { "start", 1 },
    { "end", 1 }, { "action", 0 }, { "logStatus", 0 },
};
#define VPC_FIELDS (sizeof(vpc_fields) / sizeof(vpc_fields[0]))

/*
 * A flow log record in the default (version 2) format: 14 fields, the
 * numeric ones as integers (the page's example). Custom formats are not
 * supported (API_ParseVPC), so another field count fails. Undefined by
 * the page, chosen strictly: "-" (no data, e.g. NODATA and SKIPDATA
 * records) stays the string "-" in any field; other non-numeric text in
 * a numeric field fails.
 */
static json_t *parse_vpc(const char *msg, size_t len)
{
    struct field f[MAX_FIELDS];
    int n = split_ws(msg, len, f, MAX_FIELDS);
    json_t *o;

    if (n != (int)VPC_FIELDS) {
        return NULL;
    }
    o = json_object();
    for (size_t i = 0; i < VPC_FIELDS; i++) {
        json_t *v;

        if (f[i].n == 1 && f[i].s[0] == '-') {
            v = json_string("-");
        } else if (vpc_fields[i].number) {
            v = as_int(f[i].s, f[i].n);
        } else {
            v = json_stringn(f[i].s, f[i].n);
        }
        if (put(o, vpc_fields[i].name, v) < 0) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

/* ---- parsePostgres ------------------------------------------------------- */

/* The next byte at or after `at` that is c, or len. */
static size_t find(const char *s, size_t len, size_t at, char c)
{
    const char *p = at < len ? memchr(s + at, c, len - at) : NULL;

    return p ? (size_t)(p - s) : len;
}

/*
 * An RDS for PostgreSQL log line under RDS's log_line_prefix
 * "%t:%r:%u@%d:[%p]:" followed by "LEVEL:" and the message:
 * "2019-03-10 03:54:59 UTC:10.0.0.123(52834):postgres@logtestdb:[20175]:
 * ERROR: …". The page's output has six fields — logTime, srcIp,
 * userName, dbName, processId (a string), logLevel — and no field for
 * the message text, so none is made. Chosen where the page is silent:
 * the process id marker ":[digits]:" after the time ends the
 * "host(port):user@db" part, whose last ':' ends the host (an IPv6
 * address has colons) and whose first '@' ends the user; empty parts
 * (background processes log "::@:") are empty strings; a line without
 * that shape fails.
 */
static json_t *parse_postgres(const char *msg, size_t len)
{
    size_t at = 0;
    size_t tz_end;
    size_t pid_at = 0;
    size_t pid_end = 0;
    size_t seg_end;
    size_t host_end;            /* just past the ':' that ends the host */
    size_t at_sign;
    size_t lvl_end;
    json_t *o;

    /* %t: "yyyy-mm-dd hh:mm:ss ZONE" */
    if (len < 21 || msg[4] != '-' || msg[7] != '-' || msg[10] != ' ' ||
        msg[13] != ':' || msg[16] != ':' || msg[19] != ' ') {
        return NULL;
    }
    tz_end = find(msg, len, 20, ':');
    if (tz_end == len || tz_end == 20) {
        return NULL;
    }
    for (size_t i = 20; i < tz_end; i++) {
        if (msg[i] == ' ') {
            return NULL;
        }
    }
    /* the first ":[digits]:" after the time */
    for (at = tz_end; at + 3 < len; at++) {
        size_t k = at + 2;

        if (msg[at] != ':' || msg[at + 1] != '[') {
            continue;
        }
        while (k < len && msg[k] >= '0' && msg[k] <= '9') {
            k++;
        }
        if (k > at + 2 && k + 1 < len && msg[k] == ']' &&
            msg[k + 1] == ':') {
            pid_at = at + 2;
            pid_end = k;
            break;
        }
    }
    if (!pid_end) {
        return NULL;
    }
    /* msg[tz_end + 1 .. seg_end) is "host(port):user@db" */
    seg_end = pid_at - 2;
    for (host_end = seg_end; host_end > tz_end + 1; host_end--) {
        if (msg[host_end - 1] == ':') {
            break;
        }
    }
    if (host_end == tz_end + 1 && msg[tz_end + 1] != ':') {
        return NULL;
    }
    if (host_end == tz_end + 1) {
        host_end = tz_end + 2;      /* an empty host: "::user@db" */
    }
    at_sign = find(msg, seg_end, host_end, '@');
    if (at_sign == seg_end) {
        return NULL;
    }
    /* "LEVEL:" after "]:" */
    lvl_end = pid_end + 2;
    while (lvl_end < len && ((msg[lvl_end] >= 'A' && msg[lvl_end] <= 'Z') ||
                             (msg[lvl_end] >= '0' && msg[lvl_end] <= '9'))) {
        lvl_end++;
    }
    if (lvl_end == pid_end + 2 || lvl_end == len || msg[lvl_end] != ':') {
        return NULL;
    }
    o = json_object();
    if (put(o, "logTime", json_stringn(msg, tz_end)) < 0 ||
        put(o, "srcIp", json_stringn(msg + tz_end + 1,
                                     host_end - 1 - (tz_end + 1))) < 0 ||
        put(o, "userName", json_stringn(msg + host_end,
                                        at_sign - host_end)) < 0 ||
        put(o, "dbName", json_stringn(msg + at_sign + 1,
                                      seg_end - at_sign - 1)) < 0 ||
        put(o, "processId", json_stringn(msg + pid_at,
                                         pid_end - pid_at)) < 0 ||
        put(o, "logLevel", json_stringn(msg + pid_end + 2,
                                        lvl_end - pid_end - 2)) < 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* ---- parseWAF ------------------------------------------------------------ */

/*
 * A list of {"name": …, "value": …} objects (httpRequest.headers) as one
 * object name → value; a list of other objects (labels, [{"name": …}])
 * as one object of their members, which is what the page's example
 * shows. Chosen strictly where it is silent: a repeated name, an element
 * that is not an object, or a header without a string name fails.
 */
static json_t *list_to_object(const json_t *l, int headers)
{
    json_t *o = json_object();
    size_t i;
    const json_t *e;

    json_array_foreach(l, i, e) {
        const char *k;
        json_t *v;

        if (!json_is_object(e)) {
            goto fail;
        }
        if (headers) {
            const char *name = json_string_value(json_object_get(e, "name"));

            v = json_object_get(e, "value");
            if (!name || !v || json_object_get(o, name)) {
                goto fail;
            }
            json_object_set(o, name, v);
            continue;
        }
        json_object_foreach((json_t *)e, k, v) {
            if (json_object_get(o, k)) {
                goto fail;
            }
            json_object_set(o, k, v);
        }
    }
    return o;
fail:
    json_decref(o);
    return NULL;
}

/*
 * A WAF log record (JSON): httpRequest.headers and labels become objects;
 * as in the page's example, httpRequest comes first (headers first in
 * it), then labels, then the record's other members in their order. A
 * record without them is returned as parsed.
 */
static json_t *parse_waf(const char *msg, size_t len)
{
    json_t *in = json_loadb(msg, len, JSON_REJECT_DUPLICATES, NULL);
    json_t *out = NULL;
    json_t *req;
    json_t *hdrs;
    json_t *labels;
    const char *k;
    json_t *v;

    if (!json_is_object(in)) {
        goto out;
    }
    req = json_object_get(in, "httpRequest");
    hdrs = json_object_get(req, "headers");
    labels = json_object_get(in, "labels");
    if ((req && !json_is_object(req)) || (hdrs && !json_is_array(hdrs)) ||
        (labels && !json_is_array(labels))) {
        goto out;
    }
    out = json_object();
    if (req) {
        json_t *r = json_object();

        json_object_set_new(out, "httpRequest", r);
        if (hdrs) {
            json_t *h = list_to_object(hdrs, 1);

            if (!h) {
                goto fail;
            }
            json_object_set_new(r, "headers", h);
        }
        json_object_foreach(req, k, v) {
            if (strcmp(k, "headers")) {
                json_object_set(r, k, v);
            }
        }
    }
    if (labels) {
        json_t *l = list_to_object(labels, 0);

        if (!l) {
            goto fail;
        }
        json_object_set_new(out, "labels", l);
    }
    json_object_foreach(in, k, v) {
        if (strcmp(k, "httpRequest") && strcmp(k, "labels")) {
            json_object_set(out, k, v);
        }
    }
    goto out;
fail:
    json_decref(out);
    out = NULL;
out:
    json_decref(in);
    return out;
}

json_t *lv_vended_parse(enum lv_vended kind, const char *msg, size_t len)
{
    switch (kind) {
    case LV_VENDED_CLOUDFRONT:
        return parse_cloudfront(msg, len);
    case LV_VENDED_ROUTE53:
        return parse_route53(msg, len);
    case LV_VENDED_POSTGRES:
        return parse_postgres(msg, len);
    case LV_VENDED_VPC:
        return parse_vpc(msg, len);
    case LV_VENDED_WAF:
        return parse_waf(msg, len);
    }
    return NULL;
}
