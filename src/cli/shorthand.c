/*
 * cli/shorthand: a port of awscli/shorthand.py's recursive-descent parser
 * (its four regular expressions run unchanged through PCRE2, whose
 * backtracking agrees with Python's re on them) and of BackCompatVisitor,
 * which types the parsed strings by the model.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "cli/shorthand.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pcre2.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/output.h"
#include "model/model.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"

/* ---- the regular expressions of ShorthandParser ---------------------- */

/* Python's \s in a str pattern also matches \x1c-\x1f. */
#define WS "\\s\\x{1c}-\\x{1f}"
#define START_WORD "\\!\\#-&\\(-\\+\\--\\<\\>-Z\\\\-z\\x{7c}-\\x{ffff}"
#define FIRST_FOLLOW WS "\\!\\#-&\\(-\\+\\--\\\\\\^-\\|~-\\x{ffff}"
#define SECOND_FOLLOW WS "\\!\\#-&\\(-\\+\\--\\<\\>-\\x{ffff}"
#define ESCAPED_COMMA "(\\\\,)"

enum { RX_FIRST, RX_SECOND, RX_SINGLE, RX_DOUBLE, RX__COUNT };

static const char *const rx_src[RX__COUNT] = {
    "(" ESCAPED_COMMA "|[" START_WORD "])(" ESCAPED_COMMA "|["
        FIRST_FOLLOW "])*",
    "(" ESCAPED_COMMA "|[" START_WORD "])(" ESCAPED_COMMA "|["
        SECOND_FOLLOW "])*",
    "'(?:\\\\\\\\|\\\\'|[^'])*'",
    "\"(?:\\\\\\\\|\\\\\"|[^\"])*\"",
};

static const char *const rx_name[RX__COUNT] = {
    "first", "second", "singled quoted", "double quoted",
};

static pcre2_code *rx[RX__COUNT];
static pthread_once_t rx_once = PTHREAD_ONCE_INIT;

static void rx_compile(void)
{
    int i, ec;
    PCRE2_SIZE eo;

    for (i = 0; i < RX__COUNT; i++) {
        rx[i] = pcre2_compile((PCRE2_SPTR)rx_src[i], PCRE2_ZERO_TERMINATED,
                              PCRE2_UTF | PCRE2_UCP | PCRE2_ANCHORED |
                              PCRE2_MATCH_INVALID_UTF, &ec, &eo, NULL);
        if (!rx[i]) {
            LV_BUG("shorthand: regex %d does not compile (%d at %zu)", i, ec,
                   (size_t)eo);
        }
    }
}

/* ---- parser state ---------------------------------------------------- */

struct sp {
    const char *s;
    size_t len;
    size_t i;           /* byte index */
    int depth;
    struct lv_err *err;
};

static size_t cp_count(const char *s, size_t n)
{
    size_t i, c = 0;

    for (i = 0; i < n; i++) {
        c += ((unsigned char)s[i] & 0xc0) != 0x80;
    }
    return c;
}

static size_t cp_len(const char *s, size_t avail)
{
    size_t n = 1;

    while (n < avail && ((unsigned char)s[n] & 0xc0) == 0x80) {
        n++;
    }
    return n;
}

/* ShorthandParseError._error_location: the input, a caret under byte
 * index `at`, newlines respected. */
static void error_location(struct lv_buf *b, const char *s, size_t len,
                           size_t at)
{
    const char *nl_before = NULL, *nl_after;
    size_t consumed = len, spaces, k;

    for (k = 0; k < at; k++) {
        if (s[k] == '\n') {
            nl_before = s + k;
        }
    }
    spaces = nl_before ? cp_count(nl_before + 1, (size_t)(s + at -
                                  nl_before - 1)) : cp_count(s, at);
    nl_after = memchr(s + at, '\n', len - at);
    if (nl_after) {
        consumed = (size_t)(nl_after - s);
    }
    lv_buf_add(b, s, consumed);
    lv_buf_addc(b, '\n');
    for (k = 0; k < spaces; k++) {
        lv_buf_addc(b, ' ');
    }
    lv_buf_addc(b, '^');
    lv_buf_add(b, s + consumed, len - consumed);
}

