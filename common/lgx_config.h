/*
 * lgx_config: one table of options per program.
 *
 * Each row {name, type, default, offset, description, range} gives
 * parsing, defaults, environment variables, validation and --help from one
 * place. An option "odoo-url" is set by --odoo-url=V or --odoo-url V, or by
 * the environment variable LGX_ODOO_URL; the command line wins over the
 * environment, which wins over the default.
 *
 * A program's table is split into sections, each writing into its own
 * struct (the Kafka part, the Odoo part, the program's own part).
 */
#ifndef LGX_CONFIG_H
#define LGX_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "lgx_err.h"

typedef enum lgx_opt_type {
    LGX_OPT_STR,  /* char *, malloc'd, NULL when unset */
    LGX_OPT_INT,  /* long; range "min..max" */
    LGX_OPT_BOOL, /* bool; true/false/yes/no/1/0/on/off */
    LGX_OPT_ENUM, /* char *, one of range "a|b|c" */
    LGX_OPT_PROPS /* char **: NULL-terminated name, value, name, value ...
                     from --NAME.<prop>=V or LGX_NAME_<PROP>=V
                     (underscores become dots) */
} lgx_opt_type_t;

#define LGX_OPT_REQUIRED 0x1u /* an unset value stops the program */
#define LGX_OPT_SECRET 0x2u   /* value never shown */
#define LGX_OPT_HIDDEN 0x4u   /* accepted, not in --help (benchmarks) */

typedef struct lgx_opt {
    const char *name;
    lgx_opt_type_t type;
    const char *def; /* default as text, or NULL */
    size_t offset;   /* offsetof the field in the section's struct */
    const char *desc;
    const char *range; /* INT "min..max", ENUM "a|b|c", else NULL */
    unsigned flags;
} lgx_opt_t;

/* End of an option table. */
#define LGX_OPT_END                                                            \
    {                                                                          \
        NULL, LGX_OPT_STR, NULL, 0, NULL, NULL, 0                              \
    }

typedef struct lgx_config_section {
    const char *title;
    const lgx_opt_t *opts;
    void *base;
} lgx_config_section_t;

/* Fills every section's struct from defaults, the environment (envp-style
 * array, usually `environ`) and argv. Returns LGX_OK; LGX_ERR_HELP after
 * writing usage to stdout for --help (or a Markdown table for
 * --help-markdown); LGX_ERR_INVALID with a message naming the option in
 * errstr. Structs should be zeroed before; on error call
 * lgx_config_free() all the same. */
lgx_err_t lgx_config_load(const lgx_config_section_t *sections, size_t n,
                          const char *program, const char *summary, int argc,
                          char **argv, char **envp, char *errstr,
                          size_t errstr_size) LGX_MUST_CHECK;

/* Writes --help text: every option with its environment variable, default
 * and description. */
void lgx_config_usage(const lgx_config_section_t *sections, size_t n,
                      const char *program, const char *summary, FILE *out);

/* Frees what load allocated in the sections' structs. */
void lgx_config_free(const lgx_config_section_t *sections, size_t n);

/* Appends the setting name (its first name_len bytes) = value to a
 * props array (NULL-terminated name, value, ...; *slot may be NULL),
 * which lgx_config_free frees. */
lgx_err_t lgx_config_props_add(char ***slot, const char *name, size_t name_len,
                               const char *value) LGX_MUST_CHECK;

/* Writes the environment variable name of option name into out. */
void lgx_config_env_name(const char *name, char *out, size_t size);

#endif
