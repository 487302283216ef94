/*
 * cli/jmespath_lex: the lexer of cli/jmespath, jmespath.py 1.0.1's
 * lexer.py step by step: identifiers, quoted identifiers (JSON strings),
 * raw strings, `literals` (JSON, with the deprecated bare-string fallback),
 * numbers and operators, with LexerError's messages and code point
 * positions. It does not know the grammar (jmespath_parse.c does).
 */
#include "cli/jmespath_int.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/err.h"
#include "util/hex.h"
#include "util/mem.h"

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
    lv_jmespath_set_err_buf(lx->err, &b);
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
                int h = i + (size_t)k < n ? lv_hex_value(s[i + (size_t)k]) : -1;
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
                    int h = lv_hex_value(s[i + 2 + (size_t)k]);
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

void lv_jmespath_toks_free(struct tok *t, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        free(t[i].text);
        json_decref(t[i].lit);
    }
    free(t);
}

int lv_jmespath_lex(const char *expr, struct tok **toks, size_t *n,
                    struct lv_err *err)
{
    struct lexer lx;
    int ret = -1;

    memset(&lx, 0, sizeof(lx));
    lx.expr = expr;
    lx.err = err;
    lx.len = utf8_decode(expr, strlen(expr), &lx.cp);
    lx.have = 1;
    if (lex_all(&lx) < 0) {
        lv_jmespath_toks_free(lx.toks, lx.n);
        goto out;
    }
    *toks = lx.toks;
    *n = lx.n;
    ret = 0;
out:
    free(lx.cp);
    return ret;
}
