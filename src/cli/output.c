/*
 * cli/output: json, text and table output as awscli/formatter.py,
 * awscli/text.py and awscli/table.py produce them (AWS CLI 2.9), with
 * Python's str()/repr()/json.dumps rules for the values inside.
 */
#include "cli/output.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/mem.h"

/* ---- Python value printing ------------------------------------------- */

void lv_output_py_float(double d, char *buf, size_t n)
{
    char tmp[40], digits[24];
    int prec, exp10 = 0, decpt, nd = 0, i;
    const char *p;
    size_t k = 0;

    if (isnan(d)) {
        snprintf(buf, n, "nan");
        return;
    }
    if (isinf(d)) {
        snprintf(buf, n, "%sinf", d < 0 ? "-" : "");
        return;
    }
    /* The shortest %e form that reads back as d: repr's digits. */
    for (prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, d);
        if (strtod(tmp, NULL) == d) {
            break;
        }
    }
    p = tmp;
    if (*p == '-') {
        p++;
    }
    for (; *p && *p != 'e'; p++) {
        if (*p >= '0' && *p <= '9') {
            digits[nd++] = *p;
        }
    }
    if (*p == 'e') {
        exp10 = (int)strtol(p + 1, NULL, 10);
    }
    while (nd > 1 && digits[nd - 1] == '0') {
        nd--;
    }
    digits[nd] = '\0';
    decpt = exp10 + 1;
    if (signbit(d) && k + 1 < n) {
        buf[k++] = '-';
    }
    buf[k] = '\0';
    if (decpt > -4 && decpt <= 16) {
        struct lv_buf b = LV_BUF_INIT(SIZE_MAX);

        if (decpt <= 0) {
            lv_buf_adds(&b, "0.");
            for (i = 0; i < -decpt; i++) {
                lv_buf_addc(&b, '0');
            }
            lv_buf_adds(&b, digits);
        } else if (decpt >= nd) {
            lv_buf_adds(&b, digits);
            for (i = nd; i < decpt; i++) {
                lv_buf_addc(&b, '0');
            }
            lv_buf_adds(&b, ".0");
        } else {
            lv_buf_add(&b, digits, (size_t)decpt);
            lv_buf_addc(&b, '.');
            lv_buf_adds(&b, digits + decpt);
        }
        snprintf(buf + k, n - k, "%s", b.data);
        lv_buf_release(&b);
        return;
    }
    snprintf(buf + k, n - k, "%c%s%s%se%c%02d", digits[0], nd > 1 ? "." : "",
             digits + 1, "", exp10 < 0 ? '-' : '+', abs(exp10));
}

static int py_json_str(struct lv_buf *b, const char *s, size_t len,
                       int ensure_ascii)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    int r = lv_buf_addc(b, '"');

    while (i < len && r == 0) {
        unsigned c = u[i];

        switch (c) {
        case '"': r = lv_buf_adds(b, "\\\""); i++; continue;
        case '\\': r = lv_buf_adds(b, "\\\\"); i++; continue;
        case '\n': r = lv_buf_adds(b, "\\n"); i++; continue;
        case '\r': r = lv_buf_adds(b, "\\r"); i++; continue;
        case '\t': r = lv_buf_adds(b, "\\t"); i++; continue;
        case '\b': r = lv_buf_adds(b, "\\b"); i++; continue;
        case '\f': r = lv_buf_adds(b, "\\f"); i++; continue;
        default: break;
        }
        if (c < 0x20 || (ensure_ascii && c == 0x7f)) {
            r = lv_buf_addf(b, "\\u%04x", c);
            i++;
        } else if (c < 0x80 || !ensure_ascii) {
            r = lv_buf_addc(b, (char)c);
            i++;
        } else {
            uint32_t v;
            size_t need = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : 1, j;

            v = c & (0x3f >> need);
            for (j = 1; j <= need && i + j < len; j++) {
                v = (v << 6) | (u[i + j] & 0x3f);
            }
            i += need + 1;
            if (v >= 0x10000) {
                v -= 0x10000;
                r = lv_buf_addf(b, "\\u%04x\\u%04x", 0xd800 + (v >> 10),
                                0xdc00 + (v & 0x3ff));
            } else {
                r = lv_buf_addf(b, "\\u%04x", v);
            }
        }
    }
    return r ? r : lv_buf_addc(b, '"');
}

static int indent_to(struct lv_buf *b, int indent, int level)
{
    int i, r = lv_buf_addc(b, '\n');

    for (i = 0; i < indent * level && r == 0; i++) {
        r = lv_buf_addc(b, ' ');
    }
    return r;
}

static int py_json(struct lv_buf *b, const json_t *v, int indent, int level,
                   int ascii)
{
    char num[48];
    size_t i;
    int r = 0;

    if (!v || json_is_null(v)) {
        return lv_buf_adds(b, "null");
    }
    switch (json_typeof(v)) {
    case JSON_TRUE:
        return lv_buf_adds(b, "true");
    case JSON_FALSE:
        return lv_buf_adds(b, "false");
    case JSON_INTEGER:
        return lv_buf_addf(b, "%lld", (long long)json_integer_value(v));
    case JSON_REAL:
        lv_output_py_float(json_real_value(v), num, sizeof(num));
        return lv_buf_adds(b, num);
    case JSON_STRING:
        return py_json_str(b, json_string_value(v), json_string_length(v),
                           ascii);
    case JSON_ARRAY:
        if (json_array_size(v) == 0) {
            return lv_buf_adds(b, "[]");
        }
        r = lv_buf_addc(b, '[');
        for (i = 0; i < json_array_size(v) && r == 0; i++) {
            if (i) {
                r = lv_buf_addc(b, ',');
            }
            if (indent >= 0 && r == 0) {
                r = indent_to(b, indent, level + 1);
            }
            if (r == 0) {
                r = py_json(b, json_array_get(v, i), indent, level + 1,
                            ascii);
            }
        }
        if (indent >= 0 && r == 0) {
            r = indent_to(b, indent, level);
        }
        return r ? r : lv_buf_addc(b, ']');
    default: {
        const char *k;
        json_t *x;
        int first = 1;

        if (json_object_size(v) == 0) {
            return lv_buf_adds(b, "{}");
        }
        r = lv_buf_addc(b, '{');
        json_object_foreach((json_t *)v, k, x) {
            if (!first && r == 0) {
                r = lv_buf_addc(b, ',');
            }
            first = 0;
            if (indent >= 0 && r == 0) {
                r = indent_to(b, indent, level + 1);
            }
            if (r == 0) {
                r = py_json_str(b, k, strlen(k), ascii);
            }
            if (r == 0) {
                r = lv_buf_adds(b, indent >= 0 ? ": " : ":");
            }
            if (r == 0) {
                r = py_json(b, x, indent, level + 1, ascii);
            }
            if (r) {
                break;
            }
        }
        if (indent >= 0 && r == 0) {
            r = indent_to(b, indent, level);
        }
        return r ? r : lv_buf_addc(b, '}');
    }
    }
}

int lv_output_py_json(struct lv_buf *b, const json_t *v, int indent,
                      int ensure_ascii)
{
    return py_json(b, v, indent, 0, ensure_ascii);
}

/* repr(str): single quotes unless the text holds ' and no ". */
static int py_repr_str(struct lv_buf *b, const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    char q = memchr(s, '\'', len) && !memchr(s, '"', len) ? '"' : '\'';
    size_t i;
    int r = lv_buf_addc(b, q);

    for (i = 0; i < len && r == 0; i++) {
        unsigned c = u[i];

        if (c == '\\' || c == (unsigned char)q) {
            r = lv_buf_addc(b, '\\');
            if (r == 0) {
                r = lv_buf_addc(b, (char)c);
            }
        } else if (c == '\n') {
            r = lv_buf_adds(b, "\\n");
        } else if (c == '\r') {
            r = lv_buf_adds(b, "\\r");
        } else if (c == '\t') {
            r = lv_buf_adds(b, "\\t");
        } else if (c < 0x20 || c == 0x7f) {
            r = lv_buf_addf(b, "\\x%02x", c);
        } else if (c == 0xc2 && i + 1 < len && u[i + 1] <= 0xa0) {
            /* U+0080..U+00A0 are not printable: \x80 … \xa0. */
            r = lv_buf_addf(b, "\\x%02x", u[i + 1]);
            i++;
        } else {
            r = lv_buf_addc(b, (char)c);
        }
    }
    return r ? r : lv_buf_addc(b, q);
}

