/*
 * Unit tests for the event contracts in avro-schemas/: every example event
 * (avro-schemas/examples/<topic>.v<N>.jsonl) encodes with its schema id;
 * v1 events are read into the newest version of their record (writer ->
 * reader resolution, as a consumer does when old producers are still
 * running), with the v2-only field absent; v2 events read back unchanged;
 * the shipment payload union lands in the branch that was written.
 *
 * The decoded record is compared with the JSON event as a whole (see
 * value_matches), so a field lost or mangled by resolution is caught
 * without a hand-written assertion per field.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lgx_avro.h"
#include "lgx_avro_json.h"
#include "lgx_avro_value.h"
#include "lgx_buf.h"
#include "lgx_time.h"
#include "lgx_json.h"

Suite *schemas_suite(void);

#ifndef LGX_SCHEMA_DIR
#error "the Makefile defines LGX_SCHEMA_DIR"
#endif

#define MAX_EXAMPLES 8

typedef struct topic {
    const char *topic;    /* Kafka topic, also the examples file prefix */
    const char *fullname; /* record full name */
    int32_t v1_id;
    int32_t v2_id;
    const char *key;      /* the message key field */
    const char *v2_field; /* the field v2 added */
    int32_t newest_id;
} topic_t;

static const topic_t topics[] = {
    {"lgx.picks", "lgx.picks.PickConfirmed", 1, 2, "picking_name", "warehouse",
     3},
    {"lgx.shipments", "lgx.shipments.ShipmentEvent", 10, 11, "shipment_id",
     "platform_ref", 11},
    {"lgx.milestones", "lgx.milestones.CarrierMilestone", 20, 21,
     "tracking_ref", "carrier_status_code", 21},
    {"lgx.pod", "lgx.pod.ProofOfDelivery", 30, 31, "receiver_name", "gps", 31},
};
#define N_TOPICS ((int)(sizeof(topics) / sizeof(topics[0])))

/* The example events of one file, each line parsed as JSON too. */
typedef struct examples {
    size_t n;
    char *text[MAX_EXAMPLES];
    size_t len[MAX_EXAMPLES];
    yajl_val json[MAX_EXAMPLES];
} examples_t;

static lgx_avro_store_t *store;
static lgx_buf_t *msg;
static char errstr[512];

static void setup(void)
{
    errstr[0] = '\0';
    store = lgx_avro_store_load(LGX_SCHEMA_DIR, errstr, sizeof(errstr));
    ck_assert_msg(store != NULL, "store: %s", errstr);
    msg = lgx_buf_new();
    ck_assert_ptr_nonnull(msg);
}

static void teardown(void)
{
    lgx_buf_destroy(msg);
    msg = NULL;
    lgx_avro_store_destroy(store);
    store = NULL;
}

/* Reads <LGX_SCHEMA_DIR>/examples/<topic>.v<version>.jsonl into ex; blank
 * lines are skipped. Fails the test when the file is missing, a line is
 * not JSON, or there are more than MAX_EXAMPLES events. */
static void examples_read(const char *topic, int version, examples_t *ex)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/examples/%s.v%d.jsonl", LGX_SCHEMA_DIR,
             topic, version);
    memset(ex, 0, sizeof(*ex));
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, f)) > 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) {
            line[--len] = '\0';
        }
        if (len == 0) {
            continue;
        }
        ck_assert_msg(ex->n < MAX_EXAMPLES, "%s: too many events", path);
        ex->json[ex->n] =
            lgx_json_parse(line, (size_t)len, errstr, sizeof(errstr));
        ck_assert_msg(ex->json[ex->n] != NULL, "%s line %zu: %s", path,
                      ex->n + 1, errstr);
        ex->text[ex->n] = strdup(line);
        ck_assert_ptr_nonnull(ex->text[ex->n]);
        ex->len[ex->n] = (size_t)len;
        ex->n++;
    }
    free(line);
    fclose(f);
    /* The contract asks for 2-4 realistic events per file. */
    ck_assert_msg(ex->n >= 2 && ex->n <= 4, "%s: %zu events", path, ex->n);
}

static void examples_free(examples_t *ex)
{
    for (size_t i = 0; i < ex->n; i++) {
        free(ex->text[i]);
        yajl_tree_free(ex->json[i]);
    }
    ex->n = 0;
}

