/*
 * search_int: the handlers of the Logs search area, registered in
 * search.c's lv_logs_search_handlers — FilterLogEvents (search.c) and the
 * metric filter operations (metric.c). Each is an lv_handler_fn.
 */
#ifndef LV_LOGS_SEARCH_INT_H
#define LV_LOGS_SEARCH_INT_H

#include "svc/req.h"

struct json_t;
struct lv_buf;
struct lv_err;

/* metric.c */
int lv_logs_op_put_metric_filter(struct lv_req *rq, const struct json_t *in,
                                 struct lv_buf *out, struct lv_err *err);
int lv_logs_op_describe_metric_filters(struct lv_req *rq,
                                       const struct json_t *in,
                                       struct lv_buf *out,
                                       struct lv_err *err);
int lv_logs_op_delete_metric_filter(struct lv_req *rq,
                                    const struct json_t *in,
                                    struct lv_buf *out, struct lv_err *err);
int lv_logs_op_test_metric_filter(struct lv_req *rq, const struct json_t *in,
                                  struct lv_buf *out, struct lv_err *err);

#endif
