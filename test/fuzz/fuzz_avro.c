/*
 * fuzz_avro: one Kafka message value, taken the way every consumer takes
 * it (lgx_consumer_event.c, judge): the Confluent frame and the writer schema
 * id, decoding into the topic's reader schema (writer -> reader resolution
 * or the writer's own schema), the input limits, the envelope (event_id,
 * source_system, occurred_at, correlation_id), then every field of the
 * reader schema through the accessors, as the consumers read them, times
 * formatted for Odoo as lgx_stock_val_time does. Then the value as a dead
 * letter shown by lgx-dlq show (lgx_avro_to_json).
 *
 * The value is given to the decoder of each of the four topics, since any
 * value can be published on any topic. The decoders live across inputs,
 * as in a consumer, so their resolver cache fills and evicts: besides the
 * ids of schemas.json, each schema is known under more ids, as a schema
 * registry's ids would be.
 *
 * No network, no files but the schemas, read once in LLVMFuzzerInitialize.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lgx_avro.h"
#include "lgx_avro_value.h"
#include "lgx_buf.h"
#include "lgx_cid.h"
#include "lgx_stock.h"

#ifndef LGX_SCHEMA_DIR
#error "the Makefile defines LGX_SCHEMA_DIR"
#endif

/* The consumers' defaults (--max-message-bytes, --max-string-bytes,
 * --max-blob-bytes, --max-items), and small ones that make the limits
 * refuse. */
#define MAX_MESSAGE 1048576
#define MAX_STRING 1024
#define MAX_BLOB 1048576
#define MAX_ITEMS 1000
/* Registry-like ids: every schema id i is also known as i + k * ALIAS_STEP
 * for k in 1..ALIASES, more ids than a decoder caches. */
#define ALIAS_STEP 100
#define ALIASES 2

static const char *const readers[] = {
    "lgx.picks.PickConfirmed", "lgx.shipments.ShipmentEvent",
    "lgx.milestones.CarrierMilestone", "lgx.pod.ProofOfDelivery"};
#define N_READERS (sizeof(readers) / sizeof(readers[0]))

static lgx_avro_store_t *store;
static lgx_avro_decoder_t *decoders[N_READERS];
static avro_schema_t reader_schemas[N_READERS];
static lgx_buf_t *vals;

/* Keeps reads of decoded data from being optimized away, so that the
 * sanitizers see every byte a consumer would touch. */
static volatile unsigned sink;

static void touch(const void *p, size_t len)
{
    const unsigned char *b = p;
    unsigned h = 0;
    for (size_t i = 0; i < len; i++) {
        h = h * 31 + b[i];
    }
    sink += h;
}

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_avro: %s: %s\n", what, detail);
    abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__lsan_default_options(void);
const char *__asan_default_options(void);

/* avro-c places a value's instance 4 bytes into its allocation (after the
 * reference count), so the pointers a decoded record holds are not 8-byte
 * aligned. The decoders live across inputs: without scanning unaligned
 * words, LeakSanitizer would take what they hold for leaks. */
const char *__lsan_default_options(void)
{
    return "use_unaligned=1";
}

/* A negative string or bytes length makes avro-c ask malloc for about
 * SIZE_MAX bytes (lgx_avro.c, body_complete): the C library returns NULL
 * and the decode fails, as it must. AddressSanitizer would abort instead; let
 * it answer as the C library does. (Allocations that could succeed are still
 * caught by the fuzzer's -malloc_limit_mb.) */
const char *__asan_default_options(void)
{
    return "allocator_may_return_null=1";
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char errstr[512] = "";
    store = lgx_avro_store_load(LGX_SCHEMA_DIR, errstr, sizeof(errstr));
    if (!store) {
        die("schemas", errstr);
    }
    /* Ids of schemas.json are below ALIAS_STEP. */
    for (int32_t id = 0; id < ALIAS_STEP; id++) {
        if (!lgx_avro_store_schema(store, id)) {
            continue;
        }
        for (int32_t k = 1; k <= ALIASES; k++) {
            if (lgx_avro_store_alias(store, id + k * ALIAS_STEP, id) !=
                LGX_OK) {
                die("alias", "cannot add an id");
            }
        }
    }
    for (size_t i = 0; i < N_READERS; i++) {
        decoders[i] =
            lgx_avro_decoder_new(store, readers[i], errstr, sizeof(errstr));
        if (!decoders[i]) {
            die("decoder", errstr);
        }
        reader_schemas[i] = lgx_avro_store_schema(
            store, lgx_avro_store_latest(store, readers[i]));
    }
    if (!(vals = lgx_buf_new())) {
        die("buffer", "out of memory");
    }
    return 0;
}

static void read_record(avro_value_t *rec, avro_schema_t schema, int depth);

/* The record schema among a union's branches named name, or NULL. */
static avro_schema_t union_record(avro_schema_t u, const char *name)
{
    size_t n = avro_schema_union_size(u);
    for (size_t i = 0; i < n; i++) {
        avro_schema_t b = avro_schema_union_branch(u, (int)i);
        if (avro_typeof(b) == AVRO_RECORD &&
            strcmp(avro_schema_name(b), name) == 0) {
            return b;
        }
    }
    return NULL;
}

