// extract_features: the values of named blobs for every image a net reads,
// written to databases of Datum records (or HDF5 files), as Caffe's tool.
#include <gflags/gflags.h>
#include <glog/logging.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <vector>

#include "blob.pb.h"
#include "strata/db.hpp"
#include "strata/errors.hpp"
#include "strata/hdf5.hpp"
#include "strata/net.hpp"
#include "tool_main.hpp"

DEFINE_string(backend, "",
              "lmdb, leveldb or hdf5 (default lmdb; Caffe's sixth argument says the same).");
DEFINE_string(stage, "", "Comma-separated stages for the net's include/exclude rules.");
DEFINE_int32(level, 0, "The net's level for include/exclude rules.");

namespace {

// Caffe's keys: the image's index, ten digits.
std::string Key(size_t index) {
  char key[24];
  std::snprintf(key, sizeof(key), "%010zu", index);
  return key;
}

// One blob's features on their way out: Datum records into a database, or
// rows into an HDF5 file written whole at the end.
class FeatureSink {
 public:
  FeatureSink(const std::string& path, const std::string& backend)
      : output_(path, "extract_features", "output name"), backend_(backend) {
    if (backend_ != "hdf5") {
      db_ =
          strata::CreateDbWriter(output_.temp(), backend_ == "leveldb" ? strata::DbBackend::kLevelDb
                                                                       : strata::DbBackend::kLmdb);
    }
  }

  void Add(const strata::Blob& blob) {
    const int num = blob.shape(0);
    const size_t dim = blob.count() / num;
    for (int n = 0; n < num; ++n) {
      const float* values = blob.data() + n * dim;
      if (!db_) {
        rows_.insert(rows_.end(), values, values + dim);
      } else {
        // Caffe's legacy view of the blob: channels x height x width (a
        // blob of more axes is flattened into channels).
        const bool legacy = blob.num_axes() <= 4;
        datum_.set_channels(!legacy               ? static_cast<int>(dim)
                            : blob.num_axes() > 1 ? blob.shape(1)
                                                  : 1);
        datum_.set_height(legacy && blob.num_axes() > 2 ? blob.shape(2) : 1);
        datum_.set_width(legacy && blob.num_axes() > 3 ? blob.shape(3) : 1);
        datum_.clear_float_data();
        for (size_t d = 0; d < dim; ++d) datum_.add_float_data(values[d]);
        db_->Put(Key(count_), datum_.SerializeAsString());
      }
      ++count_;
    }
    if (item_shape_.empty()) {
      item_shape_.assign(blob.shape().begin() + 1, blob.shape().end());
    }
  }

  void Finish() {
    if (db_) {
      db_->Close();
    } else {
      std::vector<int> shape = {static_cast<int>(count_)};
      shape.insert(shape.end(), item_shape_.begin(), item_shape_.end());
      strata::Hdf5File file(output_.temp(), strata::Hdf5File::Mode::kTruncate);
      file.Write("data", shape, rows_.data());
      file.Flush();
    }
    output_.Commit();
  }

 private:
  strata::tools::NewOutput output_;
  std::string backend_;
  std::unique_ptr<strata::DbWriter> db_;
  strata::Datum datum_;
  std::vector<float> rows_;
  std::vector<int> item_shape_;
  size_t count_ = 0;
};

std::string Backend(int argc, char** argv) {
  std::string backend = FLAGS_backend;
  if (argc > 6) {
    if (!backend.empty() && backend != argv[6]) {
      throw strata::tools::UsageError{"--backend=" + backend + " and the database type '" +
                                      argv[6] + "' disagree"};
    }
    backend = argv[6];
  }
  if (backend.empty()) backend = "lmdb";
  if (backend != "lmdb" && backend != "leveldb" && backend != "hdf5") {
    throw strata::tools::UsageError{"the output type must be lmdb, leveldb or hdf5, not '" +
                                    backend + "'"};
  }
  if (argc > 7 && std::string(argv[7]) != "CPU") {
    throw strata::tools::UsageError{std::string("'") + argv[7] +
                                    "': Strata runs on the CPU (give CPU or nothing)"};
  }
  return backend;
}

}  // namespace

