#pragma once
// Contact sheets for people to look at: samples in a grid with their
// landmarks drawn (green = visible, red = hidden), or their parsing masks.
#include <string>
#include <vector>

#include "facebench/synth/generator.h"

namespace fb::synth {

// cols: samples per row; scale: integer upsampling so that dots are visible.
Image8 contact_sheet(const std::vector<Sample>& samples, int cols, int scale, bool parsing);
// Writes a PNG; throws std::runtime_error naming the path on failure.
void write_png(const std::string& path, const Image8& im);

}  // namespace fb::synth
