/* lenet report: a small JSON reader for the lines of a training log (the
 * library's own reader is internal; the CLI uses the public API alone). */
#ifndef LN_CLI_REPORT_JSON_H
#define LN_CLI_REPORT_JSON_H
#include <stddef.h>

typedef enum { RJ_NULL, RJ_FALSE, RJ_TRUE, RJ_NUM, RJ_STR, RJ_ARR, RJ_OBJ } rj_type;

typedef struct rj {
    rj_type type;
    double num;         /* RJ_NUM */
    char *str;          /* RJ_STR: UTF-8, NUL-terminated (\u0000 is refused) */
    int n;              /* RJ_ARR, RJ_OBJ: elements */
    char **keys;        /* RJ_OBJ: n keys */
    struct rj *kids;    /* n values */
} rj;

/* Parse text[0..len) as one JSON value (surrounding white space allowed).
 * Returns a new tree, or NULL with "column N: what is wrong" in err. */
rj *rj_parse(const char *text, size_t len, char *err, size_t errcap);
void rj_free(rj *v);

/* obj[key] (the last one if repeated), or NULL if obj is not an object or
 * lacks it. */
const rj *rj_get(const rj *obj, const char *key);
/* obj[key] as a number: 1 and *out if it is one, else 0. */
int rj_num(const rj *obj, const char *key, double *out);
/* obj[key] as a string, or NULL. */
const char *rj_str(const rj *obj, const char *key);

#endif
