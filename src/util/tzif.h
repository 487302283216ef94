/*
 * tzif: IANA time zone rules read from TZif files (RFC 8536, versions 2
 * and later; Debian's package tzdata installs them under
 * /usr/share/zoneinfo, or $TZDIR when set) — a UTC instant's offset,
 * daylight flag and abbreviation in a zone, and a local time's instant.
 *
 * A zone is parsed once into an immutable table (transitions, local time
 * types, and the POSIX TZ string of the footer, RFC 8536 section 3.3, for
 * instants past the last transition) and kept for the life of the process
 * by lv_tzif_get, which is safe from any thread. Nothing here reads or
 * changes the process's TZ, tzset or localtime.
 *
 * Only the 64-bit (version 2+) data are used; a file with leap second
 * records (the "right/" zones) or without a version 2+ block is refused.
 * Instants before the first transition use time type 0 (RFC 8536 3.2);
 * past the last one the footer's rule, or the last type when the footer
 * is empty.
 */
#ifndef LV_UTIL_TZIF_H
#define LV_UTIL_TZIF_H

#include <stddef.h>
#include <stdint.h>

struct lv_tzif;

/* What a zone says about one instant. */
struct lv_tzinfo {
    int32_t off;                /* seconds east of UTC */
    int isdst;
    char abbr[16];              /* "CEST", "+1030" (no angle brackets) */
};

/* 1 when name may name a zone file: 1..255 bytes of [A-Za-z0-9_+-/],
 * not starting with '/', no empty, "." or ".." component. */
int lv_tzif_name_ok(const char *name);

/* The zone `name` ("Europe/Berlin"), loaded on first use and cached for
 * the life of the process: NULL when the name is not acceptable
 * (lv_tzif_name_ok), names no regular file, or the file is not a usable
 * TZif file. Thread-safe; the result is never freed. */
const struct lv_tzif *lv_tzif_get(const char *name);

/* Parses a TZif file's n bytes: a new zone (lv_tzif_free it), or NULL. */
struct lv_tzif *lv_tzif_parse(const unsigned char *p, size_t n);
void lv_tzif_free(struct lv_tzif *z);

/* Parses a POSIX TZ string (RFC 8536 3.3, with its extensions: hours up
 * to 167 in rule times, negative rule times): a zone whose only rule it
 * is, or NULL. For tests and the fuzzer. */
struct lv_tzif *lv_tzif_posix(const char *tz);

/* The zone's offset, daylight flag and abbreviation at UTC instant t
 * (seconds since the epoch). */
void lv_tzif_at(const struct lv_tzif *z, int64_t t, struct lv_tzinfo *out);

/* The UTC instant (seconds) of local wall time `local` (seconds since
 * 1970-01-01T00:00 in local time), by java.time's rule: a time in an
 * overlap takes the earlier of its two instants (the offset before the
 * change), a time in a gap is moved later by the gap's length (read with
 * the offset before the gap). */
int64_t lv_tzif_local_to_utc(const struct lv_tzif *z, int64_t local);

#endif
