// OpenBLAS's CBLAS interface (Debian: libopenblas-dev; pkg-config adds its include path).
#include <cblas.h>
// Lets the engine pin the BLAS thread count to what the user asked for.
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
