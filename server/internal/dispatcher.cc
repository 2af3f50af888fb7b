// The sequencer thread (see dispatcher.h).

#include "server/internal/dispatcher.h"

#include <capnp/message.h>
#include <capnp/serialize.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "base/assert.h"
#include "base/thread_name.h"
#include "ledger/indexes.h"

namespace server::internal {

Dispatcher::Dispatcher(replay::Sequencer* sequencer, size_t capacity, Metrics* metrics,
                       std::function<void(const base::Status&)> on_failure)
    : sequencer_(sequencer),
      capacity_(capacity),
      metrics_(metrics),
      on_failure_(std::move(on_failure)) {
  BACKSTOP_ASSERT(sequencer_ != nullptr);
  BACKSTOP_ASSERT(metrics_ != nullptr);
  BACKSTOP_ASSERT(capacity_ > 0);
  last_commit_end_ = sequencer_->log().head_seq();
  for (const engine::AssetState& asset : sequencer_->engine().Export().assets) {
    assets_.push_back(asset.asset);
  }
  UpdateFunds();
  loader_ = std::thread([this] { LoadOrigins(); });
  thread_ = std::thread([this] { Loop(); });
}

Dispatcher::~Dispatcher() { Stop(); }

size_t Dispatcher::TryPushAll(std::vector<Job>& jobs) {
  size_t pushed = 0;
  bool first = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) return 0;
    first = queue_.empty();
    while (pushed < jobs.size() && queue_.size() < capacity_) {
      queue_.push_back(std::move(jobs[pushed++]));
    }
    metrics_->sequencer_queue.store(static_cast<int64_t>(queue_.size()));
  }
  // The thread waits only for an empty queue, and takes all of it at once: jobs joining a
  // queue that holds others need no wakeup of their own.
  if (first && pushed > 0) wake_.notify_one();
  return pushed;
}

void Dispatcher::Stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  stop_loading_.store(true);
  if (loader_.joinable()) loader_.join();
  if (thread_.joinable()) thread_.join();
}

size_t Dispatcher::depth() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return queue_.size();
}

base::Status Dispatcher::failure() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return failure_;
}

void Dispatcher::NoteFailure(const base::Status& status) {
  if (status.code() != base::Status::Code::kIOError) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!failure_.ok()) return;
    failure_ = status;
  }
  if (on_failure_) on_failure_(status);
}

void Dispatcher::Loop() {
  base::NameThisThread("sequencer");
  std::deque<Job> batch;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) break;  // Stopping, and everything queued has run.
      batch.swap(queue_);
      metrics_->sequencer_queue.store(0);
    }
    bool funds = false;
    for (Job& job : batch) {
      if (job.kind == Job::Kind::kCommand) {
        RunCommand(job);
        funds = NoteAsset(job.input) || funds;
      } else {
        RunSnapshot(job);
      }
    }
    batch.clear();
    if (funds) UpdateFunds();
  }
  base::Status flushed = sequencer_->Flush();
  if (!flushed.ok()) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (failure_.ok()) failure_ = flushed;
  }
}

void Dispatcher::LoadOrigins() {
  base::NameThisThread("origin-loader");
  // Every origin the log holds now is in this scan (its iterator reads one snapshot); every
  // one appended later went through the sequencer thread, which adds it to origins_ first.
  auto filter = std::make_unique<OriginFilter>(1 << 16);
  const base::Status scanned = sequencer_->log().VisitIndex(
      ledger::Index::kClientCommand, "", "", [&](std::string_view key, std::string_view) {
        filter->Add(key.substr(0, key.size() - 8));  // The prefix, without the seq.
        return !filter->gave_up() && !stop_loading_.load(std::memory_order_relaxed);
      });
  // Without the whole picture the filter cannot say "absent": every command looks in the log.
  if (!scanned.ok() || stop_loading_.load()) filter->GiveUp();
  history_ = std::move(filter);
  history_ready_.store(true, std::memory_order_release);
}

