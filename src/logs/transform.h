/*
 * transform: CloudWatch Logs log transformers — a transformerConfig
 * (PutTransformer, TestTransformer) checked and compiled, and run over one
 * log event message.
 *
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/
 * CloudWatch-Logs-Transformation.html (processors and their semantics);
 * CloudWatch-Logs-Transformation-Create.html (the rules of a config: the
 * first processor is a parser; at most 5 parsers; one grok, one addKeys,
 * one copyValue; a parser for an AWS vended log only first and only one,
 * its source absent or "@message"; the first parser reads the whole
 * message; the key paths the Processors page limits nest at most 3 keys
 * deep). The shapes and their
 * lengths, counts (1..20 processors) and enums are the model's
 * (lv_model_validate checks them before a handler runs); this module
 * checks them again where its own safety depends on them, since a stored
 * config or a fuzzer reaches it without the front.
 *
 * An event is a JSON object that the processors edit in order, made by
 * the first processor (a parser, over the raw message text: a parser with
 * no source, or "@message", reads that text; one with another source
 * reads a string field of the object). A parser places what it parsed
 * under its destination, or at the root. Keys are paths in dot notation
 * ("outer.inner").
 *
 * Processors implemented: parseJSON, parseKeyValue, csv, addKeys,
 * deleteKeys, renameKeys, moveKeys, copyValue (with the metadata keys
 * @logGroupName, @logGroupStream, @accountId, @regionName),
 * lowerCaseString, upperCaseString, trimString, splitString,
 * substituteString (PCRE2, with a match limit), typeConverter, listToMap,
 * grok (transform_grok.h: the documented subset of named patterns, PCRE2
 * with the same limit), dateTimeConverter (transform_time.h: a subset of
 * the pattern letters; UTC and fixed offsets), and the parsers for AWS
 * vended logs parseCloudfront, parseRoute53, parsePostgres, parseVPC and
 * parseWAF (transform_vended.h). Not implemented, refused with
 * InvalidParameterException when a config names it: parseToOCSF, whose
 * mappings are not documented field by field — a config logvault cannot
 * run is not stored to be ignored.
 *
 * Not here: storing a config (store/logs_store.h), the operations
 * (transformer.c), applying it on ingest (ingest.c).
 */
#ifndef LV_LOGS_TRANSFORM_H
#define LV_LOGS_TRANSFORM_H

#include <stddef.h>

#include <jansson.h>

struct lv_err;
struct lv_transformer;

/* AWS's limits: https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/
 * CloudWatch-Logs-Transformation-Create.html */
#define LV_TRANSFORM_MAX_PROCESSORS 20
#define LV_TRANSFORM_MAX_PARSERS 5

/* What copyValue's metadata keys read; NULL members are absent keys. */
struct lv_transform_meta {
    const char *group;          /* @logGroupName */
    const char *stream;         /* @logGroupStream */
    const char *account;        /* @accountId */
    const char *region;         /* @regionName */
};

/*
 * Checks and compiles `config` (the transformerConfig array). A new
 * transformer (free with lv_transformer_free), or NULL with *err
 * (InvalidParameterException with the rule broken). config is borrowed.
 */
struct lv_transformer *lv_transformer_new(const json_t *config,
                                          struct lv_err *err);

/* NULL is a no-op. */
void lv_transformer_free(struct lv_transformer *t);

/*
 * Runs t over msg[0..len): 0 with the transformed event as compact JSON
 * text in *out (malloc'd, NUL-terminated, the caller frees) and its
 * length in *out_len; -1 when a processor fails on this event (nothing
 * written out): the caller keeps the original message. meta may be NULL.
 * Bounded: a transformed event longer than max_out bytes fails too.
 */
int lv_transformer_apply(const struct lv_transformer *t,
                         const struct lv_transform_meta *meta,
                         const char *msg, size_t len, size_t max_out,
                         char **out, size_t *out_len);

#endif
