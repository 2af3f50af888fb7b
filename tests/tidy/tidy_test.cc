// Tidy checks over our own sources, in the spirit of TigerBeetle's tidy.zig (STYLE.md X1).
//
// Goal and method: each test walks the module folders, strips comments and string literals from
// every C++ line, and fails with file:line for each line that breaks one rule. Generated code
// lives in the build tree and is never scanned; this file is skipped because it names the
// banned words itself.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <regex>
#include <set>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

constexpr size_t kMaxColumns = 100;
constexpr int kMaxFunctionLines = 70;

// Files allowed to catch or throw third-party exceptions (one adapter per dependency).
const std::set<std::string> kExceptionAdapters = {};

// Functions allowed past kMaxFunctionLines, as "path:first line text" prefixes. Keep it short.
const std::set<std::string> kLongFunctionAllowList = {};

struct SourceLine {
  std::string path;  // Relative to the source root.
  int number;        // 1-based.
  std::string text;  // Raw text.
  std::string code;  // Text with comments and string/char literals blanked.
};

// Blanks // and /* */ comments and the contents of string and character literals, carrying
// block-comment state across lines. Raw strings are rare in our code and treated as strings.
std::string StripCommentsAndLiterals(const std::string& line, bool* in_block_comment) {
  std::string out;
  out.reserve(line.size());
  for (size_t i = 0; i < line.size(); ++i) {
    if (*in_block_comment) {
      if (line.compare(i, 2, "*/") == 0) {
        *in_block_comment = false;
        ++i;
      }
      out.push_back(' ');
      continue;
    }
    if (line.compare(i, 2, "//") == 0) break;
    if (line.compare(i, 2, "/*") == 0) {
      *in_block_comment = true;
      ++i;
      out.append("  ");
      continue;
    }
    char c = line[i];
    if (c == '"' || c == '\'') {
      out.push_back(c);
      size_t j = i + 1;
      while (j < line.size() && line[j] != c) {
        if (line[j] == '\\') ++j;
        ++j;
      }
      out.append(j > i + 1 ? j - i - 1 : 0, ' ');
      if (j < line.size()) out.push_back(c);
      i = j;
      continue;
    }
    out.push_back(c);
  }
  return out;
}

bool IsSourceFile(const fs::path& path) {
  const std::string ext = path.extension().string();
  return ext == ".h" || ext == ".cc" || ext == ".cpp" || ext == ".hpp";
}

