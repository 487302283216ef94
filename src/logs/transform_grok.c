/*
 * transform_grok.c: grok patterns to PCRE2 (transform_grok.h).
 *
 * Each %{NAME} is replaced by its definition, itself expanded (nesting is
 * bounded by MAX_DEPTH, the result by MAX_REGEX); a captured one becomes
 * the group named f<i> of field i (compiled with PCRE2_NO_AUTO_CAPTURE,
 * so only those capture, in order: group i + 1 is field i).
 * The definitions are written here from the patterns' documented
 * meaning, not copied from any grok distribution.
 */
#include "logs/transform_grok.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logs/transform_time.h"

#include "util/buf.h"
#include "util/mem.h"

#define MAX_DEPTH 8
#define MAX_REGEX 16384

/* max: how many times one match may use the pattern by name (the page's
 * "Maximum pattern limit"); 0: a building block of other patterns, not
 * on the page's list, refused by name. few: one of {URI, URIPARAM,
 * URIPATHPARAM, SPACE, DATA, GREEDYDATA, GREEDYDATA_MULTILINE}, of which
 * a match uses at most MAX_FEW in all. */
static const struct {
    const char *name;
    const char *def;
    int max;
    int few;
} pats[] = {
    { "INT", "(?:[+-]?[0-9]+)", 20, 0 },
    { "BASE10NUM", "(?:[+-]?(?:[0-9]+(?:\\.[0-9]+)?|\\.[0-9]+))", 20, 0 },
    /* not in the page's tables, but its examples use it */
    { "NUMBER", "%{BASE10NUM}", 20, 0 },
    { "BASE16NUM", "(?:[+-]?(?:0x)?[0-9A-Fa-f]+)", 20, 0 },
    { "POSINT", "(?:[1-9][0-9]*)", 20, 0 },
    { "NONNEGINT", "(?:[0-9]+)", 20, 0 },
    { "WORD", "(?:\\b\\w+\\b)", 20, 0 },
    { "NOTSPACE", "(?:\\S+)", 5, 0 },
    { "SPACE", "(?:\\s*)", 5, 1 },
    { "DATA", "(?:.*?)", 5, 1 },
    { "GREEDYDATA", "(?:.*)", 5, 1 },
    { "GREEDYDATA_MULTILINE", "(?s:.*)", 1, 1 },
    { "QUOTEDSTRING", "(?:\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*')",
      20, 0 },
    { "QS", "%{QUOTEDSTRING}", 0, 0 },
    { "UUID", "(?:[A-Fa-f0-9]{8}-(?:[A-Fa-f0-9]{4}-){3}[A-Fa-f0-9]{12})",
      20, 0 },
    { "URN", "(?:urn:[0-9A-Za-z][0-9A-Za-z-]{0,31}:"
             "(?:%[0-9a-fA-F]{2}|[0-9A-Za-z()+,.:=@;$_!*'/?#-])+)", 20, 0 },
    { "ARN", "(?:arn:(?:aws|aws-cn|aws-us-gov):[0-9A-Za-z-]+:"
             "[0-9A-Za-z-]*:[0-9]*:[^:/\\s]+(?:[:/][^:/\\s]+){0,5})", 5, 0 },
    { "USERNAME", "(?:[a-zA-Z0-9._-]+)", 20, 0 },
    { "USER", "%{USERNAME}", 20, 0 },
    { "EMAILLOCALPART", "(?:[a-zA-Z0-9!#$%&'*+/=?^_`{|}~-]+"
                        "(?:\\.[a-zA-Z0-9!#$%&'*+/=?^_`{|}~-]+)*)", 0, 0 },
    { "EMAILADDRESS", "(?:%{EMAILLOCALPART}@%{HOSTNAME})", 0, 0 },
    { "CISCOMAC", "(?:(?:[A-Fa-f0-9]{4}\\.){2}[A-Fa-f0-9]{4})", 20, 0 },
    { "WINDOWSMAC", "(?:(?:[A-Fa-f0-9]{2}-){5}[A-Fa-f0-9]{2})", 20, 0 },
    { "COMMONMAC", "(?:(?:[A-Fa-f0-9]{2}:){5}[A-Fa-f0-9]{2})", 20, 0 },
    { "MAC", "(?:%{CISCOMAC}|%{WINDOWSMAC}|%{COMMONMAC})", 20, 0 },
    { "IPV4", "(?:(?:25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])"
              "(?:\\.(?:25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])){3})", 20, 0 },
    { "IPV6", "(?:(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}"
              "(?:%{IPV4})?)", 5, 0 },
    { "IP", "(?:%{IPV6}|%{IPV4})", 5, 0 },
    { "HOSTNAME", "(?:\\b[0-9A-Za-z][0-9A-Za-z-]{0,62}"
                  "(?:\\.[0-9A-Za-z][0-9A-Za-z-]{0,62})*\\.?\\b)", 5, 0 },
    { "HOST", "%{HOSTNAME}", 5, 0 },
    { "IPORHOST", "(?:%{IP}|%{HOSTNAME})", 5, 0 },
    /* "capturing the port as "PORT"" / "as "port" if present" */
    { "HOSTPORT", "(?:%{IPORHOST}:%{POSINT:PORT})", 5, 0 },
    { "URIHOST", "(?:%{IPORHOST}(?::%{POSINT:port})?)", 5, 0 },
    { "UNIXPATH", "(?:/[^\\s?#]*(?:\\?[^\\s#]*)?)", 20, 0 },
    { "WINPATH", "(?:(?:[A-Za-z]+:|\\\\)(?:\\\\[^\\\\?*\\s]*)+)", 5, 0 },
    { "PATH", "(?:%{UNIXPATH}|%{WINPATH})", 5, 0 },
    { "TTY", "(?:/dev/(?:pts|tty(?:[pq])?)(?:\\w+)?/?(?:[0-9]+))", 20, 0 },
    { "URIPROTO", "(?:[A-Za-z]+(?:\\+[A-Za-z+]+)?)", 20, 0 },
    { "URIPATH", "(?:/[A-Za-z0-9$.+!*'(){},~:;=@#%&_/-]*)", 20, 0 },
    { "URIPARAM", "(?:\\?[A-Za-z0-9$.+!*'|(){},~@#%&/=:;_?\\[\\]^-]*)",
      5, 1 },
    { "URIPATHPARAM", "(?:%{URIPATH}(?:%{URIPARAM})?)", 5, 1 },
    { "URI", "(?:%{URIPROTO}://(?:%{USER}(?::[^@]*)?@)?"
             "(?:%{IPORHOST}(?::%{POSINT})?)?(?:%{URIPATHPARAM})?)", 5, 1 },
    { "MONTH", "(?:\\b(?:[Jj]an(?:uary)?|[Ff]eb(?:ruary)?|[Mm]ar(?:ch)?|"
               "[Aa]pr(?:il)?|[Mm]ay|[Jj]une?|[Jj]uly?|[Aa]ug(?:ust)?|"
               "[Ss]ep(?:tember)?|[Oo]ct(?:ober)?|[Nn]ov(?:ember)?|"
               "[Dd]ec(?:ember)?)\\b)", 20, 0 },
    { "MONTHNUM", "(?:0?[1-9]|1[0-2])", 20, 0 },
    { "MONTHNUM2", "(?:0[1-9]|1[0-2])", 20, 0 },
    { "MONTHDAY", "(?:(?:0[1-9])|(?:[12][0-9])|(?:3[01])|[1-9])", 20, 0 },
    { "DAY", "(?:Mon(?:day)?|Tue(?:sday)?|Wed(?:nesday)?|Thu(?:rsday)?|"
             "Fri(?:day)?|Sat(?:urday)?|Sun(?:day)?)", 20, 0 },
    { "YEAR", "(?:\\d\\d){1,2}", 20, 0 },
    { "HOUR", "(?:2[0123]|[01]?[0-9])", 20, 0 },
    { "MINUTE", "(?:[0-5][0-9])", 20, 0 },
    { "SECOND", "(?:(?:[0-5]?[0-9]|60)(?:[:.,][0-9]+)?)", 20, 0 },
    { "TIME", "(?:%{HOUR}:%{MINUTE}(?::%{SECOND})?)", 20, 0 },
    { "DATE_US", "(?:%{MONTHNUM}[/-]%{MONTHDAY}[/-]%{YEAR})", 20, 0 },
    { "DATE_EU", "(?:%{MONTHDAY}[./-]%{MONTHNUM}[./-]%{YEAR})", 20, 0 },
    { "DATE", "(?:%{DATE_US}|%{DATE_EU})", 20, 0 },
    { "DATESTAMP", "(?:%{DATE}[- ]%{TIME})", 20, 0 },
    { "TZ", "(?:[APMCE][SD]T|UTC)", 20, 0 },
    { "ISO8601_TIMEZONE", "(?:Z|[+-]%{HOUR}(?::?%{MINUTE}))", 20, 0 },
    { "ISO8601_SECOND", "(?:(?:[0-5]?[0-9]|60)(?:[:.,][0-9]+)?)", 20, 0 },
    { "TIMESTAMP_ISO8601", "(?:%{YEAR}-%{MONTHNUM}-%{MONTHDAY}[T ]"
                           "%{HOUR}:?%{MINUTE}(?::?%{SECOND})?"
                           "%{ISO8601_TIMEZONE}?)", 20, 0 },
    { "DATESTAMP_RFC822", "(?:%{DAY} %{MONTH} %{MONTHDAY} %{YEAR} %{TIME} "
                          "%{TZ})", 20, 0 },
    { "DATESTAMP_RFC2822", "(?:%{DAY}, %{MONTHDAY} %{MONTH} %{YEAR} "
                           "%{TIME} %{ISO8601_TIMEZONE})", 20, 0 },
    { "DATESTAMP_OTHER", "(?:%{DAY} %{MONTH} %{MONTHDAY} %{TIME} %{TZ} "
                         "%{YEAR})", 20, 0 },
    { "DATESTAMP_EVENTLOG", "(?:%{YEAR}%{MONTHNUM2}%{MONTHDAY}%{HOUR}"
                            "%{MINUTE}%{SECOND})", 20, 0 },
    { "HTTPDATE", "(?:%{MONTHDAY}/%{MONTH}/%{YEAR}:%{TIME} %{INT})", 20, 0 },
    { "SYSLOGTIMESTAMP", "(?:%{MONTH} +%{MONTHDAY} %{TIME})", 20, 0 },
    { "PROG", "(?:[\\w._/%-]+)", 20, 0 },
    { "SYSLOGPROG", "(?:%{PROG:program}(?:\\[%{POSINT:pid}\\])?)", 20, 0 },
    { "SYSLOGHOST", "(?:%{IPORHOST})", 5, 0 },
    { "SYSLOGFACILITY", "(?:<%{NONNEGINT:facility}\\.%{NONNEGINT:priority}>)",
      20, 0 },
    { "LOGLEVEL", "(?:[Aa]lert|ALERT|[Tt]race|TRACE|[Dd]ebug|DEBUG|"
                  "[Nn]otice|NOTICE|[Ii]nfo(?:rmation)?|INFO(?:RMATION)?|"
                  "[Ww]arn(?:ing)?|WARN(?:ING)?|[Ee]rr(?:or)?|ERR(?:OR)?|"
                  "[Cc]rit(?:ical)?|CRIT(?:ICAL)?|[Ff]atal|FATAL|"
                  "[Ss]evere|SEVERE|[Ee]merg(?:ency)?|EMERG(?:ENCY)?)",
      20, 0 },
    /* The common log patterns (few = 2): their captures are reshaped by
     * lv_grok_common. ident/auth "-" and the SD, procid "-" are absent
     * from the page's outputs. */
    { "APACHE_ACCESS_LOG", "(?:%{IPORHOST:remote_host} %{NOTSPACE} "
                           "%{NOTSPACE:auth_user} "
                           "\\[%{HTTPDATE:timestamp}\\] "
                           "\"%{WORD:http_method} %{NOTSPACE:request} "
                           "HTTP/%{NUMBER:http_version}\" "
                           "%{INT:status_code} (?:%{INT:response_size}|-)"
                           "(?: \"%{DATA:referrer}\" \"%{DATA:agent}\")?)",
      1, 2 },
    { "NGINX_ACCESS_LOG", "%{APACHE_ACCESS_LOG}", 1, 2 },
    { "SYSLOG5424", "(?:<%{NONNEGINT:pri}>%{NONNEGINT:version} "
                    "%{NOTSPACE:timestamp} %{NOTSPACE:hostname} "
                    "%{NOTSPACE:app} %{NOTSPACE:procid} "
                    "%{NOTSPACE:msg_id} "
                    "(?:-|\\[%{DATA:structured_data}\\]) ?"
                    "%{GREEDYDATA:message})", 1, 2 },
    { "COMMONAPACHELOG", "(?:%{IPORHOST:clientip} %{USER:ident} "
                         "%{USER:auth} \\[%{HTTPDATE:timestamp}\\] "
                         "\"(?:%{WORD:verb} %{NOTSPACE:request}"
                         "(?: HTTP/%{NUMBER:httpversion})?|"
                         "%{DATA:rawrequest})\" "
                         "%{NUMBER:response} (?:%{NUMBER:bytes}|-))", 0, 0 },
    { "COMBINEDAPACHELOG", "(?:%{COMMONAPACHELOG} %{QS:referrer} "
                           "%{QS:agent})", 0, 0 },
};
#define N_PATS (sizeof(pats) / sizeof(pats[0]))

