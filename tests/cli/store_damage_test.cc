// Copyright (c) crdtdb authors.
//
// Issue 17 §1: crdtdb never destroys what is on disk. For every file of a populated store in
// turn, the file is removed, truncated, or has a byte flipped; then each verb (repair too) runs,
// as the real binary, on a fresh copy of the damaged store. Every answer must be a correct result
// or a clear error (exit 1, one line), never a wrong one (a missing document reported as "not
// found"); a reading verb and repair must leave every file, and the listing, exactly as they found
// them; a write must not delete or change a table file, and when it refuses the store it must
// change nothing at all.

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "crdtdb/crdtdb.hpp"
#include "tests/cli/cli_runner.h"
#include "tests/support/temp_dir.h"

namespace crdtdb {
namespace {

namespace fs = std::filesystem;
using testing::CliResult;
using testing::OneErrorLine;

// Every regular file of `dir` and its bytes.
std::map<std::string, std::string> Files(const std::string& dir) {
  std::map<std::string, std::string> files;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    files[entry.path().filename().string()] = std::string(std::istreambuf_iterator<char>(in), {});
  }
  return files;
}

std::vector<std::string> Names(const std::string& dir) {
  std::vector<std::string> names;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir))
    names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// A store of 120 documents over three sessions: two table files, a log, a MANIFEST.
void Populate(const std::string& path) {
  Options options;
  options.path = path;
  for (int session = 0; session < 3; ++session) {
    auto db = Database::open(options);
    REQUIRE_MESSAGE(db.ok(), db.status().ToString());
    for (int i = 0; session < 2 && i < 60; ++i) {
      const std::string id = std::to_string(session * 60 + i);
      REQUIRE((*db)
                  ->put("todos/" + id, R"({"title": "item )" + id + R"(", "pad": ")" +
                                           std::string(200, 'x') + "\"}")
                  .ok());
    }
  }
}

struct Damage {
  const char* name;
  // Damages `bytes`; false if it cannot apply to a file of that size.
  bool (*apply)(std::string* bytes);
};

constexpr Damage kDamages[] = {
    {"removed", [](std::string*) { return true; }},
    {"truncated to half",
     [](std::string* b) { return b->size() > 1 && (b->resize(b->size() / 2), true); }},
    {"truncated to 0", [](std::string* b) { return !b->empty() && (b->clear(), true); }},
    {"first byte flipped", [](std::string* b) { return !b->empty() && ((*b)[0] ^= 0x5a, true); }},
    {"middle byte flipped",
     [](std::string* b) { return b->size() > 2 && ((*b)[b->size() / 2] ^= 0x5a, true); }},
    {"last byte flipped",
     [](std::string* b) { return b->size() > 1 && ((*b)[b->size() - 1] ^= 0x5a, true); }},
};

struct Baseline {
  std::string get, list, verify;
  nlohmann::json status;
};

// Checks one verb's answer on a damaged store against its answer on the sound one.
void CheckAnswer(const std::string& verb, const CliResult& r, const Baseline& sound) {
  INFO("exit " << r.exit_code << ", stdout: " << r.out << "stderr: " << r.err);
  if (r.exit_code != 0) {
    CHECK(r.exit_code == 1);  // never 3: every document asked for exists
    CHECK(OneErrorLine(r));
    if (verb == "verify" ||
        (verb == "repair" && !r.out.empty())) {  // the report, with its problems
      const nlohmann::json report = nlohmann::json::parse(r.out, nullptr, false);
      REQUIRE(report.is_object());
      CHECK_FALSE(report["problems"].empty());
    } else if (verb != "list") {  // a listing that meets an error keeps what it printed
      CHECK(r.out.empty());
    }
    return;
  }
  CHECK(r.err.empty());
  if (verb == "get") CHECK(r.out == sound.get);
  if (verb == "list") CHECK(r.out == sound.list);
  if (verb == "verify") CHECK(r.out == sound.verify);
  if (verb == "repair") {  // the copy it made is sound, whatever it lost
    const nlohmann::json report = nlohmann::json::parse(r.out);
    CHECK(report["verify"]["problems"].empty());
  }
  if (verb == "status") {
    const nlohmann::json s = nlohmann::json::parse(r.out);
    if (s["healthy"] == true) {
      CHECK(s["documents"] == sound.status["documents"]);
      CHECK(s["merkle_root"] == sound.status["merkle_root"]);
      CHECK(s["replica_id"] == sound.status["replica_id"]);
    } else {
      CHECK_FALSE(s["last_error"].get<std::string>().empty());  // says what failed
    }
  }
}

