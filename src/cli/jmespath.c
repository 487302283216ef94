/*
 * cli/jmespath: lexer, Pratt parser and tree interpreter, following
 * jmespath.py 1.0.1 (lexer.py, parser.py, visitor.py, functions.py) step by
 * step so that results and error messages match the AWS CLI's.
 *
 * Conventions inside: Python's None is a NULL json_t* or json null (both
 * are "none" here); eval() returns a new reference or NULL for None.
 * Positions in messages count code points, as Python's do.
 */
#include "cli/jmespath.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/output.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"

/* ---- tokens ---------------------------------------------------------- */

enum tok_type {
    T_EOF, T_UNQUOTED, T_QUOTED, T_LITERAL, T_RBRACKET, T_RPAREN, T_COMMA,
    T_RBRACE, T_NUMBER, T_CURRENT, T_EXPREF, T_COLON, T_PIPE, T_OR, T_AND,
    T_EQ, T_GT, T_LT, T_GTE, T_LTE, T_NE, T_FLATTEN, T_STAR, T_FILTER,
    T_DOT, T_NOT, T_LBRACE, T_LBRACKET, T_LPAREN, T__COUNT
};

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

struct tok {
    enum tok_type type;
    size_t start;       /* code point position */
    char *text;         /* identifier / raw string / lexeme (owned) */
    long long num;
    json_t *lit;        /* literal value, owned; NULL for JSON null */
};

/* ---- AST ------------------------------------------------------------- */

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

/* ---- errors ---------------------------------------------------------- */

static void py_list_of_names(struct lv_buf *b, const char *const *names,
                             size_t n)
{
    size_t i;

    lv_buf_addc(b, '[');
    for (i = 0; i < n; i++) {
        lv_buf_addf(b, "%s'%s'", i ? ", " : "", names[i]);
    }
    lv_buf_addc(b, ']');
}

static void set_err_buf(struct lv_err *err, struct lv_buf *b)
{
    lv_err_set(err, LV_E_VALIDATION, "%s", b->data);
    lv_buf_release(b);
}

/* ---- lexer ----------------------------------------------------------- */

struct lexer {
    const char *expr;
    uint32_t *cp;           /* code points */
    size_t len;
    size_t pos;
    int have;               /* 0 once _next() ran off the end */
    struct tok *toks;
    size_t n, cap;
    struct lv_err *err;
};

static size_t utf8_decode(const char *s, size_t n, uint32_t **out)
{
    const unsigned char *u = (const unsigned char *)s;
    uint32_t *cp = lv_xmalloc((n + 1) * sizeof(*cp));
    size_t i = 0, k = 0;

    while (i < n) {
        unsigned c = u[i];
        size_t need = 0, j;
        uint32_t v = c;

        if (c >= 0xf0 && c < 0xf8) {
            v = c & 0x07;
            need = 3;
        } else if (c >= 0xe0) {
            v = c & 0x0f;
            need = 2;
        } else if (c >= 0xc0) {
            v = c & 0x1f;
            need = 1;
        } else if (c >= 0x80) {
            v = 0xfffd;
        }
        for (j = 1; j <= need; j++) {
            if (i + j >= n || (u[i + j] & 0xc0) != 0x80) {
                v = 0xfffd;
                need = j - 1;
                break;
            }
            v = (v << 6) | (u[i + j] & 0x3f);
        }
        if (c >= 0xf8) {
            v = 0xfffd;
        }
        cp[k++] = v;
        i += need + 1;
    }
    *out = cp;
    return k;
}

static void utf8_put(struct lv_buf *b, uint32_t c)
{
    char t[4];

    if (c < 0x80) {
        t[0] = (char)c;
        lv_buf_add(b, t, 1);
    } else if (c < 0x800) {
        t[0] = (char)(0xc0 | (c >> 6));
        t[1] = (char)(0x80 | (c & 0x3f));
        lv_buf_add(b, t, 2);
    } else if (c < 0x10000) {
        t[0] = (char)(0xe0 | (c >> 12));
        t[1] = (char)(0x80 | ((c >> 6) & 0x3f));
        t[2] = (char)(0x80 | (c & 0x3f));
        lv_buf_add(b, t, 3);
    } else {
        t[0] = (char)(0xf0 | (c >> 18));
        t[1] = (char)(0x80 | ((c >> 12) & 0x3f));
        t[2] = (char)(0x80 | ((c >> 6) & 0x3f));
        t[3] = (char)(0x80 | (c & 0x3f));
        lv_buf_add(b, t, 4);
    }
}

static int lex_cur(const struct lexer *lx)
{
    return lx->have ? (int)lx->cp[lx->pos] : -1;
}

static int lex_next(struct lexer *lx)
{
    if (lx->pos == lx->len - 1) {
        lx->have = 0;
    } else {
        lx->pos++;
    }
    return lex_cur(lx);
}

static struct tok *lex_push(struct lexer *lx, enum tok_type t, size_t start,
                            char *text)
{
    struct tok *k;

    if (lx->n == lx->cap) {
        lx->cap = lx->cap ? lx->cap * 2 : 16;
        lx->toks = lv_xrealloc(lx->toks, lx->cap * sizeof(*lx->toks));
    }
    k = &lx->toks[lx->n++];
    memset(k, 0, sizeof(*k));
    k->type = t;
    k->start = start;
    k->text = text;
    return k;
}

/* LexerError: "Bad jmespath expression: MSG:\nEXPR\n   ^" */
static int lex_error(struct lexer *lx, size_t pos, const char *msg)
{
    struct lv_buf b;
    size_t i;

    lv_buf_init(&b, SIZE_MAX);
    lv_buf_addf(&b, "Bad jmespath expression: %s:\n%s\n", msg, lx->expr);
    for (i = 0; i < pos; i++) {
        lv_buf_addc(&b, ' ');
    }
    lv_buf_addc(&b, '^');
    set_err_buf(lx->err, &b);
    return -1;
}

