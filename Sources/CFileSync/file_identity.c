#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/stat.h>
#include "CFileSync.h"

int fieldsync_file_identity(const char *path, uint64_t *inode, int64_t *birth_seconds, uint32_t *birth_nanoseconds) {
    struct statx sx;
    if (statx(AT_FDCWD, path, 0, STATX_INO | STATX_BTIME, &sx) != 0) return -1;
    *inode = sx.stx_ino;
    if (sx.stx_mask & STATX_BTIME) {
        *birth_seconds = sx.stx_btime.tv_sec;
        *birth_nanoseconds = sx.stx_btime.tv_nsec;
    } else {
        *birth_seconds = 0;
        *birth_nanoseconds = 0;
    }
    return 0;
}
