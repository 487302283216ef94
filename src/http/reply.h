/*
 * reply: the bodies the front writes — the AWS JSON error envelope
 * {"__type": "...", "message": "..."} (this file is its only writer) and
 * the health document.
 */
#ifndef LV_HTTP_REPLY_H
#define LV_HTTP_REPLY_H

struct lv_buf;
struct lv_err;

/* Writes the envelope of *err into *out (reset first); returns the HTTP
 * status of the error. The message is lv_err_msg(err), whole; an empty
 * one is left out, as AWS does for InvalidCiphertextException and
 * UnknownOperationException. */
int lv_reply_error(const struct lv_err *err, struct lv_buf *out);

#endif
