// Copyright (c) crdtdb authors.
//
// The routes of the verbs beyond documents and pages (docs/http.md, "Routes"): a query
// (`POST /v1/docs/{collection}/_find`, interfaces.md sections 7 and 8), counters and sets
// (`POST /v1/docs/{collection}/{id}/_inc|_sadd|_srem`) and indexes (`/v1/indexes`). Pure
// functions like routes.h: each request becomes the command the CLI would send, so validation
// and results are the CLI's.

#ifndef CRDTDB_HTTP_VERB_ROUTES_H_
#define CRDTDB_HTTP_VERB_ROUTES_H_

#include <string>
#include <variant>
#include <vector>

#include "http/routes.h"

namespace crdtdb::http {

// POST /v1/docs/{collection}/_find: the body is the query as Database::find takes it
// (docs/queries.md), one page per request; `?explain=true` answers how the page was read.
std::variant<Route, Answer> FindRoute(const Request& r, const std::string& collection);

// POST /v1/docs/{collection}/{id}/{action}, action `_inc` ({"field": F, "by": N}), `_sadd` or
// `_srem` ({"field": F, "value": SCALAR}).
std::variant<Route, Answer> ElementRoute(const Request& r, const std::string& collection,
                                         const std::string& id, const std::string& action);

// /v1/indexes[/{collection}[/{name}]]: `s` are the path's segments after "v1".
std::variant<Route, Answer> IndexRoute(const Request& r, const std::vector<std::string>& s);

// A find's NDJSON page as {"documents": [...], "bookmark": B}, the bookmark only when more may
// follow.
Answer FindAnswer(const std::string& ndjson);

}  // namespace crdtdb::http

#endif  // CRDTDB_HTTP_VERB_ROUTES_H_
