/*
 * thread: names a thread the server starts, so that `top -H`, `ps -L`,
 * /proc/PID/task/TID/comm and a profiler tell its threads apart (the
 * audit writer from the checkpointer from the HTTP threads).
 */
#ifndef LV_UTIL_THREAD_H
#define LV_UTIL_THREAD_H

#include <pthread.h>

/* Names th "lv-NAME", cut to the kernel's 15 bytes. A failure is ignored:
 * a name is for people, nothing depends on it. */
void lv_thread_name(pthread_t th, const char *name);

#endif
