/*
 * transform_time: the dateTimeConverter processor's patterns — a subset
 * of the Java DateTimeFormatter pattern letters AWS's page points to —
 * compiled once, then used to parse a datetime string and format an
 * instant (transform.c runs them).
 *
 * Letters: yyyy yy (year), M MM (month), MMM MMMM (English month names),
 * d dd, H HH, h hh with a (AM/PM), m mm, s ss, S… (fraction of a second),
 * E… (English day names: parsed and checked for form, written), X XX XXX
 * and Z (offset, "Z" for zero with X), z zz zzz (the zone's short name:
 * written; parsed only as "UTC", "GMT" or "Z"), 'quoted text' and ''
 * (a quote); any other ASCII letter is refused. Time zones (lv_dtf_tz):
 * UTC (also "GMT", "Z", "Etc/UTC"), fixed offsets "+hh:mm" / "-hh:mm" /
 * "+h" with an optional prefix UTC, GMT or UT as java.time reads them
 * ("GMT+5" is five hours east, never the tz database's file of that name),
 * and IANA zone names ("Europe/Berlin") with their daylight rules, read
 * from the system's TZif files (util/tzif.h); an unknown name, and files
 * that are no java.time zone ID (localtime, posixrules, Factory, posix/,
 * right/), are refused (InvalidParameterException in transform.c).
 *
 * z writes what java.time's DateTimeFormatter writes for fixed zones
 * ("UTC", "GMT", "Z", "+05:30", "UTC+05:30"); for a named zone it writes
 * the tz database's abbreviation ("CET", "EDT", "IST", but "+1030" for
 * Australia/Lord_Howe where Java's English names say "LHST"), and in
 * English only (no locale: the page's "MEZ" is German).
 */
#ifndef LV_LOGS_TRANSFORM_TIME_H
#define LV_LOGS_TRANSFORM_TIME_H

#include <stddef.h>
#include <stdint.h>

#define LV_DTF_MAX_TOKENS 48

struct lv_dtf_tok {
    char letter;                /* 0: literal text */
    unsigned char width;        /* repeat count, or the literal's length */
    char text[24];              /* the literal */
};

struct lv_dtf {
    struct lv_dtf_tok tok[LV_DTF_MAX_TOKENS];
    size_t n;
};

/* Compiles a pattern: 0, or -1 when it uses what the subset lacks. */
int lv_dtf_compile(const char *pattern, struct lv_dtf *f);

/* A time zone as an offset from UTC in seconds: 0, or -1 when it is not
 * a fixed offset. */
int lv_dtf_zone(const char *zone, int *offset_s);

struct lv_tzif;

/* A zone of sourceTimezone / targetTimezone: a fixed offset, or rules. */
struct lv_dtf_tz {
    int off_s;                      /* fixed zones: seconds east of UTC */
    const struct lv_tzif *rules;    /* named zones (tzif.h), else NULL */
    char abbr[16];                  /* fixed zones: what z writes */
};

/* The zone named `zone` (NULL: UTC): 0, or -1 when it is neither a fixed
 * offset nor a known IANA zone. */
int lv_dtf_tz(const char *zone, struct lv_dtf_tz *tz);

/* lv_dtf_parse and lv_dtf_format in a zone that may have rules: a local
 * time without an offset is read in tz (a time in a DST gap or overlap by
 * java.time's rule: tzif.h), and the instant is written in tz. */
int lv_dtf_parse_tz(const struct lv_dtf *f, const char *s, size_t n,
                    const struct lv_dtf_tz *tz, int64_t *ms);
int lv_dtf_format_tz(const struct lv_dtf *f, int64_t ms,
                     const struct lv_dtf_tz *tz, char *out, size_t cap);

/* Parses all of s[0..n) with f: 0 with the instant in *ms (epoch
 * milliseconds; the zone is default_off_s unless s names an offset), or
 * -1 when s does not match. */
int lv_dtf_parse(const struct lv_dtf *f, const char *s, size_t n,
                 int default_off_s, int64_t *ms);

/* Writes instant ms in zone off_s with f into out[cap] (NUL-terminated):
 * its length, or -1 when it does not fit or the year is out of 0..9999. */
int lv_dtf_format(const struct lv_dtf *f, int64_t ms, int off_s, char *out,
                  size_t cap);

#endif
