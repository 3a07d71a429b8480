/*
 * lgx-dlq: reads dead-letter topics and sends chosen records back.
 *
 *   lgx-dlq list    --topic lgx.picks.dlq [filters]
 *   lgx-dlq show    --topic lgx.picks.dlq --partition 0 --offset 7
 *   lgx-dlq redrive --topic lgx.picks.dlq [filters] [--dry-run]
 *
 * Filters: --reason, --key, --since / --until (when the record was
 * dead-lettered, ISO 8601 UTC or epoch ms), --partition and --offset. list
 * prints one line per record (position, original position, reason,
 * attempts, key, message); show prints the headers and the event decoded
 * (JSON); redrive publishes each chosen record to its source topic
 * (lgx.dlq.topic) with its original key, value and headers (so the
 * correlation id stays) and an lgx.redrive.count header one higher than
 * before. The consumers drop what was already applied, so redriving twice
 * changes nothing in Odoo.
 *
 * Exit codes: 0 done, 1 Kafka failure, 2 bad usage.
 */
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lgx_avro.h"
#include "lgx_cid.h"
#include "lgx_config.h"
#include "lgx_dlq.h"
#include "lgx_kafka.h"
#include "lgx_log.h"
#include "lgx_time.h"

#ifndef LGX_SCHEMA_DIR
#define LGX_SCHEMA_DIR "avro-schemas"
#endif

#define MAX_PARTS 1024
#define REDRIVE_HDR "lgx.redrive.count"

typedef struct dlq_conf {
    char *brokers;
    char *topic;
    char *reason;
    char *key;
    char *since;
    char *until;
    long partition;
    long offset;
    bool dry_run;
    char *schema_dir;
    char **kafka_props;
} dlq_conf_t;

#define OFF(f) offsetof(dlq_conf_t, f)

static const lgx_opt_t dlq_opts[] = {
    {"brokers", LGX_OPT_STR, "127.0.0.1:9092", OFF(brokers),
     "Kafka bootstrap servers", NULL, 0},
    {"topic", LGX_OPT_STR, NULL, OFF(topic),
     "Dead-letter topic, e.g. lgx.picks.dlq", NULL, LGX_OPT_REQUIRED},
    {"reason", LGX_OPT_STR, NULL, OFF(reason), "Only records with this reason",
     NULL, 0},
    {"key", LGX_OPT_STR, NULL, OFF(key), "Only records with this key", NULL, 0},
    {"since", LGX_OPT_STR, NULL, OFF(since),
     "Only records dead-lettered at or after this time", NULL, 0},
    {"until", LGX_OPT_STR, NULL, OFF(until),
     "Only records dead-lettered before this time", NULL, 0},
    {"partition", LGX_OPT_INT, "-1", OFF(partition),
     "Only this partition of the dead-letter topic", "-1..100000", 0},
    {"offset", LGX_OPT_INT, "-1", OFF(offset), "Only the record at this offset",
     "-1..9223372036854775807", 0},
    {"dry-run", LGX_OPT_BOOL, "false", OFF(dry_run),
     "redrive: list what would be sent; send nothing", NULL, 0},
    {"schema-dir", LGX_OPT_STR, LGX_SCHEMA_DIR, OFF(schema_dir),
     "Folder with schemas.json (show decodes the event)", NULL, 0},
    {"kafka", LGX_OPT_PROPS, NULL, OFF(kafka_props),
     "Any librdkafka setting, e.g. --kafka.security.protocol=SSL", NULL, 0},
    LGX_OPT_END};

typedef enum { CMD_LIST, CMD_SHOW, CMD_REDRIVE } cmd_t;

typedef struct dlq {
    lgx_kafka_owner_t owner; /* first: the log callback finds it */
    const dlq_conf_t *conf;
    cmd_t cmd;
    int64_t since_ms, until_ms;
    rd_kafka_t *consumer;
    rd_kafka_t *producer;
    lgx_avro_store_t *store;
    long matched, sent, failed;
} dlq_t;

/* A header as a NUL-terminated copy in buf ("" when absent). */
static const char *hdr(const rd_kafka_message_t *m, const char *name, char *buf,
                       size_t size)
{
    const char *v = NULL;
    size_t len = 0;
    buf[0] = '\0';
    if (lgx_kafka_header(m, name, &v, &len)) {
        snprintf(buf, size, "%.*s", (int)len, v);
    }
    return buf;
}

