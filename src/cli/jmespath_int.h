/*
 * cli/jmespath_int: what the four stages of cli/jmespath share and nothing
 * outside uses — the tokens the lexer hands the parser, the tree the parser
 * hands the evaluator, the evaluator's state, Python's value rules that the
 * evaluator and the functions both apply, and the calls between the files:
 *   jmespath_lex.c    text → tokens                (jmespath/lexer.py)
 *   jmespath_parse.c  tokens → tree; compile, free (jmespath/parser.py)
 *   jmespath_eval.c   tree × JSON → JSON; eval, search (jmespath/visitor.py)
 *   jmespath_fn.c     the built-in functions       (jmespath/functions.py)
 *
 * Conventions throughout: Python's None is a NULL json_t* or json null (both
 * are "none" here); evaluation returns a new reference or NULL for None.
 * Positions in messages count code points, as Python's do. Every message
 * goes into err->msg under LV_E_VALIDATION, worded as jmespath.py words it.
 */
#ifndef LV_CLI_JMESPATH_INT_H
#define LV_CLI_JMESPATH_INT_H

#include <stddef.h>

#include <jansson.h>

#include "cli/jmespath.h"
#include "util/buf.h"
#include "util/err.h"

/* ---- tokens (jmespath_lex.c → jmespath_parse.c) ------------------------ */

enum tok_type {
    T_EOF, T_UNQUOTED, T_QUOTED, T_LITERAL, T_RBRACKET, T_RPAREN, T_COMMA,
    T_RBRACE, T_NUMBER, T_CURRENT, T_EXPREF, T_COLON, T_PIPE, T_OR, T_AND,
    T_EQ, T_GT, T_LT, T_GTE, T_LTE, T_NE, T_FLATTEN, T_STAR, T_FILTER,
    T_DOT, T_NOT, T_LBRACE, T_LBRACKET, T_LPAREN, T__COUNT
};

struct tok {
    enum tok_type type;
    size_t start;       /* code point position */
    char *text;         /* identifier / raw string / lexeme (owned) */
    long long num;
    json_t *lit;        /* literal value, owned; NULL for JSON null */
};

/* ---- the tree (jmespath_parse.c → jmespath_eval.c, jmespath_fn.c) ------ */

enum node_type {
    N_FIELD, N_SUBEXPR, N_INDEX, N_INDEX_EXPR, N_SLICE, N_PROJECTION,
    N_VALUE_PROJECTION, N_FILTER_PROJECTION, N_FLATTEN, N_IDENTITY,
    N_CURRENT, N_LITERAL, N_MULTI_LIST, N_MULTI_HASH, N_OR, N_AND, N_NOT,
    N_PIPE, N_CMP, N_FUNCTION, N_EXPREF
};

struct node {
    enum node_type type;
    char *name;             /* field, function name */
    json_t *lit;            /* literal (NULL = null) */
    long long idx;
    long long slice[3];
    int has[3];
    enum tok_type cmp;
    struct node **kids;
    char **keys;            /* multi-select hash keys, parallel to kids */
    size_t n, cap;
    struct node *next_alloc;
};

struct lv_jmespath {
    struct node *root;
    struct node *nodes;     /* every node, for freeing */
};

/* ---- evaluation state and calls between the files ---------------------- */

struct ev {
    struct lv_err *err;
    int depth;
};

/* The error message in `b` into err (LV_E_VALIDATION); releases `b`. */
static inline void lv_jmespath_set_err_buf(struct lv_err *err,
                                           struct lv_buf *b)
{
    lv_err_set(err, LV_E_VALIDATION, "%s", b->data);
    lv_buf_release(b);
}

static inline int is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static inline int is_none(const json_t *v)
{
    return !v || json_is_null(v);
}

static inline int is_num(const json_t *v)
{
    return v && json_is_number(v);
}

static inline double num(const json_t *v)
{
    return json_number_value(v);
}

/*
 * jmespath_lex.c: lexes `expr` (UTF-8, NUL-terminated, not empty) into a
 * new array *toks of *n tokens ending with T_EOF (free with
 * lv_jmespath_toks_free). Returns 0, or -1 with err set (LexerError's
 * words: "Bad jmespath expression: …") and nothing left to free.
 */
int lv_jmespath_lex(const char *expr, struct tok **toks, size_t *n,
                    struct lv_err *err);

/* Frees `n` tokens and the array `t`; NULL is a no-op. */
void lv_jmespath_toks_free(struct tok *t, size_t n);

/*
 * jmespath_eval.c: evaluates `n` over `in` (borrowed; NULL = None). Returns
 * 0 with *out a new reference or NULL for None, or -1 with e->err set and
 * *out NULL. Fails past 4 × LV_JMESPATH_MAX_DEPTH nested evaluations.
 */
int lv_jmespath_eval_node(struct ev *e, const struct node *n,
                          const json_t *in, json_t **out);

/* Python's type(v).__name__ ("NoneType", "dict", "list", "str", "int",
 * "float", "bool") and the JMESPath type name ("null", "object", …). */
const char *lv_jmespath_py_type(const json_t *v);
const char *lv_jmespath_jp_type(const json_t *v);

/* Python's a == b, recursively: numbers and booleans compare by value. */
int lv_jmespath_py_eq(const json_t *a, const json_t *b);

/* Python's a < b etc. for two numbers or two strings: -1, 0 or 1; -2 when
 * Python would raise TypeError (then see lv_jmespath_type_error_cmp). */
int lv_jmespath_py_cmp(const json_t *a, const json_t *b);

/* "'OP' not supported between instances of 'A' and 'B'" into e->err;
 * returns -1. */
int lv_jmespath_type_error_cmp(struct ev *e, const char *op, const json_t *a,
                               const json_t *b);

/*
 * jmespath_fn.c: the function call `n` (N_FUNCTION) over `in`: evaluates
 * the arguments, checks arity and types as functions.py does, then runs
 * the function. Same returns as lv_jmespath_eval_node.
 */
int lv_jmespath_call(struct ev *e, const struct node *n, const json_t *in,
                     json_t **out);

#endif
