/*
 * cli/output_text: the `text` output format, awscli/text.py step by step:
 * tab-separated rows, the scalars of a dict sorted by key on one row,
 * nested lists and dicts on their own rows led by their upper-cased key,
 * values as Python's str() prints them.
 */
#include "cli/output.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/output_int.h"
#include "util/buf.h"
#include "util/mem.h"

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
                    lv_output_set_add(&keys, &nk, &cap, k);
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
        const char **all = lv_output_sorted_keys(v, -1, &nrest);

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
        all = lv_output_sorted_keys(v, -1, &na);
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

int lv_output_text(struct lv_buf *b, const json_t *v)
{
    return text_item(b, v, NULL, NULL, 0);
}
