/*
 * json_pick: some top-level members of a JSON object text, parsed, and
 * nothing else of it. The audit recorder reads a PutLogEvents body (up to
 * megabytes of events it must not keep) for its group and stream only,
 * and a KMS answer (which may hold a Plaintext it must never copy) for
 * the members its record names only: each wanted member's value is
 * parsed alone (jansson's json_loadb), every other member is skipped by a
 * scan that follows strings and nesting and parses nothing.
 */
#ifndef LV_UTIL_JSON_PICK_H
#define LV_UTIL_JSON_PICK_H

#include <stddef.h>

#include <jansson.h>

/* Whether the member named key (n bytes, as written: not unescaped, not
 * NUL-terminated) is wanted. */
typedef int (*lv_json_want_fn)(void *arg, const char *key, size_t n);

/*
 * A new object with the members of text[0 … len) that want() accepts,
 * each as its value parses (a member whose value does not parse is left
 * out; of a key given twice, the last). A key written with an escape is
 * never wanted (no member we pick needs one). The scan stops at the first
 * thing it cannot follow and keeps what it found before; a text that is
 * not an object gives an empty object. It reads nothing past len and
 * keeps no pointer into text. Never NULL.
 */
json_t *lv_json_pick(const char *text, size_t len, lv_json_want_fn want,
                     void *arg);

#endif
