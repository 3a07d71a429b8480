#include "lgx_consumer_client.h"

#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lgx_consumer_part.h"
#include "lgx_consumer_pool.h"
#include "lgx_dlq.h"
#include "lgx_kafka.h"
#include "lgx_kafka_acl.h"
#include "lgx_registry.h"
#include "lgx_secret.h"

/* How long each access probe at start waits for the brokers. */
#define PROBE_MS 10000

/* Loads the rules and checks they cover the consumer's event types. */
lgx_rules_t *consumer_load_rules(const lgx_consumer_spec_t *spec,
                                 const char *path, char *errstr, size_t size)
{
    lgx_rules_t *r = lgx_rules_load(path, errstr, size);
    for (const char *const *t = spec->event_types; r && t && *t; t++) {
        if (!lgx_rules_get(r, *t)) {
            snprintf(errstr, size, "rules file %s has no rule for %s", path,
                     *t);
            lgx_rules_destroy(r);
            r = NULL;
        }
    }
    return r;
}

static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque)
{
    consumer_t *c = opaque;
    bool cooperative =
        strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        c->joined = true;
        lgx_kafka_acl_watch_clear(c->acl, NULL, "group", c->conf->group);
        for (int i = 0; i < parts->cnt; i++) {
            consumer_part_add(c, parts->elems[i].partition);
        }
        consumer_restore_holds(c, parts);
        consumer_start_from_time(c, parts);
        atomic_store(&c->n_assigned, (int)c->n_parts);
        LGX_INFO(c->log, "assigned %d partition(s) of %s (%s)", parts->cnt,
                 c->conf->topic, rd_kafka_rebalance_protocol(rk));
        if (cooperative) {
            rd_kafka_error_t *e = rd_kafka_incremental_assign(rk, parts);
            if (e) {
                LGX_ERROR(c->log, "incremental assign: %s",
                          rd_kafka_error_string(e));
                rd_kafka_error_destroy(e);
            }
        } else {
            rd_kafka_assign(rk, parts);
        }
        return;
    }
    /* Revoked or lost: the events in flight finish first (they hold the
     * partitions' queues), then what is finished is committed before
     * letting go; events not finished are read again by the partition's
     * next owner. */
    consumer_wait_idle(c);
    for (size_t i = 0; i < c->n_parts; i++) {
        consumer_store_finished(c, &c->parts[i]);
    }
    if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS &&
        !rd_kafka_assignment_lost(rk) && !c->fatal) {
        consumer_commit(c, true);
    }
    for (int i = 0; i < parts->cnt; i++) {
        consumer_part_remove(c, parts->elems[i].partition);
    }
    LGX_INFO(c->log, "revoked %d partition(s) of %s", parts->cnt,
             c->conf->topic);
    if (cooperative) {
        rd_kafka_error_t *e = rd_kafka_incremental_unassign(rk, parts);
        if (e) {
            rd_kafka_error_destroy(e);
        }
    } else {
        rd_kafka_assign(rk, NULL);
    }
}

/* What the group consumer asks of the brokers. */
static lgx_kafka_acl_need_t consumer_need(const consumer_t *c)
{
    lgx_kafka_acl_need_t need = {"READ", c->conf->topic, "READ", c->conf->group,
                                 false};
    return need;
}

/* err from the group consumer: true when it is a denial. Before the
 * group first assigned partitions it stops the program (exit 1, nothing
 * committed); later it is reported (not ready, metric, log) and waited
 * out: the client retries, and readiness comes back with the grant. */
bool consumer_denied(consumer_t *c, rd_kafka_resp_err_t err, const char *reason)
{
    lgx_kafka_acl_need_t need = consumer_need(c);
    lgx_kafka_acl_t acl;
    if (!lgx_kafka_acl_from_error(err, &need, &acl)) {
        return false;
    }
    lgx_kafka_acl_watch_denied(
        c->acl, &acl,
        err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED
            ? LGX_KAFKA_ACL_REPEATING
            : LGX_KAFKA_ACL_BLOCKING,
        reason);
    if (!c->joined && !c->fatal) {
        LGX_ERROR(c->log, "Kafka authorization failed at start; stopping");
        c->fatal = true;
    }
    return true;
}

/* At start, before anything is consumed: may this consumer read its
 * topic in its group, and read the dead-letter topic? A missing ACL
 * stops the program (exit 1) with the ACL named; brokers that do not
 * answer in time are left to the loop, which waits for them. Returns
 * false to stop. */
