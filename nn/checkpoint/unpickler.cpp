#include "nn/checkpoint/unpickler.h"

#include <cstring>
#include <unordered_map>

#include "tensor/error.h"

namespace fb::checkpoint::pickle {

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::none: return "None";
    case Kind::boolean: return "bool";
    case Kind::integer: return "int";
    case Kind::big_integer: return "int (over 64 bits)";
    case Kind::floating: return "float";
    case Kind::string: return "str";
    case Kind::bytes: return "bytes";
    case Kind::tuple: return "tuple";
    case Kind::list: return "list";
    case Kind::dict: return "dict";
    case Kind::global_ref: return "global";
    case Kind::call: return "call";
    case Kind::persistent_id: return "persistent id";
  }
  return "?";
}

namespace {

// Names of the opcodes of pickle protocols 0-5, so that a rejected one is named in the error.
const char* opcode_name(unsigned char op) {
  switch (op) {
    case '(': return "MARK";          case '.': return "STOP";           case '0': return "POP";
    case '1': return "POP_MARK";      case '2': return "DUP";            case 'F': return "FLOAT";
    case 'I': return "INT";           case 'J': return "BININT";         case 'K': return "BININT1";
    case 'L': return "LONG";          case 'M': return "BININT2";        case 'N': return "NONE";
    case 'P': return "PERSID";        case 'Q': return "BINPERSID";      case 'R': return "REDUCE";
    case 'S': return "STRING";        case 'T': return "BINSTRING";      case 'U': return "SHORT_BINSTRING";
    case 'V': return "UNICODE";       case 'X': return "BINUNICODE";     case 'a': return "APPEND";
    case 'b': return "BUILD";         case 'c': return "GLOBAL";         case 'd': return "DICT";
    case '}': return "EMPTY_DICT";    case 'e': return "APPENDS";        case 'g': return "GET";
    case 'h': return "BINGET";        case 'i': return "INST";           case 'j': return "LONG_BINGET";
    case 'l': return "LIST";          case ']': return "EMPTY_LIST";     case 'o': return "OBJ";
    case 'p': return "PUT";           case 'q': return "BINPUT";         case 'r': return "LONG_BINPUT";
    case 's': return "SETITEM";       case 't': return "TUPLE";          case ')': return "EMPTY_TUPLE";
    case 'u': return "SETITEMS";      case 'G': return "BINFLOAT";       case 0x80: return "PROTO";
    case 0x81: return "NEWOBJ";       case 0x82: return "EXT1";          case 0x83: return "EXT2";
    case 0x84: return "EXT4";         case 0x85: return "TUPLE1";        case 0x86: return "TUPLE2";
    case 0x87: return "TUPLE3";       case 0x88: return "NEWTRUE";       case 0x89: return "NEWFALSE";
    case 0x8a: return "LONG1";        case 0x8b: return "LONG4";         case 'B': return "BINBYTES";
    case 'C': return "SHORT_BINBYTES"; case 0x8c: return "SHORT_BINUNICODE"; case 0x8d: return "BINUNICODE8";
    case 0x8e: return "BINBYTES8";    case 0x8f: return "EMPTY_SET";     case 0x90: return "ADDITEMS";
    case 0x91: return "FROZENSET";    case 0x92: return "NEWOBJ_EX";     case 0x93: return "STACK_GLOBAL";
    case 0x94: return "MEMOIZE";      case 0x95: return "FRAME";         case 0x96: return "BYTEARRAY8";
    case 0x97: return "NEXT_BUFFER";  case 0x98: return "READONLY_BUFFER";
    default: return nullptr;
  }
}

// A name from the file, made safe to print on one line (escapes, bounded length).
std::string printable(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size() && i < 200; ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f) {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  if (s.size() > 200) out += "...";
  return out;
}

class Machine {
 public:
  Machine(const char* data, size_t size, size_t pos, const UnpickleOptions& opts)
      : d_(reinterpret_cast<const unsigned char*>(data)), size_(size), pos_(pos), opts_(opts) {}

  Pickle run(size_t* end) {
    for (;;) {
      op_pos_ = pos_;
      FB_CHECK(pos_ < size_, opts_.where, "pickle truncated at offset ", pos_, " (no STOP opcode)");
      op_ = d_[pos_++];
      if (step()) break;
    }
    FB_CHECK(marks_.empty(), where(), "a MARK is still open at the end of the pickle");
    FB_CHECK(stack_.size() == 1, where(), "the stack holds ", stack_.size(), " values at STOP, expected 1");
    out_.root = stack_.back();
    *end = pos_;
    return std::move(out_);
  }

