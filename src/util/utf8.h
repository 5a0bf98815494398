// Copyright (c) crdtdb authors.

#ifndef CRDTDB_UTIL_UTF8_H_
#define CRDTDB_UTIL_UTF8_H_

#include <string_view>

namespace crdtdb {

// True when `text` is well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, at most
// U+10FFFF). Strings from the network or disk are checked before they reach JSON output.
bool IsValidUtf8(std::string_view text);

}  // namespace crdtdb

#endif  // CRDTDB_UTIL_UTF8_H_