const std::vector<std::string>& VerbArgs(const std::string& verb) {
  static const std::map<std::string, std::vector<std::string>> args = {
      {"get", {"get", "/todos/17"}},
      {"list", {"list", "/todos"}},
      {"status", {"status"}},
      {"verify", {"verify"}},
      {"put", {"put", "/todos/new", R"({"a": 1})"}},
      {"inc", {"inc", "/todos/17", "n"}},
      {"repair", {"repair", "--into"}},  // + a new directory
  };
  return args.at(verb);
}

CliResult Run(const std::string& dir, const std::string& verb) {
  std::vector<std::string> args{"--data-dir", dir};
  const std::vector<std::string>& rest = VerbArgs(verb);
  args.insert(args.end(), rest.begin(), rest.end());
  if (verb == "repair") {
    fs::remove_all(dir + ".repaired");
    args.push_back(dir + ".repaired");
  }
  return testing::RunProcess(CRDTDB_CLI_PATH, args, "", "");
}

TEST_CASE("no damage to any file of a store makes a verb destroy data or answer wrongly") {
  testing::TempDir tmp;
  const std::string pristine = tmp.Sub("pristine");
  Populate(pristine);
  const std::map<std::string, std::string> original = Files(pristine);
  REQUIRE(std::count_if(original.begin(), original.end(),
                        [](const auto& f) { return f.first.ends_with(".ldb"); }) >= 2);

  Baseline sound;
  sound.get = Run(pristine, "get").out;
  sound.list = Run(pristine, "list").out;
  sound.verify = Run(pristine, "verify").out;
  sound.status = nlohmann::json::parse(Run(pristine, "status").out);
  REQUIRE(sound.get.find("item 17") != std::string::npos);
  REQUIRE(sound.verify == "{\"documents_checked\":120,\"problems\":[]}\n");
  REQUIRE(Files(pristine) == original);  // the sound store's reads changed nothing either

  int cases = 0;
  for (const auto& [name, bytes] : original) {
    for (const Damage& damage : kDamages) {
      std::string damaged_bytes = bytes;
      if (!damage.apply(&damaged_bytes)) continue;
      for (const std::string verb : {"get", "list", "status", "verify", "put", "inc", "repair"}) {
        CAPTURE(name);
        CAPTURE(damage.name);
        CAPTURE(verb);
        const std::string dir = tmp.Sub("case");
        fs::remove_all(dir);
        fs::copy(pristine, dir);
        if (std::string(damage.name) == "removed") {
          fs::remove(dir + "/" + name);
        } else {
          WriteFile(dir + "/" + name, damaged_bytes);
        }
        const std::map<std::string, std::string> before = Files(dir);
        const std::vector<std::string> names_before = Names(dir);

        const CliResult r = Run(dir, verb);
        ++cases;
        const std::map<std::string, std::string> after = Files(dir);
        if (verb == "put" || verb == "inc") {
          // A refused store is left exactly as it was; otherwise LevelDB may retire its log and
          // MANIFEST after moving their contents into new files, but no table goes.
          if (r.exit_code != 0 && r.err.find("crdtdb changed nothing") != std::string::npos) {
            CHECK(after == before);
            CHECK(Names(dir) == names_before);
          }
          for (const auto& [file, content] : before) {
            if (!file.ends_with(".ldb")) continue;
            CAPTURE(file);
            REQUIRE(after.contains(file));
            CHECK(after.at(file) == content);
          }
          if (r.exit_code != 0) {
            CHECK(r.exit_code == 1);
            CHECK(OneErrorLine(r));
          }
        } else {
          CHECK(after == before);
          CHECK(Names(dir) == names_before);
          CheckAnswer(verb, r, sound);
        }
      }
    }
  }
  MESSAGE(cases << " damaged runs");
}