/* Encodes example i of ex with schema id into msg (reset first). */
static void encode_example(const examples_t *ex, size_t i, int32_t id)
{
    lgx_buf_reset(msg);
    lgx_err_t err = lgx_avro_encode_json(store, id, ex->text[i], ex->len[i],
                                         msg, errstr, sizeof(errstr));
    ck_assert_msg(err == LGX_OK, "event %zu as id %d: %s", i + 1, (int)id,
                  errstr);
}

/* Decodes msg with d; the writer id must be want_id. */
static avro_value_t *decode_msg(lgx_avro_decoder_t *d, int32_t want_id)
{
    avro_value_t *rec = NULL;
    int32_t wid = -1;
    lgx_err_t err = lgx_avro_decode(d, lgx_buf_data(msg), lgx_buf_len(msg),
                                    &rec, &wid, errstr, sizeof(errstr));
    ck_assert_msg(err == LGX_OK, "decode of id %d: %s", (int)want_id, errstr);
    ck_assert_ptr_nonnull(rec);
    ck_assert_int_eq(wid, want_id);
    return rec;
}

/* ---- comparing a decoded value with the JSON event ---- */

typedef struct cmp {
    char path[256];
    char why[512];
} cmp_t;

static bool cmp_fail(cmp_t *c, const char *why)
{
    snprintf(c->why, sizeof(c->why), "%s: %s", c->path[0] ? c->path : "(root)",
             why);
    return false;
}

static bool value_matches(cmp_t *c, avro_value_t *v, yajl_val j);

/* A JSON value standing for "no value": missing or null. */
static bool json_absent(yajl_val j)
{
    return j == NULL || YAJL_IS_NULL(j);
}

static bool record_matches(cmp_t *c, avro_value_t *v, yajl_val j)
{
    if (!YAJL_IS_OBJECT(j)) {
        return cmp_fail(c, "JSON is not an object");
    }
    size_t n = 0;
    if (avro_value_get_size(v, &n) != 0) {
        return cmp_fail(c, avro_strerror());
    }
    size_t plen = strlen(c->path);
    for (size_t i = 0; i < n; i++) {
        avro_value_t field;
        const char *name = NULL;
        if (avro_value_get_by_index(v, i, &field, &name) != 0) {
            return cmp_fail(c, avro_strerror());
        }
        snprintf(c->path + plen, sizeof(c->path) - plen, "%s%s",
                 plen ? "." : "", name);
        if (!value_matches(c, &field, lgx_json_get(j, name))) {
            return false;
        }
        c->path[plen] = '\0';
    }
    return true;
}

static bool union_matches(cmp_t *c, avro_value_t *v, yajl_val j)
{
    avro_value_t branch;
    /* No branch selected: a reader field the writer did not have. */
    if (avro_value_get_current_branch(v, &branch) != 0) {
        return json_absent(j) ? true : cmp_fail(c, "no branch, JSON has one");
    }
    if (avro_value_get_type(&branch) == AVRO_NULL) {
        return json_absent(j) ? true : cmp_fail(c, "null, JSON has a value");
    }
    /* {"BranchName": value} names the branch that must have been read. */
    avro_schema_t bs = avro_value_get_schema(&branch);
    if (YAJL_IS_OBJECT(j) && j->u.object.len == 1 &&
        avro_typeof(bs) == AVRO_RECORD) {
        if (strcmp(j->u.object.keys[0], avro_schema_name(bs)) != 0) {
            return cmp_fail(c, "decoded into another union branch");
        }
        j = j->u.object.values[0];
    }
    return value_matches(c, &branch, j);
}

static bool array_matches(cmp_t *c, avro_value_t *v, yajl_val j)
{
    size_t n = 0;
    if (!YAJL_IS_ARRAY(j) || avro_value_get_size(v, &n) != 0 ||
        n != j->u.array.len) {
        return cmp_fail(c, "array length differs");
    }
    size_t plen = strlen(c->path);
    for (size_t i = 0; i < n; i++) {
        avro_value_t item;
        if (avro_value_get_by_index(v, i, &item, NULL) != 0) {
            return cmp_fail(c, avro_strerror());
        }
        snprintf(c->path + plen, sizeof(c->path) - plen, "[%zu]", i);
        if (!value_matches(c, &item, j->u.array.values[i])) {
            return false;
        }
        c->path[plen] = '\0';
    }
    return true;
}

