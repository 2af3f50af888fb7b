# The wire protocol of `backstop serve` (docs/PROTOCOL.md): what clients send and what the server
# answers, over TLS 1.3 with client certificates. Each message travels as one frame: a 4-byte
# little-endian length, then that many bytes of a Cap'n Proto message in the standard framed
# encoding (segment table first; `capnp decode protocol.capnp Request` reads one).
#
# Rules as for the event schema (STYLE.md P1): ordinals are append-only, nothing is renumbered
# or deleted, no floating point. Commands carry the input event in the log's own schema, so the
# server logs exactly the event the client sent.

@0xfa94ce1bc55e3596;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("server::protocol");

using Ledger = import "/ledger/schema/event.capnp";

struct Request {
  # One frame from a client.
  id @0 :UInt64;
  # Chosen by the client; echoed in the Answer to this request. Answers to one connection's
  # commands arrive in the order the commands were sent.
  union {
    command @1 :Command;
    # An input for the sequencer (traders and operators).
    snapshot @2 :Void;
    # Write a signed engine snapshot at the head (operators).
    checkpoint @3 :Void;
    # The newest signed checkpoint note (every role).
    stream @4 :UInt64;
    # Stream the log from this seq on, and keep streaming as it grows (auditors, operators):
    # answered by `records` frames until the connection closes.
    backup @5 :BackupRequest;
    # Back up the live log into the server's --backup-dir (operators): answered `backup` once
    # the backup is complete.
  }
}

struct BackupRequest {
  keep @0 :UInt32;
  # Keep only the newest `keep` backups after this one; 0: the server's --backup-keep (whose
  # own default, 0, keeps every backup). There is no path: the server writes only into the
  # folder its operator gave it at start.
}

struct Command {
  clientId @0 :Text;
  # The client's name for itself (at most 64 bytes); with clientSeq it names this command.
  clientSeq @1 :UInt64;
  # The client's number for this command, > 0.
  input @2 :Ledger.Event;
  # One input event (an effect, or a keyRotation, is refused).
}

enum Reason {
  # Why a request was refused without reaching the engine.
  malformed @0;
  # The frame or message could not be read, or broke a limit (the connection is closed).
  unknownClient @1;
  # The certificate is not in the roles file (the connection is closed).
  wrongRole @2;
  # The client's role may not send this request.
  notYourAccount @3;
  # A trader named an account the roles file does not give it.
  busy @4;
  # A queue is full (the sequencer's, or this connection's in-flight limit); try again later.
  unavailable @5;
  # The server cannot append (its log failed, or it is shutting down).
  badCommand @6;
  # The command is well-formed Cap'n Proto but not a valid input (an effect, a key rotation, a
  # clientId over 64 bytes, clientSeq 0).
  clientSeqReused @7;
  # The log already holds a different command under this clientId and clientSeq.
  notEnabled @8;
  # The server was started without what this request needs (a backup: --backup-dir).
  failed @9;
  # The request was carried out and failed (a backup's storage error); the detail says why.
  # The log and the sequencer are unaffected.
}

struct Group {
  # What the log holds for an accepted or rejected command.
  firstSeq @0 :UInt64;
  # Seq of the input record.
  lastSeq @1 :UInt64;
  # Seq of its last effect (firstSeq when there is none).
  records @2 :List(Data);
  # The stored records firstSeq..lastSeq, each the canonical bytes of a ledger Record, exactly
  # as the log holds them (`capnp decode --flat event.capnp Record`).
}

struct Refusal {
  reason @0 :Reason;
  detail @1 :Text;
  # For people: what exactly was wrong.
}

struct Answer {
  # One frame from the server, sent only after the group it reports is durable.
  id @0 :UInt64;
  # The id of the Request answered (0 for a refusal of a frame that could not be read).
  union {
    accepted @1 :Group;
    # The engine applied the command; the group is synced.
    rejected @2 :Rejected;
    # The engine refused the command; the refusal (an orderRejected or inputRejected effect) is
    # logged and synced like any other group.
    refused @3 :Refusal;
    # The server refused the request; nothing reached the engine or the log.
    snapshot @4 :UInt64;
    # The seq of the snapshot written.
    checkpoint @5 :Text;
    # The newest signed checkpoint note (C2SP tlog-checkpoint), empty for an empty log.
    records @6 :Records;
    # The next records of a stream.
    backup @7 :BackupDone;
    # The backup just completed.
  }
}

struct BackupDone {
  # A backup of the live log, complete (as `backstop backup create` reports it).
  id @0 :UInt32;
  # Its id in the backup directory (`backup verify --id`, `restore --id`).
  headSeq @1 :UInt64;
  # The backed-up log's head: the log as of one instant during the backup.
  headHash @2 :Data;
  # The record hash at headSeq (32 bytes).
  timeS @3 :Int64;
  # When RocksDB took it (Unix seconds).
  sizeBytes @4 :UInt64;
  # Its RocksDB files (shared ones counted in full) plus the snapshots, keyring and checkpoint.
  addedBytes @5 :UInt64;
  # How much the backup directory grew (new files only).
  rocksFiles @6 :UInt32;
  snapshots @7 :UInt32;
  # Snapshot files it holds.
  chainId @8 :Data;
  source @9 :Text;
  # The data directory backed up, as the server names it.
  backupDir @10 :Text;
  # The server's --backup-dir, as the server names it.
  deleted @11 :List(UInt32);
  # Backups removed by `keep`.
  keep @12 :UInt32;
  # The `keep` applied (0: every backup kept).
}

struct Records {
  # One frame of a stream: consecutive stored records, and the checkpoint they end at.
  firstSeq @0 :UInt64;
  # Seq of the first record.
  records @1 :List(Data);
  # Stored Record bytes, firstSeq, firstSeq + 1, ... (at most 256).
  checkpoint @2 :Text;
  # The signed checkpoint of the tree that ends with the last record, when a group commit
  # ended there (the server ends frames at commit ends when it can); empty otherwise.
  frontier @3 :List(Data);
  # First frame of a stream from seq > 1 only: the hashes of the complete subtrees of the tree
  # of firstSeq - 1 records, largest first, so that the client can continue the tree (they are
  # authenticated by the first checkpoint's root).
}

struct Rejected {
  group @0 :Group;
  reasonCode @1 :UInt16;
  # The engine's reason (docs/ENGINE.md), as in the logged rejection.
}
