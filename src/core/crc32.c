/* zlib's crc32 takes a uInt length: feed it 1 GiB at a time. */
#include "core/crc32.h"

#include <zlib.h>

uint32_t ln_crc32(uint32_t crc, const void *p, size_t n)
{
    const unsigned char *b = p;
    uLong c = crc;
    while (n) {
        uInt k = n > (1u << 30) ? (1u << 30) : (uInt)n;
        c = crc32(c, b, k);
        b += k;
        n -= k;
    }
    return (uint32_t)c;
}
