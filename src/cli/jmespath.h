/*
 * cli/jmespath: the JMESPath query language of the CLI's --query option, a
 * port of the behaviour of the Python `jmespath` package (1.0.1) that the
 * AWS CLI v2 uses: the same grammar, the same results (projections drop
 * nulls, Python's equality and ordering rules), the same built-in functions
 * and the same error messages, character for character, so that
 * `logvault … --query X` fails where and as `aws … --query X` does.
 *
 * It does: lexing, Pratt parsing into an AST, evaluation over jansson
 * values, the 26 functions of the specification plus to_array.
 * It does not: custom functions, the `let` proposal, caching of compiled
 * expressions (a CLI run compiles one), or printing: the caller adds the AWS
 * CLI's "Bad value for --query EXPR: " prefix to a compile error.
 *
 * Limits: expressions nest at most LV_JMESPATH_MAX_DEPTH deep (a compile
 * error beyond), so neither parsing nor evaluation can exhaust the stack.
 */
#ifndef LV_CLI_JMESPATH_H
#define LV_CLI_JMESPATH_H

#include <jansson.h>

struct lv_err;
struct lv_jmespath;

#define LV_JMESPATH_MAX_DEPTH 200

/*
 * Compiles `expr` (UTF-8, NUL-terminated). Returns a new compiled query
 * (free with lv_jmespath_free), or NULL with err->msg set to what Python's
 * jmespath says for the error, e.g.
 *   Invalid jmespath expression: Incomplete expression:\n"foo["\n     ^
 * (err->code is LV_E_VALIDATION).
 */
struct lv_jmespath *lv_jmespath_compile(const char *expr, struct lv_err *err);

/*
 * Evaluates `q` over `data` (borrowed; NULL is treated as JSON null).
 * Returns a new reference — json_null() when the result is null — or NULL
 * with err->msg set on a runtime error (a function's arity or argument
 * type, an unknown function, a zero slice step, comparing a number with a
 * string), worded as Python's jmespath words it, e.g.
 *   In function length(), invalid type for value: 1, expected one of:
 *   ['string', 'array', 'object'], received: "number"
 */
json_t *lv_jmespath_eval(const struct lv_jmespath *q, const json_t *data,
                         struct lv_err *err);

/* Frees `q`; NULL is a no-op. */
void lv_jmespath_free(struct lv_jmespath *q);

/* Compile + eval + free in one call: same contracts as above. */
json_t *lv_jmespath_search(const char *expr, const json_t *data,
                           struct lv_err *err);

#endif