int main(int argc, char** argv) {
  return strata::tools::RunTool(
      "extract_features",
      "writes the values of named blobs for every image a net reads.\n"
      "Usage: extract_features WEIGHTS MODEL BLOB[,BLOB...] OUT[,OUT...] NUM_MINI_BATCHES "
      "[lmdb|leveldb|hdf5] [CPU]\n"
      "Runs MODEL (TEST phase; its data layer reads the images) with WEIGHTS for\n"
      "NUM_MINI_BATCHES forward passes and writes each BLOB to the OUT in the same place of\n"
      "the list. A database gets one Datum per image (float_data, channels x height x width\n"
      "of the blob, key %010d), as Caffe's extract_features writes; an HDF5 file gets one\n"
      "dataset 'data' of N x the blob's per-image shape. Outputs are written under temporary\n"
      "names and renamed when complete; an existing OUT is refused, never touched.",
      argc, argv, [](int argc, char** argv) {
        if (argc < 6 || argc > 8) {
          throw strata::tools::UsageError{
              "give WEIGHTS MODEL BLOB[,BLOB...] OUT[,OUT...] NUM_MINI_BATCHES [TYPE] [CPU]"};
        }
        const std::string weights = argv[1], model = argv[2];
        const std::vector<std::string> blobs = strata::tools::SplitList(argv[3]);
        const std::vector<std::string> outputs = strata::tools::SplitList(argv[4]);
        char* end = nullptr;
        const long batches = std::strtol(argv[5], &end, 10);
        if (*end != '\0' || end == argv[5] || batches < 1) {
          throw strata::tools::UsageError{std::string("NUM_MINI_BATCHES must be a positive "
                                                      "integer, not '") +
                                          argv[5] + "'"};
        }
        if (blobs.size() != outputs.size()) {
          throw strata::tools::UsageError{"give one output for each blob (" +
                                          std::to_string(blobs.size()) + " blobs, " +
                                          std::to_string(outputs.size()) + " outputs)"};
        }
        for (const std::string& name : blobs) {
          if (name.empty())
            throw strata::tools::UsageError{"an empty blob name in '" + std::string(argv[3]) + "'"};
        }
        const std::string backend = Backend(argc, argv);

        strata::NetOptions options = strata::tools::NetOptionsFromFlags(FLAGS_stage, FLAGS_level);
        options.keep_blobs = blobs;  // their values must outlive the pass
        std::unique_ptr<strata::Net> built;
        try {
          built = std::make_unique<strata::Net>(model, strata::TEST, options);
        } catch (const strata::ConfigError& e) {
          for (const std::string& name : blobs) {
            if (std::string(e.what()).find("keep_blobs names '" + name + "'") !=
                std::string::npos) {
              throw strata::ConfigError(model + ": no blob named '" + name + "' in the TEST net");
            }
          }
          throw;
        }
        strata::Net& net = *built;
        net.CopyTrainedLayersFrom(weights);
        if (!net.input_blobs().empty()) {
          throw strata::ConfigError(model +
                                    ": the net has Input blobs, which nothing would "
                                    "fill; extract_features runs nets that read their data "
                                    "(Data, ImageData, HDF5Data)");
        }
        std::vector<const strata::Blob*> sources;
        for (const std::string& name : blobs) sources.push_back(net.blob_by_name(name));
        std::vector<std::unique_ptr<FeatureSink>> sinks;
        for (const std::string& path : outputs) {
          sinks.push_back(std::make_unique<FeatureSink>(path, backend));
        }
        strata::tools::Progress progress(batches, "mini-batches");
        for (long b = 0; b < batches; ++b) {
          net.Forward();
          for (size_t i = 0; i < sinks.size(); ++i) sinks[i]->Add(*sources[i]);
          progress.Update(b + 1);
        }
        for (auto& sink : sinks) sink->Finish();
        for (size_t i = 0; i < blobs.size(); ++i) {
          std::cout << "Wrote the features of " << batches * sources[i]->shape(0) << " images ("
                    << blobs[i] << ", " << sources[i]->count() / sources[i]->shape(0)
                    << " values each) to " << outputs[i] << " (" << backend << ")\n";
        }
        return 0;
      });
}