/* int/long: a JSON integer, or an ISO 8601 time for timestamp-millis. */
static bool integer_matches(cmp_t *c, int64_t got, yajl_val j)
{
    int64_t want = 0;
    if (YAJL_IS_INTEGER(j)) {
        want = YAJL_GET_INTEGER(j);
    } else if (!YAJL_IS_STRING(j) ||
               lgx_time_parse_iso(j->u.string, &want) != LGX_OK) {
        return cmp_fail(c, "JSON is neither an integer nor a time");
    }
    return got == want ? true : cmp_fail(c, "integer differs");
}

static bool scalar_matches(cmp_t *c, avro_value_t *v, yajl_val j)
{
    const char *s = NULL;
    const void *bytes = NULL;
    size_t size = 0;
    int32_t i32 = 0;
    int64_t i64 = 0;
    double d = 0;
    int b = 0, sym = 0;
    switch (avro_value_get_type(v)) {
    case AVRO_STRING:
        if (!YAJL_IS_STRING(j) || avro_value_get_string(v, &s, &size) != 0 ||
            strcmp(s, j->u.string) != 0) {
            return cmp_fail(c, "string differs");
        }
        return true;
    case AVRO_BYTES:
        if (!YAJL_IS_STRING(j) || avro_value_get_bytes(v, &bytes, &size) != 0 ||
            size != strlen(j->u.string) ||
            memcmp(bytes, j->u.string, size) != 0) {
            return cmp_fail(c, "bytes differ");
        }
        return true;
    case AVRO_INT32:
        if (avro_value_get_int(v, &i32) != 0) {
            return cmp_fail(c, avro_strerror());
        }
        return integer_matches(c, i32, j);
    case AVRO_INT64:
        if (avro_value_get_long(v, &i64) != 0) {
            return cmp_fail(c, avro_strerror());
        }
        return integer_matches(c, i64, j);
    case AVRO_DOUBLE:
        if (!YAJL_IS_NUMBER(j) || avro_value_get_double(v, &d) != 0) {
            return cmp_fail(c, "not a number");
        }
        return fabs(d - YAJL_GET_DOUBLE(j)) < 1e-9 ? true
                                                   : cmp_fail(c, "differs");
    case AVRO_BOOLEAN:
        if (avro_value_get_boolean(v, &b) != 0 ||
            !(YAJL_IS_TRUE(j) || YAJL_IS_FALSE(j)) ||
            (b != 0) != YAJL_IS_TRUE(j)) {
            return cmp_fail(c, "boolean differs");
        }
        return true;
    case AVRO_ENUM:
        if (avro_value_get_enum(v, &sym) != 0 || !YAJL_IS_STRING(j)) {
            return cmp_fail(c, "not an enum symbol");
        }
        s = avro_schema_enum_get(avro_value_get_schema(v), sym);
        return s && strcmp(s, j->u.string) == 0
                   ? true
                   : cmp_fail(c, "enum symbol differs");
    case AVRO_NULL:
        return json_absent(j) ? true : cmp_fail(c, "null, JSON has a value");
    default:
        return cmp_fail(c, "unexpected Avro type");
    }
}

/* True when the decoded value v says the same as the JSON event j (as
 * lgx_avro_encode_json reads it); otherwise c->why says where and how
 * they differ. A reader field missing from j must read as absent. */
static bool value_matches(cmp_t *c, avro_value_t *v, yajl_val j)
{
    switch (avro_value_get_type(v)) {
    case AVRO_RECORD:
        return record_matches(c, v, j);
    case AVRO_UNION:
        return union_matches(c, v, j);
    case AVRO_ARRAY:
        return array_matches(c, v, j);
    default:
        if (j == NULL) {
            return cmp_fail(c, "missing from the JSON event");
        }
        return scalar_matches(c, v, j);
    }
}

static void assert_matches(avro_value_t *rec, yajl_val j, size_t i)
{
    cmp_t c;
    memset(&c, 0, sizeof(c));
    ck_assert_msg(value_matches(&c, rec, j), "event %zu: %s", i + 1, c.why);
}