int lv_output_py_str(struct lv_buf *b, const json_t *v, int repr)
{
    char num[48];
    size_t i;
    int r = 0;

    if (!v || json_is_null(v)) {
        return lv_buf_adds(b, "None");
    }
    switch (json_typeof(v)) {
    case JSON_TRUE:
        return lv_buf_adds(b, "True");
    case JSON_FALSE:
        return lv_buf_adds(b, "False");
    case JSON_INTEGER:
        return lv_buf_addf(b, "%lld", (long long)json_integer_value(v));
    case JSON_REAL:
        lv_output_py_float(json_real_value(v), num, sizeof(num));
        return lv_buf_adds(b, num);
    case JSON_STRING:
        if (!repr) {
            return lv_buf_add(b, json_string_value(v), json_string_length(v));
        }
        return py_repr_str(b, json_string_value(v), json_string_length(v));
    case JSON_ARRAY:
        r = lv_buf_addc(b, '[');
        for (i = 0; i < json_array_size(v) && r == 0; i++) {
            if (i) {
                r = lv_buf_adds(b, ", ");
            }
            if (r == 0) {
                r = lv_output_py_str(b, json_array_get(v, i), 1);
            }
        }
        return r ? r : lv_buf_addc(b, ']');
    default: {
        const char *k;
        json_t *x;
        int first = 1;

        r = lv_buf_addc(b, '{');
        json_object_foreach((json_t *)v, k, x) {
            if (!first && r == 0) {
                r = lv_buf_adds(b, ", ");
            }
            first = 0;
            if (r == 0) {
                r = py_repr_str(b, k, strlen(k));
            }
            if (r == 0) {
                r = lv_buf_adds(b, ": ");
            }
            if (r == 0) {
                r = lv_output_py_str(b, x, 1);
            }
            if (r) {
                break;
            }
        }
        return r ? r : lv_buf_addc(b, '}');
    }
    }
}

static int is_scalar(const json_t *v)
{
    return !v || !(json_is_object(v) || json_is_array(v));
}

static int key_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The keys of `o` (borrowed), sorted; scalar = 1 / 0 / -1 (any). */
static const char **sorted_keys(const json_t *o, int scalar, size_t *n)
{
    const char **keys = lv_xcalloc(json_object_size(o) + 1, sizeof(*keys));
    const char *k;
    json_t *v;

    *n = 0;
    json_object_foreach((json_t *)o, k, v) {
        if (scalar < 0 || is_scalar(v) == scalar) {
            keys[(*n)++] = k;
        }
    }
    qsort(keys, *n, sizeof(*keys), key_cmp);
    return keys;
}

/* Adds `k` to the sorted set `set` (n entries) unless present. */
static void set_add(const char ***set, size_t *n, size_t *cap, const char *k)
{
    size_t i;

    for (i = 0; i < *n; i++) {
        if (!strcmp((*set)[i], k)) {
            return;
        }
    }
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 8;
        *set = lv_xrealloc(*set, *cap * sizeof(**set));
    }
    (*set)[(*n)++] = k;
}

/* ---- text (awscli/text.py) ------------------------------------------- */

static int text_item(struct lv_buf *b, const json_t *v, const char *ident,
                     const char **scalar_keys, size_t nsk);

static void add_upper(struct lv_buf *b, const char *s)
{
    for (; *s; s++) {
        lv_buf_addc(b, (char)(*s >= 'a' && *s <= 'z' ? *s - 32 : *s));
    }
}

static int text_scalar_list(struct lv_buf *b, const json_t *const *el,
                            size_t n, const char *ident)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (ident) {
            add_upper(b, ident);
            lv_buf_addc(b, '\t');
            lv_output_py_str(b, el[i], 0);
            lv_buf_addc(b, '\n');
        } else {
            if (i) {
                lv_buf_addc(b, '\t');
            }
            lv_output_py_str(b, el[i], 0);
        }
    }
    if (!ident) {
        lv_buf_addc(b, '\n');
    }
    return 0;
}

static int text_list(struct lv_buf *b, const json_t *v, const char *ident)
{
    size_t n = json_array_size(v), i, nk = 0, cap = 0, ns = 0;
    int any_dict = 0, any_list = 0, r = 0;
    const json_t **sc;
    const char **keys = NULL;

    if (n == 0) {
        return 0;
    }
    for (i = 0; i < n; i++) {
        any_dict |= json_is_object(json_array_get(v, i));
        any_list |= json_is_array(json_array_get(v, i));
    }
    if (any_dict) {
        for (i = 0; i < n; i++) {
            const json_t *el = json_array_get(v, i);
            const char *k;
            json_t *x;

            if (!json_is_object(el)) {
                continue;
            }
            json_object_foreach((json_t *)el, k, x) {
                if (is_scalar(x)) {
                    set_add(&keys, &nk, &cap, k);
                }
            }
        }
        if (nk) {
            qsort(keys, nk, sizeof(*keys), key_cmp);
        }
        for (i = 0; i < n && r == 0; i++) {
            r = text_item(b, json_array_get(v, i), ident,
                          keys ? keys : (const char **)&keys, nk);
        }
        free(keys);
        return r;
    }
    sc = lv_xcalloc(n, sizeof(*sc));
    for (i = 0; i < n; i++) {
        if (is_scalar(json_array_get(v, i))) {
            sc[ns++] = json_array_get(v, i);
        }
    }
    if (!any_list) {
        text_scalar_list(b, sc, ns, ident);
    } else {
        if (ns) {
            text_scalar_list(b, sc, ns, ident);
        }
        for (i = 0; i < n && r == 0; i++) {
            if (!is_scalar(json_array_get(v, i))) {
                r = text_item(b, json_array_get(v, i), ident, NULL, 0);
            }
        }
    }
    free(sc);
    return r;
}

/* scalar_keys == NULL: Python's scalar_keys=None. */
static int text_dict(struct lv_buf *b, const json_t *v, const char *ident,
                     const char **scalar_keys, size_t nsk)
{
    const char **rest = NULL;
    size_t nrest = 0, i, nsc = 0;
    struct lv_buf row = LV_BUF_INIT(SIZE_MAX);
    int r = 0;

    if (!scalar_keys) {
        const char **all = sorted_keys(v, -1, &nrest);

        rest = lv_xcalloc(nrest + 1, sizeof(*rest));
        for (i = 0; i < nrest; i++) {
            json_t *x = json_object_get(v, all[i]);
            if (is_scalar(x)) {
                lv_buf_adds(&row, nsc++ ? "\t" : "");
                lv_output_py_str(&row, x, 0);
            }
        }
        {
            size_t k = 0;
            for (i = 0; i < nrest; i++) {
                if (!is_scalar(json_object_get(v, all[i]))) {
                    rest[k++] = all[i];
                }
            }
            nrest = k;
        }
        free(all);
    } else {
        const char **all;
        size_t na;

        for (i = 0; i < nsk; i++) {
            json_t *x = json_object_get(v, scalar_keys[i]);
            lv_buf_adds(&row, nsc++ ? "\t" : "");
            if (x) {
                lv_output_py_str(&row, x, 0);
            }
        }
        all = sorted_keys(v, -1, &na);
        rest = lv_xcalloc(na + 1, sizeof(*rest));
        for (i = 0; i < na; i++) {
            if (!bsearch(&all[i], scalar_keys, nsk, sizeof(*scalar_keys),
                         key_cmp)) {
                rest[nrest++] = all[i];
            }
        }
        free(all);
    }
    if (nsc) {
        if (ident) {
            add_upper(b, ident);
            lv_buf_addc(b, '\t');
        }
        lv_buf_add(b, row.data, row.len);
        lv_buf_addc(b, '\n');
    }
    for (i = 0; i < nrest && r == 0; i++) {
        r = text_item(b, json_object_get(v, rest[i]), rest[i], NULL, 0);
    }
    lv_buf_release(&row);
    free(rest);
    return r;
}

static int text_item(struct lv_buf *b, const json_t *v, const char *ident,
                     const char **scalar_keys, size_t nsk)
{
    if (v && json_is_object(v)) {
        return text_dict(b, v, ident, scalar_keys, nsk);
    }
    if (v && json_is_array(v)) {
        return text_list(b, v, ident);
    }
    lv_output_py_str(b, v, 0);
    return lv_buf_addc(b, '\n');
}

/* ---- table (awscli/table.py) ----------------------------------------- */

/* Code points whose unicodedata.east_asian_width is W, F or A (Unicode
 * 14.0, Python 3.11's table): get_text_length counts them 2 columns.
 * Generated by tests/unit/gen_cli_expectations.py --eaw. */
