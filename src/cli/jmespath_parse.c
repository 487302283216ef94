/*
 * cli/jmespath_parse: the parser of cli/jmespath, jmespath.py 1.0.1's
 * parser.py step by step: a Pratt parser (binding powers, nud/led) over
 * the lexer's tokens into a tree of struct node, with ParseError's and
 * IncompleteExpressionError's messages and positions, and nesting bounded
 * by LV_JMESPATH_MAX_DEPTH. Also lv_jmespath_compile (lex + parse) and
 * lv_jmespath_free. It does not evaluate (jmespath_eval.c does).
 */
#include "cli/jmespath_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/output.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"

/* ---- tokens' names and binding powers (parser.py) -------------------- */

static const char *const tok_names[T__COUNT] = {
    "eof", "unquoted_identifier", "quoted_identifier", "literal",
    "rbracket", "rparen", "comma", "rbrace", "number", "current", "expref",
    "colon", "pipe", "or", "and", "eq", "gt", "lt", "gte", "lte", "ne",
    "flatten", "star", "filter", "dot", "not", "lbrace", "lbracket",
    "lparen",
};

static const int bp[T__COUNT] = {
    [T_PIPE] = 1, [T_OR] = 2, [T_AND] = 3, [T_EQ] = 5, [T_GT] = 5,
    [T_LT] = 5, [T_GTE] = 5, [T_LTE] = 5, [T_NE] = 5, [T_FLATTEN] = 9,
    [T_STAR] = 20, [T_FILTER] = 21, [T_DOT] = 40, [T_NOT] = 45,
    [T_LBRACE] = 50, [T_LBRACKET] = 55, [T_LPAREN] = 60,
};

#define PROJECTION_STOP 10

struct parser {
    const char *expr;
    struct tok *toks;
    size_t n;
    size_t i;
    int depth;
    struct lv_jmespath *q;
    struct lv_err *err;
};

static struct node *node_new(struct parser *p, enum node_type t)
{
    struct node *n = lv_xcalloc(1, sizeof(*n));

    n->type = t;
    n->next_alloc = p->q->nodes;
    p->q->nodes = n;
    return n;
}

static void node_add(struct node *n, struct node *kid, const char *key)
{
    if (n->n == n->cap) {
        n->cap = n->cap ? n->cap * 2 : 4;
        n->kids = lv_xrealloc(n->kids, n->cap * sizeof(*n->kids));
        if (n->type == N_MULTI_HASH) {
            n->keys = lv_xrealloc(n->keys, n->cap * sizeof(*n->keys));
        }
    }
    if (n->type == N_MULTI_HASH) {
        n->keys[n->n] = lv_xstrdup(key);
    }
    n->kids[n->n++] = kid;
}

static struct node *node2(struct parser *p, enum node_type t,
                          struct node *a, struct node *b)
{
    struct node *n = node_new(p, t);

    node_add(n, a, NULL);
    if (b) {
        node_add(n, b, NULL);
    }
    return n;
}

static enum tok_type cur_type(const struct parser *p)
{
    return p->toks[p->i].type;
}

static const struct tok *look(const struct parser *p, long off)
{
    long k = (long)p->i + off;

    if (k < 0) {
        k += (long)p->n;        /* Python's negative index */
    }
    if (k >= (long)p->n) {
        k = (long)p->n - 1;
    }
    return &p->toks[k];
}

/* The token's value as Python's str() shows it. */
static void tok_value(struct lv_buf *b, const struct tok *t)
{
    if (t->type == T_LITERAL) {
        lv_output_py_str(b, t->lit, 0);
    } else if (t->type == T_NUMBER) {
        lv_buf_addf(b, "%lld", t->num);
    } else {
        lv_buf_adds(b, t->text ? t->text : "");
    }
}

static void upper_name(struct lv_buf *b, enum tok_type t)
{
    const char *s;

    for (s = tok_names[t]; *s; s++) {
        lv_buf_addc(b, (char)(*s >= 'a' && *s <= 'z' ? *s - 32 : *s));
    }
}

