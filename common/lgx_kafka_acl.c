#include "lgx_kafka_acl.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lgx_kafka.h"
#include "lgx_time.h"

#define MAX_DENIALS 8
/* A denial in force is logged again at most this often. */
#define RELOG_MS 60000
/* A REPEATING denial not reported for this long is over. */
#define REPEATING_HOLD_MS 10000
#define METRIC "lgx_kafka_authorization_failures_total"

static void acl_set(lgx_kafka_acl_t *acl, const char *operation,
                    const char *type, const char *name)
{
    acl->operation = operation;
    acl->resource_type = type;
    snprintf(acl->resource, sizeof(acl->resource), "%s", name ? name : "?");
}

bool lgx_kafka_acl_from_error(rd_kafka_resp_err_t err,
                              const lgx_kafka_acl_need_t *need,
                              lgx_kafka_acl_t *acl)
{
    const char *op = need->operation ? need->operation : "READ";
    switch (err) {
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
        acl_set(acl, op, "topic", need->topic);
        return true;
    case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
        acl_set(acl, need->group_operation ? need->group_operation : "READ",
                "group", need->group);
        return true;
    case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
        /* Kafka gives an idempotent producer its id when the principal
         * may write some topic (or has IDEMPOTENT_WRITE on the cluster). */
        acl_set(acl, "WRITE", "topic", need->topic);
        return true;
    case RD_KAFKA_RESP_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED:
        acl_set(acl, "WRITE", "transactional-id", "?");
        return true;
    default:
        return false;
    }
}

void lgx_kafka_acl_principal(char *const *props, char *out, size_t size)
{
    const char *proto = lgx_kafka_props_get(props, "security.protocol");
    const char *mech = lgx_kafka_props_get(props, "sasl.mechanisms");
    const char *user = lgx_kafka_props_get(props, "sasl.username");
    if (!mech) {
        mech = lgx_kafka_props_get(props, "sasl.mechanism");
    }
    bool sasl = proto && strncasecmp(proto, "sasl_", 5) == 0;
    bool ssl = proto && strcasecmp(proto, "ssl") == 0;
    if (sasl && mech && strcasecmp(mech, "OAUTHBEARER") == 0) {
        snprintf(out, size, "the principal of the OAUTHBEARER token");
    } else if (sasl && user && user[0]) {
        snprintf(out, size, "User:%s", user);
    } else if (sasl) {
        snprintf(out, size, "the SASL principal");
    } else if (ssl) {
        snprintf(out, size, "the principal of the TLS client certificate");
    } else {
        snprintf(out, size, "User:ANONYMOUS");
    }
}

/* "Read", as kafka-acls.sh spells operations. */
static void camel(const char *op, char *out, size_t size)
{
    size_t i = 0;
    for (; op[i] && i + 1 < size; i++) {
        out[i] = (char)(i == 0 ? op[i] : (op[i] | 0x20));
    }
    out[i] = '\0';
}

void lgx_kafka_acl_format(const lgx_kafka_acl_t *acl, const char *principal,
                          char *out, size_t size)
{
    char op[32];
    camel(acl->operation, op, sizeof(op));
    bool user = strncmp(principal, "User:", 5) == 0;
    snprintf(out, size,
             "Kafka denies %s on %s %s to %s (grant: kafka-acls.sh --add "
             "--allow-principal %s --operation %s --%s %s)",
             acl->operation, acl->resource_type, acl->resource, principal,
             user ? principal : "User:<principal>", op, acl->resource_type,
             acl->resource);
}

/* ---- the denials in force ---- */

typedef struct denial {
    lgx_kafka_acl_t acl;
    lgx_kafka_acl_weight_t weight;
    int64_t last_ms;   /* last reported */
    int64_t logged_ms; /* last logged */
    unsigned long long since_logged;
} denial_t;

struct lgx_kafka_acl_watch_s {
    pthread_mutex_t lock;
    lgx_metrics_t *metrics;
    lgx_log_t *log;
    char principal[300];
    denial_t d[MAX_DENIALS];
    size_t n;
    atomic_size_t n_any; /* n, read without the lock by clear */
};