bool consumer_probe_access(consumer_t *c)
{
    lgx_kafka_acl_need_t need = consumer_need(c);
    lgx_kafka_acl_t acl;
    char errstr[1024] = "";
    const char *what = "at start, reading the topic in its group";
    lgx_err_t rc = lgx_kafka_acl_probe_read(c->rk, &need, PROBE_MS, &c->fatal,
                                            c->acl, &acl);
    if (rc == LGX_OK || rc == LGX_ERR_NOT_FOUND) {
        what = "at start, reading the dead-letter topic";
        rc = lgx_dlq_probe(c->dlq, c->conf->dlq_topic, c->conf->topic, PROBE_MS,
                           &c->fatal, &acl, errstr, sizeof(errstr));
    }
    if (rc == LGX_ERR_KAFKA_ACCESS) {
        lgx_kafka_acl_watch_denied(c->acl, &acl, LGX_KAFKA_ACL_BLOCKING, what);
    }
    if (rc == LGX_ERR_KAFKA_ACCESS || rc == LGX_ERR_KAFKA_FATAL) {
        LGX_ERROR(c->log, "Kafka authorization failed at start; stopping "
                          "with nothing consumed");
        c->fatal = true;
    }
    return !c->fatal;
}

static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    consumer_t *c = opaque;
    if (err == RD_KAFKA_RESP_ERR__FATAL) {
        char buf[512];
        rd_kafka_fatal_error(rk, buf, sizeof(buf));
        LGX_ERROR(c->log, "Kafka fatal error: %s", buf);
        c->fatal = true;
        return;
    }
    /* A SASL or TLS failure before the group ever assigned partitions is a
     * configuration mistake (credentials, mechanism, CA): stop with exit 1
     * and nothing committed, as for a wrong Odoo key. Later it is logged
     * and retried: connections already made keep working and a token
     * provider or a broker may come back. reason never holds a secret. */
    if (err == RD_KAFKA_RESP_ERR__AUTHENTICATION ||
        err == RD_KAFKA_RESP_ERR__SSL) {
        LGX_ERROR(c->log, "Kafka %s%s: %s",
                  err == RD_KAFKA_RESP_ERR__SSL ? "TLS error"
                                                : "authentication failed",
                  c->joined ? "" : " at start; stopping", reason);
        c->fatal = c->fatal || !c->joined;
        return;
    }
    if (!consumer_denied(c, err, reason)) {
        LGX_WARN(c->log, "Kafka: %s: %s", rd_kafka_err2name(err), reason);
    }
}