static void *parse_error_at(struct parser *p, size_t pos,
                            const struct tok *t, const char *msg)
{
    struct lv_buf b;
    size_t i;

    lv_buf_init(&b, SIZE_MAX);
    lv_buf_addf(&b, "%s: Parse error at column %zu, token \"", msg, pos);
    tok_value(&b, t);
    lv_buf_adds(&b, "\" (");
    upper_name(&b, t->type);
    lv_buf_addf(&b, "), for expression:\n\"%s\"\n", p->expr);
    for (i = 0; i < pos + 1; i++) {
        lv_buf_addc(&b, ' ');
    }
    lv_buf_addc(&b, '^');
    lv_jmespath_set_err_buf(p->err, &b);
    return NULL;
}

static void *parse_error(struct parser *p, const struct tok *t,
                         const char *msg)
{
    return parse_error_at(p, t->start, t, msg);
}

static void *incomplete(struct parser *p)
{
    struct lv_buf b;
    size_t i, n = 0;
    const unsigned char *s;

    for (s = (const unsigned char *)p->expr; *s; s++) {
        n += (*s & 0xc0) != 0x80;
    }
    lv_buf_init(&b, SIZE_MAX);
    lv_buf_addf(&b, "Invalid jmespath expression: Incomplete expression:\n"
                "\"%s\"\n", p->expr);
    for (i = 0; i < n + 1; i++) {
        lv_buf_addc(&b, ' ');
    }
    lv_buf_addc(&b, '^');
    lv_jmespath_set_err_buf(p->err, &b);
    return NULL;
}

/* _raise_parse_error_maybe_eof with `expected` shown as Python shows it. */
static void *expect_error(struct parser *p, const char *expected)
{
    const struct tok *t = look(p, 0);
    struct lv_buf m;

    if (t->type == T_EOF) {
        return incomplete(p);
    }
    lv_buf_init(&m, SIZE_MAX);
    lv_buf_addf(&m, "Expecting: %s, got: %s", expected, tok_names[t->type]);
    parse_error(p, t, m.data);
    lv_buf_release(&m);
    return NULL;
}

static int match(struct parser *p, enum tok_type t)
{
    if (cur_type(p) == t) {
        p->i++;
        return 0;
    }
    expect_error(p, tok_names[t]);
    return -1;
}

static struct node *expression(struct parser *p, int rbp);

static struct node *parse_multi_select_list(struct parser *p)
{
    struct node *n = node_new(p, N_MULTI_LIST);

    for (;;) {
        struct node *e = expression(p, 0);
        if (!e) {
            return NULL;
        }
        node_add(n, e, NULL);
        if (cur_type(p) == T_RBRACKET) {
            break;
        }
        if (match(p, T_COMMA) < 0) {
            return NULL;
        }
    }
    if (match(p, T_RBRACKET) < 0) {
        return NULL;
    }
    return n;
}

static struct node *parse_multi_select_hash(struct parser *p)
{
    struct node *n = node_new(p, N_MULTI_HASH);

    for (;;) {
        const struct tok *key = look(p, 0);
        struct node *v;

        if (key->type != T_QUOTED && key->type != T_UNQUOTED) {
            return expect_error(p, "['quoted_identifier', "
                                "'unquoted_identifier']");
        }
        p->i++;
        if (match(p, T_COLON) < 0) {
            return NULL;
        }
        v = expression(p, 0);
        if (!v) {
            return NULL;
        }
        node_add(n, v, key->text);
        if (cur_type(p) == T_COMMA) {
            p->i++;
        } else if (cur_type(p) == T_RBRACE) {
            p->i++;
            break;
        }
    }
    return n;
}

static struct node *parse_dot_rhs(struct parser *p, int rbp)
{
    enum tok_type t = cur_type(p);