/* _consume_until: the text between the delimiters, backslashes kept. */
static char *lex_until(struct lexer *lx, uint32_t delim)
{
    size_t start = lx->pos;
    struct lv_buf b;
    char msg[32];

    lv_buf_init(&b, SIZE_MAX);
    lex_next(lx);
    while (lex_cur(lx) != (int)delim) {
        if (lex_cur(lx) == '\\') {
            lv_buf_addc(&b, '\\');
            lex_next(lx);
        }
        if (lex_cur(lx) < 0) {
            lv_buf_release(&b);
            snprintf(msg, sizeof(msg), "Unclosed %c delimiter", (char)delim);
            lex_error(lx, start, msg);
            return NULL;
        }
        utf8_put(&b, (uint32_t)lex_cur(lx));
        lex_next(lx);
    }
    lex_next(lx);
    return lv_buf_detach(&b, NULL);
}

static char *str_replace_all(const char *s, const char *from, const char *to)
{
    struct lv_buf b;
    size_t fl = strlen(from);
    const char *p;

    lv_buf_init(&b, SIZE_MAX);
    while ((p = strstr(s, from)) != NULL) {
        lv_buf_add(&b, s, (size_t)(p - s));
        lv_buf_adds(&b, to);
        s = p + fl;
    }
    lv_buf_adds(&b, s);
    return lv_buf_detach(&b, NULL);
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/*
 * Python's json scanstring on the body of a JSON string (no quotes): the
 * decoded UTF-8 text, or NULL with *why set to the first part of Python's
 * message (before the ':').
 */
static char *json_unquote(const char *s, size_t n, const char **why)
{
    struct lv_buf b;
    size_t i = 0;

    lv_buf_init(&b, SIZE_MAX);
    while (i < n) {
        unsigned char c = (unsigned char)s[i];

        if (c < 0x20) {
            *why = "Invalid control character at";
            goto fail;
        }
        if (c != '\\') {
            lv_buf_addc(&b, (char)c);
            i++;
            continue;
        }
        if (i + 1 >= n) {
            *why = "Unterminated string starting at";
            goto fail;
        }
        c = (unsigned char)s[i + 1];
        i += 2;
        switch (c) {
        case '"': lv_buf_addc(&b, '"'); break;
        case '\\': lv_buf_addc(&b, '\\'); break;
        case '/': lv_buf_addc(&b, '/'); break;
        case 'b': lv_buf_addc(&b, '\b'); break;
        case 'f': lv_buf_addc(&b, '\f'); break;
        case 'n': lv_buf_addc(&b, '\n'); break;
        case 'r': lv_buf_addc(&b, '\r'); break;
        case 't': lv_buf_addc(&b, '\t'); break;
        case 'u': {
            uint32_t v = 0;
            int k;

            for (k = 0; k < 4; k++) {
                int h = i + (size_t)k < n ? hexval(s[i + (size_t)k]) : -1;
                if (h < 0) {
                    *why = "Invalid \\uXXXX escape";
                    goto fail;
                }
                v = v * 16 + (uint32_t)h;
            }
            i += 4;
            if (v >= 0xd800 && v <= 0xdbff &&
                i + 6 <= n && s[i] == '\\' && s[i + 1] == 'u') {
                uint32_t lo = 0;
                int ok = 1;

                for (k = 0; k < 4; k++) {
                    int h = hexval(s[i + 2 + (size_t)k]);
                    if (h < 0) {
                        ok = 0;
                        break;
                    }
                    lo = lo * 16 + (uint32_t)h;
                }
                if (ok && lo >= 0xdc00 && lo <= 0xdfff) {
                    v = 0x10000 + ((v - 0xd800) << 10) + (lo - 0xdc00);
                    i += 6;
                }
            }
            if (v >= 0xd800 && v <= 0xdfff) {
                v = 0xfffd;     /* a lone surrogate: Python keeps it */
            }
            if (v == 0) {
                *why = "Invalid \\uXXXX escape";   /* NUL: unsupported */
                goto fail;
            }
            utf8_put(&b, v);
            break;
        }
        default:
            *why = "Invalid \\escape";
            goto fail;
        }
    }
    return lv_buf_detach(&b, NULL);
fail:
    lv_buf_release(&b);
    return NULL;
}

static int lex_literal(struct lexer *lx)
{
    size_t start = lx->pos;
    char *raw = lex_until(lx, '`');
    char *lexeme = NULL;
    json_t *v = NULL;
    json_error_t je;
    struct tok *t;
    int ret = -1;

    if (!raw) {
        return -1;
    }
    lexeme = str_replace_all(raw, "\\`", "`");
    v = json_loads(lexeme, JSON_DECODE_ANY, &je);
    if (!v) {
        /* The deprecated form: `foo` is the string "foo". */
        const char *p = lexeme;
        const char *why = NULL;
        char *s;

        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' ||
               *p == '\f' || *p == '\v') {
            p++;
        }
        s = strchr(p, '"') ? NULL : json_unquote(p, strlen(p), &why);
        if (!s) {
            struct lv_buf m;

            lv_buf_init(&m, SIZE_MAX);
            lv_buf_addf(&m, "Bad token %s", lexeme);
            lex_error(lx, start, m.data);
            lv_buf_release(&m);
            goto out;
        }
        v = json_string(s);
        free(s);
        if (!v) {
            lex_error(lx, start, "Bad token");
            goto out;
        }
    }
    t = lex_push(lx, T_LITERAL, start, lexeme);
    lexeme = NULL;
    if (json_is_null(v)) {
        json_decref(v);
        v = NULL;
    }
    t->lit = v;
    v = NULL;
    ret = 0;
out:
    json_decref(v);
    free(raw);
    free(lexeme);
    return ret;
}