 private:
  std::string where() const {
    const char* n = opcode_name(op_);
    return detail::concat(opts_.where, "opcode ", n ? n : "?", " at offset ", op_pos_, ": ");
  }

  // --- reading operands ---
  const unsigned char* take(uint64_t n) {
    FB_CHECK(n <= size_ - pos_, where(), "operand of ", n, " bytes runs past the end of the data (",
             size_ - pos_, " bytes left)");
    const unsigned char* p = d_ + pos_;
    pos_ += static_cast<size_t>(n);
    return p;
  }
  uint64_t le(unsigned nbytes) {
    const unsigned char* p = take(nbytes);
    uint64_t v = 0;
    for (int i = static_cast<int>(nbytes) - 1; i >= 0; --i) v = (v << 8) | p[i];
    return v;
  }
  std::string line() {
    const void* nl = std::memchr(d_ + pos_, '\n', size_ - pos_);
    FB_CHECK(nl != nullptr, where(), "unterminated line operand");
    const size_t n = static_cast<const unsigned char*>(nl) - (d_ + pos_);
    std::string s(reinterpret_cast<const char*>(d_ + pos_), n);
    pos_ += n + 1;
    return s;
  }

  // --- values and the stack ---
  uint32_t add(Value v) {
    out_.values.push_back(std::move(v));
    return static_cast<uint32_t>(out_.values.size() - 1);
  }
  uint32_t add_kind(Kind k) {
    Value v;
    v.kind = k;
    return add(std::move(v));
  }
  Value& val(uint32_t i) { return out_.values[i]; }
  size_t fence() const { return marks_.empty() ? 0 : marks_.back(); }
  uint32_t pop() {
    FB_CHECK(stack_.size() > fence(), where(), "stack underflow");
    uint32_t v = stack_.back();
    stack_.pop_back();
    return v;
  }
  uint32_t top() {
    FB_CHECK(stack_.size() > fence(), where(), "stack underflow");
    return stack_.back();
  }
  std::vector<uint32_t> pop_mark() {
    FB_CHECK(!marks_.empty(), where(), "no MARK to pop to");
    const size_t m = marks_.back();
    marks_.pop_back();
    std::vector<uint32_t> items(stack_.begin() + static_cast<std::ptrdiff_t>(m), stack_.end());
    stack_.resize(m);
    return items;
  }
  uint32_t container(Kind k) {
    Value v;
    v.kind = k;
    return add(std::move(v));
  }
  void push_string(Kind k, uint64_t n) {
    const unsigned char* p = take(n);
    Value v;
    v.kind = k;
    v.text.assign(reinterpret_cast<const char*>(p), static_cast<size_t>(n));
    stack_.push_back(add(std::move(v)));
  }
  void push_int(int64_t i) {
    Value v;
    v.kind = Kind::integer;
    v.integer = i;
    stack_.push_back(add(std::move(v)));
  }
  // LONG1/LONG4: little-endian two's complement of n bytes.
  void push_long(uint64_t n) {
    const unsigned char* p = take(n);
    const bool negative = n > 0 && (p[n - 1] & 0x80);
    // It fits in int64 when every byte above the eighth only repeats the sign.
    bool fits = true;
    for (uint64_t i = 8; i < n; ++i) fits = fits && p[i] == (negative ? 0xff : 0x00);
    if (n > 8 && fits) fits = ((p[7] & 0x80) != 0) == negative;
    if (!fits) {
      Value v;
      v.kind = Kind::big_integer;
      v.text.assign(reinterpret_cast<const char*>(p), static_cast<size_t>(n));
      stack_.push_back(add(std::move(v)));
      return;
    }
    uint64_t u = negative ? ~uint64_t{0} : 0;
    for (uint64_t i = 0; i < n && i < 8; ++i) {
      u &= ~(uint64_t{0xff} << (8 * i));
      u |= uint64_t{p[i]} << (8 * i);
    }
    int64_t s;
    std::memcpy(&s, &u, 8);
    push_int(s);
  }
  void push_global(const std::string& module, const std::string& name) {
    const std::string full = module + "." + name;
    if (opts_.allowed_globals.count(full) == 0) {
      // Protocols 0-2 write some modules under their Python 2 names, which Python 3 maps back
      // when loading: name both so the message says what would have been called.
      static const std::pair<const char*, const char*> py2[] = {
          {"__builtin__", "builtins"}, {"copy_reg", "copyreg"}, {"commands", "subprocess"}};
      std::string alias;
      for (const auto& [old_name, new_name] : py2)
        if (module == old_name) alias = " (" + printable(std::string(new_name) + "." + name) + ")";
      FB_FAIL(where(), "refusing global '", printable(full), "'", alias,
              ": only the types a state dict is made of are allowed, and nothing is ever called");
    }
    Value v;
    v.kind = Kind::global_ref;
    v.text = full;
    stack_.push_back(add(std::move(v)));
  }
  const Value& expect(uint32_t i, Kind k, const char* what) {
    const Value& v = val(i);
    FB_CHECK(v.kind == k, where(), what, " must be a ", kind_name(k), ", got a ", kind_name(v.kind));
    return v;
  }
  void memo_put(uint64_t idx) { memo_[idx] = top(); }
  void memo_get(uint64_t idx) {
    auto it = memo_.find(idx);
    FB_CHECK(it != memo_.end(), where(), "memo entry ", idx, " was never stored");
    stack_.push_back(it->second);
  }
  void set_items(uint32_t dict, const std::vector<uint32_t>& kv) {
    FB_CHECK(kv.size() % 2 == 0, where(), "odd number of items (", kv.size(), ") for key/value pairs");
    FB_CHECK(val(dict).kind == Kind::dict, where(), "items set on a ", kind_name(val(dict).kind),
             ", which is not a dict");
    auto& items = val(dict).items;
    items.insert(items.end(), kv.begin(), kv.end());
  }
  void append_items(uint32_t list, const std::vector<uint32_t>& xs) {
    FB_CHECK(val(list).kind == Kind::list, where(), "items appended to a ", kind_name(val(list).kind),
             ", which is not a list");
    auto& items = val(list).items;
    items.insert(items.end(), xs.begin(), xs.end());
  }
  void make_sequence(Kind k, std::vector<uint32_t> xs) {
    uint32_t t = container(k);
    val(t).items = std::move(xs);
    stack_.push_back(t);
  }

