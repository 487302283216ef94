/*
 * parse.c: the request body → the validated input object, the front's
 * deserialization step (see model.h). Shared by the HTTP front and by the
 * handlers that read the raw body themselves (LV_HANDLER_RAW_BODY) and fall
 * back to it, so that both answer a bad body with the same words.
 */
#include "model/model.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "util/err.h"

int lv_model_parse_input(const struct lv_service *svc, const struct lv_op *op,
                         const char *body, size_t len, struct json_t **in,
                         struct lv_err *err)
{
    json_t *v = NULL;
    json_error_t jerr;

    /* botocore sends "{}" for an empty input; an empty body means the
     * same. */
    if (len == 0) {
        v = json_object();
    } else if (memchr(body, '\0', len)) {
        /* JSON text never holds a raw NUL; jansson would stop at it. */
        snprintf(jerr.text, sizeof(jerr.text), "NUL byte in request body");
    } else {
        v = json_loadb(body, len, 0, &jerr);
    }
    if (!v || !json_is_object(v)) {
        lv_err_set(err, LV_E_SERIALIZATION,
                   v ? "Start of structure or map not found"
                     : "Invalid JSON in request body: %s", jerr.text);
        json_decref(v);
        return -1;
    }
    if (lv_model_validate(svc, op, v, err) < 0) {
        json_decref(v);
        return -1;
    }
    *in = v;
    return 0;
}
