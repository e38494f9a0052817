/* Temporary, fsync, rename, directory fsync: see atomic_file.h. */
#include "io/atomic_file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/input_file.h"

static const char *errstr(int e) { return e ? strerror(e) : "I/O error"; }

ln_status ln_output_check(const char *path)
{
    struct stat sb;
    if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode))
        return ln_fail(LN_ERR_IO, "%s: not a regular file (%s); refusing to replace it", path,
                       ln_file_kind(sb.st_mode));
    return LN_OK;
}

int ln_same_file(const char *a, const char *b)
{
    struct stat x, y;
    return a && b && stat(a, &x) == 0 && stat(b, &y) == 0 && x.st_dev == y.st_dev && x.st_ino == y.st_ino;
}

static void clear(ln_atomic_file *a)
{
    free(a->path);
    free(a->tmp);
    a->f = NULL, a->path = a->tmp = NULL;
}

ln_status ln_atomic_begin(ln_atomic_file *a, const char *path)
{
    a->f = NULL, a->path = a->tmp = NULL;
    if (!path || !*path) return ln_fail(LN_ERR_ARG, "no output path");
    ln_status st = ln_output_check(path);
    if (st) return st;
    size_t n = strlen(path) + 32;
    a->path = strdup(path);
    a->tmp = malloc(n);
    if (!a->path || !a->tmp) {
        clear(a);
        return ln_fail(LN_ERR_NOMEM, "%s: out of memory", path);
    }
    snprintf(a->tmp, n, "%s.tmp.%ld", path, (long)getpid());
    /* a leftover of this pid (an earlier writer of ours, or a recycled pid's)
     * goes; then O_EXCL | O_NOFOLLOW: never write through a planted link */
    unlink(a->tmp);
    int fd = open(a->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    /* held until the file is closed: ln_atomic_remove_stale leaves it alone */
    struct flock lk = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    if (fd >= 0) (void)fcntl(fd, F_SETLK, &lk);
    a->f = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (!a->f) {
        st = ln_fail(LN_ERR_IO, "%s: cannot create %s: %s", path, a->tmp, strerror(errno));
        if (fd >= 0) {
            close(fd);
            unlink(a->tmp);
        }
        clear(a);
        return st;
    }
    return LN_OK;
}

void ln_atomic_abort(ln_atomic_file *a)
{
    if (a->f) fclose(a->f);
    if (a->tmp) unlink(a->tmp);
    clear(a);
}

/* Make the rename durable. Filesystems that cannot sync a directory say
 * EINVAL; that is not a failure of ours. */
static ln_status sync_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    size_t n = slash ? (size_t)(slash - path) : 1;
    char *dir = malloc(n + 2);
    if (!dir) return ln_fail(LN_ERR_NOMEM, "%s: out of memory", path);
    if (!slash) memcpy(dir, ".", 2);
    else if (n == 0) memcpy(dir, "/", 2);
    else {
        memcpy(dir, path, n);
        dir[n] = 0;
    }
    ln_status st = LN_OK;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || (fsync(fd) && errno != EINVAL))
        st = ln_fail(LN_ERR_IO, "%s: written, but syncing directory %s failed: %s", path, dir, strerror(errno));
    if (fd >= 0) close(fd);
    free(dir);
    return st;
}

ln_status ln_atomic_commit(ln_atomic_file *a)
{
    if (!a->f) {
        clear(a);
        return ln_fail(LN_ERR_ARG, "ln_atomic_commit: nothing to commit");
    }
    errno = 0;
    int bad = ferror(a->f) || fflush(a->f) || fsync(fileno(a->f));
    int e = errno;
    if (fclose(a->f) && !bad) bad = 1, e = errno;
    a->f = NULL;
    ln_status st = LN_OK;
    if (bad) st = ln_fail(LN_ERR_IO, "%s: cannot write %s: %s", a->path, a->tmp, errstr(e));
    else if ((st = ln_output_check(a->path))) { /* it may have changed meanwhile */
    } else if (rename(a->tmp, a->path))
        st = ln_fail(LN_ERR_IO, "%s: cannot rename %s over it: %s", a->path, a->tmp, strerror(errno));
    if (st) unlink(a->tmp);
    else st = sync_dir(a->path);
    clear(a);
    return st;
}

int ln_atomic_remove_stale(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    char dir[4096], name[1024];
    if (!slash) snprintf(dir, sizeof dir, ".");
    else snprintf(dir, sizeof dir, "%.*s", (int)(slash - path) + (slash == path), path);
    if (snprintf(name, sizeof name, "%s.tmp.", base) >= (int)sizeof name) return 0;
    size_t n = strlen(name);
    DIR *d = opendir(dir);
    if (!d) return 0;
    int removed = 0;
    for (struct dirent *e; (e = readdir(d));) {
        const char *pid = e->d_name + n;
        if (strncmp(e->d_name, name, n) != 0 || !*pid || strspn(pid, "0123456789") != strlen(pid)) continue;
        long p = strtol(pid, NULL, 10);
        /* a live writer's file (ours included) is left alone: its pid is
         * alive here, or it holds the write lock (a writer on another host
         * sharing the directory) */
        if (p <= 0 || p == (long)getpid() || kill((pid_t)p, 0) == 0 || errno != ESRCH) continue;
        int fd = openat(dirfd(d), e->d_name, O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        struct stat sb;
        struct flock lk = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
        if (fd >= 0 && !fstat(fd, &sb) && S_ISREG(sb.st_mode) && !fcntl(fd, F_SETLK, &lk))
            removed += unlinkat(dirfd(d), e->d_name, 0) == 0;
        if (fd >= 0) close(fd);
    }
    closedir(d);
    return removed;
}
