// Copyright (c) crdtdb authors.

#include "store/store_directory.h"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

namespace crdtdb::store {

namespace {

constexpr const char* kRepairHint =
    "crdtdb changed nothing in it; see 'crdtdb repair' (docs/operations.md)";

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Files LevelDB's DB::Open writes while it creates a database, before CURRENT.
bool IsCreationFile(std::string_view name) {
  return name == "LOCK" || name == "LOG" || name == "LOG.old" || name == "MANIFEST-000001" ||
         name == "000001.dbtmp";
}

// Files that hold a LevelDB database's data or its description.
bool IsDatabaseFile(std::string_view name) {
  if (name.starts_with("MANIFEST-")) return true;
  for (std::string_view suffix : {".ldb", ".sst", ".log"}) {
    if (name.ends_with(suffix) && AllDigits(name.substr(0, name.size() - suffix.size())))
      return true;
  }
  return false;
}

}  // namespace

bool IsLevelDbFile(std::string_view name) {
  if (name == "CURRENT" || IsCreationFile(name) || IsDatabaseFile(name)) return true;
  return name.ends_with(".dbtmp") && AllDigits(name.substr(0, name.size() - 6));
}

namespace {

Status Damaged(const std::string& path, const std::string& what) {
  return Status::Corruption("the store in " + path + " is damaged: " + what + "; " + kRepairHint);
}

// Reads a varint (LevelDB's coding: 7 bits a byte, low first) from the front of `in`.
bool ReadVarint(std::string_view* in, uint64_t* value) {
  *value = 0;
  for (int shift = 0; shift <= 63 && !in->empty(); shift += 7) {
    const auto byte = static_cast<uint8_t>(in->front());
    in->remove_prefix(1);
    *value |= uint64_t{byte & 0x7fu} << shift;
    if ((byte & 0x80u) == 0) return true;
  }
  return false;
}

bool SkipSlice(std::string_view* in) {
  uint64_t length = 0;
  if (!ReadVarint(in, &length) || length > in->size()) return false;
  in->remove_prefix(length);
  return true;
}

// The log number of one VersionEdit record (LevelDB's db/version_edit.cc), if it sets one.
std::optional<uint64_t> EditLogNumber(std::string_view edit, bool* ok) {
  std::optional<uint64_t> log;
  uint64_t tag = 0, a = 0;
  while (!edit.empty()) {
    if (!ReadVarint(&edit, &tag)) break;
    switch (tag) {
      case 1: *ok = SkipSlice(&edit); break;                              // comparator
      case 2: *ok = ReadVarint(&edit, &a) && (log = a, true); break;      // log number
      case 3: case 4: case 9: *ok = ReadVarint(&edit, &a); break;         // numbers
      case 5: *ok = ReadVarint(&edit, &a) && SkipSlice(&edit); break;     // compact pointer
      case 6: *ok = ReadVarint(&edit, &a) && ReadVarint(&edit, &a); break;  // deleted file
      case 7:                                                                // new file
        *ok = ReadVarint(&edit, &a) && ReadVarint(&edit, &a) && ReadVarint(&edit, &a) && SkipSlice(&edit) &&
              SkipSlice(&edit);
        break;
      default: *ok = false;
    }
    if (!*ok) return std::nullopt;
  }
  return log;
}

// The last log number recorded in a MANIFEST (LevelDB's log format: 32 KiB blocks of records
// with a 7-byte header: checksum, length, type); nullopt if it records none or cannot be parsed.
std::optional<uint64_t> LastLogNumber(std::string_view file) {
  constexpr size_t kBlock = 32768, kHeader = 7;
  std::optional<uint64_t> log;
  std::string record;
  for (size_t pos = 0; pos + kHeader <= file.size();) {
    if (kBlock - pos % kBlock < kHeader) {  // the block's trailer
      pos += kBlock - pos % kBlock;
      continue;
    }
    const size_t length = static_cast<uint8_t>(file[pos + 4]) | (size_t{static_cast<uint8_t>(file[pos + 5])} << 8);
    const int type = file[pos + 6];
    if (pos + kHeader + length > file.size()) return std::nullopt;
    const std::string_view data = file.substr(pos + kHeader, length);
    pos += kHeader + length;
    if (type == 1 || type == 2) record.clear();
    if (type >= 1 && type <= 4) record.append(data);
    if (type != 1 && type != 4) continue;
    bool ok = true;
    if (std::optional<uint64_t> n = EditLogNumber(record, &ok)) log = n;
    if (!ok) return std::nullopt;
  }
  return log;
}

}  // namespace

Status CheckLogPresent(leveldb::Env* env, const std::string& path) {
  std::string current, manifest;
  if (!leveldb::ReadFileToString(env, path + "/CURRENT", &current).ok() || !current.ends_with('\n')) {
    return Status::OK();  // LevelDB opened it: nothing to add
  }
  current.pop_back();
  if (!leveldb::ReadFileToString(env, path + "/" + current, &manifest).ok()) return Status::OK();
  const std::optional<uint64_t> log = LastLogNumber(manifest);
  if (!log || *log == 0) return Status::OK();  // 0: LevelDB stopped while it created the database
  char name[32];
  std::snprintf(name, sizeof name, "%06llu.log", static_cast<unsigned long long>(*log));
  if (env->FileExists(path + "/" + name)) return Status::OK();
  return Damaged(path, std::string("its log ") + name + ", which holds its latest writes, is missing");
}

Result<DirectoryState> InspectStoreDirectory(leveldb::Env* env, const std::string& path) {
  std::vector<std::string> children;
  leveldb::Status listed = env->GetChildren(path, &children);
  if (listed.IsNotFound()) return DirectoryState::kMissing;
  if (!listed.ok())
    return Status::IOError("cannot read the directory " + path + ": " + listed.ToString());
  std::erase_if(children, [](const std::string& name) { return name == "." || name == ".."; });
  if (children.empty()) return DirectoryState::kEmpty;

  const std::string current_path = path + "/CURRENT";
  if (std::find(children.begin(), children.end(), "CURRENT") == children.end()) {
    const bool ours =
        std::find(children.begin(), children.end(), kIdentityFileName) != children.end();
    const bool only_creation_files = std::all_of(
        children.begin(), children.end(),
        [](const std::string& name) { return name == kIdentityFileName || IsCreationFile(name); });
    if (ours && only_creation_files) return DirectoryState::kUnfinished;
    if (ours || std::any_of(children.begin(), children.end(),
                            [](const std::string& n) { return IsDatabaseFile(n); })) {
      return Damaged(path, "its CURRENT file is missing");
    }
    return Status::IOError(
        path +
        " is not empty and holds no crdtdb store; crdtdb creates a store only in a "
        "missing or empty directory");
  }
  std::string current;
  if (leveldb::Status s = leveldb::ReadFileToString(env, current_path, &current); !s.ok()) {
    return Status::IOError("cannot read " + current_path + ": " + s.ToString());
  }
  const std::string manifest = current.ends_with('\n') ? current.substr(0, current.size() - 1) : "";
  if (!manifest.starts_with("MANIFEST-") || !AllDigits(std::string_view(manifest).substr(9))) {
    return Damaged(path, "its CURRENT file does not name a MANIFEST file");
  }
  uint64_t manifest_bytes = 0;
  if (!env->GetFileSize(path + "/" + manifest, &manifest_bytes).ok()) {
    return Damaged(path, "its CURRENT file names " + manifest + ", which is missing");
  }
  if (manifest_bytes == 0) return Damaged(path, manifest + " is empty");
  return DirectoryState::kStore;
}

Status WriteIdentityFile(leveldb::Env* env, const std::string& path) {
  leveldb::WritableFile* raw = nullptr;
  leveldb::Status s = env->NewWritableFile(path + "/" + kIdentityFileName, &raw);
  if (!s.ok()) return Status::IOError("cannot create a store in " + path + ": " + s.ToString());
  std::unique_ptr<leveldb::WritableFile> file(raw);
  s = file->Append("crdtdb store\n");
  if (s.ok()) s = file->Sync();
  if (s.ok()) s = file->Close();
  if (!s.ok()) return Status::IOError("cannot create a store in " + path + ": " + s.ToString());
  return Status::OK();
}

Status WriteFailedWriteFile(leveldb::Env* env, const std::string& path, const std::string& why) {
  leveldb::WritableFile* raw = nullptr;
  leveldb::Status s = env->NewWritableFile(path + "/" + kFailedWriteFileName, &raw);
  if (!s.ok()) return Status::IOError("cannot mark the store as failed: " + s.ToString());
  std::unique_ptr<leveldb::WritableFile> file(raw);
  // Best effort: the file exists now, which is what the next open looks for.
  if (file->Append(why + "\n").ok()) (void)file->Sync();
  (void)file->Close();
  return Status::OK();
}

}  // namespace crdtdb::store
