// LAPACKE behind the interface of linalg/lapack_adapter.h. The only file that includes
// <lapacke.h>. Every call is the column-major *_work form, which hands the arrays straight to
// LAPACK: no transposed copies and no allocation inside LAPACKE.
#include "linalg/lapack_adapter.h"

#include <lapacke.h>

#include <algorithm>
#include <cmath>
#include <type_traits>

namespace bitnet::linalg::lapack {
namespace {

static_assert(std::is_same_v<lapack_int, LapackInt>,
              "the adapter assumes LAPACKE's 32-bit (LP64) integer interface");

// Precondition for every cast: the caller validated value <= kLapackMaxIndex.
lapack_int to_int(int64_t value) {
  return static_cast<lapack_int>(value);
}

char uplo(bool upper) {
  return upper ? 'U' : 'L';
}

// A workspace query's answer, returned by LAPACK in work[0] as a T. A float cannot hold every
// large count exactly, and LAPACK before 3.10 rounded it down, so the value is rounded up with a
// margin past float's precision. It is capped at what lwork can express: LAPACK then falls back
// to a smaller blocking, or rejects lwork if even its minimum does not fit.
template <typename T>
int64_t queried_length(T value) {
  const double margin = std::is_same_v<T, float> ? 1.0 + 1e-6 : 1.0;
  const double length = std::ceil(static_cast<double>(value) * margin);
  return static_cast<int64_t>(std::clamp(length, 1.0, static_cast<double>(kLapackMaxIndex)));
}

}  // namespace

template <typename T>
Workspace geqrf_workspace(int64_t m, int64_t n) {
  T query = 0;
  T dummy = 0;
  if constexpr (std::is_same_v<T, float>) {
    LAPACKE_sgeqrf_work(LAPACK_COL_MAJOR, to_int(m), to_int(n), &dummy,
                        to_int(std::max<int64_t>(1, m)), &dummy, &query, -1);
  } else {
    LAPACKE_dgeqrf_work(LAPACK_COL_MAJOR, to_int(m), to_int(n), &dummy,
                        to_int(std::max<int64_t>(1, m)), &dummy, &query, -1);
  }
  return {queried_length(query), 1};
}

template <typename T>
int geqrf(int64_t m, int64_t n, T* a, int64_t lda, T* tau, T* work, int64_t lwork) {
  if constexpr (std::is_same_v<T, float>) {
    return LAPACKE_sgeqrf_work(LAPACK_COL_MAJOR, to_int(m), to_int(n), a, to_int(lda), tau, work,
                               to_int(lwork));
  } else {
    return LAPACKE_dgeqrf_work(LAPACK_COL_MAJOR, to_int(m), to_int(n), a, to_int(lda), tau, work,
                               to_int(lwork));
  }
}

template <typename T>
Workspace orgqr_workspace(int64_t m, int64_t n, int64_t k) {
  T query = 0;
  T dummy = 0;
  if constexpr (std::is_same_v<T, float>) {
    LAPACKE_sorgqr_work(LAPACK_COL_MAJOR, to_int(m), to_int(n), to_int(k), &dummy,
                        to_int(std::max<int64_t>(1, m)), &dummy, &query, -1);
  } else {
    LAPACKE_dorgqr_work(LAPACK_COL_MAJOR, to_int(m), to_int(n), to_int(k), &dummy,
                        to_int(std::max<int64_t>(1, m)), &dummy, &query, -1);
  }
  return {queried_length(query), 1};
}

template <typename T>
int orgqr(int64_t m, int64_t n, int64_t k, T* a, int64_t lda, const T* tau, T* work,
          int64_t lwork) {
  if constexpr (std::is_same_v<T, float>) {
    return LAPACKE_sorgqr_work(LAPACK_COL_MAJOR, to_int(m), to_int(n), to_int(k), a, to_int(lda),
                               tau, work, to_int(lwork));
  } else {
    return LAPACKE_dorgqr_work(LAPACK_COL_MAJOR, to_int(m), to_int(n), to_int(k), a, to_int(lda),
                               tau, work, to_int(lwork));
  }
}

template <typename T>
int potrf(bool upper, int64_t n, T* a, int64_t lda) {
  if constexpr (std::is_same_v<T, float>) {
    return LAPACKE_spotrf_work(LAPACK_COL_MAJOR, uplo(upper), to_int(n), a, to_int(lda));
  } else {
    return LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, uplo(upper), to_int(n), a, to_int(lda));
  }
}

template <typename T>
Workspace gesdd_workspace(SvdVectors vectors, int64_t m, int64_t n) {
  T query = 0;
  T dummy = 0;
  LapackInt integer_dummy = 0;
  // The leading dimensions must be valid for the job even in a query.
  const int64_t k = std::min(m, n);
  const int64_t ldu = std::max<int64_t>(1, m);
  const int64_t ldvt = std::max<int64_t>(1, vectors == SvdVectors::kAll ? n : k);
  const char job = static_cast<char>(vectors);
  if constexpr (std::is_same_v<T, float>) {
    LAPACKE_sgesdd_work(LAPACK_COL_MAJOR, job, to_int(m), to_int(n), &dummy,
                        to_int(std::max<int64_t>(1, m)), &dummy, &dummy, to_int(ldu), &dummy,
                        to_int(ldvt), &query, -1, &integer_dummy);
  } else {
    LAPACKE_dgesdd_work(LAPACK_COL_MAJOR, job, to_int(m), to_int(n), &dummy,
                        to_int(std::max<int64_t>(1, m)), &dummy, &dummy, to_int(ldu), &dummy,
                        to_int(ldvt), &query, -1, &integer_dummy);
  }
  return {queried_length(query), std::max<int64_t>(1, 8 * k)};
}

