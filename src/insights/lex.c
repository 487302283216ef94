/*
 * lex: the tokens of Logs Insights QL (parse_int.h).
 *
 * What the syntax pages fix, and what we chose where they are silent:
 *  - Names: letters, digits, `_`, `@` and `.` (CWL_QuerySyntax-Guidelines:
 *    "If a field contains non-alphanumeric characters other than the @
 *    symbol or the period (.), you must surround the field with backtick
 *    characters"). A name may mix bare and backticked parts, as the pages
 *    write @`aws.tag.aws:cloudformation:stack-name` and
 *    map.attributes.`special.char`; the token's text is the name without
 *    the backticks. A backticked part is taken as written (no escapes; a
 *    backtick cannot appear inside one).
 *  - Strings: '…' or "…". \\ \' \" \n \t \r are escapes; a backslash
 *    before any other character is kept with it, so that a string used as
 *    a pattern ("\d+") keeps its meaning. Undocumented; the conventional
 *    choice.
 *  - Numbers: digits with an optional fraction and exponent. A number
 *    followed at once by letters is a period (5m, 1h, 30s …) when the
 *    letters are one of the units the functions page lists for bin() —
 *    millisecond ms msec, second s sec, minute m min, hour h hr, day d,
 *    week w, month mo mon, quarter q qtr, year y yr, and the plurals of the
 *    ones longer than one character ("adding s to pluralize is
 *    supported") — else an error: `5x` is no token.
 *  - Regex literals /…/: `\/` does not end one (kept as written: PCRE
 *    reads it as `/`). No flags after the closing slash (the pages use
 *    (?i) inside); letters there are the next token, which the parser then
 *    refuses.
 *  - `#` starts a comment to the end of the line (CWL_QuerySyntax.md,
 *    "set off the comments with the hash character"), anywhere a token
 *    may start.
 */
#include "insights/parse_int.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"

void lv_iqlex_init(struct lv_iqlex *lx, const char *s, size_t n)
{
    lx->s = s;
    lx->n = n;
    lx->at = 0;
}

void lv_iqtok_release(struct lv_iqtoken *tok)
{
    free(tok->text);
    memset(tok, 0, sizeof(*tok));
}

void lv_iqlex_where(const char *s, size_t n, int off, int *line, int *col)
{
    size_t i;
    size_t bol = 0;
    int l = 1;

    if (off < 0) {
        off = 0;
    }
    if ((size_t)off > n) {
        off = (int)n;
    }
    for (i = 0; i < (size_t)off; i++) {
        if (s[i] == '\n') {
            l++;
            bol = i + 1;
        }
    }
    *line = l;
    *col = (int)((size_t)off - bol);
}

int lv_iq_syntax_err(struct lv_err *err, const char *s, size_t n, int off,
                     const char *fmt, ...)
{
    char what[400];
    va_list ap;
    int line, col;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    lv_iqlex_where(s, n, off, &line, &col);
    return lv_err_set(err, LV_E_MALFORMED_QUERY,
                      "%s at line %d and position %d", what, line, col);
}

static int is_name_char(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '_' || c == '@' || c == '.';
}

static int is_name_start(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
           c == '@';
}

static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static int is_alpha(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Skips blanks and comments. */
static void skip_space(struct lv_iqlex *lx)
{
    while (lx->at < lx->n) {
        char c = lx->s[lx->at];

        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
            c == '\v') {
            lx->at++;
        } else if (c == '#') {
            while (lx->at < lx->n && lx->s[lx->at] != '\n') {
                lx->at++;
            }
        } else {
            break;
        }
    }
}