/* Envelope and key through the accessors the consumers use. */
static void assert_envelope(avro_value_t *rec, yajl_val j, const topic_t *t,
                            int64_t version)
{
    static const char *const strs[] = {"event_id", "correlation_id",
                                       "source_system"};
    const char *s = NULL;
    size_t len = 0;
    for (size_t k = 0; k < sizeof(strs) / sizeof(strs[0]); k++) {
        ck_assert_int_eq(lgx_avro_get_str(rec, strs[k], &s, &len), LGX_OK);
        ck_assert_uint_eq(len, strlen(lgx_json_get_str(j, strs[k])));
        ck_assert_mem_eq(s, lgx_json_get_str(j, strs[k]), len);
    }
    ck_assert_int_eq(lgx_avro_get_str(rec, t->key, &s, &len), LGX_OK);
    ck_assert_uint_eq(len, strlen(lgx_json_get_str(j, t->key)));
    int64_t when = 0, want = 0, sv = 0;
    ck_assert_int_eq(lgx_avro_get_long(rec, "occurred_at", &when), LGX_OK);
    ck_assert_int_eq(
        lgx_time_parse_iso(lgx_json_get_str(j, "occurred_at"), &want), LGX_OK);
    ck_assert_int_eq(when, want);
    ck_assert_int_eq(lgx_avro_get_long(rec, "schema_version", &sv), LGX_OK);
    ck_assert_int_eq(sv, version);
}

/* ---- every topic ---- */

START_TEST(test_schemas_newest_known)
{
    const topic_t *t = &topics[_i];
    ck_assert_int_eq(lgx_avro_store_latest(store, t->fullname), t->newest_id);
    ck_assert_ptr_nonnull(lgx_avro_store_schema(store, t->v1_id));
    ck_assert_ptr_nonnull(lgx_avro_store_schema(store, t->v2_id));
}
END_TEST

START_TEST(test_schemas_v1_examples_read_as_v2)
{
    const topic_t *t = &topics[_i];
    examples_t ex;
    examples_read(t->topic, 1, &ex);
    lgx_avro_decoder_t *d =
        lgx_avro_decoder_new(store, t->fullname, errstr, sizeof(errstr));
    ck_assert_msg(d != NULL, "decoder: %s", errstr);
    for (size_t i = 0; i < ex.n; i++) {
        encode_example(&ex, i, t->v1_id);
        avro_value_t *rec = decode_msg(d, t->v1_id);
        /* Whether the record comes back in the reader's shape or the
         * writer's is the decoder's business; what a consumer sees
         * through the accessors is the contract. */
        assert_envelope(rec, ex.json[i], t, 1);
        assert_matches(rec, ex.json[i], i);
        const char *s = NULL;
        size_t len = 0;
        ck_assert_int_eq(lgx_avro_get_str(rec, t->v2_field, &s, &len),
                         LGX_ERR_NOT_FOUND);
    }
    lgx_avro_decoder_destroy(d);
    examples_free(&ex);
}
END_TEST

START_TEST(test_schemas_v2_examples_read_as_v2)
{
    const topic_t *t = &topics[_i];
    examples_t ex;
    examples_read(t->topic, 2, &ex);
    lgx_avro_decoder_t *d =
        lgx_avro_decoder_new(store, t->fullname, errstr, sizeof(errstr));
    ck_assert_msg(d != NULL, "decoder: %s", errstr);
    size_t with_v2_field = 0;
    for (size_t i = 0; i < ex.n; i++) {
        encode_example(&ex, i, t->v2_id);
        avro_value_t *rec = decode_msg(d, t->v2_id);
        assert_envelope(rec, ex.json[i], t, 2);
        assert_matches(rec, ex.json[i], i);
        const char *s = NULL;
        size_t len = 0;
        const char *want = lgx_json_get_str(ex.json[i], t->v2_field);
        lgx_err_t err = lgx_avro_get_str(rec, t->v2_field, &s, &len);
        if (want) {
            ck_assert_int_eq(err, LGX_OK);
            ck_assert_uint_eq(len, strlen(want));
            ck_assert_mem_eq(s, want, len);
            with_v2_field++;
        } else {
            ck_assert_int_eq(err, LGX_ERR_NOT_FOUND);
        }
    }
    /* The v2 examples exercise the new field. */
    ck_assert_uint_ge(with_v2_field, 1);
    lgx_avro_decoder_destroy(d);
    examples_free(&ex);
}
END_TEST

