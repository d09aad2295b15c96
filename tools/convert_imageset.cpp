// convert_imageset: a folder of images and a "path label" list -> an LMDB or
// LevelDB of Datum records, as Caffe's tool of the same name.
#include <gflags/gflags.h>
#include <glog/logging.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "strata/datum.hpp"
#include "strata/db.hpp"
#include "strata/errors.hpp"
#include "strata/image_list.hpp"
#include "strata/io.hpp"
#include "strata/random.hpp"
#include "strata/thread_pool.hpp"
#include "tool_main.hpp"

DEFINE_bool(gray, false, "Read the images as grey (one channel) instead of colour (BGR).");
DEFINE_bool(shuffle, false, "Write the records in a shuffled order (seeded: the same every run).");
DEFINE_string(backend, "lmdb", "The database to write: lmdb or leveldb.");
DEFINE_int32(resize_width, 0, "Resize the images to this width (with --resize_height; bilinear).");
DEFINE_int32(resize_height, 0, "Resize the images to this height (with --resize_width).");
DEFINE_bool(check_size, false, "Check that every (raw) record has the first one's size.");
DEFINE_bool(encoded, false,
            "Store encoded images (the file's own bytes when nothing changes them) instead of "
            "raw pixels.");
DEFINE_string(encode_type, "",
              "With --encoded: the format to store (png, jpg); default: each file's own.");

namespace {

std::string Key(int index, const std::string& path) {
  char number[16];
  std::snprintf(number, sizeof(number), "%08d_", index);
  return number + path;  // Caffe's keys: the position, then the path
}

}  // namespace

int main(int argc, char** argv) {
  return strata::tools::RunTool(
      "convert_imageset",
      "converts images to a database of Datum records for the Data layer.\n"
      "Usage: convert_imageset [FLAGS] ROOTFOLDER/ LISTFILE DB_NAME\n"
      "LISTFILE holds 'path label' lines; each image is ROOTFOLDER + path. Images are decoded\n"
      "(colour, or grey with --gray), resized with --resize_height/--resize_width, and stored\n"
      "raw or, with --encoded, encoded; keys are %08d_path in list order (or shuffled).\n"
      "Decoding runs on every core. The database is written under a temporary name and\n"
      "renamed when complete; an existing DB_NAME is refused, never touched.",
      argc, argv, [](int argc, char** argv) {
        if (argc != 4) throw strata::tools::UsageError{"give ROOTFOLDER/ LISTFILE DB_NAME"};
        if (FLAGS_backend != "lmdb" && FLAGS_backend != "leveldb") {
          throw strata::tools::UsageError{"--backend must be lmdb or leveldb, not '" +
                                          FLAGS_backend + "'"};
        }
        if ((FLAGS_resize_width > 0) != (FLAGS_resize_height > 0) || FLAGS_resize_width < 0 ||
            FLAGS_resize_height < 0) {
          throw strata::tools::UsageError{"--resize_width and --resize_height go together"};
        }
        if (!FLAGS_encode_type.empty() && !FLAGS_encoded) {
          throw strata::tools::UsageError{"--encode_type needs --encoded"};
        }
        const std::string root = argv[1], list_file = argv[2], db_name = argv[3];
        strata::tools::NewOutput output(db_name, "convert_imageset", "DB_NAME");
        std::vector<strata::ImageListLine> lines = strata::ReadImageList(list_file);
        if (FLAGS_shuffle) {
          strata::Rng rng(1701);
          for (size_t i = lines.size(); i > 1; --i) {
            std::swap(lines[i - 1], lines[rng.engine()() % i]);
          }
        }
        auto writer = strata::CreateDbWriter(output.temp(), FLAGS_backend == "leveldb"
                                                                ? strata::DbBackend::kLevelDb
                                                                : strata::DbBackend::kLmdb);
        const strata::ImageColor color =
            FLAGS_gray ? strata::ImageColor::kGray : strata::ImageColor::kColor;
        const std::string encoding = FLAGS_encoded && FLAGS_encode_type.empty()
                                         ? std::string("*")  // each file's own, below
                                         : FLAGS_encode_type;
        size_t first_size = 0;
        const int n = static_cast<int>(lines.size());
        strata::tools::Progress progress(n, "files");
        constexpr int kBlock = 256;  // images decoded at once, then written in order
        std::vector<std::string> values(kBlock);
        for (int begin = 0; begin < n; begin += kBlock) {
          const int count = std::min(kBlock, n - begin);
          strata::ParallelChunks(count, 1, [&](int b, int e) {
            for (int i = b; i < e; ++i) {
              const strata::ImageListLine& line = lines[begin + i];
              std::string own = encoding;
              if (own == "*") {
                const size_t dot = line.path.rfind('.');
                own = dot == std::string::npos ? "png" : line.path.substr(dot + 1);
              }
              try {
                values[i] = strata::ImageFileToDatum(root + line.path, line.label, color,
                                                     FLAGS_resize_height, FLAGS_resize_width, own)
                                .SerializeAsString();
              } catch (const strata::Error& err) {
                strata::RethrowWithContext(err,
                                           list_file + ":" + std::to_string(line.number) + ": ");
              }
            }
          });
          for (int i = 0; i < count; ++i) {
            if (FLAGS_check_size && !FLAGS_encoded) {
              strata::Datum datum;
              datum.ParseFromString(values[i]);
              if (begin + i == 0) first_size = datum.data().size();
              if (datum.data().size() != first_size) {
                throw strata::DataError(list_file + ":" + std::to_string(lines[begin + i].number) +
                                        ": " + lines[begin + i].path + " has " +
                                        std::to_string(datum.data().size()) +
                                        " values but the first image has " +
                                        std::to_string(first_size) + " (--check_size)");
              }
            }
            writer->Put(Key(begin + i, lines[begin + i].path), values[i]);
          }
          progress.Update(begin + count);
        }
        writer->Close();
        output.Commit();
        std::cout << "Wrote " << n << " images to " << db_name << " (" << FLAGS_backend << ")\n";
        return 0;
      });
}
