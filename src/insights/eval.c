/*
 * eval: the value of an expression over a row (lv_iq_eval, iq.h). The
 * parser decided precedence by the tree's shape; this file gives each
 * node its meaning, by the functions page
 * (CWL_QuerySyntax-operations-functions) and the filter page
 * (CWL_QuerySyntax-Filter):
 *
 *   arithmetic   + - * / % ^ and unary - on numbers; a string that is a
 *                whole decimal number counts as one ("42" + 1 is 43);
 *                anything else, or a result that is not finite (x / 0),
 *                is NULL
 *   comparison   = != < <= > >=: by number when both sides are numbers
 *                (or numeric strings), else by their text, bytewise;
 *                false when either side is NULL (a missing field) or a
 *                map or list ("Comparing map and list to any other
 *                fields result in false") — != included, so a filter
 *                never selects an event for a field it lacks
 *   like, =~     with /regex/: a PCRE2 match anywhere in the text (the
 *                parser compiled it); with a string: substring match
 *                ("Enclose your match string with double quotes or single
 *                quotes to perform substring matching"); not like is the
 *                negation, and false for NULL like every comparison
 *   in, not in   equality (as =) with any element of the list, or of a
 *                list value (an array field) on the right
 *   and, or, not on truthiness (lv_iq_val_truthy): NULL is false
 *
 * Booleans come out as LV_IQ_BOOL (shown 1 / 0).
 */
#include "insights/iq.h"

#include <math.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "insights/fn_int.h"

/* Argument arrays up to this size live on the stack. */
#define STACK_ARGS 8
/* Backtracking steps one regex may take on one event (PCRE2's default is
 * 10,000,000). */
#define REGEX_MATCH_LIMIT 1000000

static void eval_field(const struct lv_iq_expr *e, struct lv_iq_row *r,
                       struct lv_iq_val *out)
{
    int tick = 0;

    lv_iq_row_get(r, e->str, e->len, out);
    if (out->t != LV_IQ_NULL) {
        return;
    }
    /* "json_message.status_code": the longest-named prefix field that is
     * a map or list, then the member at the rest. Dots inside backticks
     * are part of a key. */
    for (size_t p = 1; p < e->len; p++) {
        struct lv_iq_val base;

        if (e->str[p] == '`') {
            tick = !tick;
        }
        if (tick || (e->str[p] != '.' && e->str[p] != '[')) {
            continue;
        }
        lv_iq_row_get(r, e->str, p, &base);
        if (base.t == LV_IQ_JSON) {
            lv_iq_json_member(&base, e->str + p, e->len - p,
                              lv_iq_row_arena(r), out);
            return;
        }
    }
    lv_iq_set_null(out);
}

static void eval_call(const struct lv_iq_expr *e, struct lv_iq_row *r,
                      const struct lv_iq_ctx *cx, struct lv_iq_val *out)
{
    struct lv_iq_val stack[STACK_ARGS];
    struct lv_iq_val *args = stack;
    struct lv_iq_arena *a = lv_iq_row_arena(r);
    size_t n = e->nargs, total = n;

    if (!e->fn) {
        /* An aggregation: stats.c computes it; it has no value per row. */
        lv_iq_set_null(out);
        return;
    }
    if (lv_iq_fn_is_bin(e->fn)) {
        total = n + 1;
    }
    if (total > STACK_ARGS) {
        args = lv_iq_arena_alloc(a, total * sizeof(*args));
    }
    for (size_t i = 0; i < n; i++) {
        lv_iq_eval(e->args[i], r, cx, &args[i]);
    }
    if (total > n) {
        lv_iq_row_get(r, "@timestamp", 10, &args[n]);
    }
    e->fn->call(args, total, cx, a, out);
}

/* The text of a value for like / =~ and text comparison; 0 for NULL and
 * maps or lists. */
static int text_of(const struct lv_iq_val *v, struct lv_iq_row *r,
                   const char **s, size_t *len)
{
    return lv_iq_arg_str(v, lv_iq_row_arena(r), s, len);
}

/* -2: not comparable (NULL, map, list); else <0, 0, >0. */
static int compare(const struct lv_iq_val *x, const struct lv_iq_val *y,
                   struct lv_iq_row *r)
{
    double a, b;
    const char *s, *t;
    size_t sl, tl;
    int c;

    if (x->t == LV_IQ_NULL || y->t == LV_IQ_NULL || x->t == LV_IQ_JSON ||
        y->t == LV_IQ_JSON) {
        return -2;
    }
    if (lv_iq_arg_num(x, &a) && lv_iq_arg_num(y, &b)) {
        return a < b ? -1 : a > b;
    }
    if (!text_of(x, r, &s, &sl) || !text_of(y, r, &t, &tl)) {
        return -2;
    }
    c = memcmp(s, t, sl < tl ? sl : tl);
    if (c) {
        return c < 0 ? -1 : 1;
    }
    return sl < tl ? -1 : sl > tl;
}

