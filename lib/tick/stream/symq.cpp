// A kdb+ sym.q as a schema: the table definitions in the dialects kdb+ shops
// write, the rest of a q script skipped with a note or refused with its line.
//
//   trade:([]time:`timespan$();sym:`g#`symbol$();price:`float$();size:`int$())
//   quote:flip `time`sym`bid`ask!"PSFF"$\:()
//   depth:flip `time`sym`lvl!(`timestamp$();`s#`symbol$();`long$())
//   update `g#sym from `trade
//   \d .u                         / namespace and other system lines: skipped
//
// A statement runs on over lines that start with white space (q's own rule)
// and while a parenthesis is open; ';' at the top level separates two.
#include <cctype>

#include "tick/base/error.h"
#include "tick/stream/schema.h"

namespace tick {

namespace {

// kdb+ type characters (either case: "p"$ casts, "P"$ parses, both give a
// typed empty list) and cast names.
std::optional<Type> q_char_type(char c) {
  switch (std::tolower(static_cast<unsigned char>(c))) {
    case 'b': return Type::boolean;
    case 'x': return Type::byte;
    case 'h': return Type::short_;
    case 'i': return Type::int_;
    case 'j': return Type::long_;
    case 'e': return Type::real;
    case 'f': return Type::float_;
    case 'c': return Type::char_;
    case 's': return Type::symbol;
    case 'p': return Type::timestamp;
    case 'n': return Type::timespan;
    case 'd': return Type::date;
    case 't': return Type::time;
    case 'u': return Type::minute;
    case 'v': return Type::second;
    case 'm': return Type::month;
    case 'z': return Type::datetime;
    case 'g': return Type::guid;
    case '*': return Type::string;
  }
  return std::nullopt;
}

constexpr const char* kSupported =
    "supported: b x h i j e f c s p n d t u v m z g and * or () for strings, or `boolean `byte `short `int "
    "`long `real `float `char `symbol `timestamp `timespan `date `time `minute `second `month `datetime `guid";

struct Token {
  enum Kind { name, sym, string, punct, end } kind;
  std::string_view text;  // name, sym (without the backtick), string (without quotes), punct
  int line;
  bool joined;  // no white space before it
};

std::string describe(const Token& t) {
  switch (t.kind) {
    case Token::name: return str("'", t.text, "'");
    case Token::sym: return str("'`", t.text, "'");
    case Token::string: return str("'\"", t.text, "\"'");
    case Token::punct: return str("'", t.text, "'");
    case Token::end: return "the end of the definition";
  }
  return "?";
}

// One statement's tokens and the parse of it.
class Statement {
 public:
  Statement(std::vector<Token> toks, const std::string& origin) : t_(std::move(toks)), origin_(origin) {}

  [[noreturn]] void expected(std::string_view what) const {
    const Token& at = peek();
    fail(origin_, ":", at.line, ": expected ", what, ", found ", describe(at));
  }
  const Token& peek(size_t ahead = 0) const {
    size_t i = std::min(i_ + ahead, t_.size() - 1);
    return t_[i];
  }
  const Token& next() {
    const Token& t = peek();
    if (i_ < t_.size() - 1) i_++;
    return t;
  }
  bool is(Token::Kind k, std::string_view text = {}, size_t ahead = 0) const {
    const Token& t = peek(ahead);
    return t.kind == k && (text.empty() || t.text == text);
  }
  bool accept(Token::Kind k, std::string_view text) {
    if (!is(k, text)) return false;
    next();
    return true;
  }
  void expect(std::string_view punct, std::string_view what) {
    if (!accept(Token::punct, punct)) expected(what);
  }
  int line() const { return peek().line; }

  // An empty typed list: [attributes] [`type$ | "c"$] () ; "" when general.
  Type empty_list(const std::string& col) {
    // Attributes: `g# `s# `p# `u# (kept by q, not needed by a tick stream).
    while (is(Token::sym) && is(Token::punct, "#", 1) && peek().text.size() == 1 &&
           std::string_view("gspu").find(peek().text[0]) != std::string_view::npos) {
      next();
      next();
    }
    std::optional<Type> ty;
    if (is(Token::sym) || is(Token::string)) {
      const Token& cast = next();
      std::string_view tn = cast.text;
      if (cast.kind == Token::sym) {
        ty = tn.empty() ? std::optional<Type>(Type::symbol)
             : tn.size() == 1 ? q_char_type(tn[0])
             : tn == "string" ? std::nullopt
                              : type_from_name(tn);
      } else if (tn.size() == 1) {
        ty = q_char_type(tn[0]);
      } else {
        fail(origin_, ":", cast.line, ": column ", col, ": cast \"", tn, "\" names more than one type");
      }
      if (!ty) {
        fail(origin_, ":", cast.line, ": column ", col, ": unknown type '", tn, "' (", kSupported, ")");
      }
      expect("$", str("$ after the type of column ", col));
    }
    expect("(", str("an empty list () for column ", col));
    expect(")", str(") closing the empty list of column ", col));
    return ty ? *ty : Type::string;  // () : a general list, in practice strings
  }

