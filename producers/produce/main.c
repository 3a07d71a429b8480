/*
 * lgx-produce: publishes events given as JSON lines, one event per line,
 * as Confluent-framed Avro with a key and headers (correlation_id,
 * traceparent). Usable by people and by tests:
 *
 *   echo '{"event_id":"e1",...}' | lgx-produce --topic lgx.picks \
 *       --schema lgx.picks.PickConfirmed --key-field picking_name
 *
 * A line that does not fit the schema is reported with its line number and
 * skipped; the exit code is 1 if any line failed or was not delivered.
 */
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lgx_avro.h"
#include "lgx_avro_json.h"
#include "lgx_buf.h"
#include "lgx_cid.h"
#include "lgx_config.h"
#include "lgx_json.h"
#include "lgx_kafka.h"
#include "lgx_log.h"
#include "lgx_registry.h"

#ifndef LGX_SCHEMA_DIR
#define LGX_SCHEMA_DIR "avro-schemas"
#endif

typedef struct produce_conf {
    char *brokers;
    char *topic;
    char *schema;
    long schema_id;
    char *schema_dir;
    char *schema_registry;
    char *schema_registry_credentials_file;
    char *key_field;
    char *input;
    char *log_level;
    char **kafka_props;
} produce_conf_t;

#define OFF(f) offsetof(produce_conf_t, f)

static const lgx_opt_t produce_opts[] = {
    {"brokers", LGX_OPT_STR, "127.0.0.1:9092", OFF(brokers),
     "Kafka bootstrap servers", NULL, 0},
    {"topic", LGX_OPT_STR, NULL, OFF(topic), "Topic to publish to", NULL,
     LGX_OPT_REQUIRED},
    {"schema", LGX_OPT_STR, NULL, OFF(schema),
     "Full name of the event's schema, e.g. lgx.picks.PickConfirmed", NULL,
     LGX_OPT_REQUIRED},
    {"schema-id", LGX_OPT_INT, "0", OFF(schema_id),
     "Write with this schema id instead of the newest version (0)",
     "0..2147483647", 0},
    {"schema-dir", LGX_OPT_STR, LGX_SCHEMA_DIR, OFF(schema_dir),
     "Folder with schemas.json and the .avsc event contracts", NULL, 0},
    {"schema-registry", LGX_OPT_STR, NULL, OFF(schema_registry),
     "Confluent-compatible schema registry URL: the schema is registered "
     "(or found) under <topic>-value and messages carry the registry's id",
     NULL, 0},
    LGX_REGISTRY_CREDENTIALS_OPT(OFF(schema_registry_credentials_file)),
    {"key-field", LGX_OPT_STR, NULL, OFF(key_field),
     "Event field whose value is the message key (the entity key)", NULL, 0},
    {"input", LGX_OPT_STR, "-", OFF(input), "JSON-lines file, - for stdin",
     NULL, 0},
    {"log-level", LGX_OPT_ENUM, "info", OFF(log_level), "Log level",
     "debug|info|warn|error", 0},
    {"kafka", LGX_OPT_PROPS, NULL, OFF(kafka_props),
     "Any librdkafka setting, e.g. --kafka.security.protocol=SSL", NULL, 0},
    LGX_OPT_END};

typedef struct producer {
    lgx_kafka_owner_t owner; /* first: the log callback finds it */
    long delivered;
    long failed;
} producer_t;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m,
                        void *opaque)
{
    (void)rk;
    producer_t *p = opaque;
    if (m->err) {
        p->failed++;
        lgx_log_write(p->owner.log, LGX_LOG_ERROR, NULL, "delivery failed: %s",
                      rd_kafka_err2str(m->err));
    } else {
        p->delivered++;
    }
}

static void traceparent(char out[56])
{
    char a[LGX_CID_MAX + 1], b[LGX_CID_MAX + 1];
    lgx_cid_generate(a);
    lgx_cid_generate(b);
    /* 32 hex trace id, 16 hex span id, from two UUIDs without dashes. */
    char hex[64];
    size_t n = 0;
    for (const char *s = a; *s && n < 32; s++) {
        if (*s != '-') {
            hex[n++] = *s;
        }
    }
    for (const char *s = b; *s && n < 48; s++) {
        if (*s != '-') {
            hex[n++] = *s;
        }
    }
    snprintf(out, 56, "00-%.32s-%.16s-01", hex, hex + 32);
}