static bool matches(const dlq_t *d, const rd_kafka_message_t *m)
{
    const dlq_conf_t *c = d->conf;
    char buf[256];
    rd_kafka_timestamp_type_t tstype;
    int64_t ts = rd_kafka_message_timestamp(m, &tstype);
    if ((c->partition >= 0 && m->partition != c->partition) ||
        (c->offset >= 0 && m->offset != c->offset) ||
        (c->reason &&
         strcmp(hdr(m, LGX_DLQ_HDR_PREFIX "reason", buf, sizeof(buf)),
                c->reason) != 0) ||
        (d->since_ms >= 0 && ts < d->since_ms) ||
        (d->until_ms >= 0 && ts >= d->until_ms)) {
        return false;
    }
    if (c->key) {
        size_t kl = strlen(c->key);
        return m->key && m->key_len == kl && memcmp(m->key, c->key, kl) == 0;
    }
    return true;
}

static void print_line(const rd_kafka_message_t *m)
{
    char topic[256], part[32], off[32], reason[64], attempts[16], msg[512];
    printf("%d:%lld  from %s[%s]@%s  %-22s attempts=%s key=%.*s  %s\n",
           (int)m->partition, (long long)m->offset,
           hdr(m, LGX_DLQ_HDR_PREFIX "topic", topic, sizeof(topic)),
           hdr(m, LGX_DLQ_HDR_PREFIX "partition", part, sizeof(part)),
           hdr(m, LGX_DLQ_HDR_PREFIX "offset", off, sizeof(off)),
           hdr(m, LGX_DLQ_HDR_PREFIX "reason", reason, sizeof(reason)),
           hdr(m, LGX_DLQ_HDR_PREFIX "attempts", attempts, sizeof(attempts)),
           (int)(m->key ? m->key_len : 0), m->key ? (const char *)m->key : "",
           hdr(m, LGX_DLQ_HDR_PREFIX "message", msg, sizeof(msg)));
}

static void show(dlq_t *d, const rd_kafka_message_t *m)
{
    rd_kafka_headers_t *h = NULL;
    printf("record %d:%lld of %s\n", (int)m->partition, (long long)m->offset,
           d->conf->topic);
    printf("key: %.*s\nheaders:\n", (int)(m->key ? m->key_len : 0),
           m->key ? (const char *)m->key : "");
    if (rd_kafka_message_headers(m, &h) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        const char *name;
        const void *v;
        size_t len;
        for (size_t i = 0; !rd_kafka_header_get_all(h, i, &name, &v, &len);
             i++) {
            printf("  %s: %.*s\n", name, (int)len, v ? (const char *)v : "");
        }
    }
    char errstr[256];
    char *json = d->store ? lgx_avro_to_json(d->store, m->payload, m->len,
                                             errstr, sizeof(errstr))
                          : NULL;
    if (json) {
        printf("event: %s\n", json);
        free(json);
    } else {
        printf("event: (%zu bytes, not decodable: %s)\n", m->len,
               d->store ? errstr : "no schemas");
    }
}

/* Original headers without lgx.dlq.*, with the redrive count raised. */
static rd_kafka_headers_t *redrive_headers(const rd_kafka_message_t *m)
{
    rd_kafka_headers_t *src = NULL;
    rd_kafka_headers_t *out = rd_kafka_headers_new(8);
    long count = 0;
    if (rd_kafka_message_headers(m, &src) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        const char *name;
        const void *v;
        size_t len;
        for (size_t i = 0; !rd_kafka_header_get_all(src, i, &name, &v, &len);
             i++) {
            if (strcmp(name, REDRIVE_HDR) == 0 && v) {
                char num[32];
                snprintf(num, sizeof(num), "%.*s", (int)len, (const char *)v);
                count = strtol(num, NULL, 10);
            } else if (strncmp(name, LGX_DLQ_HDR_PREFIX,
                               strlen(LGX_DLQ_HDR_PREFIX)) != 0) {
                rd_kafka_header_add(out, name, -1, v, (ssize_t)len);
            }
        }
    }
    char num[32];
    snprintf(num, sizeof(num), "%ld", count + 1);
    rd_kafka_header_add(out, REDRIVE_HDR, -1, num, -1);
    return out;
}

