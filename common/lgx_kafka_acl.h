/*
 * lgx_kafka_acl: Kafka authorization failures, told as the ACL that is
 * missing. A broker with an authorizer answers a client that lacks a
 * permission with TOPIC_, GROUP_, CLUSTER_ or TRANSACTIONAL_ID_
 * AUTHORIZATION_FAILED; no retry fixes that, only a grant does. This
 * module names the grant (operation, resource type and name, principal),
 * probes at start what a consumer needs, and keeps the denials in force
 * for readiness, the log and the metric
 * lgx_kafka_authorization_failures_total{operation,resource_type,resource}.
 */
#ifndef LGX_KAFKA_ACL_H
#define LGX_KAFKA_ACL_H

#include <librdkafka/rdkafka.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lgx_err.h"
#include "lgx_log.h"
#include "lgx_metrics.h"

/* One permission: operation ("READ", "WRITE", "DESCRIBE") on a resource
 * of a type ("topic", "group"). */
typedef struct lgx_kafka_acl {
    const char *operation;     /* static */
    const char *resource_type; /* static */
    char resource[256];
} lgx_kafka_acl_t;

/* What a client asks of the broker: operation on topic (may be NULL) and
 * group_operation on group (may be NULL), e.g. READ topic and READ group
 * for a group consumer, WRITE topic for a producer. */
typedef struct lgx_kafka_acl_need {
    const char *operation;
    const char *topic;
    const char *group_operation;
    const char *group;
    /* The group is a convenience (nothing is committed to it): its denial
     * is MINOR (see lgx_kafka_acl_watch_denied). */
    bool group_minor;
} lgx_kafka_acl_need_t;

/* True when err is an authorization failure; then *acl is the permission
 * need lacks: TOPIC_AUTHORIZATION_FAILED its topic operation,
 * GROUP_AUTHORIZATION_FAILED its group operation, CLUSTER_AUTHORIZATION_
 * FAILED (an idempotent producer refused its producer id) WRITE on its
 * topic, TRANSACTIONAL_ID_AUTHORIZATION_FAILED WRITE on the transactional
 * id. Pure. */
bool lgx_kafka_acl_from_error(rd_kafka_resp_err_t err,
                              const lgx_kafka_acl_need_t *need,
                              lgx_kafka_acl_t *acl);

/* The principal the brokers see for the librdkafka settings props (as
 * lgx_kafka_conf_new takes them; may be NULL): "User:<sasl.username>" for
 * PLAIN and SCRAM, else a description ("the principal of the OAUTHBEARER
 * token", "the principal of the TLS client certificate",
 * "User:ANONYMOUS"). Pure. */
void lgx_kafka_acl_principal(char *const *props, char *out, size_t size);

/* "Kafka denies READ on topic lgx.picks to User:lgx-picks (grant:
 * kafka-acls.sh --add --allow-principal User:lgx-picks --operation Read
 * --topic lgx.picks)" into out. Pure. */
void lgx_kafka_acl_format(const lgx_kafka_acl_t *acl, const char *principal,
                          char *out, size_t size);

/* The denials in force of one program. Thread-safe: the main thread
 * reports and clears, the HTTP thread asks for readiness. */
typedef struct lgx_kafka_acl_watch_s lgx_kafka_acl_watch_t;

/* Returns a watch, or NULL when out of memory. metrics and log are
 * borrowed and must outlive it; principal is copied. Declares the
 * metric. */
lgx_kafka_acl_watch_t *lgx_kafka_acl_watch_new(lgx_metrics_t *metrics,
                                               lgx_log_t *log,
                                               const char *principal);
void lgx_kafka_acl_watch_destroy(lgx_kafka_acl_watch_t *w);

/* How a denial weighs. */
typedef enum lgx_kafka_acl_weight {
    /* Work waits on it: not ready until cleared. */
    LGX_KAFKA_ACL_BLOCKING = 0,
    /* Like BLOCKING, but cleared by itself once not reported again for
     * 10 s (fetch denials, repeated by the client while they last). */
    LGX_KAFKA_ACL_REPEATING,
    /* Work goes on without it: a warning, counted, never unready. */
    LGX_KAFKA_ACL_MINOR
} lgx_kafka_acl_weight_t;

/* Records a denial: counts it in the metric; logs it (an error, a
 * warning when MINOR) naming the ACL, what was denied (context, e.g.
 * "the dead-letter write") and, after the first time, at most once a
 * minute while it lasts. */
void lgx_kafka_acl_watch_denied(lgx_kafka_acl_watch_t *w,
                                const lgx_kafka_acl_t *acl,
                                lgx_kafka_acl_weight_t weight,
                                const char *context);

/* The operation on that resource was allowed: forgets its denial (the
 * log says it once). operation may be NULL: every operation. */
void lgx_kafka_acl_watch_clear(lgx_kafka_acl_watch_t *w, const char *operation,
                               const char *resource_type, const char *resource);

/* True while a BLOCKING (or recent REPEATING) denial is in force; why
 * then names it ("degraded: Kafka denies ..."). w may be NULL (false). */
bool lgx_kafka_acl_watch_reason(lgx_kafka_acl_watch_t *w, char *why,
                                size_t size);

/* The principal given to lgx_kafka_acl_watch_new. */
const char *lgx_kafka_acl_watch_principal(const lgx_kafka_acl_watch_t *w);

/* Probes with consumer rk (no subscription; its partition EOFs on:
 * enable.partition.eof) whether the brokers let it read need->topic: its
 * metadata (DESCRIBE), then a fetch at the end of partition 0 (READ)
 * until the end is reported. LGX_OK when allowed; LGX_ERR_KAFKA_ACCESS
 * with *acl when a permission of need is missing (a group denial of a
 * group_minor need is reported to w, which may be NULL, and the probe
 * goes on); LGX_ERR_NOT_FOUND when the topic does not exist;
 * LGX_ERR_KAFKA when no answer came within timeout_ms or once *stop (may
 * be NULL) turned true: the brokers down or authentication failing,
 * decided elsewhere. rk is unassigned again on return. */
lgx_err_t lgx_kafka_acl_probe_read(rd_kafka_t *rk,
                                   const lgx_kafka_acl_need_t *need,
                                   int timeout_ms, const volatile bool *stop,
                                   lgx_kafka_acl_watch_t *w,
                                   lgx_kafka_acl_t *acl) LGX_MUST_CHECK;

#endif
