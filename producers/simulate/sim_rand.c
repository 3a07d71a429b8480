#include "sim_rand.h"

#include <stdio.h>

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t sim_rand_hash(const char *text)
{
    uint64_t h = 0xCBF29CE484222325ULL;
    for (const unsigned char *p = (const unsigned char *)text; p && *p; p++) {
        h ^= *p;
        h *= 0x100000001B3ULL;
    }
    return h;
}

void sim_rand_stream(sim_rand_t *r, uint64_t seed, sim_stream_t stream,
                     uint64_t index)
{
    uint64_t x = seed ^ (0xD1B54A32D192ED03ULL * ((uint64_t)stream + 1)) ^
                 (0x8CB92BA72F3D8DD7ULL * (index + 1));
    for (int i = 0; i < 4; i++) {
        r->s[i] = splitmix64(&x);
    }
}

uint64_t sim_rand_next(sim_rand_t *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

int64_t sim_rand_range(sim_rand_t *r, int64_t lo, int64_t hi)
{
    uint64_t span = (uint64_t)(hi - lo) + 1;
    /* The modulo bias is below 2^-40 for the spans used here. */
    return lo + (int64_t)(span ? sim_rand_next(r) % span : sim_rand_next(r));
}

bool sim_rand_pct(sim_rand_t *r, long pct)
{
    return sim_rand_range(r, 0, 9999) < pct * 100;
}

static void uuid_from(uint64_t a, uint64_t b, char out[37])
{
    a = (a & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;
    b = (b & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;
    snprintf(out, 37, "%08llx-%04llx-%04llx-%04llx-%012llx",
             (unsigned long long)(a >> 32),
             (unsigned long long)((a >> 16) & 0xFFFF),
             (unsigned long long)(a & 0xFFFF), (unsigned long long)(b >> 48),
             (unsigned long long)(b & 0xFFFFFFFFFFFFULL));
}

void sim_rand_uuid(sim_rand_t *r, char out[37])
{
    uint64_t a = sim_rand_next(r);
    uint64_t b = sim_rand_next(r);
    uuid_from(a, b, out);
}

void sim_rand_hex(sim_rand_t *r, char *out, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[i] = digits[sim_rand_next(r) & 0xF];
    }
    out[n] = '\0';
}

void sim_rand_uuid_of(const char *text, uint64_t salt, char out[37])
{
    uint64_t x = sim_rand_hash(text) ^ salt;
    uint64_t a = splitmix64(&x);
    uint64_t b = splitmix64(&x);
    uuid_from(a, b, out);
}