#define MAX_PATTERNS 20     /* "Maximum grok patterns: 20" */
#define MAX_FEW 5

/* The index of the pattern called name[0..n), or -1. */
static int find_pat(const char *name, size_t n)
{
    for (size_t i = 0; i < N_PATS; i++) {
        if (strlen(pats[i].name) == n && memcmp(pats[i].name, name, n) == 0) {
            return (int)i;
        }
    }
    return -1;
}

/* The uses of each pattern by name in the user's match. */
struct uses {
    int total;
    int few;
    int common;         /* a common log pattern came first */
    int after;          /* patterns after it */
    unsigned char n[N_PATS];
};

/*
 * "When you use these specific patterns, they must be the first patterns
 * in your matching configuration, and no other patterns can precede
 * them. Also, you can follow them only with exactly one DATA,
 * GREEDYDATA or GREEDYDATA_MULTILINE pattern."
 */
static int common_rule(struct uses *u, int k, char *why, size_t why_len)
{
    const char *n = pats[k].name;

    if (pats[k].few == 2) {
        if (u->total > 1) {
            snprintf(why, why_len, "%%{%s} must be the first pattern of "
                     "the grok match", n);
            return -1;
        }
        u->common = 1;
        return 0;
    }
    if (u->common && (++u->after > 1 || (strcmp(n, "DATA") &&
                                         strcmp(n, "GREEDYDATA") &&
                                         strcmp(n, "GREEDYDATA_MULTILINE")))) {
        snprintf(why, why_len, "a common log pattern may be followed only "
                 "by one DATA, GREEDYDATA or GREEDYDATA_MULTILINE");
        return -1;
    }
    return 0;
}

