#include "tick/ws/connection.h"

#include <sys/socket.h>

#include <cstdint>
#include <string_view>

#include "tick/text/out.h"

namespace tick::ws {

std::string header(lws* wsi, lws_token_indexes h) {
  int n = lws_hdr_total_length(wsi, h);
  if (n <= 0) return {};
  std::string s(static_cast<size_t>(n) + 1, '\0');
  lws_hdr_copy(wsi, s.data(), n + 1, h);
  s.resize(static_cast<size_t>(n));
  return s;
}

std::string urlarg(lws* wsi, const char* name) {
  char buf[1024];
  const char* v = lws_get_urlarg_by_name(wsi, name, buf, sizeof buf);
  return v ? std::string(v) : std::string();
}

std::string unknown_args(lws* wsi, const std::string& route, std::initializer_list<const char*> known) {
  std::string out;
  char buf[1024];
  for (int i = 0;; i++) {
    int n = lws_hdr_copy_fragment(wsi, buf, sizeof buf, WSI_TOKEN_HTTP_URI_ARGS, i);
    if (n < 0) break;
    std::string_view arg(buf, static_cast<size_t>(n));
    std::string_view name = arg.substr(0, arg.find('='));
    if (name.empty() || name == "token") continue;
    bool ok = false;
    for (const char* k : known) ok = ok || name == k;
    if (ok) continue;
    out += out.empty() ? "unknown parameter: " : ", ";
    out += name;
  }
  if (out.empty()) return out;
  std::string takes;
  for (const char* k : known) takes += (takes.empty() ? "" : ", ") + std::string(k);
  return out + " (" + route + " takes " + (takes.empty() ? "none" : takes) + ")";
}

std::string peer_of(lws* wsi) {
  char buf[128];
  lws_get_peer_simple(wsi, buf, sizeof buf);
  return buf;
}

bool authorised(lws* wsi, const ServerOptions& o) {
  if (o.token.empty()) return true;
  if (urlarg(wsi, "token=") == o.token) return true;
  std::string a = header(wsi, WSI_TOKEN_HTTP_AUTHORIZATION);
  return a == "Bearer " + o.token;
}

bool origin_allowed(lws* wsi, const ServerOptions& o) {
  if (o.origins.empty()) return true;
  std::string origin = header(wsi, WSI_TOKEN_ORIGIN);
  if (origin.empty()) return true;  // not a browser: the token decides
  for (const auto& a : o.origins)
    if (a == origin) return true;
  return false;
}

std::string json_error(const std::string& why) {
  std::string out = "{\"error\":\"";
  json_escape(out, why);
  return out + "\"}";
}

bool peer_gone(lws* wsi) {
  char c;
  return ::recv(lws_get_socket_fd(wsi), &c, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}

int begin_answer(lws* wsi) {
  const bool csv = urlarg(wsi, "format=") == "csv";
  uint8_t buf[LWS_PRE + 512];
  uint8_t *start = buf + LWS_PRE, *p = start, *end = buf + sizeof buf - 1;
  return lws_add_http_common_headers(wsi, 200, csv ? "text/csv" : "application/json", LWS_ILLEGAL_HTTP_CONTENT_LEN,
                                     &p, end) ||
         lws_finalize_write_http_header(wsi, start, &p, end);
}

void put_text_frame(std::string& out, const std::string& m) {
  size_t n = m.size() - LWS_PRE;
  out += static_cast<char>(0x81);
  if (n < 126) {
    out += static_cast<char>(n);
  } else if (n < 65536) {
    out += static_cast<char>(126);
    out += static_cast<char>(n >> 8);
    out += static_cast<char>(n & 0xff);
  } else {
    out += static_cast<char>(127);
    for (int i = 7; i >= 0; i--) out += static_cast<char>((static_cast<uint64_t>(n) >> (8 * i)) & 0xff);
  }
  out.append(m, LWS_PRE, n);
}

}  // namespace tick::ws
