/*
 * serve: `logvault serve` — opens the data dir (lock file, root key,
 * store), starts the HTTP front, and on SIGTERM or SIGINT finishes the
 * requests in flight, closes the store and exits.
 */
#ifndef LV_SERVE_H
#define LV_SERVE_H

/* argv[0] is "serve". Returns the process exit status. */
int lv_serve_main(int argc, char **argv);

#endif
