#include "logs/logs.h"

#include <stddef.h>

const struct lv_handler lv_logs_event_handlers[] = {
    { NULL, NULL },
};