/* Counts a use of pattern k at the top level: 0, or -1 with why[]. */
static int count_use(struct uses *u, int k, char *why, size_t why_len)
{
    if (++u->total > MAX_PATTERNS) {
        snprintf(why, why_len, "a grok match combines at most %d grok "
                 "patterns", MAX_PATTERNS);
        return -1;
    }
    if (++u->n[k] > pats[k].max) {
        snprintf(why, why_len, "%%{%s} may be used at most %d times in a "
                 "grok match", pats[k].name, pats[k].max);
        return -1;
    }
    if (pats[k].few == 1 && ++u->few > MAX_FEW) {
        snprintf(why, why_len, "URI, URIPARAM, URIPATHPARAM, SPACE, DATA, "
                 "GREEDYDATA and GREEDYDATA_MULTILINE may be used at most "
                 "%d times in all in a grok match", MAX_FEW);
        return -1;
    }
    return 0;
}

void lv_grok_release(struct lv_grok *g)
{
    pcre2_code_free(g->re);
    for (size_t i = 0; i < g->n; i++) {
        free(g->field[i]);
    }
    memset(g, 0, sizeof(*g));
}

static int expand(const char *s, int depth, int in_common,
                  struct uses *u, struct lv_grok *g, struct lv_buf *out,
                  char *why, size_t why_len)
{
    if (depth > MAX_DEPTH) {
        snprintf(why, why_len, "grok patterns nest too deep");
        return -1;
    }
    while (*s) {
        const char *end;
        const char *colon;
        int k;
        size_t nlen;

        if (s[0] == '\\' && s[1]) {
            if (lv_buf_add(out, s, 2) < 0) {
                goto long_;
            }
            s += 2;
            continue;
        }
        if (s[0] != '%' || s[1] != '{') {
            if (lv_buf_add(out, s, 1) < 0) {
                goto long_;
            }
            s++;
            continue;
        }
        end = strchr(s + 2, '}');
        if (!end) {
            snprintf(why, why_len, "a %%{ is not closed");
            return -1;
        }
        colon = memchr(s + 2, ':', (size_t)(end - s - 2));
        nlen = (size_t)((colon ? colon : end) - (s + 2));
        k = find_pat(s + 2, nlen);
        /* Only the page's patterns may be named in a match; the others
         * are building blocks. */
        if (k < 0 || (depth == 0 && pats[k].max == 0)) {
            snprintf(why, why_len, "unsupported grok pattern %%{%.*s}",
                     (int)(nlen > 64 ? 64 : nlen), s + 2);
            return -1;
        }
        if (depth == 0 && (count_use(u, k, why, why_len) < 0 ||
                           common_rule(u, k, why, why_len) < 0)) {
            return -1;
        }
        if (colon) {
            const char *f = colon + 1;
            size_t flen = (size_t)(end - f);
            const char *type = memchr(f, ':', flen);

            /* %{NAME:field:type}: the type is not kept (strings). */
            flen = type ? (size_t)(type - f) : flen;
            if (flen < 1 || flen > 128 || g->n >= LV_GROK_MAX_FIELDS) {
                snprintf(why, why_len, "a grok field name is empty, too "
                         "long, or one too many");
                return -1;
            }
            g->field[g->n] = lv_xmalloc(flen + 1);
            memcpy(g->field[g->n], f, flen);
            g->field[g->n][flen] = '\0';
            /* QUOTEDSTRING's value is the text inside the quotes (the
             * page: "Hello, world!" gives {"msg": "Hello, world!"}). */
            g->unquote[g->n] = strcmp(pats[k].name, "QUOTEDSTRING") == 0 ||
                               strcmp(pats[k].name, "QS") == 0;
            g->common[g->n] = (unsigned char)in_common;
            if (lv_buf_addf(out, "(?<f%zu>", g->n) < 0) {
                goto long_;
            }
            g->n++;
        } else if (lv_buf_add(out, "(?:", 3) < 0) {
            goto long_;
        }
        if (pats[k].few == 2) {
            g->common_kind = strcmp(pats[k].name, "SYSLOG5424") == 0
                             ? LV_GROK_SYSLOG : LV_GROK_ACCESS;
        }
        if (expand(pats[k].def, depth + 1, in_common || pats[k].few == 2,
                   u, g, out, why, why_len) < 0) {
            return -1;
        }
        if (lv_buf_add(out, ")", 1) < 0) {
            goto long_;
        }
        s = end + 1;
    }
    return 0;
long_:
    snprintf(why, why_len, "the grok pattern expands too long");
    return -1;
}