bool Dispatcher::MayBeKnown(std::string_view prefix) {
  if (!history_ready_.load(std::memory_order_acquire)) return true;  // Still loading.
  return history_->MayContain(prefix) || origins_.MayContain(prefix);
}

namespace {

// The key of an origin in the in-flight map.
std::string OriginKey(const ledger::CommandOrigin& origin) {
  std::string key = origin.principal;
  key.push_back('\0');
  key += origin.client_id;
  key.push_back('\0');
  key.append(reinterpret_cast<const char*>(&origin.client_seq), sizeof(origin.client_seq));
  return key;
}

// Canonical bytes of `input` as an event: equal bytes, same command.
std::string InputBytes(const engine::Input& input) {
  capnp::MallocMessageBuilder message;
  auto event = message.initRoot<ledger::schema::Event>();
  ledger::EncodeInput(input, event);
  const kj::Array<capnp::word> words = capnp::canonicalize(event.asReader());
  const kj::ArrayPtr<const kj::byte> bytes = words.asBytes();
  return std::string(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
}

struct Original {
  ledger::GroupRange range;
  engine::Input input;
};

// The durable command the log holds under `origin`, if any (the kClientCommand index, then
// each record it names, whose origin must match exactly).
// `lower`: the origin's ledger::ClientCommandPrefix.
base::Result<std::optional<Original>> FindDurable(const ledger::EventLog& log,
                                                  const ledger::CommandOrigin& origin,
                                                  const std::string& lower) {
  std::string upper = lower;
  int i = static_cast<int>(upper.size()) - 1;
  for (; i >= 0 && upper[i] == '\xff'; --i) upper[i] = '\0';
  if (i < 0) {
    upper.clear();
  } else {
    upper[i] = static_cast<char>(static_cast<uint8_t>(upper[i]) + 1);
  }
  BACKSTOP_ASSIGN_OR_RETURN(auto seqs,
                            log.ScanIndex(ledger::Index::kClientCommand, lower, upper, 0));
  for (ledger::SequenceNumber seq : seqs) {
    BACKSTOP_ASSIGN_OR_RETURN(ledger::LogRecord record, log.Read(seq));
    BACKSTOP_ASSIGN_OR_RETURN(auto logged, ledger::DecodeOrigin(record.event()));
    if (!logged.has_value() || *logged != origin) continue;
    BACKSTOP_ASSIGN_OR_RETURN(engine::Input input, ledger::DecodeInput(record.event()));
    // The answer reads the group from its input to its end (last 0).
    return std::optional<Original>(Original{{seq, ledger::SequenceNumber{0}}, std::move(input)});
  }
  return std::optional<Original>();
}

}  // namespace

bool Dispatcher::AnswerResend(Job& job, const std::string& key, const std::string& prefix) {
  // Never seen: neither in flight nor in the log (the filters hold both).
  if (!MayBeKnown(prefix)) return false;
  {
    std::lock_guard<std::mutex> lock(in_flight_mutex_);
    auto it = in_flight_.find(key);
    if (it != in_flight_.end()) {
      if (InputBytes(it->second->input) == InputBytes(job.input)) {
        it->second->waiters.push_back(std::move(job.done));
      } else {
        JobResult reused;
        reused.reused = true;
        job.done(reused);
      }
      return true;
    }
  }
  auto original = FindDurable(sequencer_->log(), *job.origin, prefix);
  if (!original.ok()) {
    job.done(JobResult{original.status(), {}, 0, false, false, nullptr});
    return true;
  }
  if (!original->has_value()) return false;
  JobResult result;
  if (InputBytes((*original)->input) == InputBytes(job.input)) {
    result.resent = true;
    result.range = (*original)->range;
  } else {
    result.reused = true;
  }
  job.done(result);
  return true;
}

void Dispatcher::RunCommand(Job& job) {
  std::string key;
  if (job.origin) {
    key = OriginKey(*job.origin);
    const std::string prefix = ledger::ClientCommandPrefix(
        job.origin->principal, job.origin->client_id, job.origin->client_seq);
    if (AnswerResend(job, key, prefix)) return;
    origins_.Add(prefix);  // Before it can be in flight or in the log.
  }
  // The log calls `done` once the group is durable; if Submit fails first it may not, so a
  // flag makes sure the callers hear exactly once. Resends that arrive meanwhile wait in
  // in_flight_ and hear the same.
  auto entry = std::make_shared<InFlight>();
  entry->input = job.input;
  entry->waiters.push_back(std::move(job.done));
  if (job.origin) {
    std::lock_guard<std::mutex> lock(in_flight_mutex_);
    in_flight_[key] = entry;
  }
  auto called = std::make_shared<std::atomic<bool>>(false);
  const auto sequenced = std::chrono::steady_clock::now();
  metrics_->pending_durable.fetch_add(1);
  auto once = [this, called, entry, key, sequenced](const base::Status& status,
                                                    ledger::GroupRange range,
                                                    ledger::GroupValues values) {
    if (called->exchange(true)) return;
    metrics_->pending_durable.fetch_sub(1);
    if (status.ok()) OnDurable(range, sequenced);
    if (!status.ok()) NoteFailure(status);
    std::vector<std::function<void(const JobResult&)>> waiters;
    {
      std::lock_guard<std::mutex> lock(in_flight_mutex_);
      if (!key.empty()) in_flight_.erase(key);
      waiters.swap(entry->waiters);
    }
    const auto stored = std::make_shared<const ledger::GroupValues>(std::move(values));
    for (size_t i = 0; i < waiters.size(); ++i) {
      waiters[i](JobResult{status, range, 0, i > 0, false, stored});
    }
  };
  auto submitted = sequencer_->Submit(job.input, once, job.origin ? &*job.origin : nullptr);
  if (!submitted.ok()) {
    NoteFailure(submitted.status());
    once(submitted.status(), ledger::GroupRange{}, ledger::GroupValues{});
  }
}

void Dispatcher::OnDurable(ledger::GroupRange range,
                           std::chrono::steady_clock::time_point sequenced) {
  const auto latency = std::chrono::steady_clock::now() - sequenced;
  metrics_->commit_latency.Observe(static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(latency).count()));
  // The writer acknowledges a synced batch's groups one after another, after it has moved the
  // head to the batch's end: a head past the last one seen starts a new batch.
  const ledger::SequenceNumber head = sequencer_->log().head_seq();
  if (head > last_commit_end_ && range.first > last_commit_end_) {
    metrics_->commit_records.Observe(head - last_commit_end_);
    metrics_->records_appended.fetch_add(head - last_commit_end_);
    last_commit_end_ = head;
  }
}

