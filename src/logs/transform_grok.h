/*
 * transform_grok: the grok processor's pattern language compiled to one
 * PCRE2 regular expression (transform.c runs it, under its match limit).
 *
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/
 * CloudWatch-Logs-Transformation-Processors.html#CloudWatch-Logs-
 * Transformation-Grok — %{SYNTAX} matches a named pattern, %{SYNTAX:field}
 * also captures it as `field` (dot notation allowed); the text between
 * is a regular expression. The named patterns are those of the page's
 * "Supported grok patterns" tables (NUMBER too, which its examples use),
 * each within its "Maximum pattern limit", at most 20 in a match, and at
 * most 5 of URI, URIPARAM, URIPATHPARAM, SPACE, DATA, GREEDYDATA and
 * GREEDYDATA_MULTILINE in all; a name outside them is refused
 * (InvalidParameterException), never matched as something else. A
 * QUOTEDSTRING's value is the text inside its quotes; HOSTPORT, URIHOST,
 * SYSLOGPROG and SYSLOGFACILITY also capture the parts the page names
 * (PORT, port, program and pid, facility and priority). The common log
 * patterns APACHE_ACCESS_LOG, NGINX_ACCESS_LOG and SYSLOG5424 come first
 * in a match, followed by at most one DATA, GREEDYDATA or
 * GREEDYDATA_MULTILINE, and give the fields of the page's examples
 * (lv_grok_common).
 */
#ifndef LV_LOGS_TRANSFORM_GROK_H
#define LV_LOGS_TRANSFORM_GROK_H

#include <stddef.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <jansson.h>
#include <pcre2.h>

#define LV_GROK_MAX_FIELDS 32

struct lv_grok {
    pcre2_code *re;
    size_t n;                                   /* captured fields */
    char *field[LV_GROK_MAX_FIELDS];            /* field i is group i+1 */
    unsigned char unquote[LV_GROK_MAX_FIELDS];  /* QUOTEDSTRING: strip */
    unsigned char common[LV_GROK_MAX_FIELDS];   /* a common log pattern's */
    int common_kind;                            /* LV_GROK_ACCESS, … */
};

#define LV_GROK_ACCESS 1        /* APACHE_ACCESS_LOG, NGINX_ACCESS_LOG */
#define LV_GROK_SYSLOG 2        /* SYSLOG5424 */

/*
 * Writes the fields of a common log pattern into root as the page shows
 * them: got holds the pattern's captures by name (strings, borrowed);
 * the page's fields are set in its order, status_code, response_size,
 * pri and version as integers, an access log's timestamp as
 * "yyyy-MM-ddTHH:mm:ssZ" in UTC, and "-" or empty values left out.
 */
void lv_grok_common(const struct lv_grok *g, const json_t *got,
                    json_t *root);

/* Compiles `match` into *g: 0, or -1 with what is wrong in why[]. On
 * failure *g holds nothing. */
int lv_grok_compile(const char *match, struct lv_grok *g, char *why,
                    size_t why_len);

/* Frees what g holds; g itself is the caller's. */
void lv_grok_release(struct lv_grok *g);

#endif