  // ([] c:list; ...) after "name:".
  void plain(Table& t) {
    expect("(", "([] or flip after the table name");
    expect("[", "([] after the table name");
    if (!is(Token::punct, "]")) fail(origin_, ":", line(), ": table ", t.name, " is keyed; a tick table is unkeyed ([] ...)");
    next();
    while (!is(Token::punct, ")")) {
      if (!is(Token::name)) expected("a column name");
      std::string col(next().text);
      expect(":", str(": after column ", col));
      t.columns.push_back({col, empty_list(col)});
      if (!accept(Token::punct, ";") && !is(Token::punct, ")")) expected("; or ) after a column");
    }
    next();
  }

  // flip `a`b`c!"PSF"$\:()  or  flip `a`b`c!(`timestamp$();`symbol$();())
  void flip(Table& t) {
    std::vector<std::string> names;
    int at = line();
    while (is(Token::sym) && (names.empty() || peek().joined)) names.emplace_back(next().text);
    if (names.empty()) expected("the column names as a symbol list (`time`sym`price)");
    expect("!", "! between the column names and their types");
    std::vector<Type> types;
    if (is(Token::string)) {
      const Token& chars = next();
      if (!(accept(Token::punct, "$") && accept(Token::punct, "\\") && accept(Token::punct, ":") &&
            accept(Token::punct, "(") && accept(Token::punct, ")")))
        expected("$\\:() after the type characters");
      for (char c : chars.text) {
        auto ty = q_char_type(c);
        if (!ty) {
          std::string col = types.size() < names.size() ? names[types.size()] : "?";
          fail(origin_, ":", chars.line, ": column ", col, ": unknown type character '", c, "' (", kSupported,
               ")");
        }
        types.push_back(*ty);
      }
    } else {
      expect("(", "type characters (\"PSFJ\"$\\:()) or a list of empty lists");
      while (!is(Token::punct, ")")) {
        std::string col = types.size() < names.size() ? names[types.size()] : str("#", types.size() + 1);
        types.push_back(empty_list(col));
        if (!accept(Token::punct, ";") && !is(Token::punct, ")")) expected("; or ) after an empty list");
      }
      next();
    }
    if (types.size() != names.size())
      fail(origin_, ":", at, ": table ", t.name, ": ", names.size(), " column names but ", types.size(), " types");
    for (size_t i = 0; i < names.size(); i++) t.columns.push_back({names[i], types[i]});
  }

  // update `g#sym from `trade : attributes only; checked against the tables.
  std::string update(const Schema& s) {
    std::vector<std::string> cols = update_prefix();
    if (!is(Token::sym) && !is(Token::name)) expected("the table the attribute is set on");
    const Token& tt = next();
    const Table* t = s.find(tt.text);
    if (!t) fail(origin_, ":", tt.line, ": update of table '", tt.text, "', which is not defined above");
    for (const auto& c : cols)
      if (t->find(c) < 0) fail(origin_, ":", tt.line, ": update of column '", c, "', which table ", t->name, " lacks");
    return str("update of attributes on ", t->name);
  }

  // The attributes of name:update `g#sym from flip ... (or from ([] ...)):
  // set by q, not needed by a tick stream; the columns are checked once the
  // table is read.
  std::vector<std::string> update_prefix() {
    std::vector<std::string> cols;
    if (!is(Token::name, "update")) return cols;
    next();
    do {
      if (!(is(Token::sym) && is(Token::punct, "#", 1))) expected("an attribute like `g#sym after update");
      next();
      next();
      if (!is(Token::name)) expected("a column name after the attribute");
      cols.emplace_back(next().text);
    } while (accept(Token::punct, ","));
    if (!accept(Token::name, "from")) expected("from");
    return cols;
  }

  bool at_end() const { return is(Token::end); }
  bool table_def() const { return is(Token::name) && is(Token::punct, ":", 1); }

 private:
  std::vector<Token> t_;
  size_t i_ = 0;
  const std::string& origin_;
};

bool name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '.'; }
bool name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.'; }

// Splits text into statements of tokens; lines the loader skips go to notes.
class Lexer {
 public:
  Lexer(std::string_view text, const std::string& origin) : text_(text), origin_(origin) {}

