/*
 * cli/output_json: Python's printing of JSON values, as the AWS CLI and
 * jmespath's to_string() get it from Python: repr(float), json.dumps (the
 * `json` output format: indent=4, ensure_ascii=False; to_string:
 * separators (',', ':'), ensure_ascii=True) and str()/repr() of a value
 * (the text and table formats' cells). It does not lay out text or table
 * output (output_text.c, output_table.c).
 */
#include "cli/output.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/output_int.h"
#include "util/buf.h"
#include "util/mem.h"

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

int lv_output_json(struct lv_buf *b, const json_t *v)
{
    int r;

    if (v && json_is_object(v) && json_object_size(v) == 0) {
        return 0;
    }
    r = py_json(b, v, 4, 0, 0);
    if (r == 0) {
        r = lv_buf_addc(b, '\n');
    }
    return r;
}