static void set_err(struct lv_err *err, enum lv_errcode code,
                    struct lv_buf *b)
{
    lv_err_set(err, code, "%s", b->data);
    lv_buf_release(b);
}

/* ShorthandParseSyntaxError: expected `what`, at the current index. */
static void *syntax_error(struct sp *p, const char *what)
{
    struct lv_buf b = LV_BUF_INIT(SIZE_MAX);

    lv_buf_addf(&b, "Expected: '%s', received: '", what);
    if (what[0] == '<') {
        lv_buf_adds(&b, "<none>");      /* _must_consume_regex */
    } else if (p->i >= p->len) {
        lv_buf_adds(&b, "EOF");
    } else {
        lv_buf_add(&b, p->s + p->i, cp_len(p->s + p->i, p->len - p->i));
    }
    lv_buf_adds(&b, "' for input:\n");
    error_location(&b, p->s, p->len, p->i);
    set_err(p->err, LV_E_VALIDATION, &b);
    return NULL;
}

static int at_eof(const struct sp *p)
{
    return p->i >= p->len;
}

static int cur(const struct sp *p)
{
    return at_eof(p) ? -1 : (unsigned char)p->s[p->i];
}

static void skip_ws(struct sp *p)
{
    while (!at_eof(p) && strchr(" \t\n\r\v\f", p->s[p->i]) && p->s[p->i]) {
        p->i++;
    }
}

static int expect(struct sp *p, char c, int ws)
{
    char what[2] = { c, 0 };

    if (ws) {
        skip_ws(p);
    }
    if (at_eof(p) || p->s[p->i] != c) {
        syntax_error(p, what);
        return -1;
    }
    p->i++;
    if (ws) {
        skip_ws(p);
    }
    return 0;
}

/* Length of the anchored match of regex `r` at the index, or -1. */
static long rx_match(const struct sp *p, int r)
{
    pcre2_match_data *md;
    long n = -1;

    pthread_once(&rx_once, rx_compile);
    md = pcre2_match_data_create_from_pattern(rx[r], NULL);
    if (pcre2_match(rx[r], (PCRE2_SPTR)p->s, p->len, p->i, 0, md,
                    NULL) >= 0) {
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        n = (long)(ov[1] - ov[0]);
    }
    pcre2_match_data_free(md);
    return n;
}

/* Python's str.isspace for the code point ending at s[n-1]: returns its
 * byte length, or 0. */
static size_t trailing_space(const char *s, size_t n)
{
    static const char *const uni[] = {
        "\xc2\x85", "\xc2\xa0", "\xe1\x9a\x80", "\xe2\x80\xa8",
        "\xe2\x80\xa9", "\xe2\x80\xaf", "\xe2\x81\x9f", "\xe3\x80\x80",
    };
    unsigned char c;
    size_t i;

    if (n == 0) {
        return 0;
    }
    c = (unsigned char)s[n - 1];
    if (c == ' ' || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f)) {
        return 1;
    }
    for (i = 0; i < sizeof(uni) / sizeof(uni[0]); i++) {
        size_t l = strlen(uni[i]);
        if (n >= l && !memcmp(s + n - l, uni[i], l)) {
            return l;
        }
    }
    if (n >= 3 && (unsigned char)s[n - 3] == 0xe2 &&
        (unsigned char)s[n - 2] == 0x80 && (unsigned char)s[n - 1] >= 0x80 &&
        (unsigned char)s[n - 1] <= 0x8a) {
        return 3;   /* U+2000..U+200A */
    }
    return 0;
}

/* consumed.replace('\\,', ',').rstrip() */
static json_t *unescape_commas(const char *s, size_t n)
{
    struct lv_buf b = LV_BUF_INIT(SIZE_MAX);
    size_t k, t;
    json_t *v;

    for (k = 0; k < n; k++) {
        if (s[k] == '\\' && k + 1 < n && s[k + 1] == ',') {
            lv_buf_addc(&b, ',');
            k++;
        } else {
            lv_buf_addc(&b, s[k]);
        }
    }
    while ((t = trailing_space(b.data, b.len)) > 0) {
        b.len -= t;
        b.data[b.len] = '\0';
    }
    v = json_stringn(b.data, b.len);
    lv_buf_release(&b);
    return v ? v : json_string("");
}

