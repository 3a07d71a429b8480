/*
 * fuzz_registry: an answer of a schema registry, as lgx_registry.c takes
 * it after the transfer (lgx_registry_answer): a GET /schemas/ids/<id>
 * answer's schema text (lgx_registry_answer_schema), then parsed as a
 * writer schema the way the store adds one (avro-c's
 * avro_schema_from_json_length, lgx_avro_fullname); a POST
 * /subjects/<subject>/versions answer's id (lgx_registry_answer_id).
 *
 * Input: a first line with the HTTP status ("200"), then the body as
 * received. Inputs without that line are ignored.
 *
 * No network, no files.
 */
#include <avro.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lgx_avro.h"
#include "lgx_registry.h"

#include "fuzz_input.h"

#define URL "http://registry.test"
#define HEADER_MAX 8

static volatile unsigned sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void die(const char *what)
{
    fprintf(stderr, "fuzz_registry: %s\n", what);
    abort();
}

/* The status of the first line ("200\n"); its length + 1 in *off, 0 when
 * there is no such line. */
static long header(const uint8_t *data, size_t size, size_t *off)
{
    char line[HEADER_MAX + 1];
    size_t n = fuzz_first_line(data, size, line, HEADER_MAX);
    char *end;
    long st = strtol(line, &end, 10);
    *off = 0;
    if (n == 0 || end == line || *end || st < 0 || st > 999) {
        return 0;
    }
    *off = n;
    return st;
}

/* A writer schema from the registry, as lgx_avro's store takes it (a
 * schema without a name is refused there). */
static void add_schema(const char *json)
{
    avro_schema_t schema = NULL;
    if (avro_schema_from_json_length(json, strlen(json), &schema) != 0) {
        return;
    }
    char *name = lgx_avro_fullname(schema);
    if (!name != !avro_schema_name(schema)) {
        die("lgx_avro_fullname: a name without a full name, or the reverse");
    }
    sink += name ? (unsigned)name[0] : 0;
    free(name);
    avro_schema_decref(schema);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t off;
    long status = header(data, size, &off);
    if (off == 0) {
        return 0;
    }
    char errstr[512] = "";
    yajl_val root = NULL;
    lgx_err_t err =
        lgx_registry_answer(status, (const char *)data + off, size - off, URL,
                            &root, errstr, sizeof(errstr));
    if (err != LGX_OK) {
        if (root || !errstr[0]) {
            die("a refused answer needs no tree and a message");
        }
        return 0;
    }
    if (!YAJL_IS_OBJECT(root)) {
        die("an accepted answer must be an object");
    }
    char *schema = lgx_registry_answer_schema(root, 7, errstr, sizeof(errstr));
    if (schema) {
        add_schema(schema);
        free(schema);
    }
    int32_t id = 0;
    if (lgx_registry_answer_id(root, &id, errstr, sizeof(errstr)) == LGX_OK) {
        sink += (unsigned)id;
    } else if (!errstr[0]) {
        die("no id without a message");
    }
    yajl_tree_free(root);
    return 0;
}
