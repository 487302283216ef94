#include "util/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *type;
    int status;
} errs[] = {
    [LV_E_NONE] = { "", 200 },
#define X(e, type, status) [e] = { type, status },
#include "model/gen/errors.def"
#undef X
};

int lv_err_set(struct lv_err *err, enum lv_errcode code, const char *fmt, ...)
{
    va_list ap;

    if (!err) {
        return -1;
    }
    err->code = code;
    err->msg[0] = '\0';
    if (fmt) {
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
        va_end(ap);
    }
    return -1;
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
