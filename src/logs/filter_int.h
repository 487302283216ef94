/*
 * filter_int: what filter.c, filter_json.c and filter_space.c share — the
 * lexer for JSON and space-delimited patterns, condition values (text,
 * number, wildcard, regex) and their evaluation against one scalar, the
 * boolean expression tree, and the compiled filter itself. Not for use
 * outside src/logs/filter*.c (and the filter tests, for the two
 * single-path evaluations at the end).
 */
#ifndef LV_LOGS_FILTER_INT_H
#define LV_LOGS_FILTER_INT_H

#include <stddef.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "logs/fastjson.h"
#include "logs/filter.h"

struct lv_err;

/* ---- values ------------------------------------------------------------ */

enum fval_kind {
    FV_TEXT,        /* exact text: "quoted" or an unquoted word */
    FV_NUMBER,      /* an unquoted number: 400, -1.5, 10e-3, +1000 */
    FV_GLOB,        /* text with '*' wildcards */
    FV_REGEX,       /* %regex% */
};

struct fval {
    enum fval_kind kind;
    char *text;         /* unescaped text (FV_TEXT, FV_NUMBER as written) */
    size_t len;
    double num;         /* FV_NUMBER */
    int is_int;         /* FV_NUMBER with no '.', no exponent, fits 64 bits */
    long long inum;
    /* FV_GLOB: the literal pieces between the stars, back to back in
     * `text`, piece i at seg_off[i] with seg_len[i] bytes. */
    size_t nseg;
    size_t *seg_off;
    size_t *seg_len;
    int lead_star;      /* the glob starts with '*' */
    int trail_star;     /* the glob ends with '*' */
    pcre2_code *re;     /* FV_REGEX */
};

/* A scalar of the event: a JSON string or number, or a delimited field. */
struct fscalar {
    /* 1: a JSON number or a delimited field — compared with a number
     * numerically when its text is one; 0: a JSON string — compared with
     * a number by its text only, and never ordered (AWS: { $.v = 1 }
     * matches "1" but not "1.0", { $.v > 1 } does not match "10"). */
    int is_number;
    const char *text;   /* its text: string bytes, or the number as text */
    size_t len;
};

enum fop {
    OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE,
    OP_IS_NULL, OP_IS_TRUE, OP_IS_FALSE, OP_NOT_EXISTS,
};

/* 1 when the scalar satisfies `op v` (OP_EQ .. OP_GE only). */
int lv_fval_test(enum fop op, const struct fval *v, const struct fscalar *s);
void lv_fval_release(struct fval *v);

/* Does glob v match the text? */
int lv_fglob_match(const struct fval *v, const char *s, size_t len);
/* Does regex re find a match in s? (unanchored, like PCRE2's default) */
int lv_fregex_find(const pcre2_code *re, const char *s, size_t len);
/* Checks body (without the %s) against AWS's regex subset — its
 * character set and operators — and compiles it. -1 with err filled when
 * it is outside the subset or does not compile. */
int lv_fregex_compile(const char *body, size_t len, pcre2_code **out,
                      struct lv_err *err);

/* Parses the whole of s as a number (AWS's NUMBER: optional sign, digits,
 * optional fraction, optional exponent). 1 and *d (and *is_int, *i) set,
 * or 0. */
int lv_fnum_parse(const char *s, size_t len, double *d, int *is_int,
                  long long *i);

/* ---- lexer for JSON and space-delimited patterns ----------------------- */

enum ftok_type {
    TK_END, TK_LPAREN, TK_RPAREN, TK_COMMA, TK_AND, TK_OR,
    TK_EQ, TK_NE, TK_LT, TK_LE, TK_GT, TK_GE,
    TK_QUOTED,      /* "..." */
    TK_REGEX,       /* %...% */
    TK_WORD,        /* anything else up to a delimiter */
};

struct ftok {
    enum ftok_type type;
    size_t pos;         /* offset of the token in the whole pattern */
    const char *s;      /* raw text of the token */
    size_t len;
};

struct flex {
    const char *pat;    /* the whole pattern, for positions and messages */
    size_t pos;         /* next byte to read */
    size_t end;         /* stop before this offset */
    struct ftok tok;    /* the current token */
};

/* Moves to the next token; -1 with err filled on a lexical error. */
int lv_flex_next(struct flex *lx, struct lv_err *err);
/* A printable name for the current token, for "unexpected ..." messages. */
const char *lv_flex_what(const struct flex *lx, char *buf, size_t size);
/* Builds a condition value from the current token (TK_QUOTED, TK_REGEX or
 * TK_WORD); `op` is checked against it (relational operators need a
 * number, regex needs = or !=). -1 with err filled. */
