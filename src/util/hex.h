/*
 * hex: base 16 for digests, ids and signatures — lower-case out, either
 * case in. Nothing here allocates; the caller sizes every buffer (2n + 1
 * bytes of text for n bytes).
 */
#ifndef LV_UTIL_HEX_H
#define LV_UTIL_HEX_H

#include <stddef.h>
#include <stdint.h>

/* Writes the n bytes at `in` as 2n lower-case hex digits and a NUL into
 * `out`, which holds 2n + 1 bytes. */
void lv_hex_encode(const void *in, size_t n, char *out);

/* The value (0-15) of the hex digit c, upper or lower case; -1 when c is
 * not one. */
int lv_hex_value(int c);

/* Decodes the 2n hex digits at s (either case) into n bytes at `out`.
 * Returns 0, or -1 at the first character that is not a hex digit (out
 * then holds the bytes before it); so a NUL-terminated s shorter than 2n
 * is not read past its NUL. */
int lv_hex_decode(const char *s, size_t n, uint8_t *out);

/* 1 when the n characters at s are all lower-case hex digits ("0"-"9",
 * "a"-"f"), as lv_hex_encode writes them; else 0. */
int lv_hex_is_lower(const char *s, size_t n);

#endif
