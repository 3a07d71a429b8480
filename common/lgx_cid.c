#include "lgx_cid.h"

#include <string.h>
#include <uuid/uuid.h>

void lgx_cid_generate(char out[LGX_CID_MAX + 1])
{
    uuid_t u;
    uuid_generate_random(u);
    uuid_unparse_lower(u, out);
}

bool lgx_cid_valid(const char *s, size_t len)
{
    if (!s || len == 0 || len > LGX_CID_MAX) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c >= 0x7f || c == '"' || c == '\\') {
            return false;
        }
    }
    return true;
}

const char *lgx_cid_choose(const char *header, size_t header_len,
                           const char *field, size_t field_len,
                           char out[LGX_CID_MAX + 1])
{
    if (lgx_cid_valid(header, header_len)) {
        memcpy(out, header, header_len);
        out[header_len] = '\0';
        return "header";
    }
    if (lgx_cid_valid(field, field_len)) {
        memcpy(out, field, field_len);
        out[field_len] = '\0';
        return "event";
    }
    lgx_cid_generate(out);
    return "generated";
}
