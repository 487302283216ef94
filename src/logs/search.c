#include "logs/logs.h"

#include <stddef.h>

const struct lv_handler lv_logs_search_handlers[] = {
    { NULL, NULL },
};
