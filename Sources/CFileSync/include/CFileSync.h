#ifndef FIELDSYNC_CFILESYNC_H
#define FIELDSYNC_CFILESYNC_H
#include <stdint.h>

/// Starts writeback of a file range to disk without waiting for it (Linux
/// sync_file_range with SYNC_FILE_RANGE_WRITE), so the fsync that makes a blob chunk
/// durable waits only for the tail. A hint: returns 0, or -1 with errno where the
/// system does not support it; durability still comes from fsync.
int fieldsync_start_writeback(int fd, int64_t offset, int64_t length);

/// The file's inode number and birth time (statx), which a copy of the file does not
/// keep: a store restored from a backup or copied to another disk is a new file. Returns
/// 0, with birth time 0.0 where the file system does not record one, or -1 with errno.
int fieldsync_file_identity(const char *path, uint64_t *inode, int64_t *birth_seconds, uint32_t *birth_nanoseconds);

#endif
