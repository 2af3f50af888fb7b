# A backstop archive: one file holding a log (a prefix, or a range) with everything needed to verify
# and audit it. The file is a standard Cap'n Proto message stream (each message: a segment table,
# then its segments), one ArchiveEntry per message, in this order:
#
#   header, then (version 2: an archive of a range, firstSeq > 1) the anchor, then every record
#   in seq order, each followed by the commit mark and the signed checkpoint that end at it (if
#   any), then the snapshots, then the trailer.
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
  version @1 :UInt32;       # 1: from seq 1, no anchor; 2: from firstSeq > 1, with an anchor.
  chainId @2 :Data;         # 16 bytes: the log's chain id (in every record's hash).
  formatVersion @3 :UInt32; # The log's format version: 1 or 2.
  signingMode @4 :UInt8;    # Format 2: 1 checkpoint (records unsigned), 0 every.
  firstSeq @5 :UInt64;      # Version 1: 1. Version 2: the seq after the anchor's (> 1).
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

struct ArchiveAnchor {
  # Version 2: where a range starts. The record before firstSeq and what the tree was there;
  # both are vouched for by the records after them (their chain) and the signed checkpoints.
  record @0 :Data;        # The stored value of record firstSeq - 1, byte for byte.
  proof @1 :List(Data);   # Format 2: the RFC 6962 inclusion proof of that record's leaf in the
                          # tree of the first firstSeq - 1 records (the tree's frontier there
                          # follows from it); empty in format 1.
}

struct ArchiveTrailer {
  records @0 :UInt64;  # Record entries (lastSeq - firstSeq + 1; the anchor is not counted).
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
    anchor @6 :ArchiveAnchor;        # Version 2 only: right after the header.
  }
}