/* Publishes one line; returns false (after logging) when it cannot. */
static bool produce_line(rd_kafka_t *rk, const produce_conf_t *conf,
                         const lgx_avro_store_t *store, int32_t id,
                         const char *line, size_t len, long lineno,
                         lgx_buf_t *buf, lgx_log_t *log)
{
    char errstr[512];
    lgx_buf_reset(buf);
    if (lgx_avro_encode_json(store, id, line, len, buf, errstr,
                             sizeof(errstr)) != LGX_OK) {
        LGX_ERROR(log, "line %ld: %s", lineno, errstr);
        return false;
    }
    yajl_val ev = lgx_json_parse(line, len, errstr, sizeof(errstr));
    const char *key =
        conf->key_field ? lgx_json_get_str(ev, conf->key_field) : NULL;
    const char *cid_field = lgx_json_get_str(ev, "correlation_id");
    char cid[LGX_CID_MAX + 1];
    char tp[56];
    lgx_cid_choose(NULL, 0, cid_field, cid_field ? strlen(cid_field) : 0, cid);
    traceparent(tp);
    rd_kafka_headers_t *h = rd_kafka_headers_new(2);
    rd_kafka_header_add(h, "correlation_id", -1, cid, -1);
    rd_kafka_header_add(h, "traceparent", -1, tp, -1);
    rd_kafka_resp_err_t err;
    do {
        err = rd_kafka_producev(
            rk, RD_KAFKA_V_TOPIC(conf->topic),
            RD_KAFKA_V_KEY(key, key ? strlen(key) : 0),
            RD_KAFKA_V_VALUE((void *)lgx_buf_data(buf), lgx_buf_len(buf)),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(h),
            RD_KAFKA_V_END);
        if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            rd_kafka_poll(rk, 100);
        }
    } while (err == RD_KAFKA_RESP_ERR__QUEUE_FULL);
    yajl_tree_free(ev);
    if (err) {
        rd_kafka_headers_destroy(h);
        LGX_ERROR(log, "line %ld: produce: %s", lineno, rd_kafka_err2str(err));
        return false;
    }
    rd_kafka_poll(rk, 0);
    return true;
}

/* Registers the schema under <topic>-value in r (or finds it) and
 * returns the registry's id, known to the store from then on; -1 with
 * errstr. */
static int32_t registry_id(lgx_registry_t *r, const produce_conf_t *conf,
                           lgx_avro_store_t *store, int32_t local_id,
                           char *errstr, size_t size)
{
    char subject[512];
    int32_t id = -1;
    snprintf(subject, sizeof(subject), "%s-value", conf->topic);
    if (lgx_registry_register(r, subject, lgx_avro_store_json(store, local_id),
                              &id, errstr, size) != LGX_OK) {
        id = -1;
    } else if (lgx_avro_store_alias(store, id, local_id) != LGX_OK) {
        snprintf(errstr, size,
                 "schema registry id %d is a different schema in "
                 "schemas.json",
                 (int)id);
        id = -1;
    }
    return id;
}