    if (t == T_QUOTED || t == T_UNQUOTED || t == T_STAR) {
        return expression(p, rbp);
    }
    if (t == T_LBRACKET) {
        p->i++;
        return parse_multi_select_list(p);
    }
    if (t == T_LBRACE) {
        p->i++;
        return parse_multi_select_hash(p);
    }
    {
        struct lv_buf m;
        const struct tok *k = look(p, 0);

        lv_buf_init(&m, SIZE_MAX);
        lv_buf_addf(&m, "Expecting: ['quoted_identifier', "
                    "'unquoted_identifier', 'lbracket', 'lbrace'], got: %s",
                    tok_names[k->type]);
        parse_error(p, k, m.data);
        lv_buf_release(&m);
        return NULL;
    }
}

static struct node *parse_projection_rhs(struct parser *p, int rbp)
{
    enum tok_type t = cur_type(p);

    if (bp[t] < PROJECTION_STOP) {
        return node_new(p, N_IDENTITY);
    }
    if (t == T_LBRACKET || t == T_FILTER) {
        return expression(p, rbp);
    }
    if (t == T_DOT) {
        p->i++;
        return parse_dot_rhs(p, rbp);
    }
    return parse_error(p, look(p, 0), "syntax error");
}

static struct node *parse_slice(struct parser *p)
{
    struct node *n = node_new(p, N_SLICE);
    int index = 0;

    while (cur_type(p) != T_RBRACKET && index < 3) {
        if (cur_type(p) == T_COLON) {
            index++;
            if (index == 3) {
                return parse_error(p, look(p, 0), "syntax error");
            }
            p->i++;
        } else if (cur_type(p) == T_NUMBER) {
            n->slice[index] = look(p, 0)->num;
            n->has[index] = 1;
            p->i++;
        } else {
            return parse_error(p, look(p, 0), "syntax error");
        }
    }
    if (match(p, T_RBRACKET) < 0) {
        return NULL;
    }
    return n;
}

static struct node *parse_index_expression(struct parser *p)
{
    struct node *n;

    if (look(p, 0)->type == T_COLON || look(p, 1)->type == T_COLON) {
        return parse_slice(p);
    }
    n = node_new(p, N_INDEX);
    n->idx = look(p, 0)->num;
    p->i++;
    if (match(p, T_RBRACKET) < 0) {
        return NULL;
    }
    return n;
}

static struct node *project_if_slice(struct parser *p, struct node *left,
                                     struct node *right)
{
    struct node *ie = node2(p, N_INDEX_EXPR, left, right);
    struct node *rhs;

    if (right->type != N_SLICE) {
        return ie;
    }
    rhs = parse_projection_rhs(p, bp[T_STAR]);
    return rhs ? node2(p, N_PROJECTION, ie, rhs) : NULL;
}

static struct node *led_filter(struct parser *p, struct node *left)
{
    struct node *cond = expression(p, 0);
    struct node *right, *n;

    if (!cond || match(p, T_RBRACKET) < 0) {
        return NULL;
    }
    if (cur_type(p) == T_FLATTEN) {
        right = node_new(p, N_IDENTITY);
    } else {
        right = parse_projection_rhs(p, bp[T_FILTER]);
    }
    if (!right) {
        return NULL;
    }
    n = node2(p, N_FILTER_PROJECTION, left, right);
    node_add(n, cond, NULL);
    return n;
}

static struct node *nud(struct parser *p, const struct tok *t)
{
    struct node *n, *r;