  // Executes the opcode op_; returns true at STOP.
  bool step() {
    switch (op_) {
      case 0x80: {  // PROTO
        const uint64_t v = le(1);
        FB_CHECK(v >= 2 && v <= 5, where(), "pickle protocol ", v, " is not supported (2 to 5 are)");
        return false;
      }
      case 0x95: {  // FRAME: a length hint; the opcodes follow inline
        const uint64_t n = le(8);
        FB_CHECK(n <= size_ - pos_, where(), "frame of ", n, " bytes runs past the end of the data");
        return false;
      }
      case '.': return true;  // STOP
      case '(': marks_.push_back(stack_.size()); return false;
      case '0':  // POP: the top value, or the innermost mark when nothing lies above it
        if (stack_.size() > fence()) stack_.pop_back();
        else pop_mark();
        return false;
      case '1': pop_mark(); return false;
      case '2': stack_.push_back(top()); return false;
      case 'N': stack_.push_back(add_kind(Kind::none)); return false;
      case 0x88:
      case 0x89: {
        Value v;
        v.kind = Kind::boolean;
        v.boolean = op_ == 0x88;
        stack_.push_back(add(std::move(v)));
        return false;
      }
      case 'J': push_int(static_cast<int32_t>(static_cast<uint32_t>(le(4)))); return false;
      case 'K': push_int(static_cast<int64_t>(le(1))); return false;
      case 'M': push_int(static_cast<int64_t>(le(2))); return false;
      case 0x8a: push_long(le(1)); return false;
      case 0x8b: {
        const int32_t n = static_cast<int32_t>(static_cast<uint32_t>(le(4)));
        FB_CHECK(n >= 0, where(), "negative length ", n);
        push_long(static_cast<uint64_t>(n));
        return false;
      }
      case 'G': {  // BINFLOAT: big-endian IEEE double
        const unsigned char* p = take(8);
        uint64_t u = 0;
        for (int i = 0; i < 8; ++i) u = (u << 8) | p[i];
        Value v;
        v.kind = Kind::floating;
        std::memcpy(&v.floating, &u, 8);
        stack_.push_back(add(std::move(v)));
        return false;
      }
      case 'X': push_string(Kind::string, le(4)); return false;
      case 0x8c: push_string(Kind::string, le(1)); return false;
      case 0x8d: push_string(Kind::string, le(8)); return false;
      case 'B': push_string(Kind::bytes, le(4)); return false;
      case 'C': push_string(Kind::bytes, le(1)); return false;
      case 0x8e: push_string(Kind::bytes, le(8)); return false;
      case 'U': push_string(Kind::bytes, le(1)); return false;
      case 'T': {
        const int32_t n = static_cast<int32_t>(static_cast<uint32_t>(le(4)));
        FB_CHECK(n >= 0, where(), "negative length ", n);
        push_string(Kind::bytes, static_cast<uint64_t>(n));
        return false;
      }
      case '}': stack_.push_back(container(Kind::dict)); return false;
      case ']': stack_.push_back(container(Kind::list)); return false;
      case ')': stack_.push_back(container(Kind::tuple)); return false;
      case 't': make_sequence(Kind::tuple, pop_mark()); return false;
      case 'l': make_sequence(Kind::list, pop_mark()); return false;
      case 0x85:
      case 0x86:
      case 0x87: {
        const size_t n = op_ - 0x84u;
        std::vector<uint32_t> xs(n);
        for (size_t i = n; i-- > 0;) xs[i] = pop();
        make_sequence(Kind::tuple, std::move(xs));
        return false;
      }
      case 'd': {
        std::vector<uint32_t> kv = pop_mark();
        const uint32_t dict = container(Kind::dict);
        set_items(dict, kv);
        stack_.push_back(dict);
        return false;
      }
      case 'a': {
        const uint32_t x = pop();
        append_items(top(), {x});
        return false;
      }
      case 'e': {
        std::vector<uint32_t> xs = pop_mark();
        append_items(top(), xs);
        return false;
      }
      case 's': {
        const uint32_t v = pop(), k = pop();
        set_items(top(), {k, v});
        return false;
      }
      case 'u': {
        std::vector<uint32_t> kv = pop_mark();
        set_items(top(), kv);
        return false;
      }
      case 'q': memo_put(le(1)); return false;
      case 'r': memo_put(le(4)); return false;
      case 0x94: memo_put(memo_.size()); return false;
      case 'h': memo_get(le(1)); return false;
      case 'j': memo_get(le(4)); return false;
      case 'c': {
        const std::string module = line();
        const std::string name = line();
        push_global(module, name);
        return false;
      }
      case 0x93: {
        const uint32_t name = pop(), module = pop();
        const std::string n = expect(name, Kind::string, "STACK_GLOBAL's name").text;
        const std::string m = expect(module, Kind::string, "STACK_GLOBAL's module").text;
        push_global(m, n);
        return false;
      }
      case 'R': {  // REDUCE: recorded, never called
        const uint32_t args = pop(), callable = pop();
        expect(args, Kind::tuple, "REDUCE's argument");
        const Value& c = expect(callable, Kind::global_ref, "REDUCE's callable");
        if (c.text == "collections.OrderedDict" && val(args).items.empty()) {
          stack_.push_back(container(Kind::dict));
        } else {
          Value v;
          v.kind = Kind::call;
          v.items = {callable, args};
          stack_.push_back(add(std::move(v)));
        }
        return false;
      }
      case 'b': {  // BUILD
        const uint32_t state = pop();
        Value& target = val(top());
        if (target.kind == Kind::call) {
          target.items.resize(2);
          target.items.push_back(state);
        } else {
          FB_CHECK(target.kind == Kind::dict, where(), "cannot set the state of a ", kind_name(target.kind));
        }
        return false;
      }
      case 'Q': {  // BINPERSID: the id is kept for the caller to resolve
        const uint32_t pid = pop();
        Value v;
        v.kind = Kind::persistent_id;
        v.items = {pid};
        stack_.push_back(add(std::move(v)));
        return false;
      }
      default: break;
    }
    const char* n = opcode_name(op_);
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02x", op_);
    if (n)
      FB_FAIL(opts_.where, "refusing opcode ", n, " (", hex, ") at offset ", op_pos_,
              ": it is not needed by a state dict and is not supported");
    FB_FAIL(opts_.where, "unknown opcode ", hex, " at offset ", op_pos_, ": not a pickle, or a damaged one");
  }

  const unsigned char* d_;
  size_t size_, pos_;
  const UnpickleOptions& opts_;
  size_t op_pos_ = 0;
  unsigned char op_ = 0;
  Pickle out_;
  std::vector<uint32_t> stack_;
  std::vector<size_t> marks_;
  std::unordered_map<uint64_t, uint32_t> memo_;
};

}  // namespace

Pickle unpickle(const char* data, size_t size, size_t* pos, const UnpickleOptions& opts) {
  FB_CHECK(*pos <= size, opts.where, "pickle starts past the end of the data");
  Machine m(data, size, *pos, opts);
  return m.run(pos);
}

}  // namespace fb::checkpoint::pickle