static const uint32_t wide[][2] = {
    { 0xa1, 0xa1 }, { 0xa4, 0xa4 }, { 0xa7, 0xa8 }, { 0xaa, 0xaa },
    { 0xad, 0xae }, { 0xb0, 0xb4 }, { 0xb6, 0xba }, { 0xbc, 0xbf },
    { 0xc6, 0xc6 }, { 0xd0, 0xd0 }, { 0xd7, 0xd8 }, { 0xde, 0xe1 },
    { 0xe6, 0xe6 }, { 0xe8, 0xea }, { 0xec, 0xed }, { 0xf0, 0xf0 },
    { 0xf2, 0xf3 }, { 0xf7, 0xfa }, { 0xfc, 0xfc }, { 0xfe, 0xfe },
    { 0x101, 0x101 }, { 0x111, 0x111 }, { 0x113, 0x113 }, { 0x11b, 0x11b },
    { 0x126, 0x127 }, { 0x12b, 0x12b }, { 0x131, 0x133 }, { 0x138, 0x138 },
    { 0x13f, 0x142 }, { 0x144, 0x144 }, { 0x148, 0x14b }, { 0x14d, 0x14d },
    { 0x152, 0x153 }, { 0x166, 0x167 }, { 0x16b, 0x16b }, { 0x1ce, 0x1ce },
    { 0x1d0, 0x1d0 }, { 0x1d2, 0x1d2 }, { 0x1d4, 0x1d4 }, { 0x1d6, 0x1d6 },
    { 0x1d8, 0x1d8 }, { 0x1da, 0x1da }, { 0x1dc, 0x1dc }, { 0x251, 0x251 },
    { 0x261, 0x261 }, { 0x2c4, 0x2c4 }, { 0x2c7, 0x2c7 }, { 0x2c9, 0x2cb },
    { 0x2cd, 0x2cd }, { 0x2d0, 0x2d0 }, { 0x2d8, 0x2db }, { 0x2dd, 0x2dd },
    { 0x2df, 0x2df }, { 0x300, 0x36f }, { 0x378, 0x379 }, { 0x380, 0x383 },
    { 0x38b, 0x38b }, { 0x38d, 0x38d }, { 0x391, 0x3a9 }, { 0x3b1, 0x3c1 },
    { 0x3c3, 0x3c9 }, { 0x401, 0x401 }, { 0x410, 0x44f }, { 0x451, 0x451 },
    { 0x530, 0x530 }, { 0x557, 0x558 }, { 0x58b, 0x58c }, { 0x590, 0x590 },
    { 0x5c8, 0x5cf }, { 0x5eb, 0x5ee }, { 0x5f5, 0x5ff }, { 0x70e, 0x70e },
    { 0x74b, 0x74c }, { 0x7b2, 0x7bf }, { 0x7fb, 0x7fc }, { 0x82e, 0x82f },
    { 0x83f, 0x83f }, { 0x85c, 0x85d }, { 0x85f, 0x85f }, { 0x86b, 0x86f },
    { 0x88f, 0x88f }, { 0x892, 0x897 }, { 0x984, 0x984 }, { 0x98d, 0x98e },
    { 0x991, 0x992 }, { 0x9a9, 0x9a9 }, { 0x9b1, 0x9b1 }, { 0x9b3, 0x9b5 },
    { 0x9ba, 0x9bb }, { 0x9c5, 0x9c6 }, { 0x9c9, 0x9ca }, { 0x9cf, 0x9d6 },
    { 0x9d8, 0x9db }, { 0x9de, 0x9de }, { 0x9e4, 0x9e5 }, { 0x9ff, 0xa00 },
    { 0xa04, 0xa04 }, { 0xa0b, 0xa0e }, { 0xa11, 0xa12 }, { 0xa29, 0xa29 },
    { 0xa31, 0xa31 }, { 0xa34, 0xa34 }, { 0xa37, 0xa37 }, { 0xa3a, 0xa3b },
    { 0xa3d, 0xa3d }, { 0xa43, 0xa46 }, { 0xa49, 0xa4a }, { 0xa4e, 0xa50 },
    { 0xa52, 0xa58 }, { 0xa5d, 0xa5d }, { 0xa5f, 0xa65 }, { 0xa77, 0xa80 },
    { 0xa84, 0xa84 }, { 0xa8e, 0xa8e }, { 0xa92, 0xa92 }, { 0xaa9, 0xaa9 },
    { 0xab1, 0xab1 }, { 0xab4, 0xab4 }, { 0xaba, 0xabb }, { 0xac6, 0xac6 },
    { 0xaca, 0xaca }, { 0xace, 0xacf }, { 0xad1, 0xadf }, { 0xae4, 0xae5 },
    { 0xaf2, 0xaf8 }, { 0xb00, 0xb00 }, { 0xb04, 0xb04 }, { 0xb0d, 0xb0e },
    { 0xb11, 0xb12 }, { 0xb29, 0xb29 }, { 0xb31, 0xb31 }, { 0xb34, 0xb34 },
    { 0xb3a, 0xb3b }, { 0xb45, 0xb46 }, { 0xb49, 0xb4a }, { 0xb4e, 0xb54 },
    { 0xb58, 0xb5b }, { 0xb5e, 0xb5e }, { 0xb64, 0xb65 }, { 0xb78, 0xb81 },
    { 0xb84, 0xb84 }, { 0xb8b, 0xb8d }, { 0xb91, 0xb91 }, { 0xb96, 0xb98 },
    { 0xb9b, 0xb9b }, { 0xb9d, 0xb9d }, { 0xba0, 0xba2 }, { 0xba5, 0xba7 },
    { 0xbab, 0xbad }, { 0xbba, 0xbbd }, { 0xbc3, 0xbc5 }, { 0xbc9, 0xbc9 },
    { 0xbce, 0xbcf }, { 0xbd1, 0xbd6 }, { 0xbd8, 0xbe5 }, { 0xbfb, 0xbff },
    { 0xc0d, 0xc0d }, { 0xc11, 0xc11 }, { 0xc29, 0xc29 }, { 0xc3a, 0xc3b },
    { 0xc45, 0xc45 }, { 0xc49, 0xc49 }, { 0xc4e, 0xc54 }, { 0xc57, 0xc57 },
    { 0xc5b, 0xc5c }, { 0xc5e, 0xc5f }, { 0xc64, 0xc65 }, { 0xc70, 0xc76 },
    { 0xc8d, 0xc8d }, { 0xc91, 0xc91 }, { 0xca9, 0xca9 }, { 0xcb4, 0xcb4 },
    { 0xcba, 0xcbb }, { 0xcc5, 0xcc5 }, { 0xcc9, 0xcc9 }, { 0xcce, 0xcd4 },
    { 0xcd7, 0xcdc }, { 0xcdf, 0xcdf }, { 0xce4, 0xce5 }, { 0xcf0, 0xcf0 },
    { 0xcf3, 0xcff }, { 0xd0d, 0xd0d }, { 0xd11, 0xd11 }, { 0xd45, 0xd45 },
    { 0xd49, 0xd49 }, { 0xd50, 0xd53 }, { 0xd64, 0xd65 }, { 0xd80, 0xd80 },
    { 0xd84, 0xd84 }, { 0xd97, 0xd99 }, { 0xdb2, 0xdb2 }, { 0xdbc, 0xdbc },
    { 0xdbe, 0xdbf }, { 0xdc7, 0xdc9 }, { 0xdcb, 0xdce }, { 0xdd5, 0xdd5 },
    { 0xdd7, 0xdd7 }, { 0xde0, 0xde5 }, { 0xdf0, 0xdf1 }, { 0xdf5, 0xe00 },
    { 0xe3b, 0xe3e }, { 0xe5c, 0xe80 }, { 0xe83, 0xe83 }, { 0xe85, 0xe85 },
    { 0xe8b, 0xe8b }, { 0xea4, 0xea4 }, { 0xea6, 0xea6 }, { 0xebe, 0xebf },
    { 0xec5, 0xec5 }, { 0xec7, 0xec7 }, { 0xece, 0xecf }, { 0xeda, 0xedb },
    { 0xee0, 0xeff }, { 0xf48, 0xf48 }, { 0xf6d, 0xf70 }, { 0xf98, 0xf98 },
    { 0xfbd, 0xfbd }, { 0xfcd, 0xfcd }, { 0xfdb, 0xfff }, { 0x10c6, 0x10c6 },
    { 0x10c8, 0x10cc }, { 0x10ce, 0x10cf }, { 0x1100, 0x115f },
    { 0x1249, 0x1249 }, { 0x124e, 0x124f }, { 0x1257, 0x1257 },
    { 0x1259, 0x1259 }, { 0x125e, 0x125f }, { 0x1289, 0x1289 },
    { 0x128e, 0x128f }, { 0x12b1, 0x12b1 }, { 0x12b6, 0x12b7 },
    { 0x12bf, 0x12bf }, { 0x12c1, 0x12c1 }, { 0x12c6, 0x12c7 },
    { 0x12d7, 0x12d7 }, { 0x1311, 0x1311 }, { 0x1316, 0x1317 },
    { 0x135b, 0x135c }, { 0x137d, 0x137f }, { 0x139a, 0x139f },
    { 0x13f6, 0x13f7 }, { 0x13fe, 0x13ff }, { 0x169d, 0x169f },
    { 0x16f9, 0x16ff }, { 0x1716, 0x171e }, { 0x1737, 0x173f },
    { 0x1754, 0x175f }, { 0x176d, 0x176d }, { 0x1771, 0x1771 },
    { 0x1774, 0x177f }, { 0x17de, 0x17df }, { 0x17ea, 0x17ef },
    { 0x17fa, 0x17ff }, { 0x181a, 0x181f }, { 0x1879, 0x187f },
    { 0x18ab, 0x18af }, { 0x18f6, 0x18ff }, { 0x191f, 0x191f },
    { 0x192c, 0x192f }, { 0x193c, 0x193f }, { 0x1941, 0x1943 },
    { 0x196e, 0x196f }, { 0x1975, 0x197f }, { 0x19ac, 0x19af },
    { 0x19ca, 0x19cf }, { 0x19db, 0x19dd }, { 0x1a1c, 0x1a1d },
    { 0x1a5f, 0x1a5f }, { 0x1a7d, 0x1a7e }, { 0x1a8a, 0x1a8f },
    { 0x1a9a, 0x1a9f }, { 0x1aae, 0x1aaf }, { 0x1acf, 0x1aff },
    { 0x1b4d, 0x1b4f }, { 0x1b7f, 0x1b7f }, { 0x1bf4, 0x1bfb },
    { 0x1c38, 0x1c3a }, { 0x1c4a, 0x1c4c }, { 0x1c89, 0x1c8f },
    { 0x1cbb, 0x1cbc }, { 0x1cc8, 0x1ccf }, { 0x1cfb, 0x1cff },
    { 0x1f16, 0x1f17 }, { 0x1f1e, 0x1f1f }, { 0x1f46, 0x1f47 },
    { 0x1f4e, 0x1f4f }, { 0x1f58, 0x1f58 }, { 0x1f5a, 0x1f5a },
    { 0x1f5c, 0x1f5c }, { 0x1f5e, 0x1f5e }, { 0x1f7e, 0x1f7f },
    { 0x1fb5, 0x1fb5 }, { 0x1fc5, 0x1fc5 }, { 0x1fd4, 0x1fd5 },
    { 0x1fdc, 0x1fdc }, { 0x1ff0, 0x1ff1 }, { 0x1ff5, 0x1ff5 },
    { 0x1fff, 0x1fff }, { 0x2010, 0x2010 }, { 0x2013, 0x2016 },
    { 0x2018, 0x2019 }, { 0x201c, 0x201d }, { 0x2020, 0x2022 },
    { 0x2024, 0x2027 }, { 0x2030, 0x2030 }, { 0x2032, 0x2033 },
    { 0x2035, 0x2035 }, { 0x203b, 0x203b }, { 0x203e, 0x203e },
    { 0x2065, 0x2065 }, { 0x2072, 0x2074 }, { 0x207f, 0x207f },
    { 0x2081, 0x2084 }, { 0x208f, 0x208f }, { 0x209d, 0x209f },
    { 0x20ac, 0x20ac }, { 0x20c1, 0x20cf }, { 0x20f1, 0x20ff },
    { 0x2103, 0x2103 }, { 0x2105, 0x2105 }, { 0x2109, 0x2109 },
    { 0x2113, 0x2113 }, { 0x2116, 0x2116 }, { 0x2121, 0x2122 },
    { 0x2126, 0x2126 }, { 0x212b, 0x212b }, { 0x2153, 0x2154 },
    { 0x215b, 0x215e }, { 0x2160, 0x216b }, { 0x2170, 0x2179 },
    { 0x2189, 0x2189 }, { 0x218c, 0x2199 }, { 0x21b8, 0x21b9 },
    { 0x21d2, 0x21d2 }, { 0x21d4, 0x21d4 }, { 0x21e7, 0x21e7 },
    { 0x2200, 0x2200 }, { 0x2202, 0x2203 }, { 0x2207, 0x2208 },
    { 0x220b, 0x220b }, { 0x220f, 0x220f }, { 0x2211, 0x2211 },
    { 0x2215, 0x2215 }, { 0x221a, 0x221a }, { 0x221d, 0x2220 },
    { 0x2223, 0x2223 }, { 0x2225, 0x2225 }, { 0x2227, 0x222c },
    { 0x222e, 0x222e }, { 0x2234, 0x2237 }, { 0x223c, 0x223d },
    { 0x2248, 0x2248 }, { 0x224c, 0x224c }, { 0x2252, 0x2252 },
    { 0x2260, 0x2261 }, { 0x2264, 0x2267 }, { 0x226a, 0x226b },
    { 0x226e, 0x226f }, { 0x2282, 0x2283 }, { 0x2286, 0x2287 },
    { 0x2295, 0x2295 }, { 0x2299, 0x2299 }, { 0x22a5, 0x22a5 },
    { 0x22bf, 0x22bf }, { 0x2312, 0x2312 }, { 0x231a, 0x231b },
    { 0x2329, 0x232a }, { 0x23e9, 0x23ec }, { 0x23f0, 0x23f0 },
    { 0x23f3, 0x23f3 }, { 0x2427, 0x243f }, { 0x244b, 0x24e9 },
    { 0x24eb, 0x254b }, { 0x2550, 0x2573 }, { 0x2580, 0x258f },
    { 0x2592, 0x2595 }, { 0x25a0, 0x25a1 }, { 0x25a3, 0x25a9 },
    { 0x25b2, 0x25b3 }, { 0x25b6, 0x25b7 }, { 0x25bc, 0x25bd },
    { 0x25c0, 0x25c1 }, { 0x25c6, 0x25c8 }, { 0x25cb, 0x25cb },
    { 0x25ce, 0x25d1 }, { 0x25e2, 0x25e5 }, { 0x25ef, 0x25ef },
    { 0x25fd, 0x25fe }, { 0x2605, 0x2606 }, { 0x2609, 0x2609 },
    { 0x260e, 0x260f }, { 0x2614, 0x2615 }, { 0x261c, 0x261c },
    { 0x261e, 0x261e }, { 0x2640, 0x2640 }, { 0x2642, 0x2642 },
    { 0x2648, 0x2653 }, { 0x2660, 0x2661 }, { 0x2663, 0x2665 },
    { 0x2667, 0x266a }, { 0x266c, 0x266d }, { 0x266f, 0x266f },
    { 0x267f, 0x267f }, { 0x2693, 0x2693 }, { 0x269e, 0x269f },
    { 0x26a1, 0x26a1 }, { 0x26aa, 0x26ab }, { 0x26bd, 0x26bf },
    { 0x26c4, 0x26e1 }, { 0x26e3, 0x26e3 }, { 0x26e8, 0x26ff },
    { 0x2705, 0x2705 }, { 0x270a, 0x270b }, { 0x2728, 0x2728 },
    { 0x273d, 0x273d }, { 0x274c, 0x274c }, { 0x274e, 0x274e },
    { 0x2753, 0x2755 }, { 0x2757, 0x2757 }, { 0x2776, 0x277f },
    { 0x2795, 0x2797 }, { 0x27b0, 0x27b0 }, { 0x27bf, 0x27bf },
    { 0x2b1b, 0x2b1c }, { 0x2b50, 0x2b50 }, { 0x2b55, 0x2b59 },
    { 0x2b74, 0x2b75 }, { 0x2b96, 0x2b96 }, { 0x2cf4, 0x2cf8 },
    { 0x2d26, 0x2d26 }, { 0x2d28, 0x2d2c }, { 0x2d2e, 0x2d2f },
    { 0x2d68, 0x2d6e }, { 0x2d71, 0x2d7e }, { 0x2d97, 0x2d9f },
    { 0x2da7, 0x2da7 }, { 0x2daf, 0x2daf }, { 0x2db7, 0x2db7 },
    { 0x2dbf, 0x2dbf }, { 0x2dc7, 0x2dc7 }, { 0x2dcf, 0x2dcf },
    { 0x2dd7, 0x2dd7 }, { 0x2ddf, 0x2ddf }, { 0x2e5e, 0x303e },
    { 0x3040, 0x4dbf }, { 0x4e00, 0xa4cf }, { 0xa62c, 0xa63f },
    { 0xa6f8, 0xa6ff }, { 0xa7cb, 0xa7cf }, { 0xa7d2, 0xa7d2 },
    { 0xa7d4, 0xa7d4 }, { 0xa7da, 0xa7f1 }, { 0xa82d, 0xa82f },
    { 0xa83a, 0xa83f }, { 0xa878, 0xa87f }, { 0xa8c6, 0xa8cd },
    { 0xa8da, 0xa8df }, { 0xa954, 0xa95e }, { 0xa960, 0xa97f },
    { 0xa9ce, 0xa9ce }, { 0xa9da, 0xa9dd }, { 0xa9ff, 0xa9ff },
    { 0xaa37, 0xaa3f }, { 0xaa4e, 0xaa4f }, { 0xaa5a, 0xaa5b },
    { 0xaac3, 0xaada }, { 0xaaf7, 0xab00 }, { 0xab07, 0xab08 },
    { 0xab0f, 0xab10 }, { 0xab17, 0xab1f }, { 0xab27, 0xab27 },
    { 0xab2f, 0xab2f }, { 0xab6c, 0xab6f }, { 0xabee, 0xabef },
    { 0xabfa, 0xd7af }, { 0xd7c7, 0xd7ca }, { 0xd7fc, 0xd7ff },
    { 0xe000, 0xfaff }, { 0xfb07, 0xfb12 }, { 0xfb18, 0xfb1c },
    { 0xfb37, 0xfb37 }, { 0xfb3d, 0xfb3d }, { 0xfb3f, 0xfb3f },
    { 0xfb42, 0xfb42 }, { 0xfb45, 0xfb45 }, { 0xfbc3, 0xfbd2 },
    { 0xfd90, 0xfd91 }, { 0xfdc8, 0xfdce }, { 0xfdd0, 0xfdef },
    { 0xfe00, 0xfe1f }, { 0xfe30, 0xfe6f }, { 0xfe75, 0xfe75 },
    { 0xfefd, 0xfefe }, { 0xff00, 0xff60 }, { 0xffbf, 0xffc1 },
    { 0xffc8, 0xffc9 }, { 0xffd0, 0xffd1 }, { 0xffd8, 0xffd9 },
    { 0xffdd, 0xffe7 }, { 0xffef, 0xfff8 }, { 0xfffd, 0xffff },
    { 0x1000c, 0x1000c }, { 0x10027, 0x10027 }, { 0x1003b, 0x1003b },
    { 0x1003e, 0x1003e }, { 0x1004e, 0x1004f }, { 0x1005e, 0x1007f },
    { 0x100fb, 0x100ff }, { 0x10103, 0x10106 }, { 0x10134, 0x10136 },
    { 0x1018f, 0x1018f }, { 0x1019d, 0x1019f }, { 0x101a1, 0x101cf },
    { 0x101fe, 0x1027f }, { 0x1029d, 0x1029f }, { 0x102d1, 0x102df },
    { 0x102fc, 0x102ff }, { 0x10324, 0x1032c }, { 0x1034b, 0x1034f },
    { 0x1037b, 0x1037f }, { 0x1039e, 0x1039e }, { 0x103c4, 0x103c7 },
    { 0x103d6, 0x103ff }, { 0x1049e, 0x1049f }, { 0x104aa, 0x104af },
    { 0x104d4, 0x104d7 }, { 0x104fc, 0x104ff }, { 0x10528, 0x1052f },
    { 0x10564, 0x1056e }, { 0x1057b, 0x1057b }, { 0x1058b, 0x1058b },
    { 0x10593, 0x10593 }, { 0x10596, 0x10596 }, { 0x105a2, 0x105a2 },
    { 0x105b2, 0x105b2 }, { 0x105ba, 0x105ba }, { 0x105bd, 0x105ff },
    { 0x10737, 0x1073f }, { 0x10756, 0x1075f }, { 0x10768, 0x1077f },
    { 0x10786, 0x10786 }, { 0x107b1, 0x107b1 }, { 0x107bb, 0x107ff },
    { 0x10806, 0x10807 }, { 0x10809, 0x10809 }, { 0x10836, 0x10836 },
    { 0x10839, 0x1083b }, { 0x1083d, 0x1083e }, { 0x10856, 0x10856 },
    { 0x1089f, 0x108a6 }, { 0x108b0, 0x108df }, { 0x108f3, 0x108f3 },
    { 0x108f6, 0x108fa }, { 0x1091c, 0x1091e }, { 0x1093a, 0x1093e },
    { 0x10940, 0x1097f }, { 0x109b8, 0x109bb }, { 0x109d0, 0x109d1 },
    { 0x10a04, 0x10a04 }, { 0x10a07, 0x10a0b }, { 0x10a14, 0x10a14 },
    { 0x10a18, 0x10a18 }, { 0x10a36, 0x10a37 }, { 0x10a3b, 0x10a3e },
    { 0x10a49, 0x10a4f }, { 0x10a59, 0x10a5f }, { 0x10aa0, 0x10abf },
    { 0x10ae7, 0x10aea }, { 0x10af7, 0x10aff }, { 0x10b36, 0x10b38 },
    { 0x10b56, 0x10b57 }, { 0x10b73, 0x10b77 }, { 0x10b92, 0x10b98 },
    { 0x10b9d, 0x10ba8 }, { 0x10bb0, 0x10bff }, { 0x10c49, 0x10c7f },
    { 0x10cb3, 0x10cbf }, { 0x10cf3, 0x10cf9 }, { 0x10d28, 0x10d2f },
    { 0x10d3a, 0x10e5f }, { 0x10e7f, 0x10e7f }, { 0x10eaa, 0x10eaa },
    { 0x10eae, 0x10eaf }, { 0x10eb2, 0x10eff }, { 0x10f28, 0x10f2f },
    { 0x10f5a, 0x10f6f }, { 0x10f8a, 0x10faf }, { 0x10fcc, 0x10fdf },
    { 0x10ff7, 0x10fff }, { 0x1104e, 0x11051 }, { 0x11076, 0x1107e },
    { 0x110c3, 0x110cc }, { 0x110ce, 0x110cf }, { 0x110e9, 0x110ef },
    { 0x110fa, 0x110ff }, { 0x11135, 0x11135 }, { 0x11148, 0x1114f },
    { 0x11177, 0x1117f }, { 0x111e0, 0x111e0 }, { 0x111f5, 0x111ff },
    { 0x11212, 0x11212 }, { 0x1123f, 0x1127f }, { 0x11287, 0x11287 },
    { 0x11289, 0x11289 }, { 0x1128e, 0x1128e }, { 0x1129e, 0x1129e },
    { 0x112aa, 0x112af }, { 0x112eb, 0x112ef }, { 0x112fa, 0x112ff },
    { 0x11304, 0x11304 }, { 0x1130d, 0x1130e }, { 0x11311, 0x11312 },
    { 0x11329, 0x11329 }, { 0x11331, 0x11331 }, { 0x11334, 0x11334 },
    { 0x1133a, 0x1133a }, { 0x11345, 0x11346 }, { 0x11349, 0x1134a },
    { 0x1134e, 0x1134f }, { 0x11351, 0x11356 }, { 0x11358, 0x1135c },
    { 0x11364, 0x11365 }, { 0x1136d, 0x1136f }, { 0x11375, 0x113ff },
    { 0x1145c, 0x1145c }, { 0x11462, 0x1147f }, { 0x114c8, 0x114cf },
    { 0x114da, 0x1157f }, { 0x115b6, 0x115b7 }, { 0x115de, 0x115ff },
    { 0x11645, 0x1164f }, { 0x1165a, 0x1165f }, { 0x1166d, 0x1167f },
    { 0x116ba, 0x116bf }, { 0x116ca, 0x116ff }, { 0x1171b, 0x1171c },
    { 0x1172c, 0x1172f }, { 0x11747, 0x117ff }, { 0x1183c, 0x1189f },
    { 0x118f3, 0x118fe }, { 0x11907, 0x11908 }, { 0x1190a, 0x1190b },
    { 0x11914, 0x11914 }, { 0x11917, 0x11917 }, { 0x11936, 0x11936 },
    { 0x11939, 0x1193a }, { 0x11947, 0x1194f }, { 0x1195a, 0x1199f },
    { 0x119a8, 0x119a9 }, { 0x119d8, 0x119d9 }, { 0x119e5, 0x119ff },
    { 0x11a48, 0x11a4f }, { 0x11aa3, 0x11aaf }, { 0x11af9, 0x11bff },
    { 0x11c09, 0x11c09 }, { 0x11c37, 0x11c37 }, { 0x11c46, 0x11c4f },
    { 0x11c6d, 0x11c6f }, { 0x11c90, 0x11c91 }, { 0x11ca8, 0x11ca8 },
    { 0x11cb7, 0x11cff }, { 0x11d07, 0x11d07 }, { 0x11d0a, 0x11d0a },
    { 0x11d37, 0x11d39 }, { 0x11d3b, 0x11d3b }, { 0x11d3e, 0x11d3e },
    { 0x11d48, 0x11d4f }, { 0x11d5a, 0x11d5f }, { 0x11d66, 0x11d66 },
    { 0x11d69, 0x11d69 }, { 0x11d8f, 0x11d8f }, { 0x11d92, 0x11d92 },
    { 0x11d99, 0x11d9f }, { 0x11daa, 0x11edf }, { 0x11ef9, 0x11faf },
    { 0x11fb1, 0x11fbf }, { 0x11ff2, 0x11ffe }, { 0x1239a, 0x123ff },
    { 0x1246f, 0x1246f }, { 0x12475, 0x1247f }, { 0x12544, 0x12f8f },
    { 0x12ff3, 0x12fff }, { 0x1342f, 0x1342f }, { 0x13439, 0x143ff },
    { 0x14647, 0x167ff }, { 0x16a39, 0x16a3f }, { 0x16a5f, 0x16a5f },
    { 0x16a6a, 0x16a6d }, { 0x16abf, 0x16abf }, { 0x16aca, 0x16acf },
    { 0x16aee, 0x16aef }, { 0x16af6, 0x16aff }, { 0x16b46, 0x16b4f },
    { 0x16b5a, 0x16b5a }, { 0x16b62, 0x16b62 }, { 0x16b78, 0x16b7c },
    { 0x16b90, 0x16e3f }, { 0x16e9b, 0x16eff }, { 0x16f4b, 0x16f4e },
    { 0x16f88, 0x16f8e }, { 0x16fa0, 0x1bbff }, { 0x1bc6b, 0x1bc6f },
    { 0x1bc7d, 0x1bc7f }, { 0x1bc89, 0x1bc8f }, { 0x1bc9a, 0x1bc9b },
    { 0x1bca4, 0x1ceff }, { 0x1cf2e, 0x1cf2f }, { 0x1cf47, 0x1cf4f },
    { 0x1cfc4, 0x1cfff }, { 0x1d0f6, 0x1d0ff }, { 0x1d127, 0x1d128 },
    { 0x1d1eb, 0x1d1ff }, { 0x1d246, 0x1d2df }, { 0x1d2f4, 0x1d2ff },
    { 0x1d357, 0x1d35f }, { 0x1d379, 0x1d3ff }, { 0x1d455, 0x1d455 },
    { 0x1d49d, 0x1d49d }, { 0x1d4a0, 0x1d4a1 }, { 0x1d4a3, 0x1d4a4 },
    { 0x1d4a7, 0x1d4a8 }, { 0x1d4ad, 0x1d4ad }, { 0x1d4ba, 0x1d4ba },
    { 0x1d4bc, 0x1d4bc }, { 0x1d4c4, 0x1d4c4 }, { 0x1d506, 0x1d506 },
    { 0x1d50b, 0x1d50c }, { 0x1d515, 0x1d515 }, { 0x1d51d, 0x1d51d },
    { 0x1d53a, 0x1d53a }, { 0x1d53f, 0x1d53f }, { 0x1d545, 0x1d545 },
    { 0x1d547, 0x1d549 }, { 0x1d551, 0x1d551 }, { 0x1d6a6, 0x1d6a7 },
    { 0x1d7cc, 0x1d7cd }, { 0x1da8c, 0x1da9a }, { 0x1daa0, 0x1daa0 },
    { 0x1dab0, 0x1deff }, { 0x1df1f, 0x1dfff }, { 0x1e007, 0x1e007 },
    { 0x1e019, 0x1e01a }, { 0x1e022, 0x1e022 }, { 0x1e025, 0x1e025 },
    { 0x1e02b, 0x1e0ff }, { 0x1e12d, 0x1e12f }, { 0x1e13e, 0x1e13f },
    { 0x1e14a, 0x1e14d }, { 0x1e150, 0x1e28f }, { 0x1e2af, 0x1e2bf },
    { 0x1e2fa, 0x1e2fe }, { 0x1e300, 0x1e7df }, { 0x1e7e7, 0x1e7e7 },
    { 0x1e7ec, 0x1e7ec }, { 0x1e7ef, 0x1e7ef }, { 0x1e7ff, 0x1e7ff },
    { 0x1e8c5, 0x1e8c6 }, { 0x1e8d7, 0x1e8ff }, { 0x1e94c, 0x1e94f },
    { 0x1e95a, 0x1e95d }, { 0x1e960, 0x1ec70 }, { 0x1ecb5, 0x1ed00 },
    { 0x1ed3e, 0x1edff }, { 0x1ee04, 0x1ee04 }, { 0x1ee20, 0x1ee20 },
    { 0x1ee23, 0x1ee23 }, { 0x1ee25, 0x1ee26 }, { 0x1ee28, 0x1ee28 },
    { 0x1ee33, 0x1ee33 }, { 0x1ee38, 0x1ee38 }, { 0x1ee3a, 0x1ee3a },
    { 0x1ee3c, 0x1ee41 }, { 0x1ee43, 0x1ee46 }, { 0x1ee48, 0x1ee48 },
    { 0x1ee4a, 0x1ee4a }, { 0x1ee4c, 0x1ee4c }, { 0x1ee50, 0x1ee50 },
    { 0x1ee53, 0x1ee53 }, { 0x1ee55, 0x1ee56 }, { 0x1ee58, 0x1ee58 },
    { 0x1ee5a, 0x1ee5a }, { 0x1ee5c, 0x1ee5c }, { 0x1ee5e, 0x1ee5e },
    { 0x1ee60, 0x1ee60 }, { 0x1ee63, 0x1ee63 }, { 0x1ee65, 0x1ee66 },
    { 0x1ee6b, 0x1ee6b }, { 0x1ee73, 0x1ee73 }, { 0x1ee78, 0x1ee78 },
    { 0x1ee7d, 0x1ee7d }, { 0x1ee7f, 0x1ee7f }, { 0x1ee8a, 0x1ee8a },
    { 0x1ee9c, 0x1eea0 }, { 0x1eea4, 0x1eea4 }, { 0x1eeaa, 0x1eeaa },
    { 0x1eebc, 0x1eeef }, { 0x1eef2, 0x1efff }, { 0x1f004, 0x1f004 },
    { 0x1f02c, 0x1f02f }, { 0x1f094, 0x1f09f }, { 0x1f0af, 0x1f0b0 },
    { 0x1f0c0, 0x1f0c0 }, { 0x1f0cf, 0x1f0d0 }, { 0x1f0f6, 0x1f10a },
    { 0x1f110, 0x1f12d }, { 0x1f130, 0x1f169 }, { 0x1f170, 0x1f1ac },
    { 0x1f1ae, 0x1f1e5 }, { 0x1f200, 0x1f320 }, { 0x1f32d, 0x1f335 },
    { 0x1f337, 0x1f37c }, { 0x1f37e, 0x1f393 }, { 0x1f3a0, 0x1f3ca },
    { 0x1f3cf, 0x1f3d3 }, { 0x1f3e0, 0x1f3f0 }, { 0x1f3f4, 0x1f3f4 },
    { 0x1f3f8, 0x1f43e }, { 0x1f440, 0x1f440 }, { 0x1f442, 0x1f4fc },
    { 0x1f4ff, 0x1f53d }, { 0x1f54b, 0x1f54e }, { 0x1f550, 0x1f567 },
    { 0x1f57a, 0x1f57a }, { 0x1f595, 0x1f596 }, { 0x1f5a4, 0x1f5a4 },
    { 0x1f5fb, 0x1f64f }, { 0x1f680, 0x1f6c5 }, { 0x1f6cc, 0x1f6cc },
    { 0x1f6d0, 0x1f6d2 }, { 0x1f6d5, 0x1f6df }, { 0x1f6eb, 0x1f6ef },
    { 0x1f6f4, 0x1f6ff }, { 0x1f774, 0x1f77f }, { 0x1f7d9, 0x1f7ff },
    { 0x1f80c, 0x1f80f }, { 0x1f848, 0x1f84f }, { 0x1f85a, 0x1f85f },
    { 0x1f888, 0x1f88f }, { 0x1f8ae, 0x1f8af }, { 0x1f8b2, 0x1f8ff },
    { 0x1f90c, 0x1f93a }, { 0x1f93c, 0x1f945 }, { 0x1f947, 0x1f9ff },
    { 0x1fa54, 0x1fa5f }, { 0x1fa6e, 0x1faff }, { 0x1fb93, 0x1fb93 },
    { 0x1fbcb, 0x1fbef }, { 0x1fbfa, 0xe0000 }, { 0xe0002, 0xe001f },
    { 0xe0080, 0x10ffff },
};