template <typename T>
int gesdd(SvdVectors vectors, int64_t m, int64_t n, T* a, int64_t lda, T* s, T* u, int64_t ldu,
          T* vt, int64_t ldvt, T* work, int64_t lwork, LapackInt* iwork) {
  const char job = static_cast<char>(vectors);
  if constexpr (std::is_same_v<T, float>) {
    return LAPACKE_sgesdd_work(LAPACK_COL_MAJOR, job, to_int(m), to_int(n), a, to_int(lda), s, u,
                               to_int(ldu), vt, to_int(ldvt), work, to_int(lwork), iwork);
  } else {
    return LAPACKE_dgesdd_work(LAPACK_COL_MAJOR, job, to_int(m), to_int(n), a, to_int(lda), s, u,
                               to_int(ldu), vt, to_int(ldvt), work, to_int(lwork), iwork);
  }
}

template <typename T>
int getrf(int64_t m, int64_t n, T* a, int64_t lda, LapackInt* pivots) {
  if constexpr (std::is_same_v<T, float>) {
    return LAPACKE_sgetrf_work(LAPACK_COL_MAJOR, to_int(m), to_int(n), a, to_int(lda), pivots);
  } else {
    return LAPACKE_dgetrf_work(LAPACK_COL_MAJOR, to_int(m), to_int(n), a, to_int(lda), pivots);
  }
}

template <typename T>
int getrs(bool transpose, int64_t n, int64_t nrhs, const T* a, int64_t lda, const LapackInt* pivots,
          T* b, int64_t ldb) {
  const char trans = transpose ? 'T' : 'N';
  if constexpr (std::is_same_v<T, float>) {
    return LAPACKE_sgetrs_work(LAPACK_COL_MAJOR, trans, to_int(n), to_int(nrhs), a, to_int(lda),
                               pivots, b, to_int(ldb));
  } else {
    return LAPACKE_dgetrs_work(LAPACK_COL_MAJOR, trans, to_int(n), to_int(nrhs), a, to_int(lda),
                               pivots, b, to_int(ldb));
  }
}

template <typename T>
int gesv(int64_t n, int64_t nrhs, T* a, int64_t lda, LapackInt* pivots, T* b, int64_t ldb) {
  if constexpr (std::is_same_v<T, float>) {
    return LAPACKE_sgesv_work(LAPACK_COL_MAJOR, to_int(n), to_int(nrhs), a, to_int(lda), pivots, b,
                              to_int(ldb));
  } else {
    return LAPACKE_dgesv_work(LAPACK_COL_MAJOR, to_int(n), to_int(nrhs), a, to_int(lda), pivots, b,
                              to_int(ldb));
  }
}

template <typename T>
Workspace getri_workspace(int64_t n) {
  T query = 0;
  T dummy = 0;
  LapackInt integer_dummy = 0;
  if constexpr (std::is_same_v<T, float>) {
    LAPACKE_sgetri_work(LAPACK_COL_MAJOR, to_int(n), &dummy, to_int(std::max<int64_t>(1, n)),
                        &integer_dummy, &query, -1);
  } else {
    LAPACKE_dgetri_work(LAPACK_COL_MAJOR, to_int(n), &dummy, to_int(std::max<int64_t>(1, n)),
                        &integer_dummy, &query, -1);
  }
  return {queried_length(query), 1};
}

template <typename T>
int getri(int64_t n, T* a, int64_t lda, const LapackInt* pivots, T* work, int64_t lwork) {
  if constexpr (std::is_same_v<T, float>) {
    return LAPACKE_sgetri_work(LAPACK_COL_MAJOR, to_int(n), a, to_int(lda), pivots, work,
                               to_int(lwork));
  } else {
    return LAPACKE_dgetri_work(LAPACK_COL_MAJOR, to_int(n), a, to_int(lda), pivots, work,
                               to_int(lwork));
  }
}

template <typename T>
Workspace syevd_workspace(bool vectors, int64_t n) {
  T query = 0;
  T dummy = 0;
  LapackInt integer_query = 0;
  const char job = vectors ? 'V' : 'N';
  if constexpr (std::is_same_v<T, float>) {
    LAPACKE_ssyevd_work(LAPACK_COL_MAJOR, job, 'L', to_int(n), &dummy,
                        to_int(std::max<int64_t>(1, n)), &dummy, &query, -1, &integer_query, -1);
  } else {
    LAPACKE_dsyevd_work(LAPACK_COL_MAJOR, job, 'L', to_int(n), &dummy,
                        to_int(std::max<int64_t>(1, n)), &dummy, &query, -1, &integer_query, -1);
  }
  return {queried_length(query), std::max<int64_t>(1, integer_query)};
}