/* A v1 event decoded twice in a row with a v2 one in between: the
 * decoder's cached resolvers must not leak values across writer ids. */
START_TEST(test_schemas_mixed_versions_one_decoder)
{
    const topic_t *t = &topics[_i];
    examples_t v1, v2;
    examples_read(t->topic, 1, &v1);
    examples_read(t->topic, 2, &v2);
    lgx_avro_decoder_t *d =
        lgx_avro_decoder_new(store, t->fullname, errstr, sizeof(errstr));
    ck_assert_msg(d != NULL, "decoder: %s", errstr);
    for (size_t round = 0; round < 2; round++) {
        encode_example(&v2, 0, t->v2_id);
        assert_matches(decode_msg(d, t->v2_id), v2.json[0], 0);
        encode_example(&v1, 0, t->v1_id);
        avro_value_t *rec = decode_msg(d, t->v1_id);
        assert_matches(rec, v1.json[0], 0);
        const char *s = NULL;
        size_t len = 0;
        ck_assert_int_eq(lgx_avro_get_str(rec, t->v2_field, &s, &len),
                         LGX_ERR_NOT_FOUND);
    }
    lgx_avro_decoder_destroy(d);
    examples_free(&v1);
    examples_free(&v2);
}
END_TEST

/* PickConfirmed v3: the unit of each line beside the lines. */
START_TEST(test_schemas_picks_v3_line_units)
{
    const topic_t *t = &topics[0];
    examples_t ex;
    examples_read(t->topic, 3, &ex);
    lgx_avro_decoder_t *d =
        lgx_avro_decoder_new(store, t->fullname, errstr, sizeof(errstr));
    ck_assert_msg(d != NULL, "decoder: %s", errstr);
    ck_assert_uint_ge(ex.n, 2);
    for (size_t i = 0; i < ex.n; i++) {
        encode_example(&ex, i, 3);
        avro_value_t *rec = decode_msg(d, 3);
        assert_envelope(rec, ex.json[i], t, 3);
        avro_value_t units;
        size_t n = 0;
        ck_assert_int_eq(lgx_avro_get_array(rec, "line_units", &units, &n),
                         LGX_OK);
        yajl_val want = lgx_json_get(ex.json[i], "line_units");
        ck_assert_uint_eq(n, lgx_json_len(want));
        for (size_t k = 0; k < n; k++) {
            yajl_val w = lgx_json_at(want, k);
            const char *s = NULL;
            size_t len = 0;
            lgx_err_t err = lgx_avro_item_str(&units, k, &s, &len);
            if (YAJL_IS_STRING(w)) {
                ck_assert_int_eq(err, LGX_OK);
                ck_assert_uint_eq(len, strlen(w->u.string));
                ck_assert_mem_eq(s, w->u.string, len);
            } else {
                ck_assert_int_eq(err, LGX_ERR_NOT_FOUND);
            }
        }
        const char *s = NULL;
        size_t len = 0;
        ck_assert_int_eq(lgx_avro_item_str(&units, n, &s, &len),
                         LGX_ERR_NOT_FOUND);
    }
    /* A v2 event read by the v3 reader has no units. */
    examples_free(&ex);
    examples_read(t->topic, 2, &ex);
    encode_example(&ex, 0, 2);
    avro_value_t *rec = decode_msg(d, 2);
    avro_value_t units;
    size_t n = 0;
    ck_assert_int_ne(lgx_avro_get_array(rec, "line_units", &units, &n), LGX_OK);
    lgx_avro_decoder_destroy(d);
    examples_free(&ex);
}
END_TEST

/* ---- topic specifics ---- */

/* payload of rec: the selected branch, whose record name must be want. */
static avro_value_t payload_branch(avro_value_t *rec, const char *want)
{
    avro_value_t payload, branch;
    ck_assert_int_eq(avro_value_get_by_name(rec, "payload", &payload, NULL), 0);
    ck_assert_int_eq(avro_value_get_type(&payload), AVRO_UNION);
    ck_assert_int_eq(avro_value_get_current_branch(&payload, &branch), 0);
    ck_assert_str_eq(avro_schema_name(avro_value_get_schema(&branch)), want);
    return branch;
}