static void redrive(dlq_t *d, const rd_kafka_message_t *m)
{
    char topic[256];
    hdr(m, LGX_DLQ_HDR_PREFIX "topic", topic, sizeof(topic));
    if (!topic[0]) {
        fprintf(stderr, "lgx-dlq: %d:%lld has no %stopic header; skipped\n",
                (int)m->partition, (long long)m->offset, LGX_DLQ_HDR_PREFIX);
        d->failed++;
        return;
    }
    print_line(m);
    if (d->conf->dry_run) {
        return;
    }
    rd_kafka_headers_t *h = redrive_headers(m);
    rd_kafka_resp_err_t err =
        rd_kafka_producev(d->producer, RD_KAFKA_V_TOPIC(topic),
                          RD_KAFKA_V_KEY(m->key, m->key_len),
                          RD_KAFKA_V_VALUE(m->payload, m->len),
                          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                          RD_KAFKA_V_HEADERS(h), RD_KAFKA_V_END);
    if (err) {
        rd_kafka_headers_destroy(h);
        fprintf(stderr, "lgx-dlq: redrive of %d:%lld: %s\n", (int)m->partition,
                (long long)m->offset, rd_kafka_err2str(err));
        d->failed++;
    } else {
        d->sent++;
    }
    rd_kafka_poll(d->producer, 0);
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m,
                        void *opaque)
{
    (void)rk;
    dlq_t *d = opaque;
    if (m->err) {
        d->failed++;
        d->sent--;
        fprintf(stderr, "lgx-dlq: delivery failed: %s\n",
                rd_kafka_err2str(m->err));
    }
}

/* Assigns every partition of the topic from the beginning. */
static bool assign_all(dlq_t *d)
{
    const rd_kafka_metadata_t *md = NULL;
    char errstr[512];
    if (lgx_kafka_topic_metadata(d->consumer, d->conf->brokers, d->conf->topic,
                                 10000, &md, errstr,
                                 sizeof(errstr)) != LGX_OK) {
        fprintf(stderr, "lgx-dlq: %s\n", errstr);
        return false;
    }
    rd_kafka_topic_partition_list_t *l =
        rd_kafka_topic_partition_list_new(md->topics[0].partition_cnt);
    for (int i = 0; i < md->topics[0].partition_cnt; i++) {
        rd_kafka_topic_partition_list_add(l, d->conf->topic,
                                          md->topics[0].partitions[i].id)
            ->offset = RD_KAFKA_OFFSET_BEGINNING;
    }
    rd_kafka_metadata_destroy(md);
    rd_kafka_resp_err_t err = rd_kafka_assign(d->consumer, l);
    rd_kafka_topic_partition_list_destroy(l);
    return !err;
}

/* Reads the whole topic once, handling each matching record. */
static void scan(dlq_t *d)
{
    rd_kafka_topic_partition_list_t *assigned = NULL;
    rd_kafka_assignment(d->consumer, &assigned);
    int at_end = 0, parts = assigned ? assigned->cnt : 0;
    if (assigned) {
        rd_kafka_topic_partition_list_destroy(assigned);
    }
    int idle = 0;
    while (at_end < parts && idle < 100) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(d->consumer, 100);
        if (!m) {
            idle++;
            continue;
        }
        idle = 0;
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            at_end++;
        } else if (!m->err && matches(d, m)) {
            d->matched++;
            if (d->cmd == CMD_LIST) {
                print_line(m);
            } else if (d->cmd == CMD_SHOW) {
                show(d, m);
            } else {
                redrive(d, m);
            }
        }
        rd_kafka_message_destroy(m);
    }
}

static rd_kafka_t *client(dlq_t *d, rd_kafka_type_t type, char *errstr,
                          size_t size)
{
    rd_kafka_conf_t *kc = lgx_kafka_conf_new(
        d->conf->brokers, d->conf->kafka_props, &d->owner, errstr, size);
    if (!kc) {
        return NULL;
    }
    char id[LGX_CID_MAX + 1], group[160];
    lgx_cid_generate(id);
    snprintf(group, sizeof(group), "lgx-dlq-%s", id);
    lgx_err_t err =
        type == RD_KAFKA_CONSUMER
            ? lgx_kafka_conf_set(kc, "group.id", group, errstr, size)
            : lgx_kafka_conf_set(kc, "enable.idempotence", "true", errstr,
                                 size);
    if (err == LGX_OK && type == RD_KAFKA_CONSUMER) {
        err = lgx_kafka_conf_set(kc, "enable.partition.eof", "true", errstr,
                                 size);
    }
    if (err == LGX_OK && type == RD_KAFKA_CONSUMER) {
        err =
            lgx_kafka_conf_set(kc, "enable.auto.commit", "false", errstr, size);
    }
    if (type == RD_KAFKA_PRODUCER) {
        rd_kafka_conf_set_dr_msg_cb(kc, on_delivery);
    } else {
        lgx_kafka_conf_keep_errors(kc);
    }
    rd_kafka_t *rk =
        err == LGX_OK ? rd_kafka_new(type, kc, errstr, size) : NULL;
    if (!rk) {
        rd_kafka_conf_destroy(kc);
    }
    return rk;
}

