/*
 * b64: standard base64 (RFC 4648 section 4: alphabet A-Z a-z 0-9 + /, with
 * '=' padding), the encoding of every blob in the AWS JSON 1.1 protocol.
 *
 * Decoding is strict, like the Java decoder behind AWS's front end: the
 * length must be a multiple of 4, only alphabet characters may appear, '='
 * only as one or two final pad characters, and the bits a final symbol does
 * not use must be zero (one canonical text per byte string). No whitespace,
 * no URL-safe alphabet, no missing padding.
 *
 * It does not allocate without being asked to (the _alloc and _buf forms),
 * and every size it computes is checked for overflow.
 */
#ifndef LV_UTIL_B64_H
#define LV_UTIL_B64_H

#include <stddef.h>

struct lv_buf;

/* Why a text is not valid base64 (lv_b64_check). */
enum lv_b64_status {
    LV_B64_OK = 0,
    LV_B64_BAD_LENGTH,  /* length not a multiple of 4 */
    LV_B64_BAD_CHAR,    /* a character outside the alphabet, or '=' early */
    LV_B64_BAD_TAIL,    /* the last symbol before the padding has stray bits */
};

/* Bytes of text (no NUL) that encoding n bytes gives; 0 when that would
 * overflow size_t (n near SIZE_MAX), which no caller's buffer can hold. */
size_t lv_b64_encoded_len(size_t n);

/* The most bytes a text of n characters decodes to (3 per 4). */
size_t lv_b64_decoded_max(size_t n);

/*
 * Encodes n bytes of `data` into `out`, which must hold
 * lv_b64_encoded_len(n) + 1 bytes; NUL-terminates and returns the text
 * length.
 */
size_t lv_b64_encode(const void *data, size_t n, char *out);

/* Encodes into a fresh NUL-terminated string (free() it); *len, when not
 * NULL, gets its length. Aborts only on allocation failure. */
char *lv_b64_encode_alloc(const void *data, size_t n, size_t *len);

/* Appends the encoding of n bytes to b; -1 (b unchanged) past its max. */
int lv_b64_encode_buf(const void *data, size_t n, struct lv_buf *b);

/*
 * Checks that s (n bytes, need not be NUL-terminated) is strict base64.
 * On LV_B64_OK, *decoded_len (when not NULL) gets the decoded size. On
 * LV_B64_BAD_CHAR, *bad (when not NULL) gets the offending character.
 */
enum lv_b64_status lv_b64_check(const char *s, size_t n, size_t *decoded_len,
                                char *bad);

/*
 * Decodes strict base64 s (n bytes) into `out`, which must hold
 * lv_b64_decoded_max(n) bytes. Returns 0 and sets *out_len, or -1 when s
 * is not strict base64 (out may then hold partial output: a caller
 * decoding secrets wipes it).
 */
int lv_b64_decode(const char *s, size_t n, unsigned char *out,
                  size_t *out_len);

/*
 * Decodes into a fresh buffer (free() it, or lv_secret_free() it when it
 * holds a secret), NUL-terminated for convenience (the NUL is not counted
 * in *out_len). Returns NULL when s is not strict base64; nothing leaks
 * (partial output is wiped).
 */
unsigned char *lv_b64_decode_alloc(const char *s, size_t n, size_t *out_len);

#endif
