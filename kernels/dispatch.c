/* The kernel tables and the choice among them, all expanded from
 * kernel_list.h. The scalar table is complete; every other set's table
 * starts as a copy of its parent's (LN_ISA_LIST) and overrides the kernels
 * that set implements, so nothing is ever left unset and a kernel a set
 * lacks comes from the next set down the ladder. Compiled without ISA
 * flags: it only stores pointers. */
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"

/* every set's prototypes */
#define DECLARE_SET(isa, parent) LN_DECLARE_KERNELS(isa)
LN_ISA_LIST(DECLARE_SET)

#define NAME(name, type, what) #name,
#define WHAT(name, type, what) what,
const char *const ln_kernel_names[LN_NKERNELS] = {LN_KERNEL_FIELDS(NAME)};
const char *const ln_kernel_whats[LN_NKERNELS] = {LN_KERNEL_FIELDS(WHAT)};

/* The struct is the isa name followed by one pointer per kernel, in list
 * order (it is generated from the list): ln_kernel_at may index it. */
_Static_assert(sizeof(ln_kernels) == offsetof(ln_kernels, conv2d_scratch) + LN_NKERNELS * sizeof(void (*)(void)),
               "ln_kernels holds one pointer per listed kernel");
_Static_assert(sizeof ln_kernel_names / sizeof ln_kernel_names[0] == LN_NKERNELS, "one name per kernel");

void (*ln_kernel_at(const ln_kernels *t, int i))(void)
{
    void (*const *fields)(void) = (void (*const *)(void))(const void *)&t->conv2d_scratch;
    return i >= 0 && i < LN_NKERNELS ? fields[i] : NULL;
}

enum {
#define ISA_ENUM(isa, parent) ISA_##isa,
    LN_ISA_LIST(ISA_ENUM) NSETS
};
#define ISA_NAME(isa, parent) #isa,
static const char *const set_names[NSETS + 1] = {LN_ISA_LIST(ISA_NAME) NULL};
#define ISA_PARENT(isa, parent) ISA_##parent,
static const int set_parent[NSETS] = {LN_ISA_LIST(ISA_PARENT)};

static ln_kernels tables[NSETS];
/* origin[s][i]: the set whose own kernel table s holds at index i */
static int origin[NSETS][LN_NKERNELS];

#define SET_KERNEL(set, name)                                                                       \
    t->name = ln_##name##_##set;                                                                   \
    origin[ISA_##set][LN_KERNEL_##name] = ISA_##set;
#define FILL_SET(set, parent)                                                                       \
    static void fill_##set(ln_kernels *t)                                                          \
    {                                                                                              \
        (void)t;                                                                                   \
        LN_KERNELS_##set(SET_KERNEL)                                                               \
    }
LN_ISA_LIST(FILL_SET)

#define FILL_FN(set, parent) fill_##set,
static void (*const fill_fns[NSETS])(ln_kernels *t) = {LN_ISA_LIST(FILL_FN)};

static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static void fill_tables(void)
{
    /* each set after its parent (the list's order) */
    for (int s = 0; s < NSETS; s++) {
        int p = set_parent[s];
        if (p != s) {
            tables[s] = tables[p];
            memcpy(origin[s], origin[p], sizeof origin[s]);
        }
        fill_fns[s](&tables[s]);
        tables[s].isa = set_names[s];
    }
}

const ln_kernels *ln_kernels_scalar(void)
{
    pthread_once(&tables_once, fill_tables);
    return &tables[ISA_scalar];
}

const char *const *ln_kernels_built(void) { return set_names; }

static char choices[128], help[256];

static void make_choices(void)
{
    size_t n = (size_t)snprintf(choices, sizeof choices, "auto");
    for (int s = 0; s < NSETS && n < sizeof choices; s++)
        n += (size_t)snprintf(choices + n, sizeof choices - n, ", %s", set_names[s]);
    snprintf(help, sizeof help, "kernel set: %s (default auto: the best this CPU runs; or $LENET_KERNELS)", choices);
}

const char *ln_kernels_choices(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, make_choices);
    return choices;
}

const char *ln_kernels_help(void)
{
    ln_kernels_choices();
    return help;
}

const char *ln_kernel_origin(const ln_kernels *t, int i)
{
    pthread_once(&tables_once, fill_tables);
    if (i < 0 || i >= LN_NKERNELS) return NULL;
    for (int s = 0; s < NSETS; s++)
        if (t == &tables[s]) return set_names[origin[s][i]];
    return t->isa;
}

static int set_index(const char *name)
{
    for (int s = 0; s < NSETS; s++)
        if (!strcmp(set_names[s], name)) return s;
    return -1;
}

ln_status ln_kernels_select(const char *want, const ln_kernels **out)
{
    pthread_once(&tables_once, fill_tables);
    const char *src = "--kernels";
    if (!want || !*want) {
        want = getenv("LENET_KERNELS");
        src = "LENET_KERNELS";
        if (!want || !*want) want = "auto";
    }
    if (!strcmp(want, "auto")) {
        for (int s = NSETS - 1; s > 0; s--)
            if (ln_cpu_runs(set_names[s])) {
                *out = &tables[s];
                return LN_OK;
            }
        *out = &tables[ISA_scalar];
        return LN_OK;
    }
    int s = set_index(want);
    if (s < 0)
        return ln_fail(LN_ERR_ARG, "%s: unknown kernel set '%s': not available in this build (it has %s)", src, want, ln_kernels_choices());
    if (ln_cpu_runs(want)) {
        *out = &tables[s];
        return LN_OK;
    }
    return ln_fail(LN_ERR_UNSUPPORTED, "%s: kernel set '%s' is not available in this build or on this CPU (%s)",
                   src, want, ln_cpu()->brand[0] ? ln_cpu()->brand : "unknown CPU");
}
