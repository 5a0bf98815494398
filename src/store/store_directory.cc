// Copyright (c) crdtdb authors.

#include "store/store_directory.h"

#include <algorithm>
#include <memory>
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

Status Damaged(const std::string& path, const std::string& what) {
  return Status::Corruption("the store in " + path + " is damaged: " + what + "; " + kRepairHint);
}

}  // namespace

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

}  // namespace crdtdb::store