int lv_grok_compile(const char *match, struct lv_grok *g, char *why,
                    size_t why_len)
{
    struct lv_buf re = LV_BUF_INIT(MAX_REGEX);
    int code = 0;
    PCRE2_SIZE off = 0;
    uint32_t groups = 0;

    struct uses u;

    memset(&u, 0, sizeof(u));
    memset(g, 0, sizeof(*g));
    if (expand(match, 0, 0, &u, g, &re, why, why_len) < 0) {
        goto fail;
    }
    /* Plain groups of the user's own regex would shift the numbering:
     * PCRE2_NO_AUTO_CAPTURE makes every unnamed group non-capturing. */
    g->re = pcre2_compile((PCRE2_SPTR)re.data, re.len,
                          PCRE2_UTF | PCRE2_NO_AUTO_CAPTURE, &code, &off,
                          NULL);
    if (!g->re) {
        snprintf(why, why_len, "the grok pattern is not a valid regular "
                 "expression");
        goto fail;
    }
    pcre2_pattern_info(g->re, PCRE2_INFO_CAPTURECOUNT, &groups);
    if (groups != g->n) {
        snprintf(why, why_len, "named groups are not allowed in a grok "
                 "pattern");
        goto fail;
    }
    lv_buf_release(&re);
    return 0;
fail:
    lv_buf_release(&re);
    lv_grok_release(g);
    return -1;
}