static int cp_wide(uint32_t c)
{
    size_t lo = 0, hi = sizeof(wide) / sizeof(wide[0]);

    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (c < wide[mid][0]) {
            hi = mid;
        } else if (c > wide[mid][1]) {
            lo = mid + 1;
        } else {
            return 1;
        }
    }
    return 0;
}

static long text_len(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    long n = 0;

    while (*u) {
        uint32_t v = *u;
        size_t need = v >= 0xf0 ? 3 : v >= 0xe0 ? 2 : v >= 0xc0 ? 1 : 0, j;

        if (need) {
            v &= 0x3f >> need;
        }
        for (j = 1; j <= need && u[j]; j++) {
            v = (v << 6) | (u[j] & 0x3f);
        }
        u += j;
        n += v >= 0xa1 && cp_wide(v) ? 2 : 1;
    }
    return n;
}

struct section {
    char *title;
    char **headers;
    size_t nh;
    char ***rows;
    size_t nrows;
    long ncols;             /* -1: Python's None */
    long *maxw;
    size_t nmaxw;
    int indent;
    int title_none;         /* Python's None: unseen, but 4 wide */
};

struct table {
    struct section **s;
    size_t n;
    struct section *cur;
    int error;
};

static struct section *section_new(void)
{
    struct section *s = lv_xcalloc(1, sizeof(*s));

