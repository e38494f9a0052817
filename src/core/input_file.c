/* O_NONBLOCK makes open() of a FIFO return at once; fstat then tells
 * what the path is, and a regular file goes back to blocking reads. */
#include "core/input_file.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

const char *ln_file_kind(mode_t mode)
{
    if (S_ISREG(mode)) return "a regular file";
    if (S_ISDIR(mode)) return "a folder";
    if (S_ISFIFO(mode)) return "a FIFO";
    if (S_ISCHR(mode)) return "a character device";
    if (S_ISBLK(mode)) return "a block device";
    if (S_ISSOCK(mode)) return "a socket";
    return "a special file";
}

int ln_open_input(const char *path, struct stat *sb)
{
    struct stat tmp;
    if (!sb) sb = &tmp;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        ln_fail(LN_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    int flags;
    if (fstat(fd, sb) != 0) {
        ln_fail(LN_ERR_IO, "%s: cannot stat: %s", path, strerror(errno));
    } else if (!S_ISREG(sb->st_mode)) {
        ln_fail(LN_ERR_IO, "%s: not a regular file (%s)", path, ln_file_kind(sb->st_mode));
    } else if ((flags = fcntl(fd, F_GETFL)) == -1 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) == -1) {
        ln_fail(LN_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    } else {
        return fd;
    }
    close(fd);
    return -1;
}

FILE *ln_fopen_input(const char *path, struct stat *sb)
{
    int fd = ln_open_input(path, sb);
    if (fd < 0) return NULL;
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        ln_fail(LN_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
        close(fd);
    }
    return f;
}
