// Shim for FFTW 3 (GPL-2.0-or-later). Included without <complex.h> so that
// fftw_complex imports into Swift as (Double, Double).
#ifndef CRITICALITY_CFFTW_SHIM_H
#define CRITICALITY_CFFTW_SHIM_H
#include <fftw3.h>

// fftw_version is an incomplete array type, which Swift cannot import.
static inline const char *criticality_fftw_version(void) { return fftw_version; }
#endif
