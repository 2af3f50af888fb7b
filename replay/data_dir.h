// Where things live inside a backstop data directory. Value type.
#pragma once

#include <string>

namespace replay {

struct DataDir {
  std::string root;       // The directory given by --data.
  std::string log;        // root/log: the RocksDB event log.
  std::string keyring;    // root/keyring: trusted public keys (*.pem).
  std::string snapshots;  // root/snapshots: signed engine snapshots.

  static DataDir At(const std::string& root) {
    return {root, root + "/log", root + "/keyring", root + "/snapshots"};
  }
};

}  // namespace replay
