#include "sim_out.h"

#include <librdkafka/rdkafka.h>
#include <stdlib.h>
#include <string.h>

#include "lgx_avro_json.h"
#include "lgx_buf.h"
#include "lgx_kafka.h"

static const char *const records[SIM_N_TOPICS] = {
    "lgx.picks.PickConfirmed", "lgx.shipments.ShipmentEvent",
    "lgx.milestones.CarrierMilestone", "lgx.pod.ProofOfDelivery"};

lgx_err_t sim_out_schemas(const lgx_avro_store_t *store, sim_schemas_t *s,
                          char *errstr, size_t size)
{
    for (int t = 0; t < SIM_N_TOPICS; t++) {
        s->id[t] = lgx_avro_store_latest(store, records[t]);
        if (s->id[t] < 0) {
            snprintf(errstr, size, "schemas.json has no %s", records[t]);
            return LGX_ERR_SCHEMA;
        }
        /* The last free id of the record's block: a newer contract not
         * deployed yet, as a producer upgraded too early would send. */
        int32_t block = s->id[t] / 10 * 10;
        s->unknown[t] = 1000 + t;
        for (int32_t id = block + 9; id > block; id--) {
            if (!lgx_avro_store_schema(store, id)) {
                s->unknown[t] = id;
                break;
            }
        }
    }
    return LGX_OK;
}

lgx_err_t sim_out_value(const lgx_avro_store_t *store, const sim_schemas_t *s,
                        const sim_event_t *e, lgx_buf_t *out, char *errstr,
                        size_t size)
{
    lgx_buf_reset(out);
    if (e->poison == SIM_POISON_NOT_FRAMED) {
        return lgx_buf_puts(out, e->json);
    }
    char why[400];
    lgx_err_t rc = lgx_avro_encode_json(store, s->id[e->topic], e->json,
                                        strlen(e->json), out, why, sizeof(why));
    if (rc != LGX_OK) {
        snprintf(errstr, size, "%s event %s (%s) does not fit its schema: %s",
                 sim_topic_name(e->topic), e->event_id, sim_kind_name(e->kind),
                 why);
        return rc;
    }
    if (e->poison != SIM_POISON_UNKNOWN_SCHEMA &&
        e->poison != SIM_POISON_TRUNCATED) {
        return LGX_OK;
    }
    size_t len = lgx_buf_len(out);
    unsigned char *copy = (unsigned char *)lgx_buf_take(out);
    if (!copy) {
        return LGX_ERR_NOMEM;
    }
    if (e->poison == SIM_POISON_UNKNOWN_SCHEMA) {
        /* The framing's schema id: big-endian, after the magic byte. */
        uint32_t id = (uint32_t)s->unknown[e->topic];
        copy[1] = (unsigned char)(id >> 24);
        copy[2] = (unsigned char)(id >> 16);
        copy[3] = (unsigned char)(id >> 8);
        copy[4] = (unsigned char)id;
    } else {
        len = LGX_AVRO_HEADER_SIZE + (len - LGX_AVRO_HEADER_SIZE) / 2;
    }
    rc = lgx_buf_append(out, copy, len);
    free(copy);
    return rc;
}

lgx_err_t sim_out_line(FILE *f, size_t n, const char *topic,
                       const char *correlation_id, const sim_event_t *e,
                       const lgx_buf_t *value, lgx_buf_t *tmp)
{
    lgx_buf_reset(tmp);
    lgx_err_t rc = lgx_buf_printf(tmp, "{\"n\":%zu,\"topic\":", n);
    rc = rc == LGX_OK ? lgx_buf_json_str(tmp, topic, strlen(topic)) : rc;
    rc = rc == LGX_OK ? lgx_buf_puts(tmp, ",\"key\":") : rc;
    rc = rc == LGX_OK ? lgx_buf_json_str(tmp, e->key, strlen(e->key)) : rc;
    rc = rc == LGX_OK ? lgx_buf_puts(tmp, ",\"headers\":{\"correlation_id\":")
                      : rc;
    rc = rc == LGX_OK
             ? lgx_buf_json_str(tmp, correlation_id, strlen(correlation_id))
             : rc;
    rc = rc == LGX_OK
             ? lgx_buf_printf(tmp, ",\"traceparent\":\"%s\"", e->traceparent)
             : rc;
    if (rc == LGX_OK && e->poison) {
        rc = lgx_buf_printf(tmp, ",\"lgx.sim.poison\":\"%s\"", e->poison_id);
    }
    rc = rc == LGX_OK
             ? lgx_buf_printf(
                   tmp, "},\"knob\":\"%s\",\"poison\":", sim_knob_name(e->knob))
             : rc;
    if (rc == LGX_OK && e->poison) {
        rc = lgx_buf_printf(tmp, "\"%s\"", e->poison_id);
    } else if (rc == LGX_OK) {
        rc = lgx_buf_puts(tmp, "null");
    }
    rc = rc == LGX_OK
             ? lgx_buf_printf(tmp, ",\"event\":%s,\"bytes\":\"", e->json)
             : rc;
    rc = rc == LGX_OK
             ? lgx_buf_base64(tmp, lgx_buf_data(value), lgx_buf_len(value))
             : rc;
    rc = rc == LGX_OK ? lgx_buf_puts(tmp, "\"}\n") : rc;
    if (rc == LGX_OK &&
        fwrite(lgx_buf_data(tmp), 1, lgx_buf_len(tmp), f) != lgx_buf_len(tmp)) {
        rc = LGX_ERR_IO;
    }
    return rc;
}

