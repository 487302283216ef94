/*
 * cli/output: the CLI's three output formats, laid out byte for byte as the
 * AWS CLI v2 lays them out (awscli/formatter.py, text.py, table.py):
 *   json  — json.dumps(indent=4, ensure_ascii=False), keys in the order
 *           received, floats as Python's repr, then a newline; an empty
 *           object prints nothing (so `create-log-group` prints nothing);
 *   text  — tab-separated rows, scalars of a dict sorted by key, nested
 *           lists and dicts on their own rows led by their upper-cased key;
 *   table — the boxed table titled with the operation name, column widths
 *           scaled to the widest section, nested sections indented, scalar
 *           keys sorted; wider than the terminal → vertical key/value rows.
 * Values print as Python's str() does (True, False, None, 1.5, 1e-05).
 *
 * It does not: apply --query (cli/jmespath does), merge pages (the caller
 * passes the merged response; `text` of a paginated response prints page by
 * page in the AWS CLI, which the caller reproduces by calling once a page),
 * colour (the AWS CLI colours tables only on a terminal), or yaml.
 *
 * Also exported, for cli/jmespath's to_string(): Python's float repr and
 * Python's json.dumps.
 */
#ifndef LV_CLI_OUTPUT_H
#define LV_CLI_OUTPUT_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

struct lv_buf;

/*
 * Writes `v` (borrowed; NULL means JSON null) to `out` in `format` ("json",
 * "text" or "table"); `title` is the table's title, the operation name as
 * the AWS CLI shows it (e.g. "DescribeLogGroups"); NULL for the others.
 * The table's width limit is the terminal's width when `out` is a terminal,
 * else 80, as the AWS CLI determines it. Returns 0, or -1 for an unknown
 * format or a write error.
 */
int lv_output_write(FILE *out, const json_t *v, const char *format,
                    const char *title);

/*
 * As lv_output_write, into `b` (appended; b's max is respected: -1 when it
 * would be passed), with an explicit terminal width for the table format.
 */
int lv_output_format(struct lv_buf *b, const json_t *v, const char *format,
                     const char *title, int term_width);

/* Python's repr(float) of `d` into buf (n >= 32): "1.5", "1e-05",
 * "1700000000.123", "1e+16", "inf", "nan". */
void lv_output_py_float(double d, char *buf, size_t n);

/*
 * Python's json.dumps(v) appended to `b`: indent < 0 → separators
 * (',', ':') on one line (as jmespath's to_string uses), else indent spaces
 * per level with ',' and ': ' (the AWS CLI's json output). ensure_ascii
 * escapes non-ASCII as \uXXXX (surrogate pairs above U+FFFF). Returns 0, -1
 * when b's max would be passed.
 */
int lv_output_py_json(struct lv_buf *b, const json_t *v, int indent,
                      int ensure_ascii);

/* Python's str(v) appended to `b` (strings bare, None, True, [1, 'a'],
 * {'k': 1.5}); repr=1 gives repr(v) (strings quoted). */
int lv_output_py_str(struct lv_buf *b, const json_t *v, int repr);

/* The columns `s` (UTF-8, NUL-terminated) takes in the table format:
 * one per code point, two for East Asian wide ones (awscli's
 * get_text_length). */
long lv_output_text_width(const char *s);

#endif