static int run(const produce_conf_t *conf, lgx_log_t *log)
{
    char errstr[512];
    int rc = 1;
    producer_t p = {.owner = {.log = log}};
    lgx_avro_store_t *store = NULL;
    lgx_registry_t *registry = NULL;
    rd_kafka_t *rk = NULL;
    lgx_buf_t *buf = lgx_buf_new();
    char *line = NULL;
    size_t cap = 0;
    long lineno = 0, bad = 0;
    FILE *in = strcmp(conf->input, "-") == 0 ? stdin : fopen(conf->input, "r");
    if (!in) {
        LGX_ERROR(log, "cannot open --input %s", conf->input);
        goto done;
    }
    if (conf->schema_registry &&
        !(registry = lgx_registry_new(conf->schema_registry,
                                      conf->schema_registry_credentials_file,
                                      errstr, sizeof(errstr)))) {
        LGX_ERROR(log, "configuration: %s", errstr);
        rc = 2;
        goto done;
    }
    store = lgx_avro_store_load(conf->schema_dir, errstr, sizeof(errstr));
    int32_t id =
        store ? (conf->schema_id ? (int32_t)conf->schema_id
                                 : lgx_avro_store_latest(store, conf->schema))
              : -1;
    if (!store || id < 0 || !lgx_avro_store_schema(store, id)) {
        LGX_ERROR(log, "schema: %s",
                  store ? "unknown --schema or --schema-id" : errstr);
        goto done;
    }
    if (registry && (id = registry_id(registry, conf, store, id, errstr,
                                      sizeof(errstr))) < 0) {
        LGX_ERROR(log, "%s", errstr);
        goto done;
    }
    rd_kafka_conf_t *kc = lgx_kafka_conf_new(conf->brokers, conf->kafka_props,
                                             &p.owner, errstr, sizeof(errstr));
    if (!kc || lgx_kafka_conf_set(kc, "enable.idempotence", "true", errstr,
                                  sizeof(errstr)) != LGX_OK) {
        LGX_ERROR(log, "configuration: %s", errstr);
        if (kc) {
            rd_kafka_conf_destroy(kc);
        }
        goto done;
    }
    rd_kafka_conf_set_dr_msg_cb(kc, on_delivery);
    rk = rd_kafka_new(RD_KAFKA_PRODUCER, kc, errstr, sizeof(errstr));
    if (!rk) {
        rd_kafka_conf_destroy(kc);
        LGX_ERROR(log, "Kafka producer: %s", errstr);
        goto done;
    }
    ssize_t n;
    while ((n = getline(&line, &cap, in)) >= 0) {
        lineno++;
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) {
            line[--n] = '\0';
        }
        if (n == 0) {
            continue;
        }
        if (!produce_line(rk, conf, store, id, line, (size_t)n, lineno, buf,
                          log)) {
            bad++;
        }
    }
    rd_kafka_flush(rk, 30000);
    long pending = rd_kafka_outq_len(rk);
    LGX_INFO(log,
             "produced %ld event(s) to %s; %ld bad line(s), %ld "
             "delivery failure(s), %ld undelivered",
             p.delivered, conf->topic, bad, p.failed, pending);
    rc = (bad || p.failed || pending) ? 1 : 0;
done:
    free(line);
    if (in && in != stdin) {
        fclose(in);
    }
    if (rk) {
        rd_kafka_destroy(rk);
    }
    lgx_avro_store_destroy(store);
    lgx_registry_destroy(registry);
    lgx_buf_destroy(buf);
    return rc;
}

extern char **environ;

int main(int argc, char **argv)
{
    produce_conf_t conf;
    lgx_kafka_secrets_t secrets;
    memset(&conf, 0, sizeof(conf));
    memset(&secrets, 0, sizeof(secrets));
    lgx_config_section_t sections[] = {
        {"lgx-produce", produce_opts, &conf},
        {"Kafka secrets", lgx_kafka_secret_opts, &secrets}};
    char errstr[512];
    int rc = 2;
    lgx_err_t err = lgx_config_load(
        sections, 2, "lgx-produce",
        "Publishes events given as JSON lines as Confluent-framed Avro.", argc,
        argv, environ, errstr, sizeof(errstr));
    if (err == LGX_OK) {
        err = lgx_kafka_secrets_add(&secrets, &conf.kafka_props, errstr,
                                    sizeof(errstr));
    }
    lgx_log_level_t level = LGX_LOG_INFO;
    if (err == LGX_ERR_HELP) {
        rc = 0;
    } else if (err != LGX_OK ||
               lgx_log_level_parse(conf.log_level, &level) != LGX_OK) {
        fprintf(stderr, "lgx-produce: %s\n", errstr);
    } else {
        lgx_log_t *log = lgx_log_new("lgx-produce", level, stderr);
        rc = log ? run(&conf, log) : 1;
        lgx_log_destroy(log);
    }
    lgx_config_free(sections, 2);
    return rc;
}
