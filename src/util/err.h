/*
 * err: the error a fallible function hands back to its caller — an AWS error
 * type (enum lv_errcode, generated from the models) and the message the
 * client will read. src/http/reply.c is the only writer of the JSON envelope.
 */
#ifndef LV_UTIL_ERR_H
#define LV_UTIL_ERR_H

enum lv_errcode {
    LV_E_NONE = 0,
#define X(e, type, status) e,
#include "model/gen/errors.def"
#undef X
    LV_E__COUNT
};

struct lv_err {
    enum lv_errcode code;
    char msg[512];      /* the AWS-style message; may be empty */
};

#define LV_ERR_INIT { LV_E_NONE, { 0 } }

/* Fills *err (when not NULL) and returns -1, so a function can end with
 * `return lv_err_set(...)`. The message is truncated to fit. */
int lv_err_set(struct lv_err *err, enum lv_errcode code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The wire name (`__type`) and HTTP status of `code`. */
const char *lv_err_type(enum lv_errcode code);
int lv_err_status(enum lv_errcode code);

/* The code whose __type is `type`, or LV_E_NONE. */
enum lv_errcode lv_err_by_type(const char *type);

/* Aborts with file and line: a broken invariant, not an error. */
#define LV_BUG(...) lv_bug(__FILE__, __LINE__, __VA_ARGS__)
_Noreturn void lv_bug(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