static json_t *value_first(struct sp *p)
{
    long n = rx_match(p, RX_FIRST);
    const char *start = p->s + p->i;

    if (n < 0) {
        return json_string("");
    }
    p->i += (size_t)n;
    return unescape_commas(start, (size_t)n);
}

/* _consume_quoted: strip the quotes, then \q → q and \\ → \. */
static json_t *quoted(struct sp *p, int r, char q)
{
    long n = rx_match(p, r);
    struct lv_buf b = LV_BUF_INIT(SIZE_MAX);
    const char *s = p->s + p->i;
    size_t k;
    char *tmp;
    json_t *v;

    if (n < 0) {
        char what[32];
        snprintf(what, sizeof(what), "<%s>", rx_name[r]);
        return syntax_error(p, what);
    }
    p->i += (size_t)n;
    for (k = 1; k + 1 < (size_t)n; k++) {
        if (s[k] == '\\' && k + 2 < (size_t)n && s[k + 1] == q) {
            lv_buf_addc(&b, q);
            k++;
        } else {
            lv_buf_addc(&b, s[k]);
        }
    }
    tmp = lv_buf_detach(&b, NULL);
    for (k = 0; tmp[k]; k++) {
        if (tmp[k] == '\\' && tmp[k + 1] == '\\') {
            lv_buf_addc(&b, '\\');
            k++;
        } else {
            lv_buf_addc(&b, tmp[k]);
        }
    }
    free(tmp);
    v = json_stringn(b.data, b.len);
    lv_buf_release(&b);
    return v ? v : json_string("");
}

static json_t *first_value(struct sp *p)
{
    if (cur(p) == '\'') {
        return quoted(p, RX_SINGLE, '\'');
    }
    if (cur(p) == '"') {
        return quoted(p, RX_DOUBLE, '"');
    }
    return value_first(p);
}

static json_t *second_value(struct sp *p)
{
    long n;
    const char *start;

    if (cur(p) == '\'' || cur(p) == '"') {
        return first_value(p);
    }
    n = rx_match(p, RX_SECOND);
    if (n < 0) {
        return syntax_error(p, "<second>");
    }
    start = p->s + p->i;
    p->i += (size_t)n;
    return unescape_commas(start, (size_t)n);
}

static json_t *key(struct sp *p)
{
    size_t start = p->i;

    while (!at_eof(p) && p->s[p->i] &&
           strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                  "0123456789-_.#/:", p->s[p->i])) {
        p->i++;
    }
    return json_stringn(p->s + start, p->i - start);
}

static json_t *explicit_values(struct sp *p);

static int enter(struct sp *p)
{
    if (++p->depth > LV_SHORTHAND_MAX_DEPTH) {
        lv_err_set(p->err, LV_E_VALIDATION, "maximum recursion depth "
                   "exceeded (more than %d nested lists or maps)",
                   LV_SHORTHAND_MAX_DEPTH);
        return -1;
    }
    return 0;
}

static json_t *explicit_list(struct sp *p)
{
    json_t *list = NULL;

    if (enter(p) < 0 || expect(p, '[', 1) < 0) {
        return NULL;
    }
    list = json_array();
    while (cur(p) != ']') {
        json_t *v = explicit_values(p);
        if (!v) {
            goto fail;
        }
        json_array_append_new(list, v);
        skip_ws(p);
        if (cur(p) != ']') {
            if (expect(p, ',', 0) < 0) {
                goto fail;
            }
            skip_ws(p);
        }
    }
    if (expect(p, ']', 0) < 0) {
        goto fail;
    }
    p->depth--;
    return list;
fail:
    json_decref(list);
    return NULL;
}

static json_t *hash_literal(struct sp *p)
{
    json_t *obj = NULL;

    if (enter(p) < 0 || expect(p, '{', 1) < 0) {
        return NULL;
    }
    obj = json_object();
    while (cur(p) != '}') {
        json_t *k = key(p), *v;

        if (!k || expect(p, '=', 1) < 0) {
            json_decref(k);
            goto fail;
        }
        v = explicit_values(p);
        if (!v) {
            json_decref(k);
            goto fail;
        }
        skip_ws(p);
        if (cur(p) != '}') {
            if (expect(p, ',', 0) < 0) {
                json_decref(k);
                json_decref(v);
                goto fail;
            }
            skip_ws(p);
        }
        json_object_set_new(obj, json_string_value(k), v);
        json_decref(k);
    }
    if (expect(p, '}', 0) < 0) {
        goto fail;
    }
    p->depth--;
    return obj;
fail:
    json_decref(obj);
    return NULL;
}

