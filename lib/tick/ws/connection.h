// What tick-ws reads of one lws connection (a request's headers, its URL's
// arguments, its peer; its token and origin checked) and writes to it (a
// JSON error, an answer's streaming headers, a WebSocket text frame).
#pragma once
#include <libwebsockets.h>

#include <initializer_list>
#include <string>

#include "tick/ws/server.h"

namespace tick::ws {

// A request header's value ("" if absent).
std::string header(lws* wsi, lws_token_indexes h);
// A URL argument's value, name given with its '=' ("token=").
std::string urlarg(lws* wsi, const char* name);
// The URL's arguments a route does not take (all but token and known):
// "unknown parameter: sym, foo (ROUTE takes table, syms)", or "".
std::string unknown_args(lws* wsi, const std::string& route, std::initializer_list<const char*> known);
// The peer's address, for messages.
std::string peer_of(lws* wsi);
// The request carries the token (from "?token=" or "Authorization: Bearer"),
// or none is required.
bool authorised(lws* wsi, const ServerOptions& o);
// The request's Origin is allowed (a request with none is not a browser's).
bool origin_allowed(lws* wsi, const ServerOptions& o);
// {"error":"why"}
std::string json_error(const std::string& why);
// The client of an answer still to come has closed its side. (lws, while
// it waits for the answer, keeps asking to write instead of closing.)
bool peer_gone(lws* wsi);
// A streaming answer's status and headers (no length: its end closes the
// connection); nonzero if they could not be written.
int begin_answer(lws* wsi);
// A server's text frame (not masked, final) holding a message (which has
// LWS_PRE bytes of headroom before its text), appended to out.
void put_text_frame(std::string& out, const std::string& m);

}  // namespace tick::ws
