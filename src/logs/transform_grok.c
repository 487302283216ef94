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

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/mem.h"

#define MAX_DEPTH 8
#define MAX_REGEX 16384

static const struct {
    const char *name;
    const char *def;
} pats[] = {
    { "INT", "(?:[+-]?[0-9]+)" },
    { "BASE10NUM", "(?:[+-]?(?:[0-9]+(?:\\.[0-9]+)?|\\.[0-9]+))" },
    { "NUMBER", "%{BASE10NUM}" },
    { "BASE16NUM", "(?:[+-]?(?:0x)?[0-9A-Fa-f]+)" },
    { "POSINT", "(?:[1-9][0-9]*)" },
    { "NONNEGINT", "(?:[0-9]+)" },
    { "WORD", "(?:\\b\\w+\\b)" },
    { "NOTSPACE", "(?:\\S+)" },
    { "SPACE", "(?:\\s*)" },
    { "DATA", "(?:.*?)" },
    { "GREEDYDATA", "(?:.*)" },
    { "QUOTEDSTRING", "(?:\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*')" },
    { "QS", "%{QUOTEDSTRING}" },
    { "UUID", "(?:[A-Fa-f0-9]{8}-(?:[A-Fa-f0-9]{4}-){3}[A-Fa-f0-9]{12})" },
    { "USERNAME", "(?:[a-zA-Z0-9._-]+)" },
    { "USER", "%{USERNAME}" },
    { "EMAILLOCALPART", "(?:[a-zA-Z0-9!#$%&'*+/=?^_`{|}~-]+"
                        "(?:\\.[a-zA-Z0-9!#$%&'*+/=?^_`{|}~-]+)*)" },
    { "EMAILADDRESS", "(?:%{EMAILLOCALPART}@%{HOSTNAME})" },
    { "MAC", "(?:(?:[A-Fa-f0-9]{2}[:-]){5}[A-Fa-f0-9]{2}|"
             "(?:[A-Fa-f0-9]{4}\\.){2}[A-Fa-f0-9]{4})" },
    { "IPV4", "(?:(?:25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])"
              "(?:\\.(?:25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])){3})" },
    { "IPV6", "(?:(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}"
              "(?:%{IPV4})?)" },
    { "IP", "(?:%{IPV6}|%{IPV4})" },
    { "HOSTNAME", "(?:\\b[0-9A-Za-z][0-9A-Za-z-]{0,62}"
                  "(?:\\.[0-9A-Za-z][0-9A-Za-z-]{0,62})*\\.?\\b)" },
    { "IPORHOST", "(?:%{IP}|%{HOSTNAME})" },
    { "HOSTPORT", "(?:%{IPORHOST}:%{POSINT})" },
    { "UNIXPATH", "(?:/[^\\s?#]*)" },
    { "PATH", "%{UNIXPATH}" },
    { "URIPROTO", "(?:[A-Za-z][A-Za-z0-9+.-]*)" },
    { "URIPATH", "(?:/[A-Za-z0-9$.+!*'(){},~:;=@#%&_/-]*)" },
    { "URIPARAM", "(?:\\?[A-Za-z0-9$.+!*'|(){},~@#%&/=:;_?\\[\\]^-]*)" },
    { "URIPATHPARAM", "(?:%{URIPATH}(?:%{URIPARAM})?)" },
    { "URI", "(?:%{URIPROTO}://(?:%{USER}(?::[^@]*)?@)?"
             "(?:%{IPORHOST}(?::%{POSINT})?)?(?:%{URIPATHPARAM})?)" },
    { "MONTH", "(?:\\b(?:[Jj]an(?:uary)?|[Ff]eb(?:ruary)?|[Mm]ar(?:ch)?|"
               "[Aa]pr(?:il)?|[Mm]ay|[Jj]une?|[Jj]uly?|[Aa]ug(?:ust)?|"
               "[Ss]ep(?:tember)?|[Oo]ct(?:ober)?|[Nn]ov(?:ember)?|"
               "[Dd]ec(?:ember)?)\\b)" },
    { "MONTHNUM", "(?:0?[1-9]|1[0-2])" },
    { "MONTHDAY", "(?:(?:0[1-9])|(?:[12][0-9])|(?:3[01])|[1-9])" },
    { "DAY", "(?:Mon(?:day)?|Tue(?:sday)?|Wed(?:nesday)?|Thu(?:rsday)?|"
             "Fri(?:day)?|Sat(?:urday)?|Sun(?:day)?)" },
    { "YEAR", "(?:\\d\\d){1,2}" },
    { "HOUR", "(?:2[0123]|[01]?[0-9])" },
    { "MINUTE", "(?:[0-5][0-9])" },
    { "SECOND", "(?:(?:[0-5]?[0-9]|60)(?:[:.,][0-9]+)?)" },
    { "TIME", "(?:%{HOUR}:%{MINUTE}(?::%{SECOND})?)" },
    { "DATE_US", "(?:%{MONTHNUM}[/-]%{MONTHDAY}[/-]%{YEAR})" },
    { "DATE_EU", "(?:%{MONTHDAY}[./-]%{MONTHNUM}[./-]%{YEAR})" },
    { "DATE", "(?:%{DATE_US}|%{DATE_EU})" },
    { "ISO8601_TIMEZONE", "(?:Z|[+-]%{HOUR}(?::?%{MINUTE}))" },
    { "TIMESTAMP_ISO8601", "(?:%{YEAR}-%{MONTHNUM}-%{MONTHDAY}[T ]"
                           "%{HOUR}:?%{MINUTE}(?::?%{SECOND})?"
                           "%{ISO8601_TIMEZONE}?)" },
    { "HTTPDATE", "(?:%{MONTHDAY}/%{MONTH}/%{YEAR}:%{TIME} %{INT})" },
    { "SYSLOGTIMESTAMP", "(?:%{MONTH} +%{MONTHDAY} %{TIME})" },
    { "LOGLEVEL", "(?:[Aa]lert|ALERT|[Tt]race|TRACE|[Dd]ebug|DEBUG|"
                  "[Nn]otice|NOTICE|[Ii]nfo(?:rmation)?|INFO(?:RMATION)?|"
                  "[Ww]arn(?:ing)?|WARN(?:ING)?|[Ee]rr(?:or)?|ERR(?:OR)?|"
                  "[Cc]rit(?:ical)?|CRIT(?:ICAL)?|[Ff]atal|FATAL|"
                  "[Ss]evere|SEVERE|[Ee]merg(?:ency)?|EMERG(?:ENCY)?)" },
    { "COMMONAPACHELOG", "(?:%{IPORHOST:clientip} %{USER:ident} "
                         "%{USER:auth} \\[%{HTTPDATE:timestamp}\\] "
                         "\"(?:%{WORD:verb} %{NOTSPACE:request}"
                         "(?: HTTP/%{NUMBER:httpversion})?|"
                         "%{DATA:rawrequest})\" "
                         "%{NUMBER:response} (?:%{NUMBER:bytes}|-))" },
    { "COMBINEDAPACHELOG", "(?:%{COMMONAPACHELOG} %{QS:referrer} "
                           "%{QS:agent})" },
};
#define N_PATS (sizeof(pats) / sizeof(pats[0]))

