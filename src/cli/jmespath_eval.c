/*
 * cli/jmespath_eval: the evaluator of cli/jmespath, jmespath.py 1.0.1's
 * visitor.py (TreeInterpreter) step by step over jansson values —
 * projections that drop None, slices, filters, comparisons with Python's
 * equality, ordering and truthiness — and the entry points
 * lv_jmespath_eval and lv_jmespath_search. Function calls go to
 * jmespath_fn.c. Nesting is bounded (4 × LV_JMESPATH_MAX_DEPTH calls).
 */
#include "cli/jmespath_int.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"

/* ---- values ---------------------------------------------------------- */

/* Python's type(v).__name__ as jmespath sees JSON values. */
const char *lv_jmespath_py_type(const json_t *v)
{
    if (is_none(v)) {
        return "NoneType";
    }
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "dict";
    case JSON_ARRAY: return "list";
    case JSON_STRING: return "str";
    case JSON_INTEGER: return "int";
    case JSON_REAL: return "float";
    default: return "bool";
    }
}

const char *lv_jmespath_jp_type(const json_t *v)
{
    if (is_none(v)) {
        return "null";
    }
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "object";
    case JSON_ARRAY: return "array";
    case JSON_STRING: return "string";
    case JSON_INTEGER:
    case JSON_REAL: return "number";
    default: return "boolean";
    }
}

/* Python ==, recursively: numbers and booleans compare by value. */
int lv_jmespath_py_eq(const json_t *a, const json_t *b)
{
    int an, bn;

    if (is_none(a) || is_none(b)) {
        return is_none(a) && is_none(b);
    }
    an = json_is_number(a) || json_is_boolean(a);
    bn = json_is_number(b) || json_is_boolean(b);
    if (an || bn) {
        double x, y;

        if (!an || !bn) {
            return 0;
        }
        if (json_is_integer(a) && json_is_integer(b)) {
            return json_integer_value(a) == json_integer_value(b);
        }
        x = json_is_boolean(a) ? json_is_true(a) : num(a);
        y = json_is_boolean(b) ? json_is_true(b) : num(b);
        return x == y;
    }
    if (json_typeof(a) != json_typeof(b)) {
        return 0;
    }
    if (json_is_string(a)) {
        return json_string_length(a) == json_string_length(b) &&
               memcmp(json_string_value(a), json_string_value(b),
                      json_string_length(a)) == 0;
    }
    if (json_is_array(a)) {
        size_t i;

        if (json_array_size(a) != json_array_size(b)) {
            return 0;
        }
        for (i = 0; i < json_array_size(a); i++) {
            if (!lv_jmespath_py_eq(json_array_get(a, i),
                                   json_array_get(b, i))) {
                return 0;
            }
        }
        return 1;
    }
    {
        const char *k;
        json_t *v;

        if (json_object_size(a) != json_object_size(b)) {
            return 0;
        }
        json_object_foreach((json_t *)a, k, v) {
            json_t *w = json_object_get(b, k);
            if (!w || !lv_jmespath_py_eq(v, w)) {
                return 0;
            }
        }
        return 1;
    }
}

/* visitor._equals: a top-level 0/1 never equals a boolean. */
static int jp_equals(const json_t *a, const json_t *b)
{
    if (is_num(a) && (num(a) == 0 || num(a) == 1) && b &&
        json_is_boolean(b)) {
        return 0;
    }
    if (is_num(b) && (num(b) == 0 || num(b) == 1) && a &&
        json_is_boolean(a)) {
        return 0;
    }
    return lv_jmespath_py_eq(a, b);
}

static int is_false(const json_t *v)
{
    if (is_none(v) || json_is_false(v)) {
        return 1;
    }
    if (json_is_string(v)) {
        return json_string_length(v) == 0;
    }
    if (json_is_array(v)) {
        return json_array_size(v) == 0;
    }
    if (json_is_object(v)) {
        return json_object_size(v) == 0;
    }
    return 0;
}

/* Python's a < b etc. for numbers and strings: -2 when incomparable. */
int lv_jmespath_py_cmp(const json_t *a, const json_t *b)
{
    if (json_is_string(a) && json_is_string(b)) {
        size_t la = json_string_length(a), lb = json_string_length(b);
        int c = memcmp(json_string_value(a), json_string_value(b),
                       la < lb ? la : lb);
        if (c) {
            return c < 0 ? -1 : 1;
        }
        return la < lb ? -1 : la > lb;
    }
    if (is_num(a) && is_num(b)) {
        if (json_is_integer(a) && json_is_integer(b)) {
            json_int_t x = json_integer_value(a), y = json_integer_value(b);
            return x < y ? -1 : x > y;
        }
        return num(a) < num(b) ? -1 : num(a) > num(b);
    }
    return -2;
}

/* ---- interpreter ----------------------------------------------------- */

int lv_jmespath_type_error_cmp(struct ev *e, const char *op, const json_t *a,
                               const json_t *b)
{
    return lv_err_set(e->err, LV_E_VALIDATION, "'%s' not supported between "
                      "instances of '%s' and '%s'", op, lv_jmespath_py_type(a),
                      lv_jmespath_py_type(b));
}

