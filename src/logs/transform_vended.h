/*
 * transform_vended: the built-in parsers for AWS vended logs —
 * parseCloudfront, parseRoute53, parsePostgres, parseVPC, parseWAF — each
 * turning one log line into the JSON object AWS documents for it
 * (transform.c runs them as a transformer's first processor).
 *
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/
 * CloudWatch-Logs-Transformation-Processors.html, "Built-in processors for
 * AWS vended logs": each parser's example line and its "transformed log
 * event" fix the field names, their order and their types. Where the page
 * leaves a case open, the choice is strict and stated at the parser: a
 * line that is not of the documented shape (wrong field count, a header
 * line, a repeated WAF header name) fails, and the event is kept as sent.
 *
 * Not here: parseToOCSF — its mappings (OCSF 1.1 / 1.5 event classes for
 * CloudTrail, Route 53 Resolver, VPC Flow, EKS audit and WAF) are not
 * documented field by field, so transform.c refuses it by name.
 */
#ifndef LV_LOGS_TRANSFORM_VENDED_H
#define LV_LOGS_TRANSFORM_VENDED_H

#include <stddef.h>

#include <jansson.h>

enum lv_vended {
    LV_VENDED_CLOUDFRONT,
    LV_VENDED_ROUTE53,
    LV_VENDED_POSTGRES,
    LV_VENDED_VPC,
    LV_VENDED_WAF,
};

/*
 * Parses msg[0..len) as a log line of kind `kind`: a new JSON object (the
 * caller owns the reference), or NULL when the line is not of that
 * format. Pure: no state, no limits beyond len (the caller bounds the
 * result's size).
 */
json_t *lv_vended_parse(enum lv_vended kind, const char *msg, size_t len);

#endif