static const char *find_def(const char *name, size_t n)
{
    for (size_t i = 0; i < N_PATS; i++) {
        if (strlen(pats[i].name) == n && memcmp(pats[i].name, name, n) == 0) {
            return pats[i].def;
        }
    }
    return NULL;
}

void lv_grok_release(struct lv_grok *g)
{
    pcre2_code_free(g->re);
    for (size_t i = 0; i < g->n; i++) {
        free(g->field[i]);
    }
    memset(g, 0, sizeof(*g));
}

static int expand(const char *s, int depth, struct lv_grok *g,
                  struct lv_buf *out, char *why, size_t why_len)
{
    if (depth > MAX_DEPTH) {
        snprintf(why, why_len, "grok patterns nest too deep");
        return -1;
    }
    while (*s) {
        const char *end;
        const char *colon;
        const char *def;
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
        def = find_def(s + 2, nlen);
        if (!def) {
            snprintf(why, why_len, "unsupported grok pattern %%{%.*s}",
                     (int)(nlen > 64 ? 64 : nlen), s + 2);
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
            if (lv_buf_addf(out, "(?<f%zu>", g->n) < 0) {
                goto long_;
            }
            g->n++;
        } else if (lv_buf_add(out, "(?:", 3) < 0) {
            goto long_;
        }
        if (expand(def, depth + 1, g, out, why, why_len) < 0) {
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

    memset(g, 0, sizeof(*g));
    if (expand(match, 0, g, &re, why, why_len) < 0) {
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