START_TEST(test_schemas_shipment_payload_branches)
{
    static const char *const want[] = {"ShipmentBooked", "LabelCreated",
                                       "ShipmentDispatched",
                                       "ShipmentCancelled"};
    const topic_t *t = &topics[1];
    examples_t ex;
    examples_read(t->topic, 1, &ex);
    ck_assert_uint_eq(ex.n, 4);
    lgx_avro_decoder_t *d =
        lgx_avro_decoder_new(store, t->fullname, errstr, sizeof(errstr));
    ck_assert_msg(d != NULL, "decoder: %s", errstr);
    const char *s = NULL;
    size_t len = 0, n = 0;
    for (size_t i = 0; i < ex.n; i++) {
        encode_example(&ex, i, t->v1_id);
        avro_value_t *rec = decode_msg(d, t->v1_id);
        avro_value_t b = payload_branch(rec, want[i]);
        /* The payload record works with the same accessors. */
        avro_value_t arr, label, doc;
        int64_t when = 0, want_ms = 0, packages = 0;
        double kg = 0;
        const void *data = NULL;
        switch (i) {
        case 0:
            ck_assert_int_eq(lgx_avro_get_array(&b, "picking_names", &arr, &n),
                             LGX_OK);
            ck_assert_uint_eq(n, 1);
            ck_assert_int_eq(lgx_avro_get_str(&b, "carrier", &s, &len), LGX_OK);
            ck_assert_mem_eq(s, "dhl", len);
            break;
        case 1:
            ck_assert_int_eq(lgx_avro_get_str(&b, "tracking_ref", &s, &len),
                             LGX_OK);
            ck_assert_mem_eq(s, "00340434161094042557", len);
            ck_assert_int_eq(avro_value_get_by_name(&b, "label", &label, NULL),
                             0);
            ck_assert_int_eq(avro_value_get_current_branch(&label, &doc), 0);
            ck_assert_str_eq(avro_schema_name(avro_value_get_schema(&doc)),
                             "Document");
            ck_assert_int_eq(avro_value_get_by_name(&doc, "data", &arr, NULL),
                             0);
            ck_assert_int_eq(avro_value_get_bytes(&arr, &data, &n), 0);
            ck_assert_uint_gt(n, 0);
            ck_assert_mem_eq(data, "^XA", 3);
            break;
        case 2:
            ck_assert_int_eq(lgx_avro_get_long(&b, "dispatched_at", &when),
                             LGX_OK);
            ck_assert_int_eq(
                lgx_time_parse_iso("2026-11-27T15:40:00.000Z", &want_ms),
                LGX_OK);
            ck_assert_int_eq(when, want_ms);
            ck_assert_int_eq(lgx_avro_get_long(&b, "packages", &packages),
                             LGX_OK);
            ck_assert_int_eq(packages, 2);
            ck_assert_int_eq(lgx_avro_get_double(&b, "weight_kg", &kg), LGX_OK);
            ck_assert_double_eq_tol(kg, 18.4, 1e-9);
            break;
        default:
            ck_assert_int_eq(lgx_avro_get_str(&b, "reason", &s, &len), LGX_OK);
            ck_assert_uint_gt(len, 0);
            break;
        }
    }
    lgx_avro_decoder_destroy(d);
    examples_free(&ex);
}
END_TEST

START_TEST(test_schemas_milestone_code_and_eta)
{
    static const char *const codes[] = {"PICKED_UP", "DELIVERY_ATTEMPTED",
                                        "DELIVERED"};
    const topic_t *t = &topics[2];
    examples_t ex;
    examples_read(t->topic, 1, &ex);
    ck_assert_uint_eq(ex.n, 3);
    lgx_avro_decoder_t *d =
        lgx_avro_decoder_new(store, t->fullname, errstr, sizeof(errstr));
    ck_assert_msg(d != NULL, "decoder: %s", errstr);
    for (size_t i = 0; i < ex.n; i++) {
        encode_example(&ex, i, t->v1_id);
        avro_value_t *rec = decode_msg(d, t->v1_id);
        avro_value_t code;
        int sym = -1;
        ck_assert_int_eq(avro_value_get_by_name(rec, "code", &code, NULL), 0);
        ck_assert_int_eq(avro_value_get_enum(&code, &sym), 0);
        ck_assert_str_eq(
            avro_schema_enum_get(avro_value_get_schema(&code), sym), codes[i]);
        int64_t eta = 0;
        lgx_err_t err = lgx_avro_get_long(rec, "eta", &eta);
        ck_assert_int_eq(err, i == 0 ? LGX_OK : LGX_ERR_NOT_FOUND);
    }
    lgx_avro_decoder_destroy(d);
    examples_free(&ex);
}
END_TEST