    s->title = lv_xstrdup("");
    s->ncols = -1;
    return s;
}

static void section_free(struct section *s)
{
    size_t i, j;

    for (i = 0; i < s->nh; i++) {
        free(s->headers[i]);
    }
    for (i = 0; i < s->nrows; i++) {
        for (j = 0; j < (size_t)s->ncols; j++) {
            free(s->rows[i][j]);
        }
        free(s->rows[i]);
    }
    free(s->headers);
    free(s->rows);
    free(s->maxw);
    free(s->title);
    free(s);
}

static void update_widths(struct section *s, char *const *row, size_t n)
{
    size_t i;

    if (s->nmaxw == 0) {
        free(s->maxw);
        s->maxw = lv_xcalloc(n + 1, sizeof(*s->maxw));
        s->nmaxw = n;
        for (i = 0; i < n; i++) {
            s->maxw[i] = text_len(row[i]);
        }
        return;
    }
    for (i = 0; i < n && i < s->nmaxw; i++) {
        long l = text_len(row[i]);
        if (l > s->maxw[i]) {
            s->maxw[i] = l;
        }
    }
}

static void tbl_new_section(struct table *t, const char *title, int indent)
{
    t->s = lv_xrealloc(t->s, (t->n + 1) * sizeof(*t->s));
    t->cur = t->s[t->n++] = section_new();
    free(t->cur->title);
    t->cur->title = lv_xstrdup(title ? title : "");
    t->cur->title_none = !title;
    t->cur->indent = indent;
}

