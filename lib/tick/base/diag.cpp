#include "tick/base/diag.h"

#include <cstdio>

namespace tick {

namespace {
const char* g_program = "tick";
}

void set_program(const char* name) { g_program = name; }
const char* program() { return g_program; }

void warn(std::string_view message) {
  std::fprintf(stderr, "%s: %.*s\n", g_program, static_cast<int>(message.size()), message.data());
}

}  // namespace tick
