# The backstop event vocabulary: every record of the signed log, inputs and effects.
#
# Rules (STYLE.md P1): ordinals are append-only, never renumbered or reused; nothing is deleted
# (a retired field is marked deprecated in its comment). Every money, price and quantity field is
# a fixed-point integer; there is no floating point anywhere in this file.
#
# Units, used throughout:
#   amount    Int64, quote-asset minor units (e.g. 1e-6 USDT when the asset has 6 decimals).
#   quantity  Int64, lots of the market (signed where named `position`: + long, - short).
#   price     Int64, quote minor units per lot, so lots * price is an amount with no rescaling.
#   rateE8    Int64, a rate at scale 1e-8 (0.01% = 10000).
#   timeNs    Int64, nanoseconds since the Unix epoch, stamped by the sequencer.
# Ids: account UInt64 (0 is the venue's liquidation account), market UInt32, asset UInt32,
# order UInt64 (chosen by the client, unique among that account's live orders).
#
# What is hashed and signed: the canonical bytes of an `Envelope` (capnp::canonicalize, one
# segment, no segment table). `Record` is the stored form in the RocksDB `events` column family.

@0xdbbed7e6c4d5b9b1;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("ledger::schema");

# ---------------------------------------------------------------------------------------------
# Records and envelopes

struct Record {
  # The value stored under an 8-byte big-endian seq key. Itself written in canonical form.
  prevHash @0 :Data;
  # SHA-256 hash of the previous record (32 zero bytes for seq 1).
  hash @1 :Data;
  # SHA-256(domain tag || prevHash || seq as 8 bytes big-endian || envelope), 32 bytes.
  signature @2 :Data;
  # Ed25519 signature over `hash` (64 bytes) by the key named in the envelope.
  envelope @3 :Data;
  # Canonical bytes of an Envelope; a reader rejects bytes that are not canonical.
}

struct Envelope {
  # Everything about one record that the hash and signature cover.
  seq @0 :UInt64;
  # Sequence number, dense from 1.
  timeNs @1 :Int64;
  # Time the sequencer assigned, nanoseconds since the Unix epoch.
  keyId @2 :Data;
  # Id of the signing key: the first 16 bytes of SHA-256 of its raw 32-byte Ed25519 public key.
  group @3 :UInt64;
  # Seq of the first record of the group this record was committed in (an input and its effects).
  event @4 :Event;
  # The event itself.
}

struct Event {
  # One input (a command from outside) or one effect (what the engine decided).
  union {
    # --- inputs ---
    marketListed @0 :MarketSpec;
    # A new market is listed.
    marketChanged @1 :MarketSpec;
    # An existing market's parameters change (same marketId).
    accountOpened @2 :AccountOpened;
    # A trading account is opened.
    deposit @3 :Transfer;
    # Collateral enters an account.
    withdrawal @4 :Transfer;
    # Collateral leaves an account (refused if it would leave equity below initial margin).
    orderPlaced @5 :OrderPlaced;
    # A client order arrives.
    orderCancelRequested @6 :OrderCancelRequested;
    # A client asks to cancel one of its live orders.
    markPrice @7 :MarkPrice;
    # The venue's mark (and index) price feed.
    fundingTick @8 :FundingTick;
    # A funding interval ends with the given rate.
    insuranceTopUp @9 :InsuranceTopUp;
    # The operator adds money to an insurance fund.
    keyRotation @10 :KeyRotation;
    # From the next record on, records are signed by a new key.

    # --- effects ---
    orderAccepted @11 :OrderAccepted;
    # An order passed validation and the margin check.
    orderRejected @12 :OrderRejected;
    # An order was refused, with a stable reason code.
    inputRejected @13 :InputRejected;
    # A non-order input (withdrawal, deposit, listing, ...) was refused.
    orderCancelled @14 :OrderCancelled;
    # A resting or unfilled order left the book (by request, IOC remainder, liquidation, ...).
    fill @15 :Fill;
    # Two orders traded.
    fundingPayment @16 :FundingPayment;
    # One position paid or received funding.
    liquidation @17 :Liquidation;
    # A position was taken over by the liquidation account at its bankruptcy quote.
    liquidationFill @18 :LiquidationFill;
    # The liquidation account traded part of a taken-over position in the book.
    insuranceFundCredit @19 :InsuranceFundCredit;
    # Money entered an insurance fund.
    insuranceFundDraw @20 :InsuranceFundDraw;
    # Money left an insurance fund to cover a liquidation fill worse than bankruptcy.
    adlQueue @21 :AdlQueue;
    # The ranking queue of one liquidated position at the moment its ADL phase started.
    adlReduction @22 :AdlReduction;
    # One counterparty's position was reduced by auto-deleveraging.
    socializedLoss @23 :SocializedLoss;
    # A loss no mechanism covered (an engine fault under the default rulebook).
  }
  origin @24 :CommandOrigin;
  # Inputs sent through `backstop serve` only: who sent the command and how the client numbered
  # it, so that a resent command is answered from the log and never applied twice. Null
  # otherwise, and then absent from the canonical bytes: records without it are byte for byte
  # what they were before this field existed.
}

