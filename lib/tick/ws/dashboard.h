// The dashboard tick-ws serves at GET /: one page (web/ and its charting
// library, assembled by the build) held in the binary.
#pragma once
#include <string_view>

namespace tick::ws {

std::string_view dashboard_html();

}  // namespace tick::ws
