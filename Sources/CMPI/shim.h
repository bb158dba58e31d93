// Open MPI's handles (MPI_COMM_WORLD, MPI_BYTE, ...) are macros that take the address of
// global structs, which Swift cannot import: these functions return them.
#include <mpi.h>

static inline MPI_Comm cmpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype cmpi_byte(void) { return MPI_BYTE; }
static inline MPI_Datatype cmpi_int64(void) { return MPI_INT64_T; }
static inline int cmpi_success(void) { return MPI_SUCCESS; }