/* Every accessor on field name, whatever its type in the schema: the
 * consumers rely on a wrong type giving an error, not a bad read. */
static void read_field(avro_value_t *rec, const char *name, avro_schema_t t,
                       int depth)
{
    const char *s;
    const void *b;
    size_t len, n;
    int64_t l;
    double d;
    int flag;
    avro_value_t sub;
    const char *branch;
    if (lgx_avro_get_str(rec, name, &s, &len) == LGX_OK) {
        if (s[len] != '\0') {
            die("get_str", "string not terminated at its length");
        }
        touch(s, len);
    }
    if (lgx_avro_get_bytes(rec, name, &b, &len) == LGX_OK) {
        touch(b, len);
    }
    if (lgx_avro_get_long(rec, name, &l) == LGX_OK) {
        /* What lgx_stock_val_time sends Odoo for an event's time. */
        lgx_buf_reset(vals);
        if (lgx_stock_val_time(vals, name, l) == LGX_OK) {
            touch(lgx_buf_data(vals), lgx_buf_len(vals));
        }
    }
    if (lgx_avro_get_double(rec, name, &d) == LGX_OK) {
        touch(&d, sizeof(d));
    }
    if (lgx_avro_get_bool(rec, name, &flag) == LGX_OK) {
        sink += (unsigned)flag;
    }
    if (lgx_avro_get_array(rec, name, &sub, &n) == LGX_OK &&
        avro_typeof(t) == AVRO_ARRAY) {
        avro_schema_t items = avro_schema_array_items(t);
        for (size_t i = 0; i < n; i++) {
            avro_value_t item;
            if (avro_value_get_by_index(&sub, i, &item, NULL) != 0) {
                die("array", "an item within its size is missing");
            }
            if (avro_typeof(items) == AVRO_RECORD) {
                read_record(&item, items, depth + 1);
            } else if (avro_value_get_string(&item, &s, &len) == 0) {
                touch(s, len);
            }
        }
    }
    if (lgx_avro_get_branch(rec, name, &sub, &branch) == LGX_OK &&
        avro_typeof(t) == AVRO_UNION) {
        avro_schema_t bs = union_record(t, branch);
        if (bs) {
            read_record(&sub, bs, depth + 1);
        }
    }
}

/* Reads rec by the field names of the reader's record schema (a writer
 * read natively may lack some: they read as absent). */
static void read_record(avro_value_t *rec, avro_schema_t schema, int depth)
{
    if (depth > 8) {
        return;
    }
    size_t n = avro_schema_record_size(schema);
    for (size_t i = 0; i < n; i++) {
        read_field(rec, avro_schema_record_field_name(schema, (int)i),
                   avro_schema_record_field_get_by_index(schema, (int)i),
                   depth);
    }
}

/* The envelope, as read_envelope and judge in lgx_consumer_event.c read it. */
static void read_envelope(avro_value_t *rec)
{
    const char *s, *f = NULL;
    size_t len, fl = 0;
    int64_t at;
    char cid[LGX_CID_MAX + 1];
    if (lgx_avro_get_str(rec, "event_id", &s, &len) != LGX_OK || len == 0) {
        return;
    }
    touch(s, strlen(s));
    if (lgx_avro_get_str(rec, "source_system", &s, &len) != LGX_OK ||
        len == 0) {
        return;
    }
    touch(s, strlen(s));
    if (lgx_avro_get_long(rec, "occurred_at", &at) != LGX_OK) {
        return;
    }
    if (lgx_avro_get_str(rec, "correlation_id", &f, &fl) != LGX_OK) {
        f = NULL;
        fl = 0;
    }
    lgx_cid_choose(NULL, 0, f, fl, cid);
    touch(cid, strlen(cid));
}

static void consume(size_t topic, const uint8_t *data, size_t size)
{
    char errstr[512];
    avro_value_t *rec = NULL;
    int32_t writer_id = -1;
    if (lgx_avro_decode(decoders[topic], data, size, &rec, &writer_id, errstr,
                        sizeof(errstr)) != LGX_OK) {
        touch(errstr, strlen(errstr));
        return;
    }
    /* Small limits first: their refusals name the path at fault. */
    if (lgx_avro_check_limits(rec, 16, 16, 1, errstr, sizeof(errstr)) !=
        LGX_OK) {
        touch(errstr, strlen(errstr));
    }
    if (lgx_avro_check_limits(rec, MAX_STRING, MAX_BLOB, MAX_ITEMS, errstr,
                              sizeof(errstr)) != LGX_OK) {
        touch(errstr, strlen(errstr));
        return;
    }
    read_envelope(rec);
    read_record(rec, reader_schemas[topic], 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > MAX_MESSAGE) {
        return 0; /* dead-lettered as message_too_large before decoding */
    }
    for (size_t t = 0; t < N_READERS; t++) {
        consume(t, data, size);
    }
    /* What lgx-dlq show makes of it as a dead letter. */
    char errstr[512];
    char *json = lgx_avro_to_json(store, data, size, errstr, sizeof(errstr));
    touch(json ? json : errstr, strlen(json ? json : errstr));
    free(json);
    return 0;
}