static int eval_cmp(struct ev *e, const struct node *n, const json_t *in,
                    json_t **out)
{
    json_t *l = NULL, *r = NULL;
    int ret = -1, c, res;
    const char *op;

    if (lv_jmespath_eval_node(e, n->kids[0], in, &l) < 0 ||
        lv_jmespath_eval_node(e, n->kids[1], in, &r) < 0) {
        goto out;
    }
    if (n->cmp == T_EQ || n->cmp == T_NE) {
        res = jp_equals(l, r) == (n->cmp == T_EQ);
        *out = json_boolean(res);
        ret = 0;
        goto out;
    }
    if (!(is_num(l) || (l && json_is_string(l))) ||
        !(is_num(r) || (r && json_is_string(r)))) {
        *out = NULL;
        ret = 0;
        goto out;
    }
    op = n->cmp == T_LT ? "<" : n->cmp == T_LTE ? "<=" :
         n->cmp == T_GT ? ">" : ">=";
    c = lv_jmespath_py_cmp(l, r);
    if (c == -2) {
        lv_jmespath_type_error_cmp(e, op, l, r);
        goto out;
    }
    res = n->cmp == T_LT ? c < 0 : n->cmp == T_LTE ? c <= 0 :
          n->cmp == T_GT ? c > 0 : c >= 0;
    *out = json_boolean(res);
    ret = 0;
out:
    json_decref(l);
    json_decref(r);
    return ret;
}

/* Appends the projection of `rhs` over `elem` to `acc` unless it is None. */
static int project_one(struct ev *e, const struct node *rhs,
                       const json_t *elem, json_t *acc)
{
    json_t *cur = NULL;

    if (lv_jmespath_eval_node(e, rhs, elem, &cur) < 0) {
        return -1;
    }
    if (!is_none(cur)) {
        json_array_append_new(acc, cur);
    } else {
        json_decref(cur);
    }
    return 0;
}

static long long adjust(long long i, long long len, int has, long long dflt,
                        long long lo, long long hi)
{
    if (!has) {
        return dflt;
    }
    if (i < 0) {
        i += len;
        if (i < lo) {
            i = lo;
        }
    } else if (i > hi) {
        i = hi;
    }
    return i;
}

static int eval_slice(struct ev *e, const struct node *n, const json_t *in,
                      json_t **out)
{
    long long len, step, start, stop, i;
    json_t *res;

    if (!in || !json_is_array(in)) {
        *out = NULL;
        return 0;
    }
    len = (long long)json_array_size(in);
    step = n->has[2] ? n->slice[2] : 1;
    if (step == 0) {
        return lv_err_set(e->err, LV_E_VALIDATION,
                          "slice step cannot be zero");
    }
    if (step > 0) {
        start = adjust(n->slice[0], len, n->has[0], 0, 0, len);
        stop = adjust(n->slice[1], len, n->has[1], len, 0, len);
    } else {
        start = adjust(n->slice[0], len, n->has[0], len - 1, -1, len - 1);
        stop = adjust(n->slice[1], len, n->has[1], -1, -1, len - 1);
    }
    res = json_array();
    if (step > 0) {
        for (i = start; i < stop; i += step) {
            json_array_append(res, json_array_get(in, (size_t)i));
            if (i > LLONG_MAX - step) {
                break;
            }
        }
    } else {
        for (i = start; i > stop; i += step) {
            json_array_append(res, json_array_get(in, (size_t)i));
            if (i < LLONG_MIN - step) {
                break;
            }
        }
    }
    *out = res;
    return 0;
}

