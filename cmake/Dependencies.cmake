# Every outside library is found here, once.
find_package(Threads REQUIRED)
find_package(fmt REQUIRED)
find_package(PkgConfig REQUIRED)

# OpenBLAS (CBLAS) and LAPACKE from Debian.
find_path(BITNET_CBLAS_INCLUDE_DIR cblas.h
          PATHS /usr/include/x86_64-linux-gnu/openblas-pthread /usr/include/aarch64-linux-gnu/openblas-pthread
          PATH_SUFFIXES openblas)
find_library(BITNET_OPENBLAS_LIBRARY NAMES openblas REQUIRED)
if(NOT BITNET_CBLAS_INCLUDE_DIR)
  message(FATAL_ERROR "cblas.h not found: install libopenblas-dev")
endif()
add_library(bitnet_openblas INTERFACE)
target_include_directories(bitnet_openblas INTERFACE ${BITNET_CBLAS_INCLUDE_DIR})
target_link_libraries(bitnet_openblas INTERFACE ${BITNET_OPENBLAS_LIBRARY})

# Debian's cpuinfo CMake config points at a wrong path (/usr/lib/lib/...); pkg-config is reliable.
pkg_check_modules(CPUINFO REQUIRED IMPORTED_TARGET libcpuinfo)
set(BITNET_CPUINFO_TARGET PkgConfig::CPUINFO)

# SLEEF (vectorised libm), reached only from src/cpu/simd/sleef_adapter.h.
find_path(BITNET_SLEEF_INCLUDE_DIR sleef.h REQUIRED)
find_library(BITNET_SLEEF_LIBRARY NAMES sleef REQUIRED)
add_library(bitnet_sleef INTERFACE)
target_include_directories(bitnet_sleef INTERFACE ${BITNET_SLEEF_INCLUDE_DIR})
target_link_libraries(bitnet_sleef INTERFACE ${BITNET_SLEEF_LIBRARY})
