/*
 * lgx_consumer_client: the consumer's Kafka client and what changes under
 * it: made with the rebalance and error callbacks, access probed at
 * start and denials told, the rules and credentials read again on
 * SIGHUP. Main thread. Private to the consumer runtime
 * (lgx_consumer_state.h).
 */
#ifndef LGX_CONSUMER_CLIENT_H
#define LGX_CONSUMER_CLIENT_H

#include <librdkafka/rdkafka.h>
#include <stdbool.h>
#include <stddef.h>

#include "lgx_consumer_state.h"

/* Loads the rules file path and checks it has a rule for each of spec's
 * event types; NULL with errstr otherwise. */
lgx_rules_t *consumer_load_rules(const lgx_consumer_spec_t *spec,
                                 const char *path, char *errstr, size_t size);

/* The Kafka consumer of c, subscribed to its topic; NULL with errstr. */
rd_kafka_t *consumer_make_kafka(consumer_t *c, char *errstr, size_t size);

/* At start: may c read its topic and write its dead letters? False (c
 * fatal, said in the log) when a broker refuses. */
bool consumer_probe_access(consumer_t *c);

/* Whether err (reason: librdkafka's words) is an authorization denial:
 * then it is logged, counted and kept for readiness, and true. */
bool consumer_denied(consumer_t *c, rd_kafka_resp_err_t err,
                     const char *reason);

/* SIGHUP, once nothing is in flight: the rules, Odoo's API key, Kafka's
 * password and the schema registry's credentials read again; what cannot
 * be read keeps its old value and is said in the log. */
void consumer_reload(consumer_t *c);

#endif
