#pragma once
// A restricted reader of Python pickles (protocols 2 to 5) that builds inert C++ values.
//
// A pickle is a program for a stack machine; Python's own unpickler imports any module and calls
// any callable that the program names, which is why loading an untrusted pickle with it runs
// arbitrary code. This reader never imports or calls anything. It knows only the opcodes that
// plain data needs (containers, numbers, strings, references), and it treats the code-related
// opcodes as follows:
//   GLOBAL / STACK_GLOBAL  the name "module.qualname" must be in the caller's allow-list, or
//                          reading stops with an error naming it; an allowed one becomes an inert
//                          `global_ref` value (just its name).
//   REDUCE                 becomes a `call` value recording the callable (a global_ref) and its
//                          argument tuple. Nothing is invoked: giving the record a meaning is up to
//                          the caller (e.g. the .pth reader turns a `_rebuild_tensor_v2` record
//                          into a tensor after validating it). One exception is made here:
//                          `collections.OrderedDict()` with no arguments becomes an empty dict.
//   BINPERSID              becomes a `persistent_id` value wrapping the id object.
//   BUILD                  attaches the state to a `call` value, and is ignored on dicts (the
//                          `_metadata` attribute that PyTorch state dicts carry).
// Every other opcode (INST, OBJ, NEWOBJ, EXT*, PERSID, the text-protocol opcodes, ...) and every
// unknown byte is rejected with an error naming it and its offset.
//
// Resource bounds: every value is created by an opcode of at least one byte and strings are
// bounded by the remaining input, so memory is linear in the input size; memo indices are kept in
// a map (a huge index cannot force a huge allocation). Values live in one arena and refer to each
// other by index, so self-referencing containers cannot leak or recurse on destruction; code that
// walks the values must bound its depth (see `Pickle::at`).
#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace fb::checkpoint::pickle {

enum class Kind : uint8_t {
  none,
  boolean,
  integer,        // fits in int64
  big_integer,    // LONG1/LONG4 wider than 64 bits: `text` holds the little-endian two's complement
  floating,
  string,         // str (UTF-8 bytes as stored)
  bytes,          // bytes / Python 2 str
  tuple,
  list,
  dict,           // items: key0, value0, key1, value1, ... in insertion order (duplicates kept)
  global_ref,     // text: "module.qualname"
  call,           // items: [callable, args] or [callable, args, state] after BUILD
  persistent_id,  // items: [pid]
};

const char* kind_name(Kind k);

struct Value {
  Kind kind = Kind::none;
  bool boolean = false;
  int64_t integer = 0;
  double floating = 0;
  std::string text;
  std::vector<uint32_t> items;  // indices into Pickle::values
};

struct Pickle {
  std::vector<Value> values;
  uint32_t root = 0;
  const Value& at(uint32_t i) const { return values.at(i); }
};

struct UnpickleOptions {
  std::set<std::string> allowed_globals;  // "module.qualname"
  std::string where;                      // prefix of error messages, e.g. "load_pth: x.pth: data.pkl: "
};

// Reads one pickle from data[pos, size) up to and including its STOP opcode; on return *pos is
// the offset just after STOP (several pickles may follow each other in one stream).
//   throws: fb::Error with `opts.where`, the opcode's name and offset: a disallowed global, an
//           unsupported or unknown opcode, truncated input, stack or mark underflow, a missing memo
//           entry, a wrong operand type, or a stack not holding exactly one value at STOP.
Pickle unpickle(const char* data, size_t size, size_t* pos, const UnpickleOptions& opts);

}  // namespace fb::checkpoint::pickle