struct CommandOrigin {
  # The sender of a network command (docs/PROTOCOL.md, "Idempotency").
  principal @0 :Text;
  # The client's name in the server's roles file (from its certificate).
  clientId @1 :Text;
  # The client's name for itself, 1 to 64 bytes.
  clientSeq @2 :UInt64;
  # The client's number for the command, > 0; (principal, clientId, clientSeq) names it.
}

# ---------------------------------------------------------------------------------------------
# Inputs

enum AdlPolicy {
  bitmex @0;
  # PnL% x effective leverage (profit) or PnL% / leverage (loss); RULEBOOK rule 6.
  binanceLeveragePnl @1;
  # max(0, UPnL) / max(1, WB) x MM / equity.
  proRata @2;
  # Every opposite position reduced in proportion to its size.
  hyperliquid @3;
  # (mark / entry) x (notional / account value); (entry / mark) for shorts.
}

struct RiskTier {
  # One notional bracket; the maintenance amount (cum) follows from the tiers below it.
  notionalFloor @0 :Int64;
  # Lowest notional (amount) of the bracket; the first tier's floor is 0.
  mmrE8 @1 :Int64;
  # Maintenance margin rate at scale 1e-8.
  maxLeverage @2 :Int64;
  # Maximum leverage; initial margin = notional / maxLeverage, rounded up.
}

struct MarketSpec {
  # A market's full parameter set.
  marketId @0 :UInt32;
  # Market id, unique in the log.
  symbol @1 :Text;
  # Display name, e.g. "BTCUSDT".
  quoteAsset @2 :UInt32;
  # Asset the market is margined and settled in.
  tickSize @3 :Int64;
  # Price increment (price units); every order price is a multiple.
  lotDecimals @4 :UInt8;
  # Display only: one lot is 10^-lotDecimals of the base asset.
  quoteDecimals @5 :UInt8;
  # Display only: one quote minor unit is 10^-quoteDecimals of the quote asset.
  makerFeeE8 @6 :Int64;
  # Maker fee rate (>= 0) at scale 1e-8.
  takerFeeE8 @7 :Int64;
  # Taker fee rate (>= 0) at scale 1e-8.
  tiers @8 :List(RiskTier);
  # Risk tiers in ascending notionalFloor.
  fundingIntervalNs @9 :Int64;
  # Length of a funding interval.
  adlPolicy @10 :AdlPolicy;
  # How the ADL queue is ranked.
  maxSlippageE8 @11 :Int64;
  # Phase B stops this far from mark (1e-8 of mark); 0 means no cap.
}

struct AccountOpened {
  account @0 :UInt64;
  # New account id (not 0).
}

struct Transfer {
  # A deposit or withdrawal.
  account @0 :UInt64;
  # Account credited or debited.
  asset @1 :UInt32;
  # Asset moved.
  amount @2 :Int64;
  # Amount moved (> 0).
}

enum Side {
  buy @0;
  # Bid; a positive quantity change.
  sell @1;
  # Ask; a negative quantity change.
}

enum OrderType {
  limit @0;
  # Trades at the limit price or better.
  market @1;
  # Trades at any price (price field ignored).
}

enum TimeInForce {
  gtc @0;
  # Rests until filled or cancelled.
  ioc @1;
  # Fills what it can now; the rest is cancelled.
  fok @2;
  # Fills entirely now or not at all.
  postOnly @3;
  # Rejected if it would trade on arrival.
}

struct OrderPlaced {
  account @0 :UInt64;
  # Owner.
  market @1 :UInt32;
  # Market.
  orderId @2 :UInt64;
  # Client-chosen id, unique among the account's live orders.
  side @3 :Side;
  # Buy or sell.
  type @4 :OrderType;
  # Limit or market.
  timeInForce @5 :TimeInForce;
  # Time in force.
  reduceOnly @6 :Bool;
  # May only reduce the absolute position.
  price @7 :Int64;
  # Limit price (0 for market orders).
  quantity @8 :Int64;
  # Lots (> 0).
}