static json_t *explicit_values(struct sp *p)
{
    if (cur(p) == '[') {
        return explicit_list(p);
    }
    if (cur(p) == '{') {
        return hash_literal(p);
    }
    return first_value(p);
}

/* foo=bar → "bar"; foo=a,b,c=d → ["a", "b"], backtracking to the comma
 * before the next key. */
static json_t *csv_value(struct sp *p)
{
    json_t *first = first_value(p), *list;

    if (!first) {
        return NULL;
    }
    skip_ws(p);
    if (at_eof(p) || p->s[p->i] != ',') {
        return first;
    }
    if (expect(p, ',', 1) < 0) {
        json_decref(first);
        return NULL;
    }
    list = json_array();
    json_array_append_new(list, first);
    for (;;) {
        json_t *v = second_value(p);

        if (v) {
            skip_ws(p);
            if (at_eof(p)) {
                json_array_append_new(list, v);
                break;
            }
            if (expect(p, ',', 1) == 0) {
                json_array_append_new(list, v);
                continue;
            }
            json_decref(v);
        }
        /* A syntax error: at the end it stands; else back to the comma. */
        if (at_eof(p)) {
            json_decref(list);
            return NULL;
        }
        while (p->s[p->i] != ',') {
            p->i--;
        }
        break;
    }
    if (json_array_size(list) == 1) {
        first = json_incref(json_array_get(list, 0));
        json_decref(list);
        return first;
    }
    return list;
}

static json_t *values(struct sp *p)
{
    if (at_eof(p)) {
        return json_string("");
    }
    if (cur(p) == '[') {
        return explicit_list(p);
    }
    if (cur(p) == '{') {
        return hash_literal(p);
    }
    return csv_value(p);
}

static int keyval(struct sp *p, json_t **k, json_t **v)
{
    *k = key(p);
    if (expect(p, '=', 1) < 0) {
        json_decref(*k);
        return -1;
    }
    *v = values(p);
    if (!*v) {
        json_decref(*k);
        return -1;
    }
    return 0;
}

/* parameter = keyval *("," keyval) */
static json_t *parameter(struct sp *p)
{
    json_t *params = json_object(), *k, *v;
    size_t last;

    if (keyval(p, &k, &v) < 0) {
        goto fail;
    }
    json_object_set_new(params, json_string_value(k), v);
    json_decref(k);
    last = p->i;
    while (p->i < p->len) {
        if (expect(p, ',', 1) < 0 || keyval(p, &k, &v) < 0) {
            goto fail;
        }
        if (json_object_get(params, json_string_value(k))) {
            struct lv_buf b = LV_BUF_INIT(SIZE_MAX);

            lv_buf_addf(&b, "Second instance of key \"%s\" encountered "
                        "for input:\n", json_string_value(k));
            error_location(&b, p->s, p->len, last + 1);
            lv_buf_adds(&b, "\nThis is often because there is a preceding "
                        "\",\" instead of a space.");
            set_err(p->err, LV_E_VALIDATION, &b);
            json_decref(k);
            json_decref(v);
            goto fail;
        }
        json_object_set_new(params, json_string_value(k), v);
        json_decref(k);
        last = p->i;
    }
    return params;
fail:
    json_decref(params);
    return NULL;
}

static json_t *parse_text(const char *s, struct lv_err *err)
{
    struct sp p = { s, strlen(s), 0, 0, err };

    return parameter(&p);
}

/* ---- BackCompatVisitor ----------------------------------------------- */

static int type_error(struct lv_err *err, const char *fmt, const json_t *v)
{
    return lv_err_set(err, LV_E_SERIALIZATION, fmt,
                      json_is_array(v) ? "list" : "dict");
}

