/*
 * cli/output: the entry points of the CLI's output formats — the choice
 * of format, the terminal's width, the write — and the key helpers the
 * text and table formats share. The formats themselves are in
 * output_json.c (and Python's value printing), output_text.c and
 * output_table.c.
 */
#include "cli/output.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli/output_int.h"
#include "util/buf.h"
#include "util/mem.h"

/* ---- shared by text and table ---------------------------------------- */

const char **lv_output_sorted_keys(const json_t *o, int scalar, size_t *n)
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

void lv_output_set_add(const char ***set, size_t *n, size_t *cap,
                       const char *k)
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

/* ---- entry points ---------------------------------------------------- */

int lv_output_format(struct lv_buf *b, const json_t *v, const char *format,
                     const char *title, int term_width)
{
    size_t start = b->len;
    struct lv_buf tmp = LV_BUF_INIT(SIZE_MAX);
    int r = -1;

    if (!strcmp(format, "json")) {
        r = lv_output_json(&tmp, v);
    } else if (!strcmp(format, "text")) {
        r = lv_output_text(&tmp, v);
    } else if (!strcmp(format, "table")) {
        r = lv_output_table(&tmp, v, title, term_width);
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
