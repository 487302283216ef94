#include "logs/logs.h"

#include <stddef.h>

const struct lv_handler *const lv_logs_handler_tables[] = {
    lv_logs_group_handlers,
    lv_logs_event_handlers,
    lv_logs_search_handlers,
    NULL,
};