static void tbl_header(struct table *t, const char **h, size_t n)
{
    struct section *s = t->cur;
    size_t i;

    for (i = 0; i < s->nh; i++) {
        free(s->headers[i]);
    }
    free(s->headers);
    s->headers = lv_xcalloc(n + 1, sizeof(*s->headers));
    for (i = 0; i < n; i++) {
        s->headers[i] = lv_xstrdup(h[i]);
    }
    s->nh = n;
    update_widths(s, s->headers, n);
    if (s->ncols < 0) {
        s->ncols = (long)n;
    }
}

/* Takes ownership of row (n strings). */
static void tbl_row_take(struct table *t, char **row, size_t n)
{
    struct section *s = t->cur;
    size_t i;

    if (!s) {
        t->error = 1;
    } else if (s->ncols < 0) {
        s->ncols = (long)n;
    }
    if (!s || (size_t)s->ncols != n) {
        /* Python raises "Row should have N elements" here. */
        t->error = 1;
        for (i = 0; i < n; i++) {
            free(row[i]);
        }
        free(row);
        return;
    }
    s->rows = lv_xrealloc(s->rows, (s->nrows + 1) * sizeof(*s->rows));
    s->rows[s->nrows++] = row;
    update_widths(s, row, n);
}

static char *py_str_dup(const json_t *v)
{
    struct lv_buf b = LV_BUF_INIT(SIZE_MAX);

    lv_output_py_str(&b, v, 0);
    return lv_buf_detach(&b, NULL);
}

