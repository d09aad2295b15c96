#include "strata/io.hpp"

#include <fcntl.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/text_format.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "net.pb.h"
#include "strata/errors.hpp"

namespace strata {

namespace {

class CollectingErrorCollector : public google::protobuf::io::ErrorCollector {
 public:
  explicit CollectingErrorCollector(std::string name) : name_(std::move(name)) {}
  void AddError(int line, int column, const std::string& message) override {
    if (!first_.empty()) return;
    // protobuf says "Expected identifier, got: " with nothing after it at the end of the text.
    const bool at_end = message.size() >= 5 && message.compare(message.size() - 5, 5, "got: ") == 0;
    first_ = Format(line, column, at_end ? message + "end of file (a '}' missing?)" : message);
  }
  void AddWarning(int line, int column, const std::string& message) override {
    (void)line, (void)column, (void)message;
  }
  const std::string& first() const { return first_; }

 private:
  std::string Format(int line, int column, const std::string& message) const {
    // protobuf counts from 0; editors count from 1.
    return name_ + ":" + std::to_string(line + 1) + ":" + std::to_string(column + 1) + ": " +
           message;
  }
  std::string name_;
  std::string first_;
};

void ParseText(const std::string& text, const std::string& name, google::protobuf::Message* message,
               google::protobuf::TextFormat::ParseInfoTree* tree) {
  CollectingErrorCollector errors(name);
  google::protobuf::TextFormat::Parser parser;
  parser.RecordErrorsTo(&errors);
  if (tree != nullptr) parser.WriteLocationsTo(tree);
  if (!parser.ParseFromString(text, message)) {
    throw ConfigError(errors.first().empty()
                          ? name + ": cannot parse as " + message->GetDescriptor()->name()
                          : errors.first());
  }
}

}  // namespace

std::string NetSource::Where(int index) const {
  if (path.empty()) return "";
  if (index < 0 || index >= static_cast<int>(layer_positions.size())) return path + ": ";
  const auto& pos = layer_positions[index];
  return path + ":" + std::to_string(pos.first) + ":" + std::to_string(pos.second) + ": ";
}

std::string ReadFileToString(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(path + ": cannot open: " + std::strerror(errno));
  std::ostringstream contents;
  contents << in.rdbuf();
  if (in.bad()) throw IoError(path + ": read failed");
  return contents.str();
}

void ParseProtoFromText(const std::string& text, const std::string& name,
                        google::protobuf::Message* message) {
  ParseText(text, name, message, nullptr);
}

void ParseProtoWithLocations(const std::string& text, const std::string& name,
                             google::protobuf::Message* message,
                             google::protobuf::TextFormat::ParseInfoTree* tree) {
  ParseText(text, name, message, tree);
}

void ReadProtoFromTextFile(const std::string& path, google::protobuf::Message* message) {
  ParseText(ReadFileToString(path), path, message, nullptr);
}

void ReadNetParameterFromTextFile(const std::string& path, NetParameter* net, NetSource* source) {
  google::protobuf::TextFormat::ParseInfoTree tree;
  ParseText(ReadFileToString(path), path, net, &tree);
  if (source == nullptr) return;
  source->path = path;
  source->layer_positions.clear();
  // Positions of `layer` entries, or of deprecated `layers` entries (upgraded later).
  const bool v1 = net->layer_size() == 0 && net->layers_size() > 0;
  const auto* layer_field = NetParameter::descriptor()->FindFieldByName(v1 ? "layers" : "layer");
  const int count = v1 ? net->layers_size() : net->layer_size();
  for (int i = 0; i < count; ++i) {
    const auto location = tree.GetLocation(layer_field, i);
    source->layer_positions.emplace_back(location.line + 1, location.column + 1);
  }
}

void ReadProtoFromBinaryFile(const std::string& path, google::protobuf::Message* message) {
  const std::string bytes = ReadFileToString(path);
  google::protobuf::io::ArrayInputStream raw(bytes.data(), static_cast<int>(bytes.size()));
  google::protobuf::io::CodedInputStream coded(&raw);
  coded.SetTotalBytesLimit(INT32_MAX);
  if (!message->ParseFromCodedStream(&coded) || !coded.ConsumedEntireMessage()) {
    throw IoError(path + ": not a valid binary " + message->GetDescriptor()->name());
  }
}

std::string TempSuffix() { return ".tmp." + std::to_string(::getpid()); }

std::vector<std::string> RemoveStaleTempFiles(const std::string& folder,
                                              const std::string& name_prefix) {
  std::vector<std::string> removed;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(folder, error)) {
    const std::string name = entry.path().filename().string();
    const size_t mark = name.rfind(".tmp.");
    if (name.compare(0, name_prefix.size(), name_prefix) != 0 || mark == std::string::npos ||
        mark + 5 >= name.size() ||
        name.find_first_not_of("0123456789", mark + 5) != std::string::npos) {
      continue;
    }
    // A file, or a database folder being built (LMDB's two files only).
    bool ours = entry.is_regular_file(error);
    if (!ours && entry.is_directory(error)) {
      ours = true;
      for (const auto& inner : std::filesystem::directory_iterator(entry.path(), error)) {
        const std::string file = inner.path().filename().string();
        ours = ours && (file == "data.mdb" || file == "lock.mdb");
      }
    }
    if (!ours) continue;
    const long pid = std::strtol(name.c_str() + mark + 5, nullptr, 10);
    // Only files of processes that are gone: a live writer's file is in use.
    if (pid <= 0 || pid == ::getpid() || ::kill(static_cast<pid_t>(pid), 0) == 0 ||
        errno != ESRCH) {
      continue;
    }
    if (std::filesystem::remove_all(entry.path(), error) > 0)
      removed.push_back(entry.path().string());
  }
  return removed;
}

void WriteFileAtomically(const std::string& path, const std::string& contents) {
  const std::string temp = path + TempSuffix();
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) throw IoError(path + ": cannot write: " + std::strerror(errno));
  size_t written = 0;
  while (written < contents.size()) {
    const ssize_t n = ::write(fd, contents.data() + written, contents.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      const std::string reason = std::strerror(errno);
      ::close(fd);
      ::unlink(temp.c_str());
      throw IoError(path + ": write failed: " + reason);
    }
    written += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    const std::string reason = std::strerror(errno);
    ::unlink(temp.c_str());
    throw IoError(path + ": write failed: " + reason);
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    const std::string reason = std::strerror(errno);
    ::unlink(temp.c_str());
    throw IoError(path + ": cannot replace: " + reason);
  }
}

void CommitFile(const std::string& temp, const std::string& path) {
  const int fd = ::open(temp.c_str(), O_RDONLY);
  const bool synced = fd >= 0 && ::fsync(fd) == 0;
  const std::string reason = std::strerror(errno);
  if (fd >= 0) ::close(fd);
  if (!synced || std::rename(temp.c_str(), path.c_str()) != 0) {
    const std::string why = synced ? std::strerror(errno) : reason;
    ::unlink(temp.c_str());
    throw IoError(path + ": cannot write: " + why);
  }
}

void WriteProtoToBinaryFile(const google::protobuf::Message& message, const std::string& path) {
  std::string bytes;
  if (!message.SerializeToString(&bytes)) throw IoError(path + ": cannot serialize message");
  WriteFileAtomically(path, bytes);
}

void WriteProtoToTextFile(const google::protobuf::Message& message, const std::string& path) {
  std::string text;
  if (!google::protobuf::TextFormat::PrintToString(message, &text)) {
    throw IoError(path + ": cannot print message");
  }
  WriteFileAtomically(path, text);
}

}  // namespace strata
