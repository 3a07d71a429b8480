/*
 * Unit tests for lgx_avro: the schema store read from the source tree
 * (LGX_SCHEMA_DIR), Confluent framing, JSON -> Avro encoding, decoding
 * into the reader schema and the field accessors.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lgx_avro.h"
#include "lgx_avro_json.h"
#include "lgx_avro_value.h"
#include "lgx_buf.h"

Suite *avro_suite(void);

#ifndef LGX_SCHEMA_DIR
#error "the Makefile defines LGX_SCHEMA_DIR"
#endif

#define PICK "lgx.picks.PickConfirmed"

/* 2026-11-27T10:00:00.250Z in epoch milliseconds. */
#define OCCURRED_MS 1795773600250LL

static const char pick_json[] =
    "{\"event_id\":\"ev-1\",\"correlation_id\":\"order-7\","
    "\"causation_id\":\"ev-0\",\"source_system\":\"wms-north\","
    "\"occurred_at\":\"2026-11-27T10:00:00.250Z\",\"schema_version\":1,"
    "\"picking_name\":\"WH/OUT/00007\","
    "\"lines\":[{\"product_code\":\"FURN_7777\",\"quantity\":3,\"lot\":null},"
    "{\"product_code\":\"E-COM11\",\"quantity\":1.5,\"lot\":\"LOT-1\"}],"
    "\"is_complete\":true}";

static lgx_avro_store_t *store;
static lgx_avro_decoder_t *dec;
static lgx_buf_t *msg;
static char errstr[512];

static void setup(void)
{
    errstr[0] = '\0';
    store = lgx_avro_store_load(LGX_SCHEMA_DIR, errstr, sizeof(errstr));
    ck_assert_msg(store != NULL, "store: %s", errstr);
    dec = lgx_avro_decoder_new(store, PICK, errstr, sizeof(errstr));
    ck_assert_msg(dec != NULL, "decoder: %s", errstr);
    msg = lgx_buf_new();
    ck_assert_ptr_nonnull(msg);
}

static void teardown(void)
{
    lgx_buf_destroy(msg);
    msg = NULL;
    lgx_avro_decoder_destroy(dec);
    dec = NULL;
    lgx_avro_store_destroy(store);
    store = NULL;
}

/* Encodes json as the newest PickConfirmed into msg (reset first). */
static lgx_err_t encode(const char *json)
{
    lgx_buf_reset(msg);
    int32_t id = lgx_avro_store_latest(store, PICK);
    ck_assert_int_ge(id, 0);
    return lgx_avro_encode_json(store, id, json, strlen(json), msg, errstr,
                                sizeof(errstr));
}

/* Encodes json, which must succeed, and decodes it back. */
static avro_value_t *round_trip(const char *json)
{
    lgx_err_t err = encode(json);
    ck_assert_msg(err == LGX_OK, "encode: %s", errstr);
    avro_value_t *rec = NULL;
    int32_t wid = -1;
    err = lgx_avro_decode(dec, lgx_buf_data(msg), lgx_buf_len(msg), &rec, &wid,
                          errstr, sizeof(errstr));
    ck_assert_msg(err == LGX_OK, "decode: %s", errstr);
    ck_assert_ptr_nonnull(rec);
    ck_assert_int_eq(wid, lgx_avro_store_latest(store, PICK));
    return rec;
}

/* pick_json with the text from..to replaced by with (a test edit). */
static char *edited(const char *from, const char *with)
{
    const char *p = strstr(pick_json, from);
    ck_assert_ptr_nonnull(p);
    size_t size = sizeof(pick_json) + strlen(with);
    char *out = malloc(size);
    ck_assert_ptr_nonnull(out);
    snprintf(out, size, "%.*s%s%s", (int)(p - pick_json), pick_json, with,
             p + strlen(from));
    return out;
}

static void str_field_is(avro_value_t *rec, const char *name, const char *want)
{
    const char *s = NULL;
    size_t len = 0;
    ck_assert_int_eq(lgx_avro_get_str(rec, name, &s, &len), LGX_OK);
    ck_assert_uint_eq(len, strlen(want));
    ck_assert_mem_eq(s, want, len);
}

/* ---- store ---- */

START_TEST(test_avro_store_lookup)
{
    /* PickConfirmed v3 (id 3) is the newest; v1 (id 1) stays known. */
    int32_t id = lgx_avro_store_latest(store, PICK);
    ck_assert_int_eq(id, 3);
    ck_assert_ptr_nonnull(lgx_avro_store_schema(store, id));
    ck_assert_ptr_nonnull(lgx_avro_store_schema(store, 1));
    ck_assert_int_eq(lgx_avro_store_latest(store, "lgx.picks.Nope"), -1);
    ck_assert_int_eq(lgx_avro_store_latest(store, "PickConfirmed"), -1);
    ck_assert_ptr_null(lgx_avro_store_schema(store, 999));
    ck_assert_ptr_null(lgx_avro_store_schema(store, -1));
}
END_TEST

