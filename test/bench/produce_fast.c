/*
 * produce_fast: publishes N lgx.picks.PickConfirmed (v2, schema id 2)
 * events as fast as the broker takes them, for the benchmarks
 * (test/bench/bench.py). lgx-produce converts JSON lines through avro-c
 * and makes two UUIDs per event; at a million events that alone takes
 * minutes, so this writes the Avro body by hand (the layout of
 * avro-schemas/picks/PickConfirmed.v2.avsc) in the Confluent frame, with
 * the same key (picking_name) and headers (correlation_id, traceparent)
 * as lgx-produce.
 *
 *   produce_fast BROKERS TOPIC COUNT [FIRST [LINES [PRODUCTS]]]
 *
 * Event i (FIRST <= i < FIRST + COUNT): event id bench-<i>, picking
 * BENCH/OUT/<i>, LINES lines (default 1) of products BENCH-<(i + l) %
 * PRODUCTS> (default 100), quantity 1, complete, source wms-bench,
 * occurred now. Prints the count and the seconds it took on stdout.
 */
#include <librdkafka/rdkafka.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static size_t put_long(unsigned char *p, int64_t v)
{
    uint64_t z = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
    size_t n = 0;
    while (z & ~(uint64_t)0x7f) {
        p[n++] = (unsigned char)((z & 0x7f) | 0x80);
        z >>= 7;
    }
    p[n++] = (unsigned char)z;
    return n;
}

static size_t put_str(unsigned char *p, const char *s)
{
    size_t len = strlen(s);
    size_t n = put_long(p, (int64_t)len);
    memcpy(p + n, s, len);
    return n + len;
}

static size_t put_double(unsigned char *p, double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof(u));
    for (int i = 0; i < 8; i++) {
        p[i] = (unsigned char)(u >> (8 * i));
    }
    return 8;
}

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long failed;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m,
                        void *opaque)
{
    (void)rk;
    (void)opaque;
    if (m->err) {
        if (failed++ < 5) {
            fprintf(stderr, "produce_fast: delivery failed: %s\n",
                    rd_kafka_err2str(m->err));
        }
    }
}

static void set(rd_kafka_conf_t *c, const char *k, const char *v)
{
    char err[256];
    if (rd_kafka_conf_set(c, k, v, err, sizeof(err)) != RD_KAFKA_CONF_OK) {
        fprintf(stderr, "produce_fast: %s: %s\n", k, err);
        exit(2);
    }
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: produce_fast BROKERS TOPIC COUNT [FIRST "
                        "[LINES [PRODUCTS]]]\n");
        return 2;
    }
    const char *topic = argv[2];
    long count = atol(argv[3]);
    long first = argc > 4 ? atol(argv[4]) : 0;
    long lines = argc > 5 ? atol(argv[5]) : 1;
    long products = argc > 6 ? atol(argv[6]) : 100;
    if (count < 0 || lines < 1 || lines > 100 || products < 1) {
        fprintf(stderr, "produce_fast: bad arguments\n");
        return 2;
    }
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    set(conf, "bootstrap.servers", argv[1]);
    set(conf, "linger.ms", "20");
    set(conf, "batch.num.messages", "10000");
    set(conf, "batch.size", "1000000");
    set(conf, "queue.buffering.max.messages", "500000");
    set(conf, "queue.buffering.max.kbytes", "262144");
    set(conf, "compression.type", "none");
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    char err[512];
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
    if (!rk) {
        fprintf(stderr, "produce_fast: %s\n", err);
        return 1;
    }
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    int64_t occurred = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
    double started = mono();
    unsigned char body[4096];
    char s[128], key[64], cid[64], tp[64];
    for (long i = first; i < first + count; i++) {
        size_t n = 0;
        body[n++] = 0; /* Confluent frame: magic 0, schema id 2 (BE) */
        body[n++] = 0;
        body[n++] = 0;
        body[n++] = 0;
        body[n++] = 2;
        snprintf(s, sizeof(s), "bench-%ld", i);
        n += put_str(body + n, s); /* event_id */
        snprintf(cid, sizeof(cid), "SO-BENCH-%ld", i);
        n += put_str(body + n, cid);         /* correlation_id */
        n += put_long(body + n, 0);          /* causation_id null */
        n += put_str(body + n, "wms-bench"); /* source_system */
        n += put_long(body + n, occurred);   /* occurred_at */
        n += put_long(body + n, 2);          /* schema_version */
        snprintf(key, sizeof(key), "BENCH/OUT/%07ld", i);
        n += put_str(body + n, key); /* picking_name */
        n += put_long(body + n, 1);  /* warehouse: string */
        n += put_str(body + n, "WH");
        n += put_long(body + n, lines); /* lines: one block */
        for (long l = 0; l < lines; l++) {
            snprintf(s, sizeof(s), "BENCH-%04ld", (i + l) % products);
            n += put_str(body + n, s);      /* product_code */
            n += put_double(body + n, 1.0); /* quantity */
            n += put_long(body + n, 0);     /* lot null */
        }
        n += put_long(body + n, 0); /* end of lines */
        body[n++] = 1;              /* is_complete */
        snprintf(tp, sizeof(tp), "00-%032lx-%016lx-01", (unsigned long)i + 1,
                 (unsigned long)i + 1);
        rd_kafka_headers_t *h = rd_kafka_headers_new(2);
        rd_kafka_header_add(h, "correlation_id", -1, cid, -1);
        rd_kafka_header_add(h, "traceparent", -1, tp, -1);
        rd_kafka_resp_err_t e;
        while ((e = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic),
                                      RD_KAFKA_V_KEY(key, strlen(key)),
                                      RD_KAFKA_V_VALUE(body, n),
                                      RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                      RD_KAFKA_V_HEADERS(h), RD_KAFKA_V_END)) ==
               RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            rd_kafka_poll(rk, 10);
        }
        if (e) {
            fprintf(stderr, "produce_fast: %s\n", rd_kafka_err2str(e));
            rd_kafka_headers_destroy(h);
            return 1;
        }
        if ((i & 1023) == 0) {
            rd_kafka_poll(rk, 0);
        }
    }
    while (rd_kafka_outq_len(rk) > 0) {
        rd_kafka_flush(rk, 1000);
        if (mono() - started > 600) {
            break;
        }
    }
    long left = rd_kafka_outq_len(rk);
    printf("%ld %.3f\n", count, mono() - started);
    rd_kafka_destroy(rk);
    if (failed || left) {
        fprintf(stderr, "produce_fast: %ld failed, %ld undelivered\n", failed,
                left);
        return 1;
    }
    return 0;
}
