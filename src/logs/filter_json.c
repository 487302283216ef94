/*
 * filter_json: JSON filter patterns — { SELECTOR OP VALUE && ... || ... }.
 *
 * AWS page: FilterAndPatternSyntax.html, "Matching terms in JSON log
 * events": selectors start at $ with .name (letters, digits, '-', '_') and
 * [N] steps, an index following a property; = and != take quoted or
 * unquoted strings with '*' wildcards, numbers or %regex%; < > <= >= take
 * numbers; IS NULL, IS TRUE, IS FALSE, NOT EXISTS; "&&" binds tighter than
 * "||" (the page's order of operations "() > && > ||"). A selector must
 * name a string or number: one that names an object or array matches
 * neither = nor != (both { $.users = 1 } and { $.users != 1 } fail on
 * "users": [1, 2, 3]); nor does a missing one.
 *
 * Parsing the event is kept apart from evaluation: resolve() and
 * scalar_of() are all that touch jansson, so a faster decoder can take
 * their place.
 */
#include "logs/filter.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logs/filter_int.h"
#include "util/err.h"
#include "util/mem.h"

#define MAX_INDEX_DIGITS 9

struct jparse {
    struct flex lx;
    struct lv_filter *f;
    int nregex;
    struct lv_err *err;
};

/* ---- selectors --------------------------------------------------------- */

static int sel_name_char(unsigned char c)
{
    return isalnum(c) || c == '_' || c == '-';
}

/* "Invalid character(s) in term '<text up to the bad character>'", as AWS
 * answers { $."sc-status" = 5* } with term '$."'. */
static int sel_error(const struct jparse *jp, size_t upto)
{
    const struct ftok *t = &jp->lx.tok;
    size_t n = upto + 1;

    if (n > t->len) {
        /* Ran out of word: show the character that stopped it, if any. */
        size_t next = t->pos + t->len;

        n = t->len;
        if (next < jp->lx.end && !isspace((unsigned char)jp->lx.pat[next])) {
            n++;
        }
    }
    return lv_ferr_term(jp->err, t->s, n);
}

static void sel_release(struct fsel *s)
{
    size_t k;

    for (k = 0; k < s->nsteps; k++) {
        free(s->steps[k].name);
    }
    free(s->steps);
    free(s->text);
}

/* Parses the current TK_WORD as a selector; returns its index in f->sels
 * (an existing one when the same text was seen before) or -1. */
static int parse_selector(struct jparse *jp)
{
    const struct ftok *t = &jp->lx.tok;
    struct fsel sel;
    size_t i = 1;
    size_t k;

    memset(&sel, 0, sizeof(sel));
    if (t->type != TK_WORD || t->len == 0 || t->s[0] != '$') {
        if (t->type == TK_WORD) {
            return lv_ferr_term(jp->err, t->s, t->len);
        }
        return lv_ferr_unexpected(jp->err, &jp->lx);
    }
    if (t->len == 1) {
        return sel_error(jp, 1);
    }
    while (i < t->len) {
        struct fstep st;
        size_t start;

        memset(&st, 0, sizeof(st));
        if (t->s[i] == '.') {
            start = ++i;
            while (i < t->len && sel_name_char((unsigned char)t->s[i])) {
                i++;
            }
            if (i == start) {
                sel_release(&sel);
                return sel_error(jp, i);
            }
            st.name = lv_xstrndup(t->s + start, i - start);
            st.name_len = i - start;
        } else if (t->s[i] == '[' && sel.nsteps > 0) {
            start = ++i;
            while (i < t->len && isdigit((unsigned char)t->s[i]) &&
                   i - start < MAX_INDEX_DIGITS) {
                st.index = st.index * 10 + (size_t)(t->s[i] - '0');
                i++;
            }
            if (i == start || i >= t->len || t->s[i] != ']') {
                sel_release(&sel);
                return sel_error(jp, i);
            }
            i++;
            st.is_index = 1;
        } else {
            sel_release(&sel);
            return sel_error(jp, i);
        }
        sel.steps = lv_xrealloc(sel.steps,
                                (sel.nsteps + 1) * sizeof(*sel.steps));
        sel.steps[sel.nsteps++] = st;
    }
    sel.text = lv_xstrndup(t->s, t->len);
    for (k = 0; k < jp->f->nsels; k++) {
        if (strcmp(jp->f->sels[k].text, sel.text) == 0) {
            sel_release(&sel);
            return (int)k;
        }
    }
    jp->f->sels = lv_xrealloc(jp->f->sels,
                              (jp->f->nsels + 1) * sizeof(*jp->f->sels));
    jp->f->sels[jp->f->nsels] = sel;
    return (int)jp->f->nsels++;
}

/* ---- the expression ---------------------------------------------------- */

static int is_word(const struct flex *lx, const char *w)
{
    size_t n = strlen(w);

    return lx->tok.type == TK_WORD && lx->tok.len == n &&
           memcmp(lx->tok.s, w, n) == 0;
}

