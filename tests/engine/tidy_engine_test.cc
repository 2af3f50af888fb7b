// Tidy rules for engine/ (STYLE.md X1 and the engine brief): no floating point, clock,
// randomness, threads, file I/O, throw or plain assert; lines <= 100 columns; a header comment.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

std::vector<std::filesystem::path> EngineSources() {
  std::vector<std::filesystem::path> files;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(BACKSTOP_ENGINE_SOURCE_DIR)) {
    const std::string extension = entry.path().extension().string();
    if (extension == ".h" || extension == ".cc") files.push_back(entry.path());
  }
  return files;
}

TEST(EngineTidyTest, SourcesAvoidBannedConstructs) {
  const std::vector<std::string> banned = {"double",
                                           "float",
                                           "system_clock",
                                           "steady_clock",
                                           "rand(",
                                           "random_device",
                                           "mt19937",
                                           "std::thread",
                                           "fopen",
                                           "ifstream",
                                           "ofstream",
                                           "throw",
                                           " assert(",
                                           "TO"
                                           "DO(now)",
                                           "FIX"
                                           "ME"};
  const std::vector<std::filesystem::path> files = EngineSources();
  ASSERT_GE(files.size(), 10u);
  for (const auto& path : files) {
    std::ifstream in(path);
    std::string line;
    int number = 0;
    bool first = true;
    while (std::getline(in, line)) {
      ++number;
      if (first) {
        EXPECT_EQ(line.rfind("//", 0), 0u) << path << " must start with a comment";
        first = false;
      }
      EXPECT_LE(line.size(), 100u) << path << ":" << number;
      for (const std::string& word : banned) {
        EXPECT_EQ(line.find(word), std::string::npos) << path << ":" << number << ": " << word;
      }
    }
  }
}

}  // namespace
