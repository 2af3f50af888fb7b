# The signed engine-state snapshot: everything the risk engine holds after applying the log up
# to and including record `seq`, plus where that is in the log. File framing, signature and
# CRCs are specified in docs/formats/snapshot.md; this file is the body.
#
# Rules (STYLE.md P1): ordinals are append-only, never renumbered or reused; nothing is deleted
# (a retired field is marked deprecated in its comment). Every money, price and quantity field
# is a fixed-point integer; there is no floating point anywhere in this file.
#
# Units (as in ledger/schema/event.capnp and engine/money.h):
#   amount    Int64, quote-asset minor units.
#   quantity  Int64, lots of the market (signed where named so: + long, - short).
#   price     Int64, quote minor units per lot.
#   rateE8    Int64, a rate at scale 1e-8.
#   timeNs    Int64, nanoseconds since the Unix epoch, as stamped by the sequencer.
#
# What is signed: the canonical bytes of a `Snapshot` (capnp::canonicalize, one segment, no
# segment table), prefixed by "backstop-snapshot-v1:" and the chain id, hashed with SHA-256.
# Decode a body with: capnp decode --flat snapshot.capnp Snapshot < body.bin

@0xdd3c3526c0be8bbf;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("snapshots::schema");

struct Snapshot {
  # One snapshot body. Every field is covered by the signature.
  formatVersion @0 :UInt32;
  # Version of this body layout; 1. A reader refuses versions it does not know.
  seq @1 :UInt64;
  # Sequence number of the last log record applied to `state` (>= 1).
  logHeadHash @2 :Data;
  # Chain hash of log record `seq` (32 bytes): ties the snapshot to one exact history.
  chainId @3 :Data;
  # Id of the log (16 bytes) this snapshot belongs to.
  timeNs @4 :Int64;
  # Time stamped on log record `seq`.
  stateHash @5 :Data;
  # SHA-256 of engine::EncodeCanonical(state) (32 bytes); recomputed and compared on load.
  keyId @6 :Data;
  # Id of the Ed25519 key that signed the file (16 bytes; first half of SHA-256 of the key).
  state @7 :EngineState;
  # The engine state itself.
}

struct EngineState {
  # Mirrors engine::EngineState field by field; every list is in the engine's canonical order.
  markets @0 :List(MarketState);
  # Ascending market id.
  accounts @1 :List(AccountState);
  # Ascending account id, the liquidation account 0 included.
  orders @2 :List(OrderState);
  # Resting orders in priority order: ascending market id; in each market bids best first, then
  # asks best first; within a price level, oldest first.
  assets @3 :List(AssetState);
  # Ascending asset id.
  nextInternalOrderId @4 :UInt64;
  # Next order id the engine assigns to its own (liquidation) orders.
  lastTimeNs @5 :Int64;
  # Time of the last input the engine applied.
}

enum AdlPolicy {
  # How a market ranks its auto-deleveraging queue (docs/ENGINE.md).
  bitmex @0;
  # PnL% x effective leverage (profit) or PnL% / leverage (loss).
  binanceLeveragePnl @1;
  # max(0, UPnL) / max(1, WB) x MM / equity.
  proRata @2;
  # Every opposite position reduced in proportion to its size.
  hyperliquid @3;
  # (mark / entry) x (notional / account value); (entry / mark) for shorts.
}

enum Side {
  # Order side.
  buy @0;
  # A bid.
  sell @1;
  # An ask.
}

struct RiskTier {
  # One notional bracket of a market.
  notionalFloor @0 :Int64;
  # Lowest notional (amount) of the bracket; the first tier's floor is 0.
  mmrE8 @1 :Int64;
  # Maintenance margin rate (rateE8).
  maxLeverage @2 :Int64;
  # Maximum leverage; initial margin = notional / maxLeverage, rounded up.
}

struct MarketSpec {
  # A market's full parameter set, as last listed or changed.
  marketId @0 :UInt32;
  # Market id.
  symbol @1 :Text;
  # Display name, e.g. "BTCUSDT".
  quoteAsset @2 :UInt32;
  # Asset id that margin, fees and PnL are paid in.
  tickSize @3 :Int64;
  # Price increment (price units); limit prices are positive multiples of it.
  lotDecimals @4 :Int32;
  # Decimals of one lot, for display only.
  quoteDecimals @5 :Int32;
  # Decimals of the quote asset's minor unit, for display only.
  makerFeeE8 @6 :Int64;
  # Maker fee rate (rateE8, >= 0).
  takerFeeE8 @7 :Int64;
  # Taker fee rate (rateE8, >= 0).
  tiers @8 :List(RiskTier);
  # Risk brackets in ascending notionalFloor.
  fundingIntervalNs @9 :Int64;
  # Funding interval in nanoseconds (informational).
  adlPolicy @10 :AdlPolicy;
  # ADL ranking policy.
  maxSlippageE8 @11 :Int64;
  # Liquidation phase B price cap from mark (rateE8); 0 means none.
}

struct MarketState {
  # One listed market.
  spec @0 :MarketSpec;
  # Its parameters.
  hasMark @1 :Bool;
  # True once a mark price has been received.
  markPrice @2 :Int64;
  # Last mark price (price units); 0 before the first.
  indexPrice @3 :Int64;
  # Last index price (price units), recorded only.
}

struct BalanceState {
  # One wallet balance of an account.
  asset @0 :UInt32;
  # Asset id.
  walletBalance @1 :Int64;
  # Wallet balance (amount, signed).
}

struct PositionState {
  # One open position of an account (quantity never 0).
  market @0 :UInt32;
  # Market id.
  quantity @1 :Int64;
  # Signed quantity: + long, - short.
  cost @2 :Int64;
  # Signed exact cost basis (amount).
}

struct AccountState {
  # One account.
  account @0 :UInt64;
  # Account id (0 is the venue's liquidation account).
  balances @1 :List(BalanceState);
  # Ascending asset id.
  positions @2 :List(PositionState);
  # Ascending market id; open positions only.
}

struct OrderState {
  # One resting order.
  account @0 :UInt64;
  # Owning account id.
  orderId @1 :UInt64;
  # Client-chosen order id, unique among the account's live orders.
  market @2 :UInt32;
  # Market id.
  side @3 :Side;
  # Bid or ask.
  price @4 :Int64;
  # Limit price (price units).
  remaining @5 :Int64;
  # Unfilled quantity resting in the book (> 0).
  reduceOnly @6 :Bool;
  # True if the order may only reduce the account's position.
}

struct AssetState {
  # Running totals of one asset (the terms of the conservation law, RULEBOOK rule 9).
  asset @0 :UInt32;
  # Asset id.
  deposits @1 :Int64;
  # Sum of accepted deposits (amount).
  withdrawals @2 :Int64;
  # Sum of accepted withdrawals (amount).
  topUps @3 :Int64;
  # Sum of insurance-fund top-ups (amount).
  insuranceFund @4 :Int64;
  # Insurance fund balance (amount).
  feeAccount @5 :Int64;
  # Venue fee account balance (amount).
}
