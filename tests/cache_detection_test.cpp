// Cache sizes from sysfs (read from a fake tree here) and CPUID, the fallbacks for machines where
// cpuinfo finds no cache descriptors.
#include "core/cache_detection.h"

#include <filesystem>
#include <fstream>

#include "support/test_support.h"

namespace bitnet {
namespace {

// A fake /sys/devices/system/cpu with cpu0's cache/index<i> folders.
class FakeSysfs {
 public:
  FakeSysfs() = default;

  void add(int index, const std::string& level, const std::string& type, const std::string& size,
           const std::string& shared) {
    const auto folder =
        std::filesystem::path(root_.path()) / "cpu0" / "cache" / ("index" + std::to_string(index));
    std::filesystem::create_directories(folder);
    std::ofstream(folder / "level") << level << "\n";
    std::ofstream(folder / "type") << type << "\n";
    std::ofstream(folder / "size") << size << "\n";
    std::ofstream(folder / "shared_cpu_list") << shared << "\n";
  }
  [[nodiscard]] std::string root() const { return root_.path(); }

 private:
  testing::TemporaryFolder root_{"bitnet-cache-test"};
};

TEST(CacheDetection, ReadsEachLevelFromSysfs) {
  FakeSysfs sysfs;
  sysfs.add(0, "1", "Data", "48K", "0,8");
  sysfs.add(1, "1", "Instruction", "32K", "0,8");
  sysfs.add(2, "2", "Unified", "2048K", "0,8");
  sysfs.add(3, "3", "Unified", "32M", "0-15");
  const CacheLevel l1 = detail::cache_from_sysfs(sysfs.root(), 1, 16);
  EXPECT_EQ(l1.size_bytes, 48u << 10);  // the data cache, not the instruction cache
  EXPECT_EQ(l1.instances, 8);
  const CacheLevel l2 = detail::cache_from_sysfs(sysfs.root(), 2, 16);
  EXPECT_EQ(l2.size_bytes, 2048u << 10);
  EXPECT_EQ(l2.instances, 8);
  const CacheLevel l3 = detail::cache_from_sysfs(sysfs.root(), 3, 16);
  EXPECT_EQ(l3.size_bytes, uint64_t{32} << 20);
  EXPECT_EQ(l3.instances, 1);
}

TEST(CacheDetection, MissingOrUnreadableLevelsAreUnknown) {
  FakeSysfs sysfs;
  EXPECT_EQ(detail::cache_from_sysfs(sysfs.root(), 1, 2).size_bytes, 0u);  // no cache folder
  sysfs.add(0, "1", "Instruction", "32K", "0");
  sysfs.add(1, "2", "Unified", "garbage", "0");
  EXPECT_EQ(detail::cache_from_sysfs(sysfs.root(), 1, 2).size_bytes, 0u);  // instruction only
  EXPECT_EQ(detail::cache_from_sysfs(sysfs.root(), 2, 2).size_bytes, 0u);  // unparsable size
  EXPECT_EQ(detail::cache_from_sysfs(sysfs.root(), 3, 2).size_bytes, 0u);  // absent level
  EXPECT_EQ(detail::cache_from_sysfs("/nonexistent/bitnet", 1, 2).size_bytes, 0u);
}

TEST(CacheDetection, SharingListsWithRangesAndGaps) {
  FakeSysfs sysfs;
  sysfs.add(0, "2", "Unified", "1024K", "0-1,4-5");  // four processors share it
  const CacheLevel l2 = detail::cache_from_sysfs(sysfs.root(), 2, 16);
  EXPECT_EQ(l2.size_bytes, 1024u << 10);
  EXPECT_EQ(l2.instances, 4);
}

// CPUID is the last fallback: where the machine answers it, it gives what the kernel's sysfs (read
// from the same leaves) gives for the L1 data cache.
TEST(CacheDetection, CpuidAgreesWithSysfsOnThisMachine) {
#if defined(__x86_64__)
  const CacheLevel from_cpuid = detail::cache_from_cpuid(1, 1);
  ASSERT_GT(from_cpuid.size_bytes, 0u) << "CPUID leaf 4 / 0x8000001D gave no L1 data cache";
  EXPECT_EQ(from_cpuid.size_bytes % 1024, 0u);
  const CacheLevel from_sysfs = detail::cache_from_sysfs("/sys/devices/system/cpu", 1, 1);
  if (from_sysfs.size_bytes != 0) EXPECT_EQ(from_cpuid.size_bytes, from_sysfs.size_bytes);
#else
  EXPECT_EQ(detail::cache_from_cpuid(1, 1).size_bytes, 0u);
#endif
}

}  // namespace
}  // namespace bitnet