START_TEST(test_schemas_pod_lines_and_signature)
{
    const topic_t *t = &topics[3];
    examples_t ex;
    examples_read(t->topic, 1, &ex);
    lgx_avro_decoder_t *d =
        lgx_avro_decoder_new(store, t->fullname, errstr, sizeof(errstr));
    ck_assert_msg(d != NULL, "decoder: %s", errstr);
    encode_example(&ex, 0, t->v1_id);
    avro_value_t *rec = decode_msg(d, t->v1_id);
    avro_value_t lines, line, issue, sig, branch;
    size_t n = 0;
    ck_assert_int_eq(lgx_avro_get_array(rec, "lines", &lines, &n), LGX_OK);
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(avro_value_get_by_index(&lines, 1, &line, NULL), 0);
    ck_assert_int_eq(avro_value_get_by_name(&line, "issue", &issue, NULL), 0);
    int sym = -1;
    ck_assert_int_eq(avro_value_get_enum(&issue, &sym), 0);
    ck_assert_str_eq(avro_schema_enum_get(avro_value_get_schema(&issue), sym),
                     "DAMAGE");
    double qty = 0;
    ck_assert_int_eq(lgx_avro_get_double(&line, "delivered_qty", &qty), LGX_OK);
    ck_assert_double_eq_tol(qty, 1.0, 1e-9);
    ck_assert_int_eq(avro_value_get_by_name(rec, "signature", &sig, NULL), 0);
    ck_assert_int_eq(avro_value_get_current_branch(&sig, &branch), 0);
    ck_assert_str_eq(avro_schema_name(avro_value_get_schema(&branch)),
                     "Signature");

    /* Second event: only tracking_ref identifies the delivery. */
    encode_example(&ex, 1, t->v1_id);
    rec = decode_msg(d, t->v1_id);
    const char *s = NULL;
    size_t len = 0;
    ck_assert_int_eq(lgx_avro_get_str(rec, "picking_name", &s, &len),
                     LGX_ERR_NOT_FOUND);
    ck_assert_int_eq(lgx_avro_get_str(rec, "tracking_ref", &s, &len), LGX_OK);
    ck_assert_int_eq(lgx_avro_get_array(rec, "lines", &lines, &n), LGX_OK);
    ck_assert_uint_eq(n, 0);
    lgx_avro_decoder_destroy(d);
    examples_free(&ex);
}
END_TEST

Suite *schemas_suite(void)
{
    Suite *s = suite_create("schemas");

    TCase *tc_versions = tcase_create("versions");
    tcase_add_checked_fixture(tc_versions, setup, teardown);
    tcase_add_loop_test(tc_versions, test_schemas_newest_known, 0, N_TOPICS);
    tcase_add_test(tc_versions, test_schemas_picks_v3_line_units);
    tcase_add_loop_test(tc_versions, test_schemas_v1_examples_read_as_v2, 0,
                        N_TOPICS);
    tcase_add_loop_test(tc_versions, test_schemas_v2_examples_read_as_v2, 0,
                        N_TOPICS);
    tcase_add_loop_test(tc_versions, test_schemas_mixed_versions_one_decoder, 0,
                        N_TOPICS);
    suite_add_tcase(s, tc_versions);

    TCase *tc_topics = tcase_create("topics");
    tcase_add_checked_fixture(tc_topics, setup, teardown);
    tcase_add_test(tc_topics, test_schemas_shipment_payload_branches);
    tcase_add_test(tc_topics, test_schemas_milestone_code_and_eta);
    tcase_add_test(tc_topics, test_schemas_pod_lines_and_signature);
    suite_add_tcase(s, tc_topics);

    return s;
}