static int eval_inner(struct ev *e, const struct node *n, const json_t *in,
                      json_t **out)
{
    json_t *base = NULL, *cur = NULL, *acc = NULL;
    size_t i;
    int ret = -1;

    *out = NULL;
    switch (n->type) {
    case N_FIELD:
        if (in && json_is_object(in)) {
            cur = json_object_get(in, n->name);
            *out = cur ? json_incref(cur) : NULL;
        }
        return 0;
    case N_SUBEXPR:
    case N_INDEX_EXPR:
    case N_PIPE:
        cur = in ? json_incref((json_t *)in) : NULL;
        for (i = 0; i < n->n; i++) {
            json_t *next = NULL;
            if (lv_jmespath_eval_node(e, n->kids[i], cur, &next) < 0) {
                json_decref(cur);
                return -1;
            }
            json_decref(cur);
            cur = next;
        }
        *out = cur;
        return 0;
    case N_INDEX:
        if (in && json_is_array(in)) {
            long long len = (long long)json_array_size(in);
            long long k = n->idx < 0 ? n->idx + len : n->idx;
            if (k >= 0 && k < len) {
                *out = json_incref(json_array_get(in, (size_t)k));
            }
        }
        return 0;
    case N_SLICE:
        return eval_slice(e, n, in, out);
    case N_IDENTITY:
    case N_CURRENT:
        *out = in ? json_incref((json_t *)in) : NULL;
        return 0;
    case N_LITERAL:
        *out = n->lit ? json_incref(n->lit) : NULL;
        return 0;
    case N_EXPREF:
        return 0;   /* only meaningful as a function argument */
    case N_CMP:
        return eval_cmp(e, n, in, out);
    case N_FUNCTION:
        return lv_jmespath_call(e, n, in, out);
    case N_NOT:
        if (lv_jmespath_eval_node(e, n->kids[0], in, &cur) < 0) {
            return -1;
        }
        if (is_num(cur) && num(cur) == 0) {
            *out = json_false();
        } else {
            *out = json_boolean(is_false(cur));
        }
        json_decref(cur);
        return 0;
    case N_OR:
    case N_AND:
        if (lv_jmespath_eval_node(e, n->kids[0], in, &cur) < 0) {
            return -1;
        }
        if (is_false(cur) == (n->type == N_OR)) {
            json_decref(cur);
            return lv_jmespath_eval_node(e, n->kids[1], in, out);
        }
        *out = cur;
        return 0;
    case N_MULTI_LIST:
    case N_MULTI_HASH:
        if (is_none(in)) {
            return 0;
        }
        acc = n->type == N_MULTI_LIST ? json_array() : json_object();
        for (i = 0; i < n->n; i++) {
            cur = NULL;
            if (lv_jmespath_eval_node(e, n->kids[i], in, &cur) < 0) {
                goto out;
            }
            if (!cur) {
                cur = json_null();
            }
            if (n->type == N_MULTI_LIST) {
                json_array_append_new(acc, cur);
            } else {
                json_object_set_new(acc, n->keys[i], cur);
            }
        }
        break;
    case N_FLATTEN:
        if (lv_jmespath_eval_node(e, n->kids[0], in, &base) < 0) {
            goto out;
        }
        if (!base || !json_is_array(base)) {
            ret = 0;
            goto out;
        }
        acc = json_array();
        for (i = 0; i < json_array_size(base); i++) {
            json_t *el = json_array_get(base, i);
            if (json_is_array(el)) {
                json_array_extend(acc, el);
            } else {
                json_array_append(acc, el);
            }
        }
        break;
    case N_PROJECTION:
    case N_FILTER_PROJECTION:
        if (lv_jmespath_eval_node(e, n->kids[0], in, &base) < 0) {
            goto out;
        }
        if (!base || !json_is_array(base)) {
            ret = 0;
            goto out;
        }
        acc = json_array();
        for (i = 0; i < json_array_size(base); i++) {
            json_t *el = json_array_get(base, i);

            if (n->type == N_FILTER_PROJECTION) {
                json_t *c = NULL;
                int t;

                if (lv_jmespath_eval_node(e, n->kids[2], el, &c) < 0) {
                    goto out;
                }
                t = !is_false(c);
                json_decref(c);
                if (!t) {
                    continue;
                }
            }
            if (project_one(e, n->kids[1], el, acc) < 0) {
                goto out;
            }
        }
        break;
    case N_VALUE_PROJECTION: {
        const char *k;
        json_t *v;

        if (lv_jmespath_eval_node(e, n->kids[0], in, &base) < 0) {
            goto out;
        }
        if (!base || !json_is_object(base)) {
            ret = 0;
            goto out;
        }
        acc = json_array();
        json_object_foreach(base, k, v) {
            if (project_one(e, n->kids[1], v, acc) < 0) {
                goto out;
            }
        }
        break;
    }
    }
    *out = acc;
    acc = NULL;
    ret = 0;
out:
    json_decref(acc);
    json_decref(base);
    return ret;
}

int lv_jmespath_eval_node(struct ev *e, const struct node *n,
                          const json_t *in, json_t **out)
{
    int ret;

    if (++e->depth > 4 * LV_JMESPATH_MAX_DEPTH) {
        e->depth--;
        return lv_err_set(e->err, LV_E_VALIDATION,
                          "maximum recursion depth exceeded");
    }
    ret = eval_inner(e, n, in, out);
    e->depth--;
    if (ret < 0) {
        *out = NULL;
        return -1;
    }
    if (*out && json_is_null(*out)) {
        json_decref(*out);
        *out = NULL;
    }
    return 0;
}

/* ---- entry points ---------------------------------------------------- */

json_t *lv_jmespath_eval(const struct lv_jmespath *q, const json_t *data,
                         struct lv_err *err)
{
    struct ev e = { err, 0 };
    json_t *out = NULL;

    if (lv_jmespath_eval_node(&e, q->root, data, &out) < 0) {
        return NULL;
    }
    return out ? out : json_null();
}

json_t *lv_jmespath_search(const char *expr, const json_t *data,
                           struct lv_err *err)
{
    struct lv_jmespath *q = lv_jmespath_compile(expr, err);
    json_t *r;

    if (!q) {
        return NULL;
    }
    r = lv_jmespath_eval(q, data, err);
    lv_jmespath_free(q);
    return r;
}
