/*
 * fuzz_json: lgx_json_parse, the one JSON parser of lgx (rules files,
 * Odoo answers, clock fields, schema registry answers, lgx-produce's
 * lines), on any bytes: a tree or an error message, never both, never a
 * crash; a tree nests at most LGX_JSON_MAX_DEPTH levels; a refusal of
 * deeper text says so ("nested deeper than"); a tree written back
 * (lgx_json_write) parses again and writes back the same text.
 *
 * Input: the JSON text as is. Seeds: test/fuzz/make_corpus.py (deep
 * nesting up to a million '[').
 *
 * No network, no files.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lgx_buf.h"
#include "lgx_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void die(const char *what)
{
    fprintf(stderr, "fuzz_json: %s\n", what);
    abort();
}

/* Levels of arrays and objects in v (0 for a scalar). Recursive: only
 * called on trees lgx_json_parse accepted. */
static size_t depth(yajl_val v)
{
    size_t n = YAJL_IS_ARRAY(v)    ? v->u.array.len
               : YAJL_IS_OBJECT(v) ? v->u.object.len
                                   : 0;
    yajl_val *values = YAJL_IS_ARRAY(v)    ? v->u.array.values
                       : YAJL_IS_OBJECT(v) ? v->u.object.values
                                           : NULL;
    size_t deepest = 0;
    for (size_t i = 0; i < n; i++) {
        size_t d = depth(values[i]);
        deepest = d > deepest ? d : deepest;
    }
    return values || YAJL_IS_ARRAY(v) || YAJL_IS_OBJECT(v) ? deepest + 1 : 0;
}

/* Writes v; parses the text again and checks it writes the same. */
static void round_trip(yajl_val v)
{
    lgx_buf_t *a = lgx_buf_new();
    lgx_buf_t *b = lgx_buf_new();
    char errstr[256] = "";
    if (!a || !b || lgx_json_write(a, v) != LGX_OK) {
        die("cannot write a parsed tree");
    }
    yajl_val again =
        lgx_json_parse(lgx_buf_data(a), lgx_buf_len(a), errstr, sizeof(errstr));
    if (!again) {
        fprintf(stderr, "fuzz_json: %s\n", errstr);
        die("written text does not parse");
    }
    if (lgx_json_write(b, again) != LGX_OK ||
        lgx_buf_len(a) != lgx_buf_len(b) ||
        memcmp(lgx_buf_data(a), lgx_buf_data(b), lgx_buf_len(a)) != 0) {
        die("written text does not write back the same");
    }
    yajl_tree_free(again);
    lgx_buf_destroy(b);
    lgx_buf_destroy(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char errstr[256] = "";
    yajl_val v =
        lgx_json_parse((const char *)data, size, errstr, sizeof(errstr));
    if (!v) {
        if (!errstr[0] || strstr(errstr, "client cancelled")) {
            fprintf(stderr, "fuzz_json: \"%s\"\n", errstr);
            die("a refusal without a clear message");
        }
        return 0;
    }
    if (errstr[0]) {
        die("a tree with an error message");
    }
    if (depth(v) > LGX_JSON_MAX_DEPTH) {
        die("a tree nested deeper than LGX_JSON_MAX_DEPTH");
    }
    round_trip(v);
    yajl_tree_free(v);
    return 0;
}
