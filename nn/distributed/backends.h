#pragma once
// Inside nn/distributed: the backends' constructors and the MPI process state
// they share. Each is defined in its own file; without the library at build
// time the definition throws a clear error.
#include "nn/distributed/communicator.h"

namespace fb::nn::dist::detail {

CommunicatorPtr make_mpi();
CommunicatorPtr make_nccl();
// Starts MPI once per process (MPI_Init_thread, funneled) and arranges that a
// process which exits without finalize() aborts the job.
void mpi_start();
void mpi_finalize();

}  // namespace fb::nn::dist::detail
