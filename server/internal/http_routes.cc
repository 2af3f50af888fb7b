// What the HTTP side answers (see http_server.h); the transport is in http_server.cc.
//
// Tiles follow C2SP tlog-tiles: a hash tile of level L holds the hashes of tree level 8L,
// nodes 256N .. 256N+W-1; an entry bundle holds the leaves' data, here each record's 32-byte
// hash (the tree's leaf is SHA-256(0x00 || record hash), docs/formats/checkpoint.md).

#include <fmt/format.h>

#include <charconv>
#include <map>

#include "ledger/checkpoint.h"
#include "server/internal/http_server.h"

namespace server::internal {

using base::Status;

namespace {

constexpr uint32_t kTileWidth = 256;
constexpr int kTileHeight = 8;

bool ParseDecimal(std::string_view text, uint64_t* value) {
  if (text.empty() || text.size() > 19) return false;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), *value);
  return error == std::errc() && end == text.data() + text.size();
}

// N as 3-digit groups, all but the last prefixed with 'x', no leading zero group.
bool ParseTileIndex(std::string_view* rest, uint64_t* index) {
  *index = 0;
  bool first = true;
  for (int groups = 0; groups < 8; ++groups) {
    const bool more = !rest->empty() && rest->front() == 'x';
    if (more) rest->remove_prefix(1);
    uint64_t group = 0;
    if (rest->size() < 3 || !ParseDecimal(rest->substr(0, 3), &group)) return false;
    if (first && more && group == 0) return false;
    rest->remove_prefix(3);
    *index = *index * 1000 + group;
    first = false;
    if (!more) return true;
    if (rest->empty() || rest->front() != '/') return false;
    rest->remove_prefix(1);
  }
  return false;
}

}  // namespace

bool ParseTilePath(std::string_view path, TilePath* tile) {
  *tile = TilePath();
  if (path.rfind("entries/", 0) == 0) {
    tile->entries = true;
    path.remove_prefix(8);
  } else {
    const size_t slash = path.find('/');
    uint64_t level = 0;
    if (slash == std::string_view::npos || !ParseDecimal(path.substr(0, slash), &level)) {
      return false;
    }
    if (level >= 8 || (slash > 1 && path[0] == '0')) return false;
    tile->level = static_cast<int>(level);
    path.remove_prefix(slash + 1);
  }
  if (!ParseTileIndex(&path, &tile->index)) return false;
  if (path.empty()) return true;
  uint64_t width = 0;
  if (path.rfind(".p/", 0) != 0 || !ParseDecimal(path.substr(3), &width)) return false;
  if (width == 0 || width >= kTileWidth || path[3] == '0') return false;
  tile->width = static_cast<uint32_t>(width);
  return true;
}

base::Result<std::string> ReadTile(const ledger::EventLog& log, const TilePath& tile) {
  if (tile.index > (uint64_t{1} << 48)) return Status::NotFound("tile", "beyond the tree");
  const uint64_t first = tile.index * kTileWidth;
  std::string body;
  for (uint64_t i = first; i < first + tile.width; ++i) {
    if (tile.entries) {
      if (i + 1 > log.head_seq().value()) return Status::NotFound("tile", "beyond the tree");
      BACKSTOP_ASSIGN_OR_RETURN(ledger::LogRecord record, log.Read(ledger::SequenceNumber{i + 1}));
      body.push_back('\0');
      body.push_back(static_cast<char>(record.hash().size()));
      body.append(reinterpret_cast<const char*>(record.hash().data()), record.hash().size());
    } else {
      BACKSTOP_ASSIGN_OR_RETURN(ledger::Hash hash, log.TreeNodeHash(tile.level * kTileHeight, i));
      body.append(reinterpret_cast<const char*>(hash.data()), hash.size());
    }
  }
  return body;
}

