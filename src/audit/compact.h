/*
 * compact: the text codec of an audit record's compact form (event.h:
 * what a record keeps of a request instead of CloudTrail's JSON, which is
 * rendered from it when the record is read).
 *
 * A compact record is text: no NUL byte (the store keeps it as a string)
 * and valid UTF-8 (PostgreSQL's text type), so that it is stored, hashed
 * and batched exactly as a JSON record was. Its tokens:
 *     str    <decimal length> ':' <that many bytes>
 *     opt    '-' (absent) | str
 *     json   'n' null | 't' true | 'f' false
 *            | 'i' <decimal int64> ';' | 'r' <%.17g> ';'
 *            | 's' str
 *            | 'o' <count> ':' then count × (str json)   (member order kept)
 *            | 'a' <count> ':' then count × json
 *     ojson  '-' (absent) | json
 * A string's bytes are written as given when they are well-formed UTF-8;
 * each byte that is not part of a well-formed sequence is written as
 * U+FFFD, which is what the JSON writer (util/buf.h) makes of it: the
 * record rendered from the compact form is the one the request's JSON
 * would have been.
 *
 * Writers append to an lv_buf and return 0, or -1 past the buffer's max
 * or for a string holding a NUL byte (which no request can carry: the
 * front's JSON parser refuses \u0000). Readers consume from a cursor and
 * return 0, or -1 on anything malformed (truncated, a length past the
 * end, a depth past LV_AUDIT_COMPACT_MAX_DEPTH, a number out of range):
 * they never read past the end, whatever the bytes.
 */
#ifndef LV_AUDIT_COMPACT_H
#define LV_AUDIT_COMPACT_H

#include <stddef.h>

#include <jansson.h>

struct lv_buf;

#define LV_AUDIT_COMPACT_MAX_DEPTH 32

int lv_audit_cw_str(struct lv_buf *b, const char *s, size_t n);
int lv_audit_cw_cstr(struct lv_buf *b, const char *s);      /* s not NULL */
int lv_audit_cw_opt(struct lv_buf *b, const char *s);       /* NULL: '-' */
int lv_audit_cw_json(struct lv_buf *b, const json_t *v);
int lv_audit_cw_ojson(struct lv_buf *b, const json_t *v);   /* NULL: '-' */

struct lv_audit_cr {
    const char *p;                  /* the next byte */
    const char *end;
};

/* A literal byte c: 0 and consumed, or -1. */
int lv_audit_cr_byte(struct lv_audit_cr *r, char c);
/* str as a malloc'd NUL-terminated copy in *out (free it). */
int lv_audit_cr_str(struct lv_audit_cr *r, char **out);
/* opt: *out NULL when absent. */
int lv_audit_cr_opt(struct lv_audit_cr *r, char **out);
/* json (a new reference in *out) and ojson (*out NULL when absent). */
int lv_audit_cr_json(struct lv_audit_cr *r, json_t **out);
int lv_audit_cr_ojson(struct lv_audit_cr *r, json_t **out);

#endif