    switch (t->type) {
    case T_LITERAL:
        n = node_new(p, N_LITERAL);
        n->lit = t->lit ? json_incref(t->lit) : NULL;
        return n;
    case T_UNQUOTED:
        n = node_new(p, N_FIELD);
        n->name = lv_xstrdup(t->text);
        return n;
    case T_QUOTED:
        if (cur_type(p) == T_LPAREN) {
            return parse_error_at(p, 0, look(p, 0), "Quoted identifier not "
                                  "allowed for function names.");
        }
        n = node_new(p, N_FIELD);
        n->name = lv_xstrdup(t->text);
        return n;
    case T_STAR:
        if (cur_type(p) == T_RBRACKET) {
            r = node_new(p, N_IDENTITY);
        } else {
            r = parse_projection_rhs(p, bp[T_STAR]);
        }
        return r ? node2(p, N_VALUE_PROJECTION, node_new(p, N_IDENTITY), r)
                 : NULL;
    case T_FILTER:
        return led_filter(p, node_new(p, N_IDENTITY));
    case T_LBRACE:
        return parse_multi_select_hash(p);
    case T_LPAREN:
        n = expression(p, 0);
        if (!n || match(p, T_RPAREN) < 0) {
            return NULL;
        }
        return n;
    case T_FLATTEN:
        n = node2(p, N_FLATTEN, node_new(p, N_IDENTITY), NULL);
        r = parse_projection_rhs(p, bp[T_FLATTEN]);
        return r ? node2(p, N_PROJECTION, n, r) : NULL;
    case T_NOT:
        n = expression(p, bp[T_NOT]);
        return n ? node2(p, N_NOT, n, NULL) : NULL;
    case T_LBRACKET:
        if (cur_type(p) == T_NUMBER || cur_type(p) == T_COLON) {
            r = parse_index_expression(p);
            return r ? project_if_slice(p, node_new(p, N_IDENTITY), r)
                     : NULL;
        }
        if (cur_type(p) == T_STAR && look(p, 1)->type == T_RBRACKET) {
            p->i += 2;
            r = parse_projection_rhs(p, bp[T_STAR]);
            return r ? node2(p, N_PROJECTION, node_new(p, N_IDENTITY), r)
                     : NULL;
        }
        return parse_multi_select_list(p);
    case T_CURRENT:
        return node_new(p, N_CURRENT);
    case T_EXPREF:
        n = expression(p, bp[T_EXPREF]);
        return n ? node2(p, N_EXPREF, n, NULL) : NULL;
    case T_EOF:
        return incomplete(p);
    default:
        return parse_error(p, t, "invalid token");
    }
}

static struct node *led(struct parser *p, enum tok_type t,
                        struct node *left)
{
    struct node *r, *n;

    switch (t) {
    case T_DOT:
        if (cur_type(p) != T_STAR) {
            r = parse_dot_rhs(p, bp[T_DOT]);
            if (!r) {
                return NULL;
            }
            if (left->type == N_SUBEXPR) {
                node_add(left, r, NULL);
                return left;
            }
            return node2(p, N_SUBEXPR, left, r);
        }
        p->i++;
        r = parse_projection_rhs(p, bp[T_DOT]);
        return r ? node2(p, N_VALUE_PROJECTION, left, r) : NULL;
    case T_PIPE:
    case T_OR:
    case T_AND:
        r = expression(p, bp[t]);
        if (!r) {
            return NULL;
        }
        return node2(p, t == T_PIPE ? N_PIPE : t == T_OR ? N_OR : N_AND,
                     left, r);
    case T_LPAREN:
        if (left->type != N_FIELD) {
            const struct tok *prev = look(p, -2);
            struct lv_buf m;

            lv_buf_init(&m, SIZE_MAX);
            lv_buf_adds(&m, "Invalid function name '");
            tok_value(&m, prev);
            lv_buf_addc(&m, '\'');
            parse_error(p, prev, m.data);
            lv_buf_release(&m);
            return NULL;
        }
        n = node_new(p, N_FUNCTION);
        n->name = lv_xstrdup(left->name);
        while (cur_type(p) != T_RPAREN) {
            r = expression(p, 0);
            if (!r) {
                return NULL;
            }
            if (cur_type(p) == T_COMMA) {
                p->i++;
            }
            node_add(n, r, NULL);
        }
        p->i++;
        return n;
    case T_FILTER:
        return led_filter(p, left);
    case T_EQ:
    case T_NE:
    case T_GT:
    case T_GTE:
    case T_LT:
    case T_LTE:
        r = expression(p, bp[t]);
        if (!r) {
            return NULL;
        }
        n = node2(p, N_CMP, left, r);
        n->cmp = t;
        return n;
    case T_FLATTEN:
        n = node2(p, N_FLATTEN, left, NULL);
        r = parse_projection_rhs(p, bp[T_FLATTEN]);
        return r ? node2(p, N_PROJECTION, n, r) : NULL;
    case T_LBRACKET:
        if (cur_type(p) == T_NUMBER || cur_type(p) == T_COLON) {
            r = parse_index_expression(p);
            if (!r) {
                return NULL;
            }
            if (left->type == N_INDEX_EXPR) {
                node_add(left, r, NULL);
                return left;
            }
            return project_if_slice(p, left, r);
        }
        if (match(p, T_STAR) < 0 || match(p, T_RBRACKET) < 0) {
            return NULL;
        }
        r = parse_projection_rhs(p, bp[T_STAR]);
        return r ? node2(p, N_PROJECTION, left, r) : NULL;
    default:
        return parse_error(p, look(p, 0), "invalid token");
    }
}