struct OrderCancelRequested {
  account @0 :UInt64;
  # Owner.
  orderId @1 :UInt64;
  # The live order to cancel.
}

struct MarkPrice {
  market @0 :UInt32;
  # Market.
  markPrice @1 :Int64;
  # New mark price.
  indexPrice @2 :Int64;
  # Index price it was derived from (informational; 0 if unknown).
}

struct FundingTick {
  market @0 :UInt32;
  # Market.
  rateE8 @1 :Int64;
  # Funding rate for the interval; > 0 means longs pay shorts.
}

struct InsuranceTopUp {
  asset @0 :UInt32;
  # Fund (one per quote asset).
  amount @1 :Int64;
  # Amount added (> 0).
}

struct KeyRotation {
  newKeyId @0 :Data;
  # Id of the key that signs from the next record on.
  newPublicKey @1 :Data;
  # Its raw 32-byte Ed25519 public key.
}

# ---------------------------------------------------------------------------------------------
# Effects

struct OrderAccepted {
  account @0 :UInt64;
  # Owner.
  orderId @1 :UInt64;
  # Order id.
  market @2 :UInt32;
  # Market.
  side @3 :Side;
  # Buy or sell.
  type @4 :OrderType;
  # Limit or market.
  timeInForce @5 :TimeInForce;
  # Time in force.
  reduceOnly @6 :Bool;
  # Reduce-only.
  price @7 :Int64;
  # Limit price (0 for market orders).
  quantity @8 :Int64;
  # Lots ordered.
  restingQuantity @9 :Int64;
  # Lots left resting in the book after this input's matching (0 for IOC, FOK, market).
}

struct OrderRejected {
  account @0 :UInt64;
  # Owner.
  orderId @1 :UInt64;
  # Order id from the input.
  reason @2 :UInt16;
  # Stable reason code (docs/ENGINE.md).
}

struct InputRejected {
  reason @0 :UInt16;
  # Stable reason code (docs/ENGINE.md); the input it refuses is the group's first record.
}

struct OrderCancelled {
  account @0 :UInt64;
  # Owner.
  orderId @1 :UInt64;
  # Order id.
  market @2 :UInt32;
  # Market.
  remaining @3 :Int64;
  # Lots that were still open.
  reason @4 :UInt16;
  # Why: user, IOC remainder, FOK unfilled, self-trade, liquidation, ADL (docs/ENGINE.md).
}

struct Fill {
  market @0 :UInt32;
  # Market.
  makerAccount @1 :UInt64;
  # Resting side's account.
  makerOrderId @2 :UInt64;
  # Resting order.
  takerAccount @3 :UInt64;
  # Incoming side's account (0 for a liquidation order).
  takerOrderId @4 :UInt64;
  # Incoming order.
  takerSide @5 :Side;
  # Side of the incoming order.
  price @6 :Int64;
  # Trade price (the maker's).
  quantity @7 :Int64;
  # Lots traded (> 0).
  makerFee @8 :Int64;
  # Fee the maker paid.
  takerFee @9 :Int64;
  # Fee the taker paid (0 for liquidation orders).
  liquidation @10 :Bool;
  # The taker is the liquidation account (account 0) working a taken-over position.
}

struct FundingPayment {
  account @0 :UInt64;
  # Account.
  market @1 :UInt32;
  # Market.
  position @2 :Int64;
  # Signed position at the tick.
  markPrice @3 :Int64;
  # Mark the payment was valued at.
  rateE8 @4 :Int64;
  # Rate of the tick.
  amount @5 :Int64;
  # Signed: > 0 received, < 0 paid.
}

struct Liquidation {
  account @0 :UInt64;
  # Liquidated account.
  market @1 :UInt32;
  # Market of this position.
  position @2 :Int64;
  # Signed position taken over.
  costBasis @3 :Int64;
  # Its exact cost basis.
  markPrice @4 :Int64;
  # Mark at the take-over.
  accountEquity @5 :Int64;
  # Account equity when liquidation started (saturated to Int64).
  accountMaintenance @6 :Int64;
  # Account maintenance margin then (saturated to Int64).
  positionMaintenance @7 :Int64;
  # This position's maintenance margin.
  equityShare @8 :Int64;
  # e_i: this position's share of the equity, in proportion to its maintenance margin.
  bankruptcyQuote @9 :Int64;
  # BQ = position * mark - e_i (amount, exact).
  bankruptcyPrice @10 :Int64;
  # BQ / position rounded to the tick as the Phase A limit (display and limits only).
}

enum LiquidationPhase {
  a @0;
  # IOC limited at the bankruptcy price; surplus to the fund.
  b @1;
  # Beyond bankruptcy, paid by the fund.
}