void lv_iqlex_shown(const char *s, int pos, int end, char *out, size_t cap)
{
    size_t k = 0;
    int i;

    for (i = pos; i < end && k + 4 < cap && k < 40; i++) {
        unsigned char c = (unsigned char)s[i];

        out[k++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    if (i < end && k + 4 < cap) {
        memcpy(out + k, "...", 3);
        k += 3;
    }
    out[k] = '\0';
}

static int bad_char(struct lv_iqlex *lx, int pos, struct lv_err *err)
{
    char what[64];
    int end = pos + 1;

    /* Show a whole UTF-8 sequence rather than a lone lead byte. */
    while ((size_t)end < lx->n && ((unsigned char)lx->s[end] & 0xc0) == 0x80
           && end - pos < 4) {
        end++;
    }
    lv_iqlex_shown(lx->s, pos, end, what, sizeof(what));
    return lv_iq_syntax_err(err, lx->s, lx->n, pos,
                            "unexpected symbol found %s", what);
}

/* A name: bare and backticked parts. */
static int lex_name(struct lv_iqlex *lx, struct lv_iqtoken *tok,
                    struct lv_err *err)
{
    struct lv_buf b = LV_BUF_INIT(SIZE_MAX);
    int start = (int)lx->at;
    int ret = -1;

    while (lx->at < lx->n) {
        char c = lx->s[lx->at];

        if (c == '`') {
            size_t close = lx->at + 1;

            while (close < lx->n && lx->s[close] != '`') {
                close++;
            }
            if (close >= lx->n) {
                ret = lv_iq_syntax_err(err, lx->s, lx->n, (int)lx->at,
                                       "unterminated backtick name");
                goto out;
            }
            if (close == lx->at + 1) {
                ret = lv_iq_syntax_err(err, lx->s, lx->n, (int)lx->at,
                                       "empty backtick name");
                goto out;
            }
            lv_buf_add(&b, lx->s + lx->at + 1, close - lx->at - 1);
            lx->at = close + 1;
            tok->quoted = 1;
        } else if (is_name_char((unsigned char)c)) {
            lv_buf_add(&b, &lx->s[lx->at], 1);
            lx->at++;
        } else {
            break;
        }
    }
    tok->t = LV_IQT_IDENT;
    tok->pos = start;
    tok->end = (int)lx->at;
    tok->text = lv_buf_detach(&b, &tok->len);
    ret = 0;
out:
    lv_buf_release(&b);
    return ret;
}

static int lex_string(struct lv_iqlex *lx, struct lv_iqtoken *tok,
                      struct lv_err *err)
{
    struct lv_buf b = LV_BUF_INIT(SIZE_MAX);
    char q = lx->s[lx->at];
    int start = (int)lx->at;
    int ret = -1;

    lx->at++;
    for (;;) {
        char c;

        if (lx->at >= lx->n) {
            ret = lv_iq_syntax_err(err, lx->s, lx->n, start,
                                   "unterminated string");
            goto out;
        }
        c = lx->s[lx->at];
        if (c == q) {
            lx->at++;
            break;
        }
        if (c == '\\' && lx->at + 1 < lx->n) {
            char d = lx->s[lx->at + 1];
            char e;

            switch (d) {
            case '\\': case '\'': case '"':
                e = d;
                break;
            case 'n':
                e = '\n';
                break;
            case 't':
                e = '\t';
                break;
            case 'r':
                e = '\r';
                break;
            default:
                e = 0;
                break;
            }
            if (e) {
                lv_buf_add(&b, &e, 1);
            } else {
                lv_buf_add(&b, lx->s + lx->at, 2);
            }
            lx->at += 2;
            continue;
        }
        lv_buf_add(&b, &c, 1);
        lx->at++;
    }
    tok->t = LV_IQT_STR;
    tok->pos = start;
    tok->end = (int)lx->at;
    tok->text = lv_buf_detach(&b, &tok->len);
    ret = 0;
out:
    lv_buf_release(&b);
    return ret;
}

/* The units of a period literal: what follows the count, the unit kept,
 * and the milliseconds of one. */
struct unit {
    const char *name;
    const char *unit;
};
static const struct unit units[] = {
    { "ms", "ms" }, { "msec", "ms" }, { "msecs", "ms" },
    { "millisecond", "ms" }, { "milliseconds", "ms" },
    { "s", "s" }, { "sec", "s" }, { "secs", "s" }, { "second", "s" },
    { "seconds", "s" },
    { "m", "m" }, { "min", "m" }, { "mins", "m" }, { "minute", "m" },
    { "minutes", "m" },
    { "h", "h" }, { "hr", "h" }, { "hrs", "h" }, { "hour", "h" },
    { "hours", "h" },
    { "d", "d" }, { "day", "d" }, { "days", "d" },
    { "w", "w" }, { "week", "w" }, { "weeks", "w" },
    { "mo", "mo" }, { "mon", "mo" }, { "mons", "mo" }, { "month", "mo" },
    { "months", "mo" },
    { "q", "q" }, { "qtr", "q" }, { "qtrs", "q" }, { "quarter", "q" },
    { "quarters", "q" },
    { "y", "y" }, { "yr", "y" }, { "yrs", "y" }, { "year", "y" },
    { "years", "y" },
};

static int lex_number(struct lv_iqlex *lx, struct lv_iqtoken *tok,
                      struct lv_err *err)
{
    char buf[64];
    size_t start = lx->at;
    size_t digits_end, i;
    int integral = 1;

    while (lx->at < lx->n && is_digit(lx->s[lx->at])) {
        lx->at++;
    }
    if (lx->at + 1 < lx->n && lx->s[lx->at] == '.' &&
        is_digit(lx->s[lx->at + 1])) {
        integral = 0;
        lx->at++;
        while (lx->at < lx->n && is_digit(lx->s[lx->at])) {
            lx->at++;
        }
    }
    if (lx->at < lx->n && (lx->s[lx->at] == 'e' || lx->s[lx->at] == 'E')) {
        size_t k = lx->at + 1;

        if (k < lx->n && (lx->s[k] == '+' || lx->s[k] == '-')) {
            k++;
        }
        if (k < lx->n && is_digit(lx->s[k])) {
            integral = 0;
            lx->at = k;
            while (lx->at < lx->n && is_digit(lx->s[lx->at])) {
                lx->at++;
            }
        }
    }
    digits_end = lx->at;
    if (digits_end - start >= sizeof(buf)) {
        return lv_iq_syntax_err(err, lx->s, lx->n, (int)start,
                                "number too long");
    }
    memcpy(buf, lx->s + start, digits_end - start);
    buf[digits_end - start] = '\0';
    tok->num = strtod(buf, NULL);
    tok->pos = (int)start;
    tok->t = LV_IQT_NUM;
    if (lx->at < lx->n && (is_alpha(lx->s[lx->at]) || lx->s[lx->at] == '_'
                           || lx->s[lx->at] == '@')) {
        size_t ustart = lx->at;
        size_t ulen;

        while (lx->at < lx->n && is_name_char(lx->s[lx->at]) &&
               lx->s[lx->at] != '.') {
            lx->at++;
        }
        ulen = lx->at - ustart;
        for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
            if (strlen(units[i].name) == ulen &&
                memcmp(units[i].name, lx->s + ustart, ulen) == 0) {
                break;
            }
        }
        if (i == sizeof(units) / sizeof(units[0]) || !integral) {
            return lv_iq_syntax_err(err, lx->s, lx->n, (int)start,
                                    "invalid time period '%.*s'",
                                    (int)(lx->at - start), lx->s + start);
        }
        tok->t = LV_IQT_PERIOD;
        memcpy(tok->unit, units[i].unit, strlen(units[i].unit) + 1);
    }
    tok->end = (int)lx->at;
    return 0;
}

static void one(struct lv_iqlex *lx, struct lv_iqtoken *tok,
                enum lv_iqtok t, size_t len)
{
    tok->t = t;
    tok->pos = (int)lx->at;
    lx->at += len;
    tok->end = (int)lx->at;
}

int lv_iqlex_next(struct lv_iqlex *lx, struct lv_iqtoken *tok,
                  struct lv_err *err)
{
    char c, d;

    memset(tok, 0, sizeof(*tok));
    skip_space(lx);
    if (lx->at >= lx->n) {
        tok->t = LV_IQT_EOF;
        tok->pos = tok->end = (int)lx->n;
        return 0;
    }
    c = lx->s[lx->at];
    d = lx->at + 1 < lx->n ? lx->s[lx->at + 1] : '\0';
    if (is_name_start((unsigned char)c) || c == '`') {
        return lex_name(lx, tok, err);
    }
    if (is_digit(c) || (c == '.' && is_digit(d))) {
        return lex_number(lx, tok, err);
    }
    if (c == '"' || c == '\'') {
        return lex_string(lx, tok, err);
    }
    switch (c) {
    case '|': one(lx, tok, LV_IQT_PIPE, 1); return 0;
    case ',': one(lx, tok, LV_IQT_COMMA, 1); return 0;
    case '(': one(lx, tok, LV_IQT_LPAREN, 1); return 0;
    case ')': one(lx, tok, LV_IQT_RPAREN, 1); return 0;
    case '[': one(lx, tok, LV_IQT_LBRACK, 1); return 0;
    case ']': one(lx, tok, LV_IQT_RBRACK, 1); return 0;
    case ':': one(lx, tok, LV_IQT_COLON, 1); return 0;
    case '+': one(lx, tok, LV_IQT_PLUS, 1); return 0;
    case '-': one(lx, tok, LV_IQT_MINUS, 1); return 0;
    case '*': one(lx, tok, LV_IQT_STAR, 1); return 0;
    case '/': one(lx, tok, LV_IQT_SLASH, 1); return 0;
    case '%': one(lx, tok, LV_IQT_PERCENT, 1); return 0;
    case '^': one(lx, tok, LV_IQT_CARET, 1); return 0;
    case '=':
        if (d == '~') {
            one(lx, tok, LV_IQT_MATCH, 2);
        } else {
            one(lx, tok, LV_IQT_EQ, 1);
        }
        return 0;
    case '!':
        if (d == '=') {
            one(lx, tok, LV_IQT_NE, 2);
        } else {
            one(lx, tok, LV_IQT_BANG, 1);
        }
        return 0;
    case '<':
        if (d == '=') {
            one(lx, tok, LV_IQT_LE, 2);
        } else {
            one(lx, tok, LV_IQT_LT, 1);
        }
        return 0;
    case '>':
        if (d == '=') {
            one(lx, tok, LV_IQT_GE, 2);
        } else {
            one(lx, tok, LV_IQT_GT, 1);
        }
        return 0;
    default:
        return bad_char(lx, (int)lx->at, err);
    }
}

int lv_iqlex_regex(struct lv_iqlex *lx, int pos, struct lv_iqtoken *tok,
                   struct lv_err *err)
{
    size_t i = (size_t)pos + 1;

    memset(tok, 0, sizeof(*tok));
    while (i < lx->n && lx->s[i] != '/') {
        if (lx->s[i] == '\\' && i + 1 < lx->n) {
            i++;
        }
        i++;
    }
    if (i >= lx->n) {
        return lv_iq_syntax_err(err, lx->s, lx->n, pos,
                                "unterminated regular expression");
    }
    tok->t = LV_IQT_REGEX;
    tok->pos = pos;
    tok->end = (int)i + 1;
    tok->len = i - (size_t)pos - 1;
    tok->text = lv_xstrndup(lx->s + pos + 1, tok->len);
    lx->at = i + 1;
    return 0;
}