static int has_led(enum tok_type t)
{
    switch (t) {
    case T_DOT: case T_PIPE: case T_OR: case T_AND: case T_LPAREN:
    case T_FILTER: case T_EQ: case T_NE: case T_GT: case T_GTE: case T_LT:
    case T_LTE: case T_FLATTEN: case T_LBRACKET:
        return 1;
    default:
        return 0;
    }
}

static struct node *expression(struct parser *p, int rbp)
{
    const struct tok *t;
    struct node *left;

    if (++p->depth > LV_JMESPATH_MAX_DEPTH) {
        lv_err_set(p->err, LV_E_VALIDATION, "Invalid jmespath expression: "
                   "nested more than %d deep", LV_JMESPATH_MAX_DEPTH);
        return NULL;
    }
    t = look(p, 0);
    if (t->type != T_EOF) {
        p->i++;
    } else {
        return incomplete(p);
    }
    left = nud(p, t);
    while (left && rbp < bp[cur_type(p)]) {
        enum tok_type ct = cur_type(p);

        if (!has_led(ct)) {
            left = parse_error(p, look(p, 0), "invalid token");
            break;
        }
        p->i++;
        left = led(p, ct, left);
    }
    p->depth--;
    return left;
}

static void nodes_free(struct node *n)
{
    while (n) {
        struct node *next = n->next_alloc;
        size_t i;

        if (n->keys) {
            for (i = 0; i < n->n; i++) {
                free(n->keys[i]);
            }
        }
        free(n->keys);
        free(n->kids);
        free(n->name);
        json_decref(n->lit);
        free(n);
        n = next;
    }
}

void lv_jmespath_free(struct lv_jmespath *q)
{
    if (!q) {
        return;
    }
    nodes_free(q->nodes);
    free(q);
}

struct lv_jmespath *lv_jmespath_compile(const char *expr, struct lv_err *err)
{
    struct tok *toks = NULL;
    size_t ntoks = 0;
    struct parser p;
    struct lv_jmespath *q = NULL;
    struct node *root;

    if (!expr || !*expr) {
        lv_err_set(err, LV_E_VALIDATION,
                   "Invalid JMESPath expression: cannot be empty.");
        return NULL;
    }
    if (lv_jmespath_lex(expr, &toks, &ntoks, err) < 0) {
        goto out;
    }
    memset(&p, 0, sizeof(p));
    p.expr = expr;
    p.toks = toks;
    p.n = ntoks;
    p.err = err;
    p.q = q = lv_xcalloc(1, sizeof(*q));
    root = expression(&p, 0);
    if (root && cur_type(&p) != T_EOF) {
        const struct tok *t = look(&p, 0);
        struct lv_buf m;

        lv_buf_init(&m, SIZE_MAX);
        lv_buf_adds(&m, "Unexpected token: ");
        tok_value(&m, t);
        parse_error(&p, t, m.data);
        lv_buf_release(&m);
        root = NULL;
    }
    if (!root) {
        lv_jmespath_free(q);
        q = NULL;
        goto out;
    }
    q->root = root;
out:
    lv_jmespath_toks_free(toks, ntoks);
    return q;
}