static int value_error(struct lv_err *err, const char *what, const json_t *v)
{
    struct lv_buf b = LV_BUF_INIT(SIZE_MAX);

    lv_buf_adds(&b, what);
    lv_output_py_str(&b, v, 1);
    set_err(err, LV_E_SERIALIZATION, &b);
    return -1;
}

/* Python's int(str): whitespace, a sign, digits with single underscores. */
static int py_int(const char *s, long long *out)
{
    const char *p = s, *end = s + strlen(s);
    char digits[32];
    size_t nd = 0;
    int prev_us = 1;

    while (*p == ' ' || (*p >= '\t' && *p <= '\r')) {
        p++;
    }
    while (end > p && (end[-1] == ' ' || (end[-1] >= '\t' &&
                                          end[-1] <= '\r'))) {
        end--;
    }
    if (p < end && (*p == '+' || *p == '-')) {
        digits[nd++] = *p++;
    }
    if (p == end) {
        return -1;
    }
    for (; p < end; p++) {
        if (*p >= '0' && *p <= '9' && nd < sizeof(digits) - 1) {
            digits[nd++] = *p;
            prev_us = 0;
        } else if (*p == '_' && !prev_us) {
            prev_us = 1;
        } else {
            return -1;
        }
    }
    if (prev_us) {
        return -1;
    }
    digits[nd] = '\0';
    errno = 0;
    *out = strtoll(digits, NULL, 10);
    return errno ? -1 : 0;
}

/* Python's float(str), decimal forms (and inf/nan, which JSON lacks). */
static int py_float(const char *s, double *out)
{
    char *end;
    const char *p = s;
    double d;

    while (*p == ' ' || (*p >= '\t' && *p <= '\r')) {
        p++;
    }
    if (strpbrk(p, "xXpP_") || !*p) {
        return -1;
    }
    d = strtod(p, &end);
    while (*end == ' ' || (*end >= '\t' && *end <= '\r')) {
        end++;
    }
    if (*end || end == p || !isfinite(d)) {
        return -1;
    }
    *out = d;
    return 0;
}

/* _visit_scalar: the replacement for `v`, or NULL to keep it. */
static int visit_scalar(const struct lv_shape *sh, const json_t *v,
                        json_t **repl, struct lv_err *err)
{
    *repl = NULL;
    if (!v || json_is_null(v)) {
        return 0;
    }
    if (sh->type == LV_T_INTEGER || sh->type == LV_T_LONG) {
        long long n;

        if (!json_is_string(v)) {
            return type_error(err, "int() argument must be a string, a "
                              "bytes-like object or a real number, not "
                              "'%s'", v);
        }
        if (py_int(json_string_value(v), &n) < 0) {
            return value_error(err, "invalid literal for int() with base "
                               "10: ", v);
        }
        *repl = json_integer(n);
    } else if (sh->type == LV_T_DOUBLE) {
        double d;

        if (!json_is_string(v)) {
            return type_error(err, "float() argument must be a string or a "
                              "real number, not '%s'", v);
        }
        if (py_float(json_string_value(v), &d) < 0) {
            return value_error(err, "could not convert string to float: ",
                               v);
        }
        *repl = json_real(d);
    } else if (sh->type == LV_T_BOOLEAN) {
        if (!json_is_string(v)) {
            return type_error(err, "'%s' object has no attribute 'lower'", v);
        }
        if (!strcasecmp(json_string_value(v), "true")) {
            *repl = json_true();
        } else if (!strcasecmp(json_string_value(v), "false")) {
            *repl = json_false();
        }
    }
    return 0;
}

/* Visits `v` (borrowed from its parent) as shape `shape`; *repl is set
 * when the parent must hold a new value instead. */
