/*
 * civil: proleptic Gregorian dates to days since 1970-01-01 and back, for
 * every int64 year the callers use (Howard Hinnant's days_from_civil /
 * civil_from_days, http://howardhinnant.github.io/date_algorithms.html).
 * Pure arithmetic: no time zone, no locale, thread-safe.
 */
#ifndef LV_UTIL_CIVIL_H
#define LV_UTIL_CIVIL_H

#include <stdint.h>

/* Days from 1970-01-01 to year y, month m (1..12), day d (1..31). */
int64_t lv_days_from_civil(int64_t y, unsigned m, unsigned d);

/* The date of day z (days from 1970-01-01): *y, *m (1..12), *d (1..31). */
void lv_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);

#endif
