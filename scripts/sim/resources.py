"""What a running replica holds of the machine, read from /proc and the file system: resident
memory, open file descriptors (by kind) and the size of its data directory. Linux only.

Memory is VmRSS, split as the kernel splits it: RssAnon (heap, stacks: what a leak grows) and
RssFile (pages of mapped files: the binary, and LevelDB's table files, which LevelDB on POSIX
reads through mmap).

Descriptors are classified by what /proc/PID/fd/N links to (`fd_kind`, pure): `table` is a
LevelDB table file (.ldb/.sst) held open (LevelDB on POSIX maps up to 1,000 table files and closes
their descriptors, so these appear only beyond that; the table cache bounds them);
`deleted` a file already unlinked (a descriptor kept on a file compaction removed: none should
remain once the replica is quiet); `socket` a TCP connection or listener (ZeroMQ; each client CLI
run in flight holds one); `other` the rest (LevelDB's LOCK, LOG, MANIFEST and write-ahead log,
ZeroMQ's eventfds and epoll, the log file). Reading is best effort: a file or descriptor that
disappears while it is read (compaction, a connection closing) is simply not counted.
"""

import os
from dataclasses import dataclass

FD_KINDS = ("table", "deleted", "socket", "other")
TABLE_SUFFIXES = (".ldb", ".sst")
LEVELDB_LOG_SUFFIX = ".log"  # LevelDB's write-ahead log (not the replica's delta log)


def fd_kind(target):
    """The kind of a descriptor whose /proc/PID/fd link reads `target` (one of FD_KINDS)."""
    if target.endswith(" (deleted)"):
        return "deleted"
    if target.startswith("socket:"):
        return "socket"
    if target.startswith("/") and target.endswith(TABLE_SUFFIXES):
        return "table"
    return "other"


@dataclass(frozen=True)
class ProcessResources:
    rss_kib: int       # VmRSS
    rss_peak_kib: int  # VmHWM: the highest RSS so far
    rss_anon_kib: int  # RssAnon: heap and stacks
    rss_file_kib: int  # RssFile: mapped files (the binary, LevelDB's tables)
    threads: int
    fds: dict          # kind (FD_KINDS) -> count

    @property
    def fds_total(self):
        return sum(self.fds.values())

    @property
    def fds_not_table(self):
        """Every descriptor but LevelDB's table files: constant in a quiet replica."""
        return self.fds_total - self.fds["table"]


def read_process(pid, proc="/proc"):
    """The resources of process `pid`, or None if it is gone."""
    try:
        with open(f"{proc}/{pid}/status") as f:
            fields = parse_proc_status(f.read())
        names = os.listdir(f"{proc}/{pid}/fd")
    except (FileNotFoundError, ProcessLookupError):
        return None
    fds = dict.fromkeys(FD_KINDS, 0)
    for name in names:
        try:
            fds[fd_kind(os.readlink(f"{proc}/{pid}/fd/{name}"))] += 1
        except FileNotFoundError:
            continue  # closed while we looked
    return ProcessResources(fields.get("VmRSS", 0), fields.get("VmHWM", 0), fields.get("RssAnon", 0),
                            fields.get("RssFile", 0), fields.get("Threads", 0), fds)


def parse_proc_status(text):
    """{name: integer} of the numeric lines of /proc/PID/status ('VmRSS:  1234 kB' -> 1234, in kB)."""
    fields = {}
    for line in text.splitlines():
        name, _, value = line.partition(":")
        words = value.split()
        if words and words[0].isdigit():
            fields[name] = int(words[0])
    return fields


@dataclass(frozen=True)
class DirectoryUsage:
    bytes: int            # every file under the directory (apparent sizes)
    table_files: int      # LevelDB table files
    table_bytes: int
    leveldb_log_bytes: int  # LevelDB's write-ahead log(s): the memtable not yet flushed


def read_directory(path):
    """The usage of the directory tree at `path` (zeros if it does not exist)."""
    total = tables = table_bytes = log_bytes = 0
    for root, _, files in os.walk(path):
        for name in files:
            try:
                size = os.stat(os.path.join(root, name)).st_size
            except FileNotFoundError:
                continue  # removed by a compaction while we walked
            total += size
            if name.endswith(TABLE_SUFFIXES):
                tables += 1
                table_bytes += size
            elif name.endswith(LEVELDB_LOG_SUFFIX):
                log_bytes += size
    return DirectoryUsage(total, tables, table_bytes, log_bytes)
