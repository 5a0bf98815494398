// Copyright (c) crdtdb authors.
//
// A guard for yaml-cpp 0.7, which cannot parse some streams yet does not reject them: it returns
// an empty document without consuming anything, again and again, so YAML::LoadAll loops forever,
// allocating (a lone ",": jbeder/yaml-cpp#1040). CheckParserProgresses walks the stream first and
// refuses it where a document starts at the position of the previous one. yaml-cpp exceptions
// pass through, as from LoadAll.

#ifndef CRDTDB_CONFIG_YAML_PROGRESS_H_
#define CRDTDB_CONFIG_YAML_PROGRESS_H_

#include <string_view>

#include "config/yaml_reader.h"
#include "crdtdb/status.h"

namespace crdtdb {

// OK, or the error of `reader` naming where the parser stalled.
Status CheckParserProgresses(std::string_view yaml, const YamlReader& reader);

}  // namespace crdtdb

#endif  // CRDTDB_CONFIG_YAML_PROGRESS_H_
