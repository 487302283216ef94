/*
 * http: the HTTP front on libmicrohttpd — request lifecycle, body limits,
 * authentication, routing by X-Amz-Target, validation, and the AWS JSON 1.1
 * envelope. It hands a handler a struct lv_req and a validated JSON object,
 * and never touches the store itself.
 */
#ifndef LV_HTTP_HTTP_H
#define LV_HTTP_HTTP_H

struct lv_app;
struct lv_err;
struct lv_http;

/* Starts listening on app->cfg.listen with app->cfg.threads workers. The
 * bound port (useful with port 0) is written to *port. NULL with *err when
 * the address is bad or taken. */
struct lv_http *lv_http_start(struct lv_app *app, int *port,
                              struct lv_err *err);

/* Stops accepting, finishes the requests in flight, frees; NULL no-op. */
void lv_http_stop(struct lv_http *h);

#endif
