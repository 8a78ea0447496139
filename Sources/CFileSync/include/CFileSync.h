#ifndef FIELDSYNC_CFILESYNC_H
#define FIELDSYNC_CFILESYNC_H
#include <stdint.h>

/// Starts writeback of a file range to disk without waiting for it (Linux
/// sync_file_range with SYNC_FILE_RANGE_WRITE), so the fsync that makes a blob chunk
/// durable waits only for the tail. A hint: returns 0, or -1 with errno where the
/// system does not support it; durability still comes from fsync.
int fieldsync_start_writeback(int fd, int64_t offset, int64_t length);

#endif
