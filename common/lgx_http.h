/*
 * lgx_http: the consumer's HTTP endpoint, served by libmicrohttpd on its
 * own thread: GET /metrics (Prometheus text), /healthz (alive: 200) and
 * /readyz (200 when the ready callback says so, else 503 with the reason).
 */
#ifndef LGX_HTTP_H
#define LGX_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "lgx_metrics.h"

typedef struct lgx_http_s lgx_http_t;

/* Fills why (size bytes) and returns true when ready. Called on the HTTP
 * thread for /readyz and before each /metrics (so that gauges it keeps
 * from the clock, such as how long a call has been outstanding, are
 * current at every scrape): it must only touch thread-safe state. */
typedef bool (*lgx_http_ready_fn)(void *opaque, char *why, size_t size);

/* Serves on address:port (port 0: a free one). Returns NULL with errstr
 * when it cannot bind. metrics and opaque are borrowed. */
lgx_http_t *lgx_http_start(const char *address, int port,
                           lgx_metrics_t *metrics, lgx_http_ready_fn ready,
                           void *opaque, char *errstr, size_t errstr_size);
/* The port it listens on. */
int lgx_http_port(const lgx_http_t *h);
void lgx_http_stop(lgx_http_t *h);

#endif
