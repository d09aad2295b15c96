#include "strata/snapshot.hpp"

#include <unistd.h>

#include <filesystem>

#include "strata/blob.hpp"
#include "strata/errors.hpp"
#include "strata/hdf5.hpp"
#include "strata/io.hpp"

namespace strata {

namespace {

std::string TempName(const std::string& path) { return path + TempSuffix(); }

void WriteBlobGroup(Hdf5File* file, const std::string& group, const NetParameter& weights,
                    bool diff) {
  file->CreateGroup(group);
  for (const auto& layer : weights.layer()) {
    const std::string layer_group = group + "/" + layer.name();
    if (file->HasGroup(layer_group)) continue;  // Caffe keeps the first of duplicate names
    file->CreateGroup(layer_group);
    for (int j = 0; j < layer.blobs_size(); ++j) {
      const BlobProto& proto = layer.blobs(j);
      Blob blob;
      blob.FromProto(proto);
      const float* values = blob.data();
      if (diff) {
        if (proto.diff_size() != blob.count()) continue;
        values = blob.diff();
      }
      file->Write(layer_group + "/" + std::to_string(j), blob.shape(), values);
    }
  }
}

bool ParsesAs(const std::string& bytes, google::protobuf::Message* message) {
  return message->ParseFromString(bytes);
}

}  // namespace

FileKind DetectFileKind(const std::string& path) {
  if (!std::filesystem::exists(path)) throw IoError(path + ": no such file");
  if (IsHdf5File(path)) {
    Hdf5File file(path, Hdf5File::Mode::kRead);
    if (file.HasGroup("data")) return FileKind::kWeightsHdf5;
    if (file.HasDataset("iter")) return FileKind::kSolverStateHdf5;
    return FileKind::kUnknown;
  }
  const std::string bytes = ReadFileToString(path);
  NetParameter net;
  if (ParsesAs(bytes, &net) && (net.layer_size() > 0 || net.layers_size() > 0)) {
    return FileKind::kWeights;
  }
  SolverState state;
  if (ParsesAs(bytes, &state) && (state.has_iter() || state.history_size() > 0)) {
    return FileKind::kSolverState;
  }
  return FileKind::kUnknown;
}

void ReadWeights(const std::string& path, NetParameter* weights) {
  weights->Clear();
  switch (DetectFileKind(path)) {
    case FileKind::kWeights:
      ReadProtoFromBinaryFile(path, weights);
      // Weights saved by old Caffe use V1 `layers`; only names and blobs matter here.
      for (const auto& old : weights->layers()) {
        LayerParameter* layer = weights->add_layer();
        layer->set_name(old.name());
        *layer->mutable_blobs() = old.blobs();
      }
      weights->clear_layers();
      return;
    case FileKind::kWeightsHdf5: {
      Hdf5File file(path, Hdf5File::Mode::kRead);
      for (const std::string& name : file.Children("data")) {
        LayerParameter* layer = weights->add_layer();
        layer->set_name(name);
        const std::string group = "data/" + name;
        const int count = static_cast<int>(file.Children(group).size());
        for (int j = 0; j < count; ++j) {
          Blob blob;
          file.Read(group + "/" + std::to_string(j), &blob);
          blob.ToProto(layer->add_blobs());
        }
      }
      return;
    }
    case FileKind::kSolverState:
    case FileKind::kSolverStateHdf5:
      throw IoError(path +
                    ": is a solver state, not weights; resume from it with "
                    "--snapshot (--weights takes .caffemodel or .caffemodel.h5 files)");
    case FileKind::kUnknown:
      break;
  }
  std::error_code error;
  if (std::filesystem::file_size(path, error) == 0 && !error) {
    throw IoError(path + ": the weights file is empty (0 bytes)");
  }
  throw IoError(path +
                ": not a weights file (.caffemodel or .caffemodel.h5): it parses as "
                "neither; truncated, or another kind of file");
}

void WriteWeights(const NetParameter& weights, const std::string& path, bool hdf5,
                  bool write_diff) {
  if (!hdf5) {
    WriteProtoToBinaryFile(weights, path);
    return;
  }
  const std::string temp = TempName(path);
  try {
    Hdf5File file(temp, Hdf5File::Mode::kTruncate);
    WriteBlobGroup(&file, "data", weights, false);
    if (write_diff) WriteBlobGroup(&file, "diff", weights, true);
    file.Flush();
  } catch (...) {
    std::filesystem::remove(temp);
    throw;
  }
  CommitFile(temp, path);
}

void ReadSolverState(const std::string& path, SolverState* state) {
  state->Clear();
  switch (DetectFileKind(path)) {
    case FileKind::kSolverState:
      ReadProtoFromBinaryFile(path, state);
      return;
    case FileKind::kSolverStateHdf5: {
      Hdf5File file(path, Hdf5File::Mode::kRead);
      state->set_iter(file.ReadInt("iter"));
      if (file.HasDataset("learned_net")) state->set_learned_net(file.ReadString("learned_net"));
      if (file.HasDataset("current_step")) state->set_current_step(file.ReadInt("current_step"));
      if (file.HasGroup("history")) {
        const int count = static_cast<int>(file.Children("history").size());
        for (int i = 0; i < count; ++i) {
          Blob blob;
          file.Read("history/" + std::to_string(i), &blob);
          blob.ToProto(state->add_history());
        }
      }
      if (file.HasDataset("strata_state")) {
        SolverState extras;
        if (!extras.ParseFromString(file.ReadBytes("strata_state"))) {
          throw IoError(path + ": corrupt strata_state");
        }
        state->MergeFrom(extras);
      }
      return;
    }
    case FileKind::kWeights:
    case FileKind::kWeightsHdf5:
      throw IoError(path +
                    ": is a weights file, not a solver state; pass it with --weights "
                    "(--snapshot takes .solverstate or .solverstate.h5 files)");
    case FileKind::kUnknown:
      break;
  }
  throw IoError(path + ": not a solver state (.solverstate or .solverstate.h5)");
}

void WriteSolverState(const SolverState& state, const std::string& path, bool hdf5) {
  if (!hdf5) {
    WriteProtoToBinaryFile(state, path);
    return;
  }
  const std::string temp = TempName(path);
  try {
    Hdf5File file(temp, Hdf5File::Mode::kTruncate);
    file.WriteInt("iter", state.iter());
    file.WriteString("learned_net", state.learned_net());
    file.WriteInt("current_step", state.current_step());
    file.CreateGroup("history");
    for (int i = 0; i < state.history_size(); ++i) {
      Blob blob;
      blob.FromProto(state.history(i));
      file.Write("history/" + std::to_string(i), blob.shape(), blob.data());
    }
    // Caffe's layout has no place for these; Caffe ignores the extra dataset.
    SolverState extras;
    *extras.mutable_loss_window() = state.loss_window();
    extras.set_loss_window_position(state.loss_window_position());
    *extras.mutable_layer_state() = state.layer_state();
    std::string bytes;
    extras.SerializeToString(&bytes);
    file.WriteBytes("strata_state", bytes);
    file.Flush();
  } catch (...) {
    std::filesystem::remove(temp);
    throw;
  }
  CommitFile(temp, path);
}

}  // namespace strata
