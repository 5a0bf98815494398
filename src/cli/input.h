// Copyright (c) crdtdb authors.
//
// Turning command-line text into the values the verbs need. Everything here is checked before the
// database is opened, so bad input fails fast and never holds the store's lock.

#ifndef CRDTDB_CLI_INPUT_H_
#define CRDTDB_CLI_INPUT_H_

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include "crdtdb/limits.h"
#include "crdtdb/result.h"

namespace crdtdb::cli {


// The JSON text of a [JSON] argument: `arg` itself, or all of `in` when `arg` is absent or "-".
// InvalidArgument if `in` holds more than kMaxJsonBytes (the library's limit; standard input is
// read up to one byte more, enough to tell an oversized input from one that fits); IOError if it cannot be read.
Result<std::string> ResolveJsonArgument(const std::optional<std::string>& arg, std::FILE* in);

// The N of `inc`: a decimal int64, optionally negative ("5", "-3").
Result<int64_t> ParseIncrement(std::string_view text);

// The N of `list --limit`: a positive decimal count.
Result<size_t> ParseLimit(std::string_view text);

}  // namespace crdtdb::cli

#endif  // CRDTDB_CLI_INPUT_H_