static bool parse_time(const char *s, int64_t *ms)
{
    if (!s) {
        *ms = -1;
        return true;
    }
    return lgx_time_parse(s, ms) == LGX_OK;
}

static int run(dlq_t *d)
{
    char errstr[512];
    int code = 1;
    d->store = lgx_avro_store_load(d->conf->schema_dir, errstr, sizeof(errstr));
    d->consumer = client(d, RD_KAFKA_CONSUMER, errstr, sizeof(errstr));
    if (d->consumer && d->cmd == CMD_REDRIVE && !d->conf->dry_run) {
        d->producer = client(d, RD_KAFKA_PRODUCER, errstr, sizeof(errstr));
    }
    if (!d->consumer ||
        (d->cmd == CMD_REDRIVE && !d->conf->dry_run && !d->producer)) {
        fprintf(stderr, "lgx-dlq: %s\n", errstr);
        code = 2;
    } else if (assign_all(d)) {
        scan(d);
        if (d->producer) {
            rd_kafka_flush(d->producer, 30000);
        }
        printf("%ld record(s) matched%s", d->matched,
               d->cmd == CMD_REDRIVE ? "" : "\n");
        if (d->cmd == CMD_REDRIVE) {
            printf("; %ld redriven, %ld failed%s\n", d->sent, d->failed,
                   d->conf->dry_run ? " (dry run)" : "");
        }
        code = d->failed ? 1 : 0;
    }
    if (d->consumer) {
        rd_kafka_consumer_close(d->consumer);
        rd_kafka_destroy(d->consumer);
    }
    if (d->producer) {
        rd_kafka_destroy(d->producer);
    }
    lgx_avro_store_destroy(d->store);
    return code;
}

extern char **environ;

int main(int argc, char **argv)
{
    dlq_conf_t c;
    lgx_kafka_secrets_t secrets;
    dlq_t d;
    memset(&c, 0, sizeof(c));
    memset(&secrets, 0, sizeof(secrets));
    memset(&d, 0, sizeof(d));
    lgx_config_section_t sections[] = {
        {"lgx-dlq", dlq_opts, &c},
        {"Kafka secrets", lgx_kafka_secret_opts, &secrets}};
    const char *cmd = argc > 1 ? argv[1] : "";
    d.cmd = strcmp(cmd, "show") == 0      ? CMD_SHOW
            : strcmp(cmd, "redrive") == 0 ? CMD_REDRIVE
                                          : CMD_LIST;
    bool has_cmd = strcmp(cmd, "list") == 0 || strcmp(cmd, "show") == 0 ||
                   strcmp(cmd, "redrive") == 0;
    char errstr[512];
    int code = 2;
    lgx_err_t rc = lgx_config_load(
        sections, 2, "lgx-dlq list|show|redrive",
        "Lists and shows dead-letter records, and redrives chosen ones to "
        "their source topic.",
        has_cmd ? argc - 1 : argc, has_cmd ? argv + 1 : argv, environ, errstr,
        sizeof(errstr));
    if (rc == LGX_OK) {
        rc = lgx_kafka_secrets_add(&secrets, &c.kafka_props, errstr,
                                   sizeof(errstr));
    }
    if (rc == LGX_ERR_HELP) {
        code = 0;
    } else if (rc != LGX_OK || !has_cmd) {
        fprintf(stderr, "lgx-dlq: %s\n",
                rc != LGX_OK ? errstr
                             : "usage: lgx-dlq list|show|redrive "
                               "--topic T [options] (see --help)");
    } else if (!parse_time(c.since, &d.since_ms) ||
               !parse_time(c.until, &d.until_ms)) {
        fprintf(stderr, "lgx-dlq: --since/--until: ISO 8601 UTC or epoch ms\n");
    } else if (d.cmd == CMD_SHOW && c.offset < 0) {
        fprintf(stderr, "lgx-dlq: show needs --offset (and --partition)\n");
    } else {
        lgx_log_t *log = lgx_log_new("lgx-dlq", LGX_LOG_WARN, stderr);
        d.owner.log = log;
        d.conf = &c;
        code = log ? run(&d) : 1;
        lgx_log_destroy(log);
    }
    lgx_config_free(sections, 2);
    return code;
}
