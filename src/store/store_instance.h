// Copyright (c) crdtdb authors.
//
// The identity of one store's files, which a copy of them does not keep. A store restored from a
// backup, or a data directory copied and started as a second replica, holds less than its replica
// id has issued; writing on would issue the same sequence numbers and dots with other values
// (docs/operations.md, "Restoring a backup"). Nothing in the records tells such a copy from the
// original: every byte is the same. The file system does: a copy is a new file. So the store
// records the identity of its identity file (store_directory.h) at every writable open, and an
// open that finds another one starts a new stream epoch (docs/storage.md, "Stream epochs").
//
// The identity is the file's device, inode and birth time. A rename (`mv` within one file
// system) keeps all three; `cp -a`, tar, rsync and a restore make a new file, so a new inode or,
// where a deleted file's inode number is reused, a new birth time. What keeps them, and so is
// not detected: a file-system snapshot or clone (LVM, btrfs, ZFS, a VM image), and a copy made
// of hard links (`cp -al`). A device number that changes across reboots (some network or
// device-mapper setups) makes each start after a reboot a new epoch: safe, at the cost of one.

#ifndef CRDTDB_STORE_STORE_INSTANCE_H_
#define CRDTDB_STORE_STORE_INSTANCE_H_

#include <optional>
#include <string>

namespace crdtdb::store {

// The identity of the identity file in the store directory `path` on the real file system,
// encoded for the `m` `instance` record (u64 device, u64 inode, u64 birth seconds, u32 birth
// nanoseconds, big-endian; birth time 0 where the file system keeps none); nullopt if it cannot
// be read (no such file there: a store in an injected in-memory Env, say).
std::optional<std::string> ReadStoreInstance(const std::string& path);

}  // namespace crdtdb::store

#endif  // CRDTDB_STORE_STORE_INSTANCE_H_