/* The page's outputs, in their order; "-" and empty values are left out
 * (ident and procid "-" are absent from the page's examples). */
static const char *const access_order[] = {
    "request", "referrer", "agent", "http_method", "status_code",
    "auth_user", "http_version", "response_size", "remote_host",
    "timestamp", NULL,
};
static const char *const syslog_order[] = {
    "pri", "version", "timestamp", "hostname", "app", "procid", "msg_id",
    "structured_data", "message", NULL,
};

/* HTTPDATE "03/Aug/2023:12:34:56 +0000" as the page writes it,
 * "2023-08-03T12:34:56Z" (UTC); NULL when it does not parse. */
static json_t *iso_time(const char *s)
{
    struct lv_dtf in;
    struct lv_dtf out;
    int64_t ms = 0;
    char buf[64];

    if (lv_dtf_compile("dd/MMM/yyyy:HH:mm:ss Z", &in) < 0 ||
        lv_dtf_compile("yyyy-MM-dd'T'HH:mm:ss'Z'", &out) < 0 ||
        lv_dtf_parse(&in, s, strlen(s), 0, &ms) < 0 ||
        lv_dtf_format(&out, ms, 0, buf, sizeof(buf)) < 0) {
        return NULL;
    }
    return json_string(buf);
}

void lv_grok_common(const struct lv_grok *g, const json_t *got,
                    json_t *root)
{
    const char *const *order = g->common_kind == LV_GROK_SYSLOG
                               ? syslog_order : access_order;

    for (size_t i = 0; order[i]; i++) {
        const char *v = json_string_value(json_object_get(got, order[i]));
        json_t *out = NULL;
        char *end = NULL;
        long long n;

        if (!v || !*v || strcmp(v, "-") == 0) {
            continue;
        }
        if (!strcmp(order[i], "status_code") ||
            !strcmp(order[i], "response_size") ||
            !strcmp(order[i], "pri") || !strcmp(order[i], "version")) {
            errno = 0;
            n = strtoll(v, &end, 10);
            out = errno || *end ? NULL : json_integer(n);
        } else if (g->common_kind == LV_GROK_ACCESS &&
                   !strcmp(order[i], "timestamp")) {
            out = iso_time(v);
        }
        json_object_set_new(root, order[i], out ? out : json_string(v));
    }
}
