# Every outside library is found here, once.
find_package(Threads REQUIRED)
find_package(fmt REQUIRED)
# nlohmann-json (header-only): the safetensors header and index, the CLI and bench/.
find_package(nlohmann_json CONFIG REQUIRED)
find_package(PkgConfig REQUIRED)

# OpenBLAS (CBLAS) and LAPACKE from Debian.
find_path(BITNET_CBLAS_INCLUDE_DIR cblas.h
          PATHS /usr/include/x86_64-linux-gnu/openblas-pthread /usr/include/aarch64-linux-gnu/openblas-pthread
          PATH_SUFFIXES openblas)
find_library(BITNET_OPENBLAS_LIBRARY NAMES openblas REQUIRED)
if(NOT BITNET_CBLAS_INCLUDE_DIR)
  message(FATAL_ERROR "cblas.h not found: install libopenblas-dev")
endif()
# LAPACKE is the C interface only; the LAPACK routines behind it are OpenBLAS's (Debian's
# liblapack.so.3 alternative), so both libraries share one thread pool. Reached only from
# src/linalg/lapack_adapter.cpp and the benchmark's baseline.
find_path(BITNET_LAPACKE_INCLUDE_DIR lapacke.h)
find_library(BITNET_LAPACKE_LIBRARY NAMES lapacke)
if(NOT BITNET_LAPACKE_INCLUDE_DIR OR NOT BITNET_LAPACKE_LIBRARY)
  message(FATAL_ERROR "lapacke.h or liblapacke not found: install liblapacke-dev")
endif()
add_library(bitnet_openblas INTERFACE)
target_include_directories(bitnet_openblas INTERFACE ${BITNET_CBLAS_INCLUDE_DIR}
                                                     ${BITNET_LAPACKE_INCLUDE_DIR})
target_link_libraries(bitnet_openblas INTERFACE ${BITNET_LAPACKE_LIBRARY}
                                                ${BITNET_OPENBLAS_LIBRARY})

# Debian's cpuinfo CMake config points at a wrong path (/usr/lib/lib/...); pkg-config is reliable.
pkg_check_modules(CPUINFO QUIET IMPORTED_TARGET libcpuinfo)
if(CPUINFO_FOUND)
  set(BITNET_CPUINFO_TARGET PkgConfig::CPUINFO)
else()
  # libcpuinfo-dev cannot be installed for two architectures at once; a cross build links the
  # foreign runtime library (libcpuinfo0:arm64) with the architecture-independent header.
  find_path(BITNET_CPUINFO_INCLUDE_DIR cpuinfo.h PATHS /usr/include NO_CMAKE_FIND_ROOT_PATH REQUIRED)
  find_library(BITNET_CPUINFO_LIBRARY NAMES cpuinfo libcpuinfo.so.0 REQUIRED)
  add_library(bitnet_cpuinfo INTERFACE)
  target_include_directories(bitnet_cpuinfo SYSTEM INTERFACE ${BITNET_CPUINFO_INCLUDE_DIR})
  target_link_libraries(bitnet_cpuinfo INTERFACE ${BITNET_CPUINFO_LIBRARY})
  set(BITNET_CPUINFO_TARGET bitnet_cpuinfo)
endif()

# SLEEF (vectorised libm), reached only from src/cpu/simd/sleef_adapter.h.
find_path(BITNET_SLEEF_INCLUDE_DIR sleef.h REQUIRED)
find_library(BITNET_SLEEF_LIBRARY NAMES sleef REQUIRED)
add_library(bitnet_sleef INTERFACE)
target_include_directories(bitnet_sleef INTERFACE ${BITNET_SLEEF_INCLUDE_DIR})
target_link_libraries(bitnet_sleef INTERFACE ${BITNET_SLEEF_LIBRARY})

# oneDNN (Debian libdnnl-dev), optional: only the benchmark's int8 baseline
# (bench/onednn_baseline.cpp) uses it; without it the `onednn_s8` rows are skipped. Found by path:
# Debian's dnnl-config.cmake demands the OpenCL headers, which its CPU use does not need.
find_path(BITNET_DNNL_INCLUDE_DIR oneapi/dnnl/dnnl.hpp)
find_library(BITNET_DNNL_LIBRARY NAMES dnnl)
if(BITNET_DNNL_INCLUDE_DIR AND BITNET_DNNL_LIBRARY)
  add_library(bitnet_onednn INTERFACE)
  target_include_directories(bitnet_onednn SYSTEM INTERFACE ${BITNET_DNNL_INCLUDE_DIR})
  target_link_libraries(bitnet_onednn INTERFACE ${BITNET_DNNL_LIBRARY})
  message(STATUS "oneDNN: ${BITNET_DNNL_LIBRARY}; benchmark rows onednn_s8 enabled")
else()
  message(STATUS "oneDNN not found (install libdnnl-dev): benchmark rows onednn_s8 skipped")
endif()

# PCRE2 (Debian libpcre2-dev, 8-bit, with Unicode properties and JIT): the tokenizers'
# pre-tokenizer patterns, reached only from src/tokenizer/pcre2_regex.cpp.
pkg_check_modules(PCRE2 REQUIRED IMPORTED_TARGET libpcre2-8)
