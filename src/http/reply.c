#include "http/reply.h"

#include <string.h>

#include "util/buf.h"
#include "util/err.h"

int lv_reply_error(const struct lv_err *err, struct lv_buf *out)
{
    const char *type = lv_err_type(err->code);
    const char *msg = lv_err_msg(err);

    lv_buf_reset(out);
    lv_buf_adds(out, "{\"__type\":\"");
    lv_buf_adds(out, type);
    lv_buf_addc(out, '"');
    if (msg[0]) {
        lv_buf_adds(out, ",\"message\":\"");
        /* The whole message, unless even escaped it passes the response
         * ceiling (a request near the body limit quoted back several
         * times): then its first 511 bytes, the part err->msg keeps. */
        if (lv_buf_add_json_str(out, msg, strlen(msg)) < 0) {
            lv_buf_add_json_str(out, err->msg, strlen(err->msg));
        }
        lv_buf_addc(out, '"');
    }
    lv_buf_addc(out, '}');
    return lv_err_status(err->code);
}
