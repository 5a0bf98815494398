// Copyright (c) crdtdb authors.

#include "store/store_instance.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cerrno>
#include <cstdint>

#include "store/key_schema.h"
#include "store/store_directory.h"

namespace crdtdb::store {

std::optional<std::string> ReadStoreInstance(const std::string& path) {
  const std::string file = path + "/" + kIdentityFileName;
  uint64_t device = 0, inode = 0, born_s = 0;
  uint32_t born_ns = 0;
  struct statx sx {};
  if (statx(AT_FDCWD, file.c_str(), 0, STATX_INO | STATX_BTIME, &sx) == 0) {
    device = makedev(sx.stx_dev_major, sx.stx_dev_minor);
    inode = sx.stx_ino;
    if (sx.stx_mask & STATX_BTIME) {
      born_s = static_cast<uint64_t>(sx.stx_btime.tv_sec);
      born_ns = sx.stx_btime.tv_nsec;
    }
  } else {
    // A kernel (or a container's system-call filter) without statx: device and inode alone.
    struct stat st {};
    if (errno != ENOSYS || ::stat(file.c_str(), &st) != 0) return std::nullopt;
    device = st.st_dev;
    inode = st.st_ino;
  }
  std::string out;
  AppendBigEndian64(&out, device);
  AppendBigEndian64(&out, inode);
  AppendBigEndian64(&out, born_s);
  AppendBigEndian32(&out, born_ns);
  return out;
}

}  // namespace crdtdb::store