struct LiquidationFill {
  market @0 :UInt32;
  # Market.
  account @1 :UInt64;
  # Liquidated account the position came from.
  makerAccount @2 :UInt64;
  # Resting counterparty.
  makerOrderId @3 :UInt64;
  # Resting order.
  price @4 :Int64;
  # Trade price.
  quantity @5 :Int64;
  # Lots.
  phase @6 :LiquidationPhase;
  # A or B.
  insuranceDelta @7 :Int64;
  # Signed: surplus credited (> 0) or shortfall drawn (< 0).
}

enum FundCreditReason {
  liquidationSurplus @0;
  # Phase A filled better than bankruptcy.
  fundingResidue @1;
  # Rounding residue of a funding tick.
  adlResidue @2;
  # Rounding residue of an ADL split.
  topUp @3;
  # Operator top-up.
}

struct InsuranceFundCredit {
  asset @0 :UInt32;
  # Fund.
  amount @1 :Int64;
  # Amount credited (> 0).
  reason @2 :FundCreditReason;
  # Why.
  balanceAfter @3 :Int64;
  # Fund balance after the credit.
}

struct InsuranceFundDraw {
  asset @0 :UInt32;
  # Fund.
  amount @1 :Int64;
  # Amount drawn (> 0).
  market @2 :UInt32;
  # Market of the liquidation.
  account @3 :UInt64;
  # Liquidated account.
  balanceAfter @4 :Int64;
  # Fund balance after the draw (never negative).
}

struct AdlQueueEntry {
  account @0 :UInt64;
  # Counterparty account.
  score @1 :Int64;
  # Ranking score (policy-specific integer, higher ranks first; saturated to Int64).
  position @2 :Int64;
  # Its signed position then.
  queuePosition @3 :UInt32;
  # 1-based rank.
}

struct AdlQueue {
  market @0 :UInt32;
  # Market.
  account @1 :UInt64;
  # Liquidated account.
  counterpartySide @2 :Side;
  # Side of the ranked counterparties (buy: they are long).
  policy @3 :AdlPolicy;
  # Ranking policy used.
  queueLength @4 :UInt32;
  # Number of ranked counterparties.
  top @5 :List(AdlQueueEntry);
  # The first entries of the queue (at most a fixed K, see docs/ENGINE.md).
  quantityToCover @6 :Int64;
  # Lots left to close by ADL.
  fundBalance @7 :Int64;
  # Insurance fund balance when ADL started (why the fund could not cover).
  rankingSha256 @8 :Data;
  # Format 3 on: SHA-256 over the whole ranking, every entry in order, each as account, score
  # and position in 8-byte big-endian two's complement (docs/ENGINE.md). Absent before.
}

struct AdlScoreInputs {
  # The counterparty's figures its score was computed from when ranked (docs/ENGINE.md).
  position @0 :Int64;
  # Signed position Q.
  cost @1 :Int64;
  # Signed cost basis C.
  mark @2 :Int64;
  # Mark price.
  equity @3 :Int64;
  # Equity of its cross-margin pool in the quote asset (saturated to Int64).
  wallet @4 :Int64;
  # Wallet balance in the quote asset.
  maintenance @5 :Int64;
  # Maintenance margin of the pool (saturated to Int64).
}

struct AdlReduction {
  market @0 :UInt32;
  # Market.
  account @1 :UInt64;
  # Liquidated account.
  counterparty @2 :UInt64;
  # Account reduced.
  quantity @3 :Int64;
  # Lots taken from the counterparty (> 0).
  price @4 :Int64;
  # Bankruptcy price of the liquidated position (display; the quote is exact).
  quote @5 :Int64;
  # Exact amount settled with the counterparty for these lots.
  score @6 :Int64;
  # Counterparty's score when ranked.
  queuePosition @7 :UInt32;
  # Counterparty's 1-based rank.
  queueLength @8 :UInt32;
  # Queue length.
  remainingBefore @9 :Int64;
  # Lots still to cover before this reduction.
  deficitCovered @10 :Int64;
  # What the liquidated side gets over a close at mark (the loss this reduction absorbs).
  fundBalanceAfter @11 :Int64;
  # Insurance fund balance after it.
  gainVsMark @12 :Int64;
  # Counterparty's quote minus quantity x mark, signed and exact (= -deficitCovered).
  scoreInputs @13 :AdlScoreInputs;
  # Format 3 on: the figures its score came from. Absent before.
}

struct SocializedLoss {
  market @0 :UInt32;
  # Market.
  amount @1 :Int64;
  # Amount socialized.
}
