#include "tick/stream/types.h"

namespace tick {

namespace {
struct Name {
  Type type;
  std::string_view name;
};
constexpr Name kNames[] = {
    {Type::boolean, "boolean"},     {Type::byte, "byte"},       {Type::short_, "short"},
    {Type::int_, "int"},            {Type::long_, "long"},      {Type::real, "real"},
    {Type::float_, "float"},        {Type::char_, "char"},      {Type::symbol, "symbol"},
    {Type::timestamp, "timestamp"}, {Type::timespan, "timespan"}, {Type::date, "date"},
    {Type::string, "string"},       {Type::time, "time"},       {Type::minute, "minute"},
    {Type::second, "second"},       {Type::month, "month"},     {Type::datetime, "datetime"},
    {Type::guid, "guid"},
};
}  // namespace

std::string_view type_name(Type t) {
  for (const auto& n : kNames)
    if (n.type == t) return n.name;
  return "?";
}

std::optional<Type> type_from_name(std::string_view name) {
  for (const auto& n : kNames)
    if (n.name == name) return n.type;
  return std::nullopt;
}

}  // namespace tick
