#include "tick/ws/dashboard.h"

// The page's bytes, put into read-only data by the assembler (the build
// names the file: TICK_DASHBOARD_HTML).
asm(".pushsection .rodata\n"
    ".balign 16\n"
    ".global tick_dashboard_html_begin\n"
    ".hidden tick_dashboard_html_begin\n"
    "tick_dashboard_html_begin:\n"
    ".incbin \"" TICK_DASHBOARD_HTML "\"\n"
    ".global tick_dashboard_html_end\n"
    ".hidden tick_dashboard_html_end\n"
    "tick_dashboard_html_end:\n"
    ".byte 0\n"
    ".popsection\n");
extern "C" const char tick_dashboard_html_begin[];
extern "C" const char tick_dashboard_html_end[];

namespace tick::ws {

std::string_view dashboard_html() {
  return {tick_dashboard_html_begin, static_cast<size_t>(tick_dashboard_html_end - tick_dashboard_html_begin)};
}

}  // namespace tick::ws