int lv_fval_from_tok(const struct flex *lx, enum fop op, struct fval *v,
                     int *nregex, struct lv_err *err);

/* Fills err with "Invalid character(s) in term '<s>'" and returns -1. */
int lv_ferr_term(struct lv_err *err, const char *s, size_t len);
/* Fills err with "Invalid filter pattern: unexpected <what> at position N". */
int lv_ferr_unexpected(struct lv_err *err, const struct flex *lx);

/* ---- boolean expressions ----------------------------------------------- */

enum fnode_type { FN_COND, FN_AND, FN_OR };

struct fnode {
    enum fnode_type type;
    int left, right;    /* FN_AND / FN_OR: children (node indexes) */
    enum fop op;        /* FN_COND */
    int target;         /* FN_COND: selector index (JSON) */
    struct fval val;    /* FN_COND with OP_EQ .. OP_GE */
};

struct fexpr {
    struct fnode *nodes;
    size_t n, cap;
    int root;           /* -1: empty */
};

int lv_fexpr_add(struct fexpr *e, const struct fnode *n);
void lv_fexpr_release(struct fexpr *e);

/* ---- JSON selectors ---------------------------------------------------- */

struct fstep {
    int is_index;
    int is_wild;        /* .* or [*]: every child of an array or object */
    char *name;         /* object member (NUL-terminated) */
    size_t name_len;
    size_t index;       /* array element */
};

struct fsel {
    char *text;         /* "$.a[0].b" as written, the extraction key */
    struct fstep *steps;
    size_t nsteps;
    int wild;           /* has a wildcard step (at most one) */
};

/* ---- space-delimited fields -------------------------------------------- */

struct ffield {
    int ellipsis;       /* "..." */
    char *name;         /* NULL for an unnamed field */
    struct fexpr cond;  /* root -1: no condition */
};

/* ---- the compiled filter ----------------------------------------------- */

enum fterm_mode { TERM_REQUIRED, TERM_OPTIONAL, TERM_EXCLUDED };

struct fterm {
    enum fterm_mode mode;
    char *lit;          /* literal (unescaped), len 0 for " " */
    size_t len;
    pcre2_code *re;     /* %regex% term instead of a literal */
};

struct lv_filter {
    enum lv_filter_kind kind;
    /* LV_FILTER_TEXT */
    struct fterm *terms;
    size_t nterms;
    size_t noptional;
    struct lv_filter_lit *required;     /* every kind: the prefilter */
    size_t nrequired;
    char **owned;       /* literal bytes made for `required` (JSON, space) */
    size_t nowned;
    /* LV_FILTER_JSON */
    struct fexpr expr;
    struct fsel *sels;
    size_t nsels;
    struct lv_fastjson_path *fj_paths;  /* sels[k] for lv_fastjson_visit */
    struct lv_fastjson_step *fj_steps;  /* their steps, back to back */
    /* The condition nodes on each selector: those of sels[k] are
     * cond_nodes[cond_off[k] .. cond_off[k + 1]). */
    int *cond_nodes;
    size_t *cond_off;
    /* LV_FILTER_SPACE */
    struct ffield *fields;
    size_t nfields;
    size_t nellipsis;
};

/* Parse the inside of "{ ... }" / "[ ... ]" (offsets into pat). */
int lv_filter_parse_json(struct lv_filter *f, const char *pat, size_t start,
                         size_t end, struct lv_err *err);
int lv_filter_parse_space(struct lv_filter *f, const char *pat, size_t start,
                          size_t end, struct lv_err *err);
int lv_filter_match_json(const struct lv_filter *f, const char *msg,
                         size_t len, json_t **extracted);
int lv_filter_match_space(const struct lv_filter *f, const char *msg,
                          size_t len, json_t **extracted);
void lv_filter_release_json(struct lv_filter *f);
void lv_filter_release_space(struct lv_filter *f);

/* Adds a literal to f->required (a copy of data when copy is set, else
 * data must live as long as f); an equal one already there is not added
 * twice. */
void lv_filter_add_required(struct lv_filter *f, const char *data,
                            size_t len, int or_backslash, int copy);

/* The JSON evaluation by one path only, for the differential tests
 * (tests/unit/test_filter.c, tests/fuzz/fuzz_filter_json.c): 1 or 0; the
 * fast one answers -1 when it cannot decide (lv_filter_match_json then
 * asks jansson). Neither looks at the prefilter literals. */
int lv_filter_json_fast(const struct lv_filter *f, const char *msg,
                        size_t len);
int lv_filter_json_jansson(const struct lv_filter *f, const char *msg,
                           size_t len);

#endif
