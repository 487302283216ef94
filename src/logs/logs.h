/*
 * logs: the AWS CloudWatch Logs service — its operation handlers (one AWS
 * operation, one handler), registered in tables by area. An operation of
 * the model with no handler answers NotImplemented (HTTP 501).
 */
#ifndef LV_LOGS_LOGS_H
#define LV_LOGS_LOGS_H

#include "svc/req.h"

/* Handler tables, each terminated by { NULL, NULL }: groups.c (groups,
 * streams, retention, tags, KMS association), events.c (PutLogEvents,
 * GetLogEvents), search.c (FilterLogEvents, metric filters). */
extern const struct lv_handler lv_logs_group_handlers[];
extern const struct lv_handler lv_logs_event_handlers[];
extern const struct lv_handler lv_logs_search_handlers[];
/* All of them, NULL-terminated. */
extern const struct lv_handler *const lv_logs_handler_tables[];

#endif