static int truthy(const json_t *v)
{
    if (!v || json_is_null(v) || json_is_false(v)) {
        return 0;
    }
    if (json_is_true(v)) {
        return 1;
    }
    if (json_is_string(v)) {
        return json_string_length(v) > 0;
    }
    if (json_is_array(v)) {
        return json_array_size(v) > 0;
    }
    if (json_is_object(v)) {
        return json_object_size(v) > 0;
    }
    return json_number_value(v) != 0;
}

static int build_table(struct table *t, const char *title, const json_t *v,
                       int indent);

static void sub_table_from_dict(struct table *t, const json_t *v, int indent)
{
    size_t nh, nm, i;
    const char **h = sorted_keys(v, 1, &nh);
    const char **more = sorted_keys(v, 0, &nm);

    if (nh == 1) {
        char **row = lv_xcalloc(2, sizeof(*row));
        row[0] = lv_xstrdup(h[0]);
        row[1] = py_str_dup(json_object_get(v, h[0]));
        tbl_row_take(t, row, 2);
    } else if (nh) {
        char **row = lv_xcalloc(nh, sizeof(*row));
        tbl_header(t, h, nh);
        for (i = 0; i < nh; i++) {
            row[i] = py_str_dup(json_object_get(v, h[i]));
        }
        tbl_row_take(t, row, nh);
    }
    for (i = 0; i < nm; i++) {
        build_table(t, more[i], json_object_get(v, more[i]), indent + 1);
    }
    free(h);
    free(more);
}

static void sub_table_from_list(struct table *t, const json_t *v,
                                int indent, const char *title)
{
    const char **h = NULL, **more = NULL;
    size_t nh = 0, ch = 0, nm = 0, cm = 0, i, j;

    for (i = 0; i < json_array_size(v); i++) {
        const json_t *el = json_array_get(v, i);
        const char *k;
        json_t *x;

        if (!json_is_object(el)) {
            t->error = 1;       /* Python fails on a non-dict here */
            goto out;
        }
        json_object_foreach((json_t *)el, k, x) {
            if (is_scalar(x)) {
                set_add(&h, &nh, &ch, k);
            } else {
                set_add(&more, &nm, &cm, k);
            }
        }
    }
    if (nh) {
        qsort(h, nh, sizeof(*h), key_cmp);
    }
    if (nm) {
        qsort(more, nm, sizeof(*more), key_cmp);
    }
    tbl_header(t, h, nh);
    for (i = 0; i < json_array_size(v); i++) {
        const json_t *el = json_array_get(v, i);
        char **row = lv_xcalloc(nh + 1, sizeof(*row));

        if (i > 0 && nm) {
            tbl_new_section(t, title, indent);
            tbl_header(t, h, nh);
        }
        for (j = 0; j < nh; j++) {
            const json_t *x = json_object_get(el, h[j]);
            row[j] = x ? py_str_dup(x) : lv_xstrdup("");
        }
        tbl_row_take(t, row, nh);
        for (j = 0; j < nm; j++) {
            const json_t *x = json_object_get(el, more[j]);
            if (x) {
                build_table(t, more[j], x, indent + 1);
            }
        }
    }
out:
    free(h);
    free(more);
}

static int build_table(struct table *t, const char *title, const json_t *v,
                       int indent)
{
    size_t i, j;

    if (!truthy(v)) {
        return 0;
    }
    if (title) {
        tbl_new_section(t, title, indent);
    }
    if (json_is_array(v)) {
        if (json_is_object(json_array_get(v, 0))) {
            sub_table_from_list(t, v, indent, title);
        } else {
            for (i = 0; i < json_array_size(v); i++) {
                const json_t *it = json_array_get(v, i);
                int all_scalar = 1;
                size_t n;
                char **row;

                if (is_scalar(it)) {
                    row = lv_xcalloc(1, sizeof(*row));
                    row[0] = py_str_dup(it);
                    tbl_row_take(t, row, 1);
                    continue;
                }
                if (json_is_array(it)) {
                    for (j = 0; j < json_array_size(it); j++) {
                        all_scalar &= is_scalar(json_array_get(it, j));
                    }
                }
                if (!all_scalar) {
                    build_table(t, NULL, it, 0);
                    continue;
                }
                /* A list of scalars, or a dict: its keys are the row. */
                n = json_is_array(it) ? json_array_size(it)
                                      : json_object_size(it);
                row = lv_xcalloc(n + 1, sizeof(*row));
                if (json_is_array(it)) {
                    for (j = 0; j < n; j++) {
                        row[j] = py_str_dup(json_array_get(it, j));
                    }
                } else {
                    const char *k;
                    json_t *x;

                    j = 0;
                    json_object_foreach((json_t *)it, k, x) {
                        row[j++] = lv_xstrdup(k);
                    }
                }
                tbl_row_take(t, row, n);
            }
        }
    }
    if (json_is_object(v)) {
        sub_table_from_dict(t, v, indent);
    }
    return 1;
}

