/*
 * lookup_csv.c: the CSV reader of lookup_csv.h — one pass over the bytes,
 * unescaping cells into one text buffer.
 */
#include "logs/lookup_csv.h"

#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"

void lv_csv_init(struct lv_csv *t)
{
    memset(t, 0, sizeof(*t));
}

void lv_csv_release(struct lv_csv *t)
{
    free(t->text);
    free(t->cell);
    lv_csv_init(t);
}

const char *lv_csv_header(const struct lv_csv *t, size_t c)
{
    return t->text + t->cell[c];
}

const char *lv_csv_cell(const struct lv_csv *t, size_t r, size_t c)
{
    return t->text + t->cell[(r + 1) * t->n_cols + c];
}

long lv_csv_column(const struct lv_csv *t, const char *name)
{
    for (size_t c = 0; c < t->n_cols; c++) {
        if (strcmp(lv_csv_header(t, c), name) == 0) {
            return (long)c;
        }
    }
    return -1;
}

/* The length of the valid UTF-8 sequence at s[0..n) (n > 0), 0 if none
 * (overlong forms, surrogates and code points past U+10FFFF are not). */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t k;
    uint32_t cp;

    if (c < 0x80) {
        return 1;
    }
    if (c >= 0xc2 && c <= 0xdf) {
        k = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        k = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        k = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (n < k) {
        return 0;
    }
    for (size_t i = 1; i < k; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            return 0;
        }
        cp = cp << 6 | (s[i] & 0x3f);
    }
    if ((k == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
        (k == 4 && (cp < 0x10000 || cp > 0x10ffff))) {
        return 0;
    }
    return k;
}

struct reader {
    const char *p;
    const char *end;
    size_t line;
    struct lv_buf text;
    uint32_t *cell;
    size_t n_cell, cap_cell;
    struct lv_err *err;
};

static int fail(struct reader *r, const char *what)
{
    return lv_err_set(r->err, LV_E_INVALID_PARAMETER,
                      "The table body is not valid CSV: %s (line %zu).",
                      what, r->line);
}

static void start_cell(struct reader *r)
{
    if (r->n_cell == r->cap_cell) {
        r->cap_cell = r->cap_cell ? 2 * r->cap_cell : 64;
        r->cell = lv_xrealloc(r->cell, r->cap_cell * sizeof(*r->cell));
    }
    r->cell[r->n_cell++] = (uint32_t)r->text.len;
}

/* Appends the bytes p[0..n) of a cell after checking them. */
static int add_bytes(struct reader *r, const char *p, size_t n)
{
    size_t i = 0;

    while (i < n) {
        size_t k;

        if (p[i] == '\0') {
            return fail(r, "it holds a NUL byte");
        }
        k = utf8_seq((const unsigned char *)p + i, n - i);
        if (k == 0) {
            return fail(r, "it is not valid UTF-8");
        }
        i += k;
    }
    for (i = 0; i < n; i++) {
        if (p[i] == '\n') {
            r->line++;
        }
    }
    /* text.max bounds it: the input's length plus one NUL per cell. */
    if (lv_buf_add(&r->text, p, n) < 0) {
        LV_BUG("csv: text outgrew its bound");
    }
    return 0;
}

/*
 * Reads one field at r->p into the text. Returns 0 with *at_end 1 when
 * the record ended after it (line end or input end), 0 if a comma
 * followed, -1 on an error.
 */
static int read_field(struct reader *r, int *at_end)
{
    const char *p = r->p;

    start_cell(r);
    if (p < r->end && *p == '"') {
        p++;
        for (;;) {
            const char *q = memchr(p, '"', (size_t)(r->end - p));

            if (!q) {
                return fail(r, "a quoted field is not closed");
            }
            if (add_bytes(r, p, (size_t)(q - p)) < 0) {
                return -1;
            }
            if (q + 1 < r->end && q[1] == '"') {
                lv_buf_addc(&r->text, '"');
                p = q + 2;
                continue;
            }
            p = q + 1;
            break;
        }
    } else {
        const char *q = p;

        while (q < r->end && *q != ',' && *q != '\n' && *q != '\r') {
            if (*q == '"') {
                return fail(r, "a quote in an unquoted field");
            }
            q++;
        }
        if (add_bytes(r, p, (size_t)(q - p)) < 0) {
            return -1;
        }
        p = q;
    }
    lv_buf_addc(&r->text, '\0');
    if (p == r->end) {
        r->p = p;
        *at_end = 1;
        return 0;
    }
    if (*p == ',') {
        r->p = p + 1;
        *at_end = 0;
        return 0;
    }
    if (*p == '\n' || (*p == '\r' && p + 1 < r->end && p[1] == '\n')) {
        r->p = p + (*p == '\r' ? 2 : 1);
        r->line++;
        *at_end = 1;
        return 0;
    }
    return fail(r, *p == '\r' ? "a carriage return outside quotes"
                              : "a closing quote not followed by a comma");
}

static int check_header(struct reader *r, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *a = r->text.data + r->cell[i];

        if (!*a) {
            r->line = 1;
            return fail(r, "a column name in the header row is empty");
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(a, r->text.data + r->cell[j]) == 0) {
                r->line = 1;
                return lv_err_set(r->err, LV_E_INVALID_PARAMETER,
                                  "The table body is not valid CSV: the "
                                  "column name '%s' appears twice in the "
                                  "header row.", a);
            }
        }
    }
    return 0;
}

int lv_csv_parse(const char *data, size_t len, struct lv_csv *out,
                 struct lv_err *err)
{
    struct reader r;
    size_t n_cols = 0;
    size_t rows = 0;
    int ret = -1;

    lv_csv_release(out);
    memset(&r, 0, sizeof(r));
    r.err = err;
    r.line = 1;
    if (len > LV_LOOKUP_CSV_MAX_BYTES) {
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "The table body must not exceed 10 MB.");
    }
    /* Unescaping never grows a cell; each cell adds one NUL, and there
     * are at most len + 1 cells. */
    lv_buf_init(&r.text, 2 * len + 2);
    r.p = data;
    r.end = data + len;
    if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) {
        r.p += 3;
    }
    while (r.p < r.end) {
        size_t first = r.n_cell;
        size_t line = r.line;
        int at_end = 0;

        if (*r.p == '\n' || (*r.p == '\r' && r.p + 1 < r.end &&
                             r.p[1] == '\n')) {
            r.p += *r.p == '\r' ? 2 : 1;
            r.line++;
            continue;
        }
        while (!at_end) {
            if (read_field(&r, &at_end) < 0) {
                goto out;
            }
        }
        if (n_cols == 0) {
            n_cols = r.n_cell;
            if (check_header(&r, n_cols) < 0) {
                goto out;
            }
        } else if (r.n_cell - first != n_cols) {
            r.line = line;
            lv_err_set(err, LV_E_INVALID_PARAMETER,
                       "The table body is not valid CSV: line %zu has %zu "
                       "fields, the header row has %zu.", line,
                       r.n_cell - first, n_cols);
            goto out;
        } else {
            rows++;
        }
    }
    if (n_cols == 0) {
        lv_err_set(err, LV_E_INVALID_PARAMETER,
                   "The table body must start with a header row of column "
                   "names.");
        goto out;
    }
    if (r.text.len == 0) {
        lv_buf_addc(&r.text, '\0');
    }
    out->text = lv_buf_detach(&r.text, NULL);
    out->cell = r.cell;
    r.cell = NULL;
    out->n_cols = n_cols;
    out->n_rows = rows;
    ret = 0;
out:
    free(r.cell);
    lv_buf_release(&r.text);
    return ret;
}
