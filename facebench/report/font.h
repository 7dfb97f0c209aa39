#pragma once
// A 5x9-pixel bitmap font for the report's charts (printable ASCII). Each glyph
// is 9 rows of 5 bits: rows 0-6 hold capitals and digits (row 6 is the
// baseline), rows 7-8 the descenders of g, j, p, q, y and the comma.
#include <array>
#include <cstdint>

namespace fb::report::font {

constexpr int kGlyphWidth = 5;
constexpr int kGlyphHeight = 9;
constexpr int kAdvance = 6;  // glyph width + one column of spacing

// Row bitmasks, bit 4 = leftmost column. Characters outside printable ASCII
// get a hollow box so that missing glyphs are visible rather than silently blank.
const std::array<uint8_t, kGlyphHeight>& glyph(char c);

}  // namespace fb::report::font