static int lex_quoted(struct lexer *lx)
{
    size_t start = lx->pos;
    char *raw = lex_until(lx, '"');
    const char *why = NULL;
    char *s;

    if (!raw) {
        return -1;
    }
    s = json_unquote(raw, strlen(raw), &why);
    free(raw);
    if (!s) {
        return lex_error(lx, start, why);
    }
    lex_push(lx, T_QUOTED, start, s);
    return 0;
}

static int lex_raw_string(struct lexer *lx)
{
    size_t start = lx->pos;
    char *raw = lex_until(lx, '\'');
    struct tok *t;

    if (!raw) {
        return -1;
    }
    t = lex_push(lx, T_LITERAL, start, str_replace_all(raw, "\\'", "'"));
    free(raw);
    t->lit = json_string(t->text);
    if (!t->lit) {
        t->lit = json_string("");
    }
    return 0;
}

static void lex_match_or_else(struct lexer *lx, int expected,
                              enum tok_type match, enum tok_type other)
{
    size_t start = lx->pos;
    int cur = lex_cur(lx);
    int nxt = lex_next(lx);
    char text[3] = { (char)cur, 0, 0 };

    if (nxt == expected) {
        lex_next(lx);
        text[1] = (char)nxt;
        lex_push(lx, match, start, lv_xstrdup(text));
        return;
    }
    lex_push(lx, other, start, lv_xstrdup(text));
}

static int is_ident_start(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static void lex_number(struct lexer *lx, struct lv_buf *b)
{
    utf8_put(b, (uint32_t)lex_cur(lx));
    while (is_digit(lex_next(lx))) {
        lv_buf_addc(b, (char)lex_cur(lx));
    }
}

static long long parse_ll(const char *s)
{
    long long v = 0;
    int neg = *s == '-';

    if (neg) {
        s++;
    }
    for (; *s; s++) {
        int d = *s - '0';
        if (v > (LLONG_MAX - d) / 10) {
            return neg ? LLONG_MIN : LLONG_MAX;
        }
        v = v * 10 + d;
    }
    return neg ? -v : v;
}

static const char *simple_tokens = ".*],:@(){}";
static const enum tok_type simple_types[] = {
    T_DOT, T_STAR, T_RBRACKET, T_COMMA, T_COLON, T_CURRENT, T_LPAREN,
    T_RPAREN, T_LBRACE, T_RBRACE,
};

static int lex_all(struct lexer *lx)
{
    while (lx->have) {
        int c = lex_cur(lx);
        const char *sp = c > 0 && c < 128 ? strchr(simple_tokens, c) : NULL;
        size_t start = lx->pos;

        if (sp) {
            char text[2] = { (char)c, 0 };
            lex_push(lx, simple_types[sp - simple_tokens], start,
                     lv_xstrdup(text));
            lex_next(lx);
        } else if (is_ident_start(c)) {
            struct lv_buf b;

            lv_buf_init(&b, SIZE_MAX);
            lv_buf_addc(&b, (char)c);
            while (lex_next(lx) >= 0 &&
                   (is_ident_start(lex_cur(lx)) || is_digit(lex_cur(lx)))) {
                lv_buf_addc(&b, (char)lex_cur(lx));
            }
            lex_push(lx, T_UNQUOTED, start, lv_buf_detach(&b, NULL));
        } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            lex_next(lx);
        } else if (c == '[') {
            int nx = lex_next(lx);

            if (nx == ']') {
                lex_next(lx);
                lex_push(lx, T_FLATTEN, start, lv_xstrdup("[]"));
            } else if (nx == '?') {
                lex_next(lx);
                lex_push(lx, T_FILTER, start, lv_xstrdup("[?"));
            } else {
                lex_push(lx, T_LBRACKET, start, lv_xstrdup("["));
            }
        } else if (c == '\'') {
            if (lex_raw_string(lx) < 0) {
                return -1;
            }
        } else if (c == '|') {
            lex_match_or_else(lx, '|', T_OR, T_PIPE);
        } else if (c == '&') {
            lex_match_or_else(lx, '&', T_AND, T_EXPREF);
        } else if (c == '`') {
            if (lex_literal(lx) < 0) {
                return -1;
            }
        } else if (is_digit(c) || c == '-') {
            struct lv_buf b;
            struct tok *t;

            lv_buf_init(&b, SIZE_MAX);
            lex_number(lx, &b);
            if (c == '-' && b.len == 1) {
                lv_buf_release(&b);
                return lex_error(lx, start, "Unknown token '-'");
            }
            t = lex_push(lx, T_NUMBER, start, lv_buf_detach(&b, NULL));
            t->num = parse_ll(t->text);
        } else if (c == '"') {
            if (lex_quoted(lx) < 0) {
                return -1;
            }
        } else if (c == '<') {
            lex_match_or_else(lx, '=', T_LTE, T_LT);
        } else if (c == '>') {
            lex_match_or_else(lx, '=', T_GTE, T_GT);
        } else if (c == '!') {
            lex_match_or_else(lx, '=', T_NE, T_NOT);
        } else if (c == '=') {
            if (lex_next(lx) == '=') {
                lex_push(lx, T_EQ, lx->pos - 1, lv_xstrdup("=="));
                lex_next(lx);
            } else {
                size_t p = lex_cur(lx) < 0 ? lx->pos : lx->pos - 1;
                return lex_error(lx, p, "Unknown token '='");
            }
        } else {
            struct lv_buf m;

            lv_buf_init(&m, SIZE_MAX);
            lv_buf_adds(&m, "Unknown token ");
            utf8_put(&m, (uint32_t)c);
            lex_error(lx, start, m.data);
            lv_buf_release(&m);
            return -1;
        }
    }
    lex_push(lx, T_EOF, lx->len, lv_xstrdup(""));
    return 0;
}

static void toks_free(struct tok *t, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        free(t[i].text);
        json_decref(t[i].lit);
    }
    free(t);
}

