/*
 * err: the error a fallible function hands back to its caller — an AWS error
 * type (enum lv_errcode, generated from the models) and the message the
 * client will read. src/http/reply.c is the only writer of the JSON envelope.
 *
 * Two kinds of err, told apart by how they are made:
 *  - LV_ERR_INIT: msg holds the message, cut (at a character boundary) to
 *    its 511 bytes. Nothing to release. For errs that stay inside the
 *    server or whose messages are known to be short.
 *  - LV_ERR_INIT_WHOLE: the message is kept whole, whatever its length
 *    (AWS quotes a rejected value whole, e.g. a 513-character log group
 *    name): a message that does not fit msg is also kept in `full` on the
 *    heap. lv_err_msg() gives the whole message; lv_err_release() frees
 *    it. The request's err (http/server.c) and the CLI's are of this kind.
 * In both, msg always holds the (possibly cut) message, so code that only
 * logs or compares a short message may keep reading err->msg.
 * Do not copy a WHOLE err by assignment once it holds a message: the copy
 * would share `full`.
 */
#ifndef LV_UTIL_ERR_H
#define LV_UTIL_ERR_H

enum lv_errcode {
    LV_E_NONE = 0,
#define X(e, type, status) e,
#include "util/gen/errors.def"
#undef X
    LV_E__COUNT
};

struct lv_err {
    enum lv_errcode code;
    char msg[512];      /* the AWS-style message, cut to fit; may be empty */
    char *full;         /* the whole message when it did not fit msg */
    unsigned whole;     /* LV_ERR_WHOLE_MARK: keep long messages whole */
};

/* Not 1: an err left uninitialised (against the style) must not pass for
 * a WHOLE one whose `full` lv_err_set would free. */
#define LV_ERR_WHOLE_MARK 0x77686f6cu

#define LV_ERR_INIT { LV_E_NONE, { 0 }, NULL, 0 }
#define LV_ERR_INIT_WHOLE { LV_E_NONE, { 0 }, NULL, LV_ERR_WHOLE_MARK }

/* Fills *err (when not NULL) and returns -1, so a function can end with
 * `return lv_err_set(...)`. A message longer than msg is cut there, and
 * kept whole in `full` too when err is a WHOLE err (freeing the message a
 * previous call kept there). */
int lv_err_set(struct lv_err *err, enum lv_errcode code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The whole message of err (never NULL): a loan valid until the next
 * lv_err_set or lv_err_release on err. */
const char *lv_err_msg(const struct lv_err *err);

/* Frees what a WHOLE err holds and empties its message; it stays usable.
 * A no-op on an LV_ERR_INIT err. */
void lv_err_release(struct lv_err *err);

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