static int parse_or(struct jparse *jp);

/* SELECTOR OP VALUE | SELECTOR IS NULL|TRUE|FALSE | SELECTOR NOT EXISTS */
static int parse_cond(struct jparse *jp)
{
    struct fnode n;
    int sel;

    memset(&n, 0, sizeof(n));
    n.type = FN_COND;
    sel = parse_selector(jp);
    if (sel < 0) {
        return -1;
    }
    n.target = sel;
    if (lv_flex_next(&jp->lx, jp->err) < 0) {
        return -1;
    }
    switch (jp->lx.tok.type) {
    case TK_EQ: n.op = OP_EQ; break;
    case TK_NE: n.op = OP_NE; break;
    case TK_LT: n.op = OP_LT; break;
    case TK_LE: n.op = OP_LE; break;
    case TK_GT: n.op = OP_GT; break;
    case TK_GE: n.op = OP_GE; break;
    default:
        if (is_word(&jp->lx, "IS")) {
            if (lv_flex_next(&jp->lx, jp->err) < 0) {
                return -1;
            }
            if (is_word(&jp->lx, "NULL")) {
                n.op = OP_IS_NULL;
            } else if (is_word(&jp->lx, "TRUE")) {
                n.op = OP_IS_TRUE;
            } else if (is_word(&jp->lx, "FALSE")) {
                n.op = OP_IS_FALSE;
            } else {
                return lv_ferr_unexpected(jp->err, &jp->lx);
            }
        } else if (is_word(&jp->lx, "NOT")) {
            if (lv_flex_next(&jp->lx, jp->err) < 0) {
                return -1;
            }
            if (!is_word(&jp->lx, "EXISTS")) {
                return lv_ferr_unexpected(jp->err, &jp->lx);
            }
            n.op = OP_NOT_EXISTS;
        } else {
            return lv_ferr_unexpected(jp->err, &jp->lx);
        }
        if (lv_flex_next(&jp->lx, jp->err) < 0) {
            return -1;
        }
        return lv_fexpr_add(&jp->f->expr, &n);
    }
    if (lv_flex_next(&jp->lx, jp->err) < 0 ||
        lv_fval_from_tok(&jp->lx, n.op, &n.val, &jp->nregex,
                         jp->err) < 0) {
        return -1;
    }
    if (lv_flex_next(&jp->lx, jp->err) < 0) {
        lv_fval_release(&n.val);
        return -1;
    }
    return lv_fexpr_add(&jp->f->expr, &n);
}

static int parse_unary(struct jparse *jp)
{
    int e;

    if (jp->lx.tok.type != TK_LPAREN) {
        return parse_cond(jp);
    }
    if (lv_flex_next(&jp->lx, jp->err) < 0) {
        return -1;
    }
    e = parse_or(jp);
    if (e < 0) {
        return -1;
    }
    if (jp->lx.tok.type != TK_RPAREN) {
        return lv_ferr_unexpected(jp->err, &jp->lx);
    }
    if (lv_flex_next(&jp->lx, jp->err) < 0) {
        return -1;
    }
    return e;
}

static int parse_and(struct jparse *jp)
{
    int left = parse_unary(jp);

    while (left >= 0 && jp->lx.tok.type == TK_AND) {
        struct fnode n;
        int right;

        if (lv_flex_next(&jp->lx, jp->err) < 0) {
            return -1;
        }
        right = parse_unary(jp);
        if (right < 0) {
            return -1;
        }
        memset(&n, 0, sizeof(n));
        n.type = FN_AND;
        n.left = left;
        n.right = right;
        left = lv_fexpr_add(&jp->f->expr, &n);
    }
    return left;
}

static int parse_or(struct jparse *jp)
{
    int left = parse_and(jp);

    while (left >= 0 && jp->lx.tok.type == TK_OR) {
        struct fnode n;
        int right;

        if (lv_flex_next(&jp->lx, jp->err) < 0) {
            return -1;
        }
        right = parse_and(jp);
        if (right < 0) {
            return -1;
        }
        memset(&n, 0, sizeof(n));
        n.type = FN_OR;
        n.left = left;
        n.right = right;
        left = lv_fexpr_add(&jp->f->expr, &n);
    }
    return left;
}

int lv_filter_parse_json(struct lv_filter *f, const char *pat, size_t start,
                         size_t end, struct lv_err *err)
{
    struct jparse jp;
    int root;

    memset(&jp, 0, sizeof(jp));
    jp.lx.pat = pat;
    jp.lx.pos = start;
    jp.lx.end = end;
    jp.f = f;
    jp.err = err;
    if (lv_flex_next(&jp.lx, err) < 0) {
        return -1;
    }
    root = parse_or(&jp);
    if (root < 0) {
        return -1;
    }
    if (jp.lx.tok.type != TK_END) {
        return lv_ferr_unexpected(err, &jp.lx);
    }
    f->expr.root = root;
    return 0;
}

