/*
 * thread.c: thread names (thread.h).
 */
#include "util/thread.h"

#include <stdio.h>

void lv_thread_name(pthread_t th, const char *name)
{
    char buf[16];   /* the kernel's TASK_COMM_LEN */

    snprintf(buf, sizeof(buf), "lv-%s", name);
    (void)pthread_setname_np(th, buf);
}
