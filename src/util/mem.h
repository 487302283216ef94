/*
 * mem: allocation that aborts on failure, so callers don't check. Safe only
 * because nothing a client sends allocates without a bound (see the LV_MAX_*
 * limits where input is read). Secrets are wiped with lv_secret_free().
 */
#ifndef LV_UTIL_MEM_H
#define LV_UTIL_MEM_H

#include <stddef.h>

void *lv_xmalloc(size_t n);
void *lv_xcalloc(size_t nmemb, size_t size);
void *lv_xrealloc(void *p, size_t n);
char *lv_xstrdup(const char *s);
char *lv_xstrndup(const char *s, size_t n);
/* printf into a fresh string; aborts on allocation failure. */
char *lv_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Wipes n bytes (OPENSSL_cleanse) then frees p; NULL is a no-op. */
void lv_secret_free(void *p, size_t n);
/* Wipes n bytes in place. */
void lv_secret_wipe(void *p, size_t n);
/* Constant-time equality of two n-byte buffers (CRYPTO_memcmp): 1 if equal. */
int lv_secret_equal(const void *a, const void *b, size_t n);

#endif
