#include "rng.h"

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

uint64_t ln_hash64(uint64_t key) { return splitmix64(&key); }

void ln_rng_seed(ln_rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&seed);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t ln_rng_next(ln_rng *r)
{
    uint64_t *s = r->s;
    uint64_t out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return out;
}

uint32_t ln_rng_below(ln_rng *r, uint32_t bound)
{
    uint64_t m = (uint64_t)(uint32_t)(ln_rng_next(r) >> 32) * bound;
    uint32_t lo = (uint32_t)m;
    if (lo < bound) {
        uint32_t thresh = (uint32_t)(-bound) % bound;
        while (lo < thresh) {
            m = (uint64_t)(uint32_t)(ln_rng_next(r) >> 32) * bound;
            lo = (uint32_t)m;
        }
    }
    return (uint32_t)(m >> 32);
}

float ln_rng_uniform(ln_rng *r) { return (float)(ln_rng_next(r) >> 40) * 0x1.0p-24f; }

void ln_rng_shuffle(ln_rng *r, uint32_t *idx, uint32_t n)
{
    for (uint32_t i = n; i > 1; i--) {
        uint32_t j = ln_rng_below(r, i);
        uint32_t t = idx[i - 1];
        idx[i - 1] = idx[j];
        idx[j] = t;
    }
}
