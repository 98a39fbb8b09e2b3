// OpenBLAS's CBLAS interface (Debian: libopenblas-dev; pkg-config adds its include path).
#include <cblas.h>
#include <stddef.h>
// Lets the engine pin the BLAS thread count to what the user asked for.
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);

// LAPACK's symmetric eigensolver (double precision), exported by libopenblas
// itself on Debian, so no extra library is linked. Fortran calling convention:
// every argument by pointer, column-major storage, and gfortran's hidden
// lengths of the two character arguments at the end (always 1 here).
//   jobz 'V': eigenvalues and eigenvectors;  uplo 'U'/'L': triangle read
//   a [lda*n] in: the matrix, out: eigenvectors as columns;  w [n] eigenvalues ascending
//   lwork -1: workspace query (the optimal size comes back in work[0])
void dsyev_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda,
            double *w, double *work, const int *lwork, int *info, size_t jobz_len, size_t uplo_len);
