/*
 * logs: the AWS CloudWatch Logs service — its operation handlers (one AWS
 * operation, one handler).
 */
#ifndef LV_LOGS_LOGS_H
#define LV_LOGS_LOGS_H

#include "svc/req.h"

/*
 * The handler of every operation src/model/implemented.txt lists for logs:
 * lv_logs_op_<operation in snake case>, an lv_handler_fn (util/req.h).
 * Declared from the generated model/gen/ops.def, which http/route.c
 * includes again for the operation table: a handler that is missing fails
 * to link. An operation of the model with no handler answers
 * NotImplemented (HTTP 501).
 */
#define OP(svc, name, fn, flags) LV_LOGS_DECLARE_##svc(fn)
#define OP_NOT_IMPLEMENTED(svc, name)
#define LV_LOGS_DECLARE_logs(fn) lv_handler_fn fn;
#define LV_LOGS_DECLARE_kms(fn)
#include "model/gen/ops.def"
#undef OP
#undef OP_NOT_IMPLEMENTED
#undef LV_LOGS_DECLARE_logs
#undef LV_LOGS_DECLARE_kms

#endif