START_TEST(test_avro_store_missing_dir)
{
    lgx_avro_store_t *s =
        lgx_avro_store_load("/nonexistent/lgx-schemas", errstr, sizeof(errstr));
    ck_assert_ptr_null(s);
    ck_assert_ptr_nonnull(strstr(errstr, "/nonexistent/lgx-schemas"));
    ck_assert_ptr_nonnull(strstr(errstr, "schemas.json"));
}
END_TEST

/* Makes a temporary schema dir with the given schemas.json text. */
static void make_dir(char *dir, size_t size, const char *schemas_json)
{
    snprintf(dir, size, "/tmp/lgx-check-avro-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char path[512];
    snprintf(path, sizeof(path), "%s/schemas.json", dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_ge(fputs(schemas_json, f), 0);
    ck_assert_int_eq(fclose(f), 0);
}

static void remove_dir(const char *dir, const char *extra_file)
{
    char path[512];
    if (extra_file) {
        snprintf(path, sizeof(path), "%s/%s", dir, extra_file);
        unlink(path);
    }
    snprintf(path, sizeof(path), "%s/schemas.json", dir);
    unlink(path);
    rmdir(dir);
}

/* Writes text into dir/name. */
static void write_file(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_ge(fputs(text, f), 0);
    ck_assert_int_eq(fclose(f), 0);
}

START_TEST(test_avro_store_bad_index)
{
    char dir[64];
    make_dir(dir, sizeof(dir), "{\"schemas\": 3}");
    ck_assert_ptr_null(lgx_avro_store_load(dir, errstr, sizeof(errstr)));
    ck_assert_ptr_nonnull(strstr(errstr, "schemas"));
    remove_dir(dir, NULL);

    make_dir(dir, sizeof(dir), "not json");
    ck_assert_ptr_null(lgx_avro_store_load(dir, errstr, sizeof(errstr)));
    ck_assert_str_ne(errstr, "");
    remove_dir(dir, NULL);

    make_dir(dir, sizeof(dir), "{\"schemas\": [{\"id\": 1, \"file\": \"x\"}]}");
    ck_assert_ptr_null(lgx_avro_store_load(dir, errstr, sizeof(errstr)));
    ck_assert_ptr_nonnull(strstr(errstr, "version"));
    remove_dir(dir, NULL);
}
END_TEST

START_TEST(test_avro_store_missing_schema_file)
{
    char dir[64];
    make_dir(dir, sizeof(dir),
             "{\"schemas\": [{\"id\": 1, \"version\": 1, "
             "\"file\": \"picks/Gone.v1.avsc\"}]}");
    ck_assert_ptr_null(lgx_avro_store_load(dir, errstr, sizeof(errstr)));
    ck_assert_ptr_nonnull(strstr(errstr, "picks/Gone.v1.avsc"));
    remove_dir(dir, NULL);
}
END_TEST

/* A store of one schema file s.avsc of text is refused with a message
 * that names want. */
static void schema_refused(const char *text, const char *want)
{
    char dir[64];
    make_dir(dir, sizeof(dir),
             "{\"schemas\": [{\"id\": 1, \"version\": 1, "
             "\"file\": \"s.avsc\"}]}");
    write_file(dir, "s.avsc", text);
    ck_assert_ptr_null(lgx_avro_store_load(dir, errstr, sizeof(errstr)));
    ck_assert_ptr_nonnull(strstr(errstr, want));
    remove_dir(dir, "s.avsc");
}

START_TEST(test_avro_store_bad_schema_and_repeated_id)
{
    char dir[64];
    schema_refused("{\"type\": \"record\", \"name\": \"R\"}", "s.avsc");

    /* The same id twice is refused even when both files are fine. */
    make_dir(dir, sizeof(dir),
             "{\"schemas\": [{\"id\": 1, \"version\": 1, \"file\": \"r.avsc\"},"
             "{\"id\": 1, \"version\": 2, \"file\": \"r.avsc\"}]}");
    write_file(dir, "r.avsc",
               "{\"type\": \"record\", \"name\": \"R\", "
               "\"fields\": [{\"name\": \"a\", \"type\": \"int\"}]}");
    ck_assert_ptr_null(lgx_avro_store_load(dir, errstr, sizeof(errstr)));
    ck_assert_ptr_nonnull(strstr(errstr, "id 1"));
    remove_dir(dir, "r.avsc");
}
END_TEST

/* A schema without a name (from a registry or a schemas.json) is refused
 * with a message; it used to crash taking its full name. */
START_TEST(test_avro_store_unnamed_schema)
{
    schema_refused("{\"type\": \"array\", \"items\": \"string\"}",
                   "not a named schema");

    avro_schema_t s = avro_schema_string();
    ck_assert_ptr_null(lgx_avro_fullname(s));
    avro_schema_decref(s);
}
END_TEST

START_TEST(test_avro_decoder_unknown_name)
{
    lgx_avro_decoder_t *d =
        lgx_avro_decoder_new(store, "lgx.picks.Nope", errstr, sizeof(errstr));
    ck_assert_ptr_null(d);
    ck_assert_ptr_nonnull(strstr(errstr, "lgx.picks.Nope"));
    lgx_avro_decoder_destroy(NULL);
    lgx_avro_store_destroy(NULL);
}
END_TEST

/* ---- core ---- */

START_TEST(test_avro_encode_frame_header)
{
    ck_assert_int_eq(encode(pick_json), LGX_OK);
    const unsigned char *p = (const unsigned char *)lgx_buf_data(msg);
    ck_assert_uint_gt(lgx_buf_len(msg), LGX_AVRO_HEADER_SIZE);
    ck_assert_int_eq(p[0], LGX_AVRO_MAGIC);
    ck_assert_int_eq(p[1], 0);
    ck_assert_int_eq(p[2], 0);
    ck_assert_int_eq(p[3], 0);
    /* The id of the newest PickConfirmed, big-endian. */
    ck_assert_int_eq(p[4], lgx_avro_store_latest(store, PICK));
}
END_TEST

START_TEST(test_avro_round_trip_fields)
{
    avro_value_t *rec = round_trip(pick_json);
    str_field_is(rec, "event_id", "ev-1");
    str_field_is(rec, "correlation_id", "order-7");
    str_field_is(rec, "causation_id", "ev-0");
    str_field_is(rec, "source_system", "wms-north");
    str_field_is(rec, "picking_name", "WH/OUT/00007");
    int64_t ms = 0;
    ck_assert_int_eq(lgx_avro_get_long(rec, "occurred_at", &ms), LGX_OK);
    ck_assert_int_eq(ms, OCCURRED_MS);
    int64_t version = 0;
    /* An Avro int is read through the long accessor. */
    ck_assert_int_eq(lgx_avro_get_long(rec, "schema_version", &version),
                     LGX_OK);
    ck_assert_int_eq(version, 1);
    int complete = 0;
    ck_assert_int_eq(lgx_avro_get_bool(rec, "is_complete", &complete), LGX_OK);
    ck_assert_int_eq(complete, 1);
}
END_TEST

START_TEST(test_avro_round_trip_lines)
{
    avro_value_t *rec = round_trip(pick_json);
    avro_value_t lines;
    size_t n = 0;
    ck_assert_int_eq(lgx_avro_get_array(rec, "lines", &lines, &n), LGX_OK);
    ck_assert_uint_eq(n, 2);

    avro_value_t line;
    double qty = 0;
    ck_assert_int_eq(avro_value_get_by_index(&lines, 0, &line, NULL), 0);
    str_field_is(&line, "product_code", "FURN_7777");
    /* A JSON integer into an Avro double. */
    ck_assert_int_eq(lgx_avro_get_double(&line, "quantity", &qty), LGX_OK);
    ck_assert_double_eq(qty, 3.0);
    const char *s = NULL;
    size_t len = 0;
    ck_assert_int_eq(lgx_avro_get_str(&line, "lot", &s, &len),
                     LGX_ERR_NOT_FOUND);

    ck_assert_int_eq(avro_value_get_by_index(&lines, 1, &line, NULL), 0);
    str_field_is(&line, "product_code", "E-COM11");
    ck_assert_int_eq(lgx_avro_get_double(&line, "quantity", &qty), LGX_OK);
    ck_assert_double_eq(qty, 1.5);
    str_field_is(&line, "lot", "LOT-1");
}
END_TEST

START_TEST(test_avro_missing_nullable_is_null)
{
    char *json = edited("\"causation_id\":\"ev-0\",", "");
    avro_value_t *rec = round_trip(json);
    const char *s = NULL;
    size_t len = 0;
    ck_assert_int_eq(lgx_avro_get_str(rec, "causation_id", &s, &len),
                     LGX_ERR_NOT_FOUND);
    /* The rest is intact. */
    str_field_is(rec, "event_id", "ev-1");
    free(json);
}
END_TEST

START_TEST(test_avro_explicit_null_and_union_object)
{
    char *json = edited("\"causation_id\":\"ev-0\"", "\"causation_id\":null");
    avro_value_t *rec = round_trip(json);
    const char *s = NULL;
    size_t len = 0;
    ck_assert_int_eq(lgx_avro_get_str(rec, "causation_id", &s, &len),
                     LGX_ERR_NOT_FOUND);
    free(json);

    /* Avro's own JSON form names the branch. */
    json = edited("\"causation_id\":\"ev-0\"",
                  "\"causation_id\":{\"string\":\"ev-9\"}");
    rec = round_trip(json);
    str_field_is(rec, "causation_id", "ev-9");
    free(json);
}
END_TEST

START_TEST(test_avro_time_as_millis_number)
{
    char *json = edited("\"2026-11-27T10:00:00.250Z\"", "1795773600250");
    avro_value_t *rec = round_trip(json);
    int64_t ms = 0;
    ck_assert_int_eq(lgx_avro_get_long(rec, "occurred_at", &ms), LGX_OK);
    ck_assert_int_eq(ms, OCCURRED_MS);
    free(json);
}
END_TEST

START_TEST(test_avro_decode_twice_no_leftovers)
{
    /* The record is reused between decodes: a shorter array must not
     * keep the previous message's items. */
    (void)round_trip(pick_json);
    char *json = edited(",{\"product_code\":\"E-COM11\",\"quantity\":1.5,"
                        "\"lot\":\"LOT-1\"}",
                        "");
    avro_value_t *rec = round_trip(json);
    avro_value_t lines;
    size_t n = 0;
    ck_assert_int_eq(lgx_avro_get_array(rec, "lines", &lines, &n), LGX_OK);
    ck_assert_uint_eq(n, 1);
    free(json);

    json = edited("\"causation_id\":\"ev-0\",", "");
    rec = round_trip(json);
    const char *s = NULL;
    size_t len = 0;
    ck_assert_int_eq(lgx_avro_get_str(rec, "causation_id", &s, &len),
                     LGX_ERR_NOT_FOUND);
    free(json);
}
END_TEST

START_TEST(test_avro_encode_appends)
{
    ck_assert_int_eq(lgx_buf_puts(msg, "KEEP"), LGX_OK);
    int32_t id = lgx_avro_store_latest(store, PICK);
    ck_assert_int_eq(lgx_avro_encode_json(store, id, pick_json,
                                          strlen(pick_json), msg, errstr,
                                          sizeof(errstr)),
                     LGX_OK);
    ck_assert_mem_eq(lgx_buf_data(msg), "KEEP", 4);
    avro_value_t *rec = NULL;
    int32_t wid = 0;
    ck_assert_int_eq(lgx_avro_decode(dec, lgx_buf_data(msg) + 4,
                                     lgx_buf_len(msg) - 4, &rec, &wid, errstr,
                                     sizeof(errstr)),
                     LGX_OK);
    str_field_is(rec, "picking_name", "WH/OUT/00007");
}
END_TEST

/* ---- accessors ---- */

START_TEST(test_avro_accessor_type_mismatch)
{
    avro_value_t *rec = round_trip(pick_json);
    const char *s = NULL;
    size_t len = 0;
    int64_t n = 0;
    double d = 0;
    int b = 0;
    avro_value_t arr;
    ck_assert_int_eq(lgx_avro_get_long(rec, "picking_name", &n),
                     LGX_ERR_SCHEMA);
    ck_assert_int_eq(lgx_avro_get_str(rec, "occurred_at", &s, &len),
                     LGX_ERR_SCHEMA);
    ck_assert_int_eq(lgx_avro_get_bool(rec, "event_id", &b), LGX_ERR_SCHEMA);
    ck_assert_int_eq(lgx_avro_get_double(rec, "event_id", &d), LGX_ERR_SCHEMA);
    ck_assert_int_eq(lgx_avro_get_array(rec, "event_id", &arr, &len),
                     LGX_ERR_SCHEMA);
    ck_assert_int_eq(lgx_avro_get_long(rec, "lines", &n), LGX_ERR_SCHEMA);
    /* A string union looked through, still not a long. */
    ck_assert_int_eq(lgx_avro_get_long(rec, "causation_id", &n),
                     LGX_ERR_SCHEMA);
}
END_TEST

START_TEST(test_avro_accessor_missing_field)
{
    avro_value_t *rec = round_trip(pick_json);
    const char *s = NULL;
    size_t len = 0;
    int64_t n = 0;
    double d = 0;
    int b = 0;
    avro_value_t arr;
    ck_assert_int_eq(lgx_avro_get_str(rec, "nope", &s, &len),
                     LGX_ERR_NOT_FOUND);
    ck_assert_int_eq(lgx_avro_get_long(rec, "nope", &n), LGX_ERR_NOT_FOUND);
    ck_assert_int_eq(lgx_avro_get_double(rec, "nope", &d), LGX_ERR_NOT_FOUND);
    ck_assert_int_eq(lgx_avro_get_bool(rec, "nope", &b), LGX_ERR_NOT_FOUND);
    ck_assert_int_eq(lgx_avro_get_array(rec, "nope", &arr, &len),
                     LGX_ERR_NOT_FOUND);
}
END_TEST

/* ---- errors ---- */

START_TEST(test_avro_encode_missing_required)
{
    char *json = edited("\"picking_name\":\"WH/OUT/00007\",", "");
    ck_assert_int_ne(encode(json), LGX_OK);
    ck_assert_msg(strstr(errstr, "picking_name") != NULL, "errstr: %s", errstr);
    free(json);

    json = edited("\"is_complete\":true", "\"is_completed\":true");
    ck_assert_int_ne(encode(json), LGX_OK);
    ck_assert_msg(strstr(errstr, "is_complete") != NULL, "errstr: %s", errstr);
    free(json);
}
END_TEST

START_TEST(test_avro_encode_missing_nested_required)
{
    char *json = edited("\"product_code\":\"E-COM11\",", "");
    ck_assert_int_ne(encode(json), LGX_OK);
    ck_assert_msg(strstr(errstr, "lines.product_code") != NULL, "errstr: %s",
                  errstr);
    free(json);
}
END_TEST

START_TEST(test_avro_encode_wrong_types)
{
    static const struct {
        const char *from, *to, *field;
    } cases[] = {
        {"\"quantity\":3", "\"quantity\":\"three\"", "quantity"},
        {"\"is_complete\":true", "\"is_complete\":\"yes\"", "is_complete"},
        {"\"2026-11-27T10:00:00.250Z\"", "\"yesterday\"", "occurred_at"},
        {"\"schema_version\":1", "\"schema_version\":1.5", "schema_version"},
        {"\"schema_version\":1", "\"schema_version\":4294967296",
         "schema_version"},
        {"\"event_id\":\"ev-1\"", "\"event_id\":1", "event_id"},
        {"\"causation_id\":\"ev-0\"", "\"causation_id\":7", "causation_id"},
        {"\"lines\":[", "\"lines\":\"none\",\"x\":[", "lines"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *json = edited(cases[i].from, cases[i].to);
        errstr[0] = '\0';
        ck_assert_msg(encode(json) != LGX_OK, "accepted case %zu", i);
        ck_assert_msg(strstr(errstr, cases[i].field) != NULL,
                      "case %zu: errstr '%s' does not name %s", i, errstr,
                      cases[i].field);
        free(json);
    }
}
END_TEST

START_TEST(test_avro_encode_bad_input)
{
    int32_t id = lgx_avro_store_latest(store, PICK);
    ck_assert_int_eq(lgx_avro_encode_json(store, 4242, pick_json,
                                          strlen(pick_json), msg, errstr,
                                          sizeof(errstr)),
                     LGX_ERR_SCHEMA);
    ck_assert_ptr_nonnull(strstr(errstr, "4242"));
    ck_assert_int_eq(lgx_avro_encode_json(store, id, "{\"event_id\":", 12, msg,
                                          errstr, sizeof(errstr)),
                     LGX_ERR_DECODE);
    ck_assert_int_ne(lgx_avro_encode_json(store, id, "[1,2]", 5, msg, errstr,
                                          sizeof(errstr)),
                     LGX_OK);
    /* Nothing was appended by the failures. */
    ck_assert_uint_eq(lgx_buf_len(msg), 0);
}
END_TEST

START_TEST(test_avro_decode_wrong_magic)
{
    ck_assert_int_eq(encode(pick_json), LGX_OK);
    char *copy = malloc(lgx_buf_len(msg));
    ck_assert_ptr_nonnull(copy);
    memcpy(copy, lgx_buf_data(msg), lgx_buf_len(msg));
    copy[0] = 1;
    avro_value_t *rec = NULL;
    int32_t wid = 0;
    ck_assert_int_eq(lgx_avro_decode(dec, copy, lgx_buf_len(msg), &rec, &wid,
                                     errstr, sizeof(errstr)),
                     LGX_ERR_DECODE);
    ck_assert_str_ne(errstr, "");
    /* A JSON text is not a framed message either. */
    ck_assert_int_eq(lgx_avro_decode(dec, pick_json, strlen(pick_json), &rec,
                                     &wid, errstr, sizeof(errstr)),
                     LGX_ERR_DECODE);
    free(copy);
}
END_TEST

START_TEST(test_avro_decode_unknown_schema_id)
{
    ck_assert_int_eq(encode(pick_json), LGX_OK);
    char *copy = malloc(lgx_buf_len(msg));
    ck_assert_ptr_nonnull(copy);
    memcpy(copy, lgx_buf_data(msg), lgx_buf_len(msg));
    copy[4] = 42;
    avro_value_t *rec = NULL;
    int32_t wid = 0;
    ck_assert_int_eq(lgx_avro_decode(dec, copy, lgx_buf_len(msg), &rec, &wid,
                                     errstr, sizeof(errstr)),
                     LGX_ERR_SCHEMA);
    ck_assert_ptr_nonnull(strstr(errstr, "42"));
    /* The decoder still works afterwards. */
    ck_assert_int_eq(lgx_avro_decode(dec, lgx_buf_data(msg), lgx_buf_len(msg),
                                     &rec, &wid, errstr, sizeof(errstr)),
                     LGX_OK);
    str_field_is(rec, "event_id", "ev-1");
    free(copy);
}
END_TEST

START_TEST(test_avro_decode_truncated)
{
    /* Every cut of the body fails to decode, and the decoder recovers. */
    ck_assert_int_eq(encode(pick_json), LGX_OK);
    size_t full = lgx_buf_len(msg);
    avro_value_t *rec = NULL;
    int32_t wid = 0;
    for (size_t len = LGX_AVRO_HEADER_SIZE; len < full; len++) {
        ck_assert_msg(lgx_avro_decode(dec, lgx_buf_data(msg), len, &rec, &wid,
                                      errstr, sizeof(errstr)) == LGX_ERR_DECODE,
                      "cut at %zu of %zu decoded", len, full);
    }
    ck_assert_int_eq(lgx_avro_decode(dec, lgx_buf_data(msg), full, &rec, &wid,
                                     errstr, sizeof(errstr)),
                     LGX_OK);
    str_field_is(rec, "picking_name", "WH/OUT/00007");
}
END_TEST

START_TEST(test_avro_decode_trailing_bytes)
{
    ck_assert_int_eq(encode(pick_json), LGX_OK);
    ck_assert_int_eq(lgx_buf_append(msg, "\0", 1), LGX_OK);
    avro_value_t *rec = NULL;
    int32_t wid = 0;
    ck_assert_int_eq(lgx_avro_decode(dec, lgx_buf_data(msg), lgx_buf_len(msg),
                                     &rec, &wid, errstr, sizeof(errstr)),
                     LGX_ERR_DECODE);
    ck_assert_ptr_nonnull(strstr(errstr, "trailing"));
}
END_TEST

START_TEST(test_avro_decode_garbage_body)
{
    /* A poison message must fail cleanly: a string length beyond the
     * buffer, a negative string length, a bare header. */
    static const unsigned char too_long[] = {0, 0, 0, 0, 1, 0xC8, 0x01, 'a'};
    static const unsigned char negative[] = {0, 0, 0, 0, 1, 0x01, 'a', 'b'};
    static const unsigned char empty[] = {0, 0, 0, 0, 1};
    avro_value_t *rec = NULL;
    int32_t wid = 0;
    ck_assert_int_eq(lgx_avro_decode(dec, too_long, sizeof(too_long), &rec,
                                     &wid, errstr, sizeof(errstr)),
                     LGX_ERR_DECODE);
    ck_assert_int_eq(lgx_avro_decode(dec, negative, sizeof(negative), &rec,
                                     &wid, errstr, sizeof(errstr)),
                     LGX_ERR_DECODE);
    ck_assert_int_eq(lgx_avro_decode(dec, empty, sizeof(empty), &rec, &wid,
                                     errstr, sizeof(errstr)),
                     LGX_ERR_DECODE);
}
END_TEST

START_TEST(test_avro_decode_length_beyond_body)
{
    /* An event_id declaring 3 GiB in a message of 14 bytes: refused before
     * avro-c allocates it (it did, and kept it), whatever the cut. */
    static const unsigned char huge[] = {0,    0,    0,    0,   2,   0x80, 0x80,
                                         0x80, 0x80, 0x18, 'e', 'v', '-',  '1'};
    avro_value_t *rec = NULL;
    int32_t wid = 0;
    for (size_t len = LGX_AVRO_HEADER_SIZE; len <= sizeof(huge); len++) {
        ck_assert_int_eq(
            lgx_avro_decode(dec, huge, len, &rec, &wid, errstr, sizeof(errstr)),
            LGX_ERR_DECODE);
    }
    ck_assert_ptr_nonnull(strstr(errstr, "does not match schema id 2"));
    ck_assert_ptr_null(
        lgx_avro_to_json(store, huge, sizeof(huge), errstr, sizeof(errstr)));
    /* The decoder still works afterwards. */
    ck_assert_int_eq(encode(pick_json), LGX_OK);
    ck_assert_int_eq(lgx_avro_decode(dec, lgx_buf_data(msg), lgx_buf_len(msg),
                                     &rec, &wid, errstr, sizeof(errstr)),
                     LGX_OK);
}
END_TEST

START_TEST(test_avro_frame_parse_short)
{
    static const unsigned char buf[] = {0, 0x01, 0x02, 0x03, 0x04, 0xAA};
    int32_t id = 0;
    const void *body = NULL;
    size_t body_len = 99;
    for (size_t len = 0; len < LGX_AVRO_HEADER_SIZE; len++) {
        ck_assert_int_eq(lgx_avro_frame_parse(buf, len, &id, &body, &body_len),
                         LGX_ERR_DECODE);
    }
    ck_assert_int_eq(lgx_avro_frame_parse(NULL, 10, &id, &body, &body_len),
                     LGX_ERR_DECODE);
    avro_value_t *rec = NULL;
    ck_assert_int_eq(
        lgx_avro_decode(dec, buf, 0, &rec, &id, errstr, sizeof(errstr)),
        LGX_ERR_DECODE);
    ck_assert_int_eq(
        lgx_avro_decode(dec, buf, 4, &rec, &id, errstr, sizeof(errstr)),
        LGX_ERR_DECODE);
}
END_TEST

START_TEST(test_avro_frame_parse_ok)
{
    static const unsigned char buf[] = {0, 0x01, 0x02, 0x03, 0x04, 0xAA};
    int32_t id = 0;
    const void *body = NULL;
    size_t body_len = 99;
    ck_assert_int_eq(
        lgx_avro_frame_parse(buf, sizeof(buf), &id, &body, &body_len), LGX_OK);
    ck_assert_int_eq(id, 0x01020304);
    ck_assert_ptr_eq(body, buf + 5);
    ck_assert_uint_eq(body_len, 1);
    /* A header alone: an empty body. */
    ck_assert_int_eq(lgx_avro_frame_parse(buf, 5, &id, &body, &body_len),
                     LGX_OK);
    ck_assert_uint_eq(body_len, 0);
    static const unsigned char bad[] = {1, 0, 0, 0, 1};
    ck_assert_int_eq(
        lgx_avro_frame_parse(bad, sizeof(bad), &id, &body, &body_len),
        LGX_ERR_DECODE);
}
END_TEST

/* ---- limits ---- */

START_TEST(test_avro_many_lines_and_long_strings)
{
    lgx_buf_t *j = lgx_buf_new();
    ck_assert_ptr_nonnull(j);
    ck_assert_int_eq(lgx_buf_puts(j, "{\"event_id\":\"ev-big\","
                                     "\"correlation_id\":\"c\","
                                     "\"source_system\":\"s\","
                                     "\"occurred_at\":0,\"schema_version\":1,"
                                     "\"picking_name\":\""),
                     LGX_OK);
    for (int i = 0; i < 5000; i++) {
        ck_assert_int_eq(lgx_buf_puts(j, "N"), LGX_OK);
    }
    ck_assert_int_eq(lgx_buf_puts(j, "\",\"lines\":["), LGX_OK);
    for (int i = 0; i < 1000; i++) {
        ck_assert_int_eq(lgx_buf_printf(j,
                                        "%s{\"product_code\":\"P%d\","
                                        "\"quantity\":%d.25}",
                                        i ? "," : "", i, i),
                         LGX_OK);
    }
    ck_assert_int_eq(lgx_buf_puts(j, "],\"is_complete\":false}"), LGX_OK);
    avro_value_t *rec = round_trip(lgx_buf_data(j));
    const char *s = NULL;
    size_t len = 0;
    ck_assert_int_eq(lgx_avro_get_str(rec, "picking_name", &s, &len), LGX_OK);
    ck_assert_uint_eq(len, 5000);
    avro_value_t lines;
    size_t n = 0;
    ck_assert_int_eq(lgx_avro_get_array(rec, "lines", &lines, &n), LGX_OK);
    ck_assert_uint_eq(n, 1000);
    avro_value_t line;
    ck_assert_int_eq(avro_value_get_by_index(&lines, 999, &line, NULL), 0);
    str_field_is(&line, "product_code", "P999");
    double q = 0;
    ck_assert_int_eq(lgx_avro_get_double(&line, "quantity", &q), LGX_OK);
    ck_assert_double_eq(q, 999.25);
    int complete = 1;
    ck_assert_int_eq(lgx_avro_get_bool(rec, "is_complete", &complete), LGX_OK);
    ck_assert_int_eq(complete, 0);
    lgx_buf_destroy(j);
}
END_TEST

START_TEST(test_avro_empty_lines_and_strings)
{
    char *json = edited("\"event_id\":\"ev-1\"", "\"event_id\":\"\"");
    char *json2 = NULL;
    {
        const char *p = strstr(json, "\"lines\":[");
        ck_assert_ptr_nonnull(p);
        const char *q = strstr(p, "]");
        ck_assert_ptr_nonnull(q);
        size_t size = strlen(json) + 1;
        json2 = malloc(size);
        ck_assert_ptr_nonnull(json2);
        snprintf(json2, size, "%.*s\"lines\":[%s", (int)(p - json), json, q);
    }
    avro_value_t *rec = round_trip(json2);
    str_field_is(rec, "event_id", "");
    avro_value_t lines;
    size_t n = 99;
    ck_assert_int_eq(lgx_avro_get_array(rec, "lines", &lines, &n), LGX_OK);
    ck_assert_uint_eq(n, 0);
    free(json2);
    free(json);
}
END_TEST

START_TEST(test_avro_utf8_strings)
{
    char *json = edited("\"WH/OUT/00007\"", "\"Entrep\\u00f4t/\xE2\x82\xAC\"");
    avro_value_t *rec = round_trip(json);
    str_field_is(rec, "picking_name", "Entrep\xC3\xB4t/\xE2\x82\xAC");
    free(json);
}
END_TEST

Suite *avro_suite(void)
{
    Suite *s = suite_create("avro");

    TCase *tc_store = tcase_create("store");
    tcase_add_checked_fixture(tc_store, setup, teardown);
    tcase_add_test(tc_store, test_avro_store_lookup);
    tcase_add_test(tc_store, test_avro_store_missing_dir);
    tcase_add_test(tc_store, test_avro_store_bad_index);
    tcase_add_test(tc_store, test_avro_store_missing_schema_file);
    tcase_add_test(tc_store, test_avro_store_bad_schema_and_repeated_id);
    tcase_add_test(tc_store, test_avro_store_unnamed_schema);
    tcase_add_test(tc_store, test_avro_decoder_unknown_name);
    suite_add_tcase(s, tc_store);

    TCase *tc_core = tcase_create("core");
    tcase_add_checked_fixture(tc_core, setup, teardown);
    tcase_add_test(tc_core, test_avro_encode_frame_header);
    tcase_add_test(tc_core, test_avro_round_trip_fields);
    tcase_add_test(tc_core, test_avro_round_trip_lines);
    tcase_add_test(tc_core, test_avro_missing_nullable_is_null);
    tcase_add_test(tc_core, test_avro_explicit_null_and_union_object);
    tcase_add_test(tc_core, test_avro_time_as_millis_number);
    tcase_add_test(tc_core, test_avro_decode_twice_no_leftovers);
    tcase_add_test(tc_core, test_avro_encode_appends);
    tcase_add_test(tc_core, test_avro_accessor_type_mismatch);
    tcase_add_test(tc_core, test_avro_accessor_missing_field);
    suite_add_tcase(s, tc_core);

    TCase *tc_errors = tcase_create("errors");
    tcase_add_checked_fixture(tc_errors, setup, teardown);
    tcase_add_test(tc_errors, test_avro_encode_missing_required);
    tcase_add_test(tc_errors, test_avro_encode_missing_nested_required);
    tcase_add_test(tc_errors, test_avro_encode_wrong_types);
    tcase_add_test(tc_errors, test_avro_encode_bad_input);
    tcase_add_test(tc_errors, test_avro_decode_wrong_magic);
    tcase_add_test(tc_errors, test_avro_decode_unknown_schema_id);
    tcase_add_test(tc_errors, test_avro_decode_truncated);
    tcase_add_test(tc_errors, test_avro_decode_trailing_bytes);
    tcase_add_test(tc_errors, test_avro_decode_garbage_body);
    tcase_add_test(tc_errors, test_avro_decode_length_beyond_body);
    tcase_add_test(tc_errors, test_avro_frame_parse_short);
    tcase_add_test(tc_errors, test_avro_frame_parse_ok);
    suite_add_tcase(s, tc_errors);

    TCase *tc_limits = tcase_create("limits");
    tcase_add_checked_fixture(tc_limits, setup, teardown);
    tcase_add_test(tc_limits, test_avro_many_lines_and_long_strings);
    tcase_add_test(tc_limits, test_avro_empty_lines_and_strings);
    tcase_add_test(tc_limits, test_avro_utf8_strings);
    suite_add_tcase(s, tc_limits);

    return s;
}