lgx_kafka_acl_watch_t *lgx_kafka_acl_watch_new(lgx_metrics_t *metrics,
                                               lgx_log_t *log,
                                               const char *principal)
{
    lgx_kafka_acl_watch_t *w = calloc(1, sizeof(*w));
    if (!w) {
        return NULL;
    }
    pthread_mutex_init(&w->lock, NULL);
    w->metrics = metrics;
    w->log = log;
    snprintf(w->principal, sizeof(w->principal), "%s", principal);
    lgx_metrics_declare(metrics, METRIC, LGX_METRIC_COUNTER,
                        "Requests the Kafka brokers refused for a missing "
                        "ACL, by operation and resource");
    return w;
}

void lgx_kafka_acl_watch_destroy(lgx_kafka_acl_watch_t *w)
{
    if (!w) {
        return;
    }
    pthread_mutex_destroy(&w->lock);
    free(w);
}

const char *lgx_kafka_acl_watch_principal(const lgx_kafka_acl_watch_t *w)
{
    return w->principal;
}

static bool same(const lgx_kafka_acl_t *a, const char *operation,
                 const char *type, const char *resource)
{
    return (!operation || strcmp(a->operation, operation) == 0) &&
           strcmp(a->resource_type, type) == 0 &&
           strcmp(a->resource, resource) == 0;
}

/* The denial of acl, added when new (the oldest gives way when full). */
static denial_t *denial_of(lgx_kafka_acl_watch_t *w, const lgx_kafka_acl_t *a,
                           bool *fresh)
{
    for (size_t i = 0; i < w->n; i++) {
        if (same(&w->d[i].acl, a->operation, a->resource_type, a->resource)) {
            *fresh = false;
            return &w->d[i];
        }
    }
    if (w->n == MAX_DENIALS) {
        memmove(&w->d[0], &w->d[1], (MAX_DENIALS - 1) * sizeof(w->d[0]));
        w->n--;
    }
    denial_t *d = &w->d[w->n++];
    memset(d, 0, sizeof(*d));
    d->acl = *a;
    atomic_store(&w->n_any, w->n);
    *fresh = true;
    return d;
}

void lgx_kafka_acl_watch_denied(lgx_kafka_acl_watch_t *w,
                                const lgx_kafka_acl_t *acl,
                                lgx_kafka_acl_weight_t weight,
                                const char *context)
{
    char labels[400];
    lgx_metrics_labels(labels, sizeof(labels), "operation", acl->operation,
                       "resource_type", acl->resource_type, "resource",
                       acl->resource, (const char *)NULL);
    lgx_metrics_add(w->metrics, METRIC, labels, 1);
    int64_t now = lgx_time_mono_ms();
    bool fresh;
    pthread_mutex_lock(&w->lock);
    denial_t *d = denial_of(w, acl, &fresh);
    d->weight = weight;
    d->last_ms = now;
    d->since_logged++;
    unsigned long long times = d->since_logged;
    bool log = fresh || now - d->logged_ms >= RELOG_MS;
    if (log) {
        d->logged_ms = now;
        d->since_logged = 0;
    }
    pthread_mutex_unlock(&w->lock);
    if (!log) {
        return;
    }
    char what[700];
    lgx_kafka_acl_format(acl, w->principal, what, sizeof(what));
    char again[64] = "";
    if (!fresh) {
        snprintf(again, sizeof(again), " (%llu time(s) in the last minute)",
                 times);
    }
    lgx_log_write(w->log,
                  weight == LGX_KAFKA_ACL_MINOR ? LGX_LOG_WARN : LGX_LOG_ERROR,
                  NULL, "%s: %s%s%s", context, what,
                  weight == LGX_KAFKA_ACL_MINOR
                      ? "; lgx goes on without it, the broker logs each "
                        "denial"
                      : "; nothing is committed past what waits on it",
                  again);
}

void lgx_kafka_acl_watch_clear(lgx_kafka_acl_watch_t *w, const char *operation,
                               const char *resource_type, const char *resource)
{
    if (!w || atomic_load(&w->n_any) == 0) {
        return;
    }
    char gone[MAX_DENIALS][300];
    size_t n_gone = 0;
    pthread_mutex_lock(&w->lock);
    for (size_t i = 0; i < w->n;) {
        if (!same(&w->d[i].acl, operation, resource_type, resource)) {
            i++;
            continue;
        }
        snprintf(gone[n_gone++], sizeof(gone[0]), "%s on %s %s",
                 w->d[i].acl.operation, resource_type, resource);
        w->d[i] = w->d[--w->n];
    }
    atomic_store(&w->n_any, w->n);
    pthread_mutex_unlock(&w->lock);
    for (size_t i = 0; i < n_gone; i++) {
        lgx_log_write(w->log, LGX_LOG_INFO, NULL, "Kafka allows %s to %s again",
                      gone[i], w->principal);
    }
}

