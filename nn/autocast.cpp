#include "nn/autocast.h"

#include "tensor/error.h"

namespace fb {
namespace {
thread_local DType g_compute = DType::f32;
}

DType autocast_dtype() { return g_compute; }

void set_autocast_dtype(DType compute) {
  FB_CHECK(compute == DType::f32 || compute == DType::bf16, "autocast: the compute dtype must be f32 (off) or bf16, got ",
           dtype_name(compute));
  g_compute = compute;
}

}  // namespace fb