rd_kafka_t *consumer_make_kafka(consumer_t *c, char *errstr, size_t size)
{
    const lgx_consumer_conf_t *k = c->conf;
    rd_kafka_conf_t *conf =
        lgx_kafka_conf_new(k->brokers, NULL, &c->owner, errstr, size);
    if (!conf) {
        return NULL;
    }
    const char *settings[][2] = {
        {"group.id", k->group},
        {"client.id", c->spec->program},
        {"enable.auto.commit", "false"},
        {"enable.auto.offset.store", "false"},
        {"auto.offset.reset", "earliest"},
        {"partition.assignment.strategy", "cooperative-sticky"},
        /* Always: the access probe at start waits for an end. */
        {"enable.partition.eof", "true"},
        /* Bounded prefetch keeps memory flat under any backlog. */
        {"queued.max.messages.kbytes", "16384"},
        {"queued.min.messages", "10000"},
    };
    lgx_err_t err = LGX_OK;
    for (size_t i = 0;
         err == LGX_OK && i < sizeof(settings) / sizeof(settings[0]); i++) {
        err = lgx_kafka_conf_set(conf, settings[i][0], settings[i][1], errstr,
                                 size);
    }
    /* The operator's --kafka.* settings come last and win. */
    for (char **p = k->kafka_props; err == LGX_OK && p && p[0] && p[1];
         p += 2) {
        err = lgx_kafka_conf_set(conf, p[0], p[1], errstr, size);
    }
    if (err != LGX_OK) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
    rd_kafka_conf_set_error_cb(conf, on_error);
    char rderr[256];
    rd_kafka_t *rk =
        rd_kafka_new(RD_KAFKA_CONSUMER, conf, rderr, sizeof(rderr));
    if (!rk) {
        snprintf(errstr, size, "Kafka consumer: %s", rderr);
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    rd_kafka_poll_set_consumer(rk);
    return rk;
}

/* SIGHUP: new rules, unless the file is now invalid (the old rules stay).
 * Only while nothing is in flight: handlers read the rules. */
static void reload(consumer_t *c)
{
    char errstr[512];
    lgx_rules_t *r =
        consumer_load_rules(c->spec, c->conf->rules, errstr, sizeof(errstr));
    if (!r) {
        LGX_ERROR(c->log, "rules not reloaded, the old ones stay: %s", errstr);
        return;
    }
    lgx_rules_destroy(c->rules);
    c->rules = r;
    LGX_INFO(c->log, "rules reloaded from %s", c->conf->rules);
}

/* SIGHUP: the API key file again (rotation without a restart), for the
 * main client and each worker's, while nothing is in flight. */
static void reload_key(consumer_t *c)
{
    char errstr[512];
    lgx_err_t rc = lgx_odoo_reload_key(c->odoo, errstr, sizeof(errstr));
    for (size_t i = 0; rc == LGX_OK && i < c->n_workers; i++) {
        rc =
            lgx_odoo_reload_key(c->workers[i].run.odoo, errstr, sizeof(errstr));
    }
    if (rc == LGX_OK) {
        LGX_INFO(c->log, "Odoo API key read again from its file");
    } else if (rc != LGX_ERR_NOT_FOUND) {
        LGX_ERROR(c->log, "API key not reloaded, the old one stays: %s",
                  errstr);
    }
}

/* SIGHUP: --kafka-password-file again (rotation without a restart), for
 * the consumer and the dead-letter writer, used from their next
 * authentication. */
static void reload_kafka_password(consumer_t *c, const char *path)
{
    char errstr[512];
    char *pw = lgx_secret_read(path, "file", errstr, sizeof(errstr));
    lgx_err_t rc =
        pw ? lgx_kafka_sasl_password_set(c->rk, pw, errstr, sizeof(errstr))
           : LGX_ERR_IO;
    if (rc == LGX_OK) {
        rc = lgx_dlq_sasl_password_set(c->dlq, pw, errstr, sizeof(errstr));
    }
    lgx_secret_free(pw);
    if (rc == LGX_OK) {
        LGX_INFO(c->log, "Kafka password read again from "
                         "--kafka-password-file (used from the next "
                         "authentication; connections made stay)");
    } else {
        LGX_ERROR(c->log,
                  "Kafka password not reloaded: option "
                  "--kafka-password-file: %s",
                  errstr);
    }
}

/* SIGHUP: --schema-registry-credentials-file again, used from the next
 * fetch; nothing is in flight, so no decoder uses the registry. */
static void reload_registry_credentials(consumer_t *c)
{
    char errstr[512];
    lgx_err_t rc =
        lgx_registry_reload_credentials(c->registry, errstr, sizeof(errstr));
    if (rc == LGX_OK) {
        LGX_INFO(c->log, "schema registry credentials read again from "
                         "--schema-registry-credentials-file");
    } else if (rc != LGX_ERR_NOT_FOUND) {
        LGX_ERROR(c->log,
                  "schema registry credentials not reloaded, the old ones "
                  "stay: %s",
                  errstr);
    }
}

/* SIGHUP: librdkafka cannot give a running client another TLS key
 * password: a new one in --kafka-ssl-key-password-file is only said to
 * need a restart. */
static void reload_kafka_key_password(consumer_t *c, const char *path)
{
    char errstr[512];
    char *kp = lgx_secret_read(path, "file", errstr, sizeof(errstr));
    const char *now =
        lgx_kafka_props_get(c->conf->kafka_props, "ssl.key.password");
    if (!kp) {
        LGX_ERROR(c->log, "option --kafka-ssl-key-password-file: %s", errstr);
    } else if (!now || strcmp(kp, now) != 0) {
        LGX_WARN(c->log,
                 "the TLS key password in --kafka-ssl-key-password-file "
                 "changed: librdkafka cannot change it in a running client; "
                 "restart %s to use it",
                 c->spec->program);
    }
    lgx_secret_free(kp);
}

void consumer_reload(consumer_t *c)
{
    reload(c);
    reload_key(c);
    if (c->secrets->password_file) {
        reload_kafka_password(c, c->secrets->password_file);
    }
    if (c->secrets->ssl_key_password_file) {
        reload_kafka_key_password(c, c->secrets->ssl_key_password_file);
    }
    if (c->registry) {
        reload_registry_credentials(c);
    }
}
