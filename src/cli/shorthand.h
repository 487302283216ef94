/*
 * cli/shorthand: the AWS CLI's shorthand syntax for structure, map and
 * list-of-structure options (`Key=a,Value=b`, `k1=v1,k2=v2`,
 * `a={b=c,d=[e,f]}`, quoting with '' and "", `\,` escapes), ported from
 * awscli/shorthand.py (ShorthandParser + BackCompatVisitor) and
 * awscli/argprocess.py (ParamShorthandParser) of AWS CLI 2.9: the same
 * parse, the same model-driven typing (integer/long → number, double →
 * number, boolean "true"/"false" → bool, a scalar where the model wants a
 * list → a one-element list), the same error messages.
 *
 * It does not: read file:// values (the caller does first), parse JSON
 * values (the caller does, when lv_shorthand_is_json says so), check
 * unknown keys, required members or constraints (the model's validation
 * does, as botocore's does after the AWS CLI's shorthand step), or convert
 * timestamps and blobs (they stay strings, as in the AWS CLI, for the
 * request serializer).
 */
#ifndef LV_CLI_SHORTHAND_H
#define LV_CLI_SHORTHAND_H

#include <stddef.h>

#include <jansson.h>

struct lv_err;
struct lv_service;

/* Nesting of [..] and {..} accepted in one value. */
#define LV_SHORTHAND_MAX_DEPTH 64

/*
 * 1 when `s`, stripped of leading whitespace, starts with '{' or '[': the
 * AWS CLI then reads the value as JSON, not shorthand (argprocess.py
 * _should_parse_as_shorthand). For a list option, pass the first word.
 */
int lv_shorthand_is_json(const char *s);

/*
 * 1 when the shape `shape` of `svc` takes shorthand at all: a structure, a
 * map, or a list of structures, lists or maps (argprocess.py
 * _supports_shorthand_syntax). Other shapes are scalars or lists of them.
 */
int lv_shorthand_supported(const struct lv_service *svc, int shape);

/*
 * Parses the shorthand value `s` for the option whose model shape is
 * `shape` (a structure or map; a list shape takes `s` as its one word).
 * Returns a new JSON value typed by the model, or NULL with *err set:
 *   err->code LV_E_VALIDATION — a syntax error; err->msg is what the AWS
 *     CLI prints after "Error parsing parameter '--x': " (exit 252), e.g.
 *     "Expected: '=', received: 'EOF' for input:\nKey\n   ^";
 *   err->code LV_E_SERIALIZATION — a value the model's type rejects, e.g.
 *     "invalid literal for int() with base 10: 'abc'", which the AWS CLI
 *     prints bare (no prefix) and exits 255.
 */
json_t *lv_shorthand_parse(const struct lv_service *svc, int shape,
                           const char *s, struct lv_err *err);

/*
 * A list option given as several words (`--log-events timestamp=1,message=a
 * timestamp=2,message=b`): each word is one element in shorthand; `shape`
 * is the list shape. Returns a new JSON array; errors as above.
 */
json_t *lv_shorthand_parse_list(const struct lv_service *svc, int shape,
                                const char *const *words, size_t n,
                                struct lv_err *err);

#endif