static int visit(const struct lv_service *svc, int shape, json_t *v,
                 json_t **repl, int depth, struct lv_err *err)
{
    const struct lv_shape *sh;
    size_t i;

    *repl = NULL;
    if (shape < 0 || shape >= svc->n_shapes) {
        return 0;
    }
    if (depth > 2 * LV_SHORTHAND_MAX_DEPTH) {
        return 0;       /* recursive shapes: the value is exhausted */
    }
    sh = &svc->shapes[shape];
    switch (sh->type) {
    case LV_T_STRUCT:
        if (!v || !json_is_object(v)) {
            return 0;
        }
        for (i = 0; i < (size_t)sh->n_members; i++) {
            const struct lv_member *m = &sh->members[i];
            json_t *r = NULL;

            if (visit(svc, m->shape, json_object_get(v, m->name), &r,
                      depth + 1, err) < 0) {
                return -1;
            }
            if (r) {
                json_object_set_new(v, m->name, r);
            }
        }
        return 0;
    case LV_T_LIST:
        if (!v) {
            return 0;
        }
        if (!json_is_array(v)) {
            if (!json_is_null(v)) {
                *repl = json_array();
                json_array_append(*repl, v);
            }
            return 0;
        }
        for (i = 0; i < json_array_size(v); i++) {
            json_t *r = NULL;

            if (visit(svc, sh->member, json_array_get(v, i), &r, depth + 1,
                      err) < 0) {
                return -1;
            }
            if (r) {
                json_array_set_new(v, i, r);
            }
        }
        return 0;
    case LV_T_MAP: {
        const char *k;
        json_t *x;

        if (!v || !json_is_object(v)) {
            return 0;
        }
        json_object_foreach(v, k, x) {
            json_t *r = NULL;

            if (visit(svc, sh->value, x, &r, depth + 1, err) < 0) {
                return -1;
            }
            if (r) {
                json_object_set_new(v, k, r);
            }
        }
        return 0;
    }
    default:
        return visit_scalar(sh, v, repl, err);
    }
}

static json_t *finish(const struct lv_service *svc, int shape, json_t *v,
                      struct lv_err *err)
{
    json_t *r = NULL;

    if (!v) {
        return NULL;
    }
    if (visit(svc, shape, v, &r, 0, err) < 0) {
        json_decref(v);
        return NULL;
    }
    if (r) {
        json_decref(v);
        v = r;
    }
    return v;
}

/* ---- entry points ---------------------------------------------------- */

int lv_shorthand_is_json(const char *s)
{
    size_t n = strlen(s), k = 0;

    while (k < n) {
        unsigned char c = (unsigned char)s[k];
        size_t l = cp_len(s + k, n - k);

        if (trailing_space(s, k + l) == l) {
            k += l;
            continue;
        }
        return c == '{' || c == '[';
    }
    return 0;
}

int lv_shorthand_supported(const struct lv_service *svc, int shape)
{
    const struct lv_shape *sh;

    if (shape < 0 || shape >= svc->n_shapes) {
        return 0;
    }
    sh = &svc->shapes[shape];
    if (sh->type == LV_T_STRUCT || sh->type == LV_T_MAP) {
        return 1;
    }
    if (sh->type == LV_T_LIST && sh->member >= 0) {
        enum lv_shape_type t = svc->shapes[sh->member].type;
        return t == LV_T_STRUCT || t == LV_T_LIST || t == LV_T_MAP;
    }
    return 0;
}

json_t *lv_shorthand_parse(const struct lv_service *svc, int shape,
                           const char *s, struct lv_err *err)
{
    const struct lv_shape *sh = &svc->shapes[shape];

    if (sh->type == LV_T_LIST) {
        return lv_shorthand_parse_list(svc, shape, &s, 1, err);
    }
    /* ParamShorthandParser._handle_special_cases: a structure whose one
     * member is the string Value takes a bare value. */
    if (sh->type == LV_T_STRUCT && sh->n_members == 1 &&
        !strcmp(sh->members[0].name, "Value") &&
        svc->shapes[sh->members[0].shape].type == LV_T_STRING &&
        !strchr(s, '=')) {
        json_t *o = json_object();
        json_object_set_new(o, "Value", json_string(s));
        return o;
    }
    return finish(svc, shape, parse_text(s, err), err);
}

json_t *lv_shorthand_parse_list(const struct lv_service *svc, int shape,
                                const char *const *words, size_t n,
                                struct lv_err *err)
{
    json_t *list = json_array();
    size_t i;

    for (i = 0; i < n; i++) {
        json_t *v = parse_text(words[i], err);
        if (!v) {
            json_decref(list);
            return NULL;
        }
        json_array_append_new(list, v);
    }
    return finish(svc, shape, list, err);
}
