#include "strata/training_log.hpp"

#include <glog/logging.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <sstream>

#include "strata/errors.hpp"
#include "strata/io.hpp"

namespace strata {

namespace {
std::string Join(const std::vector<std::string>& cells) {
  std::string line;
  for (size_t i = 0; i < cells.size(); ++i) line += (i ? "," : "") + cells[i];
  return line;
}

std::string Number(double value) {
  std::ostringstream out;
  out.precision(8);
  out << value;
  return out.str();
}
}  // namespace

CsvTrainingLog::CsvTrainingLog(const std::string& path, Solver& solver, bool append) : path_(path) {
  std::vector<std::string> header = {"iteration", "seconds", "lr", "train_loss"};
  for (size_t n = 0; n < solver.test_nets().size(); ++n) {
    first_column_.push_back(header.size());
    Net& net = *solver.test_nets()[n];
    std::map<std::string, int> seen;
    for (size_t b = 0; b < net.output_blobs().size(); ++b) {
      const std::string& name = net.output_blob_names()[b];
      for (int j = 0; j < net.output_blobs()[b]->count(); ++j) {
        const int k = seen[name]++;
        header.push_back("test" + std::to_string(n) + "/" + name +
                         (k ? "#" + std::to_string(k) : ""));
      }
    }
  }
  columns_ = header.size();
  const bool continuing = append && std::filesystem::exists(path);
  const auto folder = std::filesystem::path(path).parent_path();
  if (!folder.empty()) std::filesystem::create_directories(folder);
  if (continuing) KeepRowsBefore(solver.iter(), Join(header));
  out_.open(path, continuing ? std::ios::app : std::ios::trunc);
  if (!out_) throw IoError(path + ": cannot write the training log");
  if (!continuing) WriteRow(header);
  solver.AddCallback(this);
}

void CsvTrainingLog::KeepRowsBefore(int iter, const std::string& header) {
  std::istringstream in(ReadFileToString(path_));
  std::string line, kept;
  if (!std::getline(in, line) || line != header) {
    throw IoError(path_ + ": its columns are not this run's (" + header +
                  "); log the resumed run to a new file");
  }
  kept = line + "\n";
  int dropped = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    // Rows from the snapshot's iteration on were logged after the snapshot:
    // the resumed run logs them again.
    if (std::strtol(line.c_str(), nullptr, 10) >= iter) {
      ++dropped;
      continue;
    }
    kept += line + "\n";
  }
  if (dropped > 0) {
    LOG(INFO) << path_ << ": dropped " << dropped << " row(s) logged after iteration " << iter
              << ", which the resumed run logs again";
  }
  WriteFileAtomically(path_, kept);
}

void CsvTrainingLog::WriteRow(const std::vector<std::string>& cells) {
  out_ << Join(cells) << "\n";
  out_.flush();
  if (!out_) throw IoError(path_ + ": write failed");
}

void CsvTrainingLog::OnDisplay(int iter, double seconds, float rate, float smoothed_loss) {
  std::vector<std::string> row(columns_);
  row[0] = std::to_string(iter);
  row[1] = Number(seconds);
  row[2] = Number(rate);
  row[3] = Number(smoothed_loss);
  WriteRow(row);
}

void CsvTrainingLog::OnTest(int iter, double seconds, int net_index,
                            const std::vector<OutputAverage>& results) {
  std::vector<std::string> row(columns_);
  row[0] = std::to_string(iter);
  row[1] = Number(seconds);
  const size_t first = first_column_.at(net_index);
  for (size_t k = 0; k < results.size() && first + k < columns_; ++k) {
    row[first + k] = Number(results[k].value);
  }
  WriteRow(row);
}

}  // namespace strata
