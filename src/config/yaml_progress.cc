// Copyright (c) crdtdb authors.

#include "config/yaml_progress.h"

#include <sstream>
#include <string>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

namespace crdtdb {

namespace {

// Follows where the documents of a YAML stream start, and ignores everything else.
class DocumentStarts : public YAML::EventHandler {
 public:
  // True when the last document started where the one before it did: the parser is stuck.
  bool stalled() const { return count_ >= 2 && last_.pos == before_.pos; }
  const YAML::Mark& last() const { return last_; }

  void OnDocumentStart(const YAML::Mark& mark) override {
    before_ = last_;
    last_ = mark;
    ++count_;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}

 private:
  size_t count_ = 0;
  YAML::Mark before_;
  YAML::Mark last_;
};

}  // namespace

Status CheckParserProgresses(std::string_view yaml, const YamlReader& reader) {
  std::istringstream stream{std::string(yaml)};
  YAML::Parser parser(stream);
  DocumentStarts starts;
  while (parser.HandleNextDocument(starts)) {
    if (starts.stalled()) {
      const YAML::Mark& mark = starts.last();
      return reader.Error(
          YamlReader::LineOf(mark, 1), "",
          "invalid YAML at column " + std::to_string(mark.column + 1) + ": unexpected character");
    }
  }
  return Status::OK();
}


}  // namespace crdtdb