bool lgx_kafka_acl_watch_reason(lgx_kafka_acl_watch_t *w, char *why,
                                size_t size)
{
    if (!w || atomic_load(&w->n_any) == 0) {
        return false;
    }
    int64_t now = lgx_time_mono_ms();
    const denial_t *found = NULL;
    pthread_mutex_lock(&w->lock);
    for (size_t i = 0; i < w->n && !found; i++) {
        const denial_t *d = &w->d[i];
        if (d->weight == LGX_KAFKA_ACL_BLOCKING ||
            (d->weight == LGX_KAFKA_ACL_REPEATING &&
             now - d->last_ms < REPEATING_HOLD_MS)) {
            found = d;
        }
    }
    lgx_kafka_acl_t acl;
    if (found) {
        acl = found->acl;
    }
    pthread_mutex_unlock(&w->lock);
    if (found) {
        char what[700];
        lgx_kafka_acl_format(&acl, w->principal, what, sizeof(what));
        snprintf(why, size,
                 "degraded: %s; events wait, nothing is committed past them",
                 what);
    }
    return found != NULL;
}

/* ---- the probe at start ---- */

static lgx_err_t probe_metadata(rd_kafka_t *rk,
                                const lgx_kafka_acl_need_t *need,
                                int timeout_ms, lgx_kafka_acl_t *acl)
{
    const rd_kafka_metadata_t *md = NULL;
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
    if (lgx_kafka_topic_md(rk, need->topic, timeout_ms, &md, &err)) {
        return LGX_ERR_KAFKA;
    }
    int parts = md->topic_cnt == 1 ? md->topics[0].partition_cnt : 0;
    rd_kafka_metadata_destroy(md);
    if (lgx_kafka_acl_from_error(err, need, acl)) {
        return LGX_ERR_KAFKA_ACCESS;
    }
    return err || parts < 1 ? LGX_ERR_NOT_FOUND : LGX_OK;
}

/* One polled event of the probe: LGX_OK at the end of the partition,
 * LGX_ERR_KAFKA_ACCESS on a denial, else LGX_ERR_KAFKA (go on). */
static lgx_err_t probe_event(const rd_kafka_message_t *m,
                             const lgx_kafka_acl_need_t *need,
                             lgx_kafka_acl_watch_t *w, lgx_kafka_acl_t *acl)
{
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF || !m->err) {
        return LGX_OK;
    }
    lgx_kafka_acl_t a;
    if (!lgx_kafka_acl_from_error(m->err, need, &a)) {
        return LGX_ERR_KAFKA;
    }
    if (m->err == RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED &&
        need->group_minor) {
        if (w) {
            lgx_kafka_acl_watch_denied(w, &a, LGX_KAFKA_ACL_MINOR,
                                       "the group of a reader");
        }
        return LGX_ERR_KAFKA;
    }
    *acl = a;
    return LGX_ERR_KAFKA_ACCESS;
}

lgx_err_t lgx_kafka_acl_probe_read(rd_kafka_t *rk,
                                   const lgx_kafka_acl_need_t *need,
                                   int timeout_ms, const volatile bool *stop,
                                   lgx_kafka_acl_watch_t *w,
                                   lgx_kafka_acl_t *acl)
{
    int64_t until = lgx_time_mono_ms() + timeout_ms;
    lgx_err_t rc = probe_metadata(rk, need, timeout_ms, acl);
    if (rc != LGX_OK) {
        return rc;
    }
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, need->topic, 0)->offset =
        RD_KAFKA_OFFSET_END;
    rd_kafka_resp_err_t err = rd_kafka_assign(rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    /* LGX_ERR_KAFKA until an event decides (probe_event). */
    rc = LGX_ERR_KAFKA;
    while (!err && rc == LGX_ERR_KAFKA && !(stop && *stop) &&
           lgx_time_mono_ms() < until) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
        if (m) {
            rc = probe_event(m, need, w, acl);
            rd_kafka_message_destroy(m);
        }
    }
    rd_kafka_assign(rk, NULL);
    return rc;
}
