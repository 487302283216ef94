/*
 * route: from an X-Amz-Target header to the service, the model's operation
 * and its handler, through the operation table of each service generated
 * from the models (model/gen/ops.def). Read-only, so lookups need no
 * lock.
 */
#ifndef LV_HTTP_ROUTE_H
#define LV_HTTP_ROUTE_H

#include "svc/req.h"

struct lv_err;
struct lv_route;

struct lv_route *lv_route_new(void);
void lv_route_free(struct lv_route *r);

/*
 * Resolves `target` ("Logs_20140328.PutLogEvents"). On success fills *svc,
 * *op and *h (the handler's table entry; NULL when the model has the
 * operation but no handler does, which the front answers with
 * NotImplemented) and returns 0. A missing,
 * garbled or unknown target returns -1 with UnknownOperationException.
 */
int lv_route_find(const struct lv_route *r, const char *target,
                  const struct lv_service **svc, const struct lv_op **op,
                  const struct lv_handler **h, struct lv_err *err);

#endif