/* PCRE2's allocations for one match come from the row's arena: no
 * malloc per event, and all of it goes at the row's reset. */
static void *arena_malloc(size_t n, void *arena)
{
    return lv_iq_arena_alloc(arena, n);
}

static void arena_free(void *p, void *arena)
{
    (void)p, (void)arena;
}

/* A /regex/ of like or =~ anywhere in s. A pattern that backtracks past
 * REGEX_MATCH_LIMIT steps on one event does not match it (PCRE2 gives up
 * with an error, which is no match), so one event cannot stall a query. */
static int regex_match(const void *re, const char *s, size_t len,
                       struct lv_iq_arena *a)
{
    pcre2_general_context *gc;
    pcre2_match_context *mc;
    pcre2_match_data *md;

    if (!re) {
        return 0;
    }
    gc = pcre2_general_context_create(arena_malloc, arena_free, a);
    mc = gc ? pcre2_match_context_create(gc) : NULL;
    md = gc ? pcre2_match_data_create(1, gc) : NULL;
    if (!mc || !md) {
        return 0;
    }
    pcre2_set_match_limit(mc, REGEX_MATCH_LIMIT);
    return pcre2_match((const pcre2_code *)re, (PCRE2_SPTR)s, len, 0, 0, md,
                       mc) >= 0;
}

/* like / =~: 1, 0, or -1 when the left side has no text (NULL). */
static int like(const struct lv_iq_expr *e, struct lv_iq_row *r,
                const struct lv_iq_ctx *cx)
{
    struct lv_iq_val lv, rv;
    const char *s, *t;
    size_t sl, tl;

    lv_iq_eval(e->args[0], r, cx, &lv);
    if (!text_of(&lv, r, &s, &sl)) {
        return -1;
    }
    if (e->args[1]->k == LV_IQ_E_REGEX) {
        return regex_match(e->args[1]->re, s, sl, lv_iq_row_arena(r));
    }
    lv_iq_eval(e->args[1], r, cx, &rv);
    if (!text_of(&rv, r, &t, &tl)) {
        return -1;
    }
    return tl == 0 || memmem(s, sl, t, tl) != NULL;
}

/* in: 1, 0, or -1 when the left side is not comparable. */
static int in_list(const struct lv_iq_expr *e, struct lv_iq_row *r,
                   const struct lv_iq_ctx *cx)
{
    struct lv_iq_val lv, ev;
    const struct lv_iq_expr *list = e->args[1];

    lv_iq_eval(e->args[0], r, cx, &lv);
    if (lv.t == LV_IQ_NULL || lv.t == LV_IQ_JSON) {
        return -1;
    }
    if (list->k == LV_IQ_E_SUBQ) {          /* r8/iqsub: in ( subquery ) */
        return lv_iq_sub_has(cx, (size_t)list->num, &lv);
    }
    if (list->k != LV_IQ_E_LIST) {
        /* A list value on the right (a field holding an array: "check
         * for elements in an array, put the array after in"), else a
         * single value: in as =. */
        struct lv_iq_val *items;
        long n;

        lv_iq_eval(list, r, cx, &ev);
        n = lv_iq_json_list_items(&ev, lv_iq_row_arena(r), &items);
        if (n < 0) {
            return compare(&lv, &ev, r) == 0;
        }
        for (long i = 0; i < n; i++) {
            if (compare(&lv, &items[i], r) == 0) {
                return 1;
            }
        }
        return 0;
    }
    for (size_t i = 0; i < list->nargs; i++) {
        lv_iq_eval(list->args[i], r, cx, &ev);
        if (compare(&lv, &ev, r) == 0) {
            return 1;
        }
    }
    return 0;
}

static void arith(enum lv_iq_op op, const struct lv_iq_val *x,
                  const struct lv_iq_val *y, struct lv_iq_val *out)
{
    double a, b;

    if (!lv_iq_arg_num(x, &a) || !lv_iq_arg_num(y, &b)) {
        lv_iq_set_null(out);
        return;
    }
    switch (op) {
    case LV_IQ_OP_ADD:
        lv_iq_set_num(out, a + b);
        return;
    case LV_IQ_OP_SUB:
        lv_iq_set_num(out, a - b);
        return;
    case LV_IQ_OP_MUL:
        lv_iq_set_num(out, a * b);
        return;
    case LV_IQ_OP_DIV:
        lv_iq_set_num(out, b == 0 ? NAN : a / b);
        return;
    case LV_IQ_OP_MOD:
        /* The remainder takes the dividend's sign (-7 % 3 is -1), as
         * Java's % does: "10 % 3 returns 1". */
        lv_iq_set_num(out, b == 0 ? NAN : fmod(a, b));
        return;
    case LV_IQ_OP_POW:
        lv_iq_set_num(out, pow(a, b));
        return;
    default:
        lv_iq_set_null(out);
        return;
    }
}

