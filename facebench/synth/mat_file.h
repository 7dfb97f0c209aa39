#pragma once
// A writer of MATLAB level-5 .mat files holding real double matrices: enough
// for AFLW2000-3D-style annotations (pt3d_68, pt2d, Pose_Para), which readers
// open with scipy.io.loadmat or matio.
#include <string>
#include <vector>

namespace fb::synth {

struct MatVariable {
  std::string name;
  int rows = 0, cols = 0;
  std::vector<double> data;  // column-major, rows * cols
};

// Throws std::runtime_error naming the path when the file cannot be written.
void write_mat_file(const std::string& path, const std::vector<MatVariable>& vars);
// The same bytes in memory (for tests).
std::vector<unsigned char> encode_mat_file(const std::vector<MatVariable>& vars);

}  // namespace fb::synth