template <typename T>
int syevd(bool vectors, bool upper, int64_t n, T* a, int64_t lda, T* w, T* work, int64_t lwork,
          LapackInt* iwork, int64_t liwork) {
  const char job = vectors ? 'V' : 'N';
  if constexpr (std::is_same_v<T, float>) {
    return LAPACKE_ssyevd_work(LAPACK_COL_MAJOR, job, uplo(upper), to_int(n), a, to_int(lda), w,
                               work, to_int(lwork), iwork, to_int(liwork));
  } else {
    return LAPACKE_dsyevd_work(LAPACK_COL_MAJOR, job, uplo(upper), to_int(n), a, to_int(lda), w,
                               work, to_int(lwork), iwork, to_int(liwork));
  }
}

template <typename T>
Workspace gelsd_workspace(int64_t m, int64_t n, int64_t nrhs) {
  T query = 0;
  T dummy = 0;
  LapackInt integer_query = 0;
  LapackInt rank = 0;
  const int64_t ldb = std::max<int64_t>({1, m, n});
  if constexpr (std::is_same_v<T, float>) {
    LAPACKE_sgelsd_work(LAPACK_COL_MAJOR, to_int(m), to_int(n), to_int(nrhs), &dummy,
                        to_int(std::max<int64_t>(1, m)), &dummy, to_int(ldb), &dummy, -1.0f, &rank,
                        &query, -1, &integer_query);
  } else {
    LAPACKE_dgelsd_work(LAPACK_COL_MAJOR, to_int(m), to_int(n), to_int(nrhs), &dummy,
                        to_int(std::max<int64_t>(1, m)), &dummy, to_int(ldb), &dummy, -1.0, &rank,
                        &query, -1, &integer_query);
  }
  return {queried_length(query), std::max<int64_t>(1, integer_query)};
}

template <typename T>
int gelsd(int64_t m, int64_t n, int64_t nrhs, T* a, int64_t lda, T* b, int64_t ldb, T* s, T rcond,
          int64_t* rank, T* work, int64_t lwork, LapackInt* iwork) {
  LapackInt effective_rank = 0;
  int info = 0;
  if constexpr (std::is_same_v<T, float>) {
    info =
        LAPACKE_sgelsd_work(LAPACK_COL_MAJOR, to_int(m), to_int(n), to_int(nrhs), a, to_int(lda), b,
                            to_int(ldb), s, rcond, &effective_rank, work, to_int(lwork), iwork);
  } else {
    info =
        LAPACKE_dgelsd_work(LAPACK_COL_MAJOR, to_int(m), to_int(n), to_int(nrhs), a, to_int(lda), b,
                            to_int(ldb), s, rcond, &effective_rank, work, to_int(lwork), iwork);
  }
  *rank = effective_rank;
  return info;
}

#define BITNET_INSTANTIATE_LAPACK(T)                                                               \
  template Workspace geqrf_workspace<T>(int64_t, int64_t);                                         \
  template int geqrf<T>(int64_t, int64_t, T*, int64_t, T*, T*, int64_t);                           \
  template Workspace orgqr_workspace<T>(int64_t, int64_t, int64_t);                                \
  template int orgqr<T>(int64_t, int64_t, int64_t, T*, int64_t, const T*, T*, int64_t);            \
  template int potrf<T>(bool, int64_t, T*, int64_t);                                               \
  template Workspace gesdd_workspace<T>(SvdVectors, int64_t, int64_t);                             \
  template int gesdd<T>(SvdVectors, int64_t, int64_t, T*, int64_t, T*, T*, int64_t, T*, int64_t,   \
                        T*, int64_t, LapackInt*);                                                  \
  template int getrf<T>(int64_t, int64_t, T*, int64_t, LapackInt*);                                \
  template int getrs<T>(bool, int64_t, int64_t, const T*, int64_t, const LapackInt*, T*, int64_t); \
  template int gesv<T>(int64_t, int64_t, T*, int64_t, LapackInt*, T*, int64_t);                    \
  template Workspace getri_workspace<T>(int64_t);                                                  \
  template int getri<T>(int64_t, T*, int64_t, const LapackInt*, T*, int64_t);                      \
  template Workspace syevd_workspace<T>(bool, int64_t);                                            \
  template int syevd<T>(bool, bool, int64_t, T*, int64_t, T*, T*, int64_t, LapackInt*, int64_t);   \
  template Workspace gelsd_workspace<T>(int64_t, int64_t, int64_t);                                \
  template int gelsd<T>(int64_t, int64_t, int64_t, T*, int64_t, T*, int64_t, T*, T, int64_t*, T*,  \
                        int64_t, LapackInt*);
BITNET_INSTANTIATE_LAPACK(float)
BITNET_INSTANTIATE_LAPACK(double)
#undef BITNET_INSTANTIATE_LAPACK

}  // namespace bitnet::linalg::lapack