namespace {

HttpReply Text(int status, std::string body) {
  return HttpReply{status, "text/plain; charset=utf-8", std::move(body)};
}

HttpReply FromStatus(const Status& status) {
  const int code = status.code() == Status::Code::kNotFound          ? 404
                   : status.code() == Status::Code::kInvalidArgument ? 400
                                                                     : 500;
  return Text(code, status.ToString() + "\n");
}

std::map<std::string, std::string> Query(std::string_view query) {
  std::map<std::string, std::string> out;
  while (!query.empty() && out.size() < 8) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const size_t equals = pair.find('=');
    if (equals != std::string_view::npos) {
      out[std::string(pair.substr(0, equals))] = std::string(pair.substr(equals + 1));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return out;
}

// The tree size `text` names, or the newest checkpoint's when empty.
base::Result<uint64_t> CheckpointSize(const ledger::EventLog& log, const std::string& text) {
  uint64_t size = 0;
  if (!text.empty()) {
    if (!ParseDecimal(text, &size)) return Status::InvalidArgument("proof", "bad size " + text);
    return size;
  }
  BACKSTOP_ASSIGN_OR_RETURN(auto sizes, log.CheckpointSizes(1, 0));
  if (sizes.empty()) return Status::NotFound("proof", "the log has no checkpoint yet");
  return sizes.back();
}

HttpReply InclusionProof(const ledger::EventLog& log, const std::map<std::string, std::string>& q) {
  uint64_t seq = 0;
  auto it = q.find("seq");
  if (it == q.end() || !ParseDecimal(it->second, &seq) || seq == 0) {
    return Text(400, "usage: /proof/inclusion?seq=SEQ[&size=TREE_SIZE]\n");
  }
  auto size = CheckpointSize(log, q.count("size") != 0 ? q.at("size") : "");
  if (!size.ok()) return FromStatus(size.status());
  if (seq > *size) return Text(404, "the seq is beyond that tree size\n");
  auto note = log.ReadCheckpoint(*size);
  if (!note.ok()) return FromStatus(note.status());
  auto record = log.Read(ledger::SequenceNumber{seq});
  if (!record.ok()) return FromStatus(record.status());
  auto proof = log.InclusionProof(ledger::SequenceNumber{seq}, *size);
  if (!proof.ok()) return FromStatus(proof.status());
  ledger::InclusionProofFile file;
  const auto bytes = record->record_bytes();
  file.extra.assign(bytes.begin(), bytes.end());
  file.index = seq - 1;
  file.proof = *proof;
  file.checkpoint = *note;
  return Text(200, ledger::FormatInclusionProofFile(file));
}

HttpReply ConsistencyProof(const ledger::EventLog& log,
                           const std::map<std::string, std::string>& q) {
  uint64_t old_size = 0;
  auto it = q.find("old");
  if (it == q.end() || !ParseDecimal(it->second, &old_size) || old_size == 0) {
    return Text(400, "usage: /proof/consistency?old=TREE_SIZE[&new=TREE_SIZE]\n");
  }
  auto new_size = CheckpointSize(log, q.count("new") != 0 ? q.at("new") : "");
  if (!new_size.ok()) return FromStatus(new_size.status());
  auto proof = log.ConsistencyProof(old_size, *new_size);
  if (!proof.ok()) return FromStatus(proof.status());
  return Text(200, ledger::FormatConsistencyProofFile({old_size, *new_size, *proof}));
}

}  // namespace

HttpReply Route(const HttpSources& sources, std::string_view method, std::string_view target) {
  if (method != "GET" && method != "HEAD") return Text(405, "only GET and HEAD\n");
  const size_t question = target.find('?');
  const std::string_view path = target.substr(0, question);
  const auto query = Query(question == std::string_view::npos ? "" : target.substr(question + 1));
  const ledger::EventLog& log = *sources.log;
  if (path == "/checkpoint") {
    auto note = log.LatestCheckpoint();
    return note.ok() ? Text(200, *note) : FromStatus(note.status());
  }
  if (path.rfind("/tile/", 0) == 0) {
    TilePath tile;
    if (!ParseTilePath(path.substr(6), &tile)) return Text(400, "not a tlog-tiles path\n");
    auto body = ReadTile(log, tile);
    if (!body.ok()) return FromStatus(body.status());
    return HttpReply{200, "application/octet-stream", std::move(*body)};
  }
  if (path == "/proof/inclusion") return InclusionProof(log, query);
  if (path == "/proof/consistency") return ConsistencyProof(log, query);
  if (path == "/healthz") {
    const std::string problem = sources.health ? sources.health() : "";
    return problem.empty() ? Text(200, "ok\n") : Text(503, problem + "\n");
  }
  if (path == "/metrics") {
    return HttpReply{200, "text/plain; version=0.0.4; charset=utf-8",
                     sources.metrics->Render(log.head_seq().value(), log.signer_queue_depth())};
  }
  return Text(404, "not found\n");
}

}  // namespace server::internal
