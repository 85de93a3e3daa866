// How results reach the user: one JSON document with --json, otherwise
// aligned tables and "key  value" blocks. Every human cell passes through
// ForTerminal(), because titles, names and tags come from other members.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace praxis::cli {

// Keeps keys in the order the contract lists them, which reads better than
// alphabetical.
using Json = nlohmann::ordered_json;

// Writes `doc` and a newline. Invalid UTF-8 is replaced, never thrown on.
void PrintJson(std::ostream& out, const Json& doc);

// Column-aligned text table with a header row. Columns are separated by two
// spaces; the last column is not padded, so lines carry no trailing blanks.
class Table {
 public:
  explicit Table(std::vector<std::string> headers);

  // REQUIRES: cells.size() == number of headers.
  void AddRow(std::vector<std::string> cells);
  // Numbers and sizes read better right-aligned.
  void AlignRight(std::size_t column);
  bool empty() const { return rows_.empty(); }
  void Print(std::ostream& out) const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
  std::vector<bool> right_;
};

// Prints "key   value" lines with the values aligned.
void PrintFields(std::ostream& out, const std::vector<std::pair<std::string, std::string>>& fields);

}  // namespace praxis::cli
