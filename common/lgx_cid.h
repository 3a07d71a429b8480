/*
 * lgx_cid: correlation ids. A correlation id follows one business flow
 * (an order, its pick, shipment, milestones and POD) across systems: it is
 * taken from the message header, else from the event, else generated, and
 * carried into log lines, dead letters and Odoo.
 */
#ifndef LGX_CID_H
#define LGX_CID_H

#include <stdbool.h>
#include <stddef.h>

#define LGX_CID_MAX 128 /* longest accepted id, without the NUL */

/* Writes a new random UUID ("8-4-4-4-12", 36 chars) into out. */
void lgx_cid_generate(char out[LGX_CID_MAX + 1]);

/* True when s[0..len) is a usable id: 1..LGX_CID_MAX printable ASCII
 * characters without spaces, quotes or backslashes. */
bool lgx_cid_valid(const char *s, size_t len);

/* Chooses the id: the header value if valid, else the event's field if
 * valid, else a new one. Either input may be NULL. Writes it to out and
 * returns where it came from: "header", "event" or "generated". */
const char *lgx_cid_choose(const char *header, size_t header_len,
                           const char *field, size_t field_len,
                           char out[LGX_CID_MAX + 1]);

#endif