  // Calls f(Statement&) for each statement; the lines skipped go to notes.
  template <class F>
  void run(F f, std::vector<std::string>& skipped) {
    std::vector<Token> toks;
    int depth = 0;
    auto flush = [&] {
      if (toks.empty()) return;
      int line = toks.back().line;
      toks.push_back({Token::end, {}, line, false});
      Statement st(std::move(toks), origin_);
      f(st);
      toks.clear();
    };
    bool in_block = false;
    int n = 0;
    for (std::string_view rest = text_; !rest.empty();) {
      size_t e = rest.find('\n');
      std::string_view line = rest.substr(0, e);
      rest = e == std::string_view::npos ? std::string_view{} : rest.substr(e + 1);
      n++;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (n == 1 && line.substr(0, 3) == "\xEF\xBB\xBF") line.remove_prefix(3);
      std::string_view trimmed = line;
      while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.back()))) trimmed.remove_suffix(1);
      if (in_block) {
        if (trimmed == "\\") in_block = false;
        continue;
      }
      if (trimmed == "/") {  // a block comment, to a line of "\"
        in_block = true;
        continue;
      }
      if (trimmed == "\\") break;  // the end of the script: q reads no further
      if (line.empty() || line[0] == '/') continue;
      bool continues = std::isspace(static_cast<unsigned char>(line[0]));
      if (!continues && depth == 0) flush();
      if (line[0] == '\\' && depth == 0) {  // \d .u, \l file: a system command
        skipped.push_back(str("line ", n, " (", trimmed, ")"));
        continue;
      }
      lex_line(line, n, toks, depth, [&] {
        if (depth == 0) flush();
      });
    }
    if (depth > 0) fail(origin_, ":", toks.empty() ? n : toks.front().line, ": a parenthesis is never closed");
    flush();
  }

 private:
  template <class Split>
  void lex_line(std::string_view line, int n, std::vector<Token>& toks, int& depth, Split split) {
    size_t i = 0;
    bool space = true;
    while (i < line.size()) {
      char c = line[i];
      if (std::isspace(static_cast<unsigned char>(c))) {
        i++;
        space = true;
        continue;
      }
      if (c == '/' && space) return;  // a comment to the end of the line
      size_t start = i;
      Token::Kind kind;
      std::string_view text;
      if (c == '`') {
        i++;
        while (i < line.size() && (name_char(line[i]) || line[i] == ':' || line[i] == '/')) i++;
        kind = Token::sym;
        text = line.substr(start + 1, i - start - 1);
      } else if (c == '"') {
        i++;
        while (i < line.size() && line[i] != '"') i += line[i] == '\\' ? 2 : 1;
        if (i >= line.size()) fail(origin_, ":", n, ": a string is never closed");
        kind = Token::string;
        text = line.substr(start + 1, i - start - 1);
        i++;
      } else if (name_start(c)) {
        while (i < line.size() && name_char(line[i])) i++;
        kind = Token::name;
        text = line.substr(start, i - start);
      } else {
        i++;
        kind = Token::punct;
        text = line.substr(start, 1);
        if (c == '(' || c == '[') depth++;
        if (c == ')' || c == ']') {
          if (--depth < 0) fail(origin_, ":", n, ": '", c, "' closes nothing");
        }
        if (c == ';' && depth == 0) {
          split();
          space = true;
          continue;
        }
      }
      toks.push_back({kind, text, n, !space});
      space = false;
    }
  }

  std::string_view text_;
  const std::string& origin_;
};

}  // namespace

Schema parse_symq(std::string_view text, const std::string& origin) {
  Schema s;
  Lexer(text, origin).run([&](Statement& st) {
    if (st.is(Token::name, "update")) {
      int line = st.line();
      std::string what = st.update(s);
      if (!st.at_end()) st.expected("the end of the update");
      s.notes.push_back(str("line ", line, " (", what, ")"));
      return;
    }
    if (!st.table_def())
      st.expected("a table definition (name:([] col:`type$(); ...) or name:flip `a`b!\"PS\"$\\:())");
    int line = st.line();
    Table t;
    t.name = std::string(st.next().text);
    st.next();  // ':'
    std::vector<std::string> attributed = st.update_prefix();
    if (st.accept(Token::name, "flip")) st.flip(t);
    else st.plain(t);
    if (!st.at_end()) st.expected(str("the end of the definition of ", t.name));
    for (const auto& c : attributed)
      if (t.find(c) < 0) fail(origin, ":", line, ": update of column '", c, "', which table ", t.name, " lacks");
    if (std::string e = s.add(std::move(t)); !e.empty()) fail(origin, ":", line, ": ", e);
  }, s.notes);
  if (s.tables.empty()) fail(origin, ": no tables defined");
  return s;
}

}  // namespace tick
