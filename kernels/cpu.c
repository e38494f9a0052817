/* CPU feature detection. Built without ISA flags, so running it on any CPU
 * of the architecture is safe. A vector set counts only if the OS also
 * saves its registers (XGETBV: YMM for AVX2, opmask and ZMM for AVX-512),
 * otherwise its first instruction would fault. */
#include <stdio.h>
#include <string.h>

#include "kernels.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

static unsigned long long xgetbv0(void)
{
    unsigned eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((unsigned long long)edx << 32) | eax;
}

static void detect(ln_cpu_info *ci)
{
    unsigned a, b, c, d;
    if (__get_cpuid(0x80000000u, &a, &b, &c, &d) && a >= 0x80000004u) {
        unsigned *w = (unsigned *)ci->brand;
        for (unsigned leaf = 0; leaf < 3; leaf++)
            __get_cpuid(0x80000002u + leaf, &w[leaf * 4], &w[leaf * 4 + 1], &w[leaf * 4 + 2], &w[leaf * 4 + 3]);
        ci->brand[48] = 0;
    }
    if (!__get_cpuid(1, &a, &b, &c, &d)) return;
    int osxsave = (c >> 27) & 1, avx = (c >> 28) & 1;
    ci->fma = (c >> 12) & 1;
    if (osxsave && avx) {
        unsigned long long xcr0 = xgetbv0();
        ci->os_ymm = (xcr0 & 0x6) == 0x6;   /* XMM, YMM */
        ci->os_zmm = (xcr0 & 0xe6) == 0xe6; /* and opmask, ZMM0-15 upper halves, ZMM16-31 */
    }
    if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
        ci->avx2 = (b >> 5) & 1;
        ci->avx512f = (b >> 16) & 1;
        ci->avx512dq = (b >> 17) & 1;
        ci->avx512bw = (b >> 30) & 1;
        ci->avx512vl = (b >> 31) & 1;
    }
}
#elif defined(__aarch64__)
static void detect(ln_cpu_info *ci)
{
    ci->neon = 1; /* Advanced SIMD is mandatory on AArch64 */
    snprintf(ci->brand, sizeof ci->brand, "AArch64");
}
#else
static void detect(ln_cpu_info *ci) { snprintf(ci->brand, sizeof ci->brand, "unknown"); }
#endif

const ln_cpu_info *ln_cpu(void)
{
    static ln_cpu_info info;
    static int done;
    /* Idempotent and read-only after the first call; the engine calls it
     * once before any parallel region. */
    if (!done) {
        ln_cpu_info ci;
        memset(&ci, 0, sizeof ci);
        detect(&ci);
        /* trim the brand's padding */
        char *p = ci.brand;
        while (*p == ' ') p++;
        memmove(ci.brand, p, strlen(p) + 1);
        for (size_t n = strlen(ci.brand); n > 0 && ci.brand[n - 1] == ' '; n--) ci.brand[n - 1] = 0;
        info = ci;
        done = 1;
    }
    return &info;
}

int ln_cpu_runs(const char *isa)
{
    const ln_cpu_info *ci = ln_cpu();
    int avx2 = ci->avx2 && ci->fma && ci->os_ymm;
    if (!strcmp(isa, "scalar")) return 1;
    if (!strcmp(isa, "avx2")) return avx2;
#if defined(LN_AVX512_SIMDE)
    /* the test-only build runs its avx512 table through SIMDe's portable
     * code, on any CPU that runs the avx2 table below it */
    if (!strcmp(isa, "avx512")) return avx2;
#endif
    if (!strcmp(isa, "avx512"))
        return avx2 && ci->avx512f && ci->avx512bw && ci->avx512dq && ci->avx512vl && ci->os_zmm;
    if (!strcmp(isa, "neon")) return ci->neon;
    return 0;
}
