/*
 * lgx_consumer_health: the consumer's metrics, Odoo's health and readiness
 * (/readyz). Private to the consumer runtime (lgx_consumer_state.h).
 */
#ifndef LGX_CONSUMER_HEALTH_H
#define LGX_CONSUMER_HEALTH_H

#include <stdbool.h>
#include <stddef.h>

#include "lgx_consumer_state.h"

void consumer_declare_metrics(consumer_t *c);
/* Main thread, before o's first call. */
void consumer_watch_odoo(consumer_t *c, lgx_odoo_t *o);
/* The Odoo clients' observer: any thread. */
void consumer_on_odoo_call(void *opaque, const char *model, const char *method,
                           double seconds, lgx_err_t result);
/* /readyz (and before each /metrics): the HTTP thread. */
bool consumer_is_ready(void *opaque, char *why, size_t size);
/* Every loop turn; does its work once a second. Main thread. */
void consumer_housekeeping(consumer_t *c);

#endif
