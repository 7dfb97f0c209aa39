#pragma once
// Small text helpers shared by the annotation readers: line splitting that
// tolerates CRLF and trailing blanks (several formats' line endings are not
// documented), strict number parsing (a malformed field is an error, never a
// silent 0), and the natural order of names ("s2" before "s10").
#include <cstdint>
#include <string>
#include <vector>

namespace fb::data {

// Lines of a text file, without their '\n' / "\r\n". Throws fb::Error naming
// the file when it cannot be read.
std::vector<std::string> read_lines(const std::string& path);
std::vector<std::string> split_ws(const std::string& line);           // on runs of blanks/tabs
std::vector<std::string> split_char(const std::string& line, char sep);  // every separator counts
std::string trim(const std::string& s);

// Whole-token parses; false when the token is not entirely a number.
bool parse_float(const std::string& tok, float* out);
bool parse_double(const std::string& tok, double* out);
bool parse_int(const std::string& tok, int64_t* out);

// "a2" < "a10": digit runs compare by value.
bool natural_less(const std::string& a, const std::string& b);

// The files directly in `dir` (not recursive) whose extension is an image's
// (jpg, jpeg, png, pgm, ppm, bmp; any case), in natural order of file name.
std::vector<std::string> list_images(const std::string& dir);
bool is_image_name(const std::string& name);

}  // namespace fb::data
