/*
 * log: one line per event to stderr, `area: what happened key=value…`.
 * Never log secrets, signatures, key material, event text or ciphertext.
 */
#ifndef LV_UTIL_LOG_H
#define LV_UTIL_LOG_H

enum lv_log_level { LV_LOG_DEBUG, LV_LOG_INFO, LV_LOG_WARN, LV_LOG_ERROR };

extern int lv_log_level;

/* Arguments are not evaluated when the level is off. */
#define lv_log(level, ...)                                                   \
    do {                                                                     \
        if ((level) < lv_log_level) {                                        \
            break;                                                           \
        }                                                                    \
        lv_log_write((level), __VA_ARGS__);                                  \
    } while (0)

void lv_log_write(enum lv_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
