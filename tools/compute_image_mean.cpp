// compute_image_mean: the mean image of a database, for transform_param mean_file.
#include <gflags/gflags.h>
#include <glog/logging.h>

#include <cstdio>
#include <filesystem>
#include <iostream>

#include "strata/errors.hpp"
#include "strata/image_mean.hpp"
#include "strata/io.hpp"
#include "tool_main.hpp"

DEFINE_string(backend, "lmdb", "The database's backend: lmdb or leveldb.");

int main(int argc, char** argv) {
  return strata::tools::RunTool(
      "compute_image_mean",
      "computes the mean image of a database, as Caffe's compute_image_mean.\n"
      "Usage: compute_image_mean [--backend=lmdb|leveldb] DB [MEAN.binaryproto]\n"
      "Sums every record (raw or encoded) element by element and divides by the count;\n"
      "prints the mean of each channel (for transform_param mean_value) and, given an\n"
      "output path, writes the mean image there (for transform_param mean_file). An\n"
      "existing output is not overwritten.",
      argc, argv, [](int argc, char** argv) {
        if (argc < 2 || argc > 3) throw strata::tools::UsageError{"give DB and optionally MEAN"};
        if (FLAGS_backend != "lmdb" && FLAGS_backend != "leveldb") {
          throw strata::tools::UsageError{"--backend must be lmdb or leveldb, not '" +
                                          FLAGS_backend + "'"};
        }
        const std::string output = argc == 3 ? argv[2] : "";
        if (!output.empty() && std::filesystem::exists(output)) {
          throw strata::IoError(output +
                                ": already exists; compute_image_mean does not "
                                "overwrite (remove it first or choose another path)");
        }
        auto reader =
            strata::OpenDbReader(argv[1], FLAGS_backend == "leveldb" ? strata::DbBackend::kLevelDb
                                                                     : strata::DbBackend::kLmdb);
        strata::tools::Progress progress(reader->size(), "records");
        const strata::ImageMean mean =
            strata::ComputeImageMean(reader.get(), [&](size_t done) { progress.Update(done); });
        std::cout << "Mean of " << mean.count << " records of " << mean.mean.channels() << "x"
                  << mean.mean.height() << "x" << mean.mean.width() << "\n";
        for (size_t c = 0; c < mean.channel_means.size(); ++c) {
          std::printf("mean_value channel [%zu]: %g\n", c, mean.channel_means[c]);
        }
        if (!output.empty()) {
          strata::WriteProtoToBinaryFile(mean.mean, output);
          std::cout << "Wrote " << output << "\n";
        }
        return 0;
      });
}