/* ---- parser ---------------------------------------------------------- */

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
    set_err_buf(p->err, &b);
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
    set_err_buf(p->err, &b);
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
    struct lexer lx;
    struct parser p;
    struct lv_jmespath *q = NULL;
    struct node *root;

    memset(&lx, 0, sizeof(lx));
    if (!expr || !*expr) {
        lv_err_set(err, LV_E_VALIDATION,
                   "Invalid JMESPath expression: cannot be empty.");
        return NULL;
    }
    lx.expr = expr;
    lx.err = err;
    lx.len = utf8_decode(expr, strlen(expr), &lx.cp);
    lx.have = 1;
    if (lex_all(&lx) < 0) {
        goto out;
    }
    memset(&p, 0, sizeof(p));
    p.expr = expr;
    p.toks = lx.toks;
    p.n = lx.n;
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
    toks_free(lx.toks, lx.n);
    free(lx.cp);
    return q;
}

/* ---- values ---------------------------------------------------------- */

static int is_none(const json_t *v)
{
    return !v || json_is_null(v);
}

static int is_num(const json_t *v)
{
    return v && json_is_number(v);
}

static double num(const json_t *v)
{
    return json_number_value(v);
}

/* Python's type(v).__name__ as jmespath sees JSON values. */
static const char *py_type(const json_t *v)
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