/* Section.calculate_column_widths; returns a new array of nmaxw. */
static long *column_widths(const struct section *s, long padding,
                           long max_width)
{
    long *w = lv_xcalloc(s->nmaxw + 1, sizeof(*w));
    long sum = 0, off;
    double scale;
    size_t i;

    for (i = 0; i < s->nmaxw; i++) {
        w[i] = s->maxw[i] + padding;
        sum += w[i];
    }
    if (max_width < 0 || s->nmaxw == 0) {
        return w;
    }
    scale = (double)max_width / (double)sum;
    off = 0;
    for (i = 0; i < s->nmaxw; i++) {
        w[i] = (long)rint(scale * (double)w[i]);   /* round half even */
        off += w[i];
    }
    off -= max_width;
    while (off != 0) {
        size_t k;

        for (k = 0; k < s->nmaxw; k++) {
            i = off < 0 ? s->nmaxw - 1 - k : k;
            if (off > 0) {
                w[i]--;
                off--;
            } else {
                w[i]++;
                off++;
            }
            if (off == 0) {
                break;
            }
        }
    }
    return w;
}

static long total_width(const struct section *s)
{
    long total = 0, tl;
    size_t i;

    for (i = 0; i < s->nmaxw; i++) {
        total += s->maxw[i] + 4;
    }
    total += 2 + 2L * s->indent;
    tl = (s->title_none ? 4 : text_len(s->title)) + 2 + 2L * s->indent;
    return tl > total ? tl : total;
}

static void spaces(struct lv_buf *b, long n)
{
    for (; n > 0; n--) {
        lv_buf_addc(b, ' ');
    }
}

static void dashes(struct lv_buf *b, long n)
{
    for (; n > 0; n--) {
        lv_buf_addc(b, '-');
    }
}

static void center_text(struct lv_buf *b, const char *text, long length,
                        const char *left, const char *right)
{
    long tl = text_len(text);
    long start = (length / 2) - (tl / 2) - 1;
    long so_far = (long)strlen(left) + start + tl;

    lv_buf_adds(b, left);
    spaces(b, start);
    lv_buf_adds(b, text);
    spaces(b, length - (long)strlen(right) - so_far);
    lv_buf_adds(b, right);
}

static void align_left(struct lv_buf *b, const char *text, long length,
                       const char *left, const char *right)
{
    long tl = text_len(text);
    long computed = tl + 2 + (long)strlen(left) + (long)strlen(right);
    long pad = length - computed >= 0 ? 2 : 0;
    long so_far = (long)strlen(left) + pad + tl;

    lv_buf_adds(b, left);
    spaces(b, pad);
    lv_buf_adds(b, text);
    spaces(b, length - so_far - (long)strlen(right));
    lv_buf_adds(b, right);
}

/* One line through IndentedStream: '|' * indent on both sides. */
static void emit(struct lv_buf *out, const struct section *s,
                 struct lv_buf *line)
{
    int i;

    for (i = 0; i < s->indent; i++) {
        lv_buf_addc(out, '|');
    }
    lv_buf_add(out, line->data, line->len);
    for (i = 0; i < s->indent; i++) {
        lv_buf_addc(out, '|');
    }
    lv_buf_addc(out, '\n');
    lv_buf_reset(line);
}

static void line_break(struct lv_buf *line, const long *w, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (i == 0) {
            lv_buf_addc(line, '+');
            dashes(line, w[i] - 2);
        } else {
            dashes(line, w[i] - 1);
        }
        lv_buf_addc(line, '+');
    }
}

static void render_section(struct lv_buf *out, const struct section *s,
                           long max_width)
{
    struct lv_buf line = LV_BUF_INIT(SIZE_MAX);
    long *w = NULL;
    size_t i, j;

    max_width -= 2L * s->indent;
    if (s->title[0]) {
        center_text(&line, s->title, max_width, "|", "|");
        emit(out, s, &line);
        if (!s->nh && !s->nrows) {
            lv_buf_addc(&line, '+');
            dashes(&line, max_width - 2);
            lv_buf_addc(&line, '+');
            emit(out, s, &line);
        }
    }
    if (s->nh || s->nrows) {
        w = column_widths(s, 4, max_width);
    }
    if (s->nh) {
        line_break(&line, w, s->nh < s->nmaxw ? s->nh : s->nmaxw);
        emit(out, s, &line);
        for (i = 0; i < s->nh && i < s->nmaxw; i++) {
            center_text(&line, s->headers[i], w[i], i ? "" : "|", "|");
        }
        emit(out, s, &line);
    }
    if (s->nrows && s->nmaxw) {
        line_break(&line, w, s->nmaxw);
        emit(out, s, &line);
        for (i = 0; i < s->nrows; i++) {
            for (j = 0; j < (size_t)s->ncols && j < s->nmaxw; j++) {
                align_left(&line, s->rows[i][j], w[j], j ? "" : "|", "|");
            }
            emit(out, s, &line);
        }
        line_break(&line, w, s->nmaxw);
        emit(out, s, &line);
    }
    free(w);
    lv_buf_release(&line);
}

/* convert_to_vertical_table: one-row sections become key/value rows. */
static void to_vertical(struct table *t)
{
    size_t i, j;

    for (i = 0; i < t->n; i++) {
        struct section *s = t->s[i], *ns;
        struct table tmp = { NULL, 0, NULL, 0 };

        if (s->nrows != 1 || !s->nh) {
            continue;
        }
        ns = section_new();
        free(ns->title);
        ns->title = lv_xstrdup(s->title);
        ns->indent = s->indent;
        ns->title_none = s->title_none;
        tmp.cur = ns;
        for (j = 0; j < s->nh && j < (size_t)s->ncols; j++) {
            char **row = lv_xcalloc(2, sizeof(*row));
            row[0] = lv_xstrdup(s->headers[j]);
            row[1] = lv_xstrdup(s->rows[0][j]);
            tbl_row_take(&tmp, row, 2);
        }
        section_free(s);
        t->s[i] = ns;
    }
}

static long max_width_of(const struct table *t)
{
    long m = 0;
    size_t i;

    for (i = 0; i < t->n; i++) {
        long w = total_width(t->s[i]);
        if (w > m) {
            m = w;
        }
    }
    return m;
}

static int format_table(struct lv_buf *b, const json_t *v, const char *title,
                        int term_width)
{
    struct table t = { NULL, 0, NULL, 0 };
    long mw;
    size_t i;
    int ret = 0;

    if (build_table(&t, title ? title : "", v, 0) && !t.error) {
        mw = max_width_of(&t);
        if (mw > term_width) {
            to_vertical(&t);
            mw = max_width_of(&t);
        }
        dashes(b, mw);
        lv_buf_addc(b, '\n');
        for (i = 0; i < t.n; i++) {
            render_section(b, t.s[i], mw);
        }
    }
    if (t.error) {
        ret = -1;
    }
    for (i = 0; i < t.n; i++) {
        section_free(t.s[i]);
    }
    free(t.s);
    return ret;
}

/* ---- entry points ---------------------------------------------------- */

int lv_output_format(struct lv_buf *b, const json_t *v, const char *format,
                     const char *title, int term_width)
{
    size_t start = b->len;
    struct lv_buf tmp = LV_BUF_INIT(SIZE_MAX);
    int r = -1;

    if (!strcmp(format, "json")) {
        if (v && json_is_object(v) && json_object_size(v) == 0) {
            r = 0;
        } else {
            r = py_json(&tmp, v, 4, 0, 0);
            if (r == 0) {
                r = lv_buf_addc(&tmp, '\n');
            }
        }
    } else if (!strcmp(format, "text")) {
        r = text_item(&tmp, v, NULL, NULL, 0);
    } else if (!strcmp(format, "table")) {
        r = format_table(&tmp, v, title, term_width);
    }
    if (r == 0) {
        r = lv_buf_add(b, tmp.data, tmp.len);
    }
    if (r < 0) {
        b->len = start;
        b->data[start] = '\0';
    }
    lv_buf_release(&tmp);
    return r < 0 ? -1 : 0;
}

int lv_output_write(FILE *out, const json_t *v, const char *format,
                    const char *title)
{
    struct lv_buf b = LV_BUF_INIT(SIZE_MAX);
    int width = 80, ret = -1;
    struct winsize ws;

    if (isatty(fileno(out)) && ioctl(fileno(out), TIOCGWINSZ, &ws) == 0) {
        width = ws.ws_col;
    }
    if (lv_output_format(&b, v, format, title, width) < 0) {
        goto out;
    }
    if (b.len && fwrite(b.data, 1, b.len, out) != b.len) {
        goto out;
    }
    ret = fflush(out) == 0 ? 0 : -1;
out:
    lv_buf_release(&b);
    return ret;
}
