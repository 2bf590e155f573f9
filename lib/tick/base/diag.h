// Diagnostics in the one form every tool uses: "tool: message" on stderr.
#pragma once
#include <string_view>

namespace tick {

void set_program(const char* name);
const char* program();
void warn(std::string_view message);

}  // namespace tick
