#pragma once
// Roofline plot as a PNG: log-log axes of arithmetic intensity (FLOP/byte)
// against GFLOP/s, the compute roof (measured FMA peak) and the memory
// slope (measured bandwidth), one point per benchmark case for our kernels
// and for each baseline. Drawn pixel by pixel with a tiny built-in font.
#include <string>
#include <vector>

#include "kernels/bench/kernel_bench.h"
#include "kernels/bench/machine.h"

namespace fb::bench {

// Throws on write failure.
void write_roofline_png(const std::string& path, const MachinePeaks& m, const std::vector<BenchCase>& cases);

}  // namespace fb::bench
