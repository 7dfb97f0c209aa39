#pragma once
// The raw results of a run in machine-readable form: CSV for spreadsheets,
// JSON (cells + config) for programs; results.json's cells read back with
// cell_from_json.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "facebench/report/results.h"

namespace fb::report {

// Header: task,dataset,backbone,mode,fraction,seed,train_size,seconds, then
// every metric key found in any cell, sorted. A metric a cell lacks is empty;
// a non-finite one is "nan"/"inf"/"-inf". Numbers round-trip exactly.
std::string results_csv(const std::vector<CellResult>& cells);

// {"cells": [...], "config": config, "meta": meta}.
nlohmann::json results_json(const std::vector<CellResult>& cells, const nlohmann::json& config,
                            const nlohmann::json& meta);
// The cells of a results.json document; throws fb::Error on a malformed one.
std::vector<CellResult> cells_from_results_json(const nlohmann::json& doc);

}  // namespace fb::report
