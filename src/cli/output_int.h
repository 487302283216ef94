/*
 * cli/output_int: what the files of cli/output share and nothing outside
 * uses — one formatter per output format, each appending to a buffer (the
 * entry points in output.c choose one and write the result), and the key
 * helpers the text and table formats both use.
 */
#ifndef LV_CLI_OUTPUT_INT_H
#define LV_CLI_OUTPUT_INT_H

#include <stddef.h>
#include <string.h>

#include <jansson.h>

struct lv_buf;

/* A scalar as awscli sees one: anything but a dict or a list (NULL, the
 * missing value, is a scalar). */
static inline int is_scalar(const json_t *v)
{
    return !v || !(json_is_object(v) || json_is_array(v));
}

/* qsort's comparison of two `const char *` by strcmp. */
static inline int key_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * The keys of object `o` (borrowed), sorted by strcmp, in a new array
 * (free() it; the strings stay o's): scalar = 1 only scalar members, 0
 * only dicts and lists, -1 all. *n is the count.
 */
const char **lv_output_sorted_keys(const json_t *o, int scalar, size_t *n);

/* Adds `k` (borrowed) to the set `*set` (*n entries, room for *cap; grown
 * as needed, free(*set) when done) unless it holds it already. */
void lv_output_set_add(const char ***set, size_t *n, size_t *cap,
                       const char *k);

/*
 * The formats. Each appends `v` (borrowed; NULL = JSON null) to `b` and
 * returns 0, or -1 when b's max would be passed (b may then hold part of
 * the output; lv_output_format cuts it back).
 *   json:  json.dumps(indent=4) and a newline; nothing for an empty object;
 *   text:  awscli/text.py's rows;
 *   table: awscli/table.py's table titled `title`, vertical when wider
 *          than `term_width` columns.
 */
int lv_output_json(struct lv_buf *b, const json_t *v);
int lv_output_text(struct lv_buf *b, const json_t *v);
int lv_output_table(struct lv_buf *b, const json_t *v, const char *title,
                    int term_width);

#endif