void lv_filter_release_json(struct lv_filter *f)
{
    size_t k;

    lv_fexpr_release(&f->expr);
    for (k = 0; k < f->nsels; k++) {
        sel_release(&f->sels[k]);
    }
    free(f->sels);
    f->sels = NULL;
    f->nsels = 0;
}

/* ---- evaluation (the only code that knows jansson) --------------------- */

static json_t *resolve(json_t *root, const struct fsel *sel)
{
    json_t *v = root;
    size_t k;

    for (k = 0; k < sel->nsteps && v; k++) {
        const struct fstep *st = &sel->steps[k];

        if (st->is_index) {
            v = json_is_array(v) ? json_array_get(v, st->index) : NULL;
        } else {
            v = json_is_object(v) ? json_object_getn(v, st->name,
                                                     st->name_len) : NULL;
        }
    }
    return v;
}

/* A number's text as it would be written: integers plainly, reals in the
 * shortest form that reads back the same, always with a '.' or exponent
 * (12.0 stays "12.0", so { $.f = "12" } does not match it). */
static void number_text(const json_t *v, char *buf, size_t size)
{
    double d;
    int prec;

    if (json_is_integer(v)) {
        snprintf(buf, size, "%lld", (long long)json_integer_value(v));
        return;
    }
    d = json_real_value(v);
    for (prec = 15; prec <= 17; prec++) {
        snprintf(buf, size, "%.*g", prec, d);
        if (strtod(buf, NULL) == d) {
            break;
        }
    }
    if (!strpbrk(buf, ".eEn")) {
        size_t n = strlen(buf);

        if (n + 2 < size) {
            memcpy(buf + n, ".0", 3);
        }
    }
}

/* The scalar view of a string or number; 0 for anything else. */
static int scalar_of(const json_t *v, struct fscalar *s, char *buf,
                     size_t size)
{
    if (json_is_string(v)) {
        s->is_number = 0;
        s->text = json_string_value(v);
        s->len = json_string_length(v);
        return 1;
    }
    if (json_is_number(v)) {
        number_text(v, buf, size);
        s->is_number = 1;
        s->text = buf;
        s->len = strlen(buf);
        return 1;
    }
    return 0;
}

static int eval(const struct lv_filter *f, int node, json_t *root)
{
    const struct fnode *n = &f->expr.nodes[node];
    struct fscalar s;
    char buf[64];
    json_t *v;

    switch (n->type) {
    case FN_AND:
        return eval(f, n->left, root) && eval(f, n->right, root);
    case FN_OR:
        return eval(f, n->left, root) || eval(f, n->right, root);
    case FN_COND:
        break;
    }
    v = resolve(root, &f->sels[n->target]);
    switch (n->op) {
    case OP_NOT_EXISTS:
        return v == NULL;
    case OP_IS_NULL:
        return v && json_is_null(v);
    case OP_IS_TRUE:
        return v && json_is_true(v);
    case OP_IS_FALSE:
        return v && json_is_false(v);
    default:
        if (!v || !scalar_of(v, &s, buf, sizeof(buf))) {
            return 0;
        }
        return lv_fval_test(n->op, &n->val, &s);
    }
}

static json_t *extract(const struct lv_filter *f, json_t *root)
{
    json_t *out = json_object();
    size_t k;

    for (k = 0; k < f->nsels; k++) {
        json_t *v = resolve(root, &f->sels[k]);
        struct fscalar s;
        char buf[64];
        json_t *str = NULL;

        if (!v) {
            continue;
        }
        if (scalar_of(v, &s, buf, sizeof(buf))) {
            str = json_stringn_nocheck(s.text, s.len);
        } else if (json_is_true(v) || json_is_false(v) || json_is_null(v)) {
            str = json_string(json_is_null(v) ? "null" :
                              json_is_true(v) ? "true" : "false");
        }
        if (str) {
            json_object_set_new(out, f->sels[k].text, str);
        }
    }
    return out;
}

int lv_filter_match_json(const struct lv_filter *f, const char *msg,
                         size_t len, json_t **extracted)
{
    json_error_t jerr;
    json_t *root;
    size_t i = 0;
    int m;

    /* Cheap rejection before a parse: a JSON object starts with '{'. */
    while (i < len && isspace((unsigned char)msg[i])) {
        i++;
    }
    if (i >= len || msg[i] != '{') {
        return 0;
    }
    root = json_loadb(msg, len, JSON_ALLOW_NUL, &jerr);
    if (!root || !json_is_object(root)) {
        json_decref(root);
        return 0;
    }
    m = eval(f, f->expr.root, root);
    if (m && extracted) {
        *extracted = extract(f, root);
    }
    json_decref(root);
    return m;
}
