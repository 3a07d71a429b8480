/*
 * lgx_json: reading yajl trees without repeating the type checks.
 *
 * Every getter takes a possibly NULL node and returns NULL / false / the
 * fallback when the member is missing or of another type.
 */
#ifndef LGX_JSON_H
#define LGX_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yajl/yajl_tree.h>

#include "lgx_buf.h"
#include "lgx_err.h"

/* Member of an object, or NULL. */
yajl_val lgx_json_get(yajl_val obj, const char *name);
/* String member, or NULL. */
const char *lgx_json_get_str(yajl_val obj, const char *name);
/* Integer member into *out; false when missing or not an integer. */
bool lgx_json_get_int(yajl_val obj, const char *name, int64_t *out);
/* Number member (integer or double) into *out. */
bool lgx_json_get_num(yajl_val obj, const char *name, double *out);
/* Array length (0 when not an array) and element i (NULL if out of range). */
size_t lgx_json_len(yajl_val arr);
yajl_val lgx_json_at(yajl_val arr, size_t i);
/* For an Odoo many2one value [id, "name"] returns id; for an integer
 * returns it; otherwise 0 (Odoo's false). */
int64_t lgx_json_m2o_id(yajl_val v);
/* The name of an Odoo many2one value [id, "name"]; NULL otherwise. Points
 * into v. */
const char *lgx_json_m2o_name(yajl_val v);
/* The first record of the array rows whose "id" is id, or NULL. */
yajl_val lgx_json_find_id(yajl_val rows, int64_t id);
/* The "id" of each record of the array recs that has an integer one, in
 * order, into ids (room for max); returns how many. */
size_t lgx_json_ids(yajl_val recs, int64_t *ids, size_t max);

/* How deep arrays and objects may nest in text lgx parses. yajl builds
 * and frees its trees recursively: a rules file, an Odoo answer or a
 * clock field nested hundreds of thousands of levels would overflow the
 * stack. Nothing lgx reads legitimately nests beyond a handful. */
#define LGX_JSON_MAX_DEPTH 256

/* Parses text of len bytes (need not be NUL-terminated). Returns the tree
 * (free with yajl_tree_free) or NULL with a message in errstr; text that
 * nests deeper than LGX_JSON_MAX_DEPTH is refused before yajl sees it. */
yajl_val lgx_json_parse(const char *text, size_t len, char *errstr,
                        size_t errstr_size);

/* Appends v as JSON text to out. */
lgx_err_t lgx_json_write(lgx_buf_t *out, yajl_val v) LGX_MUST_CHECK;

#endif