static const char *jp_type(const json_t *v)
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
static int py_eq(const json_t *a, const json_t *b)
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
            if (!py_eq(json_array_get(a, i), json_array_get(b, i))) {
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
            if (!w || !py_eq(v, w)) {
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
    return py_eq(a, b);
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
static int py_cmp(const json_t *a, const json_t *b)
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

struct ev {
    struct lv_err *err;
    int depth;
};

static int eval(struct ev *e, const struct node *n, const json_t *in,
                json_t **out);

static int type_error_cmp(struct ev *e, const char *op, const json_t *a,
                          const json_t *b)
{
    return lv_err_set(e->err, LV_E_VALIDATION, "'%s' not supported between "
                      "instances of '%s' and '%s'", op, py_type(a),
                      py_type(b));
}

static int eval_cmp(struct ev *e, const struct node *n, const json_t *in,
                    json_t **out)
{
    json_t *l = NULL, *r = NULL;
    int ret = -1, c, res;
    const char *op;

    if (eval(e, n->kids[0], in, &l) < 0 || eval(e, n->kids[1], in, &r) < 0) {
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
    c = py_cmp(l, r);
    if (c == -2) {
        type_error_cmp(e, op, l, r);
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

    if (eval(e, rhs, elem, &cur) < 0) {
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

static int call_function(struct ev *e, const struct node *n,
                         const json_t *in, json_t **out);

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
            if (eval(e, n->kids[i], cur, &next) < 0) {
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
        return call_function(e, n, in, out);
    case N_NOT:
        if (eval(e, n->kids[0], in, &cur) < 0) {
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
        if (eval(e, n->kids[0], in, &cur) < 0) {
            return -1;
        }
        if (is_false(cur) == (n->type == N_OR)) {
            json_decref(cur);
            return eval(e, n->kids[1], in, out);
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
            if (eval(e, n->kids[i], in, &cur) < 0) {
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
        if (eval(e, n->kids[0], in, &base) < 0) {
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
        if (eval(e, n->kids[0], in, &base) < 0) {
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

                if (eval(e, n->kids[2], el, &c) < 0) {
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

        if (eval(e, n->kids[0], in, &base) < 0) {
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

static int eval(struct ev *e, const struct node *n, const json_t *in,
                json_t **out)
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

/* ---- functions ------------------------------------------------------- */

struct arg {
    json_t *v;                  /* owned, NULL = None */
    const struct node *expref;  /* set when the argument is &expr */
};

typedef int (*fn_impl)(struct ev *e, struct arg *a, size_t n, json_t **out);

struct fn {
    const char *name;
    fn_impl impl;
    int nargs;
    int variadic;
    const char *types[2][2];    /* per argument: allowed types, NULL-ended */
};

static const char *arg_py_type(const struct arg *a)
{
    return a->expref ? "_Expression" : py_type(a->v);
}

static const char *arg_jp_type(const struct arg *a)
{
    return a->expref ? "expref" : jp_type(a->v);
}

static void str_value(struct lv_buf *b, const struct arg *a)
{
    if (a->expref) {
        lv_buf_adds(b, "<jmespath.visitor._Expression object>");
    } else {
        lv_output_py_str(b, a->v, 0);
    }
}

static int type_error(struct ev *e, const char *fname, const struct arg *a,
                      const char *received, const char *const *types,
                      size_t ntypes)
{
    struct lv_buf b;

    lv_buf_init(&b, SIZE_MAX);
    lv_buf_addf(&b, "In function %s(), invalid type for value: ", fname);
    str_value(&b, a);
    lv_buf_adds(&b, ", expected one of: ");
    py_list_of_names(&b, types, ntypes);
    lv_buf_addf(&b, ", received: \"%s\"", received);
    set_err_buf(e->err, &b);
    return -1;
}

static int elem_matches(const json_t *el, const char *sub)
{
    if (!strcmp(sub, "number")) {
        return is_num(el);
    }
    return el && json_is_string(el);    /* "string" */
}

/* _type_check_single for one argument. */
static int check_arg(struct ev *e, const char *fname, const struct arg *a,
                     const char *const *types)
{
    size_t nt = 0, i;
    const char *jt = arg_jp_type(a);
    const char *subs[2];
    size_t nsubs = 0;
    int ok = 0;

    while (nt < 2 && types[nt]) {
        nt++;
    }
    if (nt == 0) {
        return 0;
    }
    for (i = 0; i < nt; i++) {
        const char *dash = strchr(types[i], '-');
        size_t bl = dash ? (size_t)(dash - types[i]) : strlen(types[i]);

        if (strlen(jt) == bl && !strncmp(jt, types[i], bl)) {
            ok = 1;
        }
        if (dash) {
            subs[nsubs++] = dash + 1;
        }
    }
    if (!ok) {
        return type_error(e, fname, a, jt, types, nt);
    }
    if (nsubs == 1) {
        for (i = 0; i < json_array_size(a->v); i++) {
            struct arg el = { json_array_get(a->v, i), NULL };
            if (!elem_matches(el.v, subs[0])) {
                return type_error(e, fname, &el, py_type(el.v), types, nt);
            }
        }
    } else if (nsubs > 1 && json_array_size(a->v) > 0) {
        struct arg first = { json_array_get(a->v, 0), NULL };
        const char *sub = NULL;

        for (i = 0; i < nsubs; i++) {
            if (elem_matches(first.v, subs[i])) {
                sub = subs[i];
                break;
            }
        }
        if (!sub) {
            return type_error(e, fname, &first, py_type(first.v), types, nt);
        }
        for (i = 0; i < json_array_size(a->v); i++) {
            struct arg el = { json_array_get(a->v, i), NULL };
            if (!elem_matches(el.v, sub)) {
                return type_error(e, fname, &el, py_type(el.v), types, nt);
            }
        }
    }
    return 0;
}

static json_t *num_value(double d)
{
    return json_real(d);
}

static int f_abs(struct ev *e, struct arg *a, size_t n, json_t **out)
{
    (void)e;
    (void)n;
    if (json_is_integer(a[0].v) && json_integer_value(a[0].v) != LLONG_MIN) {
        json_int_t v = json_integer_value(a[0].v);
        *out = json_integer(v < 0 ? -v : v);
    } else {
        *out = num_value(fabs(num(a[0].v)));
    }
    return 0;
}

/* Python's sum(): ints stay ints until a float (or an overflow) joins. */
static json_t *py_sum(const json_t *arr)
{
    long long is = 0;
    double ds = 0;
    int real = 0;
    size_t i;

    for (i = 0; i < json_array_size(arr); i++) {
        const json_t *v = json_array_get(arr, i);

        if (!real && json_is_integer(v) &&
            !__builtin_add_overflow(is, json_integer_value(v), &is)) {
            continue;
        }
        if (!real) {
            real = 1;
            ds = (double)is;
            if (json_is_integer(v)) {
                ds += (double)json_integer_value(v);
                continue;
            }
        }
        ds += num(v);
    }
    return real ? json_real(ds) : json_integer(is);
}

static int f_avg(struct ev *e, struct arg *a, size_t n, json_t **out)
{
    json_t *s;

    (void)e;
    (void)n;
    if (json_array_size(a[0].v) == 0) {
        *out = NULL;
        return 0;
    }
    s = py_sum(a[0].v);
    *out = json_real(num(s) / (double)json_array_size(a[0].v));
    json_decref(s);
    return 0;
}

static int f_sum(struct ev *e, struct arg *a, size_t n, json_t **out)
{
    (void)e;
    (void)n;
    *out = py_sum(a[0].v);
    return 0;
}

static json_t *to_int_or_real(double d)
{
    if (d >= -9.2e18 && d <= 9.2e18) {
        return json_integer((json_int_t)d);
    }
    return json_real(d);
}

static int f_ceil_floor(struct arg *a, json_t **out, int ceil_)
{
    if (json_is_integer(a[0].v)) {
        *out = json_incref(a[0].v);
    } else {
        double d = num(a[0].v);
        *out = to_int_or_real(ceil_ ? ceil(d) : floor(d));
    }
    return 0;
}

static int f_ceil(struct ev *e, struct arg *a, size_t n, json_t **out)
{
    (void)e;
    (void)n;
    return f_ceil_floor(a, out, 1);
}

static int f_floor(struct ev *e, struct arg *a, size_t n, json_t **out)
{
    (void)e;
    (void)n;
    return f_ceil_floor(a, out, 0);
}

static int f_contains(struct ev *e, struct arg *a, size_t n, json_t **out)
{
    size_t i;

    (void)n;
    if (json_is_string(a[0].v)) {
        if (a[1].expref || !a[1].v || !json_is_string(a[1].v)) {
            return lv_err_set(e->err, LV_E_VALIDATION, "'in <string>' "
                              "requires string as left operand, not %s",
                              arg_py_type(&a[1]));
        }
        *out = json_boolean(memmem(json_string_value(a[0].v),
                                   json_string_length(a[0].v),
                                   json_string_value(a[1].v),
                                   json_string_length(a[1].v)) != NULL);
        return 0;
    }
    for (i = 0; i < json_array_size(a[0].v); i++) {
        if (!a[1].expref && py_eq(json_array_get(a[0].v, i), a[1].v)) {
            *out = json_true();
            return 0;
        }
    }
    *out = json_false();
    return 0;
}

static int f_ends_with(struct ev *e, struct arg *a, size_t n, json_t **out)
{
    size_t l = json_string_length(a[0].v), m = json_string_length(a[1].v);

    (void)e;
    (void)n;
    *out = json_boolean(m <= l && !memcmp(json_string_value(a[0].v) + l - m,
                                          json_string_value(a[1].v), m));
    return 0;
}

static int f_starts_with(struct ev *e, struct arg *a, size_t n, json_t **out)
{
    size_t l = json_string_length(a[0].v), m = json_string_length(a[1].v);

    (void)e;
    (void)n;
    *out = json_boolean(m <= l && !memcmp(json_string_value(a[0].v),
                                          json_string_value(a[1].v), m));
    return 0;
}

static int f_join(struct ev *e, struct arg *a, size_t n, json_t **out)
{
    struct lv_buf b;
    size_t i;

    (void)e;
    (void)n;
    lv_buf_init(&b, SIZE_MAX);
    for (i = 0; i < json_array_size(a[1].v); i++) {
        const json_t *s = json_array_get(a[1].v, i);
        if (i) {
            lv_buf_add(&b, json_string_value(a[0].v),
                       json_string_length(a[0].v));
        }
        lv_buf_add(&b, json_string_value(s), json_string_length(s));
    }
    *out = json_stringn(b.data, b.len);
    lv_buf_release(&b);
    return 0;
}

static int f_keys_values(struct arg *a, json_t **out, int keys)
{
    const char *k;
    json_t *v;
    json_t *r = json_array();

    json_object_foreach(a[0].v, k, v) {
        json_array_append_new(r, keys ? json_string(k) : json_incref(v));
    }
    *out = r;
    return 0;
}

static int f_keys(struct ev *e, struct arg *a, size_t n, json_t **out)
{
    (void)e;
    (void)n;
    return f_keys_values(a, out, 1);
}

static int f_values(struct ev *e, struct arg *a, size_t n, json_t **out)
{
    (void)e;
    (void)n;
    return f_keys_values(a, out, 0);
}

static size_t utf8_count(const char *s, size_t n)
{
    size_t i, c = 0;

    for (i = 0; i < n; i++) {
        c += ((unsigned char)s[i] & 0xc0) != 0x80;
    }
    return c;
}

static int f_length(struct ev *e, struct arg *a, size_t n, json_t **out)
{
    (void)e;
    (void)n;
    if (json_is_string(a[0].v)) {
        *out = json_integer((json_int_t)utf8_count(
            json_string_value(a[0].v), json_string_length(a[0].v)));
    } else if (json_is_array(a[0].v)) {
        *out = json_integer((json_int_t)json_array_size(a[0].v));
    } else {
        *out = json_integer((json_int_t)json_object_size(a[0].v));
    }
    return 0;
}

static int f_map(struct ev *e, struct arg *a, size_t n, json_t **out)
{
    json_t *r = json_array();
    size_t i;

    (void)n;
    for (i = 0; i < json_array_size(a[1].v); i++) {
        json_t *cur = NULL;
        if (eval(e, a[0].expref, json_array_get(a[1].v, i), &cur) < 0) {
            json_decref(r);
            return -1;
        }
        json_array_append_new(r, cur ? cur : json_null());
    }
    *out = r;
    return 0;
}

/* max/min over numbers or strings (already type-checked). */
static int f_max_min(struct arg *a, json_t **out, int want)
{
    const json_t *best = NULL;
    size_t i;

    for (i = 0; i < json_array_size(a[0].v); i++) {
        const json_t *v = json_array_get(a[0].v, i);
        if (!best || py_cmp(v, best) == want) {
            best = v;
        }
    }
    *out = best ? json_incref((json_t *)best) : NULL;
    return 0;
}

static int f_max(struct ev *e, struct arg *a, size_t n, json_t **out)
{
    (void)e;
    (void)n;
    return f_max_min(a, out, 1);
}

static int f_min(struct ev *e, struct arg *a, size_t n, json_t **out)
{
    (void)e;
    (void)n;
    return f_max_min(a, out, -1);
}

/* keyfunc of _create_key_func: the key of one element, type-checked. */
static int key_of(struct ev *e, const char *fname, const struct node *x,
                  const json_t *el, const char *const *allowed, size_t na,
                  json_t **key)
{
    size_t i;
    struct arg k = { NULL, NULL };

    if (eval(e, x, el, &k.v) < 0) {
        return -1;
    }
    for (i = 0; i < na; i++) {
        if (!strcmp(jp_type(k.v), allowed[i])) {
            *key = k.v;
            return 0;
        }
    }
    type_error(e, fname, &k, jp_type(k.v), allowed, na);
    json_decref(k.v);
    return -1;
}

static int f_by(struct ev *e, struct arg *a, json_t **out, int want,
                const char *fname)
{
    static const char *const allowed[] = { "number", "string" };
    json_t *best = NULL, *bestkey = NULL;
    size_t i;
    int ret = -1;

    for (i = 0; i < json_array_size(a[0].v); i++) {
        json_t *el = json_array_get(a[0].v, i);
        json_t *key = NULL;
        int c;

        if (key_of(e, fname, a[1].expref, el, allowed, 2, &key) < 0) {
            goto out;
        }
        if (!best) {
            best = el;
            bestkey = key;
            continue;
        }
        c = py_cmp(key, bestkey);
        if (c == -2) {
            type_error_cmp(e, want > 0 ? ">" : "<", key, bestkey);
            json_decref(key);
            goto out;
        }
        if (c == want) {
            best = el;
            json_decref(bestkey);
            bestkey = key;
        } else {
            json_decref(key);
        }
    }
    *out = best ? json_incref(best) : NULL;
    ret = 0;
out:
    json_decref(bestkey);
    return ret;
}

static int f_max_by(struct ev *e, struct arg *a, size_t n, json_t **out)
{
    (void)n;
    return f_by(e, a, out, 1, "max_by");
}

static int f_min_by(struct ev *e, struct arg *a, size_t n, json_t **out)
{
    (void)n;
    return f_by(e, a, out, -1, "min_by");
}

static int f_merge(struct ev *e, struct arg *a, size_t n, json_t **out)
{
    json_t *r = json_object();
    size_t i;

    for (i = 0; i < n; i++) {
        if (!a[i].v || !json_is_object(a[i].v)) {
            json_decref(r);
            return lv_err_set(e->err, LV_E_VALIDATION, "'%s' object is not "
                              "iterable", arg_py_type(&a[i]));
        }
        json_object_update(r, a[i].v);
    }
    *out = r;
    return 0;
}

static int f_not_null(struct ev *e, struct arg *a, size_t n, json_t **out)
{
    size_t i;

    (void)e;
    for (i = 0; i < n; i++) {
        if (!a[i].expref && !is_none(a[i].v)) {
            *out = json_incref(a[i].v);
            return 0;
        }
    }
    *out = NULL;
    return 0;
}

static int f_reverse(struct ev *e, struct arg *a, size_t n, json_t **out)
{
    size_t i, len;

    (void)e;
    (void)n;
    if (json_is_string(a[0].v)) {
        const char *s = json_string_value(a[0].v);
        char *r;
        size_t j = 0;

        len = json_string_length(a[0].v);
        r = lv_xmalloc(len + 1);
        /* Reverse by code point: copy each sequence to the mirror spot. */
        i = 0;
        while (i < len) {
            size_t k = i + 1;
            while (k < len && ((unsigned char)s[k] & 0xc0) == 0x80) {
                k++;
            }
            memcpy(r + len - j - (k - i), s + i, k - i);
            j += k - i;
            i = k;
        }
        *out = json_stringn(r, len);
        free(r);
        return 0;
    }
    len = json_array_size(a[0].v);
    *out = json_array();
    for (i = len; i > 0; i--) {
        json_array_append(*out, json_array_get(a[0].v, i - 1));
    }
    return 0;
}

struct sort_item {
    json_t *v;
    json_t *key;
    size_t pos;
};

static int sort_cmp(const void *x, const void *y)
{
    const struct sort_item *a = x, *b = y;
    int c = py_cmp(a->key, b->key);

    if (c == 0 || c == -2) {
        return a->pos < b->pos ? -1 : a->pos > b->pos;
    }
    return c;
}

static json_t *sorted(struct sort_item *it, size_t n)
{
    json_t *r = json_array();
    size_t i;

    qsort(it, n, sizeof(*it), sort_cmp);
    for (i = 0; i < n; i++) {
        json_array_append(r, it[i].v);
    }
    return r;
}

static int f_sort(struct ev *e, struct arg *a, size_t n, json_t **out)
{
    size_t len = json_array_size(a[0].v), i;
    struct sort_item *it = lv_xcalloc(len + 1, sizeof(*it));

    (void)e;
    (void)n;
    for (i = 0; i < len; i++) {
        it[i].v = it[i].key = json_array_get(a[0].v, i);
        it[i].pos = i;
    }
    *out = sorted(it, len);
    free(it);
    return 0;
}

static int f_sort_by(struct ev *e, struct arg *a, size_t n, json_t **out)
{
    static const char *const allowed[] = { "string", "number" };
    size_t len = json_array_size(a[0].v), i, done = 0;
    struct sort_item *it = NULL;
    json_t *k0 = NULL;
    const char *req;
    int ret = -1;

    (void)n;
    if (len == 0) {
        *out = json_incref(a[0].v);
        return 0;
    }
    if (eval(e, a[1].expref, json_array_get(a[0].v, 0), &k0) < 0) {
        return -1;
    }
    req = jp_type(k0);
    json_decref(k0);
    if (strcmp(req, "number") && strcmp(req, "string")) {
        struct arg first = { json_array_get(a[0].v, 0), NULL };
        return type_error(e, "sort_by", &first, req, allowed, 2);
    }
    it = lv_xcalloc(len, sizeof(*it));
    for (i = 0; i < len; i++) {
        it[i].v = json_array_get(a[0].v, i);
        it[i].pos = i;
        if (key_of(e, "sort_by", a[1].expref, it[i].v, &req, 1,
                   &it[i].key) < 0) {
            goto out;
        }
        done++;
    }
    *out = sorted(it, len);
    ret = 0;
out:
    for (i = 0; i < done; i++) {
        json_decref(it[i].key);
    }
    free(it);
    return ret;
}

static int f_to_array(struct ev *e, struct arg *a, size_t n, json_t **out)
{
    (void)e;
    (void)n;
    if (a[0].v && json_is_array(a[0].v)) {
        *out = json_incref(a[0].v);
    } else {
        *out = json_array();
        json_array_append_new(*out, a[0].v ? json_incref(a[0].v)
                                           : json_null());
    }
    return 0;
}

static int f_to_string(struct ev *e, struct arg *a, size_t n, json_t **out)
{
    struct lv_buf b;

    (void)e;
    (void)n;
    if (a[0].v && json_is_string(a[0].v)) {
        *out = json_incref(a[0].v);
        return 0;
    }
    lv_buf_init(&b, SIZE_MAX);
    if (a[0].expref) {
        lv_buf_adds(&b, "\"<jmespath.visitor._Expression object>\"");
    } else {
        lv_output_py_json(&b, a[0].v, -1, 1);
    }
    *out = json_stringn(b.data, b.len);
    lv_buf_release(&b);
    return 0;
}

/* Python's int(s) then float(s) on a string; NULL when neither parses. */
static json_t *py_number(const char *s)
{
    struct lv_buf d;
    const char *p = s, *end;
    json_t *r = NULL;
    char *ep;
    int digits = 0, prev_us = 0, ok = 1;

    while (*p == ' ' || (*p >= '\t' && *p <= '\r')) {
        p++;
    }
    end = p + strlen(p);
    while (end > p && (end[-1] == ' ' || (end[-1] >= '\t' &&
                                          end[-1] <= '\r'))) {
        end--;
    }
    lv_buf_init(&d, SIZE_MAX);
    /* int(): [sign] digits with single underscores between them. */
    {
        const char *q = p;

        if (q < end && (*q == '+' || *q == '-')) {
            lv_buf_addc(&d, *q);
            q++;
        }
        for (; q < end; q++) {
            if (is_digit(*q)) {
                lv_buf_addc(&d, *q);
                digits++;
                prev_us = 0;
            } else if (*q == '_' && digits && !prev_us) {
                prev_us = 1;
            } else {
                ok = 0;
                break;
            }
        }
        if (ok && digits && !prev_us) {
            long long v;
            errno = 0;
            v = strtoll(d.data, &ep, 10);
            r = errno ? json_real(strtod(d.data, NULL)) : json_integer(v);
            goto out;
        }
    }
    /* float(): decimal forms only (strtod also takes hex, nan, inf). */
    lv_buf_reset(&d);
    {
        const char *q;
        int us_ok = 1;

        for (q = p; q < end; q++) {
            if (*q == '_') {
                if (q == p || q + 1 == end || !is_digit(q[-1]) ||
                    !is_digit(q[1])) {
                    us_ok = 0;
                    break;
                }
                continue;
            }
            if (!is_digit(*q) && !strchr("+-.eE", *q)) {
                us_ok = 0;
                break;
            }
            lv_buf_addc(&d, *q);
        }
        if (us_ok && d.len > 0) {
            double v = strtod(d.data, &ep);
            if (*ep == '\0' && ep != d.data && isfinite(v)) {
                r = json_real(v);
            }
        }
    }
out:
    lv_buf_release(&d);
    return r;
}

static int f_to_number(struct ev *e, struct arg *a, size_t n, json_t **out)
{
    (void)e;
    (void)n;
    *out = NULL;
    if (a[0].expref || is_none(a[0].v)) {
        return 0;
    }
    if (json_is_number(a[0].v)) {
        *out = json_incref(a[0].v);
    } else if (json_is_string(a[0].v)) {
        *out = py_number(json_string_value(a[0].v));
    }
    return 0;
}

static int f_type(struct ev *e, struct arg *a, size_t n, json_t **out)
{
    (void)e;
    (void)n;
    *out = json_string(arg_jp_type(&a[0]));
    return 0;
}

#define T1(a) { { a, NULL }, { NULL, NULL } }
#define T2(a, b) { { a, NULL }, { b, NULL } }
#define TA(a, b) { { a, b }, { NULL, NULL } }

/* Signatures as jmespath/functions.py declares them. */
static const struct fn functions[] = {
    { "abs", f_abs, 1, 0, T1("number") },
    { "avg", f_avg, 1, 0, T1("array-number") },
    { "ceil", f_ceil, 1, 0, T1("number") },
    { "contains", f_contains, 2, 0, { { "array", "string" }, { NULL } } },
    { "ends_with", f_ends_with, 2, 0, T2("string", "string") },
    { "floor", f_floor, 1, 0, T1("number") },
    { "join", f_join, 2, 0, T2("string", "array-string") },
    { "keys", f_keys, 1, 0, T1("object") },
    { "length", f_length, 1, 0, { { "string", "array" }, { NULL } } },
    { "map", f_map, 2, 0, T2("expref", "array") },
    { "max", f_max, 1, 0, TA("array-number", "array-string") },
    { "max_by", f_max_by, 2, 0, T2("array", "expref") },
    { "merge", f_merge, 1, 1, T1("object") },
    { "min", f_min, 1, 0, TA("array-number", "array-string") },
    { "min_by", f_min_by, 2, 0, T2("array", "expref") },
    { "not_null", f_not_null, 1, 1, { { NULL } } },
    { "reverse", f_reverse, 1, 0, TA("array", "string") },
    { "sort", f_sort, 1, 0, TA("array-string", "array-number") },
    { "sort_by", f_sort_by, 2, 0, T2("array", "expref") },
    { "starts_with", f_starts_with, 2, 0, T2("string", "string") },
    { "sum", f_sum, 1, 0, T1("array-number") },
    { "to_array", f_to_array, 1, 0, { { NULL } } },
    { "to_number", f_to_number, 1, 0, { { NULL } } },
    { "to_string", f_to_string, 1, 0, { { NULL } } },
    { "type", f_type, 1, 0, { { NULL } } },
    { "values", f_values, 1, 0, T1("object") },
};

/* length takes three types; the table has room for two. */
static const char *const length_types[] = { "string", "array", "object" };

static int check_length(struct ev *e, const struct arg *a)
{
    const char *t = arg_jp_type(a);

    if (strcmp(t, "string") && strcmp(t, "array") && strcmp(t, "object")) {
        return type_error(e, "length", a, t, length_types, 3);
    }
    return 0;
}

static int call_function(struct ev *e, const struct node *n,
                         const json_t *in, json_t **out)
{
    const struct fn *f = NULL;
    struct arg *args = lv_xcalloc(n->n + 1, sizeof(*args));
    size_t i, nsig;
    int ret = -1;

    for (i = 0; i < n->n; i++) {
        if (n->kids[i]->type == N_EXPREF) {
            args[i].expref = n->kids[i]->kids[0];
        } else if (eval(e, n->kids[i], in, &args[i].v) < 0) {
            goto out;
        }
    }
    for (i = 0; i < sizeof(functions) / sizeof(functions[0]); i++) {
        if (!strcmp(functions[i].name, n->name)) {
            f = &functions[i];
            break;
        }
    }
    if (!f) {
        lv_err_set(e->err, LV_E_VALIDATION, "Unknown function: %s()",
                   n->name);
        goto out;
    }
    nsig = (size_t)f->nargs;
    if (f->variadic ? n->n < nsig : n->n != nsig) {
        lv_err_set(e->err, LV_E_VALIDATION, "Expected %s%zu argument%s for "
                   "function %s(), received %zu",
                   f->variadic ? "at least " : "", nsig,
                   nsig == 1 ? "" : "s", f->name, n->n);
        goto out;
    }
    for (i = 0; i < nsig; i++) {
        if (f->impl == f_length) {
            if (check_length(e, &args[i]) < 0) {
                goto out;
            }
        } else if (check_arg(e, f->name, &args[i], f->types[i]) < 0) {
            goto out;
        }
    }
    ret = f->impl(e, args, n->n, out);
out:
    for (i = 0; i < n->n; i++) {
        json_decref(args[i].v);
    }
    free(args);
    return ret;
}

/* ---- entry points ---------------------------------------------------- */

json_t *lv_jmespath_eval(const struct lv_jmespath *q, const json_t *data,
                         struct lv_err *err)
{
    struct ev e = { err, 0 };
    json_t *out = NULL;

    if (eval(&e, q->root, data, &out) < 0) {
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