TEST_CASE("a store whose newest log is gone is refused, not served without the writes it held") {
  testing::TempDir tmp;
  const std::string dir = tmp.Sub("data");
  Populate(dir);
  {
    Options options;
    options.path = dir;
    auto db = Database::open(options);
    REQUIRE(db.ok());
    REQUIRE((*db)->put("todos/latest", R"({"in": "the log only"})").ok());
  }
  for (const std::string& name : Names(dir)) {
    if (name.ends_with(".log")) fs::remove(dir + "/" + name);
  }
  const std::map<std::string, std::string> before = Files(dir);
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"get", "/todos/latest"}, {"list", "/todos"}, {"status"}, {"put", "/todos/new", "{}"}}) {
    std::vector<std::string> full{"--data-dir", dir};
    full.insert(full.end(), args.begin(), args.end());
    const CliResult r = testing::RunProcess(CRDTDB_CLI_PATH, full, "", "");
    CAPTURE(args[0]);
    CHECK(r.exit_code == 1);
    CHECK(r.out.empty());
    CHECK(r.err.find("is missing; crdtdb changed nothing in it") != std::string::npos);
    CHECK(Files(dir) == before);
  }
}

// The offsets at which the records of a LevelDB log-format file (a MANIFEST) end.
std::vector<size_t> RecordEnds(const std::string& file) {
  std::vector<size_t> ends;
  for (size_t pos = 0; pos + 7 <= file.size();) {
    if (32768 - pos % 32768 < 7) {
      pos += 32768 - pos % 32768;
      continue;
    }
    const size_t length = static_cast<uint8_t>(file[pos + 4]) | (size_t{static_cast<uint8_t>(file[pos + 5])} << 8);
    pos += 7 + length;
    if (file[pos - length - 1] == 1 || file[pos - length - 1] == 4) ends.push_back(pos);
  }
  return ends;
}

// A MANIFEST that lost its tail at a record boundary parses without an error but lists fewer
// tables than the store holds: opened, LevelDB would delete the others as obsolete.
TEST_CASE("a MANIFEST cut short at a record boundary is refused, and no table is deleted") {
  testing::TempDir tmp;
  const std::string dir = tmp.Sub("data");
  {
    Options options;
    options.path = dir;
    auto db = Database::open(options);
    REQUIRE(db.ok());
    for (int i = 0; i < 6000; ++i) {  // ~6 MiB: the memtable is written to tables in this session
      std::string pad;
      for (int k = 0; k < 1000; ++k) pad += "0123456789abcdef"[(i * 7919 + k * k * 31) % 16];
      REQUIRE((*db)->put("todos/" + std::to_string(i), R"({"pad": ")" + pad + "\"}").ok());
    }
  }
  std::map<std::string, std::string> files = Files(dir);
  std::string manifest = files.at("CURRENT");
  manifest.pop_back();
  const std::vector<size_t> ends = RecordEnds(files.at(manifest));
  REQUIRE(ends.size() >= 3);
  WriteFile(dir + "/" + manifest, files.at(manifest).substr(0, ends[1]));
  const std::map<std::string, std::string> before = Files(dir);

  for (const std::string verb : {"get", "list", "status", "verify", "put", "inc"}) {
    CAPTURE(verb);
    const CliResult r = Run(dir, verb);
    // The MANIFEST now names a log that the flush it no longer lists had deleted.
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("is missing; crdtdb changed nothing in it") != std::string::npos);
    CHECK(Files(dir) == before);
  }
}

}  // namespace
}  // namespace crdtdb
