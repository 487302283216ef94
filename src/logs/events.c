/*
 * events.c: the table of the Logs event handlers — PutLogEvents
 * (ingest.c) and GetLogEvents (read.c).
 */
#include "logs/logs.h"

#include <stddef.h>

#include "logs/events_int.h"

const struct lv_handler lv_logs_event_handlers[] = {
    { "PutLogEvents", lv_logs_put_log_events },
    { "GetLogEvents", lv_logs_get_log_events },
    { NULL, NULL },
};
