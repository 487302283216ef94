/*
 * banned: functions that are easy to misuse, turned into compile errors.
 * Force-included by the build (-include). Use snprintf, lv_buf, strtoll with
 * checks, gmtime_r/localtime_r, and OpenSSL's RAND_bytes instead.
 */
#ifndef LV_UTIL_BANNED_H
#define LV_UTIL_BANNED_H

/* The system headers that declare them come first, so that their own
 * declarations are seen before the macros (include guards keep later
 * #includes from re-reading them). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BANNED(func) sorry_##func##_is_a_banned_function

#undef strcpy
#define strcpy(x, y) BANNED(strcpy)
#undef strcat
#define strcat(x, y) BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) BANNED(strncpy)
#undef sprintf
#define sprintf(...) BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) BANNED(vsprintf)
#undef strtok
#define strtok(x, y) BANNED(strtok)
#undef gmtime
#define gmtime(x) BANNED(gmtime)
#undef localtime
#define localtime(x) BANNED(localtime)
#undef atoi
#define atoi(x) BANNED(atoi)
#undef rand
#define rand() BANNED(rand)

#endif