// Every C++ line under the given top-level folders (relative to the source root).
std::vector<SourceLine> ReadSources(const std::vector<std::string>& folders) {
  const fs::path root(BACKSTOP_SOURCE_DIR);
  std::vector<fs::path> files;
  for (const std::string& folder : folders) {
    if (!fs::exists(root / folder)) continue;
    for (const auto& entry : fs::recursive_directory_iterator(root / folder)) {
      if (!entry.is_regular_file() || !IsSourceFile(entry.path())) continue;
      const std::string relative = fs::relative(entry.path(), root).string();
      if (relative.rfind("tests/tidy/", 0) == 0) continue;
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  std::vector<SourceLine> lines;
  for (const fs::path& file : files) {
    std::ifstream in(file);
    std::string text;
    bool in_block_comment = false;
    int number = 0;
    while (std::getline(in, text)) {
      ++number;
      std::string code = StripCommentsAndLiterals(text, &in_block_comment);
      lines.push_back({fs::relative(file, root).string(), number, text, std::move(code)});
    }
  }
  return lines;
}

// The modules from the bottom up (shared/DESIGN.md's arrows): a module includes only modules
// before it in this list, never one after it.
const std::vector<std::string> kModules = {"base",      "text",   "engine", "ledger",
                                           "snapshots", "replay", "sim",    "query",
                                           "report",    "backup", "server", "cli"};

std::vector<std::string> AllFolders() {
  std::vector<std::string> folders = kModules;
  folders.insert(folders.end(), {"tests", "bench"});
  return folders;
}
const std::vector<std::string> kAllFolders = AllFolders();

// Runs `rule` over the lines of `folders` and fails once per offending line.
void ExpectNoLine(const std::vector<std::string>& folders, const std::string& what,
                  const std::function<bool(const SourceLine&)>& rule) {
  int offending = 0;
  for (const SourceLine& line : ReadSources(folders)) {
    if (!rule(line)) continue;
    ++offending;
    ADD_FAILURE() << line.path << ":" << line.number << ": " << what << ": " << line.text;
  }
  EXPECT_EQ(offending, 0) << what;
}

TEST(TidyTest, SourcesWereFound) {
  // Guards every other test against passing on an empty tree.
  EXPECT_GT(ReadSources({"engine"}).size(), 100u);
  EXPECT_GT(ReadSources({"ledger"}).size(), 100u);
}

TEST(TidyTest, LinesFitInOneHundredColumns) {
  ExpectNoLine(kAllFolders, "line over 100 columns",
               [](const SourceLine& line) { return line.text.size() > kMaxColumns; });
}

TEST(TidyTest, NoFloatingPointInEngineOrLedger) {
  const std::regex pattern(R"(\b(double|float|long double)\b)");
  ExpectNoLine({"base", "engine", "ledger"}, "floating point in money or hashed state",
               [&](const SourceLine& line) { return std::regex_search(line.code, pattern); });
}

TEST(TidyTest, NoClockRandomnessThreadsOrFilesInEngine) {
  const std::regex pattern(
      R"(system_clock|steady_clock|high_resolution_clock|\btime\s*\(|\brand\s*\(|random_device|)"
      R"(mt19937|std::thread|<thread>|fopen|fstream|<chrono>|<random>)");
  ExpectNoLine({"base", "engine"}, "clock, randomness, thread or file in the engine",
               [&](const SourceLine& line) { return std::regex_search(line.code, pattern); });
}

TEST(TidyTest, NoClockOrRandomnessInReplay) {
  const std::regex pattern(R"(system_clock|\brand\s*\(|random_device|mt19937)");
  ExpectNoLine({"replay"}, "clock or randomness in replay",
               [&](const SourceLine& line) { return std::regex_search(line.code, pattern); });
}

TEST(TidyTest, ThrowOnlyInAdapterFiles) {
  const std::regex pattern(R"(\bthrow\b)");
  ExpectNoLine(kAllFolders, "throw outside an adapter file", [&](const SourceLine& line) {
    return kExceptionAdapters.count(line.path) == 0 && std::regex_search(line.code, pattern);
  });
}

TEST(TidyTest, NoPlainAssert) {
  const std::regex pattern(R"((^|[^A-Za-z0-9_])assert\s*\()");
  ExpectNoLine(kAllFolders, "plain assert( (use BACKSTOP_ASSERT)",
               [&](const SourceLine& line) { return std::regex_search(line.code, pattern); });
}

TEST(TidyTest, NoFixmeOrTodoNow) {
  ExpectNoLine(kAllFolders, "FIXME or TODO(now)", [](const SourceLine& line) {
    return line.text.find("FIXME") != std::string::npos ||
           line.text.find("TODO(now)") != std::string::npos;
  });
}

// The folder a path starts with ("ledger/keys.h" -> "ledger").
std::string TopFolder(const std::string& path) { return path.substr(0, path.find('/')); }

TEST(TidyTest, ModuleArrowsPointDown) {
  const std::regex include(R"re(^#include "([a-z_]+)/)re");
  ExpectNoLine(kModules, "include of a module above this one", [&](const SourceLine& line) {
    std::smatch match;
    if (!std::regex_search(line.text, match, include)) return false;
    const auto rank = [](const std::string& module) {
      return std::find(kModules.begin(), kModules.end(), module) - kModules.begin();
    };
    const std::string target = match[1];
    return rank(target) < static_cast<ptrdiff_t>(kModules.size()) &&
           rank(target) > rank(TopFolder(line.path));
  });
}

// A module's internal/ headers are its own: no other module (nor a benchmark) includes them.
// Tests may, being white-box (the fuzz targets drive internal decoders directly).
TEST(TidyTest, InternalHeadersStayInTheirModule) {
  const std::regex include(R"re(^#include "([a-z_]+)/internal/)re");
  std::vector<std::string> folders = kModules;
  folders.push_back("bench");
  ExpectNoLine(
      folders, "include of another module's internal/ header", [&](const SourceLine& line) {
        std::smatch match;
        return std::regex_search(line.text, match, include) && match[1] != TopFolder(line.path);
      });
}

// A function body, as clang-format lays it out in Google style: a line at column 0 that is
// not a type or namespace and ends with '{', closed by a line that is exactly "}".
TEST(TidyTest, FunctionsStayShort) {
  const std::regex opener(R"(^[A-Za-z].*\)\s*(const)?\s*(override)?\s*(noexcept)?\s*\{\s*$)");
  const std::regex not_function(R"(^(namespace|struct|class|enum|union|extern)\b)");
  std::string current_path;
  int start = 0;
  std::string start_text;
  int offending = 0;
  for (const SourceLine& line : ReadSources(kAllFolders)) {
    if (line.path != current_path) {
      current_path = line.path;
      start = 0;
    }
    if (start == 0) {
      if (std::regex_search(line.code, opener) && !std::regex_search(line.code, not_function)) {
        start = line.number;
        start_text = line.text;
      }
      continue;
    }
    if (line.text != "}") continue;
    const int length = line.number - start - 1;
    const std::string key = current_path + ":" + start_text;
    if (length > kMaxFunctionLines && kLongFunctionAllowList.count(key) == 0) {
      ++offending;
      ADD_FAILURE() << current_path << ":" << start << ": function of " << length
                    << " lines (limit " << kMaxFunctionLines << "): " << start_text;
    }
    start = 0;
  }
  EXPECT_EQ(offending, 0);
}

}  // namespace