bool Dispatcher::NoteAsset(const engine::Input& input) {
  if (std::holds_alternative<engine::TopUpInsurance>(input)) {
    const engine::AssetId asset = std::get<engine::TopUpInsurance>(input).asset;
    if (std::find(assets_.begin(), assets_.end(), asset) == assets_.end()) {
      assets_.push_back(asset);
    }
  }
  if (const auto* listed = std::get_if<engine::ListMarket>(&input)) {
    const engine::AssetId asset = listed->spec.quote_asset;
    if (std::find(assets_.begin(), assets_.end(), asset) == assets_.end()) {
      assets_.push_back(asset);
    }
  }
  // Every command that can move a fund (a liquidation's or ADL's, a top-up) counts: cheaper
  // to refresh the gauges once per batch than to tell them apart.
  return !assets_.empty();
}

void Dispatcher::UpdateFunds() {
  for (engine::AssetId id : assets_) {
    metrics_->SetInsuranceFund(id.value(), sequencer_->engine().InsuranceFund(id).value());
  }
}

void Dispatcher::RunSnapshot(Job& job) {
  auto seq = sequencer_->TakeSnapshot();
  if (!seq.ok()) {
    job.done(JobResult{seq.status(), {}, 0, false, false, nullptr});
    return;
  }
  job.done(JobResult{base::Status::OK(), {}, seq->value(), false, false, nullptr});
}

}  // namespace server::internal
