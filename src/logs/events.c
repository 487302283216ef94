/*
 * events.c: the table of the Logs event handlers — PutLogEvents
 * (ingest.c) and GetLogEvents (read.c).
 */
#include "logs/logs.h"

#include <stddef.h>

#include "logs/events_int.h"

const struct lv_handler lv_logs_event_handlers[] = {
    /* The ingest hot path decodes its body itself (ingest.c). */
    { "PutLogEvents", lv_logs_put_log_events, LV_HANDLER_RAW_BODY },
    { "GetLogEvents", lv_logs_get_log_events, 0 },
    { NULL, NULL, 0 },
};
