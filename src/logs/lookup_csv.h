/*
 * lookup_csv: the CSV reader of lookup tables (CreateLookupTable,
 * UpdateLookupTable, and the tables Insights' lookup reads).
 *
 * The API reference says only that "the first row must be a header row
 * with column names", that the content is UTF-8 and at most 10 MB
 * (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/
 * API_CreateLookupTable.html). The rest is RFC 4180 as spreadsheets write
 * it, and the choices below where the RFC leaves room:
 *   - records end with LF or CRLF; the last may lack one; a line that is
 *     wholly empty (no byte before its end) is skipped, so trailing blank
 *     lines do not make rows;
 *   - a field is either bare (no '"' in it) or quoted ("…", with "" for
 *     one '"'; commas, CR and LF inside are kept); after a closing quote
 *     comes a comma or the record's end; a quote left open is an error;
 *   - one UTF-8 byte-order mark at the start is dropped; any invalid
 *     UTF-8 or NUL byte is an error;
 *   - the header has at least one column; column names are non-empty and
 *     distinct (case-sensitive, as Insights field names are);
 *   - every data row has exactly the header's number of fields.
 * Errors are InvalidParameterException naming the line (1-based, counted
 * in physical lines as an editor shows them). The wording is logvault's:
 * no AWS message for these cases has been published.
 *
 * Not here: the size limit (the model's TableBody max, checked before),
 * storage and encryption (lookup_table.c).
 */
#ifndef LV_LOGS_LOOKUP_CSV_H
#define LV_LOGS_LOOKUP_CSV_H

#include <stddef.h>
#include <stdint.h>

struct lv_err;

/* At most this many bytes are read (CreateLookupTable's TableBody max). */
#define LV_LOOKUP_CSV_MAX_BYTES (10u * 1024 * 1024)

struct lv_csv {
    char *text;             /* every cell unescaped and NUL-terminated,
                             * back to back, header first */
    uint32_t *cell;         /* offset in text of cell i: the header's
                             * columns are 0 … n_cols-1, data row r's
                             * column c is (r + 1) * n_cols + c */
    size_t n_cols;
    size_t n_rows;          /* data rows (the header not counted) */
};

void lv_csv_init(struct lv_csv *t);
void lv_csv_release(struct lv_csv *t);

/*
 * Reads data[0..len) (len at most LV_LOOKUP_CSV_MAX_BYTES, else an
 * error) into *out, which it releases first. 0, or -1 with *err
 * (InvalidParameterException, see above) and *out empty.
 */
int lv_csv_parse(const char *data, size_t len, struct lv_csv *out,
                 struct lv_err *err);

/* Column c's name (c < n_cols). */
const char *lv_csv_header(const struct lv_csv *t, size_t c);
/* Data row r's column c (r < n_rows, c < n_cols). */
const char *lv_csv_cell(const struct lv_csv *t, size_t r, size_t c);
/* The column named `name`, or -1. */
long lv_csv_column(const struct lv_csv *t, const char *name);

#endif
