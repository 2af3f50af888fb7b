// The documents' references to each other and to the engine's limits stay true: a reference
// `NAME.md "Heading"` names a heading NAME.md has, `ENGINE.md choice N` a numbered choice it
// has, and every `kAdlQueueTopK` = N in the documents is the constant in engine/events.h.
//
// Goal and method: docs/QUERIES.md once sent readers to docs/ENGINE.md for the top-20 ADL queue
// limit, which ENGINE.md did not describe. This test reads README.md and docs/*.md as shipped
// (line breaks inside a reference count as spaces) and checks each reference against the file it
// names.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "engine/events.h"

namespace e2e {
namespace {

namespace fs = std::filesystem;

const fs::path kSource = BACKSTOP_SOURCE_DIR;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// README.md and every docs/*.md, as (path relative to the source, text with line breaks and
// runs of spaces as one space).
std::vector<std::pair<std::string, std::string>> Documents() {
  std::vector<fs::path> paths = {kSource / "README.md"};
  for (const auto& entry : fs::directory_iterator(kSource / "docs")) {
    if (entry.path().extension() == ".md") paths.push_back(entry.path());
  }
  std::vector<std::pair<std::string, std::string>> documents;
  for (const fs::path& path : paths) {
    documents.emplace_back(fs::relative(path, kSource).string(),
                           std::regex_replace(ReadFile(path), std::regex("\\s+"), " "));
  }
  return documents;
}

// The file a reference names: "docs/ENGINE.md" or "ENGINE.md" is docs/ENGINE.md (README.md at
// the top).
fs::path Target(const std::string& name) {
  const std::string file = fs::path(name).filename().string();
  return file == "README.md" ? kSource / file : kSource / "docs" / file;
}

TEST(DocsReferenceTest, QuotedHeadingsExistInTheFileTheyName) {
  const std::regex reference("([A-Za-z_/]+\\.md) \"([^\"]{3,120})\"");
  int checked = 0;
  for (const auto& [path, text] : Documents()) {
    for (std::sregex_iterator it(text.begin(), text.end(), reference), end; it != end; ++it) {
      const fs::path target = Target((*it)[1]);
      ASSERT_TRUE(fs::exists(target)) << path << " names " << (*it)[1];
      const std::string heading = (*it)[2];
      const std::string lines = ReadFile(target);
      const std::string line = std::string("## ").append(heading);
      EXPECT_TRUE(lines.find(line + "\n") != std::string::npos ||
                  lines.find(line + " ") != std::string::npos)
          << path << " refers to " << (*it)[1] << " \"" << heading
          << "\", which has no such heading";
      ++checked;
    }
  }
  EXPECT_GE(checked, 1);  // At least QUERIES.md's reference to ENGINE.md's ADL queue.
}

TEST(DocsReferenceTest, NumberedEngineChoicesExist) {
  const std::string engine = ReadFile(kSource / "docs" / "ENGINE.md");
  const std::regex reference("ENGINE\\.md choice ([0-9]+)");
  int checked = 0;
  for (const auto& [path, text] : Documents()) {
    for (std::sregex_iterator it(text.begin(), text.end(), reference), end; it != end; ++it) {
      std::string choice = "\n";
      choice.append((*it)[1].str()).append(". **");
      EXPECT_NE(engine.find(choice), std::string::npos)
          << path << " refers to ENGINE.md choice " << (*it)[1] << ", which does not exist";
      ++checked;
    }
  }
  EXPECT_GE(checked, 1);
}

TEST(DocsReferenceTest, TheAdlQueueLimitIsTheEngines) {
  const std::regex limit("`kAdlQueueTopK` = ([0-9]+)");
  int checked = 0;
  for (const auto& [path, text] : Documents()) {
    for (std::sregex_iterator it(text.begin(), text.end(), limit), end; it != end; ++it) {
      EXPECT_EQ(std::stoi((*it)[1]), engine::kAdlQueueTopK) << path;
      ++checked;
    }
  }
  EXPECT_GE(checked, 2);  // ENGINE.md defines it, QUERIES.md repeats it.
  const std::string engine = ReadFile(kSource / "docs" / "ENGINE.md");
  std::string heading = "## The ADL queue effect lists the top ";
  heading.append(std::to_string(engine::kAdlQueueTopK)).append("\n");
  EXPECT_NE(engine.find(heading), std::string::npos);
}

}  // namespace
}  // namespace e2e
