#include "facebench/report/writer.h"

#include "tensor/error.h"

namespace fb::report {

// Placeholder so callers link while the writer is written.
void write_report(const std::string& out_dir, const std::vector<CellResult>&, const ReportInputs&) {
  FB_FAIL("report: write_report is not implemented yet (asked to write '", out_dir, "')");
}

}  // namespace fb::report
