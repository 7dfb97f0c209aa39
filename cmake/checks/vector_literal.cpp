// Configure-time check: GCC 12.2 with AVX-512 code generation (-march=native
// on AVX-512 machines, or AVX2 with -mtune=cascadelake) builds a constant
// std::vector<int64_t>{2, 2, 0, 0} as {2, 2, 2, 2} at -O2. Exit status 0
// means the chosen flags compile this correctly.
#include <cstdint>
#include <cstdio>
#include <vector>

__attribute__((noinline)) std::vector<int64_t> make() {
  std::vector<int64_t> v(4);
  v[0] = 2;
  v[1] = 2;
  return v;
}

int main() { return make() == std::vector<int64_t>{2, 2, 0, 0} ? 0 : 1; }
