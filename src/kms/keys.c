#include "kms/kms.h"

#include <stddef.h>

const struct lv_handler lv_kms_key_handlers[] = {
    { NULL, NULL },
};
