# A backstop archive: one file holding a log (or a prefix of it) with everything needed to verify
# and audit it. The file is a standard Cap'n Proto message stream (each message: a segment table,
# then its segments), one ArchiveEntry per message, in this order:
#
#   header, then every record in seq order, each followed by the commit mark and the signed
#   checkpoint that end at it (if any), then the snapshots, then the trailer.
#
# Decode it with stock tools: capnp decode backup/schema/archive.capnp ArchiveEntry < FILE
# (a record's bytes then decode with: capnp decode --flat ledger/schema/event.capnp Record).
# docs/formats/archive.md specifies it in full.
#
# Rules: ordinals are append-only, never renumbered or reused.

@0xf313dafee8c11b99;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("backup::schema");

struct ArchiveHeader {
  magic @0 :Text;           # "backstop-archive"
  version @1 :UInt32;       # 1: this layout.
  chainId @2 :Data;         # 16 bytes: the log's chain id (in every record's hash).
  formatVersion @3 :UInt32; # The log's format version: 1 or 2.
  signingMode @4 :UInt8;    # Format 2: 1 checkpoint (records unsigned), 0 every.
  firstSeq @5 :UInt64;      # 1: archives hold a log from its start.
  lastSeq @6 :UInt64;       # The last record's seq; it ends a group commit.
  publicKeys @7 :List(Text); # The data directory's keyring: Ed25519 public keys, PEM.
  source @8 :Text;          # Where it was made from (informative only).
}

struct ArchiveCheckpoint {
  treeSize @0 :UInt64;  # = the seq of the record it follows.
  note @1 :Text;        # The signed note (C2SP tlog-checkpoint), verbatim.
}

struct ArchiveSnapshot {
  name @0 :Text;   # The file name in DATA/snapshots (snapshot-<seq, 20 digits>.bin).
  bytes @1 :Data;  # The file, verbatim (docs/formats/snapshot.md).
}

struct ArchiveTrailer {
  records @0 :UInt64;
  checkpoints @1 :UInt64;
  snapshots @2 :UInt64;
  sha256 @3 :Data;  # SHA-256 of every byte of the file before this message.
}

struct ArchiveEntry {
  union {
    header @0 :ArchiveHeader;
    record @1 :Data;                 # The stored value, byte for byte: a canonical Record.
    commit @2 :UInt64;               # A synced batch (group commit) ended at this seq.
    checkpoint @3 :ArchiveCheckpoint;
    snapshot @4 :ArchiveSnapshot;
    trailer @5 :ArchiveTrailer;
  }
}
