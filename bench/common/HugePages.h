//===- HugePages.h - Weight buffers backed by huge pages --------*- C++ -*-===//
//
// A vector whose storage is 2 MiB aligned and advised to be backed by huge
// pages, as a runtime keeps weights: a GEMV over hundreds of MiB of weights
// that walks rows of 4 KiB pages measures page walks, not the kernel. Every
// benchmark gives its peers the same buffers.
//
//===----------------------------------------------------------------------===//

#ifndef MX_BENCH_COMMON_HUGEPAGES_H
#define MX_BENCH_COMMON_HUGEPAGES_H

#include <cstdlib>
#include <sys/mman.h>
#include <vector>

namespace mxbench {

template <typename T> struct HugePageAllocator {
  using value_type = T;
  HugePageAllocator() = default;
  template <typename U> HugePageAllocator(const HugePageAllocator<U> &) {}
  T *allocate(size_t n) {
    constexpr size_t kHuge = size_t(2) << 20;
    size_t bytes = (n * sizeof(T) + kHuge - 1) / kHuge * kHuge;
    void *p = std::aligned_alloc(kHuge, bytes);
    if (!p)
      std::abort();
    madvise(p, bytes, MADV_HUGEPAGE);
    return static_cast<T *>(p);
  }
  void deallocate(T *p, size_t) { std::free(p); }
  bool operator==(const HugePageAllocator &) const { return true; }
  bool operator!=(const HugePageAllocator &) const { return false; }
};
template <typename T> using Weights = std::vector<T, HugePageAllocator<T>>;

} // namespace mxbench

#endif // MX_BENCH_COMMON_HUGEPAGES_H