/* ---- Kafka ---- */

struct sim_kafka {
    lgx_kafka_owner_t owner; /* first: the log callback finds it */
    rd_kafka_t *rk;
    long delivered;
    long failed;
};

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m,
                        void *opaque)
{
    (void)rk;
    sim_kafka_t *k = opaque;
    if (m->err) {
        k->failed++;
        lgx_log_write(k->owner.log, LGX_LOG_ERROR, NULL, "delivery failed: %s",
                      rd_kafka_err2str(m->err));
    } else {
        k->delivered++;
    }
}

sim_kafka_t *sim_kafka_new(const char *brokers, char **props, lgx_log_t *log,
                           char *errstr, size_t size)
{
    sim_kafka_t *k = calloc(1, sizeof(*k));
    if (!k) {
        snprintf(errstr, size, "out of memory");
        return NULL;
    }
    k->owner.log = log;
    rd_kafka_conf_t *kc =
        lgx_kafka_conf_new(brokers, props, &k->owner, errstr, size);
    if (!kc || lgx_kafka_conf_set(kc, "enable.idempotence", "true", errstr,
                                  size) != LGX_OK) {
        if (kc) {
            rd_kafka_conf_destroy(kc);
        }
        free(k);
        return NULL;
    }
    rd_kafka_conf_set_dr_msg_cb(kc, on_delivery);
    k->rk = rd_kafka_new(RD_KAFKA_PRODUCER, kc, errstr, size);
    if (!k->rk) {
        rd_kafka_conf_destroy(kc);
        free(k);
        return NULL;
    }
    return k;
}

lgx_err_t sim_kafka_send(sim_kafka_t *k, const char *topic,
                         const char *correlation_id, const sim_event_t *e,
                         const lgx_buf_t *value, char *errstr, size_t size)
{
    rd_kafka_headers_t *h = rd_kafka_headers_new(3);
    rd_kafka_header_add(h, "correlation_id", -1, correlation_id, -1);
    rd_kafka_header_add(h, "traceparent", -1, e->traceparent, -1);
    if (e->poison) {
        rd_kafka_header_add(h, "lgx.sim.poison", -1, e->poison_id, -1);
    }
    rd_kafka_resp_err_t err;
    do {
        err = rd_kafka_producev(
            k->rk, RD_KAFKA_V_TOPIC(topic),
            RD_KAFKA_V_KEY(e->key, strlen(e->key)),
            RD_KAFKA_V_VALUE((void *)lgx_buf_data(value), lgx_buf_len(value)),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(h),
            RD_KAFKA_V_END);
        if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            rd_kafka_poll(k->rk, 100);
        }
    } while (err == RD_KAFKA_RESP_ERR__QUEUE_FULL);
    if (err) {
        rd_kafka_headers_destroy(h);
        snprintf(errstr, size, "produce to %s: %s", topic,
                 rd_kafka_err2str(err));
        return LGX_ERR_KAFKA;
    }
    rd_kafka_poll(k->rk, 0);
    return LGX_OK;
}

void sim_kafka_flush(sim_kafka_t *k, int timeout_ms, long *delivered,
                     long *failed, long *pending)
{
    rd_kafka_flush(k->rk, timeout_ms);
    *delivered = k->delivered;
    *failed = k->failed;
    *pending = rd_kafka_outq_len(k->rk);
}

void sim_kafka_destroy(sim_kafka_t *k)
{
    if (k) {
        if (k->rk) {
            rd_kafka_destroy(k->rk);
        }
        free(k);
    }
}
