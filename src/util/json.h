/*
 * json: small helpers over jansson for service handlers — typed getters that
 * read an already validated input object, and a writer that appends a JSON
 * response straight into a struct lv_buf without building a jansson tree.
 *
 * Getters never fail on a value of the wrong type: they report it as absent
 * (lv_model_validate has already answered the client for bad types, so a
 * handler reaching a wrong type is a bug it may treat as "not given").
 * Returned pointers are loans into the json_t: valid while the caller holds
 * its reference to `o` and does not modify that member.
 *
 * The writer (struct lv_jw) tracks commas and nesting itself; its calls do
 * not return errors: a failure (the buffer's max reached, nesting past
 * LV_JW_MAX_DEPTH, a value where a key belongs) is sticky and reported once,
 * by lv_jw_finish(). It writes compact JSON, escapes strings with
 * lv_buf_add_json_str (which writes each byte of ill-formed UTF-8 as
 * U+FFFD, so the output is valid UTF-8 whatever the input), and writes
 * non-finite doubles as null.
 *
 * Not here: parsing (jansson's json_loadb), schema checks (model/validate.c),
 * the error envelope (http/reply.c).
 */
#ifndef LV_UTIL_JSON_H
#define LV_UTIL_JSON_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct lv_buf;
struct lv_err;

/* --- getters: NULL / 0 when the key is absent, JSON null or mistyped --- */

/* The string member `key`, or NULL. */
const char *lv_json_str(const json_t *o, const char *key);

/* Same, with its length in bytes (strings may hold NUL: "\u0000"). */
const char *lv_json_strn(const json_t *o, const char *key, size_t *len);

/*
 * Integer member: 1 and *v set when present, 0 (and *v untouched) when
 * absent or null. A JSON real is truncated toward zero, as AWS's front end
 * does for integer members (its TruncatingBigNumber); a real outside the
 * int64 range counts as absent.
 */
int lv_json_int64(const json_t *o, const char *key, int64_t *v);

/* Boolean member: 1 and *v = 0 or 1 when present, else 0. */
int lv_json_bool(const json_t *o, const char *key, int *v);

/* Number member (integer or real): 1 and *v when present, else 0. */
int lv_json_double(const json_t *o, const char *key, double *v);

/* Object / array member, or NULL (a loan, see above). */
const json_t *lv_json_obj(const json_t *o, const char *key);
const json_t *lv_json_arr(const json_t *o, const char *key);

/*
 * Base64 blob member, decoded into a fresh NUL-terminated buffer (the NUL
 * not counted in *len); NULL when absent or not strict base64. The caller
 * frees it — with lv_secret_free(p, *len + 1) when it holds plaintext.
 */
unsigned char *lv_json_blob(const json_t *o, const char *key, size_t *len);

/*
 * Required members, for handlers that prefer an error to a test: 0 with
 * *out set, or -1 with *err filled with the AWS validation message
 * ("1 validation error detected: Value null at 'logGroupName' failed to
 * satisfy constraint: Member must not be null", or the length/range one).
 * The error code is the service's validation code, told apart by the key's
 * spelling: Logs members are camelCase (InvalidParameterException), KMS
 * members PascalCase (ValidationException); the path shows the key with a
 * lowercase first letter, as AWS does. lv_json_req_str checks the length in
 * characters (code points) against [min, max].
 */
int lv_json_req_str(const json_t *o, const char *key, size_t min, size_t max,
                    const char **out, struct lv_err *err);
int lv_json_req_int(const json_t *o, const char *key, int *out,
                    struct lv_err *err);
int lv_json_req_int64(const json_t *o, const char *key, int64_t *out,
                      struct lv_err *err);

/* Code points in s (n bytes of UTF-8); each byte of an invalid sequence
 * counts as one. Java-side AWS counts string lengths this way. */
size_t lv_json_utf8_len(const char *s, size_t n);

/* Appends `v` as compact JSON to out; -1 (out unchanged) past its max. */
int lv_json_dump_to_buf(const json_t *v, struct lv_buf *out);

/* --- the writer --- */

#define LV_JW_MAX_DEPTH 64

struct lv_jw {
    struct lv_buf *b;       /* borrowed; the writer appends to it */
    size_t start;           /* b->len when the writer began */
    int depth;              /* open objects/arrays */
    int failed;             /* sticky: an append failed or misuse */
    int after_key;          /* a key was written, its value comes next */
    uint64_t has_item;      /* bit d: the container at depth d has an item */
    uint64_t is_obj;        /* bit d: the container at depth d is an object */
};

/* Starts writing at the end of b (which the writer does not own). */
void lv_jw_init(struct lv_jw *w, struct lv_buf *b);

void lv_jw_obj_open(struct lv_jw *w);
void lv_jw_obj_close(struct lv_jw *w);
void lv_jw_arr_open(struct lv_jw *w);
void lv_jw_arr_close(struct lv_jw *w);
/* An object key; the next call writes its value. */
void lv_jw_key(struct lv_jw *w, const char *key);

void lv_jw_str(struct lv_jw *w, const char *s);        /* NULL → null */
void lv_jw_strn(struct lv_jw *w, const char *s, size_t n);
void lv_jw_int64(struct lv_jw *w, int64_t v);
/* The shortest decimal text that reads back as v, in C notation
 * (1700000000.123, 1e+300); NaN and infinities → null. */
void lv_jw_double(struct lv_jw *w, double v);
void lv_jw_bool(struct lv_jw *w, int v);
void lv_jw_null(struct lv_jw *w);
/* The base64 encoding of n bytes, as a string (a blob on the wire). */
void lv_jw_b64(struct lv_jw *w, const void *data, size_t n);
/* A jansson value, compact. */
void lv_jw_json(struct lv_jw *w, const json_t *v);
/* n bytes of JSON text, trusted to be one well-formed value. */
void lv_jw_raw(struct lv_jw *w, const char *json, size_t n);

/*
 * Raw writing, for a loop that formats many values itself (GetLogEvents'
 * events, with lv_buf_put_json_str and lv_buf_put_int64) without this
 * writer's checks per call. lv_jw_raw_begin starts one value as lv_jw_raw
 * would (the comma, the key before it) and returns 0, or -1 once the
 * writer has failed. Then, as often as needed, lv_jw_reserve returns where
 * `room` more bytes may be written (NULL, and the writer failed, past the
 * buffer's max) and lv_jw_commit(w, end) keeps what was written up to
 * end (which lies within the room reserved last). What is written between
 * lv_jw_raw_begin and the last commit must be one well-formed JSON value.
 */
int lv_jw_raw_begin(struct lv_jw *w);
char *lv_jw_reserve(struct lv_jw *w, size_t room);
void lv_jw_commit(struct lv_jw *w, const char *end);

/* Key + value in one call. */
void lv_jw_kstr(struct lv_jw *w, const char *key, const char *s);
void lv_jw_kint64(struct lv_jw *w, const char *key, int64_t v);
void lv_jw_kbool(struct lv_jw *w, const char *key, int v);

/*
 * 0 when everything written so far succeeded and every container is
 * closed; otherwise -1, and the buffer is cut back to where the writer
 * started (so a caller can answer with an error instead of half a body).
 */
int lv_jw_finish(struct lv_jw *w);

#endif
