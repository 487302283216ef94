#include "util/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

static const struct {
    const char *type;
    int status;
} errs[] = {
    [LV_E_NONE] = { "", 200 },
#define X(e, type, status) [e] = { type, status },
#include "util/gen/errors.def"
#undef X
};

/* s was cut by vsnprintf at a byte; drop a last character left partial,
 * so that the cut message stays valid UTF-8. */
static void cut_at_char(char *s)
{
    size_t len = strlen(s);
    size_t p = len;
    size_t need;
    unsigned char c;

    if (len == 0) {
        return;
    }
    do {
        p--;
    } while (p > 0 && ((unsigned char)s[p] & 0xc0) == 0x80);
    c = (unsigned char)s[p];
    need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
    if (p + need > len) {
        s[p] = '\0';
    }
}

int lv_err_set(struct lv_err *err, enum lv_errcode code, const char *fmt, ...)
{
    /* Freed last: an argument may point into the message it replaces. */
    char *old = NULL;
    va_list ap;
    int n;

    if (!err) {
        return -1;
    }
    if (err->whole == LV_ERR_WHOLE_MARK) {
        old = err->full;
        err->full = NULL;
    }
    err->code = code;
    err->msg[0] = '\0';
    if (fmt) {
        va_start(ap, fmt);
        n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
        va_end(ap);
        if (n >= (int)sizeof(err->msg)) {
            if (err->whole == LV_ERR_WHOLE_MARK) {
                /* Bounded by what was formatted: the values quoted come
                 * from a request whose size the front bounded. */
                err->full = lv_xmalloc((size_t)n + 1);
                va_start(ap, fmt);
                vsnprintf(err->full, (size_t)n + 1, fmt, ap);
                va_end(ap);
            }
            cut_at_char(err->msg);
        }
    }
    free(old);
    return -1;
}

const char *lv_err_msg(const struct lv_err *err)
{
    return err->whole == LV_ERR_WHOLE_MARK && err->full ? err->full
                                                       : err->msg;
}

void lv_err_release(struct lv_err *err)
{
    if (err->whole == LV_ERR_WHOLE_MARK) {
        free(err->full);
        err->full = NULL;
    }
    err->msg[0] = '\0';
}

const char *lv_err_type(enum lv_errcode code)
{
    if ((int)code <= 0 || code >= LV_E__COUNT) {
        return "InternalFailure";
    }
    return errs[code].type;
}

int lv_err_status(enum lv_errcode code)
{
    if ((int)code <= 0 || code >= LV_E__COUNT) {
        return 500;
    }
    return errs[code].status;
}

enum lv_errcode lv_err_by_type(const char *type)
{
    for (int i = 1; i < LV_E__COUNT; i++) {
        if (strcmp(errs[i].type, type) == 0) {
            return (enum lv_errcode)i;
        }
    }
    return LV_E_NONE;
}

void lv_bug(const char *file, int line, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "BUG: %s:%d: ", file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}