static void eval_binary(const struct lv_iq_expr *e, struct lv_iq_row *r,
                        const struct lv_iq_ctx *cx, struct lv_iq_val *out)
{
    struct lv_iq_val x, y;
    int c;

    switch (e->op) {
    case LV_IQ_OP_AND:
        lv_iq_eval(e->args[0], r, cx, &x);
        if (!lv_iq_val_truthy(&x)) {
            lv_iq_set_bool(out, 0);
            return;
        }
        lv_iq_eval(e->args[1], r, cx, &y);
        lv_iq_set_bool(out, lv_iq_val_truthy(&y));
        return;
    case LV_IQ_OP_OR:
        lv_iq_eval(e->args[0], r, cx, &x);
        if (lv_iq_val_truthy(&x)) {
            lv_iq_set_bool(out, 1);
            return;
        }
        lv_iq_eval(e->args[1], r, cx, &y);
        lv_iq_set_bool(out, lv_iq_val_truthy(&y));
        return;
    case LV_IQ_OP_LIKE:
    case LV_IQ_OP_MATCH:
        lv_iq_set_bool(out, like(e, r, cx) == 1);
        return;
    case LV_IQ_OP_NOT_LIKE:
        lv_iq_set_bool(out, like(e, r, cx) == 0);
        return;
    case LV_IQ_OP_IN:
        lv_iq_set_bool(out, in_list(e, r, cx) == 1);
        return;
    case LV_IQ_OP_NOT_IN:
        lv_iq_set_bool(out, in_list(e, r, cx) == 0);
        return;
    default:
        break;
    }
    lv_iq_eval(e->args[0], r, cx, &x);
    lv_iq_eval(e->args[1], r, cx, &y);
    switch (e->op) {
    case LV_IQ_OP_EQ:
    case LV_IQ_OP_NE:
    case LV_IQ_OP_LT:
    case LV_IQ_OP_LE:
    case LV_IQ_OP_GT:
    case LV_IQ_OP_GE:
        c = compare(&x, &y, r);
        if (c == -2) {
            lv_iq_set_bool(out, 0);
            return;
        }
        lv_iq_set_bool(out, e->op == LV_IQ_OP_EQ   ? c == 0
                            : e->op == LV_IQ_OP_NE ? c != 0
                            : e->op == LV_IQ_OP_LT ? c < 0
                            : e->op == LV_IQ_OP_LE ? c <= 0
                            : e->op == LV_IQ_OP_GT ? c > 0
                                                   : c >= 0);
        return;
    default:
        arith(e->op, &x, &y, out);
        return;
    }
}

void lv_iq_eval(const struct lv_iq_expr *e, struct lv_iq_row *r,
                const struct lv_iq_ctx *cx, struct lv_iq_val *out)
{
    struct lv_iq_val x;
    double d;

    switch (e->k) {
    case LV_IQ_E_NUM:
        lv_iq_set_num(out, e->num);
        return;
    case LV_IQ_E_BOOL:
        lv_iq_set_bool(out, e->num != 0);
        return;
    case LV_IQ_E_STR:
    case LV_IQ_E_REGEX:
    case LV_IQ_E_TIME:
        /* A regex on its own is its pattern text; a period is its text,
         * which the datetime functions read (fn_int.h). */
        lv_iq_set_str(out, e->str, e->len);
        return;
    case LV_IQ_E_FIELD:
        eval_field(e, r, out);
        return;
    case LV_IQ_E_CALL:
        eval_call(e, r, cx, out);
        return;
    case LV_IQ_E_UNARY:
        lv_iq_eval(e->args[0], r, cx, &x);
        if (e->op == LV_IQ_OP_NOT) {
            lv_iq_set_bool(out, !lv_iq_val_truthy(&x));
        } else if (lv_iq_arg_num(&x, &d)) {
            lv_iq_set_num(out, -d);
        } else {
            lv_iq_set_null(out);
        }
        return;
    case LV_IQ_E_BINARY:
        eval_binary(e, r, cx, out);
        return;
    case LV_IQ_E_LIST:
    case LV_IQ_E_STAR:
    case LV_IQ_E_SUBQ:          /* only right of in (in_list) */
        break;
    }
    lv_iq_set_null(out);
}
