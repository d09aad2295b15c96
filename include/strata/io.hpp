// Reading and writing protobuf files: text (.prototxt) with error locations,
// binary (.caffemodel, .solverstate) with atomic writes.
#pragma once

#include <google/protobuf/message.h>
#include <google/protobuf/text_format.h>

#include <string>
#include <vector>

namespace strata {

class NetParameter;

// Where each `layer { ... }` of a parsed net definition starts, for messages
// like "train_val.prototxt:42:3: layer 'fc1' (InnerProduct): ...".
struct NetSource {
  std::string path;
  std::vector<std::pair<int, int>> layer_positions;  // 1-based line, column per layer

  // "path:line:col: " for layer `index` of the file, or "" when unknown.
  std::string Where(int index) const;
};

// Parses a text-format message. A syntax error or unknown field throws
// ConfigError "PATH:LINE:COL: message"; a missing file throws IoError.
void ReadProtoFromTextFile(const std::string& path, google::protobuf::Message* message);
// Same, and records where each layer starts.
void ReadNetParameterFromTextFile(const std::string& path, NetParameter* net, NetSource* source);
// Same for text held in memory; `name` is used in messages.
void ParseProtoFromText(const std::string& text, const std::string& name,
                        google::protobuf::Message* message);

// Same, recording where each field was written into `tree`.
void ParseProtoWithLocations(const std::string& text, const std::string& name,
                             google::protobuf::Message* message,
                             google::protobuf::TextFormat::ParseInfoTree* tree);

// Reads a binary message; IoError when missing or not a valid message.
void ReadProtoFromBinaryFile(const std::string& path, google::protobuf::Message* message);

// Writes through a temporary file, fsync and rename, so a crash leaves either
// the old file or the new one, never a torn one. IoError on failure.
void WriteProtoToBinaryFile(const google::protobuf::Message& message, const std::string& path);
void WriteProtoToTextFile(const google::protobuf::Message& message, const std::string& path);
void WriteFileAtomically(const std::string& path, const std::string& contents);
// fsyncs the finished file `temp` and renames it to `path` (IoError on failure;
// `temp` is removed then).
void CommitFile(const std::string& temp, const std::string& path);

// Every temporary file Strata writes is named `path` + TempSuffix(), i.e.
// "<path>.tmp.<pid>", so that one left by a killed process can be recognised.
std::string TempSuffix();
// Removes the files (and LMDB folders being built) in `folder` named
// "<name_prefix>*.tmp.<pid>" whose process no longer runs (a kill -9 mid-write
// leaves them); returns their paths.
std::vector<std::string> RemoveStaleTempFiles(const std::string& folder,
                                              const std::string& name_prefix);

// Whole file as bytes; IoError when it cannot be read.
std::string ReadFileToString(const std::string& path);

}  // namespace strata
