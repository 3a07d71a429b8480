/*
 * lgx_setup_reqs: what lgx uses in Odoo, as data: one row per model and
 * field, standard ones (which must exist) and custom ones (x_ names,
 * which lgx-odoo-setup creates). lgx_setup checks and creates them; the
 * benchmarks' in-process Odoo (lgx_odoo_null) describes them. No code.
 */
#ifndef LGX_SETUP_REQS_H
#define LGX_SETUP_REQS_H

#include <stddef.h>

typedef struct lgx_setup_req {
    const char *model;
    const char *field; /* NULL: the model itself */
    const char *ttype; /* Odoo's field type, NULL for a model */
    const char *label;
} lgx_setup_req_t;

/* The rows; LGX_SETUP_N_REQS of them (a compile-time check where they
 * are defined keeps the two equal). */
#define LGX_SETUP_N_REQS 30
extern const lgx_setup_req_t lgx_setup_reqs[LGX_SETUP_N_REQS];

/* Custom models earlier releases of lgx created and this one no longer
 * uses, NULL-terminated: lgx-odoo-setup says so when it finds them. */
const char *const *lgx_setup_retired(void);

#endif
