#include "fuzz_tmp.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_TAGS 4

static struct {
    char tag[32], path[256];
} files[MAX_TAGS];
static int ntags;

static void remove_all(void)
{
    for (int i = 0; i < ntags; i++) unlink(files[i].path);
}

const char *fuzz_tmp_path(const char *tag)
{
    for (int i = 0; i < ntags; i++)
        if (!strcmp(files[i].tag, tag)) return files[i].path;
    if (ntags == MAX_TAGS || strlen(tag) >= sizeof files[0].tag) abort();
    const char *dir = getenv("TMPDIR");
    snprintf(files[ntags].tag, sizeof files[ntags].tag, "%s", tag);
    snprintf(files[ntags].path, sizeof files[ntags].path, "%s/lenet-fuzz-%ld-%s", dir && *dir ? dir : "/tmp",
             (long)getpid(), tag);
    if (!ntags) atexit(remove_all);
    return files[ntags++].path;
}

const char *fuzz_tmp_write(const char *tag, const uint8_t *data, size_t size)
{
    const char *path = fuzz_tmp_path(tag);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        perror(path);
        abort();
    }
    for (size_t done = 0; done < size;) {
        ssize_t w = write(fd, data + done, size - done);
        if (w <= 0) {
            perror(path);
            abort();
        }
        done += (size_t)w;
    }
    close(fd);
    return path;
}
