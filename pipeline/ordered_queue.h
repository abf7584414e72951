// A bounded queue that hands items out in sequence-number order.
//
// Producers push (seq, item) in any order; Pop() returns seq 0, 1, 2, ... in order.
// Bounded by a window: Push(seq) blocks while seq >= next_to_pop + capacity, so the item
// the consumer waits for is always accepted and the queue cannot deadlock when every
// sequence number is eventually pushed. End of stream is signalled by the last producer
// calling ProducerDone(); Abort() wakes everybody and makes Push/Pop return false.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <utility>

namespace faceswap {

template <typename T>
class OrderedQueue {
 public:
  OrderedQueue(size_t capacity, int producers) : capacity_(capacity), producers_(producers) {}

  // Returns false if the queue was aborted (the item is dropped).
  bool Push(uint64_t seq, T item) {
    std::unique_lock<std::mutex> lock(mutex_);
    space_.wait(lock, [&] { return aborted_ || seq < next_ + capacity_; });
    if (aborted_) return false;
    items_.emplace(seq, std::move(item));
    if (seq == next_) ready_.notify_all();
    return true;
  }

  // Next item in order; std::nullopt at end of stream or after Abort().
  std::optional<std::pair<uint64_t, T>> Pop() {
    std::unique_lock<std::mutex> lock(mutex_);
    ready_.wait(lock, [&] {
      return aborted_ || (!items_.empty() && items_.begin()->first == next_) ||
             (producers_ == 0 && items_.empty());
    });
    if (aborted_ || items_.empty() || items_.begin()->first != next_) return std::nullopt;
    auto node = items_.extract(items_.begin());
    ++next_;
    space_.notify_all();
    return std::make_pair(node.key(), std::move(node.mapped()));
  }

  void ProducerDone() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (producers_ > 0) --producers_;
    ready_.notify_all();
  }

  void Abort() {
    std::lock_guard<std::mutex> lock(mutex_);
    aborted_ = true;
    ready_.notify_all();
    space_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable ready_, space_;
  std::map<uint64_t, T> items_;
  uint64_t next_ = 0;
  const size_t capacity_;
  int producers_;
  bool aborted_ = false;
};

}  // namespace faceswap
