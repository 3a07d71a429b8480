#include "lgx_http.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct lgx_http_s {
    struct MHD_Daemon *daemon;
    lgx_metrics_t *metrics;
    lgx_http_ready_fn ready;
    void *opaque;
    int port;
};

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status,
                             const char *type, const char *body, size_t len)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(
        len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!r) {
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", type);
    enum MHD_Result ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
                                  const char *url, const char *method,
                                  const char *version, const char *upload,
                                  size_t *upload_size, void **state)
{
    (void)version;
    (void)upload;
    (void)upload_size;
    (void)state;
    lgx_http_t *h = cls;
    if (strcmp(method, "GET") != 0) {
        return reply(conn, 405, "text/plain", "GET only\n", 9);
    }
    if (strcmp(url, "/metrics") == 0) {
        char why[256];
        if (h->ready) {
            /* Refreshes what the ready callback derives from the clock. */
            (void)h->ready(h->opaque, why, sizeof(why));
        }
        lgx_buf_t *b = lgx_buf_new();
        enum MHD_Result ret = MHD_NO;
        if (b && lgx_metrics_render(h->metrics, b) == LGX_OK) {
            ret = reply(conn, 200, "text/plain; version=0.0.4", lgx_buf_data(b),
                        lgx_buf_len(b));
        }
        lgx_buf_destroy(b);
        return ret;
    }
    if (strcmp(url, "/healthz") == 0) {
        return reply(conn, 200, "text/plain", "ok\n", 3);
    }
    if (strcmp(url, "/readyz") == 0) {
        char why[256] = "ready";
        bool ok = h->ready ? h->ready(h->opaque, why, sizeof(why)) : true;
        char body[300];
        int n = snprintf(body, sizeof(body), "%s\n", why);
        return reply(conn, ok ? 200 : 503, "text/plain", body, (size_t)n);
    }
    return reply(conn, 404, "text/plain", "not found\n", 10);
}

lgx_http_t *lgx_http_start(const char *address, int port,
                           lgx_metrics_t *metrics, lgx_http_ready_fn ready,
                           void *opaque, char *errstr, size_t size)
{
    lgx_http_t *h = calloc(1, sizeof(*h));
    if (!h) {
        snprintf(errstr, size, "out of memory");
        return NULL;
    }
    h->metrics = metrics;
    h->ready = ready;
    h->opaque = opaque;
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, address, &sa.sin_addr) != 1) {
        snprintf(errstr, size,
                 "option --http-address: '%s' is not an IPv4 "
                 "address",
                 address);
        free(h);
        return NULL;
    }
    h->daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, (uint16_t)port,
        NULL, NULL, on_request, h, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10, MHD_OPTION_END);
    if (!h->daemon) {
        snprintf(errstr, size, "cannot serve HTTP on %s:%d (in use?)", address,
                 port);
        free(h);
        return NULL;
    }
    const union MHD_DaemonInfo *info =
        MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_BIND_PORT);
    h->port = info ? info->port : port;
    return h;
}

int lgx_http_port(const lgx_http_t *h)
{
    return h->port;
}

void lgx_http_stop(lgx_http_t *h)
{
    if (!h) {
        return;
    }
    MHD_stop_daemon(h->daemon);
    free(h);
}
